"""Reference answers for the chapter "Beyond the quadratic"."""
from __future__ import annotations

import math

import numpy as np

from . import reference


@reference("bq-descent-step")
def descent_step(L):
    return {"lr": 1 / L, "c": 1 / (2 * L), "edge": 2 / L}


@reference("bq-convex-steps")
def convex_steps(case):
    d2, L, tol = case
    k = max(1, math.ceil(L * d2 / (2 * tol)))
    while k > 1 and L * d2 / (2 * (k - 1)) <= tol:    # guard against rounding in the division
        k -= 1
    return k


@reference("bq-pl-steps")
def pl_steps(case):
    gap0, tol, mu, L = case
    k, gap = 0, gap0
    q = 1 - mu / L
    # count exactly instead of trusting logarithms at the boundary
    while gap > tol:
        k += 1
        gap = gap0 * q**k
    return k


@reference("bq-power-iteration")
def power_iteration(H):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))
    return {"top": float(lam.max()), "smallest": float(lam.min())}


@reference("bq-hb-stability")
def hb_stability(beta):
    return 2 + 2 * beta


@reference("bq-critical-momentum")
def critical_momentum(h):
    s = math.sqrt(h)
    return {"beta": (1 - s) ** 2, "other": (1 + s) ** 2}


@reference("bq-nesterov-tuning")
def nesterov_tuning(case):
    L, mu = case
    s = math.sqrt(L / mu)
    return {"lr": 1 / L, "momentum": (s - 1) / (s + 1), "rate": 1 - 1 / s,
            "polyak_lr": (2 / (math.sqrt(L) + math.sqrt(mu))) ** 2}
