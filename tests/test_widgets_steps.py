"""The steps explorer: works with no arguments, every control moves the figure, answers are computed."""
import json
import re

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
    assert ex.result_text().startswith("lr = 0.9:")


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


def test_live_image_and_result_line_change(ex):
    ex.widget  # builds the image view
    ex.set(lr=0.3, steps=5)
    png, said = ex._image.value, ex._result_widget.value
    for lr in (0.1, 0.5, 1.9, 2.2):
        ex.controls["lr"].value = lr
        assert ex._image.value != png and ex._result_widget.value != said
        png, said = ex._image.value, ex._result_widget.value
    assert "diverges" in said


def test_static_export_has_every_frame(ex):
    html = ex.to_html()
    assert html.count('<input type="range"') == 2
    assert "https://" not in html and "http://" not in html
    payload = json.loads(re.search(r'class="sc-frames">(.*?)</script>', html).group(1))
    # 10 learning rates x 7 step counts: one entry per setting, each pointing at a stored frame
    assert payload["sizes"] == [10, 7] and len(payload["index"]) == 70 == len(payload["texts"])
    assert sorted(set(payload["index"])) == list(range(len(payload["frames"])))
    # different settings show different pictures: at most the diverging runs' tails coincide
    assert len(payload["frames"]) >= 60
    assert payload["texts"][0].startswith("lr = 0.05:") and "diverges" in payload["texts"][-1]


@pytest.mark.parametrize("kwargs, match", [({"lr": -0.3}, "^lr must be a number from 0.02 to 2.2"),
                                           ({"lr": 5.0}, "^lr must be"), ({"steps": 31}, "^steps must be"),
                                           ({"tol": 0}, "^tol must be"), ({"max_shown": 0}, "^max_shown must")])
def test_rejects_out_of_range_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.widgets.steps_explorer(**kwargs)
    with pytest.raises(TypeError, match="^problem must be a Problem"):
        sc.widgets.steps_explorer("parabola")


def test_rejects_a_2d_problem():
    with pytest.raises(ValueError, match="1-D"):
        sc.widgets.steps_explorer(sc.problems.rosenbrock())


def test_steps_to_stay_within_statuses():
    p = sc.problems.double_well()
    res = sc.loop.steps_to_stay_within(p, 0.1, tol=1e-8)
    assert res.status == "converged"
    # from x0 = 0.25 the slope is positive, so it rolls left, into the deeper basin
    assert np.allclose(res.minimum, p.minima[0]) and p.minima[0, 0] < 0
    assert sc.loop.steps_to_stay_within(p, 5.0).status == "diverged"


@pytest.mark.parametrize("factory, moves", [
    ("steps_explorer", {"lr": 2.2, "steps": 30}),
    ("boosting_explorer", {"stage": 40, "lr": 1.0}),
    ("gradient_flow_explorer", {"activation": "relu", "init": "he"}),
])
def test_blitted_frames_equal_a_full_draw(factory, moves):
    from explorer_checks import blit_vs_full_draw

    # Only where a moving artist crosses an axes edge may a few pixels differ: a full draw puts the
    # spine (two device pixels wide at 2x) over the arrow, the blitted frame the arrow over the spine.
    assert blit_vs_full_draw(getattr(sc.widgets, factory)(), **moves) <= 80
