"""The five real scrapes shipped in searchapp/sample must parse exactly as the project table says."""

from __future__ import annotations

from pathlib import Path

import pytest

import searchapp
from searchapp.ingest import Article, Published, read_file, read_paths
from searchapp.ingest.ids import article_id

SAMPLE = Path(searchapp.__file__).parent / "sample"

EXPECTED = {
    "000": {
        "title": "EXCLUSIVE VIDEO: Syrian Army Troops Advance on Al-Qaryatain near Palmyra",
        "published": Published(2016, 3, 29, 16, 35, 37),
        "outlet": None,
        "agency": None,
        "byline": None,
        "dateline": None,
        "related_count": 6,
        "body_starts": "Syrian Army has made great advances",
        "body_ends": "like ISIS.",
    },
    "001": {
        "title": "VIDEO: Syrian Army Lays Siege to Quaryatayn from 3 Axes, ISIS Withdraws",
        "published": Published(2016, 4, 3, 15, 58, 38),
        "outlet": "FNA",
        "agency": "FNA",
        "byline": None,
        "dateline": None,
        "related_count": 8,
        "body_starts": "Large-scale operations of the Syrian government forces",
        "body_ends": "the sources added; FNA reported.",
    },
    "002": {
        "title": "Army pressures ISIS in central Syria",
        "published": Published(2016, 3, 30, 7, 16, utcoffset_minutes=330),
        "outlet": "AFP",
        "agency": "AFP",
        "byline": None,
        "dateline": "Beirut",
        "related_count": 0,
        "body_starts": "Regime troops were locked in heavy fighting",
        "body_ends": "“moderate opposition groups” in Syria.",
    },
    "003": {
        "title": "Syria regime forces advance on IS town near Palmyra: monitor",
        "published": None,
        "outlet": "Free Press Journal",
        "agency": None,
        "byline": None,
        "dateline": "Beirut",
        "related_count": 0,
        "body_starts": "Syrian regime forces were locked in fierce clashes",
        "body_ends": "all the way to the Iraqi border, they said.",
    },
    "004": {
        "title": "Syrian Forces Seize Daesh-Held Town Near Palmyra",
        "published": Published(None, 4, 3),
        "outlet": "Reuters",
        "agency": "Reuters",
        "byline": "Lisa Barrington",
        "dateline": "Beirut",
        "related_count": 0,
        "body_starts": "Syrian forces recaptured the city of Palmyra from Daesh last week.",
        "body_ends": "which borders Iraq.",
    },
}


def _article(prefix: str) -> Article:
    (path,) = SAMPLE.glob(f"{prefix}_*.txt")
    (article,) = read_file(path)
    assert isinstance(article, Article)
    return article


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_fields(prefix: str) -> None:
    article = _article(prefix)
    expected = EXPECTED[prefix]
    got = {
        "title": article.title,
        "published": article.published,
        "outlet": article.outlet,
        "agency": article.agency,
        "byline": article.byline,
        "dateline": article.dateline,
        "related_count": len(article.related),
        "body_starts": article.body[: len(expected["body_starts"])],
        "body_ends": article.body[-len(expected["body_ends"]) :],
    }
    assert got == expected
    (path,) = SAMPLE.glob(f"{prefix}_*.txt")
    assert article.id == article_id(str(path.resolve()))
    assert article.source == str(path)
    assert (article.url, article.language) == (None, None)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_body_is_clean_text(prefix: str) -> None:
    body = _article(prefix).body
    assert "\u00a0" not in body and "  " not in body and "\n\n\n" not in body
    assert all(p == p.strip() and p for p in body.split("\n\n"))
    for junk in ('string(', '"contenttypeid"', "S/SH", "Last Update", "Published", "Social Streams",
                 "Facebook Comments", "Post a comment", "Location:", "By Lisa"):  # fmt: skip
        assert junk not in body


def test_000_related_titles_are_decoded() -> None:
    article = _article("000")
    assert article.related[:2] == [
        "CIA-Armed Militants Shooting at Pentagon-Armed Ones in Syria",
        "‘Russia to Stand by Syria’: Putin to Assad",
    ]


def test_001_related_dump_stays_out_of_the_body() -> None:
    article = _article("001")
    assert "Deir Ezzor" not in article.body and "Hama" not in article.body
    assert (
        "VIDEO: Syrian Army Retakes more Areas in Homs, Kills 40 ISIS Militants in Deir Ezzor"
        in article.related
    )


def test_002_doubles_dropped_and_hyphens_mended() -> None:
    body = _article("002").body
    assert body.count("This photo, released by the Syrian official news agency SANA") == 1
    assert body.count("Regime troops were locked in heavy fighting") == 1
    assert "Army pressures ISIS in central Syria" not in body
    for mended in ("strategic town", "dozens of", "razing", "Qalamun", "minister", "forces would"):
        assert mended in body
    for kept in ("pro-government", "Britain-based", "south-west", "anti-ISIS", "al-Freij", "jihadist-held"):
        assert kept in body
    assert body.split("\n\n")[1] == (
        "This photo, released by the Syrian official news agency SANA, shows a destroyed statue outside"
        " the damaged Palmyra Museum. -AFP"
    )
    assert "“intense”" in body  # curly quotes kept as written


def test_004_dateline_prefix_removed() -> None:
    body = _article("004").body
    assert "\n\nSyrian and allied forces, backed by Russian air strikes, drove Daesh" in body
    assert "BEIRUT" not in body


def test_read_paths_on_the_sample_directory_is_deterministic() -> None:
    first = [a.to_dict() for a in read_paths([SAMPLE])]
    second = [a.to_dict() for a in read_paths([str(SAMPLE)])]
    assert first == second
    assert [Path(d["source"]).name[:3] for d in first] == ["000", "001", "002", "003", "004"]
    assert all(Article.from_dict(d).to_dict() == d for d in first)
