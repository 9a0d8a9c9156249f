"""Entity extraction: alias-table entities, gazetteer places and other capitalised names in article text.

Pipeline for one field (title or body):

1. Tokenise into letter words (Latin or Arabic script; internal apostrophes kept, possessive 's dropped).
   A hyphen followed by a lowercase non-word fragment is a line-break hyphen and is joined ("Qala-mun").
   An Arabic article (Al/El any time, lowercase or other articles only when hyphenated, e.g. "as-Sham")
   is attached to the following word.
2. Alias table, longest match first, at every word (case-sensitive short forms exactly, outside ALL-CAPS
   lines for forms of <= 2 letters; other aliases spelling-tolerantly, starting at a capitalised word).
3. Gazetteer, on runs of capitalised words, longest span first (<= 4 words). Ordinary English words
   (lexicon) and ALL-CAPS words only count as places on a literal name match of a big place. A match on
   the canonical form (Quaryatayn ~ Qaryatayn) is accepted; a fuzzy one (only spelling_match) only for a
   big place in the region and names of 6+ letters. Same-named places are ranked by the countries the
   article names (countries, adjectives, unambiguous big places), exactness, region and size.
4. Remaining capitalised runs become untyped "other" names, after trimming function words, titles,
   days and months; runs made only of ordinary words, single sentence-initial words and ALL-CAPS words
   are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import (
    BUILTIN_LEXICON,
    CANONICAL,
    FULL_COUNTRIES,
    FUZZY,
    FUZZY_MIN_POP,
    LITERAL,
    MIN_POP_ELSEWHERE,
    Gazetteer,
)
from .keys import canonical_forms, name_keys, spelling_match

_TOKEN = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_ARTICLES_ANY = frozenset({"al", "el"})
_ARTICLES_HYPHEN = frozenset("al el ad ed ar er as es ash esh at et az ez an en ath adh".split())
_LINKERS = frozenset({"bin", "ibn", "bint", "abu", "de", "du", "da", "la", "van", "von", "of"})
_HYPHEN_SUFFIXES = frozenset(
    {"held", "based", "backed", "led", "controlled", "run", "linked", "allied", "style"}
)
_UPPER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_BYTES = _UPPER_BYTES.lower()
_LINK_SEPS = frozenset({" ", "-", "\u2011", "\u00a0"})
_SENT_END = frozenset(".!?:;\"“”‘’'()[]–—|")
#: Capitalised runs whose place lookup is remembered (see :meth:`Extractor.run_place`); ~200 bytes each.
RUN_CACHE_MAX = 200_000


@dataclass(slots=True)
class Tok:
    start: int
    end: int
    text: str
    pre: int  # start of an attached article, else == start
    cap: bool
    allcaps: bool
    sent_init: bool
    link_before: bool  # joined to the previous token by a space or hyphen (same name run possible)
    caps_line: bool


def _is_arabic(s: str) -> bool:
    return "\u0600" <= s[0] <= "\u06ff"


def _caps_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the ALL-CAPS lines (>= 90% of >= 4 ASCII letters upper-case).

    >>> _caps_lines("BEIRUT (AFP)\\nThe army said.\\nTHE END")
    [(0, 12), (28, 35)]
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        # ASCII letters counted on the UTF-8 bytes (other characters' bytes are all >= 0x80): deleting
        # a byte set is a C loop, where findall would make a string per letter.
        data = line.encode("utf-8", "surrogatepass")
        up = len(data) - len(data.translate(None, _UPPER_BYTES))
        if up >= 4 and up >= 9 * (len(data) - len(data.translate(None, _LOWER_BYTES))):
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def tokenize(text: str, lexicon: frozenset[str], keep_lower: frozenset[str] | None = None) -> list[Tok]:
    """Word tokens of *text*. With *keep_lower*, lowercase words not in that set are dropped (they can be
    neither names nor parts of names; dropping them makes the scan several times faster)."""
    toks: list[Tok] = []
    prev: Tok | None = None  # the last token (a line-break hyphen may still lengthen it)
    caps_lines = _caps_lines(text)
    li = 0
    ncl = len(caps_lines)
    for m in (_TOKEN if keep_lower is None else _looked_at(keep_lower)).finditer(text):
        t = m.group()
        if keep_lower is not None and t[0].islower() and t not in keep_lower:
            s = m.start()
            if not (prev is not None and text[s - 1] == "-" and prev.end == s - 1):
                continue
        s, e = m.start(), m.end()
        if ("'" in t or "’" in t) and len(t) > 3 and _POSSESSIVE.search(t):
            e -= 2
            t = t[:-2]
        prev_end = 0
        if prev is not None:
            prev_end = prev.end
            # line-break hyphen: "Qala-mun" -> one token (all-caps no more: a lowercase part joined)
            if (
                text[s - 1] == "-"
                and prev_end == s - 1
                and t.islower()
                and t not in lexicon
                and t not in _HYPHEN_SUFFIXES
                and prev.text.lower() not in _ARTICLES_HYPHEN
                and prev.text[:1].isupper()
            ):
                prev.end = e
                prev.text += t
                prev.allcaps = False
                continue
        if s == prev_end + 1 and text[prev_end] == " " and prev is not None:
            sent_init, link = False, True
        else:
            # every link separator is one character: no slice (often long, past dropped words) to hash
            link = prev is not None and s == prev_end + 1 and text[prev_end] in _LINK_SEPS
            j = s - 1
            while j >= 0 and text[j] in " \t\u00a0":
                j -= 1
            sent_init = j < 0 or text[j] == "\n" or text[j] in _SENT_END
        c0 = t[0]
        cap = c0.isupper() or "\u0600" <= c0 <= "\u06ff"
        if ncl:
            while li < ncl and caps_lines[li][1] < s:
                li += 1
            cl = li < ncl and caps_lines[li][0] <= s
        else:
            cl = False
        prev = Tok(s, e, t, s, cap, cap and len(t) >= 2 and t.isupper(), sent_init, link, cl)
        toks.append(prev)
    # attach articles: only a word of <= 3 letters can be one (lower() never shortens a word)
    out: list[Tok] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if len(t.text) <= 3 and i + 1 < n and (low := t.text.lower()) in _ARTICLES_HYPHEN:
            nxt = toks[i + 1]
            if nxt.link_before and not nxt.text.islower():
                sep = text[t.end : nxt.start]
                if (low in _ARTICLES_ANY and (t.cap or sep == "-")) or (sep == "-" and not t.allcaps):
                    nxt.pre = t.start
                    nxt.sent_init = nxt.sent_init or t.sent_init
                    nxt.link_before = t.link_before
                    i += 1
                    continue
                if t.cap and sep == " " and not t.sent_init:
                    nxt.pre = t.start
                    nxt.link_before = t.link_before
                    i += 1
                    continue
        out.append(t)
        i += 1
    return out


@lru_cache(maxsize=8)
def _looked_at(keep_lower: frozenset[str]) -> re.Pattern[str]:
    """The words of a text that :func:`tokenize` with *keep_lower* must look at, found as whole words:
    those that do not start with a letter a-z, those after a hyphen (which it may join, or keep, to
    the word before) and those of *keep_lower*; the others cannot survive its first test.

    Most words of an article are lowercase words outside *keep_lower*: the regex engine steps over
    them instead of Python making a match object and testing each.

    >>> found = _looked_at(frozenset({"al", "of"})).finditer("the Army of al-Raqqa's rebel-held area")
    >>> [m.group() for m in found]
    ['Army', 'of', 'al', "Raqqa's", 'held']
    """
    letter, apostrophe = r"[^\W\d_]", "['’ʼ]"
    ascii_words = sorted(w for w in keep_lower if "a" <= w[:1] <= "z")
    end = rf"(?!{letter})(?!{apostrophe}{letter})"
    whole = rf"(?:{_alternatives(ascii_words)}){end}" if ascii_words else "(?!)"
    # a word starts where no word goes on (a letter, or a letter and an apostrophe, before it)
    return re.compile(
        rf"(?<!{letter})(?<!{letter}{apostrophe})(?:(?![a-z])|(?<=-)|(?={whole})){_TOKEN.pattern}"
    )


def _alternatives(words: list[str]) -> str:
    """A regex alternation of *words* as a trie, so that the engine tries a branch per letter and
    not per word.

    >>> _alternatives(["al", "an", "and", "bin"])
    'a(?:l|n(?:d)?)|b(?:in)'
    """
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    out = []
    for first, rests in by_first.items():
        longer = [r for r in rests if r]
        if not longer:
            out.append(re.escape(first))
        elif len(longer) == 1 and len(rests) == 1:
            out.append(re.escape(first) + f"(?:{re.escape(longer[0])})")
        else:
            optional = "?" if len(longer) < len(rests) else ""
            out.append(re.escape(first) + f"(?:{_alternatives(longer)})" + optional)
    return "|".join(out)


def is_ordinary(word: str, lexicon: frozenset[str]) -> bool:
    """An English word (or a simple inflection of one): not a name by itself."""
    w = word.lower()
    if w in lexicon:
        return True
    for suf, rep in (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ies", "y")):
        if w.endswith(suf) and len(w) > len(suf) + 2 and w[: -len(suf)] + rep in lexicon:
            return True
    return False


@lru_cache(maxsize=200_000)
def tok_norm(tok: str) -> str:
    forms = canonical_forms(tok)
    return forms[0] if forms else tok.lower()


@lru_cache(maxsize=200_000)
def tok_key(tok: str) -> str:
    keys = name_keys(tok)
    return min(keys) if keys else tok.lower()


@lru_cache(maxsize=200_000)
def tok_eq(text_tok: str, alias_tok: str) -> bool:
    if tok_norm(text_tok) == tok_norm(alias_tok):
        return True
    return len(text_tok) >= 5 and spelling_match(text_tok, alias_tok)


def _same_norm(text_tok: str, alias_tok: str) -> bool:
    return tok_norm(text_tok) == tok_norm(alias_tok)


@dataclass(frozen=True)
class Cand:
    start: int  # token index
    end: int  # token index (exclusive)
    kind: str  # "alias" | "place" | "other"
    value: object  # alias entity index | tuple of (place idx, exact) | None


class Extractor:
    """Finds name mentions; entity construction is left to the caller (NameBook)."""

    def __init__(
        self, gaz: Gazetteer, alias_entities: list, alias_forms: list[tuple[int, tuple[str, ...], bool]]
    ):
        self.gaz = gaz
        self.lexicon = gaz.lexicon
        self.alias_entities = alias_entities
        # first-token index: case-sensitive by exact text, others by key of first word
        self.cs_index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self.ci_index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for ent_idx, toks, cs in alias_forms:
            if not toks:
                continue
            if cs:
                self.cs_index.setdefault(toks[0], []).append((toks, ent_idx))
            else:
                self.ci_index.setdefault(tok_key(toks[0]), []).append((toks, ent_idx))
        for d in (self.cs_index, self.ci_index):
            for v in d.values():
                v.sort(key=lambda t: -len(t[0]))
        self._runs: dict[tuple, tuple[int, tuple[tuple[int, int], ...]] | None] = {}
        words = {w for _e, toks, _cs in alias_forms for w in toks[1:]}
        self.keep_lower = frozenset(
            {w for w in words if w[:1].islower()} | _ARTICLES_HYPHEN | _LINKERS | {w.lower() for w in words}
        )

    # ------------------------------------------------------------------ aliases
    def match_alias(
        self, toks: list[Tok], i: int, query: bool = False, loose: bool = True
    ) -> tuple[int, int] | None:
        """Longest alias at token i: (end token index, entity index); without ``loose``, only an
        alias spelt the same way (up to case and canonical form), not a spelling variant of it."""
        t = toks[i]
        best: tuple[int, int] | None = None
        for forms, ent in self.cs_index.get(t.text, ()):
            n = len(forms)
            if best and n <= best[0] - i:
                break
            if i + n > len(toks) or any(toks[i + k].text != forms[k] for k in range(n)):
                continue
            if any(not toks[i + k].link_before for k in range(1, n)):
                continue
            if not query and sum(map(len, forms)) <= 2 and t.caps_line:
                continue
            best = (i + n, ent)
            break
        if not (t.cap or query):
            return best
        for forms, ent in self.ci_index.get(tok_key(t.text), ()):
            n = len(forms)
            if best and n <= best[0] - i:
                break
            if i + n > len(toks) or any(not toks[i + k].link_before for k in range(1, n)):
                continue
            same = tok_eq if loose else _same_norm
            if all(same(toks[i + k].text, forms[k]) for k in range(n)):
                best = (i + n, ent)
                break
        return best

    # ------------------------------------------------------------------ places
    def place_candidates(self, text: str, toks: list[Tok], i: int, j: int) -> tuple[tuple[int, bool], ...]:
        """Places tokens ``i:j`` may name, or () when :meth:`choose_place` without context takes none."""
        surface = text[toks[i].pre : toks[j - 1].end]
        words = [toks[k].text for k in range(i, j)]
        ordinary = all(is_ordinary(w, self.lexicon) for w in words)
        shouting = any(toks[k].allcaps for k in range(i, j))
        # only look for the levels that the filters below and choose_place would accept
        if ordinary or shouting:
            least = LITERAL
        elif self._short(text, toks, i, j):
            least = CANONICAL
        else:
            least = FUZZY
            # Without a listed spelling, a span only counts (see scan) if a spelling GeoNames does not
            # list names a big place in the region: asking just that first spares most capitalised runs
            # the spelling match against every smaller town that shares their consonants.
            if not self.gaz.match(surface, CANONICAL) and not self.gaz.fuzzy_names_big_place(surface):
                return ()
        cands = self.gaz.match(surface, least)
        if not cands:
            return ()
        if ordinary or shouting:
            cands = tuple(
                c
                for c in cands
                if c[1] == LITERAL
                and (self.gaz.places[c[0]][3] >= MIN_POP_ELSEWHERE or c[0] in self.gaz.capital_of)
            )
            if ordinary and toks[i].sent_init and j - i == 1:
                cands = tuple(c for c in cands if self.gaz.places[c[0]][3] >= 1_000_000)
        return cands

    @staticmethod
    def _short(text: str, toks: list[Tok], i: int, j: int) -> bool:
        """Names of < 6 letters are too short for a fuzzy (not literally listed) place match."""
        return sum(len(toks[k].text) for k in range(i, j)) < 6

    def choose_place(
        self, cands: tuple[tuple[int, int], ...], context: set[str] | None, short: bool = False
    ) -> int | None:
        """Best place for a mention given the countries the article names (``None``: not known yet).

        A fuzzy match (a spelling GeoNames does not list, and not the same canonical form either) is only
        accepted for a big place in the region, or with a known context for a town in a named country."""
        best, best_score = None, -1e9
        if context is None:
            context = set()
        for idx, level in cands:
            exact = level >= CANONICAL
            _gid, _name, cc, pop = self.gaz.places[idx]
            if not exact and (
                short
                or not (
                    (cc in context and pop >= FUZZY_MIN_POP)
                    or (cc in FULL_COUNTRIES and pop >= MIN_POP_ELSEWHERE)
                )
            ):
                continue
            score = (
                (3.0 if cc in context else 0.0)
                + (2.0 if exact else 0.0)
                + (1.0 if cc in FULL_COUNTRIES else 0.0)
                + self.gaz.weight(idx) / 2
            )
            if score > best_score:
                best, best_score = idx, score
        return best

    # ------------------------------------------------------------------ main
    def scan(self, text: str, toks: list[Tok] | None = None) -> tuple[list[Tok], list[Cand]]:
        if toks is None:
            toks = tokenize(text, self.lexicon, self.keep_lower)
        out: list[Cand] = []
        i, n = 0, len(toks)
        other_run: list[int] = []

        def flush() -> None:
            if other_run:
                c = self.other_cand(toks, other_run)
                if c:
                    out.append(c)
                other_run.clear()

        cs_index, ci_index = self.cs_index, self.ci_index
        while i < n:
            t = toks[i]
            # most words start no alias: ask the indexes before the call (match_alias asks them first)
            word = t.text
            if word in cs_index or (t.cap and tok_key(word) in ci_index):
                al = self.match_alias(toks, i)
            else:
                al = None
            if al:
                flush()
                out.append(Cand(i, al[0], "alias", al[1]))
                i = al[0]
                continue
            if not t.cap:
                if (
                    other_run
                    and t.text in _LINKERS
                    and i + 1 < n
                    and toks[i + 1].cap
                    and toks[i + 1].link_before
                ):
                    other_run.append(i)
                else:
                    flush()
                i += 1
                continue
            # run of capitalised words starting at i
            j = i + 1
            while j < n and j - i < 4 and toks[j].cap and toks[j].link_before:
                j += 1
            found = self.run_place(text, toks, i, j)
            if found:
                flush()
                out.append(Cand(i, i + found[0], "place", found[1]))
                i += found[0]
                continue
            if other_run and not t.link_before:
                flush()
            other_run.append(i)
            i += 1
        flush()
        return toks, out

    def run_place(
        self, text: str, toks: list[Tok], i: int, j: int
    ) -> tuple[int, tuple[tuple[int, int], ...]] | None:
        """The longest place at the start of the capitalised run ``i:j``: (its length in tokens, its
        candidates), or None.

        The answer depends only on the run's text, its words, where they end and whether it opens a
        sentence, and the same runs come back article after article (names, sentence-initial words):
        cached on exactly those, it is looked up instead of matched against the gazetteer again."""
        first = toks[i]
        base = first.pre
        if j - i == 1:  # most runs: where the word starts and ends in the run follows from the run
            key: tuple = (text[base : first.end], first.sent_init, first.text)
        else:
            key = (
                text[base : toks[j - 1].end],
                first.sent_init,
                *[(toks[k].text, toks[k].pre - base, toks[k].end - base) for k in range(i, j)],
            )
        cache = self._runs
        try:
            return cache[key]
        except KeyError:
            pass
        found = None
        for k in range(j, i, -1):
            cands = self.place_candidates(text, toks, i, k)
            if cands and self.choose_place(cands, None, self._short(text, toks, i, k)) is not None:
                found = (k - i, cands)
                break
        if len(cache) >= RUN_CACHE_MAX:
            cache.clear()
        cache[key] = found
        return found

    def other_cand(self, toks: list[Tok], run: list[int]) -> Cand | None:
        while run and (toks[run[0]].text.lower() in BUILTIN_LEXICON or toks[run[0]].text in _LINKERS):
            run = run[1:]
        while run and (toks[run[-1]].text.lower() in BUILTIN_LEXICON or toks[run[-1]].text in _LINKERS):
            run = run[:-1]
        if not run:
            return None
        words = [toks[k] for k in run]
        if any(w.allcaps for w in words):
            return None
        if all(is_ordinary(w.text, self.lexicon) for w in words):
            return None
        if len(words) == 1 and (words[0].sent_init or len(words[0].text) < 3):
            return None
        return Cand(run[0], run[-1] + 1, "other", None)
