"""``ArraySegmentWriter`` against stock Whoosh's ``SegmentWriter``: the same documents must give
indexes that stock Whoosh reads identically, term by term, posting by posting, score by score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.fields import TEXT
from whoosh.qparser import MultifieldParser, QueryParser
from whoosh.query import And, Every, NumericRange, Or, Phrase, Prefix, Term
from whoosh.writing import SegmentWriter

from bench.corpus import Generator
from searchapp import segment
from searchapp.analysis import english_analyzer
from searchapp.document import build_document
from searchapp.ingest import Skipped, read_file
from searchapp.names import default_book
from searchapp.schema import build_schema
from searchapp.segment import ArraySegmentWriter, locate
from tests.conftest import SAMPLE

BENCH_ARTICLES = 300


def _edge_records() -> list[dict[str, Any]]:
    """Shapes the bench corpus lacks: no body, no date, a word repeated past every block and byte
    boundary (positions > 65,535, field length past the last length byte), accents."""
    long_body = " ".join(["Raqqa advance"] * 36_000 + ["desert"] * 300)
    return [
        {"id": "edge-nodate", "title": "Dateless report", "text": "Forces in Homs and Idlib said so."},
        {"id": "edge-long", "title": "Long " * 300, "text": long_body, "published": "2016-03-01"},
        {"id": "edge-accents", "title": "Qaryatayn café", "text": "Ar-Raqqah’s élan; Dayr az-Zawr, Ḥimṣ."},
    ]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("docs")
    bench = folder / "bench.jsonl"
    gen = Generator(2016)
    records = [gen.article(n) for n in range(BENCH_ARTICLES)] + _edge_records()
    bench.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    book = default_book()
    docs = []
    for path in [*sorted(SAMPLE.iterdir()), bench]:
        for item in read_file(path, path.read_bytes()):
            assert not isinstance(item, Skipped), item
            docs.append(build_document(item, book.extract(item.title or "", item.body or ""), str(path), "h"))
    # no body, no names (ingest refuses an article without text, the writer must not)
    docs.append({**docs[5], "id": "edge-empty", "body": "", "surfaces": "", "entity": ""})
    assert len(docs) == 5 + BENCH_ARTICLES + 4
    return docs


def _build(folder: Path, docs: list[dict[str, Any]], array: bool, **kwargs: Any) -> Path:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    try:
        if array:
            writer = ArraySegmentWriter(ix, compound=False, **kwargs)
            for doc in docs:
                writer.add_document(**doc)
            writer._commit_toc(writer.finish_segments())
            writer._finish()
        else:
            stock = SegmentWriter(ix, compound=False)
            for doc in docs:
                stock.add_document(**doc)
            stock.commit(merge=False)
    finally:
        ix.close()
    return folder


def _delete(folder: Path, docnums: list[int]) -> None:
    ix = whoosh_index.open_dir(str(folder))
    try:
        writer = ix.writer()
        for d in docnums:
            writer.delete_document(d)
        writer.commit(merge=False)
    finally:
        ix.close()


def _postings(matcher: Any, blocks: bool) -> list[tuple]:
    out = []
    leaf = getattr(matcher, "child", matcher)  # under the deletions filter
    while matcher.is_active():
        row: tuple = (matcher.id(), matcher.weight(), matcher.value())
        if blocks:
            row += (
                leaf.block_max_id(),
                leaf.block_max_weight(),
                leaf.block_min_length(),
                leaf.block_max_length(),
            )
        out.append(row)
        matcher.next()
    return out


def _describe(folder: Path, blocks: bool = True) -> dict[str, Any]:
    """Everything a reader can say about an index."""
    ix = whoosh_index.open_dir(str(folder))
    out: dict[str, Any] = {}
    try:
        with ix.reader() as r:
            schema = r.schema
            out["doc_count"] = (r.doc_count(), r.doc_count_all(), sorted(r.all_doc_ids()))
            out["deleted"] = [d for d in range(r.doc_count_all()) if r.is_deleted(d)]
            out["fields"] = sorted(r.indexed_field_names())
            for name in out["fields"]:
                fieldobj = schema[name]
                terms = list(r.lexicon(name))
                out[f"terms:{name}"] = terms
                for t in terms:
                    info = r.term_info(name, t)
                    stats = (
                        info.weight(),
                        info.doc_frequency(),
                        info.min_length(),
                        info.max_length(),
                        info.max_weight(),
                        info.min_id(),
                        info.max_id(),
                    )
                    out[f"info:{name}:{t!r}"] = stats if blocks else stats[:2]
                    out[f"freq:{name}:{t!r}"] = (r.frequency(name, t), r.doc_frequency(name, t))
                    out[f"post:{name}:{t!r}"] = _postings(r.postings(name, t), blocks)
                    if fieldobj.format.supports("positions"):
                        m = r.postings(name, t)
                        out[f"pos:{name}:{t!r}"] = list(m.items_as("positions"))
                if fieldobj.scorable:
                    out[f"len:{name}"] = (
                        r.field_length(name),
                        r.min_field_length(name),
                        r.max_field_length(name),
                        [r.doc_field_length(d, name) for d in range(r.doc_count_all())],
                    )
            out["stored"] = [r.stored_fields(d) for d in range(r.doc_count_all())]
            out["date column"] = list(r.column_reader("date"))
    finally:
        ix.close()
    return out


QUERIES = [
    Term("body", "armi"),
    Term("title", "raqqa"),
    Or([Term("body", "said"), Term("title", "syria")]),
    And([Term("body", "forc"), Term("body", "citi")]),
    Phrase("body", ["syrian", "observatori"]),
    Phrase("body", ["raqqa", "advanc"]),
    Prefix("body", "advan"),
    Term("entity", "group:isis"),
    Prefix("surfaces", "r"),
    Term("outlet", "Outlet 001"),
    NumericRange("date", 20150101000000, 20191231235959),
    Every(),
]


def _searches(folder: Path) -> list[Any]:
    ix = whoosh_index.open_dir(str(folder))
    out: list[Any] = []
    try:
        with ix.searcher(weighting=scoring.BM25F(title_B=0.5)) as s:
            parsed = [
                MultifieldParser(["title", "body"], ix.schema).parse("army advance Palmyra"),
                QueryParser("body", ix.schema).parse('"islamic state" OR daesh'),
            ]
            for q in [*QUERIES, *parsed]:
                hits = s.search(q, limit=None)
                out.append((str(q), [(h.docnum, h.score) for h in hits]))
                out.append(sorted(h.docnum for h in s.search(q, limit=20, sortedby="date", reverse=True)))
    finally:
        ix.close()
    return out


def _assert_same(stock: dict[str, Any], ours: dict[str, Any]) -> None:
    assert stock.keys() == ours.keys()
    for key in stock:
        assert ours[key] == stock[key], key


def test_same_index_as_stock_whoosh(documents: list[dict[str, Any]], tmp_path: Path) -> None:
    stock = _build(tmp_path / "stock", documents, array=False)
    ours = _build(tmp_path / "ours", documents, array=True)
    described = _describe(stock)
    assert len(described["terms:body"]) > 5_000 and described["doc_count"][0] == len(documents)
    _assert_same(described, _describe(ours))
    assert _searches(ours) == _searches(stock)

    gone = [0, 3, 17, len(documents) - 2]
    _delete(stock, gone)
    _delete(ours, gone)
    _assert_same(_describe(stock), _describe(ours))
    assert _searches(ours) == _searches(stock)


def test_many_segments_read_as_one(
    documents: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a small posting limit the writer starts new segments; the index still reads the same
    (block statistics differ with the cut, so they are left out). Small flush batches too."""
    monkeypatch.setattr(segment, "BATCH_POSTINGS", 300)
    stock = _build(tmp_path / "stock", documents, array=False)
    ours = _build(tmp_path / "ours", documents, array=True, max_postings=20_000)
    ix = whoosh_index.open_dir(str(ours))
    try:
        assert len(ix._segments()) > 3
    finally:
        ix.close()
    _assert_same(_describe(stock, blocks=False), _describe(ours, blocks=False))
    assert _searches(ours) == _searches(stock)

    # stock Whoosh merges our segments (as a later reindex merges small ones) as it merges its own
    # (a merge sums byte-rounded lengths, so both sides are merged)
    for folder in (stock, ours):
        ix = whoosh_index.open_dir(str(folder))
        try:
            ix.optimize()
        finally:
            ix.close()
    _assert_same(_describe(stock), _describe(ours))


