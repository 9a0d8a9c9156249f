"""What indexing does to an article before Whoosh sees it: a golden record to keep it the same, and its cost.

The steps are parse (record -> Article, body cleaning included), names (``NameBook.extract``), the story
sketch, ``build_document`` and the English term positions of title and body. Speed work on any of them
must not change what they give, so:

    python bench/prep.py record bench/out/prep-golden.json    # before a change: every output, per article
    python bench/prep.py check bench/out/prep-golden.json     # after it: the first difference, if any
    python bench/prep.py time --articles 1000 --repeat 3      # CPU (process_time) per 1,000 articles

The articles are the seeds (``searchapp/sample``, and ``../shared/seeds`` when present), the hostile
records of ``tests/hostile.py``, 300 made-up ``tests/corpus.py`` articles and ``--articles`` (default
1,000) of the benchmark corpus generator, all fed through ``read_file`` as the indexer feeds them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.corpus import Generator  # noqa: E402
from searchapp.analysis import english_positions  # noqa: E402
from searchapp.document import build_document  # noqa: E402
from searchapp.ingest import Article, Skipped, read_file  # noqa: E402
from searchapp.names import Mention, NameBook, default_book  # noqa: E402
from searchapp.stories import sketch  # noqa: E402

SEED_DIRS = [HERE.parent / "searchapp" / "sample", HERE.parent.parent / "shared" / "seeds"]


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def inputs(articles: int) -> Iterator[tuple[Path, bytes]]:
    """(path, bytes) of every input file, as ``read_file`` takes them."""
    for folder in SEED_DIRS:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    yield path, path.read_bytes()
    from tests import corpus, hostile

    yield Path("hostile.jsonl"), _jsonl(hostile.records())
    made: list[dict[str, Any]] = []
    import random

    rng = random.Random(7)
    made = [corpus.article(n, rng) for n in range(300)]
    yield Path("made.jsonl"), _jsonl(made)
    stream = Generator(2016).stream(articles)
    yield Path("bench.jsonl"), _jsonl(list(stream))


def parsed(articles: int) -> list[Article | Skipped]:
    return [item for path, data in inputs(articles) for item in read_file(path, data)]


def _mention(m: Mention) -> list[Any]:
    return [m.entity.id, m.entity.name, m.entity.type, m.surface, m.field, m.start, m.end]


def outputs(item: Article | Skipped, book: NameBook) -> dict[str, Any]:
    """Everything the steps give for one parsed item, JSON-ready."""
    if isinstance(item, Skipped):
        return {"skipped": [item.source, item.reason]}
    title, body = item.title or "", item.body or ""
    mentions = book.extract(title, body)
    doc = build_document(item, mentions, "/golden/file.jsonl", "0" * 16)
    return {
        "article": item.to_dict(),
        "mentions": [_mention(m) for m in mentions],
        "document": doc,
        "title_positions": english_positions(title),
        "body_positions": english_positions(body),
        "sketch": sketch(body).tolist(),
    }


def record(path: Path, articles: int) -> None:
    book = default_book()
    rows = [outputs(item, book) for item in parsed(articles)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"articles": articles, "rows": rows}, ensure_ascii=False))
    print(f"recorded {len(rows)} items to {path}")


def check(path: Path) -> int:
    golden = json.loads(path.read_text())
    book = default_book()
    items = parsed(golden["articles"])
    rows = [json.loads(json.dumps(outputs(item, book), ensure_ascii=False)) for item in items]
    if len(rows) != len(golden["rows"]):
        print(f"DIFFERENT: {len(rows)} items, golden has {len(golden['rows'])}")
        return 1
    bad = 0
    for n, (got, want) in enumerate(zip(rows, golden["rows"], strict=True)):
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                bad += 1
                if bad <= 10:
                    source = (want.get("article") or {}).get("source") or want.get("skipped")
                    print(
                        f"DIFFERENT item {n} ({source}) {key}:\n  got  {str(got.get(key))[:400]}\n"
                        f"  want {str(want.get(key))[:400]}"
                    )
    print(f"{len(rows)} items, {bad} differing fields" if bad else f"{len(rows)} items, all identical")
    return 1 if bad else 0


def timing(articles: int) -> None:
    """CPU seconds per 1,000 benchmark-generator articles for each step, one pass from cold caches (as a
    fresh indexing worker starts; a second pass over the same articles would flatter every cache)."""
    data = _jsonl(list(Generator(2016).stream(articles)))
    book = default_book()
    spent: dict[str, float] = {}

    def clock(name: str, fn: Any) -> Any:
        started = time.process_time()
        result = fn()
        spent[name] = (time.process_time() - started) * 1000 / articles
        return result

    items = clock("parse", lambda: list(read_file(Path("bench.jsonl"), data)))
    arts = [a for a in items if isinstance(a, Article)]
    mentions = clock("names", lambda: [book.extract(a.title or "", a.body or "") for a in arts])
    clock("sketch", lambda: [sketch(a.body or "") for a in arts])
    clock(
        "document",
        lambda: [build_document(a, m, "/f.jsonl", "0" * 16) for a, m in zip(arts, mentions, strict=True)],
    )
    clock("positions", lambda: [(english_positions(a.title), english_positions(a.body)) for a in arts])
    print(json.dumps(spent))


def timings(articles: int, repeat: int) -> None:
    """The least of ``repeat`` runs, each in a fresh process (the machine is shared, so single runs vary)."""
    import subprocess

    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "time-once", "--articles", str(articles)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    for name in runs[0]:
        values = sorted(run[name] for run in runs)
        each = ", ".join(f"{v:.3f}" for v in values)
        print(f"{name:10s} {values[0]:7.3f} s per 1,000 articles   (runs: {each})")
    total = sum(min(run[name] for run in runs) for name in runs[0])
    print(f"{'total':10s} {total:7.3f} s per 1,000 articles ({articles} articles, least of {repeat} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("record", "check"):
        p = sub.add_parser(name)
        p.add_argument("golden", type=Path)
        if name == "record":
            p.add_argument("--articles", type=int, default=1000)
    p = sub.add_parser("time")
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("time-once")
    p.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    if args.command == "record":
        record(args.golden, args.articles)
    elif args.command == "check":
        sys.exit(check(args.golden))
    elif args.command == "time":
        timings(args.articles, args.repeat)
    else:
        timing(args.articles)


if __name__ == "__main__":
    main()
