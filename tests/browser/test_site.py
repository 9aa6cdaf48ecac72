"""The built site in a real browser (headless Chromium, network off): pages render without console
errors, formulas are typeset and every static explorer answers its controls.

Needs `_build/html` (run after `jupyter-book build`) and Debian's chromium at /usr/bin/chromium.
In CI (CI=true) a missing browser or site is a failure; elsewhere the test says it was skipped and why.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require(condition: bool, why: str):
    if condition:
        return
    if IN_CI:
        pytest.fail(why)
    pytest.skip(f"browser test skipped: {why}")


def _chapter_pages():
    if not SITE.is_dir():
        return []
    return sorted(p.relative_to(SITE).as_posix() for p in (SITE / "book").glob("*.html"))


@pytest.fixture(scope="module")
def server():
    _require(SITE.is_dir() and (SITE / "index.html").exists(), f"the site is not built ({SITE}); run `make build`")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    _require(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _open(browser, url):
    """Open ``url`` with every request off this machine refused, collecting console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, blocked = [], []

    def route(r):
        host = urlparse(r.request.url).hostname
        if host in (None, "127.0.0.1", "localhost") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page, errors, blocked


def test_every_chapter_is_built():
    _require(SITE.is_dir(), f"the site is not built ({SITE})")
    toc = (ROOT / "_toc.yml").read_text()
    for line in toc.splitlines():
        line = line.strip()
        if line.startswith("- file:") or line.startswith("root:"):
            doc = line.split(":", 1)[1].strip()
            assert (SITE / f"{doc}.html").exists(), f"{doc} is in _toc.yml but was not built"


@pytest.mark.parametrize("page_path", _chapter_pages() or ["book/intro.html"])
def test_page_renders_and_explorers_respond_offline(server, browser, page_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, errors, blocked = _open(browser, f"{server}/{page_path}")
    try:
        assert page.locator("main h1, article h1").count() >= 1, "the page has no title"
        assert not errors, f"console errors on {page_path}: {errors}"
        assert not blocked, f"{page_path} needs the network for: {blocked}"
        # Formulas are typeset by the site's own MathJax (no CDN): every TeX span becomes MathJax output.
        if page.locator("span.math, div.math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=15000)
            assert page.locator("mjx-container").count() >= page.locator("span.math, div.math").count()
        explorers = page.locator(".sc-explorer")
        for i in range(explorers.count()):
            ex = explorers.nth(i)
            ex.scroll_into_view_if_needed()
            img = ex.locator("img.sc-frame")
            ranges = ex.locator('input[type="range"]')
            assert ranges.count() + ex.locator("select, input[type=checkbox]").count() >= 1
            for j in range(ranges.count()):
                slider = ranges.nth(j)
                before = img.get_attribute("src")
                current = int(slider.input_value())
                target = 0 if current != 0 else int(slider.get_attribute("max"))
                slider.fill(str(target))  # sets the value and fires input/change events
                after = img.get_attribute("src")
                assert after != before, f"{page_path}: explorer {i} did not change its picture for slider {j}"
                slider.fill(str(current))
            ex.screenshot(path=str(SHOTS / f"{Path(page_path).stem}-explorer{i}.png"))
        page.screenshot(path=str(SHOTS / f"{Path(page_path).stem}.png"), full_page=False)
    finally:
        page.close()
