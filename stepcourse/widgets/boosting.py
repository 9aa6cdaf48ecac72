"""The boosting explorer: gradient boosting on 1-D data, one stage at a time.

Left: the data and the model :math:`F_m` after ``stage`` trees (and, faintly, after the next one).
Right: the pseudo-residuals the next tree is fitted to, that tree :math:`h_{m+1}`, and the step
:math:`\\eta\\, h_{m+1}` actually taken. Moving the learning rate shows the trade-off of the
chapter: a small step needs many trees, a large one overshoots the noise sooner.

``boosting_compute``, ``boosting_draw``, ``boosting_update`` and ``boosting_result`` are the explorer's
pieces; :func:`boosting_explorer` wires them to controls. The data is :func:`stepcourse.data.boosting_demo_data`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .. import plots
from .._validation import check_integer
from ..boosting import GradientBoostingRegressor, Huber, get_loss
from ..data import boosting_demo_data
from ._explorer import Explorer, Slider

__all__ = ["boosting_explorer", "BOOSTING_LR_GRID", "BoostingSetup", "boosting_compute", "boosting_draw",
           "boosting_update", "boosting_result"]

#: Learning rates offered by the slider.
BOOSTING_LR_GRID = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


@dataclass(eq=False)
class BoostingSetup:
    """The data, the loss, the depth of each tree and the number of stages; the fitted models per rate."""

    x: np.ndarray
    y: np.ndarray
    truth: object = None
    loss: str = "squared_error"
    max_depth: int = 2
    max_stage: int = 60
    runs: dict = field(default_factory=dict)

    def __post_init__(self):
        x = self.x
        self.grid = np.linspace(x.min() - 0.05 * np.ptp(x), x.max() + 0.05 * np.ptp(x), 400)[:, None]
        r0 = self.y - (np.median(self.y) if self.loss != "squared_error" else np.mean(self.y))
        self.r_lim = (min(-1.05, 1.15 * r0.min()), max(1.05, 1.15 * r0.max()))

    def run(self, lr: float):
        if lr not in self.runs:
            model = GradientBoostingRegressor(loss=self.loss, learning_rate=lr, n_estimators=self.max_stage + 1,
                                              max_depth=self.max_depth, random_state=0).fit(self.x, self.y)
            on_grid = np.vstack([np.full(len(self.grid), model.init_), *model.staged_predict(self.grid)])
            on_data = np.vstack([np.full(len(self.y), model.init_), *model.staged_predict(self.x)])
            self.runs[lr] = (model, on_grid, on_data)
        return self.runs[lr]


def boosting_compute(setup: BoostingSetup, stage, lr) -> dict:
    """The model after ``stage`` trees, the pseudo-residuals of that stage and the next tree's step."""
    model, on_grid, on_data = setup.run(float(lr))
    m = int(stage)
    F = on_data[m]
    stage_loss = get_loss(setup.loss, model.alpha)
    if isinstance(stage_loss, Huber):
        stage_loss.set_delta(setup.y, F)  # the threshold this stage used
    tree = model.estimators_[m]
    step = tree.predict(setup.grid)
    return {"setup": setup, "stage": m, "lr": float(lr), "fit": on_grid[m], "next_fit": on_grid[m + 1],
            "residual": stage_loss.negative_gradient(setup.y, F), "tree": step, "step": float(lr) * step,
            "train_loss": stage_loss.score(setup.y, F), "next_tree_leaves": tree.n_leaves}


def boosting_result(data) -> str:
    return (f"after {data['stage']} trees at learning rate {data['lr']:g}: training loss "
            f"{data['train_loss']:.3f}; tree {data['stage'] + 1} has {data['next_tree_leaves']} leaves")


