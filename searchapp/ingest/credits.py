"""Who wrote it: wire agencies, credit lines, bylines and mastheads, as data plus a few patterns.

A credit ("AFP" on its own line, "-AFP" after a caption, "; FNA reported.", "(Reuters) -",
"REUTERS/Omar Sanadiki") names the agency that supplied the story; a source ("told AFP",
"State news agency SANA said") does not, so only the credit shapes are matched.
"""

from __future__ import annotations

import re

#: Canonical agency name -> other ways pages write it. Matching is case-sensitive for acronyms.
AGENCIES: dict[str, tuple[str, ...]] = {
    "AFP": ("Agence France-Presse", "Agence France Presse"),
    "Reuters": ("REUTERS", "Thomson Reuters"),
    "AP": ("Associated Press", "The Associated Press"),
    "FNA": ("Fars", "Fars News Agency", "Fars News"),
    "SANA": ("Syrian Arab News Agency",),
    "IRNA": ("Islamic Republic News Agency",),
    "Anadolu": ("Anadolu Agency", "AA"),
    "Xinhua": ("XINHUA", "Xinhua News Agency"),
    "dpa": ("DPA", "Deutsche Presse-Agentur"),
    "ANI": ("Asian News International",),
    "PTI": ("Press Trust of India",),
    "IANS": ("Indo-Asian News Service",),
    "UPI": ("United Press International",),
    "EFE": ("Agencia EFE",),
    "Bloomberg": ("BLOOMBERG", "Bloomberg News"),
    "TASS": ("ITAR-TASS",),
    "RIA Novosti": ("RIA",),
    "Kyodo": ("Kyodo News",),
    "Yonhap": ("Yonhap News Agency",),
    "ANSA": (),
    "KUNA": ("Kuwait News Agency",),
    "WAM": ("Emirates News Agency",),
    "SPA": ("Saudi Press Agency",),
    "MENA": ("Middle East News Agency",),
    "Tasnim": ("Tasnim News Agency",),
    "Mehr": ("Mehr News Agency",),
    "ISNA": (),
    "APP": ("Associated Press of Pakistan",),
    "BSS": (),
    "UNB": (),
}

_ALIASES: dict[str, str] = {}
for _name, _others in AGENCIES.items():
    for _alias in (_name, *_others):
        _ALIASES[_alias] = _name
        if not _alias.isupper():
            _ALIASES[_alias.upper()] = _name
_ALIAS_PATTERN = "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True))


def agency_name(text: str) -> str | None:
    """The canonical agency a credit names, or None.

    >>> agency_name("REUTERS"), agency_name("Agence France-Presse"), agency_name("the army")
    ('Reuters', 'AFP', None)
    """
    return _ALIASES.get(text.strip().strip(".").strip())


# "AFP" / "By AFP" / "Source: Reuters" / "AFP | Beirut" alone on a line.
_CREDIT_LINE_RE = re.compile(
    rf"^(?:(?:by|source|sources|courtesy|agency|via|credit)\s*[:\-]?\s*)?(?P<agency>{_ALIAS_PATTERN})\.?"
    r"(?:\s*[|,/\-–]\s*[\w ,.'’-]{1,40})?$",
    re.IGNORECASE,
)
# A caption or paragraph ending in "-AFP" / "— Reuters" / "(AFP)".
_TRAILING_CREDIT_RE = re.compile(rf"(?:\s[-–—]\s?|\s\(|\s[-–—]\()(?P<agency>{_ALIAS_PATTERN})\)?\.?$")
# "...; FNA reported." at the end of the story.
_REPORTED_RE = re.compile(
    rf"[;,]\s*(?:the\s+)?(?P<agency>{_ALIAS_PATTERN})(?:\s+news\s+agency)?\s+reported\.?$"
)
# Photo credits: "REUTERS/Omar Sanadiki", "AFP Photo", "Photo: AFP".
_PHOTO_CREDIT_RE = re.compile(
    rf"\b(?P<agency>{_ALIAS_PATTERN})\s?/\s?[A-Z][\w.'’-]+"
    rf"|\b(?P<agency2>{_ALIAS_PATTERN})\s+(?i:photo)\b"
    rf"|\b(?i:photo|picture|image)(?:\s+(?i:credit))?\s*:\s*(?P<agency3>{_ALIAS_PATTERN})\b"
)


def _canonical(match: re.Match[str] | None, *groups: str) -> str | None:
    if match is None:
        return None
    for group in groups or ("agency",):
        if match.groupdict().get(group):
            return _ALIASES.get(match[group]) or _ALIASES.get(match[group].upper())
    return None


