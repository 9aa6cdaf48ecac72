"""The chapters read the same in JupyterLab as on the site: no glue roles, computed numbers shown by
Markdown-output cells, solutions stored collapsed; and the conversion script does what it says."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

import notebook_markup as nm

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))


def _load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def test_there_are_chapters():
    assert len(CHAPTERS) >= 5


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solution_cells_are_stored_collapsed(path):
    nb = _load(path)
    solutions = [c for c in nb["cells"] if "solution" in c.get("metadata", {}).get("tags", [])]
    assert solutions, f"{path.name} has no solution cells"
    open_ones = [nm._text(c)[:60] for c in solutions
                 if c["metadata"].get("jupyter", {}).get("source_hidden") is not True]
    assert not open_ones, f"{path.name}: solution cells not collapsed: {open_ones}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_glue_and_nothing_left_to_convert(path):
    nb = _load(path)
    for cell in nb["cells"]:
        text = nm._text(cell)
        assert not nm.GLUE_ROLE.search(text), f"{path.name}: a glue role JupyterLab shows raw"
        if cell["cell_type"] == "code":
            assert not nm._glue_statements(text), f"{path.name}: glue() left in {text[:60]!r}"
    before = copy.deepcopy(nb)
    for fix in (nm.convert_glue, nm.label_markdown_outputs, nm.collapse_solutions, nm.fix_setup):
        assert not fix(nb), f"{path.name}: {fix.__name__} would change it (run tests/lab/notebook_markup.py)"
    assert nb == before


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_computed_paragraphs_render_on_both_sides(path):
    nb = _load(path)
    for cell in nb["cells"]:
        text = nm._text(cell)
        if cell["cell_type"] != "code" or "Markdown(rf" not in text:
            continue
        meta = cell["metadata"]
        assert text.startswith(nm.MARKDOWN_HEAD)  # what the collapsed input shows in JupyterLab
        assert "remove-input" in meta.get("tags", [])
        assert meta.get("jupyter", {}).get("source_hidden") is True
        assert meta.get("mystnb", {}).get("markdown_format") == "myst"
    assert nm._defined_before_use(nb) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_setup_cell_installs_the_package(path):
    nb = _load(path)
    setup = [c for c in nb["cells"] if "setup" in c.get("metadata", {}).get("tags", [])]
    assert len(setup) == 1 and nm._text(setup[0]) == nm.SETUP
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert first_code is setup[0]


def _cell(kind, text, tags=None, cid=None):
    cell = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}, "source": [text]}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if cid:
        cell["id"] = cid
    return cell


def _toy():
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        _cell("code", 'try:\n    from myst_nb import glue\nexcept ImportError:\n'
                      '    def glue(name, value, display=True):\n        return None', ["remove-cell"], "a1"),
        _cell("code", "ratio = 2.345\nglue(\"ratio\", f\"{ratio:.1f}\", display=False)\n"
                      "glue(\"pct\", f\"{0.25:.0%}\", display=False)", ["remove-cell"], "a2"),
        _cell("markdown", "## Heading\n\nThe ratio is {glue:text}`ratio`, or {glue:text}`pct` of "
                          "$\\frac{a}{b}$ {cite}`key`.\n\nA plain paragraph.", cid="a3"),
        _cell("code", "assert ratio > 2", ["remove-cell", "hidden-test"], "a4"),
        _cell("code", "answer = 1", ["solution"], "a5"),
    ]}


def test_conversion_on_a_toy_notebook_renders_the_numbers():
    nb = _toy()
    assert nm.convert_glue(nb) and nm.collapse_solutions(nb)
    texts = [nm._text(c) for c in nb["cells"]]
    assert not any("glue" in t for t in texts)
    # the import cell went; the numbers are plain assignments (ratio is used by code: ratio_text)
    assert 'ratio_text = f"{ratio:.1f}"' in texts[0] and 'pct = f"{0.25:.0%}"' in texts[0]
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds == ["code", "markdown", "code", "markdown", "code", "code"]
    assert nb["cells"][1]["id"] == "a3" and texts[1] == "## Heading"
    assert texts[3] == "A plain paragraph."
    shown = nb["cells"][2]
    assert shown["metadata"]["tags"] == ["remove-input"]
    assert shown["metadata"]["jupyter"]["source_hidden"] is True
    assert re.fullmatch(r"[0-9a-f]{8}", shown["id"])
    assert texts[2].startswith(nm.MARKDOWN_HEAD)
    # the paragraph, evaluated as Python, is the sentence with the numbers in it
    namespace = {"ratio": 2.345}
    exec(texts[0], namespace)
    exec(texts[2], namespace)
    code = texts[2]
    markdown = eval(code[code.index("Markdown(rf") + len("Markdown("):-1], namespace)
    assert markdown.strip() == "The ratio is 2.3, or 25% of $\\frac{a}{b}$ {cite}`key`."
    assert nb["cells"][5]["metadata"]["jupyter"]["source_hidden"] is True
    # idempotent
    again = copy.deepcopy(nb)
    assert not nm.convert_glue(again) and not nm.collapse_solutions(again) and again == nb


def test_a_number_glued_after_its_paragraph_is_computed_in_the_paragraph_cell(tmp_path):
    nb = _toy()
    nb["cells"][1]["source"] = ["ratio = 2.345\nglue(\"ratio\", f\"{ratio:.1f}\", display=False)"]
    nb["cells"].insert(3, _cell("code", "glue(\"pct\", f\"{0.25:.0%}\", display=False)", ["remove-cell"]))
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(nb))
    assert nm.process(path, check=False)
    out = _load(path)
    assert nm._defined_before_use(out) == []
    shown = next(nm._text(c) for c in out["cells"] if "Markdown(rf" in nm._text(c))
    assert 'pct = f"{0.25:.0%}"' in shown
    assert not any(nm._text(c).strip() == "" for c in out["cells"])
    assert nm.process(path, check=True) == []
