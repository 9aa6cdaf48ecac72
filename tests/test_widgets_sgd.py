"""The SGD chapters' explorers: every control changes the figure; the static exports stay small."""
import base64
import json
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.widgets import sgd as W
from explorer_checks import blit_vs_full_draw


def _payload(html):
    return json.loads(re.search(r'<script type="application/json" class="sc-frames">(.*?)</script>', html).group(1))


def _line_data(line):
    x, y = line.get_data()
    return np.asarray(x, dtype=float).copy(), np.asarray(y, dtype=float).copy()


def _changed(before, after):
    (x0, y0), (x1, y1) = before, after
    return x0.shape != x1.shape or not (np.allclose(x0, x1, equal_nan=True) and np.allclose(y0, y1, equal_nan=True))


@pytest.fixture(scope="module")
def race():
    return W.optimizer_race_explorer()


def test_race_explorer_defaults_and_controls(race):
    assert set(race.controls) == {"surface", "optimizers", "lr_scale", "momentum"}
    assert race.figure is not None and len(race.figure.axes) >= 2
    shown = [n for n in W.RACE_OPTIMIZERS if len(race.handles["paths"][n].get_xdata())]
    assert shown == list(W.RACE_GROUPS["SGD, momentum, Nesterov"])


def test_race_sliders_move_the_paths(race):
    race.set(surface="ravine (κ = 100)", optimizers="SGD, momentum, Nesterov", lr_scale=1.0, momentum=0.9)
    for control, value, moved in [("lr_scale", 0.25, "SGD"), ("momentum", 0.5, "momentum")]:
        before = _line_data(race.handles["paths"][moved])
        race.controls[control].value = value
        assert _changed(before, _line_data(race.handles["paths"][moved])), control
    before = _line_data(race.handles["losses"]["Nesterov"])
    race.controls["lr_scale"].value = 4.0
    assert _changed(before, _line_data(race.handles["losses"]["Nesterov"]))
    # at 4x the ravine's rate, SGD diverges: the legend says so and a cross marks the end
    assert race.data["traces"]["SGD"].diverged
    assert len(race.handles["ends"]["SGD"].get_xdata()) == 1
    assert any("diverged" in t.get_text() for t in race.handles["legend"].get_texts())
    assert "SGD diverged at step" in race.result_text()


def test_race_optimizer_groups_and_problems_redraw(race):
    race.set(surface="ravine (κ = 100)", optimizers="SGD, momentum, Nesterov", lr_scale=1.0, momentum=0.9)
    race.controls["optimizers"].value = "AdaGrad, RMSprop, Adam"
    assert len(race.handles["paths"]["SGD"].get_xdata()) == 0
    assert len(race.handles["paths"]["Adam"].get_xdata()) > 0
    for name in list(W.race_courses())[1:] + ["ravine (κ = 100)"]:
        title_before = race.handles["ax"].get_title()
        race.controls["surface"].value = name
        assert race.handles["course"] == name and race.handles["ax"].get_title() != title_before
        course = W.race_courses()[name]
        assert np.allclose(race.handles["paths"]["Adam"].get_xydata()[0], course.x0)
    race.controls["optimizers"].value = "all six"
    assert all(len(race.handles["paths"][n].get_xdata()) > 0 for n in W.RACE_OPTIMIZERS)


def test_race_courses_tell_the_stories_the_chapter_tells():
    courses = W.race_courses()
    ravine = courses["ravine (κ = 100)"]
    # the chapter's ravine: curvatures 1 and 100
    assert np.allclose(sorted(ravine.problem.eigenvalues), [1.0, 100.0])
    runs = ravine.run(["SGD", "momentum"])
    assert runs["momentum"].loss < runs["SGD"].loss
    camel = courses["six-hump camel"]
    runs = camel.run(["SGD", "momentum"])
    global_min = camel.problem.f_min
    assert runs["SGD"].loss > global_min + 1.0 and runs["momentum"].loss == pytest.approx(global_min, abs=1e-6)
    saddle = courses["saddle"].run(["SGD", "momentum"])
    first_out = {k: int(np.argmax(np.abs(tr.xs[:, 1]) > 1)) for k, tr in saddle.items()}
    assert 0 < first_out["momentum"] < first_out["SGD"]


def test_race_legend_shows_what_the_axis_shows(race):
    race.set(surface="ravine (κ = 100)", optimizers="SGD, momentum, Nesterov", lr_scale=1.0, momentum=0.9)
    p = W.race_courses()["ravine (κ = 100)"].problem
    texts = [t.get_text() for t in race.handles["legend"].get_texts()]
    for name, text in zip(("SGD", "momentum", "Nesterov"), texts):
        tr = race.data["traces"][name]
        assert text == f"{name}: f - f* = {tr.loss - p.f_min:.2g}"
    assert "f(w_k) - f^*" in race.handles["ax_loss"].get_ylabel()
    race.set(surface="saddle")  # no minimum: the loss itself, on both
    texts = [t.get_text() for t in race.handles["legend"].get_texts()]
    assert all(": f = " in t or "diverged at step" in t for t in texts) and any(": f = " in t for t in texts)
    assert "loss $f(w_k)$" in race.handles["ax_loss"].get_ylabel()


