"""Momentum and adaptive methods: what the chapter on SGD variants draws beyond races."""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .._validation import check_non_negative
from ._base import _drawn, new_axes
from .curves import lines

__all__ = ["contraction"]


def contraction(traces: Mapping, rates: Mapping, ax=None, *, target=None, legend: Optional[bool] = None):
    r"""The distance to the minimum per step, measured and predicted, on a log axis.

    Each run's :math:`\|w_k - w^\star\|` is drawn solid; the rate a theory predicts for it,
    :math:`\|w_0 - w^\star\|\,\rho^k`, is drawn dotted and thin in the same colour. A linear rate is a
    straight line on the log axis, so a run that matches its theory lies along its dotted line.

    Parameters
    ----------
    traces : mapping label -> Trace
        The runs (run ``i`` takes palette colour ``i``).
    rates : mapping label -> float
        The predicted contraction factor per step of each run, ``0 <= rho``; the legend says
        ``theory: rho per step``.
    target : array, optional
        The minimum :math:`w^\star` (default the origin).

    Returns
    -------
    Drawn with ``"measured"`` and ``"predicted"``, each label -> Line2D.

    >>> import stepcourse as sc
    >>> p = sc.problems.quadratic([1.0, 4.0], x0=[1.0, 1.0])
    >>> d = contraction({"GD": sc.minimize(p, sc.optim.SGD(lr=0.4), steps=5)}, {"GD": 0.6})
    >>> [round(float(v), 4) for v in d["predicted"]["GD"].get_ydata()[:3]]
    [1.4142, 0.8485, 0.5091]
    """
    if not hasattr(traces, "items") or not hasattr(rates, "items"):
        raise TypeError("traces and rates must be mappings label -> Trace and label -> rate per step")
    if set(traces) != set(rates):
        raise ValueError(f"traces and rates must have the same labels; got {sorted(traces)} and {sorted(rates)}")
    series, styles, theory_of = {}, {}, {}
    for i, (label, tr) in enumerate(traces.items()):
        rate = check_non_negative(f"the rate of {label!r}", rates[label])
        xs = np.asarray(tr.xs, dtype=float)
        w_star = np.zeros(xs.shape[1]) if target is None else np.asarray(target, dtype=float)
        if w_star.shape != xs.shape[1:]:
            raise ValueError(f"target must have shape {xs.shape[1:]}, the parameters'; got {w_star.shape}")
        dist = np.linalg.norm(xs - w_star, axis=1)
        k = np.arange(len(dist))
        theory = f"theory: {float(rate):.3f} per step"
        if theory in series:  # two runs with the same rate: keep both in the legend
            theory = f"{theory} ({label})"
        theory_of[label] = theory
        series[label] = (k, dist)
        series[theory] = (k, dist[0] * float(rate) ** k)
        styles[label] = {"color_index": i}
        styles[theory] = {"color_index": i, "linestyle": ":", "linewidth": 1}
    made, ax = ax is None, new_axes(ax)
    drawn = lines(series, ax, log="y", styles=styles, legend=legend)["lines"]
    measured = {label: drawn[label] for label in traces}
    predicted = {label: drawn[theory_of[label]] for label in traces}
    return _drawn(ax, made, {"measured": measured, "predicted": predicted})
