"""Dates keep the precision the text gave; scrape stamps and prose years are not publication dates."""

from __future__ import annotations

import pytest

from searchapp.ingest.article import Published
from searchapp.ingest.dates import date_line, is_scrape_header, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue Mar 29, 2016 16:35:37", Published(2016, 3, 29, 16, 35, 37)),
        ("Mar 30, 2016, 7:16 am IST", Published(2016, 3, 30, 7, 16, utcoffset_minutes=330)),
        ("2016-03-29T16:35:37Z", Published(2016, 3, 29, 16, 35, 37, 0)),
        ("2016-03-29T16:35:37+03:00", Published(2016, 3, 29, 16, 35, 37, 180)),
        ("2016-03-29", Published(2016, 3, 29)),
        ("March 2016", Published(2016, 3)),
        ("2016-03", Published(2016, 3)),
        ("2016", Published(2016)),
        ("April 3", Published(None, 4, 3)),
        ("29 February 2016", Published(2016, 2, 29)),
        ("1459262137", Published(2016, 3, 29, 14, 35, 37, 0)),
        ("not a date at all", None),
        ("Tuesday", None),
        ("", None),
        ("February 30, 2016", None),
    ],
)
def test_parse_date_precision(text: str, expected: Published | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published : Jan 2, 2019, 3:04 pm IST", (Published(2019, 1, 2, 15, 4, utcoffset_minutes=330), True)),
        ("Posted on March 5, 2017", (Published(2017, 3, 5), True)),
        ("Sun Apr 3, 2016 15:58:38", (Published(2016, 4, 3, 15, 58, 38), False)),
        ("ISIS seized Al-Qaryatain in August 2015.", None),
        ("April 3", None),  # a bare month-day line is too weak to be a date line
    ],
)
def test_date_lines(line: str, expected: tuple[Published, bool] | None) -> None:
    assert date_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Saturday, May 04, 2024 | Last Update : 07:38 PM IST", True),
        ("Accessed on 4 May 2024", True),
        ("Updated: March 30, 2016 08:00", True),
        ("The page was last updated by the ministry.", False),
        ("Published : Mar 30, 2016, 7:16 am IST", False),
    ],
)
def test_scrape_headers(line: str, expected: bool) -> None:
    assert is_scrape_header(line) is expected
