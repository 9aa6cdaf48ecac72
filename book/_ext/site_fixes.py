"""Small Sphinx additions for the course site.

1. MathJax from the site itself: when the ``django-static-mathjax`` wheel (MathJax 3.2.2 as package data,
   no Django needed) is installed, the parts of MathJax the pages use are copied into ``_static/mathjax``
   and the pages load it from there, so formulas render with the network off. Without it, Sphinx's
   default (MathJax from its CDN) stays.
   The speech rule engine's maps (``sre/mathmaps``) come along, so MathJax's speech explorer reads
   formulas aloud offline.
2. sphinx-thebe registers its configuration script once per read phase, so a page can carry the same
   ``const THEBE_JS_URL`` declaration twice, which the browser reports as an error. Each script is kept
   once, in its first position.
3. The course's own CSS and JavaScript (``book/_static``): formulas, code, tables and figures sized for
   a phone and a laptop, and solution title bars that toggle their own solution.
4. Exercises (and any other numbered item) are numbered per chapter: Sphinx numbers them across the
   whole book when the table of contents has no section numbers, so a later chapter began at
   "Exercise 17".
5. Repairs to the written pages:
   - a page whose title is the book's title (the introduction) is not titled twice in the browser tab;
   accessibility (WCAG 2 A/AA, as axe-core checks them), in the theme's and the bibliography's markup:
   - the citation list (``role="list"``) holds ``role="listitem"`` entries, not the deprecated
     ``doc-biblioentry``;
   - the search button is named by what it shows, "Search Ctrl+K" (a label that differs from the
     visible text confuses speech input); the colour-mode button's icons are decoration, so their
     titles ("Light", "Dark") no longer contradict its label "Color mode".
   - a solution's title names its exercise as plain text: a link there covered half of the title bar
     that opens the solution.
6. Search result snippets: the text of every page (its article only, no page header) is shipped with the
   search page as ``_static/sc-search-text.js``, so snippets show the section's prose and work from
   ``file://``, where the browser refuses to fetch pages.
7. Lighter pages:
   - the notebooks' saved ipywidgets state is left out of the pages: the site shows each explorer's static
     export, and no page loads a widget manager that could read that state (up to 0.3 MB a page);
   - the chapters' figures (matplotlib PNGs drawn at 2x) are stored in a palette of 256 colours. A plot
     has few colours besides the anti-aliased edges, so this cuts the figures to about a third with no
     visible change. A figure is kept as drawn when it has transparency, when the palette would differ
     from it by more than a set error (PSNR under 40 dB), or when the palette saves under a tenth.
"""
import html
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

# What tex-mml-chtml needs at run time: the bundle, TeX extensions loaded on demand, the CommonHTML
# fonts, the menu and its accessibility components, and the speech rule engine's maps (sre/mathmaps, one
# JSON per language, fetched when the speech explorer starts). Other bundles are left out.
_MATHJAX_PARTS = ("tex-mml-chtml.js", "input", "output/chtml", "output/chtml.js", "ui", "a11y", "adaptors",
                  "sre")
_STATIC = Path(__file__).resolve().parent.parent / "_static"
_SEARCH_TEXT = "sc-search-text.js"


def _mathjax_source():
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return None
    es5 = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    return es5 if (es5 / "tex-mml-chtml.js").is_file() else None


def _use_local_mathjax(app, config):
    if _mathjax_source() is not None:
        config.mathjax_path = "mathjax/es5/tex-mml-chtml.js"  # relative to _static


def _copy_mathjax(app, exception):
    source = _mathjax_source()
    if exception is not None or source is None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax" / "es5"
    for part in _MATHJAX_PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The same script may be registered once with filename None and once with "".
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: it is the builder's own list


def _add_static(app, config):
    if _STATIC.is_dir():
        config.html_static_path = [*config.html_static_path, str(_STATIC)]


def _number_per_page(app, env):
    """Number figures, tables and exercises from 1 in every page (keeping their order)."""
    for numbers in env.toc_fignumbers.values():
        for ids in numbers.values():
            if not all(len(n) == 1 for n in ids.values()):
                continue  # section-prefixed numbers (a numbered toctree) are per section already
            for k, node_id in enumerate(sorted(ids, key=ids.get), start=1):
                ids[node_id] = (k,)
    return []


