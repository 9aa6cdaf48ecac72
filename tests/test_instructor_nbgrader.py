"""The nbgrader export: metadata nbgrader reads, solutions only between its markers, tests that pass and fail.

nbgrader itself is optional (not a dependency of the course); the last test runs it end to end when the
`nbgrader` command is on PATH. The others check the export against nbgrader's documented format and
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


def test_export_passes_its_tests_and_the_release_fails_them(exported, tmp_path):
    """The first chapter, executed: the export scores full marks, nbgrader's release version zero."""
    book, out, _, _ = exported
    name = IDS[0]
    nb = read_notebook(out / "source" / name / f"{name}.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    (subs / f"released_{name}.ipynb").write_text(json.dumps(released(nb)))
    grades = tmp_path / "grades"
    assert main(["grade", str(subs), "--out", str(grades), "--timeout", "300", "--jobs", "2",
                 "--book", str(book)]) == 0
    with open(grades / "grades.csv", newline="") as fh:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}
    assert float(rows[name]["total"]) == float(rows[name]["max_total"]) > 0
    assert float(rows[f"released_{name}"]["total"]) == 0
    for stem, should_pass in ((name, True), (f"released_{name}", False)):
        executed = read_notebook(grades / "executed" / f"{stem}.ipynb")
        for cell in executed["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade"):
                failed = any(o["output_type"] == "error" and o["ename"] == "AssertionError" for o in cell["outputs"])
                assert failed != should_pass, (stem, cell_text(cell))


@pytest.mark.skipif(shutil.which("nbgrader") is None, reason="nbgrader (optional) is not installed")
def test_real_nbgrader_generates_and_autogrades(exported, tmp_path):
    book, out, _, _ = exported
    name = IDS[0]
    course = tmp_path / "course"
    shutil.copytree(out, course)
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def nbgrader(*args):
        done = subprocess.run(["nbgrader", *args], cwd=course, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]

    nbgrader("generate_assignment", name, "--force")
    for student, folder in (("alice", course / "release"), ("bob", course / "source")):
        (course / "submitted" / student / name).mkdir(parents=True)
        shutil.copy(folder / name / f"{name}.ipynb", course / "submitted" / student / name)
        nbgrader("db", "student", "add", student)
    nbgrader("autograde", name, "--force")
    nbgrader("export")
    with open(course / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    points = sum(registry()[e.label].points for e in chapter_exercises(read_notebook(book / f"{name}.ipynb")))
    assert float(rows["alice"]["score"]) == 0
    assert float(rows["bob"]["score"]) == float(rows["bob"]["max_score"]) == points
