"""Build and update the index: incremental by content hash, copy-on-write, atomically published.

A reindex (1) takes the writer lock, (2) discovers the input files and hashes them, (3) compares
with the live generation's manifest to find new, changed, removed and unchanged files, (4) parses
and extracts names from the new and changed ones on all cores, each worker process writing its own
Whoosh segments of the next generation with ``segment.ArraySegmentWriter`` (so analysis and posting
writing use every core too, and no document is pickled back to the parent), (5) commits those
segments beside the live ones, regroups the whole corpus into stories (``stories``) from the
articles' sketches, and (6) publishes the generation with one atomic rename. Nothing changed: no
new generation.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import queue
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from searchapp.document import build_document
from searchapp.facets import FacetIndex
from searchapp.ingest import Article, Skipped, discover, read_file
from searchapp.names import NameBook
from searchapp.schema import SCHEMA_VERSION, build_schema
from searchapp.segment import ArraySegmentWriter, locate
from searchapp.store import (
    ENTITIES,
    FACETS,
    MANIFEST,
    META,
    check_meta,
    collect_garbage,
    current_generation,
    hardlink_copy,
    next_generation,
    publish,
    read_json,
    remove_tree,
    write_json,
    writer_lock,
)
from searchapp.stories import SKETCHES, STORIES, StoryStats, sketch, update_generation

#: Below this much input a worker process costs more than it saves.
POOL_MIN_BYTES = 2_000_000

#: A task: a file, or part ``part`` of ``parts`` of its records (one large file shared by the workers).
Task = tuple[str, int, int]

#: Posting buffer of the parent's writer (it merges small old segments) before it spills to disk.
WRITER_LIMITMB = 192

#: An old segment with fewer live documents than this is merged into the parent's new one.
SMALL_SEGMENT = 5_000


def merge_small_segments(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Whoosh's merge policy for a commit: merges the segments with few live documents (left by
    small reindexes, or mostly replaced) and returns the rest, kept as they are.

    Whoosh's own MERGE_SMALL decides by a Fibonacci rule on the segment count: at a million
    articles (48 worker segments of about 21k documents) it merged 25 of them, half a million
    documents rewritten in pure Python for a 1% change. Here the merge costs at most
    :data:`SMALL_SEGMENT` documents a segment, and only segments that are small or mostly deleted.
    """
    small: list[Any] = []
    kept: list[Any] = []
    for segment in segments:
        live = segment.doc_count()
        (small if live < SMALL_SEGMENT or 2 * live < segment.doc_count_all() else kept).append(segment)
    if len(small) < 2 and not any(s.has_deletions() for s in small):
        return segments  # one small intact segment: nothing to gain by rewriting it
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return kept


@dataclass
class Progress:
    files_done: int
    files_total: int
    articles: int
    started: float


@dataclass
class ReindexResult:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skips: list[Skipped] = field(default_factory=list)
    files: int = 0
    articles: int = 0
    seconds: float = 0.0
    generation: str | None = None
    stale_lock_pid: int | None = None
    stories: StoryStats | None = None

    @property
    def skipped(self) -> int:
        return len(self.skips)

    def summary(self) -> str:
        rate = (self.added + self.updated) / self.seconds if self.seconds > 0 else 0.0
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, skipped {self.skipped} "
            f"({self.articles} articles in the index; {self.seconds:.1f} s, {rate:.0f} articles/s)"
        )


@dataclass
class FileResult:
    """What indexing one input file did: the ids it added (and their numbers in the worker's segment),
    its skips, and the entities its articles name."""

    key: str
    filehash: str
    ids: list[str] = field(default_factory=list)
    docnums: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)
    entities: list[tuple[str, str, str]] = field(default_factory=list)
    dates: list[int] = field(default_factory=list)
    sketches: list[np.ndarray | None] = field(default_factory=list)  # one per doc, see stories.py
    part: int = 0  # which part of the file's records this is, of ``parts``
    parts: int = 1


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_BOOK: NameBook | None = None
_SKETCH = True
#: Files split between workers, read and parsed once by the parent before it forks them:
#: key -> (hash, every article and skip in file order). Each worker indexes its slice.
_PARSED: dict[str, tuple[str, list[Article | Skipped]]] = {}


