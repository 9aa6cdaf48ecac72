"""Per-layer statistics of a network: activations, back-propagated gradients, weight gradients."""
from __future__ import annotations

import numpy as np

from ._base import _drawn, color, subplots

# -- gradient flow: per-layer statistics of a network ---------------------------------------------------

__all__ = ["gradient_flow", "FLOW_PANELS"]

#: What each panel of :func:`gradient_flow` shows: LayerStats attribute, title, y-label, y-limits.
FLOW_PANELS = (
    ("act_std", "Activations", "std of layer output", (1e-8, 1e6)),
    ("delta_std", "Back-propagated gradient", r"RMS of $\partial\ell/\partial z_i$", (1e-16, 1e4)),
    ("grad_norm", "Weight gradient", r"$\|\partial\ell/\partial W_i\|$", (1e-16, 1e4)),
)


def _flow_axis(ax, title, ylabel, grid=True):
    from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

    ax.set_yscale("log")
    # few labelled decades and integer layers: readable, and much faster to draw
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize="medium")
    if grid:
        ax.grid(True, which="major", alpha=0.3)


def gradient_flow(results, axes=None, *, styles=None, grid: bool = True):
    """Three panels against the layer: activation std, back-propagated gradient RMS, weight-gradient norm.

    Parameters
    ----------
    results : LayerStats or dict label -> LayerStats
        What :meth:`stepcourse.mlp.MLP.layer_stats` (or :func:`stepcourse.mlp.flow`) measured.
    axes : three matplotlib Axes, optional
        Default: a new column-wide figure (two panels in the first row, the third below).
    styles : dict label -> dict of Line2D keywords, optional
    grid : bool
        Draw grid lines.

    Returns
    -------
    Drawn with ``"lines"`` (label -> list of the three Line2D, one per panel) and ``"axes"``.
    """
    from ..mlp import LayerStats

    if isinstance(results, LayerStats):
        results = {"": results}
    made = axes is None
    if made:
        _, axes = subplots(3, height=2.6, pyplot=False)
    axes = list(axes)
    if len(axes) != 3:
        raise ValueError(f"axes must be three Axes (one per panel); got {len(axes)}")
    lines = {}
    for k, (label, stats) in enumerate(results.items()):
        style = {"color": color(k), "marker": "o", "markersize": 3, "linewidth": 1.6, "label": label}
        style.update((styles or {}).get(label, {}))
        layers = np.arange(1, stats.n_layers + 1)
        lines[label] = [ax.plot(layers, np.maximum(getattr(stats, attr), 1e-300), **style)[0]
                        for ax, (attr, *_rest) in zip(axes, FLOW_PANELS)]
    for ax, (_, title, ylabel, _lim) in zip(axes, FLOW_PANELS):
        _flow_axis(ax, title, ylabel, grid=grid)
    if any(label for label in results):
        axes[-1].legend(loc="best", fontsize="small")
    return _drawn(axes[0], made, {"lines": lines, "axes": axes})
