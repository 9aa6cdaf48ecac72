"""Reference answers for the chapter on steps."""
from __future__ import annotations

import numpy as np

from . import reference


@reference("steps-one-step")
def one_step(case):
    return np.asarray(case["w"], dtype=float) - case["lr"] * np.asarray(case["grad"], dtype=float)


def _path(lambdas, lr, steps):
    w = np.ones(len(lambdas))
    path = [w]
    for _ in range(steps):
        w = w - lr * np.asarray(lambdas) * w
        path.append(w)
    return np.array(path)


@reference("steps-loop")
def loop(case):
    path = _path(case["lambdas"], case["lr"], case["steps"])
    norms = np.linalg.norm(path, axis=1)
    losses = 0.5 * (path**2) @ np.asarray(case["lambdas"])
    return {"last": float(norms[-1] / norms[-2]), "first": float(norms[1] / norms[0]),
            "loss": float(losses[-1] / losses[-2])}


@reference("steps-slowest")
def slowest(case):
    out = []
    for lam, lr, tol in case:
        w, k = np.ones(len(lam)), 0
        start = np.linalg.norm(w)
        while np.linalg.norm(w) > tol * start:
            w = w - lr * np.asarray(lam) * w
            k += 1
        out.append(k)
    return out


@reference("steps-count")
def count(case):
    return [_steps(*setting) for setting in case]


def _steps(a, lr, w0, c, tol, max_steps=100000):
    w, gap = w0, 0.5 * a * (w0 - c) ** 2
    for k in range(max_steps + 1):
        if gap <= tol:
            return k
        if gap > 1e12:
            return None
        w = w - lr * a * (w - c)
        gap = 0.5 * a * (w - c) ** 2
    return None


@reference("steps-stable")
def stable(case):
    return [bool(0 < lr * a < 2) for a, lr in case]
