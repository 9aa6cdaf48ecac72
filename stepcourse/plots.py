"""Drawing with matplotlib: every function takes ``ax=None`` and returns a :class:`Drawn`.

Nothing here changes matplotlib's global settings. Colours come from :data:`PALETTE`, the Okabe-Ito
palette, which stays distinguishable under the common forms of colour blindness.

Figures are drawn for the column they land in. The book's column is about 700 CSS px wide, so a figure
is :data:`COLUMN_WIDTH` inches wide (shown at 100 CSS px per inch) and its smallest text is
:data:`MIN_FONT_PT` points, which is at least 9 px on screen. At most two panels sit side by side; more
panels stack in rows. :func:`subplots` makes such a figure::

    fig, ax = sc.plots.subplots()                  # one panel, the column's width
    fig, (ax1, ax2) = sc.plots.subplots(2)         # two panels side by side
    fig, axes = sc.plots.subplots(4, height=2.8)   # 2 x 2; ``axes`` is flat, in reading order

and :func:`text_px` says how large a figure's smallest text is on screen.

Called without ``ax``, a plot function draws on a new figure of its own (not registered with pyplot)
and the :class:`Drawn` it returns shows that figure when it is the last value of a notebook cell.
"""
from __future__ import annotations

import io
import math
from typing import Iterable, Mapping, Optional

import numpy as np

__all__ = ["PALETTE", "COLUMN_WIDTH", "COLUMN_PX", "MIN_FONT_PT", "Drawn", "color", "subplots", "new_axes",
           "text_px", "contour", "path", "loss_surface", "loss_curves", "curve_1d"]

#: Okabe & Ito (2008): colour-blind-safe qualitative palette (black last, for reference lines).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: Width of a figure that fills the book's column, in inches (shown at 100 CSS px per inch).
COLUMN_WIDTH = 7.0
#: Width of the book's text column in CSS pixels.
COLUMN_PX = 700
#: Smallest font size used in a figure, in points: on a 7-inch figure shown 700 px wide, 6.5 pt is 9 px.
MIN_FONT_PT = 6.5
#: Height of one row of panels, in inches, for one panel and for two side by side.
ROW_HEIGHT = {1: 3.9, 2: 3.1}


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


class Drawn(dict):
    """What a plot function drew: a dict of name -> artist (or list of artists), plus ``.ax``.

    ``.figure`` is the figure drawn on. When the plot function made that figure itself (no ``ax`` was
    given) the Drawn shows it as a picture in a notebook; otherwise the caller's figure is shown the
    usual way and the Drawn stays out of the output.
    """

    def __init__(self, ax, artists=None, *, owns_figure: bool = False):
        super().__init__(artists or {})
        self.ax = ax
        self.figure = ax.figure if ax is not None else None
        self.owns_figure = owns_figure

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.owns_figure or self.figure is None:
            return {"text/plain": ""}
        out = io.BytesIO()
        # 2x of the 100 CSS px per inch it is shown at: sharp on high-density screens
        self.figure.savefig(out, format="png", dpi=200)
        w, h = self.figure.get_size_inches() * 100
        return ({"image/png": out.getvalue(), "text/plain": f"<Figure {w:.0f}x{h:.0f} px>"},
                {"image/png": {"width": int(round(w)), "height": int(round(h))}})

    def __repr__(self) -> str:
        return f"Drawn({', '.join(self)})"


