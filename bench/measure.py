"""Measuring helpers for the benchmark: process-tree memory, percentiles, sizes, machine facts.

Memory is read from /proc (Linux), so a process tree can be watched from outside: the parent's own
``getrusage`` cannot see a pool worker that is still alive, nor add up workers that run at once.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 by nearest rank (no interpolation: every figure is a time that was measured).

    >>> percentiles([float(x) for x in range(1, 101)])
    {'n': 100, 'p50_ms': 50.0, 'p95_ms': 95.0, 'p99_ms': 99.0, 'mean_ms': 50.5}
    """
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0}

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2)

    return {
        "n": len(ordered),
        "p50_ms": rank(50),
        "p95_ms": rank(95),
        "p99_ms": rank(99),
        "mean_ms": round(sum(ordered) / len(ordered), 2),
    }


def _status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children; a full /proc scan as fallback)."""
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            found.extend(int(c) for c in (task / "children").read_text().split())
        return found
    except (OSError, ValueError):
        pass
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out: list[int] = []
    todo = [pid]
    while todo and len(out) < 10_000:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def peak_rss_mb(pid: int) -> float:
    """The peak resident set of one live process (VmHWM)."""
    return round(_status_kb(pid, "VmHWM") / 1024, 1)


class TreeMonitor:
    """Samples a process tree's memory every ``interval`` s, in a thread, until stopped.

    ``rss`` adds up each process's resident set (pages that forked workers share are counted once per
    process, so it overstates); ``pss`` shares each page among the processes that map it (what the
    tree really costs); ``hwm`` is the largest single process's own peak.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.rss_kb = self.pss_kb = self.hwm_kb = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        pids = tree(self.pid)
        self.processes = max(self.processes, len(pids))
        self.rss_kb = max(self.rss_kb, sum(_status_kb(p, "VmRSS") for p in pids))
        self.pss_kb = max(self.pss_kb, sum(_pss_kb(p) for p in pids))
        self.hwm_kb = max(self.hwm_kb, *(_status_kb(p, "VmHWM") for p in pids))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict[str, float]:
        return {
            "tree_peak_rss_mb": round(self.rss_kb / 1024, 1),
            "tree_peak_pss_mb": round(self.pss_kb / 1024, 1),
            "largest_process_peak_rss_mb": round(self.hwm_kb / 1024, 1),
            "processes": self.processes,
        }


def run_monitored(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, float, dict[str, float]]:
    """Run ``cmd`` to completion under a :class:`TreeMonitor`: (stdout, wall seconds, memory figures).

    A failing command raises with its stderr, so a broken build is never reported as a fast one.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with TreeMonitor(proc.pid) as mon:
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-4000:]}")
    return out, wall, mon.figures()


def dir_mb(path: Path) -> float:
    """Bytes on disk under ``path``; a file hard-linked into several generations counts once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for p in path.rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file() and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return round(total / 1e6, 1)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, Any]:
    """What a figure depends on: the machine, its load, the versions, the code."""

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "missing"

    mem_kb = _status_kb_meminfo()
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "whoosh": version("whoosh-reloaded"),
        "gunicorn": version("gunicorn"),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }


def _status_kb_meminfo() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