def test_race_colours_and_dashes_tell_each_group_apart():
    from matplotlib.colors import to_rgb

    for group in W.RACE_GROUPS.values():
        styles = [sc.plots.race_style(name) for name in group]
        for i, a in enumerate(styles):
            for b in styles[i + 1:]:
                distance = np.linalg.norm(np.subtract(to_rgb(a["color"]), to_rgb(b["color"])))
                assert distance > 0.35 or a["linestyle"] != b["linestyle"], (group, a, b)
    # the pair readers mixed up: SGD and Nesterov differ in hue and in dash pattern
    sgd, nesterov = sc.plots.race_style("SGD"), sc.plots.race_style("Nesterov")
    assert sgd["linestyle"] != nesterov["linestyle"]
    assert np.linalg.norm(np.subtract(to_rgb(sgd["color"]), to_rgb(nesterov["color"]))) > 0.6


def test_race_labels_match_the_chapter():
    ex = W.optimizer_race_explorer()
    assert "six update rules" not in ex.title and "all six" in ex.title
    assert list(W.race_courses())[0] == "ravine (κ = 100)"
    with pytest.raises(ValueError, match="^surface must be one of"):
        W.optimizer_race_explorer(surface="Beale")
    with pytest.raises(ValueError, match="^lr_scale must be a number from 0.125 to 4"):
        W.optimizer_race_explorer(lr_scale=8)
    with pytest.raises(ValueError, match="^optimizers must be one of"):
        W.optimizer_race_explorer(optimizers="SGD")


def test_race_static_export_is_small_and_varied(race):
    assert len(race.static_grid()) <= 80
    html = race.to_html()
    assert len(html) < 2e6
    payload = _payload(html)
    assert len(payload["index"]) == len(race.static_grid()) == len(payload["texts"])
    assert len(payload["frames"]) > 0.8 * len(payload["index"])
    assert base64.b64decode(payload["frames"][0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "https://" not in html


@pytest.fixture(scope="module")
def batch():
    return W.batch_size_explorer()


def test_batch_explorer_controls_change_the_figure(batch):
    assert set(batch.controls) == {"batch_size", "lr", "sampling"}
    for control, value, artist in [("batch_size", 1, "sgd_path"), ("lr", 0.1, "sgd_loss"),
                                   ("sampling", "replacement", "sgd_path"), ("batch_size", 442, "sgd_loss")]:
        before = _line_data(batch.handles[artist])
        title = batch.handles["title"].get_text()
        batch.controls[control].value = value
        assert _changed(before, _line_data(batch.handles[artist])), control
        assert batch.handles["title"].get_text() != title
    # the full batch in a shuffled epoch is gradient descent: its path is the GD path, one step per epoch
    batch.controls["sampling"].value = "shuffle"
    assert np.allclose(batch.handles["sgd_path"].get_xydata(), batch.handles["gd_path"].get_xydata())


def test_batch_size_explorer_arguments():
    with pytest.raises(ValueError, match="^batch_size must be a number from 1 to 442"):
        W.batch_size_explorer(batch_size=0)
    with pytest.raises(ValueError, match="^sampling must be one of"):
        W.batch_size_explorer(sampling="random")


def test_batch_static_export_is_small(batch):
    assert len(batch.static_grid()) <= 80
    html = batch.to_html()
    assert len(html) < 1.5e6
    payload = _payload(html)
    assert len(set(payload["index"])) > 0.8 * len(payload["index"])


# -- blitting and layout ------------------------------------------------------------------------------------

def test_race_explorer_blits_what_a_full_draw_shows():
    ex = W.optimizer_race_explorer()
    assert blit_vs_full_draw(ex, lr_scale=4.0, momentum=0.5) == 0   # diverging paths cross the frame
    assert blit_vs_full_draw(ex, surface="saddle", optimizers="all six") == 0
    assert blit_vs_full_draw(ex, lr_scale=0.25) == 0


def test_batch_explorer_blits_what_a_full_draw_shows():
    ex = W.batch_size_explorer()
    assert blit_vs_full_draw(ex, batch_size=1, lr=0.6) == 0
    assert blit_vs_full_draw(ex, sampling="replacement", batch_size=4) == 0


def test_switching_courses_keeps_the_panels_in_place_and_the_labels_inside(race):
    race.render()
    positions = [a.get_position().bounds for a in race.figure.axes]
    renderer = race.figure.canvas.get_renderer()
    for name in W.race_courses():
        race.set(surface=name)
        race.render()
        assert [a.get_position().bounds for a in race.figure.axes] == positions
        ax, ax_loss = race.figure.axes
        assert ax.yaxis.get_tightbbox(renderer).x0 >= 0, name
        assert ax_loss.yaxis.get_tightbbox(renderer).x0 >= ax.get_window_extent(renderer).x1, name
