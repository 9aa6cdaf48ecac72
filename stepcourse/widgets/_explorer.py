"""The explorer pattern: ``compute(**controls) -> data``, ``draw(fig, data) -> handles``,
``update(handles, data)``, wired to ipywidgets in a few lines, plus a static export for the website.

An :class:`Explorer` owns a matplotlib :class:`~matplotlib.figure.Figure` (not registered with pyplot)
and shows it as a PNG in an ``ipywidgets.Image``, so it works with the default inline backend, in
JupyterLab, Colab and Binder alike. Setting a control's ``.value`` recomputes and moves the artists in
place, synchronously.

Displayed in a notebook, an explorer offers two views: the live widget (chosen by Jupyter front ends)
and a self-contained HTML page fragment of precomputed frames behind plain range inputs (chosen by the
book's static site, which has no kernel). The fragment needs no network: the frames are inline PNGs and
the script is a few lines of plain JavaScript.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

__all__ = ["Slider", "Choice", "Toggle", "Explorer", "fit_layout"]


def _fmt(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3g}"
    return str(value)


@dataclass
class Slider:
    """A numeric control over a grid of ``values`` (the static export uses ``static`` or all of them).

    Integer grids become an ``IntSlider``; other grids a ``SelectionSlider`` that shows ``format(value)``.
    """

    values: Sequence[float]
    value: Any = None
    label: str = ""
    static: Optional[Sequence[float]] = None
    format: Callable[[Any], str] = _fmt

    def __post_init__(self):
        vals = np.asarray(list(self.values))
        if vals.ndim != 1 or len(vals) < 2:
            raise ValueError(f"Slider values must be a 1-D sequence of at least 2 numbers; got {self.values!r}")
        self.is_int = bool(np.issubdtype(vals.dtype, np.integer))
        self.values = [int(v) for v in vals] if self.is_int else [float(v) for v in vals]
        if self.value is None:
            self.value = self.values[len(self.values) // 2]
        self.value = self.nearest(self.value)
        self.static = [self.nearest(v) for v in (self.static if self.static is not None else self.values)]

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
        pairs = list(self.options.items()) if isinstance(self.options, dict) else [(_fmt(v), v) for v in self.options]
        if len(pairs) < 1:
            raise ValueError("Choice needs at least one option")
        self.pairs = pairs
        self.values = [v for _, v in pairs]
        if self.value is None:
            self.value = self.values[0]
        if self.value not in self.values:
            raise ValueError(f"Choice value {self.value!r} is not one of {self.values!r}")
        self.static = list(self.static) if self.static is not None else list(self.values)

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
        self.value = bool(self.value)

    def format(self, v) -> str:
        return _fmt(bool(v))

    def make_widget(self, description: str):
        import ipywidgets as w

        return w.Checkbox(value=self.value, description=description, indent=False)


class Explorer:
    """An interactive figure: controls -> ``compute`` -> ``draw``/``update`` -> PNG.

    Parameters
    ----------
    controls : dict
        Name -> :class:`Slider`, :class:`Choice` or :class:`Toggle`. The names are the keyword arguments
        of ``compute``.
    compute : callable
        ``compute(**values) -> data``: pure, no drawing.
    draw : callable
        ``draw(fig, data) -> handles``: builds the axes and artists once.
    update : callable, optional
        ``update(handles, data)``: moves the artists in place (fast). Without it the figure is cleared
        and drawn again.

        If ``draw`` returns a dict with an ``"animated"`` list of the artists that ``update`` changes,
        the explorer draws everything else once, caches that background and redraws only those
        artists (blitting): an update then costs a few milliseconds. ``update`` may replace members of
        that list, or set ``handles["redraw"] = True`` when it changed anything else (axis limits, say).
    figsize : (float, float)
        Figure size in inches.
    alt : str
        What the figure shows, for readers who cannot see it (the static export's ``alt`` text).
    title : str
        A heading shown above the controls.
    dpi : int
        Resolution of the PNG shown live and in the static export.

    Attributes
    ----------
    controls : dict
        Name -> ipywidgets control. Setting ``.value`` redraws synchronously.
    figure : matplotlib.figure.Figure
    data : object
        What ``compute`` returned for the current values.
    """

    def __init__(self, controls: dict, compute: Callable, draw: Callable, update: Optional[Callable] = None, *,
                 figsize=(8.0, 3.4), alt: str = "", title: str = "", dpi: int = 80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if not controls:
            raise ValueError("an explorer needs at least one control")
        self.specs = dict(controls)
        self._compute, self._draw, self._update = compute, draw, update
        self.alt, self.title, self.dpi = alt, title, dpi
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.controls = {name: spec.make_widget(spec.label or name) for name, spec in self.specs.items()}
        self.data = self._compute(**self.values)
        self.handles = self._draw(self.figure, self.data)
        self._background = None
        self._image = None
        self._widget = None
        self._static_html = None
        for ctrl in self.controls.values():
            ctrl.observe(self._on_change, names="value")

    # -- state ---------------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        """The current control values, by name."""
        if not hasattr(self, "controls"):
            return {name: spec.value for name, spec in self.specs.items()}
        return {name: ctrl.value for name, ctrl in self.controls.items()}

    def set(self, **values) -> "Explorer":
        """Set several controls at once, with a single redraw."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.controls)}")
        self._hold = True
        try:
            for name, v in values.items():
                self.controls[name].value = v
        finally:
            self._hold = False
        self.refresh()
        return self

    def refresh(self) -> None:
        """Recompute from the current values and update the figure (and the live image, if shown)."""
        self.data = self._compute(**self.values)
        if self._update is not None:
            self._update(self.handles, self.data)
            if isinstance(self.handles, dict) and self.handles.pop("redraw", False):
                self._background = None
        else:
            self.figure.clear()
            self.handles = self._draw(self.figure, self.data)
            self._background = None
        if self._image is not None:
            self._image.value = self.png()

    def _on_change(self, change) -> None:
        if not getattr(self, "_hold", False):
            self.refresh()

    # -- rendering -----------------------------------------------------------------------------
    def _animated(self) -> list:
        if isinstance(self.handles, dict):
            return [a for a in self.handles.get("animated", ()) if a is not None]
        return []

    def render(self) -> np.ndarray:
        """Draw the figure and return its RGBA pixels, redrawing only the animated artists when possible."""
        canvas = self.figure.canvas
        animated = self._animated()
        if self._background is None or not animated:
            for artist in animated:
                artist.set_animated(True)  # left out of the full draw: they go on top below
            canvas.draw()
            # The layout is settled now; freezing it keeps later redraws cheap and the frames aligned.
            if self._update is not None:
                self.figure.set_layout_engine("none")
            self._background = canvas.copy_from_bbox(self.figure.bbox) if animated else None
        else:
            canvas.restore_region(self._background)
        for artist in animated:
            artist.set_animated(True)
            self.figure.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())

    def png(self, colors: Optional[int] = None) -> bytes:
        """The figure as PNG bytes; ``colors`` quantizes to a palette (much smaller files)."""
        from PIL import Image

        img = Image.fromarray(self.render()[..., :3].copy())
        out = io.BytesIO()
        if colors is None:
            img.save(out, format="PNG", compress_level=1)  # live view: speed over size
        else:
            img = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            img.save(out, format="PNG", optimize=True)
        return out.getvalue()

    @property
    def widget(self):
        """The live ipywidgets view: the controls above the figure image."""
        if self._widget is None:
            import ipywidgets as w

            self._image = w.Image(value=self.png(), format="png",
                                  layout=w.Layout(max_width="100%", height="auto"))
            children = [w.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
            children += [w.VBox(list(self.controls.values()), layout=w.Layout(width="100%")), self._image]
            self._widget = w.VBox(children)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={_fmt(v)}" for k, v in self.values.items())
        return f"<{self.title or 'Explorer'}: {vals}>"

    # -- static export -------------------------------------------------------------------------
    def static_grid(self) -> list:
        """The combinations of control values that the static export precomputes, in row-major order."""
        return [dict(zip(self.specs, combo)) for combo in itertools.product(*(s.static for s in self.specs.values()))]

    def to_html(self, max_frames: int = 150, colors: int = 96) -> str:
        """A self-contained HTML fragment: one precomputed frame per combination of static control values.

        Plain ``<input type="range">``/``<select>``/checkbox controls pick the frame; identical frames are
        stored once. Nothing is loaded from the network.
        """
        if self._static_html is not None:
            return self._static_html
        grid = self.static_grid()
        if len(grid) > max_frames:
            raise ValueError(f"the static export would need {len(grid)} frames (max_frames={max_frames}); "
                             "give the controls coarser static= grids")
        saved = self.values
        frames, index, seen = [], [], {}
        try:
            for combo in grid:
                self.set(**combo)
                png = self.png(colors=colors)
                key = hashlib.sha1(png).hexdigest()
                if key not in seen:
                    seen[key] = len(frames)
                    frames.append(base64.b64encode(png).decode("ascii"))
                index.append(seen[key])
        finally:
            self.set(**saved)
        uid = "sc-" + hashlib.sha1("".join(frames).encode()).hexdigest()[:10]
        self._static_html = _render_static(uid, self, frames, index)
        return self._static_html


def fit_layout(fig, states) -> None:
    """Fix the axes of ``fig`` where every state's tick labels, axis labels and titles fit.

    Each of ``states`` (callables) sets the limits, scales and titles of one state; the figure's
    constrained layout is computed for each, and every axes keeps the innermost edges any state needed.
    The layout is then frozen: a Choice control can switch states without a new layout, and all frames
    of the static export line up.
    """
    from matplotlib.transforms import Bbox

    engine = fig.get_layout_engine()
    edges = []
    for state in states:
        state()
        engine.execute(fig)
        edges.append([ax.get_position().extents for ax in fig.axes])  # (x0, y0, x1, y1) per axes
    edges = np.array(edges)
    inner = np.concatenate([edges[:, :, :2].max(axis=0), edges[:, :, 2:].min(axis=0)], axis=1)
    fig.set_layout_engine("none")
    for ax, box in zip(fig.axes, inner):
        ax.set_position(Bbox.from_extents(*box))


def _control_html(uid: str, name: str, spec, position: int, current) -> str:
    ident = f"{uid}-{name}"
    label = html.escape(spec.label or name)
    static = list(spec.static)
    try:
        start = static.index(current)
    except ValueError:
        start = 0
    if isinstance(spec, Choice):
        opts = "".join(f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(spec.format(v))}</option>'
                       for i, v in enumerate(static))
        field_html = f'<select id="{ident}" data-pos="{position}">{opts}</select>'
        return f'<label for="{ident}">{label}</label> {field_html}'
    if isinstance(spec, Toggle):
        checked = " checked" if static[start] else ""
        return (f'<label for="{ident}">{label}</label> '
                f'<input type="checkbox" id="{ident}" data-pos="{position}"{checked}>')
    labels = json.dumps([spec.format(v) for v in static])
    return (f'<label for="{ident}">{label}</label> '
            f'<input type="range" id="{ident}" data-pos="{position}" min="0" max="{len(static) - 1}" step="1" '
            f'value="{start}" data-labels=\'{html.escape(labels)}\' style="width:55%;vertical-align:middle"> '
            f'<output for="{ident}">{html.escape(spec.format(static[start]))}</output>')


