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
    k = case["k"]
    sweep = step_sweep(lambda x: np.exp(k * x), lambda x: k * np.exp(k * x), x=case["x"])
    return {"best_h": float(sweep.best_h("forward"))}


@reference("gradients-central-h")
def central_h(case):
    eps = np.finfo(float).eps
    out = []
    for kind, f_abs, d_abs in case:
        # the minimum of C h^p + eps |f| / h: p C h^(p+1) = eps |f|
        p, C = (1, d_abs / 2) if kind == "forward" else (2, d_abs / 6)
        out.append(float((eps * f_abs / (p * C)) ** (1 / (p + 1))))
    return out


@reference("gradients-logcosh")
def logcosh(case):
    X, y, params = case["X"], case["y"], case["params"]
    r = X @ params["w"] + params["b"] - y
    d = np.tanh(r) / len(y)
    return {"loss": float(np.mean(np.logaddexp(r, -r) - np.log(2.0))), "w": X.T @ d,
            "b": float(d.sum())}


def _kappa(X):
    lam = np.linalg.eigvalsh(X.T @ X / len(X))
    return float(lam[-1] / lam[0])


@reference("gradients-standardize")
def standardize(case):
    X = case["X"]
    centered = X - X.mean(axis=0)
    return {"raw": _kappa(X), "scaled": _kappa(centered / X.std(axis=0)), "raw_centered": _kappa(centered)}
