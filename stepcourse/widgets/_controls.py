"""The controls of an explorer: a :class:`Slider` over a grid, a :class:`Choice`, a :class:`Toggle`.

A control knows its grid of values, how to show a value (``format``), which values the static export
precomputes (``static``), how to check a value an explorer's caller gives (``check``) and how to make its
ipywidgets counterpart (``make_widget``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._validation import describe

__all__ = ["Slider", "Choice", "Toggle", "format_value"]


def format_value(value) -> str:
    """How a control value is shown: ``on``/``off``, integers as such, floats with 3 significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3g}"
    return str(value)


def _checked_or_raw(control, value):
    # The initial value is checked again by the explorer, whose error names the argument it came from.
    try:
        return control.check("value", value)
    except (TypeError, ValueError):
        return value


@dataclass
class Slider:
    """A numeric control over a grid of ``values`` (the static export uses ``static`` or all of them).

    Integer grids with a constant step become an ``IntSlider``; other grids a ``SelectionSlider`` that
    shows ``format(value)``. A value inside the grid's range snaps to the nearest grid value (in log
    space for a positive geometric grid); a value outside it is an error (:meth:`check`).
    """

    values: Sequence[float]
    value: Any = None
    label: str = ""
    static: Optional[Sequence[float]] = None
    format: Callable[[Any], str] = format_value

    def __post_init__(self):
        vals = np.asarray(list(self.values))
        if vals.ndim != 1 or len(vals) < 2 or not np.issubdtype(vals.dtype, np.number):
            raise ValueError(f"Slider values must be a 1-D sequence of at least 2 numbers; got {self.values!r}")
        self.is_int = bool(np.issubdtype(vals.dtype, np.integer))
        self.values = [int(v) for v in vals] if self.is_int else [float(v) for v in vals]
        if self.value is None:
            self.value = self.values[len(self.values) // 2]
        self.value = _checked_or_raw(self, self.value)
        self.static = [self.check("static", v) for v in (self.static if self.static is not None else self.values)]

    @property
    def range(self):
        return min(self.values), max(self.values)

    def check(self, name: str, value):
        """``value`` snapped to the grid; a ValueError naming ``name`` when it is not a number in range."""
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a number; got {describe(value)}")
        lo, hi = self.range
        v = float(value)
        slack = 1e-9 * max(abs(lo), abs(hi), 1.0)
        if not math.isfinite(v) or v < lo - slack or v > hi + slack:
            raise ValueError(f"{name} must be a number from {format_value(lo)} to {format_value(hi)} "
                             f"(the range of its slider); got {value!r}")
        return self.nearest(v)

    def nearest(self, v):
        """The grid value closest to ``v`` (in log space for positive geometric grids)."""
        vals = np.asarray(self.values, dtype=float)
        if np.all(vals > 0) and v > 0:
            i = int(np.argmin(np.abs(np.log(vals) - np.log(float(v)))))
        else:
            i = int(np.argmin(np.abs(vals - float(v))))
        return self.values[i]

    def make_widget(self, description: str):
        import ipywidgets as w

        style = {"description_width": "initial"}
        layout = w.Layout(width="98%")
        if self.is_int and np.all(np.diff(self.values) == self.values[1] - self.values[0]):
            return w.IntSlider(value=self.value, min=self.values[0], max=self.values[-1],
                               step=self.values[1] - self.values[0], description=description,
                               continuous_update=True, style=style, layout=layout)
        return w.SelectionSlider(options=[(self.format(v), v) for v in self.values], value=self.value,
                                 description=description, continuous_update=True, style=style, layout=layout)


@dataclass
class Choice:
    """A categorical control: ``options`` is a list of values or a dict label -> value."""

    options: Any
    value: Any = None
    label: str = ""
    static: Optional[Sequence[Any]] = None

    def __post_init__(self):
        pairs = (list(self.options.items()) if isinstance(self.options, dict)
                 else [(format_value(v), v) for v in self.options])
        if len(pairs) < 1:
            raise ValueError("Choice needs at least one option")
        self.pairs = pairs
        self.values = [v for _, v in pairs]
        if self.value is None:
            self.value = self.values[0]
        self.value = _checked_or_raw(self, self.value)
        self.static = [self.check("static", v) for v in (self.static if self.static is not None else self.values)]

    def check(self, name: str, value):
        """``value`` itself; a ValueError naming ``name`` when it is not one of the options."""
        try:
            ok = value in self.values
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(f"{name} must be one of {self.values!r}; got {value!r}")
        return value

    def format(self, v) -> str:
        return next(lab for lab, val in self.pairs if val == v)

    def make_widget(self, description: str):
        import ipywidgets as w

        return w.Dropdown(options=self.pairs, value=self.value, description=description,
                          style={"description_width": "initial"})


@dataclass
class Toggle:
    """An on/off control."""

    value: bool = False
    label: str = ""
    static: Sequence[bool] = field(default_factory=lambda: [False, True])

    def __post_init__(self):
        self.values = [False, True]
        self.value = _checked_or_raw(self, self.value)

    def check(self, name: str, value):
        """``value`` as a bool; a TypeError naming ``name`` when it is not True or False."""
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {describe(value)}")
        return bool(value)

    def format(self, v) -> str:
        return format_value(bool(v))

    def make_widget(self, description: str):
        import ipywidgets as w

        return w.Checkbox(value=self.value, description=description, indent=False)
