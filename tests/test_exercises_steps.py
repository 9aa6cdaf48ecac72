"""The steps chapter's checks: right answers pass, plausible mistakes get feedback."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse.exercises import _core


def _measured_contraction(lambdas, lr, steps):
    w = np.ones(len(lambdas))
    norms = [np.linalg.norm(w)]
    for _ in range(steps):
        w = w - lr * lambdas * w
        norms.append(np.linalg.norm(w))
    return norms[-1] / norms[-2]


def _predict_steps(lambdas, lr, tol):
    # the slowest direction, whichever end of the spectrum it sits at
    q = np.max(np.abs(1 - lr * np.asarray(lambdas)))
    return int(np.ceil(np.log(tol) / np.log(q)))


RIGHT = {
    "steps-one-step": lambda w, g, lr: w - lr * g,
    "steps-loop": _measured_contraction,
    "steps-slowest": _predict_steps,
}


def test_the_chapter_has_at_least_four_exercises():
    assert len(sc.exercises.chapters()["steps"]) >= 4


@pytest.mark.parametrize("label", sorted(RIGHT))
def test_right_answers_pass_on_every_seed(label):
    spec = sc.exercises.registry()[label]
    for seed in range(5):
        for case in spec.cases(_core.case_rng(label, seed)):
            record = _core.run_case(spec, RIGHT[label], _core.encode(case))
            assert _core.judge_case(spec, record, case).passed


def _loss_ratio(lambdas, lr, steps):
    w = np.ones(len(lambdas)) * (1 - lr * lambdas) ** (steps - 1)
    return 0.5 * np.sum(lambdas * (w * (1 - lr * lambdas)) ** 2) / (0.5 * np.sum(lambdas * w**2))


@pytest.mark.parametrize("label, answer, phrase", [
    ("steps-loop", lambda lam, lr, steps: _measured_contraction(lam, lr, 1), "first step"),
    ("steps-loop", _loss_ratio, "ratio of losses"),
    ("steps-loop", lambda lam, lr, steps: np.max(np.abs(1 - lr * lam)), "measured_contraction"),
    ("steps-slowest", lambda lam, lr, tol: np.ceil(np.log(tol) / np.log(1 - lr * np.min(lam))), "the loop"),
    ("steps-slowest", lambda lam, lr, tol: np.ceil(np.log(tol) / np.log(np.abs(1 - lr * np.max(lam)))),
     "the loop"),
    ("steps-slowest", lambda lam, lr, tol: np.ceil(np.log(tol) / np.log(np.min(np.abs(1 - lr * lam)))),
     "the loop"),
])
def test_plausible_mistakes_are_caught_with_feedback(label, answer, phrase):
    result = sc.exercises.check(label, answer)
    assert not result.passed and result.points == 0
    assert phrase in result.message


def test_the_formula_is_not_the_measurement_after_few_steps():
    # the late ratio approaches max|1 - lr*lambda| only as the steps grow
    lam, lr = np.array([1.0, 9.5]), 0.2
    assert abs(_measured_contraction(lam, lr, 5) - 0.9) > 1e-3
    assert abs(_measured_contraction(lam, lr, 200) - 0.9) < 1e-6
