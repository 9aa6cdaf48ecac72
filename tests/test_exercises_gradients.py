"""The gradients chapter's exercise checks: reference answers pass, plausible mistakes get a helpful message."""
import numpy as np
import pytest

import stepcourse as sc


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


def test_labels_are_registered():
    reg = sc.exercises.registry()
    for label in ("gradients-partials", "gradients-central", "gradients-best-h", "gradients-logcosh",
                  "gradients-standardize", "gradients-central-h"):
        assert reg[label].chapter == "gradients"


def test_partials():
    def right(w):
        e = np.exp(w[0] - w[1])
        return np.array([2 * w[0] * w[1] + e, w[0] ** 2 - e])

    assert check("gradients-partials", right)
    wrong = check("gradients-partials", lambda w: np.array([2 * w[0] * w[1] + np.exp(w[0] - w[1]),
                                                             w[0] ** 2 + np.exp(w[0] - w[1])]))
    assert not wrong and "w2" in wrong.message
    assert "shape" in check("gradients-partials", lambda w: 1.0).message


def _central(f, w, h=1e-5):
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def test_central():
    assert check("gradients-central", _central)

    def forward(f, w, h=1e-5):
        g = np.zeros_like(w)
        for i in range(w.size):
            e = np.zeros_like(w)
            e[i] = h
            g[i] = (f(w + e) - f(w)) / h
        return g

    assert "forward differences" in check("gradients-central", forward).message

    def mutating(f, w, h=1e-5):
        g = np.zeros_like(w)
        for i in range(w.size):
            w[i] += h
            up = f(w)
            w[i] -= 2 * h
            down = f(w)
            g[i] = (up - down) / (2 * h)
        return g

    # Restoring w[i] is forgotten: the check notices the changed input.
    assert "changed the array" in check("gradients-central", mutating).message


def _my_sweep_best(f, df, x):
    # an independent sweep: the same grid as the chapter's, 10 steps per decade from 1e-16 to 1
    hs = np.logspace(-16, 0, 161)
    errors = [abs((f(x + h) - f(x)) / h - df(x)) for h in hs]
    return float(hs[int(np.argmin(errors))])


def test_best_h():
    assert check("gradients-best-h", lambda f, df, x: sc.gradcheck.step_sweep(f, df, x=x).best_h("forward"))
    assert check("gradients-best-h", _my_sweep_best)
    rule = check("gradients-best-h", lambda f, df, x: 1e-8)
    assert not rule and rule.points == 0 and "rule of thumb" in rule.message
    assert not check("gradients-best-h", lambda f, df, x: np.sqrt(np.finfo(float).eps))
    too_big = check("gradients-best-h", lambda f, df, x: 1e-4)
    assert not too_big and "truncation" in too_big.cases[0].reason
    too_small = check("gradients-best-h", lambda f, df, x: 1e-14)
    assert not too_small and "round-off" in too_small.cases[0].reason
    assert not check("gradients-best-h", lambda f, df, x: -1.0)
    assert not check("gradients-best-h", 1e-8)  # a number, not a function


def _best_step(kind, f_abs, d_abs):
    eps = np.finfo(float).eps
    if kind == "forward":  # d/dh (d h / 2 + eps f / h) = 0
        return np.sqrt(2 * eps * f_abs / d_abs)
    return (3 * eps * f_abs / d_abs) ** (1 / 3)  # d/dh (d h^2 / 6 + eps f / h) = 0


def test_central_h():
    assert check("gradients-central-h", _best_step)
    eps = np.finfo(float).eps
    rules = check("gradients-central-h", lambda kind, f, d: np.sqrt(eps) if kind == "forward" else eps ** (1 / 3))
    assert not rules and rules.points == 0 and "rule of thumb" in rules.message
    only_forward = check("gradients-central-h", lambda kind, f, d: _best_step("forward", f, d))
    assert not only_forward and only_forward.points == 0
    no_factor = check("gradients-central-h", lambda kind, f, d: (eps * f / d) ** (1 / (2 if kind == "forward" else 3)))
    assert not no_factor and no_factor.points == 0


def _logcosh(params, X, y):
    r = X @ params["w"] + params["b"] - y
    d = np.tanh(r) / len(y)
    return float(np.mean(np.log(np.cosh(r)))), {"w": X.T @ d, "b": d.sum()}


def test_logcosh():
    assert check("gradients-logcosh", _logcosh)

    def no_mean(params, X, y):
        loss, g = _logcosh(params, X, y)
        return loss, {"w": g["w"] * len(y), "b": g["b"]}

    res = check("gradients-logcosh", no_mean)
    assert not res and "grads['w']" in res.message and "tanh" in res.hint

    def bad_bias_sign(params, X, y):
        loss, g = _logcosh(params, X, y)
        return loss, {"w": g["w"], "b": -g["b"]}

    res = check("gradients-logcosh", bad_bias_sign)
    assert not res and "'b'" in res.message
    assert "pair" in check("gradients-logcosh", lambda p, X, y: 1.0).message
    assert "loss" in check("gradients-logcosh", lambda p, X, y: (0.0, _logcosh(p, X, y)[1])).message


def _condition_numbers(X):
    def kappa(M):
        lam = np.linalg.eigvalsh(M.T @ M / len(M))
        return lam[-1] / lam[0]

    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)  # ddof does not change a ratio
    return kappa(X), kappa(Z)


def test_standardize():
    assert check("gradients-standardize", _condition_numbers)
    assert check("gradients-standardize", lambda X: (_condition_numbers(X)[0],
                                                     np.linalg.cond(np.corrcoef(X.T))))
    root = check("gradients-standardize", lambda X: tuple(np.sqrt(_condition_numbers(X))))
    assert not root and "square root" in root.message
    centred = check("gradients-standardize", lambda X: (_condition_numbers(X)[0],
                                                        _condition_numbers(X - X.mean(axis=0))[0]))
    assert not centred and "centred" in centred.message
    scaled_only = check("gradients-standardize", lambda X: (_condition_numbers(X)[0],
                                                            _condition_numbers(X / X.std(axis=0))[0]))
    assert not scaled_only and scaled_only.points == 0
    # two uncorrelated centred features of scales 1 and 10: kappa 100 before, 1 after
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(100000, 2))
    raw, scaled = _condition_numbers(Z * [1.0, 10.0])
    assert abs(raw / 100 - 1) < 0.05 and abs(scaled - 1) < 0.05


@pytest.mark.parametrize("label", ["gradients-partials", "gradients-central", "gradients-logcosh",
                                   "gradients-standardize", "gradients-best-h",
                                   "gradients-central-h"])
def test_stubs_fail_politely(label):
    res = check(label, lambda *a: None)
    assert not res and "None" in res.message
