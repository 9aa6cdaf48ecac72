"""Drawing with matplotlib: every function takes ``ax=None`` and returns what it drew.

No function here calls ``plt.show()`` or changes global settings. Colours come from :data:`PALETTE`,
the Okabe-Ito palette, which stays distinguishable under the common forms of colour blindness.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Optional

import numpy as np

__all__ = ["PALETTE", "color", "new_axes", "contour", "path", "loss_surface", "loss_curves", "curve_1d"]

#: Okabe & Ito (2008): colour-blind-safe qualitative palette (black last, for reference lines).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def new_axes(ax=None, figsize=(5.5, 4.0)):
    """Return ``ax``, or a fresh Axes on a new Figure that is not registered with pyplot's global state."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def _levels(values: np.ndarray, n: int, log: bool, floor: float):
    lo, hi = np.nanmin(values), np.nanmax(values)
    if log:
        lo = max(lo, floor)
        return np.geomspace(lo, max(hi, lo * 10), n)
    return np.linspace(lo, hi, n)


def contour(problem, ax=None, *, levels: int = 30, log: Optional[bool] = None, n: int = 200,
            filled: bool = True, show_minima: bool = True, cmap: str = "viridis"):
    """Contours of a 2-D problem's loss over its plot bounds.

    Parameters
    ----------
    problem : Problem
        A 2-D problem.
    levels : int
        Number of contour levels.
    log : bool, optional
        Space the levels geometrically in ``f - f*`` (default: True unless the problem has no minimum),
        which shows both the floor of a valley and its walls.
    n : int
        Grid points per axis.

    Returns
    -------
    dict with the ``"contour"`` set and the ``"minima"`` markers (or None).
    """
    ax = new_axes(ax)
    X, Y, P = problem.grid(n)
    Z = problem.f(P)
    f_min = problem.f_min
    if log is None:
        log = not np.isnan(f_min)
    if log:
        Z = Z - f_min
        lv = _levels(Z, levels, True, floor=max(np.nanmax(Z) * 1e-6, 1e-12))
        Z = np.maximum(Z, lv[0] / 2)
    else:
        lv = _levels(Z, levels, False, 0.0)
    from matplotlib.colors import LogNorm

    norm = LogNorm(vmin=lv[0], vmax=lv[-1]) if log else None
    if filled:
        cs = ax.contourf(X, Y, Z, levels=lv, cmap=cmap, norm=norm, alpha=0.85)
        ax.contour(X, Y, Z, levels=lv[::3], colors="white", linewidths=0.4, alpha=0.5, norm=norm)
    else:
        cs = ax.contour(X, Y, Z, levels=lv, cmap=cmap, norm=norm, linewidths=0.8)
    markers = None
    if show_minima and len(problem.minima):
        markers = ax.plot(problem.minima[:, 0], problem.minima[:, 1], linestyle="none", marker="*",
                          markersize=12, color="white", markeredgecolor="black", label="minimum")[0]
    (x_lo, x_hi), (y_lo, y_hi) = problem.bounds
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("$w_1$ (parameter)")
    ax.set_ylabel("$w_2$ (parameter)")
    return {"contour": cs, "minima": markers}


def path(trace, ax=None, *, color_index: int = 0, label: Optional[str] = None, markers: bool = True):
    """Draw the iterates of a 2-D :class:`~stepcourse.loop.Trace` as a polyline with dots.

    Returns the ``Line2D`` of the path (its data can be moved in place by an explorer).
    """
    ax = new_axes(ax)
    xs = np.asarray(trace.xs)
    if xs.shape[1] != 2:
        raise ValueError(f"path() draws 2-D traces; this trace has dimension {xs.shape[1]}")
    c = color(color_index)
    (line,) = ax.plot(xs[:, 0], xs[:, 1], "-o" if markers else "-", color=c, markersize=3,
                      linewidth=1.6, label=label or trace.optimizer, markeredgecolor="white",
                      markeredgewidth=0.4)
    ax.plot(xs[:1, 0], xs[:1, 1], "s", color=c, markersize=7, markeredgecolor="black")
    return line


