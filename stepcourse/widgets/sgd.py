"""Explorers of the SGD chapters: an optimizer race on 2-D surfaces, and mini-batch SGD on real data.

``optimizer_race_explorer`` runs plain SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam from the same
start and draws their paths and losses side by side. ``batch_size_explorer`` runs mini-batch SGD on two
features of the diabetes data and shows what the batch size does to the path, to the progress per epoch
and to the noise floor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import numpy as np

from .. import plots
from ..batching import SAMPLINGS, minibatch_least_squares
from ..loop import minimize
from ..noise import noise_floor
from ..problems import Problem, himmelblau, quadratic, rosenbrock, saddle, six_hump_camel
from ._explorer import Choice, Explorer, Slider, fit_layout

__all__ = ["RACE_OPTIMIZERS", "RACE_GROUPS", "RaceCourse", "race_courses", "make_optimizer", "race",
           "optimizer_race_explorer", "diabetes_pair", "batch_size_run", "batch_size_explorer"]

#: The optimizers of the race, in drawing order (each keeps its palette colour everywhere).
RACE_OPTIMIZERS = ("SGD", "momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")

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
    explorer's learning-rate slider multiplies all of them.
    """

    problem: Problem
    x0: np.ndarray
    steps: int
    rates: dict = field(default_factory=dict)
    note: str = ""


