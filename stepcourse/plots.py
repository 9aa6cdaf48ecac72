"""Drawing with matplotlib: every function takes ``ax=None`` and returns what it drew.

Nothing here displays a figure or changes matplotlib's global settings. Colours come from :data:`PALETTE`,
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


# -- learning rates: range tests, schedules, basins of attraction -------------------------------------

__all__ += ["range_test", "schedule_curves", "basins", "BASIN_DIVERGED", "BASIN_UNSETTLED"]

#: Colours of the two outcomes of :func:`basins` that are not a minimum.
BASIN_DIVERGED, BASIN_UNSETTLED = "#9A9A9A", "#F4F4F4"


def range_test(result, ax=None, *, reference=None, title=None):
    """Loss against learning rate for a :class:`~stepcourse.rangetest.RangeTest`, on log-log axes.

    The raw losses are drawn thin, the smoothed curve bold, the starting loss dotted, and the test's
    two readings (``edge`` and ``steepest``) as vertical lines. ``reference`` maps labels to known rates
    (e.g. ``{"2/L": 0.2}``), drawn dashed in black.

    Returns a dict with ``"raw"``, ``"smoothed"`` (Line2D), ``"edge"``, ``"steepest"`` (vertical lines)
    and ``"reference"`` (a list of vertical lines).
    """
    ax = new_axes(ax)
    lrs = np.asarray(result.lrs)
    positive = lambda y: np.where(np.asarray(y) > 0, y, np.nan)  # noqa: E731  (a log axis shows no zeros)
    (raw,) = ax.plot(lrs, positive(result.losses), color=color(0), linewidth=0.8, alpha=0.45, label="loss per step")
    (smooth,) = ax.plot(lrs, positive(result.smoothed), color=color(0), linewidth=2.0,
                        label="smoothed" if result.smoothing > 0 else "loss (no smoothing needed)")
    ax.axhline(result.start_loss, color="0.4", linestyle=":", linewidth=1, label="loss at the start")
    edge = ax.axvline(result.edge, color=color(1), linewidth=1.6, label=f"edge {result.edge:.3g}")
    steep = ax.axvline(result.steepest, color=color(2), linewidth=1.6, label=f"steepest {result.steepest:.3g}")
    refs = []
    for i, (label, rate) in enumerate((reference or {}).items()):
        refs.append(ax.axvline(rate, color=color(7), linestyle=("--", "-.", ":")[i % 3], linewidth=1.2,
                               label=f"{label} = {rate:.3g}"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"learning rate $\eta$ (log scale)")
    ax.set_ylabel("loss after the step (log scale)")
    ax.set_title(title or f"Range test: {result.name}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return {"raw": raw, "smoothed": smooth, "edge": edge, "steepest": steep, "reference": refs}


def schedule_curves(schedules, steps: int, ax=None, *, log: bool = False, title=None):
    """The learning rate at each step for one or more schedules.

    ``schedules`` maps labels to schedules (callables ``t -> lr``) or numbers; a single schedule is
    accepted too. Returns the list of ``Line2D``.
    """
    ax = new_axes(ax)
    if callable(schedules) or isinstance(schedules, (int, float)):
        schedules = {repr(schedules): schedules}
    t = np.arange(int(steps))
    lines = []
    for i, (label, sched) in enumerate(schedules.items()):
        lr = np.array([sched(k) for k in t], dtype=float) if callable(sched) else np.full(len(t), float(sched))
        (line,) = ax.plot(t, lr, color=color(i), linewidth=1.8, label=label)
        lines.append(line)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"learning rate $\eta_t$")
    ax.set_title(title or "Learning-rate schedules")
    ax.grid(True, alpha=0.3)
    if len(lines) > 1:
        ax.legend(loc="best", fontsize="small")
    return lines


def basins(result, ax=None, *, title=None, legend: bool = True):
    """Which minimum gradient descent reaches from each start: a map from ``basin_map``.

    ``result`` is the dict of :func:`stepcourse.widgets.learning_rates.basin_map`: for a 2-D problem the
    axes are the two coordinates of the start; for a 1-D problem the start runs along ``x`` and the
    learning rate along ``y``. Minimum ``i`` gets palette colour ``i``; runs that diverged are grey and runs
    still far from every minimum at the end are near-white.

    Returns a dict with the ``"mesh"`` (QuadMesh) and the ``"minima"`` markers (2-D) or None.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    ax = new_axes(ax)
    labels = np.asarray(result["labels"])
    k = len(result["minima"])
    cmap = ListedColormap([BASIN_UNSETTLED, BASIN_DIVERGED] + [color(i) for i in range(k)])  # labels -2, -1, 0, ..
    norm = BoundaryNorm(np.arange(-2.5, k + 0.5), cmap.N)
    mesh = ax.pcolormesh(result["x"], result["y"], labels, cmap=cmap, norm=norm, shading="nearest")
    markers = None
    minima = np.asarray(result["minima"])
    if result["dim"] == 2:
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
        lrs = np.asarray(result["y"], dtype=float)
        if len(lrs) > 2 and np.all(lrs > 0) and np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0])):
            ax.set_yscale("log")
    ax.set_title(title or f"Where gradient descent ends: {result['problem']}")
    if legend:
        present = set(np.unique(labels).tolist())
        handles = [Patch(color=color(i), label=f"minimum at {np.array2string(minima[i], precision=2)}")
                   for i in range(k) if i in present]
        if -1 in present:
            handles.append(Patch(color=BASIN_DIVERGED, label="diverged"))
        if -2 in present:
            handles.append(Patch(facecolor=BASIN_UNSETTLED, edgecolor="0.6", label="not settled"))
        ax.legend(handles=handles, loc="upper right", fontsize="x-small", framealpha=0.9)
    return {"mesh": mesh, "minima": markers}
