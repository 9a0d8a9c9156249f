"""The web page under gunicorn: time to the first answer after start, then a closed-loop load.

gunicorn is started exactly as the README's production line does it (``-w 2``, the app factory,
``SEARCHAPP_INDEX``), on a free loopback port, and always stopped. The client threads run in the
runner's process: on a 2-core machine they take CPU from the workers, so requests/s is a floor.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.measure import children, peak_rss_mb, percentiles

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 60.0) -> int:
    """GET ``path``, read the whole body; the status code."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def url(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urlencode(params) if params else "")


def _no_control_socket() -> list[str]:
    """Recent gunicorn opens a control socket at one path per user: keep off other instances' socket."""
    from gunicorn import config

    return (
        ["--no-control-socket"]
        if any(s.name == "control_socket_disable" for s in config.KNOWN_SETTINGS)
        else []
    )


class Gunicorn:
    def __init__(self, index: Path, workers: int, log: Path) -> None:
        self.index, self.workers, self.log = index, workers, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        env = {**os.environ, "SEARCHAPP_INDEX": str(self.index)}
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"{HOST}:{self.port}",
               *_no_control_socket(), "searchapp.web:create_app()"]  # fmt: skip
        self.started = time.perf_counter()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def first_answer(self, path: str, deadline_s: float = 600.0) -> dict[str, float]:
        """Seconds from start until ``path`` first answers 200 (polled every 20 ms)."""
        assert self.proc is not None
        end = self.started + deadline_s
        while time.perf_counter() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            asked = time.perf_counter()
            try:
                status = get(self.port, path)
            except OSError:  # not listening yet
                time.sleep(0.02)
                continue
            if status == 200:
                now = time.perf_counter()
                return {
                    "first_answer_s": round(now - self.started, 3),
                    "that_request_s": round(now - asked, 3),
                }
            raise RuntimeError(f"{path} answered {status} on first try; see {self.log}")
        raise RuntimeError(f"no answer within {deadline_s:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        return sorted(children(self.proc.pid))


def load(
    port: int, urls: list[str], threads: int, seconds: float, max_requests: int = 200_000
) -> dict[str, Any]:
    """``threads`` clients, each sending the next URL as soon as its last one answered, for ``seconds``."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds
    budget = max(1, max_requests // threads)

    def client(offset: int) -> None:
        mine: list[float] = []
        for k in range(budget):
            if time.perf_counter() >= stop_at:
                break
            target = urls[(offset + k * threads) % len(urls)]
            t = time.perf_counter()
            try:
                status = get(port, target)
                problem = None if status == 200 else f"HTTP {status}"
            except OSError as exc:
                problem = type(exc).__name__
            if problem:
                with lock:
                    errors[problem] = errors.get(problem, 0) + 1
            else:
                mine.append((time.perf_counter() - t) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    took = time.perf_counter() - started
    return {
        "threads": threads,
        "seconds": round(took, 2),
        "requests": len(latencies) + sum(errors.values()),
        "requests_per_s": round(len(latencies) / took, 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        **percentiles(latencies),
    }


def bench_web(
    index: Path,
    first_path: str,
    urls: list[str],
    *,
    workers: int = 2,
    threads: int = 8,
    seconds: float = 20.0,
    warmup: float = 3.0,
    log: Path,
) -> dict[str, Any]:
    """First answer after start, a warm-up (not counted), the timed load, the workers' peak memory."""
    with Gunicorn(index, workers, log) as g:
        first = g.first_answer(first_path)
        load(g.port, urls, threads, warmup)
        measured = load(g.port, urls, threads, seconds)
        pids = g.worker_pids()
        assert g.proc is not None
        return {
            "workers": workers,
            **first,
            **measured,
            "worker_peak_rss_mb": [peak_rss_mb(p) for p in pids],
            "master_peak_rss_mb": peak_rss_mb(g.proc.pid),
        }
