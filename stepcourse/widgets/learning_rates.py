"""Explorers of the chapter on learning rates.

- :func:`learning_rate_explorer`: a 2-D loss, a learning-rate slider measured in units of the
  stability threshold :math:`2/L^*`; the path on the contours over the basin map, and the loss curve.
- :func:`schedule_explorer`: a schedule and its parameters; the rate it gives at each step and what it
  does to a run with noisy gradients, next to the constant rate.

The analysis lives where its idea lives: :func:`stepcourse.loop.basin_map`,
:func:`stepcourse.loop.sharpest_curvature`, :func:`stepcourse.schedules.for_run`,
:func:`stepcourse.schedules.schedule_run`. Each explorer's pieces are module-level functions
(``rate_*``, ``schedule_*``: ``compute``, ``draw``, ``update``, ``result``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .. import plots
from .._validation import check_integer, check_number
from ..loop import basin_map, minimize, sharpest_curvature
from ..optim import SGD
from ..problems import himmelblau, quadratic, rosenbrock, six_hump_camel
from ..schedules import RUN_SHAPES, for_run, schedule_run
from ._explorer import Choice, Explorer, Slider, fit_layout

__all__ = ["explorer_surfaces", "LR_FRACTIONS", "learning_rate_explorer", "RateSetup", "rate_compute",
           "rate_draw", "rate_update", "rate_result", "schedule_explorer", "ScheduleSetup", "schedule_compute",
           "schedule_draw", "schedule_update", "schedule_result"]


def _lean_log_axis(ax):
    # A log axis without minor ticks: half the text to lay out, so every frame draws faster.
    from matplotlib.ticker import LogLocator, NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(numticks=7))
    ax.yaxis.set_minor_locator(NullLocator())


# -- the learning-rate explorer -----------------------------------------------------------------------

def explorer_surfaces() -> dict:
    """The surfaces of :func:`learning_rate_explorer`, by name: ``(problem, steps)``."""
    return {
        "quadratic bowl (κ = 10)": (quadratic([1.0, 10.0]), 60),
        "Himmelblau (4 minima)": (himmelblau(), 120),
        "six-hump camel (6 minima)": (six_hump_camel(), 150),
        "Rosenbrock (curved valley)": (rosenbrock(), 400),
    }


#: Learning rates of the explorer, in units of 2/L* (1 is the stability threshold of the sharpest minimum).
LR_FRACTIONS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0, 1.05, 1.2, 1.4, 1.7, 2.0, 2.5)


@dataclass(eq=False)
class RateSetup:
    """The surfaces, their sharpest curvatures, the basin map's resolution and tolerance; cached runs."""

    n: int = 40
    tol: float = 1e-3
    runs: dict = field(default_factory=dict)

    def __post_init__(self):
        self.surfaces = explorer_surfaces()
        self.sharp = {key: sharpest_curvature(p) for key, (p, _) in self.surfaces.items()}

    def run(self, key: str, frac: float):
        if (key, frac) not in self.runs:
            p, steps = self.surfaces[key]
            rate = frac * 2 / self.sharp[key]
            trace = minimize(p, SGD(lr=rate), steps=steps)
            self.runs[key, frac] = (rate, trace, basin_map(p, rate, n=self.n, steps=steps, tol=self.tol))
        return self.runs[key, frac]


def _outcome(trace, problem, lr, frac, tol):
    if trace.diverged:
        return f"η = {lr:.3g} ({frac:g} × 2/L*): diverged at step {trace.diverged_at}"
    minima = problem.minima
    d = np.linalg.norm(minima - trace.x, axis=-1)
    i = int(np.argmin(d))
    width = max(b[1] - b[0] for b in problem.bounds)
    if d[i] <= tol * width:
        where = ", ".join(f"{v:.2f}" for v in minima[i])
        k = trace.first_step_within(tol * width, target=minima[i])
        return f"η = {lr:.3g} ({frac:g} × 2/L*): reached the minimum at ({where}) after {k} steps"
    if trace.loss > trace.losses[0]:
        return (f"η = {lr:.3g} ({frac:g} × 2/L*): diverging, the loss grew from {trace.losses[0]:.3g} "
                f"to {trace.loss:.3g} in {trace.steps} steps")
    return f"η = {lr:.3g} ({frac:g} × 2/L*): not settled after {trace.steps} steps (loss {trace.loss:.3g})"


