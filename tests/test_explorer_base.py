"""The explorer base: controls drive compute/update synchronously; a display costs only the live widget
and a small fallback; the static export (book build only) is self-contained and accessible."""
import base64
import io
import json
import re

import numpy as np
import pytest

from stepcourse.widgets import Choice, Explorer, Slider, Toggle


def _toy(calls, a=1.0):
    def compute(a, shape, flip):
        calls.append((a, shape, flip))
        x = np.linspace(0, 1, 50)
        y = a * (x**2 if shape == "square" else x) * (-1 if flip else 1)
        return {"x": x, "y": y}

    def draw(fig, data):
        ax = fig.add_subplot()
        (line,) = ax.plot(data["x"], data["y"])
        ax.set_ylim(-3, 3)
        return {"line": line}

    def update(h, data):
        h["line"].set_data(data["x"], data["y"])

    return Explorer(
        controls={"a": Slider(values=[0.5, 1.0, 2.0], value=a, label="a"),
                  "shape": Choice(["line", "square"], label="shape"),
                  "flip": Toggle(False, label="flip")},
        compute=compute, draw=draw, update=update, figsize=(3, 2), alt="toy", title="Toy",
        result=lambda data: f"peak {np.abs(data['y']).max():.2f}")


def test_setting_a_control_updates_the_figure_synchronously():
    calls = []
    ex = _toy(calls)
    line = ex.handles["line"]
    before = line.get_ydata().copy()
    ex.controls["a"].value = 2.0
    assert calls[-1] == (2.0, "line", False)
    assert np.allclose(line.get_ydata(), 2 * before)
    ex.controls["flip"].value = True
    assert np.allclose(line.get_ydata(), -2 * before)
    ex.controls["shape"].value = "square"
    assert np.allclose(ex.data["y"], -2 * ex.data["x"] ** 2)


def test_widget_image_changes_with_controls():
    ex = _toy([])
    widget = ex.widget
    png_before = ex._image.value
    ex.controls["a"].value = 0.5
    assert ex._image.value != png_before
    assert widget.children[-1] is ex._image


def test_set_updates_once_and_rejects_unknown_controls():
    calls = []
    ex = _toy(calls)
    n = len(calls)
    ex.set(a=0.5, flip=True)
    assert len(calls) == n + 1
    with pytest.raises(ValueError, match="unknown control"):
        ex.set(b=1)


def _payload(out):
    return json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>', out).group(1))


def test_static_export_is_self_contained_and_complete():
    ex = _toy([])
    out = ex.to_html()
    assert "http://" not in out and "https://" not in out
    payload = _payload(out)
    assert payload["sizes"] == [3, 2, 2]
    assert len(payload["index"]) == 12
    # different settings give different pictures, and every frame is a PNG
    assert len(set(payload["index"])) > 6
    assert max(payload["index"]) == len(payload["frames"]) - 1
    for frame in payload["frames"]:
        assert base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'type="range"' in out and "<select" in out and 'type="checkbox"' in out
    # the export leaves the explorer where it was
    assert ex.values == {"a": 1.0, "shape": "line", "flip": False}


def test_static_export_says_the_result_of_every_frame():
    ex = _toy([])
    out = ex.to_html()
    payload = _payload(out)
    # one result per combination, computed by the explorer for that setting
    expected = []
    for combo in ex.static_grid():
        ex.set(**combo)
        expected.append(ex.result_text())
    ex.set(a=1.0, shape="line", flip=False)
    assert payload["texts"] == expected and len(set(expected)) > 1
    assert re.search(r'<p class="sc-explorer-result" aria-live="polite">peak 1.00</p>', out)
    # the alt text names what is shown now; the script adds each frame's result to it
    assert 'alt="toy Shown now: peak 1.00"' in out and payload["alt"] == "toy"
    # sliders announce their value, not their position
    assert re.search(r'<input type="range"[^>]*aria-valuetext="1"', out)
    assert payload["labels"][0] == ["0.5", "1", "2"]


def test_static_export_inlines_the_shipped_script_and_style():
    from importlib import resources

    out = _toy([]).to_html()
    js = resources.files("stepcourse.widgets").joinpath("explorer.js").read_text()
    css = resources.files("stepcourse.widgets").joinpath("explorer.css").read_text()
    assert js in out and css in out
    assert "aria-valuetext" in js and "sc-explorer-result" in js


def test_pyproject_package_data_matches_real_files():
    import pathlib

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    root = pathlib.Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package, globs in patterns.items():
        for pattern in globs:
            assert list((root / package).glob(pattern)), f"{package}/{pattern} matches no file"


