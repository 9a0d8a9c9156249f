"""The web app: ``create_app()``, one blueprint, error pages. Thin over ``search``.

Every HTML page has a JSON twin built from the same context (``/search`` and ``/api/search``,
``/article/<id>`` and ``/api/article/<id>``). All search state is in the URL (see ``urlstate``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from searchapp.errors import BadRequest, NotFound, SearchappError
from searchapp.names import NameBook
from searchapp.search import GenerationSearcher, IndexHolder
from searchapp.spellings import resolve, spellings, spellings_args
from searchapp.store import resolve_index_dir
from searchapp.urlstate import SearchRequest, from_args, query_string

ROOT = Path(__file__).resolve().parent.parent
FEED_SIZE = 50
EXPORT_MAX = 100_000
EXPORT_BATCH = 500
_ARTICLE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then ``SEARCHAPP_*`` environment variables, then ``test_config``."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(INDEX=str(resolve_index_dir()), ALIASES="", SITE_NAME="searchapp")
    app.config.from_prefixed_env("SEARCHAPP")
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # "/article/%2F0" is a bad id (404), not a redirect to another article's URL
    app.url_map.merge_slashes = False
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.register_error_handler(SearchappError, _searchapp_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.extensions["searchapp.holder"] = None
    app.add_template_filter(query_string, "qs_of")
    app.add_template_filter(atom_date, "atom_date")
    return app


def atom_date(published: str | None) -> str:
    """An RFC 3339 timestamp for Atom, which has no partial dates: the start of what is known.

    >>> atom_date("2016-03-30T07:16+05:30"), atom_date("2016-04"), atom_date("--04-03")
    ('2016-03-30T07:16:00+05:30', '2016-04-01T00:00:00Z', '1970-01-01T00:00:00Z')
    """
    if not published or published.startswith("--"):
        return "1970-01-01T00:00:00Z"
    date, _, time = published.partition("T")
    parts = (date.split("-") + ["01", "01"])[:3]
    date = "-".join(parts)
    if not time:
        return f"{date}T00:00:00Z"
    zone = ""
    for sign in "+-Z":
        if sign in time:
            at = time.index(sign)
            time, zone = time[:at], time[at:]
            break
    clock = (time.split(":") + ["00", "00"])[:3]
    return f"{date}T{':'.join(clock)}{zone or 'Z'}"


def _holder() -> IndexHolder:
    holder = current_app.extensions.get("searchapp.holder")
    if holder is None:
        index = Path(current_app.config["INDEX"])
        aliases = [Path(p) for p in str(current_app.config.get("ALIASES") or "").split(":") if p]
        holder = IndexHolder(index, NameBook.load(aliases, cache_dir=index))
        current_app.extensions["searchapp.holder"] = holder
    return holder


def _searcher() -> GenerationSearcher:
    return _holder().get()


def _wants_json() -> bool:
    return request.path.startswith("/api/")


# --- search ---------------------------------------------------------------------------------------


def _page_context(req: SearchRequest) -> dict[str, Any]:
    page = _searcher().search(req)
    for entry in page.facets.get("entity", []):
        entry["spellings_url"] = url_for("search.spellings_page", entity=entry["value"])
    return {"page": page, "req": req, "qs": query_string(req)}


@bp.route("/")
@bp.route("/search")
def search_page() -> str:
    req = from_args(request.args)
    ctx = _page_context(req)
    page = ctx["page"]
    ctx["prev_url"] = query_string(req.with_(page=req.page - 1)) if req.page > 1 else None
    ctx["next_url"] = query_string(req.with_(page=req.page + 1)) if req.page < page.pages else None
    ctx["sort_urls"] = {s: query_string(req.with_(sort=s)) for s in ("relevance", "newest", "oldest")}
    ctx["exact_url"] = query_string(req.with_(exact=not req.exact))
    ctx["collapse_url"] = query_string(req.with_(collapse=not req.collapse))
    ctx["count_urls"] = {c: query_string(req.with_(count=c)) for c in ("articles", "stories")}
    ctx["clear_dates_url"] = query_string(req.with_(date_from=None, date_to=None))
    return render_template("search.html", **ctx)


@bp.route("/api/search")
def api_search() -> Response:
    req = from_args(request.args)
    return jsonify(_page_context(req)["page"].to_json())


# --- articles -------------------------------------------------------------------------------------


def _article(article_id: str) -> dict[str, Any]:
    if not _ARTICLE_ID.fullmatch(article_id):
        raise NotFound(f"no article with id {article_id!r}")
    searcher = _searcher()
    article = searcher.article(article_id)
    article["story"] = searcher.story(article_id)
    return article


def _back_query() -> str | None:
    """The search this article was opened from, re-canonicalised so it cannot point elsewhere."""
    back = request.args.get("back")
    if not back:
        return None
    try:
        req = from_args(parse_qs(back.lstrip("?")))
    except BadRequest:
        return None
    return query_string(req)


@bp.route("/article/<path:article_id>")
def article_page(article_id: str) -> str:
    article = _article(article_id)
    back_qs = _back_query()
    back = url_for("search.search_page") + back_qs if back_qs is not None else None
    return render_template("article.html", article=article, back=back, back_qs=back_qs)


@bp.route("/api/article/<path:article_id>")
def api_article(article_id: str) -> Response:
    return jsonify(_article(article_id))


# --- spellings --------------------------------------------------------------------------------------


def _spellings(api: bool) -> Any:
    """``?entity=ID``: the view; ``?name=SPELLING``: a redirect to the entity it spells."""
    entity, name = spellings_args(request.args)
    endpoint = "search.api_spellings" if api else "search.spellings_page"
    if entity is None:
        assert name is not None
        found = resolve(_searcher(), name)
        if not found:
            raise NotFound(f"no name spelled {name!r} in the index")
        return redirect(url_for(endpoint, entity=found[0]))
    return spellings(_searcher(), entity, search_path=url_for("search.search_page"))


@bp.route("/spellings")
def spellings_page() -> Any:
    view = _spellings(api=False)
    if not isinstance(view, dict):
        return view  # the redirect of ?name=
    return render_template("spellings.html", view=view, req=None)


@bp.route("/api/spellings")
def api_spellings() -> Any:
    view = _spellings(api=True)
    return jsonify(view) if isinstance(view, dict) else view


# --- feeds, export, opensearch ----------------------------------------------------------------------


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry at all, escaped or not (control
    characters, U+FFFE, U+FFFF), which scraped text and queries may hold: one makes a feed unreadable.

    >>> xml_chars("ctrl\\x01\\x1b[31m\\ufffe end\\n")
    'ctrl[31m end\\n'
    """
    return _NOT_XML.sub("", text)


