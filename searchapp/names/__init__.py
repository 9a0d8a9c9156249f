"""Names of places, groups, organisations and people in news about the Arab world, in any spelling.

Public API::

    name_keys(name) -> frozenset[str]        # spelling-tolerant candidate keys
    spelling_match(a, b) -> bool             # vowel-aware confirmation of a candidate
    NameBook.load(alias_files=(), cache_dir=None)
    book.extract(title, body) -> list[Mention]
    book.lookup(text) -> list[Entity]
    default_book() -> NameBook

Entity ids: ``place:<geonameid>`` (GeoNames place), ``place:country:<ISO2>`` (country or its adjective),
``group:isis`` / ``org:sohr`` / ``person:bashar-al-assad`` (alias table), ``other:<key>`` (untyped name).

>>> book = default_book()
>>> [e.id for e in book.lookup("Daesh")], [e.id for e in book.lookup("Karyatein")], book.lookup("is")
(['group:isis'], ['place:173361'], [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .aliases import DEFAULT_ALIAS_FILE, load_alias_files
from .extract import FUZZY_MIN_POP, Extractor, is_ordinary, tokenize
from .gazetteer import FULL_COUNTRIES, FUZZY, LITERAL, MIN_POP_ELSEWHERE, Gazetteer
from .keys import canonical_forms, name_keys, spelling_match

__all__ = ["Entity", "Mention", "NameBook", "default_book", "name_keys", "spelling_match"]

EntityType = Literal["place", "person", "org", "group", "other"]


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: EntityType


@dataclass(frozen=True)
class Mention:
    entity: Entity
    surface: str
    field: Literal["title", "body"]
    start: int
    end: int


class NameBook:
    """Alias table + gazetteer + extractor. Build with :meth:`load` (or :func:`default_book`)."""

    def __init__(self, gaz: Gazetteer, alias_entries: list):
        self.gaz = gaz
        entities: list[Entity] = []
        forms: list[tuple[int, tuple[str, ...], bool]] = []
        lex = gaz.lexicon

        def add(ent: Entity, aliases: Sequence[str], cs: Sequence[str]) -> None:
            entities.append(ent)
            idx = len(entities) - 1
            for a in aliases:
                forms.append((idx, tuple(t.text for t in tokenize(a, lex)), False))
            for a in cs:
                forms.append((idx, tuple(t.text for t in tokenize(a, lex)), True))

        for iso, (cname, extra) in sorted(gaz.countries.items()):
            add(
                Entity(f"place:country:{iso}", cname, "place"),
                [cname, *(e for e in extra if not e.isupper())],
                [e for e in extra if e.isupper() or "." in e],
            )
        for e in alias_entries:
            add(Entity(e.id, e.name, e.type), e.aliases, e.case_sensitive)
        self.entities = entities
        self.extractor = Extractor(gaz, entities, forms)
        self._place_entity = lru_cache(maxsize=100_000)(self._place_entity_uncached)

    @classmethod
    def load(cls, alias_files: Sequence[Path] = (), cache_dir: Path | None = None) -> NameBook:
        """Load the gazetteer (compiled once into *cache_dir*, default ``$XDG_CACHE_HOME/searchapp``) and
        the shipped alias table extended by *alias_files* (format: see :mod:`searchapp.names.aliases`)."""
        gaz = Gazetteer.load(cache_dir)
        entries = load_alias_files([DEFAULT_ALIAS_FILE, *map(Path, alias_files)])
        return cls(gaz, entries)

    # ------------------------------------------------------------------ helpers
    def _place_entity_uncached(self, idx: int) -> Entity:
        gid, name, _cc, _pop = self.gaz.places[idx]
        return Entity(f"place:{gid}", name, "place")

    def _context(self, scanned: list) -> set[str]:
        """Countries the article names: countries/adjectives, and big places that are found literally."""
        ctx: set[str] = set()
        for _f, _text, _toks, cands in scanned:
            for c in cands:
                if c.kind == "alias":
                    eid = self.entities[c.value].id
                    if eid.startswith("place:country:"):
                        ctx.add(eid.rsplit(":", 1)[1])
                elif c.kind == "place":  # big places found literally, if all in one country (not Tripoli)
                    ccs = {
                        self.gaz.places[idx][2]
                        for idx, level in c.value
                        if level == LITERAL and self.gaz.places[idx][3] >= MIN_POP_ELSEWHERE
                    }
                    if len(ccs) == 1:
                        ctx |= ccs
        return ctx

    # ------------------------------------------------------------------ API
    def extract(self, title: str, body: str) -> list[Mention]:
        """Name mentions in *title* and *body*, in text order per field (title first)."""
        lex = self.gaz.lexicon
        scanned = []
        for field, text in (("title", title or ""), ("body", body or "")):
            toks, cands = self.extractor.scan(text, tokenize(text, lex, self.extractor.keep_lower))
            scanned.append((field, text, toks, cands))
        context = self._context(scanned)
        out: list[Mention] = []
        for field, text, toks, cands in scanned:
            for c in cands:
                start, end = toks[c.start].pre, toks[c.end - 1].end
                surface = text[start:end]
                if c.kind == "alias":
                    ent = self.entities[c.value]
                elif (
                    c.kind == "place"
                    and (
                        idx := self.extractor.choose_place(
                            c.value, context, self.extractor._short(text, toks, c.start, c.end)
                        )
                    )
                    is not None
                ):
                    ent = self._place_entity(idx)
                else:  # an untyped name, or a place-like name that the article's countries do not support
                    if c.kind == "place":
                        oc = self.extractor.other_cand(toks, list(range(c.start, c.end)))
                        if oc is None:
                            continue
                        start, end = toks[oc.start].pre, toks[oc.end - 1].end
                        surface = text[start:end]
                    forms = canonical_forms(surface)
                    if not forms:
                        continue
                    ent = Entity(f"other:{forms[0].lower()}", surface, "other")
                out.append(Mention(ent, surface, field, start, end))  # type: ignore[arg-type]
        if _title_case(title):
            body_others = {m.entity.id for m in out if m.field == "body" and m.entity.type == "other"}
            out = [
                m
                for m in out
                if not (m.field == "title" and m.entity.type == "other") or m.entity.id in body_others
            ]
        return out

    def only_as_spelt(self, text: str) -> bool:
        """Whether query *text* is ordinary English words that name nothing known: a spelling variant
        of such a word is another word ("average" ~ Iraq, "services" ~ Syracuse, "cut" ~ Kut), so
        it matches names only as spelt, as such words count as names in articles only literally.

        >>> book = default_book()
        >>> [book.only_as_spelt(w) for w in ("average", "cut", "Mosul", "islamic state", "Karyatein")]
        [True, True, False, False, False]
        """
        return self._ordinary(text) and not self.lookup(text)

    def _ordinary(self, text: str) -> bool:
        words = text.split()
        return bool(words) and all(is_ordinary(w, self.gaz.lexicon) for w in words)

    def lookup(self, text: str) -> list[Entity]:
        """Known entities (alias table, countries, gazetteer) that the query *text* names, in any spelling;
        ordinary English words name them only as spelt."""
        text = " ".join(text.split())
        if not text:
            return []
        found: list[Entity] = []
        toks = tokenize(text, self.gaz.lexicon)
        if toks:
            al = self.extractor.match_alias(toks, 0, query=True, loose=not self._ordinary(text))
            if al and al[0] == len(toks):
                found.append(self.entities[al[1]])
        if found:
            return found
        cands = self.gaz.match(text)
        if is_ordinary(text, self.gaz.lexicon) or len(text) < 3:
            cands = tuple(
                c for c in cands if c[1] == LITERAL and self.gaz.places[c[0]][3] >= MIN_POP_ELSEWHERE
            )
        elif self._ordinary(text):  # English words name a place as GeoNames spells it, not by likeness
            cands = tuple(c for c in cands if c[1] != FUZZY)  # ("team already" ~ Thamarid)
        if not cands:
            return []
        # a spelling GeoNames does not list only names a sizeable place in the region
        cands = tuple(
            c
            for c in cands
            if c[1] != FUZZY
            or (self.gaz.places[c[0]][2] in FULL_COUNTRIES and self.gaz.places[c[0]][3] >= FUZZY_MIN_POP)
        )
        if not cands:
            return []
        best_level = max(c[1] for c in cands)
        pool = [c for c in cands if c[1] == best_level]
        regional = [c for c in pool if self.gaz.places[c[0]][2] in FULL_COUNTRIES]
        pool = regional or pool
        pool.sort(key=lambda c: -self.gaz.places[c[0]][3])
        return [self._place_entity(idx) for idx, _e in pool[:8]]


def _title_case(title: str) -> bool:
    """Headline Style Capitalises Every Word, so capitalisation says nothing about names there."""
    words = [w for w in title.split() if len(w) >= 4 and w[:1].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


@lru_cache(maxsize=1)
def default_book() -> NameBook:
    """A process-wide NameBook with the shipped alias table and the default cache directory."""
    return NameBook.load()
