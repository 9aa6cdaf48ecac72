"""The built site as files: offline-ready (no CDN, MathJax included), light pages, and alt text on every figure.

Runs after the book build (`make build`); in CI a missing site is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("STEPCOURSE_SITE", ROOT / "_build" / "html"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
MAX_PAGE_BYTES = 3_000_000


def _pages():
    if not SITE.is_dir():
        if IN_CI:
            pytest.fail(f"the site is not built ({SITE})")
        pytest.skip(f"site test skipped: the site is not built ({SITE}); run `make build`")
    return sorted(SITE.rglob("*.html"))


def _soup(path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_pages_stay_light():
    sizes = {p.relative_to(SITE).as_posix(): p.stat().st_size for p in _pages()}
    heaviest = max(sizes, key=sizes.get)
    print(f"heaviest page: {heaviest} {sizes[heaviest] / 1e6:.2f} MB")
    assert sizes[heaviest] < MAX_PAGE_BYTES, f"{heaviest} is {sizes[heaviest] / 1e6:.2f} MB"


def test_nothing_a_reader_needs_comes_from_a_cdn():
    offenders = []
    for page in _pages():
        soup = _soup(page)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for el in soup.find_all(tag):
                url = el.get(attr) or ""
                if tag == "link" and "stylesheet" not in (el.get("rel") or []) and el.get("as") != "script":
                    continue
                if url.startswith(("http://", "https://", "//")):
                    offenders.append(f"{page.relative_to(SITE)}: <{tag} {attr}={url}>")
    assert not offenders, "\n".join(offenders)


def test_every_figure_has_alt_text():
    missing = []
    for page in _pages():
        if "book" not in page.parts:
            continue
        for img in _soup(page).find_all("img"):
            alt = (img.get("alt") or "").strip()
            src = img.get("src") or ""
            if "logo" in " ".join(img.get("class") or []) or "logo" in src:
                continue
            if not alt or alt == src or alt.lower().endswith((".png", ".svg", ".jpg")):
                missing.append(f"{page.relative_to(SITE)}: {src[:60]}")
    assert not missing, "figures without alt text:\n" + "\n".join(missing)


def test_mathjax_speech_maps_are_shipped():
    """The speech explorer reads formulas aloud with the speech rule engine's maps: they are on the site."""
    _pages()
    maps = SITE / "_static" / "mathjax" / "es5" / "sre" / "mathmaps"
    assert (maps / "base.json").is_file() and (maps / "en.json").is_file(), f"no speech maps in {maps}"


def test_search_page_ships_the_page_texts():
    _pages()
    text = (SITE / "_static" / "sc-search-text.js").read_text(encoding="utf-8")
    assert text.startswith("window.SC_SEARCH_TEXT = ")
    assert '"book/intro"' in text and "sc-search-text.js" in (SITE / "search.html").read_text(encoding="utf-8")


def test_exercises_are_numbered_per_chapter():
    """Every chapter's first exercise is Exercise 1 (Sphinx numbers them across the book otherwise)."""
    import re

    firsts = {}
    for page in _pages():
        numbers = [int(n) for n in re.findall(r'<span class="caption-number">Exercise (\d+) ',
                                               page.read_text(encoding="utf-8"))]
        if numbers:
            firsts[page.relative_to(SITE).as_posix()] = numbers
    assert firsts, "no numbered exercise on any page"
    wrong = {p: n for p, n in firsts.items() if n != list(range(1, len(n) + 1))}
    assert not wrong, f"exercise numbers not 1, 2, ... per page: {wrong}"


def test_code_cells_fit_88_columns():
    """Code a reader sees on the site fits its box: no notebook code line is longer than 88 columns."""
    import json

    long_lines = []
    for nb in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for line in "".join(cell["source"]).splitlines():
                if len(line) > 88:
                    long_lines.append(f"{nb.name}: {line[:60]}... ({len(line)} columns)")
    assert not long_lines, "\n".join(long_lines)