_SCRIPT = """
(function () {
  var root = document.getElementById("%(uid)s");
  var data = JSON.parse(root.querySelector("script.sc-frames").textContent);
  var img = root.querySelector("img.sc-frame");
  var inputs = root.querySelectorAll("[data-pos]");
  function position(el) {
    if (el.type === "checkbox") return el.checked ? 1 : 0;
    return parseInt(el.value, 10);
  }
  function show() {
    var k = 0;
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      var p = parseInt(el.getAttribute("data-pos"), 10);
      k = k * data.sizes[p] + position(el);
      if (el.type === "range") {
        var out = el.parentNode.querySelector('output[for="' + el.id + '"]');
        if (out) out.textContent = JSON.parse(el.getAttribute("data-labels"))[position(el)];
      }
    }
    img.src = "data:image/png;base64," + data.frames[data.index[k]];
    root.setAttribute("data-frame", String(k));
  }
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", show);
    inputs[i].addEventListener("change", show);
  }
  show();
})();
"""


def _render_static(uid: str, explorer: Explorer, frames: list, index: list) -> str:
    specs = explorer.specs
    current = explorer.values
    sizes = [len(s.static) for s in specs.values()]
    controls = "".join(f'<div class="sc-control">{_control_html(uid, n, s, i, current[n])}</div>'
                       for i, (n, s) in enumerate(specs.items()))
    combos = explorer.static_grid()
    start = next((k for k, c in enumerate(combos) if c == current), 0)
    payload = json.dumps({"sizes": sizes, "index": index, "frames": frames}, separators=(",", ":"))
    title = f'<div class="sc-title"><b>{html.escape(explorer.title)}</b></div>' if explorer.title else ""
    note = (f'<div class="sc-note" style="font-size:0.8em;color:#555">Static version: {len(combos)} '
            "precomputed settings. Run this page as a notebook (launch button above) for the live explorer "
            "with finer controls.</div>")
    return (
        f'<div class="sc-explorer" id="{uid}" data-frame="{start}" '
        'style="border:1px solid #ddd;border-radius:6px;padding:0.6em;margin:0.5em 0">'
        f"{title}{controls}"
        f'<img class="sc-frame" alt="{html.escape(explorer.alt)}" role="img" style="max-width:100%;height:auto" '
        f'src="data:image/png;base64,{frames[index[start]]}">'
        f"{note}"
        f'<script type="application/json" class="sc-frames">{payload}</script>'
        f"<script>{_SCRIPT % {'uid': uid}}</script>"
        "</div>"
    )
