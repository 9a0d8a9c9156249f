"""The numpy query path gives the page Whoosh's own matchers give: same documents, same totals, same
facet counts, same scores and order (ties included), for every kind of query and request.

The index holds the five samples and a few hundred made-up articles in several files, then one
file is rewritten and reindexed, so the generation has more than one segment and deleted docs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from searchapp import indexer
from searchapp.indexer import reindex
from searchapp.names import default_book
from searchapp.search import GenerationSearcher
from searchapp.store import require_current
from searchapp.urlstate import from_args
from tests.conftest import SAMPLE, warm_index_dir
from tests.corpus import write_jsonl, write_many
from tests.seed_queries import SEED_QUERIES

QUERIES = [
    "",
    "army",
    "forces",
    "observatory",
    "nothingmatchesthis",
    "army forces",
    "army desert strikes",
    "town advance clashes monitor",
    "army OR desert",
    "army OR desert OR rebels",
    "rebels OR militants OR fighters OR battle",
    '"syrian observatory"',
    '"forces moved"',
    '"forces moved on"',
    '"army forces"',
    '"the syrian observatory said"',
    '"strikes control" OR rebels',
    '"army forces" desert',
    "Qaryatain",
    "Palmyra forces",
    "Deir al-Zor",
    "Deir Ezzor",
    "=Quaryatayn",
    "=Quaryatayn army",
    "army -desert",
    "army -desert -rebels",
    '-"syrian observatory"',
    "-army",
    "title:report",
    "title:palmyra OR homs",
    'outlet:"Outlet A" army',
    "outlet:nosuchoutlet",
    "entity:palmyra",
    "Homs OR Idlib OR Aleppo",
    "report 7",
] + [q for q, _ in SEED_QUERIES]

VARIANTS: list[dict[str, str]] = [
    {},
    {"limit": "5"},
    {"page": "3", "limit": "7"},
    {"page": "40", "limit": "10"},
    {"sort": "newest"},
    {"sort": "oldest", "page": "2", "limit": "5"},
    {"outlet": "Outlet B"},
    {"from": "2016-03", "to": "2016-08"},
    {"collapse": "1"},
    {"collapse": "1", "page": "2", "limit": "5"},
    {"count": "stories"},
    {"exact": "1"},
]


@pytest.fixture(scope="module")
def fast_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fast")
    articles = root / "articles"
    shutil.copytree(SAMPLE, articles)
    write_many(articles, files=4, per_file=80)
    index = warm_index_dir(root / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexer, "SMALL_SEGMENT", 10)  # keep these small segments, deletions and all
        reindex([articles], index, workers=1)
        write_jsonl(articles / "batch-0001.jsonl", 80, 80, seed=99)  # rewritten: deletions, new segment
        write_jsonl(articles / "extra.jsonl", 1000, 30)
        reindex([articles], index, workers=1)
    return index


@pytest.fixture(scope="module")
def searcher(fast_index: Path) -> Any:
    with GenerationSearcher(require_current(fast_index), default_book()) as s:
        yield s


def _page(searcher: GenerationSearcher, params: dict[str, str], fast: bool) -> dict[str, Any]:
    searcher.fast = fast
    try:
        page = searcher.search(from_args(params)).to_json()
    finally:
        searcher.fast = True
    del page["took_ms"]
    return page


def test_index_has_segments_and_deletions(searcher: GenerationSearcher) -> None:
    assert len(searcher.evaluator.segments) > 1
    assert not searcher.facets.live.all()


@pytest.mark.parametrize("q", QUERIES)
def test_fast_page_is_whooshs_page(searcher: GenerationSearcher, q: str) -> None:
    for extra in VARIANTS:
        params = {"q": q, **extra} if q else dict(extra)
        assert _page(searcher, params, fast=True) == _page(searcher, params, fast=False), params


@pytest.mark.parametrize("q", [q for q in QUERIES if q])
def test_scores_and_order_of_every_match(searcher: GenerationSearcher, q: str) -> None:
    """Beyond the page: every match's score, bit for bit, against Whoosh's scored search."""
    from searchapp.query import Compiler, parse

    compiled = Compiler(searcher.reader, searcher.book).compile(parse(q))
    if compiled.query is None:
        return
    fast = searcher.evaluator.run(compiled.query)
    assert fast is not None
    docs, scores = fast
    # Whoosh's unlimited collector: its top-N one prunes clauses and can miss the best documents
    found = searcher.searcher.search(compiled.query, limit=None)
    expected = sorted((hit.docnum, hit.score) for hit in found)
    assert docs.tolist() == [d for d, _ in expected]
    assert scores.tolist() == [s for _, s in expected]
    order = np.lexsort((docs, -scores))
    assert docs[order].tolist() == [hit.docnum for hit in found]


@pytest.fixture(scope="module")
def big_segment() -> Any:
    """One segment of more than 5,000 documents: Whoosh then builds its ``Or`` as a weighted tree
    of unions rather than an accumulating array, with another summation order to match."""
    import random

    from whoosh.filedb.filestore import RamStorage

    from searchapp.schema import build_schema

    rng = random.Random(3)
    words = "army forces town advance clashes monitor desert road province rebels".split()
    ix = RamStorage().create_index(build_schema())
    with ix.writer() as w:
        for n in range(5200):
            body = " ".join(rng.choice(words) for _ in range(rng.randint(3, 40)))
            title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
            w.add_document(id=str(n), title=title, body=body, entity=rng.choice(["place:1", "place:2", ""]))
    with ix.searcher() as s:
        yield s


@pytest.mark.parametrize(
    "q",
    [
        "army",
        "army OR desert OR rebels",
        "army OR town OR province OR road OR monitor",
        "army desert rebels",
        '"army forces"',
        '"army forces town"',
        "(army OR desert) -rebels",
    ],
)
def test_big_segment_scores(big_segment: Any, q: str) -> None:
    from whoosh import query as wq

    from searchapp.evaluate import Evaluator

    def term(w: str) -> wq.Query:
        return wq.Or([wq.Term("title", w), wq.Term("body", w), wq.Term("entity", "place:1")])

    if q.startswith('"'):
        words = q.strip('"').split()
        query: wq.Query = wq.Or([wq.Phrase("title", words), wq.Phrase("body", words)])
    elif " -" in q:
        query = wq.AndNot(wq.Or([term("army"), term("desert")]), term("rebels"))
    elif " OR " in q:
        query = wq.Or([term(w) for w in q.split(" OR ")])
    else:
        query = wq.And([term(w) for w in q.split()])
    live = np.ones(big_segment.doc_count_all(), dtype=bool)
    fast = Evaluator(big_segment, live).run(query)
    assert fast is not None
    found = big_segment.search(query, limit=None)
    expected = sorted((hit.docnum, hit.score) for hit in found)
    assert fast[0].tolist() == [d for d, _ in expected]
    assert fast[1].tolist() == [s for _, s in expected]


def plain_facet_entries(
    searcher: GenerationSearcher, name: str, counts: np.ndarray, selected: set[str], top: int
) -> tuple[list[tuple[str, list[tuple[int, str]]]], bool]:
    """The facet list built the plain way: every counted value into Python, sorted per kind."""
    from searchapp.schema import ENTITY_TYPES

    table = searcher.facets.tables[name]
    groups: dict[str, list[tuple[int, str]]] = {}
    for i in np.flatnonzero(counts):
        value = table.values[i]
        kind = value.split(":", 1)[0] if name == "entity" else ""
        if name == "entity" and kind not in ENTITY_TYPES:
            continue
        groups.setdefault(kind, []).append((-int(counts[i]), value))
    for v in selected:
        kind = v.split(":", 1)[0] if name == "entity" else ""
        if all(v != value for _, value in groups.get(kind, [])):
            groups.setdefault(kind, []).append((0, v))
    out = []
    truncated = False
    for kind in sorted(groups, key=lambda k: list(ENTITY_TYPES).index(k) if k in ENTITY_TYPES else 0):
        ranked = sorted(groups[kind])
        out.append((kind, ranked[:top] + [x for x in ranked[top:] if x[1] in selected]))
        truncated = truncated or len(ranked) > top
    return out, truncated


@pytest.mark.parametrize("top", [1, 3, 10, 100])
def test_facet_lists_match_the_plain_way(searcher: GenerationSearcher, top: int) -> None:
    from searchapp.search import ENTITY_TYPES

    rng = np.random.default_rng(top)
    for name in ("outlet", "agency", "entity"):
        table = searcher.facets.tables[name]
        n = len(table.values)
        for trial in range(12):
            counts = rng.integers(0, 4, size=n) * (rng.random(n) < 0.6)
            picks = (
                [table.values[i] for i in rng.choice(n, size=min(n, trial % 4), replace=False)] if n else []
            )
            selected = set(picks) | ({"other:nothing", "place:unknown-here"} if trial % 3 == 0 else set())
            groups = searcher._facet_groups(name, counts, selected, limit=top + trial % 3)
            fast, truncated = [], False
            for kind in sorted(groups, key=lambda k: list(ENTITY_TYPES).index(k) if k in ENTITY_TYPES else 0):
                ranked, extra, size = groups[kind]
                fast.append((kind, ranked[:top] + [x for x in ranked[top:] if x[1] in selected] + extra))
                truncated = truncated or size > top
            assert (fast, truncated) == plain_facet_entries(searcher, name, counts, selected, top)


@pytest.mark.parametrize("seed", range(6))
def test_positions_read_as_whoosh_wrote_them(seed: int) -> None:
    """The numpy reading of position values, on one-byte deltas and on everything else (long
    gaps, lists past pickle's 1,000-item batches, a value with its final STOP cut off)."""
    import random

    from whoosh.formats import Positions

    from searchapp.evaluate import _positions

    fmt = Positions()
    rng = random.Random(seed)
    values, expected = [], []
    for _ in range(rng.randint(1, 60)):
        n = rng.choice([1, 1, 2, 3, 10, 200, 1001, 1002])
        found = sorted(rng.sample(range(max(2 * n, rng.choice([50, 300, 5000, 100_000]))), n))
        value = fmt.encode(found)
        values.append(value[:-1] if rng.random() < 0.5 and value.endswith(b".") else value)
        expected.append(found)
    pos, lengths = _positions(values)
    assert pos.tolist() == [p for found in expected for p in found]
    assert lengths.tolist() == [len(found) for found in expected]


def test_threads_sharing_a_searcher_get_the_same_pages(searcher: GenerationSearcher) -> None:
    """Web threads share one searcher: its posting reads must not disturb one another."""
    from concurrent.futures import ThreadPoolExecutor

    params = [{"q": q} for q in QUERIES if q] * 3
    alone = [_page(searcher, p, fast=True) for p in params]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda p: searcher.search(from_args(p)).to_json(), params))
    for page in together:
        del page["took_ms"]
    assert together == alone


