"""Explorers of the learning-rates chapter, and the basin map and schedules behind them."""
import base64
import json
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.widgets.learning_rates import (LR_FRACTIONS, SCHEDULES, basin_map, explorer_problems,
                                               make_schedule, schedule_run, sharpest_curvature)
from explorer_checks import blit_vs_full_draw


def _png_changes(ex, name, value):
    before = ex.png()
    ex.controls[name].value = value
    return ex.png() != before


# -- basin_map ---------------------------------------------------------------------------------------------

def test_basin_map_on_a_quadratic_is_all_in_or_all_out():
    bowl = sc.problems.quadratic([1.0, 10.0])
    inside = basin_map(bowl, 0.19, n=8, steps=600)
    assert inside["labels"].shape == (8, 8) and inside["shares"] == {0: 1.0}
    outside = basin_map(bowl, 0.25, n=8, steps=200)
    assert outside["shares"] == {-1: 1.0}


def test_basin_map_agrees_with_minimize_start_by_start():
    p = sc.problems.himmelblau()
    lr = 0.5 * 2 / sharpest_curvature(p)
    m = basin_map(p, lr, n=9, steps=300)
    for i in range(0, 9, 2):
        for j in range(0, 9, 3):
            start = np.array([m["x"][j], m["y"][i]])
            tr = sc.minimize(p, sc.optim.SGD(lr=lr), x0=start, steps=300)
            nearest = int(np.argmin(np.linalg.norm(p.minima - tr.x, axis=1)))
            assert m["labels"][i, j] == nearest
            assert np.linalg.norm(tr.x - p.minima[nearest]) < 1e-3 * 10


def test_a_minimum_too_sharp_for_the_rate_collects_nobody():
    p = sc.problems.himmelblau()
    sharp = np.linalg.eigvalsh(p.hessian(p.minima)).max(axis=1)
    lr = 1.3 * 2 / sharp.max()
    m = basin_map(p, lr, n=40, steps=300)
    for i, lam in enumerate(sharp):
        assert (m["shares"].get(i, 0.0) == 0.0) == (lr * lam >= 2), (i, lam)


def test_basin_map_in_1d_has_one_row_per_rate():
    well = sc.problems.double_well()
    rates = np.linspace(0.05, 1.2, 12)
    m = basin_map(well, rates, n=50, steps=300)
    assert m["labels"].shape == (12, 50) and np.array_equal(m["y"], rates) and m["dim"] == 1
    left_threshold = 2 / well.hessian(well.minima[:1])[0, 0, 0]
    near_left = m["labels"][:, np.abs(m["x"] - well.minima[0, 0]) < 0.3]
    assert np.all(near_left[rates < 0.6] == 0)
    assert not np.any(near_left[rates > left_threshold] == 0)


@pytest.mark.parametrize("call, match", [
    (lambda: basin_map(sc.problems.quadratic(dim=3), 0.1), "1-D and 2-D"),
    (lambda: basin_map(sc.problems.saddle(), 0.1), "minima"),
    (lambda: basin_map(sc.problems.himmelblau(), [0.01, 0.02]), "single number"),
    (lambda: basin_map(sc.problems.himmelblau(), -0.1), "lr"),
    (lambda: basin_map(sc.problems.himmelblau(), 0.01, n=1), "n must"),
    (lambda: basin_map(sc.problems.himmelblau(), 0.01, steps=-1), "steps"),
    (lambda: sharpest_curvature(sc.problems.saddle()), "known minima"),
])
def test_basin_map_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- schedules -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SCHEDULES)
def test_make_schedule_peaks_at_lr_and_ends_at_final(name):
    s = make_schedule(name, 0.2, 300, final=0.01)
    lrs = s.lrs(300)
    assert lrs.max() == pytest.approx(0.2, rel=1e-12)
    end = 0.2 if name == "constant" else 0.2 * 0.01
    assert lrs[-1] == pytest.approx(end, rel=1e-9)
    assert callable(s) and s(0) == lrs[0]


def test_make_schedule_arguments():
    with pytest.raises(ValueError, match="name"):
        make_schedule("linear", 0.1, 100)
    with pytest.raises(ValueError, match="steps"):
        make_schedule("cosine", 0.1, 5)
    with pytest.raises(ValueError, match="final"):
        make_schedule("cosine", 0.1, 100, final=0.0)


def test_schedule_run_shares_the_noise_and_replays():
    a = schedule_run(sc.schedules.constant(0.1), noise=1.0, seed=3, steps=50)
    b = schedule_run(0.1, noise=1.0, seed=3, steps=50)
    assert np.array_equal(a.xs, b.xs)
    exact = schedule_run(0.1, noise=0.0, steps=50)
    plain = sc.minimize(sc.problems.quadratic([1.0, 10.0]), sc.optim.SGD(lr=0.1), steps=50)
    assert np.array_equal(exact.xs, plain.xs)


# -- learning_rate_explorer ---------------------------------------------------------------------------

