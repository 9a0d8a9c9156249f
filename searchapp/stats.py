"""``searchapp stats``: what is in the index, and whether it is whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchapp.names import default_book
from searchapp.schema import SCHEMA_VERSION
from searchapp.search import GenerationSearcher
from searchapp.store import META, read_json, require_current


def index_stats(root: Path) -> dict[str, Any]:
    """Figures for the live generation; raises IndexMissing / IndexDamaged / SchemaMismatch."""
    gen = require_current(root)
    with GenerationSearcher(gen, default_book()) as searcher:
        figures = searcher.stats()
    meta = read_json(gen / META, {})
    size = sum(p.stat().st_size for p in gen.iterdir() if p.is_file())
    return {
        "index": str(root),
        "generation": gen.name,
        **figures,
        "stories": meta.get("stories"),
        "index_bytes": size,
        "schema_version": meta.get("schema_version", SCHEMA_VERSION),
        "last_reindex": meta.get("built_at"),
        "last_run": meta.get("last_run"),
    }
