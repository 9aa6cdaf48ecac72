"""Reference answers for the chapters on SGD."""
from __future__ import annotations

import numpy as np

from ...momentum import heavy_ball_optimal, heavy_ball_rate
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
    # the mean over every ordered pair of distinct rows, by brute force
    dev = case["G"] - case["G"].mean(axis=0)
    n = len(dev)
    inner = dev @ dev.T
    total = sum(inner[i, j] for i in range(n) for j in range(n) if i != j)
    return {"covariance": float(total / (n * (n - 1))), "sigma2": float(gradient_spread(case["G"]))}


@reference("sgd-batch-for-noise")
def batch_for_noise(case):
    out = []
    for n, fraction in case:
        # the smallest B whose variance sigma^2 / B * (n - B) / (n - 1) is within the fraction of sigma^2
        out.append(next(B for B in range(1, n + 1)
                        if minibatch_variance(1.0, n, B, replace=False) <= fraction))
    return out


@reference("sgd-noise-floor")
def floor(case):
    lam, c = np.asarray(case["lam"], dtype=float), np.asarray(case["c"], dtype=float)
    H, C = np.diag(lam), np.diag(c)  # in the eigenbasis
    return float(noise_floor(H, C, case["new_lr"], case["new_B"]) / noise_floor(H, C, case["lr"], case["B"]))


@reference("sgd-floor-experiment")
def floor_experiment(case):
    # a quadratic a/2 w^2 whose one-row gradient noise has variance s^2
    return float(noise_floor(np.array([[case["a"]]]), np.array([[case["s"] ** 2]]), case["lr"], case["B"]))


@reference("sgd-momentum")
def momentum(case):
    return _run(SGD(lr=case["lr"], momentum=case["momentum"]), case["A"], case["w0"], case["steps"])


@reference("sgd-nesterov")
def nesterov(case):
    return _run(SGD(lr=case["lr"], momentum=case["momentum"], nesterov=True), case["A"], case["w0"],
                case["steps"])


@reference("sgd-heavy-ball")
def heavy_ball(case):
    L, mu, guess = case
    lr, beta = heavy_ball_optimal(L, guess)
    lams = np.concatenate([[mu, L], np.geomspace(mu, L, 4001)])
    return float(np.max(heavy_ball_rate(lr, beta, lams)))


@reference("sgd-nesterov-limit")
def nesterov_limit(case):
    out = []
    for x, method in case:
        if method == "heavy ball":  # stable for x < 2 + 2 beta: a lower bound on beta
            out.append([max(0.0, (x - 2) / 2), 1.0])
        else:  # Jury's conditions on z^2 - (1+beta)(1-x) z + beta (1-x): x (1 + 2 beta) < 2 + 2 beta
            out.append([0.0, 1.0 if x <= 4 / 3 else (2 - x) / (2 * x - 2)])
    return out


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


# --- Adam's counterexample, batch size at scale ----------------------------------------------

@reference("sgd-adam-drift")
def _adam_drift(case):
    # Simulate v_t = b2 v_{t-1} + (1 - b2) g_t^2 long enough to forget v_0 = 0, then add up one period
    C, b2 = case["C"], case["beta2"]
    v, drift = 0.0, 0.0
    for t in range(1, 3 * 2000 + 1):
        g = C if t % 3 == 1 else -1.0
        v = b2 * v + (1 - b2) * g * g
        if t > 3 * 1999:  # the last period: x moves by -g / sqrt(v) per unit rate
            drift += -g / np.sqrt(v)
    # leaving out the weights (1 - b2) / (1 - b2**3) scales every v by their inverse
    return {"drift": float(drift), "unnormalized": float(drift * np.sqrt((1 - b2) / (1 - b2**3)))}


@reference("sgd-noise-scale")
def _noise_scale(case):
    G = case["G"]
    mean = G.mean(axis=0)
    spread = np.sum((G - mean) ** 2) / len(G)
    return {"scale": float(spread / (mean @ mean)),
            "unbiased": float(spread * len(G) / (len(G) - 1) / (mean @ mean)),
            "second_moment": float(np.sum(G**2) / len(G) / (mean @ mean))}
