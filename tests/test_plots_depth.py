"""Plots of the deep-network chapter: quantities per layer and gradient norms against a clipping threshold."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import stepcourse as sc


def test_per_layer_draws_each_series_against_its_layers_on_a_log_axis():
    ratios = {"SGD": [1e-5, 2e-5, 1e-4], "Adam": [1e-2, 1e-2, 9e-3]}
    drawn = sc.plots.per_layer(ratios)
    lines, ax = drawn["lines"], drawn.ax
    assert list(lines) == ["SGD", "Adam"] and ax.get_yscale() == "log"
    np.testing.assert_array_equal(lines["SGD"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines["Adam"].get_ydata(), ratios["Adam"])
    assert [ln.get_marker() for ln in lines.values()] == ["o", "o"]
    assert to_rgba(lines["Adam"].get_color()) == to_rgba(sc.plots.color(1))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    assert all(float(t).is_integer() for t in ax.get_xticks())  # layers are whole numbers


def test_per_layer_counts_from_first_and_styles_reference_lines_without_dots():
    variance = 2.0 ** np.arange(5)
    drawn = sc.plots.per_layer({"He init": variance, "$2^l$": variance}, first=0, styles={"$2^l$": "k:"},
                               log=False)
    lines = drawn["lines"]
    np.testing.assert_array_equal(lines["He init"].get_xdata(), np.arange(5))
    assert lines["$2^l$"].get_linestyle() == ":" and lines["$2^l$"].get_marker() in ("None", "", None)
    assert to_rgba(lines["$2^l$"].get_color()) == to_rgba("k") and drawn.ax.get_yscale() == "linear"
    dashed = sc.plots.per_layer({"a": [1, 2], "b": [2, 3]}, styles={"b": {"linestyle": "--"}, "a": 4})["lines"]
    assert dashed["b"].get_marker() == "o" and dashed["b"].get_linestyle() == "--"  # a dict style keeps the dots
    assert to_rgba(dashed["a"].get_color()) == to_rgba(sc.plots.color(4))


def test_per_layer_draws_on_the_given_axes():
    fig, ax = sc.plots.subplots(pyplot=False)
    drawn = sc.plots.per_layer({"_unlabelled": [1.0, 0.5]}, ax)
    assert drawn.ax is ax and not drawn.owns_figure and ax.get_legend() is None


@pytest.mark.parametrize("values, kwargs, error", [
    ([1.0, 2.0], {}, TypeError),
    ({}, {}, ValueError),
    ({"a": [[1.0, 2.0]]}, {}, ValueError),
    ({"a": []}, {}, ValueError),
    ({"a": [1.0]}, {"styles": {"b": "--"}}, ValueError),
    ({"a": [1.0]}, {"first": 1.5}, TypeError),
])
def test_per_layer_rejects_bad_arguments(values, kwargs, error):
    with pytest.raises(error):
        sc.plots.per_layer(values, **kwargs)


def test_clipped_norms_draws_the_norms_and_the_threshold():
    norms = np.array([300.0, 40.0, 6.0, 4.0, 0.0])
    drawn = sc.plots.clipped_norms(norms, 5.0)
    line, limit = drawn["norms"], drawn["threshold"]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(5))
    np.testing.assert_allclose(line.get_ydata()[:4], norms[:4])
    assert np.isnan(line.get_ydata()[4])  # a zero norm cannot sit on the log axis
    assert list(limit.get_ydata()) == [5.0, 5.0] and limit.get_linestyle() == "--"
    assert to_rgba(limit.get_color()) == to_rgba(sc.plots.color(1))
    assert limit.get_label() == "clipping threshold c = 5" and drawn.ax.get_yscale() == "log"
    plain = sc.plots.clipped_norms(norms, 2.5, log=False, label="norm", threshold_label="c")
    assert plain.ax.get_yscale() == "linear" and plain["norms"].get_ydata()[4] == 0.0
    assert (plain["norms"].get_label(), plain["threshold"].get_label()) == ("norm", "c")


@pytest.mark.parametrize("norms, threshold, error", [
    ([1.0, 2.0], 0.0, ValueError), ([1.0, 2.0], -1.0, ValueError), ([1.0], float("nan"), ValueError),
    ([1.0], True, TypeError), ([1.0], "5", TypeError),  # not a number: the project's checks say TypeError
    ([], 1.0, ValueError), ([[1.0, 2.0]], 1.0, ValueError),
])
def test_clipped_norms_rejects_bad_arguments(norms, threshold, error):
    with pytest.raises(error, match="threshold|grad_norms"):
        sc.plots.clipped_norms(norms, threshold)
