"""Fast tests of the instructor tools on small notebooks made here: parsing, stripping, scoring, the CLI."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stepcourse.cli import main
from stepcourse.exercises import registry
from stepcourse.instructor.grade import _names, append_row, chapter_of, collect_submissions, normalized_code
from stepcourse.instructor.notebook import (answer_expression, chapter_exercises, check_calls, fences,
                                            read_notebook, resolve_chapters, write_notebook)
from stepcourse.instructor.student import make_student, student_notebook

ROOT = Path(__file__).resolve().parents[1]


def md(text):
    return {"cell_type": "markdown", "id": f"m{abs(hash(text)) % 10**8}", "metadata": {}, "source": text}


def code(text, *tag_list, outputs=None):
    return {"cell_type": "code", "id": f"c{abs(hash(text)) % 10**8}", "metadata": {"tags": list(tag_list)},
            "execution_count": 3 if outputs else None, "outputs": outputs or [], "source": text}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                             "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def texts(nb):
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


SETUP = code("try:\n    import stepcourse\nexcept ImportError:\n    %pip install -q \"stepcourse @ git+https://x/y\"",
             "remove-cell", "setup")
OUTPUT = [{"output_type": "stream", "name": "stdout", "text": "hello\n"}]


def chapter_nb():
    """A chapter in the course's exercise format, with the solution-end sharing a cell with the next text."""
    return notebook(
        md("# A chapter"), SETUP,
        code("x = 2\nprint(x)", outputs=OUTPUT),
        code("assert x == 2", "remove-cell", "hidden-test"),
        md("```{exercise} Double it\n:label: demo-double\nWrite `double(x)`.\n```"),
        code("def double(x):\n    ...  # your code here\n\nsc.exercises.check(\"demo-double\", double)",
             "exercise", "remove-output", outputs=OUTPUT),
        md("Some text before.\n\n```{solution-start} demo-double\n:class: dropdown\n```"),
        code("def double(x):\n    return 2 * x  # the secret\n\nsc.exercises.check(\"demo-double\", double)", "solution"),
        md("An explanation inside the solution: SECRET PROSE."),
        code("print('more of the solution')"),
        md("```{solution-end}\n```\n\n## After\n\nText after the solution."),
    )


# -- notebook parsing ------------------------------------------------------------------------------

def test_fences_are_top_level_and_closed_by_a_long_enough_fence():
    lines = ["````{exercise} T\n", "```python\n", "x = 1\n", "```\n", "````\n", "text\n", ":::{note}\n", ":::\n"]
    found = fences(lines)
    assert [(f.start, f.end, f.info) for f in found] == [(0, 4, "{exercise} T"), (6, 7, "{note}")]
    assert [(f.start, f.end) for f in fences(["```\n", "never closed\n"])] == [(0, 1)]


def test_chapter_exercises_finds_label_title_stub_and_solution():
    nb = chapter_nb()
    [ex] = chapter_exercises(nb, "demo")
    assert (ex.chapter, ex.label, ex.title, ex.cell, ex.stub_cell, ex.solution_cells) == \
        ("demo", "demo-double", "Double it", 4, 5, (7, 9))


def test_check_calls_and_answer_expression():
    src = 'def f(x):\n    ...\n%time y = 1\nsc.exercises.check("a-b", f)\ncheck(\'c\', lambda x: x + 1)'
    assert check_calls(src) == ["a-b", "c"]
    assert answer_expression(src, "a-b") == "f"
    assert answer_expression(src, "c") == "lambda x: x + 1"
    assert answer_expression(src, "zzz") is None


def test_read_notebook_names_the_problem(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "v3.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": []}), encoding="utf-8")
    for name in ("bad.ipynb", "v3.ipynb"):
        with pytest.raises(ValueError, match=name):
            read_notebook(tmp_path / name)


