"""Learning rates: too small, too big, schedules, number of steps and early stopping."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .._validation import check_positive
from ._base import _drawn, color, new_axes

__all__: list = ["contraction_factors", "rate_marks"]


def contraction_factors(lrs, factors, ax=None, *, measured=None, mu=None, L=None,
                        label=r"formula $\max_i |1 - \eta\lambda_i|$", measured_label="measured from runs"):
    """The error factor per step of gradient descent against the learning rate, with its landmarks.

    On a quadratic with curvatures between ``mu`` and ``L`` the error shrinks by
    ``max_i |1 - lr * lambda_i|`` per step: a V with its lowest point at ``2/(mu + L)`` that crosses 1
    (no progress) at ``2/L``, where runs start to diverge.

    Parameters
    ----------
    lrs, factors : 1-D arrays of the same length
        The rates and the factor per step at each (the formula, or any curve), drawn as a line.
    measured : pair (rates, factors), optional
        Factors measured from runs, drawn as dots.
    mu, L : float, optional
        Smallest and largest curvature: with ``L`` a dashed black line at ``2/L``, with both a dotted
        line at the best rate ``2/(mu + L)``.
    label, measured_label : str
        Legend entries of the line and the dots.

    Returns
    -------
    Drawn with ``"formula"`` and ``"measured"`` (Line2D, or None), ``"one"`` (the grey line at
    factor 1), ``"edge"`` (the line at 2/L, or None) and ``"best"`` (the line at 2/(mu + L), or None).

    >>> eta = np.linspace(0.01, 0.25, 50)
    >>> d = contraction_factors(eta, np.maximum(abs(1 - eta), abs(1 - 10 * eta)), mu=1.0, L=10.0)
    >>> float(d["edge"].get_xdata()[0]), round(float(d["best"].get_xdata()[0]), 4)
    (0.2, 0.1818)
    """
    x, y = np.asarray(lrs, dtype=float), np.asarray(factors, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or not len(x):
        raise ValueError(f"lrs and factors must be non-empty 1-D arrays of the same length; "
                         f"got shapes {x.shape}, {y.shape}")
    if measured is not None:
        if not (isinstance(measured, (tuple, list)) and len(measured) == 2):
            raise TypeError("measured must be a pair (rates, factors)")
        mx, my = (np.asarray(v, dtype=float) for v in measured)
        if mx.ndim != 1 or mx.shape != my.shape:
            raise ValueError(f"measured rates and factors must be 1-D of the same length; "
                             f"got shapes {mx.shape}, {my.shape}")
    if mu is not None and L is None:
        raise ValueError("the best rate 2/(mu + L) needs L as well as mu")
    L = None if L is None else check_positive("L", L)
    mu = None if mu is None else check_positive("mu", mu)
    made, ax = ax is None, new_axes(ax)
    (formula,) = ax.plot(x, y, color=color(0), linewidth=1.6, label=label)
    dots = None
    if measured is not None:
        (dots,) = ax.plot(mx, my, "o", color=color(1), label=measured_label)
    one = ax.axhline(1, color="0.5", linewidth=0.8)
    edge = best = None
    if L is not None:
        edge = ax.axvline(2 / L, color=color(7), linestyle="--", linewidth=1, label="2/L (divergence)")
    if mu is not None:
        best = ax.axvline(2 / (mu + L), color=color(2), linestyle=":", linewidth=1.5,
                          label=r"$\eta^\star = 2/(\mu+L)$")
    return _drawn(ax, made, {"formula": formula, "measured": dots, "one": one, "edge": edge, "best": best})


def rate_marks(marks, ax=None, *, axis: str = "y", style: str = "--", fontsize="small"):
    """Lines at given learning rates, each with its name written beside it (for maps with the rate on an axis).

    Parameters
    ----------
    marks : mapping name -> rate
        Where the lines go and what they are called, e.g. ``{"2/L": 0.5}``.
    axis : {"y", "x"}
        Which axis carries the rate: ``"y"`` draws horizontal lines named at the left edge, ``"x"``
        vertical lines named at the bottom.
    style : str
        Line style of the lines (black).

    Returns
    -------
    Drawn with ``"lines"`` (a list of Line2D) and ``"labels"`` (a list of Text), in the order of ``marks``.

    >>> d = rate_marks({"2/L": 0.5})
    >>> float(d["lines"][0].get_ydata()[0]), d["labels"][0].get_text()
    (0.5, '2/L')
    """
    if not isinstance(marks, Mapping):
        raise TypeError(f"marks must be a mapping name -> rate; got {type(marks).__name__}")
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y'; got {axis!r}")
    rates = {str(name): float(rate) for name, rate in marks.items()}
    bad = [name for name, rate in rates.items() if not np.isfinite(rate)]
    if bad:
        raise ValueError(f"rates must be finite numbers; not so for {bad}")
    made, ax = ax is None, new_axes(ax)
    drawn, texts = [], []
    for name, rate in rates.items():
        if axis == "y":
            drawn.append(ax.axhline(rate, color="black", linestyle=style, linewidth=1.2))
            # x in axes fractions, y in data: the name sits just above its line at the left edge
            texts.append(ax.text(0.015, rate, name, transform=ax.get_yaxis_transform(), va="bottom",
                                 fontsize=fontsize))
        else:
            drawn.append(ax.axvline(rate, color="black", linestyle=style, linewidth=1.2))
            texts.append(ax.text(rate, 0.015, name, transform=ax.get_xaxis_transform(), ha="left",
                                 va="bottom", rotation=90, fontsize=fontsize))
    return _drawn(ax, made, {"lines": drawn, "labels": texts})