def test_term_tables_read_what_whoosh_reads(searcher: GenerationSearcher) -> None:
    """Every term of every segment, looked up in the mapped term file, has Whoosh's own term
    info; terms a segment lacks (or a field it lacks) are None."""
    count = 0
    for seg in searcher.evaluator.segments:
        assert seg.terms is not None
        whoosh_terms = seg.reader._terms
        for fieldname, tbytes in seg.reader.all_terms():
            expected = whoosh_terms.term_info(fieldname, tbytes)
            assert vars(seg.terms.info(fieldname, tbytes)) == vars(expected), (fieldname, tbytes)
            assert seg.terms.info(fieldname, tbytes + b"\x00absent") is None
            count += 1
        assert seg.terms.info("no-such-field", b"army") is None
    assert count > 1000


def test_prefix_expansion_is_whooshs(searcher: GenerationSearcher) -> None:
    """Prefixes over the mapped term files of all segments give the reader's ``expand_prefix``."""
    from itertools import islice

    reader = searcher.reader
    for fieldname in ("surfaces", "entity", "body", "outlet"):
        terms = [t.decode("utf-8") for t in reader.lexicon(fieldname)]
        prefixes = {"", "zzzz", "\uffff"} | {t[:n] for t in terms[::7] for n in (1, 2, 4)}
        for prefix in sorted(prefixes):
            for limit in (1, 3, 200):
                expected = list(islice(reader.expand_prefix(fieldname, prefix), limit))
                assert searcher.evaluator.expand_prefix(fieldname, prefix, limit) == expected, prefix


