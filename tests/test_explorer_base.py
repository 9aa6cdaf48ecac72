"""The explorer base: controls drive compute/update synchronously; the static export is self-contained."""
import base64
import json
import re

import numpy as np
import pytest

from stepcourse.widgets import Choice, Explorer, Slider, Toggle


def _toy(calls):
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
        controls={"a": Slider(values=[0.5, 1.0, 2.0], value=1.0, label="a"),
                  "shape": Choice(["line", "square"], label="shape"),
                  "flip": Toggle(False, label="flip")},
        compute=compute, draw=draw, update=update, figsize=(3, 2), alt="toy", title="Toy")


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


def test_static_export_is_self_contained_and_complete():
    ex = _toy([])
    out = ex.to_html()
    assert "http://" not in out and "https://" not in out
    payload = json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>', out).group(1))
    assert payload["sizes"] == [3, 2, 2]
    assert len(payload["index"]) == 12
    # different settings give different pictures, and every frame is a PNG
    assert len(set(payload["index"])) > 6
    for frame in payload["frames"]:
        assert base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'type="range"' in out and "<select" in out and 'type="checkbox"' in out
    assert 'alt="toy"' in out
    # the export leaves the explorer where it was
    assert ex.values == {"a": 1.0, "shape": "line", "flip": False}


def test_mimebundle_offers_live_widget_and_static_html():
    ex = _toy([])
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="sc-explorer"')


def test_too_many_frames_is_an_error():
    ex = _toy([])
    with pytest.raises(ValueError, match="frames"):
        ex.to_html(max_frames=5)


def test_slider_snaps_to_grid_and_validates():
    s = Slider(values=[0.01, 0.1, 1.0], value=0.09)
    assert s.value == 0.1
    with pytest.raises(ValueError):
        Slider(values=[1.0])
    with pytest.raises(ValueError):
        Choice(["a", "b"], value="c")
