"""Plots return their artists, draw what they are given and never touch global state."""
import matplotlib
import numpy as np
import pytest

import stepcourse as sc


def test_palette_is_okabe_ito():
    assert sc.plots.PALETTE[:3] == ("#0072B2", "#D55E00", "#009E73")


def test_loss_surface_draws_one_path_per_trace():
    p = sc.problems.rosenbrock()
    runs = {"a": sc.minimize(p, sc.optim.SGD(lr=1e-3), steps=30), "b": sc.minimize(p, sc.optim.Adam(lr=0.05), steps=30)}
    drawn = sc.plots.loss_surface(p, runs)
    assert len(drawn["paths"]) == 2
    assert np.allclose(drawn["paths"][1].get_xdata(), runs["b"].xs[:, 0])
    ax = drawn["paths"][0].axes
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None


def test_loss_curves_log_scale_and_divergence_marker():
    p = sc.problems.parabola()
    good = sc.minimize(p, sc.optim.SGD(lr=0.5), steps=20)
    bad = sc.minimize(p, sc.optim.SGD(lr=2.5), steps=500)
    lines = sc.plots.loss_curves([good, bad], labels=["good", "bad"])
    ax = lines[0].axes
    assert ax.get_yscale() == "log" and len(lines) == 2
    assert any(l.get_marker() == "x" for l in ax.get_lines())


def test_curve_1d_arrows_follow_the_steps():
    p = sc.problems.double_well()
    tr = sc.minimize(p, sc.optim.SGD(lr=0.1), steps=5)
    drawn = sc.plots.curve_1d(p, tr)
    assert np.allclose(drawn["points"].get_xdata(), tr.xs[:, 0])
    assert drawn["arrows"].N == 5
    with pytest.raises(ValueError):
        sc.plots.curve_1d(sc.problems.rosenbrock())


def test_no_global_state():
    before = dict(matplotlib.rcParams)
    import matplotlib.pyplot as plt
    n_figs = len(plt.get_fignums())
    sc.plots.contour(sc.problems.himmelblau())
    assert len(plt.get_fignums()) == n_figs
    assert dict(matplotlib.rcParams) == before
