"""The index directory on disk: generations, the ``CURRENT`` pointer, the writer's lock.

Layout::

    index/
      CURRENT          name of the live generation, replaced atomically (os.replace)
      gen-000007/      a complete Whoosh index + meta.json + manifest.json + entities.json
                       + facets.npz + sketches.npz + stories.json (see ``facets``, ``stories``);
                       meta.json lists every file's size at publish time, so a truncated or deleted
                       one is reported as damage instead of failing somewhere inside Whoosh
      gen-000006/      the previous one, kept a while for searchers that still hold it
      reindex.lock     flock'ed by the running reindex; holds its PID

A reindex never writes into the live generation: it builds the next one beside it (hard-linking
the unchanged, write-once Whoosh segment files) and only then flips ``CURRENT``. A reindex killed
at any moment therefore leaves the live index whole; the next one deletes the debris and redoes it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from searchapp.errors import DiskFull, IndexBusy, IndexDamaged, IndexMissing, SchemaMismatch
from searchapp.schema import SCHEMA_VERSION

CURRENT = "CURRENT"
LOCK = "reindex.lock"
META = "meta.json"
MANIFEST = "manifest.json"
ENTITIES = "entities.json"
FACETS = "facets.npz"
GEN_PATTERN = re.compile(r"gen-(\d{6,})")
#: Previous generations kept for searchers opened just before a swap.
KEEP_OLD = 2


def resolve_index_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """``--index``, else ``$SEARCHAPP_INDEX``, else ``./index``."""
    chosen = option or os.environ.get("SEARCHAPP_INDEX") or "index"
    return Path(chosen).expanduser().resolve()


def generation_number(path: Path) -> int | None:
    match = GEN_PATTERN.fullmatch(path.name)
    return int(match.group(1)) if match else None


def generations(root: Path) -> list[Path]:
    """Every generation directory, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and generation_number(p) is not None]
    return sorted(found, key=lambda p: generation_number(p) or 0)


