"""Load while reindexing: gunicorn (the README's command, 2 workers) answers a bounded, mixed search
load while ``searchapp reindex --full`` and then an incremental reindex run on a 20,000-article
corpus (bench/corpus.py, seeded). Every request must get a 200, every answer must be exactly what
one whole generation answers (never a mix), and a request made after a reindex has finished must
be answered from the new generation. Speed is not asserted: the figures (requests/s, latency
percentiles) are written to test-artifacts/load.json for the record.

``LOAD_TEST_ARTICLES`` sets a smaller corpus for a quick local run; CI uses the default.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bench.corpus import write_corpus
from searchapp.indexer import reindex
from searchapp.names import NameBook, default_book
from searchapp.search import GenerationSearcher
from searchapp.store import generations, require_current
from searchapp.urlstate import SearchRequest, from_args
from tests.conftest import ARTIFACTS, Gunicorn, warm_index_dir

pytestmark = pytest.mark.slow

ARTICLES = int(os.environ.get("LOAD_TEST_ARTICLES", "20000"))
PER_FILE = max(1, ARTICLES // 20)
THREADS = 2  # bounded load: two clients, each pausing between requests, so the reindex still runs
THINK_SECONDS = 0.1
MAX_REQUESTS = 100_000  # hard caps, whatever happens to the reindex
MAX_SECONDS = 3600.0
BURST_REQUESTS = 200


@dataclass
class Response:
    query: int
    status: int
    started: float
    seconds: float
    generation: str | None = None
    total: int | None = None
    digest: str | None = None


def digest(data: dict[str, Any]) -> str:
    """The whole answer but its timing, canonicalised: equal digests, equal answers."""
    data = {k: v for k, v in data.items() if k != "took_ms"}
    # the web layer links each entity entry to its spellings page (a URL, not index data)
    facets = data.get("facets") or {}
    data["facets"] = {
        name: [{k: v for k, v in e.items() if k != "spellings_url"} for e in entries]
        for name, entries in facets.items()
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Load:
    """``threads`` clients that each send the mixed queries in turn until told to stop or a cap is hit."""

    def __init__(self, base: str, queries: list[str], threads: int, think: float, cap: int) -> None:
        self.base, self.queries, self.think, self.cap = base, queries, think, cap
        self.responses: list[Response] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i, threads)) for i in range(threads)]

    def __enter__(self) -> Load:
        self.began = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self._threads:
            t.join()
        self.ended = time.monotonic()

    def _run(self, first: int, step: int) -> None:
        n = first
        while not self.stop.is_set() and len(self.responses) < self.cap:
            if time.monotonic() - self.began > MAX_SECONDS:
                return
            self._record(self._get(n % len(self.queries)))
            n += step
            self.stop.wait(self.think)

    def _get(self, query: int) -> Response:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(self.base + "/api/search" + self.queries[query], timeout=120) as r:
                body = json.load(r)
                status = r.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return Response(query, exc.code, started, time.monotonic() - started)
        except OSError:
            return Response(query, 0, started, time.monotonic() - started)  # refused, reset, timed out
        return Response(
            query,
            status,
            started,
            time.monotonic() - started,
            body["generation"],
            body["total"],
            digest(body),
        )

    def _record(self, response: Response) -> None:
        with self._lock:
            self.responses.append(response)

    def figures(self, responses: list[Response] | None = None) -> dict[str, Any]:
        responses = self.responses if responses is None else responses
        ms = sorted(r.seconds * 1000 for r in responses)
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        span = self.ended - self.began
        return {
            "requests": len(responses),
            "seconds": round(span, 1),
            "requests_per_second": round(len(responses) / span, 1),
            "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1),
            "p99_ms": round(cuts[98], 1),
            "max_ms": round(ms[-1], 1),
        }


def mixed_queries(index: Path) -> list[str]:
    """Searches a reader would make on this corpus: words, phrases, names, every facet, sorts, pages."""
    with GenerationSearcher(require_current(index), default_book()) as searcher:
        page = searcher.search(SearchRequest())
        stored = [searcher.searcher.stored_fields(n)["doc"] for n in (3, 17, 42, 99)]
    words = [max(doc["title"].split()[:-1], key=len).lower() for doc in stored]
    sentence = stored[0]["body"].split(". ")[1].split()
    outlets = [f["value"] for f in page.facets["outlet"][:3]]
    agencies = [f["value"] for f in page.facets["agency"][:2]]
    entities = [f["value"] for f in page.facets["entity"][:2]]
    place = stored[1]["title"].split()[-1]
    params: list[dict[str, Any]] = [
        {},
        {"q": words[0]},
        {"q": f"{words[1]} {words[2]}"},
        {"q": f'"{sentence[0]} {sentence[1]}"'},
        {"q": place},
        {"q": place, "exact": "1"},
        {"q": "Daesh"},
        {"q": f"ISIS OR Nusra -{words[3]}"},
        {"q": words[0], "outlet": outlets[0]},
        {"outlet": outlets[:2], "sort": "newest"},
        {"q": "Daesh", "agency": agencies[0]},
        {"entity": entities[0], "from": "2015", "to": "2019"},
        {"q": words[1], "entity": entities, "sort": "oldest"},
        {"q": words[2], "page": "3", "limit": "50"},
        {"from": "2012-03", "to": "2012-04", "more": "outlet"},
        {"q": f"title:{words[3]}"},
    ]
    return ["?" + urlencode(p, doseq=True) for p in params]


def expected_answers(index: Path, queries: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Per generation on disk, each query's (total, digest), computed by the library after the run."""
    book = NameBook.load([], cache_dir=index)  # the book the web app loads
    out = {}
    for gen in generations(index):
        with GenerationSearcher(gen, book) as searcher:
            answers = []
            for qs in queries:
                page = searcher.search(from_args(parse_qs(urlsplit(qs).query)))
                data = json.loads(json.dumps(page.to_json()))
                answers.append((page.total, digest(data)))
        out[gen.name] = answers
    return out


