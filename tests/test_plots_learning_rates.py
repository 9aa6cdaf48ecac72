"""Plots of the learning-rates chapter: range tests, schedules and basin maps draw what they are given."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import stepcourse as sc
from stepcourse.plots import BASIN_DIVERGED, BASIN_UNSETTLED
from stepcourse.loop import basin_map


def test_range_test_plot_draws_the_sweep_and_its_readings():
    rt = sc.lr_range_test(sc.problems.parabola(curvature=4.0), lr_min=1e-4, lr_max=10.0)
    drawn = sc.plots.range_test(rt, reference={"2/L": 0.5, "1/L": 0.25})
    ax = drawn["raw"].axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert np.array_equal(drawn["raw"].get_xdata(), rt.lrs)
    np.testing.assert_allclose(drawn["smoothed"].get_ydata(), rt.smoothed)
    assert drawn["edge"].get_xdata()[0] == rt.edge and drawn["steepest"].get_xdata()[0] == rt.steepest
    assert [line.get_xdata()[0] for line in drawn["reference"]] == [0.5, 0.25]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("2/L = 0.5" in t for t in labels) and any("edge" in t for t in labels)


def test_range_test_plot_leaves_zero_losses_out_of_the_log_axis():
    rt = sc.lr_range_test(sc.problems.parabola(curvature=1.0, x0=-3.0), lr_min=0.25, lr_max=1.0, steps=3)
    assert rt.lrs[-1] == 1.0 and rt.losses[-1] == 0.0  # the last rate is 1/f'': it lands exactly
    drawn = sc.plots.range_test(rt)
    assert np.isnan(drawn["raw"].get_ydata()[-1]) and np.all(np.isfinite(drawn["raw"].get_ydata()[:-1]))


def test_schedule_curves_plot_the_rates_of_each_schedule():
    scheds = {"cosine": sc.schedules.cosine_annealing(0.1, 50), "constant": 0.05}
    lines = sc.plots.schedule_curves(scheds, 50, log=True)["lines"]
    assert len(lines) == 2 and lines[0].axes.get_yscale() == "log"
    np.testing.assert_allclose(lines[0].get_ydata(), scheds["cosine"].lrs(50))
    assert np.all(lines[1].get_ydata() == 0.05)
    single = sc.plots.schedule_curves(sc.schedules.exponential(1.0, 0.5), 4)["lines"]
    np.testing.assert_allclose(single[0].get_ydata(), [1.0, 0.5, 0.25, 0.125])


def test_basins_plot_colours_each_label():
    p = sc.problems.himmelblau()
    m = basin_map(p, 0.03, n=30, steps=200)  # a large rate: some runs diverge or bounce
    assert {-2, -1} & set(m.shares)
    drawn = sc.plots.basins(m)
    mesh = drawn["mesh"]
    assert np.array_equal(np.asarray(mesh.get_array()).reshape(m.labels.shape), m.labels)
    colour = lambda label: mesh.cmap(mesh.norm(label))  # noqa: E731
    assert colour(-1) == to_rgba(BASIN_DIVERGED) and colour(-2) == to_rgba(BASIN_UNSETTLED)
    assert colour(0) == to_rgba(sc.plots.color(0)) and colour(3) == to_rgba(sc.plots.color(3))
    legend = [t.get_text() for t in mesh.axes.get_legend().get_texts()]
    assert ("diverged" in legend) == (-1 in m.shares) and ("not settled" in legend) == (-2 in m.shares)
    assert drawn["minima"] is not None and len(drawn["minima"].get_xdata()) == 4


def test_basins_plot_takes_only_a_basin_map():
    m = basin_map(sc.problems.himmelblau(), 0.01, n=4, steps=10)
    with pytest.raises(TypeError, match="^result must be a BasinMap"):
        sc.plots.basins({"labels": m.labels, "x": m.x, "y": m.y, "minima": m.minima, "dim": 2})


def test_basins_plot_in_1d_has_the_rate_on_the_vertical_axis():
    well = sc.problems.double_well()
    m = basin_map(well, np.geomspace(0.05, 1.5, 20), n=40, steps=100)
    drawn = sc.plots.basins(m, legend=False, title="double well")
    ax = drawn["mesh"].axes
    assert ax.get_yscale() == "log" and "learning rate" in ax.get_ylabel() and ax.get_title() == "double well"
    assert drawn["minima"] is None and ax.get_legend() is None
    linear = sc.plots.basins(basin_map(well, np.linspace(0.05, 1.5, 20), n=40, steps=100))
    assert linear["mesh"].axes.get_yscale() == "linear"


def test_every_plot_function_is_exported():
    import inspect

    public = {name for name, f in inspect.getmembers(sc.plots, inspect.isfunction)
              if not name.startswith("_") and f.__module__ == "stepcourse.plots"}
    assert public <= set(sc.plots.__all__)
    assert all(hasattr(sc.plots, name) for name in sc.plots.__all__)
