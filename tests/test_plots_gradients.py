"""Plots of the gradients chapter: gradient directions, directional slopes, difference errors, training curves."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import stepcourse as sc


def test_gradient_field_draws_unit_arrows_along_the_gradient():
    p = sc.problems.himmelblau()
    d = sc.plots.gradient_field(p, extent=(-2, 2, -1, 1), n=4, color_index=3)
    q = d["arrows"]
    assert q.N == 16
    np.testing.assert_allclose(q.X.reshape(4, 4)[0], np.linspace(-2, 2, 4))
    G = p.grad(np.array([-2.0, -1.0]))
    np.testing.assert_allclose(d["directions"][0, 0], G / np.linalg.norm(G))
    np.testing.assert_allclose(np.hypot(q.U, q.V), 1.0)
    assert np.allclose(q.get_facecolor()[0][:3], matplotlib.colors.to_rgb(sc.plots.color(3)))


def test_gradient_field_validates_its_arguments():
    p = sc.problems.himmelblau()
    with pytest.raises(TypeError, match="grad"):
        sc.plots.gradient_field(object())
    with pytest.raises(ValueError, match="extent"):
        sc.plots.gradient_field(p, extent=(1, 0, 0, 1))
    with pytest.raises(ValueError, match="n must be"):
        sc.plots.gradient_field(p, n=1)


def test_directional_slopes_marks_the_steepest_direction():
    thetas = np.linspace(-np.pi, np.pi, 361)
    slopes = 2 * np.cos(thetas - np.pi / 3)
    d = sc.plots.directional_slopes(thetas, slopes, slopes + 1e-9)
    np.testing.assert_allclose(d["measured"].get_xdata(), np.degrees(thetas))
    assert d["formula"].get_linestyle() == "--" and d["measured"].get_linewidth() == 3
    assert d["angle"] == pytest.approx(60.0) and d["steepest"].get_xdata()[0] == pytest.approx(60.0)
    assert d["zero"].get_ydata()[0] == 0
    with pytest.raises(ValueError, match="same length"):
        sc.plots.directional_slopes(thetas, slopes[:-1], slopes)


def test_difference_errors_draws_the_two_vs_their_bottoms_rules_and_models():
    sweep = sc.gradcheck.step_sweep(np.sin, np.cos, x=1.0)
    hs = sweep.hs
    rules = {"forward": 1.5e-8, "central": 6e-6}
    d = sc.plots.difference_errors(sweep, rules=rules, models=[hs, hs**2], models_label="models")
    for i, method in enumerate(("forward", "central")):
        line = d["errors"][method]
        assert line.get_color() == sc.plots.color(i) and line.get_label() == method
        assert np.all(line.get_ydata() >= 1e-17)
        assert d["best"][method].get_ydata()[0] == sweep.best_error(method)
        assert d["rules"][method].get_xdata()[0] == rules[method]
    assert [m.get_label() for m in d["models"]][0] == "models"
    assert d["models"][1].get_label().startswith("_")  # one legend entry for all the models
    assert d.ax.get_xscale() == "log" and d.ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="methods"):
        sc.plots.difference_errors(sweep, rules={"backward": 1e-8})
    with pytest.raises(ValueError, match="one value per step"):
        sc.plots.difference_errors(sweep, models=[hs[:3]])
    with pytest.raises(TypeError, match="StepSweep"):
        sc.plots.difference_errors({"hs": hs})
