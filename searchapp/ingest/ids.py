"""Stable article ids: the same file or record gets the same id on every reindex."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_SAFE_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def article_id(key: str) -> str:
    """16 hex characters derived from ``key`` (an absolute path, or path and record position).

    >>> article_id("/data/seeds/000.txt")
    'cee30afca1795a8a'
    """
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def file_key(path: Path) -> str:
    """The resolved absolute path: the same file reached by two relative paths keeps one id."""
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def record_id(path: Path, own_id: object, position: int | str) -> str:
    """A record's own id when it is short and URL-safe, else a hash of file and id (or position).

    >>> record_id(Path("/x/a.jsonl"), "reuters-2016-04-03.1", 7)
    'reuters-2016-04-03.1'
    >>> record_id(Path("/x/a.jsonl"), "https://example.com/a?b=1", 7) == article_id("/x/a.jsonl:https://example.com/a?b=1")
    True
    """
    own = "" if own_id is None or isinstance(own_id, bool) else str(own_id).strip()
    if own and _SAFE_ID_RE.fullmatch(own):
        return own
    return article_id(f"{file_key(path)}:{own or position}")
