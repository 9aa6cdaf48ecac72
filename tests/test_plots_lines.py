"""The general plot vocabulary: named series, reference lines and spans, points and bands."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import stepcourse as sc


def test_lines_draws_each_series_in_palette_order_with_its_style():
    d = sc.plots.lines({"a": [3.0, 2.0, 1.0], "b": ([0, 1], [1.0, 0.5])}, styles={"b": "k--"})
    a, b = d["lines"]["a"], d["lines"]["b"]
    assert a.get_color() == sc.plots.color(0)
    assert b.get_color() == "k" and b.get_linestyle() == "--"
    np.testing.assert_array_equal(a.get_xdata(), [0, 1, 2])  # the step by default
    assert [t.get_text() for t in d.ax.get_legend().get_texts()] == ["a", "b"]


def test_lines_shared_x_log_axes_drop_non_positive_values():
    d = sc.plots.lines({"gap": [1.0, 0.0, 1e-3]}, x=[1, 2, 3], log="xy")
    y = d["lines"]["gap"].get_ydata()
    assert np.isnan(y[1]) and y[2] == 1e-3
    assert d.ax.get_xscale() == "log" and d.ax.get_yscale() == "log"


def test_lines_styles_as_dict_and_palette_index_and_markers_only():
    d = sc.plots.lines({"a": [1, 2], "b": [2, 1], "c": [1, 1]},
                       styles={"a": {"color_index": 4, "linewidth": 3}, "b": 2, "c": "o"})
    assert d["lines"]["a"].get_color() == sc.plots.color(4) and d["lines"]["a"].get_linewidth() == 3
    assert d["lines"]["b"].get_color() == sc.plots.color(2)
    assert d["lines"]["c"].get_linestyle() == "None" and d["lines"]["c"].get_marker() == "o"


def test_lines_unlabelled_sequence_has_no_legend_and_sets_labels():
    d = sc.plots.lines([[1, 2], [2, 3]], title="t", xlabel="step", ylabel="loss")
    assert d.ax.get_legend() is None
    assert (d.ax.get_title(), d.ax.get_xlabel(), d.ax.get_ylabel()) == ("t", "step", "loss")


@pytest.mark.parametrize("kwargs, error", [
    (dict(series={"a": [1, 2]}, log="z"), ValueError),
    (dict(series={"a": [1, 2]}, styles={"b": "--"}), ValueError),
    (dict(series={"a": ([0, 1, 2], [1, 2])}), ValueError),
    (dict(series={"a": [1, 2]}, styles={"a": "--q"}), ValueError),
    (dict(series={"a": [1, 2]}, styles={"a": 1.5}), TypeError),
    (dict(series=42), TypeError),
])
def test_lines_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        sc.plots.lines(**kwargs)


def test_reference_horizontal_and_vertical_lines():
    fig, ax = sc.plots.subplots(pyplot=False)
    h = sc.plots.reference(ax, y=2.0, label="2/L", style="--")
    v = sc.plots.reference(ax, x=[1.0, 3.0], color_index=1)
    assert h["lines"][0].get_ydata()[0] == 2.0 and h["lines"][0].get_label() == "2/L"
    assert [float(ln.get_xdata()[0]) for ln in v["lines"]] == [1.0, 3.0]
    assert v["lines"][0].get_color() == sc.plots.color(1)
    with pytest.raises(ValueError):
        sc.plots.reference(ax)
    with pytest.raises(ValueError):
        sc.plots.reference(ax, x=1, y=1)


def test_span_points_band():
    fig, ax = sc.plots.subplots(pyplot=False)
    s = sc.plots.span(ax, x=(1, 2), label="stable")
    assert s["patch"].get_label() == "stable"
    with pytest.raises(ValueError):
        sc.plots.span(ax, x=(2, 1))
    p = sc.plots.points([1, 2], [3, 4], ax, labels=["a", "b"], color_index=2)
    assert p["points"].get_color() == sc.plots.color(2) and [t.get_text() for t in p["labels"]] == ["a", "b"]
    with pytest.raises(ValueError):
        sc.plots.points([1, 2], [3], ax)
    b = sc.plots.band([0, 1, 2], 0.0, [1, 2, 3], ax, label="bound")
    assert b["band"].get_label() == "bound"


def test_without_ax_each_makes_its_own_figure_and_shows_it():
    for d in (sc.plots.lines({"a": [1, 2]}), sc.plots.reference(y=1), sc.plots.span(y=(0, 1)),
              sc.plots.points(1, 2), sc.plots.band([0, 1], 0, 1)):
        assert d.owns_figure and "image/png" in d._repr_mimebundle_()[0]


def test_panel_titles_that_run_into_each_other_warn_when_drawn():
    import io
    import warnings

    fig, (a, b) = sc.plots.subplots(2, pyplot=False)
    a.set_title("Training keeps improving; validation turns")
    b.set_title("The polynomial at the best epoch and at the end")
    with pytest.warns(UserWarning, match="overlap"):
        fig.savefig(io.BytesIO(), format="png")
    fig, (a, b) = sc.plots.subplots(2, pyplot=False)
    a.set_title("Training keeps improving,\nvalidation turns")
    b.set_title("The polynomial at the best epoch\nand at the end")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")