def race_courses() -> dict:
    """The courses of the race, by name: a ravine, Rosenbrock's valley, a saddle and two multi-minimum surfaces."""
    ravine = quadratic([1.0, 50.0])
    return {
        "ravine (kappa = 50)": RaceCourse(
            ravine, ravine.x0, 150, {"SGD": 0.02, "AdaGrad": 0.5, "RMSprop": 0.02, "Adam": 0.1},
            "a tilted quadratic bowl 50 times steeper across than along"),
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


def make_optimizer(name: str, lr: float, momentum: float = 0.9):
    """One of :data:`RACE_OPTIMIZERS` as a :mod:`stepcourse.optim` object.

    ``momentum`` is the momentum of ``"momentum"`` and ``"Nesterov"`` (``SGD(momentum=...)``) and Adam's
    :math:`\\beta_1`; with ``momentum=0`` Nesterov is plain SGD. The other methods use PyTorch's defaults.
    """
    from .. import optim

    if name not in RACE_OPTIMIZERS:
        raise ValueError(f"name must be one of {RACE_OPTIMIZERS}; got {name!r}")
    lr, beta = float(lr), float(momentum)
    if name == "SGD" or (name == "Nesterov" and beta == 0):
        return optim.SGD(lr=lr)
    if name == "momentum":
        return optim.SGD(lr=lr, momentum=beta)
    if name == "Nesterov":
        return optim.SGD(lr=lr, momentum=beta, nesterov=True)
    if name == "AdaGrad":
        return optim.Adagrad(lr=lr)
    if name == "RMSprop":
        return optim.RMSprop(lr=lr)
    return optim.Adam(lr=lr, betas=(beta, 0.999))


def race(course: RaceCourse, optimizers=RACE_OPTIMIZERS, lr_scale: float = 1.0, momentum: float = 0.9,
         steps: Optional[int] = None) -> dict:
    """Run each optimizer from ``course.x0`` with its base rate times ``lr_scale``; return name -> Trace.

    >>> runs = race(race_courses()["ravine (kappa = 50)"], ["SGD", "momentum"])
    >>> runs["momentum"].loss < runs["SGD"].loss
    True
    """
    steps = course.steps if steps is None else steps
    out = {}
    for name in optimizers:
        base = course.rates["SGD"] if name in ("momentum", "Nesterov") else course.rates[name]
        out[name] = minimize(course.problem, make_optimizer(name, base * lr_scale, momentum), x0=course.x0,
                             steps=steps)
    return out


def _status(trace) -> str:
    if trace.diverged:
        return f"diverged at step {trace.diverged_at}"
    return f"loss {trace.loss:.3g}"


def optimizer_race_explorer(problem: str = "ravine (kappa = 50)", optimizers: str = "SGD, momentum, Nesterov",
                            lr_scale: float = 1.0, momentum: float = 0.9) -> Explorer:
    """Race SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam on a 2-D surface.

    Left: the paths on the loss contours, from a common start (square). Right: the loss of each run
    per step (log scale above the minimum; on the saddle, which has none, the loss itself on a
    symmetric log scale). Choose the surface, which optimizers race, a multiplier of every method's
    learning rate and the momentum (SGD momentum, Nesterov and Adam's beta1).
    """
    courses = race_courses()
    if problem not in courses:
        raise ValueError(f"problem must be one of {list(courses)}; got {problem!r}")
    if optimizers not in RACE_GROUPS:
        raise ValueError(f"optimizers must be one of {list(RACE_GROUPS)}; got {optimizers!r}")

    @lru_cache(maxsize=512)
    def run(course: str, name: str, lr_scale: float, momentum: float):
        return race(courses[course], [name], lr_scale, momentum)[name]

    def compute(problem, optimizers, lr_scale, momentum):
        traces = {name: run(problem, name, float(lr_scale), float(momentum)) for name in RACE_GROUPS[optimizers]}
        return {"course": problem, "traces": traces, "lr_scale": float(lr_scale), "momentum": float(momentum)}

    def frame(h, name):
        # Limits, scales and titles of both panels for one course (the artists come from build_course).
        course = courses[name]
        p = course.problem
        ax, ax_loss = h["ax"], h["ax_loss"]
        ax.set_title(f"{name}: paths from the same start", fontsize="medium")
        (x_lo, x_hi), (y_lo, y_hi) = p.bounds
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        f0 = float(p.f(course.x0))
        if np.isnan(p.f_min):
            ax_loss.set_yscale("symlog", linthresh=1e-2)
            ax_loss.set_ylim(-1e3, max(10.0, 3 * f0))
            ax_loss.set_ylabel("loss $f(w_k)$ (symmetric log scale)")
        else:
            gap0 = max(f0 - p.f_min, 1e-12)
            ax_loss.set_yscale("log")
            ax_loss.set_ylim(gap0 * 1e-12, gap0 * 1e3)
            ax_loss.set_ylabel("$f(w_k) - f^*$ (log scale)")
        ax_loss.set_xlim(0, course.steps)

    def build_course(ax, name):
        # The contours, the start and one path per optimizer; the contours stay cached between frames.
        course = courses[name]
        before = set(ax.get_children())
        plots.contour(course.problem, ax, levels=24, n=120)
        (start,) = ax.plot(*course.x0, "s", color="white", markeredgecolor="black", markersize=7, zorder=4)
        paths = {}
        for i, opt_name in enumerate(RACE_OPTIMIZERS):
            (paths[opt_name],) = ax.plot([], [], "-", color=plots.color(i), linewidth=1.6, zorder=3)
        return {"artists": [a for a in ax.get_children() if a not in before], "paths": paths, "start": start}

    def show_course(h, name):
        # Each course is built on its first visit and kept, hidden while another one is shown.
        if name not in h["courses"]:
            h["courses"][name] = build_course(h["ax"], name)
        for other, built in h["courses"].items():
            for artist in built["artists"]:
                artist.set_visible(other == name)
        h["paths"], h["start"], h["course"] = h["courses"][name]["paths"], h["courses"][name]["start"], name
        frame(h, name)

    def draw(fig, data):
        ax, ax_loss = fig.subplots(1, 2, width_ratios=[1.1, 1])
        ax_loss.set_xlabel("step $k$")
        ax_loss.grid(True, alpha=0.3)
        ax_loss.set_title("Loss per step", fontsize="medium")
        h = {"ax": ax, "ax_loss": ax_loss, "losses": {}, "ends": {}, "legend": None, "courses": {},
             "title": fig.suptitle("", fontsize="medium")}
        for i, name in enumerate(RACE_OPTIMIZERS):
            (h["losses"][name],) = ax_loss.plot([], [], color=plots.color(i), linewidth=1.6)
            (h["ends"][name],) = ax_loss.plot([], [], "x", color=plots.color(i), markersize=9, markeredgewidth=2)
        show_course(h, data["course"])
        update(h, data)
        # One layout that fits every course's tick labels: switching keeps the panels in place.
        fit_layout(fig, [lambda name=name: frame(h, name) for name in courses])
        frame(h, data["course"])
        return h

    def update(h, data):
        if data["course"] != h["course"]:  # new limits and ticks: everything is drawn again
            show_course(h, data["course"])
            h["redraw"] = True
        course = courses[data["course"]]
        p = course.problem
        shown, labels = [], []
        for name in RACE_OPTIMIZERS:
            tr = data["traces"].get(name)
            path, loss, end = h["paths"][name], h["losses"][name], h["ends"][name]
            if tr is None:
                for artist in (path, loss, end):
                    artist.set_data([], [])
                continue
            path.set_data(tr.xs[:, 0], tr.xs[:, 1])
            y = tr.losses if np.isnan(p.f_min) else np.where(tr.gaps > 0, tr.gaps, np.nan)
            loss.set_data(np.arange(len(y)), y)
            end.set_data(([len(y) - 1], [y[-1]]) if tr.diverged else ([], []))
            shown.append(loss)
            labels.append(f"{name}: {_status(tr)}")
        if h["legend"] is not None:
            h["legend"].remove()
        h["legend"] = h["ax_loss"].legend(shown, labels, loc="lower left", fontsize="x-small", framealpha=0.85)
        h["title"].set_text(f"{course.note}; learning rates x {data['lr_scale']:g}, momentum {data['momentum']:g}")
        # Redrawn each frame in the order of a full draw: the frame, the paths (above it) under the start,
        # the legend on top.
        h["animated"] = [*h["ax"].spines.values(), *h["paths"].values(), h["start"], *h["losses"].values(),
                         *h["ends"].values(), *h["ax_loss"].spines.values(), h["legend"], h["title"]]

    return Explorer(
        controls={
            "problem": Choice(list(courses), value=problem, label="surface",
                              static=["ravine (kappa = 50)", "Rosenbrock", "saddle", "six-hump camel"]),
            "optimizers": Choice(list(RACE_GROUPS), value=optimizers, label="optimizers",
                                 static=["SGD, momentum, Nesterov", "AdaGrad, RMSprop, Adam"]),
            "lr_scale": Slider(values=(0.125, 0.25, 0.5, 1.0, 2.0, 4.0), value=lr_scale,
                               label="learning rates x", static=(0.25, 1.0, 4.0)),
            "momentum": Slider(values=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99), value=momentum,
                               label="momentum β (Adam: β1)", static=(0.5, 0.9)),
        },
        compute=compute, draw=draw, update=update, figsize=(9.6, 3.9), dpi=72,
        title="Optimizer race: the same start, six update rules",
        alt=("Left: contour lines of the chosen surface with the path of each selected optimizer from a common "
             "start. Right: each run's loss per step on a log scale, with a cross where a run diverged; the legend "
             "gives each run's final loss."),
    )


