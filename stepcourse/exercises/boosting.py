"""Exercise specs of the chapter on gradient boosting (references: :mod:`._references.boosting`)."""
from __future__ import annotations

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_array, expect_close, expect_int, expect_number

CHAPTER = "boosting"


def _points(n):
    return f"{n} point{'s' * (n != 1)}"


@exercise("boosting-pseudo-residual", title="The pseudo-residual of a new loss")
class PseudoResidual(Spec):
    # The Cauchy loss L(y, F) = log(1 + (y - F)^2) / 2: squared near zero, only logarithmic far away.
    def cases(self, rng):
        return [{"y": rng.normal(size=n) * 3, "F": rng.normal(size=n) * 3} for n in (1, 7, 50, 20)]

    def run(self, pseudo_residual, case):
        return call(pseudo_residual, case["y"].copy(), case["F"].copy(), what="pseudo_residual(y, F)")

    def compare(self, got, expected, case):
        n = len(case["y"])
        what = f"pseudo_residual(y, F) with {_points(n)}"
        got = expect_array(got, shape=(n,), what=what)
        if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
            raise Wrong("you returned the gradient dL/dF; the pseudo-residual is its negative.",
                        reason="this is the gradient dL/dF, not its negative",
                        hint="the next tree should point downhill: r = -dL/dF.")
        if np.allclose(got, 2 * expected, rtol=1e-6, atol=1e-9):
            raise Wrong("your pseudo-residual is twice too large.", reason="twice too large",
                        hint="the loss has a factor 1/2 in front.")
        expect_close(got, expected, rtol=1e-6, atol=1e-9, what="your pseudo-residual",
                     hint="with u = y - F: dL/du = u / (1 + u**2), and du/dF = -1.")


@exercise("boosting-one-stage", points=2, title="How many stages halve the error?")
class OneStage(Spec):
    def cases(self, rng):
        cases = []
        for n, lr, depth in ((30, 0.1, 1), (60, 0.2, 2), (45, 0.05, 2), (40, 0.1, 3)):
            x = np.sort(rng.uniform(0, 5, size=n))[:, None]
            y = np.sin(x[:, 0]) + 0.5 * x[:, 0] + 0.2 * rng.normal(size=n)
            cases.append({"x": x, "y": y, "lr": lr, "max_depth": depth})
        return cases

    def run(self, stages_to_halve, case):
        return call(stages_to_halve, case["x"].copy(), case["y"].copy(), case["lr"], case["max_depth"],
                    what="stages_to_halve(x, y, lr, max_depth)")

    def compare(self, got, expected, case):
        shown = f"stages_to_halve with lr={case['lr']}, max_depth={case['max_depth']}"
        m = expect_int(got, what=shown, hint="count the stages with an int.")
        if m == expected["stages"]:
            return
        if m == expected["from_zero"]:
            raise Wrong(f"{shown} is {expected['stages']}; {m} is the count from F_0 = 0.",
                        reason="the model should start at the mean of y", hint="F = np.full(n, y.mean()).")
        if m == expected["unscaled"]:
            raise Wrong(f"{shown} is {expected['stages']}; {m} is the count without the learning rate.",
                        reason="the step is not scaled by the learning rate", hint="F = F + lr * tree.predict(x).")
        raise Wrong(f"{shown} is {expected['stages']}; you said {m}.", reason="a wrong number of stages",
                    hint="fit RegressionTree(max_depth) to the residuals y - F, step F + lr * tree.predict(x), "
                         "and stop at the first stage where mean((y - F)**2) <= np.var(y) / 2.")


@exercise("boosting-mean-residual", points=2, title="Predict the mean residual")
class MeanResidual(Spec):
    def cases(self, rng):
        cases = [[2.0, 0.1, 0], [2.0, 0.1, 1], [5.0, 0.5, 3], [-1.5, 1.0, 4]]
        return cases + [[float(rng.normal() * 5), float(rng.uniform(0.01, 1)), int(rng.integers(0, 60))]
                        for _ in range(10)]

    def run(self, mean_residual, case):
        return call(mean_residual, *case, what="mean_residual(y_mean, lr, m)")

    def compare(self, got, expected, case):
        y_mean, lr, m = case
        expect_close(got, expected, rtol=1e-9, atol=1e-12, what=f"mean_residual({y_mean:.3g}, {lr:.3g}, {m})",
                     hint="each stage removes the fraction lr of what is left: a factor (1 - lr) per stage.")


