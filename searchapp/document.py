"""Parsed article + its name mentions -> the analysed document the index stores.

This is the only place that decides what of an article goes into which index field, so the
indexer stays about files and generations and the search layer about queries.
"""

from __future__ import annotations

from typing import Any

from searchapp.ingest import Article
from searchapp.names import Mention


def date_number(article: Article) -> int | None:
    """The sortable UTC ``YYYYMMDDhhmmss`` of the article's date; None when the year is unknown."""
    if article.published is None:
        return None
    moment = article.published.sort_datetime()
    if moment is None:
        return None
    return int(moment.strftime("%Y%m%d%H%M%S"))


def entity_records(mentions: list[Mention]) -> list[dict[str, Any]]:
    """One record per entity: its id, canonical name, type, and the spellings this article used."""
    by_id: dict[str, dict[str, Any]] = {}
    for m in mentions:
        rec = by_id.setdefault(
            m.entity.id, {"id": m.entity.id, "name": m.entity.name, "type": m.entity.type, "surfaces": []}
        )
        if m.surface not in rec["surfaces"]:
            rec["surfaces"].append(m.surface)
        rec["count"] = rec.get("count", 0) + 1
    return list(by_id.values())


def build_document(article: Article, mentions: list[Mention], file: str, filehash: str) -> dict[str, Any]:
    """The keyword arguments of ``writer.add_document`` for one article."""
    entities = entity_records(mentions)
    stored = article.to_dict()
    stored["entities"] = entities
    fields: dict[str, Any] = {
        "id": article.id,
        "file": file,
        "filehash": filehash,
        "title": article.title or "",
        "body": article.body or "",
        "surfaces": "\n".join(sorted({s for e in entities for s in e["surfaces"]})),
        "entity": ",".join(e["id"] for e in entities),
        "doc": stored,
    }
    if article.outlet:
        fields["outlet"] = article.outlet
    if article.agency:
        fields["agency"] = article.agency
    if article.published:
        fields["precision"] = article.published.precision
    number = date_number(article)
    if number is not None:
        fields["date"] = number
    return fields
