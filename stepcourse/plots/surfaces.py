"""Pictures of a loss over its parameters: contours, paths, 1-D curves and basins of attraction."""
from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from ._base import _drawn, _labelled, color, new_axes

__all__ = ["contour", "path", "loss_surface", "curve_1d", "basins", "BASIN_DIVERGED", "BASIN_UNSETTLED"]

#: Colours of the two outcomes of :func:`basins` that are not a minimum.
BASIN_DIVERGED, BASIN_UNSETTLED = "#9A9A9A", "#F4F4F4"


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
    Drawn with the ``"contour"`` set and the ``"minima"`` markers (or None). Without ``ax`` it shows
    its own figure in a notebook.
    """
    made, ax = ax is None, new_axes(ax)
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
    return _drawn(ax, made, {"contour": cs, "minima": markers})


def path(trace, ax=None, *, color_index: int = 0, label: Optional[str] = None, markers: bool = True):
    """Draw the iterates of a 2-D :class:`~stepcourse.loop.Trace` as a polyline with dots.

    Returns a Drawn with the ``"line"`` of the path (its data can be moved in place) and the
    ``"start"`` marker.
    """
    made, ax = ax is None, new_axes(ax)
    xs = np.asarray(trace.xs)
    if xs.shape[1] != 2:
        raise ValueError(f"path() draws 2-D traces; this trace has dimension {xs.shape[1]}")
    c = color(color_index)
    (line,) = ax.plot(xs[:, 0], xs[:, 1], "-o" if markers else "-", color=c, markersize=3,
                      linewidth=1.6, label=label or trace.optimizer, markeredgecolor="white",
                      markeredgewidth=0.4)
    (start,) = ax.plot(xs[:1, 0], xs[:1, 1], "s", color=c, markersize=7, markeredgecolor="black")
    return _drawn(ax, made, {"line": line, "start": start})


def loss_surface(problem, traces=(), ax=None, *, labels: Optional[Iterable[str]] = None, title=None, **kwargs):
    """Contours of ``problem`` with one or more optimization paths on top, and a legend.

    ``traces`` is a Trace, a sequence of them, or a mapping label -> Trace.
    Returns a Drawn with the contour artists and the list of path lines (``"paths"``).
    """
    made, ax = ax is None, new_axes(ax)
    items = _labelled(traces, labels)
    drawn = contour(problem, ax, **kwargs)
    drawn.owns_figure = made
    drawn["paths"] = [path(tr, ax, color_index=i, label=lab)["line"] for i, (lab, tr) in enumerate(items)]
    if items:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    ax.set_title(title or f"{problem.name}: paths on the loss contours")
    return drawn


def curve_1d(problem, trace=None, ax=None, *, arrows: bool = True, color_index: int = 0, n: int = 400,
             bounds=None):
    """A 1-D loss curve, with the steps of ``trace`` drawn as arrows from ``w_k`` to ``w_{k+1}``.

    Returns a Drawn: ``"curve"`` (Line2D), ``"points"`` (Line2D of the iterates on the curve) and
    ``"arrows"`` (Quiver or None).
    """
    made, ax = ax is None, new_axes(ax)
    if problem.dim != 1:
        raise ValueError(f"curve_1d() draws 1-D problems; {problem.name!r} has dim={problem.dim}")
    lo, hi = bounds or problem.bounds[0]
    grid = np.linspace(lo, hi, n)
    (curve,) = ax.plot(grid, problem.curve(grid), color="0.25", linewidth=1.8, label="loss $f(w)$")
    drawn = _drawn(ax, made, {"curve": curve, "points": None, "arrows": None})
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


def basins(result, ax=None, *, title=None, legend: bool = True):
    """Which minimum an optimizer reaches from each start: a map from ``basin_map``.

    ``result`` is the :class:`~stepcourse.loop.BasinMap` of :func:`stepcourse.loop.basin_map`: for a 2-D problem the
    axes are the two coordinates of the start; for a 1-D problem the start runs along ``x`` and the
    learning rate along ``y``. Minimum ``i`` gets palette colour ``i``; runs that diverged are grey and runs
    still far from every minimum at the end are near-white. The default title names the problem and
    what ran (``result.optimizer``, e.g. "momentum 0.9 (lr 0.02)").

    Returns a Drawn with the ``"mesh"`` (QuadMesh) and the ``"minima"`` markers (2-D) or None.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    from ..loop import BasinMap

    if not isinstance(result, BasinMap):
        raise TypeError(f"result must be a BasinMap (what stepcourse.loop.basin_map returns); "
                        f"got {type(result).__name__}")
    made, ax = ax is None, new_axes(ax)
    labels = np.asarray(result.labels)
    k = len(result.minima)
    cmap = ListedColormap([BASIN_UNSETTLED, BASIN_DIVERGED] + [color(i) for i in range(k)])  # labels -2, -1, 0, ..
    norm = BoundaryNorm(np.arange(-2.5, k + 0.5), cmap.N)
    mesh = ax.pcolormesh(result.x, result.y, labels, cmap=cmap, norm=norm, shading="nearest")
    markers = None
    minima = np.asarray(result.minima)
    if result.dim == 2:
        markers = ax.plot(minima[:, 0], minima[:, 1], linestyle="none", marker="*", markersize=11,
                          color="white", markeredgecolor="black")[0]
        ax.set_xlabel("start $w_1$")
        ax.set_ylabel("start $w_2$")
        ax.set_aspect("auto")
    else:
        for m in minima[:, 0]:
            ax.axvline(m, color="black", linewidth=0.8, linestyle=":")
        ax.set_xlabel("start $w_0$")
        ax.set_ylabel(r"learning rate $\eta$")
        lrs = np.asarray(result.y, dtype=float)
        if len(lrs) > 2 and np.all(lrs > 0) and np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0])):
            ax.set_yscale("log")
    ax.set_title(title or f"{result.problem}: where {result.optimizer} ends")
    if legend:
        present = set(np.unique(labels).tolist())
        handles = [Patch(color=color(i), label=f"minimum at {np.array2string(minima[i], precision=2)}")
                   for i in range(k) if i in present]
        if -1 in present:
            handles.append(Patch(color=BASIN_DIVERGED, label="diverged"))
        if -2 in present:
            handles.append(Patch(facecolor=BASIN_UNSETTLED, edgecolor="0.6", label="not settled"))
        ax.legend(handles=handles, loc="upper right", fontsize="x-small", framealpha=0.9)
    return _drawn(ax, made, {"mesh": mesh, "minima": markers})