@exercise("boosting-init", points=2, title="Where boosting starts")
class Init(Spec):
    # Each case asks for all four losses, so one loss's constant passes no case.
    def cases(self, rng):
        cases = []
        for n in (5, 21, 51, 9, 101):  # odd sizes: the absolute error's best constant is unique
            p = rng.uniform(0.1, 0.9)
            y_binary = (rng.random(n) < p).astype(float)
            y_binary[:2] = [0.0, 1.0]
            y_count = rng.poisson(rng.uniform(0.5, 5), size=n).astype(float)
            y_count[0] += 1
            cases.append({"real": rng.standard_t(2, size=n) * 3 + rng.normal() * 5, "binary": y_binary,
                          "count": y_count})
        return cases

    LOSSES = (("squared", "real"), ("absolute", "real"), ("log", "binary"), ("poisson", "count"))

    def run(self, init_value, case):
        return [call(init_value, case[key].copy(), loss, what="init_value(y, loss)") for loss, key in self.LOSSES]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != 4:
            raise Wrong("unexpected result", reason="unexpected result")
        hints = {"squared": "the mean minimizes the squared error.",
                 "absolute": "the derivative of sum |y_i - c| counts the points on each side of c.",
                 "log": "F is a log-odds: set the derivative sum(sigmoid(F) - y) to zero.",
                 "poisson": "F is a log-rate: set the derivative sum(exp(F) - y) to zero."}
        for (loss, key), answer, want in zip(self.LOSSES, got, expected):
            shown = f"init_value(y, {loss!r}) for {_points(len(case[key]))}"
            value = expect_number(answer, what=shown)
            y = case[key]
            if loss in ("log", "poisson") and abs(value - np.mean(y)) < 1e-9 and abs(want - np.mean(y)) > 1e-6:
                raise Wrong(f"{shown} is {want:.6g}; {value:.6g} is the mean of y, a probability or a rate, "
                            f"not the model's score F.", reason="the mean of y is not on the scale of F",
                            hint=hints[loss])
            expect_close(value, want, rtol=1e-9, atol=1e-12, what=shown, hint=hints[loss])


@exercise("boosting-newton-leaf", points=2, title="The Newton step of a Poisson leaf")
class NewtonLeaf(Spec):
    def cases(self, rng):
        cases = []
        for n in (5, 1, 40, 12):
            y = rng.poisson(rng.uniform(0.5, 6), size=n).astype(float)
            y[0] += 1  # at least one event
            cases.append({"y": y, "F": rng.normal(size=n) * 0.7})
        return cases

    def run(self, newton_leaf, case):
        return call(newton_leaf, case["y"].copy(), case["F"].copy(), what="newton_leaf(y, F)")

    def compare(self, got, expected, case):
        what = f"newton_leaf(y, F) with {_points(len(case['y']))}"
        got = expect_number(got, what=what)
        if np.isclose(got, expected["mean_gradient"], rtol=1e-6):
            raise Wrong("that is the mean gradient step; the Newton step divides by the curvature.",
                        reason="the mean gradient step, not the Newton step",
                        hint="divide the sum of the negative gradients by the sum of the second derivatives.")
        if np.isclose(got, expected["exact"], rtol=1e-6) and not np.isclose(expected["exact"], expected["step"]):
            raise Wrong("that is the exact best shift of the leaf, log(sum y / sum exp(F)); the exercise asks "
                        "for one Newton step.", reason="the exact minimizer, not one Newton step",
                        hint="-(sum of gradients) / (sum of second derivatives), both at the current F.")
        if np.isclose(got, expected["log_loss"], rtol=1e-6):
            raise Wrong("that is the log-loss leaf; the Poisson loss has other derivatives.",
                        reason="the log-loss leaf, not the Poisson one",
                        hint="differentiate exp(F) - y F twice with respect to F.")
        expect_close(got, expected["step"], rtol=1e-8, atol=1e-12, what=what,
                     hint="differentiate exp(F) - y F twice with respect to F; the step is "
                          "-(sum of gradients) / (sum of second derivatives).")


