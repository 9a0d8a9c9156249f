"""Faults: a reindex killed at random points, a disk that fills up, a stale lock, a damaged index.

Real ``searchapp`` processes on real indexes. What is checked is what a reader sees: after any
fault the live generation answers exactly as one whole, cleanly built index of the corpus would
(before or after the change), and the next reindex completes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchapp.cli import main
from searchapp.errors import IndexDamaged
from searchapp.indexer import reindex
from searchapp.names import default_book
from searchapp.search import GenerationSearcher
from searchapp.store import (
    KEEP_OLD,
    LOCK,
    META,
    current_generation,
    generation_number,
    generations,
    read_json,
    require_current,
)
from searchapp.urlstate import SearchRequest
from searchapp.web import create_app
from tests.conftest import ROOT, SAMPLE
from tests.conftest import warm_index_dir as warm
from tests.corpus import write_jsonl, write_many

QUERIES = [
    SearchRequest(limit=1000),
    SearchRequest(q="army", limit=1000),
    SearchRequest(q="Palmyra OR Homs", limit=1000),
    SearchRequest(q='"Syrian Observatory"', outlet=("Outlet B", "Outlet C"), limit=1000),
    SearchRequest(q="forces", date_from="2016-03", date_to="2016-08", sort="newest", limit=1000),
]


def answers(gen: Path) -> list[dict[str, Any]]:
    """What a reader of ``gen`` sees, whatever order the index was built in: per query the total,
    the matching ids and every facet's counts."""
    with GenerationSearcher(gen, default_book()) as searcher:
        out = []
        for req in QUERIES:
            page = searcher.search(req)
            out.append(
                {
                    "total": page.total,
                    "ids": sorted(r.id for r in page.results),
                    "facets": {
                        name: sorted((f["value"], f["count"]) for f in fs) for name, fs in page.facets.items()
                    },
                }
            )
    return out


def served(index: Path) -> list[dict[str, Any]]:
    return answers(require_current(index))


def run_cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "searchapp", *args], capture_output=True, text=True, timeout=600, **kwargs
    )


def debris(index: Path) -> list[str]:
    """Generations newer than the live one: a reindex's unpublished work."""
    live = generation_number(require_current(index)) or 0
    return [g.name for g in generations(index) if (generation_number(g) or 0) > live]


# --- SIGKILL at random points ----------------------------------------------------------------------

KILLS = 20


