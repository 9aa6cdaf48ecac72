"""Interactive explorers, one ``<what>_explorer`` factory each; every one works with no arguments.

Display an explorer in a notebook to get the live widget (and, for a reopened notebook, a picture of
it). The book build sets ``STEPCOURSE_STATIC_EXPORT=1``, and then a display also carries the static
export that the site shows: precomputed frames behind plain HTML controls, with an ``aria-live`` result
line. Modules: :mod:`._controls` (Slider, Choice, Toggle), :mod:`._explorer` (the live explorer and what
a display puts in the notebook), :mod:`._static` (the static export, whose script and style are the
package files ``explorer.js`` and ``explorer.css``). The analysis an explorer shows lives in the module
that owns the idea (``loop``, ``problems``, ``schedules``, ``mlp``, ``data``); its drawings in ``plots``.
"""
from __future__ import annotations

import importlib

from ._controls import Choice, Slider, Toggle
from ._explorer import STATIC_EXPORT_ENV, Explorer, static_export_enabled

# Explorer name -> module in this package (modules load on first use).
_EXPLORERS = {
    "steps_explorer": "steps",
    "gradient_field_explorer": "gradients",
    "finite_difference_explorer": "gradients",
    "backprop_explorer": "gradients",
    "learning_rate_explorer": "learning_rates",
    "schedule_explorer": "learning_rates",
    "optimizer_race_explorer": "sgd",
    "momentum_roots_explorer": "momentum_roots",
    "batch_size_explorer": "sgd",
    "gradient_flow_explorer": "gradient_flow",
    "boosting_explorer": "boosting",
}

__all__ = ["Explorer", "Slider", "Choice", "Toggle", "STATIC_EXPORT_ENV", "static_export_enabled", *_EXPLORERS]


def __getattr__(name: str):
    if name in _EXPLORERS:
        value = getattr(importlib.import_module(f".{_EXPLORERS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stepcourse.widgets' has no attribute {name!r}")


def __dir__():
    return __all__