def rate_compute(setup: RateSetup, surface, lr) -> dict:
    """The run from the surface's start at ``lr`` x 2/L*, the basin map at that rate, the outcome in words."""
    p, steps = setup.surfaces[surface]
    rate, trace, basins = setup.run(surface, float(lr))
    return {"setup": setup, "key": surface, "problem": p, "steps": steps, "rate": rate, "trace": trace,
            "basins": basins, "gaps": np.maximum(trace.gaps, 1e-16),
            "message": _outcome(trace, p, rate, float(lr), setup.tol)}


def rate_result(data) -> str:
    return data["message"]


def _rate_left(ax, data):
    p = data["problem"]
    basins = plots.basins(data["basins"], ax, legend=False)
    mesh = basins["mesh"]
    mesh.set_alpha(0.45)
    drawn = plots.contour(p, ax, filled=False, levels=16, show_minima=True)
    (line,) = ax.plot([], [], "-o", color="black", markersize=2.5, linewidth=1.3, label="path from the start")
    (start,) = ax.plot(*p.x0, "s", color="black", markersize=6, markerfacecolor="white")
    # The basin map changes with the rate and lies under the contours: the whole picture inside the
    # left axes is redrawn each frame, in this order (the frame, ticks and labels stay cached).
    return {"mesh": mesh, "path": line,
            "left": [mesh, basins["minima"], drawn["contour"], drawn["minima"], line, start]}


def _rate_frame(h, key):
    # Limits, scales and titles of both panels for one surface (the artists come from _rate_left).
    p, steps = h["setup"].surfaces[key]
    (x_lo, x_hi), (y_lo, y_hi) = p.bounds
    h["ax"].set_xlim(x_lo, x_hi)
    h["ax"].set_ylim(y_lo, y_hi)
    h["ax"].set_title(f"{p.name}: path over the basin map", fontsize="medium")
    gap0 = max(float(p.f(p.x0) - p.f_min), 1e-12)
    h["ax_loss"].set_xlim(0, steps)
    h["ax_loss"].set_ylim(1e-14 * gap0, 1e7 * gap0)


def _rate_show(h, data):
    # Each surface's artists are built on its first visit and kept, hidden while another one is shown.
    key = data["key"]
    if key not in h["panels"]:
        h["panels"][key] = _rate_left(h["ax"], data)
    for other, panel in h["panels"].items():
        for artist in panel["left"]:
            if artist is not None:
                artist.set_visible(other == key)
    h.update(h["panels"][key], key=key)
    h["animated"] = [*h["left"], *h["ax"].spines.values(), h["loss"], h["end"], *h["ax_loss"].spines.values(),
                     h["title"]]
    _rate_frame(h, key)


def rate_draw(fig, data) -> dict:
    """Left: the path over the basin map and the contours; right: the loss above the minimum per step."""
    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1.1, 1])
    h = {"setup": data["setup"], "ax": ax, "ax_loss": ax_loss, "panels": {}}
    (h["loss"],) = ax_loss.plot([], [], color=plots.color(0), linewidth=1.6)
    (h["end"],) = ax_loss.plot([], [], "x", color=plots.color(1), markersize=10, markeredgewidth=2)
    _lean_log_axis(ax_loss)
    ax_loss.set_xlabel("step $k$")
    ax_loss.set_ylabel("$f(w_k) - f^*$ (log scale)")
    ax_loss.set_title("loss above the minimum", fontsize="medium")
    ax_loss.grid(True, alpha=0.3)
    h["title"] = fig.suptitle("", fontsize="medium")
    _rate_show(h, data)
    rate_update(h, data)
    # One layout that fits every surface's tick labels: switching keeps the panels in place.
    fit_layout(fig, [lambda key=key: _rate_frame(h, key) for key in h["setup"].surfaces])
    _rate_frame(h, data["key"])
    return h


def rate_update(h: dict, data) -> None:
    if data["key"] != h["key"]:  # a new surface: new limits and ticks, so everything is drawn again
        _rate_show(h, data)
        h["redraw"] = True
    h["mesh"].set_array(data["basins"].labels.ravel())
    xs = data["trace"].xs
    h["path"].set_data(xs[:, 0], xs[:, 1])
    k = np.arange(len(data["gaps"]))
    h["loss"].set_data(k, data["gaps"])
    h["end"].set_data(([k[-1]], [data["gaps"][-1]]) if data["trace"].diverged else ([], []))
    h["title"].set_text(data["message"])


