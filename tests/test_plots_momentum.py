"""Plots of the chapter on momentum and adaptive methods: contraction per step, measured and predicted."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import stepcourse as sc


def _runs():
    p = sc.problems.quadratic([1.0, 10.0], x0=[1.0, 1.0])
    return {"GD": sc.minimize(p, sc.optim.SGD(lr=0.1), steps=30),
            "heavy ball": sc.minimize(p, sc.optim.SGD(lr=0.1, momentum=0.5), steps=20)}


def test_contraction_draws_the_distance_and_the_predicted_rate_of_each_run():
    runs = _runs()
    d = sc.plots.contraction(runs, {"GD": 0.9, "heavy ball": 0.7})
    gd, theory = d["measured"]["GD"], d["predicted"]["GD"]
    np.testing.assert_allclose(gd.get_ydata(), np.linalg.norm(runs["GD"].xs, axis=1))
    np.testing.assert_array_equal(gd.get_xdata(), np.arange(31))
    np.testing.assert_allclose(theory.get_ydata(), np.sqrt(2) * 0.9 ** np.arange(31))
    assert theory.get_linestyle() == ":" and theory.get_linewidth() == 1
    assert gd.get_color() == theory.get_color() == sc.plots.color(0)
    assert d["measured"]["heavy ball"].get_color() == sc.plots.color(1)
    assert len(d["measured"]["heavy ball"].get_xdata()) == 21  # each run on its own steps
    assert d.ax.get_yscale() == "log"
    labels = [t.get_text() for t in d.ax.get_legend().get_texts()]
    assert labels == ["GD", "theory: 0.900 per step", "heavy ball", "theory: 0.700 per step"]


def test_contraction_measures_from_the_target_and_keeps_equal_rates_apart():
    runs = _runs()
    d = sc.plots.contraction(runs, {"GD": 0.5, "heavy ball": 0.5}, target=[1.0, 1.0], legend=False)
    assert d["measured"]["GD"].get_ydata()[0] == 0 or np.isnan(d["measured"]["GD"].get_ydata()[0])
    assert d["predicted"]["GD"] is not d["predicted"]["heavy ball"]
    assert d["predicted"]["heavy ball"].get_label() == "theory: 0.500 per step (heavy ball)"
    assert d.ax.get_legend() is None


def test_contraction_rejects_bad_arguments():
    runs = _runs()
    with pytest.raises(TypeError, match="mappings"):
        sc.plots.contraction(list(runs.values()), [0.9, 0.7])
    with pytest.raises(ValueError, match="same labels"):
        sc.plots.contraction(runs, {"GD": 0.9})
    with pytest.raises(ValueError, match=">= 0"):
        sc.plots.contraction(runs, {"GD": -0.1, "heavy ball": 0.7})
    with pytest.raises(ValueError, match="target must have shape"):
        sc.plots.contraction(runs, {"GD": 0.9, "heavy ball": 0.7}, target=[0.0, 0.0, 0.0])
