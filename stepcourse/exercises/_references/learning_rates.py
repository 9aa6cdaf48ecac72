"""Reference answers for the chapter on learning rates."""
from __future__ import annotations

import math

import numpy as np

from . import reference


@reference("lr-threshold")
def threshold(A):
    lam = np.linalg.eigvalsh(A)
    return {"threshold": float(2 / lam.max()), "with_smallest": float(2 / lam.min()),
            "one_step": float(1 / lam.max())}


@reference("lr-best")
def best(case):
    mu, L = case
    # roots of the two-step Chebyshev polynomial on [mu, L]
    c, r = (L + mu) / 2, (L - mu) / (2 * math.sqrt(2))
    return np.array([1 / (c + r), 1 / (c - r)])


@reference("lr-budget")
def budget(case):
    lam, K = np.asarray(case["lambdas"], dtype=float), case["steps"]
    grid = np.linspace(0.01, 2, 200) / lam.max()
    final = np.array([np.linalg.norm((1 - lr * lam) ** K) for lr in grid])  # w0 = ones
    i = int(np.argmin(final))
    return {"lr": float(grid[i]), "distance": float(final[i])}


@reference("lr-noise-floor")
def noise_floor(case):
    lr, a, fraction = case
    floor = lr / (a * (2 - lr * a))  # per unit s^2
    target = fraction * floor
    # lr' / (a (2 - lr' a)) = target, linear in lr'
    return 2 * a * target / (1 + a * a * target)


def _cosine_spread(lr0, T, eta_min, a, s, e0, shift=0, start=True):
    m, v = (e0 if start else 0.0), 0.0
    for t in range(T):
        lr = eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * (t + shift) / T)) / 2
        m, v = (1 - lr * a) * m, (1 - lr * a) ** 2 * v + lr**2 * s**2
    return m * m + v


@reference("lr-cosine")
def cosine(case):
    args = (case["lr0"], case["T"], case["eta_min"], case["a"], case["s"], case["e0"])
    return {"value": _cosine_spread(*args), "shifted": _cosine_spread(*args, shift=1),
            "no_start": _cosine_spread(*args, start=False)}


@reference("lr-early-stopping")
def early_stopping(case):
    val_losses, patience, min_delta = case
    best, best_epoch, wait = val_losses[0], 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best - min_delta:
            best, best_epoch, wait = val_losses[epoch], epoch, 0
        else:
            wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return None, best_epoch
