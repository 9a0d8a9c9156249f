"""NameBook: extraction and lookup on the five sample articles, and the query behaviour the search needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchapp.names import Entity, NameBook, name_keys, spelling_match
from tests.seed_queries import ALL, SEED_QUERIES

SAMPLES = Path(__file__).resolve().parents[1] / "searchapp" / "sample"

# (file prefix, title, first body line starts with, body ends before this marker or None)
LAYOUT = {
    "000": (None, "Syrian Army has made great advances", "\nstring("),
    "001": (None, "Large-scale operations", "\nstring("),
    "002": ("Army pressures ISIS in central Syria", "Regime troops were locked", None),
    "003": ("Syria regime forces advance on IS town near Palmyra: monitor", "Beirut: Syrian regime", None),
    "004": (None, "Syrian forces recaptured the city", "\nSocial Streams"),
}


def load_sample(prefix: str) -> tuple[str, str]:
    """Title and body paragraphs of a raw sample scrape (related-headline junk cut off)."""
    raw = next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    title, body_start, body_end = LAYOUT[prefix]
    if title is None:
        title = raw.split("\n", 1)[0].strip()
    body = raw[raw.index(body_start) :]
    if body_end:
        body = body[: body.index(body_end)]
    return title, body.strip()


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> NameBook:
    return NameBook.load(cache_dir=tmp_path_factory.mktemp("names-cache"))


@pytest.fixture(scope="session")
def articles(book):
    out = {}
    for prefix in LAYOUT:
        title, body = load_sample(prefix)
        out[prefix] = (title, body, book.extract(title, body))
    return out


def search(book: NameBook, articles: dict, query: str) -> set[str]:
    """How the search engine uses the package: entities first, else keys + spelling_match on mentions."""
    ents = book.lookup(query)
    hits = set()
    for prefix, (_t, _b, mentions) in articles.items():
        ids = {m.entity.id for m in mentions}
        if ents:
            if ids & {e.id for e in ents}:
                hits.add(prefix)
        elif any(
            name_keys(query) & name_keys(m.surface) and spelling_match(query, m.surface) for m in mentions
        ):
            hits.add(prefix)
    return hits


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        *SEED_QUERIES,
        ("ISIS", ALL),
        ("home", set()),
        ("Tuesday", set()),
        ("Mosul", set()),
        ("SOHR", {"000", "002", "003", "004"}),
        ("Assad", {"000", "003", "004"}),
        ("Qalamun", {"000", "002", "003"}),
    ],
)
def test_search_behaviour(book, articles, query, expected):
    assert search(book, articles, query) == expected


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("Daesh", ["group:isis"]),
        ("IS", ["group:isis"]),
        ("is", []),
        ("Tadmur", ["place:163808"]),
        ("Palmyra", ["place:163808"]),
        ("Karyatein", ["place:173361"]),
        ("القريتين", ["place:173361"]),
        ("Quaryatayn", ["place:173361"]),
        ("Hama", ["place:170017"]),
        ("Syrian", ["place:country:SY"]),
        ("Iraqi", ["place:country:IQ"]),
        ("Russian", ["place:country:RU"]),
        ("Lebanese", ["place:country:LB"]),
        ("Syrian Observatory for Human Rights", ["org:sohr"]),
        ("President Assad", ["person:bashar-al-assad"]),
        ("Nusra Front", ["group:nusra"]),
        ("Jabhat al-Nusra", ["group:nusra"]),
        ("the", []),
        ("Tuesday", []),
        ("", []),
    ],
)
def test_lookup(book, query, ids):
    assert [e.id for e in book.lookup(query)] == ids


def test_tripoli_has_two_and_context_picks_one(book):
    ids = {e.id for e in book.lookup("Tripoli")}
    assert {"place:266826", "place:2210247"} <= ids
    lb = book.extract(
        "Clashes in Tripoli", "Fighting broke out in Tripoli, Lebanon's second city, near Beirut."
    )
    ly = book.extract(
        "Clashes in Tripoli", "Militias fought in Tripoli, the Libyan capital, and in Benghazi."
    )
    assert {m.entity.id for m in lb if m.surface == "Tripoli"} == {"place:266826"}
    assert {m.entity.id for m in ly if m.surface == "Tripoli"} == {"place:2210247"}


@pytest.mark.parametrize("prefix", sorted(LAYOUT))
def test_mentions_are_exact_spans(articles, prefix):
    title, body, mentions = articles[prefix]
    for m in mentions:
        text = title if m.field == "title" else body
        assert text[m.start : m.end] == m.surface
        assert isinstance(m.entity, Entity)


JUNK = set(
    "They|The|EXCLUSIVE|VIDEO|EXCLUSIVE VIDEO|Just|On Tuesday|Tuesday|Sunday|Monday|It|Just two|Sources|"
    "Analysts|Meanwhile|Government|Large|Surrounded|April|S/SH".split("|")
)


@pytest.mark.parametrize("prefix", sorted(LAYOUT))
def test_no_junk_entities(articles, prefix):
    _t, _b, mentions = articles[prefix]
    assert not {m.surface for m in mentions} & JUNK
    assert not [m for m in mentions if m.entity.type == "other" and m.surface.isupper()]


def test_all_variants_one_id(articles):
    surfaces = {}
    for _t, _b, mentions in articles.values():
        for m in mentions:
            surfaces.setdefault(m.surface, set()).add(m.entity.id)
    for s in ("Al-Qaryatain", "al-Qaryatain", "Al Qaryatain", "Quaryatayn"):
        assert surfaces[s] == {"place:173361"}, s
    for s in ("ISIS", "IS", "Daesh", "ISIL", "Islamic State"):
        assert surfaces[s] == {"group:isis"}, s
    assert surfaces["Syrian Observatory for Human Rights"] == {"org:sohr"}
    assert surfaces["Deir al-Zor"] == {"place:170794"}
    assert surfaces["Raqqa"] == {"place:172955"}
    assert surfaces["Homs"] == {"place:169577"}


@pytest.mark.parametrize(
    ("title", "body", "present", "absent"),
    [
        ("", "The town lies on a key road linking the city with the region.", set(), {"place", "other"}),
        ("IS-held towns", "Troops moved on IS-held towns, but this is not over.", {"group:isis"}, set()),
        ("THE IS STORY", "Nothing here.", set(), {"group"}),
        ("", "The missile hit a home on Tuesday.", set(), {"place", "other"}),
        ("", "Fighters of the Islamic State group and Daesh-held areas.", {"group:isis"}, set()),
        ("", "Rebels in Deir Ezzor and Raqqa.", {"place:170794", "place:172955"}, set()),
        ("", "He met Hassan Nasrallah and Vladimir Putin in Moscow.",
         {"person:hassan-nasrallah", "person:vladimir-putin", "place:524901"}, set()),
    ],
)  # fmt: skip
def test_small_texts(book, title, body, present, absent):
    ms = book.extract(title, body)
    ids = {m.entity.id for m in ms}
    assert present <= ids, ids
    assert not {m.entity.type for m in ms} & absent, ms


def test_user_alias_file(tmp_path, book):
    f = tmp_path / "extra.json"
    entities = [
        {"name": "Liwa Fatemiyoun", "type": "group", "aliases": ["Fatemiyoun", "Fatemiyun"]},
        {"id": "group:isis", "name": "Islamic State", "type": "group", "aliases": ["Tanzim"]},
    ]
    f.write_text(json.dumps({"entities": entities}), encoding="utf-8")
    b2 = NameBook.load(alias_files=[f], cache_dir=book_cache_dir(book))
    assert [e.id for e in b2.lookup("Fatemiyoun")] == ["group:liwa-fatemiyoun"]
    assert [e.id for e in b2.lookup("Tanzim")] == ["group:isis"]
    assert [e.id for e in b2.lookup("Daesh")] == ["group:isis"]


def book_cache_dir(book: NameBook) -> Path:
    return book.gaz.cache_path.parent