class Corpus:
    """A corpus that flips between two states, A and B, each with the answers of a clean index of it.

    B adds a file, changes one (same ids, new text) and removes one, so an incremental reindex adds,
    updates and removes; 70 files keep the parallel parse pool in play."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "corpus"
        self.spare = root / "spare"
        write_many(self.dir, files=70, per_file=2)
        shutil.copytree(self.dir, self.spare / "A")
        write_jsonl(self.spare / "B" / "extra.jsonl", 50_000, 30, seed=11)
        write_jsonl(self.spare / "B" / "batch-0000.jsonl", 0, 2, seed=12)
        self.answers: dict[str, list[dict[str, Any]]] = {}
        for state in ("A", "B"):
            self.set(state)
            clean = warm(root / f"clean-{state}")
            reindex([self.dir], clean, workers=1)
            self.answers[state] = served(clean)
        assert self.answers["A"] != self.answers["B"]
        self.set("A")

    def set(self, state: str) -> None:
        a, b = self.spare / "A", self.spare / "B"
        shutil.copy2(a / "batch-0000.jsonl" if state == "A" else b / "batch-0000.jsonl", self.dir)
        if state == "A":
            (self.dir / "extra.jsonl").unlink(missing_ok=True)
            shutil.copy2(a / "batch-0069.jsonl", self.dir)
        else:
            shutil.copy2(b / "extra.jsonl", self.dir)
            (self.dir / "batch-0069.jsonl").unlink(missing_ok=True)

    def state_of(self, index: Path) -> str:
        seen = served(index)
        matching = [s for s, expected in self.answers.items() if seen == expected]
        assert matching, "the served index answers like neither whole index: it is half-built"
        return matching[0]


def test_sigkill_at_random_points_never_breaks_the_served_index(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path)
    index = warm(tmp_path / "index")
    reindex_cmd = [sys.executable, "-m", "searchapp", "reindex", str(corpus.dir), "--index", str(index)]

    # Uncut runs, timed only to spread the kills over a whole run, whatever this machine's speed.
    took: dict[str, float] = {}
    for state, mode in (("A", "--full"), ("B", "--workers=2")):
        corpus.set(state)
        started = time.monotonic()
        subprocess.run([*reindex_cmd, mode], check=True, capture_output=True, timeout=600)
        took[mode] = time.monotonic() - started
        assert corpus.state_of(index) == state

    rng = random.Random(2016)
    points = [(i + rng.random()) / KILLS for i in range(KILLS)]
    rng.shuffle(points)
    killed: list[int] = []
    cleared: list[int] = []
    mid_build = 0  # kills that left a half-built generation behind
    for attempt, point in enumerate(points):
        live = corpus.state_of(index)
        target = "B" if live == "A" else "A"
        corpus.set(target)
        mode = "--full" if attempt % 3 == 2 else "--workers=2"
        started = time.monotonic()
        proc = subprocess.Popen(
            [*reindex_cmd, mode], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            _, stderr = proc.communicate(timeout=point * 1.2 * took[mode])
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            _, stderr = proc.communicate()
            killed.append(proc.pid)
            mid_build += bool(debris(index))
        else:
            assert proc.returncode == 0, stderr
            took[mode] = min(took[mode], time.monotonic() - started)  # the machine got faster
        cleared += [int(line.rsplit(" ", 1)[1]) for line in stderr.splitlines() if "stale lock" in line]
        # Whole: the live generation answers exactly like a clean index of A or of B.
        now = corpus.state_of(index)
        assert now in (live, target)
        if proc.returncode == 0:
            assert now == target

    final = corpus.state_of(index)
    corpus.set("B" if final == "A" else "A")
    last = subprocess.run([*reindex_cmd, "--workers=2"], capture_output=True, text=True, timeout=600)
    assert last.returncode == 0, last.stderr
    cleared += [int(line.rsplit(" ", 1)[1]) for line in last.stderr.splitlines() if "stale lock" in line]
    assert len(killed) >= KILLS // 2, f"only {len(killed)} runs were killed"
    assert mid_build > 0, "no kill landed while a generation was being written"
    assert set(cleared) <= set(killed), (cleared, killed)  # a lock is only ever taken over from the dead
    assert corpus.state_of(index) != final
    assert debris(index) == [] and len(generations(index)) <= 1 + KEEP_OLD
    for gen in generations(index):  # the older generations kept for searchers are whole too
        answers(gen)
    print(f"\nSIGKILL: {len(killed)}/{KILLS} killed, {mid_build} mid-build; {len(set(cleared))} stale locks")


def test_a_lock_left_by_a_killed_reindex_is_recognised_and_cleared(tmp_path: Path) -> None:
    corpus, index = write_many(tmp_path / "corpus", files=20, per_file=20), warm(tmp_path / "index")
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchapp", "reindex", str(corpus), "--index", str(index), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while (index / LOCK).exists() is False or (index / LOCK).read_text().strip() != str(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "the reindex never took the lock"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (index / LOCK).read_text().strip() == str(proc.pid)  # the dead process's PID is still there
    again = run_cli("reindex", str(corpus), "--index", str(index))
    assert again.returncode == 0, again.stderr
    assert f"cleared a stale lock left by PID {proc.pid}" in again.stderr
    assert "(400 articles in the index" in again.stdout
    assert (index / LOCK).read_text() == "" and debris(index) == []


# --- a full disk ---------------------------------------------------------------------------------


def budget_reindex(
    index: Path, corpus: Path, budget: int, ledger: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``searchapp reindex`` in a process whose disk under ``index`` holds only ``budget`` more bytes."""
    command = ["reindex", str(corpus), "--index", str(index), *extra]
    return subprocess.run(
        [sys.executable, "-m", "tests.disk_budget", str(index), str(budget), str(ledger), "--", *command],
        capture_output=True,
        text=True,
        timeout=600,
        # Whoosh's segment merge writes each document's stored fields in the order of a set of
        # field names, so their bytes vary by a few hundred with the hash seed. Pinning it makes
        # every run of one reindex write the same bytes, which the budgets below depend on.
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
    )


