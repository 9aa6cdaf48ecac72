"""Exercise specs of the chapter on gradients (references: :mod:`._references.gradients`)."""
from __future__ import annotations

import numpy as np

from ._core import (Spec, Wrong, call, exercise, expect_array, expect_close, expect_number,
                    expect_pair)

CHAPTER = "gradients"

#: The functions central differences are tried on, by name (a case names one; run builds it).
FUNCTIONS = {
    "sum(sin(w) * w)": lambda w: float(np.sum(np.sin(w) * w)),
    "log(1 + |w|^2)": lambda w: float(np.log1p(w @ w)),
    "exp(w[0]) cos(w[-1])": lambda w: float(np.exp(w[0]) * np.cos(w[-1])),
}


@exercise("gradients-partials", title="A gradient by hand")
class Partials(Spec):
    def cases(self, rng):
        return [rng.uniform(-2, 2, size=2) for _ in range(6)]

    def run(self, grad_f, w):
        return call(grad_f, w.copy(), what="grad_f(w)")

    def compare(self, got, expected, w):
        shown = f"grad_f({w.round(3).tolist()})"
        got = expect_array(got, shape=(2,), what=shown)
        for i, name in enumerate(("w1", "w2")):
            if not np.isclose(got[i], expected[i], rtol=1e-6, atol=1e-9):
                raise Wrong(f"at w = {w.round(3).tolist()} the partial derivative with respect to {name} "
                            f"is {expected[i]:.6g}; you returned {got[i]:.6g}.",
                            reason=f"the partial derivative with respect to {name} is wrong",
                            hint=f"differentiate with respect to {name} while holding the other variable "
                                 "fixed; the chain rule gives d/dw exp(w1 - w2) = exp(w1 - w2) * "
                                 "d(w1 - w2)/dw.")


@exercise("gradients-central", title="Central differences")
class Central(Spec):
    def cases(self, rng):
        return [{"f": name, "w": rng.normal(size=d)} for name in FUNCTIONS for d in (1, 4)]

    def run(self, central_diff, case):
        w = case["w"].copy()
        out = call(central_diff, FUNCTIONS[case["f"]], w, 1e-5, what="central_diff(f, w, 1e-5)")
        return {"out": out, "changed": bool(not np.array_equal(w, case["w"]))}

    def compare(self, got, expected, case):
        what = f"central_diff for f = {case['f']} with {len(case['w'])} parameter(s)"
        out = expect_array(got["out"], shape=case["w"].shape, what=what)
        if got["changed"]:
            raise Wrong("central_diff changed the array w it was given.",
                        reason="central_diff changed the array w it was given",
                        hint="perturb a copy (w.copy()) or restore each entry after using it.")
        if (np.allclose(out, expected["forward"], rtol=1e-12, atol=0)
                and not np.allclose(out, expected["central"], rtol=1e-8)):
            raise Wrong("these are forward differences, (f(w + h e_i) - f(w)) / h.",
                        reason="these are forward differences",
                        hint="central differences use f(w + h e_i) - f(w - h e_i), divided by 2h.")
        expect_close(out, expected["central"], rtol=1e-7, atol=1e-10, what=what,
                     hint="for each coordinate i: (f(w + h e_i) - f(w - h e_i)) / (2 h), where e_i is the "
                          "i-th unit vector; perturb one coordinate at a time.")


@exercise("gradients-best-h", title="The best step for forward differences")
class BestH(Spec):
    def cases(self, rng):
        return [{"x": 1.0}]

    def run(self, answer, case):
        return answer

    def compare(self, got, expected, case):
        h = expect_number(got, what="your step h")
        if not h > 0:
            raise Wrong(f"a step must be positive; got {h:g}.", reason="a step must be positive")
        best = expected["best_h"]
        if not best / 10 <= h <= best * 10:
            side = "truncation (the O(h) term)" if h > best else "round-off (the eps/h term)"
            raise Wrong(f"at h = {h:.1e} the forward-difference error of exp at x = 1 is dominated by "
                        f"{side}; the best measured step gives a much smaller error.",
                        reason=f"the error at this step is dominated by {side}",
                        hint="plot sweep.errors['forward'] against sweep.hs on log-log axes and read off "
                             "the bottom of the V (or use np.argmin).")


