"""Explorers of the SGD chapters: an optimizer race on 2-D surfaces, and mini-batch SGD on real data.

``optimizer_race_explorer`` runs plain SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam (three at a
time, or all six) from the same start with :func:`stepcourse.loop.race` and draws their paths and losses
with :func:`stepcourse.plots.race_panels`. ``batch_size_explorer`` runs mini-batch SGD on two features of
the diabetes data and shows what the batch size does to the path, to the progress per epoch and to the
noise floor. Each explorer's pieces are module-level functions (``race_*``, ``batch_*``); the runs are
:func:`stepcourse.batching.batch_size_run` on :func:`stepcourse.data.diabetes_pair`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import partial

import numpy as np

from .. import plots
from .._validation import check_integer
from ..batching import SAMPLINGS, batch_size_run
from ..data import diabetes_pair
from ..loop import race
from ..problems import Problem, himmelblau, quadratic, rosenbrock, saddle, six_hump_camel
from ._explorer import Choice, Explorer, Slider, fit_layout

__all__ = ["RACE_OPTIMIZERS", "RACE_GROUPS", "RaceCourse", "race_courses", "optimizer_race_explorer",
           "race_compute", "race_draw", "race_update", "race_result",
           "batch_size_explorer", "batch_compute", "batch_draw",
           "batch_update", "batch_result"]

#: The optimizers of the race, in drawing order; each keeps its colour and line style everywhere
#: (:data:`stepcourse.plots.RACE_STYLES`).
RACE_OPTIMIZERS = tuple(plots.RACE_STYLES)

#: Groups the race explorer offers.
RACE_GROUPS = {
    "SGD, momentum, Nesterov": ("SGD", "momentum", "Nesterov"),
    "AdaGrad, RMSprop, Adam": ("AdaGrad", "RMSprop", "Adam"),
    "all six": RACE_OPTIMIZERS,
    "SGD vs momentum vs Adam": ("SGD", "momentum", "Adam"),
}


@dataclass(frozen=True, eq=False)
class RaceCourse:
    """A surface to race on: the problem, the start, the number of steps and each optimizer's base rate.

    The base rates are starting points that make each method do something sensible at ``lr x 1``; the
    explorer's learning-rate slider multiplies all of them. Momentum and Nesterov use SGD's rate.
    """

    problem: Problem
    x0: np.ndarray
    steps: int
    rates: dict = field(default_factory=dict)
    note: str = ""

    def rate_of(self, name: str) -> float:
        return self.rates["SGD"] if name in ("momentum", "Nesterov") else self.rates[name]

    def run(self, names, lr_scale: float = 1.0, momentum: float = 0.9) -> dict:
        """:func:`stepcourse.loop.race` of the named optimizers on this course."""
        return race(self.problem, {n: self.rate_of(n) for n in names}, x0=self.x0, steps=self.steps,
                    momentum=momentum, lr_scale=lr_scale)


def race_courses() -> dict:
    """The courses of the race, by name: the chapter's ravine, Rosenbrock's valley, a saddle and two
    multi-minimum surfaces."""
    ravine = quadratic([1.0, 100.0])
    return {
        "ravine (κ = 100)": RaceCourse(
            ravine, ravine.x0, 150, {"SGD": 0.01, "AdaGrad": 0.5, "RMSprop": 0.01, "Adam": 0.1},
            "a tilted quadratic bowl 100 times steeper across than along"),
        "Rosenbrock": RaceCourse(
            rosenbrock(), np.array([-1.2, 1.0]), 400, {"SGD": 0.001, "AdaGrad": 1.0, "RMSprop": 0.02, "Adam": 0.1},
            "a curved, nearly flat valley"),
        "saddle": RaceCourse(
            saddle(), np.array([-1.8, 1e-3]), 80, {"SGD": 0.05, "AdaGrad": 0.3, "RMSprop": 0.02, "Adam": 0.05},
            "x^2 - y^2, started almost exactly on the ridge line y = 0"),
        "six-hump camel": RaceCourse(
            six_hump_camel(), np.array([1.9, 0.9]), 150, {"SGD": 0.02, "AdaGrad": 0.3, "RMSprop": 0.02, "Adam": 0.05},
            "six local minima; the start lies in the basin of a poor one"),
        "Himmelblau": RaceCourse(
            himmelblau(), np.array([0.0, 0.0]), 150, {"SGD": 0.005, "AdaGrad": 0.5, "RMSprop": 0.05, "Adam": 0.1},
            "four minima of equal depth"),
    }


@dataclass(eq=False)
class RaceSetup:
    """The courses and the runs made so far, by (course, optimizer, lr_scale, momentum)."""

    courses: dict = field(default_factory=race_courses)
    runs: dict = field(default_factory=dict)

    def run(self, course: str, name: str, lr_scale: float, momentum: float):
        key = (course, name, lr_scale, momentum)
        if key not in self.runs:
            self.runs[key] = self.courses[course].run([name], lr_scale, momentum)[name]
        return self.runs[key]


def race_compute(setup: RaceSetup, surface, optimizers, lr_scale, momentum) -> dict:
    """One trace per optimizer of the group on the chosen course."""
    traces = {name: setup.run(surface, name, float(lr_scale), float(momentum)) for name in RACE_GROUPS[optimizers]}
    return {"setup": setup, "course": surface, "traces": traces, "lr_scale": float(lr_scale),
            "momentum": float(momentum)}


def race_result(data) -> str:
    problem = data["setup"].courses[data["course"]].problem
    parts = [f"{name} {plots.race_status(tr, problem)}" for name, tr in data["traces"].items()]
    return f"{data['course']}, learning rates x {data['lr_scale']:g}: " + "; ".join(parts)


def _race_frame(h, name):
    # Limits, scales and titles of both panels for one course (the artists come from _race_build).
    course = h["setup"].courses[name]
    p = course.problem
    ax, ax_loss = h["ax"], h["ax_loss"]
    ax.set_title(f"{name}: paths from the same start", fontsize="medium")
    (x_lo, x_hi), (y_lo, y_hi) = p.bounds
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    plots.race_axis(ax_loss, p, float(p.f(course.x0)), course.steps)


def _race_build(ax, course):
    # The contours, the start and one path per optimizer; the contours stay cached between frames.
    before = set(ax.get_children())
    plots.contour(course.problem, ax, levels=24, n=120)
    (start,) = ax.plot(*course.x0, "s", color="white", markeredgecolor="black", markersize=7, zorder=4)
    paths = {name: ax.plot([], [], zorder=3, **plots.race_style(name))[0] for name in RACE_OPTIMIZERS}
    return {"artists": [a for a in ax.get_children() if a not in before], "paths": paths, "start": start}


def _race_show(h, name):
    # Each course is built on its first visit and kept, hidden while another one is shown.
    if name not in h["courses"]:
        h["courses"][name] = _race_build(h["ax"], h["setup"].courses[name])
    for other, built in h["courses"].items():
        for artist in built["artists"]:
            artist.set_visible(other == name)
    h["paths"], h["start"], h["course"] = h["courses"][name]["paths"], h["courses"][name]["start"], name
    _race_frame(h, name)


def race_draw(fig, data) -> dict:
    """Left: the paths on the contours; right: each run's loss per step (f - f*, log scale)."""
    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1.1, 1])
    h = {"setup": data["setup"], "ax": ax, "ax_loss": ax_loss, "legend": None, "courses": {},
         "title": fig.suptitle("", fontsize="medium")}
    ax_loss.grid(True, alpha=0.3)
    ax_loss.set_title("Loss above the minimum per step", fontsize="medium")
    h["losses"] = {name: ax_loss.plot([], [], **plots.race_style(name))[0] for name in RACE_OPTIMIZERS}
    h["ends"] = {name: ax_loss.plot([], [], "x", color=plots.race_style(name)["color"], markersize=9,
                                    markeredgewidth=2)[0] for name in RACE_OPTIMIZERS}
    _race_show(h, data["course"])
    race_update(h, data)
    # One layout that fits every course's tick labels: switching keeps the panels in place.
    fit_layout(fig, [lambda name=name: _race_frame(h, name) for name in h["setup"].courses])
    _race_frame(h, data["course"])
    return h


