"""Reference answers for the chapters on SGD."""
from __future__ import annotations

import numpy as np

from ...momentum import heavy_ball_optimal
from ...noise import gradient_spread, minibatch_variance, noise_floor
from ...optim import SGD, Adam
from . import reference


def _run(opt, A, w0, steps):
    w = np.asarray(w0, dtype=float)
    state = opt.init(w)
    path = [w]
    for _ in range(steps):
        w, state = opt.step(w, A @ w, state)
        path.append(w)
    return np.array(path)


@reference("sgd-minibatch-variance")
def minibatch(case):
    G, B = case["G"], case["B"]
    spread = gradient_spread(G)
    return {"spread": float(spread), "variance": float(minibatch_variance(spread, len(G), B, replace=False))}


@reference("sgd-noise-floor")
def floor(case):
    return float(noise_floor(case["A"], case["C"], case["lr"], case["B"]))


@reference("sgd-momentum")
def momentum(case):
    return _run(SGD(lr=case["lr"], momentum=case["momentum"]), case["A"], case["w0"], case["steps"])


@reference("sgd-nesterov")
def nesterov(case):
    return _run(SGD(lr=case["lr"], momentum=case["momentum"], nesterov=True), case["A"], case["w0"],
                case["steps"])


@reference("sgd-heavy-ball")
def heavy_ball(case):
    return np.asarray(heavy_ball_optimal(*case), dtype=float)


@reference("sgd-adam-step")
def adam(case):
    opt = Adam(lr=case["lr"], betas=(case["b1"], case["b2"]), eps=case["eps"])
    w = np.asarray(case["w"], dtype=float)
    state = opt.init(w)
    path = []
    for g in case["grads"]:
        w, state = opt.step(w, g, state)
        path.append(w)
    return path