def test_writer_refuses_what_it_does_not_write(documents: list[dict[str, Any]], tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    try:
        writer = ArraySegmentWriter(ix)
        with pytest.raises(ValueError, match="_boost"):
            writer.add_document(**documents[0], _boost=2.0)
        with pytest.raises(Exception, match="nosuchfield"):
            writer.add_document(nosuchfield="x")
        writer.add_document(**documents[1])
        assert writer.next_docnum == 1
        writer._commit_toc(writer.finish_segments())
        writer._finish()
        with ix.searcher() as s:
            assert s.doc_count() == 1
            assert s.stored_fields(0)["id"] == documents[1]["id"]
    finally:
        ix.close()


def test_locate_deletes_across_segments(documents: list[dict[str, Any]], tmp_path: Path) -> None:
    """The indexer drops duplicate ids by the writer-wide docnum ``index_file`` recorded."""
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    try:
        writer = ArraySegmentWriter(ix, max_postings=20_000)
        numbers = []
        for doc in documents:
            numbers.append(writer.next_docnum)
            writer.add_document(**doc)
        assert numbers == list(range(len(documents)))
        segments = writer.finish_segments()
        assert len(segments) > 3
        gone = {1, 150, len(documents) - 1}
        for d in gone:
            segment, local = locate(segments, d)
            segment.delete_document(local)
        with pytest.raises(IndexError):
            locate(segments, len(documents))
        writer._commit_toc(segments)
        writer._finish()
        with ix.searcher() as s:
            kept = [f["id"] for _, f in s.iter_docs()]
        assert kept == [d["id"] for i, d in enumerate(documents) if i not in gone]
    finally:
        ix.close()


def test_english_text_indexes_as_its_analyzer(documents: list[dict[str, Any]]) -> None:
    """Both writers index ``EnglishText`` through its shortcut (``english_positions``): it must give
    what the analyzer chain itself gives a stock ``TEXT`` field, term by term and position by position."""
    schema = build_schema()
    for name in ("title", "body"):
        ours = schema[name]
        stock = TEXT(analyzer=english_analyzer(), phrase=True, field_boost=ours.format.field_boost)
        for doc in documents:
            expected = sorted(stock.index(doc[name]))
            assert sorted(ours.index(doc[name])) == expected
            terms, freqs, positions = ours.index_columns(doc[name])
            assert [t.encode() for t in terms] == [t for t, *_ in ours.index(doc[name])]
            assert sum(freqs) == len(positions) == sum(f for _, f, _, _ in expected)
