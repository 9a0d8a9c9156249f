"""The names issue's must-show queries over the five sample articles, shared by the tests that check
them at two depths: name extraction (``test_names_book``) and the search command (``test_names_queries``)."""

from __future__ import annotations

#: The sample files' number prefixes.
ALL = {"000", "001", "002", "003", "004"}

#: Query -> the samples it must find; each test adds the queries only its depth can ask.
SEED_QUERIES: list[tuple[str, set[str]]] = [
    ("Qaryatayn", ALL),
    ("Karyatein", ALL),
    ("القريتين", ALL),
    ("Al-Qaryatain", ALL),
    ("Quaryatayn", ALL),
    ("Tadmur", {"000", "002", "003", "004"}),
    ("Palmyra", {"000", "002", "003", "004"}),
    ("Daesh", ALL),
    ("ISIL", ALL),
    ("Islamic State", ALL),
    ("Rakka", {"004"}),
    ("Deir Ezzor", {"004"}),
    ("Homs", {"001"}),
    ("Hama", set()),
    ("missile", set()),
]
