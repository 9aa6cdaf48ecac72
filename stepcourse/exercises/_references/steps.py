"""Reference answers for the chapter on steps."""
from __future__ import annotations

import numpy as np

from . import reference


@reference("steps-one-step")
def one_step(case):
    return np.asarray(case["w"], dtype=float) - case["lr"] * np.asarray(case["grad"], dtype=float)


@reference("steps-loop")
def loop(case):
    w = np.asarray(case["w0"], dtype=float)
    path = [w]
    for _ in range(case["steps"]):
        w = w - case["lr"] * case["a"] * w
        path.append(w)
    return np.array(path)


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