def test_resolve_chapters_by_name_path_or_all(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for name in ("b", "a"):
        write_notebook(notebook(md("x")), book / f"{name}.ipynb")
    assert resolve_chapters([], book) == [book / "a.ipynb", book / "b.ipynb"]
    assert resolve_chapters(["b", str(book / "a.ipynb")], book) == [book / "b.ipynb", book / "a.ipynb"]
    with pytest.raises(ValueError, match=r"no chapter 'zz'.*a, b"):
        resolve_chapters(["zz"], book)
    with pytest.raises(ValueError, match="does not exist"):
        resolve_chapters([], tmp_path / "nowhere")


# -- the student version ---------------------------------------------------------------------------

def test_student_notebook_strips_solutions_and_hidden_tests_only():
    source = chapter_nb()
    frozen = json.dumps(source, sort_keys=True)
    student = student_notebook(source, "demo.ipynb")
    assert json.dumps(source, sort_keys=True) == frozen  # the input is not changed
    body = "\n".join(texts(student))
    for secret in ("the secret", "SECRET PROSE", "more of the solution", "solution-start", "solution-end",
                   "assert x == 2"):
        assert secret not in body
    # Text sharing a cell with the solution fences stays; the stub and the setup cell stay.
    assert "Some text before." in body and "## After\n\nText after the solution." in body
    assert texts(student)[1] == texts(source)[1] and "...  # your code here" in body
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in student["cells"] if c["cell_type"] == "code")
    assert student["metadata"]["stepcourse"] == {"student_version": True, "chapter": "demo"}
    assert len(student["cells"]) == len(source["cells"]) - 4


def test_student_notebook_strips_colon_fences_and_plain_solution_directives():
    nb = notebook(md("Before\n:::{solution-start} q\n:::\nInside."), code("secret = 1"),
                  md("::::{solution-end}\n::::\nAfter"),
                  md("Keep.\n```{solution} q\n:class: dropdown\nAnswer: 42\n```\nTail."),
                  md("````markdown\n```{solution-start} shown-as-an-example\n```\n````"))
    student = student_notebook(nb)
    assert texts(student) == ["Before", "After", "Keep.\nTail.",
                              "````markdown\n```{solution-start} shown-as-an-example\n```\n````"]


@pytest.mark.parametrize("cells, message", [
    ([md("```{solution-start} q\n```"), code("x = 1")], "has no {solution-end}"),
    ([md("```{solution-end}\n```")], "without a {solution-start}"),
])
def test_student_notebook_refuses_broken_solution_blocks(cells, message):
    with pytest.raises(ValueError, match=message):
        student_notebook(notebook(*cells), "broken.ipynb")


def test_make_student_writes_requirements_readme_and_named_assets(tmp_path):
    book = tmp_path / "book"
    (book / "figures").mkdir(parents=True)
    nb = chapter_nb()
    nb["cells"].append(md("![a figure](figures/plot.png)"))
    write_notebook(nb, book / "demo.ipynb")
    (book / "figures" / "plot.png").write_bytes(b"png")
    (book / "figures" / "unused.png").write_bytes(b"png")
    out = tmp_path / "student"
    written = make_student([book / "demo.ipynb"], out, book=book)
    assert sorted(p.relative_to(out).as_posix() for p in written) == \
        ["README.md", "demo.ipynb", "figures/plot.png", "requirements.txt"]
    assert (out / "requirements.txt").read_text() == "stepcourse @ git+https://x/y\n"


# -- the commands: refusals and messages ------------------------------------------------------------

@pytest.fixture
def book(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    write_notebook(chapter_nb(), folder / "demo.ipynb")
    return folder


def test_student_command_refuses_a_non_empty_folder_without_force(book, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    before = (book / "demo.ipynb").read_bytes()
    assert main(["student", "--out", str(out), "--book", str(book)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and not (out / "demo.ipynb").exists()
    assert main(["student", "--out", str(out), "--book", str(book), "--force"]) == 0
    assert (out / "demo.ipynb").exists() and (out / "mine.txt").read_text() == "keep me"
    assert (book / "demo.ipynb").read_bytes() == before


def test_student_command_never_writes_into_the_book(book, capsys):
    before = (book / "demo.ipynb").read_bytes()
    assert main(["student", "--out", str(book), "--book", str(book), "--force"]) == 2
    assert "source folder" in capsys.readouterr().err
    assert (book / "demo.ipynb").read_bytes() == before


def test_student_command_names_an_unknown_chapter(book, tmp_path, capsys):
    assert main(["student", "nope", "--out", str(tmp_path / "o"), "--book", str(book)]) == 2
    assert "no chapter 'nope'" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_grade_command_errors(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "g")]) == 2
    assert "no submission notebook found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", "x.ipynb", "--out", str(tmp_path / "g"), "--timeout", "-3"])
    assert "positive number of seconds" in capsys.readouterr().err


