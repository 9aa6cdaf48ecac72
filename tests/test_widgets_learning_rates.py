"""Explorers of the learning-rates chapter (the basin map and schedule runs behind them are tested in
test_moved_analysis.py)."""
import base64
import json
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.loop import sharpest_curvature
from stepcourse.schedules import for_run
from stepcourse.widgets.learning_rates import LR_FRACTIONS, explorer_surfaces
from explorer_checks import blit_vs_full_draw


def _png_changes(ex, name, value):
    before = ex.png()
    ex.controls[name].value = value
    return ex.png() != before


# -- learning_rate_explorer ---------------------------------------------------------------------------

def test_learning_rate_explorer_controls_move_the_picture():
    ex = sc.widgets.learning_rate_explorer()
    assert set(ex.controls) == {"surface", "lr"}
    path = ex.handles["path"]
    assert _png_changes(ex, "lr", 1.2)
    p, steps = explorer_surfaces()[ex.values["surface"]]
    expected = sc.minimize(p, sc.optim.SGD(lr=1.2 * 2 / sharpest_curvature(p)), steps=steps)
    assert np.array_equal(path.get_xdata(), expected.xs[:, 0])
    assert np.array_equal(ex.handles["mesh"].get_array().reshape(ex.data["basins"].labels.shape),
                          ex.data["basins"].labels)
    old_ax_limits = ex.handles["ax"].get_xlim()
    assert _png_changes(ex, "surface", "Rosenbrock (curved valley)")
    assert ex.handles["ax"].get_xlim() != old_ax_limits
    assert ex.handles["path"].get_xdata()[0] == pytest.approx(-1.2)
    assert len(ex.static_grid()) <= 80


def test_learning_rate_explorer_says_where_the_run_ends():
    ex = sc.widgets.learning_rate_explorer(surface="quadratic bowl (κ = 10)", lr=0.5)
    assert "reached the minimum" in ex.data["message"]
    ex.set(lr=2.0)
    assert ex.data["trace"].diverged and "diverged at step" in ex.result_text()
    ex.set(lr=1.05)  # slower than the divergence check: still reported as diverging
    assert "diverging" in ex.data["message"] or "diverged" in ex.data["message"]
    ex.set(surface="Himmelblau (4 minima)", lr=0.5)
    assert "(3.00, 2.00)" in ex.data["message"]


@pytest.mark.parametrize("surface", list(explorer_surfaces()))
def test_learning_rate_explorer_never_draws_a_broken_plot(surface):
    ex = sc.widgets.learning_rate_explorer(surface=surface, lr=max(LR_FRACTIONS))
    png = ex.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.all(np.isfinite(ex.handles["path"].get_xydata()))
    assert np.all(np.isfinite(ex.handles["loss"].get_ydata()))


def test_learning_rate_explorer_rejects_bad_arguments_by_name():
    with pytest.raises(ValueError, match="^surface must be one of"):
        sc.widgets.learning_rate_explorer(surface="Beale")
    with pytest.raises(ValueError, match="^lr must be a number from 0.02 to 2.5"):
        sc.widgets.learning_rate_explorer(lr=-0.3)
    with pytest.raises(ValueError, match="^n must be"):
        sc.widgets.learning_rate_explorer(n=1)
    with pytest.raises(ValueError, match="^schedule must be one of"):
        sc.widgets.schedule_explorer(schedule="linear")
    with pytest.raises(ValueError, match="^final must be a number from 0.001 to 1"):
        sc.widgets.schedule_explorer(final=0.0)
    with pytest.raises(ValueError, match="^tail must be"):
        sc.widgets.schedule_explorer(tail=500)


# -- schedule_explorer ------------------------------------------------------------------------------------

def test_schedule_explorer_controls_move_the_picture():
    ex = sc.widgets.schedule_explorer()
    assert set(ex.controls) == {"schedule", "lr", "final"}
    assert _png_changes(ex, "schedule", "step decay")
    assert np.allclose(ex.handles["lr"].get_ydata(), for_run("step decay", ex.values["lr"], 300,
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
    assert ex.data["ref"].diverged and "constant rate: diverged at step" in ex.result_text()
    assert not ex.handles["floor"].get_visible()


def test_static_exports_are_small_and_self_contained():
    for ex in (sc.widgets.learning_rate_explorer(), sc.widgets.schedule_explorer()):
        html = ex.to_html()
        assert len(html) < 1.5e6 and "https://" not in html
        payload = json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>',
                                       html).group(1))
        assert len(payload["index"]) == len(ex.static_grid()) <= 80
        assert len(set(payload["index"])) > len(payload["index"]) // 3
        assert len(payload["texts"]) == len(payload["index"]) and all(payload["texts"])
        assert all(base64.b64decode(f)[:4] == b"\x89PNG" for f in payload["frames"])


# -- blitting and layout ------------------------------------------------------------------------------------

def test_learning_rate_explorer_blits_what_a_full_draw_shows():
    ex = sc.widgets.learning_rate_explorer()
    # The basin map lies under the contours, so the left panel's contents are redrawn each frame; only
    # the one-pixel ends of the tick marks, which a full draw puts over the map's edge, may differ.
    # (two device pixels each at 2x)
    assert blit_vs_full_draw(ex, lr=2.0) <= 80
    assert blit_vs_full_draw(ex, surface="Rosenbrock (curved valley)") <= 80
    assert blit_vs_full_draw(ex, lr=0.1) <= 80


def test_schedule_explorer_blits_what_a_full_draw_shows():
    ex = sc.widgets.schedule_explorer()
    assert blit_vs_full_draw(ex, lr=0.25, final=0.001) == 0   # a diverging run crosses the legend
    assert blit_vs_full_draw(ex, schedule="one-cycle") == 0


def test_switching_surfaces_keeps_the_panels_in_place_and_the_labels_inside():
    ex = sc.widgets.learning_rate_explorer()
    ex.render()
    positions = [a.get_position().bounds for a in ex.figure.axes]
    renderer = ex.figure.canvas.get_renderer()
    for key in explorer_surfaces():
        ex.set(surface=key)
        ex.render()
        assert [a.get_position().bounds for a in ex.figure.axes] == positions
        ax, ax_loss = ex.figure.axes
        assert ax.yaxis.get_tightbbox(renderer).x0 >= 0, key                       # inside the figure
        assert ax_loss.yaxis.get_tightbbox(renderer).x0 >= ax.get_window_extent(renderer).x1, key
