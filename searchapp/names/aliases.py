"""Alias table of named actors (groups, organisations, people), shipped as ``aliases.json`` and extendable.

File format (UTF-8 JSON)::

    {"entities": [
        {"name": "Islamic State",            # canonical name (required)
         "type": "group",                    # place | person | org | group | other (required)
         "id": "group:isis",                 # optional; default "<type>:<slug of name>", e.g.
                                             # "person:bashar-al-assad"
         "aliases": ["ISIS", "Daesh"],       # spellings matched case-insensitively and spelling-tolerantly,
                                             # each word compared with name keys ("Hizbollah" ~ "Hezbollah");
                                             # the canonical name is always an alias too
         "case_sensitive": ["IS"]}           # exact-case forms only: "IS" is the group, "is" never is;
    ]}                                       # forms of <= 2 letters are ignored on ALL-CAPS lines

Matching is token-based: hyphens and spaces separate words, an Arabic article (al-, el-, ...) before a word
is optional ("Jabhat al-Nusra" = "Jabhat Nusra"), and the longest alias wins ("Syrian Observatory for
Human Rights" is one organisation, not Syria plus other words). A case-insensitive alias must start with a
capitalised word in the text. User files given to ``NameBook.load(alias_files=...)`` use the same format;
an entry whose id already exists adds its aliases to that entity (and may rename or retype it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ALIAS_FILE = Path(__file__).with_name("aliases.json")
TYPES = ("place", "person", "org", "group", "other")


def slug(name: str) -> str:
    """URL-ish slug of a canonical name.

    >>> slug("Bashar al-Assad"), slug("Fahed Jassem al-Freij")
    ('bashar-al-assad', 'fahed-jassem-al-freij')
    """
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "x"


@dataclass(frozen=True)
class AliasEntry:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    case_sensitive: tuple[str, ...]


def load_alias_files(paths: list[Path]) -> list[AliasEntry]:
    """Read and merge alias files in order (later files extend/override earlier ones)."""
    merged: dict[str, dict] = {}
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = data["entities"] if isinstance(data, dict) else data
        for item in items:
            typ = item.get("type", "other")
            if typ not in TYPES:
                raise ValueError(f"{path}: unknown type {typ!r} for {item.get('name')!r}")
            eid = item.get("id") or f"{typ}:{slug(item['name'])}"
            cur = merged.setdefault(eid, {"name": item["name"], "type": typ, "aliases": [], "cs": []})
            cur["name"], cur["type"] = item.get("name", cur["name"]), typ
            for a in [item["name"], *item.get("aliases", [])]:
                if a not in cur["aliases"]:
                    cur["aliases"].append(a)
            for a in item.get("case_sensitive", []):
                if a not in cur["cs"]:
                    cur["cs"].append(a)
    return [
        AliasEntry(eid, v["name"], v["type"], tuple(v["aliases"]), tuple(v["cs"]))
        for eid, v in merged.items()
    ]
