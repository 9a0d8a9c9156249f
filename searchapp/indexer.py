"""Build and update the index: incremental by content hash, copy-on-write, atomically published.

A reindex (1) takes the writer lock, (2) discovers the input files and hashes them, (3) compares
with the live generation's manifest to find new, changed, removed and unchanged files, (4) parses
and extracts names from the new and changed ones on all cores, (5) writes the next generation
beside the live one and (6) publishes it with one atomic rename. Nothing changed: no new generation.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from searchapp.document import build_document
from searchapp.ingest import Skipped, discover, read_file
from searchapp.names import NameBook
from searchapp.schema import SCHEMA_VERSION, build_schema
from searchapp.store import (
    ENTITIES,
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

#: Files below this many are parsed in-process: a pool costs more than it saves.
POOL_MIN_FILES = 64


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
class FileParse:
    """What one input file yielded: its analysed documents and its skips."""

    key: str
    filehash: str
    docs: list[dict[str, Any]]
    skips: list[tuple[str, str]]


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_BOOK: NameBook | None = None


def _init_worker(alias_files: Sequence[str], cache_dir: str | None) -> None:
    global _BOOK
    _BOOK = NameBook.load([Path(p) for p in alias_files], Path(cache_dir) if cache_dir else None)


def parse_file(path: str) -> FileParse:
    """Read, parse and name-tag one file (runs in a worker process)."""
    assert _BOOK is not None, "worker not initialised"
    key = str(Path(path).resolve())
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return FileParse(key, "", [], [(path, f"cannot read: {exc.strerror or exc}")])
    digest = file_hash(data)
    docs: list[dict[str, Any]] = []
    skips: list[tuple[str, str]] = []
    for item in read_file(Path(path), data):
        if isinstance(item, Skipped):
            skips.append((item.source, item.reason))
            continue
        mentions = _BOOK.extract(item.title or "", item.body or "")
        docs.append(build_document(item, mentions, key, digest))
    return FileParse(key, digest, docs, skips)


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
) -> ReindexResult:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``."""
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
        for item in discover(paths):
            if isinstance(item, Skipped):
                result.skips.append(item)
                continue
            result.files += 1
            key = str(item.resolve())
            seen.add(key)
            old = manifest.get(key)
            if old is not None:
                try:
                    digest = file_hash(item.read_bytes())
                except OSError as exc:
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
            hardlink_copy(live, gen, skip={META, MANIFEST, ENTITIES})
            ix = whoosh_index.open_dir(str(gen))
            entities = read_json(live / ENTITIES, {})
        try:
            writer = ix.writer(limitmb=256, compound=False)
            owner = {i: k for k, v in next_manifest.items() for i in v["ids"]}
            for key in gone + [k for k in todo if k in manifest]:
                writer.delete_by_term("file", key)
            done = 0
            for parsed in _parse_all(todo, alias_files, index_dir, workers):
                done += 1
                ids: list[str] = []
                skips = [(s, r) for s, r in parsed.skips]
                for doc in parsed.docs:
                    if doc["id"] in owner and owner[doc["id"]] != parsed.key:
                        skips.append(
                            (doc["doc"]["source"], f"duplicate id {doc['id']} (also in {owner[doc['id']]})")
                        )
                        continue
                    owner[doc["id"]] = parsed.key
                    writer.add_document(**doc)
                    ids.append(doc["id"])
                    for ent in doc["doc"]["entities"]:
                        entities.setdefault(ent["id"], [ent["name"], ent["type"]])
                old_ids = set(manifest.get(parsed.key, {}).get("ids", []))
                result.updated += len(old_ids & set(ids))
                result.added += len(set(ids) - old_ids)
                result.removed += len(old_ids - set(ids))
                result.skips.extend(Skipped(s, r) for s, r in skips)
                if parsed.filehash:
                    next_manifest[parsed.key] = {"hash": parsed.filehash, "ids": ids, "skips": skips}
                if progress:
                    progress(Progress(done, len(todo), result.added + result.updated, started))
            writer.commit(merge=True)
            result.articles = ix.doc_count()
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


def _parse_all(
    todo: list[str], alias_files: Sequence[Path], index_dir: Path, workers: int | None
) -> Iterable[FileParse]:
    """Parse files in order, on all cores when there are enough of them to pay for a pool."""
    args = ([str(p) for p in alias_files], str(index_dir))
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(todo) < POOL_MIN_FILES:
        _init_worker(*args)
        yield from map(parse_file, todo)
        return
    _init_worker(*args)  # compile the gazetteer cache once, before the workers fork
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=args) as pool:
        yield from pool.imap(parse_file, todo, chunksize=16)
