"""The explorer pattern: ``compute(**controls) -> data``, ``draw(fig, data) -> handles``,
``update(handles, data)`` and ``result(data) -> str``, wired to ipywidgets in a few lines.

An :class:`Explorer` owns a matplotlib :class:`~matplotlib.figure.Figure` (not registered with pyplot)
and shows it as a PNG in an ``ipywidgets.Image``, so it works with the default inline backend, in
JupyterLab, Notebook 7, Colab and Binder alike. Setting a control's ``.value`` recomputes and moves the
artists in place, synchronously. The picture is rendered at twice its display size (sharp on
high-density screens) and shown at the book's column width.

What a display puts in the notebook depends on who runs it:

- in a notebook (JupyterLab, Notebook 7, Colab, nbval): the live widget, and before it a small
  *fallback* output with the picture as first shown and the line "run the cell to make it live". The
  fallback stays hidden while the widget is live; after the notebook is saved and reopened, when the
  widget's model is gone, it shows in place of JupyterLab's "model not found" error (plain CSS rules on
  JupyterLab's output classes, no JavaScript);
- in the book build (the environment variable :data:`STATIC_EXPORT_ENV` is ``1``, set by the book's
  Sphinx extension): the live widget plus the static export (:mod:`stepcourse.widgets._static`), which
  the static site shows.
"""
from __future__ import annotations

import base64
import functools
import html
import io
import itertools
import math
import os
from typing import Callable, Optional

import numpy as np

from .. import plots
from ._controls import Choice, Slider, Toggle, format_value
from ._frames import FrameEncoder

__all__ = ["Slider", "Choice", "Toggle", "Explorer", "fit_layout", "STATIC_EXPORT_ENV", "static_export_enabled"]

#: Set to ``1`` to make every explorer display also carry its static export (the book build does).
STATIC_EXPORT_ENV = "STEPCOURSE_STATIC_EXPORT"

#: Device pixels per CSS pixel of the live picture.
LIVE_SCALE = 2

#: JupyterLab / Notebook 7 rules of the fallback output: hidden while the next output, the widget,
#: renders; shown, and the widget's error line hidden, when the widget manager reports the model missing
#: (its renderer then marks the output node itself ``jupyter-widgets``; a live view is a child of it).
#: Plain selectors: ``:has()`` may not nest, so the rules test classes only.
FALLBACK_CSS = """
.sc-fallback { display: none; }
.jp-OutputArea-child:has(+ .jp-OutputArea-child > .jp-OutputArea-output.jupyter-widgets) .sc-fallback {
  display: block;
}
.jp-OutputArea-child:has(.sc-fallback) + .jp-OutputArea-child:has(> .jp-OutputArea-output.jupyter-widgets) {
  display: none;
}
"""


class _GlyphRecorder:
    """Stands in for an Agg renderer's C++ core while one text is drawn: records the glyph images."""

    def __init__(self, core):
        self.core, self.images, self.other = core, [], False

    def draw_text_image(self, image, x, y, angle, gc):
        if isinstance(image, np.ndarray):
            self.images.append((image.copy(), x, y, angle))
        else:  # matplotlib < 3.11 passes the font object, whose bitmap changes: not cached
            self.other = True
        self.core.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name):  # any other drawing (a mathtext rule, say): not cached
        self.other = True
        return getattr(self.core, name)


def _text_key(renderer, gc, x, y, s, prop, angle, ismath, mtext):
    features = tuple(mtext.get_fontfeatures() or ()) if hasattr(mtext, "get_fontfeatures") else None
    language = mtext.get_language() if hasattr(mtext, "get_language") else None
    return (s, ismath, x, y, angle, renderer.dpi, bool(gc.get_antialiased()), features, str(language),
            *_prop_key(prop))


def _prop_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