def credit_line(line: str) -> str | None:
    """A line that is nothing but an agency credit.

    >>> credit_line("AFP"), credit_line("Source: Reuters"), credit_line("By AFP"), credit_line("AFP said it")
    ('AFP', 'Reuters', 'AFP', None)
    """
    if len(line) > 60:
        return None
    match = _CREDIT_LINE_RE.match(line)
    # Ignore-case is for the label; the agency itself must be written as agencies write it.
    if match and match["agency"] in _ALIASES:
        return _ALIASES[match["agency"]]
    return None


def trailing_credit(paragraph: str) -> str | None:
    """A caption or paragraph ending in an agency credit.

    >>> trailing_credit("shows a destroyed statue outside the damaged Palmyra Museum. -AFP")
    'AFP'
    """
    return _canonical(_TRAILING_CREDIT_RE.search(paragraph))


def reported_credit(paragraph: str) -> str | None:
    """The closing "; FNA reported." credit (but not "the SANA state news agency reported").

    >>> reported_credit('"...in the town," the sources added; FNA reported.')
    'FNA'
    >>> reported_credit("the SANA state news agency reported.") is None
    True
    """
    return _canonical(_REPORTED_RE.search(paragraph))


def photo_credit(paragraph: str) -> str | None:
    """An agency named in a photo credit: weak, but often the only credit a wire story keeps.

    >>> photo_credit("in a bid to regain control of that town. REUTERS/Omar Sanadiki")
    'Reuters'
    """
    if "/" not in paragraph and "\u0131" not in paragraph and "\u0130" not in paragraph:
        # Each shape needs a "/", the word "photo", or "picture" or "image" and a colon: most paragraphs
        # have none, and this test is far cheaper than trying every agency name at every word. (With
        # ignore-case the pattern also lets "ı" and "İ" stand for "i"; such text goes to the pattern.)
        lowered = paragraph.lower()
        if "photo" not in lowered and not (":" in paragraph and ("picture" in lowered or "image" in lowered)):
            return None
    match = _PHOTO_CREDIT_RE.search(paragraph)
    if match is None:
        return None
    name = match["agency"] or match["agency2"] or match["agency3"]
    return _ALIASES.get(name) or _ALIASES.get(name.upper())


_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|al|bin|el|la|le|du|da))*"
_BYLINE_RE = re.compile(
    rf"^By\s*:?\s+(?P<names>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*)"
    r"(?:\s*[|,/]\s*(?P<agency>[\w .'-]{2,40}))?$"
)
_MAX_BYLINE_WORDS = 12


def byline(line: str) -> tuple[str | None, str | None] | None:
    """``(names, agency)`` from a "By ..." line, or None when the line is not a byline.

    >>> byline("By Lisa Barrington"), byline("By John Davison and Lisa Barrington, Reuters")
    (('Lisa Barrington', None), ('John Davison and Lisa Barrington', 'Reuters'))
    >>> byline("By AFP"), byline("By the time the army arrived, they had gone.")
    ((None, 'AFP'), None)
    """
    match = _BYLINE_RE.match(line)
    if not match or len(line.split()) > _MAX_BYLINE_WORDS:
        return None
    names, credited = match["names"], match["agency"]
    if credited is None and "," in names:
        head, _, tail = names.rpartition(",")
        if agency_name(tail):
            names, credited = head.strip(), tail.strip()
    if agency_name(names):
        return None, agency_name(names)
    agency = agency_name(credited) if credited else None
    if credited and agency is None:
        names = f"{names}, {credited}"  # "By Jane Doe, Staff Writer" keeps its role
    return names, agency


#: Words that make a short Title Case first line a publication's name rather than a headline.
MASTHEAD_WORDS = frozenset(
    """journal times post news daily herald tribune star gazette express chronicle observer mirror
    telegraph guardian press today review standard independent sun mail monitor weekly week online
    network agency tv radio hindu dawn nation insider wire report reporter courier bulletin dispatch
    examiner sentinel record register inquirer globe world arab asharq ahram jazeera alarabiya
    voice pioneer statesman tribune""".split()
)
_MASTHEAD_CONNECTORS = frozenset("of the and & al el de la le".split())
_DOMAIN_RE = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_MAX_MASTHEAD_WORDS = 6


def looks_like_masthead(line: str) -> bool:
    """A publication's name as pages print it above the headline.

    >>> looks_like_masthead("Free Press Journal"), looks_like_masthead("The Times of India")
    (True, True)
    >>> looks_like_masthead("Syrian Forces Seize Daesh-Held Town Near Palmyra"), looks_like_masthead("News")
    (False, True)
    """
    if _DOMAIN_RE.match(line):
        return True
    words = line.split()
    if not 1 <= len(words) <= _MAX_MASTHEAD_WORDS or len(line) > 50:
        return False
    if not all(w[0].isupper() or w.lower() in _MASTHEAD_CONNECTORS for w in words):
        return False
    if any(not ch.isalpha() and ch not in " &'’.-" for ch in line):
        return False
    return any(w.lower().strip(".'’") in MASTHEAD_WORDS for w in words)
