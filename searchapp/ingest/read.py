"""Reading one input file into articles; whatever is wrong with it becomes a ``Skipped``, never an error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from searchapp.ingest import records
from searchapp.ingest.article import Article, Skipped
from searchapp.ingest.ids import article_id, file_key
from searchapp.ingest.scrape import parse_scrape
from searchapp.ingest.text import UndecodableError, decode_bytes, looks_binary
from searchapp.ingest.walk import discover

#: One .txt file is one article; anything bigger is a dump or a mistake, not a page.
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
_SNIFF_BYTES = 8192


def read_text(path: Path, data: bytes) -> Article | Skipped:
    """A scraped page saved as text."""
    if len(data) > MAX_ARTICLE_BYTES:
        return Skipped(str(path), _too_large(len(data)))
    try:
        text = decode_bytes(data)
    except UndecodableError as exc:
        return Skipped(str(path), str(exc))
    scrape = parse_scrape(text)
    if not scrape.body:
        return Skipped(str(path), "no article text found")
    return Article(
        id=article_id(file_key(path)),
        source=str(path),
        title=scrape.title or records.fallback_title(scrape.body),
        body=scrape.body,
        published=scrape.published,
        outlet=scrape.masthead or scrape.agency,
        agency=scrape.agency,
        byline=scrape.byline,
        dateline=scrape.dateline,
        related=scrape.related,
    )


def _too_large(size: int) -> str:
    return f"too large for one article ({size:,} bytes, limit {MAX_ARTICLE_BYTES:,})"


def _sniff(path: Path, data: bytes | None) -> bytes:
    if data is not None:
        return data[:_SNIFF_BYTES]
    with open(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES)


def _read(path: Path, data: bytes | None) -> Iterator[Article | Skipped]:
    suffix = path.suffix.lower()
    head = _sniff(path, data)
    if not head.strip():
        yield Skipped(str(path), "empty file")
        return
    if suffix != ".txt" and (kind := looks_binary(head)):
        yield Skipped(str(path), kind)
        return
    if suffix == ".jsonl":
        yield from records.read_jsonl(path, data)
    elif suffix == ".csv":
        yield from records.read_csv(path, data)
    elif suffix in (".txt", ".json"):
        if data is None:
            size = path.stat().st_size
            limit = MAX_ARTICLE_BYTES if suffix == ".txt" else records.MAX_JSON_BYTES
            if size > limit:
                reason = (
                    _too_large(size)
                    if suffix == ".txt"
                    else f"too large for a JSON document ({size:,} bytes)"
                )
                yield Skipped(str(path), reason)
                return
            data = path.read_bytes()
        if suffix == ".txt":
            yield read_text(path, data)
        else:
            yield from records.read_json(path, data)
    else:
        yield Skipped(str(path), f"unsupported file type {suffix or '(no extension)'}")


def read_file(path: Path, data: bytes | None = None) -> Iterator[Article | Skipped]:
    """Articles in one file (``data``: its bytes, if already read); depends only on path and bytes."""
    path = Path(path)
    produced = False
    try:
        for item in _read(path, data):
            produced = True
            yield item
    except OSError as exc:
        yield Skipped(str(path), f"cannot read ({exc.strerror or exc})")
        return
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop a whole ingest
        yield Skipped(str(path), f"could not be parsed ({type(exc).__name__}: {exc})")
        return
    if not produced:
        yield Skipped(str(path), "no records found")


def read_paths(paths: Iterable[str | Path]) -> Iterator[Article | Skipped]:
    """Every article under ``paths`` (files or directories), with skips in the same stream."""
    for found in discover(paths):
        if isinstance(found, Skipped):
            yield found
        else:
            yield from read_file(found)
