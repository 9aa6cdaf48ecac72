"""Checks for the exercises of the chapter on gradient boosting."""
from __future__ import annotations

import numpy as np

from ..trees import RegressionTree
from ._core import Wrong, call, exercise, expect_array, expect_close, expect_number


@exercise("boosting-pseudo-residual", title="The pseudo-residual of a new loss")
def _pseudo_residual(pseudo_residual):
    # The Cauchy loss L(y, F) = log(1 + (y - F)^2) / 2: squared near zero, only logarithmic far away.
    rng = np.random.default_rng(0)
    for n in (1, 7, 50):
        y = rng.normal(size=n) * 3
        F = rng.normal(size=n) * 3
        what = f"pseudo_residual(y, F) with {n} point{'s' * (n != 1)}"
        got = expect_array(call(pseudo_residual, y, F, what=what), shape=(n,), what=what)
        u = y - F
        expected = u / (1 + u**2)
        if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
            raise Wrong("you returned the gradient dL/dF; the pseudo-residual is its negative.",
                        hint="the next tree should point downhill: r = -dL/dF.")
        if np.allclose(got, 2 * expected, rtol=1e-6, atol=1e-9):
            raise Wrong("your pseudo-residual is twice too large.", hint="the loss has a factor 1/2 in front.")
        expect_close(got, expected, rtol=1e-6, atol=1e-9, what="your pseudo-residual",
                     hint="with u = y - F: dL/du = u / (1 + u**2), and du/dF = -1.")


@exercise("boosting-one-stage", title="One stage by hand")
def _one_stage(boost_stage):
    rng = np.random.default_rng(1)
    for n, lr in ((30, 0.1), (60, 0.5), (45, 1.0)):
        x = np.sort(rng.uniform(0, 5, size=n))[:, None]
        y = np.sin(x[:, 0]) + 0.2 * rng.normal(size=n)
        F = np.full(n, y.mean()) + 0.3 * rng.normal(size=n)
        F_before = F.copy()
        got = expect_array(call(boost_stage, x, y, F, lr, what="boost_stage(x, y, F, lr)"), shape=(n,),
                           what="boost_stage(x, y, F, lr)")
        if not np.array_equal(F, F_before):
            raise Wrong("boost_stage changed the array F it was given.", hint="return F + ..., a new array.")
        tree = RegressionTree(max_depth=2).fit(x, y - F)
        if np.allclose(got, F + tree.predict(x), rtol=1e-9, atol=1e-12) and lr != 1.0:
            raise Wrong("the step is the whole tree; it should be scaled by the learning rate.",
                        hint="F + lr * tree.predict(x)")
        expect_close(got, F + lr * tree.predict(x), rtol=1e-9, atol=1e-12, what=f"boost_stage with lr={lr}",
                     hint="fit RegressionTree(max_depth=2) to the residuals y - F, then step: F + lr * h(x).")


@exercise("boosting-mean-residual", title="Predict the mean residual")
def _mean_residual(mean_residual):
    rng = np.random.default_rng(2)
    cases = [(2.0, 0.1, 0), (2.0, 0.1, 1), (5.0, 0.5, 3), (-1.5, 1.0, 4)]
    cases += [(float(rng.normal() * 5), float(rng.uniform(0.01, 1)), int(rng.integers(0, 60))) for _ in range(10)]
    for y_mean, lr, m in cases:
        what = f"mean_residual({y_mean:.3g}, {lr:.3g}, {m})"
        expect_close(call(mean_residual, y_mean, lr, m, what=what), y_mean * (1 - lr) ** m, rtol=1e-9, atol=1e-12,
                     what=what, hint="each stage removes the fraction lr of what is left: a factor (1 - lr) per stage.")


@exercise("boosting-newton-leaf", title="The Newton step of a log-loss leaf")
def _newton_leaf(newton_leaf):
    rng = np.random.default_rng(3)
    for n in (5, 1, 40):
        y = rng.integers(0, 2, size=n).astype(float)
        F = rng.normal(size=n) * 2
        p = 1 / (1 + np.exp(-F))
        expected = np.sum(y - p) / np.sum(p * (1 - p))
        got = expect_number(call(newton_leaf, y, F, what=f"newton_leaf(y, F) with {n} point{'s' * (n != 1)}"),
                            what=f"newton_leaf(y, F) with {n} point{'s' * (n != 1)}")
        if np.isclose(got, np.mean(y - p), rtol=1e-6):
            raise Wrong("that is the mean gradient step; the Newton step divides by the curvature.",
                        hint="divide the sum of y - p by the sum of p (1 - p).")
        expect_close(got, expected, rtol=1e-8, atol=1e-12, what=f"newton_leaf with {n} point{'s' * (n != 1)}",
                     hint="p = 1 / (1 + exp(-F)); gradient sum(p - y), curvature sum(p (1 - p)); step = -gradient / curvature.")


def _reference_stop(losses, patience):
    best, best_at, waited = np.inf, 0, 0
    for i, v in enumerate(losses):
        if v < best:
            best, best_at, waited = v, i, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_at + 1


@exercise("boosting-early-stopping", title="Early stopping")
def _early_stopping(trees_to_keep):
    rng = np.random.default_rng(4)
    curves = [np.array([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0]), np.array([1.0, 2.0, 3.0]), np.linspace(3, 1, 10)]
    for _ in range(12):
        n = int(rng.integers(5, 80))
        t = np.arange(n)
        curves.append(1 / (1 + 0.2 * t) + 0.004 * t + 0.01 * rng.normal(size=n))
    for k, curve in enumerate(curves):
        for patience in (1, 3, 10):
            expected = _reference_stop(curve, patience)
            got = call(trees_to_keep, curve.copy(), patience, what=f"trees_to_keep(curve {k}, patience={patience})")
            if got is None:
                raise Wrong("trees_to_keep returned nothing (None).", hint="did you forget a `return` statement?")
            if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
                raise Wrong(f"trees_to_keep should return a whole number of trees; got {got!r}.")
            if int(got) != expected:
                hint = ("stage i (counting from 0) has i + 1 trees." if int(got) == expected - 1 else
                        "stop scanning once `patience` stages in a row have not beaten the best loss so far; "
                        "keep the trees up to that best stage.")
                raise Wrong(f"for curve {k} with patience={patience} keep {expected} trees; you said {int(got)}.",
                            hint=hint)
