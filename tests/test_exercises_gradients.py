"""The gradients chapter's exercise checks: reference answers pass, plausible mistakes get a helpful message."""
import numpy as np
import pytest

import stepcourse as sc


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


def test_labels_are_registered():
    reg = sc.exercises.registry()
    for label in ("gradients-partials", "gradients-central", "gradients-best-h", "gradients-logcosh",
                  "gradients-standardize"):
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


def test_best_h():
    sweep = sc.gradcheck.step_sweep(np.exp, np.exp, 1.0)
    assert check("gradients-best-h", sweep.best_h("forward"))
    assert check("gradients-best-h", np.sqrt(np.finfo(float).eps))
    too_big = check("gradients-best-h", 1e-4)
    assert not too_big and "truncation" in too_big.message
    too_small = check("gradients-best-h", 1e-13)
    assert not too_small and "round-off" in too_small.message
    assert not check("gradients-best-h", -1.0)


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


def test_standardize():
    def right(X_train, X_test):
        m, s = X_train.mean(axis=0), X_train.std(axis=0)
        return (X_train - m) / s, (X_test - m) / s

    def own_stats(X_train, X_test):
        return right(X_train, X_test)[0], (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)

    def pooled(X_train, X_test):
        both = np.vstack([X_train, X_test])
        m, s = both.mean(axis=0), both.std(axis=0)
        return (X_train - m) / s, (X_test - m) / s

    assert check("gradients-standardize", right)
    assert "its own" in check("gradients-standardize", own_stats).message
    # Pooled statistics already spoil the training set's scaling.
    assert not check("gradients-standardize", pooled)
    assert check("gradients-standardize", lambda a, b: sc.data.standardize(a, b)[:2])


@pytest.mark.parametrize("label", ["gradients-partials", "gradients-central", "gradients-logcosh",
                                   "gradients-standardize"])
def test_stubs_fail_politely(label):
    res = check(label, lambda *a: None)
    assert not res and "None" in res.message
