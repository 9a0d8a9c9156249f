"""Highlighted snippets: the window of the body where the query's words and spellings cluster.

Highlighting works on the text, not on Whoosh's analysed tokens, because a name matched through
its keys must be highlighted in the spelling the outlet used ("Quaryatayn" for a query of
"Qaryatayn"). Output is HTML-escaped text with ``<mark>`` around hits: nothing from the article
reaches the page unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from searchapp.analysis import WORD_RE, term_of

SNIPPET_CHARS = 280


def hit_spans(text: str, terms: set[str], surfaces: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of analysed-term hits and exact-spelling hits, sorted and merged.

    >>> hit_spans("Troops took Al-Qaryatain; advances continued.", {"advanc"}, ["Al-Qaryatain"])
    [(12, 24), (26, 34)]
    >>> hit_spans("Deir ez-Zor and Deir", set(), ["Deir", "Deir ez-Zor", "ez-Zor and"])
    [(0, 15), (16, 20)]
    """
    spans: list[tuple[int, int]] = []
    if terms:
        hits = _words_for(set(WORD_RE.findall(text)), terms)
        if hits:
            spans.extend(
                m.span()
                for m in _words_pattern(tuple(sorted(hits, key=lambda w: (-len(w), w)))).finditer(text)
            )
    chosen = {s for s in surfaces if s}
    # A spelling that can overlap itself ("x x" in "x x x") is scanned alone, as finditer skips
    # its overlapping repeats; the rest in one scan, longest first at each start: every match of
    # a shorter one there lies inside the longest, so the merged spans are the same.
    alone = {s for s in chosen if _self_overlapping(s)}
    pattern = _surfaces_pattern(tuple(sorted(chosen - alone, key=lambda s: (-len(s), s))))
    if pattern is not None:
        spans.extend((m.start(), m.end(1)) for m in pattern.finditer(text))
    for surface in alone:
        one = r"(?<!\w)" + re.escape(surface) + r"(?!\w)"
        spans.extend(m.span() for m in re.finditer(one, text))
    return merge_spans(spans)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order.

    >>> merge_spans([(5, 9), (0, 3), (2, 4), (9, 10)])
    [(0, 4), (5, 10)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class _WordIndex:
    """Words seen in snippets, by the term each analyses to: which words of a text hit the query
    is then a set intersection, and only words never seen before are analysed one by one."""

    LIMIT = 500_000

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.by_term: dict[str, set[str]] = {}

    def words_for(self, words: set[str], terms: set[str]) -> set[str]:
        new = words - self.seen
        if new:
            if len(self.seen) + len(new) > self.LIMIT:
                self.seen, self.by_term = set(), {}  # fresh objects: another thread may be reading
                new = words
            for w in new:
                term = term_of(w)
                if term is not None:
                    self.by_term.setdefault(term, set()).add(w)
            self.seen |= new
        hits: set[str] = set()
        for t in terms:
            known = self.by_term.get(t)
            if known:
                hits |= words & known
        return hits


_WORDS = _WordIndex()


def _words_for(words: set[str], terms: set[str]) -> set[str]:
    """The words among ``words`` whose index term is in ``terms``.

    >>> sorted(_words_for({"Advances", "advanced", "army", "the"}, {"advanc"}))
    ['Advances', 'advanced']
    """
    return _WORDS.words_for(words, terms)


@lru_cache(maxsize=1024)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole tokens (as ``WORD_RE`` cuts them) spelled as one of ``words``: no word character
    (nor a word character and an apostrophe) before, none (nor an apostrophe and one) after.

    >>> [m.span() for m in _words_pattern(("army",)).finditer("army's army armyx d'army army")]
    [(7, 11), (25, 29)]
    """
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(r"(?<!\w)(?<!\w['’])(?:" + alternatives + r")(?!\w)(?!['’]\w)")


def _self_overlapping(surface: str) -> bool:
    """Whether a proper suffix of ``surface`` is also its prefix.

    >>> _self_overlapping("Bab al Bab"), _self_overlapping("Palmyra")
    (True, False)
    """
    return any(surface.startswith(surface[k:]) for k in range(1, len(surface)))


@lru_cache(maxsize=256)
def _surfaces_pattern(surfaces: tuple[str, ...]) -> re.Pattern[str] | None:
    """One scan for every spelling, longest first, as whole words; a lookahead, so matches that
    start inside another are found too."""
    if not surfaces:
        return None
    alternatives = "|".join(re.escape(s) for s in surfaces)
    return re.compile(r"(?<!\w)(?=((?:" + alternatives + r")(?!\w)))")


def mark(text: str, spans: list[tuple[int, int]]) -> Markup:
    """Escape ``text`` and wrap each span in ``<mark>``.

    >>> str(mark("<b>ISIS</b> & co", [(3, 7)]))
    '&lt;b&gt;<mark>ISIS</mark>&lt;/b&gt; &amp; co'
    """
    out = []
    pos = 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def best_window(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The ``width``-character window holding the most distinct hits, snapped to word edges.

    >>> best_window("a " * 200 + "x y x" + " b" * 200, [(400, 401), (402, 403), (404, 405)], 100)
    (380, 479)
    """
    if len(text) <= width:
        return 0, len(text)
    best_start, best_score = 0, -1
    # Spans are sorted and disjoint, so the ones ending inside the window starting at span i are
    # spans i..j-1, and j only moves forward: one pass with a count of each distinct hit.
    words = [text[s:e].lower() for s, e in spans]
    inside: dict[str, int] = {}
    j = 0
    for i, (start, _end) in enumerate(spans):
        window_start = max(0, start - width // 5)
        window_end = window_start + width
        j = max(j, i)
        while j < len(spans) and spans[j][1] <= window_end:
            inside[words[j]] = inside.get(words[j], 0) + 1
            j += 1
        score = len(inside) * 10 + (j - i)
        if score > best_score:
            best_start, best_score = window_start, score
        if j > i:  # span i leaves the window before the next one starts
            left = inside[words[i]] - 1
            if left:
                inside[words[i]] = left
            else:
                del inside[words[i]]
    start = best_start
    if start > 0:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end


def snippet(text: str, terms: set[str], surfaces: Iterable[str]) -> tuple[Markup, str]:
    """(highlighted HTML, plain text) of the best window of ``text``."""
    text = " ".join(text.split())  # snippets run on one line
    spans = hit_spans(text, terms, surfaces)
    start, end = best_window(text, spans)
    window = text[start:end]
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return Markup(prefix) + mark(window, inside) + Markup(suffix), prefix + window + suffix