def assert_disk_full_reported(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert "disk full" in run.stderr and "no space left" in run.stderr, run.stderr
    assert "run the reindex again" in run.stderr and "Traceback" not in run.stderr, run.stderr


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_a_full_disk_during_reindex_is_a_clear_error_and_the_old_index_stays(
    tmp_path: Path, mode: str
) -> None:
    corpus, index = write_many(tmp_path / "corpus", files=6, per_file=20), warm(tmp_path / "index")
    reindex([corpus], index, workers=1)
    before, live = served(index), current_generation(index)
    write_jsonl(corpus / "more.jsonl", 9000, 40, seed=3)
    write_jsonl(corpus / "batch-0001.jsonl", 20, 20, seed=4)
    extra = ("--full",) if mode == "full" else ()

    # How many bytes a successful run writes, measured on a copy.
    probe = tmp_path / "probe"
    shutil.copytree(index, probe)
    ledger = tmp_path / "ledger"
    assert budget_reindex(probe, corpus, -1, ledger, *extra).returncode == 0
    needed = int(ledger.read_text())
    assert needed > 10_000

    # The last budget fails in publish (meta.json's file list, CURRENT.tmp), a few bytes of
    # slack for what varies between runs (the PID in the lock, the timing in meta.json).
    for budget in (0, needed // 20, needed // 2, needed * 19 // 20, needed - 16):
        run = budget_reindex(index, corpus, budget, ledger, *extra)
        assert_disk_full_reported(run)
        assert int(ledger.read_text()) <= budget
        assert current_generation(index) == live and served(index) == before
        assert debris(index) == [], f"a budget of {budget} of {needed} bytes left a half generation"
        assert (index / LOCK).read_text() == ""

    done = run_cli("reindex", str(corpus), "--index", str(index), *extra)
    assert done.returncode == 0, done.stderr
    assert served(index) == served(probe) != before


def test_a_full_tmpfs_during_reindex(tmp_path: Path) -> None:
    """The same on a real, size-limited file system, where this machine lets us mount one."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "searchapp-test", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        corpus, index = write_many(tmp_path / "corpus", files=6, per_file=20), warm(disk / "index")
        first = run_cli("reindex", str(corpus), "--index", str(index))
        assert first.returncode == 0, first.stderr
        before, live = served(index), current_generation(index)
        used = shutil.disk_usage(disk).used
        # Room for a little more, not for a second copy of the index.
        remount = ["mount", "-o", f"remount,size={used + 64 * 1024}", str(disk)]
        subprocess.run(remount, check=True)
        write_jsonl(corpus / "more.jsonl", 9000, 200, seed=3)
        full = run_cli("reindex", str(corpus), "--index", str(index), "--full")
        assert_disk_full_reported(full)
        assert current_generation(index) == live and served(index) == before and debris(index) == []
        assert shutil.disk_usage(disk).used <= used + 8192  # the half generation's space was given back
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = run_cli("reindex", str(corpus), "--index", str(index), "--full")
        assert again.returncode == 0, again.stderr
        assert served(index)[0]["total"] == before[0]["total"] + 200
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=True)


# --- a damaged index -------------------------------------------------------------------------------

DAMAGE = [
    ("truncate", ".pst"),
    ("truncate", ".trm"),
    ("truncate", "_stored.col"),
    ("truncate", ".toc"),
    ("truncate", "entities.json"),
    ("truncate", META),
    ("delete", ".pst"),
    ("delete", "_body_len.col"),
    ("delete", "date.col"),
    ("delete", ".toc"),
    ("delete", "manifest.json"),
    ("delete", META),
]


def damage(index: Path, how: str, suffix: str) -> str:
    gen = require_current(index)
    victim = next(p for p in sorted(gen.iterdir()) if p.name.endswith(suffix))
    if how == "delete":
        victim.unlink()
    else:
        data = victim.read_bytes()
        victim.write_bytes(data[: len(data) // 2])
    return victim.name


@pytest.mark.parametrize(("how", "suffix"), DAMAGE)
def test_a_damaged_index_says_so_and_how_to_rebuild(
    tmp_path: Path, sample_index: Path, how: str, suffix: str
) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    name = damage(index, how, suffix)

    stats = CliRunner().invoke(main, ["stats", "--index", str(index)])
    assert stats.exit_code == 1 and isinstance(stats.exception, SystemExit), stats.output
    assert "is damaged" in stats.output and name in stats.output
    assert f"searchapp reindex --full PATH --index {index}" in stats.output

    app = create_app({"INDEX": str(index), "TESTING": True})
    client = app.test_client()
    try:
        for path in ("/", "/search?q=palmyra", "/feed", "/export.csv", "/article/abc"):
            page = client.get(path)
            text = page.get_data(as_text=True)
            assert page.status_code == 503, (path, text)
            assert "is damaged" in text and "searchapp reindex --full" in text, text
            assert "Traceback" not in text
        api = client.get("/api/search?q=palmyra")
        assert api.status_code == 503 and "is damaged" in api.get_json()["message"]
    finally:
        holder = app.extensions.get("searchapp.holder")
        if holder is not None:
            holder.close()

    # An incremental reindex says the same; the rebuild it asks for works.
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    with pytest.raises(IndexDamaged, match="reindex --full"):
        reindex([corpus], index, workers=1)
    assert reindex([corpus], index, full=True, workers=1).articles == 5
    assert CliRunner().invoke(main, ["stats", "--index", str(index)]).exit_code == 0


def test_damage_is_reported_by_the_real_command_without_a_traceback(
    tmp_path: Path, sample_index: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    damage(index, "truncate", ".pst")
    result = run_cli("stats", "--index", str(index))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: the index at") and "is damaged" in result.stderr
    assert "rebuild it with `searchapp reindex --full" in result.stderr


def test_every_published_generation_records_its_files(sample_index: Path) -> None:
    gen = require_current(sample_index)
    sizes = read_json(gen / META)["files"]
    assert {p.name for p in gen.iterdir() if p.is_file()} - set(sizes) <= {META, "MAIN_WRITELOCK"}
    assert all(sizes[name] == (gen / name).stat().st_size for name in sizes)
