"""The gradient-flow lab: every control moves the picture, the picture shows the measured statistics,
and the static export stays small."""
import json
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.mlp import flow, gradient_variance_factor
from stepcourse.plots import FLOW_PANELS as PANELS


@pytest.fixture(scope="module")
def ex():
    return sc.widgets.gradient_flow_explorer()


def _ydata(ex):
    return [np.array(line.get_ydata(), dtype=float) for line in ex.handles["lines"]]


@pytest.mark.parametrize("name,value", [("depth", 25), ("activation", "relu"), ("init", "he"),
                                        ("batchnorm", True), ("residual", True), ("depth", 3)])
def test_every_control_changes_the_figure(ex, name, value):
    before_png, before_y, before_said = ex.png(), _ydata(ex), ex.result_text()
    ex.controls[name].value = value
    after_y = _ydata(ex)
    assert ex.png() != before_png
    assert ex.result_text() != before_said and ex.handles["title"].get_text() == ex.result_text()
    assert any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(after_y, before_y))


def test_the_lines_are_the_measured_statistics(ex):
    ex.set(depth=12, activation="tanh", init="xavier", batchnorm=False, residual=False)
    stats = flow(12, "tanh", "xavier")
    for line, (attr, *_rest) in zip(ex.handles["lines"], PANELS):
        assert np.allclose(line.get_xdata(), np.arange(1, 14))
        assert np.allclose(line.get_ydata(), getattr(stats, attr))
    assert f"÷{gradient_variance_factor(stats):.3g}" in ex.handles["title"].get_text()


def test_the_title_reports_vanishing_and_exploding(ex):
    ex.set(depth=10, activation="sigmoid", init="standard", batchnorm=False, residual=False)
    assert "÷" in ex.handles["title"].get_text()                       # sigmoid: shrinks on the way down
    ex.set(depth=25, activation="relu", init="he", batchnorm=False, residual=True)
    assert "×" in ex.handles["title"].get_text()                       # un-normalized residual ReLU: grows
    for ax, line in zip(ex.handles["axes"], ex.handles["lines"]):      # the axes widen to keep it in view
        lo, hi = ax.get_ylim()
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all((y >= lo) & (y <= hi))
    assert ex.handles["axes"][2].get_ylim()[1] > PANELS[2][3][1]


def test_static_export_is_small(ex):
    grid = ex.static_grid()
    assert 30 <= len(grid) < 80
    html = ex.to_html()
    payload = json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>', html).group(1))
    assert len(payload["index"]) == len(grid) and 10 < len(payload["frames"]) <= len(grid)
    assert '<input type="range"' in html and html.count('type="checkbox"') == 2
    assert len(html) < 3_000_000


def test_rejects_out_of_range_arguments():
    with pytest.raises(ValueError, match="^depth must be a number from 2 to 30"):
        sc.widgets.gradient_flow_explorer(depth=40)
    with pytest.raises(ValueError, match="^activation must be one of"):
        sc.widgets.gradient_flow_explorer(activation="swish")
    with pytest.raises(TypeError, match="^batchnorm must be True or False"):
        sc.widgets.gradient_flow_explorer(batchnorm="yes")
    with pytest.raises(ValueError, match="^width must be"):
        sc.widgets.gradient_flow_explorer(width=0)
