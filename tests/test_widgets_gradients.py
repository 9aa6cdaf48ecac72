"""Explorers of the gradients chapter: every control moves the picture, and the pictures tell the truth."""
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.gradcheck import THRESHOLD, check_grad, numerical_grad
from stepcourse.widgets.gradients import NeuronGraph
from explorer_checks import blit_vs_full_draw


def _png_changes(ex, name, value):
    before = ex.png()
    ex.controls[name].value = value
    return ex.png() != before


def test_gradient_field_explorer_controls_move_the_point_and_arrow():
    ex = sc.widgets.gradient_field_explorer()
    assert set(ex.controls) == {"x", "y"}
    dot = ex.handles["dot"]
    arrow_tip = tuple(ex.handles["up"].xy)
    assert _png_changes(ex, "x", ex.specs["x"].values[3])
    assert dot.get_xdata()[0] == pytest.approx(ex.specs["x"].values[3])
    assert _png_changes(ex, "y", ex.specs["y"].values[-4])
    assert dot.get_ydata()[0] == pytest.approx(ex.specs["y"].values[-4])
    assert tuple(ex.handles["up"].xy) != arrow_tip
    assert len(ex.static_grid()) <= 80


def test_gradient_field_result_line_says_where_the_gradient_points():
    ex = sc.widgets.gradient_field_explorer()
    ex.set(x=ex.specs["x"].nearest(1.0), y=ex.specs["y"].nearest(1.0))
    p, g = ex.data["point"], sc.problems.himmelblau().grad(ex.data["point"])
    assert ex.result_text() == (f"at ({p[0]:.2f}, {p[1]:.2f}): f = {ex.data['f']:.3g}, gradient "
                                f"({g[0]:.3g}, {g[1]:.3g}) of length {np.linalg.norm(g):.3g}, pointing at "
                                f"{np.degrees(np.arctan2(g[1], g[0])):.0f} degrees")
    ex.set(x=3.0, y=2.0)
    assert "vanishes" in ex.result_text()


