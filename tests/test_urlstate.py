"""URL state: canonical round trips (property-tested) and a clear error for every bad parameter."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchapp.errors import BadRequest
from searchapp.urlstate import COUNTS, MAX_LIMIT, SORTS, SearchRequest, from_args, query_string, to_args

values = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
dates = (
    st.dates()
    .filter(lambda d: d.year >= 1000)
    .flatmap(lambda d: st.sampled_from([f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}", d.isoformat()]))
)


@st.composite
def requests(draw: st.DrawFn) -> SearchRequest:
    date_from = draw(st.none() | dates)
    date_to = draw(st.none() | dates)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    return SearchRequest(
        q=" ".join(draw(st.lists(values, max_size=4))),
        exact=draw(st.booleans()),
        outlet=tuple(sorted(set(draw(st.lists(values, max_size=3))))),
        agency=tuple(sorted(set(draw(st.lists(values, max_size=2))))),
        entity=tuple(sorted(set(draw(st.lists(values, max_size=3))))),
        date_from=date_from,
        date_to=date_to,
        sort=draw(st.sampled_from(SORTS)),
        collapse=draw(st.booleans()),
        count=draw(st.sampled_from(COUNTS)),
        more=tuple(
            sorted(set(draw(st.lists(st.sampled_from(["outlet", "agency", "entity", "date"]), max_size=2))))
        ),
        page=draw(st.integers(1, 10_000)),
        limit=draw(st.integers(1, MAX_LIMIT)),
    )


def _normalise(req: SearchRequest) -> SearchRequest:
    return req.with_(q=" ".join(req.q.split()), page=req.page)


@given(requests())
def test_round_trip_through_the_url(req: SearchRequest) -> None:
    try:
        parsed = from_args(parse_qs(urlsplit(query_string(req)).query, keep_blank_values=True))
    except BadRequest as exc:  # only a from later than to may be refused
        assert exc.param == "to"
        return
    assert parsed == _normalise(req)
    assert to_args(parsed) == to_args(_normalise(req))


def test_canonical_order_and_defaults_left_out() -> None:
    req = from_args(
        {
            "page": "2",
            "entity": ["group:isis", "place:1"],
            "q": "palmyra",
            "outlet": "AFP",
            "sort": "relevance",
        }
    )
    assert query_string(req) == "?q=palmyra&outlet=AFP&entity=group%3Aisis&entity=place%3A1&page=2"
    assert query_string(SearchRequest()) == "?"


def test_toggle_adds_and_removes_and_resets_page() -> None:
    req = SearchRequest(q="x", outlet=("AFP",), page=3)
    added = req.toggle("outlet", "Reuters")
    assert added.outlet == ("AFP", "Reuters") and added.page == 1
    assert added.toggle("outlet", "AFP").outlet == ("Reuters",)


@pytest.mark.parametrize(
    ("args", "param", "words"),
    [
        ({"from": "2016-13-45"}, "from", "not a date"),
        ({"to": "2016-02-30"}, "to", "not a date"),
        ({"from": "yesterday"}, "from", "not a date"),
        ({"from": "2016-05", "to": "2016-04"}, "to", "before"),
        ({"page": "-1"}, "page", "whole number"),
        ({"page": "0"}, "page", "out of range"),
        ({"page": "abc"}, "page", "whole number"),
        ({"limit": "5000"}, "limit", "out of range"),
        ({"sort": "random"}, "sort", "unknown sort"),
        ({"exact": "maybe"}, "exact", "switch"),
        ({"more": "colour"}, "more", "unknown facet"),
        ({"count": "words"}, "count", "unknown count"),
        ({"q": "x" * 2000}, "q", "at most"),
        ({"page": ["1", "2"]}, "page", "different values"),
        ({"outlet": "a\x00b"}, "outlet", "control"),
    ],
)
def test_bad_parameters_are_named(args: dict, param: str, words: str) -> None:
    with pytest.raises(BadRequest) as info:
        from_args(args)
    assert info.value.param == param
    assert words in info.value.message
