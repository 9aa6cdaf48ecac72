"""The boosting explorer: gradient boosting on 1-D data, one stage at a time.

Left: the data and the model :math:`F_m` after ``stage`` trees (and, faintly, after the next one).
Right: the pseudo-residuals the next tree is fitted to, that tree :math:`h_{m+1}`, and the step
:math:`\\eta\\, h_{m+1}` actually taken. Moving the learning rate shows the trade-off of the
chapter: a small step needs many trees, a large one overshoots the noise sooner.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import plots
from ..boosting import GradientBoostingRegressor, Huber, get_loss
from ._explorer import Explorer, Slider

__all__ = ["boosting_explorer", "boosting_demo_data", "BOOSTING_LR_GRID"]

#: Learning rates offered by the slider.
BOOSTING_LR_GRID = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


def boosting_demo_data(n: int = 80, noise: float = 0.3, seed: int = 0):
    """A wavy 1-D regression problem: ``x`` in [0, 6], ``y = sin(1.5 x) + 0.3 x + noise``.

    Returns ``(x, y, truth)`` where ``x`` has shape (n, 1) and ``truth`` is the noise-free function.

    >>> x, y, truth = boosting_demo_data(n=5)
    >>> x.shape, y.shape, round(float(truth(np.array([0.0]))[0]), 3)
    ((5, 1), (5,), 0.0)
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 6.0, size=n))[:, None]

    def truth(t):
        t = np.asarray(t, dtype=float).reshape(-1)
        return np.sin(1.5 * t) + 0.3 * t

    return x, truth(x) + noise * rng.normal(size=n), truth


def boosting_explorer(stage: int = 3, lr: float = 0.3, *, loss: str = "squared_error", max_depth: int = 2,
                      max_stage: int = 60, data=None) -> Explorer:
    """Gradient boosting one stage at a time: move the stage and the learning rate.

    Parameters
    ----------
    stage, lr : int, float
        Initial slider values (``stage`` trees already fitted).
    loss : str
        The loss of :class:`~stepcourse.boosting.GradientBoostingRegressor`.
    max_depth : int
        Depth of each tree.
    max_stage : int
        Largest value of the stage slider.
    data : (x, y) or None
        1-D training data; default :func:`boosting_demo_data`.
    """
    if data is None:
        x, y, truth = boosting_demo_data()
    else:
        x, y = (np.asarray(a, dtype=float) for a in data)
        truth = None
    x = x.reshape(-1, 1) if x.ndim == 1 else x
    if x.shape[1] != 1:
        raise ValueError(f"boosting_explorer needs 1-D data (one feature); got x of shape {x.shape}")
    GradientBoostingRegressor(loss=loss, max_depth=max_depth)  # validates before anything is drawn
    grid = np.linspace(x.min() - 0.05 * np.ptp(x), x.max() + 0.05 * np.ptp(x), 400)[:, None]

    @lru_cache(maxsize=16)
    def run(lr: float):
        model = GradientBoostingRegressor(loss=loss, learning_rate=lr, n_estimators=max_stage + 1,
                                          max_depth=max_depth, random_state=0).fit(x, y)
        on_grid = np.vstack([np.full(len(grid), model.init_), *model.staged_predict(grid)])
        on_data = np.vstack([np.full(len(y), model.init_), *model.staged_predict(x)])
        return model, on_grid, on_data

    def compute(stage, lr):
        model, on_grid, on_data = run(float(lr))
        m = int(stage)
        F = on_data[m]
        stage_loss = get_loss(loss, model.alpha)
        if isinstance(stage_loss, Huber):
            stage_loss.set_delta(y, F)  # the threshold this stage used
        tree = model.estimators_[m]
        step = tree.predict(grid)
        return {"stage": m, "lr": float(lr), "fit": on_grid[m], "next_fit": on_grid[m + 1],
                "residual": stage_loss.negative_gradient(y, F), "tree": step, "step": float(lr) * step,
                "train_loss": stage_loss.score(y, F), "next_tree_leaves": tree.n_leaves}

    r0 = y - np.median(y) if loss != "squared_error" else y - np.mean(y)
    r_lim = (min(-1.05, 1.15 * r0.min()), max(1.05, 1.15 * r0.max()))

    def draw(fig, data):
        ax_fit, ax_res = fig.subplots(1, 2)
        ax_fit.scatter(x[:, 0], y, s=12, color=plots.color(7), alpha=0.55, label="data")
        if truth is not None:
            ax_fit.plot(grid[:, 0], truth(grid), color=plots.color(2), linewidth=1, linestyle=":",
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
        ax_res.set_ylim(*r_lim)
        ax_res.set_xlabel("x")
        ax_res.set_ylabel("residual")
        ax_res.legend(loc="upper left", fontsize="x-small")
        res_title = ax_res.set_title("", fontsize="medium")
        handles = {"fit": fit_line, "next": next_line, "points": points, "tree": tree_line, "step": step_line,
                   "fit_title": fit_title, "res_title": res_title}
        # The data, axes and legends are drawn once and cached; only these move (blitting).
        handles["animated"] = [next_line, fit_line, points, tree_line, step_line, fit_title, res_title]
        update(handles, data)
        return handles

    def update(h, data):
        h["fit"].set_ydata(data["fit"])
        h["next"].set_ydata(data["next_fit"])
        h["points"].set_offsets(np.column_stack([x[:, 0], data["residual"]]))
        h["tree"].set_ydata(data["tree"])
        h["step"].set_ydata(data["step"])
        h["fit_title"].set_text(f"after {data['stage']} trees (lr = {data['lr']:g}): "
                                f"training loss {data['train_loss']:.3f}")
        h["res_title"].set_text(f"what tree {data['stage'] + 1} fits ({data['next_tree_leaves']} leaves)")

    return Explorer(
        controls={
            "stage": Slider(values=np.arange(0, max_stage + 1), value=stage, label="trees so far m",
                            static=[s for s in (0, 1, 2, 5, 10, 20, 40, 60) if s <= max_stage]),
            "lr": Slider(values=BOOSTING_LR_GRID, value=lr, label="learning rate η",
                         static=(0.05, 0.3, 1.0)),
        },
        compute=compute, draw=draw, update=update, figsize=(9.0, 3.4), dpi=72,
        title="Boosting explorer: each tree is a step down the gradient",
        alt=("Left: noisy data on a wavy curve with the boosted model after the chosen number of trees, and "
             "faintly the model after one more tree. Right: the pseudo-residuals (here the plain residuals "
             "y - F) at each point, the regression tree fitted to them as a step function, and the step "
             "actually taken, the tree scaled by the learning rate."),
    )
