"""Stochastic and mini-batch gradients: noise, batch size and its scaling.

These plots draw the data of a figure; the chapter sets its titles, axis labels, limits and legend.
"""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .._validation import check_integer
from ._base import _drawn, _positive, _vector, _vectors, color, new_axes
from .curves import lines

__all__: list = ["batch_noise", "noise_floors", "noise_scales", "batch_rates"]


def batch_noise(results, ax=None):
    r"""Mini-batch gradient noise against the batch size, on log-log axes: theory curves and measurements.

    Two curves come from the spread :math:`\sigma^2` of one row's gradient: :math:`\sigma^2/B` (rows
    drawn with replacement, the straight line, colour 0) and :math:`\sigma^2/B\cdot(n-B)/(n-1)`
    (distinct rows, colour 1), which falls to zero at :math:`B = n` and so is drawn up to ``n - 1``.
    Each measurement is drawn over them: circles in colour 0 for batches drawn with replacement,
    hollow squares in colour 1 for batches of distinct rows (the full batch, whose noise is zero up to
    round-off, is left out of the log axis).

    Parameters
    ----------
    results : GradientNoise or sequence of GradientNoise
        From :func:`stepcourse.noise.gradient_noise`, all on the same ``n`` rows; the curves use the
        first one's ``sigma2``.

    Returns
    -------
    Drawn with ``"curves"`` (``"replacement"`` and ``"distinct"`` -> Line2D) and ``"measured"`` (a list of
    Line2D, one per result, in the order given).

    >>> import types
    >>> r = types.SimpleNamespace(batch_sizes=np.array([1, 2, 4]), measured=np.array([4., 1.9, 0.]),
    ...                           sigma2=4.0, n=4, replace=False)
    >>> d = batch_noise(r)
    >>> d["curves"]["distinct"].get_xdata().tolist(), d["measured"][0].get_marker()
    ([1, 2, 3], 's')
    """
    if hasattr(results, "measured"):
        results = [results]
    results = list(results)
    if not results:
        raise ValueError("batch_noise() needs at least one GradientNoise result")
    for r in results:
        if not all(hasattr(r, a) for a in ("batch_sizes", "measured", "sigma2", "n", "replace")):
            raise TypeError(f"results must be GradientNoise results (stepcourse.noise.gradient_noise); got {r!r}")
    n = int(results[0].n)
    if any(int(r.n) != n for r in results):
        raise ValueError(f"all results must be measured on the same rows; got n = {[int(r.n) for r in results]}")
    from ..noise import minibatch_variance

    made, ax = ax is None, new_axes(ax)
    sigma2 = float(results[0].sigma2)
    B = np.arange(1, n + 1)
    (independent,) = ax.plot(B, minibatch_variance(sigma2, n, B, replace=True), color=color(0), linewidth=1,
                             label=r"$\sigma^2/B$")
    (distinct,) = ax.plot(B[:-1], minibatch_variance(sigma2, n, B[:-1], replace=False), color=color(1),
                          linewidth=1, label=r"$\sigma^2/B \cdot (n-B)/(n-1)$")
    measured = []
    for r in results:
        if r.replace:
            kw = dict(marker="o", color=color(0), label="measured, with replacement")
        else:
            kw = dict(marker="s", color=color(1), markerfacecolor="none", label="measured, distinct rows")
        sizes, values = np.asarray(r.batch_sizes, dtype=float), _positive(r.measured)
        if not r.replace:
            # the full batch of distinct rows is the exact gradient: what is measured there is round-off
            values = np.where(sizes < n, values, np.nan)
        (pts,) = ax.plot(sizes, values, linestyle="none", **kw)
        measured.append(pts)
    ax.set_xscale("log")
    ax.set_yscale("log")
    return _drawn(ax, made, {"curves": {"replacement": independent, "distinct": distinct}, "measured": measured})


def _moving_average(y, window: int) -> np.ndarray:
    return np.convolve(y, np.ones(window) / window, mode="valid")


