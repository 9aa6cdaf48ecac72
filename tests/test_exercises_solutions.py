"""Every published solution passes every test case for many seeds; every stub scores 0.

Test cases are drawn afresh for each grading run, so a case on which a correct answer fails (a
tolerance too tight, a degenerate draw) would cost an honest student points at random. The solutions
are the code cells of the book's solution blocks, executed with the check replaced by a recorder.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.exercises import _core
from stepcourse.exercises._plain import encode
from stepcourse.instructor.notebook import cell_text, chapter_exercises, find_chapters, read_notebook

BOOK = Path(__file__).resolve().parents[1] / "book"
SEEDS = range(8)


def answers(kind: str) -> dict:
    """label -> the answer the book's solution (or stub) cells pass to the check."""
    found = {}

    def record(label, answer, *args, **kwargs):
        found[label] = answer

    for path in find_chapters(BOOK):
        nb = read_notebook(path)
        for ex in chapter_exercises(nb, path.stem):
            cells = ex.solution_cells if kind == "solution" else ([ex.stub_cell] if ex.stub_cell is not None else [])
            code = "\n".join(cell_text(nb["cells"][i]) for i in cells)
            namespace = {"np": np, "sc": sc}
            original = sc.exercises.check
            sc.exercises.check = record
            try:
                exec(compile(code, f"{path.stem}:{ex.label}", "exec"), namespace)
            except Exception:  # a solution cell may go on to use the chapter's variables
                pass
            finally:
                sc.exercises.check = original
    return found


SOLUTIONS = answers("solution")
STUBS = answers("stub")


def test_every_exercise_has_a_published_solution_and_a_stub():
    assert set(SOLUTIONS) == set(sc.exercises.registry()) == set(STUBS)


@pytest.mark.parametrize("label", sorted(SOLUTIONS))
def test_published_solution_passes_every_case_for_every_seed(label):
    spec = sc.exercises.registry()[label]
    for seed in SEEDS:
        for i, case in enumerate(spec.cases(_core.case_rng(label, seed))):
            result = _core.judge_case(spec, _core.run_case(spec, SOLUTIONS[label], encode(case)), case)
            assert result.passed, (seed, i, result.message)


@pytest.mark.parametrize("label", sorted(STUBS))
def test_stub_scores_zero(label):
    result = sc.exercises.check(label, STUBS[label])
    assert not result.passed and result.points == 0 and result.tests_passed == 0
