"""The gradient-flow lab: how big are the activations and the gradients of each layer of a deep network
at initialization, and what the activation, the initialization, batch normalization and residual
connections do to them.

The measurement is :func:`stepcourse.mlp.flow` (on a batch of :func:`stepcourse.data.digits_batch`), the
per-layer factor :func:`stepcourse.mlp.gradient_variance_factor`, the three panels
:func:`stepcourse.plots.gradient_flow`. ``flow_compute``, ``flow_draw``, ``flow_update`` and ``flow_result``
are the explorer's pieces; :func:`gradient_flow_explorer` wires them to controls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .. import plots
from .._validation import check_integer
from ..mlp import ACTIVATIONS, INITS, LayerStats, flow, gradient_variance_factor
from ._explorer import Choice, Explorer, Slider, Toggle

__all__ = ["gradient_flow_explorer", "FlowSetup", "flow_compute", "flow_draw", "flow_update", "flow_result",
           "FLOW_DEPTHS"]

#: Depths offered by the slider (hidden layers).
FLOW_DEPTHS = tuple(range(2, 31))


@dataclass(eq=False)
class FlowSetup:
    """The width of the hidden layers; the measured networks, cached by their settings."""

    width: int = 64
    runs: dict = field(default_factory=dict)

    def measure(self, depth, activation, init, batchnorm, residual) -> LayerStats:
        key = (int(depth), activation, init, bool(batchnorm), bool(residual))
        if key not in self.runs:
            self.runs[key] = flow(*key, width=self.width)
        return self.runs[key]


def _describe(stats: LayerStats) -> str:
    r = gradient_variance_factor(stats)
    if not np.isfinite(r):
        return "gradients overflow"
    if r >= 1:
        return f"gradient variance ÷{r:.3g} per layer towards the input"
    return f"gradient variance ×{1 / r:.3g} per layer towards the input"


def flow_compute(setup: FlowSetup, depth, activation, init, batchnorm, residual) -> dict:
    """The statistics of one fresh network and what they say, in words."""
    stats = setup.measure(depth, activation, init, batchnorm, residual)
    parts = [activation, f"{init} init"] + (["batch norm"] if batchnorm else []) + (["residual"] if residual else [])
    return {"stats": stats, "title": f"{depth} hidden layers, {', '.join(parts)}: {_describe(stats)}"}


def flow_result(data) -> str:
    return data["title"]


def _limits(values, default):
    """The default y-range, widened by whole decades when the values leave it (at most 1e-40..1e40)."""
    lo, hi = default
    finite = values[np.isfinite(values)]
    if finite.size:
        lo = min(lo, 10.0 ** max(np.floor(np.log10(finite.min())), -40))
        hi = max(hi, 10.0 ** min(np.ceil(np.log10(finite.max())) + 1, 40))
    return lo, hi


def flow_draw(fig, data) -> dict:
    """The three panels of :func:`stepcourse.plots.gradient_flow`: two side by side, the third below."""
    grid = fig.add_gridspec(2, 2)
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])]
    # no grid lines: fewer artists to draw in each of the static export's frames
    lines = plots.gradient_flow(data["stats"], axes, grid=False)["lines"][""]
    for ax, (_, _, _, lim) in zip(axes, plots.FLOW_PANELS):
        ax.set_ylim(*lim)
        ax.set_xlim(0.5, FLOW_DEPTHS[-1] + 1.5)
    title = fig.suptitle("", fontsize="medium")
    # Only the curves and the title move: the axes are drawn once and cached (blitting).
    handles = {"lines": lines, "axes": axes, "title": title, "animated": [*lines, title]}
    flow_update(handles, data)
    return handles


def flow_update(handles: dict, data) -> None:
    stats = data["stats"]
    layers = np.arange(1, stats.n_layers + 1)
    for ax, line, (attr, _, _, lim) in zip(handles["axes"], handles["lines"], plots.FLOW_PANELS):
        values = np.asarray(getattr(stats, attr), dtype=float)
        shown = np.where(np.isfinite(values), np.maximum(values, 1e-300), np.nan)
        line.set_data(layers, shown)
        new_lim = _limits(shown, lim)
        if tuple(ax.get_ylim()) != tuple(new_lim):
            ax.set_ylim(*new_lim)
            handles["redraw"] = True  # the cached axes are out of date
    handles["title"].set_text(data["title"])


def gradient_flow_explorer(depth: int = 10, activation: str = "sigmoid", init: str = "standard",
                           batchnorm: bool = False, residual: bool = False, *, width: int = 64) -> Explorer:
    """A fresh deep network on a batch of digits: per-layer activations and gradients at initialization.

    Controls: the number of hidden layers (2 to 30), the activation, the initialization, batch
    normalization and residual connections. Panels (log scale, against the layer): the spread of the
    activations, the back-propagated gradient and the weight gradient; the result line gives the
    measured per-layer factor of the gradient's variance (:func:`stepcourse.mlp.gradient_variance_factor`).

    Parameters
    ----------
    depth, activation, init, batchnorm, residual
        Initial values of the controls (see :func:`stepcourse.mlp.flow`).
    width : int
        Units per hidden layer.
    """
    setup = FlowSetup(check_integer("width", width, low=1))
    return Explorer(
        controls={
            "depth": Slider(values=FLOW_DEPTHS, value=depth, label="hidden layers", static=(4, 20)),
            "activation": Choice(list(ACTIVATIONS), value=activation, label="activation",
                                 static=("sigmoid", "tanh", "relu")),
            "init": Choice(list(INITS), value=init, label="initialization"),
            "batchnorm": Toggle(value=batchnorm, label="batch normalization"),
            "residual": Toggle(value=residual, label="residual connections"),
        },
        compute=partial(flow_compute, setup), draw=flow_draw, update=flow_update, result=flow_result,
        figsize=(plots.COLUMN_WIDTH, 5.2), static_scale=1.0,
        title="Gradient-flow lab: what reaches each layer of a fresh network",
        alt=("Three log-scale panels against the layer number of a fresh network on a batch of digits: the "
             "spread of each layer's activations, the size of the back-propagated gradient and the size of the "
             "weight gradient. Sigmoid and the standard initialization make the curves fall steeply towards "
             "the input; He or Xavier initialization, batch normalization and residual connections keep them "
             "level."),
    )
