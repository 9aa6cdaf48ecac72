"""Quantities against the step or the learning rate: loss curves, range tests, schedules."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ._base import _drawn, _labelled, _log_axes, _positive, _style, color, new_axes

__all__ = ["loss_curves", "range_test", "schedule_curves", "training_curves"]


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
            y = _positive(y)  # exact zeros cannot sit on a log axis
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
    (raw,) = ax.plot(lrs, _positive(result.losses), color=color(0), linewidth=0.8, alpha=0.45, label="loss per step")
    (smooth,) = ax.plot(lrs, _positive(result.smoothed), color=color(0), linewidth=2.0,
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


def training_curves(history, ax=None, *, log: Optional[str] = None, best: bool = True,
                    labels=("training loss", "validation loss")):
    """Training and validation loss against the epoch of a fit, with the best epoch (lowest validation
    loss, where early stopping keeps the parameters from) dashed.

    Parameters
    ----------
    history : :class:`~stepcourse.training.History`
        A run of :func:`stepcourse.fit` with validation data.
    log : {None, "x", "y", "xy"}
        Which axes are on a log scale. With a log epoch axis epoch 0 (before training) is left out.
    best : bool
        Draw the dashed black line at ``history.best_epoch``.
    labels : pair of str
        Legend entries of the training and the validation curve.

    Returns
    -------
    Drawn with ``"train"`` and ``"validation"`` (Line2D, palette colours 0 and 1) and ``"best"``
    (the dashed Line2D, or None).
    """
    from ..training import History

    if not isinstance(history, History):
        raise TypeError(f"history must be a History (what stepcourse.fit returns); got {type(history).__name__}")
    if history.val_loss is None:
        raise ValueError("history has no validation loss: fit with val_data=(X, y)")
    start = 1 if "x" in _log_axes(log) else 0  # a log axis has no epoch 0
    epochs = history.epochs[start:]
    made, ax = ax is None, new_axes(ax)
    drawn = lines({labels[0]: (epochs, history.train_loss[start:]), labels[1]: (epochs, history.val_loss[start:])},
                  ax, log=log, legend=False, grid=False)
    train, val = drawn["lines"].values()
    mark = None
    if best:
        k = history.best_epoch
        mark = reference(ax, x=k, label=f"best epoch {k}", style="--", color_index=7)["lines"][0]
    return _drawn(ax, made, {"train": train, "validation": val, "best": mark})


# -- the general vocabulary: named series, reference lines and spans, marked points, bands --------------

__all__ += ["lines", "reference", "span", "points", "band"]

def _xy(value, x, name):
    if isinstance(value, tuple) and len(value) == 2:
        xs, ys = np.asarray(value[0], dtype=float), np.asarray(value[1], dtype=float)
    else:
        ys = np.asarray(value, dtype=float)
        xs = np.arange(len(ys), dtype=float) if x is None else np.asarray(x, dtype=float)
    if ys.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(f"series {name!r}: x and y must be 1-D and of the same length; "
                         f"got shapes {xs.shape} and {ys.shape}")
    return xs, ys


def lines(series, ax=None, *, x=None, log=None, styles=None, title=None, xlabel=None, ylabel=None,
          legend=None, grid: bool = True, linewidth: float = 1.6):
    """Named series as lines: the plot behind most of the course's figures.

    Parameters
    ----------
    series : mapping label -> y or (x, y), or a sequence of y
        What to draw. A label that starts with ``_`` stays out of the legend.
    x : array, optional
        The x values of every series given as ``y`` alone (default ``0, 1, ..., len(y) - 1``, the step).
    log : {None, "x", "y", "xy"}
        Which axes are on a log scale. On a log axis values <= 0 are left out (a log axis has no zero).
    styles : mapping label -> style, optional
        A style is a dict of Line2D keywords (``color_index`` picks a palette colour), a format string
        such as ``"--"``, ``":"`` or ``"o"``, or a palette index. Series ``i`` has palette colour ``i``
        unless its style says otherwise.
    title, xlabel, ylabel : str, optional
    legend : bool, optional
        Default: a legend when some series has a label.
    grid : bool
        Light grid lines.

    Returns
    -------
    Drawn with ``"lines"``: label -> Line2D.

    >>> d = lines({"train": [3, 2, 1], "valid": ([0, 2], [3, 2.5])}, log="y", styles={"valid": "--"})
    >>> sorted(d["lines"]), d["lines"]["valid"].get_linestyle(), d.ax.get_yscale()
    (['train', 'valid'], '--', 'log')
    """
    scales = _log_axes(log)
    if isinstance(series, dict) or hasattr(series, "items"):
        items = list(series.items())
    elif isinstance(series, (list, tuple)) or isinstance(series, np.ndarray):
        items = [(f"_{i}", s) for i, s in enumerate(series)]
    else:
        raise TypeError(f"series must be a mapping label -> y or (x, y), or a sequence of y; got {type(series).__name__}")
    styles = dict(styles or {})
    unknown = set(styles) - {label for label, _ in items}
    if unknown:
        raise ValueError(f"styles names series that are not drawn: {sorted(unknown)}")
    made, ax = ax is None, new_axes(ax)
    drawn = {}
    for i, (label, value) in enumerate(items):
        xs, ys = _xy(value, x, label)
        if "x" in scales:
            xs = _positive(xs)
        if "y" in scales:
            ys = _positive(ys)
        kw = _style(styles.get(label), i, {"linewidth": linewidth})
        if kw.get("marker") and kw.get("linestyle") == "none":
            kw.setdefault("markersize", 4)
        (drawn[label],) = ax.plot(xs, ys, label=label, **kw)
    for axis in scales:
        getattr(ax, f"set_{axis}scale")("log")
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if grid:
        ax.grid(True, which="major", alpha=0.3)
    if legend is None:
        legend = any(not str(label).startswith("_") for label, _ in items)
    if legend:
        ax.legend(loc="best", fontsize="small")
    return _drawn(ax, made, {"lines": drawn})


def reference(ax=None, *, y=None, x=None, label=None, style: str = ":", color_index=None,
              linewidth: float = 1.0):
    """Reference lines across the axes: horizontal at ``y`` or vertical at ``x`` (a number or a sequence).

    Grey by default (``color_index`` picks a palette colour instead); ``style`` is the line style.
    A ``label`` puts the first line in the legend (call ``ax.legend()`` after it).

    Returns a Drawn with ``"lines"``, a list of Line2D.

    >>> d = reference(y=[1.0, 2.0], style="--")
    >>> [float(ln.get_ydata()[0]) for ln in d["lines"]]
    [1.0, 2.0]
    """
    if (x is None) == (y is None):
        raise ValueError("reference() draws either horizontal lines (y=...) or vertical lines (x=...): pass one")
    made, ax = ax is None, new_axes(ax)
    where = np.atleast_1d(np.asarray(x if x is not None else y, dtype=float))
    draw = ax.axvline if x is not None else ax.axhline
    c = "0.4" if color_index is None else color(color_index)
    drawn = [draw(v, color=c, linestyle=style, linewidth=linewidth, label=label if k == 0 else None)
             for k, v in enumerate(where)]
    return _drawn(ax, made, {"lines": drawn})


def span(ax=None, *, x=None, y=None, label=None, color_index=None, alpha: float = 0.15):
    """A shaded region across the axes between two ``x`` values (vertical band) or two ``y`` values.

    Returns a Drawn with the ``"patch"``.
    """
    if (x is None) == (y is None):
        raise ValueError("span() shades either between two x values (x=(lo, hi)) or two y values: pass one")
    lo, hi = (float(v) for v in (x if x is not None else y))
    if not lo < hi:
        raise ValueError(f"span() needs lo < hi; got ({lo}, {hi})")
    made, ax = ax is None, new_axes(ax)
    c = "0.5" if color_index is None else color(color_index)
    draw = ax.axvspan if x is not None else ax.axhspan
    return _drawn(ax, made, {"patch": draw(lo, hi, color=c, alpha=alpha, linewidth=0, label=label)})


def points(x, y, ax=None, *, labels=None, label=None, color_index: int = 0, marker: str = "o",
           size: float = 5.0, zorder: float = 3):
    """Marked points, each with an optional text label beside it (``labels``, one per point).

    Returns a Drawn with ``"points"`` (Line2D) and ``"labels"`` (a list of Annotations).

    >>> d = points([1, 2], [3, 4], labels=["a", "b"])
    >>> [t.get_text() for t in d["labels"]]
    ['a', 'b']
    """
    xs, ys = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y must be numbers or 1-D arrays of the same length; got shapes {xs.shape}, {ys.shape}")
    if labels is not None and len(labels) != len(xs):
        raise ValueError(f"got {len(labels)} labels for {len(xs)} points")
    made, ax = ax is None, new_axes(ax)
    c = color(color_index)
    (pts,) = ax.plot(xs, ys, linestyle="none", marker=marker, markersize=size, color=c, label=label,
                     markeredgecolor="white", markeredgewidth=0.5, zorder=zorder)
    texts = [ax.annotate(str(t), (a, b), xytext=(4, 4), textcoords="offset points", fontsize="small")
             for a, b, t in zip(xs, ys, labels or [])]
    return _drawn(ax, made, {"points": pts, "labels": texts})


def band(x, lower, upper, ax=None, *, label=None, color_index: int = 0, alpha: float = 0.2):
    """A shaded band between two curves over ``x`` (a range, an interval, a bound).

    Returns a Drawn with the ``"band"`` (a PolyCollection).
    """
    xs = np.asarray(x, dtype=float)
    lo = np.broadcast_to(np.asarray(lower, dtype=float), xs.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), xs.shape)
    made, ax = ax is None, new_axes(ax)
    return _drawn(ax, made, {"band": ax.fill_between(xs, lo, hi, color=color(color_index), alpha=alpha,
                                                     linewidth=0, label=label)})
