"""Shared fixtures: a real index built by the real indexer from the bundled sample articles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import searchapp
from searchapp.indexer import reindex
from searchapp.web import create_app

SAMPLE = Path(searchapp.__file__).parent / "sample"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def seed(name: str) -> str:
    """The sample file whose name starts with ``name`` ("000" … "004")."""
    return next(p.name for p in SAMPLE.iterdir() if p.name.startswith(name))


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample articles (tests may not touch the package's own)."""
    target = tmp_path_factory.mktemp("sample") / "articles"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture(scope="session")
def sample_index(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("index") / "index"
    result = reindex([sample_dir], index, workers=1)
    assert result.added == 5, result.summary()
    return index


@pytest.fixture(scope="session")
def app(sample_index: Path):  # type: ignore[no-untyped-def]
    app = create_app({"INDEX": str(sample_index), "TESTING": True})
    yield app
    holder = app.extensions.get("searchapp.holder")
    if holder is not None:
        holder.close()


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture()
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


_GAZETTEER: list[Path] = []  # this session's own copy of the compiled gazetteer, once made


def warm_index_dir(index: Path) -> Path:
    """A new index directory holding the compiled gazetteer cache, so no run there compiles it.

    The user-level cache is shared with other checkouts, whose searchapp may replace it at any
    moment, so it is copied once into the first directory warmed and copied from there after."""
    from searchapp.names import default_book
    from searchapp.names.gazetteer import Gazetteer

    index.mkdir(parents=True, exist_ok=True)
    for source in [*_GAZETTEER, default_book().gaz.cache_path]:
        if source is not None and source.exists():
            try:
                shutil.copy2(source, index / source.name)
                break
            except FileNotFoundError:
                continue
    else:
        Gazetteer.load(index)  # compiles it there
    if not _GAZETTEER:
        _GAZETTEER.extend(index.glob("names-gazetteer-*.pickle"))
    return index


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """The README's production command, run for real on loopback."""

    def __init__(self, index: Path, workers: int = 2, env: dict[str, str] | None = None) -> None:
        import os
        import subprocess
        import sys
        import tempfile

        self.log = tempfile.TemporaryFile()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SEARCHAPP_INDEX": str(index), **(env or {})}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "searchapp.web:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn exited: {self.log.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/api/search?limit=1", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not come up")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def live_server(sample_index: Path):  # type: ignore[no-untyped-def]
    server = Gunicorn(sample_index)
    yield server
    server.stop()