@bp.route("/feed")
def feed() -> Response:
    req = from_args(request.args).with_(sort="newest", limit=FEED_SIZE)
    page = _searcher().search(req)
    body = render_template(
        "feed.xml",
        page=page,
        req=req,
        search_url=url_for("search.search_page", _external=True) + query_string(req.with_(sort="relevance")),
        self_url=request.url,
    )
    return Response(xml_chars(body), mimetype="application/atom+xml")


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; answer with the SVG icon."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/opensearch.xml")
def opensearch() -> Response:
    body = render_template("opensearch.xml", root=request.host_url.rstrip("/"))
    return Response(body, mimetype="application/opensearchdescription+xml")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula.

    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-2 dead"), csv_cell("Reuters")
    ('\\'=HYPERLINK("http://x")', "'-2 dead", 'Reuters')
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


EXPORT_COLUMNS = ("id", "title", "outlet", "agency", "published", "precision", "dateline", "source", "url")


@bp.route("/export.csv")
def export_csv() -> Response:
    base = from_args(request.args)
    searcher = _searcher()

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*EXPORT_COLUMNS, "entities"])
        page_no, sent = 1, 0
        while sent < EXPORT_MAX:
            req = base.with_(page=page_no, limit=EXPORT_BATCH)
            page = searcher.search(req)
            for r in page.results:
                stored = searcher.article(r.id)
                writer.writerow(
                    [csv_cell(stored.get(c)) for c in EXPORT_COLUMNS]
                    + [csv_cell("; ".join(e["name"] for e in r.entities))]
                )
                sent += 1
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if page_no >= page.pages or not page.results:
                break
            page_no += 1

    headers = {"Content-Disposition": 'attachment; filename="searchapp-results.csv"'}
    return Response(stream_with_context(rows()), mimetype="text/csv", headers=headers)


# --- errors and headers ---------------------------------------------------------------------------


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _error_response(status: int, title: str, message: str) -> tuple[Any, int]:
    if _wants_json():
        return jsonify({"error": title, "message": message, "status": status}), status
    return render_template("error.html", status=status, title=title, message=message), status


def _searchapp_error(exc: SearchappError) -> tuple[Any, int]:
    titles = {400: "Bad request", 404: "Not found", 409: "Busy", 503: "Index unavailable"}
    return _error_response(exc.status, titles.get(exc.status, "Error"), str(exc))


def _http_error(exc: HTTPException) -> tuple[Any, int]:
    return _error_response(exc.code or 500, exc.name, exc.description or exc.name)


def _unexpected_error(exc: Exception) -> tuple[Any, int]:
    log.exception("unexpected error on %s", request.path)
    return _error_response(500, "Internal error", "Something went wrong; the error was logged.")