def boosting_draw(fig, data) -> dict:
    """Left: data, truth, F_m and F_(m+1); right: pseudo-residuals, the next tree and the step taken."""
    s = data["setup"]
    x, grid = s.x, s.grid
    ax_fit, ax_res = fig.subplots(1, 2)
    ax_fit.scatter(x[:, 0], s.y, s=12, color=plots.color(7), alpha=0.55, label="data")
    if s.truth is not None:
        ax_fit.plot(grid[:, 0], s.truth(grid), color=plots.color(2), linewidth=1, linestyle=":",
                    label="true function")
    (next_line,) = ax_fit.plot(grid[:, 0], data["next_fit"], color=plots.color(0), linewidth=1, alpha=0.35,
                               label="$F_{m+1}$ (after the next step)")
    (fit_line,) = ax_fit.plot(grid[:, 0], data["fit"], color=plots.color(0), linewidth=2, label="model $F_m$")
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    ax_fit.legend(loc="upper left", fontsize="x-small")
    fit_title = ax_fit.set_title("", fontsize="medium")
    ax_res.axhline(0.0, color=plots.color(7), linewidth=0.6)
    points = ax_res.scatter(x[:, 0], data["residual"], s=12, color=plots.color(1), alpha=0.7,
                            label="pseudo-residuals $r = -\\partial L/\\partial F$")
    (tree_line,) = ax_res.plot(grid[:, 0], data["tree"], color=plots.color(3), linewidth=1.5,
                               drawstyle="steps-mid", label="next tree $h_{m+1}$")
    (step_line,) = ax_res.plot(grid[:, 0], data["step"], color=plots.color(0), linewidth=2,
                               drawstyle="steps-mid", label="step $\\eta\\, h_{m+1}$")
    ax_res.set_ylim(*s.r_lim)
    ax_res.set_xlabel("x")
    ax_res.set_ylabel("residual")
    ax_res.legend(loc="upper left", fontsize="x-small")
    res_title = ax_res.set_title("", fontsize="medium")
    handles = {"fit": fit_line, "next": next_line, "points": points, "tree": tree_line, "step": step_line,
               "fit_title": fit_title, "res_title": res_title}
    # The data, axes and legends are drawn once and cached; only these move (blitting).
    handles["animated"] = [next_line, fit_line, points, tree_line, step_line, fit_title, res_title]
    boosting_update(handles, data)
    return handles


def boosting_update(h: dict, data) -> None:
    h["fit"].set_ydata(data["fit"])
    h["next"].set_ydata(data["next_fit"])
    h["points"].set_offsets(np.column_stack([data["setup"].x[:, 0], data["residual"]]))
    h["tree"].set_ydata(data["tree"])
    h["step"].set_ydata(data["step"])
    h["fit_title"].set_text(f"after {data['stage']} trees (lr = {data['lr']:g}): "
                            f"training loss {data['train_loss']:.3f}")
    h["res_title"].set_text(f"what tree {data['stage'] + 1} fits ({data['next_tree_leaves']} leaves)")


def boosting_explorer(stage: int = 3, lr: float = 0.3, *, loss: str = "squared_error", max_depth: int = 2,
                      max_stage: int = 60, data=None) -> Explorer:
    """Gradient boosting one stage at a time: move the stage and the learning rate.

    Parameters
    ----------
    stage : int
        Initial number of trees already fitted, from 0 to ``max_stage``.
    lr : float
        Initial learning rate, from 0.02 to 1 (snapped to the slider's grid).
    loss : str
        The loss of :class:`~stepcourse.boosting.GradientBoostingRegressor`.
    max_depth : int
        Depth of each tree.
    max_stage : int
        Largest value of the stage slider.
    data : (x, y) or None
        1-D training data; default :func:`stepcourse.data.boosting_demo_data`.
    """
    x, y, truth = boosting_demo_data() if data is None else (*(np.asarray(a, dtype=float) for a in data), None)
    x = x.reshape(-1, 1) if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] != 1 or len(y) != len(x):
        raise ValueError(f"data must be 1-D (one feature, as many targets); got x of shape {x.shape}")
    GradientBoostingRegressor(loss=loss, max_depth=max_depth)  # validates before anything is drawn
    setup = BoostingSetup(x, y, truth, loss, max_depth, check_integer("max_stage", max_stage, low=1))
    return Explorer(
        controls={
            "stage": Slider(values=np.arange(0, setup.max_stage + 1), value=stage, label="trees so far m",
                            static=[s for s in (0, 1, 2, 5, 10, 20, 40, 60) if s <= setup.max_stage]),
            "lr": Slider(values=BOOSTING_LR_GRID, value=lr, label="learning rate η", static=(0.05, 0.3, 1.0)),
        },
        compute=partial(boosting_compute, setup), draw=boosting_draw, update=boosting_update,
        result=boosting_result, figsize=(plots.COLUMN_WIDTH, 3.2),
        title="Boosting explorer: each tree is a step down the gradient",
        alt=("Left: noisy data on a wavy curve with the boosted model after the chosen number of trees, and "
             "faintly the model after one more tree. Right: the pseudo-residuals (here the plain residuals "
             "y - F) at each point, the regression tree fitted to them as a step function, and the step "
             "actually taken, the tree scaled by the learning rate."),
    )
