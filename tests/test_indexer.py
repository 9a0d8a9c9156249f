"""Reindexing: incremental, atomic, crash-safe, exclusive. Real indexes, real processes."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from searchapp import indexer
from searchapp.errors import IndexBusy, SchemaMismatch
from searchapp.indexer import reindex
from searchapp.names import default_book
from searchapp.search import IndexHolder
from searchapp.store import CURRENT, LOCK, META, current_generation, read_json, write_json
from searchapp.urlstate import SearchRequest
from tests.conftest import SAMPLE
from tests.corpus import write_jsonl, write_many


def search_ids(index: Path, q: str = "", limit: int = 1000) -> list[str]:
    with IndexHolder(index, default_book()) as holder:
        page = holder.get().search(SearchRequest(q=q, limit=limit, sort="oldest"))
    return [r.id for r in page.results]


def cli(*args: str, **kwargs) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen([sys.executable, "-m", "searchapp", *args], **kwargs)


def test_incremental_add_change_delete(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE, corpus)
    first = reindex([corpus], index, workers=1)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)

    again = reindex([corpus], index, workers=1)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert again.generation is None  # no work, no new generation

    write_jsonl(corpus / "new.jsonl", 0, 3)
    changed = next(corpus.glob("003_*.txt"))
    changed.write_text(changed.read_text() + "\n\nA late paragraph about Tadmur.\n")
    gone = next(corpus.glob("004_*.txt"))
    gone_ids = [i for i in search_ids(index) if i]
    gone.unlink()
    third = reindex([corpus], index, workers=1)
    assert (third.added, third.updated, third.removed, third.unchanged) == (3, 1, 1, 3)
    ids = search_ids(index)
    assert len(ids) == 7 and len(set(ids)) == 7
    assert len(set(gone_ids) - set(ids)) == 1
    with IndexHolder(index, default_book()) as holder:
        assert holder.get().search(SearchRequest(q='"late paragraph"')).total == 1


def test_a_file_outside_the_given_paths_is_kept(tmp_path: Path) -> None:
    a, b, index = tmp_path / "a", tmp_path / "b", tmp_path / "index"
    write_jsonl(a / "one.jsonl", 0, 2)
    write_jsonl(b / "two.jsonl", 10, 2)
    reindex([a, b], index, workers=1)
    result = reindex([a], index, workers=1)
    assert result.removed == 0 and result.articles == 4


def test_full_swap_under_a_searcher_held_by_another_process(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_jsonl(corpus / "a.jsonl", 0, 20)
    reindex([corpus], index, workers=1)
    holder_script = f"""
import sys, json
from pathlib import Path
from searchapp.names import default_book
from searchapp.search import IndexHolder
from searchapp.urlstate import SearchRequest
holder = IndexHolder(Path({str(index)!r}), default_book())
held = holder.get()
print(json.dumps([held.search(SearchRequest(limit=100)).total, held.gen.name]), flush=True)
sys.stdin.readline()
# The searcher opened before the swap still answers from its own generation...
print(json.dumps([held.search(SearchRequest(limit=100)).total, held.gen.name]), flush=True)
# ...and the next request picks up the new one, without a restart.
fresh = holder.get()
print(json.dumps([fresh.search(SearchRequest(limit=100)).total, fresh.gen.name]), flush=True)
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", holder_script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        before = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        assert before[0] == 20
        write_jsonl(corpus / "b.jsonl", 100, 5)
        result = reindex([corpus], index, full=True, workers=1)
        assert result.added == 25
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        held = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        fresh = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
    finally:
        proc.wait(timeout=60)
        proc.stdin.close()  # type: ignore[union-attr]
        proc.stdout.close()  # type: ignore[union-attr]
    assert held == before
    assert fresh[0] == 25 and fresh[1] != before[1]


