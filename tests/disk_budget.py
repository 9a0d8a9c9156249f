"""A disk that fills up, for a real ``searchapp`` process: once ``budget`` bytes have been written
under ``root``, every further write there fails with ``OSError(ENOSPC)``, as on a full disk.

It sits below searchapp and Whoosh, at ``open()`` (the builtin and ``io.open``, which
``pathlib`` and ``os.fdopen`` use), so the code under test runs unchanged. Run a command through it::

    python -m tests.disk_budget ROOT BUDGET LEDGER -- reindex CORPUS --index ROOT

``BUDGET`` -1 never fails; ``LEDGER`` (a file) receives the bytes written, at exit, to size budgets.
"""

from __future__ import annotations

import atexit
import builtins
import errno
import io
import os
import sys
from pathlib import Path
from typing import Any

_WRITE_MODES = set("wax+")


class _Disk:
    def __init__(self, root: Path, budget: int) -> None:
        self.root = root
        self.budget = budget
        self.written = 0

    def spend(self, count: int, name: str) -> None:
        if self.budget >= 0 and self.written + count > self.budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        self.written += count


class _Metered:
    """A file object whose writes are charged to the disk; everything else is passed through."""

    def __init__(self, fh: Any, disk: _Disk, name: str) -> None:
        self._fh = fh
        self._disk = disk
        self._name = name

    def write(self, data: Any) -> int:
        size = len(data.encode("utf-8")) if isinstance(data, str) else memoryview(data).nbytes
        self._disk.spend(size, self._name)
        return int(self._fh.write(data))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __iter__(self) -> Any:
        return iter(self._fh)

    def __enter__(self) -> _Metered:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def install(root: Path, budget: int, ledger: Path | None = None) -> None:
    disk = _Disk(root.resolve(), budget)
    real_open = io.open

    def metered_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(file, mode, *args, **kwargs)
        if not _WRITE_MODES & set(mode) or isinstance(file, int):
            return fh
        path = Path(os.fsdecode(file)).absolute()
        if disk.root != path and disk.root not in path.parents:
            return fh
        return _Metered(fh, disk, str(path))

    builtins.open = metered_open
    io.open = metered_open
    if ledger is not None:
        atexit.register(lambda: ledger.write_text(str(disk.written)))


def main() -> None:
    root, budget, ledger, dashes, *command = sys.argv[1:]
    assert dashes == "--", "usage: python -m tests.disk_budget ROOT BUDGET LEDGER -- COMMAND..."
    install(Path(root), int(budget), Path(ledger))
    from searchapp.cli import main as searchapp

    sys.argv = ["searchapp", *command]
    searchapp(prog_name="searchapp")


if __name__ == "__main__":
    main()