# -- batch size ---------------------------------------------------------------------------------------

def diabetes_pair(features=("bmi", "s5")):
    """Two standardized features of the diabetes data and the standardized target: ``(X, y, names)``.

    Standardizing (mean 0, standard deviation 1 for every column and for the target) makes the
    learning rates of this chapter mean the same thing for every feature; the loss of the constant
    model is then 1.
    """
    from ..data import diabetes

    data = diabetes()
    names = list(data.feature_names)
    try:
        cols = [names.index(f) for f in features]
    except ValueError:
        raise ValueError(f"features must be names from {names}; got {features!r}") from None
    X = data.X[:, cols]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (data.y - data.y.mean()) / data.y.std()
    return X, y, tuple(features)


def batch_size_run(X, y, batch_size: int, lr: float, epochs: int = 10, sampling: str = "shuffle", seed=0) -> dict:
    """Mini-batch SGD on least squares for ``epochs`` epochs, and full-batch GD for as many epochs.

    Returns a dict with the ``problem`` (:func:`~stepcourse.batching.minibatch_least_squares`), the
    ``trace`` of mini-batch SGD (one entry per step), the ``full`` trace of gradient descent (one step
    per epoch), ``steps_per_epoch`` and the predicted ``floor`` of the loss for independent batches
    (:func:`~stepcourse.noise.noise_floor` with the per-example gradient covariance at the minimum;
    None where the rate is too large for the formula).
    """
    from ..optim import SGD

    problem = minibatch_least_squares(X, y, batch_size, sampling, seed=seed)
    spe = problem.steps_per_epoch
    trace = minimize(problem, SGD(lr=float(lr)), steps=int(epochs) * spe)
    full = minibatch_least_squares(X, y, len(y), "cyclic")
    full_trace = minimize(full, SGD(lr=float(lr)), steps=int(epochs))
    G = problem.per_example_grad(problem.minima[0])
    cov = np.cov(G.T, bias=True)
    try:
        floor = noise_floor(problem.H, cov, float(lr), problem.batch_size, n=len(y),
                            replace=sampling == "replacement")
    except ValueError:
        floor = None
    return {"problem": problem, "trace": trace, "full": full_trace, "steps_per_epoch": spe, "floor": floor,
            "batch_size": problem.batch_size, "lr": float(lr), "sampling": sampling, "epochs": int(epochs)}


BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 442)
BATCH_LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6)


def batch_size_explorer(batch_size: int = 16, lr: float = 0.03, sampling: str = "shuffle", *,
                        epochs: int = 6) -> Explorer:
    """Mini-batch SGD on two features of the diabetes data: move the batch size, the rate and the sampling.

    Left: the path of mini-batch SGD (thin line) and of full-batch gradient descent (one dot per epoch)
    on the contours of the loss. Right: the loss above its minimum against epochs (one epoch = one pass
    over the 442 rows), for both, with the noise floor that the theory predicts for independent batches.
    """
    X, y, names = diabetes_pair()
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}; got {sampling!r}")

    @lru_cache(maxsize=128)
    def run(batch_size, lr, sampling):
        return batch_size_run(X, y, batch_size, lr, epochs, sampling)

    def compute(batch_size, lr, sampling):
        return run(int(batch_size), float(lr), sampling)

    def draw(fig, data):
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
        update(h, data)
        return h

    def update(h, data):
        tr, full, spe = data["trace"], data["full"], data["steps_per_epoch"]
        h["sgd_path"].set_data(tr.xs[:, 0], tr.xs[:, 1])
        h["gd_path"].set_data(full.xs[:, 0], full.xs[:, 1])
        h["sgd_loss"].set_data(np.arange(len(tr.gaps)) / spe, np.maximum(tr.gaps, 1e-300))
        h["gd_loss"].set_data(np.arange(len(full.gaps)), np.maximum(full.gaps, 1e-300))
        h["floor"].set_visible(data["floor"] is not None)
        if data["floor"] is not None:
            h["floor"].set_ydata([data["floor"]] * 2)
        if tr.diverged:
            result = f"diverged at step {tr.diverged_at}"
        else:
            last_epoch = tr.gaps[-spe:] if spe > 1 else tr.gaps[-1:]
            result = f"last epoch's mean loss gap {last_epoch.mean():.2e}"
        h["title"].set_text(f"B = {data['batch_size']} ({data['sampling']}): {spe} steps per epoch, lr {data['lr']:g}; "
                            f"{result} (full batch: {full.gaps[-1]:.2e})")

    return Explorer(
        controls={
            "batch_size": Slider(values=BATCH_SIZES, value=batch_size, label="batch size B",
                                 static=(1, 8, 64, 442)),
            "lr": Slider(values=BATCH_LRS, value=lr, label="learning rate", static=(0.003, 0.03, 0.1)),
            "sampling": Choice(list(SAMPLINGS), value=sampling, label="sampling", static=["shuffle", "replacement"]),
        },
        compute=compute, draw=draw, update=update, figsize=(9.6, 3.9), dpi=72,
        title="Batch size: noisier steps, more of them per epoch",
        alt=("Left: contours of the least-squares loss in two weights of a linear model of the diabetes data, "
             "with the noisy path of mini-batch SGD and the one-step-per-epoch path of full-batch gradient descent. "
             "Right: the loss above its minimum against epochs on a log scale for both, and a dotted line at the "
             "noise floor predicted for independent batches."),
    )