def test_live_display_has_no_static_export_and_a_small_fallback(monkeypatch):
    monkeypatch.delenv("STEPCOURSE_STATIC_EXPORT", raising=False)
    ex = _toy([])
    bundles = ex.display_bundles()
    assert len(bundles) == 2
    (fallback, _), (live, _) = bundles
    assert "application/vnd.jupyter.widget-view+json" in live and "text/html" not in live
    assert "sc-frames" not in json.dumps(fallback)
    html = fallback["text/html"]
    assert 'class="sc-fallback"' in html and "run this cell" in html
    # the picture shown when the explorer was displayed, at its display size
    from PIL import Image

    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert Image.open(io.BytesIO(png)).size == ex.display_size
    assert len(json.dumps(bundles)) < 300_000
    # hidden while the widget renders; shown, with the error line hidden, when the model is missing
    assert ".sc-fallback { display: none; }" in html
    assert ".jp-OutputArea-output.jupyter-widgets)" in html
    # :has() may not nest inside :has(): a browser drops such a rule
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    for start in [m.end() for m in re.finditer(r":has\(", css)]:
        depth, i = 1, start
        while depth:
            depth += {"(": 1, ")": -1}.get(css[i], 0)
            i += 1
        assert ":has(" not in css[start:i - 1], css[start:i - 1]


def test_book_build_display_carries_the_static_export(monkeypatch):
    monkeypatch.setenv("STEPCOURSE_STATIC_EXPORT", "1")
    ex = _toy([])
    bundles = ex.display_bundles()
    assert len(bundles) == 1
    data, _ = bundles[0]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/html"].startswith('<div class="sc-explorer"')
    monkeypatch.setenv("STEPCOURSE_STATIC_EXPORT", "0")
    assert len(ex.display_bundles()) == 2


def test_ipython_display_publishes_the_bundles(monkeypatch):
    monkeypatch.delenv("STEPCOURSE_STATIC_EXPORT", raising=False)
    published = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda data, raw, metadata: published.append(data))
    ex = _toy([])
    ex._ipython_display_()
    assert [("text/html" in d, "application/vnd.jupyter.widget-view+json" in d) for d in published] == [
        (True, False), (False, True)]


def test_live_picture_is_twice_the_display_size():
    from PIL import Image

    ex = _toy([])
    ex.widget
    img = Image.open(io.BytesIO(ex._image.value))
    assert img.size == (2 * ex.display_size[0], 2 * ex.display_size[1])
    assert (ex._image.width, ex._image.height) == tuple(str(v) for v in ex.display_size)
    assert ex.display_size == (300, 200)


def test_live_view_shows_the_result_line():
    ex = _toy([])
    ex.widget
    assert "peak 1.00" in ex._result_widget.value
    ex.controls["a"].value = 2.0
    assert "peak 2.00" in ex._result_widget.value and 'aria-live="polite"' in ex._result_widget.value


def test_out_of_range_initial_values_are_errors_naming_the_control():
    with pytest.raises(ValueError, match=r"^a must be a number from 0.5 to 2"):
        _toy([], a=-0.3)
    with pytest.raises(TypeError, match="^a must be a number"):
        _toy([], a="big")
    ex = _toy([])
    with pytest.raises(ValueError, match="^a must be"):
        ex.set(a=5.0)


def test_too_many_frames_is_an_error():
    ex = _toy([])
    with pytest.raises(ValueError, match="frames"):
        ex.to_html(max_frames=5)


def test_slider_snaps_to_grid_and_validates():
    s = Slider(values=[0.01, 0.1, 1.0], value=0.09)
    assert s.value == 0.1
    with pytest.raises(ValueError):
        Slider(values=[1.0])
    # a value off the options is kept until the explorer checks it under its argument's name
    with pytest.raises(ValueError, match="^shape must be one of"):
        Choice(["a", "b"], value="c").check("shape", "c")
    with pytest.raises(TypeError, match="^flip must be True or False"):
        Toggle().check("flip", 1)


@pytest.mark.parametrize("name", sorted(__import__("stepcourse.widgets", fromlist=["_EXPLORERS"])._EXPLORERS))
def test_every_explorer_is_drawn_for_the_column(name):
    import stepcourse as sc

    ex = getattr(sc.widgets, name)()
    ex.render()
    # as wide as the book's column, no text under 9 CSS px there, and a result line to read
    assert ex.display_size[0] == round(100 * sc.plots.COLUMN_WIDTH)
    assert sc.plots.text_px(ex.figure) >= 9
    assert ex.result_text()
