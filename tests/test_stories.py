"""Stories: near-duplicate grouping at index time, collapse and story counts at search time, the
article page's "Same story elsewhere", and the spellings view. Real indexes, the real app."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from searchapp import indexer, stories
from searchapp.cli import main
from searchapp.indexer import reindex
from searchapp.ingest import Article, read_paths
from searchapp.names import default_book
from searchapp.search import IndexHolder
from searchapp.store import current_generation, read_json
from searchapp.stories import SKETCHES, STORIES, SketchStore, StoryTable, group, sketch
from searchapp.urlstate import SearchRequest
from tests.conftest import SAMPLE
from tests.corpus import variants


def sample_articles() -> dict[str, Article]:
    """The sample articles by file number ("000" ... "004")."""
    found = [a for a in read_paths([SAMPLE]) if isinstance(a, Article)]
    return {Path(a.source).name[:3]: a for a in found}


SAMPLES = sample_articles()
BASE = SAMPLES["000"].body
VARIANTS = variants(BASE)


def api(client, qs: str = "") -> dict:  # type: ignore[no-untyped-def]
    response = client.get("/api/search" + qs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def name(source: str, article_id: str) -> str:
    """A sample article's file number ("000" ... "004"), any other article's id."""
    return Path(source).name[:3] if source.endswith(".txt") else article_id


def stories_of(index: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Through the search layer: name -> article id, and name -> story id."""
    with IndexHolder(index, default_book()) as holder:
        page = holder.get().search(SearchRequest(limit=1000))
    ids = {name(r.source, r.id): r.id for r in page.results}
    return ids, {name(r.source, r.id): r.story for r in page.results}


