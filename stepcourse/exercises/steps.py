"""Exercise specs of the chapter on steps (references: :mod:`._references.steps`)."""
from __future__ import annotations

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_close, expect_int, expect_number

CHAPTER = "steps"


@exercise("steps-one-step", title="One step")
class OneStep(Spec):
    def cases(self, rng):
        cases = [{"w": 2.0, "grad": 4.0, "lr": 0.25}]
        for shape in [(3,), (2, 4), (5,), (1,)]:
            cases.append({"w": rng.normal(size=shape), "grad": rng.normal(size=shape),
                          "lr": float(rng.uniform(0.01, 1))})
        return cases

    def run(self, gd_step, case):
        w = case["w"].copy() if isinstance(case["w"], np.ndarray) else case["w"]
        out = call(gd_step, w, case["grad"], case["lr"], what="gd_step(w, grad, lr)")
        changed = isinstance(w, np.ndarray) and not np.array_equal(w, case["w"])
        return {"out": out, "changed": bool(changed)}

    def compare(self, got, expected, case):
        if got["changed"]:
            raise Wrong("gd_step changed the array w it was given.",
                        hint="`w -= ...` updates in place; `w - ...` makes a new array.",
                        reason="gd_step changed the array w it was given")
        expect_close(got["out"], expected, what=f"gd_step on arrays of shape {np.shape(case['w'])}",
                     hint="the step goes against the gradient: w - lr * grad.")


def _diagonal_cases(rng, d):
    lam = np.sort(rng.uniform(0.2, 10.0, size=d))
    return lam


@exercise("steps-loop", points=2, title="Measure the contraction")
class Loop(Spec):
    # Rates near 2/L (the steep direction is the slow one) alternate with small rates (the flat one
    # is), after few steps, so neither the formula max|1 - lr*lambda| nor a one-direction rule
    # passes a case: the exercise asks for the measurement.
    def cases(self, rng):
        cases = []
        for k, d in enumerate((2, 3, 2, 4, 3, 2)):
            lam = _diagonal_cases(rng, d)
            product = rng.uniform(1.85, 1.97) if k % 2 == 0 else rng.uniform(0.5, 1.0)
            cases.append({"lambdas": lam, "lr": float(product / lam.max()), "steps": int(rng.integers(3, 9))})
        return cases

    def run(self, measured_contraction, case):
        return call(measured_contraction, case["lambdas"].copy(), case["lr"], case["steps"],
                    what="measured_contraction(lambdas, lr, steps)")

    def compare(self, got, expected, case):
        shown = (f"measured_contraction for curvatures {np.round(case['lambdas'], 3).tolist()}, "
                 f"lr={case['lr']:.4g}, steps={case['steps']}")
        got = expect_number(got, what=shown)
        if abs(got - expected["first"]) < 1e-9 * max(1.0, expected["first"]) and \
                abs(expected["first"] - expected["last"]) > 1e-6:
            raise Wrong(f"{shown} is {expected['last']:.6g}; {got:.6g} is the ratio of the first step.",
                        reason="the ratio is taken at the first step, not the last",
                        hint="divide the norm after the last step by the norm one step earlier.")
        if abs(got - expected["loss"]) < 1e-9 * max(1.0, expected["loss"]):
            raise Wrong(f"{shown} is {expected['last']:.6g}; {got:.6g} is the ratio of losses.",
                        reason="the ratio is one of losses, not of distances",
                        hint="the distance to the minimum is the norm of w.")
        expect_close(got, expected["last"], rtol=1e-8, what=shown,
                     hint="start at w0 = np.ones(d); each step is w - lr * lambdas * w; return "
                          "norm(w_steps) / norm(w_{steps - 1}).")


