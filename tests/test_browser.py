"""The search page in a real headless Chromium (Debian's), driven by Playwright, over gunicorn."""

from __future__ import annotations

import os
import shutil
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from tests.conftest import ARTIFACTS, Gunicorn
from tests.hostile import ALIASES, HOSTILE, build

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: .ci/run must install it (make browser)")
    pytest.skip("chromium is not installed (run `make browser`)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def state(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def result_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("li.hit h3").all_inner_texts()


def watch(page, base_url: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Collect the page's requests to other origins and its console errors (CSP violations show there)."""
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base_url) else external.append(r.url))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return external, errors


def test_search_facets_back_and_article(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    external, errors = watch(page, live_server.url)

    # 1. Type a query.
    page.goto(live_server.url + "/")
    page.fill("#q", "Qaryatayn")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=Qaryatayn")
    assert state(page.url) == {"q": ["Qaryatayn"]}
    assert len(result_titles(page)) == 5
    assert page.locator("#total").inner_text().startswith("5 articles")
    assert page.locator("mark", has_text="Quaryatayn").count() >= 1

    # 2. Click a facet value.
    page.click("ul.facet[data-facet=outlet] a[data-value=AFP]")
    page.wait_for_url("**outlet=AFP**")
    assert state(page.url) == {"q": ["Qaryatayn"], "outlet": ["AFP"]}
    assert result_titles(page) == ["Army pressures ISIS in central Syria"]

    # 3. Click a second value of the same facet: OR within a facet.
    page.click("ul.facet[data-facet=outlet] a[data-value=Reuters]")
    page.wait_for_url("**outlet=Reuters**")
    assert state(page.url) == {"q": ["Qaryatayn"], "outlet": ["AFP", "Reuters"]}
    assert sorted(result_titles(page)) == [
        "Army pressures ISIS in central Syria",
        "Syrian Forces Seize Daesh-Held Town Near Palmyra",
    ]
    reuters = page.locator("ul.facet[data-facet=outlet] li", has_text="Reuters")
    assert reuters.locator(".count").inner_text() == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)

    # 4. Go back: the previous search state, from the URL alone.
    page.go_back()
    page.wait_for_url("**outlet=AFP")
    assert state(page.url) == {"q": ["Qaryatayn"], "outlet": ["AFP"]}
    assert result_titles(page) == ["Army pressures ISIS in central Syria"]

    # 5. Open an article, and come back to the search it came from.
    page.click("li.hit h3 a")
    page.wait_for_url("**/article/**")
    assert page.locator("h1").inner_text() == "Army pressures ISIS in central Syria"
    assert "Beirut" in page.locator("dl.meta").inner_text()
    page.click("a.back")
    page.wait_for_url("**/search?q=Qaryatayn&outlet=AFP")
    assert result_titles(page) == ["Army pressures ISIS in central Syria"]

    assert external == [], f"the page loaded from elsewhere: {external}"
    assert errors == [], f"console errors (CSP violations show here): {errors}"
    page.close()


def test_bad_parameter_page_in_the_browser(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    response = page.goto(live_server.url + "/search?from=2016-13-45")
    assert response is not None and response.status == 400
    assert "from: '2016-13-45' is not a date" in page.locator(".message").inner_text()
    page.close()


def test_collapse_spellings_and_same_story(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    external, errors = watch(page, live_server.url)

    # One result per story, with the other copies named.
    page.goto(live_server.url + "/search?q=Qaryatayn")
    page.click("a.collapse")
    page.wait_for_url("**collapse=1**")
    assert state(page.url) == {"q": ["Qaryatayn"], "collapse": ["1"]}
    assert len(result_titles(page)) == 3
    assert page.locator("#total").inner_text().startswith("3 stories")
    assert page.locator("p.also", has_text="also published by").count() == 1

    # From a copy, to the other copies and what they changed.
    page.locator("p.also a").first.click()
    page.wait_for_url("**/article/**")
    section = page.locator("#same-story")
    assert "Same story elsewhere" in section.inner_text()
    section.locator("summary").first.click()
    assert section.locator(".diff p").first.is_visible()

    # A matched spelling leads to how each outlet spells the place.
    page.goto(live_server.url + "/search?q=Qaryatayn")
    page.click("p.matched a.spelling:text-is('Quaryatayn')")
    page.wait_for_url("**/spellings?entity=**")
    row = page.locator("tr[data-spelling=Quaryatayn]").first
    assert "FNA" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "spellings.png"), full_page=True)

    assert external == [], f"the page loaded from elsewhere: {external}"
    assert errors == [], f"console errors (CSP violations show here): {errors}"
    page.close()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    index, aliases = build(tmp_path_factory.mktemp("hostile-browser"))
    server = Gunicorn(index, env={"SEARCHAPP_ALIASES": str(aliases)})
    yield server
    server.stop()


def test_hostile_articles_and_queries_run_no_script(browser, hostile_server) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    urls = [
        "/search?q=Zorbagroup&limit=100",
        "/search?q=" + quote("script OR onerror OR svg OR HYPERLINK OR summary"),
        "/search?" + urlencode({"entity": ALIASES["entities"][0]["id"], "outlet": HOSTILE["attr"]}),
        "/search?q=" + quote('"><img src=x onerror=alert(5)><script>alert(6)</script>'),
        "/article/h-script?back=" + quote('?q=<script>alert(7)</script>&outlet="><b>'),
        *[f"/article/h-{key}?back=%3Fq%3DZorbagroup" for key in HOSTILE],
    ]
    for url in urls:
        response = page.goto(hostile_server.url + url)
        assert response is not None and response.status == 200, url
        # The hostile <img>, <svg> and <x> never became elements; the only script is the site's own.
        assert page.evaluate("document.querySelectorAll('img, svg, x, iframe, object').length") == 0, url
        scripts = page.evaluate("[...document.scripts].map(s => s.src || s.textContent)")
        assert scripts == [hostile_server.url + "/static/app.js"], url
    page.goto(hostile_server.url + urls[0])
    titles = page.locator("li.hit h3").all_inner_texts()
    assert "<script>alert(1)</script> Zorbagroup report" in titles
    assert '"><img src=x onerror=alert(1)> Zorbagroup report' in titles
    assert (
        page.locator("ul.facet[data-facet=outlet] .label", has_text="<script>alert(1)</script>").count() == 1
    )
    assert dialogs == [], f"a script ran: {dialogs}"
    assert errors == [], f"console errors (a blocked inline script shows here): {errors}"
    page.close()