def test_exercises_command_flags_a_missing_check(book, capsys):
    assert main(["exercises", "--book", str(book)]) == 1  # demo-double is not a registered check
    captured = capsys.readouterr()
    assert "demo-double" in captured.out and "no registered check for: demo-double" in captured.err


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("stepcourse")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("exercises", "student", "grade", "nbgrader"):
        assert command in done.stdout


# -- grading: chapters, rows, resume, flags -----------------------------------------------------------

def test_chapter_of_follows_metadata_then_file_name_then_labels(tmp_path):
    nb = notebook(code('sc.exercises.check("gradients-partials", f)'))
    assert chapter_of(nb, tmp_path / "anything.ipynb") == "gradients"
    assert chapter_of(nb, tmp_path / "steps.ipynb") == "steps"
    nb["metadata"]["stepcourse"] = {"chapter": "boosting"}
    assert chapter_of(nb, tmp_path / "steps.ipynb") == "boosting"
    assert chapter_of(notebook(md("x")), tmp_path / "unrelated.ipynb") is None


def test_collect_submissions_and_distinct_names(tmp_path):
    for who in ("alice", "bob"):
        (tmp_path / who / ".ipynb_checkpoints").mkdir(parents=True)
        write_notebook(notebook(md(who)), tmp_path / who / "hw.ipynb")
        write_notebook(notebook(md(who)), tmp_path / who / ".ipynb_checkpoints" / "hw-checkpoint.ipynb")
    found = collect_submissions([str(tmp_path)])
    assert found == [tmp_path / "alice" / "hw.ipynb", tmp_path / "bob" / "hw.ipynb"]
    assert collect_submissions([str(tmp_path / "*" / "hw.ipynb")]) == found
    assert _names(found) == ["alice__hw", "bob__hw"]
    assert _names([tmp_path / "x.ipynb"]) == ["x"]


def test_normalized_code_ignores_comments_spacing_and_checks():
    a = "def f(x):\n    return 2 * x   # twice\n\nsc.exercises.check('demo', f)\n"
    b = "def f(x):\n\n    return 2*x\n"
    assert normalized_code(a) == normalized_code(b) != normalized_code("def f(x):\n    return x + x\n")


def test_append_row_writes_whole_rows(tmp_path):
    path = tmp_path / "g.csv"
    append_row(path, ["a", "1", "x,y"])
    append_row(path, ["b", "2", 'say "hi"'])
    assert list(csv.reader(open(path, newline=""))) == [["a", "1", "x,y"], ["b", "2", 'say "hi"']]


def test_invalid_notebooks_are_error_rows_of_the_chapter_maximum(tmp_path):
    write_notebook(notebook(code("print(1)")), tmp_path / "unrelated.ipynb")
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "unrelated.ipynb"), str(tmp_path / "broken.ipynb"),
                 "--out", str(out), "--timeout", "120", "--chapter", "steps"]) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}
    assert rows["broken"]["status"] == "invalid notebook" and "broken.ipynb" in rows["broken"]["detail"]
    steps_max = sum(spec.points for spec in registry().values() if spec.chapter == "steps")
    assert float(rows["broken"]["total"]) == 0 and float(rows["broken"]["max_total"]) == steps_max
    # A notebook that runs but answers nothing scores 0 of the chapter's maximum.
    assert rows["unrelated"]["status"] == "ok" and float(rows["unrelated"]["total"]) == 0
    assert float(rows["unrelated"]["max_total"]) == steps_max


