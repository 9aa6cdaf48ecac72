"""Plots of the boosting chapter: data with fitted curves, losses per stage and decision boundaries."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import stepcourse as sc


def test_regression_fits_draws_data_truth_and_each_fit_in_its_colour():
    x = np.linspace(0, 6, 30)[:, None]  # one feature, as a model takes it
    y = np.sin(x[:, 0])
    grid = np.linspace(0, 6, 50)[:, None]
    fits = {"a": np.zeros(50), "b": np.ones(50), "c": grid[:, 0]}
    d = sc.plots.regression_fits(x, y, fits, grid=grid, truth=lambda g: np.sin(g[:, 0]), size=12, alpha=0.6)
    np.testing.assert_allclose(d["data"].get_offsets(), np.column_stack([x[:, 0], y]))
    assert d["data"].get_sizes()[0] == 12 and d["data"].get_alpha() == 0.6
    assert to_rgba(d["data"].get_facecolor()[0], 1) == to_rgba(sc.plots.color(7))
    np.testing.assert_allclose(d["truth"].get_ydata(), np.sin(grid[:, 0]))
    assert d["truth"].get_linestyle() == ":" and d["truth"].get_color() == sc.plots.color(2)
    # the fits skip the truth's green
    assert [d["fits"][k].get_color() for k in "abc"] == [sc.plots.color(i) for i in (0, 1, 3)]
    assert d["fits"]["a"].get_linewidth() == 2.0
    np.testing.assert_allclose(d["fits"]["c"].get_xdata(), grid[:, 0])
    assert d.ax.get_legend() is None  # the chapter places the legend
    labels = d.ax.get_legend_handles_labels()[1]
    assert labels == ["training data", "true function", "a", "b", "c"]  # the legend order of the chapter


def test_regression_fits_data_alone_and_truth_as_values():
    d = sc.plots.regression_fits([0, 1, 2], [1, 2, 3])
    assert d["truth"] is None and d["fits"] == {}
    g = np.linspace(0, 2, 4)
    d = sc.plots.regression_fits([0, 1, 2], [1, 2, 3], grid=g, truth=2 * g)
    np.testing.assert_allclose(d["truth"].get_ydata(), 2 * g)


def test_regression_fits_rejects_bad_arguments():
    with pytest.raises(ValueError, match="same length"):
        sc.plots.regression_fits([0, 1, 2], [1, 2])
    with pytest.raises(ValueError, match="grid"):
        sc.plots.regression_fits([0, 1], [1, 2], {"model": [0, 1]})
    with pytest.raises(ValueError, match="single column"):
        sc.plots.regression_fits(np.zeros((3, 2)), [1, 2, 3])
    with pytest.raises(ValueError, match="truth's label"):
        sc.plots.regression_fits([0, 1], [1, 2], {"true function": [0, 1]}, grid=[0, 1])


def test_stage_curves_counts_trees_and_marks_each_minimum():
    curves = {"lr = 0.1": [5.0, 3.0, 2.0, 2.5], "lr = 1": [4.0, 4.5, 5.0, 6.0]}
    d = sc.plots.stage_curves(curves, best=True, log="x", styles={"lr = 1": 4})
    line = d["lines"]["lr = 0.1"]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])  # after 1, 2, ... trees
    assert d.ax.get_xscale() == "log"
    assert (d["best"]["lr = 0.1"].get_xdata()[0], d["best"]["lr = 0.1"].get_ydata()[0]) == (3.0, 2.0)
    assert (d["best"]["lr = 1"].get_xdata()[0], d["best"]["lr = 1"].get_ydata()[0]) == (1.0, 4.0)
    assert d["best"]["lr = 1"].get_color() == d["lines"]["lr = 1"].get_color() == sc.plots.color(4)
    assert d["best"]["lr = 1"].get_linestyle() == "None"
    assert [t.get_text() for t in d.ax.get_legend().get_texts()] == ["lr = 0.1", "lr = 1"]


def test_stage_curves_from_the_constant_model_and_without_marks():
    d = sc.plots.stage_curves({"train": [1.0, 0.5, 0.25]}, first=0, log="y")
    np.testing.assert_array_equal(d["lines"]["train"].get_xdata(), [0, 1, 2])
    assert d["best"] == {} and d.ax.get_yscale() == "log"


def test_stage_curves_rejects_bad_arguments():
    with pytest.raises(TypeError, match="mapping"):
        sc.plots.stage_curves([[1.0, 2.0]])
    with pytest.raises(ValueError, match="first"):
        sc.plots.stage_curves({"a": [1.0]}, first=-1)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        sc.plots.stage_curves({"a": []})
    with pytest.raises(ValueError, match="log"):
        sc.plots.stage_curves({"a": [1.0]}, log="z")


class _Half:
    """A classifier that says class 1 right of x1 = 0, with probability rising across it."""

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-4 * np.asarray(X)[:, 0]))
        return np.column_stack([1 - p, p])


def test_decision_boundary_shades_probability_draws_the_half_line_and_the_classes():
    X = np.array([[-1.0, 0.0], [-0.5, 1.0], [0.5, 0.5], [1.0, -1.0], [1.5, 0.0]])
    y = np.array([0, 0, 1, 1, 1])
    d = sc.plots.decision_boundary(_Half(), X, y, bounds=((-2, 2), (-1.5, 1.5)), n=(41, 31))
    assert list(d["shade"].levels) == list(np.linspace(0, 1, 11))
    assert list(d["boundary"].levels) == [0.5]
    segments = np.concatenate([p.vertices for p in d["boundary"].get_paths()])
    np.testing.assert_allclose(segments[:, 0], 0.0, atol=1e-9)  # p = 0.5 exactly at x1 = 0
    np.testing.assert_allclose(d["points"][0].get_offsets(), X[:2])
    np.testing.assert_allclose(d["points"][1].get_offsets(), X[2:])
    assert to_rgba(d["points"][1].get_facecolor()[0]) == to_rgba(sc.plots.color(1))
    assert d.ax.get_xlim() == (-2.0, 2.0)
    # default bounds: the points' range and a tenth more on each side
    d = sc.plots.decision_boundary(_Half(), X, y, n=10)
    assert np.allclose(d.ax.get_xlim(), (-1.25, 1.75)) and np.allclose(d.ax.get_ylim(), (-1.2, 1.2))


def test_decision_boundary_rejects_bad_arguments():
    X, y = np.zeros((3, 2)), np.array([0, 1, 1])
    with pytest.raises(TypeError, match="predict_proba"):
        sc.plots.decision_boundary(object(), X, y)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        sc.plots.decision_boundary(_Half(), np.zeros((3, 3)), y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        sc.plots.decision_boundary(_Half(), X, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="lo < hi"):
        sc.plots.decision_boundary(_Half(), X, y, bounds=((1, 0), (0, 1)))
    with pytest.raises(ValueError, match="2 grid points"):
        sc.plots.decision_boundary(_Half(), X, y, bounds=((0, 1), (0, 1)), n=1)


def test_decision_boundary_on_a_boosted_classifier():
    moons = sc.data.make_moons(n=60, noise=0.2, seed=0)
    clf = sc.boosting.GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(moons.X, moons.y)
    d = sc.plots.decision_boundary(clf, moons.X, moons.y, n=30)
    assert len(d["points"][0].get_offsets()) + len(d["points"][1].get_offsets()) == 60