def current_generation(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    gen = root / name
    return gen if GEN_PATTERN.fullmatch(name) and gen.is_dir() else None


def next_generation(root: Path) -> Path:
    numbers = [generation_number(p) or 0 for p in generations(root)]
    return root / f"gen-{max(numbers, default=0) + 1:06d}"


def read_json(path: Path, default: Any = None) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default


def write_json(path: Path, data: Any) -> None:
    """Write and fsync, so a crash never leaves a half-written file that looks whole."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_lock(name: str) -> bool:
    return name.endswith((".lock", "WRITELOCK"))


def file_sizes(gen: Path) -> dict[str, int]:
    """Each file of a generation a reader needs, with its size (lock files and meta.json left out)."""
    return {
        entry.name: entry.stat().st_size
        for entry in sorted(gen.iterdir())
        if entry.is_file() and entry.name != META and not _is_lock(entry.name)
    }


def publish(root: Path, gen: Path) -> None:
    """Make ``gen`` the live generation in one atomic step, its file sizes recorded in its meta.

    Only the files this reindex wrote are fsynced: a hard link (``hardlink_copy``) shares the inode
    of a file fsynced when its own generation was published, and the directory's fsync makes the
    link itself durable. (Re-syncing the kept segments' ~80 files cost 0.3 s an incremental run.)
    """
    meta = read_json(gen / META, {})
    meta["files"] = file_sizes(gen)
    write_json(gen / META, meta)
    for entry in gen.iterdir():
        if entry.is_file() and entry.stat().st_nlink == 1:
            with entry.open("rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(gen)
    tmp = root / (CURRENT + ".tmp")
    with tmp.open("w") as fh:
        fh.write(gen.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    fsync_dir(root)


def remove_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir() and not child.is_symlink():
            child.rmdir()
        else:
            child.unlink(missing_ok=True)
    path.rmdir()


def collect_garbage(root: Path) -> None:
    """Delete generations a crashed reindex left half-built, and all but ``KEEP_OLD`` old ones."""
    live = current_generation(root)
    live_number = generation_number(live) if live else -1
    older = []
    for gen in generations(root):
        number = generation_number(gen) or 0
        if gen == live:
            continue
        if live is None or number > (live_number or 0):
            remove_tree(gen)  # debris of an interrupted reindex
        else:
            older.append(gen)
    for gen in older[: max(0, len(older) - KEEP_OLD)]:
        with contextlib.suppress(OSError):
            remove_tree(gen)


def hardlink_copy(src: Path, dst: Path, skip: set[str]) -> None:
    """Copy a generation by hard links: Whoosh never rewrites a segment file once written."""
    dst.mkdir()
    for entry in src.iterdir():
        if entry.name in skip or not entry.is_file() or entry.name.endswith(".lock"):
            continue
        try:
            os.link(entry, dst / entry.name)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            (dst / entry.name).write_bytes(entry.read_bytes())


class IndexLock:
    """An exclusive, crash-proof writer lock: ``flock`` dies with its process, so a lock left by a
    killed reindex is recognised (its PID is dead and the flock is free) and taken over."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK
        self.stale_pid: int | None = None
        self._fh: Any = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            text = fh.read().strip()
            fh.close()
            raise IndexBusy(int(text) if text.isdigit() else None) from None
        try:
            fh.seek(0)
            previous = fh.read().strip()
            if previous.isdigit() and int(previous) != os.getpid():
                self.stale_pid = int(previous)
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
        except OSError:  # a full disk: give the lock back rather than leak it
            fh.close()
            raise
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        fh, self._fh = self._fh, None
        fh.seek(0)
        fh.truncate()
        fh.flush()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[IndexLock]:
    """The writer lock; a disk that fills up under it becomes ``DiskFull``, once the generation the
    writer left half-built is deleted (still under the lock), so the space is given back at once."""
    try:
        with IndexLock(root) as lock:
            try:
                yield lock
            except OSError as exc:
                if exc.errno in _DISK_FULL:
                    with contextlib.suppress(OSError):
                        collect_garbage(root)
                raise
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise DiskFull(root) from exc
        raise


def check_meta(gen: Path) -> dict[str, Any]:
    """The generation's meta, once it is known to be of this schema and to have every file it was
    published with, at the size it was published with."""
    try:
        meta = read_json(gen / META)
    except ValueError as exc:  # truncated or garbled JSON
        raise IndexDamaged(gen.parent, f"{gen.name}/{META} is unreadable") from exc
    if meta is None:
        raise IndexDamaged(gen.parent, f"{gen.name} has no {META}")
    if not isinstance(meta, dict):
        raise IndexDamaged(gen.parent, f"{gen.name}/{META} is unreadable")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise SchemaMismatch(meta.get("schema_version"), SCHEMA_VERSION)
    for name, size in (meta.get("files") or {}).items():
        try:
            actual = (gen / name).stat().st_size
        except FileNotFoundError:
            raise IndexDamaged(gen.parent, f"{gen.name}/{name} is missing") from None
        if actual != size:
            raise IndexDamaged(gen.parent, f"{gen.name}/{name} is {actual} bytes long, not {size}")
    return meta


def open_generation(gen: Path) -> whoosh_index.Index:
    """Open a generation's Whoosh index, turning unreadable files into ``IndexDamaged``."""
    check_meta(gen)
    try:
        return whoosh_index.open_dir(str(gen))
    except (OSError, EOFError, ValueError, whoosh_index.IndexError) as exc:
        raise IndexDamaged(gen.parent, f"{type(exc).__name__}: {exc}") from exc


def require_current(root: Path) -> Path:
    gen = current_generation(root)
    if gen is None:
        raise IndexMissing(root)
    return gen


@contextlib.contextmanager
def opened_current(root: Path) -> Iterator[tuple[Path, whoosh_index.Index]]:
    gen = require_current(root)
    ix = open_generation(gen)
    try:
        yield gen, ix
    finally:
        ix.close()
