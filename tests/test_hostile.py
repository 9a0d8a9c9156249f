"""Hostile input: no URL parameter gets a 500 or a traceback, and hostile article text stays text on
every surface (results, facets, highlights, article, JSON, Atom feed, CSV), under a strict CSP.

The index is built by the real indexer from articles whose every shown field holds markup, HTML
entities, spreadsheet formulas or control characters (tests/hostile.py)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from searchapp.urlstate import MORE, SORTS
from searchapp.web import EXPORT_COLUMNS, create_app, xml_chars
from tests.hostile import ALIASES, HOSTILE, Page, build, records

ATOM = {"a": "http://www.w3.org/2005/Atom"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|")
HOSTILE_ENTITY = ALIASES["entities"][0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def happ(hostile: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    index, aliases = hostile
    app = create_app({"INDEX": str(index), "ALIASES": str(aliases), "TESTING": True})
    yield app
    holder = app.extensions.get("searchapp.holder")
    if holder is not None:
        holder.close()


@pytest.fixture(scope="module")
def stored(happ) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Each article as ingestion stored it: what every surface must show, as text."""
    client = happ.test_client()
    out = {}
    for record in records():
        response = client.get(f"/api/article/{record['id']}")
        assert response.status_code == 200
        out[record["id"]] = response.get_json()
    assert out["h-script"]["title"] == "<script>alert(1)</script> Zorbagroup report"
    return out


def html_page(client, url: str) -> Page:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = Page(response.get_data(as_text=True))
    assert page.problems() == [], url
    return page


@pytest.mark.parametrize(
    "qs",
    [
        {"q": "Zorbagroup", "limit": "100"},
        {"q": "script OR onerror OR svg OR HYPERLINK OR bold OR summary OR cmd", "limit": "100"},
        {"sort": "newest", "limit": "100"},
        {"q": "Zorbagroup", "entity": HOSTILE_ENTITY["id"], "limit": "100"},
        {"q": "Quxcorp"},
    ],
)
def test_results_page_shows_hostile_text_as_text(happ, stored, qs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    page = html_page(client, "/search?" + urlencode(qs))
    shown = client.get("/api/search?" + urlencode(qs)).get_json()["results"]
    assert shown
    for result in shown:
        article = stored[result["id"]]
        # Titles (with their highlights), outlets, agencies and snippets are in the text, unmangled.
        for value in (article["title"], article["outlet"], result["snippet"].strip(" …")):
            assert value in page.text, value
    for facet in ("outlet", "agency", "entity"):
        for entry in client.get("/api/search?" + urlencode(qs)).get_json()["facets"][facet]:
            assert entry["label"] in page.text
    if qs.get("q") == "Zorbagroup":
        assert HOSTILE_ENTITY["name"] in page.text  # the entity's facet label and chips
        assert all(x.replace("\r", "") in page.text for x in HOSTILE.values() if x.isprintable())


def test_article_pages_show_hostile_text_as_text(happ, stored) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    for article_id, article in stored.items():
        page = html_page(client, f"/article/{article_id}?back=" + quote("?q=<script>alert(1)</script>"))
        for field in ("title", "outlet", "agency", "byline", "dateline", "url"):
            if article.get(field):
                assert article[field] in page.text, field
        for paragraph in article["body"].split("\n\n"):
            assert paragraph in page.text
        names = [e["name"] for e in article["entities"] if e["type"] != "other"]
        assert all(name in page.text for name in names)


def test_json_carries_text_and_says_it_is_json(happ, stored) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    response = client.get("/api/search?q=Zorbagroup&limit=100")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    results = response.get_json()["results"]
    assert len(results) == len(HOSTILE)
    for r in results:
        assert r["title"] == stored[r["id"]]["title"]
        assert "<mark>" not in r["snippet"]  # the JSON snippet is plain text, never HTML
        x = HOSTILE[r["id"].removeprefix("h-")]
        if x.isprintable():
            assert x in r["snippet"]


def test_feed_is_well_formed_atom_holding_text(happ, stored) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    for qs in ("?q=Zorbagroup", "?q=" + quote("script \ufffe"), "?outlet=" + quote(HOSTILE["xml"])):
        response = client.get("/feed" + qs)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)  # a real XML parser: one stray character and this fails
        entries = root.findall("a:entry", ATOM)
        assert entries
        for entry in entries:
            article = stored[entry.findtext("a:id", namespaces=ATOM).rsplit(":", 1)[1]]  # type: ignore[union-attr]
            for tag, expected in (("a:title", article["title"]), ("a:author/a:name", article["outlet"])):
                element = entry.find(tag, ATOM)
                assert element is not None and list(element) == []  # text, no child elements
                assert element.text == xml_chars(expected)
            summary = entry.find("a:summary", ATOM)
            assert summary is not None and summary.get("type") == "text" and list(summary) == []


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def test_csv_guards_every_cell_against_formulas(happ, stored) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv").get_data(as_text=True))))
    assert len(rows) == len(stored)
    guarded = 0
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_START), cell
            guarded += cell != unguard(cell)
        article = stored[row["id"]]
        for column in EXPORT_COLUMNS:
            assert unguard(row[column]) == (article.get(column) or ""), column
    assert guarded == 4 * 4 + 1  # 4 formula articles x (title, outlet, agency, dateline), 1 entity
    formula = next(r for r in rows if r["id"] == "h-formula-entity")
    assert formula["entities"] == "'" + ALIASES["entities"][1]["name"]


