"""Benchmark runner: searchapp against SQLite FTS5 on one synthetic news corpus, in one run.

    make bench ARTICLES=100000                 # = .venv/bin/python bench/run.py --articles 100000
    python bench/run.py --articles 1000 --skip-web --queries 5     # a quick check that it all works
    python bench/run.py --articles 2000 --no-stories               # without story grouping, to see its cost

Steps (each engine on the same corpus, one after the other, never in parallel):

1. corpus: ``bench/corpus.py`` writes ``--articles`` articles in ``--files`` JSONL files under
   ``<out>/<articles>-s<seed>/corpus`` (deterministic; reused while its marker matches);
2. searchapp indexing: the full pipeline (ingest + names + index) through ``searchapp.indexer.reindex``
   in a child process: articles/s, peak memory of the process tree (sampled from /proc: sum of PSS and
   of RSS, and the largest single process), index size on disk;
3. FTS5 indexing of the same JSONL (``bench/fts5.py``): articles/s, peak memory, database size;
4. incremental: 1% of the files (at least one) rewritten with changed text, then reindexed: seconds
   and % of the full build; then the files are put back and reindexed again (a second figure);
5. queries: the seeded set of ``bench/queries.py`` (``--queries`` per class, each timed ``--repeat``
   times after one untimed pass), searchapp via ``searchapp.search.IndexHolder`` (what each web worker
   holds), FTS5 via ``bench/fts5.py``; p50/p95/p99, and the mean number of hits to show both found
   about the same; first search after opening the index;
6. web: gunicorn with ``--web-workers`` workers (default 2): time from start to the first 200 from
   ``/api/search``; then ``--web-threads`` closed-loop clients for ``--web-seconds`` on a mix of
   ``/search`` (HTML) and ``/api/search``: requests/s, p50/p95/p99, errors, each worker's peak RSS.

Writes ``<out>/result-<articles>-<time>.json`` and ``<out>/result-<articles>.json`` (the latest): the
machine, versions, load average, command line and every figure; prints markdown tables with
searchapp/FTS5 ratios. ``--keep`` reuses the built index and FTS5
database to rerun queries and web only. Speed is measured here, never asserted in the test suite;
run it on a quiet machine (the load average is recorded before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import fts5, queries, webload  # noqa: E402
from bench.corpus import GROUPS, Generator, is_complete, write_corpus  # noqa: E402
from bench.measure import dir_mb, machine, percentiles, run_monitored  # noqa: E402
from searchapp.names import NameBook  # noqa: E402
from searchapp.search import IndexHolder  # noqa: E402
from searchapp.urlstate import from_args  # noqa: E402

#: Printed under the targets: the issue states them for these sizes.
TARGETS_NOTE = "targets are stated for 100k articles (faceted p95 also for 1M); other sizes: for reference"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- indexing -------------------------------------------------------------------------------------


def index_ours(corpus: Path, index: Path, workers: int | None, stories: bool = True) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "reindex_child.py"), str(corpus), str(index)]
    if workers:
        cmd += ["--workers", str(workers)]
    if not stories:
        cmd.append("--no-stories")
    out, wall, memory = run_monitored(cmd)
    figures = json.loads(out)
    changed = figures["added"] + figures["updated"]
    return {
        **figures,
        "seconds": round(figures["seconds"], 3),
        "process_wall_seconds": round(wall, 3),
        "articles_per_s": round(changed / figures["seconds"], 1) if figures["seconds"] else None,
        **memory,
    }


def index_fts5(corpus: Path, db: Path, names: Path) -> dict[str, Any]:
    out, wall, memory = run_monitored(
        [sys.executable, str(HERE / "fts5.py"), "build", str(corpus), str(db), str(names)]
    )
    figures = json.loads(out)
    return {
        **figures,
        "seconds": round(figures["seconds"], 3),
        "process_wall_seconds": round(wall, 3),
        "articles_per_s": round(figures["articles"] / figures["seconds"], 1),
        **memory,
        "size_mb": round(db.stat().st_size / 1e6, 1),
    }


def change_files(corpus: Path, fraction: float, seed: int) -> dict[Path, bytes]:
    """Rewrite ``fraction`` of the files (at least one) with changed text; their old bytes, to restore."""
    files = sorted(corpus.glob("*.jsonl"))
    chosen = random.Random(seed).sample(files, max(1, round(len(files) * fraction)))
    originals: dict[Path, bytes] = {}
    for path in chosen:
        originals[path] = path.read_bytes()
        lines = []
        for line in originals[path].decode("utf-8").splitlines():
            rec = json.loads(line)
            rec["title"] = "Updated: " + rec["title"]
            rec["text"] = rec["text"] + "\n\nThis story has been updated with a correction."
            lines.append(json.dumps(rec, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return originals


def incremental(
    corpus: Path, index: Path, workers: int | None, full_seconds: float, seed: int, stories: bool = True
) -> dict[str, Any]:
    originals = change_files(corpus, 0.01, seed)
    try:
        changed = index_ours(corpus, index, workers, stories)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    restored = index_ours(corpus, index, workers, stories)
    return {
        "files_changed": len(originals),
        "files": len(list(corpus.glob("*.jsonl"))),
        "articles_changed": changed["updated"] + changed["added"],
        "seconds": changed["seconds"],
        "cpu_seconds": changed.get("cpu_seconds"),
        "stories_seconds": changed.get("stories_seconds"),
        "percent_of_full": round(100 * changed["seconds"] / full_seconds, 2) if full_seconds else None,
        "restore_seconds": restored["seconds"],
        "restore_percent_of_full": round(100 * restored["seconds"] / full_seconds, 2)
        if full_seconds
        else None,
        "tree_peak_pss_mb": changed["tree_peak_pss_mb"],
    }


# --- queries --------------------------------------------------------------------------------------


def _timed(fn: Any, items: list[Any], repeat: int) -> tuple[list[float], list[int]]:
    totals = [fn(item) for item in items]  # one untimed pass: caches warm, hit counts
    samples = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - t) * 1000)
    return samples, totals


def run_queries(
    index: Path,
    db: Path | None,
    classes: dict[str, list[queries.Query]],
    rows: list[queries.Row],
    repeat: int,
) -> dict[str, Any]:
    started = time.perf_counter()
    book = NameBook.load(cache_dir=index)  # as each web worker does on its first request
    book_ms = (time.perf_counter() - started) * 1000
    first = rows[0].ours(rows[0].queries[0])
    with IndexHolder(index, book) as holder:
        t = time.perf_counter()
        holder.get().search(from_args(first))
        ours_first = {
            "names_load_ms": round(book_ms, 1),
            "first_search_ms": round((time.perf_counter() - t) * 1000, 1),
        }

        def ours(params: dict[str, str]) -> int:
            return holder.get().search(from_args(params)).total

        fts_first: dict[str, float] = {}
        searcher = None
        try:
            if db is not None:
                t = time.perf_counter()
                searcher = fts5.Fts5Searcher(db)
                searcher.search(**rows[1].fts(rows[1].queries[0]))
                fts_first = {"first_search_ms": round((time.perf_counter() - t) * 1000, 1)}

            # the entity a user would click: each engine's top entity for the unfiltered query
            for qs in classes.values():
                for q in qs:
                    facets = holder.get().search(from_args({"q": q.ours})).facets.get("entity") or []
                    if facets:
                        q.entity["ours"] = facets[0]["value"]
                    if searcher is not None:
                        top = searcher.search(q.fts, facets=True)["facets"]["entity"]
                        if top:
                            q.entity["fts5"] = top[0][0]

            out: dict[str, Any] = {}
            for row in rows:
                say(f"queries: {row.name}")
                samples, totals = _timed(ours, [row.ours(q) for q in row.queries], repeat)
                entry: dict[str, Any] = {"ours": {**percentiles(samples), "mean_hits": _mean(totals)}}
                if searcher is not None:
                    samples, totals = _timed(_fts_total(searcher), [row.fts(q) for q in row.queries], repeat)
                    entry["fts5"] = {**percentiles(samples), "mean_hits": _mean(totals)}
                out[row.name] = entry
        finally:
            if searcher is not None:
                searcher.close()
    return {
        "first": {"ours": ours_first, "fts5": fts_first},
        "rows": out,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _fts_total(searcher: fts5.Fts5Searcher) -> Any:
    return lambda kw: searcher.search(**kw)["total"]


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


# --- output ---------------------------------------------------------------------------------------


def _num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "—"
    if isinstance(x, float) and abs(x) < 10 and digits:
        return f"{x:,.{max(digits, 2)}f}"
    return f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}"


def _ratio(a: Any, b: Any) -> str:
    if not a or not b:
        return "—"
    r = a / b
    return f"{r:.3g}×"


def table(report: dict[str, Any]) -> str:
    m, s = report["machine"], report["settings"]
    lines = [
        f"## searchapp benchmark: {s['articles']:,} articles (seed {s['seed']}, {s['files']} files)",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB; Python {m['python']}, whoosh-reloaded "
        f"{m['whoosh']}, SQLite {m['sqlite']}, gunicorn {m['gunicorn']}; commit {m['commit']}"
        f"{' (dirty)' if m['dirty'] else ''}; load average {m['load_average']} before, "
        f"{report.get('load_average_after')} after",
        f"command: `{m['command']}`",
        "",
        "| indexing | searchapp | FTS5 | searchapp/FTS5 |",
        "|---|--:|--:|--:|",
    ]
    ours, fts = report.get("index") or {}, report.get("fts5_index") or {}
    if ours.get("kept"):
        lines.append("| (index kept from an earlier run: not rebuilt) | | | |")
    else:
        for label, key in (
            ("full pipeline, articles/s", "articles_per_s"),
            ("full build, s", "seconds"),
            ("peak memory of the process tree, MB (sum of PSS)", "tree_peak_pss_mb"),
            ("peak memory, largest single process, MB (RSS)", "largest_process_peak_rss_mb"),
            ("on disk, MB", "size_mb"),
        ):
            a, b = ours.get(key), fts.get(key)
            lines.append(f"| {label} | {_num(a)} | {_num(b)} | {_ratio(a, b)} |")
    inc = report.get("incremental")
    if inc:
        lines.append(
            f"| incremental, {inc['files_changed']} of {inc['files']} files changed "
            f"({inc['articles_changed']:,} articles), s | {_num(inc['seconds'])} "
            f"({_num(inc['percent_of_full'])}% of full) | — | |"
        )
    q = report.get("queries")
    if q:
        fo, ff = q["first"]["ours"], q["first"].get("fts5") or {}
        lines.append(
            f"| first search after open, ms (names load + search) | {_num(fo['names_load_ms'])} + "
            f"{_num(fo['first_search_ms'])} | {_num(ff.get('first_search_ms'))} | "
            f"{_ratio(fo['names_load_ms'] + fo['first_search_ms'], ff.get('first_search_ms'))} |"
        )
        n = s["queries"]
        lines += [
            "",
            f"| query, ms ({n} queries × {s['repeat']} runs) | ours p50 | p95 | p99 | FTS5 p50 | p95 | p99 |"
            " p95 ours/FTS5 | mean hits ours / FTS5 |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for name, row in q["rows"].items():
            o, f = row["ours"], row.get("fts5") or {}
            mark = " †" if name.endswith("· plain") else ""
            lines.append(
                f"| {name}{mark} | {_num(o['p50_ms'])} | {_num(o['p95_ms'])} | {_num(o['p99_ms'])} | "
                f"{_num(f.get('p50_ms'))} | {_num(f.get('p95_ms'))} | {_num(f.get('p99_ms'))} | "
                f"{_ratio(o['p95_ms'], f.get('p95_ms'))} | "
                f"{_num(o['mean_hits'])} / {_num(f.get('mean_hits'))} |"
            )
        lines.append(
            "\n† searchapp computes facets for every page (it has no switch to skip them): its plain row "
            "times the same request as its facets row; FTS5's plain row only counts and pages."
        )
    w = report.get("web")
    if w:
        lines += [
            "",
            f"| web: gunicorn -w {w['workers']}, {w['threads']} clients, {w['seconds']} s | |",
            "|---|--:|",
            f"| first answer after start, s | {_num(w['first_answer_s'])} |",
            f"| requests/s | {_num(w['requests_per_s'])} |",
            f"| latency p50 / p95 / p99, ms | {_num(w.get('p50_ms'))} / {_num(w.get('p95_ms'))} / "
            f"{_num(w.get('p99_ms'))} |",
            f"| errors (of {w['requests']:,} requests) | {w['errors']} {w['error_kinds'] or ''} |",
            f"| peak RSS per worker, MB | {', '.join(_num(x) for x in w['worker_peak_rss_mb'])} |",
        ]
    t = report.get("targets")
    if t:
        lines += ["", f"Targets ({TARGETS_NOTE}):", ""]
        for item in t:
            lines.append(f"- {item['what']}: {item['value']} → {'met' if item['met'] else 'NOT met'}")
    return "\n".join(lines)


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = report["settings"]["articles"]
    ours = report.get("index") or {}
    if ours.get("articles_per_s") is not None:
        fts = (report.get("fts5_index") or {}).get("articles_per_s")
        out.append({
            "what": "indexing, full pipeline ≥ 1,000 articles/s",
            "value": f"{ours['articles_per_s']:,} articles/s "
                     f"(FTS5 {_num(fts)}: {_ratio(ours['articles_per_s'], fts)})",
            "met": ours["articles_per_s"] >= 1000,
        })  # fmt: skip
    q = report.get("queries")
    if q:
        faceted = {k: v for k, v in q["rows"].items() if k.endswith("· facets") and "·" in k}
        name, worst = max(faceted.items(), key=lambda kv: kv[1]["ours"]["p95_ms"])
        limit = 50 if n <= 100_000 else 250
        fts_p95 = (worst.get("fts5") or {}).get("p95_ms")
        better = all(
            v["ours"]["p95_ms"] < (v.get("fts5") or {}).get("p95_ms", float("inf")) for v in faceted.values()
        )
        out.append({
            "what": f"faceted query p95 ≤ {limit} ms and better than FTS5 (worst row: {name})",
            "value": f"{worst['ours']['p95_ms']} ms (FTS5 {_num(fts_p95)})",
            "met": worst["ours"]["p95_ms"] <= limit and better,
        })  # fmt: skip
    w = report.get("web")
    if w:
        peak = max(w["worker_peak_rss_mb"] or [0])
        out.append(
            {"what": "peak RSS of a serving worker ≤ 1,536 MB", "value": f"{peak} MB", "met": peak <= 1536}
        )
        out.append({
            "what": "first request after gunicorn starts ≤ 2 s",
            "value": f"{w['first_answer_s']} s",
            "met": w["first_answer_s"] <= 2,
        })  # fmt: skip
    inc = report.get("incremental")
    if inc and inc.get("percent_of_full") is not None:
        out.append({
            "what": "incremental reindex, 1% of files changed ≤ 5% of a full one",
            "value": f"{inc['percent_of_full']}%",
            "met": inc["percent_of_full"] <= 5,
        })  # fmt: skip
    return out


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2016, help="corpus and query set seed")
    parser.add_argument("--files", type=int, default=100, help="JSONL files the corpus is split into")
    parser.add_argument("--workers", type=int, default=None, help="reindex parser processes (default: cores)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work and result directory")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the built index and FTS5 db: rerun queries"
    )
    parser.add_argument("--skip-fts5", action="store_true")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--no-stories", action="store_true", help="index without story grouping")
    parser.add_argument("--queries", type=int, default=20, help="queries per class")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--web-threads", type=int, default=8, help="closed-loop client threads")
    parser.add_argument("--web-seconds", type=float, default=20.0, help="timed load (after a 3 s warm-up)")
    args = parser.parse_args()
    if args.articles < 1 or args.files < 1 or args.queries < 1 or args.repeat < 1:
        parser.error("--articles, --files, --queries and --repeat must be at least 1")

    work = args.out / f"{args.articles}-s{args.seed}"
    corpus, index, db = work / "corpus", work / "index", work / "fts5.sqlite"
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "machine": machine(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        | {"files": min(args.files, args.articles)},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }

    keep = args.keep
    if not is_complete(corpus, args.articles, args.seed, args.files):
        keep = False  # an index of another corpus is no use
        say(f"writing the corpus: {args.articles:,} articles in {args.files} files")
        t = time.perf_counter()
        write_corpus(corpus, args.articles, args.files, args.seed)
        report["corpus_seconds"] = round(time.perf_counter() - t, 1)
    gen = Generator(args.seed)  # the names and words the corpus was written with
    names_file = work / "names.json"
    names_file.write_text(json.dumps({"places": gen.names, "groups": GROUPS}))
    report["corpus"] = {
        "path": str(corpus),
        "size_mb": dir_mb(corpus),
        "files": len(list(corpus.glob("*.jsonl"))),
    }

    use_fts5 = not args.skip_fts5
    if use_fts5 and not fts5.available():
        say("this Python's sqlite3 has no FTS5: skipping the baseline")
        use_fts5 = False
    # "built" markers, written after a build succeeds: --keep never reuses a half-built index
    index_built, db_built = work / "index.built", work / "fts5.built"
    keep_index = keep and index_built.exists()
    if keep_index:
        report["index"] = {"kept": True, "size_mb": dir_mb(index)}
    else:
        say("indexing with searchapp (full pipeline)")
        index_built.unlink(missing_ok=True)
        shutil.rmtree(index, ignore_errors=True)
        built = index_ours(corpus, index, args.workers, not args.no_stories)
        report["index"] = built | {"size_mb": dir_mb(index)}
        index_built.write_text(report["started"])
    if use_fts5:
        if keep and db_built.exists():
            report["fts5_index"] = {"kept": True, "size_mb": round(db.stat().st_size / 1e6, 1)}
        else:
            say("indexing with FTS5")
            db_built.unlink(missing_ok=True)
            report["fts5_index"] = index_fts5(corpus, db, names_file)
            db_built.write_text(report["started"])
    if not (args.skip_incremental or keep_index):
        say("incremental reindex, 1% of files changed")
        report["incremental"] = incremental(
            corpus, index, args.workers, report["index"]["seconds"], args.seed, not args.no_stories
        )

    classes, common = queries.build(gen.vocab, gen.names, corpus, args.seed, args.queries)
    rows = queries.rows(classes, common)
    del gen
    report["queries"] = run_queries(index, db if use_fts5 else None, classes, rows, args.repeat)
    report["query_set"] = {c: [q.ours for q in qs] for c, qs in classes.items()} | {
        "common": [q.ours for q in common]
    }

    if not args.skip_web:
        say(f"web: gunicorn -w {args.web_workers}, {args.web_threads} clients, {args.web_seconds:.0f} s")
        mix = [(row, q) for row in rows if row.variant != "plain" for q in row.queries]
        random.Random(args.seed).shuffle(mix)
        urls = [webload.url(("/search", "/api/search")[i % 2], row.ours(q)) for i, (row, q) in enumerate(mix)]
        report["web"] = webload.bench_web(
            index.resolve(),
            webload.url("/api/search", rows[0].ours(rows[0].queries[0])),
            urls,
            workers=args.web_workers,
            threads=args.web_threads,
            seconds=args.web_seconds,
            log=work / "gunicorn.log",
        )

    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["targets"] = targets(report)
    # one file per run (a --keep rerun must not overwrite the run that built the index), and the latest
    name = f"result-{args.articles}" + ("" if args.seed == 2016 else f"-s{args.seed}")
    text = json.dumps(report, indent=1, ensure_ascii=False)
    result = args.out / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    result.write_text(text)
    (args.out / f"{name}.json").write_text(text)
    print(table(report))
    print(f"\nresult: {result} (and {name}.json, the latest)")


if __name__ == "__main__":
    main()
