"""The one-pass snippet helpers give what the plain ones (a scan per spelling, a window rescored
from each hit) give, on seeded random texts full of overlapping and repeated spellings."""

from __future__ import annotations

import random
import re

import pytest

from searchapp.snippets import best_window, hit_spans, merge_spans

WORDS = ["Deir", "ez-Zor", "Deir ez-Zor", "Bab", "al", "Bab al Bab", "x", "town", "army's", "Raqqa"]


def plain_surface_spans(text: str, surfaces: list[str]) -> list[tuple[int, int]]:
    spans = []
    for surface in surfaces:
        if surface:
            spans.extend(m.span() for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text))
    return merge_spans(spans)


def plain_best_start(text: str, spans: list[tuple[int, int]], width: int) -> int:
    best_start, best_score = 0, -1
    for i, (start, _end) in enumerate(spans):
        window_start = max(0, start - width // 5)
        window_end = window_start + width
        seen = {text[s:e].lower() for s, e in spans[i:] if e <= window_end}
        score = len(seen) * 10 + sum(1 for s, e in spans[i:] if e <= window_end)
        if score > best_score:
            best_start, best_score = window_start, score
    return best_start


@pytest.mark.parametrize("seed", range(40))
def test_spans_and_window_match_the_plain_way(seed: int) -> None:
    rng = random.Random(seed)
    text = " ".join(rng.choice(WORDS + ["filler"] * 5) for _ in range(rng.randint(5, 400)))
    surfaces = rng.sample(WORDS, rng.randint(1, 6))
    spans = hit_spans(text, set(), surfaces)
    assert spans == plain_surface_spans(text, surfaces)
    width = rng.choice([40, 100, 280])
    if len(text) > width:
        start = plain_best_start(text, spans, width)
        fast_start, _ = best_window(text, spans, width)
        # best_window snaps the start back to a word edge within 30 characters, as before
        space = text.rfind(" ", 0, start + 1) if start > 0 else -1
        expected = space + 1 if start > 0 and space >= 0 and start - space < 30 else start
        assert fast_start == expected


TOKENS = (
    "army Army's armies army’s d'army armyx x'army Advances advanced the Ḩamā hama o'clock l’armée armée "
    "army' 'army _army army2 ARMY"
).split()


@pytest.mark.parametrize("seed", range(40))
def test_term_spans_match_the_word_by_word_way(seed: int) -> None:
    from searchapp.analysis import WORD_RE, analyze, term_of

    rng = random.Random(seed)
    seps = [" ", "  ", ", ", "'", "’", "-", ". ", "(", ")"]
    text = "".join(rng.choice(TOKENS) + rng.choice(seps) for _ in range(rng.randint(1, 120)))
    terms = set(analyze(" ".join(rng.sample(["army", "advances", "hama", "armée", "clock"], 2))))
    plain = [m.span() for m in WORD_RE.finditer(text) if term_of(m.group()) in terms]
    assert hit_spans(text, terms, []) == plain_surface_spans_merge(plain)


def plain_surface_spans_merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