ROUTES = [
    ("GET", "/"),
    ("GET", "/search?q=Zorbagroup"),
    ("GET", "/api/search"),
    ("GET", "/article/h-script"),
    ("GET", "/api/article/h-script"),
    ("GET", "/feed"),
    ("GET", "/export.csv"),
    ("GET", "/opensearch.xml"),
    ("GET", "/favicon.ico"),
    ("GET", "/static/app.js"),
    ("GET", "/static/style.css"),
    ("GET", "/no/such/page"),
    ("GET", "/search?page=0"),
    ("GET", "/article/..%2F..%2Fetc%2Fpasswd"),
    ("POST", "/search"),
]


def policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_response_forbids_inline_script_and_other_origins(happ, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    with happ.test_client().open(path, method=method) as response:  # closes a static file
        assert response.status_code < 500
        csp = policy(response.headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"]  # so object-src, frame-src, font-src... are 'none' too
        assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
        assert csp["base-uri"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        for directive, sources in csp.items():
            allowed = {"'self'", "'none'"} | ({"data:"} if directive == "img-src" else set())
            assert set(sources) <= allowed, (directive, sources)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- property tests over every URL parameter --------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
_KNOWN = st.sampled_from(
    [x for x in HOSTILE.values() if x.isprintable()]
    + [HOSTILE_ENTITY["id"], "Plain Outlet", "group:isis", " ", ""]
)
_WILD = _TEXT | st.sampled_from(
    [HOSTILE["controls"], "-1", "0", "9" * 30, "1e3", "0x10", "١", "2016-13-45", "x" * 1001]
)
_QUERY = st.lists(
    st.sampled_from(['"', "OR", "AND", "-", "=", "title:", "entity:", "outlet:", "(", ")", "*", "~", "^"])
    | st.sampled_from(["Zorbagroup", "script", "قريتين", "Qaryatayn", *HOSTILE.values()]),
    max_size=8,
).map(" ".join)
_DATE = st.tuples(st.dates(min_value=date(1000, 1, 1)), st.sampled_from([4, 7, 10])).map(
    lambda d: d[0].isoformat()[: d[1]]  # YYYY, YYYY-MM or YYYY-MM-DD
)


def _param(valid: st.SearchStrategy[str], most: int = 3) -> st.SearchStrategy[list[str]]:
    """Values of one parameter: mostly ones it accepts (so searches run), sometimes anything at all."""
    value = st.sampled_from([True] * 7 + [False]).flatmap(lambda ok: valid if ok else _WILD)
    return st.lists(value, min_size=1, max_size=most)


PARAMS = {
    "q": _param(_QUERY | _PLAIN, most=1),
    "exact": _param(st.sampled_from(["0", "1", "true", "yes", "off", ""]), most=1),
    "outlet": _param(_KNOWN | _PLAIN),
    "agency": _param(_KNOWN | _PLAIN),
    "entity": _param(_KNOWN | _PLAIN),
    "from": _param(_DATE, most=1),
    "to": _param(_DATE, most=1),
    "sort": _param(st.sampled_from(SORTS), most=1),
    "collapse": _param(st.sampled_from(["0", "1"]), most=1),
    "more": _param(st.sampled_from(MORE)),
    "page": _param(st.integers(1, 30).map(str), most=1),
    "limit": _param(st.integers(1, 200).map(str), most=1),
    "back": _param(st.sampled_from(["?q=palmyra&outlet=AFP", "//evil.example/", "javascript:alert(1)"]), 1),
}
_ARTICLE_IDS = st.sampled_from(
    [
        "h-script",
        "h-attr",
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "h-script/../h-attr",
        "h-script%0A",
    ]
) | _TEXT.filter(bool).map(lambda s: quote(s, safe=""))


def _query_string(params: dict[str, list[str]], junk: list[tuple[str, bytes]]) -> str:
    pairs = [urlencode([(name, value)]) for name, values in params.items() for value in values]
    pairs += [quote(name, safe="") + "=" + quote_from_bytes(raw, safe="") for name, raw in junk]
    return "&".join(pairs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.fixed_dictionaries({}, optional=PARAMS),
    junk=st.lists(
        st.tuples(st.sampled_from(["zz", "utm_source", "q", "outlet"]), st.binary(max_size=12)), max_size=2
    ),
    article_id=_ARTICLE_IDS,
)
def test_no_url_parameter_ever_gets_a_500(happ, stored, params, junk, article_id: str) -> None:  # type: ignore[no-untyped-def]
    client = happ.test_client()
    qs = "?" + _query_string(params, junk)
    for path in (
        "/",
        "/search",
        "/api/search",
        "/feed",
        "/export.csv",
        f"/article/{article_id}",
        f"/api/article/{article_id}",
    ):
        response = client.get(path + qs)
        body = response.get_data(as_text=True)
        event(f"{path.split('/')[1] or '/'} {response.status_code}")
        assert response.status_code in (200, 400, 404), (path + qs, body[:500])
        assert "Traceback" not in body and "Internal error" not in body
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        if response.status_code == 400:
            message = client.get("/api/search" + qs).get_json()["message"] if "article" not in path else body
            assert any(f"{name}:" in message for name in PARAMS), message
            continue
        if response.status_code == 404:
            assert "article" in path and article_id not in stored
            continue
        if path == "/feed":
            ET.fromstring(response.data)
        elif path == "/export.csv":
            assert list(csv.reader(io.StringIO(body)))[0][0] == "id"
        elif path.startswith("/api/"):
            assert isinstance(response.get_json(), dict)
        else:
            assert Page(body).problems() == [], path + qs
