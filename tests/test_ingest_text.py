"""Text cleanup on real-world strings: decoding, spaces, hyphens, doubled paragraphs."""

from __future__ import annotations

import pytest

from searchapp.ingest.text import (
    UndecodableError,
    decode_bytes,
    dedupe_paragraphs,
    is_broken_word,
    mend_hyphens,
    normalize,
)


@pytest.mark.parametrize(
    ("broken", "mended"),
    [("str-ategic", "strategic"), ("doz-ens", "dozens"), ("ra-zing", "razing"), ("Qala-mun", "Qalamun"),
     ("mi-nister", "minister"), ("forc-es", "forces"), ("be-fore", "before"), ("con-tinue", "continue")],
)  # fmt: skip
def test_broken_words_are_mended(broken: str, mended: str) -> None:
    assert mend_hyphens(f"the {broken} here") == f"the {mended} here"


@pytest.mark.parametrize(
    "compound",
    ["pro-government", "Britain-based", "south-west", "al-Assad", "anti-ISIS", "e-mail", "re-elected",
     "Daesh-held", "jihadist-held", "non-stop", "well-known", "five-year-old", "co-op", "ISIS-held",
     "IS-held"],
)  # fmt: skip
def test_real_compounds_are_kept(compound: str) -> None:
    assert mend_hyphens(f"a {compound} b") == f"a {compound} b"


def test_hyphen_mending_ignores_non_ascii_words() -> None:
    assert mend_hyphens("peut-être") == "peut-être"
    assert not is_broken_word("al", "Assad")


def test_normalize_spaces_and_nfc() -> None:
    raw = "\u00a0\u00a0Army pressures ISIS \r\nISIS,\u00a0 Syrian Army\u200b\u2009said\t\n\n\n\nNext  "
    assert normalize(raw) == "Army pressures ISIS\nISIS, Syrian Army said\n\n\n\nNext"
    assert normalize("Qarye\u0301\u200c") == "Qaryé\u200c"  # ZWNJ is meaningful in Persian: kept


def test_dedupe_keeps_first_occurrence_only_for_long_paragraphs() -> None:
    paragraphs = ["Regime troops were locked in heavy fighting.", "Photo", "Photo",
                  "REGIME troops were locked in heavy fighting!"]  # fmt: skip
    assert dedupe_paragraphs(paragraphs) == ["Regime troops were locked in heavy fighting.", "Photo", "Photo"]


def test_decode_windows_1252_curly_quotes() -> None:
    text = (
        "The minister said the \u201cfinal victory\u201d was near, and Syria\u2019s army agreed \u2013 again."
    )
    assert decode_bytes(text.encode("cp1252")) == text


def test_decode_windows_1256_arabic() -> None:
    text = (
        "قالت وكالة الأنباء السورية إن الجيش السوري استعاد السيطرة على مدينة تدمر الأثرية يوم الأحد الماضي."
    )
    assert decode_bytes(text.encode("cp1256")) == text


def test_decode_latin1() -> None:
    text = "Le ministre a déclaré à Genève que la trêve était «fragile» mais réelle, selon l'agence."
    assert decode_bytes(text.encode("latin-1")) == text


def test_decode_utf16_with_bom_and_utf8_bom() -> None:
    assert decode_bytes("Palmyra’s museum".encode("utf-16")) == "Palmyra’s museum"
    assert decode_bytes(b"\xef\xbb\xbfPalmyra") == "Palmyra"


def test_decode_repairs_mojibake() -> None:
    original = "Syria’s army entered the café"
    assert decode_bytes(original.encode().decode("cp1252").encode()) == original


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
     (b"text\x00\x00\x00more", "binary file (contains NUL bytes)"),
     (bytes(range(1, 9)) * 200, "binary file (control characters)")],
)  # fmt: skip
def test_binary_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UndecodableError, match=rf"^{reason.replace('(', '.').replace(')', '.')}$"):
        decode_bytes(data)
