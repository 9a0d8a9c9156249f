"""The raw text scrape: a page saved as text, with its headline, metadata lines and page junk.

A scrape is read as blocks (blank-line separated) of lines. Whole lines that are metadata (date,
credit, byline, location, sign-off, scrape stamp) or page furniture (share buttons, comment
widgets, related-article lists) are taken out first; the first remaining line is the headline
(after an optional masthead), the rest is the body. Every rule is about a shape, not a site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from searchapp.ingest import credits, dates
from searchapp.ingest.article import Published
from searchapp.ingest.text import (
    dedupe_paragraphs,
    join_lines,
    mend_hyphens,
    normalize,
    same_text,
    split_blocks,
)


@dataclass
class Scrape:
    """What a page's text says about itself; the caller adds id, source and record values."""

    title: str
    body: str
    published: Published | None = None
    masthead: str | None = None
    agency: str | None = None
    byline: str | None = None
    dateline: str | None = None
    related: list[str] = field(default_factory=list)


# --- page junk ----------------------------------------------------------------------------------

#: Lines that are widgets, not writing (compared casefolded, without trailing punctuation).
JUNK_LINES = frozenset(
    """social streams|facebook comments|post a comment|comments|comment|leave a comment|leave a reply
    |add comment|add a comment|show comments|hide comments|view comments|load comments|share|share this
    |share this article|share this story|share article|share on facebook|share on twitter|share via email
    |tweet|print|print this article|email|e-mail|email this article|advertisement|advertisements|sponsored
    |sponsored content|subscribe|subscribe now|subscribe to our newsletter|sign up for our newsletter
    |follow us|follow us on twitter|follow us on facebook|click here to subscribe|back to top
    |scroll to continue|scroll to continue with content|continue reading|skip to content
    |skip to main content|copy link|link copied|font size|text size|whatsapp|facebook|twitter|linkedin
    |telegram|reddit|pinterest|tags|topics|listen to this article|report an error|write to us""".replace(
        "\n", ""
    ).split("|")
)
_JUNK_PATTERNS_RE = re.compile(
    r"^(?:\d+\s+comments?|(?:share|follow us)\s+(?:on|via)\s+.{1,40}"
    r"|(?:facebook|twitter|whatsapp|linkedin|email|print|telegram|reddit|x)(?:\s*[|·•,/]\s*"
    r"(?:facebook|twitter|whatsapp|linkedin|email|print|telegram|reddit|x))+)$",
    re.IGNORECASE,
)
_COOKIE_RE = re.compile(
    r"\b(?:we use cookies|uses cookies|use of cookies|cookie (?:policy|settings|preferences|notice)"
    r"|accept (?:all )?cookies)\b",
    re.IGNORECASE,
)
_MAX_COOKIE_NOTICE = 600

#: Headings that start a list of other articles' headlines.
RELATED_HEADINGS = frozenset(
    """related|related articles|related news|related stories|related posts|related content|read more
    |read also|also read|more from|more stories|more news|you may also like|you might also like
    |recommended|recommended for you|see also|most read|most popular|trending|latest news
    |more on this story|top stories|also on""".replace("\n", "").split("|")
)
_INLINE_RELATED_RE = re.compile(
    r"^(?:read more|also read|read also|related|see also|also see)\s*[:\-–|»]\s*(?P<title>\S.{3,})$",
    re.IGNORECASE,
)
# PHP var_dump of a related-articles JSON string: string(1124) "[{...}]".
_VAR_DUMP_RE = re.compile(r"string\(\d+\)\s*\"(?P<json>[\[{].*?[\]}])\"(?=[ \t]*(?:\n|$))", re.DOTALL)
_BARE_JSON_LIST_RE = re.compile(r"^\[\s*\{.*\}\s*\]$", re.DOTALL)
_JSON_TITLE_RE = re.compile(r'"(?:title|headline)"\s*:\s*"(?P<t>(?:[^"\\]|\\.)*)"')

# Editor sign-offs: "S/SH 11", "AH/MA", "(Reporting by X; Editing by Y)".
_SIGNOFF_RE = re.compile(r"^[A-Z]{1,4}(?:/[A-Z]{1,4})+(?:\s+\d{1,4})?$")
_REPORTING_RE = re.compile(
    r"^\((?:additional\s+)?(?:reporting|writing|compiled)\s+by\s+(?P<names>[^;)]+)(?:;[^)]*)?\)$",
    re.IGNORECASE,
)
_LOCATION_RE = re.compile(r"^(?:location|place)\s*:\s*(?P<place>[^:]{2,80})$", re.IGNORECASE)

# --- datelines ----------------------------------------------------------------------------------

