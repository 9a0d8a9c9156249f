"""Publication dates: parsing with the precision the text actually gave, and spotting date lines.

A scrape says "Tue Mar 29, 2016 16:35:37", "Published : Mar 30, 2016, 7:16 am IST" or only
"April 3"; a record says "2016-03-29T16:35:37Z", 1459262137 or "March 2016". None of them may be
filled in with today's date or a made-up day, so precision is detected, never defaulted.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

from dateutil import parser as dateutil_parser

from searchapp.ingest.article import Published

#: Zone abbreviations seen on news sites, in minutes east of UTC. Ambiguous ones (AST, BST vs
#: Bangladesh, CST vs China) take their most common meaning on English-language news pages.
TIMEZONES: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "WEST": 60, "CET": 60, "CEST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "TRT": 180, "AST": 180, "IRST": 210, "IRDT": 270,
    "GST": 240, "AFT": 270, "PKT": 300, "IST": 330, "NPT": 345, "WIB": 420, "ICT": 420,
    "HKT": 480, "SGT": 480, "PHT": 480, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420,
}  # fmt: skip
_TZINFOS = {name: minutes * 60 for name, minutes in TIMEZONES.items()}

# Two defaults that differ in every field: a field the text gave comes out the same under both.
_DEFAULT_A = dt.datetime(1904, 1, 1, 0, 0, 0)
_DEFAULT_B = dt.datetime(1908, 2, 2, 1, 1, 1)
_MIN_YEAR, _MAX_YEAR = 1800, 2200

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_MONTH_NUMBERS = {
    name: i for i, name in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)
}
_EPOCH_RE = re.compile(r"-?\d{9,13}(?:\.\d+)?")
#: The ISO 8601 shapes records mostly use; read without dateutil (see :func:`_iso_date`).
_ISO_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?(?:(Z)|([+-])(\d\d):(\d\d))?)?")


def parse_date(text: str) -> Published | None:
    """A free-text or ISO date with only the parts it states; None when it is not a date.

    >>> parse_date("Tue Mar 29, 2016 16:35:37").isoformat()
    '2016-03-29T16:35:37'
    >>> parse_date("Mar 30, 2016, 7:16 am IST").isoformat()
    '2016-03-30T07:16+05:30'
    >>> parse_date("2016-03-29T16:35:37Z").isoformat()
    '2016-03-29T16:35:37+00:00'
    >>> parse_date("March 2016").precision, parse_date("April 3").isoformat(), parse_date("2016").precision
    ('year-month', '--04-03', 'year')
    >>> parse_date("1459262137").isoformat(), parse_date("sometime soon") is None
    ('2016-03-29T14:35:37+00:00', True)
    """
    text = text.strip().replace("|", " ")
    if not text or len(text) > 100:
        return None
    if _EPOCH_RE.fullmatch(text):
        return from_epoch(float(text))
    if (iso := _ISO_RE.fullmatch(text)) and (found := _iso_date(iso)) is not None:
        return found
    return _dateutil_date(text)


def _dateutil_date(text: str) -> Published | None:
    """:func:`parse_date` by dateutil: any shape, with what the text left out detected."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS)
            b = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, TypeError, dateutil_parser.ParserError):
        return None

    def given(field: str) -> int | None:
        value = getattr(a, field)
        return value if value == getattr(b, field) else None

    year, month, day, hour = given("year"), given("month"), given("day"), given("hour")
    if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    if month is None or (year is None and day is None):
        return Published(year) if year is not None and month is None and day is None else None
    offset = None
    if hour is not None and a.tzinfo is not None and a.utcoffset() is not None:
        offset = int(a.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    minute = given("minute") if hour is not None else None
    second = given("second") if minute is not None else None
    try:
        return Published(year, month, day, hour, minute, second, offset)
    except ValueError:
        return None


def _iso_date(m: re.Match[str]) -> Published | None:
    """What dateutil reads from a plain ISO date or date-time, without its cost (a third of a record's
    parse time); None when the values are out of range, so dateutil has the last word on odd input.

    >>> _iso_date(_ISO_RE.fullmatch("2016-03-29T16:35+05:30"))
    Published(year=2016, month=3, day=29, hour=16, minute=35, second=None, utcoffset_minutes=330, \
inferred=False)
    """
    year, month, day, hour, minute, second, zulu, sign, tzh, tzm = m.groups()
    if not (_MIN_YEAR <= int(year) <= _MAX_YEAR and 1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    offset = None
    if hour is not None:
        if int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59):
            return None
        if zulu:
            offset = 0
        elif sign:
            if int(tzh) > 23 or int(tzm) > 59:
                return None
            offset = (int(tzh) * 60 + int(tzm)) * (-1 if sign == "-" else 1)
    try:
        return Published(
            int(year),
            int(month),
            int(day),
            None if hour is None else int(hour),
            None if minute is None else int(minute),
            None if second is None else int(second),
            offset,
        )
    except ValueError:
        return None


def from_epoch(seconds: float) -> Published | None:
    """Unix time (seconds, or milliseconds when that large) as a UTC datetime.

    >>> from_epoch(1459698000000).isoformat()
    '2016-04-03T15:40:00+00:00'
    """
    if abs(seconds) > 1e11:
        seconds /= 1000
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not _MIN_YEAR <= moment.year <= _MAX_YEAR:
        return None
    return Published(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, 0)


def month_day(month: str, day: str, year: str | None = None) -> Published | None:
    """A dateline's "April 3" (year unknown unless given).

    >>> month_day("April", "3"), month_day("Sept.", "31")
    (Published(year=None, month=4, day=3, hour=None, minute=None, second=None, utcoffset_minutes=None, \
inferred=False), None)
    """
    number = _MONTH_NUMBERS.get(month[:3].lower())
    if number is None:
        return None
    try:
        return Published(int(year) if year else None, number, int(day))
    except ValueError:
        return None


# --- date lines in scrapes -------------------------------------------------------------------------

# A page header stamped when the page was fetched: never the article's date.
_SCRAPE_HEADER_RE = re.compile(
    r"(?:^|\|)\s*(?:last\s+updated?|updated(?:\s+on|\s+at)?|accessed(?:\s+on)?|retrieved(?:\s+on)?"
    r"|(?:scraped|crawled|fetched|downloaded)(?:\s+on|\s+at)?)\b\s*[:\-–]?",
    re.IGNORECASE,
)
_PUBLISHED_LABEL_RE = re.compile(
    r"^(?:first\s+)?(?:published|posted|publish(?:ed)?\s+date|date(?:d)?|release\s+date)"
    r"(?:\s+(?:on|at))?\s*[:\-–]?\s*(?P<date>[^|]+)",
    re.IGNORECASE,
)
# Cheap gate before dateutil: a bare date line names a month or is numeric, and has a year.
_DATEISH_RE = re.compile(
    rf"\b{MONTH}(?!\w)|\d{{4}}-\d\d-\d\d|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}", re.IGNORECASE
)
_YEAR_RE = re.compile(r"\b(?:1[89]|2[01])\d\d\b")
_MAX_DATE_LINE = 80


def is_scrape_header(line: str) -> bool:
    """A "Last Update"/"Updated"/"Accessed" stamp: metadata of the page, not of the article.

    >>> is_scrape_header("Saturday, May 04, 2024 | Last Update : 07:38 PM IST")
    True
    >>> is_scrape_header("Updated : Mar 30, 2016, 7:16 am IST")
    True
    >>> is_scrape_header("He updated the list in 2015.")
    False
    """
    return (
        len(line) <= _MAX_DATE_LINE
        and bool(_SCRAPE_HEADER_RE.search(line))
        and any(c.isdigit() for c in line)
    )


def date_line(line: str) -> tuple[Published | None, bool] | None:
    """If the whole line is a publication date, return ``(date, labelled)``; else None.

    >>> date_line("Published : Jan 2, 2019, 3:04 pm IST")[0].isoformat()
    '2019-01-02T15:04+05:30'
    >>> date_line("Sun Apr 3, 2016 15:58:38")
    (Published(year=2016, month=4, day=3, hour=15, minute=58, second=38, utcoffset_minutes=None, \
inferred=False), False)
    >>> date_line("ISIS seized Al-Qaryatain in August 2015.") is None
    True
    """
    if len(line) > _MAX_DATE_LINE or not _DATEISH_RE.search(line):
        return None
    match = _PUBLISHED_LABEL_RE.match(line)
    if match:
        published = parse_date(match["date"])
        return (published, True) if published else None
    if not _YEAR_RE.search(line):
        return None
    published = parse_date(line)
    return (published, False) if published and published.year is not None else None
