"""SearchRequest -> SearchPage over one open index generation (no Flask here).

The text query is matched once into a set of document numbers; facet selections become boolean
masks; results are the query's documents under every mask, and each facet is counted under every
mask but its own, so several values of one facet combine with OR and keep their counts right.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from searchapp.errors import IndexDamaged, NotFound
from searchapp.evaluate import Evaluator
from searchapp.facets import FacetIndex
from searchapp.ingest import Published
from searchapp.names import NameBook
from searchapp.query import Compiled, Compiler, parse
from searchapp.schema import ENTITY_TYPES
from searchapp.snippets import hit_spans, mark, snippet
from searchapp.store import ENTITIES, FACETS, current_generation, open_generation, read_json, require_current
from searchapp.stories import (
    StoryTable,
    count_distinct,
    count_stories,
    diff_summary,
    first_per_story,
    paragraph_diff,
)
from searchapp.urlstate import SearchRequest, date_bounds, query_string

FACET_TOP = 10
FACET_MORE = 100


@dataclass
class Result:
    id: str
    title: str
    title_html: Markup
    outlet: str | None
    agency: str | None
    published: str | None
    precision: str | None
    published_label: str | None
    source: str
    snippet: str
    snippet_html: Markup
    entities: list[dict[str, str]]
    matched: list[str]
    score: float | None
    story: str = ""
    copies: int = 1
    also: list[dict[str, Any]] | None = None  # the story's other copies, when results are collapsed

    def to_json(self) -> dict[str, Any]:
        extra = {} if self.also is None else {"also": self.also}
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "agency": self.agency,
            "published": self.published,
            "precision": self.precision,
            "source": self.source,
            "snippet": self.snippet,
            "entities": self.entities,
            "matched": self.matched,
            "score": self.score,
            "story": self.story,
            "copies": self.copies,
            **extra,
        }


@dataclass
class SearchPage:
    request: SearchRequest
    total: int
    took_ms: float
    results: list[Result]
    facets: dict[str, list[dict[str, Any]]]
    facet_more: dict[str, str | None]  # facet -> toggle_url of its "more"/"fewer" link, None if short
    notes: list[str]
    matched: list[str]
    date_granularity: str | None
    undated: int
    generation: str
    articles: int = 0  # matching articles (``total`` counts stories when collapsed)
    stories: int = 0  # distinct stories among them

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.limit))

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.request.q,
            "total": self.total,
            "articles": self.articles,
            "stories": self.stories,
            "collapse": self.request.collapse,
            "count": self.request.count,
            "page": self.request.page,
            "limit": self.request.limit,
            "took_ms": round(self.took_ms, 2),
            "notes": self.notes,
            "matched": self.matched,
            "results": [r.to_json() for r in self.results],
            "facets": self.facets,
            "date_granularity": self.date_granularity,
            "undated": self.undated,
            "generation": self.generation,
        }


def _decode(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


@dataclass
class _Masks:
    base: np.ndarray
    by_facet: dict[str, np.ndarray] = field(default_factory=dict)

    def all_but(self, name: str | None) -> np.ndarray:
        mask = self.base.copy()
        for facet, m in self.by_facet.items():
            if facet != name:
                mask &= m
        return mask


class GenerationSearcher:
    """One open index generation: a Whoosh searcher plus its facet arrays and entity labels."""

    def __init__(self, gen: Path, book: NameBook) -> None:
        self.gen = gen
        self.book = book
        self.ix = open_generation(gen)
        try:
            self.searcher = self.ix.searcher()
            self.reader = self.searcher.reader()
            ndocs = self.reader.doc_count_all()
            self.facets = FacetIndex.load(gen / FACETS, ndocs) or FacetIndex.build(self.reader)
            self.stories = StoryTable.load(gen, self.facets.ndocs)
        except (OSError, EOFError, ValueError, KeyError) as exc:
            self.ix.close()
            raise IndexDamaged(gen.parent, f"{type(exc).__name__}: {exc}") from exc
        self.entity_labels: dict[str, list[str]] = read_json(gen / ENTITIES, {})
        #: Match with numpy over whole posting lists (False: Whoosh's own matchers, the reference).
        self.fast = True
        self._evaluator: Evaluator | None = None
        self._orders: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        #: What a request for every article (no query, no filter) computes the same way each time:
        #: facet counts by (facet, count mode), date orders by sort; a few arrays per generation.
        self._everything: dict[tuple[str, str], np.ndarray] = {}
        # Whoosh reads its files with a seek then a read on file objects all threads share: one
        # request at a time per generation (a sync worker never waits on it).
        self._lock = threading.RLock()

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            self._evaluator = Evaluator(self.searcher, self.facets.live)
        return self._evaluator

    def close(self) -> None:
        if self._evaluator is not None:
            self._evaluator.close()
        self.searcher.close()
        self.ix.close()

    def __enter__(self) -> GenerationSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- searching --------------------------------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchPage:
        with self._lock:
            return self._search(req)

    def _search(self, req: SearchRequest) -> SearchPage:
        started = time.perf_counter()
        lexicon = self.evaluator if self.fast else None
        compiled = Compiler(self.reader, self.book, exact=req.exact, lexicon=lexicon).compile(parse(req.q))
        fi = self.facets
        scored: tuple[np.ndarray, np.ndarray] | None = None  # every match and its score, at once
        if compiled.query is None:
            base = fi.live.copy()
        else:
            base = np.zeros(fi.ndocs, dtype=bool)
            if self.fast:
                scored = self.evaluator.run(compiled.query)
            if scored is not None:
                base[scored[0]] = True
            else:
                ids = np.fromiter(compiled.query.matcher(self.searcher).all_ids(), dtype=np.int64)
                base[ids] = True
            base &= fi.live
        masks = _Masks(base)
        for name in ("outlet", "agency", "entity"):
            chosen = set(getattr(req, name))
            if chosen:
                masks.by_facet[name] = fi.tables[name].docs_with_any(chosen, fi.ndocs)
        if req.date_from or req.date_to:
            low = date_bounds(req.date_from, False) if req.date_from else 1
            high = date_bounds(req.date_to, True) if req.date_to else 99991231235959
            masks.by_facet["date"] = (fi.dates >= low) & (fi.dates <= high)
        final = masks.all_but(None)
        everything = compiled.query is None and not masks.by_facet
        docs = np.flatnonzero(final)
        stories = self.stories.count(docs)
        total = stories if req.collapse else len(docs)
        hits = self._rank(req, compiled, docs, scored, everything)
        results = [self._result(docnum, score, compiled, req.collapse) for docnum, score in hits]
        facets, more = self._facets(req, masks, everything)
        dates, granularity, undated = self._date_facet(req, masks)
        facets["date"] = dates
        matched = sorted({m for r in results for m in r.matched} | compiled.surfaces)
        return SearchPage(
            request=req,
            total=total,
            took_ms=(time.perf_counter() - started) * 1000,
            results=results,
            facets=facets,
            facet_more=more,
            notes=compiled.notes,
            matched=matched,
            date_granularity=granularity,
            undated=undated,
            generation=self.gen.name,
            articles=len(docs),
            stories=stories,
        )

    def _rank(
        self,
        req: SearchRequest,
        compiled: Compiled,
        docs: np.ndarray,
        scored: tuple[np.ndarray, np.ndarray] | None = None,
        everything: bool = False,
    ) -> list[tuple[int, float | None]]:
        start, stop = req.offset, req.offset + req.limit
        if start >= len(docs):
            return []
        if req.sort != "relevance" or compiled.query is None:
            oldest = req.sort == "oldest"
            ranked = self._for_everything(
                everything, ("order", "oldest" if oldest else "newest"), lambda: self._by_date(docs, oldest)
            )
            if req.collapse:
                ranked = first_per_story(ranked, self.stories.keys)
            return [(int(d), None) for d in ranked[start:stop]]
        if scored is not None:
            return self._rank_scored(req, docs, scored, start, stop)
        # Whoosh's top-N collector prunes its matcher tree by each clause's best score and can drop
        # documents a sum of clauses puts on the page, so every match is scored and sorted here.
        allowed = None if len(docs) == int(self.facets.live.sum()) else set(docs.tolist())
        found = self.searcher.search(compiled.query, limit=None, filter=allowed)
        ranked = [(hit.docnum, round(float(hit.score), 4)) for hit in found]
        if req.collapse:
            firsts = first_per_story(np.array([d for d, _ in ranked], dtype=np.int64), self.stories.keys)
            scores = dict(ranked)
            return [(int(d), scores[int(d)]) for d in firsts[start:stop]]
        return ranked[start:stop]

    def _for_everything(
        self, everything: bool, key: tuple[str, str], compute: Callable[[], np.ndarray]
    ) -> np.ndarray:
        """``compute()``, kept (read-only) for the request for every article, which computes the
        same arrays each time; any other request computes its own."""
        if not everything:
            return compute()
        found = self._everything.get(key)
        if found is None:
            found = self._everything[key] = compute()
            found.flags.writeable = False
        return found

    def _by_date(self, docs: np.ndarray, oldest: bool) -> np.ndarray:
        dates = self.facets.dates[docs]
        if oldest:
            # Undated last, then oldest first; ties in index order.
            order = np.lexsort((docs, np.where(dates == 0, np.iinfo(np.int64).max, dates)))
        else:
            order = np.lexsort((docs, -dates))
        return docs[order]

    def _rank_scored(
        self,
        req: SearchRequest,
        docs: np.ndarray,
        scored: tuple[np.ndarray, np.ndarray],
        start: int,
        stop: int,
    ) -> list[tuple[int, float | None]]:
        """Best first, ties in index order (Whoosh's order), from the scores computed with the match
        set, so the query is not matched a second time."""
        scores = scored[1][np.searchsorted(scored[0], docs)]
        if req.collapse:
            ranked = docs[np.lexsort((docs, -scores))]
            ranked = first_per_story(ranked, self.stories.keys)[start:stop]
            chosen = scores[np.searchsorted(docs, ranked)]
            return [(int(d), round(float(s), 4)) for d, s in zip(ranked, chosen, strict=True)]
        if stop < len(docs):
            # only the documents scoring at least the stop-th best can be on the page
            kth = np.partition(scores, len(scores) - stop)[len(scores) - stop]
            keep = np.flatnonzero(scores >= kth)
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((docs, -scores))[start:stop]
        return [(int(d), round(float(s), 4)) for d, s in zip(docs[order], scores[order], strict=True)]

    def _result(self, docnum: int, score: float | None, compiled: Compiled, collapse: bool = False) -> Result:
        stored = self.searcher.stored_fields(docnum)["doc"]
        entities = stored.get("entities", [])
        matched: list[str] = []
        for ent in entities:
            for surface in ent["surfaces"]:
                if ent["id"] in compiled.entities or surface in compiled.surfaces:
                    matched.append(surface)
        matched = list(dict.fromkeys(matched))
        snippet_html, snippet_text = snippet(stored["body"], compiled.text_terms, matched)
        title = stored["title"] or "(untitled)"
        published = stored.get("published")
        return Result(
            id=stored["id"],
            title=title,
            title_html=mark(title, hit_spans(title, compiled.text_terms, matched)),
            outlet=stored.get("outlet"),
            agency=stored.get("agency"),
            published=published,
            precision=stored.get("precision"),
            published_label=_date_label(published, stored.get("date_inferred", False)),
            source=stored["source"],
            snippet=snippet_text,
            snippet_html=snippet_html,
            entities=[
                {"id": e["id"], "name": e["name"], "type": e["type"]}
                for e in entities
                if e["type"] != "other"
            ],
            matched=matched,
            score=score,
            story=self.stories.story_id(docnum, stored["id"]),
            copies=int(self.stories.copies[docnum]),
            also=self._also(docnum) if collapse else None,
        )

    def _also(self, docnum: int) -> list[dict[str, Any]]:
        """The other copies of ``docnum``'s story, oldest first, for "also published by"."""
        found = self.stories.story(docnum)
        if found is None:
            return []
        return [self._copy(self.searcher.stored_fields(d)["doc"]) for d in found[1] if d != docnum]

    @staticmethod
    def _copy(stored: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": stored["id"],
            "title": stored["title"] or "(untitled)",
            "outlet": stored.get("outlet"),
            "published": stored.get("published"),
            "published_label": _date_label(stored.get("published"), stored.get("date_inferred", False)),
        }

    # --- facets -----------------------------------------------------------------------------------

    def _facet_counts(self, req: SearchRequest, masks: _Masks, name: str) -> np.ndarray:
        """Each value's count of the facet ``name`` over the matches of every other filter."""
        table = self.facets.tables[name]
        docs = np.flatnonzero(masks.all_but(name))
        if req.count == "stories":
            return count_stories(table.offsets, table.ords, len(table.values), docs, self.stories.keys)
        return table.count(docs)

    def _facets(
        self, req: SearchRequest, masks: _Masks, everything: bool = False
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str | None]]:
        out: dict[str, list[dict[str, Any]]] = {}
        more: dict[str, str | None] = {}
        for name in ("outlet", "agency", "entity"):
            counts = self._for_everything(
                everything, (name, req.count), lambda name=name: self._facet_counts(req, masks, name)
            )
            selected = set(getattr(req, name))
            top = FACET_MORE if name in req.more else FACET_TOP
            entries: list[dict[str, Any]] = []
            groups = self._facet_groups(name, counts, selected)
            truncated = False
            for kind in sorted(groups, key=lambda k: list(ENTITY_TYPES).index(k) if k in ENTITY_TYPES else 0):
                ranked, extra, size = groups[kind]
                # best first, then any selected value below the cut: as sorted((-count, value))
                shown = ranked[:top] + [x for x in ranked[top:] if x[1] in selected] + extra
                truncated = truncated or size > top
                for neg, value in shown:
                    entry = {
                        "value": value,
                        "label": self._label(name, value),
                        "count": -neg,
                        "selected": value in selected,
                        "toggle_url": query_string(req.toggle(name, value)),
                    }
                    if name == "entity":
                        entry["type"] = kind
                    entries.append(entry)
            out[name] = entries
            if name in req.more:
                more[name] = query_string(req.with_(more=tuple(m for m in req.more if m != name)))
            elif truncated:
                more[name] = query_string(req.with_(more=tuple(sorted(set(req.more) | {name}))))
            else:
                more[name] = None
        return out, more

    def _facet_groups(
        self, name: str, counts: np.ndarray, selected: set[str], limit: int = FACET_MORE
    ) -> dict[str, tuple[list[tuple[int, str]], list[tuple[int, str]], int]]:
        """Per kind (entity type; one kind "" for the other facets), in order of first appearance:
        its values with a count, best first and ties by value, only as many as a page can show
        (every selected one kept); the selected values it lacks, at zero; and how many it has.

        Sorting only the values that can be shown, with numpy, keeps a common word's thousands of
        matched entities out of a Python loop."""
        table = self.facets.tables[name]
        rank, kinds, kind_names = self._facet_order(name)
        nonzero = np.flatnonzero(counts)
        if name == "entity":
            nonzero = nonzero[kinds[nonzero] >= 0]  # only the types the page shows
        found: dict[str, tuple[list[tuple[int, str]], list[tuple[int, str]], int]] = {}
        present = np.unique(kinds[nonzero], return_index=True)
        for code in present[0][np.argsort(present[1], kind="stable")].tolist():
            idx = nonzero[kinds[nonzero] == code]
            order = np.lexsort((rank[idx], -counts[idx]))
            keep = order[:limit].tolist()
            if len(order) > limit and selected:
                wanted = {table.positions[v] for v in selected if v in table.positions}
                keep += [j for j in order[limit:].tolist() if int(idx[j]) in wanted]
            ranked = [(-int(counts[idx[j]]), table.values[idx[j]]) for j in keep]
            found[kind_names[code]] = (ranked, [], len(idx))
        zeros: dict[str, list[str]] = {}
        for v in selected:  # a selected value stays visible, even at zero
            kind = self._entity_type(v) if name == "entity" else ""
            if kind not in found or all(v != value for _, value in found[kind][0]):
                zeros.setdefault(kind, []).append(v)
                found.setdefault(kind, ([], [], 0))
        for kind, values in zeros.items():
            ranked, _, size = found[kind]
            found[kind] = (ranked, [(0, v) for v in sorted(values)], size + len(values))
        return found

    def _facet_order(self, name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Per facet value, once per generation: its place in string order (the tie-break), and
        its kind's code (-1: an entity type the page does not show)."""
        cached = self._orders.get(name)
        if cached is None:
            values = self.facets.tables[name].values
            rank = np.empty(len(values), dtype=np.int64)
            rank[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
            if name == "entity":
                kind_names = list(ENTITY_TYPES)
                codes = {k: i for i, k in enumerate(kind_names)}
                kinds = np.array([codes.get(self._entity_type(v), -1) for v in values], dtype=np.int64)
            else:
                kind_names = [""]
                kinds = np.zeros(len(values), dtype=np.int64)
            cached = self._orders[name] = (rank, kinds, kind_names)
        return cached

    def _entity_type(self, value: str) -> str:
        return value.split(":", 1)[0]

    def _label(self, facet: str, value: str) -> str:
        if facet == "entity":
            known = self.entity_labels.get(value)
            return known[0] if known else value.split(":", 1)[-1]
        return value

    def _date_facet(self, req: SearchRequest, masks: _Masks) -> tuple[list[dict[str, Any]], str | None, int]:
        """A histogram whose bucket size follows the span: years, then months, then days."""
        mask = masks.all_but("date")
        dates = self.facets.dates[mask]
        keys = self.stories.keys[mask] if req.count == "stories" else None
        undated = int((dates == 0).sum()) if keys is None else len(np.unique(keys[dates == 0]))
        keep = dates > 0
        if req.date_from:
            keep &= dates >= date_bounds(req.date_from, False)
        if req.date_to:
            keep &= dates <= date_bounds(req.date_to, True)
        dates = dates[keep]
        if len(dates) == 0:
            return [], None, undated
        low, high = int(dates.min()), int(dates.max())
        if req.date_from and req.date_to:
            low, high = date_bounds(req.date_from, False), date_bounds(req.date_to, True)
        span_days = _days(high) - _days(low)
        if span_days > 2 * 366:
            granularity, divisor = "year", 10**10
        elif span_days > 62:
            granularity, divisor = "month", 10**8
        else:
            granularity, divisor = "day", 10**6
        buckets = []
        if keys is None:
            labels, counts = _histogram(dates // divisor)
        else:
            labels, counts = count_distinct(dates // divisor, keys[keep])
        for key, count in zip(labels.tolist(), counts.tolist(), strict=True):
            digits = str(key)
            value = "-".join(p for p in (digits[:4], digits[4:6], digits[6:8]) if p)
            selected = req.date_from == value and req.date_to == value
            target = (
                req.with_(date_from=None, date_to=None)
                if selected
                else req.with_(date_from=value, date_to=value)
            )
            buckets.append(
                {
                    "value": value,
                    "label": _bucket_label(value),
                    "count": int(count),
                    "selected": selected,
                    "toggle_url": query_string(target),
                }
            )
        return buckets, granularity, undated

    # --- articles ---------------------------------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any]:
        with self._lock:
            return self._article(article_id)

    def _docnum(self, article_id: str) -> int:
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFound(f"no article with id {article_id!r}")
        return docnum

    def _article(self, article_id: str) -> dict[str, Any]:
        docnum = self._docnum(article_id)
        stored = dict(self.searcher.stored_fields(docnum)["doc"])
        stored["published_label"] = _date_label(stored.get("published"), stored.get("date_inferred", False))
        return stored

    def story(self, article_id: str) -> dict[str, Any]:
        """The article's story: its first-seen copy and every other copy, each with a paragraph diff
        of what it changed against this article."""
        with self._lock:
            return self._story(article_id)

    def _story(self, article_id: str) -> dict[str, Any]:
        docnum = self._docnum(article_id)
        stored = self.searcher.stored_fields(docnum)["doc"]
        found = self.stories.story(docnum)
        if found is None:
            first = article_id if self.facets.dates[docnum] else None
            return {"id": article_id, "first_seen": first, "copies": 1, "others": []}
        record, members = found
        others = []
        for d in members:
            if d == docnum:
                continue
            copy = self.searcher.stored_fields(d)["doc"]
            diff = paragraph_diff(stored["body"], copy["body"])
            others.append(
                {
                    **self._copy(copy),
                    "first_seen": copy["id"] == record["first"],
                    "changes": diff_summary(diff),
                    "diff": diff,
                }
            )
        return {"id": record["id"], "first_seen": record["first"], "copies": len(members), "others": others}

    def stats(self) -> dict[str, Any]:
        fi = self.facets
        live_dates = fi.dates[fi.live & (fi.dates > 0)]
        by_type: dict[str, int] = {}
        for value in fi.tables["entity"].values:
            kind = value.split(":", 1)[0]
            by_type[kind] = by_type.get(kind, 0) + 1
        return {
            "articles": int(fi.live.sum()),
            "outlets": len(fi.tables["outlet"].values),
            "agencies": len(fi.tables["agency"].values),
            "date_range": [_iso(int(live_dates.min())), _iso(int(live_dates.max()))]
            if len(live_dates)
            else None,
            "undated": int((fi.live & (fi.dates == 0)).sum()),
            "entities": by_type,
        }


def _histogram(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_counts=True)`` for bucket keys (years, months or days, as digits):
    their span is small, so a ``bincount`` in one pass rather than a sort of every match.

    >>> [a.tolist() for a in _histogram(np.array([201603, 201601, 201603]))]
    [[201601, 201603], [1, 2]]
    """
    low, high = int(keys.min()), int(keys.max())
    if high - low > 1_000_000:
        return np.unique(keys, return_counts=True)
    counts = np.bincount(keys - low)
    labels = np.flatnonzero(counts)
    return labels + low, counts[labels]


def _days(number: int) -> int:
    digits = str(number)
    return int(digits[:4]) * 366 + int(digits[4:6]) * 31 + int(digits[6:8])


def _iso(number: int) -> str:
    d = str(number)
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"


def _bucket_label(value: str) -> str:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return value
    return Published(parts[0], parts[1], parts[2] if len(parts) > 2 else None).label()


def _date_label(published: str | None, inferred: bool) -> str | None:
    return Published.from_iso(published, inferred).label() if published else None


class IndexHolder:
    """Per process: the searcher of the live generation, reopened when ``CURRENT`` moves.

    A replaced searcher may still be serving a request on another thread, so it is retired and
    closed a little later rather than at once.
    """

    RETIRE_SECONDS = 30.0

    def __init__(self, root: Path, book: NameBook) -> None:
        self.root = root
        self.book = book
        self._current: GenerationSearcher | None = None
        self._retired: list[tuple[float, GenerationSearcher]] = []
        self._lock = threading.Lock()

    def get(self) -> GenerationSearcher:
        gen = current_generation(self.root)
        current = self._current
        if current is not None and current.gen == gen:
            return current
        with self._lock:
            if self._current is not None and self._current.gen == gen:
                return self._current
            fresh = GenerationSearcher(require_current(self.root), self.book)
            now = time.monotonic()
            if self._current is not None:
                self._retired.append((now, self._current))
            self._current = fresh
            keep = []
            for since, old in self._retired:
                if now - since > self.RETIRE_SECONDS:
                    old.close()
                else:
                    keep.append((since, old))
            self._retired = keep
            return fresh

    def close(self) -> None:
        with self._lock:
            for _, old in self._retired:
                old.close()
            self._retired = []
            if self._current is not None:
                self._current.close()
                self._current = None

    def __enter__(self) -> IndexHolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