@pytest.fixture()
def ids(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The sample index's article ids by file number."""
    return {name(r["source"], r["id"]): r["id"] for r in api(client, "?limit=10")["results"]}


# --- the copy test, on sketches --------------------------------------------------------------------


def test_the_sample_story_is_000_002_003() -> None:
    names = sorted(SAMPLES)
    store = SketchStore.from_items([(n, 0, sketch(SAMPLES[n].body)) for n in names])
    groups = group(store)
    assert [[names[i] for i in g] for g in groups] == [["000", "002", "003"]]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_made_up_copies_on_both_sides_of_the_threshold(name: str) -> None:
    text, expected = VARIANTS[name]
    store = SketchStore.from_items([("original", 0, sketch(BASE)), ("copy", 0, sketch(text))])
    assert (group(store) == [[0, 1]]) is expected


def test_a_short_text_quoted_by_two_stories_does_not_bridge_them() -> None:
    lede = BASE.split("\n\n")[0]
    quoting = variants(BASE)["quotes-a-paragraph"][0]  # another story that quotes 000's lede
    items = [("000", BASE), ("lede", lede), ("quoting", quoting), ("copy-of-quoting", quoting + " More.")]
    store = SketchStore.from_items([(n, 0, sketch(t)) for n, t in items])
    assert group(store) == [[0, 1], [2, 3]]
    # A second outlet running the same lede-only brief: both join the story they were cut from.
    items.append(("lede-again", lede + " Monitors said the fighting went on. (AFP)"))
    store = SketchStore.from_items([(n, 0, sketch(t)) for n, t in items])
    assert group(store) == [[0, 1, 4], [2, 3]]


def test_the_variants_cover_both_sides() -> None:
    verdicts = {expected for _, expected in VARIANTS.values()}
    assert verdicts == {True, False}
    apart = {n for n, (_, e) in VARIANTS.items() if n.startswith("words-") and not e}
    assert apart == {"words-45", "words-60"}


# --- a real index: samples plus made-up copies ---------------------------------------------------------


@pytest.fixture(scope="module")
def variant_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("variants") / "corpus"
    shutil.copytree(SAMPLE, corpus)
    with (corpus / "copies.jsonl").open("w", encoding="utf-8") as fh:
        for n, (name, (text, _)) in enumerate(sorted(VARIANTS.items())):
            record = {
                "id": f"copy-{name}",
                "title": f"A headline of its own, number {n}",  # copies rewrite the headline
                "text": text,
                "outlet": f"Outlet {n}",
                "published": f"2016-04-{n + 1:02d}",
            }
            fh.write(json.dumps(record) + "\n")
    index = tmp_path_factory.mktemp("variants-index") / "index"
    reindex([corpus], index, workers=1)
    return index


def test_index_groups_samples_and_copies(variant_index: Path) -> None:
    ids, story = stories_of(variant_index)
    original = story["000"]
    assert original == ids["000"]  # the earliest dated copy names the story
    assert story["002"] == story["003"] == original
    assert story["001"] == ids["001"] and story["004"] == ids["004"]
    for name, (_, expected) in VARIANTS.items():
        assert (story[f"copy-{name}"] == original) is expected, name
    gen = current_generation(variant_index)
    assert gen is not None and (gen / SKETCHES).exists() and (gen / STORIES).exists()


# --- search: JSON fields, collapse, story counts -------------------------------------------------------


def test_results_carry_story_and_copies(client, ids) -> None:  # type: ignore[no-untyped-def]
    results = {r["id"]: r for r in api(client, "?limit=10")["results"]}
    for n in ("000", "002", "003"):
        assert (results[ids[n]]["story"], results[ids[n]]["copies"]) == (ids["000"], 3)
    for n in ("001", "004"):
        assert (results[ids[n]]["story"], results[ids[n]]["copies"]) == (ids[n], 1)
    assert all("also" not in r for r in results.values())


@pytest.mark.parametrize("qs", ["?collapse=1", "?q=Qaryatayn&collapse=1", "?collapse=1&sort=oldest"])
def test_collapse_shows_one_result_per_story(client, ids, qs: str) -> None:  # type: ignore[no-untyped-def]
    data = api(client, qs)
    assert (data["total"], data["articles"], data["stories"], data["collapse"]) == (3, 5, 3, True)
    assert len({r["story"] for r in data["results"]}) == 3
    story = next(r for r in data["results"] if r["copies"] == 3)
    assert {c["id"] for c in story["also"]} | {story["id"]} == {ids["000"], ids["002"], ids["003"]}
    others = {c["outlet"] for c in story["also"]}
    assert others == {None, "AFP", "Free Press Journal"} - {story["outlet"]}
    assert all(r["also"] == [] for r in data["results"] if r["copies"] == 1)


def test_collapsed_pages_do_not_repeat_a_story(client) -> None:  # type: ignore[no-untyped-def]
    pages = [api(client, f"?q=palmyra&collapse=1&limit=1&page={n}") for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [2, 2, 2]
    assert [len(p["results"]) for p in pages] == [1, 1, 0]
    assert pages[0]["results"][0]["story"] != pages[1]["results"][0]["story"]


def test_collapse_on_the_search_page(client, ids) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/search?q=Qaryatayn&collapse=1").get_data(as_text=True)
    assert "<strong>3</strong> stories" in html and "(5 articles)" in html
    assert "also published by" in html and f'href="/article/{ids["003"]}?back=' in html
    assert 'class="collapse" href="?q=Qaryatayn">show every copy' in html
    plain = client.get("/search?q=Qaryatayn").get_data(as_text=True)
    assert "in 3 stories" in plain and "one result per story" in plain and "one of 3 copies" in plain
    assert client.get("/export.csv?collapse=1").get_data(as_text=True).count("\n") == 4  # header + 3


def test_collapse_on_the_command_line(sample_index: Path, ids: dict[str, str]) -> None:
    runner = CliRunner()
    index = str(sample_index)
    result = runner.invoke(main, ["search", "Qaryatayn", "--index", index, "--collapse", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["total"], data["articles"]) == (3, 5)
    text = runner.invoke(main, ["search", "Qaryatayn", "--index", index, "--collapse"])
    assert text.stdout.startswith("3 results") and "also published by" in text.stdout
    plain = runner.invoke(main, ["search", "Qaryatayn", "--index", index])
    assert plain.stdout.startswith("5 results") and f"one of 3 copies of story {ids['000']}" in plain.stdout


def test_facet_counts_as_articles_or_stories(client) -> None:  # type: ignore[no-untyped-def]
    articles, stories = api(client), api(client, "?count=stories")
    assert stories["count"] == "stories" and articles["count"] == "articles"

    def counts(data: dict, name: str) -> dict[str, int]:
        return {f["value"]: f["count"] for f in data["facets"][name]}

    assert counts(articles, "entity")["place:173361"] == 5
    assert counts(stories, "entity")["place:173361"] == 3  # five articles, three stories
    assert counts(stories, "outlet") == counts(articles, "outlet")  # one article per outlet here
    assert counts(stories, "date") == {"2016-03-29": 1, "2016-03-30": 1, "2016-04-03": 1}
    assert (articles["undated"], stories["undated"]) == (2, 2)
    narrowed = api(client, "?count=stories&from=2016-03&to=2016-03")
    assert narrowed["total"] == 2 and narrowed["stories"] == 1
    assert counts(narrowed, "entity")["place:173361"] == 1
    entry = next(f for f in stories["facets"]["entity"] if f["value"] == "place:173361")
    assert "count=stories" in entry["toggle_url"]  # the choice survives a click


@pytest.mark.parametrize("qs", ["?count=words", "?count=stories&count=articles", "?collapse=maybe"])
def test_bad_story_parameters_are_a_400(client, qs: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/search" + qs).status_code == 400
    assert client.get("/api/search" + qs).get_json()["status"] == 400


# --- the article page ------------------------------------------------------------------------------------


def test_article_page_shows_the_same_story_elsewhere(client, ids) -> None:  # type: ignore[no-untyped-def]
    data = client.get(f"/api/article/{ids['003']}").get_json()["story"]
    assert (data["id"], data["first_seen"], data["copies"]) == (ids["000"], ids["000"], 3)
    others = {o["id"]: o for o in data["others"]}
    assert set(others) == {ids["000"], ids["002"]}
    assert others[ids["000"]]["first_seen"] is True and others[ids["002"]]["first_seen"] is False
    afp = others[ids["002"]]
    assert afp["outlet"] == "AFP" and afp["published_label"].startswith("30 March 2016")
    assert afp["changes"]["added"] >= 3 and afp["changes"]["cut"] >= 1
    added = [d["text"] for d in afp["diff"] if d["op"] == "added"]
    assert any("Fahed Jassem al-Freij" in t for t in added)  # AFP's paragraph the FPJ copy lacks
    rewording = [w for d in others[ids["000"]]["diff"] if d["op"] == "edited" for w in d["words"]]
    assert ["-", "IS"] in rewording and ["+", "ISIS"] in rewording  # 000 wrote ISIS where 003 wrote IS

    page = client.get(f"/article/{ids['003']}?back=%3Fq%3Dpalmyra")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Same story elsewhere" in html
    assert f'href="/article/{ids["002"]}?back=%3Fq%3Dpalmyra">AFP</a>' in html
    assert "first seen" in html and 'class="added"' in html and "<del>IS</del>" in html


def test_an_article_alone_has_no_copies(client, ids) -> None:  # type: ignore[no-untyped-def]
    data = client.get(f"/api/article/{ids['001']}").get_json()["story"]
    assert data == {"id": ids["001"], "first_seen": ids["001"], "copies": 1, "others": []}
    assert "Same story elsewhere" not in client.get(f"/article/{ids['001']}").get_data(as_text=True)


# --- spellings -----------------------------------------------------------------------------------------


def test_spellings_of_a_place_by_outlet(client) -> None:  # type: ignore[no-untyped-def]
    data = client.get("/api/spellings?entity=place:173361").get_json()
    assert data["articles"] == 5 and data["type"] == "place"
    table = {s["spelling"]: {o["outlet"]: o["count"] for o in s["outlets"]} for s in data["spellings"]}
    assert table == {
        "Al-Qaryatain": {None: 1, "AFP": 1, "Free Press Journal": 1, "Reuters": 1},  # 000 has no outlet
        "Quaryatayn": {"FNA": 1},
        "Al Qaryatain": {"Reuters": 1},
        "al-Qaryatain": {"Reuters": 1},
    }
    by_outlet = {o["label"]: [s["spelling"] for s in o["spellings"]] for o in data["outlets"]}
    assert by_outlet["FNA"] == ["Quaryatayn"] and by_outlet["outlet unknown"] == ["Al-Qaryatain"]
    assert sorted(by_outlet["Reuters"]) == ["Al Qaryatain", "Al-Qaryatain", "al-Qaryatain"]
    html = client.get("/spellings?entity=place:173361").get_data(as_text=True)
    assert "How the outlets spell Al Qaryatayn" in html and 'data-spelling="Quaryatayn"' in html


def test_spellings_are_reachable_from_facets_and_matched_spellings(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client, "?q=Qaryatayn")
    entry = next(f for f in data["facets"]["entity"] if f["value"] == "place:173361")
    assert entry["spellings_url"] == "/spellings?entity=place:173361"
    html = client.get("/search?q=Qaryatayn").get_data(as_text=True)
    assert 'href="/spellings?entity=place:173361"' in html
    assert 'href="/spellings?name=Quaryatayn"' in html
    moved = client.get("/spellings?name=Quaryatayn")
    assert moved.status_code == 302 and moved.headers["Location"] == "/spellings?entity=place:173361"
    assert client.get("/api/spellings?name=Al-Qaryatain").headers["Location"].startswith("/api/spellings")


@pytest.mark.parametrize(
    ("qs", "status"),
    [
        ("", 400),
        ("?entity=place:nowhere", 404),
        ("?name=Atlantis", 404),
        ("?entity=a%00b", 400),
        ("?entity=" + "x" * 400, 400),
        ("?name=%3Cscript%3Ealert(1)%3C/script%3E", 404),
    ],
)
def test_spellings_bad_requests(client, qs: str, status: int) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/spellings" + qs)
    assert page.status_code == status
    assert "<script>alert" not in page.get_data(as_text=True)
    assert client.get("/api/spellings" + qs).get_json()["status"] == status


# --- incremental reindex ----------------------------------------------------------------------------------


def write_copies(path: Path, *records: dict[str, str]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_a_copy_arriving_later_joins_its_story(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE, corpus)
    reindex([corpus], index, workers=1)
    ids, story = stories_of(index)
    assert story["001"] == ids["001"]

    fna = SAMPLES["001"].body
    # Undated and respelled: it joins FNA's story, and is never first.
    late = {"id": "late-copy", "title": "Army closes in", "text": fna.replace("Quaryatayn", "al-Qaryatain")}
    write_copies(corpus / "late.jsonl", late)
    result = reindex([corpus], index, workers=1)
    assert (result.added, result.unchanged) == (1, 5)
    _, story = stories_of(index)
    assert story["late-copy"] == story["001"] == ids["001"]
    assert story["002"] == story["003"] == ids["000"]  # carried-over sketches still group

    early = {"id": "early-copy", "title": "Siege", "text": fna, "outlet": "Y", "published": "2016-04-02"}
    write_copies(corpus / "early.jsonl", early)
    reindex([corpus], index, workers=1)
    _, story = stories_of(index)
    assert story["001"] == story["late-copy"] == "early-copy"  # an earlier copy is first seen

    (corpus / "early.jsonl").unlink()
    (corpus / "late.jsonl").unlink()
    reindex([corpus], index, workers=1)
    assert stories_of(index)[1]["001"] == ids["001"]
    gen = current_generation(index)
    assert gen is not None
    assert sorted(SketchStore.load(gen).ids) == sorted(ids.values())  # type: ignore[union-attr]


def test_stored_document_numbers_are_what_a_lookup_per_member_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stories.json carries its members' document numbers so a server need not look each one up:
    they must be the live documents, also where an id was dropped as a duplicate or replaced."""
    monkeypatch.setattr(indexer, "SMALL_SEGMENT", 2)  # keep the first segment, deletions and all
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE, corpus)
    fna = SAMPLES["001"].body
    write_copies(corpus / "a.jsonl", {"id": "twin", "title": "One", "text": fna})
    write_copies(corpus / "b.jsonl", {"id": "twin", "title": "Two", "text": fna})  # dropped: a duplicate
    write_copies(corpus / "c.jsonl", {"id": "later", "title": "Three", "text": fna})
    reindex([corpus], index, workers=1)
    write_copies(corpus / "c.jsonl", {"id": "later", "title": "Three again", "text": fna + "\n\nMore."})
    reindex([corpus], index, workers=1)  # "later" is replaced: its old document is deleted
    gen = current_generation(index)
    assert gen is not None
    data = json.loads((gen / STORIES).read_text(encoding="utf-8"))
    ix = whoosh_index.open_dir(str(gen))
    try:
        with ix.reader() as reader:
            assert reader.has_deletions()
            ndocs = reader.doc_count_all()
            stored = StoryTable.load(gen, ndocs)
            looked_up = [[reader.first_id("id", m) for m in s["members"]] for s in data["stories"]]
            assert stored.member_docs == looked_up
            assert any({"twin", "later"} <= set(s["members"]) for s in data["stories"])
            # the per-document arrays the lookups make
            keys, copies = np.arange(ndocs), np.ones(ndocs, dtype=np.int32)
            for i, docs in enumerate(looked_up):
                keys[docs], copies[docs] = ndocs + i, len(docs)
            assert np.array_equal(stored.keys, keys) and np.array_equal(stored.copies, copies)
    finally:
        ix.close()


def test_story_numbers_for_another_index_are_refused(tmp_path: Path) -> None:
    """Document numbers written for another document count cannot be this index's: the generation
    is reported damaged (a 503 asking for a reindex), not served with stories on wrong articles."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE, corpus)
    reindex([corpus], index, workers=1)
    gen = current_generation(index)
    assert gen is not None
    data = json.loads((gen / STORIES).read_text(encoding="utf-8"))
    assert len(data["docnums"]) == len(data["stories"]) == 1
    with pytest.raises(ValueError, match="numbers 5 documents, the index holds 6"):
        StoryTable.load(gen, 6)


def test_an_index_built_without_stories_gets_them_on_the_next_run(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE, corpus)
    result = reindex([corpus], index, workers=1, group_stories=False)
    assert result.stories is None
    ids, story = stories_of(index)
    assert story["002"] == ids["002"]  # no side files: every article alone
    write_copies(corpus / "more.jsonl", {"id": "other", "title": "t", "text": "Nothing like the rest."})
    result = reindex([corpus], index, workers=1)
    assert result.stories is not None and (result.stories.stories, result.stories.articles) == (1, 3)
    assert stories_of(index)[1]["002"] == ids["000"]  # sketched from the stored bodies
    gen = current_generation(index)
    assert gen is not None and read_json(gen / "meta.json")["stories"]["stories"] == 1


def _all_pairs_links(store: SketchStore) -> set[tuple[int, int, int, bool]]:
    """The copy test the plain way: count every pair of holders of every hash held by 2..DF_CAP."""
    holders: dict[int, list[int]] = {}
    for i in range(len(store.ids)):
        for h in set(store.get(i).tolist()):
            holders.setdefault(h, []).append(i)
    shared: dict[tuple[int, int], int] = {}
    for owners in holders.values():
        if 2 <= len(owners) <= stories.DF_CAP:
            for x, y in itertools.combinations(sorted(owners), 2):
                shared[(x, y)] = shared.get((x, y), 0) + 1
    sizes = np.diff(store.offsets)
    out = set()
    for (x, y), s in shared.items():
        small, large = min(sizes[x], sizes[y]), max(sizes[x], sizes[y])
        if s >= stories.MIN_SHARED and s >= stories.CONTAINMENT * small and s >= stories.COVERAGE * large:
            out.add((x, y, s, bool(s >= stories.CONTAINMENT * large)))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_copy_links_through_rare_and_common_hashes_equal_all_pairs(seed: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Common hashes are counted only among articles that hold many of them, plus a check of the
    pairs the rare ones bring up: the links must be the plain all-pairs count's, exactly, whether
    the pairs are counted in one piece or in many small ones."""
    monkeypatch.setattr(stories, "RARE_DF", 4)
    monkeypatch.setattr(stories, "DF_CAP", 40)
    monkeypatch.setattr(stories, "PAIR_CHUNK", 50 if seed % 2 else 1 << 20)
    rng = np.random.default_rng(seed)
    phrases = np.arange(1, 60, dtype=np.uint32)  # common: held by many articles
    wires = [np.unique(rng.integers(1000, 100_000, 30).astype(np.uint32)) for _ in range(4)]
    items = []
    for i in range(160):
        own = rng.integers(10**6, 10**9, int(rng.integers(3, 40))).astype(np.uint32)
        parts = [own, rng.choice(phrases, int(rng.integers(0, 12)), replace=False)]
        if i % 3 == 0:  # a copy of a wire story: whole, cut, or reprinted by many (its hashes turn common)
            wire = wires[i % 4]
            parts.append(wire[: int(rng.integers(5, len(wire) + 1))])
        items.append((f"a{i:03d}", 20160101, np.unique(np.concatenate(parts))))
    for j in range(20):  # short pairs that pass only with the two common phrases they also share
        both = np.concatenate(([200_000 + 3 * j, 200_001 + 3 * j, 200_002 + 3 * j], phrases[j : j + 2]))
        for k in range(2):
            own = np.array([300_000 + 4 * j + 2 * k, 300_001 + 4 * j + 2 * k])
            items.append((f"b{j:02d}{k}", 20160101, np.unique(np.concatenate((both, own)).astype(np.uint32))))
    store = SketchStore.from_items(items)
    links = stories.copy_links(store)
    got = set(
        zip(links.a.tolist(), links.b.tolist(), links.shared.tolist(), links.mutual.tolist(), strict=True)
    )
    assert got == _all_pairs_links(store)
    assert len(got) > 50  # the case is not vacuous: many pairs pass


def _random_items(rng: np.random.Generator, count: int, prefix: str) -> list[tuple[str, int, np.ndarray]]:
    """Sketches with private hashes, common phrases (near the DF cap) and shared wire stories."""
    phrases = np.arange(1, 40, dtype=np.uint32)
    wires = [np.unique(rng.integers(1000, 100_000, 30).astype(np.uint32)) for _ in range(5)]
    items = []
    for i in range(count):
        own = rng.integers(10**6, 10**9, int(rng.integers(3, 30))).astype(np.uint32)
        parts = [own, rng.choice(phrases, int(rng.integers(0, 10)), replace=False)]
        if rng.random() < 0.4:
            wire = wires[int(rng.integers(0, 5))]
            parts.append(wire[: int(rng.integers(4, len(wire) + 1))])
        date = int(rng.choice([0, 20160101, 20170505]))
        items.append((f"{prefix}{i:03d}", date, np.unique(np.concatenate(parts))))
    return items


@pytest.mark.parametrize("seed", range(8))
def test_incremental_links_and_groups_equal_a_full_count(seed: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A reindex recounts only the pairs its changes can touch, carrying the other links over: the
    store, links and groups must be exactly a from-scratch count's, also when changes push common
    hashes over the DF cap or back under it (unchanged pairs holding them then change)."""
    monkeypatch.setattr(stories, "RARE_DF", 4)
    monkeypatch.setattr(stories, "DF_CAP", 25)
    rng = np.random.default_rng(seed)
    before = _random_items(rng, 150, "a")
    old = SketchStore.from_items(sorted(before, key=lambda x: x[0]))
    old.links = stories.copy_links(old)
    # change some, remove some, add some (new ones carry many common phrases: counts cross the cap)
    ids = [i for i, _, _ in before if rng.random() > 0.1]
    fresh = {i: (d, h) for i, d, h in _random_items(rng, 30, "a") if i in set(ids)}
    phrase_heavy = np.arange(1, 40, dtype=np.uint32)[rng.random(39) < 0.5]
    for i, d, h in _random_items(rng, 25, "n"):
        fresh[i] = (d, np.unique(np.concatenate((h, phrase_heavy))))
        ids.append(i)
    rng.shuffle(ids)
    got = stories.carry_over(old, ids, fresh, reader=None)
    assert got is not None and got.links is not None

    by_id = {i: (d, h) for i, d, h in before} | fresh
    full = SketchStore.from_items(sorted(((i, *by_id[i]) for i in ids), key=lambda x: x[0]))
    want = stories.copy_links(full)
    assert got.ids == full.ids
    assert got.dates.tolist() == full.dates.tolist() and got.offsets.tolist() == full.offsets.tolist()
    assert np.array_equal(got.hashes, full.hashes)
    for name in ("a", "b", "shared", "mutual"):
        assert getattr(got.links, name).tolist() == getattr(want, name).tolist(), name
    assert len(want.a) > 20  # not vacuous
    assert group(got, got.links) == group(full)

    # and back: the new articles removed, the changed ones restored (counts fall under the cap again)
    restored = {i: (d, h) for i, d, h in before if i in fresh or i not in ids}
    back = stories.carry_over(got, [i for i, _, _ in before], restored, reader=None)
    assert back is not None and back.links is not None
    for name in ("a", "b", "shared", "mutual"):
        assert getattr(back.links, name).tolist() == getattr(old.links, name).tolist(), name

    # and every article removed
    none = stories.carry_over(got, [], {}, reader=None)
    assert none is not None and none.links is not None
    assert (none.ids, len(none.hashes), len(none.links.a), group(none, none.links)) == ([], 0, 0, [])