def test_second_reindex_is_refused_while_one_runs(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_many(corpus, files=60, per_file=60)
    proc = cli(
        "reindex",
        str(corpus),
        "--index",
        str(index),
        "--workers",
        "1",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lock = index / LOCK
            if lock.exists() and lock.read_text().strip() == str(proc.pid):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the first reindex never took the lock")
        with pytest.raises(IndexBusy) as info:
            reindex([corpus], index, workers=1)
        assert f"index is being updated by PID {proc.pid}" in str(info.value)
        second = subprocess.run(
            [sys.executable, "-m", "searchapp", "reindex", str(corpus), "--index", str(index)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"index is being updated by PID {proc.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        assert proc.wait(timeout=300) == 0


def test_schema_version_is_checked(tmp_path: Path) -> None:
    index = tmp_path / "index"
    reindex([SAMPLE], index, workers=1)
    gen = current_generation(index)
    meta = read_json(gen / META)  # type: ignore[operator]
    meta["schema_version"] = -1
    write_json(gen / META, meta)  # type: ignore[operator]
    with pytest.raises(SchemaMismatch, match="reindex --full"):
        reindex([SAMPLE], index, workers=1)
    assert reindex([SAMPLE], index, full=True, workers=1).added == 5


def test_stale_lock_is_recognised_and_cleared(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index / LOCK).write_text(str(dead.pid))
    result = reindex([SAMPLE], index, workers=1)
    assert result.stale_lock_pid == dead.pid
    assert (index / LOCK).read_text() == ""


def test_parallel_parse_gives_the_same_index(tmp_path: Path) -> None:
    corpus = write_many(tmp_path / "corpus", files=80, per_file=5)
    one = reindex([corpus], tmp_path / "one", workers=1)
    two = reindex([corpus], tmp_path / "two", workers=2)
    assert one.added == two.added == 400
    assert search_ids(tmp_path / "one", "Palmyra") == search_ids(tmp_path / "two", "Palmyra")


def test_kill_is_sigkill_safe_even_mid_publish(tmp_path: Path) -> None:
    """A new generation that never got published is removed by the next run."""
    index = tmp_path / "index"
    reindex([SAMPLE], index, workers=1)
    live = current_generation(index)
    debris = index / "gen-999999"
    debris.mkdir()
    (debris / "junk").write_text("half-written")
    assert current_generation(index) == live
    write_jsonl(tmp_path / "x.jsonl", 0, 1)
    reindex([SAMPLE, tmp_path / "x.jsonl"], index, workers=1)
    assert not debris.exists()
    assert os.path.exists(index / CURRENT)


def test_a_changed_file_given_by_a_relative_path_replaces_its_old_copy(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "corpus")
    run = [sys.executable, "-m", "searchapp", "reindex", "corpus", "--index", "idx"]
    subprocess.run(run, cwd=tmp_path, check=True, capture_output=True)
    changed = next((tmp_path / "corpus").glob("003_*.txt"))
    changed.write_text(changed.read_text() + "\n\nA late paragraph.\n")
    second = subprocess.run(run, cwd=tmp_path, check=True, capture_output=True, text=True)
    assert second.stdout.startswith("added 0, updated 1, removed 0, unchanged 4")
    assert "(5 articles in the index" in second.stdout
    assert len(search_ids(tmp_path / "idx")) == 5


def test_worker_segments_and_saved_facets_match_a_rebuild(tmp_path: Path) -> None:
    """Two worker processes each write a segment; a duplicate id across them is settled in input
    order; the facet arrays saved at index time equal the ones built from the index."""

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rng = random.Random(7)
    big = "Troops advanced on Palmyra and the Syrian army said ISIS fighters withdrew. " * 300
    for f in range(4):
        records = [
            {"id": f"d{f}-{i}", "title": f"Report {f} {i}", "text": big, "outlet": rng.choice("ABC")}
            for i in range(60)
        ]
        if f == 3:
            records.append({"id": "d0-1", "title": "Clash", "text": "copy", "outlet": "Z"})
        (corpus / f"part-{f}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    index = tmp_path / "index"
    result = reindex([corpus], index, workers=2)
    assert result.added == 240 and result.articles == 240
    assert any("duplicate id d0-1" in s.reason for s in result.skips)
    gen = current_generation(index)
    assert gen is not None
    _saved, segments = saved_facets_match_a_rebuild(gen)
    assert segments >= 2  # written by the workers, not merged through the parent
    assert sorted(search_ids(index, "outlet:Z")) == []


def saved_facets_match_a_rebuild(gen: Path, step: str = "") -> tuple[Any, int]:
    """Assert the generation's saved facet arrays equal the ones built from its index; give the
    saved arrays and the number of Whoosh segments."""
    from whoosh import index as whoosh_index

    from searchapp.facets import FacetIndex
    from searchapp.store import FACETS

    ix = whoosh_index.open_dir(str(gen))
    try:
        with ix.reader() as reader:
            saved = FacetIndex.load(gen / FACETS, reader.doc_count_all())
            assert saved is not None, step
            assert_same_facets(saved, FacetIndex.build(reader))
        return saved, len(ix._segments())
    finally:
        ix.close()


def assert_same_facets(saved: Any, built: Any) -> None:
    import numpy as np

    assert saved.ndocs == built.ndocs and saved.segments == built.segments
    assert np.array_equal(saved.live, built.live) and np.array_equal(saved.dates, built.dates)
    assert saved.tables.keys() == built.tables.keys()
    for name, table in built.tables.items():
        other = saved.tables[name]
        assert other.values == table.values
        assert np.array_equal(other.offsets, table.offsets) and np.array_equal(other.ords, table.ords)
        assert other.ords.dtype == table.ords.dtype and other.offsets.dtype == table.offsets.dtype
        assert len(other.value_docs) == len(table.value_docs)
        assert all(np.array_equal(a, b) for a, b in zip(other.value_docs, table.value_docs, strict=True))


def test_incremental_side_files_equal_a_full_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Facet arrays (old segments' rows carried over) and stories (only touched pairs recounted)
    after each incremental step equal what a rebuild from the index and a full reindex make."""
    monkeypatch.setattr(indexer, "SMALL_SEGMENT", 5)  # these few documents make segments to keep

    from searchapp.ingest import Article, read_paths
    from searchapp.stories import STORIES
    from tests.corpus import variants

    corpus = write_many(tmp_path / "corpus", files=6, per_file=8)
    shutil.copytree(SAMPLE, corpus / "samples")
    base = next(a.body for a in read_paths([SAMPLE]) if isinstance(a, Article) and "/000_" in a.source)
    copies = [
        {"id": f"copy-{n}", "title": n, "text": text, "outlet": f"Copier {n}", "published": "2016-04-05"}
        for n, (text, _) in variants(base).items()
    ]
    index = tmp_path / "index"
    seen: list[set[str]] = []

    def check(step: str) -> None:
        gen = current_generation(index)
        assert gen is not None
        saved, _ = saved_facets_match_a_rebuild(gen, step)
        segments = {segid for segid, _ in saved.segments}
        assert not seen or segments & seen[-1] and segments - seen[-1], step  # some kept, some new
        seen.append(segments)
        full = tmp_path / f"full-{step}"
        reindex([corpus], full, workers=1, full=True)
        other = current_generation(full)
        assert other is not None
        # the stories, not their document numbers: the segments differ
        assert read_json(gen / STORIES)["stories"] == read_json(other / STORIES)["stories"], step
        assert read_json(gen / STORIES)["stories"], step  # not vacuous: copies grouped

    reindex([corpus], index, workers=1)
    check("first")
    (corpus / "copies.jsonl").write_text("".join(json.dumps(c) + "\n" for c in copies[:3]))
    write_jsonl(corpus / "batch-0001.jsonl", 100, 8, seed=3)  # a changed file: new text, new ids
    result = reindex([corpus], index, workers=1)
    assert result.added > 0 and result.removed > 0
    check("changed")
    (corpus / "copies.jsonl").write_text("".join(json.dumps(c) + "\n" for c in copies[2:]))
    (corpus / "batch-0002.jsonl").unlink()
    assert reindex([corpus], index, workers=1).removed > 0
    check("removed")


def test_one_large_file_split_between_workers_gives_the_same_index(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An incremental run of one changed file shares its records between the workers (each writes a
    segment): the documents, their order, duplicate-id settlement, skips, manifest, entities and
    stories are what one process makes."""
    from whoosh import index as whoosh_index

    from searchapp import indexer
    from searchapp.store import ENTITIES, MANIFEST
    from searchapp.stories import STORIES

    monkeypatch.setattr(indexer, "POOL_MIN_BYTES", 1)
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", 0, 5)
    lines = (corpus / "a.jsonl").read_text().splitlines()
    big = write_jsonl(tmp_path / "big.jsonl", 100, 40, seed=5).read_text().splitlines()
    big[3] = "{not json"
    big[7] = lines[1]  # an id a.jsonl holds: a skip
    big[30] = big[29]  # the same id twice in one file
    big[35] = json.dumps({"id": "made-000136", "title": "", "text": ""})  # an empty record

    def build(index: Path, workers: int) -> tuple[Any, ...]:
        (corpus / "big.jsonl").unlink(missing_ok=True)
        reindex([corpus], index, workers=workers)
        (corpus / "big.jsonl").write_text("\n".join(big) + "\n")
        result = reindex([corpus], index, workers=workers)
        gen = current_generation(index)
        assert gen is not None
        ix = whoosh_index.open_dir(str(gen))
        try:
            with ix.reader() as reader:
                docs = [(d, f["id"], f["doc"]["title"]) for d, f in reader.iter_docs()]
            segments = len(ix._segments())
        finally:
            ix.close()
        side = [read_json(gen / MANIFEST), read_json(gen / ENTITIES), read_json(gen / STORIES)["stories"]]
        summary = (result.added, result.updated, result.removed, [(s.source, s.reason) for s in result.skips])
        return segments, docs, side, summary

    one, two = build(tmp_path / "one", 1), build(tmp_path / "two", 2)
    assert two[0] > one[0]  # the files went to two segments each
    assert two[1:] == one[1:]
    assert any("duplicate id" in reason for _, reason in one[3][3]) and len(one[3][3]) >= 2


def test_only_small_or_mostly_deleted_segments_are_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reindex rewrites the old segments with few live documents and keeps the others as they
    are, however many there are (Whoosh's own rule merged half of a million-article index)."""
    monkeypatch.setattr(indexer, "SMALL_SEGMENT", 10)
    corpus, index = tmp_path / "corpus", tmp_path / "index"

    def segments() -> dict[str, int]:
        from whoosh import index as whoosh_index

        gen = current_generation(index)
        assert gen is not None
        ix = whoosh_index.open_dir(str(gen))
        try:
            return {s.segment_id(): s.doc_count() for s in ix._segments()}
        finally:
            ix.close()

    for n in range(3):  # three large segments, one a run
        write_jsonl(corpus / f"big{n}.jsonl", 100 * n, 20)
        reindex([corpus], index, workers=1)
    big = segments()
    assert sorted(big.values()) == [20, 20, 20]
    # small runs: the large segments are kept, two small old ones merged into one (one small intact
    # segment alone is not worth rewriting); each run's new documents come as a segment of their own
    for n, small in enumerate([[3], [3, 3], [3, 6]]):
        write_jsonl(corpus / f"small{n}.jsonl", 1000 + 10 * n, 3)
        reindex([corpus], index, workers=1)
        now = segments()
        assert big.items() <= now.items(), n
        assert sorted(v for k, v in now.items() if k not in big) == small, n
    write_jsonl(corpus / "big0.jsonl", 5000, 20)  # every document replaced: the segment is all deleted
    reindex([corpus], index, workers=1)
    now = segments()
    assert len(set(big) - set(now)) == 1  # the emptied one is gone, the other two kept
    assert sum(now.values()) == 20 * 3 + 9 == len(search_ids(index))


def test_saved_facets_stay_exact_when_the_writer_merges_segments(tmp_path: Path) -> None:
    """Small segments are merged by the parent's writer now and then: the merged segment is new to
    the facet arrays, and is read from its postings."""

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_jsonl(corpus / "f00.jsonl", 0, 20)
    reindex([corpus], index, workers=1)
    seen: list[set[str]] = []
    for step in range(1, 7):
        write_jsonl(corpus / f"f{step:02d}.jsonl", step * 100, 3)
        if step % 3 == 0:
            write_jsonl(corpus / "f00.jsonl", 5000 + step, 20)  # changed: deletions in a kept segment
        reindex([corpus], index, workers=1)
        gen = current_generation(index)
        assert gen is not None
        seen.append({segid for segid, _ in saved_facets_match_a_rebuild(gen)[0].segments})
    assert any(a - b for a, b in itertools.pairwise(seen)), seen  # old segments were merged into new ones