def cli_reindex(corpus: Path, index: Path, *extra: str) -> tuple[float, float, str]:
    """(start, end, summary) of a real ``searchapp reindex`` run."""
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "searchapp", "reindex", str(corpus), "--index", str(index), *extra],
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS,
    )
    assert run.returncode == 0, run.stderr
    return started, time.monotonic(), run.stdout.strip()


def test_search_under_load_while_reindexing(tmp_path: Path) -> None:
    # The corpus: 20 files to start with, one more for the full reindex, then one more and one
    # cut in half for the incremental one.
    total = ARTICLES + 2 * PER_FILE
    staging = write_corpus(tmp_path / "staging", total, files=total // PER_FILE)
    parts = sorted(staging.glob("*.jsonl"))
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for part in parts[:20]:
        shutil.copy2(part, corpus)
    first = reindex([corpus], warm_index_dir(index))
    assert first.articles == ARTICLES, first.summary()
    queries = mixed_queries(index)
    gen1 = require_current(index).name

    server = Gunicorn(index, workers=2)
    try:
        with Load(server.url, queries, THREADS, THINK_SECONDS, MAX_REQUESTS) as load:
            shutil.copy2(parts[20], corpus)
            full = cli_reindex(corpus, index, "--full")
            gen2 = require_current(index).name
            shutil.copy2(parts[21], corpus)
            kept = parts[1].read_text().splitlines(keepends=True)[: PER_FILE // 2]
            (corpus / parts[1].name).write_text("".join(kept))
            incremental = cli_reindex(corpus, index)
            gen3 = require_current(index).name
            # A little more load, until both workers have answered from the last generation.
            tail = time.monotonic()
            while time.monotonic() - tail < 120 and sum(r.generation == gen3 for r in load.responses) < 40:
                time.sleep(0.2)
        during = load.figures()

        # After the reindexes: the new articles are found, the cut ones are gone.
        def get(path: str) -> Any:
            with urllib.request.urlopen(server.url + path, timeout=120) as r:
                return json.load(r)

        everything = get("/api/search?limit=1")
        assert (
            everything["generation"] == gen3
            and everything["total"] == ARTICLES + 2 * PER_FILE - PER_FILE // 2
        )
        for part, present in ((parts[20], True), (parts[21], True), (parts[1], False)):
            last = json.loads(part.read_text().splitlines()[-1])  # of part 1: in the half cut off
            hits = get("/api/search?" + urlencode({"q": f'title:"{last["title"]}"', "limit": 100}))
            assert (last["id"] in {r["id"] for r in hits["results"]}) is present, (part.name, last["id"])

        # A short closed-loop burst on the settled index: what two workers answer flat out.
        with Load(server.url, queries, 4, 0.0, BURST_REQUESTS) as burst:
            while len(burst.responses) < BURST_REQUESTS and not burst.stop.wait(0.2):
                pass
        burst_figures = burst.figures()
    finally:
        server.stop()

    responses = load.responses + burst.responses
    failed = [r for r in responses if r.status != 200]
    assert failed == [], f"{len(failed)} failed requests, e.g. {failed[:5]}"
    expected = expected_answers(index, queries)
    assert set(expected) >= {gen1, gen2, gen3}, "a generation a response came from was deleted"
    # The generations answer differently, so an answer mixing two of them would match neither.
    per_query = [{expected[g][q] for g in (gen1, gen2, gen3)} for q in range(len(queries))]
    assert sum(len(answers) == 3 for answers in per_query) >= len(queries) // 2, per_query
    by_generation = {g: sum(r.generation == g for r in load.responses) for g in (gen1, gen2, gen3)}
    assert all(by_generation.values()), f"the load did not span both swaps: {by_generation}"
    for r in responses:
        total, answer = expected[r.generation][r.query]  # type: ignore[index]
        assert (r.total, r.digest) == (total, answer), f"{queries[r.query]} on {r.generation}: a mixed answer"
        # A request sent after a reindex finished is answered from what it published.
        if r.started > incremental[1]:
            assert r.generation == gen3
        elif r.started > full[1]:
            assert r.generation in (gen2, gen3)

    figures = {
        "articles": {gen1: ARTICLES, gen2: ARTICLES + PER_FILE, gen3: everything["total"]},
        "load": {"threads": THREADS, "think_seconds": THINK_SECONDS, "queries": len(queries)},
        "during_reindex": {**during, "failed": 0, "by_generation": by_generation},
        "burst_after": {**burst_figures, "threads": 4, "failed": 0},
        "reindex": {
            "initial": first.summary(),
            "full": full[2],
            "full_seconds": round(full[1] - full[0], 1),
            "incremental": incremental[2],
            "incremental_seconds": round(incremental[1] - incremental[0], 1),
        },
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=1) + "\n")
    print("\nload:", json.dumps(figures))
