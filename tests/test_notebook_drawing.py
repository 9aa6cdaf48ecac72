"""Chapters draw their data through ``sc.plots``: a notebook sets titles, labels, limits and layout only."""
import ast
import json
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"

#: Matplotlib calls that put data on an Axes: each one belongs in a function of ``stepcourse.plots``
#: (``Axes.step`` is left out: an optimizer has a ``step`` too).
DRAWING = {"plot", "semilogy", "semilogx", "loglog", "scatter", "bar", "barh", "hist", "fill_between",
           "fill_betweenx", "axhline", "axvline", "axhspan", "axvspan", "annotate", "text", "arrow",
           "quiver", "streamplot", "contour", "contourf", "pcolormesh", "pcolor", "imshow", "errorbar",
           "stem", "stackplot", "violinplot", "boxplot", "hlines", "vlines", "invert_xaxis",
           "invert_yaxis"}


def _cells(nb_path: Path) -> list:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    # IPython's magics are not Python: each becomes a ``pass`` at its indentation
    return ["\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
                      else line for line in "".join(c["source"]).splitlines())
            for c in nb["cells"] if c["cell_type"] == "code"]


def drawing_calls(source: str) -> list:
    """Method calls named like matplotlib's drawing calls, made on anything but the ``sc`` package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DRAWING:
            owner = ast.unparse(node.func.value)
            if not owner.startswith(("sc.", "stepcourse.", "np.", "numpy.")):
                found.append(f"{owner}.{node.func.attr}(...) line {node.lineno}")
    return found


def test_the_counter_finds_raw_drawing_and_leaves_layout_and_the_package_alone():
    source = ("fig, ax = sc.plots.subplots(2)\nax[0].semilogy(y)\nplt.axhline(1)\nax[1].set_title('t')\n"
              "sc.plots.lines({'a': y}, ax[1])\nax[1].legend()\n")
    assert [c.split("(")[0] for c in drawing_calls(source)] == ["ax[0].semilogy", "plt.axhline"]


@pytest.mark.parametrize("chapter", sorted(p.stem for p in BOOK.glob("*.ipynb")))
def test_chapter_draws_through_the_plots_package(chapter):
    assert [call for cell in _cells(BOOK / f"{chapter}.ipynb") for call in drawing_calls(cell)] == []


@pytest.mark.parametrize("chapter", sorted(p.stem for p in BOOK.glob("*.ipynb")))
def test_chapter_figures_come_from_plots_subplots(chapter):
    """``sc.plots.subplots`` sizes a figure for the column and checks that its panel titles stay apart."""
    made = [f"{ast.unparse(node.func)} line {node.lineno}" for cell in _cells(BOOK / f"{chapter}.ipynb")
            for node in ast.walk(ast.parse(cell))
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("plt.subplots", "plt.figure", "plt.axes")]
    assert made == []