def _font_height_metrics(prop, dpi):
    """What matplotlib 3.11's ``Text._get_layout`` reads from the font's tables (ascent, descent and
    line gap in pixels), or Nones (it then measures the text itself)."""
    try:
        from matplotlib.font_manager import fontManager, get_font

        font = get_font(fontManager._find_fonts_by_props(prop))
    except (AttributeError, ImportError, TypeError, ValueError):
        return None, None, None
    for table_name, gap_key, ascent_key, descent_key in [
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent")]:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _glyph_loop_supported(renderer_class) -> bool:
    """Whether ``renderer_class`` draws text through matplotlib 3.11's per-glyph loop, which
    :func:`_text_caching_renderer` replaces by one that keeps the glyph bitmaps."""
    import inspect

    method = getattr(renderer_class, "_draw_text_glyphs_and_boxes", None)
    try:
        from matplotlib.ft2font import FT2Font, RenderMode  # noqa: F401

        params = list(inspect.signature(method).parameters) if method is not None else []
    except (ImportError, TypeError, ValueError):
        return False
    return (params == ["self", "gc", "x", "y", "angle", "glyphs", "boxes"]
            and hasattr(FT2Font, "_render_glyph") and hasattr(FT2Font, "_set_transform"))


def _text_caching_renderer():
    """An Agg renderer that keeps the glyph images of each text it draws and replays them.

    A redraw of the animated artists draws the same titles, tick labels and legend entries at the same
    place again; rasterising their glyphs (one FreeType call per glyph in matplotlib 3.11) was most of
    a frame's cost. The glyph images, their positions and the colour from the graphics context are
    exactly those of a fresh draw, so the pixels are the same. The font metrics that laying out a
    text reads are kept too.
    """
    from matplotlib.backends.backend_agg import RendererAgg

    glyph_loop = _glyph_loop_supported(RendererAgg)

    class TextCachingRendererAgg(RendererAgg):
        _max_texts = 4000
        _max_glyphs = 20000

        if glyph_loop:
            def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
                # matplotlib 3.11's glyph loop, with each glyph's bitmap kept by glyph, size, transform
                # and position within the pixel: a text that changes (a title with the current
                # value) reuses the bitmaps of the characters it had before, shifted by whole pixels.
                from matplotlib.backends.backend_agg import get_hinting_flag
                from matplotlib.ft2font import RenderMode

                cache = self.__dict__.setdefault("_glyph_cache", {})
                if len(cache) > self._max_glyphs:
                    cache.clear()
                cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
                load_flags = get_hinting_flag()
                antialiased = bool(gc.get_antialiased())
                draw = self._renderer.draw_text_image
                for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
                    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])
                              @ [[extend, extend * slant], [0, 1]]).round().astype(int)
                    px = round(0x40 * (x + dx * cos - dy * sin))
                    py = round(0x40 * (self.height - y + dx * sin + dy * cos))  # FreeType's y is upwards
                    key = (font, size, self.dpi, glyph_index, load_flags, antialiased,
                           tuple(matrix.ravel().tolist()), px & 63, py & 63)
                    hit = cache.get(key)
                    if hit is None:
                        font.set_size(size, self.dpi)
                        font._set_transform(matrix, [px, py])
                        bitmap = font._render_glyph(
                            glyph_index, load_flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
                        buffer = np.array(bitmap.buffer, copy=True)
                        if not antialiased:
                            buffer *= 0xff
                        hit = cache[key] = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
                    buffer, left, top = hit
                    # draw_text_image's y is downwards & the bitmap bottom side.
                    draw(buffer, left + (px >> 6), int(self.height) - (top + (py >> 6)) + buffer.shape[0],
                         0, gc)
                if boxes:
                    super()._draw_text_glyphs_and_boxes(gc, x, y, angle, (), boxes)

        def _get_font_height_metrics(self, prop):
            # Asked by matplotlib >= 3.11 for every line of every text it lays out; the font lookup and
            # table reads behind it were a tenth of a redraw. Kept per font and size.
            cache = self.__dict__.setdefault("_metrics_cache", {})
            key = (_prop_key(prop), self.dpi)
            if key not in cache:
                cache[key] = _font_height_metrics(prop, self.dpi)
            return cache[key]

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath == "TeX":
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            cache = self.__dict__.setdefault("_text_cache", {})
            try:
                key = _text_key(self, gc, x, y, s, prop, angle, ismath, mtext)
                images = cache.get(key)
            except (TypeError, AttributeError):  # an unhashable property: draw as usual
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            if images is not None:
                draw = self._renderer.draw_text_image
                for image, ix, iy, iangle in images:
                    draw(image, ix, iy, iangle, gc)
                return None
            core = self._renderer
            recorder = self._renderer = _GlyphRecorder(core)
            try:
                super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            finally:
                self._renderer = core
            if not recorder.other:
                if len(cache) >= self._max_texts:
                    cache.clear()
                cache[key] = recorder.images
            return None

    return TextCachingRendererAgg


@functools.lru_cache(maxsize=None)
def _canvas_class():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer_class = _text_caching_renderer()

    class ExplorerCanvas(FigureCanvasAgg):
        """A plain Agg canvas whose renderer caches the glyphs of the texts it draws."""

        def get_renderer(self, *args, **kwargs):
            renderer = super().get_renderer(*args, **kwargs)
            if type(renderer) is not renderer_class and type(renderer).__name__ == "RendererAgg":
                renderer.__class__ = renderer_class
            return renderer

    return ExplorerCanvas


class _DrawRecorder:
    """Stands in for the canvas's renderer while an artist draws: passes every call on and keeps the
    drawing calls, with copies of their graphics contexts, paths and transforms, so that
    :func:`_replay` draws the same primitives again without the artist's own Python (a legend's layout,
    say). Anything it does not know (a filter, rasterisation) makes the record unusable."""

    _DRAWS = {"draw_path", "draw_markers", "draw_path_collection", "draw_quad_mesh", "draw_image",
              "draw_gouraud_triangles", "draw_text", "draw_tex", "open_group", "close_group"}
    _UNSAFE = {"start_filter", "stop_filter", "start_rasterizing", "stop_rasterizing"}

    def __init__(self, renderer):
        self.__dict__.update(_real=renderer, calls=[], ok=True)

    def _copy(self, value):
        import copy

        from matplotlib.backend_bases import GraphicsContextBase
        from matplotlib.font_manager import FontProperties
        from matplotlib.transforms import Transform

        if isinstance(value, GraphicsContextBase):
            gc = self._real.new_gc()
            gc.copy_properties(value)
            return gc
        if isinstance(value, Transform):
            return value.frozen()
        if isinstance(value, FontProperties):
            return value.copy()
        if isinstance(value, np.ndarray):
            return value.copy()
        if type(value).__name__ == "Path":
            return copy.deepcopy(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._copy(v) for v in value)
        return value

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if name in self._UNSAFE:
            self.__dict__["ok"] = False
        if name not in self._DRAWS:
            return attr

        def call(*args, **kwargs):
            self.calls.append((name, tuple(self._copy(a) for a in args),
                               {k: self._copy(v) for k, v in kwargs.items()}))
            return attr(*args, **kwargs)

        return call

    def __setattr__(self, name, value):
        setattr(self._real, name, value)


def _replay(renderer, calls) -> None:
    for name, args, kwargs in calls:
        getattr(renderer, name)(*args, **kwargs)


def static_export_enabled() -> bool:
    """Whether displays carry the static export: the environment variable ``STEPCOURSE_STATIC_EXPORT=1``."""
    return os.environ.get(STATIC_EXPORT_ENV, "").strip() not in ("", "0")


class Explorer:
    """An interactive figure: controls -> ``compute`` -> ``draw``/``update`` -> PNG, plus a result line.

    Parameters
    ----------
    controls : dict
        Name -> :class:`Slider`, :class:`Choice` or :class:`Toggle`. The names are the keyword arguments
        of ``compute`` (and of the explorer's factory: a bad initial value is an error naming it).
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
        A ``"static"`` list names members of ``"animated"`` that never change but must be drawn over
        the moving ones (a legend over moving curves): their drawing calls are recorded once and
        replayed on the next frames, the same pixels without the artist's layout work.
    result : callable, optional
        ``result(data) -> str``: the current result in words (e.g. "diverges at step 142"), shown as
        text under the controls, read by screen readers (``aria-live``) and added to the alt text.
    figsize : (float, float)
        Figure size in inches; the width defaults to the book's column (:data:`stepcourse.plots.COLUMN_WIDTH`).
        The figure is shown at 100 CSS px per inch.
    alt : str
        What the figure shows, for readers who cannot see it.
    title : str
        A heading shown above the controls.
    static_scale : float
        Device pixels per CSS pixel of the static export's frames (1.3 by default; 1 keeps the pages of
        explorers with filled contours small).

    Attributes
    ----------
    controls : dict
        Name -> ipywidgets control. Setting ``.value`` redraws synchronously.
    figure : matplotlib.figure.Figure
    data : object
        What ``compute`` returned for the current values.
    """

    def __init__(self, controls: dict, compute: Callable, draw: Callable, update: Optional[Callable] = None, *,
                 result: Optional[Callable] = None, figsize=None, alt: str = "", title: str = "",
                 static_scale: float = 1.3):
        from matplotlib.figure import Figure

        if not controls:
            raise ValueError("an explorer needs at least one control")
        for name, spec in controls.items():
            spec.value = spec.check(name, spec.value)
        self.specs = dict(controls)
        self._compute, self._draw, self._update, self._result = compute, draw, update, result
        self.alt, self.title, self.static_scale = alt, title, float(static_scale)
        figsize = tuple(figsize) if figsize is not None else (plots.COLUMN_WIDTH, 3.6)
        self.display_size = (round(100 * figsize[0]), round(100 * figsize[1]))
        self.figure = Figure(figsize=figsize, dpi=100 * LIVE_SCALE, layout="constrained")
        _canvas_class()(self.figure)
        self.controls = {name: spec.make_widget(spec.label or name) for name, spec in self.specs.items()}
        self.data = self._compute(**self.values)
        self.handles = self._draw(self.figure, self.data)
        self._background = None
        self._replays = {}
        self._frames = FrameEncoder()
        self._image = None
        self._result_widget = None
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
                self.controls[name].value = self.specs[name].check(name, v)
        finally:
            self._hold = False
        self.refresh()
        return self

    def result_text(self) -> str:
        """The current result in words (empty when the explorer has no ``result``)."""
        return str(self._result(self.data)) if self._result is not None else ""

    def refresh(self) -> None:
        """Recompute from the current values and update the figure (and the live view, if shown)."""
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
            self._result_widget.value = self._result_html()

    def _on_change(self, change) -> None:
        if not getattr(self, "_hold", False):
            self.refresh()

    # -- rendering -----------------------------------------------------------------------------
    def _animated(self, key: str = "animated") -> list:
        if isinstance(self.handles, dict):
            return [a for a in self.handles.get(key, ()) if a is not None]
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
            self._replays = {}
        else:
            canvas.restore_region(self._background)
        static = {id(a) for a in self._animated("static")}
        renderer = canvas.get_renderer()
        if self._replays.get("renderer") is not renderer:  # recorded for another size or dpi
            self._replays = {"renderer": renderer}
        for artist in animated:
            artist.set_animated(True)
            if id(artist) not in static:
                self.figure.draw_artist(artist)
            elif id(artist) in self._replays:
                _replay(renderer, self._replays[id(artist)])
            else:  # drawn through a recorder once, replayed on the next frames
                recorder = _DrawRecorder(renderer)
                artist.draw(recorder)
                if recorder.ok:
                    self._replays[id(artist)] = recorder.calls
        return np.asarray(canvas.buffer_rgba())

    def _pil(self):
        from PIL import Image

        rgba = self.render()
        height, width = rgba.shape[:2]
        return Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)

    def png(self) -> bytes:
        """The figure as PNG bytes at twice the display size, in a 255-colour palette kept between frames
        (see :class:`~stepcourse.widgets._frames.FrameEncoder`). This is what the live view sends on
        every change."""
        return self._frames.png(self.render())

    def frame_png(self, width: int, colors: int = 96) -> bytes:
        """The figure as a small PNG ``width`` device pixels wide, in a palette of ``colors`` colours."""
        from PIL import Image

        img = self._pil().convert("RGB")
        if img.width != width:
            img = img.resize((int(width), round(img.height * width / img.width)), Image.Resampling.BILINEAR,
                             reducing_gap=2.0)
        img = img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        img.save(out, format="PNG", compress_level=6)
        return out.getvalue()

    def _result_html(self) -> str:
        return f'<p class="sc-explorer-result" aria-live="polite">{html.escape(self.result_text())}</p>'

    @property
    def widget(self):
        """The live ipywidgets view: the controls, the result line and the figure image."""
        if self._widget is None:
            import ipywidgets as w

            width, height = self.display_size
            self._image = w.Image(value=self.png(), format="png", width=width, height=height,
                                  layout=w.Layout(max_width="100%", height="auto", object_fit="contain"))
            self._result_widget = w.HTML(self._result_html())
            children = [w.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
            children += [w.VBox(list(self.controls.values()), layout=w.Layout(width="100%")),
                         self._result_widget, self._image]
            self._widget = w.VBox(children)
            self._widget.add_class("sc-live")
        return self._widget

    # -- what a display puts in the notebook ---------------------------------------------------
    def fallback_bundle(self) -> dict:
        """The output shown where the explorer was after a reopen: its picture and how to make it live."""
        width, height = self.display_size
        png = self.frame_png(width, colors=64)   # at the display size: a few tens of kB
        b64 = base64.b64encode(png).decode("ascii")
        alt = html.escape(self.alt + (f" Shown: {self.result_text()}" if self._result else ""))
        title = f"<b>{html.escape(self.title)}</b><br>" if self.title else ""
        markup = (f'<div class="sc-fallback"><style>{FALLBACK_CSS}</style>'
                  f'<p>{title}<i>Not live: run this cell to move the controls.</i></p>'
                  f'{self._result_html()}'
                  f'<img src="data:image/png;base64,{b64}" width="{width}" height="{height}" '
                  f'style="max-width:100%;height:auto" alt="{alt}"></div>')
        return {"text/html": markup,
                "text/plain": f"{self!r} (not live: run this cell to move the controls)"}

    def display_bundles(self) -> list:
        """The outputs of a display, in order: ``[(data, metadata), ...]``.

        In a notebook: the fallback, then the live widget. In the book build
        (:func:`static_export_enabled`): the live widget with the static export as its ``text/html``.
        """
        # The view bundle, written out rather than asked of the widget: ipywidgets 7.7 (Colab) widgets
        # have no _repr_mimebundle_; both versions render this one.
        live = {"text/plain": repr(self),
                "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                             "model_id": self.widget.model_id}}
        if static_export_enabled():
            live["text/html"] = self.to_html()
            return [(live, {})]
        return [(self.fallback_bundle(), {}), (live, {})]

    def _ipython_display_(self):
        from IPython.display import display

        for data, metadata in self.display_bundles():
            display(data, raw=True, metadata=metadata)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.display_bundles()[-1][0]

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={format_value(v)}" for k, v in self.values.items())
        return f"<{self.title or 'Explorer'}: {vals}>"

    # -- static export -------------------------------------------------------------------------
    def static_grid(self) -> list:
        """The combinations of control values that the static export precomputes, in row-major order."""
        return [dict(zip(self.specs, combo)) for combo in itertools.product(*(s.static for s in self.specs.values()))]

    def to_html(self, max_frames: int = 150) -> str:
        """The static export (:func:`stepcourse.widgets._static.static_html`), made once and kept."""
        if self._static_html is None:
            from ._static import static_html

            self._static_html = static_html(self, max_frames=max_frames)
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
