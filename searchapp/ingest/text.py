"""Text cleanup shared by every input format: decoding, normalisation, hyphen mending, de-duplication.

Scrapes arrive in unknown encodings, with no-break spaces, words broken across (since joined) lines
and paragraphs printed twice. Each step here is a pure function so it can be tested on real strings.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import warnings
from functools import lru_cache

#: Binary signatures worth naming in a skip reason (the NUL check catches the rest).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "executable"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Above this share of control characters a "text" is really binary.
_MAX_CONTROL_SHARE = 0.01
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: Byte patterns typical of UTF-8 read as cp1252 ("â€™", "Ã©"): only then is ftfy worth its cost.
_MOJIBAKE_RE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac")


_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)


def looks_binary(head: bytes) -> str | None:
    """A skip reason when a file's first bytes are not text (UTF-16/32 with a BOM counts as text).

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n..."), looks_binary(b"ab\\x00cd"), looks_binary(b"plain")
    ('binary file (PNG image)', 'binary file (contains NUL bytes)', None)
    """
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return f"binary file ({kind})"
    if b"\x00" in head[:8192] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary file (contains NUL bytes)"
    return None


class UndecodableError(ValueError):
    """Bytes that are not text we can read with confidence; the message is the skip reason."""


def decode_bytes(data: bytes) -> str:
    """Decode a scrape: UTF-8 when valid, else a confidently detected legacy encoding.

    >>> decode_bytes("Syria\u2019s army".encode("utf-8"))
    'Syria’s army'
    >>> decode_bytes(b"\\x93Palmyra\\x94 is the \\x93Pearl of the Desert\\x94, he said.")
    '“Palmyra” is the “Pearl of the Desert”, he said.'
    >>> decode_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    Traceback (most recent call last):
    ...
    searchapp.ingest.text.UndecodableError: binary file (PNG image)
    """
    if data.startswith(_MAGIC_PREFIXES):
        raise UndecodableError(looks_binary(data) or "binary file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"invalid {encoding.upper()} text ({exc.reason})") from None
    if b"\x00" in data[:8192]:
        raise UndecodableError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    if _MOJIBAKE_RE.search(text):
        text = _fix_mojibake(text)
    return _check_text(text)


def _decode_legacy(data: bytes) -> str:
    """Windows-1252/1256, Latin-1 and friends: trust charset-normalizer only when it is sure."""
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None or best.encoding is None:
        raise UndecodableError("not UTF-8 and the text encoding could not be detected")
    encoding = best.encoding
    # Short Western text fits cp1250, cp1252 and cp1257 equally well; among equals take the web's
    # most common legacy encoding (which also has the curly quotes that Latin-1 lacks).
    tied = {
        charset
        for match in results
        if match.chaos <= best.chaos and match.coherence >= best.coherence - 0.01
        for charset in match.could_be_from_charset
    }
    if "cp1252" in tied:
        encoding = "cp1252"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise UndecodableError(f"not UTF-8 and not valid {encoding} either") from None


def _fix_mojibake(text: str) -> str:
    import ftfy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ftfy.fix_encoding(text)


def _check_text(text: str) -> str:
    sample = text[:65536]
    if sample and len(_CONTROL_RE.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise UndecodableError("binary file (control characters)")
    return text


# Spaces that should be plain spaces; invisible marks that should go (ZWNJ/ZWJ stay: Persian needs them).
# Regexes, not str.translate: translate with a dict is several times slower on long texts.
_ODD_SPACE_RE = re.compile("[\t\x0b\x0c\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff\xad]")
_ODD_BREAK_RE = re.compile("[\u2028\x85]")
_MULTISPACE_RE = re.compile(r" {2,}")
_LINE_EDGE_RE = re.compile(r" *\n *")


def normalize(text: str) -> str:
    """NFC, one kind of space, ``\\n`` line ends, no trailing spaces; curly quotes are kept as written.

    >>> normalize("ISIS,\\u00a0 Syrian Army\\u00a0 advanced\\r\\n\\r\\nAl\\u00ad-Qaryatain  ")
    'ISIS, Syrian Army advanced\\n\\nAl-Qaryatain'
    >>> normalize("Cafe\\u0301 \\u201cquoted\\u201d")
    'Café “quoted”'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")
    # Each pattern is applied only when its characters can be there: a character class is tried at
    # every position, while `in` and isascii() scan at memory speed, and most texts need no change.
    if text.isascii():
        if "\t" in text or "\x0b" in text or "\x0c" in text:
            text = _ODD_SPACE_RE.sub(" ", text)
    else:
        text = _INVISIBLE_RE.sub("", _ODD_BREAK_RE.sub("\n", _ODD_SPACE_RE.sub(" ", text)))
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _MULTISPACE_RE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGE_RE.sub("\n", text)
    return text.strip()