def loss_surface(problem, traces=(), ax=None, *, labels: Optional[Iterable[str]] = None, title=None, **kwargs):
    """Contours of ``problem`` with one or more optimization paths on top, and a legend.

    ``traces`` is a Trace, a sequence of them, or a mapping label -> Trace.
    Returns a dict with the contour artists and the list of path lines.
    """
    ax = new_axes(ax)
    items = _labelled(traces, labels)
    drawn = contour(problem, ax, **kwargs)
    drawn["paths"] = [path(tr, ax, color_index=i, label=lab) for i, (lab, tr) in enumerate(items)]
    if items:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    ax.set_title(title or f"{problem.name}: paths on the loss contours")
    return drawn


def loss_curves(traces, ax=None, *, labels=None, log: bool = True, gap: bool = True, title=None):
    """Loss against step for one or more traces, on a log scale by default.

    With ``gap=True`` the curve is ``f(x_k) - f*`` (what reaches zero at the minimum), the natural
    quantity for a log axis. Diverged runs end with a cross at the step where they were stopped.
    Returns the list of ``Line2D``.
    """
    ax = new_axes(ax)
    lines = []
    for i, (lab, tr) in enumerate(_labelled(traces, labels)):
        y = tr.gaps if gap else tr.losses
        if log:
            y = np.where(y > 0, y, np.nan)  # exact zeros cannot sit on a log axis
        (line,) = ax.plot(np.arange(len(y)), y, color=color(i), label=lab, linewidth=1.6)
        lines.append(line)
        if tr.diverged and len(y):
            ax.plot([len(y) - 1], [y[-1]], "x", color=color(i), markersize=9, markeredgewidth=2)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step $k$")
    ax.set_ylabel(r"$f(w_k) - f^*$ (loss above the minimum)" if gap else "loss $f(w_k)$")
    ax.set_title(title or "Loss per step")
    if len(lines) > 1 or (lines and lines[0].get_label() and not lines[0].get_label().startswith("_")):
        ax.legend(loc="best", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return lines


def curve_1d(problem, trace=None, ax=None, *, arrows: bool = True, color_index: int = 0, n: int = 400,
             bounds=None):
    """A 1-D loss curve, with the steps of ``trace`` drawn as arrows from ``w_k`` to ``w_{k+1}``.

    Returns a dict: ``"curve"`` (Line2D), ``"points"`` (Line2D of the iterates on the curve) and
    ``"arrows"`` (Quiver or None).
    """
    ax = new_axes(ax)
    if problem.dim != 1:
        raise ValueError(f"curve_1d() draws 1-D problems; {problem.name!r} has dim={problem.dim}")
    lo, hi = bounds or problem.bounds[0]
    grid = np.linspace(lo, hi, n)
    (curve,) = ax.plot(grid, problem.curve(grid), color="0.25", linewidth=1.8, label="loss $f(w)$")
    drawn = {"curve": curve, "points": None, "arrows": None}
    if trace is not None:
        w = trace.xs[:, 0]
        fw = trace.losses
        c = color(color_index)
        (drawn["points"],) = ax.plot(w, fw, "o", color=c, markersize=5, markeredgecolor="white", zorder=3)
        if arrows and len(w) > 1:
            drawn["arrows"] = ax.quiver(w[:-1], fw[:-1], np.diff(w), np.diff(fw), angles="xy",
                                        scale_units="xy", scale=1, color=c, width=0.004, zorder=2)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("parameter $w$")
    ax.set_ylabel("loss $f(w)$")
    return drawn


def _labelled(traces, labels):
    if traces is None:
        return []
    if isinstance(traces, Mapping):
        return list(traces.items())
    if hasattr(traces, "xs"):
        traces = [traces]
    traces = list(traces)
    labels = list(labels) if labels is not None else [tr.optimizer for tr in traces]
    if len(labels) != len(traces):
        raise ValueError(f"got {len(labels)} labels for {len(traces)} traces")
    return list(zip(labels, traces))