def _figure(width: float, height: float, pyplot: bool):
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=(width, height), layout="constrained")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def subplots(panels: int = 1, *, height: Optional[float] = None, width: float = COLUMN_WIDTH,
             width_ratios=None, sharex: bool = False, sharey: bool = False, pyplot: bool = True):
    """A figure sized for the book's column, with ``panels`` axes: at most two side by side.

    Parameters
    ----------
    panels : int
        Number of axes. One or two fill one row; more stack in rows of two (an odd last one spans
        the row).
    height : float, optional
        Height of one row of panels in inches (default :data:`ROW_HEIGHT`).
    width : float
        Width of the figure in inches; at most :data:`COLUMN_WIDTH` keeps the text readable.
    width_ratios : pair of floats, optional
        Relative widths of the two columns.
    sharex, sharey : bool
        Share the x (y) axis between panels.
    pyplot : bool
        Register the figure with pyplot (default), so a notebook shows it at the end of the cell like
        ``plt.subplots``; ``False`` gives a figure that only shows when displayed.

    Returns
    -------
    (fig, axes)
        ``axes`` is one Axes for ``panels=1``, otherwise a flat array of Axes in reading order.

    >>> fig, (left, right) = subplots(2, pyplot=False)
    >>> tuple(fig.get_size_inches()) == (COLUMN_WIDTH, ROW_HEIGHT[2])
    True
    """
    if isinstance(panels, bool) or not isinstance(panels, (int, np.integer)) or panels < 1:
        raise ValueError(f"panels must be an integer >= 1; got {panels!r}")
    if not (isinstance(width, (int, float)) and 0 < width <= COLUMN_WIDTH):
        raise ValueError(f"width must be a number in (0, {COLUMN_WIDTH}] inches (the book's column); got {width!r}")
    if height is not None and not (isinstance(height, (int, float)) and height > 0):
        raise ValueError(f"height must be a positive number of inches; got {height!r}")
    ncols = 1 if panels == 1 else 2
    nrows = math.ceil(panels / 2) if panels > 1 else 1
    row = ROW_HEIGHT[ncols] if height is None else float(height)
    fig = _figure(width, row * nrows, pyplot)
    if panels == 1:
        return fig, fig.add_subplot()
    grid = fig.add_gridspec(nrows, ncols, width_ratios=width_ratios)
    axes = []
    for k in range(panels):
        r, c = divmod(k, 2)
        spec = grid[r, :] if (k == panels - 1 and panels % 2) else grid[r, c]
        share = {}
        if axes and sharex:
            share["sharex"] = axes[0]
        if axes and sharey:
            share["sharey"] = axes[0]
        axes.append(fig.add_subplot(spec, **share))
    return fig, np.array(axes, dtype=object)


def new_axes(ax=None, figsize=None):
    """Return ``ax``, or a fresh Axes on a new column-wide Figure not registered with pyplot."""
    if ax is not None:
        return ax
    fig = _figure(*(figsize or (COLUMN_WIDTH, ROW_HEIGHT[1])), pyplot=False)
    return fig.add_subplot()


def _drawn(ax, made: bool, artists) -> Drawn:
    return Drawn(ax, artists, owns_figure=made)


def text_px(fig, width_px: Optional[float] = None) -> float:
    """The smallest text of ``fig`` in CSS pixels when the figure is shown ``width_px`` wide.

    By default the figure is shown as the book shows it: 100 CSS px per inch, at most :data:`COLUMN_PX`.

    Counts every visible text artist (tick labels, axis labels, titles, legends, annotations).

    >>> fig, ax = subplots(pyplot=False)
    >>> _ = ax.set_title("title"); _ = ax.plot([0, 1], label="a"); _ = ax.legend(fontsize="small")
    >>> round(text_px(fig), 1)
    11.6
    """
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    if not sizes:
        return math.inf
    width_in = float(fig.get_size_inches()[0])
    if width_px is None:
        width_px = min(COLUMN_PX, 100.0 * width_in)
    return min(sizes) * float(width_px) / (72.0 * width_in)


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


def loss_curves(traces, ax=None, *, labels=None, log: bool = True, gap: bool = True, title=None):
    """Loss against step for one or more traces, on a log scale by default.

    With ``gap=True`` the curve is ``f(x_k) - f*`` (what reaches zero at the minimum), the natural
    quantity for a log axis. Diverged runs end with a cross at the step where they were stopped.
    Returns a Drawn with the ``"lines"`` (a list of ``Line2D``, one per trace).
    """
    made, ax = ax is None, new_axes(ax)
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
    return _drawn(ax, made, {"lines": lines})


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

    Returns a Drawn with ``"raw"``, ``"smoothed"`` (Line2D), ``"edge"``, ``"steepest"`` (vertical lines)
    and ``"reference"`` (a list of vertical lines).
    """
    made, ax = ax is None, new_axes(ax)
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
    return _drawn(ax, made, {"raw": raw, "smoothed": smooth, "edge": edge, "steepest": steep, "reference": refs})


def schedule_curves(schedules, steps: int, ax=None, *, log: bool = False, title=None):
    """The learning rate at each step for one or more schedules.

    ``schedules`` maps labels to schedules (callables ``t -> lr``) or numbers; a single schedule is
    accepted too. Returns a Drawn with the ``"lines"`` (a list of ``Line2D``).
    """
    made, ax = ax is None, new_axes(ax)
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
    return _drawn(ax, made, {"lines": lines})


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

    from .loop import BasinMap

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


# -- gradient flow: per-layer statistics of a network ---------------------------------------------------

__all__ += ["gradient_flow", "FLOW_PANELS"]

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
    from .mlp import LayerStats

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


# -- optimizer races: paths and losses of several optimizers from the same start ----------------------

__all__ += ["RACE_STYLES", "race_style", "race_status", "race_axis", "race_losses", "race_panels"]

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
        y = tr.losses if np.isnan(problem.f_min) else np.where(tr.gaps > 0, tr.gaps, np.nan)
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