@pytest.mark.parametrize("factory, kwargs, error, match", [
    ("gradient_field_explorer", {"x": 9.0}, ValueError, "^x must be a number from"),
    ("gradient_field_explorer", {"problem": "himmelblau"}, TypeError, "^problem must be a Problem"),
    ("gradient_field_explorer", {"n_positions": 3}, ValueError, "^n_positions must be"),
    ("finite_difference_explorer", {"h": -0.3}, ValueError, "^h must be a number from 1e-15 to 0.1"),
    ("finite_difference_explorer", {"x": float("nan")}, ValueError, "^x must be a finite number"),
    ("backprop_explorer", {"stage": 99}, ValueError, "^stage must be a number from 0 to"),
])
def test_explorers_reject_bad_arguments_by_name(factory, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(sc.widgets, factory)(**kwargs)


def test_directional_derivative_peaks_along_the_gradient():
    ex = sc.widgets.gradient_field_explorer()
    ex.set(x=1.0, y=1.0)
    d = ex.data
    i = int(np.argmax(d["directional"]))
    assert d["directional"][i] == pytest.approx(d["norm"], rel=1e-3)
    assert d["thetas"][i] == pytest.approx(d["angle"], abs=np.pi / 180)
    np.testing.assert_allclose(ex.handles["ax_dir"].get_lines()[1].get_ydata(), d["directional"])


def test_gradient_field_explorer_at_a_minimum_has_no_arrow():
    ex = sc.widgets.gradient_field_explorer()
    ex.set(x=3.0, y=2.0)  # a minimum of Himmelblau's function: the gradient vanishes
    assert ex.data["norm"] == pytest.approx(0.0, abs=1e-9)
    assert not ex.handles["up"].get_visible() and ex.data["level_set"] == []


def test_gradient_field_explorer_needs_2d():
    with pytest.raises(ValueError, match="2-D"):
        sc.widgets.gradient_field_explorer(sc.problems.parabola())


def test_finite_difference_explorer_marks_the_current_h():
    ex = sc.widgets.finite_difference_explorer()
    vline = ex.handles["vline"]
    for h in (1e-13, 1e-6, 1e-2):
        value = ex.specs["h"].nearest(h)
        assert _png_changes(ex, "h", value) or value == ex.values["h"]
        assert vline.get_xdata()[0] == pytest.approx(value)
        exact = np.cos(1.0)
        central = (np.sin(1 + value) - np.sin(1 - value)) / (2 * value)
        assert ex.data["err_central"] == pytest.approx(abs(central - exact))
        assert ex.handles["mc"].get_ydata()[0] == pytest.approx(max(ex.data["err_central"], 1e-17))
    # Large h: truncation, central far better than forward. Tiny h: round-off swamps both.
    ex.controls["h"].value = ex.specs["h"].nearest(1e-2)
    assert ex.data["err_central"] < ex.data["err_forward"] / 10
    ex.controls["h"].value = ex.specs["h"].nearest(1e-15)
    assert min(ex.data["err_central"], ex.data["err_forward"]) > 1e-4
    with pytest.raises(ValueError, match="func"):
        sc.widgets.finite_difference_explorer(func="tan")


def test_neuron_graph_backward_matches_finite_differences():
    g = NeuronGraph()
    grads = g.backward()
    names = ["x1", "x2", "w1", "w2", "b"]

    def loss(v):
        inputs = dict(g.inputs, **dict(zip(names, v)))
        return float(g.forward(inputs)["L"])

    point = np.array([g.inputs[k] for k in names])
    numeric = numerical_grad(loss, point)
    np.testing.assert_allclose([grads[k] for k in names], numeric, rtol=1e-7)
    assert grads["z"] == pytest.approx(g.values["p"] - g.inputs["y"])
    assert check_grad((loss, lambda v: np.array([grads[k] for k in names])), point) < THRESHOLD


def test_backprop_explorer_fills_values_then_gradients():
    ex = sc.widgets.backprop_explorer()
    n = len(ex.specs["stage"].values)
    assert ex.data["grads"] == {} and "L" not in ex.data["values"]
    ex.controls["stage"].value = 5
    assert "L" in ex.data["values"] and ex.data["grads"] == {}
    assert ex.handles["v"]["L"].get_text() != ""
    ex.controls["stage"].value = n - 1
    assert set(ex.data["grads"]) == {"L", "p", "z", "u1", "u2", "w1", "x1", "w2", "x2", "b"}
    assert ex.handles["g"]["w1"].get_text() == f"{NeuronGraph().backward()['w1']:+.3f}"


def test_backprop_static_export_is_self_contained():
    ex = sc.widgets.backprop_explorer()
    page = ex.to_html()
    assert "<script" in page and "http" not in page.replace("http-equiv", "")
    assert page.count('<input type="range"') == 1
    assert len(page) < 3_000_000
    frames = re.search(r'class="sc-frames">(.*?)</script>', page).group(1)
    assert frames.count("iVBOR") >= 10  # distinct PNG frames


# -- blitting: the cached background plus the redrawn artists is the picture a full draw gives ---------------

@pytest.mark.parametrize("factory, moves", [
    ("gradient_field_explorer", {"x": -4.0, "y": 4.0}),   # a long gradient: the right panel's limits grow
    ("gradient_field_explorer", {"x": 3.0, "y": 2.0}),    # a minimum: no arrow
    ("finite_difference_explorer", {"h": 1e-15}),
    ("finite_difference_explorer", {"h": 1e-1}),
    ("backprop_explorer", {"stage": 7}),
])
def test_blitted_frames_match_a_full_draw(factory, moves):
    ex = getattr(sc.widgets, factory)()
    assert ex.handles["animated"]
    moves = {k: ex.specs[k].nearest(v) for k, v in moves.items()}
    assert blit_vs_full_draw(ex, **moves) == 0


def test_gradient_field_layout_fits_the_longest_tick_labels():
    ex = sc.widgets.gradient_field_explorer()
    ax, ax_dir = ex.figure.axes
    ex.render()
    positions = [a.get_position().bounds for a in ex.figure.axes]
    renderer = ex.figure.canvas.get_renderer()
    for x, y in [(-4.0, 4.0), (3.0, 2.0), (0.0, 0.0), (-0.25, -0.75), (4.75, 4.75)]:  # the last: max |grad f|
        ex.set(x=ex.specs["x"].nearest(x), y=ex.specs["y"].nearest(y))
        ex.render()
        assert [a.get_position().bounds for a in ex.figure.axes] == positions  # the panels stay in place
        labels = ax_dir.yaxis.get_tightbbox(renderer)  # tick labels and axis label of the right panel
        assert labels.x0 >= ax.get_window_extent(renderer).x1, (x, y)
