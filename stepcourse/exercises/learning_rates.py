"""Exercise specs of the chapter on learning rates (references: :mod:`._references.learning_rates`)."""
from __future__ import annotations

import math

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_close, expect_int, expect_number, expect_pair

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


@exercise("lr-best", title="The best constant rate")
class Best(Spec):
    def cases(self, rng):
        return [[1.0, 10.0], [1.0, 1.0], [0.01, 100.0]] + [sorted(10 ** rng.uniform(-2, 3, 2)) for _ in range(5)]

    def run(self, best_constant_rate, case):
        return call(best_constant_rate, *case, what="best_constant_rate(mu, L)")

    def compare(self, got, expected, case):
        mu, L = case
        lr, q = expect_pair(got, what="best_constant_rate", names="lr, contraction")
        expect_close(lr, expected["lr"], rtol=1e-6, what=f"the rate for mu={mu:.3g}, L={L:.3g}",
                     hint="balance the two extreme factors: 1 - lr*mu = lr*L - 1.")
        expect_close(q, expected["q"], rtol=1e-6, atol=1e-12, what=f"the contraction for mu={mu:.3g}, L={L:.3g}",
                     hint="plug the rate into |1 - lr*mu|; in terms of kappa = L/mu it is (kappa - 1)/(kappa + 1).")


@exercise("lr-noise-floor", title="The noise floor")
class NoiseFloor(Spec):
    def cases(self, rng):
        cases = []
        for _ in range(10):
            a = float(10 ** rng.uniform(-1, 1))
            cases.append([float(rng.uniform(0.01, 1.95) / a), a, float(10 ** rng.uniform(-2, 0.5))])
        return cases

    def run(self, stationary_spread, case):
        return call(stationary_spread, *case, what="stationary_spread(lr, a, s)")

    def compare(self, got, expected, case):
        lr, a, s = case
        expect_close(got, expected, rtol=1e-6, atol=0, what=f"stationary_spread({lr:.3g}, {a:.3g}, {s:.3g})",
                     hint="square e_next = (1 - lr*a) e - lr*s*xi, take expectations, and set v_next = v.")


@exercise("lr-cosine", title="Cosine annealing")
class Cosine(Spec):
    def cases(self, rng):
        cases = []
        for _ in range(4):
            lr0, T = float(rng.uniform(0.01, 1)), int(rng.integers(5, 60))
            eta_min = float(rng.choice([0.0, lr0 * 10 ** rng.uniform(-4, -1)]))
            ts = sorted({0, 1, T // 2, T - 1, T, int(rng.integers(0, T))})
            cases.append({"ts": ts, "lr0": lr0, "T": T, "eta_min": eta_min})
        return cases

    def run(self, cosine_lr, case):
        return [call(cosine_lr, t, case["lr0"], case["T"], case["eta_min"],
                     what="cosine_lr(t, lr0, T_max, eta_min)") for t in case["ts"]]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(expected):
            raise Wrong("unexpected result", reason="unexpected result")
        for t, value, want in zip(case["ts"], got, expected):
            expect_close(value, want, rtol=1e-9, atol=1e-15,
                         what=f"cosine_lr({t}, {case['lr0']:.3g}, {case['T']}, {case['eta_min']:.3g})",
                         hint="at t = 0 the rate is lr0, at t = T_max it is eta_min, half-way it is their mean.")


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
