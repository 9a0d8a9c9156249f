"""The fixed, seeded query set, and each row's request for searchapp (URL parameters) and for FTS5.

Classes: ``term`` (one word, ranks 100-5,000 of the vocabulary), ``two-term AND`` (two such words),
``phrase`` (two adjacent words taken from the corpus, so every phrase matches), ``name`` (one place
name in a spelling other than the one in headlines; FTS5 gets the OR of every variant the generator
knows). Stop words are never drawn: searchapp drops them, FTS5 does not.

Each class runs ``plain`` (searchapp computes its facets for every page anyway: it has no switch to
skip them, so its plain and facets rows time the same request; FTS5's plain row counts and pages
only), with ``facets`` (outlet, agency, year-month and entity counted) and with a ``filter``
(queries in turn: one outlet, a two-year date range, the query's own top entity) plus facets. Then
page 50 and newest-first (common words, so there are 1,000+ hits to page through), and the empty
query (every article: facets only).
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.analysis import STOP_WORDS

CLASSES = ("term", "two-term AND", "phrase", "name")
VARIANTS = ("plain", "facets", "filter")
FILTERS = ("outlet", "date", "entity")
DEEP_PAGE = 50


@dataclass
class Query:
    ours: str
    fts: str
    filter: str = "outlet"
    outlet: str = "Outlet 000"
    year: int = 2016
    #: The top entity of the unfiltered query, per engine ("ours" / "fts5"); filled in by the runner.
    entity: dict[str, str] = field(default_factory=dict)


@dataclass
class Row:
    name: str
    variant: str  # plain, facets, filter, deep, sort, all
    queries: list[Query]

    def ours(self, q: Query) -> dict[str, str]:
        """searchapp URL parameters (the web load uses the same ones)."""
        params: dict[str, str] = {"q": q.ours} if q.ours else {}
        if self.variant == "filter":
            if q.filter == "date":
                params["from"], params["to"] = str(q.year), str(q.year + 1)
            elif q.filter == "entity" and "ours" in q.entity:
                params["entity"] = q.entity["ours"]
            else:  # an outlet, also for a query with no entity to pick
                params["outlet"] = q.outlet
        elif self.variant == "deep":
            params["page"] = str(DEEP_PAGE)
        elif self.variant == "sort":
            params["sort"] = "newest"
        return params

    def fts(self, q: Query) -> dict[str, Any]:
        """Keyword arguments of :meth:`bench.fts5.Fts5Searcher.search`."""
        kw: dict[str, Any] = {"match": q.fts or None, "facets": self.variant != "plain"}
        if self.variant == "filter":
            if q.filter == "date":
                kw["date"] = (str(q.year), str(q.year + 2))
            elif q.filter == "entity" and "fts5" in q.entity:
                kw["entity"] = q.entity["fts5"]
            else:
                kw["outlet"] = q.outlet
        elif self.variant == "deep":
            kw["page"] = DEEP_PAGE
        elif self.variant == "sort":
            kw["sort"] = "newest"
        return kw


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _content(word: str) -> bool:
    return word not in STOP_WORDS and len(word) > 2


def _phrases(corpus: Path, count: int, rng: random.Random) -> list[str]:
    """``count`` two-word phrases of content words, read from seeded lines of the corpus."""
    files = sorted(corpus.glob("*.jsonl"))
    found: list[str] = []
    for _ in range(count * 50):
        if len(found) == count or not files:
            break
        with rng.choice(files).open(encoding="utf-8") as fh:
            lines = [line for _, line in zip(range(50), fh, strict=False)]
        words = re.findall(r"[A-Za-z]+", json.loads(rng.choice(lines))["text"])
        start = rng.randrange(len(words) - 1)
        a, b = words[start], words[start + 1]
        if a.islower() and b.islower() and _content(a) and _content(b) and f"{a} {b}" not in found:
            found.append(f"{a} {b}")
    return found


def build(
    vocab: list[str], names: list[list[str]], corpus: Path, seed: int, per_class: int
) -> tuple[dict[str, list[Query]], list[Query]]:
    """The queries of each class, and the common words that page 50 and date sorting use."""
    rng = random.Random(seed * 7919 + 1)
    content = [w for w in vocab if _content(w)]

    def mid_word() -> str:  # log-uniform over ranks 100..5000: common and rarer words alike
        return content[min(len(content) - 1, int(math.exp(rng.uniform(math.log(100), math.log(5000)))))]

    def spelling(variants: list[str]) -> str:
        usable = [v for v in variants[1:] if v[:1].isalpha()] or variants[:1]
        return rng.choice(usable)

    classes: dict[str, list[Query]] = {c: [] for c in CLASSES}
    for _ in range(per_class):
        w = mid_word()
        classes["term"].append(Query(w, _quote(w)))
        a, b = mid_word(), mid_word()
        classes["two-term AND"].append(Query(f"{a} {b}", f"{_quote(a)} {_quote(b)}"))
    for p in _phrases(corpus, per_class, rng):
        classes["phrase"].append(Query(f'"{p}"', _quote(p)))
    for variants in rng.sample(names, min(per_class, len(names))):
        classes["name"].append(Query(spelling(variants), " OR ".join(_quote(v) for v in variants)))
    for queries in classes.values():
        for i, q in enumerate(queries):
            q.filter = FILTERS[i % len(FILTERS)]
            q.outlet = f"Outlet {rng.randrange(5):03d}"
            q.year = rng.randint(2010, 2024)
    common = [Query(w, _quote(w)) for w in rng.sample(content[20:300], min(per_class, 280))]
    return classes, common


def rows(classes: dict[str, list[Query]], common: list[Query]) -> list[Row]:
    out = [Row(f"{c} · {v}", v, classes[c]) for c in CLASSES for v in VARIANTS]
    out.append(Row(f"page {DEEP_PAGE} · facets", "deep", common))
    out.append(Row("newest first · facets", "sort", common))
    out.append(Row("all articles · facets", "all", [Query("", "")]))
    return out
