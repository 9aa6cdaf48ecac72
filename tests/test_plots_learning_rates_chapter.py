"""Figures of the learning-rates chapter: factor per step against the rate, named rates, early stopping."""
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import stepcourse as sc


def _contraction(mu=1.0, L=10.0):
    eta = np.linspace(0.005, 0.26, 60)
    return eta, np.maximum(np.abs(1 - eta * mu), np.abs(1 - eta * L))


def test_contraction_factors_draws_the_formula_the_runs_and_the_landmarks():
    eta, rho = _contraction()
    probe = np.array([0.05, 0.1, 0.22])
    drawn = sc.plots.contraction_factors(eta, rho, measured=(probe, 1 - probe), mu=1.0, L=10.0)
    np.testing.assert_allclose(drawn["formula"].get_ydata(), rho)
    np.testing.assert_allclose(drawn["measured"].get_xdata(), probe)
    assert drawn["measured"].get_marker() == "o" and drawn["measured"].get_linestyle() == "None"
    assert list(drawn["one"].get_ydata()) == [1, 1]
    assert drawn["edge"].get_xdata()[0] == pytest.approx(0.2) and drawn["edge"].get_linestyle() == "--"
    assert drawn["best"].get_xdata()[0] == pytest.approx(2 / 11) and drawn["best"].get_linestyle() == ":"
    assert to_rgba(drawn["best"].get_color()) == to_rgba(sc.plots.color(2))
    assert drawn["edge"].get_label() == "2/L (divergence)"


def test_contraction_factors_without_curvatures_draws_no_landmarks():
    eta, rho = _contraction()
    fig, ax = sc.plots.subplots(pyplot=False)
    drawn = sc.plots.contraction_factors(eta, rho, ax, label="rho")
    assert drawn.ax is ax and drawn["measured"] is None and drawn["edge"] is None and drawn["best"] is None
    assert drawn["formula"].get_label() == "rho"
    only_L = sc.plots.contraction_factors(eta, rho, L=10.0)
    assert only_L["edge"] is not None and only_L["best"] is None


@pytest.mark.parametrize("kwargs, error", [
    ({"lrs": [0.1, 0.2], "factors": [0.9]}, ValueError),
    ({"lrs": [], "factors": []}, ValueError),
    ({"measured": [0.1, 0.2, 0.3]}, TypeError),
    ({"measured": ([0.1, 0.2], [0.9])}, ValueError),
    ({"mu": 1.0}, ValueError),
    ({"L": 0.0}, ValueError),
    ({"L": 10.0, "mu": -1.0}, ValueError),
])
def test_contraction_factors_rejects_bad_arguments(kwargs, error):
    eta, rho = _contraction()
    args = {"lrs": eta, "factors": rho, **kwargs}
    with pytest.raises(error):
        sc.plots.contraction_factors(args.pop("lrs"), args.pop("factors"), **args)


def test_rate_marks_draws_named_lines_on_either_axis():
    drawn = sc.plots.rate_marks({"2/L": 0.5, "1/L": 0.25})
    assert [float(ln.get_ydata()[0]) for ln in drawn["lines"]] == [0.5, 0.25]
    assert [t.get_text() for t in drawn["labels"]] == ["2/L", "1/L"]
    assert drawn["labels"][0].get_position()[1] == 0.5 and drawn["lines"][0].get_linestyle() == "--"
    vertical = sc.plots.rate_marks({"edge": 3.0}, axis="x", style=":")
    assert float(vertical["lines"][0].get_xdata()[0]) == 3.0 and vertical["lines"][0].get_linestyle() == ":"
    assert vertical["labels"][0].get_position()[0] == 3.0 and vertical["labels"][0].get_rotation() == 90
    assert sc.plots.rate_marks({})["lines"] == []


@pytest.mark.parametrize("marks, kwargs, error", [
    ([0.5], {}, TypeError),
    ({"a": 0.5}, {"axis": "z"}, ValueError),
    ({"a": float("inf")}, {}, ValueError),
])
def test_rate_marks_rejects_bad_arguments(marks, kwargs, error):
    with pytest.raises(error):
        sc.plots.rate_marks(marks, **kwargs)


@pytest.fixture(scope="module")
def history():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (30, 6))
    y = x @ rng.standard_normal(6) + 0.5 * rng.standard_normal(30)
    model = sc.models.LinearRegression()
    return sc.fit(model, model.init_params(6), (x[:10], y[:10]), sc.optim.SGD(lr=0.05), epochs=40,
                  val_data=(x[10:], y[10:]))


def test_training_curves_draw_both_losses_and_the_best_epoch(history):
    drawn = sc.plots.training_curves(history, log="xy")
    ax = drawn.ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_array_equal(drawn["train"].get_xdata(), history.epochs[1:])  # no epoch 0 on a log axis
    np.testing.assert_allclose(drawn["validation"].get_ydata(), history.val_loss[1:])
    assert drawn["best"].get_xdata()[0] == history.best_epoch
    assert drawn["best"].get_label() == f"best epoch {history.best_epoch}"
    assert drawn["best"].get_linestyle() == "--" and to_rgba(drawn["best"].get_color()) == to_rgba("black")
    assert to_rgba(drawn["validation"].get_color()) == to_rgba(sc.plots.color(1))
    linear = sc.plots.training_curves(history, log=None, best=False, labels=("train", "valid"))
    assert linear["best"] is None and linear.ax.get_xscale() == "linear"
    np.testing.assert_allclose(linear["train"].get_ydata(), history.train_loss)
    assert linear["validation"].get_label() == "valid"


def test_training_curves_reject_bad_arguments(history):
    with pytest.raises(TypeError):
        sc.plots.training_curves({"train_loss": [1.0], "val_loss": [1.0]})
    with pytest.raises(ValueError, match="log"):
        sc.plots.training_curves(history, log="z")
    model = sc.models.LinearRegression()
    x = np.linspace(-1, 1, 8)[:, None]
    no_val = sc.fit(model, model.init_params(1), (x, x[:, 0]), sc.optim.SGD(lr=0.1), epochs=2)
    with pytest.raises(ValueError, match="validation"):
        sc.plots.training_curves(no_val)
