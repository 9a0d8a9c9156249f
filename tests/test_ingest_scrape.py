"""Made-up pages in the shapes real scrapes take: the rules must be general, not fitted to the seeds."""

from __future__ import annotations

import pytest

from searchapp.ingest.article import Published
from searchapp.ingest.scrape import parse_scrape


def _fields(text: str) -> dict[str, object]:
    s = parse_scrape(text)
    return {
        "title": s.title,
        "published": s.published,
        "masthead": s.masthead,
        "agency": s.agency,
        "byline": s.byline,
        "dateline": s.dateline,
        "related": s.related,
        "body": s.body,
    }


def test_reuters_dateline_with_agency_in_parentheses() -> None:
    page = (
        "Egypt reopens Rafah crossing\n\n"
        "CAIRO, June 5 (Reuters) - Egypt reopened the Rafah crossing on Monday, officials said.\n\n"
        "The crossing had been shut for a week.\n\n"
        "(Reporting by Ahmed Aboulenein; Editing by Jane Roe)"
    )
    assert _fields(page) == {
        "title": "Egypt reopens Rafah crossing",
        "published": Published(None, 6, 5),
        "masthead": None,
        "agency": "Reuters",
        "byline": "Ahmed Aboulenein",
        "dateline": "Cairo",
        "related": [],
        "body": "Egypt reopened the Rafah crossing on Monday, officials said.\n\n"
        "The crossing had been shut for a week.",
    }


def test_published_line_with_pm_and_zone_and_masthead() -> None:
    page = (
        "The Daily Courier\n\n"
        "Floods cut roads in the north\n\n"
        "PTI\n"
        "Published : Jan 2, 2019, 3:04 pm IST\n"
        "Updated : Jan 3, 2019, 9:00 am IST\n\n"
        "Heavy rain cut several roads in the north on Wednesday.\n\n"
        "Officials said repairs would take a week.\n\n"
        "We use cookies to improve your experience. Accept cookies"
    )
    assert _fields(page) == {
        "title": "Floods cut roads in the north",
        "published": Published(2019, 1, 2, 15, 4, utcoffset_minutes=330),
        "masthead": "The Daily Courier",
        "agency": "PTI",
        "byline": None,
        "dateline": None,
        "related": [],
        "body": "Heavy rain cut several roads in the north on Wednesday.\n\n"
        "Officials said repairs would take a week.",
    }


def test_only_a_scrape_date_header_gives_no_date() -> None:
    page = (
        "Monday, June 10, 2024 | Last Update : 09:12 AM IST\n\n"
        "Talks resume in Geneva\n\n"
        "Delegations met again in Geneva on Tuesday, a spokesman said.\n\n"
        "Location: Switzerland, Geneva"
    )
    fields = _fields(page)
    assert (fields["published"], fields["title"], fields["dateline"]) == (
        None,
        "Talks resume in Geneva",
        "Geneva",
    )
    assert fields["body"] == "Delegations met again in Geneva on Tuesday, a spokesman said."


def test_told_afp_is_a_source_but_a_caption_credit_is_a_credit() -> None:
    told = "Army advances\n\nA military source told AFP the town was next.\n\nThe army denied it."
    assert parse_scrape(told).agency is None
    captioned = "Army advances\n\nSoldiers on patrol near the town. -AFP\n\nThe army advanced on Monday."
    assert parse_scrape(captioned).agency == "AFP"
    reported = "Army advances\n\nThe army advanced on Monday, the sources said; IRNA reported."
    assert parse_scrape(reported).agency == "IRNA"
    mid_story = "Army advances\n\nThe army advanced, SANA reported.\n\nMore fighting followed on Tuesday."
    assert parse_scrape(mid_story).agency is None


def test_related_list_and_widgets_are_not_body() -> None:
    page = (
        "Ceasefire holds in Aleppo\n\n"
        "By Sam Doe and Kim Roe\n\n"
        "ALEPPO - The ceasefire held for a second day.\n\n"
        "Read more: Aid convoy reaches Aleppo\n\n"
        "Share this article\nFacebook | Twitter | WhatsApp\n\n"
        "Related Articles\n\nUN calls for talks\nRussia sends envoy\n\n"
        "12 Comments\n\nLeave a comment"
    )
    assert _fields(page) == {
        "title": "Ceasefire holds in Aleppo",
        "published": None,
        "masthead": None,
        "agency": None,
        "byline": "Sam Doe and Kim Roe",
        "dateline": "Aleppo",
        "related": ["Aid convoy reaches Aleppo", "UN calls for talks", "Russia sends envoy"],
        "body": "The ceasefire held for a second day.",
    }


def test_bare_date_line_and_signoff() -> None:
    page = (
        "Minister visits Damascus\n\nWed Jul 6, 2016 10:05:01\n\nThe minister arrived on Wednesday.\n\nAH/MA"
    )
    fields = _fields(page)
    assert fields["published"] == Published(2016, 7, 6, 10, 5, 1)
    assert fields["body"] == "The minister arrived on Wednesday."


def test_dateline_with_year_gives_a_full_date() -> None:
    s = parse_scrape("Vote count begins\n\nBAGHDAD, May 13, 2018 (AP) — Iraqis voted on Saturday.")
    assert (s.published, s.agency, s.dateline, s.body) == (
        Published(2018, 5, 13),
        "AP",
        "Baghdad",
        "Iraqis voted on Saturday.",
    )


@pytest.mark.parametrize(
    "opening",
    [
        "Note: this story has been updated.",
        "Update: the army denied the report.",
        "Syrian forces - backed by jets - won.",
    ],
)
def test_labels_and_dashes_are_not_datelines(opening: str) -> None:
    s = parse_scrape(f"Some headline here\n\n{opening}")
    assert (s.dateline, s.body) == (None, opening)


def test_record_mode_keeps_given_title_and_drops_its_repeat() -> None:
    s = parse_scrape("Army takes town\n\nThe army took the town.", title="Army takes town")
    assert (s.title, s.body) == ("Army takes town", "The army took the town.")


def test_line_wrapped_paragraphs_are_joined_and_mended() -> None:
    s = parse_scrape("Headline\n\nThe armed forc-\nes would push on,\nofficials said.")
    assert s.body == "The armed forces would push on, officials said."


def test_no_headline_leaves_title_empty_and_body_whole() -> None:
    s = parse_scrape("The army took the town on Monday after a week of fighting, officials said.")
    assert (s.title, s.body) == (
        "",
        "The army took the town on Monday after a week of fighting, officials said.",
    )
