"""Measure the story grouping's copy test (``python bench/stories_eval.py [--articles 2000]``).

Prints, for the sample articles, made-up copies of sample 000 (tests/corpus.py ``variants``) and the
benchmark corpus, the containment of each pair -- exact (every shingle) and as the index sees it
(MOD-4 sketch) -- and whether the copy test passes. On the benchmark corpus (bench/corpus.py, whose
wire copies keep their original's timestamp) it reports pair recall and precision of the grouping
against that ground truth, the most similar unrelated pairs, and the grouping time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.corpus import write_corpus  # noqa: E402
from searchapp.ingest import read_paths  # noqa: E402
from searchapp.stories import (  # noqa: E402
    CONTAINMENT,
    COVERAGE,
    MIN_SHARED,
    SketchStore,
    group,
    sketch,
)
from tests.corpus import variants  # noqa: E402

SAMPLE_DIR = HERE.parent / "searchapp" / "sample"


def measure(a: str, b: str) -> tuple[float, float, bool]:
    """Exact containment, sketch containment, and the copy test's verdict."""
    full_a, full_b = sketch(a, sample=1), sketch(b, sample=1)
    exact = len(np.intersect1d(full_a, full_b)) / max(1, min(len(full_a), len(full_b)))
    sa, sb = sketch(a), sketch(b)
    shared = len(np.intersect1d(sa, sb))
    small, large = min(len(sa), len(sb)), max(len(sa), len(sb))
    est = shared / max(1, small)
    passes = shared >= MIN_SHARED and shared >= CONTAINMENT * small and shared >= COVERAGE * large
    return exact, est, passes


def samples() -> None:
    arts = sorted((a for a in read_paths([SAMPLE_DIR]) if hasattr(a, "body")), key=lambda a: a.source)
    names = [Path(a.source).name[:3] for a in arts]
    print("sample pairs             exact  sketch  copy?")
    for i, j in itertools.combinations(range(len(arts)), 2):
        exact, est, passes = measure(arts[i].body, arts[j].body)
        verdict = "yes" if passes else "no"
        print(f"  {names[i]}-{names[j]}                  {exact:5.2f}  {est:6.2f}  {verdict}")
    base = arts[0].body
    print("made-up copies of 000    exact  sketch  copy?  expected")
    for name, (text, expected) in variants(base).items():
        exact, est, passes = measure(base, text)
        flag = "" if passes == expected else "  <-- differs"
        print(f"  {name:<22} {exact:5.2f}  {est:6.2f}  {'yes' if passes else 'no':5}  {expected}{flag}")


def corpus(articles: int) -> None:
    folder = HERE / "out" / f"corpus-{articles}"
    if not folder.exists():
        write_corpus(folder, articles)
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            records.extend(json.loads(line) for line in fh)
    truth_groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        truth_groups[r["published"]].append(i)
    truth = {p for g in truth_groups.values() for p in itertools.combinations(g, 2)}
    started = time.perf_counter()
    sketches = [sketch(r["text"]) for r in records]
    sketch_seconds = time.perf_counter() - started
    store = SketchStore.from_items([(r["id"], 0, s) for r, s in zip(records, sketches, strict=True)])
    started = time.perf_counter()
    groups = group(store)
    group_seconds = time.perf_counter() - started
    found = {p for g in groups for p in itertools.combinations(sorted(g), 2)}
    recall = len(found & truth) / max(1, len(truth))
    precision = len(found & truth) / max(1, len(found))
    rng = random.Random(3)
    worst = 0.0
    for _ in range(100_000):
        i, j = sorted(rng.sample(range(len(records)), 2))
        if (i, j) in truth:
            continue
        a, b = sketches[i], sketches[j]
        if len(a) and len(b):
            worst = max(worst, len(np.intersect1d(a, b, assume_unique=True)) / min(len(a), len(b)))
    copies = [measure(records[i]["text"], records[j]["text"])[0] for i, j in sorted(truth)[:400] if i != j]
    print(f"benchmark corpus: {len(records)} articles, {len(truth)} wire-copy pairs")
    print(f"  pair recall {recall:.3f}, precision {precision:.3f}; stories found {len(groups)}")
    print(f"  copies' exact containment {min(copies):.2f}-{max(copies):.2f}")
    print(f"  most similar of 100,000 unrelated pairs (sketch): {worst:.3f}")
    per_article = 1000 * sketch_seconds / len(records)
    print(f"  sketching {per_article:.2f} ms/article; grouping {group_seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    samples()
    corpus(args.articles)


if __name__ == "__main__":
    main()
