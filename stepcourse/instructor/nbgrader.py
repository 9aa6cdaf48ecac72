"""Export the chapters as nbgrader *source* notebooks, for instructors who run nbgrader.

nbgrader reads cell metadata (``metadata.nbgrader``: ``solution``, ``grade``, ``grade_id``, ``points``,
``locked``, ``schema_version`` 3) and ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers. Each
exercise of a chapter becomes

- an *autograded answer* cell (``solution: true``, ``grade_id`` = the exercise label): the stub the
  reader sees, then the solution code between the markers (it redefines what the stub defined, so the
  source version passes its own tests);
- an *autograder test* cell (``grade: true``, ``locked``, ``points`` from the spec) that runs
  ``sc.exercises.check`` and ends with the points earned, which nbgrader takes as partial credit (the
  points are split over the exercise's test cases, as in ``stepcourse grade``).

The ``setup`` cell, which installs the package on Colab or Binder, becomes a plain import: nbgrader
runs the notebooks in its own environment, which must have ``stepcourse`` installed (a ``%pip install``
from the network during autograding fails and used to cost every exercise its points).
nbgrader executes the submissions with its own kernel, without the sandbox of ``stepcourse grade``:
its grades are as trustworthy as nbgrader's own model (the checks run in the student's kernel).

Solution blocks and hidden tests go, as in the student version. ``nbgrader generate_assignment``
replaces the marked region by its code stub; the ``nbgrader_config.py`` written beside the notebooks
sets that stub to a comment, so the released stub cell still runs and the check answers "Not yet".
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import List

from ..exercises import registry
from .notebook import answer_expression, cell_text, chapter_exercises, read_notebook, set_cell_text, tags, write_notebook
from .student import _requirements, prepare_out_dir, student_notebook

__all__ = ["nbgrader_notebook", "export_nbgrader", "NBGRADER_CONFIG"]

NBGRADER_CONFIG = """\
# nbgrader configuration for the exported course chapters.
c = get_config()
# The answer cells keep the course's stub (a function whose body is `...`) above the solution region:
# replace the region by a comment, so that the released cell runs and the check says "Not yet".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
# A chapter's cells compute for real (some take a minute on a busy machine): nbgrader's default of 30 s
# per cell would fail a correct submission.
c.Execute.timeout = 600
c.ExecutePreprocessor.timeout = 600
"""


SETUP_IMPORT = """\
# nbgrader runs this notebook in an environment that has the course package installed:
#     pip install "{spec}"
import stepcourse  # noqa: F401
"""


def _meta(**fields) -> dict:
    return {"nbgrader": {"schema_version": 3, "task": False, **fields}}


def _without_check_calls(code: str, label: str) -> str:
    """``code`` less its lines that call ``check(label, ...)`` (one-line calls, as the format writes them)."""
    call = re.compile(r"""^\s*(?:\w+\s*=\s*)?(?:[\w.]+\.)?check\(\s*["']""" + re.escape(label) + r"""["'].*\)\s*$""")
    return "\n".join(line for line in code.splitlines() if not call.match(line)).strip("\n")


def nbgrader_notebook(nb: dict, name: str = "notebook") -> dict:
    """The nbgrader source version of chapter notebook ``nb`` (a new dict; ``nb`` is not changed)."""
    checks = registry()
    exercises = chapter_exercises(nb, Path(name).stem)
    student = student_notebook(nb, name)
    # The student version keeps cell ids; find each exercise's stub there by id.
    by_id = {cell.get("id"): i for i, cell in enumerate(student["cells"]) if cell.get("id")}
    replacements = {}
    for ex in exercises:
        if ex.stub_cell is None:
            raise ValueError(f"{name}: exercise {ex.label!r} has no code cell tagged 'exercise'")
        if ex.label not in checks:
            raise ValueError(f"{name}: exercise {ex.label!r} has no registered check")
        stub_cell = nb["cells"][ex.stub_cell]
        stub = cell_text(stub_cell)
        answer = answer_expression(stub, ex.label)
        if answer is None:
            raise ValueError(f"{name}: the cell of exercise {ex.label!r} does not end with "
                             f"sc.exercises.check({ex.label!r}, answer)")
        solution = "\n\n".join(_without_check_calls(cell_text(nb["cells"][i]), ex.label)
                               for i in ex.solution_cells)
        answer_cell = copy.deepcopy(stub_cell)
        answer_cell["metadata"] = {**_meta(solution=True, grade=False, locked=False, grade_id=ex.label),
                                   "tags": [t for t in tags(stub_cell) if t != "remove-output"]}
        set_cell_text(answer_cell, _without_check_calls(stub, ex.label)
                      + "\n### BEGIN SOLUTION\n" + solution + "\n### END SOLUTION")
        test_cell = {"cell_type": "code", "execution_count": None, "outputs": [],
                     "id": re.sub(r"[^A-Za-z0-9_-]", "-", f"{ex.label}-check")[:64],
                     "metadata": _meta(solution=False, grade=True, locked=True, grade_id=f"{ex.label}-check",
                                       points=checks[ex.label].points)}
        set_cell_text(test_cell, f"_result = sc.exercises.check({ex.label!r}, {answer})\n"
                                 f"print(_result)\n"
                                 f"_result.points  # nbgrader reads this number as the points earned")
        key = by_id.get(stub_cell.get("id"))
        if key is None:
            raise ValueError(f"{name}: the cell of exercise {ex.label!r} needs an id (nbformat 4.5)")
        replacements[key] = [answer_cell, test_cell]
    cells = []
    for i, cell in enumerate(student["cells"]):
        if cell.get("cell_type") == "code" and "setup" in tags(cell):
            cell = copy.deepcopy(cell)
            set_cell_text(cell, SETUP_IMPORT.format(spec=(_requirements([nb]) or ["stepcourse"])[0]))
        cells.extend(replacements.get(i, [cell]))
    student["cells"] = cells
    student["metadata"].pop("stepcourse", None)
    return student


def export_nbgrader(chapters, out, *, force: bool = False, book="book") -> List[Path]:
    """Write ``out/source/<chapter>/<chapter>.ipynb`` per chapter and ``out/nbgrader_config.py``.

    ``out`` is then an nbgrader course folder: ``cd out && nbgrader generate_assignment <chapter>``.
    """
    chapters = [Path(c) for c in chapters]
    protected = {c.parent for c in chapters} | ({Path(book)} if Path(book).is_dir() else set())
    converted = [nbgrader_notebook(read_notebook(c), c.name) for c in chapters]
    out = prepare_out_dir(out, force, protected)
    written = []
    for chapter, nb in zip(chapters, converted):
        folder = out / "source" / chapter.stem
        folder.mkdir(parents=True, exist_ok=True)
        write_notebook(nb, folder / chapter.name)
        written.append(folder / chapter.name)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    written.append(out / "nbgrader_config.py")
    return written
