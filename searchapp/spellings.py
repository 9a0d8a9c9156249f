"""The spellings of one entity across the corpus, counted by outlet.

Every indexed article stores, per entity it names, the surface spellings it used (``document.py``).
This view reads those records for the articles that name the entity and counts, for each spelling,
the articles of each outlet that wrote it: the reader who searched "Quaryatayn" sees which outlets
wrote "Al-Qaryatain" instead. Computed on demand from the stored records (the facet table says
which documents to read) and cached per open generation.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from searchapp.analysis import KEY_SEP
from searchapp.errors import BadRequest, NotFound
from searchapp.names import name_keys
from searchapp.urlstate import MAX_VALUE_LENGTH, SearchRequest, arg_lists, query_string

if TYPE_CHECKING:
    from searchapp.search import GenerationSearcher

CACHE_SIZE = 128
#: Articles read to find which entity a spelling belongs to.
RESOLVE_SAMPLE = 50
UNKNOWN_OUTLET = "outlet unknown"


#: Per open generation: recently counted entities, least recent first.
_caches: weakref.WeakKeyDictionary[Any, OrderedDict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cache(gs: GenerationSearcher) -> OrderedDict[str, dict[str, Any]]:
    with _lock:
        found = _caches.get(gs)
        if found is None:
            found = _caches[gs] = OrderedDict()
        return found


def spellings_args(args: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``entity`` and ``name`` from the URL, validated; exactly one of them is needed."""
    found: dict[str, str | None] = {}
    lists = arg_lists(args)
    for param in ("entity", "name"):
        values = sorted({v.strip() for v in lists.get(param, []) if v.strip()})
        if len(values) > 1:
            raise BadRequest(param, f"given {len(values)} times with different values; give it once")
        value = values[0] if values else None
        if value is not None and (
            len(value) > MAX_VALUE_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in value)
        ):
            raise BadRequest(param, "too long, or holds control characters")
        found[param] = value
    if not found["entity"] and not found["name"]:
        raise BadRequest("entity", "give an entity id (entity=place:…) or a spelling (name=…)")
    return found["entity"], found["name"]


def resolve(gs: GenerationSearcher, name: str) -> list[str]:
    """Entity ids that ``name`` is a spelling of in this index, most articles first.

    An id is taken as is; a spelling is looked up in the articles that use it (the ``surfaces``
    field), then in the name book.
    """
    table = gs.facets.tables["entity"]
    lookup = table.positions
    if name in lookup:
        return [name]
    votes: Counter[str] = Counter()
    for key in sorted(name_keys(name)):
        term = f"{key}{KEY_SEP}{name}"
        if not gs.reader.doc_frequency("surfaces", term):
            continue
        for n, docnum in enumerate(gs.reader.postings("surfaces", term).all_ids()):
            if n >= RESOLVE_SAMPLE:
                break
            for ent in gs.searcher.stored_fields(docnum)["doc"].get("entities", []):
                if name in ent["surfaces"] and ent["type"] != "other":
                    votes[ent["id"]] += 1
        break
    if not votes:
        for ent in gs.book.lookup(name):
            if ent.id in lookup:
                votes[ent.id] = len(table.value_docs[lookup[ent.id]])
    return [e for e, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]


def spellings(gs: GenerationSearcher, entity: str, search_path: str = "/search") -> dict[str, Any]:
    """Each spelling of ``entity`` in the corpus, with its articles counted by outlet, and the
    same counts read the other way (each outlet's spellings). Links go to ``search_path``."""
    cache = _cache(gs)
    with _lock:
        counts = cache.get(entity)
        if counts is not None:
            cache.move_to_end(entity)
    if counts is None:
        counts = _count(gs, entity, gs.facets.tables["entity"].positions)
        with _lock:
            cache[entity] = counts
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
    return _view(gs, entity, counts, search_path)


def _count(gs: GenerationSearcher, entity: str, positions: dict[str, int]) -> dict[str, Any]:
    position = positions.get(entity)
    if position is None:
        raise NotFound(f"no entity {entity!r} in the index")
    docs = gs.facets.tables["entity"].value_docs[position]
    docs = docs[gs.facets.live[docs]]
    by_spelling: dict[str, Counter[str]] = {}
    by_outlet: Counter[str] = Counter()
    name, kind = entity.split(":", 1)[-1], entity.split(":", 1)[0]
    for docnum in np.asarray(docs).tolist():
        stored = gs.searcher.stored_fields(docnum)["doc"]
        outlet = stored.get("outlet") or ""
        by_outlet[outlet] += 1
        for ent in stored.get("entities", []):
            if ent["id"] != entity:
                continue
            name, kind = ent["name"], ent["type"]
            for surface in ent["surfaces"]:
                by_spelling.setdefault(surface, Counter())[outlet] += 1
    return {
        "name": name,
        "type": kind,
        "articles": len(docs),
        "by_spelling": by_spelling,
        "by_outlet": by_outlet,
    }


def _view(gs: GenerationSearcher, entity: str, counts: dict[str, Any], search_path: str) -> dict[str, Any]:
    label = gs.entity_labels.get(entity, [counts["name"]])[0]

    def search(spelling: str | None, outlet: str | None) -> str:
        req = SearchRequest(entity=(entity,))
        if spelling is not None:
            quoted = spelling if len(spelling.split()) == 1 and "-" not in spelling else f'"{spelling}"'
            req = SearchRequest(q=quoted, exact=True)
        if outlet:
            req = req.with_(outlet=(outlet,))
        return search_path + query_string(req)

    def ranked(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0].casefold()))

    spellings_out = []
    by_outlet: dict[str, Counter[str]] = {}
    for spelling, outlets in counts["by_spelling"].items():
        for outlet, n in outlets.items():
            by_outlet.setdefault(outlet, Counter())[spelling] += n
        spellings_out.append(
            {
                "spelling": spelling,
                "articles": sum(outlets.values()),
                "search_url": search(spelling, None),
                "outlets": [
                    {
                        "outlet": outlet or None,
                        "label": outlet or UNKNOWN_OUTLET,
                        "count": n,
                        "search_url": search(spelling, outlet) if outlet else None,
                    }
                    for outlet, n in ranked(outlets)
                ],
            }
        )
    spellings_out.sort(key=lambda s: (-s["articles"], s["spelling"].casefold()))
    outlets_out = [
        {
            "outlet": outlet or None,
            "label": outlet or UNKNOWN_OUTLET,
            "articles": counts["by_outlet"][outlet],
            "search_url": search(None, outlet) if outlet else None,
            "spellings": [{"spelling": s, "count": n} for s, n in ranked(spelled)],
        }
        for outlet, spelled in by_outlet.items()
    ]
    outlets_out.sort(key=lambda o: (o["outlet"] is None, -o["articles"], o["label"].casefold()))
    return {
        "entity": entity,
        "name": label,
        "type": counts["type"],
        "articles": counts["articles"],
        "search_url": search(None, None),
        "spellings": spellings_out,
        "outlets": outlets_out,
    }
