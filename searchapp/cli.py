"""The ``searchapp`` command: a thin click layer over ingest, indexer and search."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from searchapp.errors import SearchappError
from searchapp.indexer import Progress, reindex
from searchapp.ingest import Skipped, read_paths
from searchapp.store import resolve_index_dir

INDEX_HELP = "Index directory (default: $SEARCHAPP_INDEX, else ./index)."
ALIASES_HELP = "Extra alias table (JSON, the format of searchapp/names/aliases.json); repeatable."


def alias_files(given: tuple[str, ...]) -> list[Path]:
    """``--aliases`` files, else the ``SEARCHAPP_ALIASES`` list (``:``-separated)."""
    if given:
        return [Path(p) for p in given]
    env = os.environ.get("SEARCHAPP_ALIASES", "")
    return [Path(p) for p in env.split(os.pathsep) if p]


class Group(click.Group):
    """Turns searchapp's own errors into one clear line and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearchappError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=Group)
@click.version_option(package_name="searchapp")
def main() -> None:
    """Full-text news search with facets, for news whose names are romanized many ways."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article, one per line.")
def parse(paths: tuple[str, ...], as_json: bool) -> None:
    """Show what ingestion extracts from PATHS (files or folders), to see why an article lands in
    a facet. Skipped files and records are listed on stderr with the reason."""
    count = skipped = 0
    for item in read_paths(paths):
        if isinstance(item, Skipped):
            skipped += 1
            click.echo(f"skipped {item}", err=True)
            continue
        count += 1
        if as_json:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        else:
            date = item.published.isoformat() if item.published else "undated"
            who = " / ".join(x for x in (item.outlet, item.agency) if x) or "outlet unknown"
            click.echo(f"{item.id}  {date:<25}  {who:<25}  {item.title}")
    click.echo(f"{count} articles, {skipped} skipped", err=True)


@main.command("reindex")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--index", "index_dir", help=INDEX_HELP)
@click.option("--full", is_flag=True, help="Rebuild from scratch beside the live index, then swap it in.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write each skipped file or record and why.")
@click.option("--aliases", multiple=True, type=click.Path(exists=True, dir_okay=False), help=ALIASES_HELP)
@click.option("--workers", type=click.IntRange(1, 64), help="Parser processes (default: one per core).")
def reindex_command(
    paths: tuple[str, ...],
    index_dir: str | None,
    full: bool,
    report: str | None,
    aliases: tuple[str, ...],
    workers: int | None,
) -> None:
    """Index the articles under PATHS: new and changed files are (re)indexed, files gone from PATHS
    are removed, unchanged ones skipped. Safe while the site serves: the new index is swapped in
    atomically, and a reindex killed midway leaves the old one whole."""
    root = resolve_index_dir(index_dir)
    show = sys.stderr.isatty()

    def progress(p: Progress) -> None:
        if not show:
            return
        elapsed = max(time.monotonic() - p.started, 1e-6)
        rate = p.articles / elapsed
        eta = (p.files_total - p.files_done) * elapsed / max(p.files_done, 1)
        width = 30
        filled = int(width * p.files_done / max(p.files_total, 1))
        click.echo(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {p.files_done}/{p.files_total} files"
            f"  {rate:,.0f} articles/s  ETA {eta:,.0f}s ",
            err=True,
            nl=False,
        )

    result = reindex(
        paths, root, full=full, alias_files=alias_files(aliases), workers=workers, progress=progress
    )
    if show:
        click.echo("", err=True)
    if result.stale_lock_pid:
        click.echo(f"cleared a stale lock left by PID {result.stale_lock_pid}", err=True)
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            for skip in result.skips:
                fh.write(f"{skip.source}\t{skip.reason}\n")
    elif result.skips:
        for skip in result.skips[:10]:
            click.echo(f"skipped {skip}", err=True)
        if len(result.skips) > 10:
            click.echo(f"... and {len(result.skips) - 10} more (use --report FILE)", err=True)
    click.echo(result.summary())


def _filters(f: Any) -> Any:
    options = [
        click.option("--outlet", multiple=True, help="Only this outlet (repeat for any of several)."),
        click.option("--agency", multiple=True, help="Only this wire agency (repeatable)."),
        click.option("--entity", multiple=True, help="Only articles naming this entity id (repeatable)."),
        click.option("--from", "date_from", help="From this date: YYYY, YYYY-MM or YYYY-MM-DD."),
        click.option("--to", "date_to", help="Up to this date: YYYY, YYYY-MM or YYYY-MM-DD."),
        click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance"),
        click.option("--page", default="1", help="Result page (1-based)."),
        click.option("--limit", default="20", help="Results per page, up to 1,000."),
        click.option("--exact", is_flag=True, help="Match the query's spellings only, no name variants."),
        click.option("--collapse", is_flag=True, help="One result per story (copies of one wire story)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@main.command("search")
@click.argument("query", default="")
@click.option("--index", "index_dir", help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/search.")
@click.option("--aliases", multiple=True, type=click.Path(exists=True, dir_okay=False), help=ALIASES_HELP)
@_filters
def search_command(
    query: str, index_dir: str | None, as_json: bool, aliases: tuple[str, ...], **opts: Any
) -> None:
    """Search the index for QUERY (the syntax of the search page) and print the results."""
    from searchapp.names import NameBook
    from searchapp.search import IndexHolder
    from searchapp.urlstate import from_args

    root = resolve_index_dir(index_dir)
    args: dict[str, list[str]] = {"q": [query], "page": [opts["page"]], "limit": [opts["limit"]]}
    args["sort"] = [opts["sort"]]
    for name in ("outlet", "agency", "entity"):
        args[name] = list(opts[name])
    args["from"] = [opts["date_from"]] if opts["date_from"] else []
    args["to"] = [opts["date_to"]] if opts["date_to"] else []
    args["exact"] = ["1"] if opts["exact"] else []
    args["collapse"] = ["1"] if opts["collapse"] else []
    request = from_args(args)
    with IndexHolder(root, NameBook.load(alias_files(aliases), cache_dir=root)) as holder:
        page = holder.get().search(request)
    if as_json:
        click.echo(json.dumps(page.to_json(), ensure_ascii=False, indent=1))
        return
    for note in page.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{page.total} results ({page.took_ms:.0f} ms)")
    for n, r in enumerate(page.results, start=request.offset + 1):
        meta = " · ".join(x for x in (r.outlet, r.published_label) if x)
        click.echo(f"{n:>3}. {r.title}  [{meta}]  {r.source}")
        if r.matched:
            click.echo(f"     matched: {', '.join(r.matched)}")
        if r.also:
            copies = (
                f"{c['outlet'] or 'an unknown outlet'} ({c['published_label'] or 'undated'})" for c in r.also
            )
            click.echo(f"     also published by {', '.join(copies)}")
        elif r.copies > 1:
            click.echo(f"     one of {r.copies} copies of story {r.story}")


@main.command()
@click.option("--index", "index_dir", help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(index_dir: str | None, as_json: bool) -> None:
    """Figures about the index: articles, outlets, dates, entities, size, schema, last reindex."""
    from searchapp.stats import index_stats

    figures = index_stats(resolve_index_dir(index_dir))
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    for key, value in figures.items():
        click.echo(f"{key:>16}: {value}")


@main.command()
@click.option("--index", "index_dir", help=INDEX_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask debug mode (reloader, debugger): never in production.")
def serve(index_dir: str | None, host: str, port: int, debug: bool) -> None:
    """Serve the search page for development. In production use gunicorn (see the README)."""
    from searchapp.web import create_app

    app = create_app({"INDEX": str(resolve_index_dir(index_dir))})
    click.echo(f"serving {app.config['INDEX']} on http://{host}:{port}/", err=True)
    app.run(host=host, port=port, debug=debug)


if __name__ == "__main__":  # pragma: no cover
    main()
