"""The first explorer: gradient descent on a 1-D loss, a learning-rate slider and a step-count slider.

It answers, by running the loop rather than by a typed table, "how many steps does it take to get
within tolerance of the minimum at this learning rate?"

``steps_compute``, ``steps_draw``, ``steps_update`` and ``steps_result`` are the explorer's pieces, each
usable alone; :func:`steps_explorer` wires them to controls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .. import plots
from .._validation import check_integer, check_number, check_problem
from ..loop import steps_to_stay_within
from ..problems import parabola
from ._explorer import Explorer, Slider

__all__ = ["steps_explorer", "STEPS_LR_GRID", "StepsSetup", "steps_compute", "steps_draw", "steps_update",
           "steps_result"]

#: Learning rates offered by the slider (for the default parabola with f'' = 1: 1.0 lands in one
#: step, 2.0 bounces forever, above 2.0 diverges).
STEPS_LR_GRID = (0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
                 1.1, 1.2, 1.4, 1.6, 1.8, 1.9, 2.0, 2.05, 2.1, 2.2)


@dataclass(eq=False)
class StepsSetup:
    """What the steps explorer fixes once: the 1-D problem, the tolerance, the run length, the window."""

    problem: object
    tol: float = 1e-4
    max_steps: int = 1000
    max_shown: int = 30
    runs: dict = field(default_factory=dict)   # lr -> result of steps_to_stay_within (cached)

    def __post_init__(self):
        lo, hi = self.problem.bounds[0]
        curve = self.problem.curve(np.linspace(lo, hi, 300))
        self.window = (lo, hi)
        self.y_top = float(curve.max())
        self.y_bottom = float(curve.min()) - 0.08 * (self.y_top - float(curve.min()))

    def run(self, lr: float) -> dict:
        if lr not in self.runs:
            self.runs[lr] = steps_to_stay_within(self.problem, lr, tol=self.tol, max_steps=self.max_steps)
        return self.runs[lr]


def _message(lr: float, result, tol: float, max_steps: int) -> str:
    if result.status == "converged":
        n = result.steps
        return f"lr = {lr:g}: within {tol:g} of the minimum after {n} step{'s' if n != 1 else ''}"
    if result.status == "diverged":
        return f"lr = {lr:g}: diverges (loss blew up; stopped at step {result.trace.diverged_at})"
    return f"lr = {lr:g}: still not within {tol:g} after {max_steps} steps"


def steps_compute(setup: StepsSetup, lr, steps) -> dict:
    """The first ``steps`` iterates at rate ``lr``, their gaps to the minimum, and the answer in words."""
    result = setup.run(float(lr))
    tr = result.trace
    k = min(int(steps), tr.steps, setup.max_shown)
    ref = float(setup.problem.f(result.minimum)) if result.minimum is not None else setup.problem.f_min
    return {"setup": setup, "w": tr.xs[: k + 1, 0], "fw": tr.losses[: k + 1],
            "gaps": np.maximum(tr.losses[: k + 1] - ref, 1e-300), "k": k,
            "message": _message(float(lr), result, setup.tol, setup.max_steps), "result": result}


def steps_result(data) -> str:
    return data["message"]


def steps_draw(fig, data) -> dict:
    """Left: the loss curve with arrows for the steps; right: the gap per step against the tolerance."""
    s = data["setup"]
    ax_curve, ax_loss = fig.subplots(1, 2, width_ratios=[1.25, 1])
    plots.curve_1d(s.problem, ax=ax_curve)
    ax_curve.set_ylim(s.y_bottom, s.y_top * 1.05)
    ax_curve.set_title("$w \\leftarrow w - \\eta\\, f'(w)$", fontsize="medium")
    (points,) = ax_curve.plot([], [], "o", color=plots.color(0), markersize=5, markeredgecolor="white", zorder=3)
    ax_loss.axhline(s.tol, color=plots.color(1), linestyle="--", linewidth=1, label=f"tolerance {s.tol:g}")
    (loss_line,) = ax_loss.plot([], [], "-o", color=plots.color(0), markersize=3, label="loss above minimum")
    ax_loss.set_yscale("log")
    ax_loss.set_xlim(-0.5, s.max_shown + 0.5)
    ax_loss.set_ylim(1e-10, 1e6)
    ax_loss.set_xlabel("step $k$")
    ax_loss.set_ylabel("$f(w_k) - f(w^*)$ (log scale)")
    ax_loss.legend(loc="lower left", fontsize="small")
    ax_loss.grid(True, alpha=0.3)
    title = fig.suptitle("", fontsize="medium")
    # One arrow per possible step, zero-length when not shown, so the artist is moved, never rebuilt.
    zeros = np.zeros(s.max_shown)
    arrows = ax_curve.quiver(zeros, zeros, zeros, zeros, angles="xy", scale_units="xy", scale=1,
                             color=plots.color(0), width=0.005, zorder=2, minlength=0)
    handles = {"points": points, "arrows": arrows, "loss_line": loss_line, "title": title,
               "animated": [arrows, points, loss_line, title]}
    steps_update(handles, data)
    return handles


def steps_update(h: dict, data) -> None:
    s = data["setup"]
    lo, hi = s.window
    # A diverging run leaves the window; clip to a box a little larger than it so nothing overflows.
    w = np.clip(data["w"], lo - 10 * (hi - lo), hi + 10 * (hi - lo))
    fw = np.minimum(data["fw"], 1e3 * s.y_top)
    h["points"].set_data(w, fw)
    n = len(w) - 1
    xy = np.zeros((s.max_shown, 2))
    uv = np.zeros((s.max_shown, 2))
    xy[:n] = np.column_stack([w[:-1], fw[:-1]])
    uv[:n] = np.column_stack([np.diff(w), np.diff(fw)])
    h["arrows"].set_offsets(xy)
    h["arrows"].set_UVC(uv[:, 0], uv[:, 1])
    h["loss_line"].set_data(np.arange(len(w)), data["gaps"])
    h["title"].set_text(f"{data['message']}  (showing {data['k']} step{'s' if data['k'] != 1 else ''})")


def steps_explorer(problem=None, lr: float = 0.3, steps: int = 5, *, tol: float = 1e-4,
                   max_steps: int = 1000, max_shown: int = 30) -> Explorer:
    """Gradient descent on a 1-D loss: move the learning rate and the number of steps.

    Left: the loss curve with the steps drawn as arrows. Right: the loss above the minimum at each step
    (log scale) against the tolerance. The result line gives the computed number of steps needed at
    this rate, or that it diverges.

    Parameters
    ----------
    problem : Problem, optional
        A 1-D problem; default ``sc.problems.parabola(curvature=1.0, x0=-3.0)``.
    lr : float
        Initial learning rate, from 0.02 to 2.2 (snapped to the slider's grid).
    steps : int
        Initial number of steps shown, from 0 to ``max_shown``.
    tol : float
        Loss tolerance for the "steps needed" answer.
    max_steps : int
        How long to run before answering "not yet".
    max_shown : int
        Largest value of the step-count slider.
    """
    problem = parabola(curvature=1.0, x0=-3.0) if problem is None else check_problem("problem", problem)
    if problem.dim != 1:
        raise ValueError(f"problem must be 1-D for steps_explorer; {problem.name!r} has dim={problem.dim}")
    setup = StepsSetup(problem, check_number("tol", tol, low=0, low_open=True),
                       check_integer("max_steps", max_steps, low=1), check_integer("max_shown", max_shown, low=1))
    return Explorer(
        controls={
            "lr": Slider(values=STEPS_LR_GRID, value=lr, label="learning rate η",
                         static=(0.05, 0.1, 0.2, 0.5, 0.8, 1.0, 1.6, 1.9, 2.0, 2.05)),
            "steps": Slider(values=np.arange(0, setup.max_shown + 1), value=steps, label="steps shown",
                            static=[k for k in (1, 2, 3, 5, 10, 20, 30) if k <= setup.max_shown]),
        },
        compute=partial(steps_compute, setup), draw=steps_draw, update=steps_update, result=steps_result,
        figsize=(plots.COLUMN_WIDTH, 3.0), title="Steps explorer: how the learning rate decides the walk",
        alt=("Left: the loss curve with gradient-descent steps drawn as arrows for the chosen learning rate. "
             "Right: the loss above the minimum at each step on a log scale, with the tolerance line."),
    )
