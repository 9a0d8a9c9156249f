"""Highlighted snippets: the window of the body where the query's words and spellings cluster.

Highlighting works on the text, not on Whoosh's analysed tokens, because a name matched through
its keys must be highlighted in the spelling the outlet used ("Quaryatayn" for a query of
"Qaryatayn"). Output is HTML-escaped text with ``<mark>`` around hits: nothing from the article
reaches the page unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from searchapp.analysis import WORD_RE, term_of

SNIPPET_CHARS = 280


def hit_spans(text: str, terms: set[str], surfaces: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of analysed-term hits and exact-spelling hits, sorted and merged.

    >>> hit_spans("Troops took Al-Qaryatain; advances continued.", {"advanc"}, ["Al-Qaryatain"])
    [(12, 24), (26, 34)]
    """
    spans: list[tuple[int, int]] = []
    if terms:
        for m in WORD_RE.finditer(text):
            if term_of(m.group()) in terms:
                spans.append(m.span())
    for surface in surfaces:
        if not surface:
            continue
        pattern = r"(?<!\w)" + re.escape(surface) + r"(?!\w)"
        spans.extend(m.span() for m in re.finditer(pattern, text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
    """The ``width``-character window holding the most distinct hits, snapped to word edges."""
    if len(text) <= width:
        return 0, len(text)
    best_start, best_score = 0, -1
    for i, (start, _end) in enumerate(spans):
        window_start = max(0, start - width // 5)
        window_end = window_start + width
        seen = {text[s:e].lower() for s, e in spans[i:] if e <= window_end}
        score = len(seen) * 10 + sum(1 for s, e in spans[i:] if e <= window_end)
        if score > best_score:
            best_start, best_score = window_start, score
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
