"""The figure, the palette and the :class:`Drawn` every plot function returns."""
from __future__ import annotations

import io
import math
from typing import Mapping, Optional

import numpy as np

from .._validation import check_integer
__all__ = ["PALETTE", "COLUMN_WIDTH", "COLUMN_PX", "MIN_FONT_PT", "ROW_HEIGHT", "Drawn", "color", "subplots",
           "new_axes", "text_px"]

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

        fig = plt.figure(figsize=(width, height), layout="constrained")
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height), layout="constrained")
    fig.canvas.mpl_connect("draw_event", _warn_overlapping_titles)
    return fig


def _warn_overlapping_titles(event) -> None:
    """Warn, once per figure, when two panels' titles run into each other once drawn.

    Constrained layout keeps titles inside the figure but not apart from each other; a chapter whose
    figure has such titles then fails the strict book build (a warning in a cell's output is an error).
    """
    fig = event.canvas.figure
    if getattr(fig, "_titles_checked", False):
        return
    fig._titles_checked = True
    boxes = [(t.get_text(), t.get_window_extent(event.renderer)) for ax in fig.axes
             for t in (ax.title, ax._left_title, ax._right_title) if t.get_visible() and t.get_text().strip()]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if box_a.overlaps(box_b):
                import warnings

                warnings.warn(f"the titles {a!r} and {b!r} overlap: shorten them or break them in two lines",
                              stacklevel=2)
                return


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
    panels = check_integer("panels", panels, low=1)
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


def _vector(value, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array; got shape {arr.shape}")
    return arr


def _vectors(**named) -> list:
    """Each named value as a non-empty 1-D array (:func:`_vector`), all of one length."""
    arrays = [_vector(value, name) for name, value in named.items()]
    if len({len(a) for a in arrays}) > 1:
        names = list(named)
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have the same length; got "
                         f"{', '.join(str(len(a)) for a in arrays)}")
    return arrays


_LOG_AXES = {None: (), "": (), "x": ("x",), "y": ("y",), "xy": ("x", "y")}


def _log_axes(log) -> tuple:
    """The axes a ``log`` argument puts on a log scale: None, "x", "y" or "xy"."""
    if log not in _LOG_AXES:
        raise ValueError(f"log must be None, 'x', 'y' or 'xy'; got {log!r}")
    return _LOG_AXES[log]


def _positive(y) -> np.ndarray:
    """``y`` with values <= 0 left out (NaN): a log axis has no zero."""
    y = np.asarray(y, dtype=float)
    return np.where(y > 0, y, np.nan)


_LINESTYLES = ("--", "-.", "-", ":")
_MARKERS = "o.xs^v<>dD*+phH|_"
_COLOURS = "bgrcmykw"


def _format(fmt: str):
    """(linestyle, marker, colour) of a matplotlib format string such as ``"k--"``, ``"o"`` or ``"-o"``."""
    linestyle = marker = colour = None
    rest = fmt
    while rest:
        ls = next((ls for ls in _LINESTYLES if rest.startswith(ls)), None)
        if ls is not None and linestyle is None:
            linestyle, rest = ls, rest[len(ls):]
        elif rest[0] in _MARKERS and marker is None:
            marker, rest = rest[0], rest[1:]
        elif rest[0] in _COLOURS and colour is None:
            colour, rest = rest[0], rest[1:]
        else:
            raise ValueError(f"cannot read the format string {fmt!r}: use a line style (-, --, -., :), "
                             f"a marker ({_MARKERS}) and at most one colour letter ({_COLOURS})")
    return linestyle, marker, colour


def _style(style, i: int, base: dict) -> dict:
    """Line2D keywords for series ``i``: palette colour ``i``, then ``base``, then the caller's ``style``
    (a dict of keywords, a format string such as ``"--"`` or ``"o"``, or a palette index)."""
    out = {"color": color(i), **base}
    if style is None:
        return out
    if isinstance(style, str):
        linestyle, marker, fmt_color = _format(style)
        out["linestyle"] = linestyle if linestyle is not None else ("none" if marker is not None else "-")
        if marker is not None:
            out["marker"] = marker
        if fmt_color is not None:
            out["color"] = fmt_color
        return out
    if isinstance(style, (int, np.integer)) and not isinstance(style, bool):
        out["color"] = color(int(style))
        return out
    if isinstance(style, dict):
        style = dict(style)
        if "color_index" in style:
            out["color"] = color(int(style.pop("color_index")))
        out.update(style)
        return out
    raise TypeError(f"a style must be a dict of Line2D keywords, a format string or a palette index; got {style!r}")
