"""The boosting explorer: works with no arguments, every control moves the figure, the numbers are the model's."""
import json
import re

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.data import boosting_demo_data


@pytest.fixture(scope="module")
def ex():
    return sc.widgets.boosting_explorer()


def test_contract(ex):
    assert set(ex.controls) == {"stage", "lr"}
    assert ex.figure is not None and len(ex.figure.axes) == 2


def test_stage_control_moves_the_fit_and_the_next_tree(ex):
    ex.set(stage=1, lr=0.3)
    fit, tree = ex.handles["fit"].get_ydata().copy(), ex.handles["tree"].get_ydata().copy()
    residuals = ex.handles["points"].get_offsets()[:, 1].copy()
    ex.controls["stage"].value = 20
    assert not np.allclose(fit, ex.handles["fit"].get_ydata())
    assert not np.allclose(tree, ex.handles["tree"].get_ydata())
    assert not np.allclose(residuals, ex.handles["points"].get_offsets()[:, 1])
    assert "after 20 trees" in ex.handles["fit_title"].get_text()
    assert "tree 21" in ex.handles["res_title"].get_text()


def test_lr_control_scales_the_step(ex):
    ex.set(stage=0, lr=0.1)
    step_small = ex.handles["step"].get_ydata().copy()
    ex.controls["lr"].value = 1.0
    step_big = ex.handles["step"].get_ydata()
    # At stage 0 the first tree is the same for every rate; only the step differs, by the rate.
    np.testing.assert_allclose(step_big, 10 * step_small, rtol=1e-12, atol=1e-15)


def test_numbers_are_those_of_the_model(ex):
    x, y, _ = boosting_demo_data()
    ex.set(stage=7, lr=0.5)
    model = sc.boosting.GradientBoostingRegressor(learning_rate=0.5, n_estimators=61, max_depth=2).fit(x, y)
    F7 = list(model.staged_predict(x))[6]
    np.testing.assert_allclose(ex.data["residual"], y - F7, rtol=0, atol=1e-12)
    assert ex.data["train_loss"] == pytest.approx(np.mean((y - F7) ** 2), rel=1e-12)
    assert f"{np.mean((y - F7) ** 2):.3f}" in ex.handles["fit_title"].get_text()
    # the right panel's step is what takes F_m to F_{m+1}
    grid = ex.handles["fit"].get_xdata()
    np.testing.assert_allclose(ex.data["next_fit"] - ex.data["fit"], ex.data["step"], atol=1e-12)
    assert grid.shape == ex.data["fit"].shape


def test_live_image_changes(ex):
    ex.widget  # builds the image view
    ex.set(stage=2, lr=0.3)
    png = ex._image.value
    for stage in (3, 10, 40):
        ex.controls["stage"].value = stage
        assert ex._image.value != png
        png = ex._image.value
    assert ex.result_text().startswith("after 40 trees at learning rate 0.3: training loss")


def test_static_export(ex):
    html = ex.to_html()
    assert html.count('<input type="range"') == 2
    assert "https://" not in html and "http://" not in html
    assert len(html) < 3_000_000
    payload = json.loads(re.search(r'class="sc-frames">(.*?)</script>', html).group(1))
    # 8 stages x 3 rates, every one a different picture with its own result line
    assert len(payload["index"]) == 24 == len(set(payload["index"])) == len(payload["frames"])
    assert len(set(payload["texts"])) == 24


@pytest.mark.parametrize("loss", ["absolute_error", "huber"])
def test_other_losses_show_their_pseudo_residuals(loss):
    e = sc.widgets.boosting_explorer(loss=loss, stage=4, max_stage=10)
    r = e.data["residual"]
    if loss == "absolute_error":
        assert set(np.unique(r)) <= {-1.0, 1.0}
    else:  # Huber clips the largest tenth of the residuals at +-delta
        assert np.sum(np.isclose(np.abs(r), np.abs(r).max())) >= 0.09 * r.size


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="^stage must be a number from 0 to 60"):
        sc.widgets.boosting_explorer(stage=61)
    with pytest.raises(ValueError, match="^lr must be"):
        sc.widgets.boosting_explorer(lr=-0.3)
    with pytest.raises(ValueError, match="data must be 1-D"):
        sc.widgets.boosting_explorer(data=(np.zeros((10, 2)), np.zeros(10)))
    with pytest.raises(ValueError, match="loss must be one of"):
        sc.widgets.boosting_explorer(loss="hinge")
