"""stepcourse: the companion package of *Step by Step*, a course on gradient-based learning.

Use it through one flat namespace::

    import stepcourse as sc
    opt = sc.optim.Adam(lr=0.1)
    trace = sc.minimize(sc.problems.rosenbrock(), opt, steps=200)

Submodules load on first use, so ``import stepcourse`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "problems", "optim", "schedules", "loop", "training", "data", "models", "mlp",
    "gradcheck", "boosting", "rangetest", "plots", "widgets", "exercises", "cli",
    "batching", "noise", "momentum",
    "smoothness", "curvature", "momentum_roots",
    "counterexamples", "batch_scaling", "clipping", "normalization",
    "experiment",
}

# Flat names: attribute -> (module, name in module).
_FLAT = {
    "minimize": ("loop", "minimize"),
    "Trace": ("loop", "Trace"),
    "Problem": ("problems", "Problem"),
    "fit": ("training", "fit"),
    "History": ("training", "History"),
    "lr_range_test": ("rangetest", "lr_range_test"),
    "steps_to_stay_within": ("loop", "steps_to_stay_within"),
}

__all__ = sorted(_SUBMODULES | set(_FLAT))


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _FLAT:
        module_name, attr = _FLAT[name]
        value = getattr(importlib.import_module(f".{module_name}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stepcourse' has no attribute {name!r}")


def __dir__():
    return __all__