@exercise("gradients-logcosh", points=2, title="The gradient of a robust regression loss")
class LogCosh(Spec):
    def cases(self, rng):
        cases = []
        for n, d in ((7, 1), (20, 3), (12, 2), (30, 4)):
            cases.append({"X": rng.normal(size=(n, d)), "y": rng.normal(size=n) * 2,
                          "params": {"w": rng.normal(size=d), "b": np.asarray(rng.normal())}})
        return cases

    def run(self, loss_and_grad, case):
        params = {k: v.copy() for k, v in case["params"].items()}
        return call(loss_and_grad, params, case["X"].copy(), case["y"].copy(),
                    what="loss_and_grad(params, X, y)")

    def compare(self, got, expected, case):
        if got is None:
            raise Wrong("loss_and_grad(params, X, y) returned nothing (None).",
                        hint="did you forget a `return` statement?", reason="the function returned None")
        loss, grads = expect_pair(got, what="loss_and_grad", names="loss, grads")
        if type(grads) is not dict:
            raise Wrong("loss_and_grad should return a pair (loss, grads) with grads a dict "
                        "{'w': ..., 'b': ...}.", reason="grads should be a dict {'w': ..., 'b': ...}")
        expect_close(expect_number(loss, what="the loss"), expected["loss"], rtol=1e-8, what="the loss",
                     hint="the mean over samples of log(cosh(r_i)) with residuals r = X @ w + b - y.")
        if set(grads) != {"w", "b"}:
            raise Wrong(f"grads should have the keys 'w' and 'b'; got {sorted(grads)}.",
                        reason="grads should have the keys 'w' and 'b'")
        hint = ("d/dr log(cosh(r)) = tanh(r); then the chain rule through r = X @ w + b - y, and do not "
                "forget the 1/n of the mean.")
        expect_close(grads["w"], expected["w"], rtol=1e-6, atol=1e-9, what="grads['w']", hint=hint)
        expect_close(np.asarray(grads["b"], dtype=float).reshape(()), expected["b"], rtol=1e-6,
                     atol=1e-9, what="grads['b']", hint=hint)


@exercise("gradients-standardize", title="Standardize without peeking")
class Standardize(Spec):
    def cases(self, rng):
        cases = []
        for _ in range(3):
            cases.append({"train": rng.normal(loc=[5.0, -100.0, 0.0], scale=[2.0, 30.0, 0.01], size=(40, 3)),
                          "test": rng.normal(loc=[7.0, -80.0, 0.0], scale=[3.0, 20.0, 0.02], size=(15, 3))})
        return cases

    def run(self, standardize_split, case):
        return call(standardize_split, case["train"].copy(), case["test"].copy(),
                    what="standardize_split(X_train, X_test)")

    def compare(self, got, expected, case):
        if got is None:
            raise Wrong("standardize_split(X_train, X_test) returned nothing (None).",
                        hint="did you forget a `return` statement?", reason="the function returned None")
        tr, te = expect_pair(got, what="standardize_split", names="X_train_scaled, X_test_scaled")
        tr = expect_array(tr, shape=case["train"].shape, what="X_train_scaled")
        te = expect_array(te, shape=case["test"].shape, what="X_test_scaled")
        if not np.allclose(tr, expected["train"], atol=1e-8):
            raise Wrong("the training set is not scaled to mean 0 and standard deviation 1 per feature.",
                        reason="the training set is not scaled to mean 0 and standard deviation 1",
                        hint="use X_train.mean(axis=0) and X_train.std(axis=0): one statistic per column.")
        if np.allclose(te, expected["test_own"], atol=1e-8):
            raise Wrong("the test set was scaled with its own mean and standard deviation.",
                        reason="the test set was scaled with its own statistics",
                        hint="the test set must be transformed with the training statistics, as new data "
                             "would be.")
        if np.allclose(te, expected["test_pooled"], atol=1e-8):
            raise Wrong("the statistics were computed on training and test rows together: the test set "
                        "leaks in.", reason="the statistics include the test rows",
                        hint="compute mean and std on X_train only.")
        expect_close(te, expected["test"], atol=1e-8, what="X_test_scaled",
                     hint="(X_test - mean_train) / std_train")
