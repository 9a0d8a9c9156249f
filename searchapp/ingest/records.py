"""Structured inputs: JSON (object or array), JSON Lines and CSV, one article per record.

A record's own values win over anything guessed, but its text is cleaned like a scrape's and the
fields it lacks (agency, dateline, date) are guessed from that text by the same rules. JSONL and
CSV are streamed so a file of any size costs one record's memory; a bad record is reported with
its line and the rest still ingested.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from searchapp.ingest import credits, dates
from searchapp.ingest.article import Article, Published, Skipped
from searchapp.ingest.ids import record_id
from searchapp.ingest.scrape import parse_scrape

#: A JSON document is parsed whole, so it gets a ceiling; JSONL and CSV stream and need none.
MAX_JSON_BYTES = 256 * 1024 * 1024
#: One JSONL line or CSV field larger than this is not one article.
MAX_RECORD_BYTES = 5 * 1024 * 1024

csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))

#: Article field -> record keys that may hold it (compared case-insensitively), best first.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "url": ("url", "link"),
    "title": ("title", "headline"),
    "text": ("text", "body", "content"),
    "outlet": ("outlet", "source", "publisher", "site"),
    "published": ("published", "date", "published_at"),
    "byline": ("author", "byline", "authors"),
    "language": ("language", "lang"),
    "agency": ("agency",),
    "dateline": ("dateline",),
}
_SPACES_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s")
_MAX_FALLBACK_TITLE = 120


def _lookup(record: dict[Any, Any]) -> dict[str, Any]:
    lowered: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(key, str):
            lowered.setdefault(key.strip().lower(), value)
    found: dict[str, Any] = {}
    for name, keys in FIELD_NAMES.items():
        for key in keys:
            value = lowered.get(key)
            if value is not None and not (isinstance(value, str) and not value.strip()):
                found[name] = value
                break
    return found


def _as_text(value: Any) -> str | None:
    """Strings as they are, lists of strings (paragraphs, authors) joined; anything else is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None


def _one_line(value: Any) -> str | None:
    text = _as_text(value)
    if text is None and isinstance(value, list):
        names = [v.get("name") for v in value if isinstance(v, dict) and isinstance(v.get("name"), str)]
        text = ", ".join(names) or None
    if text is None and isinstance(value, dict) and isinstance(value.get("name"), str):
        text = value["name"]
    if text is None:
        return None
    text = _SPACES_RE.sub(" ", text.replace("\n\n", ", ")).strip()
    return text or None


def _record_date(value: Any) -> Published | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dates.from_epoch(float(value))
    if isinstance(value, str):
        return dates.parse_date(value)
    return None


def url_host(url: str) -> str | None:
    """The outlet a URL implies: its host without ``www.``.

    >>> url_host("https://www.reuters.com/article/idUS"), url_host("not a url")
    ('reuters.com', None)
    """
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def fallback_title(body: str) -> str:
    """A record without a title is shown by its first sentence, cut at a word.

    >>> fallback_title("Syrian forces took the town. Then more happened.")
    'Syrian forces took the town.'
    """
    first = _SENTENCE_END_RE.split(body.split("\n\n", 1)[0], maxsplit=1)[0]
    if len(first) <= _MAX_FALLBACK_TITLE:
        return first
    return first[:_MAX_FALLBACK_TITLE].rsplit(" ", 1)[0] + "…"


def record_to_article(record: Any, path: Path, source: str, position: int | str) -> Article | Skipped:
    """One record as an article, or the reason it cannot be one."""
    if not isinstance(record, dict):
        return Skipped(source, f"record is a JSON {type(record).__name__}, not an object")
    found = _lookup(record)
    if "text" not in found:
        return Skipped(source, "record has no text (expected a text, body or content field)")
    text = _as_text(found["text"])
    if text is None:
        return Skipped(source, "record text is not a string")
    language = _one_line(found.get("language"))
    title = _one_line(found.get("title"))
    mend = language is None or language.lower().startswith("en")
    scrape = parse_scrape(text, title=title, mend=mend)
    if not scrape.body:
        return Skipped(source, "record has no text")

    url = _one_line(found.get("url"))
    agency_value = _one_line(found.get("agency"))
    agency = (credits.agency_name(agency_value) or agency_value) if agency_value else scrape.agency
    outlet = _one_line(found.get("outlet")) or (url_host(url) if url else None) or scrape.masthead or agency
    # A date the record gives but nobody can read stays unknown: guessing from the text could contradict it.
    published = _record_date(found["published"]) if "published" in found else scrape.published
    return Article(
        id=record_id(path, found.get("id"), position),
        source=source,
        title=title or scrape.title or fallback_title(scrape.body),
        body=scrape.body,
        published=published,
        outlet=outlet,
        agency=agency,
        byline=_one_line(found.get("byline")) or scrape.byline,
        dateline=_one_line(found.get("dateline")) or scrape.dateline,
        related=scrape.related,
        url=url,
        language=language,
    )


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"


