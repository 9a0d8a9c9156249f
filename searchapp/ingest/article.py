"""The parsed article: what ingestion hands to the indexer.

A scrape rarely says everything, so every field but ``id``, ``source`` and ``body`` may be
missing, and a date may be known only in part. ``Published`` keeps exactly what the page
said (and whether a part was inferred) instead of inventing the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Precision = Literal["datetime", "date", "year-month", "month-day", "year"]


@dataclass(frozen=True)
class Published:
    """A publication date with the precision the source gave it.

    >>> Published(2016, 3, 29, 16, 35, 37).isoformat()
    '2016-03-29T16:35:37'
    >>> Published(2016, 3, 30, 7, 16, utcoffset_minutes=330).isoformat()
    '2016-03-30T07:16+05:30'
    >>> Published(None, 4, 3).isoformat(), Published(None, 4, 3).precision
    ('--04-03', 'month-day')
    >>> Published(2016, 4).precision
    'year-month'
    >>> p = Published(2016, 3, 30, 7, 16, utcoffset_minutes=330)
    >>> Published.from_iso(p.isoformat()) == p
    True
    """

    year: int | None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    utcoffset_minutes: int | None = None
    inferred: bool = False

    def __post_init__(self) -> None:
        if self.year is None and (self.month is None or self.day is None):
            raise ValueError("a date without a year needs a month and a day")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        # Validates the calendar (leap years included); year 2000 stands in when unknown.
        dt.date(self.year or 2000, self.month or 1, self.day or 1)
        if self.hour is not None:
            dt.time(self.hour, self.minute or 0, self.second or 0)

    @property
    def precision(self) -> Precision:
        if self.year is None:
            return "month-day"
        if self.month is None:
            return "year"
        if self.day is None:
            return "year-month"
        if self.hour is None:
            return "date"
        return "datetime"

    def isoformat(self) -> str:
        """ISO 8601, with ``--MM-DD`` for a month-day whose year is unknown."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
        if self.day is not None:
            out += f"-{self.day:02d}"
        if self.hour is not None:
            out += f"T{self.hour:02d}:{self.minute or 0:02d}"
            if self.second is not None:
                out += f":{self.second:02d}"
            if self.utcoffset_minutes is not None:
                sign = "+" if self.utcoffset_minutes >= 0 else "-"
                hours, minutes = divmod(abs(self.utcoffset_minutes), 60)
                out += f"{sign}{hours:02d}:{minutes:02d}"
        return out

    @classmethod
    def from_iso(cls, text: str, inferred: bool = False) -> Published:
        """Inverse of :meth:`isoformat`."""
        if text.startswith("--"):
            return cls(None, int(text[2:4]), int(text[5:7]), inferred=inferred)
        date_part, _, time_part = text.partition("T")
        bits = [int(b) for b in date_part.split("-")]
        year, month, day = (bits + [None, None])[:3]
        if not time_part:
            return cls(year, month, day, inferred=inferred)
        offset = None
        for sign in "+-":
            if sign in time_part:
                time_part, _, tz = time_part.partition(sign)
                hh, mm = tz.split(":")
                offset = (int(hh) * 60 + int(mm)) * (1 if sign == "+" else -1)
                break
        if time_part.endswith("Z"):
            time_part, offset = time_part[:-1], 0
        tbits = [int(b) for b in time_part.split(":")]
        hour, minute, second = (tbits + [None, None])[:3]
        return cls(year, month, day, hour, minute, second, offset, inferred)

    def sort_datetime(self) -> dt.datetime | None:
        """The earliest moment the date can mean, in UTC-naive form; None without a year."""
        if self.year is None:
            return None
        moment = dt.datetime(
            self.year, self.month or 1, self.day or 1, self.hour or 0, self.minute or 0, self.second or 0
        )
        if self.utcoffset_minutes is not None:
            moment -= dt.timedelta(minutes=self.utcoffset_minutes)
        return moment

    def label(self) -> str:
        """How a reader sees it: partial dates shown as partial.

        >>> Published(None, 4, 3).label()
        '3 April (year unknown)'
        >>> Published(2016, 4).label()
        'April 2016'
        """
        if self.year is None:
            return f"{self.day} {_MONTHS[self.month - 1]} (year unknown)"  # type: ignore[operator]
        if self.month is None:
            text = str(self.year)
        elif self.day is None:
            text = f"{_MONTHS[self.month - 1]} {self.year}"
        else:
            text = f"{self.day} {_MONTHS[self.month - 1]} {self.year}"
            if self.hour is not None:
                text += f", {self.hour:02d}:{self.minute or 0:02d}"
        return text + (" (inferred)" if self.inferred else "")


_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


@dataclass
class Article:
    """One news article, cleaned: the unit that is indexed, searched and shown."""

    id: str
    source: str
    title: str
    body: str
    published: Published | None = None
    outlet: str | None = None
    agency: str | None = None
    byline: str | None = None
    dateline: str | None = None
    related: list[str] = field(default_factory=list)
    url: str | None = None
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as `searchapp parse --json` prints it."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["precision"] = self.published.precision if self.published else None
        data["date_inferred"] = self.published.inferred if self.published else False
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict`."""
        fields = {k: v for k, v in data.items() if k not in ("precision", "date_inferred")}
        if fields.get("published"):
            fields["published"] = Published.from_iso(fields["published"], data.get("date_inferred", False))
        return cls(**fields)


@dataclass(frozen=True)
class Skipped:
    """A file or record that could not be ingested, and why: reported, never fatal."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
