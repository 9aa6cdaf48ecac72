"""The exercise core: feedback instead of tracebacks, a grading log, the registry."""
import json

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.exercises import GRADING_LOG_ENV, Wrong, call, expect_array, expect_close


def test_every_registered_check_has_a_chapter_and_points():
    reg = sc.exercises.registry()
    assert "steps-one-step" in reg
    for label, spec in reg.items():
        assert spec.points > 0 and spec.chapter


def test_right_answer_passes_and_stub_fails_politely(capsys):
    good = sc.exercises.check("steps-one-step", lambda w, g, lr: w - lr * g)
    assert good.passed and good.points == good.max_points
    stub = sc.exercises.check("steps-one-step", Ellipsis)
    assert not stub and stub.points == 0
    out = capsys.readouterr().out
    assert "Correct" in out and "Not yet" in out


@pytest.mark.parametrize("answer, phrase", [
    (lambda w, g, lr: None, "None"),
    (lambda w, g, lr: 1 / 0, "ZeroDivisionError"),
    (lambda w, g, lr: "text", "number"),
    (lambda w, g, lr: np.full(np.shape(w), np.nan), "NaN"),
    (lambda w, g, lr: np.zeros(7), "shape"),
    (lambda w, g, lr: w + lr * g, "expected"),
    (42, "function"),
])
def test_wrong_answers_get_feedback_not_tracebacks(answer, phrase):
    result = sc.exercises.check("steps-one-step", answer, quiet=True)
    assert not result.passed
    assert phrase in result.message


def test_mutating_answer_is_caught():
    def in_place(w, g, lr):
        w -= lr * g
        return w
    result = sc.exercises.check("steps-one-step", in_place, quiet=True)
    assert not result.passed and "changed the array" in result.message


def test_unknown_label_is_an_error():
    with pytest.raises(ValueError, match="no exercise"):
        sc.exercises.check("no-such-exercise", 1)


def test_grading_log(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(GRADING_LOG_ENV, str(log))
    sc.exercises.check("steps-stable", lambda a, lr: 0 < a * lr < 2, quiet=True)
    sc.exercises.check("steps-stable", lambda a, lr: True, quiet=True)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["passed"] for r in rows] == [True, False]
    assert rows[0]["points"] == rows[0]["max_points"] > 0 and rows[1]["points"] == 0


def test_helpers():
    with pytest.raises(Wrong, match="raised"):
        call(lambda: [][1])
    with pytest.raises(Wrong, match="shape"):
        expect_array([1, 2], shape=(3,))
    with pytest.raises(Wrong, match="expected 2"):
        expect_close(1.0, 2.0)
    expect_close([1.0, 2.0], [1.0, 2.0 + 1e-12])


@pytest.mark.parametrize("label, answer", [
    ("steps-loop", lambda grad, w0, lr, steps: np.array([np.asarray(w0, float)] * (steps + 1))),
    ("steps-count", lambda a, lr, w0, c, tol: 3),
    ("steps-stable", lambda a, lr: lr < 2),
])
def test_steps_checks_reject_plausible_mistakes(label, answer):
    assert not sc.exercises.check(label, answer, quiet=True).passed