def read_json(path: Path, data: bytes) -> Iterator[Article | Skipped]:
    """A JSON object, or an array of them (sources ``path:index``, index from 0)."""
    if len(data) > MAX_JSON_BYTES:
        yield Skipped(str(path), f"too large for a JSON document ({len(data):,} bytes; use JSON Lines)")
        return
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        yield Skipped(str(path), f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return
    except json.JSONDecodeError as exc:
        yield Skipped(str(path), _json_error(exc))
        return
    except RecursionError:
        yield Skipped(str(path), "invalid JSON (nested too deeply)")
        return
    if isinstance(document, dict):
        yield record_to_article(document, path, str(path), 0)
    elif isinstance(document, list):
        if not document:
            yield Skipped(str(path), "empty JSON array")
        for index, record in enumerate(document):
            yield record_to_article(record, path, f"{path}:{index}", index)
    else:
        yield Skipped(str(path), f"JSON document is a {type(document).__name__}, not an object or array")


def _open_binary(path: Path, data: bytes | None) -> IO[bytes]:
    return io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115


def read_jsonl(path: Path, data: bytes | None) -> Iterator[Article | Skipped]:
    """One JSON object per line, streamed; blank lines ignored, bad lines reported as ``path:line``."""
    with _open_binary(path, data) as stream:
        for line_no, raw in enumerate(stream, start=1):
            source = f"{path}:{line_no}"
            if len(raw) > MAX_RECORD_BYTES:
                yield Skipped(source, f"record too large ({len(raw):,} bytes, limit {MAX_RECORD_BYTES:,})")
                continue
            if not raw.strip():
                continue
            try:
                line = raw.strip().decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Skipped(source, f"not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Skipped(source, f"invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            except RecursionError:
                yield Skipped(source, "invalid JSON (nested too deeply)")
                continue
            yield record_to_article(record, path, source, line_no)


_SNIFF_BYTES = 65536


def _csv_encoding(sample: bytes) -> str:
    """UTF-8 unless the opening bytes say otherwise (then charset-normalizer's guess)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best is not None and best.encoding else "cp1252"


def _delimiter(header_line: str) -> str:
    if "," in header_line:
        return ","
    return max(";\t|", key=header_line.count) if any(d in header_line for d in ";\t|") else ","


def read_csv(path: Path, data: bytes | None) -> Iterator[Article | Skipped]:
    """CSV with a header row, streamed; a row with too few or too many columns is reported by line."""
    with _open_binary(path, data) as binary:
        sample = binary.read(_SNIFF_BYTES)
        binary.seek(0)
        encoding = _csv_encoding(sample)
        stream = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        first_line = sample.split(b"\n", 1)[0].decode(encoding, errors="replace")
        reader = csv.reader(stream, delimiter=_delimiter(first_line))
        try:
            header = next(reader, None)
            if header is None:
                yield Skipped(str(path), "empty file")
                return
            names = [h.strip().lower() for h in header]
            if not any(n in FIELD_NAMES["text"] for n in names):
                yield Skipped(str(path), "CSV header has no text, body or content column")
                return
            line_no = reader.line_num
            for row in reader:
                start, line_no = line_no + 1, reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                source = f"{path}:{start}"
                if len(row) != len(names):
                    yield Skipped(source, f"row has {len(row)} columns, header has {len(names)}")
                    continue
                yield record_to_article(dict(zip(names, row, strict=True)), path, source, start)
        except csv.Error as exc:
            yield Skipped(f"{path}:{reader.line_num}", f"invalid CSV ({exc}); rest of file not read")
