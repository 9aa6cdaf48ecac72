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
