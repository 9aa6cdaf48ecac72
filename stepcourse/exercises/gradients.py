"""Checks for the exercises of the chapter on gradients."""
from __future__ import annotations

import numpy as np

from ..gradcheck import THRESHOLD, check_grad, numerical_grad, step_sweep
from ._core import Wrong, call, exercise, expect_array, expect_close, expect_number


def _not_none(value, what: str) -> None:
    if value is None:
        raise Wrong(f"{what} returned nothing (None).", hint="did you forget a `return` statement?")



def _grad_partials(w):
    e = np.exp(w[0] - w[1])
    return np.array([2 * w[0] * w[1] + e, w[0] ** 2 - e])


@exercise("gradients-partials", title="A gradient by hand")
def _partials(grad_f):
    rng = np.random.default_rng(10)
    for _ in range(6):
        w = rng.uniform(-2, 2, size=2)
        got = expect_array(call(grad_f, w.copy(), what=f"grad_f({w.round(3).tolist()})"), shape=(2,),
                           what=f"grad_f({w.round(3).tolist()})")
        expected = _grad_partials(w)
        for i, name in enumerate(("w1", "w2")):
            if not np.isclose(got[i], expected[i], rtol=1e-6, atol=1e-9):
                raise Wrong(f"at w = {w.round(3).tolist()} the partial derivative with respect to {name} is "
                            f"{expected[i]:.6g}; you returned {got[i]:.6g}.",
                            hint=f"differentiate with respect to {name} while holding the other variable fixed; "
                                 "the chain rule gives d/dw exp(w1 - w2) = exp(w1 - w2) * d(w1 - w2)/dw.")


@exercise("gradients-central", title="Central differences")
def _central(central_diff):
    rng = np.random.default_rng(11)
    funcs = [(lambda w: float(np.sum(np.sin(w) * w)), "sum(sin(w) * w)"),
             (lambda w: float(np.log1p(w @ w)), "log(1 + |w|^2)"),
             (lambda w: float(np.exp(w[0]) * np.cos(w[-1])), "exp(w[0]) cos(w[-1])")]
    for f, text in funcs:
        for d in (1, 4):
            w = rng.normal(size=d)
            w_before = w.copy()
            got = expect_array(call(central_diff, f, w, 1e-5, what=f"central_diff(f, w, 1e-5) for f = {text}"),
                               shape=(d,), what=f"central_diff for f = {text} with {d} parameter(s)")
            if not np.array_equal(w, w_before):
                raise Wrong("central_diff changed the array w it was given.",
                            hint="perturb a copy (w.copy()) or restore each entry after using it.")
            expected = numerical_grad(f, w, h=1e-5, method="central")
            forward = numerical_grad(f, w, h=1e-5, method="forward")
            if np.allclose(got, forward, rtol=1e-12, atol=0) and not np.allclose(got, expected, rtol=1e-8):
                raise Wrong("these are forward differences, (f(w + h e_i) - f(w)) / h.",
                            hint="central differences use f(w + h e_i) - f(w - h e_i), divided by 2h.")
            expect_close(got, expected, rtol=1e-7, atol=1e-10, what=f"central_diff for f = {text}",
                         hint="for each coordinate i: (f(w + h e_i) - f(w - h e_i)) / (2 h), where e_i is the i-th "
                              "unit vector; perturb one coordinate at a time.")


@exercise("gradients-best-h", title="The best step for forward differences")
def _best_h(answer):
    h = expect_number(answer, what="your step h")
    if not h > 0:
        raise Wrong(f"a step must be positive; got {h:g}.")
    sweep = step_sweep(np.exp, np.exp, x=1.0)
    best = sweep.best_h("forward")
    if not best / 10 <= h <= best * 10:
        side = "truncation (the O(h) term)" if h > best else "round-off (the eps/h term)"
        error = sweep.error_at(h, "forward")
        raise Wrong(f"at h = {h:.1e} the forward-difference error of exp at x = 1 is {error:.1e}, "
                    f"dominated by {side}; the best measured step gives {sweep.best_error('forward'):.1e}.",
                    hint="plot sweep.errors['forward'] against sweep.hs on log-log axes and read off the bottom of "
                         "the V (or use np.argmin).")


