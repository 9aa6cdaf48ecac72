"""Interactive explorers, one ``<what>_explorer`` factory each; every one works with no arguments.

Display an explorer in a notebook to get the live widget; the book's static site shows its static
export (precomputed frames behind plain HTML controls). See :mod:`stepcourse.widgets._explorer`.
"""
from __future__ import annotations

import importlib

from ._explorer import Choice, Explorer, Slider, Toggle

# Explorer name -> module in this package (modules load on first use).
_EXPLORERS = {
    "steps_explorer": "steps",
    "gradient_field_explorer": "gradients",
    "finite_difference_explorer": "gradients",
    "backprop_explorer": "gradients",
    "learning_rate_explorer": "learning_rates",
    "schedule_explorer": "learning_rates",
    "optimizer_race_explorer": "sgd",
    "batch_size_explorer": "sgd",
    "gradient_flow_explorer": "gradient_flow",
    "boosting_explorer": "boosting",
}

__all__ = ["Explorer", "Slider", "Choice", "Toggle", *_EXPLORERS]


def __getattr__(name: str):
    if name in _EXPLORERS:
        value = getattr(importlib.import_module(f".{_EXPLORERS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stepcourse.widgets' has no attribute {name!r}")


def __dir__():
    return __all__
