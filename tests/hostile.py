"""A corpus of hostile articles: markup, HTML entities, spreadsheet formulas and control characters in
every field a page shows (title, body, outlet, agency, byline, dateline, URL) and in entity names."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from searchapp.indexer import reindex
from tests.conftest import warm_index_dir

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attr": '"><img src=x onerror=alert(1)>',
    "single": "'><svg onload=alert(1)>",
    "entities": "&lt;b&gt;bold&lt;/b&gt; &amp; &#60;script&#62; &quot;",
    "xml": "</summary>]]><x>&",
    "hyperlink": '=HYPERLINK("http://evil.example/","x")',
    "plus": "+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)",
    "minus": "-2+3",
    "controls": "ctrl\x01\x1b[31m\ufffe\uffff end",
}
#: Entities from the alias table whose names and ids are hostile too.
ALIASES = {
    "entities": [
        {
            "name": "<img src=x onerror=alert(2)>",
            "type": "group",
            "id": 'group:"><svg onload=alert(3)>',
            "aliases": ["Zorbagroup"],
        },
        {"name": '=HYPERLINK("http://evil.example/","y")', "type": "org", "aliases": ["Quxcorp"]},
    ]
}


def records() -> list[dict[str, str]]:
    out = []
    for n, (key, x) in enumerate(HOSTILE.items()):
        out.append(
            {
                "id": f"h-{key}",
                "title": f"{x} Zorbagroup report",
                "text": f"Zorbagroup fighters moved on Palmyra. {x} said {x}.\n\nA second {x} paragraph.",
                "outlet": x,
                "agency": x,
                "author": x,
                "dateline": x,
                "url": "javascript:alert(4)",
                "published": f"2016-03-{n + 1:02d}",
            }
        )
    out.append(
        {
            "id": "h-formula-entity",
            "title": "Quxcorp statement",
            "text": "Quxcorp said nothing more.",
            "outlet": "Plain Outlet",
            "published": "2016-04-01",
        }
    )
    return out


def build(root: Path) -> tuple[Path, Path]:
    """(index, alias file) of the hostile corpus, under ``root``."""
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir(parents=True)
    (corpus / "hostile.jsonl").write_text("\n".join(json.dumps(r) for r in records()) + "\n")
    aliases = root / "aliases.json"
    aliases.write_text(json.dumps(ALIASES))
    warm_index_dir(index)
    result = reindex([corpus], index, alias_files=[aliases], workers=1)
    assert result.added == len(HOSTILE) + 1, result.summary()
    return index, aliases


#: Every element the templates write, and the attributes they use: anything else on a page came
#: from data and would be markup injected by an article, an entity or a URL parameter.
TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "header", "a", "form", "input", "button",
    "main", "div", "aside", "section", "h1", "h2", "h3", "ul", "ol", "li", "span", "p", "strong", "q",
    "mark", "nav", "details", "summary", "dl", "dt", "dd", "code", "label", "article",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "name", "content", "rel", "type", "href", "src", "defer", "class", "action",
    "method", "role", "value", "id", "placeholder", "autocomplete", "aria-label", "aria-current",
    "data-facet", "data-value", "data-id", "data-granularity", "title", "start", "size",
}  # fmt: skip


class Page(HTMLParser):
    """An HTML page's elements and its text, as a browser would parse them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.chunks).append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def problems(self) -> list[str]:
        """Markup that no template writes: an injected element, attribute, script or link."""
        found = []
        for tag, attrs in self.tags:
            if tag not in TAGS:
                found.append(f"<{tag}>")
            for name, value in attrs.items():
                if name not in ATTRIBUTES or name.startswith("on"):
                    found.append(f"<{tag} {name}=…>")
                local = value is not None and value.startswith(("/", "?", "#")) and not value.startswith("//")
                if name in ("href", "src", "action") and not local:
                    found.append(f"<{tag} {name}={value!r}>")
            if tag == "script" and attrs.get("src") != "/static/app.js":
                found.append(f"<script {attrs}>")
        if any(t.strip() for t in self.script_text):
            found.append("inline script text")
        return found
