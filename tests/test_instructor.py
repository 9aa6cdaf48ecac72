"""The instructor commands on the real chapters: student version, sandboxed grading, time limits, crashes.

Every test is parametrized over the chapter notebooks that exist in book/, so it covers each chapter as
it is added. The commands read a snapshot of book/ taken when the module starts (so the byte-for-byte
comparisons are about what the commands do, whatever else edits book/ meanwhile). The notebooks are
executed once per module (the grading run) and the tests read its results.
"""
from __future__ import annotations

import ast
import builtins
import copy
import csv
import hashlib
import json
from pathlib import Path

import shutil

import pytest

from stepcourse.cli import main
from stepcourse.exercises import registry
from stepcourse.instructor.notebook import cell_text, chapter_exercises, directive, fences, read_notebook, tags

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
IDS = [p.stem for p in CHAPTERS]
# Graded end to end in the sandbox (source and student version, a whole chapter each): three quick
# chapters, one with an explorer. Every chapter's published solutions and stubs are checked on many
# seeds by test_exercises_solutions.py, its notebook runs under nbval and the book build, and
# test_student_version_needs_no_solution below checks statically that no kept cell uses a name only a
# solution defined; grading all of them here too would add minutes to `make test` for no new fact.
GRADED = [c for c in CHAPTERS if c.stem in ("steps", "sgd_batches", "capstone")] or CHAPTERS[:2]
GRADED_IDS = [p.stem for p in GRADED]
# Generous: a chapter runs in well under a minute, but two share two busy cores here.
TIMEOUT = 300

TRIVIAL = {"", "...", "pass", "return", "else:", "try:", ")", "]", "}", "):", "])", "})"}


def book_hashes(book: Path) -> dict:
    return {p.relative_to(book).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(book.rglob("*")) if p.is_file()}