def _load_book(alias_files: Sequence[str], cache_dir: str | None, sketches: bool = True) -> NameBook:
    global _BOOK, _SKETCH
    _BOOK = NameBook.load([Path(p) for p in alias_files], Path(cache_dir) if cache_dir else None)
    _SKETCH = sketches
    return _BOOK


def index_file(
    path: str, writer: ArraySegmentWriter, book: NameBook, part: int = 0, parts: int = 1
) -> FileResult:
    """Read, parse, name-tag and add one file's articles (or, of a file in ``_PARSED``, the
    ``part``-th of ``parts`` equal slices of its records) to *writer*'s segments."""
    key = str(Path(path).resolve())
    items: Iterable[Article | Skipped]
    if parts > 1:
        digest, parsed = _PARSED[key]
        out = FileResult(key, digest, part=part, parts=parts)
        items = parsed[len(parsed) * part // parts : len(parsed) * (part + 1) // parts]
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return FileResult(key, "", skips=[(path, f"cannot read: {exc.strerror or exc}")])
        out = FileResult(key, file_hash(data))
        items = read_file(Path(path), data)
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Skipped):
            out.skips.append((item.source, item.reason))
            continue
        doc = build_document(item, book.extract(item.title or "", item.body or ""), key, out.filehash)
        for ent in doc["doc"]["entities"]:
            if ent["id"] not in seen:
                seen.add(ent["id"])
                out.entities.append((ent["id"], ent["name"], ent["type"]))
        out.docnums.append(writer.next_docnum)
        out.ids.append(doc["id"])
        out.sources.append(doc["doc"]["source"])
        out.dates.append(doc.get("date", 0))
        out.sketches.append(sketch(item.body or "") if _SKETCH else None)
        writer.add_document(**doc)
    return out


class LeanSegmentWriter(SegmentWriter):
    """A SegmentWriter whose flush reads each document's field lengths once into lists: Whoosh's
    posting writer asks for the length of every posting's document through the on-disk column, which
    was a fifth of commit time."""

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        try:
            lengths = _LengthTable(pdr, [n for n, f in self.schema.items() if f.scorable], self.docnum)
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            pdr.close()


class _LengthTable:
    def __init__(self, pdr: Any, fieldnames: list[str], doccount: int) -> None:
        self._pdr = pdr
        self._table = {f: [pdr.doc_field_length(d, f) for d in range(doccount)] for f in fieldnames}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        column = self._table.get(fieldname)
        if column is None:
            return self._pdr.doc_field_length(docnum, fieldname, default)
        return column[docnum]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pdr, name)


def _index_chunk(gen_dir: str, tasks: list[Task], emit: Callable[[tuple], None]) -> None:
    """Index *tasks* into new, uncommitted segments of the generation at *gen_dir* (one, unless there
    are more postings than a writer holds); emit a ``("file", FileResult)`` per task and finally
    ``("segment", [segments])``, whose documents the FileResults' docnums count across."""
    assert _BOOK is not None, "name book not loaded"
    ix = whoosh_index.open_dir(gen_dir)
    writer = ArraySegmentWriter(ix, _lk=False, compound=False)
    try:
        for path, part, parts in tasks:
            emit(("file", index_file(path, writer, _BOOK, part, parts)))
        emit(("segment", writer.finish_segments()))
    except BaseException:
        writer._close_segment()
        raise
    finally:
        ix.close()


def _worker_main(gen_dir: str, tasks: list[Task], results: Any, slot: int) -> None:
    # Indexing makes no reference cycles worth collecting, yet each full collection walked the whole
    # gazetteer: 0.27 ms an article. Frozen, the inherited objects are skipped (and their pages stay
    # shared with the parent); a larger young generation collects 100x less often (0.07 ms an article).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        _index_chunk(gen_dir, tasks, lambda m: results.put((slot, *m)))
    except BaseException as exc:  # report, so the parent fails with the reason instead of waiting
        err = exc.errno if isinstance(exc, OSError) else None
        results.put((slot, "error", (err, f"{type(exc).__name__}: {exc}", traceback.format_exc())))
    finally:
        results.close()
        results.join_thread()


