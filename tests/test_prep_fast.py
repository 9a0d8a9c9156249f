"""The fast paths of the steps before Whoosh give what the straightforward code gives.

Each fast path skips work (a pattern that cannot match, dateutil on a plain ISO date, ...); these
tests hold it to the plain version on the seeds, made-up and benchmark-shaped articles and generated
strings with the characters each shortcut is about.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import Generator
from searchapp import analysis, stories
from searchapp.ingest import credits, dates
from searchapp.ingest.text import normalize
from searchapp.names import default_book, extract
from searchapp.names.gazetteer import CANONICAL, FUZZY
from tests import corpus

SAMPLE = Path(__file__).resolve().parent.parent / "searchapp" / "sample"


def texts() -> list[str]:
    """Seeds, made-up articles and benchmark-corpus articles (titles and bodies)."""
    out = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
    rng = random.Random(3)
    for n in range(100):
        record = corpus.article(n, rng)
        out += [record["title"], record["text"]]
    for record in Generator(11).stream(200):
        out += [record["title"], record["text"]]
    return out


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    return texts()


# --- normalize --------------------------------------------------------------------------------------

_ODD_SPACE_RE = re.compile("[\t\x0b\x0c\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff\xad]")
_ODD_BREAK_RE = re.compile("[\u2028\x85]")


def normalize_plain(text: str) -> str:
    """``normalize`` with every pattern applied every time."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE_RE.sub("", _ODD_BREAK_RE.sub("\n", _ODD_SPACE_RE.sub(" ", text)))
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = re.sub(r" {2,}", " ", text)
    return re.sub(r" *\n *", "\n", text).strip()


_ODD = " \t\x0b\x0c\xa0\u2002\u3000\u200b\u2060\ufeff\xad\u2028\x85\u2029\r\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\u0301Ḥ" + _ODD), max_size=40))
def test_normalize_matches_plain_version(text: str) -> None:
    assert normalize(text) == normalize_plain(text)


def test_normalize_matches_plain_version_on_articles(sample_texts: list[str]) -> None:
    for text in sample_texts:
        assert normalize(text) == normalize_plain(text)


# --- photo credits ----------------------------------------------------------------------------------


def photo_credit_plain(paragraph: str) -> str | None:
    match = credits._PHOTO_CREDIT_RE.search(paragraph)
    if match is None:
        return None
    name = match["agency"] or match["agency2"] or match["agency3"]
    return credits._ALIASES.get(name) or credits._ALIASES.get(name.upper())


_CREDIT_PIECES = ["AFP", "REUTERS", "Reuters", "/", "Omar", "photo", "PHOTO", "Photo", "picture", "Image",
                  "credit", ":", " ", "pıcture", "İMAGE", "pİcture", "x", ".", "ı", "é"]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_CREDIT_PIECES), max_size=8))
def test_photo_credit_matches_plain_version(pieces: list[str]) -> None:
    paragraph = " ".join(pieces) if len(pieces) % 2 else "".join(pieces)
    assert credits.photo_credit(paragraph) == photo_credit_plain(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    ["REUTERS/Omar Sanadiki", "AFP photo", "Photo: AFP", "picture credit: AP", "IMAGE : Reuters",
     "pıcture: AFP", "İmage: AFP", "an image of the town", "AFP Photos", "AP / X"],
)  # fmt: skip
def test_photo_credit_shapes(paragraph: str) -> None:
    assert credits.photo_credit(paragraph) == photo_credit_plain(paragraph)


def test_photo_credit_matches_plain_version_on_articles(sample_texts: list[str]) -> None:
    for text in sample_texts:
        for paragraph in text.split("\n\n"):
            assert credits.photo_credit(paragraph) == photo_credit_plain(paragraph)


# --- ISO dates --------------------------------------------------------------------------------------


def _outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except ValueError as exc:  # dateutil's own limits (an offset of a day or more) must stay the same
        return f"error: {exc}"


def _iso_strings(count: int) -> list[str]:
    rng = random.Random(5)
    out = []
    for _ in range(count):
        text = f"{rng.choice([rng.randint(1700, 2300), rng.randint(2000, 2030)]):04d}"
        text += f"-{rng.choice([rng.randint(0, 13), rng.randint(1, 12)]):02d}"
        text += f"-{rng.choice([rng.randint(0, 32), rng.randint(1, 28)]):02d}"
        if rng.random() < 0.8:
            text += f"T{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
            if rng.random() < 0.7:
                text += f":{rng.randint(0, 61):02d}"
            shape = rng.random()
            if shape < 0.3:
                text += "Z"
            elif shape < 0.7:
                text += rng.choice("+-") + f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
        out.append(text)
    return out


def test_iso_dates_read_as_dateutil_reads_them() -> None:
    for text in _iso_strings(3000) + ["2016-02-29T00:00:00Z", "2015-02-29", "2016-03-29T23:59:59-00:00"]:
        assert _outcome(dates.parse_date, text) == _outcome(dates._dateutil_date, text), text


# --- names ------------------------------------------------------------------------------------------


