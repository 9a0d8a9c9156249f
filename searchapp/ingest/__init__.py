"""Ingestion: files (raw text scrapes, JSON, JSON Lines, CSV) in, cleaned ``Article`` objects out.

``discover`` lists input files, ``read_file`` parses one, ``read_paths`` does both. Nothing here
raises on bad input: an unreadable file or record comes out as a ``Skipped`` with its reason.
"""

from searchapp.ingest.article import Article, Published, Skipped
from searchapp.ingest.ids import article_id
from searchapp.ingest.read import MAX_ARTICLE_BYTES, read_file, read_paths
from searchapp.ingest.walk import SUPPORTED_SUFFIXES, discover

__all__ = [
    "MAX_ARTICLE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Article",
    "Published",
    "Skipped",
    "article_id",
    "discover",
    "read_file",
    "read_paths",
]
