"""The one Whoosh schema, and the version stamp that keeps old indexes from being misread.

Bump ``SCHEMA_VERSION`` whenever a field, an analyzer or a stored layout changes: an index built by
another version is refused on open with a "reindex --full" message instead of giving wrong answers.

Fields, by role:

* identity and bookkeeping: ``id`` (unique), ``file`` and ``filehash`` (incremental reindex);
* full text: ``title`` (boosted) and ``body``, English-stemmed, with positions for phrases;
* names: ``surfaces`` (retrieval keys of each mention's spelling, see ``analysis``) and ``entity``
  (normalised entity ids: ``place:…``, ``group:…``, ``person:…``, ``org:…``, ``other:…``);
* facets and filters: ``outlet``, ``agency``, ``precision`` (exact values), ``date`` (sortable
  number, UTC ``YYYYMMDDhhmmss``; absent when the year is unknown);
* display: ``doc``, the stored article record (a dict) that pages and JSON are built from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import chain
from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searchapp.analysis import english_analyzer, english_positions, surface_analyzer

#: 2: generations carry the story side files (``sketches.npz``, ``stories.json``, see ``stories``).
#: 3: ``surfaces`` also holds the confusable-consonant keys of ``names.keys.name_keys`` (Dammam ~ Damman).
#: 4: ``name_keys`` reads an initial u before a vowel, and "ouo", as a waw (Uarzazat ~ Ouarzazate).
#: 5: the Arabic article standing alone ("al", "el") is a stop word of the full-text fields.
#: 6: ``name_keys`` folds French aou as the diphthong aw, which changes the -at stems of a few names.
SCHEMA_VERSION = 6

#: Title words count this many times a body word in BM25F.
TITLE_BOOST = 2.5

#: Entity types, in the order facets show them, with their labels.
ENTITY_TYPES: dict[str, str] = {
    "place": "Places",
    "person": "People",
    "org": "Organisations",
    "group": "Groups",
}


class EnglishText(TEXT):
    """``TEXT`` with the English analyzer whose indexing skips the per-token objects (see
    :func:`~searchapp.analysis.english_positions`); queries still go through the analyzer itself,
    and both give the same terms and positions."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        encode = self.format.encode
        boost = self.format.field_boost
        for term, poslist in english_positions(value).items():
            yield term.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)

    def index_columns(self, value: Any) -> tuple[Collection[str], list[int], list[int]] | None:
        """What :meth:`index` gives, as columns for :mod:`searchapp.segment`'s writer: the terms
        (str), their frequencies, and all their positions one term after another (so the weights are
        frequency × field boost and the values ``Positions.encode`` of the positions). None: use
        :meth:`index`."""
        if not isinstance(value, str):
            return None
        found = english_positions(value)
        positions = found.values()
        return found.keys(), list(map(len, positions)), list(chain.from_iterable(positions))


def build_schema() -> Schema:
    english = english_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        file=ID(stored=True),
        filehash=ID(stored=True),
        title=EnglishText(analyzer=english, field_boost=TITLE_BOOST, phrase=True),
        body=EnglishText(analyzer=english, phrase=True),
        surfaces=TEXT(analyzer=surface_analyzer(), phrase=False),
        entity=KEYWORD(commas=True, lowercase=False, scorable=True),
        outlet=ID,
        agency=ID,
        precision=ID,
        date=NUMERIC(numtype=int, bits=64, sortable=True, signed=False),
        doc=STORED,
    )
