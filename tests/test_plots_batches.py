"""Plots of the mini-batch chapter: gradient noise, noise floors, noise scales and the best rate per batch."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import stepcourse as sc
from stepcourse.noise import GradientNoise, minibatch_variance


def _noise(replace, sizes, measured, sigma2=2.0, n=8):
    sizes = np.asarray(sizes)
    return GradientNoise(batch_sizes=sizes, measured=np.asarray(measured, dtype=float),
                         predicted=minibatch_variance(sigma2, n, sizes, replace=replace), sigma2=sigma2, n=n,
                         replace=replace)


def test_batch_noise_draws_both_curves_and_each_measurement():
    with_replacement = _noise(True, [1, 2, 4], [2.1, 0.9, 0.5])
    distinct = _noise(False, [1, 2, 8], [2.0, 0.8, 1e-30])  # round-off at B = n
    d = sc.plots.batch_noise([with_replacement, distinct])
    curves = d["curves"]
    np.testing.assert_allclose(curves["replacement"].get_ydata(), 2.0 / np.arange(1, 9))
    np.testing.assert_allclose(curves["distinct"].get_xdata(), np.arange(1, 8))  # zero at B = n: not on a log axis
    np.testing.assert_allclose(curves["distinct"].get_ydata(), minibatch_variance(2.0, 8, np.arange(1, 8)))
    circles, squares = d["measured"]
    assert circles.get_marker() == "o" and circles.get_color() == sc.plots.color(0)
    assert squares.get_marker() == "s" and squares.get_markerfacecolor() == "none"
    assert np.isnan(squares.get_ydata()[-1])  # the full batch has no noise
    assert d.ax.get_xscale() == "log" and d.ax.get_yscale() == "log"
    assert d.owns_figure and d.ax.get_legend() is None  # the chapter places the legend


def test_batch_noise_takes_one_result_and_refuses_others():
    assert len(sc.plots.batch_noise(_noise(True, [1, 2], [2.0, 1.0]))["measured"]) == 1
    with pytest.raises(TypeError, match="GradientNoise"):
        sc.plots.batch_noise([{"measured": [1.0]}])
    with pytest.raises(ValueError, match="same rows"):
        sc.plots.batch_noise([_noise(True, [1], [2.0]), _noise(False, [1], [2.0], n=9)])
    with pytest.raises(ValueError, match="at least one"):
        sc.plots.batch_noise([])


def test_noise_floors_draws_moving_averages_and_floors_in_the_same_colour():
    rng = np.random.default_rng(0)
    curves = {"a": 1.0 + rng.normal(0, 0.1, 400), "b": 2.0 + rng.normal(0, 0.1, 400), "decay": np.linspace(2, 0.1, 400)}
    d = sc.plots.noise_floors(curves, {"a": 1.0, "b": 2.0}, window=100, styles={"decay": {"color": "black"}})
    a = d["lines"]["a"]
    assert len(a.get_xdata()) == 301 and a.get_xdata()[0] == 100
    np.testing.assert_allclose(a.get_ydata()[0], curves["a"][:100].mean())
    assert d["floors"]["b"].get_color() == d["lines"]["b"].get_color() == sc.plots.color(1)
    assert d["floors"]["a"].get_ydata()[0] == 1.0 and d["floors"]["a"].get_linestyle() == ":"
    assert d["lines"]["decay"].get_color() == "black" and "decay" not in d["floors"]


def test_noise_floors_validates_its_arguments():
    with pytest.raises(ValueError, match="not drawn"):
        sc.plots.noise_floors({"a": np.ones(10)}, {"b": 1.0}, window=5)
    with pytest.raises(ValueError, match="fewer than the window"):
        sc.plots.noise_floors({"a": np.ones(10)}, window=20)
    with pytest.raises(ValueError, match="window"):
        sc.plots.noise_floors({"a": np.ones(10)}, window=0)
    with pytest.raises(TypeError, match="mapping"):
        sc.plots.noise_floors([np.ones(10)])


def test_noise_scales_are_drawn_against_a_falling_gap():
    gaps, simple, noise = np.array([1.0, 0.1, 0.01]), np.array([2.0, 20.0, 200.0]), np.array([3.0, 30.0, 300.0])
    d = sc.plots.noise_scales(gaps, simple, noise)
    np.testing.assert_array_equal(d["simple"].get_xdata(), gaps)
    np.testing.assert_array_equal(d["noise"].get_ydata(), noise)
    assert d.ax.xaxis_inverted() and d.ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="same length"):
        sc.plots.noise_scales(gaps, simple[:2], noise)


def test_batch_rates_marks_measured_predicted_linear_and_the_noise_scale():
    B = 2.0 ** np.arange(5)
    theory = 0.5 / (1 + 4 / B)
    d = sc.plots.batch_rates(B, theory * 1.1, theory, b_noise=4.0)
    np.testing.assert_allclose(d["measured"].get_ydata(), theory * 1.1)
    assert d["measured"].get_linestyle() == "None" and d["measured"].get_marker() == "o"
    np.testing.assert_allclose(d["linear"].get_ydata(), theory[0] * B)
    assert d["b_noise"].get_xdata()[0] == 4.0 and d["b_noise"].get_linestyle() == "--"
    assert d["linear"].get_label() == "linear scaling from B = 1"
    assert sc.plots.batch_rates(B, theory, theory)["b_noise"] is None
    with pytest.raises(ValueError, match="b_noise"):
        sc.plots.batch_rates(B, theory, theory, b_noise=-1.0)
    with pytest.raises(ValueError, match="positive"):
        sc.plots.batch_rates(B - 1, theory, theory)