def test_learning_rate_explorer_controls_move_the_picture():
    ex = sc.widgets.learning_rate_explorer()
    assert set(ex.controls) == {"problem", "lr"}
    path = ex.handles["path"]
    assert _png_changes(ex, "lr", 1.2)
    p, steps = explorer_problems()[ex.values["problem"]]
    expected = sc.minimize(p, sc.optim.SGD(lr=1.2 * 2 / sharpest_curvature(p)), steps=steps)
    assert np.array_equal(path.get_xdata(), expected.xs[:, 0])
    assert np.array_equal(ex.handles["mesh"].get_array().reshape(ex.data["basins"]["labels"].shape),
                          ex.data["basins"]["labels"])
    old_ax_limits = ex.handles["ax"].get_xlim()
    assert _png_changes(ex, "problem", "Rosenbrock (curved valley)")
    assert ex.handles["ax"].get_xlim() != old_ax_limits
    assert ex.handles["path"].get_xdata()[0] == pytest.approx(-1.2)
    assert len(ex.static_grid()) <= 80


def test_learning_rate_explorer_says_where_the_run_ends():
    ex = sc.widgets.learning_rate_explorer(problem="quadratic bowl (kappa = 10)", lr=0.5)
    assert "reached the minimum" in ex.data["message"]
    ex.set(lr=2.0)
    assert ex.data["trace"].diverged and "diverged at step" in ex.handles["title"].get_text()
    ex.set(lr=1.05)  # slower than the divergence check: still reported as diverging
    assert "diverging" in ex.data["message"] or "diverged" in ex.data["message"]
    ex.set(problem="Himmelblau (4 minima)", lr=0.5)
    assert "(3.00, 2.00)" in ex.data["message"]


@pytest.mark.parametrize("problem", list(explorer_problems()))
def test_learning_rate_explorer_never_draws_a_broken_plot(problem):
    ex = sc.widgets.learning_rate_explorer(problem=problem, lr=max(LR_FRACTIONS))
    png = ex.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.all(np.isfinite(ex.handles["path"].get_xydata()))
    assert np.all(np.isfinite(ex.handles["loss"].get_ydata()))


def test_learning_rate_explorer_rejects_unknown_problems():
    with pytest.raises(ValueError, match="problem"):
        sc.widgets.learning_rate_explorer(problem="Beale")


# -- schedule_explorer ------------------------------------------------------------------------------------

def test_schedule_explorer_controls_move_the_picture():
    ex = sc.widgets.schedule_explorer()
    assert set(ex.controls) == {"schedule", "lr", "final"}
    assert _png_changes(ex, "schedule", "step decay")
    assert np.allclose(ex.handles["lr"].get_ydata(), make_schedule("step decay", ex.values["lr"], 300,
                                                                   ex.values["final"]).lrs(300))
    assert _png_changes(ex, "final", 0.001)
    assert _png_changes(ex, "lr", 0.05)
    run = ex.data["trace"]
    assert np.allclose(ex.handles["run"].get_ydata(), np.maximum(run.gaps, 1e-300))
    assert len(ex.static_grid()) <= 80


def test_schedule_explorer_compares_with_the_constant_rate_on_the_same_noise():
    ex = sc.widgets.schedule_explorer(schedule="constant", lr=0.1)
    assert np.array_equal(ex.data["trace"].xs, ex.data["ref"].xs)
    ex.set(schedule="cosine", final=0.001)
    assert ex.data["level"] < ex.data["ref_level"] / 10   # decaying lowers the noise floor
    assert ex.data["ref_level"] == pytest.approx(ex.data["floor"], rel=0.5)
    ex.set(schedule="constant", lr=0.25)                  # above 2/L = 0.2
    assert ex.data["ref"].diverged and "diverged at step" in ex.handles["title"].get_text()
    assert not ex.handles["floor"].get_visible()


def test_static_exports_are_small_and_self_contained():
    for ex in (sc.widgets.learning_rate_explorer(), sc.widgets.schedule_explorer()):
        html = ex.to_html()
        assert len(html) < 1.5e6 and "https://" not in html
        payload = json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>',
                                       html).group(1))
        assert len(payload["index"]) == len(ex.static_grid()) <= 80
        assert len(set(payload["index"])) > len(payload["index"]) // 3
        assert all(base64.b64decode(f)[:4] == b"\x89PNG" for f in payload["frames"])


# -- blitting and layout ------------------------------------------------------------------------------------

def test_learning_rate_explorer_blits_what_a_full_draw_shows():
    ex = sc.widgets.learning_rate_explorer()
    # The basin map lies under the contours, so the left panel's contents are redrawn each frame; only
    # the one-pixel ends of the tick marks, which a full draw puts over the map's edge, may differ.
    assert blit_vs_full_draw(ex, lr=2.0) <= 20
    assert blit_vs_full_draw(ex, problem="Rosenbrock (curved valley)") <= 20
    assert blit_vs_full_draw(ex, lr=0.1) <= 20


def test_schedule_explorer_blits_what_a_full_draw_shows():
    ex = sc.widgets.schedule_explorer()
    assert blit_vs_full_draw(ex, lr=0.25, final=0.001) == 0   # a diverging run crosses the legend
    assert blit_vs_full_draw(ex, schedule="one-cycle") == 0


def test_switching_surfaces_keeps_the_panels_in_place_and_the_labels_inside():
    ex = sc.widgets.learning_rate_explorer()
    ex.render()
    positions = [a.get_position().bounds for a in ex.figure.axes]
    renderer = ex.figure.canvas.get_renderer()
    for key in explorer_problems():
        ex.set(problem=key)
        ex.render()
        assert [a.get_position().bounds for a in ex.figure.axes] == positions
        ax, ax_loss = ex.figure.axes
        assert ax.yaxis.get_tightbbox(renderer).x0 >= 0, key                       # inside the figure
        assert ax_loss.yaxis.get_tightbbox(renderer).x0 >= ax.get_window_extent(renderer).x1, key
