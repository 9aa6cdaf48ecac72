"""The boosting chapter's exercise checks: reference answers pass, plausible mistakes get a helpful message."""
import numpy as np

import stepcourse as sc
from stepcourse.boosting import RegressionTree


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


LABELS = ("boosting-pseudo-residual", "boosting-one-stage", "boosting-mean-residual", "boosting-newton-leaf",
          "boosting-early-stopping")


def test_labels_are_registered():
    reg = sc.exercises.registry()
    for label in LABELS:
        assert reg[label].chapter == "boosting"


def test_stubs_fail_politely():
    for label in LABELS:
        result = check(label, ...)
        assert not result and "no answer yet" in result.message

    def stub(*args):
        ...

    for label in LABELS:
        result = check(label, stub)
        assert not result and "None" in result.message


def test_pseudo_residual():
    assert check("boosting-pseudo-residual", lambda y, F: (y - F) / (1 + (y - F) ** 2))
    wrong_sign = check("boosting-pseudo-residual", lambda y, F: (F - y) / (1 + (y - F) ** 2))
    assert not wrong_sign and "negative" in wrong_sign.message
    doubled = check("boosting-pseudo-residual", lambda y, F: 2 * (y - F) / (1 + (y - F) ** 2))
    assert not doubled and "twice" in doubled.message
    plain = check("boosting-pseudo-residual", lambda y, F: y - F)
    assert not plain and plain.hint
    crashes = check("boosting-pseudo-residual", lambda y, F: y.nonexistent)
    assert not crashes and "AttributeError" in crashes.message


def test_one_stage():
    def right(x, y, F, lr):
        return F + lr * RegressionTree(max_depth=2).fit(x, y - F).predict(x)

    assert check("boosting-one-stage", right)
    unscaled = check("boosting-one-stage", lambda x, y, F, lr: F + RegressionTree(max_depth=2).fit(x, y - F).predict(x))
    assert not unscaled and "learning rate" in unscaled.message

    def in_place(x, y, F, lr):
        F += lr * RegressionTree(max_depth=2).fit(x, y - F).predict(x)
        return F

    assert "changed the array" in check("boosting-one-stage", in_place).message
    on_targets = check("boosting-one-stage", lambda x, y, F, lr: F + lr * RegressionTree(max_depth=2).fit(x, y).predict(x))
    assert not on_targets and "residuals" in on_targets.hint


def test_mean_residual():
    assert check("boosting-mean-residual", lambda y_mean, lr, m: y_mean * (1 - lr) ** m)
    off_by_one = check("boosting-mean-residual", lambda y_mean, lr, m: y_mean * (1 - lr) ** (m + 1))
    assert not off_by_one and "(1 - lr)" in off_by_one.hint


def test_newton_leaf():
    def right(y, F):
        p = 1 / (1 + np.exp(-F))
        return np.sum(y - p) / np.sum(p * (1 - p))

    assert check("boosting-newton-leaf", right)
    gradient_only = check("boosting-newton-leaf", lambda y, F: np.mean(y - 1 / (1 + np.exp(-F))))
    assert not gradient_only and "curvature" in gradient_only.message
    array = check("boosting-newton-leaf", lambda y, F: y - F)
    assert not array and "single number" in array.message


def test_early_stopping():
    def right(losses, patience):
        best, best_at, waited = np.inf, 0, 0
        for i, v in enumerate(losses):
            if v < best:
                best, best_at, waited = v, i, 0
            else:
                waited += 1
                if waited == patience:
                    break
        return best_at + 1

    assert check("boosting-early-stopping", right)
    zero_based = check("boosting-early-stopping", lambda losses, patience: int(np.argmin(losses)))
    assert not zero_based
    no_patience = check("boosting-early-stopping", lambda losses, patience: int(np.argmin(losses)) + 1)
    assert not no_patience and "patience" in no_patience.hint
    as_float = check("boosting-early-stopping", lambda losses, patience: float(np.argmin(losses) + 1))
    assert not as_float and "whole number" in as_float.message


def test_xgb_gain():
    # independent oracle: the gain as the drop of the log-loss's second-order objective, with each
    # leaf's best value found on a fine grid
    def by_grid(y, F, left, lam, gamma):
        left = np.asarray(left, dtype=bool)
        p = 1 / (1 + np.exp(-F))
        g, h = p - y, p * (1 - p)
        ws = np.linspace(-20, 20, 400001)

        def best(m):
            return np.min(g[m].sum() * ws + 0.5 * (h[m].sum() + lam) * ws ** 2)

        return best(np.ones_like(left)) - best(left) - best(~left) - gamma

    def right(y, F, left, lam, gamma):
        left = np.asarray(left, dtype=bool)
        p = 1 / (1 + np.exp(-F))
        g, h = p - y, p * (1 - p)

        def score(m):
            return g[m].sum() ** 2 / (h[m].sum() + lam)

        return 0.5 * (score(left) + score(~left) - score(np.ones_like(left))) - gamma

    rng = np.random.default_rng(3)
    y, F = (rng.random(12) < 0.5).astype(float), rng.normal(size=12)
    left = rng.random(12) < 0.5
    assert abs(by_grid(y, F, left, 0.7, 0.2) - right(y, F, left, 0.7, 0.2)) < 1e-6
    # the hand case of the chapter: four points at F = 0, lambda = 1, gamma = 0.1
    hand = right(np.array([1.0, 1.0, 0.0, 1.0]), np.zeros(4), [True, True, False, False], 1.0, 0.1)
    assert abs(hand - (1 / 12 - 1 / 10)) < 1e-12
    assert check("boosting-xgb-gain", right)
    no_gamma = check("boosting-xgb-gain", lambda y, F, left, lam, gamma: right(y, F, left, lam, 0.0))
    assert not no_gamma and no_gamma.points == 0 and "gamma" in no_gamma.message
    no_half = check("boosting-xgb-gain",
                    lambda y, F, left, lam, gamma: 2 * right(y, F, left, lam, 0.0) - gamma)
    assert not no_half and no_half.points == 0 and "1/2" in no_half.message

    def first_order(y, F, left, lam, gamma):
        left = np.asarray(left, dtype=bool)
        g = 1 / (1 + np.exp(-F)) - y

        def score(m):
            return g[m].sum() ** 2 / (m.sum() + lam)

        return 0.5 * (score(left) + score(~left) - score(np.ones_like(left))) - gamma

    assert not check("boosting-xgb-gain", first_order)
