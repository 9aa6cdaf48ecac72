"""Reference answers for the chapter on gradient boosting."""
from __future__ import annotations

import numpy as np

from ...trees import RegressionTree
from . import reference


@reference("boosting-pseudo-residual")
def pseudo_residual(case):
    u = case["y"] - case["F"]
    return u / (1 + u**2)


@reference("boosting-one-stage")
def one_stage(case):
    x, y, F = case["x"], case["y"], case["F"]
    step = RegressionTree(max_depth=2).fit(x, y - F).predict(x)
    return {"stage": F + case["lr"] * step, "whole_tree": F + step}


@reference("boosting-mean-residual")
def mean_residual(case):
    y_mean, lr, m = case
    return y_mean * (1 - lr) ** m


@reference("boosting-newton-leaf")
def newton_leaf(case):
    y, F = case["y"], case["F"]
    p = 1 / (1 + np.exp(-F))
    return {"step": float(np.sum(y - p) / np.sum(p * (1 - p))), "mean_gradient": float(np.mean(y - p))}


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