def learning_rate_explorer(surface: str = "Himmelblau (4 minima)", lr: float = 0.5, *, n: int = 40,
                           tol: float = 1e-3) -> Explorer:
    r"""Gradient descent on a 2-D loss with a learning-rate slider, over the map of where every start ends.

    The rate is set in units of :math:`2/L^*`, where :math:`L^*` is the largest curvature at any known
    minimum (:func:`stepcourse.loop.sharpest_curvature`): below 1 every minimum can hold the walker,
    above 1 the sharpest ones cannot. Left: the path from the problem's start on the contours, over the
    basin map at this rate (the colour of each point is the minimum reached from there; grey: diverged;
    white: not settled). Right: the loss above the minimum per step. The result line says where the run
    ended, or at which step it diverged.

    Parameters
    ----------
    surface : str
        A name of :func:`explorer_surfaces`.
    lr : float
        Initial rate in units of :math:`2/L^*`, from 0.02 to 2.5 (snapped to the slider).
    n : int
        Starts per axis of the basin map.
    tol : float
        Arrival tolerance as a fraction of the window's width.
    """
    setup = RateSetup(check_integer("n", n, low=2), check_number("tol", tol, low=0, low_open=True))
    return Explorer(
        controls={
            "surface": Choice(list(setup.surfaces), value=surface, label="surface"),
            "lr": Slider(values=LR_FRACTIONS, value=lr, label="η in units of 2/L*",
                         static=(0.1, 0.5, 0.95, 1.05, 1.7)),
        },
        compute=partial(rate_compute, setup), draw=rate_draw, update=rate_update, result=rate_result,
        figsize=(plots.COLUMN_WIDTH, 3.4), static_scale=1.0,
        title="Learning-rate explorer: the rate decides the walk and where it ends",
        alt=("Left: contour lines of a two-parameter loss over a coloured map; each colour marks the minimum "
             "that gradient descent reaches from that start at the chosen learning rate (grey: the run "
             "diverges, white: it has not settled), with the path from the default start drawn in black. "
             "Right: the loss above the minimum at each step on a log scale."),
    )


# -- the schedule explorer ------------------------------------------------------------------------------

@dataclass(eq=False)
class ScheduleSetup:
    """The noisy bowl's noise, the run length and the averaging window; cached runs."""

    noise: float = 1.0
    steps: int = 300
    tail: int = 50
    runs: dict = field(default_factory=dict)
    threshold: float = 2 / 10.0      # 2/L of the bowl with curvatures 1 and 10

    def run(self, shape, lr, final):
        if (shape, lr, final) not in self.runs:
            self.runs[shape, lr, final] = schedule_run(for_run(shape, lr, self.steps, final), noise=self.noise,
                                                       steps=self.steps)
        return self.runs[shape, lr, final]


def schedule_compute(setup: ScheduleSetup, schedule, lr, final) -> dict:
    """The rates of the schedule, its run and the constant rate's run on the same noise, and their levels."""
    from ..noise import noise_floor

    sched = for_run(schedule, lr, setup.steps, final)
    trace, ref = setup.run(schedule, lr, final), setup.run("constant", lr, 1.0)
    H = quadratic([1.0, 10.0]).A
    floor = noise_floor(H, setup.noise**2 * np.eye(2), lr) if lr < setup.threshold else None

    def level(tr):
        return None if tr.diverged else float(np.mean(tr.gaps[-setup.tail:]))

    return {"setup": setup, "t": np.arange(setup.steps), "lrs": sched.lrs(setup.steps), "lr": lr, "trace": trace,
            "ref": ref, "level": level(trace), "ref_level": level(ref), "floor": floor, "name": schedule}


def _level_text(level, trace):
    return f"diverged at step {trace.diverged_at}" if level is None else f"loss {level:.2g}"


def schedule_result(data) -> str:
    return (f"{data['name']}: {_level_text(data['level'], data['trace'])}; constant rate: "
            f"{_level_text(data['ref_level'], data['ref'])} (mean of the last {data['setup'].tail} steps)")