def _chunks(tasks: list[Task], parts: int) -> list[list[Task]]:
    """Split tasks into *parts* lists of about equal bytes (largest first onto the lightest list),
    each in input order, the lists in the order of their first task (so the segments, committed in
    list order, keep a split file's records in order)."""
    sizes = {t: _size(t[0]) / t[2] for t in tasks}
    lists: list[list[Task]] = [[] for _ in range(parts)]
    loads = [0.0] * parts
    for t in sorted(tasks, key=lambda q: -sizes[q]):
        i = loads.index(min(loads))
        lists[i].append(t)
        loads[i] += sizes[t]
    order = {t: i for i, t in enumerate(tasks)}
    chunks = [sorted(x, key=order.__getitem__) for x in lists if x]
    return sorted(chunks, key=lambda x: order[x[0]])


def _tasks(todo: list[str], workers: int) -> list[Task]:
    """One task a file; with fewer files than workers the largest record files are split into parts
    (a scrape is one article: never split), so an incremental run of one changed file uses every core."""
    parts = dict.fromkeys(todo, 1)
    splittable = [p for p in todo if Path(p).suffix.lower() in (".jsonl", ".json", ".csv")]
    for _ in range(workers - len(todo)):
        if not splittable:
            break
        largest = max(splittable, key=lambda p: _size(p) / parts[p])
        parts[largest] += 1
    return [(p, i, parts[p]) for p in todo for i in range(parts[p])]


def _parse_split(tasks: list[Task]) -> None:
    """Read and parse each split file once, here, for the workers forked next to slice."""
    _PARSED.clear()
    for path, part, parts in tasks:
        if parts > 1 and part == 0:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                _PARSED[path] = ("", [Skipped(path, f"cannot read: {exc.strerror or exc}")])
                continue
            _PARSED[path] = (file_hash(data), list(read_file(Path(path), data)))


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _digest(path: Path) -> str | OSError:
    try:
        return file_hash(path.read_bytes())
    except OSError as exc:
        return exc


def _digests(paths: list[Path]) -> dict[Path, str | OSError]:
    """Each file's content hash, or why it could not be read. In threads: reading and blake2b let go
    of the GIL, so the cores share what was 0.3-0.6 s of an incremental run over 100 files."""
    if len(paths) < 2:
        return {p: _digest(p) for p in paths}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip(paths, pool.map(_digest, paths), strict=True))


def _under(key: str, roots: list[Path]) -> bool:
    path = Path(key)
    return any(path == r or r in path.parents for r in roots)