def run(*argv) -> int:
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A snapshot of book/: the source the commands read."""
    snapshot = tmp_path_factory.mktemp("snapshot") / "book"
    shutil.copytree(BOOK, snapshot)
    return snapshot


@pytest.fixture(scope="module")
def student_dir(book, tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    before = book_hashes(book)
    assert run("student", "--out", out, "--book", book) == 0
    return out, before, book_hashes(book)


@pytest.fixture(scope="module")
def graded(book, student_dir, tmp_path_factory):
    """One grading run over every source chapter and its student version (both saved as submissions)."""
    students, _, _ = student_dir
    subs = tmp_path_factory.mktemp("subs")
    for chapter in GRADED:
        for kind, folder in (("source", book), ("student", students)):
            (subs / kind).mkdir(exist_ok=True)
            (subs / kind / chapter.name).write_bytes((folder / chapter.name).read_bytes())
    out = tmp_path_factory.mktemp("grades")
    before = book_hashes(subs)
    assert run("grade", subs, "--out", out, "--timeout", TIMEOUT, "--jobs", 2, "--force", "--book", book) == 0
    after = book_hashes(subs)
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {(Path(r["submission"]).parent.name, Path(r["submission"]).stem): r for r in csv.DictReader(fh)}
    return out, rows, before, after


def exercises_of(chapter: Path):
    return chapter_exercises(read_notebook(chapter), chapter.stem)



def solution_only_lines(nb: dict) -> set:
    """Lines of the solution code that appear nowhere else in the source (stub, chapter code, text)."""
    solution_cells = {i for ex in chapter_exercises(nb) for i in ex.solution_cells}
    solution_cells |= {i for i, c in enumerate(nb["cells"]) if "solution" in tags(c)}
    elsewhere = {line.strip() for i, c in enumerate(nb["cells"]) if i not in solution_cells
                 for line in cell_text(c).splitlines()}
    return {line.strip() for i in solution_cells for line in cell_text(nb["cells"][i]).splitlines()
            if line.strip() not in TRIVIAL and line.strip() not in elsewhere}


# -- the student version ---------------------------------------------------------------------------

def test_there_are_chapters():
    assert CHAPTERS, "book/ holds no chapter notebook"


def test_student_leaves_sources_untouched(student_dir):
    _, before, after = student_dir
    assert before == after


@pytest.mark.parametrize("name", IDS)
def test_student_version_has_no_solution(name, book, student_dir):
    chapter = book / f"{name}.ipynb"
    source = read_notebook(chapter)
    student = read_notebook(student_dir[0] / chapter.name)
    secret = solution_only_lines(source)
    if exercises_of(chapter):
        assert secret, "the chapter has exercises, so its solutions have lines of their own"
    shown = {line.strip() for c in student["cells"] for line in cell_text(c).splitlines()}
    assert not secret & shown, f"solution lines left in the student version: {sorted(secret & shown)}"
    for cell in student["cells"]:
        assert not {"solution", "hidden-test"} & set(tags(cell))
        lines = cell_text(cell).splitlines(keepends=True)
        names = {directive(f.info)[0] for f in fences(lines)} if cell["cell_type"] == "markdown" else set()
        assert not names & {"solution", "solution-start", "solution-end"}


@pytest.mark.parametrize("name", IDS)
def test_student_version_keeps_exercises_and_setup(name, book, student_dir):
    chapter = book / f"{name}.ipynb"
    source = read_notebook(chapter)
    student = read_notebook(student_dir[0] / chapter.name)
    src_ex, stu_ex = exercises_of(chapter), exercises_of(student_dir[0] / chapter.name)
    assert [(e.label, e.title) for e in stu_ex] == [(e.label, e.title) for e in src_ex]
    for s, t in zip(src_ex, stu_ex):
        assert t.stub_cell is not None and t.solution_cells == ()
        assert cell_text(student["cells"][t.stub_cell]) == cell_text(source["cells"][s.stub_cell])
    assert [cell_text(c) for c in source["cells"] if "setup" in tags(c)] == \
           [cell_text(c) for c in student["cells"] if "setup" in tags(c)]
    hidden = sum("hidden-test" in tags(c) for c in source["cells"])
    solutions = sum(len(e.solution_cells) for e in src_ex)
    code = [c for c in student["cells"] if c["cell_type"] == "code"]
    assert len(code) == sum(c["cell_type"] == "code" for c in source["cells"]) - hidden - solutions
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED_IDS)
def test_student_version_executes_and_stubs_say_not_yet(name, book, graded):
    chapter = book / f"{name}.ipynb"
    out, rows, _, _ = graded
    row = rows[("student", chapter.stem)]
    output = (out / "logs" / f"student__{chapter.stem}.output.txt").read_text(encoding="utf-8")
    assert row["status"] == "ok" and "Traceback (most recent call last)" not in output, output[-3000:]
    feedback = (out / "feedback" / f"student__{chapter.stem}.md").read_text(encoding="utf-8")
    for exercise in exercises_of(chapter):
        assert f"(`{exercise.label}`): 0 of" in feedback
    assert "not yet" in feedback and "expected" not in feedback


def _names(source: str):
    """(bound, loaded) names of a code cell's top level, IPython magics and shell lines left out."""
    code = "\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
                     else line for line in source.splitlines())
    bound, loaded = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            bound.update(a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, loaded


@pytest.mark.parametrize("name", IDS)
def test_student_version_needs_no_solution(name, book, student_dir):
    """No cell the student version keeps reads a name that only a removed solution cell defined."""
    source = read_notebook(book / f"{name}.ipynb")
    student = read_notebook(student_dir[0] / f"{name}.ipynb")
    solution_cells = {i for ex in chapter_exercises(source) for i in ex.solution_cells}
    solution_cells |= {i for i, c in enumerate(source["cells"]) if "solution" in tags(c)}
    from_solutions = set()
    for i in solution_cells:
        if source["cells"][i]["cell_type"] == "code":
            from_solutions |= _names(cell_text(source["cells"][i]))[0]
    kept = [cell_text(c) for c in student["cells"] if c["cell_type"] == "code"]
    bound_in_student = set().union(*(_names(text)[0] for text in kept)) if kept else set()
    missing = from_solutions - bound_in_student - set(dir(builtins))
    used = {n for text in kept for n in _names(text)[1] & missing}
    assert solution_cells and not used, f"the student version of {name} uses {sorted(used)}"


# -- grading ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_grading_leaves_sources_untouched(graded):
    _, _, before, after = graded
    assert before == after


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED_IDS)
def test_grading_source_gives_full_marks(name, book, graded):
    chapter = book / f"{name}.ipynb"
    row = graded[1][("source", chapter.stem)]
    labels = [e.label for e in exercises_of(chapter)]
    points = sum(registry()[label].points for label in labels)
    assert row["status"] == "ok"
    assert float(row["max_total"]) == points
    for label in labels:
        assert float(row[label]) == registry()[label].points, label
    assert float(row["total"]) == points


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED_IDS)
def test_grading_student_version_gives_zero(name, book, graded):
    chapter = book / f"{name}.ipynb"
    row = graded[1][("student", chapter.stem)]
    labels = [e.label for e in exercises_of(chapter)]
    assert float(row["max_total"]) == sum(registry()[label].points for label in labels)
    assert all(float(row[label]) == 0 for label in labels)
    assert float(row["total"]) == 0


@pytest.mark.slow
def test_grading_writes_a_summary(book, graded):
    out, rows, _, _ = graded
    summary = (out / "summary.md").read_text(encoding="utf-8")
    for (kind, stem), row in rows.items():
        assert row["submission"] in summary
    for chapter in GRADED:
        for exercise in exercises_of(book / chapter.name):
            assert f"| {exercise.label} |" in summary