_PARA_SPLIT_RE = re.compile(r"\n{2,}")


def split_blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks, each a list of its non-empty lines (input already normalised).

    >>> split_blocks("Title\\n\\n\\nAFP\\nPublished : Mar 30\\n\\nBody.")
    [['Title'], ['AFP', 'Published : Mar 30'], ['Body.']]
    """
    return [
        lines for block in _PARA_SPLIT_RE.split(text) if (lines := [ln for ln in block.split("\n") if ln])
    ]


# A hyphen between two ASCII word pieces, not part of a longer chain (five-year-old stays as is).
_HYPHEN_RE = re.compile(r"(?<![\w-])([A-Za-z]+)-([A-Za-z]+)(?![\w-])")
#: Zipf frequency from which a piece counts as a real English word.
_WORD_ZIPF = 3.0
#: A second piece this common is a word even when the first is a rare name ("Daesh-held").
_STRONG_WORD_ZIPF = 3.5


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


@lru_cache(maxsize=65536)
def is_broken_word(first: str, second: str) -> bool:
    """Whether ``first-second`` is one word a line break split, rather than a real compound.

    >>> [is_broken_word(*w.split("-")) for w in ("str-ategic", "mi-nister", "forc-es", "Qala-mun", "ra-zing")]
    [True, True, True, True, True]
    >>> [is_broken_word(*w.split("-")) for w in ("pro-government", "south-west", "Britain-based", "al-Assad",
    ...                                          "anti-ISIS", "Daesh-held", "e-mail", "re-elected")]
    [False, False, False, False, False, False, False, False]
    """
    if not second[0].islower() or (first.isupper() and len(first) > 1):
        return False
    a, b = first.lower(), second.lower()
    za, zb, joined = _zipf(a), _zipf(b), _zipf(a + b)
    if za >= _WORD_ZIPF and zb >= _WORD_ZIPF:
        # Both halves are words: mend only when the whole word is far commoner ("be-fore").
        return joined >= _zipf(f"{a}-{b}") + 1.0
    return joined > 0 or zb < _STRONG_WORD_ZIPF


def mend_hyphens(text: str) -> str:
    """Rejoin words that a line break split with a hyphen, leaving real compounds alone.

    >>> mend_hyphens("the str-ategic town, doz-ens of pro-government fighters south-west of al-Assad's")
    "the strategic town, dozens of pro-government fighters south-west of al-Assad's"
    """
    if "-" not in text:
        return text
    return _HYPHEN_RE.sub(lambda m: m[1] + m[2] if is_broken_word(m[1], m[2]) else m[0], text)


def join_lines(lines: list[str]) -> str:
    """One paragraph from wrapped lines: doubled adjacent lines dropped, ``hyph-\\nen`` rejoined.

    >>> join_lines(["A caption. -AFP", "A caption. -AFP", "Second line"])
    'A caption. -AFP Second line'
    >>> join_lines(["the armed forc-", "es would push"])
    'the armed forc-es would push'
    """
    out: list[str] = []
    for line in lines:
        if out and abs(len(line) - len(out[-1])) < 4 and _dedupe_key(line) == _dedupe_key(out[-1]):
            continue
        if out and out[-1].endswith("-") and out[-1][-2:-1].isalpha() and line[:1].islower():
            out[-1] += line  # left for mend_hyphens to judge
        else:
            out.append(line)
    return " ".join(out)


_NON_WORD_RE = re.compile(r"\W+")


def _dedupe_key(paragraph: str) -> str:
    return _NON_WORD_RE.sub(" ", paragraph).strip().casefold()


#: Shorter paragraphs ("Photo", "* * *") may honestly repeat; longer ones repeated are scrape doubling.
_MIN_DEDUPE_CHARS = 20


def dedupe_paragraphs(paragraphs: list[str], seen: set[str] | None = None) -> list[str]:
    """Drop a paragraph printed again later in the page (lead paragraph, photo captions).

    >>> dedupe_paragraphs(["Regime troops were locked in fighting.", "Caption here. -AFP",
    ...                    "Regime troops were locked in fighting.", "OK", "OK"])
    ['Regime troops were locked in fighting.', 'Caption here. -AFP', 'OK', 'OK']
    """
    seen = set() if seen is None else seen
    kept = []
    for paragraph in paragraphs:
        key = _dedupe_key(paragraph)
        if len(key) >= _MIN_DEDUPE_CHARS:
            if key in seen:
                continue
            seen.add(key)
        kept.append(paragraph)
    return kept


def same_text(a: str, b: str) -> bool:
    """Equal up to case, spacing and punctuation: how a repeated title or caption is recognised.

    >>> same_text("Army pressures ISIS in central Syria", "  army pressures ISIS in central Syria.")
    True
    """
    return _dedupe_key(a) == _dedupe_key(b)