@pytest.mark.parametrize("seed", range(8))
def test_block_ids_and_weights_read_as_pickle_reads_them(seed: int) -> None:
    """The numpy reading of posting blocks' id deltas and weights against unpickling them, on the
    blocks the segment writer makes (protocol 4: one-byte or two-byte deltas, weights None, one
    float or a tuple) and on ones it reads by unpickling (mixed widths, 4-byte ints, short
    blocks, protocols 2 and 3)."""
    import pickle
    import random
    import zlib

    from searchapp.evaluate import _ids_and_weights, _weights

    rng = random.Random(seed)
    datas, counts, expected_ids, expected_w = [], [], [], []
    for _ in range(rng.randint(1, 40)):
        n = rng.choice([1, 2, 3, 4, 5, 60, 127, 128])
        top = rng.choice([200, 255, 256, 65535, 70000])
        deltas = (
            rng.randint(0, 2**31 - 1 if seed % 3 == 0 else 70000),
            *(rng.randint(1, top) for _ in range(n - 1)),
        )
        kind = rng.choice(["none", "one", "many"])
        weights = (
            None
            if kind == "none"
            else rng.random() * 9
            if kind == "one"
            else tuple(rng.random() * 9 for _ in range(n))
        )
        values = tuple(bytes(rng.randrange(256) for _ in range(rng.randint(5, 30))) for _ in range(n))
        data = pickle.dumps((deltas, weights, values), rng.choice([2, 3, 4, 4, 4]))
        datas.append(zlib.decompress(zlib.compress(data)))
        counts.append(n)
        expected_ids.extend(deltas)
        expected_w.append(weights)
    flat, wts = _ids_and_weights(datas, counts)
    assert flat.tolist() == expected_ids
    assert wts.tolist() == _weights(expected_w, counts).tolist()
    # only the start of each pickle (as zlib stops early), the whole one on request
    cut = [d[: rng.randint(0, len(d))] for d in datas]
    flat, wts = _ids_and_weights(cut, counts, lambda i: datas[i])
    assert flat.tolist() == expected_ids
    assert wts.tolist() == _weights(expected_w, counts).tolist()


