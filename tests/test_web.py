"""The web app over a real index of the sample articles: pages, JSON twins, facets, errors."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchapp.urlstate import from_args


def api(client, qs: str = "") -> dict:  # type: ignore[no-untyped-def]
    response = client.get("/api/search" + qs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def facet(data: dict, name: str) -> dict[str, dict]:
    return {f["value"]: f for f in data["facets"][name]}


def test_search_page_lists_every_sample(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>5</strong> articles" in html
    assert "Syrian Forces Seize Daesh-Held Town Near Palmyra" in html
    assert "Query syntax" in html


def test_json_twin_has_the_documented_shape(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client, "?q=Qaryatayn")
    assert data["query"] == "Qaryatayn" and data["total"] == 5
    r = data["results"][0]
    assert set(r) >= {
        "id",
        "title",
        "outlet",
        "agency",
        "published",
        "precision",
        "source",
        "snippet",
        "entities",
        "matched",
    }
    assert all(set(e) == {"id", "name", "type"} for e in r["entities"])
    for name in ("outlet", "entity", "date", "agency"):
        for f in data["facets"][name]:
            assert set(f) >= {"value", "label", "count", "selected", "toggle_url"}
    assert all("type" in f for f in data["facets"]["entity"])


def test_outlet_and_agency_counts_are_exact(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client)
    outlets = {v: f["count"] for v, f in facet(data, "outlet").items()}
    agencies = {v: f["count"] for v, f in facet(data, "agency").items()}
    assert outlets == {"FNA": 1, "AFP": 1, "Free Press Journal": 1, "Reuters": 1}
    assert agencies == {"FNA": 1, "AFP": 1, "Reuters": 1}


def test_multi_select_or_within_a_facet_and_counts_exclude_own_selection(client) -> None:  # type: ignore[no-untyped-def]
    one = api(client, "?outlet=AFP")
    assert one["total"] == 1
    # The outlet facet still counts every outlet (its own selection is left out)...
    assert {v: f["count"] for v, f in facet(one, "outlet").items()}["Reuters"] == 1
    assert facet(one, "outlet")["AFP"]["selected"] is True
    # ...while other facets count within the selection.
    assert {v: f["count"] for v, f in facet(one, "agency").items()} == {"AFP": 1}
    two = api(client, "?outlet=AFP&outlet=Reuters")
    assert two["total"] == 2
    assert {f["value"] for f in two["facets"]["outlet"] if f["selected"]} == {"AFP", "Reuters"}
    # Different facets combine with AND.
    both = api(client, "?outlet=AFP&outlet=Reuters&agency=Reuters")
    assert both["total"] == 1


def test_toggle_urls_round_trip(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client, "?q=palmyra")
    afp = facet(data, "outlet")["AFP"]
    req = from_args(parse_qs(urlsplit(afp["toggle_url"]).query))
    assert req.outlet == ("AFP",) and req.q == "palmyra"
    again = api(client, afp["toggle_url"])
    off = facet(again, "outlet")["AFP"]["toggle_url"]
    assert from_args(parse_qs(urlsplit(off).query)).outlet == ()


def test_entity_facet_groups_by_type(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client)
    entities = facet(data, "entity")
    kinds = {f["type"] for f in entities.values()}
    assert kinds <= {"place", "person", "org", "group"}
    isis = [f for f in entities.values() if f["type"] == "group" and f["count"] == 5]
    assert isis, entities
    narrowed = api(client, isis[0]["toggle_url"])
    assert narrowed["total"] == 5


def test_date_histogram_and_range(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client)
    days = {f["value"]: f["count"] for f in data["facets"]["date"]}
    assert days == {"2016-03-29": 1, "2016-03-30": 1, "2016-04-03": 1}
    assert data["date_granularity"] == "day"
    assert data["undated"] == 2
    march = api(client, "?from=2016-03&to=2016-03")
    assert march["total"] == 2
    drilled = api(client, data["facets"]["date"][0]["toggle_url"])
    assert drilled["total"] == 1


def test_sort_by_date_puts_undated_last(client) -> None:  # type: ignore[no-untyped-def]
    newest = [r["published"] for r in api(client, "?sort=newest")["results"]]
    assert newest[0].startswith("2016-04-03") and newest[-1] in (None, "--04-03")
    oldest = [r["published"] for r in api(client, "?sort=oldest")["results"]]
    assert oldest[0].startswith("2016-03-29")


def test_pagination(client) -> None:  # type: ignore[no-untyped-def]
    first = api(client, "?limit=2&sort=oldest")
    second = api(client, "?limit=2&sort=oldest&page=2")
    third = api(client, "?limit=2&sort=oldest&page=3")
    ids = [r["id"] for p in (first, second, third) for r in p["results"]]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert api(client, "?page=9")["results"] == []


def test_snippet_highlights_the_spelling_the_outlet_used(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/search?q=Qaryatayn").get_data(as_text=True)
    assert "<mark>Quaryatayn</mark>" in html
    assert "<mark>Al-Qaryatain</mark>" in html or "<mark>al-Qaryatain</mark>" in html


def test_unparseable_query_gets_results_and_a_note(client) -> None:  # type: ignore[no-untyped-def]
    data = api(client, '?q=palmyra "army OR')
    assert data["total"] > 0
    assert any("quote" in n for n in data["notes"])
    page = client.get("/search?q=(palmyra OR")
    assert page.status_code == 200 and "Note:" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "qs",
    ["?from=2016-13-45", "?page=-1", "?sort=sideways", "?limit=0", "?to=2016-02-31", "?exact=2", "?page=x"],
)
def test_bad_parameters_get_a_400_page_saying_what_is_wrong(client, qs: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/search" + qs)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    param = qs[1:].split("=")[0]
    assert f"{param}:" in text and "Traceback" not in text
    assert client.get("/api/search" + qs).get_json()["status"] == 400


def test_article_page_and_json(client) -> None:  # type: ignore[no-untyped-def]
    hit = api(client, "?q=Sanadiki")["results"][0]
    page = client.get(f"/article/{hit['id']}?back=%3Fq%3DSanadiki")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lisa Barrington" in html and "Reuters" in html and "Beirut" in html
    assert 'href="/search?q=Sanadiki"' in html
    data = client.get(f"/api/article/{hit['id']}").get_json()
    assert data["byline"] == "Lisa Barrington" and data["body"].startswith("Syrian")


def test_article_shows_related_headlines(client) -> None:  # type: ignore[no-untyped-def]
    hit = api(client, "?q=Khanizir")["results"][0]
    html = client.get(f"/article/{hit['id']}").get_data(as_text=True)
    assert "Related headlines" in html and "Deir Ezzor" in html


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "nope", "..%2F..%2Fetc%2Fpasswd", "%00", "000%0A", "%2F0", "/0"]
)
def test_unknown_or_hostile_article_ids_get_404(client, bad: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/article/{bad}").status_code == 404
    assert client.get(f"/api/article/{bad}").status_code == 404


def test_feed_is_atom_of_the_newest_matches(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/feed?q=palmyra")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 4
    updated = [e.find("a:updated", ns).text for e in entries]  # type: ignore[union-attr]
    assert updated[0].startswith("2016-03-30")
    rfc3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
    top = root.find("a:updated", ns).text  # type: ignore[union-attr]
    assert top == updated[0] and all(rfc3339.fullmatch(u or "") for u in [top, *updated])


def test_opensearch_description(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert b"{searchTerms}" in response.data
    assert b'rel="search"' in client.get("/").data


def test_csv_export_streams_every_match(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/export.csv?q=palmyra")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 4
    assert {r["outlet"] for r in rows} >= {"AFP", "Reuters", "Free Press Journal"}


def test_every_response_carries_a_strict_csp(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/api/search", "/search?page=0", "/article/nope"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert "unsafe-inline" not in csp


def test_no_page_loads_anything_from_elsewhere(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/search?q=palmyra").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_index_missing_is_a_clear_503(tmp_path: Path) -> None:
    from searchapp.web import create_app

    client = create_app({"INDEX": str(tmp_path / "none"), "TESTING": True}).test_client()
    page = client.get("/")
    assert page.status_code == 503
    assert "searchapp reindex" in page.get_data(as_text=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=60)
    | st.lists(
        st.sampled_from(
            ['"', "OR", "-", "=", "title:", "entity:", "outlet:", "(", ")", "Daesh", "al-", "قريتين", "*"]
        ),
        max_size=8,
    ).map(" ".join),
    sort=st.sampled_from(["relevance", "newest", "oldest"]),
)
def test_no_query_ever_gets_a_500(client, q: str, sort: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/search", query_string={"q": q, "sort": sort})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    page = client.get("/search", query_string={"q": q})
    assert page.status_code in (200, 400)
    assert "Traceback" not in page.get_data(as_text=True)