def schedule_draw(fig, data) -> dict:
    """Left: the rate per step with the constant rate and 2/L; right: both runs' losses and the floor."""
    s = data["setup"]
    steps = s.steps
    ax_lr, ax_loss = fig.subplots(1, 2)
    (h_ref_lr,) = ax_lr.plot(data["t"], np.full(steps, data["lr"]), color="0.5", linestyle="--",
                             linewidth=1.3, label="constant rate")
    (h_lr,) = ax_lr.plot(data["t"], data["lrs"], color=plots.color(1), linewidth=2, label="schedule")
    h_threshold = ax_lr.axhline(s.threshold, color=plots.color(7), linestyle=":", linewidth=1.2,
                                label="2/L (diverges above)")
    _lean_log_axis(ax_lr)
    ax_lr.set_ylim(1e-5, 1.0)
    ax_lr.set_xlim(0, steps)
    ax_lr.set_xlabel("step $t$")
    ax_lr.set_ylabel(r"learning rate $\eta_t$ (log scale)")
    legend_lr = ax_lr.legend(loc="lower left", fontsize="x-small")
    ax_lr.grid(True, alpha=0.3)
    (h_ref,) = ax_loss.plot([], [], color="0.5", linewidth=1, label="constant rate")
    (h_run,) = ax_loss.plot([], [], color=plots.color(1), linewidth=1.2, label="schedule")
    h_floor = ax_loss.axhline(1.0, color="0.3", linestyle="--", linewidth=1,
                              label="noise floor of the constant rate")
    _lean_log_axis(ax_loss)
    ax_loss.set_xlim(0, steps)
    ax_loss.set_ylim(1e-6, 1e4)
    ax_loss.set_xlabel("step $t$")
    ax_loss.set_ylabel("$f(w_t) - f^*$ (log scale)")
    legend_loss = ax_loss.legend(loc="upper right", fontsize="x-small")
    ax_loss.grid(True, alpha=0.3)
    h = {"lr": h_lr, "ref_lr": h_ref_lr, "run": h_run, "ref": h_ref, "floor": h_floor,
         "ax_lr": ax_lr, "ax_loss": ax_loss, "title": fig.suptitle("", fontsize="medium")}
    # Redrawn each frame in the order of a full draw: the threshold over the rates, then the frame, the
    # legends on top. The ticks and grids stay cached.
    h["animated"] = [h_ref_lr, h_lr, h_threshold, *ax_lr.spines.values(), legend_lr,
                     h_ref, h_run, h_floor, *ax_loss.spines.values(), legend_loss, h["title"]]
    h["static"] = [legend_lr, legend_loss]   # fixed labels: their drawing is recorded once and replayed
    schedule_update(h, data)
    return h


def schedule_update(h: dict, data) -> None:
    steps = data["setup"].steps
    h["lr"].set_data(data["t"], data["lrs"])
    h["ref_lr"].set_ydata(np.full(steps, data["lr"]))
    for key, tr in (("run", data["trace"]), ("ref", data["ref"])):
        h[key].set_data(np.arange(len(tr.gaps)), np.maximum(tr.gaps, 1e-300))
    h["floor"].set_visible(data["floor"] is not None)
    if data["floor"] is not None:
        h["floor"].set_ydata([data["floor"]] * 2)
    h["title"].set_text(f"{data['name']}: {_level_text(data['level'], data['trace'])}; constant: "
                        f"{_level_text(data['ref_level'], data['ref'])}")


def schedule_explorer(schedule: str = "cosine", lr: float = 0.1, final: float = 0.01, *, noise: float = 1.0,
                      steps: int = 300, tail: int = 50) -> Explorer:
    """Pick a schedule and its parameters: the rate at each step, and the run it gives on a noisy bowl.

    Left: the learning rate per step, the chosen schedule against the constant rate, with the
    divergence threshold 2/L. Right: the loss above the minimum per step for both runs (same gradient
    noise, :func:`stepcourse.schedules.schedule_run`), with the level where a constant rate settles (its
    noise floor) dashed. The result line gives both runs' mean loss over the last ``tail`` steps.

    Parameters
    ----------
    schedule : str
        One of :data:`stepcourse.schedules.RUN_SHAPES`.
    lr : float
        The starting (or peak) rate, from 0.005 to 0.25.
    final : float
        The final rate as a fraction of ``lr``, from 0.001 to 1.
    noise : float
        Standard deviation of the gradient noise per coordinate.
    steps : int
        Length of the run.
    tail : int
        Steps at the end over which the final loss is averaged.
    """
    steps = check_integer("steps", steps, low=10)
    setup = ScheduleSetup(check_number("noise", noise, low=0), steps, check_integer("tail", tail, low=1, high=steps))
    return Explorer(
        controls={
            "schedule": Choice(list(RUN_SHAPES), value=schedule, label="schedule"),
            "lr": Slider(values=(0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.19, 0.25), value=lr,
                         label="peak rate η", static=(0.05, 0.19)),
            "final": Slider(values=(1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001), value=final,
                            label="final rate / peak rate", static=(0.1, 0.001)),
        },
        compute=partial(schedule_compute, setup), draw=schedule_draw, update=schedule_update,
        result=schedule_result, figsize=(plots.COLUMN_WIDTH, 3.2), static_scale=1.0,
        title="Schedule explorer: how the rate changes over a run, and what that does",
        alt=("Left: the learning rate at each step for the chosen schedule, against a constant rate and the "
             "divergence threshold 2/L, on a log scale. Right: the loss above the minimum at each step of a "
             "run with noisy gradients, for the schedule and for the constant rate, with the constant rate's "
             "theoretical noise floor dashed."),
    )