# -- broken submissions: an endless loop, a crash, an error -----------------------------------------

def _answered(chapter: Path, student_dir: Path, second: str, first_broken: bool = False) -> dict:
    """The student version of ``chapter`` with exercise 1 answered (its solution) and exercise 2 = ``second``."""
    source = read_notebook(chapter)
    nb = read_notebook(student_dir / chapter.name)
    src_ex, stu_ex = exercises_of(chapter), chapter_exercises(nb)
    solution = "\n\n".join(cell_text(source["cells"][i]) for i in src_ex[0].solution_cells)
    nb = copy.deepcopy(nb)
    nb["cells"][stu_ex[0].stub_cell]["source"] = "raise RuntimeError('broken')" if first_broken else solution
    second_code = "\n\n".join(cell_text(source["cells"][i]) for i in src_ex[1].solution_cells)
    nb["cells"][stu_ex[1].stub_cell]["source"] = second_code if second == "solution" else second
    return nb


TWO_EXERCISES = [c for c in GRADED if len(exercises_of(c)) >= 2]


@pytest.fixture(scope="module")
def broken(book, graded, student_dir, tmp_path_factory):
    # The quickest chapter with two exercises, by how long its student version took to grade.
    quickest = min(TWO_EXERCISES, key=lambda c: float(graded[1][("student", c.stem)]["seconds"]))
    chapter = book / quickest.name
    subs = tmp_path_factory.mktemp("broken")
    cases = {"loops": _answered(chapter, student_dir[0], "while True:\n    pass"),
             "crashes": _answered(chapter, student_dir[0], "import os\nos._exit(1)"),
             "first_broken": _answered(chapter, student_dir[0], "solution", first_broken=True)}
    for name, nb in cases.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    # Long enough to reach exercise 2 at the pace the student version ran in this session.
    limit = 2 * float(graded[1][("student", chapter.stem)]["seconds"]) + 30
    out = tmp_path_factory.mktemp("broken_grades")
    before = book_hashes(subs)
    assert run("grade", *sorted(subs.glob("*.ipynb")), "--out", out, "--timeout", limit, "--jobs", 3,
               "--force", "--book", book) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}
    rows["__out__"] = out
    return chapter, rows, limit, before, book_hashes(subs)


@pytest.mark.slow
@pytest.mark.skipif(not TWO_EXERCISES, reason="no chapter with two exercises in book/ yet")
def test_endless_loop_is_stopped_and_partly_scored(broken):
    chapter, rows, limit, _, _ = broken
    row = rows["loops"]
    first, second, *rest = [e.label for e in exercises_of(chapter)]
    assert row["status"] == "timeout"
    assert float(row["seconds"]) >= limit - 1  # it ran until the limit, and then it stopped
    assert float(row[first]) == registry()[first].points
    assert float(row[second]) == 0 and all(float(row[label]) == 0 for label in rest)
    assert float(row["total"]) == registry()[first].points


@pytest.mark.slow
@pytest.mark.skipif(not TWO_EXERCISES, reason="no chapter with two exercises in book/ yet")
def test_kernel_crash_is_scored(broken):
    chapter, rows, _, _, _ = broken
    row = rows["crashes"]
    first, second, *_ = [e.label for e in exercises_of(chapter)]
    assert row["status"] == "crashed"
    assert float(row[first]) == registry()[first].points and float(row[second]) == 0


@pytest.mark.slow
@pytest.mark.skipif(not TWO_EXERCISES, reason="no chapter with two exercises in book/ yet")
def test_error_in_one_exercise_does_not_cost_the_next(broken):
    chapter, rows, _, before, after = broken
    out = rows["__out__"]
    row = rows["first_broken"]
    first, second, *_ = [e.label for e in exercises_of(chapter)]
    output = (out / "logs" / "first_broken.output.txt").read_text(encoding="utf-8")
    assert row["status"] == "ok" and "RuntimeError: broken" in output
    assert float(row[first]) == 0 and float(row[second]) == registry()[second].points
    assert before == after


# -- listing and the nbgrader export ---------------------------------------------------------------

@pytest.mark.parametrize("name", IDS)
def test_every_exercise_has_a_check_and_is_listed(name, book, capsys):
    chapter = book / f"{name}.ipynb"
    before = book_hashes(book)
    assert run("exercises", name, "--book", book) == 0
    listing = capsys.readouterr().out
    for exercise in exercises_of(chapter):
        assert exercise.label in registry() and registry()[exercise.label].points > 0
        line = next(l for l in listing.splitlines() if f" {exercise.label} " in l)
        assert line.split()[0] == chapter.stem and exercise.title in line
    assert len(set(e.label for e in exercises_of(chapter))) == len(exercises_of(chapter))
    assert before == book_hashes(book)
