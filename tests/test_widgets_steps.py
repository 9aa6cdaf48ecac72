"""The steps explorer: works with no arguments, every control moves the figure, answers are computed."""
import time

import numpy as np
import pytest

import stepcourse as sc


@pytest.fixture(scope="module")
def ex():
    return sc.widgets.steps_explorer()


def test_contract(ex):
    assert set(ex.controls) == {"lr", "steps"}
    assert ex.figure is not None and len(ex.figure.axes) == 2


def test_lr_control_moves_path_and_message(ex):
    ex.set(lr=0.3, steps=10)
    before = ex.handles["points"].get_xdata().copy()
    ex.controls["lr"].value = 0.9
    after = ex.handles["points"].get_xdata()
    assert not np.allclose(before, after)
    assert "0.9" in ex.handles["title"].get_text()


def test_steps_control_shows_that_many_steps(ex):
    ex.set(lr=0.3)
    for k in (0, 4, 17):
        ex.controls["steps"].value = k
        assert len(ex.handles["points"].get_xdata()) == k + 1
        assert len(ex.handles["loss_line"].get_ydata()) == k + 1


def test_answer_matches_the_loop_and_the_formula(ex):
    ex.set(lr=0.5, steps=5)
    problem = sc.problems.parabola(curvature=1.0, x0=-3.0)
    gap0 = float(problem.f(problem.x0))
    expected = int(np.ceil(np.log(1e-4 / gap0) / (2 * np.log(0.5))))
    assert f"after {expected} steps" in ex.data["message"]
    ex.controls["lr"].value = 1.0
    assert "after 1 step" in ex.data["message"]
    ex.controls["lr"].value = 2.1
    assert "diverges" in ex.data["message"]
    ex.controls["lr"].value = 2.0
    assert "still not within" in ex.data["message"]


def test_live_image_changes_and_is_fast(ex):
    ex.widget  # builds the image view
    ex.set(lr=0.3, steps=5)
    png = ex._image.value
    times = []
    for lr in (0.1, 0.5, 1.9, 2.2):
        t = time.perf_counter()
        ex.controls["lr"].value = lr
        times.append(time.perf_counter() - t)
        assert ex._image.value != png
        png = ex._image.value
    # not a timed assertion: bench/bench_explorers.py measures latency; this only records it
    print("update times (s):", np.round(times, 4))


def test_static_export_has_every_frame(ex):
    html = ex.to_html()
    assert html.count('type="range"') == 2
    assert "https://" not in html and "http://" not in html


def test_rejects_a_2d_problem():
    with pytest.raises(ValueError, match="1-D"):
        sc.widgets.steps_explorer(sc.problems.rosenbrock())


def test_steps_to_tolerance_statuses():
    p = sc.problems.double_well()
    res = sc.loop.steps_to_tolerance(p, 0.1, tol=1e-8)
    assert res["status"] == "converged"
    # from x0 = 0.25 the slope is positive, so it rolls left, into the deeper basin
    assert np.allclose(res["minimum"], p.minima[0]) and p.minima[0, 0] < 0
    assert sc.loop.steps_to_tolerance(p, 5.0)["status"] == "diverged"


@pytest.mark.parametrize("factory, moves", [
    ("steps_explorer", {"lr": 2.2, "steps": 30}),
    ("boosting_explorer", {"stage": 40, "lr": 1.0}),
    ("gradient_flow_explorer", {"activation": "relu", "init": "he"}),
])
def test_blitted_frames_equal_a_full_draw(factory, moves):
    from explorer_checks import blit_vs_full_draw

    # Only where a moving artist crosses an axes edge may a few pixels differ: a full draw puts the
    # one-pixel spine over the arrow, the blitted frame the arrow over the spine.
    assert blit_vs_full_draw(getattr(sc.widgets, factory)(), **moves) <= 20
