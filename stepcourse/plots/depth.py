"""Deep networks: activations, initialization, normalization, residuals and clipping against depth."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .._validation import check_integer, check_positive
from ._base import _drawn, _positive, color, new_axes
from .curves import lines

__all__: list = ["per_layer", "clipped_norms"]

#: How :func:`per_layer` draws a series unless told otherwise: a line through one dot per layer.
LAYER_STYLE = {"marker": "o", "markersize": 3}


def per_layer(values, ax=None, *, first: int = 1, log: bool = True, styles=None, legend=None,
              linewidth: float = 1.6):
    """One quantity per layer (an update ratio, a gradient norm, a variance) against the layer number.

    Parameters
    ----------
    values : mapping label -> 1-D array
        Value ``k`` of a series belongs to layer ``first + k``. A label that starts with ``_`` stays
        out of the legend.
    first : int
        Number of the first layer: 1 for "layer 1 = next to the input", 0 when entry 0 is the input.
    log : bool
        A log scale for the values (default), the natural one for quantities that multiply per layer.
    styles : mapping label -> style, optional
        As in :func:`~stepcourse.plots.lines`. A series is a line with a dot per layer unless its style
        is a format string (``"--"``, ``":"``: a reference line without dots); a dict style keeps the
        dots unless it sets ``marker``.
    legend : bool, optional
        Default: a legend when some series has a label.

    Returns
    -------
    Drawn with ``"lines"``: label -> Line2D.

    >>> d = per_layer({"gradient": [1e-3, 1e-2, 1e-1], "_slope": [1e-3, 1e-2, 1e-1]}, styles={"_slope": "--"})
    >>> d["lines"]["gradient"].get_xdata().tolist(), d["lines"]["gradient"].get_marker(), d.ax.get_yscale()
    ([1.0, 2.0, 3.0], 'o', 'log')
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping label -> one value per layer; got {type(values).__name__}")
    if not values:
        raise ValueError("values is empty: nothing to draw")
    first = check_integer("first (the number of the first layer)", first)
    styles = dict(styles or {})
    unknown = set(styles) - set(values)
    if unknown:
        raise ValueError(f"styles names series that are not drawn: {sorted(unknown)}")
    series, resolved = {}, {}
    for i, (label, v) in enumerate(values.items()):
        y = np.asarray(v, dtype=float)
        if y.ndim != 1 or not len(y):
            raise ValueError(f"series {label!r}: need a non-empty 1-D array, one value per layer; got shape {y.shape}")
        series[label] = (first + np.arange(len(y)), y)
        style = styles.get(label)
        if style is None:
            style = {"color_index": i, **LAYER_STYLE}
        elif isinstance(style, dict):
            style = {"color_index": i, **LAYER_STYLE, **style}
        elif isinstance(style, (int, np.integer)) and not isinstance(style, bool):
            style = {"color_index": int(style), **LAYER_STYLE}
        resolved[label] = style
    made = ax is None
    drawn = lines(series, new_axes(ax), log="y" if log else None, styles=resolved, legend=legend,
                  linewidth=linewidth)
    from matplotlib.ticker import MaxNLocator

    # layers are whole numbers: ticks at whole layers, in the steps the default locator takes
    drawn.ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], integer=True))
    return _drawn(drawn.ax, made, {"lines": drawn["lines"]})


def clipped_norms(grad_norms, threshold: float, ax=None, *, log: bool = True, label="gradient norm before clipping",
                  threshold_label=None):
    """The gradient norm at each step of a run with norm clipping, and the clipping threshold dashed.

    Steps whose norm lies above the dashed line were clipped (scaled down to the threshold).

    Parameters
    ----------
    grad_norms : 1-D array
        The norm of the whole gradient at each step, before clipping (``History.grad_norms``).
    threshold : float
        The clipping threshold ``c`` (> 0).
    log : bool
        A log scale for the norm (default).
    label, threshold_label : str
        Legend entries; the threshold's default is ``"clipping threshold c = <c>"``.

    Returns
    -------
    Drawn with ``"norms"`` (Line2D, palette colour 0) and ``"threshold"`` (Line2D, dashed, colour 1).

    >>> d = clipped_norms([40.0, 8.0, 5.0, 4.0], 5.0)
    >>> d["threshold"].get_label(), d["threshold"].get_linestyle(), d.ax.get_yscale()
    ('clipping threshold c = 5', '--', 'log')
    """
    norms = np.asarray(grad_norms, dtype=float)
    if norms.ndim != 1 or not len(norms):
        raise ValueError(f"grad_norms must be a non-empty 1-D array, one norm per step; got shape {norms.shape}")
    threshold = check_positive("threshold", threshold)
    made, ax = ax is None, new_axes(ax)
    y = _positive(norms) if log else norms  # a log axis shows no zeros
    (line,) = ax.plot(np.arange(len(norms)), y, color=color(0), linewidth=1, label=label)
    if threshold_label is None:
        threshold_label = f"clipping threshold c = {threshold:g}"
    limit = ax.axhline(threshold, color=color(1), linestyle="--", linewidth=1.5, label=threshold_label)
    if log:
        ax.set_yscale("log")
    return _drawn(ax, made, {"norms": line, "threshold": limit})
