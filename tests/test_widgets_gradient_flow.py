"""The gradient-flow lab: every control moves the picture, the picture shows the measured statistics,
and the static export stays small."""
import json
import re
import time

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.mlp import MLP
from stepcourse.widgets.gradient_flow import (PANELS, digits_batch, flow, gradient_variance_factor,
                                              plot_flow)


@pytest.fixture(scope="module")
def ex():
    return sc.widgets.gradient_flow_explorer()


def _ydata(ex):
    return [np.array(line.get_ydata(), dtype=float) for line in ex.handles["lines"]]


@pytest.mark.parametrize("name,value", [("depth", 25), ("activation", "relu"), ("init", "he"),
                                        ("batchnorm", True), ("residual", True), ("depth", 3)])
def test_every_control_changes_the_figure(ex, name, value):
    before_png, before_y, before_title = ex.png(), _ydata(ex), ex.handles["title"].get_text()
    t0 = time.perf_counter()
    ex.controls[name].value = value
    elapsed = time.perf_counter() - t0
    after_y = _ydata(ex)
    assert ex.png() != before_png
    assert ex.handles["title"].get_text() != before_title
    assert any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(after_y, before_y))
    print(f"{name} -> {value!r}: update took {1e3 * elapsed:.0f} ms")


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


def test_flow_matches_the_mlp():
    X, y = digits_batch(200, seed=1)
    s = flow(5, "relu", "he", X=X, y=y, seed=2)
    mlp = MLP([64, 64, 64, 64, 64, 64, 10], "relu", "he", loss="cross_entropy", seed=2)
    ref = mlp.layer_stats(mlp.init_params(), X, y)
    assert np.allclose(s.grad_norm, ref.grad_norm) and np.allclose(s.act_std, ref.act_std)


def test_digits_batch():
    X, y = digits_batch(300, seed=4)
    assert X.shape == (300, 64) and y.dtype.kind == "i" and set(np.unique(y)) == set(range(10))
    assert np.array_equal(X, digits_batch(300, seed=4)[0]) and not np.array_equal(X, digits_batch(300, seed=5)[0])
    full, _ = digits_batch(1797)
    assert np.allclose(full.mean(0), 0, atol=1e-12)
    assert np.allclose(full.std(0)[full.std(0) > 0], 1)
    with pytest.raises(ValueError, match="n must be an integer from 2 to 1797"):
        digits_batch(5000)


def test_plot_flow_draws_one_line_per_result_and_panel():
    results = {"sigmoid": flow(6, "sigmoid"), "relu": flow(6, "relu", "he")}
    lines = plot_flow(results)
    assert set(lines) == set(results) and all(len(v) == 3 for v in lines.values())
    ax = lines["relu"][1].axes
    assert ax.get_yscale() == "log" and len(ax.figure.axes) == 3


def test_argument_errors():
    with pytest.raises(ValueError, match="depth must be an integer >= 1"):
        flow(0)
    with pytest.raises(ValueError, match="at least 2 hidden layers"):
        gradient_variance_factor(flow(1))
    with pytest.raises(ValueError, match="activation must be one of"):
        flow(3, "swish")
    with pytest.raises(ValueError, match="labels y together with X"):
        flow(3, X=np.ones((4, 64)))


def test_the_cached_digits_cannot_be_changed_by_a_caller():
    X, y = digits_batch(50)
    with pytest.raises(ValueError):
        X[0, 0] = 1.0
    with pytest.raises(ValueError):
        y[0] = 3