def race_update(h: dict, data) -> None:
    if data["course"] != h["course"]:  # new limits and ticks: everything is drawn again
        _race_show(h, data["course"])
        h["redraw"] = True
    course = h["setup"].courses[data["course"]]
    for name in RACE_OPTIMIZERS:
        tr = data["traces"].get(name)
        h["paths"][name].set_data(*((tr.xs[:, 0], tr.xs[:, 1]) if tr is not None else ([], [])))
    if h["legend"] is not None:
        h["legend"].remove()
    h["legend"] = plots.race_losses(data["traces"], course.problem, h["ax_loss"],
                                    lines={"lines": h["losses"], "ends": h["ends"]})["legend"]
    h["title"].set_text(f"{course.note}; learning rates x {data['lr_scale']:g}, momentum {data['momentum']:g}")
    # Redrawn each frame in the order of a full draw: the frame, the paths (above it) under the start,
    # the legend on top.
    h["animated"] = [*h["ax"].spines.values(), *h["paths"].values(), h["start"], *h["losses"].values(),
                     *h["ends"].values(), *h["ax_loss"].spines.values(), h["legend"], h["title"]]


def optimizer_race_explorer(surface: str = "ravine (κ = 100)", optimizers: str = "SGD, momentum, Nesterov",
                            lr_scale: float = 1.0, momentum: float = 0.9) -> Explorer:
    """Race SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam on a 2-D surface, three at a time or all six.

    Left: the paths on the loss contours, from a common start (square). Right: the loss of each run
    per step (log scale above the minimum, f - f*; on the saddle, which has none, the loss itself on a
    symmetric log scale); the legend gives the same quantity at the last step. Choose the surface (a name
    of :func:`race_courses`), which optimizers race (a key of :data:`RACE_GROUPS`), a multiplier of every
    method's learning rate (1/8 to 4) and the momentum (SGD momentum, Nesterov and Adam's beta1, 0 to 0.99).
    """
    setup = RaceSetup()
    return Explorer(
        controls={
            "surface": Choice(list(setup.courses), value=surface, label="surface",
                              static=["ravine (κ = 100)", "Rosenbrock", "saddle", "six-hump camel"]),
            "optimizers": Choice(list(RACE_GROUPS), value=optimizers, label="optimizers",
                                 static=["SGD, momentum, Nesterov", "AdaGrad, RMSprop, Adam"]),
            "lr_scale": Slider(values=(0.125, 0.25, 0.5, 1.0, 2.0, 4.0), value=lr_scale,
                               label="learning rates x", static=(0.25, 1.0, 4.0)),
            "momentum": Slider(values=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99), value=momentum,
                               label="momentum β (Adam: β1)", static=(0.5, 0.9)),
        },
        compute=partial(race_compute, setup), draw=race_draw, update=race_update, result=race_result,
        figsize=(plots.COLUMN_WIDTH, 3.6), static_scale=1.0,
        title="Optimizer race: three update rules at a time, or all six, from the same start",
        alt=("Left: contour lines of the chosen surface with the path of each selected optimizer from a common "
             "start. Right: each run's loss above the minimum per step on a log scale, with a cross where a run "
             "diverged; the legend gives each run's final loss above the minimum."),
    )


