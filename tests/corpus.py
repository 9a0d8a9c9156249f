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


# --- made-up copies of a story, at known edit levels ---------------------------------------------------

FILLER = "lorem ipsum dolor amet consectetur adipiscing elit sed tempor incididunt labore magna".split()


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def replace_words(body: str, rate: float, seed: int = 1) -> str:
    """``body`` with ``rate`` of its words (chosen at random, seeded) replaced by filler words."""
    rng = random.Random(seed)
    out = []
    for para in paragraphs(body):
        words = para.split()
        for i in rng.sample(range(len(words)), round(rate * len(words))):
            words[i] = rng.choice(FILLER)
        out.append(" ".join(words))
    return "\n\n".join(out)


def keep_paragraphs(body: str, keep: int) -> str:
    """The first ``keep`` paragraphs: a copy cut at the end, as papers cut wire copy to fit."""
    return "\n\n".join(paragraphs(body)[:keep])


def reorder(body: str, seed: int = 1) -> str:
    paras = paragraphs(body)
    random.Random(seed).shuffle(paras)
    return "\n\n".join(paras)


def merge_paragraphs(body: str) -> str:
    """Every two paragraphs run together, as some sites lay wire copy out."""
    paras = paragraphs(body)
    return "\n\n".join(" ".join(paras[i : i + 2]) for i in range(0, len(paras), 2))


def respell(body: str, spellings: dict[str, str]) -> str:
    for old, new in spellings.items():
        body = body.replace(old, new)
    return body


def other_text(paragraphs: int, seed: int = 1) -> str:
    """Paragraphs of made-up words that no article shares."""
    rng = random.Random(seed)
    syllables = "ka ri mo tu le sa vi no da pe go hu ze bi ra".split()
    return "\n\n".join(
        " ".join("".join(rng.choice(syllables) for _ in range(3)) for _ in range(55)) + "."
        for _ in range(paragraphs)
    )


def variants(body: str) -> dict[str, tuple[str, bool]]:
    """Made-up copies of ``body`` by name, with whether each should count as a copy.

    Replaced words keep about ``(1 - rate) ** 3`` of the shingles: copies with a fifth of their words
    changed group, with 45% or more they do not (in between, the sketch's sample decides: 25%
    replaced keeps 0.42 of it on average, but 0.30 for one seed, right on the threshold). Cut,
    reordered, merged and respelled copies group; another text quoting one paragraph does not, nor
    a long digest the whole story is a small part of.
    """
    first = paragraphs(body)[0]
    return {
        "words-05": (replace_words(body, 0.05), True),
        "words-15": (replace_words(body, 0.15), True),
        "words-20": (replace_words(body, 0.20), True),
        "words-45": (replace_words(body, 0.45), False),
        "words-60": (replace_words(body, 0.60), False),
        "cut-to-3": (keep_paragraphs(body, 3), True),
        "cut-to-1": (keep_paragraphs(body, 1), True),
        "quotes-a-paragraph": (other_text(5) + "\n\n" + first, False),
        "buried-in-a-digest": (body + "\n\n" + other_text(45), False),
        "reordered": (reorder(body), True),
        "merged": (merge_paragraphs(body), True),
        "respelled": (respell(body, {"Al-Qaryatain": "Quaryatayn", "ISIS": "Daesh"}), True),
        "respelled-cut-added": (
            keep_paragraphs(respell(body, {"ISIS": "IS"}), 6)
            + "\n\nResidents who fled the town said they had heard heavy shelling through the night."
            + "\n\nA local official said the road to Homs remained closed to civilian traffic.",
            True,
        ),
    }
