"""Plots of the chapter beyond quadratics: non-convex regions, a cycle on a curve, the heavy ball's phase diagram."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import stepcourse as sc
from stepcourse.momentum_roots import DAMPING_REGIMES, damping


def test_nonconvex_regions_shades_where_the_second_derivative_is_negative():
    pl = sc.smoothness.pl_function()
    drawn = sc.plots.nonconvex_regions(pl, bounds=(-8, 8), n=801)
    xs, ys = drawn["curve"].get_data()
    assert xs[0] == -8 and xs[-1] == 8 and len(xs) == 801
    np.testing.assert_allclose(ys, pl.curve(xs))
    ax = drawn.ax
    # the shaded intervals cover exactly the x where l'' < 0, each over the full height of the axes
    concave = pl.hessian(xs[:, None])[:, 0, 0] < 0
    shaded = np.zeros_like(concave)
    for patch in drawn["shaded"]:
        # a Rectangle (matplotlib >= 3.9) or a Polygon: its corners, x in data and y in axes units
        v = patch.get_patch_transform().transform(patch.get_path().vertices)
        assert (v[:, 1].min(), v[:, 1].max()) == (0, 1)
        x0, x1 = v[:, 0].min(), v[:, 0].max()
        shaded |= (xs >= x0) & (xs <= x1)
    assert np.array_equal(shaded, concave) and concave.any() and not concave.all()
    # the y limits come from the curve alone
    assert ax.get_ylim()[1] < 1.1 * ys.max()
    assert [t.get_text() for t in ax.legend().get_texts()] == [r"$\ell'' < 0$"]


def test_nonconvex_regions_of_a_convex_loss_shade_nothing():
    bowl = sc.problems.parabola(curvature=2.0)
    assert sc.plots.nonconvex_regions(bowl, bounds=(-1, 1))["shaded"] == []


def test_nonconvex_regions_takes_the_problem_bounds_and_refuses_2d_problems():
    pl = sc.smoothness.pl_function()
    assert sc.plots.nonconvex_regions(pl)["curve"].get_xdata()[[0, -1]].tolist() == list(pl.bounds[0])
    with pytest.raises(TypeError, match="1-D problem"):
        sc.plots.nonconvex_regions(sc.problems.rosenbrock())
    with pytest.raises(ValueError, match="bounds"):
        sc.plots.nonconvex_regions(pl, bounds=(3, -3))
    with pytest.raises(ValueError, match="n must be"):
        sc.plots.nonconvex_regions(pl, n=1)


def test_cycle_on_curve_marks_the_points_and_closes_the_loop():
    lrp = sc.momentum_roots.lessard_counterexample()
    cycle = np.array([[-1.8], [2.12], [0.65]])
    drawn = sc.plots.cycle_on_curve(lrp, cycle, label="heavy ball's cycle", color_index=1)
    xs, ys = drawn["curve"].get_data()
    assert (xs[0], xs[-1]) == lrp.bounds[0]
    np.testing.assert_allclose(ys, lrp.curve(xs))
    np.testing.assert_allclose(drawn["points"].get_xdata(), cycle[:, 0])
    np.testing.assert_allclose(drawn["points"].get_ydata(), lrp.curve(cycle[:, 0]))
    assert drawn["points"].get_label() == "heavy ball's cycle"
    assert to_rgba(drawn["points"].get_color()) == to_rgba(sc.plots.color(1))
    # one arrow per step, each from a point to the next, the last back to the first
    ends = [(a.xyann[0], a.xy[0]) for a in drawn["arrows"]]
    assert ends == [(-1.8, 2.12), (2.12, 0.65), (0.65, -1.8)]


def test_cycle_on_curve_refuses_what_is_not_a_cycle():
    lrp = sc.momentum_roots.lessard_counterexample()
    with pytest.raises(ValueError, match="at least two finite points"):
        sc.plots.cycle_on_curve(lrp, [1.0])
    with pytest.raises(ValueError, match="at least two finite points"):
        sc.plots.cycle_on_curve(lrp, np.ones((3, 2)))
    with pytest.raises(TypeError, match="1-D problem"):
        sc.plots.cycle_on_curve(sc.problems.rosenbrock(), [1.0, 2.0])


def test_damping_map_colours_each_point_by_its_regime():
    h, b = np.linspace(0, 4, 81), np.linspace(0, 0.95, 20)
    drawn = sc.plots.damping_map(h, b)
    mesh = drawn["mesh"]
    codes = np.asarray(mesh.get_array()).reshape(len(b), len(h))
    H, B = np.meshgrid(h, b)
    assert np.array_equal(np.array(DAMPING_REGIMES)[codes.astype(int)], damping(H, B))
    for k, regime in enumerate(DAMPING_REGIMES):
        assert mesh.cmap(mesh.norm(k)) == to_rgba(sc.plots.DAMPING_COLORS[regime])
    low, high = drawn["critical"]
    np.testing.assert_allclose(low.get_xdata(), (1 - np.sqrt(low.get_ydata())) ** 2)
    np.testing.assert_allclose(high.get_xdata(), (1 + np.sqrt(high.get_ydata())) ** 2)
    np.testing.assert_allclose(drawn["limit"].get_xdata(), 2 + 2 * drawn["limit"].get_ydata())
    assert drawn["limit"].get_linestyle() == "--" and low.get_linestyle() == "-"
    assert [t.get_text() for t in drawn["labels"]] == list(sc.plots.DAMPING_LABELS)
    assert drawn.ax.get_xlim() == (0.0, 4.0) and drawn.ax.get_ylim() == (0.0, 0.95)
    assert sc.plots.damping_map(h, b, labels={})["labels"] == []


def test_damping_map_refuses_bad_grids():
    h, b = np.linspace(0, 4, 5), np.linspace(0, 0.9, 4)
    with pytest.raises(ValueError, match="beta must be"):
        sc.plots.damping_map(h, np.linspace(0, 1, 4))  # beta = 1 is no momentum of the heavy ball
    with pytest.raises(ValueError, match="eta_lambda must be"):
        sc.plots.damping_map(h[::-1], b)
    with pytest.raises(ValueError, match="eta_lambda must be"):
        sc.plots.damping_map(np.meshgrid(h, b)[0], b)
    with pytest.raises(TypeError, match="labels must be a mapping"):
        sc.plots.damping_map(h, b, labels=["underdamped"])


def test_theory_plots_draw_on_a_given_axes_and_own_only_their_own_figure():
    fig, (ax1, ax2) = sc.plots.subplots(2, pyplot=False)
    drawn = sc.plots.damping_map(np.linspace(0, 4, 9), np.linspace(0, 0.9, 4), ax2)
    assert drawn.ax is ax2 and not drawn.owns_figure
    alone = sc.plots.cycle_on_curve(sc.momentum_roots.lessard_counterexample(), [-1.8, 2.12])
    assert alone.owns_figure and "image/png" in alone._repr_mimebundle_()[0]
