"""The nbgrader export: metadata nbgrader reads, solutions only between its markers, tests that pass and fail.

nbgrader is in the test extras: the last test runs it for real (generate_assignment, autograde, export)
on two chapters. The others check the export against nbgrader's documented format and
imitate its ClearSolutions step (the marked region replaced by the configured stub).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from stepcourse.cli import main
from stepcourse.exercises import registry
from stepcourse.instructor.notebook import cell_text, chapter_exercises, read_notebook, tags

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
IDS = [p.stem for p in sorted(BOOK.glob("*.ipynb"))]
REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.S | re.M)


def hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    book = tmp_path_factory.mktemp("snapshot") / "book"
    shutil.copytree(BOOK, book)
    out = tmp_path_factory.mktemp("nbgrader")
    before = hashes(book)
    assert main(["nbgrader", "--out", str(out), "--book", str(book)]) == 0
    return book, out, before, hashes(book)


def released(nb: dict) -> dict:
    """What `nbgrader generate_assignment` makes of the export with the exported config (code stub)."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell["source"] = REGION.sub("# YOUR CODE HERE", cell_text(cell))
    return nb


def test_export_leaves_sources_untouched_and_writes_the_config(exported):
    book, out, before, after = exported
    assert before == after
    config = (out / "nbgrader_config.py").read_text()
    assert 'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}' in config


@pytest.mark.parametrize("name", IDS)
def test_export_has_nbgrader_cells_for_every_exercise(name, exported):
    book, out, _, _ = exported
    source = read_notebook(book / f"{name}.ipynb")
    nb = read_notebook(out / "source" / name / f"{name}.ipynb")
    nbformat.validate(nbformat.reads(json.dumps(nb), as_version=4))
    graded = [c for c in nb["cells"] if "nbgrader" in c["metadata"]]
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in graded]
    assert len(ids) == len(set(ids))
    checks = registry()
    for exercise in chapter_exercises(source, name):
        answer = next(c for c in graded if c["metadata"]["nbgrader"]["grade_id"] == exercise.label)
        meta = answer["metadata"]["nbgrader"]
        assert meta["solution"] is True and meta["grade"] is False and meta["schema_version"] == 3
        stub = cell_text(source["cells"][exercise.stub_cell])
        first_line = stub.splitlines()[0]
        assert cell_text(answer).startswith(first_line) and len(REGION.findall(cell_text(answer))) == 1
        test = next(c for c in graded if c["metadata"]["nbgrader"]["grade_id"] == f"{exercise.label}-check")
        meta = test["metadata"]["nbgrader"]
        assert meta["grade"] is True and meta["locked"] is True and meta["points"] == checks[exercise.label].points
        assert f"check({exercise.label!r}" in cell_text(test)
    assert not any("hidden-test" in tags(c) for c in nb["cells"])
    # Solution code appears only inside the marked regions, which nbgrader removes.
    released_text = "\n".join(cell_text(c) for c in released(nb)["cells"])
    solution_lines = {line.strip() for e in chapter_exercises(source) for i in e.solution_cells
                      for line in cell_text(source["cells"][i]).splitlines()}
    visible = {line.strip() for i, c in enumerate(source["cells"])
               if i not in {j for e in chapter_exercises(source) for j in e.solution_cells}
               for line in cell_text(c).splitlines()}
    secret = {line for line in solution_lines - visible if len(line) > 3}
    assert not {line.strip() for line in released_text.splitlines()} & secret


@pytest.mark.slow
def test_export_passes_its_tests_and_the_release_fails_them(exported, tmp_path):
    """The first chapter graded by stepcourse grade: the export scores full marks, nbgrader's release zero."""
    book, out, _, _ = exported
    name = IDS[0]
    nb = read_notebook(out / "source" / name / f"{name}.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    (subs / f"released_{name}.ipynb").write_text(json.dumps(released(nb)))
    grades = tmp_path / "grades"
    assert main(["grade", str(subs), "--out", str(grades), "--timeout", "300", "--jobs", "2",
                 "--chapter", name, "--book", str(book)]) == 0
    with open(grades / "grades.csv", newline="") as fh:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}
    assert float(rows[name]["total"]) == float(rows[name]["max_total"]) > 0
    assert float(rows[f"released_{name}"]["total"]) == 0


def test_export_setup_cell_installs_nothing(exported):
    _, out, _, _ = exported
    for name in IDS:
        nb = read_notebook(out / "source" / name / f"{name}.ipynb")
        text = "\n".join(cell_text(c) for c in nb["cells"] if c["cell_type"] == "code")
        assert "%pip" not in text and "!pip" not in text
        setup = [c for c in nb["cells"] if "setup" in tags(c)]
        assert all("import stepcourse" in cell_text(c) for c in setup)


def test_export_keeps_collapsed_cells_collapsed(tmp_path):
    from stepcourse.instructor.nbgrader import nbgrader_notebook

    source = read_notebook(BOOK / f"{IDS[0]}.ipynb")
    for cell in source["cells"]:
        if cell["cell_type"] == "code" and not {"solution", "exercise"} & set(tags(cell)):
            cell["metadata"].setdefault("jupyter", {})["source_hidden"] = True
    nb = nbgrader_notebook(source, f"{IDS[0]}.ipynb")
    plain = [c for c in nb["cells"] if c["cell_type"] == "code" and "nbgrader" not in c["metadata"]
             and "setup" not in tags(c)]
    assert plain and all(c["metadata"]["jupyter"]["source_hidden"] is True for c in plain)


NBGRADER = Path(sys.executable).with_name("nbgrader")
# The two quickest chapters to execute (each is run twice by autograde: a blank and a full submission).
REAL = [name for name in ("capstone", "steps") if name in IDS] or IDS[:2]


@pytest.mark.skipif(not NBGRADER.exists() and not os.environ.get("CI"),
                    reason="nbgrader (in the test extras) is not installed")
@pytest.mark.slow
def test_real_nbgrader_generates_and_autogrades(exported, tmp_path):
    book, out, _, _ = exported
    course = tmp_path / "course"
    shutil.copytree(out, course)
    env = dict(os.environ, PATH=f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}")

    def nbgrader(*args):
        done = subprocess.run([str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[:3000], done.stderr[-3000:])
        return done

    for student in ("alice", "bob"):
        nbgrader("db", "student", "add", student)
    for name in REAL:
        nbgrader("db", "assignment", "add", name)
        nbgrader("generate_assignment", name, "--force")
        released_nb = read_notebook(course / "release" / name / f"{name}.ipynb")
        assert not any("BEGIN SOLUTION" in cell_text(c) for c in released_nb["cells"])
        for student, folder in (("alice", course / "release"), ("bob", course / "source")):
            (course / "submitted" / student / name).mkdir(parents=True)
            shutil.copy(folder / name / f"{name}.ipynb", course / "submitted" / student / name)
        nbgrader("autograde", name, "--force")
    nbgrader("export")
    with open(course / "grades.csv", newline="") as fh:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(fh)}
    for name in REAL:
        points = sum(registry()[e.label].points for e in chapter_exercises(read_notebook(book / f"{name}.ipynb")))
        assert float(rows[(name, "alice")]["score"]) == 0
        assert float(rows[(name, "bob")]["score"]) == float(rows[(name, "bob")]["max_score"]) == points
