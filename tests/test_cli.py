"""The command line: help for every command, the README's settings, parse/search/stats output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchapp.cli import main
from tests.conftest import ROOT, SAMPLE, Gunicorn

README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 100
    assert f"searchapp {command}" in README
    for option in re.findall(r"(--[a-z-]+)", result.output):
        if option not in ("--help", "--json", "--version"):
            assert option in README, f"{command} {option} is not documented in the README"


def test_every_setting_is_in_the_readme() -> None:
    settings = set(
        re.findall(r"SEARCHAPP_[A-Z_]+", "".join(p.read_text() for p in (ROOT / "searchapp").rglob("*.py")))
    )
    assert settings, "no settings found"
    for setting in settings:
        assert setting in README, f"{setting} is not documented"


def test_parse_json_gives_one_article_a_line() -> None:
    result = CliRunner().invoke(main, ["parse", str(SAMPLE), "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5
    by_file = {Path(r["source"]).name[:3]: r for r in rows}
    assert by_file["002"]["published"] == "2016-03-30T07:16+05:30"
    assert by_file["004"]["published"] == "--04-03" and by_file["004"]["precision"] == "month-day"
    assert by_file["003"]["published"] is None


def test_parse_reports_bad_files_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "notes.docx").write_bytes(b"PK")
    result = subprocess.run(
        [sys.executable, "-m", "searchapp", "parse", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "empty.txt" in result.stderr and "image.txt" in result.stderr and "notes.docx" in result.stderr
    assert "Traceback" not in result.stderr


def test_search_and_stats(sample_index: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "palmyra", "--index", str(sample_index), "--outlet", "Reuters"]
    )
    assert result.exit_code == 0 and "1 results" in result.output
    stats = CliRunner().invoke(main, ["stats", "--index", str(sample_index), "--json"])
    figures = json.loads(stats.stdout)
    assert figures["articles"] == 5 and figures["outlets"] == 4
    assert figures["date_range"][0].startswith("2016-03-29")
    assert figures["schema_version"] >= 1 and figures["index_bytes"] > 0 and figures["last_reindex"]


def test_bad_cli_values_are_one_clear_line(sample_index: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchapp",
            "search",
            "x",
            "--index",
            str(sample_index),
            "--from",
            "2016-13-45",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "from: '2016-13-45' is not a date" in result.stderr and "Traceback" not in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "searchapp", "stats", "--index", "/nonexistent/idx"],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "searchapp reindex" in missing.stderr


def test_reindex_reports_skips_to_a_file(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.jsonl").write_text('{"title": "A", "text": "Body about Palmyra."}\n{broken\n')
    report = tmp_path / "report.tsv"
    result = CliRunner().invoke(
        main, ["reindex", str(corpus), "--index", str(tmp_path / "i"), "--report", str(report)]
    )
    assert result.exit_code == 0
    assert result.output.strip().startswith("added 1, updated 0, removed 0, unchanged 0, skipped 1")
    assert "ok.jsonl:2" in report.read_text()


def test_the_readme_production_command_serves_with_two_workers(sample_index: Path) -> None:
    line = next(x for x in README.splitlines() if "gunicorn -w 2" in x)
    assert '"searchapp.web:create_app()"' in line and "SEARCHAPP_INDEX" in line
    server = Gunicorn(sample_index, workers=2)
    try:
        import urllib.request

        with urllib.request.urlopen(server.url + "/api/search?q=Daesh") as r:
            assert json.load(r)["total"] == 5
        children = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True)
        assert len(children.stdout.split()) == 2
    finally:
        server.stop()
    assert os.path.exists(sample_index)