_CAPS_CITY = r"[A-Z][A-Z'.\-]+(?:\s[A-Z][A-Z'.\-]+){0,3}"
_TITLE_CITY = r"[A-Z][a-z'.\-]+(?:[\s\-][A-Z][a-z'.\-]+){0,2}"
_DATELINE_RE = re.compile(
    rf"^(?P<city>{_CAPS_CITY}|{_TITLE_CITY})"
    rf"(?:,\s*(?!{dates.MONTH}\s)(?P<region>[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?))?"
    rf"(?:,?\s+(?P<month>{dates.MONTH})\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>(?:19|20)\d\d))?)?"
    r"(?:\s*\((?P<agency>[^()]{1,40})\))?"
    r"\s*(?P<sep>[-–—]+|:)\s+(?=[\"“‘'A-Z0-9])"
)
#: Words that start a paragraph with a colon or dash but are labels, not places.
NOT_PLACES = frozenset(
    """note update updated editor editors watch video photo photos read source sources location
    published warning breaking exclusive analysis opinion comment q a question answer advertisement
    related live here this that tip caption also more latest today image file disclaimer summary
    background correction clarification""".split()
)
_DATELINE_PARAGRAPHS = 3


def find_dateline(paragraph: str) -> tuple[str, Published | None, str | None, str] | None:
    """``(place, date, agency, rest)`` when a paragraph opens with a dateline.

    >>> find_dateline("BEIRUT, April 3 – Syrian and allied forces drove them out.")[::2]
    ('Beirut', None)
    >>> find_dateline("CAIRO, June 5 (Reuters) - Egypt said on Monday.")[::2]
    ('Cairo', 'Reuters')
    >>> find_dateline("Beirut: Syrian regime forces were locked in clashes.")[3]
    'Syrian regime forces were locked in clashes.'
    >>> find_dateline("Note: this story was updated."), find_dateline("Syrian forces - backed by jets - won.")
    (None, None)
    """
    match = _DATELINE_RE.match(paragraph)
    if not match:
        return None
    city = match["city"]
    if city.lower().strip(".") in NOT_PLACES or credits.agency_name(city):
        return None
    caps = city.isupper()
    dated = match["month"] is not None
    if not caps and not dated and not match["agency"] and match["sep"] != ":":
        return None
    if caps and len(city.replace(" ", "")) < 3:
        return None
    place = city.title() if caps else city
    published = dates.month_day(match["month"], match["day"], match["year"]) if dated else None
    agency = credits.agency_name(match["agency"]) if match["agency"] else None
    return place, published, agency, paragraph[match.end() :]


# --- headline -----------------------------------------------------------------------------------

_MAX_TITLE_WORDS = 30
_MAX_TITLE_CHARS = 250


def looks_like_headline(line: str) -> bool:
    """One short line without a closing full stop.

    >>> looks_like_headline("Syria regime forces advance on IS town near Palmyra: monitor")
    True
    >>> looks_like_headline("They seized a series of hilltops overlooking the town.")
    False
    """
    first = line[:1]
    if len(line) > _MAX_TITLE_CHARS or first.islower() or not (first.isalnum() or first in "\"“‘'"):
        return False
    if line.endswith(".") and not line.endswith("..."):
        return False
    return 1 <= len(line.split()) <= _MAX_TITLE_WORDS and "://" not in line


def _key(line: str) -> str:
    return line.casefold().rstrip(" :.!»›>-–|")


def _related_from_json(payload: str) -> list[str]:
    try:
        data = json.loads(payload)
    except ValueError:
        titles = []
        for m in _JSON_TITLE_RE.finditer(payload):
            try:
                titles.append(json.loads(f'"{m["t"]}"'))
            except ValueError:
                continue
        return [normalize(t) for t in titles if t.strip()]
    items = data if isinstance(data, list) else [data]
    titles = []
    for item in items:
        if isinstance(item, dict):
            title = item.get("title") or item.get("headline")
            if isinstance(title, str) and title.strip():
                titles.append(normalize(title))
    return titles


def extract_related_dump(text: str) -> tuple[str, list[str]]:
    """Cut ``string(N) "[{...}]"`` dumps of related-article JSON out of the text, keeping their titles.

    >>> extract_related_dump('Body.\\n\\nstring(48) "[{"id":"1","title":"To Assad \\\\u2018yes\\\\u2019"}]"')
    ('Body.\\n\\n', ['To Assad ‘yes’'])
    """
    if "string(" not in text:
        return text, []
    related: list[str] = []

    def cut(match: re.Match[str]) -> str:
        related.extend(_related_from_json(match["json"]))
        return ""

    return _VAR_DUMP_RE.sub(cut, text), related


# --- the parser ---------------------------------------------------------------------------------


@dataclass
class _Meta:
    labelled_date: Published | None = None
    bare_date: Published | None = None
    credit: str | None = None
    byline: str | None = None
    byline_agency: str | None = None
    reporting: str | None = None
    location: str | None = None
    related: list[str] = field(default_factory=list)


