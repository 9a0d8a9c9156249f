"""The SQLite FTS5 baseline: the same corpus and the same query classes, done the way one would in SQL.

Schema: ``fts(title, body)``, a plain FTS5 table with the ``unicode61`` tokenizer (no stemming, no stop
words, diacritics folded); ``docs(id, outlet, agency, published)`` keyed by the FTS rowid, indexed on
outlet and date; ``ents(doc, entity)`` for the entity facet. Loaded in one transaction with
``executemany``, then indexed and ``optimize``d (all timed). Connection: WAL, a 64 MB page cache and
1 GB of mmap, which is what one would set for a read-mostly search database.

Entities: FTS5 has no name extraction, so the loader tags the spellings the corpus generator used
(each place's GeoNames variants, each group's name) by a case-sensitive token n-gram lookup -- far
cheaper than searchapp's extractor, which also finds names nobody listed. A name query is the OR of
the quoted variants the generator knows, which is the best FTS5 can do without a names table.

Facets: the matched rowids are put in a temp table once, then ``GROUP BY`` outlet, agency, year-month
and entity (the top 10 of each entity type) over them, each counted under every filter but its own (as
searchapp counts them). The page is a ranked (bm25) or date-ordered id query, then
``highlight``/``snippet`` for those 20 ids only.

    python bench/fts5.py build CORPUS DB NAMES_JSON     # prints the load figures as JSON
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

PAGE_SIZE = 20
FACET_TOP = 10
_WORD = re.compile(r"\w+")


def quote(text: str) -> str:
    '''A string as one FTS5 phrase (so no word is read as an operator).

    >>> print(quote('say "no"'))
    "say ""no"""
    '''
    return '"' + text.replace('"', '""') + '"'


def available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        return True
    except sqlite3.OperationalError:
        return False


class Tagger:
    """Finds the generator's known spellings in a text: token n-grams looked up by their first token."""

    def __init__(self, names: dict[str, Any]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for i, variants in enumerate(names["places"]):
            for v in variants:
                self._add(v, f"place:{i}")
        for g in names["groups"]:
            self._add(g, f"group:{g}")
        for forms in self.by_first.values():
            forms.sort(key=lambda f: -len(f[0]))

    def _add(self, surface: str, entity: str) -> None:
        toks = tuple(_WORD.findall(surface))
        if toks:
            self.by_first.setdefault(toks[0], []).append((toks, entity))

    def __call__(self, text: str) -> set[str]:
        toks = _WORD.findall(text)
        found: set[str] = set()
        for i, t in enumerate(toks):
            for form, entity in self.by_first.get(t, ()):
                if tuple(toks[i : i + len(form)]) == form:
                    found.add(entity)
                    break
        return found


def build(corpus: Path, db: Path, names: dict[str, Any]) -> dict[str, Any]:
    """Load every ``*.jsonl`` under ``corpus`` into a fresh database at ``db``."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    tag = Tagger(names)
    started = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(
        """
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61');
        CREATE TABLE docs(id INTEGER PRIMARY KEY, ext_id TEXT, outlet TEXT, agency TEXT, published TEXT);
        CREATE TABLE ents(doc INTEGER, entity TEXT);
        """
    )
    rowid = 0
    conn.execute("BEGIN")
    for path in sorted(corpus.rglob("*.jsonl")):
        texts: list[tuple[int, str, str]] = []
        docs: list[tuple[Any, ...]] = []
        ents: list[tuple[int, str]] = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                rowid += 1
                title, body = rec.get("title") or "", rec.get("text") or ""
                texts.append((rowid, title, body))
                docs.append(
                    (rowid, rec.get("id"), rec.get("outlet"), rec.get("agency"), rec.get("published"))
                )
                ents.extend((rowid, e) for e in tag(title + "\n" + body))
        conn.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", texts)
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", docs)
        conn.executemany("INSERT INTO ents VALUES (?, ?)", ents)
    conn.execute("COMMIT")
    loaded = time.perf_counter()
    conn.executescript(
        """
        CREATE INDEX docs_outlet ON docs(outlet);
        CREATE INDEX docs_published ON docs(published);
        CREATE INDEX ents_entity ON ents(entity, doc);
        CREATE INDEX ents_doc ON ents(doc, entity);
        INSERT INTO fts(fts) VALUES('optimize');
        """
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "load_seconds": loaded - started,
        "index_and_optimize_seconds": done - loaded,
        "articles": rowid,
    }


class Fts5Searcher:
    """One read connection, with a temp table for the matched rowids of the current query."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
        self.conn.execute("PRAGMA cache_size=-65536")
        self.conn.execute("PRAGMA mmap_size=1073741824")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("CREATE TEMP TABLE m(id INTEGER PRIMARY KEY)")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Fts5Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(
        self,
        match: str | None,
        *,
        outlet: str | None = None,
        date: tuple[str, str] | None = None,
        entity: str | None = None,
        sort: str = "relevance",
        page: int = 1,
        facets: bool = True,
    ) -> dict[str, Any]:
        """Total, one page of ids with title and snippet, and (``facets``) the four facet counts."""
        c = self.conn
        filters: dict[str, tuple[str, list[Any]]] = {}
        if outlet:
            filters["outlet"] = ("d.outlet = ?", [outlet])
        if date:
            filters["date"] = ("d.published >= ? AND d.published < ?", list(date))
        if entity:
            filters["entity"] = ("d.id IN (SELECT doc FROM ents WHERE entity = ?)", [entity])

        def where(but: str | None = None) -> tuple[str, list[Any]]:
            parts = [(sql, args) for name, (sql, args) in filters.items() if name != but]
            if not parts:
                return "", []
            return " WHERE " + " AND ".join(s for s, _ in parts), [a for _, args in parts for a in args]

        if match is None:
            src = "docs d"
        elif facets or filters or sort != "relevance":
            c.execute("DELETE FROM m")
            c.execute("INSERT INTO m SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
            src = "m JOIN docs d ON d.id = m.id"
        else:
            src = None
        offset = (page - 1) * PAGE_SIZE
        if src is None:
            total = c.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]
        else:
            sql, args = where()
            total = c.execute(f"SELECT count(*) FROM {src}{sql}", args).fetchone()[0]

        if match is not None and sort == "relevance":
            sql, args = where()
            joined = " JOIN docs d ON d.id = f.rowid" if sql else ""
            ids = [
                r[0]
                for r in c.execute(
                    f"SELECT f.rowid FROM fts f{joined} WHERE fts MATCH ?{sql.replace(' WHERE ', ' AND ', 1)}"
                    " ORDER BY rank LIMIT ? OFFSET ?",
                    [match, *args, PAGE_SIZE, offset],
                )
            ]
        else:
            sql, args = where()
            order = "DESC" if sort != "oldest" else "ASC"
            ids = [
                r[0]
                for r in c.execute(
                    f"SELECT d.id FROM {src}{sql} ORDER BY d.published {order} LIMIT ? OFFSET ?",
                    [*args, PAGE_SIZE, offset],
                )
            ]
        results = []
        if ids:
            marks = ",".join("?" * len(ids))
            if match is not None:
                rows = c.execute(
                    "SELECT f.rowid, highlight(fts, 0, '<mark>', '</mark>'),"
                    " snippet(fts, 1, '<mark>', '</mark>', '…', 24), d.outlet, d.published"
                    f" FROM fts f JOIN docs d ON d.id = f.rowid WHERE fts MATCH ? AND f.rowid IN ({marks})",
                    [match, *ids],
                ).fetchall()
            else:
                rows = c.execute(
                    "SELECT d.id, f.title, substr(f.body, 1, 200), d.outlet, d.published"
                    f" FROM docs d JOIN fts f ON f.rowid = d.id WHERE d.id IN ({marks})",
                    ids,
                ).fetchall()
            by_id = {r[0]: r for r in rows}
            results = [by_id[i] for i in ids if i in by_id]

        counted: dict[str, list[tuple[Any, int]]] = {}
        if facets:
            base = src or "docs d"
            for name, column in (
                ("outlet", "d.outlet"),
                ("agency", "d.agency"),
                ("date", "substr(d.published, 1, 7)"),
            ):
                sql, args = where(name)
                nonnull = (" AND " if sql else " WHERE ") + f"{column} IS NOT NULL"
                limit = "" if name == "date" else f" LIMIT {FACET_TOP}"
                counted[name] = c.execute(
                    f"SELECT {column}, count(*) FROM {base}{sql}{nonnull} GROUP BY 1 ORDER BY 2 DESC{limit}",
                    args,
                ).fetchall()
            sql, args = where("entity")
            by_type: dict[str, list[tuple[str, int]]] = {}
            for entity, n in c.execute(
                f"SELECT e.entity, count(*) FROM {base} JOIN ents e ON e.doc = d.id{sql} GROUP BY 1", args
            ):
                by_type.setdefault(entity.split(":", 1)[0], []).append((entity, n))
            counted["entity"] = [  # like searchapp's: the top ones of each type, places first
                top
                for kind in sorted(by_type, key=lambda k: (k != "place", k))
                for top in sorted(by_type[kind], key=lambda en: (-en[1], en[0]))[:FACET_TOP]
            ]
        return {"total": total, "results": results, "facets": counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="load a corpus into a new FTS5 database")
    b.add_argument("corpus", type=Path)
    b.add_argument("db", type=Path)
    b.add_argument("names", type=Path, help="JSON {places: [[variant, ...], ...], groups: [...]}")
    args = parser.parse_args()
    if not available():
        sys.exit("this Python's sqlite3 has no FTS5")
    json.dump(build(args.corpus, args.db, json.loads(args.names.read_text())), sys.stdout)


if __name__ == "__main__":
    main()
