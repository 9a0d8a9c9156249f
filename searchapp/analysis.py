"""Whoosh analyzers: the one place that says how text becomes terms.

Two kinds of field need analysis:

* full text (title, body): ``english_analyzer`` — words, lowercased, accents folded, stop words
  (English, and the Arabic article "al"/"el") dropped, Porter-stemmed. Index and query use the same
  chain, so "advances" finds "advance".
* name mentions (``surfaces``): one mention's surface spelling a line, turned by
  ``SurfaceKeyFilter`` into ``key\\x1fsurface`` terms, one per retrieval key of the spelling. The
  lexicon then answers "which spellings in this index share a key with the query's name?" with a
  prefix scan, and a term query finds the articles that use one spelling.

Filters are module-level classes because Whoosh pickles the schema into the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.support.charset import accent_map

from searchapp.names import name_keys

#: Separates the key from the spelling inside a ``surfaces`` term.
KEY_SEP = "\x1f"

# Words with inner apostrophes stay whole ("Syria's" -> "syria"); hyphens split ("Daesh-held").
WORD_PATTERN = r"\w+(?:['’]\w+)*"


#: English stop words, and the Arabic article as romanised standing alone or before a hyphen
#: ("al Jabr", "El-Janiya"). Names already match with or without it (``name_keys`` folds it);
#: as a word it was in three of four articles at a million, and every phrase with a name that
#: carries it (the text side of a name query) read its positions in nearly every block.
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS | {"al", "el"})


def english_analyzer() -> object:
    """Tokenize, lowercase, fold accents, drop stop words, stem (cached)."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | PossessiveFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(cachesize=200_000)
    )


class PossessiveFilter(Filter):
    """Drops the English possessive, so "Syria's" is "syria" (scrapes use ' and ’ alike)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if text.endswith(("'s", "’s")):
                t.text = text[:-2]
            elif "’" in text:
                t.text = text.replace("’", "'")
            yield t


class LineTokenizer(RegexTokenizer):
    """One token per non-empty line: each line is one name's surface spelling."""

    def __init__(self) -> None:
        super().__init__(r"[^\n]+")


class SurfaceKeyFilter(Filter):
    """Emits ``key<US>surface`` for every retrieval key of a surface spelling.

    The same ``name_keys`` runs at index and query time; at query time the search layer looks
    terms up by key prefix rather than analysing, so this filter only ever sees index mode.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            surface = t.text.strip()
            if not surface:
                continue
            for key in sorted(name_keys(surface)):
                t.text = f"{key}{KEY_SEP}{surface}"
                yield t


def surface_analyzer() -> object:
    return LineTokenizer() | SurfaceKeyFilter()


WORD_RE = re.compile(WORD_PATTERN, re.UNICODE)
_TERM_OF: dict[str, str | None] = {}
_TERM_CACHE_MAX = 500_000


def english_positions(text: str) -> dict[str, list[int]]:
    """Each term of *text* under ``english_analyzer`` with its positions, as the analyzer would give
    them (stop words removed and positions renumbered), without a Token object per word.

    Indexing spends a third of its time in the analysis chain's per-token objects; the chain only
    ever changes one word at a time, so each distinct word's term is worked out once by the real
    chain and cached, and only the position bookkeeping runs per token.

    >>> english_positions("The army's advance: the Army advances")
    {'armi': [1, 3], 'advanc': [2, 4]}
    """
    words = WORD_RE.findall(text)
    try:
        terms = list(map(_TERM_OF.__getitem__, words))  # every word seen before: no Python loop
    except KeyError:
        terms = [term_of(w) for w in words]
    out: dict[str, list[int]] = {}
    # StopFilter(renumber=True): the first kept word keeps its place, the others follow it
    first = next((i for i, t in enumerate(terms) if t is not None), None)
    if first is None:
        return out
    get = out.get
    for pos, term in enumerate([t for t in terms[first:] if t is not None], first):
        found = get(term)
        if found is None:
            out[term] = [pos]
        else:
            found.append(pos)
    return out


def term_of(word: str) -> str | None:
    """The index term of one word (None for a stop word), worked out once by the analyzer.

    >>> term_of("Advances"), term_of("the")
    ('advanc', None)
    """
    try:
        return _TERM_OF[word]
    except KeyError:
        if len(_TERM_OF) >= _TERM_CACHE_MAX:
            _TERM_OF.clear()
        found = [t.text for t in _ENGLISH(word, mode="index")]
        term = _TERM_OF[word] = found[0] if found else None
        return term


def analyze(text: str) -> list[str]:
    """The query-side terms of ``text`` under the English analyzer.

    >>> analyze("Syria's advances on ISIS-held towns")
    ['syria', 'advanc', 'isi', 'held', 'town']
    >>> analyze("Habil al Jabr"), analyze("El-Janiya")
    (['habil', 'jabr'], ['janiya'])
    """
    return [t.text for t in _ENGLISH(text, mode="query")]


_ENGLISH = english_analyzer()