def test_without_chapter_an_unknown_notebook_is_an_error_row(tmp_path):
    write_notebook(notebook(code("print(1)")), tmp_path / "unrelated.ipynb")
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "unrelated.ipynb"), "--out", str(out), "--timeout", "60"]) == 0
    row = next(csv.DictReader(open(out / "grades.csv", newline="")))
    assert row["status"] == "invalid notebook" and "--chapter" in row["detail"]


def test_resume_skips_graded_and_force_starts_clean(tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    answer = code("import stepcourse as sc\nsc.exercises.check('steps-stable', lambda a, lr: bool(0 < a * lr < 2))")
    write_notebook(notebook(answer), subs / "a.ipynb")
    out = tmp_path / "grades"
    assert main(["grade", str(subs), "--out", str(out), "--chapter", "steps", "--timeout", "120"]) == 0
    assert main(["grade", str(subs), "--out", str(out), "--chapter", "steps"]) == 2
    assert "--resume" in capsys.readouterr().err
    (out / "feedback" / "stale.md").write_text("old")
    write_notebook(notebook(answer), subs / "b.ipynb")
    assert main(["grade", str(subs), "--out", str(out), "--chapter", "steps", "--resume", "--timeout", "120"]) == 0
    rows = list(csv.DictReader(open(out / "grades.csv", newline="")))
    assert [Path(r["submission"]).stem for r in rows] == ["a", "b"]
    assert all(float(r["steps-stable"]) == 1 and float(r["total"]) == 1 for r in rows)
    assert main(["grade", str(subs / "a.ipynb"), "--out", str(out), "--chapter", "steps", "--force",
                 "--timeout", "120"]) == 0
    rows = list(csv.DictReader(open(out / "grades.csv", newline="")))
    assert [Path(r["submission"]).stem for r in rows] == ["a"] and not (out / "feedback" / "stale.md").exists()


def test_published_solutions_are_flagged_not_penalised(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    source = notebook(md("```{exercise} T\n:label: steps-stable\n```"),
                      code("def converges(a, lr):\n    ...\n\nsc.exercises.check('steps-stable', converges)",
                           "exercise"),
                      md("```{solution-start} steps-stable\n```"),
                      code("def converges(a, lr):\n    return bool(0 < lr * a < 2)  # note\n\n"
                           "sc.exercises.check('steps-stable', converges)", "solution"),
                      md("```{solution-end}\n```"))
    write_notebook(source, book / "steps.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    imports = code("import stepcourse as sc")
    write_notebook(notebook(imports, code("def converges(a, lr):\n    return bool(0 < lr*a < 2)\n"
                                          "sc.exercises.check('steps-stable', converges)")), subs / "copied.ipynb")
    write_notebook(notebook(imports, code("def converges(a, lr):\n    return 0 < a * lr and a * lr < 2\n"
                                          "sc.exercises.check('steps-stable', converges)")), subs / "own.ipynb")
    out = tmp_path / "grades"
    assert main(["grade", str(subs), "--out", str(out), "--chapter", "steps", "--book", str(book),
                 "--jobs", "2", "--timeout", "120"]) == 0
    rows = {Path(r["submission"]).stem: r for r in csv.DictReader(open(out / "grades.csv", newline=""))}
    assert rows["copied"]["matches_published"] == "steps-stable" and rows["own"]["matches_published"] == ""
    assert float(rows["copied"]["total"]) == float(rows["own"]["total"]) == 1
    assert "match the published solutions" in (out / "summary.md").read_text()


def test_student_notebook_keeps_collapsed_cells_collapsed():
    nb = chapter_nb()
    for cell in nb["cells"]:
        cell["metadata"].setdefault("jupyter", {})["source_hidden"] = True
    student = student_notebook(nb, "demo.ipynb")
    assert student["cells"] and all(c["metadata"]["jupyter"]["source_hidden"] is True for c in student["cells"])
