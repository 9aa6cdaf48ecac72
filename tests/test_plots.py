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
    lines = sc.plots.loss_curves([good, bad], labels=["good", "bad"])["lines"]
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


# -- the column convention and what plot functions return --------------------------------------------------

def _every_plot():
    p = sc.problems.rosenbrock()
    tr = sc.minimize(p, sc.optim.SGD(lr=1e-3), steps=20)
    well = sc.problems.double_well()
    return {
        "contour": lambda ax: sc.plots.contour(p, ax),
        "path": lambda ax: sc.plots.path(tr, ax),
        "loss_surface": lambda ax: sc.plots.loss_surface(p, [tr], ax),
        "loss_curves": lambda ax: sc.plots.loss_curves([tr], ax),
        "curve_1d": lambda ax: sc.plots.curve_1d(well, sc.minimize(well, sc.optim.SGD(lr=0.1), steps=3), ax),
        "schedule_curves": lambda ax: sc.plots.schedule_curves({"a": 0.1, "b": 0.2}, 10, ax),
    }


@pytest.mark.parametrize("name", list(_every_plot()))
def test_every_plot_returns_a_drawn_that_shows_only_its_own_figure(name):
    draw = _every_plot()[name]
    own = draw(None)
    assert isinstance(own, sc.plots.Drawn) and own.owns_figure
    data, meta = own._repr_mimebundle_()
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    # drawn at 2x the size it is shown at
    assert meta["image/png"]["width"] == 700
    from PIL import Image
    import io
    assert Image.open(io.BytesIO(data["image/png"])).size[0] == 1400
    # on a caller's axes the caller's figure is shown the usual way: no second picture
    fig, ax = sc.plots.subplots(pyplot=False)
    theirs = draw(ax)
    assert isinstance(theirs, sc.plots.Drawn) and theirs.ax is ax and not theirs.owns_figure
    assert "image/png" not in theirs._repr_mimebundle_()
    # the column convention: every text of the figure is at least 9 px on screen
    assert sc.plots.text_px(own.figure) >= 9
    assert sc.plots.text_px(fig) >= 9


def test_contour_without_ax_shows_its_figure():
    drawn = sc.plots.contour(sc.problems.himmelblau())
    assert drawn.figure is drawn["contour"].axes.figure
    assert "image/png" in drawn._repr_mimebundle_()[0]


@pytest.mark.parametrize("panels, shape, size", [(1, None, (7.0, 3.9)), (2, (2,), (7.0, 3.1)),
                                                  (3, (3,), (7.0, 6.2)), (4, (4,), (7.0, 6.2))])
def test_subplots_puts_at_most_two_panels_side_by_side(panels, shape, size):
    fig, axes = sc.plots.subplots(panels, pyplot=False)
    assert tuple(fig.get_size_inches()) == size
    if shape is None:
        assert len(fig.axes) == 1 and axes is fig.axes[0]
        return
    assert axes.shape == shape and list(axes) == fig.axes
    columns = {round(ax.get_subplotspec().colspan.start) for ax in axes}
    assert columns <= {0, 1}
    if panels == 3:  # the odd last panel spans the row
        assert axes[2].get_subplotspec().colspan == range(0, 2)


def test_subplots_registers_with_pyplot_only_when_asked():
    import matplotlib.pyplot as plt

    n = len(plt.get_fignums())
    fig, _ = sc.plots.subplots(2, pyplot=False)
    assert len(plt.get_fignums()) == n
    fig, _ = sc.plots.subplots(2)
    assert len(plt.get_fignums()) == n + 1
    plt.close(fig)


def test_subplots_arguments():
    with pytest.raises(ValueError, match="panels"):
        sc.plots.subplots(0)
    with pytest.raises(ValueError, match="width"):
        sc.plots.subplots(1, width=11)
    with pytest.raises(ValueError, match="height"):
        sc.plots.subplots(1, height=-1)


def test_text_px_measures_the_smallest_text():
    fig, ax = sc.plots.subplots(pyplot=False)
    ax.set_title("big", fontsize=20)
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    assert sc.plots.text_px(fig) == pytest.approx(5 * 700 / (72 * 7.0))
    wide = sc.plots.new_axes(figsize=(14, 4)).figure
    wide.axes[0].set_title("t", fontsize=10)
    wide.axes[0].set_xticks([])
    wide.axes[0].set_yticks([])
    assert sc.plots.text_px(wide) == pytest.approx(10 * 700 / (72 * 14))