@exercise("steps-count", points=2, title="Predict the number of steps")
class Count(Spec):
    # A case is a batch of settings; a setting that never converges (answer None) always comes with
    # one that does, so the stub (which returns None) passes no case.
    def cases(self, rng):
        fixed = [[1.0, 0.3, -3.0, 0.0, 1e-4], [2.0, 0.5, 1.0, 0.0, 1e-3], [1.0, 0.1, 0.001, 0.0, 1e-4]]
        cases = [[c] for c in fixed] + [[[1.0, 0.4, 2.0, 0.5, 1e-5], [1.0, 2.5, 1.0, 0.0, 1e-4]]]
        for k in range(8):
            a = float(rng.uniform(0.5, 4))
            batch = [[a, float(rng.uniform(0.05, 1.9) / a), float(rng.uniform(-5, 5)), float(rng.uniform(-1, 1)),
                      float(10 ** rng.uniform(-8, -2))]]
            if k % 3 == 0:
                b = float(rng.uniform(0.5, 4))
                batch.append([b, float(rng.uniform(2.0, 3.0) / b), float(rng.uniform(-5, 5)), 0.0, 1e-4])
            cases.append(batch)
        return cases

    def run(self, steps_needed, case):
        return [call(steps_needed, *setting, what="steps_needed(a, lr, w0, c, tol)") for setting in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        for (a, lr, w0, c, tol), answer, want in zip(case, got, expected):
            self._one(a, lr, w0, c, tol, answer, want)

    @staticmethod
    def _one(a, lr, w0, c, tol, got, expected):
        shown = f"steps_needed({a:.3g}, {lr:.3g}, {w0:.3g}, {c:.3g}, {tol:.1g})"
        if expected is None:
            if got is not None:
                raise Wrong(f"with a={a:g} and lr={lr:g} the loop never gets within tolerance, but you "
                            f"returned {got!r}.", reason="for a rate that never converges, expected None",
                            hint="when |1 - lr*a| >= 1 the distance never shrinks: return None.")
            return
        hint = "round up with np.ceil and convert with int()."
        if got is None:
            raise Wrong(f"{shown} should be a whole number of steps; got None.", hint=hint,
                        reason="the result should be a whole number of steps, not None")
        k = expect_int(got, what=shown, hint=hint)
        if k != expected:
            raise Wrong(f"for a={a:.3g}, lr={lr:.3g}, w0={w0:.3g}, c={c:.3g}, tol={tol:.1g} the loop needs "
                        f"{expected} steps; you said {k}.", reason="a wrong number of steps",
                        hint="the loss gap after k steps is |1 - lr*a|**(2k) times the starting gap.")


@exercise("steps-stable", title="Which rates converge?")
class Stable(Spec):
    # Each case is a batch of rates on both sides of 2/a, so an answer that always says the same
    # thing passes no case.
    def cases(self, rng):
        cases = []
        for _ in range(8):
            batch = []
            for k in range(5):
                a = float(rng.uniform(0.2, 10))
                product = rng.uniform(0.0, 1.95) if k % 2 == 0 else rng.uniform(2.05, 3.0)
                if k == 4:
                    product = rng.uniform(-0.5, -0.01)  # a negative rate climbs uphill
                batch.append([a, float(product / a)])
            cases.append(batch)
        return cases

    def run(self, converges, case):
        return [call(converges, a, lr, what="converges(a, lr)") for a, lr in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("converges should return True or False for each rate.",
                        reason="unexpected result")
        for (a, lr), answer, truth in zip(case, got, expected):
            if type(answer) is not bool:
                raise Wrong(f"converges should return True or False; got {answer!r}.",
                            reason="converges should return True or False")
            if answer != truth:
                raise Wrong(f"converges({a:.3g}, {lr:.3g}) returned {answer}, but gradient descent "
                            f"{'converges' if truth else 'does not converge'} there.",
                            reason="a wrong verdict for one of the rates",
                            hint="each step multiplies the distance to the minimum by |1 - lr*a|.")


@exercise("steps-slowest", points=2, title="Predict, then run: which direction is slow?")
class Slowest(Spec):
    # A case pairs a rate near 2/L (the steep direction is the slowest) with a small rate (the flat
    # one is), so a rule that watches one end of the spectrum only passes no case.
    def cases(self, rng):
        cases = []
        for d in (2, 3, 4, 2, 3, 4):
            batch = []
            for steep in (True, False):
                lam = _diagonal_cases(rng, d)
                lam[0] = lam[-1] / rng.uniform(3.0, 10.0)
                product = rng.uniform(1.9, 1.98) if steep else rng.uniform(0.3, 1.0)
                batch.append([lam, float(product / lam.max()), float(10 ** rng.uniform(-8, -4))])
            cases.append(batch)
        return cases

    def run(self, predict_steps, case):
        return [call(predict_steps, lam.copy(), lr, tol, what="predict_steps(lambdas, lr, tol)")
                for lam, lr, tol in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        for (lam, lr, tol), answer, want in zip(case, got, expected):
            shown = f"predict_steps({np.round(lam, 3).tolist()}, lr={lr:.4g}, tol={tol:.1g})"
            k = expect_number(answer, what=shown)
            if abs(k - want) <= max(1.0, 0.1 * want):
                continue
            raise Wrong(f"{shown} predicts {k:g} steps; the loop needs {want}.",
                        reason="the prediction is off by more than 10%",
                        hint="the slowest direction has the largest |1 - lr * lambda_i|; it can be the "
                             "steepest one.")
