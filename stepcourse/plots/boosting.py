"""Gradient boosting: fitted stage curves, data and decision boundaries, residual fits."""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .._validation import check_integer
from ._base import _drawn, color, new_axes
from .curves import lines

__all__ = ["regression_fits", "stage_curves", "decision_boundary"]

#: Palette colours of :func:`regression_fits`: the data is black, the true function green, and the fitted
#: curves take the other colours in palette order.
_DATA, _TRUTH = 7, 2
_FIT_COLOURS = tuple(i for i in range(7) if i != _TRUTH)


def _grid_x(grid) -> np.ndarray:
    g = np.asarray(grid, dtype=float)
    if g.ndim == 2 and g.shape[1] == 1:
        g = g[:, 0]
    if g.ndim != 1:
        raise ValueError(f"grid must be 1-D or a single column (n, 1); got shape {g.shape}")
    return g


def regression_fits(x, y, fits: Optional[Mapping] = None, ax=None, *, grid=None, truth=None,
                    data_label: str = "training data", size: float = 10, alpha: float = 0.5,
                    linewidth: float = 2.0):
    """One-feature regression: the data as points, the true function dotted and fitted curves on top.

    Parameters
    ----------
    x, y : arrays
        The data: one feature (1-D, or a single column) and the targets.
    fits : mapping label -> predictions on ``grid``, optional
        The models' curves, drawn solid; the i-th takes the i-th palette colour after skipping the true
        function's green.
    grid : array
        The x values of the curves (1-D, or a single column like a model's input).
    truth : array or callable, optional
        The true function on ``grid``, or a callable that gives it from ``grid``; drawn dotted in green.
    data_label : str
        The data's legend entry.
    size, alpha : float
        Marker area (points squared) and opacity of the data, which sits behind the curves in black.

    Returns
    -------
    Drawn with ``"data"`` (PathCollection), ``"truth"`` (Line2D or None) and ``"fits"`` (label -> Line2D).

    >>> g = np.linspace(0, 1, 5)
    >>> d = regression_fits(g, g ** 2, {"model": g}, grid=g, truth=g ** 2)
    >>> d["truth"].get_linestyle(), list(d["fits"])
    (':', ['model'])
    """
    xs = _grid_x(x)
    ys = np.asarray(y, dtype=float)
    if ys.shape != xs.shape:
        raise ValueError(f"x and y must have the same length; got {xs.shape} and {ys.shape}")
    fits = dict(fits or {})
    if (fits or truth is not None) and grid is None:
        raise ValueError("pass grid=..., the x values at which the fits and the true function are given")
    gx = _grid_x(grid) if grid is not None else None
    if truth is not None and callable(truth):
        truth = truth(grid)
    curves = {}
    if truth is not None:
        curves["true function"] = (gx, truth)
    for label, pred in fits.items():
        if label == "true function":
            raise ValueError("'true function' is the truth's label; name the fit otherwise")
        curves[label] = (gx, pred)
    styles = {"true function": {"color_index": _TRUTH, "linestyle": ":", "linewidth": 1.6}}
    styles.update({label: {"color_index": _FIT_COLOURS[i % len(_FIT_COLOURS)], "linewidth": linewidth}
                   for i, label in enumerate(fits)})
    made, ax = ax is None, new_axes(ax)
    data = ax.scatter(xs, ys, s=size, color=color(_DATA), alpha=alpha, label=data_label)
    drawn = lines(curves, ax, styles=styles, legend=False, grid=False)["lines"] if curves else {}
    return _drawn(ax, made, {"data": data, "truth": drawn.pop("true function", None), "fits": drawn})