def caps_lines_plain(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        up = len(re.findall(r"[A-Z]", line))
        if up >= 4 and up >= 9 * len(re.findall(r"[a-z]", line)):
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ABaÉé Ḥ\n\ud800"), max_size=60))
def test_caps_lines_match_plain_version(text: str) -> None:
    assert extract._caps_lines(text) == caps_lines_plain(text)


def test_caps_lines_match_plain_version_on_articles(sample_texts: list[str]) -> None:
    for text in sample_texts:
        assert extract._caps_lines(text) == caps_lines_plain(text)


def test_big_place_gate_agrees_with_full_fuzzy_match(sample_texts: list[str]) -> None:
    """Where place_candidates skips the full fuzzy search, choose_place would have taken nothing."""
    book = default_book()
    gaz, extractor = book.gaz, book.extractor
    asked = 0
    for text in sample_texts:
        toks = extract.tokenize(text, gaz.lexicon, extractor.keep_lower)
        for i in range(len(toks)):
            for j in range(i + 1, min(i + 4, len(toks)) + 1):
                if not all(t.cap for t in toks[i:j]):
                    break
                words = [t.text for t in toks[i:j]]
                if all(extract.is_ordinary(w, gaz.lexicon) for w in words) or any(
                    t.allcaps for t in toks[i:j]
                ):
                    continue
                if extractor._short(text, toks, i, j):
                    continue
                surface = text[toks[i].pre : toks[j - 1].end]
                full = gaz.match(surface, FUZZY)
                gate = bool(gaz.match(surface, CANONICAL)) or gaz.fuzzy_names_big_place(surface)
                assert gate == (extractor.choose_place(full, None, False) is not None), surface
                asked += 1
    assert asked > 1000


def _tok_fields(toks: list[extract.Tok]) -> list[tuple]:
    return [tuple(getattr(t, f) for f in extract.Tok.__slots__) for t in toks]


def tokenize_every_word(text: str, lexicon: frozenset[str], keep_lower: frozenset[str]) -> list[tuple]:
    """tokenize() with its first loop given every word, not just the ones the shortcut finds."""
    real = extract._looked_at
    try:
        extract._looked_at = lambda _keep: extract._TOKEN  # type: ignore[assignment]
        return _tok_fields(extract.tokenize(text, lexicon, keep_lower))
    finally:
        extract._looked_at = real


_TOKEN_PIECES = ["al", "Al", "of", "de", "-", " ", "'", "’", "ʼ", "s", "x", "É", "é", "Ra", "qqa", "mun"]
_TOKEN_PIECES += ["held", "3", "_", "\n", "ISIS", "ب", "."]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_PIECES), max_size=30).map("".join))
def test_tokenize_shortcut_looks_at_every_word_it_keeps(text: str) -> None:
    book = default_book()
    lex, keep = book.gaz.lexicon, book.extractor.keep_lower
    assert _tok_fields(extract.tokenize(text, lex, keep)) == tokenize_every_word(text, lex, keep)


def test_tokenize_shortcut_looks_at_every_word_it_keeps_on_articles(sample_texts: list[str]) -> None:
    book = default_book()
    lex, keep = book.gaz.lexicon, book.extractor.keep_lower
    for text in sample_texts:
        assert _tok_fields(extract.tokenize(text, lex, keep)) == tokenize_every_word(text, lex, keep)


def test_remembered_runs_give_what_a_fresh_lookup_gives(
    sample_texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run cache keys on everything a run's place lookup reads: the same text seen again, and
    every run recomputed with nothing remembered, give the same candidates."""
    extractor = default_book().extractor
    lex = default_book().gaz.lexicon
    first = [extractor.scan(t, extract.tokenize(t, lex, extractor.keep_lower))[1] for t in sample_texts]
    again = [extractor.scan(t, extract.tokenize(t, lex, extractor.keep_lower))[1] for t in sample_texts]
    monkeypatch.setattr(extract, "RUN_CACHE_MAX", 0)  # cleared before every store: only the last run is kept
    fresh = [extractor.scan(t, extract.tokenize(t, lex, extractor.keep_lower))[1] for t in sample_texts]
    assert first == again == fresh
    assert sum(c.kind == "place" for cands in fresh for c in cands) > 500


# --- story sketches ---------------------------------------------------------------------------------


def words_plain(paragraph: str) -> list[str]:
    found = stories._WORD.findall(paragraph.lower())
    return [stories._fold(w.translate(stories._JOINERS)) for w in found]


def sketch_plain(body: str, sample: int) -> list[int]:
    kept = set()
    for para in stories.paragraphs(body):
        w = words_plain(para)
        for i in range(len(w) - 2):
            value = stories.shingle_hash(" ".join(w[i : i + 3]).encode())
            if value % sample == 0:
                kept.add(value >> 32)
    return sorted(kept)


@pytest.mark.parametrize("sample", [1, 2, 3, 4, 6, 8])
def test_sketch_matches_plain_version(sample_texts: list[str], sample: int) -> None:
    for text in sample_texts[:: 1 if sample == stories.SAMPLE else 7]:
        assert stories.sketch(text, sample).tolist() == sketch_plain(text, sample)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab AḤé\u0301-’',.12\n"), max_size=50))
def test_sketch_words_match_plain_version(text: str) -> None:
    assert stories.words(text) == words_plain(text)


# --- English positions ------------------------------------------------------------------------------


def english_positions_plain(text: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for t in analysis.english_analyzer()(text, positions=True, mode="index"):
        out.setdefault(t.text, []).append(t.pos)
    return out


@pytest.mark.parametrize("cache_max", [500_000, 50, 0])
def test_english_positions_match_the_analyzer(
    sample_texts: list[str], cache_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cold, warm and too small a word cache (cleared while an article's new words are worked out)."""
    monkeypatch.setattr(analysis, "_TERM_OF", {})
    monkeypatch.setattr(analysis, "_TERM_CACHE_MAX", cache_max)
    for text in sample_texts:
        assert analysis.english_positions(text) == english_positions_plain(text)