# -- batch size ---------------------------------------------------------------------------------------

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 442)
BATCH_LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6)


@dataclass(eq=False)
class BatchSetup:
    """The two diabetes features, the number of epochs and the runs made so far."""

    epochs: int = 6
    runs: dict = field(default_factory=dict)

    def __post_init__(self):
        self.X, self.y, self.names = diabetes_pair()

    def run(self, batch_size, lr, sampling):
        if (batch_size, lr, sampling) not in self.runs:
            self.runs[batch_size, lr, sampling] = batch_size_run(self.X, self.y, batch_size, lr, self.epochs, sampling)
        return self.runs[batch_size, lr, sampling]


def batch_compute(setup: BatchSetup, batch_size, lr, sampling) -> dict:
    """The runs of :func:`stepcourse.batching.batch_size_run` for these settings, and their outcome in
    words."""
    result = setup.run(int(batch_size), float(lr), sampling)
    run = {f.name: getattr(result, f.name) for f in fields(result)} | {"setup": setup}
    tr, full, spe = run["trace"], run["full"], run["steps_per_epoch"]
    if tr.diverged:
        outcome = f"diverged at step {tr.diverged_at}"
    else:
        last_epoch = tr.gaps[-spe:] if spe > 1 else tr.gaps[-1:]
        outcome = f"last epoch's mean loss gap {last_epoch.mean():.2e}"
    run["message"] = (f"B = {run['batch_size']} ({sampling}): {spe} steps per epoch, lr {run['lr']:g}; "
                      f"{outcome} (full batch: {full.gaps[-1]:.2e})")
    return run


def batch_result(data) -> str:
    return data["message"]