def stage_curves(curves, ax=None, *, first: int = 1, best: bool = False, log=None, styles=None,
                 legend: Optional[bool] = None):
    """A loss after each boosting stage (each tree), one curve per label, against the number of trees.

    Parameters
    ----------
    curves : mapping label -> losses
        ``losses[j]`` is the loss after ``first + j`` trees (``first=1`` for what ``staged_loss`` and
        ``train_score_`` give; ``first=0`` when the curve starts with the constant model).
    best : bool
        Mark each curve's smallest value with a dot of its colour (where early stopping would stop).
    log, styles, legend
        As in :func:`~stepcourse.plots.lines`.

    Returns
    -------
    Drawn with ``"lines"`` (label -> Line2D) and ``"best"`` (label -> Line2D of the dot; empty without
    ``best``).

    >>> d = stage_curves({"validation": [3.0, 1.0, 2.0]}, best=True)
    >>> d["best"]["validation"].get_xdata().tolist(), d["best"]["validation"].get_ydata().tolist()
    ([2.0], [1.0])
    """
    first = check_integer("first (the number of trees of the first value)", first, low=0)
    if not hasattr(curves, "items"):
        raise TypeError(f"curves must be a mapping label -> losses per stage; got {type(curves).__name__}")
    series = {}
    for label, v in curves.items():
        v = np.asarray(v, dtype=float)
        if v.ndim != 1 or not len(v):
            raise ValueError(f"curve {label!r} must be a non-empty 1-D array of losses; got shape {v.shape}")
        series[label] = (np.arange(first, first + len(v)), v)
    made, ax = ax is None, new_axes(ax)
    drawn = lines(series, ax, log=log, styles=styles, legend=legend)
    dots = {}
    if best:
        for label, (trees, v) in series.items():
            k = int(np.nanargmin(v))
            (dots[label],) = ax.plot([float(trees[k])], [v[k]], linestyle="none", marker="o", markersize=6,
                                     color=drawn["lines"][label].get_color(), zorder=3)
    return _drawn(ax, made, {"lines": drawn["lines"], "best": dots})


def decision_boundary(model, X, y, ax=None, *, bounds=None, n=(200, 160), levels: int = 11,
                      cmap: str = "RdBu_r", alpha: float = 0.5, size: float = 10):
    """A binary classifier over two features: its probability of class 1 shaded, the 0.5 contour (the
    decision boundary) in black, and the points coloured by class (class 0 blue, class 1 orange).

    Parameters
    ----------
    model
        A fitted classifier with ``predict_proba`` on rows of two features.
    X, y : arrays
        Points of shape (n, 2) and their labels 0 and 1.
    bounds : ((x1_lo, x1_hi), (x2_lo, x2_hi)), optional
        The region shown; default the points' range with a margin of a tenth on each side.
    n : int or (int, int)
        Grid points along each feature.
    levels : int
        Number of probability levels of the shading between 0 and 1.

    Returns
    -------
    Drawn with ``"shade"`` (the filled contour set, for a colour bar), ``"boundary"`` (the 0.5 contour)
    and ``"points"`` (class -> PathCollection).
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba; got {type(model).__name__}")
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise ValueError(f"X must have shape (n, 2) and y shape (n,); got {X.shape} and {y.shape}")
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError(f"y must hold the labels 0 and 1; got {sorted(np.unique(y).tolist())}")
    nx, ny = (n, n) if isinstance(n, (int, np.integer)) else n
    if min(nx, ny) < 2:
        raise ValueError(f"n must give at least 2 grid points per feature; got {n!r}")
    if bounds is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (hi - lo)
        bounds = tuple(zip(lo - pad, hi + pad))
    (a_lo, a_hi), (b_lo, b_hi) = bounds
    if not (a_lo < a_hi and b_lo < b_hi):
        raise ValueError(f"bounds must be ((lo, hi), (lo, hi)) with lo < hi; got {bounds!r}")
    g1, g2 = np.meshgrid(np.linspace(a_lo, a_hi, nx), np.linspace(b_lo, b_hi, ny))
    prob = model.predict_proba(np.column_stack([g1.ravel(), g2.ravel()]))[:, 1].reshape(g1.shape)
    made, ax = ax is None, new_axes(ax)
    shade = ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, levels), cmap=cmap, alpha=alpha)
    boundary = ax.contour(g1, g2, prob, levels=[0.5], colors="k", linewidths=1)
    pts = {}
    for label in (0, 1):
        at = X[y == label]
        pts[label] = ax.scatter(at[:, 0], at[:, 1], s=size, color=color(label), label=f"class {label}")
    return _drawn(ax, made, {"shade": shade, "boundary": boundary, "points": pts})