def noise_floors(curves: Mapping, floors: Optional[Mapping] = None, ax=None, *, window: int = 200,
                 styles: Optional[Mapping] = None, linewidth: float = 1.2):
    """Moving averages of noisy loss curves, each with the level it should settle at as a dotted line.

    Parameters
    ----------
    curves : mapping label -> 1-D array
        The loss per step (e.g. a trace's ``gaps``). Curve ``i`` is drawn in palette colour ``i``, as the
        moving average over ``window`` steps, placed at the step that ends each window.
    floors : mapping label -> float, optional
        The predicted level of some curves, drawn as a dotted horizontal line in the curve's colour.
    window : int
        Steps averaged; the mean shows the level the noise hides.
    styles : mapping label -> style, optional
        As for :func:`lines` (a dict of Line2D keywords, a format string or a palette index).

    Returns
    -------
    Drawn with ``"lines"`` (label -> Line2D of the moving average) and ``"floors"`` (label -> Line2D).

    >>> d = noise_floors({"a": np.ones(10), "b": np.full(10, 2.0)}, {"a": 1.0}, window=5)
    >>> d["lines"]["a"].get_xdata().tolist(), d["floors"]["a"].get_linestyle()
    ([5.0, 6.0, 7.0, 8.0, 9.0, 10.0], ':')
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping label -> loss per step")
    floors = dict(floors or {})
    styles = dict(styles or {})
    for what, names in (("floors", floors), ("styles", styles)):
        unknown = set(names) - set(curves)
        if unknown:
            raise ValueError(f"{what} names curves that are not drawn: {sorted(unknown)}")
    window = check_integer("window", window, low=1)
    series = {}
    for label, y in curves.items():
        y = _vector(y, f"curve {label!r}")
        if len(y) < window:
            raise ValueError(f"curve {label!r} has {len(y)} steps, fewer than the window of {window}")
        smooth = _moving_average(y, window)
        series[label] = (np.arange(len(smooth), dtype=float) + window, smooth)
    made, ax = ax is None, new_axes(ax)
    drawn = lines(series, ax, styles=styles, legend=False, grid=False, linewidth=linewidth)["lines"]
    # a floor in its curve's colour, whatever the style chose
    levels = {label: ax.axhline(float(level), color=drawn[label].get_color(), linestyle=":", linewidth=1)
              for label, level in floors.items()}
    return _drawn(ax, made, {"lines": drawn, "floors": levels})


def noise_scales(gaps, b_simple, b_noise, ax=None):
    r"""The two noise scales :math:`B_{\rm simple}` and :math:`B_{\rm noise}` along a run, against its loss gap.

    Log-log axes; the x axis is reversed so that the run goes left to right as the gap falls.

    Parameters
    ----------
    gaps, b_simple, b_noise : 1-D arrays of the same length
        The loss gap at each point of the run and the two noise scales there
        (:func:`stepcourse.batch_scaling.noise_scales_on_path`).

    Returns
    -------
    Drawn with ``"simple"`` and ``"noise"`` (Line2D, palette colours 0 and 1).

    >>> d = noise_scales([1.0, 0.1], [2.0, 20.0], [3.0, 30.0])
    >>> bool(d.ax.xaxis_inverted()), d["noise"].get_label()
    (True, '$B_{\\rm noise}$')
    """
    gaps, simple, noise = _vectors(gaps=gaps, b_simple=b_simple, b_noise=b_noise)
    made, ax = ax is None, new_axes(ax)
    x = _positive(gaps)
    (s,) = ax.plot(x, _positive(simple), color=color(0), label=r"$B_{\rm simple}$")
    (m,) = ax.plot(x, _positive(noise), color=color(1), label=r"$B_{\rm noise}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    return _drawn(ax, made, {"simple": s, "noise": m})


def batch_rates(batch_sizes, measured, theory, b_noise: Optional[float] = None, ax=None):
    r"""The best learning rate against the batch size, on log-log axes: measured, predicted, linear scaling.

    Measured rates are circles and the prediction :math:`\eta_{\max}/(1 + B_{\rm noise}/B)` a thin line
    (both palette colour 0); the dotted black line scales the prediction at the smallest batch in
    proportion to ``B`` (linear scaling); ``b_noise`` is marked by a dashed vertical line (colour 1).

    Parameters
    ----------
    batch_sizes, measured, theory : 1-D arrays of the same length
    b_noise : float, optional
        The noise scale, where the prediction bends from linear to flat.

    Returns
    -------
    Drawn with ``"measured"``, ``"theory"``, ``"linear"`` and ``"b_noise"`` (Line2D; ``None`` without
    ``b_noise``).

    >>> d = batch_rates([1, 2, 4], [0.1, 0.2, 0.3], [0.1, 0.18, 0.3], b_noise=3.0)
    >>> d["linear"].get_ydata().tolist(), float(d["b_noise"].get_xdata()[0])
    ([0.1, 0.2, 0.4], 3.0)
    """
    B = _vector(batch_sizes, "batch_sizes")
    best, pred = _vector(measured, "measured"), _vector(theory, "theory")
    if not (len(B) == len(best) == len(pred)):
        raise ValueError(f"batch_sizes, measured and theory must have the same length; got {len(B)}, "
                         f"{len(best)}, {len(pred)}")
    if np.any(B <= 0):
        raise ValueError("batch sizes must be positive")
    if b_noise is not None and not (np.isfinite(b_noise) and b_noise > 0):
        raise ValueError(f"b_noise must be a positive number; got {b_noise!r}")
    made, ax = ax is None, new_axes(ax)
    (pts,) = ax.plot(B, _positive(best), linestyle="none", marker="o", color=color(0), label="best rate, measured")
    (th,) = ax.plot(B, _positive(pred), color=color(0), linewidth=1, label=r"$\eta_{\max}/(1 + B_{\rm noise}/B)$")
    (lin,) = ax.plot(B, pred[0] * B / B[0], ":", color="black", linewidth=1,
                     label=f"linear scaling from B = {B[0]:g}")
    vline = None
    if b_noise is not None:
        vline = ax.axvline(float(b_noise), color=color(1), linestyle="--", linewidth=1, label=r"$B_{\rm noise}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    return _drawn(ax, made, {"measured": pts, "theory": th, "linear": lin, "b_noise": vline})
