"""Files in, articles or reasons out: discovery, records, and every kind of bad input, none fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchapp.ingest import (
    MAX_ARTICLE_BYTES,
    SUPPORTED_SUFFIXES,
    Article,
    Published,
    Skipped,
    article_id,
    discover,
    read_file,
    read_paths,
)

PAGE = "Army takes town\n\nPublished: March 5, 2017\n\nThe army took the town on Sunday, officials said.\n"


def _only(items: list[Article | Skipped]) -> Article | Skipped:
    assert len(items) == 1, items
    return items[0]


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".json", ".jsonl", ".csv"}) == SUPPORTED_SUFFIXES


def test_discover_order_hidden_unsupported_and_missing(tmp_path: Path) -> None:
    for rel in [
        "b/z.txt",
        "b/a.JSON",
        "a.csv",
        "a/y.jsonl",
        ".hidden/x.txt",
        "b/.secret.txt",
        "c/pic.png",
        "noext",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = list(discover([tmp_path, tmp_path / "a.csv", tmp_path / "missing.txt"]))
    assert found == [
        tmp_path / "a" / "y.jsonl",
        tmp_path / "a.csv",
        tmp_path / "b" / "a.JSON",
        tmp_path / "b" / "z.txt",
        Skipped(str(tmp_path / "c" / "pic.png"), "unsupported file type .png"),
        Skipped(str(tmp_path / "noext"), "unsupported file type (no extension)"),
        Skipped(str(tmp_path / "missing.txt"), "no such file or directory"),
    ]


def test_txt_ids_are_stable_and_path_based(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    first = _only(list(read_file(path)))
    again = _only(list(read_file(path, path.read_bytes())))
    assert isinstance(first, Article) and first == again
    assert first.id == article_id(str(path.resolve())) and len(first.id) == 16
    assert (first.title, first.published, first.body) == (
        "Army takes town",
        Published(2017, 3, 5),
        "The army took the town on Sunday, officials said.",
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \t\n", "empty file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file (PNG image)"),
        ("nuls.txt", b"Army\x00\x00\x00takes\x00town", "binary file (contains NUL bytes)"),
        ("nuls.jsonl", b'{"text": "a"}\x00\x00\x00', "binary file (contains NUL bytes)"),
        ("empty.jsonl", b"", "empty file"),
        ("empty.csv", b"", "empty file"),
        ("widgets.txt", b"Share this\n\nFacebook Comments\n\nPost a comment\n", "no article text found"),
        ("empty.json", b"[]", "empty JSON array"),
        ("scalar.json", b"42", "JSON document is a int, not an object or array"),
        (
            "broken.json",
            b'{"text": "a",',
            "invalid JSON (Expecting property name enclosed in double quotes at line 1 column 14)",
        ),
        ("nocolumn.csv", b"title,summary\nA,B\n", "CSV header has no text, body or content column"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert list(read_file(path)) == [Skipped(str(path), reason)]
    assert list(read_file(path, data)) == [Skipped(str(path), reason)]


def test_too_large_txt_is_skipped_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    size = 50 * 1024 * 1024
    expected = Skipped(str(path), f"too large for one article ({size:,} bytes, limit {MAX_ARTICLE_BYTES:,})")
    assert list(read_file(path)) == [expected]
    big = b"x" * (MAX_ARTICLE_BYTES + 1)
    assert _only(list(read_file(path, big))).reason.startswith("too large for one article")


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", "Army takes town\n\nThe minister said the \u201cfinal victory\u201d was near"
                   " \u2013 and Syria\u2019s army agreed."),
        ("cp1256", "الجيش يستعيد تدمر\n\nقالت وكالة الأنباء السورية إن الجيش السوري"
                   " استعاد السيطرة على مدينة تدمر الأثرية يوم الأحد الماضي بعد معارك عنيفة."),
        ("latin-1", "Le ministre à Genève\n\nLe ministre a déclaré à Genève que la trêve"
                    " était «fragile» mais réelle, selon l'agence."),
    ],
)  # fmt: skip
def test_legacy_encodings_are_decoded(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    article = _only(list(read_file(path)))
    assert isinstance(article, Article)
    title, body = text.split("\n\n")
    assert (article.title, article.body) == (title, body)


def test_undetectable_encoding_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 4)
    skipped = _only(list(read_file(path)))
    assert isinstance(skipped, Skipped) and skipped.source == str(path)
    assert "binary" in skipped.reason or "encoding" in skipped.reason


def _records(items: list[Article | Skipped]) -> list[tuple[str, str]]:
    return [(i.source, i.title if isinstance(i, Article) else f"SKIP {i.reason}") for i in items]


def test_jsonl_with_a_broken_line_streams_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a-1", "title": "First", "text": "First body."}),
        '{"id": "a-2", "title": "Broken", "text": ',
        "",
        json.dumps(
            {"ID": "https://x.org/3", "Headline": "Third", "Content": "Third body.", "Date": "March 2016"}
        ),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "No text"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_file(path))
    assert _records(items) == [
        (f"{path}:1", "First"),
        (f"{path}:2", "SKIP invalid JSON (Expecting value at column 41)"),
        (f"{path}:4", "Third"),
        (f"{path}:5", "SKIP record is a JSON list, not an object"),
        (f"{path}:6", "SKIP record has no text (expected a text, body or content field)"),
    ]
    first, third = items[0], items[2]
    assert isinstance(first, Article) and isinstance(third, Article)
    assert first.id == "a-1"
    assert third.id == article_id(f"{path.resolve()}:https://x.org/3")
    assert third.published == Published(2016, 3)
    assert str(items[1]) == f"{path}:2: invalid JSON (Expecting value at column 41)"


def test_big_jsonl_streams_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    record = json.dumps({"title": "T", "text": "Some text here. " * 400})
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(2000):  # ~13 MB: beyond the one-article limit, fine as a stream
            handle.write(record + "\n")
    assert path.stat().st_size > MAX_ARTICLE_BYTES
    stream = read_file(path)
    first = next(stream)
    assert isinstance(first, Article) and first.source == f"{path}:1"
    assert sum(1 for item in stream if isinstance(item, Article)) == 1999


def test_json_array_and_single_object(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(
        json.dumps([
            {"url": "https://www.example.com/a", "title": "A", "body": "Body A.", "published": 1459262137},
            {"title": "B", "text": ["Para one.", "Para two."], "published": "next Tuesday-ish",
             "outlet": "Daily Star", "author": ["Jane Roe", "Sam Doe"], "language": "en"},
            {"title": "C"},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    items = list(read_file(array))
    a, b, c = items
    assert isinstance(a, Article) and isinstance(b, Article)
    assert (a.source, a.outlet, a.url, a.published) == (
        f"{array}:0",
        "example.com",
        "https://www.example.com/a",
        Published(2016, 3, 29, 14, 35, 37, 0),
    )
    # An unreadable date keeps the article, with no date (never a guess from elsewhere).
    assert (b.source, b.body, b.published, b.outlet, b.byline, b.language) == (
        f"{array}:1", "Para one.\n\nPara two.", None, "Daily Star", "Jane Roe, Sam Doe", "en",
    )  # fmt: skip
    assert c == Skipped(f"{array}:2", "record has no text (expected a text, body or content field)")
    single = tmp_path / "one.json"
    single.write_text(
        json.dumps({"id": 17, "text": "BEIRUT, April 3 (AFP) - Fighting went on."}), encoding="utf-8"
    )
    one = _only(list(read_file(single)))
    assert isinstance(one, Article)
    assert (one.id, one.source, one.title, one.body, one.agency, one.outlet, one.dateline, one.published) == (
        "17", str(single), "Fighting went on.", "Fighting went on.",
        "AFP", "AFP", "Beirut", Published(None, 4, 3),
    )  # fmt: skip


def test_record_values_beat_guesses_but_text_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    text = (
        "CAIRO, June 5 (Reuters) - The str-ategic town fell.\u00a0 Officials said so.\n\nShare this article"
    )
    record = {"title": "Town falls", "text": text, "agency": "AP", "dateline": "Giza", "date": "2019-06-05"}
    path.write_text(json.dumps(record), encoding="utf-8")
    article = _only(list(read_file(path)))
    assert isinstance(article, Article)
    assert (article.body, article.agency, article.dateline, article.published, article.outlet) == (
        "The strategic town fell. Officials said so.", "AP", "Giza", Published(2019, 6, 5), "AP",
    )  # fmt: skip


def test_csv_with_a_short_row(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        'id,Title,Text,Date,Source\n'
        '1,First,"First body,\nwith a wrapped line.",2016-03-29,Daily Star\n'
        '2,Second\n'
        '3,Third,Third body.,not a date,\n'
        '4,Fourth,Fourth body.,2016-03-30,X,extra\n',
        encoding="utf-8",
    )  # fmt: skip
    items = list(read_file(path))
    assert _records(items) == [
        (f"{path}:2", "First"),
        (f"{path}:4", "SKIP row has 2 columns, header has 5"),
        (f"{path}:5", "Third"),
        (f"{path}:6", "SKIP row has 6 columns, header has 5"),
    ]
    first, third = items[0], items[2]
    assert isinstance(first, Article) and isinstance(third, Article)
    assert (first.body, first.published, first.outlet) == (
        "First body, with a wrapped line.", Published(2016, 3, 29), "Daily Star",
    )  # fmt: skip
    assert third.published is None  # unparseable date: article kept, date unknown


def test_csv_in_windows_1252_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "title;text\nCaf\u00e9 reopens;The caf\u00e9\u2019s owner said \u201cyes\u201d.\n".encode("cp1252")
    )
    article = _only(list(read_file(path)))
    assert isinstance(article, Article)
    assert (article.title, article.body) == (
        "Caf\u00e9 reopens",
        "The caf\u00e9\u2019s owner said \u201cyes\u201d.",
    )


def test_read_paths_mixes_articles_and_skips_and_never_raises(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.4")
    items = list(read_paths([tmp_path, tmp_path / "nope"]))
    assert [type(i).__name__ for i in items] == ["Article", "Skipped", "Skipped", "Skipped"]
    assert [str(i) for i in items[1:]] == [
        f"{tmp_path / 'b.txt'}: empty file",
        f"{tmp_path / 'c.pdf'}: unsupported file type .pdf",
        f"{tmp_path / 'nope'}: no such file or directory",
    ]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    assert list(read_file(path)) == [Skipped(str(path), "cannot read (No such file or directory)")]
