"""Made-up articles for tests: deterministic, shaped like the samples, any number of them."""

from __future__ import annotations

import json
import random
from pathlib import Path

TOWNS = ["Al-Qaryatain", "Quaryatayn", "Palmyra", "Raqqa", "Deir al-Zor", "Homs", "Aleppo", "Idlib"]
OUTLETS = ["Outlet A", "Outlet B", "Outlet C", "Outlet D"]
WORDS = (
    "army forces town advance clashes monitor government city desert road province fighters "
    "strikes control region battle rebels militants observatory sources statement"
).split()


def article(n: int, rng: random.Random) -> dict[str, str]:
    town = rng.choice(TOWNS)
    words = " ".join(rng.choice(WORDS) for _ in range(60))
    return {
        "id": f"made-{n:06d}",
        "title": f"Report {n} from {town}",
        "text": f"Forces moved on {town} on Sunday. {words}.\n\nThe Syrian Observatory said {words}.",
        "outlet": rng.choice(OUTLETS),
        "published": f"2016-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }


def write_jsonl(path: Path, start: int, count: int, seed: int = 7) -> Path:
    rng = random.Random(seed + start)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for n in range(start, start + count):
            fh.write(json.dumps(article(n, rng)) + "\n")
    return path


def write_many(folder: Path, files: int, per_file: int, seed: int = 7, first: int = 0) -> Path:
    """``files`` JSONL files of ``per_file`` articles, ids numbered from ``first``."""
    for f in range(files):
        write_jsonl(folder / f"batch-{f:04d}.jsonl", first + f * per_file, per_file, seed)
    return folder
