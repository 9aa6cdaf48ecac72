"""Checks for the exercises of the chapter on learning rates."""
from __future__ import annotations

import math

import numpy as np

from ._core import Wrong, call, exercise, expect_close, expect_number


def _random_spd(rng, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = 10 ** rng.uniform(-1, 2, size=d)
    return (q * lam) @ q.T


@exercise("lr-threshold", title="Predict the threshold")
def _threshold(max_stable_lr):
    rng = np.random.default_rng(10)
    cases = [np.array([[3.0, 1.0], [1.0, 3.0]]), np.diag([0.5, 8.0]), np.array([[2.0]])]
    cases += [_random_spd(rng, d) for d in (2, 3, 5, 5)]
    for A in cases:
        expected = 2 / np.linalg.eigvalsh(A).max()
        got = expect_number(call(max_stable_lr, A.copy(), what="max_stable_lr(A)"), what="max_stable_lr(A)")
        if not math.isclose(got, expected, rel_tol=1e-6):
            hint = ("the threshold is set by the largest curvature, the largest eigenvalue of A: "
                    "np.linalg.eigvalsh(A).max().")
            if math.isclose(got, 2 / np.linalg.eigvalsh(A).min(), rel_tol=1e-6):
                hint = "you used the smallest eigenvalue; the steepest direction is the one that diverges first."
            elif math.isclose(got, 1 / np.linalg.eigvalsh(A).max(), rel_tol=1e-6):
                hint = "1/L lands in one step along the steepest direction; the divergence threshold is twice that."
            shown = np.array2string(A, precision=3)
            raise Wrong(f"for A = {shown} the threshold is {expected:.6g}; you said {got:.6g}.", hint=hint)


@exercise("lr-best", title="The best constant rate")
def _best(best_constant_rate):
    rng = np.random.default_rng(11)
    cases = [(1.0, 10.0), (1.0, 1.0), (0.01, 100.0)] + [tuple(sorted(10 ** rng.uniform(-2, 3, 2))) for _ in range(5)]
    for mu, L in cases:
        out = call(best_constant_rate, mu, L, what=f"best_constant_rate({mu:.3g}, {L:.3g})")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong(f"best_constant_rate should return a pair (lr, contraction); got {out!r}.")
        lr, q = out
        expect_close(lr, 2 / (mu + L), rtol=1e-6, what=f"the rate for mu={mu:.3g}, L={L:.3g}",
                     hint="balance the two extreme factors: 1 - lr*mu = lr*L - 1.")
        expect_close(q, (L - mu) / (L + mu), rtol=1e-6, atol=1e-12,
                     what=f"the contraction for mu={mu:.3g}, L={L:.3g}",
                     hint="plug the rate into |1 - lr*mu|; in terms of kappa = L/mu it is (kappa - 1)/(kappa + 1).")


@exercise("lr-noise-floor", title="The noise floor")
def _noise_floor(stationary_spread):
    rng = np.random.default_rng(12)
    for _ in range(10):
        a = float(10 ** rng.uniform(-1, 1))
        lr = float(rng.uniform(0.01, 1.95) / a)
        s = float(10 ** rng.uniform(-2, 0.5))
        expected = lr * s**2 / (a * (2 - lr * a))
        got = call(stationary_spread, lr, a, s, what=f"stationary_spread({lr:.3g}, {a:.3g}, {s:.3g})")
        expect_close(got, expected, rtol=1e-6, atol=0,
                     what=f"stationary_spread({lr:.3g}, {a:.3g}, {s:.3g})",
                     hint="square e_next = (1 - lr*a) e - lr*s*xi, take expectations, and set v_next = v.")


@exercise("lr-cosine", title="Cosine annealing")
def _cosine(cosine_lr):
    rng = np.random.default_rng(13)
    for _ in range(4):
        lr0, T = float(rng.uniform(0.01, 1)), int(rng.integers(5, 60))
        eta_min = float(rng.choice([0.0, lr0 * 10 ** rng.uniform(-4, -1)]))
        for t in sorted({0, 1, T // 2, T - 1, T, int(rng.integers(0, T))}):
            expected = eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
            got = call(cosine_lr, t, lr0, T, eta_min, what=f"cosine_lr({t}, {lr0:.3g}, {T}, {eta_min:.3g})")
            expect_close(got, expected, rtol=1e-9, atol=1e-15,
                         what=f"cosine_lr({t}, {lr0:.3g}, {T}, {eta_min:.3g})",
                         hint="at t = 0 the rate is lr0, at t = T_max it is eta_min, half-way it is their mean.")


def _reference_stop(val_losses, patience, min_delta):
    best, best_epoch, wait = val_losses[0], 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best - min_delta:
            best, best_epoch, wait = val_losses[epoch], epoch, 0
        else:
            wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return None, best_epoch


@exercise("lr-early-stopping", title="When to stop")
def _early_stopping(early_stop):
    rng = np.random.default_rng(14)
    cases = [([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3, 0.0), ([1.0, 0.9, 0.8, 0.7], 2, 0.0),
             ([1.0, 0.95, 0.949, 0.948, 0.947], 2, 0.01), ([1.0, 1.0, 1.0], 2, 0.0)]
    for _ in range(12):
        n = int(rng.integers(5, 60))
        curve = 1 / (1 + np.arange(n)) + 0.002 * np.arange(n) + 0.02 * rng.standard_normal(n)
        cases.append((curve.tolist(), int(rng.integers(1, 8)), float(rng.choice([0.0, 0.005]))))
    for losses, patience, min_delta in cases:
        shown = ", ".join(f"{v:.3g}" for v in losses[:8]) + (", ..." if len(losses) > 8 else "")
        what = f"early_stop([{shown}], patience={patience}, min_delta={min_delta:g})"
        out = call(early_stop, list(losses), patience, min_delta, what=what)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong(f"early_stop should return a pair (stop_epoch, best_epoch); got {out!r}.")
        expected = _reference_stop(losses, patience, min_delta)
        stop, best = out
        if (stop is None) != (expected[0] is None) or (stop is not None and int(stop) != expected[0]):
            raise Wrong(f"{what} should stop at epoch {expected[0]}; you said {stop!r}.",
                        hint="count epochs without improvement; an improvement beats the best so far by more "
                             "than min_delta and resets the count; stop when the count reaches patience.")
        if int(best) != expected[1]:
            raise Wrong(f"{what} has its best epoch at {expected[1]}; you said {best!r}.",
                        hint="the best epoch is the last one that counted as an improvement (epoch 0 if none).")
