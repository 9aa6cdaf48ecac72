"""The boosting chapter's exercise checks: reference answers pass, plausible mistakes get a helpful message."""
import numpy as np

import stepcourse as sc
from stepcourse.boosting import RegressionTree


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


LABELS = ("boosting-pseudo-residual", "boosting-one-stage", "boosting-mean-residual", "boosting-init",
          "boosting-newton-leaf", "boosting-early-stopping")


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


def test_mean_residual():
    assert check("boosting-mean-residual", lambda y_mean, lr, m: y_mean * (1 - lr) ** m)
    off_by_one = check("boosting-mean-residual", lambda y_mean, lr, m: y_mean * (1 - lr) ** (m + 1))
    assert not off_by_one and "(1 - lr)" in off_by_one.hint


def _stages_to_halve(x, y, lr, max_depth, start=None, scale=True):
    F = np.full(len(y), y.mean() if start is None else start)
    for m in range(1, 10_000):
        F = F + (lr if scale else 1.0) * RegressionTree(max_depth=max_depth).fit(x, y - F).predict(x)
        if np.mean((y - F) ** 2) <= np.var(y) / 2:
            return m


def test_one_stage():
    assert check("boosting-one-stage", _stages_to_halve)
    from_zero = check("boosting-one-stage", lambda *a: _stages_to_halve(*a, start=0.0))
    assert not from_zero and from_zero.points == 0 and "F_0 = 0" in from_zero.message
    unscaled = check("boosting-one-stage", lambda *a: _stages_to_halve(*a, scale=False))
    assert not unscaled and unscaled.points == 0 and "learning rate" in unscaled.message
    assert not check("boosting-one-stage", lambda x, y, lr, d: int(np.ceil(np.log(2) / lr)))


def test_one_stage_counts_agree_with_the_package_ensemble():
    # an independent oracle: the package's GradientBoostingRegressor, staged
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 5, size=40))[:, None]
    y = np.sin(x[:, 0]) + 0.5 * x[:, 0] + 0.2 * rng.normal(size=40)
    model = sc.boosting.GradientBoostingRegressor(learning_rate=0.1, n_estimators=60, max_depth=2).fit(x, y)
    staged = [np.mean((y - F) ** 2) for F in model.staged_predict(x)]
    first = next(m for m, mse in enumerate(staged, start=1) if mse <= np.var(y) / 2)
    assert first == _stages_to_halve(x, y, 0.1, 2)


def _init_value(y, loss):
    if loss == "squared":
        return np.mean(y)
    if loss == "absolute":
        return np.median(y)
    if loss == "log":
        return np.log(np.mean(y) / (1 - np.mean(y)))
    return np.log(np.mean(y))


def test_init():
    assert check("boosting-init", _init_value)
    means = check("boosting-init", lambda y, loss: np.mean(y))
    assert not means and means.points == 0
    prob = check("boosting-init", lambda y, loss: np.mean(y) if loss in ("log", "poisson") else _init_value(y, loss))
    assert not prob and "scale of F" in prob.cases[0].reason
    assert not check("boosting-init", lambda y, loss: np.mean(y) if loss == "absolute" else _init_value(y, loss))


def test_init_values_minimize_the_total_loss():
    # an independent oracle: a fine grid search of each loss's best constant
    rng = np.random.default_rng(3)
    y_real, y_bin, y_cnt = rng.normal(size=11) * 3, np.array([0.0, 1, 1, 0, 1, 1, 1]), np.array([0.0, 2, 5, 1, 3])
    losses = {"squared": (y_real, lambda c, y: np.sum((y - c) ** 2)),
              "absolute": (y_real, lambda c, y: np.sum(np.abs(y - c))),
              "log": (y_bin, lambda c, y: np.sum(np.logaddexp(0, c) - y * c)),
              "poisson": (y_cnt, lambda c, y: np.sum(np.exp(c) - y * c))}
    grid = np.linspace(-10, 10, 200_001)
    for loss, (y, total) in losses.items():
        values = [total(c, y) for c in grid[::100]]
        coarse = grid[::100][int(np.argmin(values))]
        fine = grid[(grid > coarse - 0.02) & (grid < coarse + 0.02)]
        best = fine[int(np.argmin([total(c, y) for c in fine]))]
        assert abs(best - _init_value(y, loss)) < 2e-4, loss


def test_newton_leaf():
    def right(y, F):
        mu = np.exp(F)
        return np.sum(y - mu) / np.sum(mu)

    assert check("boosting-newton-leaf", right)
    gradient_only = check("boosting-newton-leaf", lambda y, F: np.mean(y - np.exp(F)))
    assert not gradient_only and "curvature" in gradient_only.message
    exact = check("boosting-newton-leaf", lambda y, F: np.log(np.sum(y) / np.sum(np.exp(F))))
    assert not exact and "exact" in exact.message

    def log_loss_leaf(y, F):
        p = 1 / (1 + np.exp(-F))
        return np.sum(y - p) / np.sum(p * (1 - p))

    assert "log-loss" in check("boosting-newton-leaf", log_loss_leaf).message
    array = check("boosting-newton-leaf", lambda y, F: y - F)
    assert not array and "single number" in array.message


def test_newton_leaf_is_one_newton_step_of_the_leaf_loss():
    # an independent oracle: a numerical derivative of the leaf's Poisson loss in the shift c
    y, F = np.array([0.0, 3.0, 1.0, 4.0]), np.array([0.2, -0.5, 0.1, 0.3])
    total = lambda c: np.sum(np.exp(F + c) - y * (F + c))
    h = 1e-4
    g = (total(h) - total(-h)) / (2 * h)
    H = (total(h) - 2 * total(0.0) + total(-h)) / h**2
    assert abs(-g / H - np.sum(y - np.exp(F)) / np.sum(np.exp(F))) < 1e-5


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