def test_blocks_of_the_index_read_as_whoosh_reads_them(
    searcher: GenerationSearcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every posting list of the index with more than one block, read both ways (the numpy
    reading from two blocks on, not only the long lists it is kept for), and as a phrase reads
    it, has the doc numbers and weights of Whoosh's own matcher (deleted documents included)."""
    from searchapp import evaluate
    from searchapp.evaluate import _read_blocks, _read_spans

    monkeypatch.setattr(evaluate, "_ARRAY_BLOCKS", 2)

    checked = 0
    for seg in searcher.evaluator.segments:
        for fieldname, tbytes in seg.reader.all_terms():
            info = seg.info(fieldname, tbytes)
            if info.is_inlined():
                continue
            offset, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            postfile = seg.reader._terms._postfile
            ids, weights = _read_blocks(postfile, offset, length)
            spans = _read_spans(postfile, offset, length, None)
            matcher = seg.reader._terms.matcher(fieldname, tbytes, seg.reader.schema[fieldname].format)
            expected_ids, expected_weights = [], []
            while matcher.is_active():
                expected_ids.append(matcher.id())
                expected_weights.append(matcher.weight())
                matcher.next()
            assert ids.tolist() == expected_ids and spans.ids.tolist() == expected_ids
            assert weights.tolist() == expected_weights and spans.weights.tolist() == expected_weights
            checked += len(spans.counts) > 1
        seg.infos.clear()
    assert checked > 10


def test_every_article_pages_from_the_kept_counts_and_orders(fast_index: Path) -> None:
    """The request for every article keeps its facet counts and date orders per generation: the
    pages made from them are the pages computed afresh (a new searcher, nothing kept yet)."""
    variants = [{}, *VARIANTS, {"sort": "oldest"}, {"count": "stories", "collapse": "1"}]
    for extra in variants:
        with GenerationSearcher(require_current(fast_index), default_book()) as fresh:
            first = _page(fresh, dict(extra), fast=True)
            for other in variants:  # fill the rest, then ask again
                _page(fresh, dict(other), fast=True)
            assert fresh._everything
            assert _page(fresh, dict(extra), fast=True) == first, extra


PHRASE_WORDS = "army desert road town rebels monitor province clashes".split()


@pytest.fixture(scope="module")
def phrase_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One segment from the app's segment writer with posting lists long enough for the phrase's
    numpy reading of block values, and the shapes that send a block back to pickle: a position
    repeated in a block (a memo reference), positions past one and two bytes, a word repeated
    past a value of 255 bytes. Each document stores its body, to be checked by brute force."""
    import random

    from whoosh import index as whoosh_index

    from searchapp.schema import build_schema
    from searchapp.segment import ArraySegmentWriter

    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("phrase")
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ArraySegmentWriter(ix, compound=False)
    for n in range(2600):
        size = rng.choice([2, 3, 5, 8, 20, 40, 300]) if n != 7 else 70_000
        words = [rng.choice(PHRASE_WORDS[: rng.choice([3, 8])]) for _ in range(size)]
        if n % 9 == 0:
            words = ["army", "desert", *words]  # the same first positions, block after block
        if n % 401 == 5:
            words += ["road"] * 150
        body = " ".join(words)
        writer.add_document(id=str(n), title=f"report {n}", body=body, doc={"body": body})
    writer._commit_toc(writer.finish_segments())
    writer._finish()
    with ix.searcher() as searcher:
        yield searcher
    ix.close()


@pytest.mark.parametrize(
    "words",
    [
        ["army", "desert"],
        ["desert", "army"],
        ["road", "road"],
        ["town", "rebels", "monitor"],
        ["clashes", "army", "army"],
        ["province", "province", "province", "province"],
    ],
)
def test_phrase_matches_by_brute_force(phrase_index: Any, words: list[str]) -> None:
    """A phrase's matches (some documents deleted) are the documents whose stored body has the
    words one after another, and its scores Whoosh's own."""
    from whoosh import query as wq

    from searchapp.analysis import english_analyzer, english_positions
    from searchapp.evaluate import Evaluator

    terms = [t.text for t in english_analyzer()(" ".join(words))]
    count = phrase_index.doc_count_all()
    live = np.random.default_rng(len(words)).random(count) > 0.1
    expected = []
    for docnum in range(count):
        found = english_positions(phrase_index.stored_fields(docnum)["doc"]["body"])
        starts = set(found.get(terms[0], []))
        for i, term in enumerate(terms[1:], 1):
            starts &= {p - i for p in found.get(term, [])}
        if starts and live[docnum]:
            expected.append(docnum)
    assert expected
    evaluator = Evaluator(phrase_index, live)
    try:
        docs, scores = evaluator.run(wq.Phrase("body", terms))
    finally:
        evaluator.close()
    assert docs.tolist() == expected
    found = phrase_index.search(wq.Phrase("body", terms), limit=None)
    whoosh = sorted((hit.docnum, hit.score) for hit in found if live[hit.docnum])
    assert scores.tolist() == [s for _, s in whoosh]


def test_block_positions_read_as_whoosh_reads_them(phrase_index: Any) -> None:
    """Every body posting's positions, as a phrase reads them from the inflated blocks, are the
    ones Whoosh's matcher gives; long lists are read with numpy, and blocks it cannot read are
    unpickled."""
    from searchapp import evaluate
    from searchapp.evaluate import _read_spans

    seen = []
    value_spans = evaluate._value_spans

    def spy(*args: Any) -> Any:
        out = value_spans(*args)
        seen.append(out[0])
        return out

    reader = phrase_index.reader()
    evaluate._value_spans = spy
    try:
        for term in reader.lexicon("body"):
            info = reader._terms.term_info("body", term)
            if info.is_inlined():
                continue
            offset, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            spans = _read_spans(reader._terms._postfile, offset, length, None)
            matcher = reader.postings("body", term)
            expected = []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.value_as("positions")))
                matcher.next()
            every_other_block = (np.arange(len(spans.ids)) // 128) % 2 == 0
            for picked in (spans.ids, spans.ids[::7], spans.ids[every_other_block], spans.ids[::500]):
                pos, counts = spans.positions(picked)
                ends = np.cumsum(counts)
                got = [
                    (d, pos[e - c : e].tolist())
                    for d, e, c in zip(picked.tolist(), ends, counts, strict=True)
                ]
                assert got == [x for x in expected if x[0] in set(picked.tolist())], term
    finally:
        evaluate._value_spans = value_spans
    assert seen
    numpy_read = np.concatenate(seen)
    assert numpy_read.sum() > 20 and (~numpy_read).any()