def _search_page_scripts(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file(_SEARCH_TEXT)


# -- the written pages ----------------------------------------------------------------------------------

_REPAIRS = (
    # a list's entries are list items; doc-biblioentry is deprecated (and not a list item)
    (re.compile(r'(<div class="citation" [^>]*?)role="doc-biblioentry"'), r'\1role="listitem"'),
)


def _button_named_by_text(match):
    """Drop an aria-label that hides the button's visible text (the visible text then names it)."""
    tag = match.group(0)
    return re.sub(r'\saria-label="[^"]*"', "", tag, count=1)


# the theme's search button shows "Search Ctrl+K" but is labelled "Search"
_SEARCH_BUTTON = re.compile(r'<button\b[^>]*class="[^"]*search-button-field[^"]*"[^>]*>')
# the colour-mode button is labelled "Color mode", but its icons carry titles of their own ("Light",
# "Dark", "System Settings") that contradict the label: the icons are decoration
_MODE_ICON = re.compile(r'(<i class="theme-switch [^"]*" data-mode="[a-z]+")\s+title="[^"]*"')
# the page title of a page titled like the book: "Step by Step — Step by Step"
_DOUBLE_TITLE = re.compile(r"<title>(.+?) &#8212; \1</title>")
# a solution's title links to its exercise; the link covered half of the bar that opens the solution
_SOLUTION_TITLE_LINK = re.compile(
    r'(<div class="solution[^"]*"[^>]*>\s*<p class="admonition-title">)(.*?)(</p>)', re.S)


def _solution_title_text(match):
    inner = re.sub(r'<a class="reference internal" href="[^"]*">(.*?)</a>',
                   r'<span class="sc-exercise-ref">\1</span>', match.group(2), flags=re.S)
    return match.group(1) + inner + match.group(3)


def repair_page(text: str) -> str:
    """The accessibility repairs of a written page (idempotent)."""
    for pattern, replacement in _REPAIRS:
        text = pattern.sub(replacement, text)
    text = _SEARCH_BUTTON.sub(_button_named_by_text, text)
    text = _MODE_ICON.sub(r'\1 aria-hidden="true"', text)
    text = _DOUBLE_TITLE.sub(r"<title>\1</title>", text)
    text = _SOLUTION_TITLE_LINK.sub(_solution_title_text, text)
    return text


_WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>\s*', re.S)

# A palette figure is kept only when it is this close to the drawn one and this much smaller.
_FIGURE_MIN_PSNR_DB = 40.0
_FIGURE_MIN_SAVING = 0.10


def drop_widget_state(text: str) -> str:
    """The page without the notebook's saved ipywidgets state (nothing on the site reads it)."""
    return _WIDGET_STATE.sub("", text)


def lighter_png(data: bytes):
    """``data`` (a PNG) in a 256-colour palette, or None where that is not a faithful, real saving."""
    import io

    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if image.mode not in ("RGB", "RGBA"):
        return None                                   # already a palette (or grey): nothing to gain
    if image.mode == "RGBA":
        if image.getchannel("A").getextrema()[0] < 255:
            return None                               # transparency would be lost
        image = image.convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    drawn = np.asarray(image, dtype=np.float64)
    error = np.mean((np.asarray(palette.convert("RGB"), dtype=np.float64) - drawn) ** 2)
    if error > 0 and 10 * np.log10(255.0 ** 2 / error) < _FIGURE_MIN_PSNR_DB:
        return None
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    small = out.getvalue()
    return small if len(small) <= (1 - _FIGURE_MIN_SAVING) * len(data) else None


def _lighter_figures(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for png in sorted((Path(app.outdir) / "_images").glob("*.png")):
        small = lighter_png(png.read_bytes())
        if small is not None:
            png.write_bytes(small)


def _search_text(page_html: str) -> str:
    """The page's article as a skeleton of sections (with their ids) holding plain text."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article") or soup.find(attrs={"role": "main"})
    if article is None:
        return ""
    for junk in article.select("script, style, .headerlink, button, img, svg, .cell_output, "
                               ".sc-explorer, .toggle-button, nav"):
        junk.decompose()
    out = []

    def walk(node):
        for child in node.children:
            if isinstance(child, NavigableString):
                out.append(html.escape(str(child), quote=False))
            elif isinstance(child, Tag):
                if child.name == "section" and child.get("id"):
                    out.append(f'<section id="{html.escape(child["id"])}">')
                    walk(child)
                    out.append("</section>")
                else:
                    walk(child)
                    if child.name in ("p", "div", "li", "pre", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd"):
                        out.append(" ")

    walk(article)
    return '<div role="main">' + re.sub(r"\s+", " ", "".join(out)) + "</div>"


def _write_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    texts = {}
    for page in sorted(outdir.rglob("*.html")):
        rel = page.relative_to(outdir).as_posix()
        if rel.startswith(("_static/", "_sources/", "reports/")):
            continue
        text = page.read_text(encoding="utf-8")
        repaired = drop_widget_state(repair_page(text))
        if repaired != text:
            page.write_text(repaired, encoding="utf-8")
        if rel not in ("search.html", "genindex.html"):
            texts[rel[: -len(".html")]] = _search_text(repaired)
    target = outdir / "_static" / _SEARCH_TEXT
    target.write_text("window.SC_SEARCH_TEXT = " + json.dumps(texts, ensure_ascii=False) + ";\n",
                      encoding="utf-8")


def setup(app):
    # Explorers displayed while the book's notebooks execute also carry their static export (the kernels
    # inherit this environment); a notebook run anywhere else shows only the live widget.
    os.environ["STEPCOURSE_STATIC_EXPORT"] = "1"
    app.connect("config-inited", _use_local_mathjax)
    app.connect("config-inited", _add_static)
    app.connect("env-get-updated", _number_per_page, priority=900)  # after Sphinx numbers them
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _write_pages)
    app.connect("build-finished", _lighter_figures)
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after the extensions that add scripts
    app.connect("html-page-context", _search_page_scripts)
    app.add_css_file("stepcourse.css")
    app.add_js_file("stepcourse.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