def _ref_logcosh(params, X, y):
    r = X @ params["w"] + params["b"] - y
    loss = float(np.mean(np.logaddexp(r, -r) - np.log(2.0)))
    d = np.tanh(r) / len(y)
    return loss, {"w": X.T @ d, "b": np.asarray(d.sum())}


@exercise("gradients-logcosh", points=2, title="The gradient of a robust regression loss")
def _logcosh(loss_and_grad):
    rng = np.random.default_rng(12)
    for n, d in ((7, 1), (20, 3)):
        X = rng.normal(size=(n, d))
        y = rng.normal(size=n) * 2
        params = {"w": rng.normal(size=d), "b": np.asarray(rng.normal())}
        out = call(loss_and_grad, {k: v.copy() for k, v in params.items()}, X, y,
                   what="loss_and_grad(params, X, y)")
        _not_none(out, "loss_and_grad(params, X, y)")
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
            raise Wrong("loss_and_grad should return a pair (loss, grads) with grads a dict {'w': ..., 'b': ...}.")
        loss, grads = out
        ref_loss, _ = _ref_logcosh(params, X, y)
        expect_close(expect_number(loss, what="the loss"), ref_loss, rtol=1e-8, what="the loss",
                     hint="the mean over samples of log(cosh(r_i)) with residuals r = X @ w + b - y.")
        if set(grads) != {"w", "b"}:
            raise Wrong(f"grads should have the keys 'w' and 'b'; got {sorted(grads)}.")
        expect_array(grads["w"], shape=(d,), what="grads['w']")
        expect_array(np.asarray(grads["b"]).reshape(-1), shape=(1,), what="grads['b']")
        errors = check_grad(lambda p: loss_and_grad(p, X, y), params)
        bad = {k: e for k, e in errors.items() if not e < THRESHOLD}
        if bad:
            worst = max(bad, key=bad.get)
            raise Wrong(f"check_grad finds a relative error of {bad[worst]:.1e} in the gradient of {worst!r} "
                        f"(a correct gradient scores below {THRESHOLD:g}).",
                        hint="d/dr log(cosh(r)) = tanh(r); then the chain rule through r = X @ w + b - y, and "
                             "do not forget the 1/n of the mean.")


@exercise("gradients-standardize", title="Standardize without peeking")
def _standardize(standardize_split):
    rng = np.random.default_rng(13)
    X_train = rng.normal(loc=[5.0, -100.0, 0.0], scale=[2.0, 30.0, 0.01], size=(40, 3))
    X_test = rng.normal(loc=[7.0, -80.0, 0.0], scale=[3.0, 20.0, 0.02], size=(15, 3))
    out = call(standardize_split, X_train.copy(), X_test.copy(), what="standardize_split(X_train, X_test)")
    _not_none(out, "standardize_split(X_train, X_test)")
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Wrong("standardize_split should return a pair (X_train_scaled, X_test_scaled).")
    tr = expect_array(out[0], shape=X_train.shape, what="X_train_scaled")
    te = expect_array(out[1], shape=X_test.shape, what="X_test_scaled")
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    if not np.allclose(tr, (X_train - mean) / std, atol=1e-8):
        raise Wrong("the training set is not scaled to mean 0 and standard deviation 1 per feature.",
                    hint="use X_train.mean(axis=0) and X_train.std(axis=0): one statistic per column.")
    if np.allclose(te, (X_test - X_test.mean(axis=0)) / X_test.std(axis=0), atol=1e-8):
        raise Wrong("the test set was scaled with its own mean and standard deviation.",
                    hint="the test set must be transformed with the training statistics, as new data would be.")
    both = np.vstack([X_train, X_test])
    if np.allclose(te, (X_test - both.mean(axis=0)) / both.std(axis=0), atol=1e-8):
        raise Wrong("the statistics were computed on training and test rows together: the test set leaks in.",
                    hint="compute mean and std on X_train only.")
    expect_close(te, (X_test - mean) / std, atol=1e-8, what="X_test_scaled",
                 hint="(X_test - mean_train) / std_train")
