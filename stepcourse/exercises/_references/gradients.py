"""Reference answers for the chapter on gradients."""
from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad, step_sweep
from ..gradients import FUNCTIONS
from . import reference


@reference("gradients-partials")
def partials(w):
    e = np.exp(w[0] - w[1])
    return np.array([2 * w[0] * w[1] + e, w[0] ** 2 - e])


@reference("gradients-central")
def central(case):
    f, w = FUNCTIONS[case["f"]], case["w"]
    return {"central": numerical_grad(f, w, h=1e-5, method="central"),
            "forward": numerical_grad(f, w, h=1e-5, method="forward")}


@reference("gradients-best-h")
def best_h(case):
    sweep = step_sweep(np.exp, np.exp, x=case["x"])
    return {"best_h": float(sweep.best_h("forward"))}


@reference("gradients-logcosh")
def logcosh(case):
    X, y, params = case["X"], case["y"], case["params"]
    r = X @ params["w"] + params["b"] - y
    d = np.tanh(r) / len(y)
    return {"loss": float(np.mean(np.logaddexp(r, -r) - np.log(2.0))), "w": X.T @ d,
            "b": float(d.sum())}


@reference("gradients-standardize")
def standardize(case):
    train, test = case["train"], case["test"]
    mean, std = train.mean(axis=0), train.std(axis=0)
    both = np.vstack([train, test])
    return {"train": (train - mean) / std, "test": (test - mean) / std,
            "test_own": (test - test.mean(axis=0)) / test.std(axis=0),
            "test_pooled": (test - both.mean(axis=0)) / both.std(axis=0)}
