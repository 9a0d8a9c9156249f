"""Time (and optionally profile) the benchmark's query rows against an index ``bench/run.py --keep`` left.

    python bench/profile_queries.py --articles 20000 --out /work/bq                # p50/p95 per row
    python bench/profile_queries.py --articles 20000 --out /work/bq --profile phrase --top 25

Runs the same seeded query set as ``run.py`` through ``IndexHolder`` → ``GenerationSearcher.search``
(what the web calls), without rebuilding anything and without FTS5; ``--profile`` runs the rows
whose name contains the text under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import queries  # noqa: E402
from bench.corpus import Generator  # noqa: E402
from bench.measure import percentiles  # noqa: E402
from searchapp.names import NameBook  # noqa: E402
from searchapp.search import IndexHolder  # noqa: E402
from searchapp.urlstate import from_args  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", default="", help="only rows whose name contains this")
    parser.add_argument("--profile", default=None, help="profile the rows whose name contains this")
    parser.add_argument("--top", type=int, default=20, help="functions to print per profile")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative, tottime, ...")
    parser.add_argument(
        "--cpu", action="store_true", help="time this process's CPU, not the wall (a shared machine)"
    )
    args = parser.parse_args()

    work = args.out / f"{args.articles}-s{args.seed}"
    index, corpus = work / "index", work / "corpus"
    if not (work / "index.built").exists():
        parser.error(f"no finished index under {work}: run bench/run.py --keep first")
    gen = Generator(args.seed)
    classes, common = queries.build(gen.vocab, gen.names, corpus, args.seed, args.queries)
    rows = [r for r in queries.rows(classes, common) if args.rows in r.name]
    book = NameBook.load(cache_dir=index)
    with IndexHolder(index, book) as holder:
        for qs in classes.values():  # the top entity, as run.py picks it for the filter rows
            for q in qs:
                top = holder.get().search(from_args({"q": q.ours})).facets.get("entity") or []
                if top:
                    q.entity["ours"] = top[0]["value"]
        for row in rows:
            params = [row.ours(q) for q in row.queries]
            for p in params:  # untimed pass
                holder.get().search(from_args(p))
            if args.profile is not None and args.profile in row.name:
                prof = cProfile.Profile()
                prof.enable()
                for _ in range(args.repeat):
                    for p in params:
                        holder.get().search(from_args(p))
                prof.disable()
                print(f"\n== {row.name}")
                pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
                continue
            clock = time.process_time if args.cpu else time.perf_counter
            samples = []
            for _ in range(args.repeat):
                for p in params:
                    t = clock()
                    holder.get().search(from_args(p))
                    samples.append((clock() - t) * 1000)
            pct = percentiles(samples)
            figures = "  ".join(f"{k[:3]} {pct[k]:8.2f}" for k in ("p50_ms", "p95_ms", "p99_ms"))
            print(f"{row.name:28s} {figures}")


if __name__ == "__main__":
    main()