def reindex(
    paths: Iterable[str | os.PathLike[str]],
    index_dir: Path,
    *,
    full: bool = False,
    alias_files: Sequence[Path] = (),
    workers: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    group_stories: bool = True,
) -> ReindexResult:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``.

    ``group_stories=False`` skips sketching and story grouping (to measure what they cost): the
    generation then has every article as a story of its own.
    """
    started = time.monotonic()
    paths = [Path(p) for p in paths]
    roots = [p.resolve() for p in paths]
    index_dir.mkdir(parents=True, exist_ok=True)
    result = ReindexResult()
    with writer_lock(index_dir) as lock:
        result.stale_lock_pid = lock.stale_pid
        collect_garbage(index_dir)
        live = current_generation(index_dir)
        if live is not None and not full:
            check_meta(live)
        manifest: dict[str, Any] = {} if (full or live is None) else read_json(live / MANIFEST, {})

        # Plan: which files are new, changed, gone, unchanged (all keyed by resolved path).
        todo: list[str] = []
        seen: set[str] = set()
        next_manifest: dict[str, Any] = {}
        found = [
            (item, None if isinstance(item, Skipped) else str(item.resolve())) for item in discover(paths)
        ]
        digests = _digests([item for item, key in found if key in manifest])
        for item, key in found:
            if isinstance(item, Skipped) or key is None:
                assert isinstance(item, Skipped)
                result.skips.append(item)
                continue
            result.files += 1
            seen.add(key)
            old = manifest.get(key)
            if old is not None:
                digest = digests[item]
                if isinstance(digest, OSError):
                    exc = digest
                    result.skips.append(Skipped(str(item), f"cannot read: {exc.strerror or exc}"))
                    next_manifest[key] = old  # keep what we had rather than lose it
                    continue
                if digest == old["hash"]:
                    next_manifest[key] = old
                    result.unchanged += len(old["ids"])
                    result.skips.extend(Skipped(s, r) for s, r in old.get("skips", []))
                    continue
            todo.append(key)
        gone = [k for k in manifest if k not in seen and _under(k, roots)]
        for key in manifest:
            if key not in seen and key not in gone:
                next_manifest[key] = manifest[key]  # outside the paths given this time: kept
        result.removed = sum(len(manifest[k]["ids"]) for k in gone)

        if live is not None and not full and not todo and not gone:
            result.articles = sum(len(v["ids"]) for v in next_manifest.values())
            result.seconds = time.monotonic() - started
            return result

        gen = next_generation(index_dir)
        entities: dict[str, Any] = {}
        if live is None or full:
            gen.mkdir()
            ix = whoosh_index.create_in(str(gen), build_schema())
        else:
            hardlink_copy(live, gen, skip={META, MANIFEST, ENTITIES, FACETS, SKETCHES, STORIES})
            ix = whoosh_index.open_dir(str(gen))
            entities = read_json(live / ENTITIES, {})
        try:
            writer = LeanSegmentWriter(ix, compound=False, limitmb=WRITER_LIMITMB)
            try:
                for key in gone + [k for k in todo if k in manifest]:
                    writer.delete_by_term("file", key)
                results: dict[str, list[tuple[int, FileResult]]] = {}
                segments: list[Any] = []
                fresh: dict[str, tuple[int, np.ndarray]] = {}
                indexed = done = 0
                for slot, msg in _index_all(todo, gen, alias_files, index_dir, workers, group_stories):
                    if msg[0] == "file":
                        pieces = results.setdefault(msg[1].key, [])
                        pieces.append((slot, msg[1]))
                        indexed += len(msg[1].ids)
                        done += len(pieces) == msg[1].parts
                        if progress:
                            progress(Progress(done, len(todo), indexed, started))
                    else:
                        segments.append((slot, msg[1]))
                by_slot = dict(segments)
                owner = {i: k for k, v in next_manifest.items() for i in v["ids"]}
                for key in todo:  # in input order, so the first file with an id keeps it
                    pieces = sorted(results[key], key=lambda t: t[1].part)  # a split file's, in order
                    parsed = pieces[0][1]
                    ids: list[str] = []
                    skips = [skip for _slot, piece in pieces for skip in piece.skips]
                    for slot, piece in pieces:
                        for doc_id, docnum, source, date, doc_sketch in zip(
                            piece.ids, piece.docnums, piece.sources, piece.dates, piece.sketches, strict=True
                        ):
                            if doc_id in owner and owner[doc_id] != key:
                                skips.append((source, f"duplicate id {doc_id} (also in {owner[doc_id]})"))
                                segment, local = locate(by_slot[slot], docnum)
                                segment.delete_document(local)
                                continue
                            owner[doc_id] = key
                            ids.append(doc_id)
                            if doc_sketch is not None:
                                fresh[doc_id] = (date, doc_sketch)
                        for ent_id, name, kind in piece.entities:
                            entities.setdefault(ent_id, [name, kind])
                    old_ids = set(manifest.get(key, {}).get("ids", []))
                    result.updated += len(old_ids & set(ids))
                    result.added += len(set(ids) - old_ids)
                    result.removed += len(old_ids - set(ids))
                    result.skips.extend(Skipped(s, r) for s, r in skips)
                    if parsed.filehash:
                        next_manifest[key] = {"hash": parsed.filehash, "ids": ids, "skips": skips}
                # the MpWriter "multisegment" commit: merge small old segments, add the workers' as they are
                final = writer._merge_segments(merge_small_segments, None, True)
                if writer._added:
                    final.append(writer._finalize_segment())
                else:
                    writer._close_segment()
                final.extend(seg for _slot, segs in sorted(segments, key=lambda t: t[0]) for seg in segs)
                writer._commit_toc(final)
            finally:
                if not writer.is_closed:
                    writer._close_segment()
                writer._finish()
            ix.close()
            ix = whoosh_index.open_dir(str(gen))
            result.articles = ix.doc_count()
            with ix.reader() as reader:
                # the live generation's arrays cover the segments this one kept (write-once)
                before = None if (live is None or full) else FacetIndex.load(live / FACETS, None)
                FacetIndex.build(reader, before).save(gen / FACETS)
                if group_stories:
                    every = [i for v in next_manifest.values() for i in v["ids"]]
                    previous = None if (live is None or full) else live
                    result.stories = update_generation(gen, previous, every, fresh, reader)
        except BaseException:
            ix.close()
            remove_tree(gen)
            raise
        ix.close()
        write_json(gen / MANIFEST, next_manifest)
        write_json(gen / ENTITIES, entities)
        result.seconds = time.monotonic() - started
        result.generation = gen.name
        write_json(
            gen / META,
            {
                "schema_version": SCHEMA_VERSION,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "articles": result.articles,
                "full": bool(full or live is None),
                "stories": result.stories.to_json() if result.stories else None,
                "last_run": {
                    "added": result.added,
                    "updated": result.updated,
                    "removed": result.removed,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                    "seconds": round(result.seconds, 3),
                },
            },
        )
        publish(index_dir, gen)
        collect_garbage(index_dir)
    return result


def _index_all(
    todo: list[str],
    gen: Path,
    alias_files: Sequence[Path],
    index_dir: Path,
    workers: int | None,
    sketches: bool = True,
) -> Iterable[tuple[int, tuple]]:
    """Index the files into new segments of *gen*: in worker processes (one segment each) when there is
    enough input to pay for them, else in this process. Yields ``(worker slot, message)``."""
    # compiles the gazetteer once, before forking
    _load_book([str(p) for p in alias_files], str(index_dir), sketches)
    workers = workers or os.cpu_count() or 1
    tasks = _tasks(todo, workers) if workers > 1 else [(p, 0, 1) for p in todo]
    workers = min(workers, len(tasks))
    if workers <= 1 or sum(_size(p) for p in todo) < POOL_MIN_BYTES:
        out: list[tuple] = []
        _index_chunk(str(gen), [(p, 0, 1) for p in todo], out.append)
        yield from ((0, m) for m in out)
        return
    _parse_split(tasks)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_worker_main, args=(str(gen), chunk, results, slot), daemon=True)
        for slot, chunk in enumerate(_chunks(tasks, workers))
    ]
    try:
        for proc in procs:
            proc.start()
    finally:
        _PARSED.clear()  # the workers have their copies
    finished: set[int] = set()
    try:
        while len(finished) < len(procs):
            try:
                slot, kind, payload = results.get(timeout=1.0)
            except queue.Empty:
                dead = [p for i, p in enumerate(procs) if p.exitcode not in (None, 0) and i not in finished]
                if dead:
                    raise RuntimeError(f"an indexing worker died (exit code {dead[0].exitcode})") from None
                continue
            if kind == "error":
                errno_, message, trace = payload
                if errno_ is not None:
                    raise OSError(errno_, os.strerror(errno_))
                raise RuntimeError(f"indexing failed in a worker: {message}\n{trace}")
            if kind == "segment":
                finished.add(slot)
            yield slot, (kind, payload)
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
        results.close()
        results.join_thread()
