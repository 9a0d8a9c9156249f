"""Finding input files: a deterministic walk that reports, rather than hides, what it cannot read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from searchapp.ingest.article import Skipped

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".json", ".jsonl", ".csv"})


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _classify(path: Path) -> Path | Skipped:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"
        return Skipped(str(path), kind)
    if not path.is_file():
        return Skipped(str(path), "not a regular file")
    return path


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root`` sorted by their path parts, hidden names left out.

    Sorting by parts (not whole path strings) keeps a directory's files together whatever
    characters sort between ``/`` and letters: ``a/y.txt`` comes before ``a.csv``.
    """
    found: list[tuple[tuple[str, ...], Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _hidden(d)]
        base = Path(dirpath)
        parts = base.relative_to(root).parts
        found.extend(((*parts, name), base / name) for name in filenames if not _hidden(name))
    found.sort(key=lambda item: item[0])
    for _, path in found:
        yield path


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Input files in a stable order; unsupported or missing ones as ``Skipped`` so they can be counted.

    A file named twice (directly and via its directory) is read once. Hidden files and
    directories met while walking are skipped silently; a hidden path named explicitly is read.
    """
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates: Iterable[Path] = _walk(path)
        elif path.exists() or path.is_symlink():
            candidates = (path,)
        else:
            yield Skipped(str(given), "no such file or directory")
            continue
        for candidate in candidates:
            try:
                key = candidate.resolve()
            except OSError:
                key = candidate.absolute()
            if key in seen:
                continue
            seen.add(key)
            yield _classify(candidate)