def _strip_metadata(blocks: list[list[str]], meta: _Meta) -> list[list[str]]:
    """Take whole-line metadata and junk out of the blocks, noting what they said."""
    kept_blocks: list[list[str]] = []
    in_related = False
    for block in blocks:
        kept: list[str] = []
        for line in block:
            key = _key(line)
            if key in RELATED_HEADINGS:
                in_related = True
                continue
            if key in JUNK_LINES or _JUNK_PATTERNS_RE.match(line) or _SIGNOFF_RE.match(line):
                continue
            if in_related:
                if looks_like_headline(line):
                    meta.related.append(line)
                    continue
                in_related = False
            if dates.is_scrape_header(line):
                continue
            if inline := _INLINE_RELATED_RE.match(line):
                meta.related.append(inline["title"].strip())
                continue
            if found := dates.date_line(line):
                published, labelled = found
                if labelled and meta.labelled_date is None:
                    meta.labelled_date = published
                elif not labelled and meta.bare_date is None:
                    meta.bare_date = published
                continue
            if agency := credits.credit_line(line):
                meta.credit = meta.credit or agency
                continue
            if by := credits.byline(line):
                names, agency = by
                meta.byline = meta.byline or names
                meta.byline_agency = meta.byline_agency or agency
                continue
            if location := _LOCATION_RE.match(line):
                meta.location = meta.location or location["place"].split(",")[-1].strip()
                continue
            if reporting := _REPORTING_RE.match(line):
                meta.reporting = meta.reporting or reporting["names"].strip()
                continue
            kept.append(line)
        if kept:
            kept_blocks.append(kept)
    return kept_blocks


def parse_scrape(text: str, *, title: str | None = None, mend: bool = True) -> Scrape:
    """Parse a page saved as text. With ``title`` given (a record's), no headline is looked for.

    >>> page = ("Daily Gazette\\n\\nArmy takes town\\n\\nBy Jane Roe\\n"
    ...         "Published: Jan 2, 2019, 3:04 pm IST\\n\\n"
    ...         "CAIRO, June 5 (Reuters) - The army took the town, officials said.\\n\\nShare this article")
    >>> s = parse_scrape(page)
    >>> s.masthead, s.title, s.byline, s.dateline, s.agency, s.published.isoformat()
    ('Daily Gazette', 'Army takes town', 'Jane Roe', 'Cairo', 'Reuters', '2019-01-02T15:04+05:30')
    >>> s.body
    'The army took the town, officials said.'
    """
    text, related = extract_related_dump(normalize(text))
    meta = _Meta(related=related)
    blocks = _strip_metadata(split_blocks(text), meta)

    masthead = None
    if title is None:
        title = ""
        if (
            len(blocks) > 1
            and len(blocks[0]) == 1
            and credits.looks_like_masthead(blocks[0][0])
            and looks_like_headline(blocks[1][0])
        ):
            masthead = blocks.pop(0)[0]
        if blocks and looks_like_headline(blocks[0][0]):
            title = blocks[0].pop(0)
            if not blocks[0]:
                blocks.pop(0)

    paragraphs: list[str] = []
    title_limit = 2 * len(title) + 8
    for block in blocks:
        paragraph = join_lines(block)
        if _BARE_JSON_LIST_RE.match(paragraph):
            meta.related.extend(_related_from_json(paragraph))
            continue
        if (title and len(paragraph) < title_limit and same_text(paragraph, title)) or (
            len(paragraph) < _MAX_COOKIE_NOTICE and "ookie" in paragraph and _COOKIE_RE.search(paragraph)
        ):
            continue
        paragraphs.append(mend_hyphens(paragraph) if mend else paragraph)
    paragraphs = dedupe_paragraphs(paragraphs)

    dateline = dateline_date = dateline_agency = None
    for i, paragraph in enumerate(paragraphs[:_DATELINE_PARAGRAPHS]):
        if found := find_dateline(paragraph):
            dateline, dateline_date, dateline_agency, rest = found
            paragraphs[i] = rest
            break
    dateline = dateline or meta.location

    agency = meta.credit or dateline_agency or meta.byline_agency
    if agency is None:
        agency = next(filter(None, map(credits.trailing_credit, paragraphs)), None)
    if agency is None and paragraphs:
        agency = credits.reported_credit(paragraphs[-1])
    if agency is None:
        agency = next(filter(None, map(credits.photo_credit, paragraphs)), None)

    return Scrape(
        title=title,
        body="\n\n".join(paragraphs),
        published=meta.labelled_date or meta.bare_date or dateline_date,
        masthead=masthead,
        agency=agency,
        byline=meta.byline or meta.reporting,
        dateline=dateline,
        related=list(dict.fromkeys(meta.related)),
    )