@exercise("boosting-early-stopping", title="Early stopping")
class EarlyStopping(Spec):
    def cases(self, rng):
        curves = [np.array([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0]), np.array([1.0, 2.0, 3.0]), np.linspace(3, 1, 10)]
        for _ in range(12):
            n = int(rng.integers(5, 80))
            t = np.arange(n)
            curves.append(1 / (1 + 0.2 * t) + 0.004 * t + 0.01 * rng.normal(size=n))
        return [{"curve": c, "patience": p} for c in curves for p in (1, 3, 10)]

    def run(self, trees_to_keep, case):
        return call(trees_to_keep, case["curve"].copy(), case["patience"], what="trees_to_keep(curve, patience)")

    def compare(self, got, expected, case):
        if got is None:
            raise Wrong("trees_to_keep returned nothing (None).", hint="did you forget a `return` statement?",
                        reason="the function returned None")
        if type(got) is not int:
            raise Wrong(f"trees_to_keep should return a whole number of trees; got {got!r}.",
                        reason="the result should be a whole number (an int)")
        if got != expected:
            hint = ("stage i (counting from 0) has i + 1 trees." if got == expected - 1 else
                    "stop scanning once `patience` stages in a row have not beaten the best loss so far; "
                    "keep the trees up to that best stage.")
            raise Wrong(f"with patience={case['patience']} keep {expected} trees; you said {got}.",
                        reason="a wrong number of trees", hint=hint)


# --- Second-order boosting ------------------------------------------------------------------

@exercise("boosting-xgb-gain", points=2, title="The XGBoost split gain for the log-loss")
class XGBGain(Spec):
    def cases(self, rng):
        cases = [{"y": np.array([1.0, 1.0, 0.0, 1.0]), "F": np.zeros(4),
                  "left": [True, True, False, False], "reg_lambda": 1.0, "gamma": 0.1}]
        for _ in range(5):
            n = int(rng.integers(6, 20))
            left = rng.random(n) < 0.5
            left[0], left[1] = True, False
            cases.append({"y": (rng.random(n) < 0.5).astype(float), "F": rng.normal(0, 1.5, n),
                          "left": [bool(b) for b in left], "reg_lambda": float(rng.uniform(0.2, 3)),
                          "gamma": float(rng.uniform(0.05, 0.5))})
        return cases

    def run(self, xgb_gain, case):
        return call(xgb_gain, case["y"].copy(), case["F"].copy(), list(case["left"]),
                    case["reg_lambda"], case["gamma"],
                    what="xgb_gain(y, F, left, reg_lambda, gamma)")

    def compare(self, got, expected, case):
        what = "xgb_gain(y, F, left, reg_lambda, gamma)"
        value = expect_number(got, what=what)
        gamma = case["gamma"]
        if abs(value - expected) <= 1e-8 * max(1.0, abs(expected)):
            return
        if abs(value - (expected + gamma)) < 1e-8:
            raise Wrong(f"{what} is {expected:.6g}; {value:.6g} leaves out gamma.",
                        reason="gamma is missing", hint="a split adds a leaf, which costs gamma.")
        if abs(value - (2 * (expected + gamma) - gamma)) < 1e-8:
            raise Wrong(f"{what} is {expected:.6g}; {value:.6g} misses the factor 1/2.",
                        reason="the factor 1/2 is missing",
                        hint="the best objective of a leaf is -G^2 / (2 (H + lambda)).")
        raise Wrong(f"{what} is {expected:.6g}, not {value:.6g}.", reason="a wrong gain",
                    hint="g = p - y and h = p (1 - p) with p = 1 / (1 + exp(-F)); sum them over the "
                         "left points, the right points and all points.")
