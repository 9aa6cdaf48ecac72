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
from stepcourse.instructor.grade import _names, book_index, collect_submissions, expected_exercises, score_log
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


# -- scoring ---------------------------------------------------------------------------------------

def test_score_log_last_result_counts_and_unchecked_score_zero():
    lines = [json.dumps({"label": "a", "passed": False, "points": 0}),
             json.dumps({"label": "a", "passed": True, "points": 2}),
             json.dumps({"label": "b", "passed": True, "points": 1}),
             json.dumps({"label": "b", "passed": False, "points": 0}),
             json.dumps({"label": "other-chapter", "passed": True}),
             '{"label": "c", "pas',  # cut short by a crash
             "[1, 2]", ""]
    assert score_log(lines, {"a": 2.0, "b": 1.0, "c": 3.0}) == {"a": 2.0, "b": 0.0, "c": 0.0}


def test_expected_exercises_follow_the_chapter_of_the_labels(tmp_path):
    checks = registry()
    label = next(iter(checks))
    chapter = checks[label].chapter
    nb = notebook(code(f'sc.exercises.check("{label}", None)'))
    expected = expected_exercises(nb, tmp_path / "anything.ipynb")
    assert set(expected) == {lab for lab, c in checks.items() if c.chapter == chapter}
    assert set(expected_exercises(notebook(md("x")), tmp_path / f"{chapter}.ipynb")) == set(expected)
    assert expected_exercises(notebook(md("x")), tmp_path / "unrelated.ipynb") == {}


def test_expected_exercises_follow_the_book_when_a_module_serves_two_chapters(tmp_path):
    checks = registry()
    module = next(c.chapter for c in checks.values() if sum(d.chapter == c.chapter for d in checks.values()) >= 2)
    first, second = [label for label, c in checks.items() if c.chapter == module][:2]
    book = tmp_path / "book"
    book.mkdir()
    for name, label in (("part_a", first), ("part_b", second)):
        write_notebook(notebook(md(f"```{{exercise}} T\n:label: {label}\n```"), code("...", "exercise")),
                       book / f"{name}.ipynb")
    index = book_index(book)
    assert index == {"part_a": [first], "part_b": [second]}
    answered = notebook(code(f'sc.exercises.check("{first}", None)'))
    assert list(expected_exercises(answered, tmp_path / "mine.ipynb", index)) == [first]
    # Deleting every exercise cell does not remove the exercises from the grading of part_b.ipynb.
    assert list(expected_exercises(notebook(md("x")), tmp_path / "part_b.ipynb", index)) == [second]


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


def test_grading_a_notebook_of_another_course_is_an_error_row(tmp_path):
    write_notebook(notebook(code("print(1)")), tmp_path / "unrelated.ipynb")
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "unrelated.ipynb"), str(tmp_path / "broken.ipynb"),
                 "--out", str(out), "--timeout", "120"]) == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(fh)}
    assert rows["unrelated"]["status"] == "error" and "no exercise" in rows["unrelated"]["detail"]
    assert rows["broken"]["status"] == "error" and "cannot read" in rows["broken"]["detail"]
    assert float(rows["broken"]["total"]) == 0
