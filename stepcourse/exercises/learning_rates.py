"""Exercise specs of the chapter on learning rates (references: :mod:`._references.learning_rates`)."""
from __future__ import annotations

import math

import numpy as np

from ._core import (Spec, Wrong, call, exercise, expect_array, expect_close, expect_int, expect_number,
                    expect_pair)

CHAPTER = "learning_rates"


def _random_spd(rng, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = 10 ** rng.uniform(-1, 2, size=d)
    return (q * lam) @ q.T


@exercise("lr-threshold", title="Predict the threshold")
class Threshold(Spec):
    def cases(self, rng):
        cases = [np.array([[3.0, 1.0], [1.0, 3.0]]), np.diag([0.5, 8.0]), np.array([[2.0]])]
        return cases + [_random_spd(rng, d) for d in (2, 3, 5, 5)]

    def run(self, max_stable_lr, A):
        return call(max_stable_lr, A.copy(), what="max_stable_lr(A)")

    def compare(self, got, expected, A):
        got = expect_number(got, what="max_stable_lr(A)")
        if not math.isclose(got, expected["threshold"], rel_tol=1e-6):
            hint = ("the threshold is set by the largest curvature, the largest eigenvalue of A: "
                    "np.linalg.eigvalsh(A).max().")
            if math.isclose(got, expected["with_smallest"], rel_tol=1e-6):
                hint = "you used the smallest eigenvalue; the steepest direction is the one that diverges first."
            elif math.isclose(got, expected["one_step"], rel_tol=1e-6):
                hint = "1/L lands in one step along the steepest direction; the divergence threshold is twice that."
            shown = np.array2string(A, precision=3)
            raise Wrong(f"for A = {shown} the threshold is {expected['threshold']:.6g}; you said {got:.6g}.",
                        hint=hint, reason="a wrong threshold")


@exercise("lr-best", points=2, title="Two rates in turn")
class Best(Spec):
    def cases(self, rng):
        return [[1.0, 10.0], [0.01, 100.0]] + [sorted(10 ** rng.uniform(-2, 3, 2)) for _ in range(4)]

    def run(self, best_rate_pair, case):
        return call(best_rate_pair, *case, what="best_rate_pair(mu, L)")

    def compare(self, got, expected, case):
        mu, L = case
        shown = f"best_rate_pair({mu:.3g}, {L:.3g})"
        pair = np.sort(expect_array(got, shape=(2,), what=f"{shown} (a pair lr_1, lr_2)"))
        if np.allclose(pair, 2 / (mu + L), rtol=1e-6):
            raise Wrong(f"{shown}: the best constant rate twice is not the best pair; the pair "
                        f"{tuple(np.round(expected, 6))} does better.", reason="the best constant rate "
                        "twice is not the best pair", hint="the two-step factor (1 - lr_1 x)(1 - lr_2 x) is a "
                        "parabola in x: make it equally large, with alternating signs, at mu, its vertex and L.")
        expect_close(pair, expected, rtol=1e-6, what=shown,
                     hint="1/lr = (L + mu)/2 -/+ r: choose r so that the parabola's value at mu equals minus its "
                          "value at the vertex.")


@exercise("lr-budget", points=2, title="The best rate for a budget of steps")
class Budget(Spec):
    def cases(self, rng):
        cases = []
        for d, K in ((2, 3), (3, 5), (2, 10), (4, 4), (3, 30)):
            lam = np.sort(rng.uniform(0.1, 10.0, size=d))
            cases.append({"lambdas": lam, "steps": K})
        return cases

    def run(self, best_rate_for_budget, case):
        return call(best_rate_for_budget, case["lambdas"].copy(), case["steps"],
                    what="best_rate_for_budget(lambdas, steps)")

    def compare(self, got, expected, case):
        lam, K = case["lambdas"], case["steps"]
        shown = f"best_rate_for_budget({np.round(lam, 3).tolist()}, {K})"
        lr = expect_number(got, what=shown)
        if abs(lr - expected["lr"]) <= 1e-9 * expected["lr"]:
            return
        if abs(lr - 2 / (lam[0] + lam[-1])) < 1e-9:
            raise Wrong(f"{shown} is {expected['lr']:.5g}; {lr:.5g} is the best rate for many steps.",
                        reason="the best rate for many steps is not the best for this budget",
                        hint="run every rate of the grid for the given number of steps and keep the best.")
        raise Wrong(f"{shown} is {expected['lr']:.5g} (final distance {expected['distance']:.4g}); you said "
                    f"{lr:.5g}.", reason="not the grid rate with the smallest final distance",
                    hint="grid = np.linspace(0.01, 2, 200) / max(lambdas); start at np.ones(d); compare "
                         "np.linalg.norm of the last iterate.")


@exercise("lr-noise-floor", points=2, title="The rate for a lower floor")
class NoiseFloor(Spec):
    def cases(self, rng):
        cases = []
        for _ in range(6):
            a = float(10 ** rng.uniform(-1, 1))
            cases.append([float(rng.uniform(0.2, 1.9) / a), a, float(rng.uniform(0.05, 0.9))])
        return cases

    def run(self, rate_for_floor, case):
        return call(rate_for_floor, *case, what="rate_for_floor(lr, a, fraction)")

    def compare(self, got, expected, case):
        lr, a, fraction = case
        shown = f"rate_for_floor({lr:.3g}, {a:.3g}, {fraction:.3g})"
        got = expect_number(got, what=shown)
        if abs(got - fraction * lr) < 1e-9 * lr:
            raise Wrong(f"{shown} is {expected:.6g}; {got:.6g} is what the small-rate law says.",
                        reason="the floor is not proportional to the rate at this rate",
                        hint="derive the floor v = lr s^2 / (a (2 - lr a)) and solve v(new) = fraction v(lr).")
        expect_close(got, expected, rtol=1e-6, what=shown,
                     hint="square e_next = (1 - lr*a) e - lr*s*xi, take expectations, set v_next = v; then "
                          "solve for the new rate.")


@exercise("lr-cosine", points=2, title="What a cosine schedule leaves")
class Cosine(Spec):
    def cases(self, rng):
        cases = []
        for T in (20, 50, 7, 120):
            a = float(rng.uniform(0.5, 2.0))
            lr0 = float(rng.uniform(0.2, 1.5) / a)
            cases.append({"lr0": lr0, "T": T, "eta_min": float(rng.choice([0.0, lr0 / 100])), "a": a,
                          "s": float(rng.uniform(0.1, 1.0)), "e0": float(rng.uniform(1, 3))})
        return cases

    def run(self, final_spread, case):
        return call(final_spread, case["lr0"], case["T"], case["eta_min"], case["a"], case["s"], case["e0"],
                    what="final_spread(lr0, T_max, eta_min, a, s, e0)")

    def compare(self, got, expected, case):
        shown = (f"final_spread(lr0={case['lr0']:.3g}, T_max={case['T']}, eta_min={case['eta_min']:.3g}, "
                 f"a={case['a']:.3g}, s={case['s']:.3g}, e0={case['e0']:.3g})")
        got = expect_number(got, what=shown)
        if abs(got / expected["shifted"] - 1) < 1e-9 and abs(expected["value"] / expected["shifted"] - 1) > 1e-6:
            raise Wrong(f"{shown} is {expected['value']:.6g}; you used the rate of step t + 1 at step t.",
                        reason="the schedule is shifted by one step",
                        hint="the first step uses lr0 (t = 0), the last one t = T_max - 1.")
        if abs(got / expected["no_start"] - 1) < 1e-9 and abs(expected["value"] / expected["no_start"] - 1) > 1e-6:
            raise Wrong(f"{shown} is {expected['value']:.6g}; the start e0 is missing.",
                        reason="the initial error is missing", hint="E e^2 = (E e)^2 + Var e; E e starts at e0.")
        expect_close(got, expected["value"], rtol=1e-8, what=shown,
                     hint="m_next = (1 - lr_t a) m and v_next = (1 - lr_t a)^2 v + lr_t^2 s^2 from m = e0, v = 0; "
                          "return m^2 + v.")


@exercise("lr-early-stopping", title="When to stop")
class EarlyStopping(Spec):
    def cases(self, rng):
        cases = [[[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3, 0.0], [[1.0, 0.9, 0.8, 0.7], 2, 0.0],
                 [[1.0, 0.95, 0.949, 0.948, 0.947], 2, 0.01], [[1.0, 1.0, 1.0], 2, 0.0]]
        for _ in range(12):
            n = int(rng.integers(5, 60))
            curve = 1 / (1 + np.arange(n)) + 0.002 * np.arange(n) + 0.02 * rng.standard_normal(n)
            cases.append([curve.tolist(), int(rng.integers(1, 8)), float(rng.choice([0.0, 0.005]))])
        return cases

    def run(self, early_stop, case):
        losses, patience, min_delta = case
        return call(early_stop, list(losses), patience, min_delta, what="early_stop(losses, patience, min_delta)")

    def compare(self, got, expected, case):
        losses, patience, min_delta = case
        shown = ", ".join(f"{v:.3g}" for v in losses[:8]) + (", ..." if len(losses) > 8 else "")
        what = f"early_stop([{shown}], patience={patience}, min_delta={min_delta:g})"
        stop, best = expect_pair(got, what="early_stop", names="stop_epoch, best_epoch")
        if (stop is None) != (expected[0] is None) or (stop is not None and expect_int(stop, what) != expected[0]):
            raise Wrong(f"{what} should stop at epoch {expected[0]}; you said {stop!r}.",
                        reason="a wrong stopping epoch",
                        hint="count epochs without improvement; an improvement beats the best so far by more "
                             "than min_delta and resets the count; stop when the count reaches patience.")
        if expect_int(best, what) != expected[1]:
            raise Wrong(f"{what} has its best epoch at {expected[1]}; you said {best!r}.",
                        reason="a wrong best epoch",
                        hint="the best epoch is the last one that counted as an improvement (epoch 0 if none).")
