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
    return {"lr": 2 / (mu + L), "q": (L - mu) / (L + mu)}


@reference("lr-noise-floor")
def noise_floor(case):
    lr, a, s = case
    return lr * s**2 / (a * (2 - lr * a))


@reference("lr-cosine")
def cosine(case):
    lr0, T, eta_min = case["lr0"], case["T"], case["eta_min"]
    return [eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T)) / 2 for t in case["ts"]]


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
