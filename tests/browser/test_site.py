"""The built site in a real browser: headless Chromium with the network off opens every page at a phone's
width (390 px) and a laptop's (1280 px) and checks, page by page, what a reader meets:

- no console error, no failed request, and no request off this machine (every one is refused);
- every formula typeset by the site's own MathJax; no display formula wider than its box; the page
  itself no wider than the window;
- every figure shown at no less than 60% of its natural size at 1280 px (vector figures exempt);
- every explorer's slider announces its value (``aria-valuetext``) and every control changes the picture;
  moving the controls changes the explorer's text result;
- a click on any part of a solution's title bar, or on its toggle, opens that solution and no other;
- axe-core (the copy shipped in the ``axe-playwright-python`` wheel, WCAG 2.0 and 2.1 A and AA rules)
  finds no critical and no serious violation at 1280 px;
- search result snippets show page text, from ``http://`` and from ``file://``; MathJax's speech explorer
  finds its maps.

Screenshots of every page at both widths go to ``_build/screenshots/``, and the measurements to
``_build/screenshots/survey.json``. One browser visits every page once per width.

Needs ``_build/html`` (run after ``jupyter-book build``) and Debian's chromium at /usr/bin/chromium.
In CI (CI=true) a missing browser or site is a failure; elsewhere the test says it was skipped and why.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("STEPCOURSE_SITE", ROOT / "_build" / "html"))
SHOTS = SITE.parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = (390, 1280)
LAPTOP = 1280
MIN_FIGURE_SCALE = 0.6
MAX_PAGE_BYTES = 3_000_000
# WCAG 2.0 and 2.1, levels A and AA; plus the (experimental, so off by default) check that a control's
# label contains its visible text, which speech-input users rely on.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_EXTRA_RULES = ["label-content-name-mismatch"]
CODE_CONTRAST_BLOCKS = 3
SETTLE_MS = 60_000  # generous: a loaded 2-core machine typesets a chapter's formulas slowly
SHOT_MAX_HEIGHT = 6000  # px of each page in its screenshot (the top of a long chapter)


def _require(condition: bool, why: str):
    if condition:
        return
    if IN_CI:
        pytest.fail(why)
    pytest.skip(f"browser test skipped: {why}")


def _pages():
    if not SITE.is_dir():
        return []
    pages = sorted(p.relative_to(SITE).as_posix() for p in (SITE / "book").glob("*.html"))
    return pages + (["search.html"] if (SITE / "search.html").exists() else [])


# -- what the page measures about itself ----------------------------------------------------------------

MEASURE = r"""
() => {
  const W = document.documentElement.clientWidth;
  const where = (el) => {
    const s = el.closest("section[id]");
    return s ? "#" + s.id : "(top)";
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const clipsX = (el) => { const o = getComputedStyle(el).overflowX; return o !== "visible"; };
  // elements reaching past the window's right edge, not inside a box that scrolls or clips them
  const sticking = [];
  if (document.documentElement.scrollWidth > W + 1) {
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= W + 1) continue;
      let a = el.parentElement, clipped = false;
      while (a && a !== document.body) { if (clipsX(a)) { clipped = true; break; } a = a.parentElement; }
      if (clipped) continue;
      const p = el.parentElement;
      if (p && p.getBoundingClientRect().right > W + 1 && !clipsX(p) && p !== document.body) continue;
      sticking.push(`${describe(el)} in ${where(el)} reaches ${Math.round(r.right)} px: ` +
                    (el.textContent || "").trim().slice(0, 60));
      if (sticking.length >= 5) break;
    }
  }
  const equations = [];
  document.querySelectorAll("div.math").forEach((d) => {
    const c = d.querySelector("mjx-container");
    if (!c) { equations.push({where: where(d), typeset: false}); return; }
    equations.push({where: where(d), typeset: true, need: c.scrollWidth, box: c.clientWidth,
                    vclip: c.scrollHeight > c.clientHeight + 1, outer: d.scrollWidth > d.clientWidth + 1,
                    font: c.style.fontSize || ""});
  });
  const inlineOut = [];
  let inlineScrolling = 0;
  document.querySelectorAll("span.math > mjx-container").forEach((c) => {
    const span = c.parentElement;
    const scrolls = span.classList.contains("sc-scrolls");
    inlineScrolling += scrolls ? 1 : 0;
    const block = c.closest("p, li, td, th, dd, .admonition-title") || span;
    const r = (scrolls ? span : c).getBoundingClientRect(), b = block.getBoundingClientRect();
    if (r.right > b.right + 1 || r.left < b.left - 1) inlineOut.push(where(c));
  });
  const figures = [];
  document.querySelectorAll("article img").forEach((img) => {
    const src = img.currentSrc || img.src || "";
    // a figure drawn at 2x for high-density screens states its CSS size (style or width attribute)
    const styled = img.style.width.endsWith("px") ? parseFloat(img.style.width) : NaN;
    const attr = parseFloat(img.getAttribute("width") || "");
    const natural = styled > 0 ? styled : attr > 0 ? attr : img.naturalWidth;
    const shown = img.getBoundingClientRect().width;
    const r = img.getBoundingClientRect();
    const ratio = img.naturalWidth && img.naturalHeight && r.height ?
      (r.width / r.height) / (img.naturalWidth / img.naturalHeight) : 1;
    figures.push({where: where(img), aspect: Math.round(ratio * 1000) / 1000, src: src.startsWith("data:") ? src.slice(0, 30) : src.split("/").pop(),
                  natural, shown: Math.round(shown * 10) / 10, frame: img.classList.contains("sc-frame"),
                  vector: /\.svg($|[?#])/.test(src) || src.startsWith("data:image/svg"),
                  visible: shown > 0});
  });
  const scrolls = (sel) => [...document.querySelectorAll(sel)].filter(
    (e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1).length;
  const mathSpans = document.querySelectorAll("span.math, div.math").length;
  const res = performance.getEntriesByType("resource");
  const nav = performance.getEntriesByType("navigation")[0];
  const images = res.filter((r) => r.initiatorType === "img").reduce((s, r) => s + (r.encodedBodySize || 0), 0);
  return {
    window: W, page_width: document.documentElement.scrollWidth, sticking, equations,
    inline_math_outside: inlineOut, inline_math_scrolling: inlineScrolling, figures, math_spans: mathSpans,
    mjx: document.querySelectorAll("mjx-container").length,
    code_blocks_scrolling: scrolls("div.cell_input pre, div.highlight pre"),
    output_blocks_scrolling: scrolls("div.cell_output pre"),
    wide_tables: document.querySelectorAll(".pst-scrollable-table-container.sc-wide").length,
    tables: document.querySelectorAll("article table").length,
    page_bytes: (nav ? nav.encodedBodySize : 0) + images,
  };
}
"""


# -- browsing --------------------------------------------------------------------------------------------

class Visit:
    """One browser tab at one width, reused for every page; collects errors and refused requests."""

    def __init__(self, browser, width):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(SETTLE_MS)
        self.page.set_default_navigation_timeout(SETTLE_MS)
        self.errors, self.blocked, self.failed = [], [], []
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on("requestfailed", self._request_failed)

    def _request_failed(self, request):
        if request.url not in self.blocked:  # refused requests are reported as such
            self.failed.append(f"failed {request.url}: {request.failure}")

    def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "file:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, url):
        self.errors.clear(), self.blocked.clear(), self.failed.clear()
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("document.documentElement.dataset.scLayout === 'done'", timeout=SETTLE_MS)

    def close(self):
        self.context.close()


def _axe(page, script):
    """axe-core's violations on the page (WCAG 2.0/2.1 A and AA).

    Colour contrast, by far the slowest rule, skips the inside of formulas (they take the colour of the
    text around them) and checks the syntax colours of code on the first CODE_CONTRAST_BLOCKS code cells
    of each page (every cell uses the same few colours; checking all of them took a minute per chapter).
    """
    page.evaluate(script)
    # preload: false - axe would fetch the style sheets again, resolving their @import against the page
    result = page.evaluate(
        """async ([tags, extra, blocks]) => {
            const rules = Object.fromEntries(extra.map((r) => [r, {enabled: true}]));
            rules["color-contrast"] = {enabled: false};
            const base = {resultTypes: ["violations"], preload: false};
            const found = (await axe.run(document, {...base, runOnly: {type: "tag", values: tags}, rules}))
                .violations;
            const contrast = {...base, runOnly: {type: "rule", values: ["color-contrast"]}};
            const skipped = [...document.querySelectorAll("div.highlight")].slice(blocks);
            found.push(...(await axe.run({exclude: [["mjx-container"], ...skipped]}, contrast)).violations);
            return found;
        }""", [AXE_TAGS, AXE_EXTRA_RULES, CODE_CONTRAST_BLOCKS])
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "target": v["nodes"][0]["target"] if v["nodes"] else []} for v in result]


TOGGLE_STATE = """(box) => ({hidden: box.classList.contains('toggle-hidden'),
  shown: [...box.children].filter(c => !c.classList.contains('admonition-title'))
         .some(c => c.getClientRects().length && getComputedStyle(c).visibility !== 'hidden'),
  others: [...document.querySelectorAll('.admonition.toggle')].filter(b => b !== box &&
          !b.classList.contains('toggle-hidden')).length})"""

# Where a reader clicks: the middle of the title bar (where the exercise reference sat), the exercise
# reference itself, and the toggle button. Returns viewport points after scrolling the bar into view.
CLICK_POINTS = """(box) => {
  const title = box.querySelector(':scope > .admonition-title');
  title.scrollIntoView({block: 'center'});
  const centre = (el) => { const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
  const points = [['title bar', centre(title)]];
  const ref = title.querySelector('.sc-exercise-ref, a');
  if (ref) points.push(['exercise reference', centre(ref)]);
  const button = title.querySelector('.toggle-button');
  if (button) points.push(['toggle button', centre(button)]);
  return points;
}"""


def _check_toggles(visit):
    """Open and close every toggled box with a real mouse click on its title bar, on the exercise
    reference in it and on its button; every click must act on that box alone, with no page error."""
    page, problems, clicks = visit.page, [], 0
    boxes = page.locator(".admonition.toggle")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        name = (box.locator(":scope > .admonition-title").text_content() or "").strip()[:50]
        if not box.evaluate(TOGGLE_STATE)["hidden"]:
            problems.append(f"{name!r} is open before any click")
            continue
        for what, (x, y) in box.evaluate(CLICK_POINTS):
            before_errors = len(visit.errors)
            page.mouse.click(x, y)
            clicks += 1
            state = box.evaluate(TOGGLE_STATE)
            if state["hidden"] or not state["shown"]:
                problems.append(f"{name!r}: a click on its {what} did not open it")
            if state["others"]:
                problems.append(f"{name!r}: a click on its {what} opened another box too")
            page.mouse.click(x, y)  # and closed again (the bar stays where it was: the box opens below)
            clicks += 1
            if not box.evaluate(TOGGLE_STATE)["hidden"]:
                problems.append(f"{name!r}: a second click on its {what} did not close it")
            if len(visit.errors) > before_errors:
                problems.append(f"{name!r}: clicking its {what} raised {visit.errors[before_errors:]}")
    details = page.locator("details.toggle-details, details.dropdown")
    for i in range(details.count()):
        d = details.nth(i)
        summary = d.locator(":scope > summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        clicks += 1
        if not d.evaluate("(d) => d.open"):
            problems.append(f"details {i}: a click on its summary did not open it")
        summary.click()
    return {"boxes": boxes.count(), "details": details.count(), "clicks": clicks, "problems": problems}


def _check_explorers(visit, stem):
    page, problems, report = visit.page, [], []
    explorers = page.locator(".sc-explorer")
    for i in range(explorers.count()):
        ex = explorers.nth(i)
        ex.scroll_into_view_if_needed()
        img = ex.locator("img.sc-frame")
        result = ex.locator(".sc-explorer-result")
        ranges = ex.locator('input[type="range"]')
        others = ex.locator("select, input[type=checkbox]")
        if ranges.count() + others.count() == 0:
            problems.append(f"explorer {i} has no control")
        if result.count() != 1:
            problems.append(f"explorer {i} has no text result line (.sc-explorer-result)")
        elif result.get_attribute("aria-live") not in ("polite", "assertive"):
            problems.append(f"explorer {i}: its result line is not an aria-live region")
        texts = {result.text_content() if result.count() == 1 else ""}
        for j in range(ranges.count()):
            slider = ranges.nth(j)
            if not (slider.get_attribute("aria-valuetext") or "").strip():
                problems.append(f"explorer {i}: slider {j} has no aria-valuetext")
            before_src, before_said = img.get_attribute("src"), slider.get_attribute("aria-valuetext")
            current = int(slider.input_value())
            target = 0 if current != 0 else int(slider.get_attribute("max"))
            slider.fill(str(target))  # sets the value and fires input/change events
            if img.get_attribute("src") == before_src:
                problems.append(f"explorer {i}: slider {j} did not change the picture")
            if slider.get_attribute("aria-valuetext") == before_said:
                problems.append(f"explorer {i}: slider {j} announces the same value at {current} and {target}")
            if result.count() == 1:
                texts.add(result.text_content())
            slider.fill(str(current))
        for j in range(others.count()):
            control = others.nth(j)
            before_src = img.get_attribute("src")
            if control.evaluate("(e) => e.tagName") == "SELECT":
                values = control.evaluate("(e) => [...e.options].map(o => o.value)")
                current = control.input_value()
                control.select_option([v for v in values if v != current][0])
                changed = img.get_attribute("src") != before_src
                if result.count() == 1:
                    texts.add(result.text_content())
                control.select_option(current)
            else:
                control.click()
                changed = img.get_attribute("src") != before_src
                if result.count() == 1:
                    texts.add(result.text_content())
                control.click()
            if not changed:
                problems.append(f"explorer {i}: control {j} ({control.evaluate('(e) => e.tagName')}) did not "
                                "change the picture")
        if result.count() == 1 and len(texts) < 2:
            problems.append(f"explorer {i}: its text result never changed: {sorted(texts)}")
        report.append({"controls": ranges.count() + others.count(), "results_seen": len(texts)})
        ex.screenshot(path=str(SHOTS / f"{stem}-explorer{i}.png"))
    return {"explorers": report, "problems": problems}


def _visit_all(browser, server, axe_script):
    SHOTS.mkdir(parents=True, exist_ok=True)
    survey = {}
    for width in WIDTHS:
        visit = Visit(browser, width)
        try:
            for page_path in _pages():
                stem = Path(page_path).stem
                entry = survey.setdefault(page_path, {})[width] = {}
                started = time.perf_counter()
                try:
                    visit.open(f"{server}/{page_path}")
                    entry["has_title"] = visit.page.locator("main h1, article h1").count() >= 1
                    entry.update(visit.page.evaluate(MEASURE))
                    height = min(SHOT_MAX_HEIGHT, visit.page.evaluate("document.documentElement.scrollHeight"))
                    visit.page.screenshot(path=str(SHOTS / f"{stem}-{width}.jpg"), full_page=True, type="jpeg",
                                          quality=70, clip={"x": 0, "y": 0, "width": width, "height": height})
                    if width == LAPTOP:
                        entry["axe"] = _axe(visit.page, axe_script)
                        entry["toggles"] = _check_toggles(visit)
                        entry["explorer_check"] = _check_explorers(visit, stem)
                except Exception as exc:  # recorded, so the other pages are still checked and reported
                    entry["exception"] = f"{type(exc).__name__}: {exc}"
                entry["errors"] = list(visit.errors)
                entry["blocked"] = list(visit.blocked)
                entry["failed"] = list(visit.failed)
                entry["seconds"] = round(time.perf_counter() - started, 1)
        finally:
            visit.close()
    (SHOTS / "survey.json").write_text(json.dumps(survey, indent=1))
    return survey


# -- fixtures --------------------------------------------------------------------------------------------

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
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    _require(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_script():
    axe = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python ships axe-core")
    path = Path(axe.__file__).parent / "axe.min.js"
    _require(path.is_file(), f"axe-core is missing from {path.parent}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def survey(browser, server, axe_script):
    return _visit_all(browser, server, axe_script)


def _each(survey, check, widths=WIDTHS):
    """Problems found by check(entry) -> list[str], labelled by page and width."""
    problems = []
    for page_path, by_width in survey.items():
        for width in widths:
            entry = by_width.get(width, {})
            if "exception" in entry:
                problems.append(f"{page_path} at {width} px: {entry['exception']}")
                continue
            problems += [f"{page_path} at {width} px: {p}" for p in check(entry)]
    return problems


# -- the checks ------------------------------------------------------------------------------------------

def test_every_chapter_is_built():
    _require(SITE.is_dir(), f"the site is not built ({SITE})")
    toc = (ROOT / "_toc.yml").read_text()
    for line in toc.splitlines():
        line = line.strip()
        if line.startswith("- file:") or line.startswith("root:"):
            doc = line.split(":", 1)[1].strip()
            assert (SITE / f"{doc}.html").exists(), f"{doc} is in _toc.yml but was not built"


def test_pages_load_offline_without_errors(survey):
    def check(e):
        out = [] if e.get("has_title") else ["the page has no title"]
        out += [f"console: {m}" for m in e["errors"]]
        out += [f"needs the network for {u}" for u in e["blocked"]]
        out += [f"request failed: {u}" for u in e["failed"]]
        return out
    problems = _each(survey, check)
    assert not problems, "\n".join(problems)


def test_every_formula_is_typeset(survey):
    problems = _each(survey, lambda e: [] if e["mjx"] >= e["math_spans"] else
                     [f"{e['math_spans']} formulas, {e['mjx']} typeset"])
    assert not problems, "\n".join(problems)


def test_no_page_is_wider_than_the_window(survey):
    problems = _each(survey, lambda e: [] if e["page_width"] <= e["window"] + 1 else
                     [f"the page is {e['page_width']} px wide: " + "; ".join(e["sticking"])])
    assert not problems, "\n".join(problems)


def test_display_formulas_fit_their_box(survey):
    def check(e):
        out = []
        for q in e["equations"]:
            if not q["typeset"]:
                out.append(f"formula in {q['where']} not typeset")
            elif q["need"] > q["box"] + 1 or q["outer"]:
                out.append(f"formula in {q['where']} needs {q['need']} px in a {q['box']} px box")
            elif q["vclip"]:
                out.append(f"formula in {q['where']} is cut at the top or bottom")
        out += [f"inline formula in {w} reaches outside its paragraph" for w in e["inline_math_outside"]]
        return out
    problems = _each(survey, check)
    assert not problems, "\n".join(problems)


def test_figures_are_shown_near_their_natural_size(survey):
    def check(e):
        out = []
        for f in e["figures"]:
            if f["vector"] or not f["natural"]:
                continue
            if not f["visible"]:
                continue  # inside a closed solution
            if abs(f["aspect"] - 1) > 0.02:
                out.append(f"figure {f['src']} in {f['where']} is distorted (aspect x{f['aspect']})")
            if f["shown"] < MIN_FIGURE_SCALE * f["natural"]:
                out.append(f"figure {f['src']} in {f['where']} is shown {f['shown']:.0f} px wide, "
                           f"{f['shown'] / f['natural']:.0%} of its {f['natural']:.0f} px")
        return out
    problems = _each(survey, check, widths=(LAPTOP,))
    problems += [p for p in _each(survey, lambda e: [m for m in check(e) if "distorted" in m], widths=(390,))]
    assert not problems, "\n".join(problems)


def test_explorers_answer_and_say_what_they_show(survey):
    problems = _each(survey, lambda e: e["explorer_check"]["problems"], widths=(LAPTOP,))
    assert not problems, "\n".join(problems)


def test_solution_bars_open_their_own_solution(survey):
    problems = _each(survey, lambda e: e["toggles"]["problems"], widths=(LAPTOP,))
    assert not problems, "\n".join(problems)
    assert sum(e[LAPTOP]["toggles"]["boxes"] for e in survey.values()) > 0, "no solution found on any page"


def test_axe_finds_no_critical_or_serious_violation(survey):
    problems = _each(survey, lambda e: [f"axe {v['impact']}: {v['id']} on {v['nodes']} nodes, e.g. {v['target']}"
                                        for v in e["axe"] if v["impact"] in ("critical", "serious")],
                     widths=(LAPTOP,))
    assert not problems, "\n".join(problems)


def test_screenshots_of_both_widths_are_saved(survey):
    missing = [f"{Path(p).stem}-{w}.jpg" for p in survey for w in WIDTHS
               if not (SHOTS / f"{Path(p).stem}-{w}.jpg").is_file()]
    assert not missing, f"missing screenshots in {SHOTS}: {missing}"


def test_heaviest_page_is_light(survey):
    sizes = {p: max(e[w].get("page_bytes", 0) for w in WIDTHS) for p, e in survey.items()}
    heaviest = max(sizes, key=sizes.get)
    print(f"heaviest page with its pictures: {heaviest} {sizes[heaviest] / 1e6:.2f} MB")
    assert sizes[heaviest] < MAX_PAGE_BYTES, f"{heaviest} weighs {sizes[heaviest] / 1e6:.2f} MB with its pictures"


SEARCH_JUNK = ("Repository", "Open issue", "Download", "Launch", "Binder", "Colab", ".ipynb", "Skip to main")


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_search_snippets_show_page_text(browser, server, scheme):
    visit = Visit(browser, LAPTOP)
    base = server if scheme == "http" else SITE.resolve().as_uri()
    try:
        visit.open(f"{base}/search.html?q=gradient")
        visit.page.wait_for_selector("#search-results li", timeout=SETTLE_MS)
        visit.page.wait_for_function(
            "document.querySelectorAll('#search-results li p.context').length >= "
            "Math.min(3, document.querySelectorAll('#search-results li').length)", timeout=SETTLE_MS)
        snippets = visit.page.locator("#search-results li p.context").all_text_contents()
        assert snippets, f"no search snippet under {scheme}://"
        for text in snippets:
            assert text.strip(), "an empty snippet"
            junk = [w for w in SEARCH_JUNK if w in text[:120]]
            assert not junk, f"snippet starts with the page header ({junk}): {text[:120]!r}"
        assert any("gradient" in t.lower() for t in snippets), snippets[:3]
        assert not visit.errors, visit.errors
        assert not visit.blocked, visit.blocked
    finally:
        visit.close()


def test_speech_explorer_finds_its_maps(browser, server):
    """Turning on MathJax's explorer (as the formula menu does) loads the speech rule engine and its maps
    (sre/mathmaps) from the site itself."""
    visit = Visit(browser, LAPTOP)
    try:
        visit.open(f"{server}/book/intro.html")
        with visit.page.expect_response(lambda r: r.url.endswith("/sre/mathmaps/en.json"),
                                        timeout=SETTLE_MS) as english:
            visit.page.evaluate("MathJax.startup.document.menu.menu.pool.lookup('explorer').setValue(true)")
        assert english.value.status == 200, english.value.url
        visit.page.wait_for_timeout(500)
        assert not visit.failed, visit.failed
        assert not visit.blocked, visit.blocked
    finally:
        visit.close()
