"""Optimizer races: the paths and losses of several optimizers from the same start."""
from __future__ import annotations

import numpy as np

from ._base import PALETTE, _drawn, _positive, color, new_axes, subplots
from .surfaces import contour

# -- optimizer races: paths and losses of several optimizers from the same start ----------------------

__all__ = ["RACE_STYLES", "race_style", "race_status", "race_axis", "race_losses", "race_panels"]

#: Colour and line style of each optimizer of a race: neighbours in the chapter's groups differ in hue
#: and, for the momentum family and the adaptive family, in dash pattern too.
RACE_STYLES = {
    "SGD": {"color": PALETTE[0], "linestyle": "-"},
    "momentum": {"color": PALETTE[1], "linestyle": "-"},
    "Nesterov": {"color": PALETTE[3], "linestyle": "--"},
    "AdaGrad": {"color": PALETTE[2], "linestyle": ":"},
    "RMSprop": {"color": PALETTE[4], "linestyle": "--"},
    "Adam": {"color": PALETTE[7], "linestyle": "-."},
}


def race_style(name: str, i: int = 0) -> dict:
    """Line2D keywords of optimizer ``name`` in a race (an unknown name gets palette colour ``i``)."""
    style = dict(RACE_STYLES.get(name, {"color": color(i), "linestyle": "-"}))
    style.setdefault("linewidth", 1.7)
    return style


def race_status(trace, problem) -> str:
    """A run's end in the quantity the loss panel shows: ``f - f* = ...`` (or ``f = ...`` without a
    known minimum), or the step where it diverged."""
    if trace.diverged:
        return f"diverged at step {trace.diverged_at}"
    if np.isnan(problem.f_min):
        return f"f = {trace.loss:.3g}"
    return f"f - f* = {max(trace.loss - problem.f_min, 0.0):.2g}"


def race_axis(ax, problem, f0: float, steps: int) -> None:
    """Scale, limits and label of a race's loss panel: ``f - f*`` on a log axis, or the loss itself on a
    symmetric log axis for a problem without a minimum (a saddle)."""
    if np.isnan(problem.f_min):
        ax.set_yscale("symlog", linthresh=1e-2)
        ax.set_ylim(-1e3, max(10.0, 3 * f0))
        ax.set_ylabel("loss $f(w_k)$ (symmetric log scale)")
    else:
        gap0 = max(f0 - problem.f_min, 1e-12)
        ax.set_yscale("log")
        ax.set_ylim(gap0 * 1e-12, gap0 * 1e3)
        ax.set_ylabel("$f(w_k) - f^*$ (log scale)")
    ax.set_xlim(0, steps)
    ax.set_xlabel("step $k$")


def race_losses(traces, problem, ax=None, *, lines=None, legend: bool = True):
    """Each run's loss per step, as :func:`race_axis` shows it, a cross where a run diverged, and a
    legend with each run's end (:func:`race_status`).

    ``traces`` maps optimizer names to Traces. Pass the ``lines`` of an earlier call (the ``"lines"``
    and ``"ends"`` of its Drawn) to move those artists instead of drawing new ones; names missing from
    ``traces`` are emptied.

    Returns a Drawn with ``"lines"`` and ``"ends"`` (name -> Line2D) and the ``"legend"``.
    """
    made, ax = ax is None, new_axes(ax)
    if lines is None:
        lines = {"lines": {}, "ends": {}}
        for i, name in enumerate(traces):
            style = race_style(name, i)
            (lines["lines"][name],) = ax.plot([], [], **style)
            (lines["ends"][name],) = ax.plot([], [], "x", color=style["color"], markersize=9, markeredgewidth=2)
        first = next(iter(traces.values()), None)
        if first is not None:
            race_axis(ax, problem, float(first.losses[0]), max(tr.steps for tr in traces.values()))
        ax.grid(True, alpha=0.3)
    shown, labels = [], []
    for name, line in lines["lines"].items():
        tr, end = traces.get(name), lines["ends"][name]
        if tr is None:
            line.set_data([], [])
            end.set_data([], [])
            continue
        y = tr.losses if np.isnan(problem.f_min) else _positive(tr.gaps)
        line.set_data(np.arange(len(y)), y)
        end.set_data(([len(y) - 1], [y[-1]]) if tr.diverged else ([], []))
        shown.append(line)
        labels.append(f"{name}: {race_status(tr, problem)}")
    leg = ax.legend(shown, labels, loc="lower left", fontsize="x-small", framealpha=0.85) if legend and shown else None
    return _drawn(ax, made, {"lines": lines["lines"], "ends": lines["ends"], "legend": leg})


def race_panels(problem, traces, axes=None, *, title=None):
    """Two panels of a race: the paths on the loss contours (left) and the losses (right,
    :func:`race_losses`). ``traces`` maps optimizer names to Traces from the same start.

    Returns a Drawn with ``"paths"`` (name -> Line2D), ``"start"``, ``"lines"``, ``"ends"``, ``"legend"``.
    """
    made = axes is None
    if made:
        _, axes = subplots(2, pyplot=False)
    ax, ax_loss = axes
    contour(problem, ax, levels=24, n=120)
    paths = {name: ax.plot(tr.xs[:, 0], tr.xs[:, 1], zorder=3, **race_style(name, i))[0]
             for i, (name, tr) in enumerate(traces.items())}
    first = next(iter(traces.values()))
    (start,) = ax.plot(*first.xs[0], "s", color="white", markeredgecolor="black", markersize=7, zorder=4)
    ax.set_title(title or f"{problem.name}: paths from the same start", fontsize="medium")
    drawn = race_losses(traces, problem, ax_loss)
    return _drawn(ax, made, {"paths": paths, "start": start, **drawn})
