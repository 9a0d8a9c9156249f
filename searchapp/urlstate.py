"""Search state <-> URL query string: one canonical form, so a saved URL is a saved query.

``from_args`` validates every parameter (a bad one raises ``BadRequest`` naming it, which the web
turns into a 400 page); ``to_args`` writes the parameters in one fixed order, leaving defaults out.
``from_args(to_args(r)) == r`` for every valid request (property-tested).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from searchapp.errors import BadRequest

SORTS = ("relevance", "newest", "oldest")
#: What facet counts count: matching articles, or the distinct stories they belong to.
COUNTS = ("articles", "stories")
FACETS = ("outlet", "agency", "entity")
MORE = ("outlet", "agency", "entity", "date")
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_PAGE = 10_000
MAX_QUERY = 1000
MAX_VALUES = 50
#: Longest facet value or id a URL may carry.
MAX_VALUE_LENGTH = 300
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    exact: bool = False
    outlet: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    collapse: bool = False
    count: str = "articles"
    more: tuple[str, ...] = ()
    page: int = 1
    limit: int = DEFAULT_LIMIT

    def with_(self, **changes: Any) -> SearchRequest:
        """A copy with ``changes``; any change but paging goes back to page 1."""
        if "page" not in changes:
            changes["page"] = 1
        return replace(self, **changes)

    def toggle(self, facet: str, value: str) -> SearchRequest:
        """The request with ``value`` added to or removed from ``facet``'s selection."""
        current: tuple[str, ...] = getattr(self, facet)
        chosen = tuple(v for v in current if v != value) if value in current else current + (value,)
        return self.with_(**{facet: tuple(sorted(chosen))})

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def check_date(param: str, value: str) -> str:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date, validated.

    >>> check_date("from", "2016-03")
    '2016-03'
    >>> check_date("from", "2016-13-45")
    Traceback (most recent call last):
    ...
    searchapp.errors.BadRequest: from: '2016-13-45' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD
    """
    match = _DATE.fullmatch(value)
    problem = f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"
    if not match:
        raise BadRequest(param, problem)
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise BadRequest(param, problem)
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:  # type: ignore[arg-type]
        raise BadRequest(param, problem)
    if year < 1000:  # type: ignore[operator]
        raise BadRequest(param, problem)
    return value


def date_bounds(value: str, end: bool) -> int:
    """The first (or last) second a partial date covers, as ``YYYYMMDDhhmmss``.

    >>> date_bounds("2016-02", end=True)
    20160229235959
    """
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    if not end:
        month = parts[1] if len(parts) > 1 else 1
        day = parts[2] if len(parts) > 2 else 1
        return int(f"{year:04d}{month:02d}{day:02d}000000")
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return int(f"{year:04d}{month:02d}{day:02d}235959")


def _one(args: Mapping[str, list[str]], name: str) -> str | None:
    values = [v for v in args.get(name, []) if v != ""]
    if len(values) > 1 and len(set(values)) > 1:
        raise BadRequest(name, f"given {len(values)} times with different values; give it once")
    return values[0] if values else None


def _int(args: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    raw = _one(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,7}", raw.strip()):
        raise BadRequest(name, f"{raw!r} is not a whole number from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise BadRequest(name, f"{value} is out of range: use a whole number from {low} to {high}")
    return value


def _flag(args: Mapping[str, list[str]], name: str) -> bool:
    raw = _one(args, name)
    if raw is None or raw in ("0", "false", "off", "no"):
        return False
    if raw in ("1", "true", "on", "yes"):
        return True
    raise BadRequest(name, f"{raw!r} is not a switch: use 1 or 0")


def _has_control(text: str) -> bool:
    """Control characters other than white space (tabs and newlines fold into spaces)."""
    return any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)


def _values(args: Mapping[str, list[str]], name: str) -> tuple[str, ...]:
    values = sorted({v.strip() for v in args.get(name, []) if v.strip()})
    if len(values) > MAX_VALUES:
        raise BadRequest(name, f"at most {MAX_VALUES} values")
    for v in values:
        if len(v) > MAX_VALUE_LENGTH or _has_control(v):
            raise BadRequest(name, "a value is too long or holds control characters")
    return tuple(values)


def arg_lists(args: Mapping[str, Any]) -> dict[str, list[str]]:
    """URL parameters (a MultiDict, or a dict of lists or strings) as lists of strings.

    >>> arg_lists({"q": "isis", "outlet": ["AFP", "Reuters"]})
    {'q': ['isis'], 'outlet': ['AFP', 'Reuters']}
    """
    lists: dict[str, list[str]] = {}
    getlist = getattr(args, "getlist", None)
    for key in args:
        raw = getlist(key) if getlist else args[key]
        lists[key] = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    return lists


def from_args(args: Mapping[str, Any]) -> SearchRequest:
    """Build a request from URL parameters (a MultiDict, or a dict of lists or strings)."""
    lists = arg_lists(args)
    q = (_one(lists, "q") or "").strip()
    if len(q) > MAX_QUERY:
        raise BadRequest("q", f"the query is {len(q)} characters long; at most {MAX_QUERY}")
    if _has_control(q):
        raise BadRequest("q", "the query holds control characters")
    sort = _one(lists, "sort") or "relevance"
    if sort not in SORTS:
        raise BadRequest("sort", f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    date_from = _one(lists, "from")
    date_to = _one(lists, "to")
    if date_from:
        check_date("from", date_from)
    if date_to:
        check_date("to", date_to)
    if date_from and date_to and date_bounds(date_from, False) > date_bounds(date_to, True):
        raise BadRequest("to", f"{date_to} is before from={date_from}")
    count = _one(lists, "count") or "articles"
    if count not in COUNTS:
        raise BadRequest("count", f"unknown count {count!r}: use one of {', '.join(COUNTS)}")
    more = _values(lists, "more")
    for m in more:
        if m not in MORE:
            raise BadRequest("more", f"unknown facet {m!r}: use one of {', '.join(MORE)}")
    return SearchRequest(
        q=" ".join(q.split()),
        exact=_flag(lists, "exact"),
        outlet=_values(lists, "outlet"),
        agency=_values(lists, "agency"),
        entity=_values(lists, "entity"),
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        collapse=_flag(lists, "collapse"),
        count=count,
        more=more,
        page=_int(lists, "page", 1, 1, MAX_PAGE),
        limit=_int(lists, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def to_args(req: SearchRequest) -> list[tuple[str, str]]:
    """The canonical parameter list: fixed order, defaults left out."""
    out: list[tuple[str, str]] = []
    if req.q:
        out.append(("q", req.q))
    if req.exact:
        out.append(("exact", "1"))
    for name in FACETS:
        out.extend((name, v) for v in getattr(req, name))
    if req.date_from:
        out.append(("from", req.date_from))
    if req.date_to:
        out.append(("to", req.date_to))
    if req.sort != "relevance":
        out.append(("sort", req.sort))
    if req.collapse:
        out.append(("collapse", "1"))
    if req.count != "articles":
        out.append(("count", req.count))
    out.extend(("more", m) for m in req.more)
    if req.page != 1:
        out.append(("page", str(req.page)))
    if req.limit != DEFAULT_LIMIT:
        out.append(("limit", str(req.limit)))
    return out


def query_string(req: SearchRequest, extra: Iterable[tuple[str, str]] = ()) -> str:
    """``?``-prefixed canonical query string (``?`` alone for the empty search)."""
    return "?" + urlencode(list(to_args(req)) + list(extra))
