"""Reference answers for the chapter on gradient boosting."""
from __future__ import annotations

import numpy as np

from ...boosting import RegressionTree
from . import reference


@reference("boosting-pseudo-residual")
def pseudo_residual(case):
    u = case["y"] - case["F"]
    return u / (1 + u**2)


def _stages(x, y, lr, depth, start=None, scale=True, max_stages=5000):
    F = np.full(len(y), np.mean(y) if start is None else start)
    target = np.mean((y - np.mean(y)) ** 2) / 2
    for m in range(1, max_stages + 1):
        F = F + (lr if scale else 1.0) * RegressionTree(max_depth=depth).fit(x, y - F).predict(x)
        if np.mean((y - F) ** 2) <= target:
            return m
    return None


@reference("boosting-one-stage")
def one_stage(case):
    args = (case["x"], case["y"], case["lr"], case["max_depth"])
    return {"stages": _stages(*args), "from_zero": _stages(*args, start=0.0), "unscaled": _stages(*args, scale=False)}


@reference("boosting-mean-residual")
def mean_residual(case):
    y_mean, lr, m = case
    return y_mean * (1 - lr) ** m


@reference("boosting-init")
def init(case):
    # the constants that zero the derivative of the total loss
    yr, yb, yc = case["real"], case["binary"], case["count"]
    return [float(np.mean(yr)), float(np.sort(yr)[len(yr) // 2]),
            float(np.log(np.mean(yb) / (1 - np.mean(yb)))), float(np.log(np.mean(yc)))]


@reference("boosting-newton-leaf")
def newton_leaf(case):
    y, F = case["y"], case["F"]
    mu = np.exp(F)  # the Poisson loss exp(F) - y F: gradient exp(F) - y, second derivative exp(F)
    p = 1 / (1 + np.exp(-F))
    return {"step": float(np.sum(y - mu) / np.sum(mu)), "mean_gradient": float(np.mean(y - mu)),
            "exact": float(np.log(np.sum(y) / np.sum(mu))),
            "log_loss": float(np.sum(y - p) / np.sum(p * (1 - p)))}


@reference("boosting-early-stopping")
def early_stopping(case):
    best, best_at, waited = np.inf, 0, 0
    for i, v in enumerate(case["curve"]):
        if v < best:
            best, best_at, waited = v, i, 0
        else:
            waited += 1
            if waited >= case["patience"]:
                break
    return best_at + 1


# --- Second-order boosting ------------------------------------------------------------------

@reference("boosting-xgb-gain")
def _xgb_gain(case):
    # the gain as the drop of the minimized second-order objective, each leaf minimized numerically
    from scipy.optimize import minimize_scalar

    y, F, lam = case["y"], case["F"], case["reg_lambda"]
    left = np.asarray(case["left"], dtype=bool)
    p = 1 / (1 + np.exp(-F))
    g, h = p - y, p * (1 - p)

    def best(mask):
        obj = minimize_scalar(lambda w: np.sum(g[mask] * w + 0.5 * h[mask] * w * w) + 0.5 * lam * w * w,
                              bracket=(-1.0, 1.0), tol=1e-12)
        return obj.fun

    return float(best(np.ones_like(left)) - best(left) - best(~left) - case["gamma"])