def batch_draw(fig, data) -> dict:
    """Left: the SGD and GD paths on the contours; right: the loss gap per epoch and the noise floor."""
    names = data["setup"].names
    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.15])
    p = data["problem"]
    plots.contour(p, ax, levels=18, n=120)
    ax.set_xlabel(f"weight of {names[0]}")
    ax.set_ylabel(f"weight of {names[1]}")
    ax.set_title("Paths on the loss contours", fontsize="medium")
    (sgd_path,) = ax.plot([], [], "-", color=plots.color(1), linewidth=0.8, alpha=0.9, label="mini-batch SGD")
    (gd_path,) = ax.plot([], [], "--o", color="black", markersize=3, linewidth=1, label="full batch (GD)")
    legend = ax.legend(loc="lower right", fontsize="x-small")
    (sgd_loss,) = ax_loss.plot([], [], color=plots.color(1), linewidth=0.8, label="mini-batch SGD, every step")
    (gd_loss,) = ax_loss.plot([], [], "--o", color="black", markersize=3, linewidth=1, label="full batch (GD)")
    floor = ax_loss.axhline(1.0, color=plots.color(2), linestyle=":", linewidth=1.5,
                            label="noise floor, independent batches")
    ax_loss.set_yscale("log")
    gap0 = float(p.f(p.x0))
    ax_loss.set_ylim(gap0 * 1e-6, gap0 * 10)
    ax_loss.set_xlim(0, data["epochs"])
    ax_loss.set_xlabel("epochs (passes over the data)")
    ax_loss.set_ylabel("loss above its minimum (log scale)")
    ax_loss.grid(True, alpha=0.3)
    legend_loss = ax_loss.legend(loc="upper right", fontsize="x-small")
    h = {"sgd_path": sgd_path, "gd_path": gd_path, "sgd_loss": sgd_loss, "gd_loss": gd_loss, "floor": floor,
         "title": fig.suptitle("", fontsize="medium")}
    # Redrawn each frame in the order of a full draw (data, frame, legend); contours and ticks stay cached.
    h["animated"] = [sgd_path, gd_path, *ax.spines.values(), legend,
                     sgd_loss, gd_loss, floor, *ax_loss.spines.values(), legend_loss, h["title"]]
    h["static"] = [legend, legend_loss]   # fixed labels: their drawing is recorded once and replayed
    batch_update(h, data)
    return h


def batch_update(h: dict, data) -> None:
    tr, full, spe = data["trace"], data["full"], data["steps_per_epoch"]
    h["sgd_path"].set_data(tr.xs[:, 0], tr.xs[:, 1])
    h["gd_path"].set_data(full.xs[:, 0], full.xs[:, 1])
    h["sgd_loss"].set_data(np.arange(len(tr.gaps)) / spe, np.maximum(tr.gaps, 1e-300))
    h["gd_loss"].set_data(np.arange(len(full.gaps)), np.maximum(full.gaps, 1e-300))
    h["floor"].set_visible(data["floor"] is not None)
    if data["floor"] is not None:
        h["floor"].set_ydata([data["floor"]] * 2)
    h["title"].set_text(f"B = {data['batch_size']}, lr {data['lr']:g}, {data['sampling']}")


def batch_size_explorer(batch_size: int = 16, lr: float = 0.03, sampling: str = "shuffle", *,
                        epochs: int = 6) -> Explorer:
    """Mini-batch SGD on two features of the diabetes data: move the batch size, the rate and the sampling.

    Left: the path of mini-batch SGD (thin line) and of full-batch gradient descent (one dot per epoch)
    on the contours of the loss. Right: the loss above its minimum against epochs (one epoch = one pass
    over the 442 rows), for both, with the noise floor that the theory predicts for independent batches.

    Parameters
    ----------
    batch_size : int
        Initial batch size, from 1 to 442 (snapped to the slider's grid).
    lr : float
        Initial learning rate, from 0.001 to 0.6.
    sampling : str
        One of :data:`stepcourse.batching.SAMPLINGS`.
    epochs : int
        Length of each run in passes over the data.
    """
    setup = BatchSetup(check_integer("epochs", epochs, low=1))
    return Explorer(
        controls={
            "batch_size": Slider(values=BATCH_SIZES, value=batch_size, label="batch size B",
                                 static=(1, 8, 64, 442)),
            "lr": Slider(values=BATCH_LRS, value=lr, label="learning rate", static=(0.003, 0.03, 0.1)),
            "sampling": Choice(list(SAMPLINGS), value=sampling, label="sampling", static=["shuffle", "replacement"]),
        },
        compute=partial(batch_compute, setup), draw=batch_draw, update=batch_update, result=batch_result,
        figsize=(plots.COLUMN_WIDTH, 3.5), static_scale=1.0,
        title="Batch size: noisier steps, more of them per epoch",
        alt=("Left: contours of the least-squares loss in two weights of a linear model of the diabetes data, "
             "with the noisy path of mini-batch SGD and the one-step-per-epoch path of full-batch gradient descent. "
             "Right: the loss above its minimum against epochs on a log scale for both, and a dotted line at the "
             "noise floor predicted for independent batches."),
    )
