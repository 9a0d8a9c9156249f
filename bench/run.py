"""Benchmark runner: full-pipeline indexing (ingest + names + index) and search latency.

    python bench/run.py --articles 10000            # generates bench/out/corpus-10000 once, then measures
    python bench/run.py --articles 2000 --no-stories  # the same without story grouping, to see its cost

Writes bench/out/result-<articles>.json and prints a short table. Never run as a test: speed is
measured here, on a quiet machine, not asserted in the suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.corpus import write_corpus  # noqa: E402
from searchapp.indexer import reindex  # noqa: E402
from searchapp.names import default_book  # noqa: E402
from searchapp.search import IndexHolder  # noqa: E402
from searchapp.urlstate import SearchRequest  # noqa: E402

QUERIES = {
    "term": SearchRequest(q="daesh"),
    "two-term AND": SearchRequest(q="ministry forces"),
    "phrase": SearchRequest(q='"islamic state"'),
    "name with variants": SearchRequest(q="Qaryatayn"),
    "facet filter": SearchRequest(q="daesh", outlet=("Outlet 001", "Outlet 002")),
    "date sort": SearchRequest(q="daesh", sort="newest"),
    "deep page": SearchRequest(q="daesh", page=50),
    "all, facets only": SearchRequest(),
}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: steadier than wall time on a busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each query")
    parser.add_argument("--no-stories", action="store_true", help="index without story grouping")
    args = parser.parse_args()

    out = HERE / "out"
    corpus = out / f"corpus-{args.articles}"
    if not corpus.exists():
        write_corpus(corpus, args.articles)
    index = out / f"index-{args.articles}"
    shutil.rmtree(index, ignore_errors=True)
    default_book()  # compile the gazetteer cache outside the timing

    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = reindex([corpus], index, workers=args.workers, group_stories=not args.no_stories)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())

    touched = next(corpus.glob("*.jsonl"))
    touched.write_text(touched.read_text().replace("Outlet 000", "Outlet 000 "))
    inc_started = time.perf_counter()
    inc = reindex([corpus], index, workers=args.workers, group_stories=not args.no_stories)
    inc_seconds = time.perf_counter() - inc_started

    latencies: dict[str, dict[str, float]] = {}
    with IndexHolder(index, default_book()) as holder:
        first_started = time.perf_counter()
        holder.get().search(SearchRequest(q="daesh"))
        first_ms = (time.perf_counter() - first_started) * 1000
        for name, req in QUERIES.items():
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                holder.get().search(req)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            latencies[name] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            }

    report = {
        "articles": result.articles,
        "index_seconds": round(seconds, 2),
        "index_cpu_seconds": round(cpu, 2),
        "articles_per_second": round(result.added / seconds, 1),
        "stories": result.stories.to_json() if result.stories else None,
        "incremental_seconds": round(inc_seconds, 2),
        "incremental_changed_articles": inc.updated,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "index_mb": round(size / 1e6, 1),
        "first_search_ms": round(first_ms, 1),
        "latency": latencies,
    }
    suffix = "-no-stories" if args.no_stories else ""
    (out / f"result-{args.articles}{suffix}.json").write_text(json.dumps(report, indent=1))
    print(
        f"indexed {result.articles:,} articles in {seconds:.1f} s ({cpu:.1f} s CPU): "
        f"{report['articles_per_second']:,} articles/s"
    )
    if result.stories:
        print(
            f"stories: {result.stories.stories} of {result.stories.articles} articles, "
            f"grouped in {result.stories.seconds:.2f} s (sketches are made in the parser workers)"
        )
    print(
        f"incremental, {inc.updated} changed: {inc_seconds:.2f} s; peak RSS {report['peak_rss_mb']} MB;"
        f" index {report['index_mb']} MB; first search {first_ms:.0f} ms (facet arrays built)"
    )
    print(f"{'query':<22} {'p50 ms':>8} {'p95 ms':>8}")
    for name, figures in latencies.items():
        print(f"{name:<22} {figures['p50_ms']:>8} {figures['p95_ms']:>8}")


if __name__ == "__main__":
    main()
