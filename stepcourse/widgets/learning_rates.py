"""Explorers of the chapter on learning rates, and the computations behind its figures.

- :func:`basin_map`: run plain gradient descent from a whole grid of starts at once and report which
  minimum each run reaches (or that it diverged): the rate decides where you land.
- :func:`learning_rate_explorer`: a 2-D loss, a learning-rate slider measured in units of the
  stability threshold :math:`2/L^*`; the path on the contours over the basin map, and the loss curve.
- :func:`schedule_explorer`: a schedule and its parameters; the rate it gives at each step and what it
  does to a run with noisy gradients, next to the constant rate.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import plots
from ..loop import minimize
from ..optim import SGD
from ..problems import himmelblau, quadratic, rosenbrock, six_hump_camel
from ..rangetest import with_gradient_noise
from ..schedules import constant, cosine_annealing, exponential, linear_warmup, one_cycle, step_decay
from ._explorer import Choice, Explorer, Slider, fit_layout

__all__ = ["basin_map", "sharpest_curvature", "explorer_problems", "learning_rate_explorer", "make_schedule",
           "SCHEDULES", "schedule_run", "schedule_explorer"]


# -- basins of attraction ------------------------------------------------------------------------------

def sharpest_curvature(problem) -> float:
    r"""The largest Hessian eigenvalue over the problem's known minima, :math:`L^*`.

    Gradient descent can settle in a minimum only if :math:`\eta < 2/\lambda_{\max}` there, so every
    known minimum is stable for :math:`\eta < 2/L^*`, and the sharpest ones are the first to become
    unreachable as the rate grows.

    >>> import stepcourse as sc
    >>> sharpest_curvature(sc.problems.quadratic([1.0, 10.0]))
    10.0
    """
    if problem.hessian is None or len(problem.minima) == 0:
        raise ValueError(f"sharpest_curvature needs a problem with a Hessian and known minima; got {problem.name!r}")
    return float(np.max(np.linalg.eigvalsh(problem.hessian(problem.minima))))


def basin_map(problem, lr, *, n: int = 60, steps: int = 300, tol: float = 1e-3, escape: float = 50.0) -> dict:
    r"""Which minimum plain gradient descent reaches from each start of a grid.

    Every start runs :math:`w \leftarrow w - \eta\,\nabla f(w)` for ``steps`` steps (the arithmetic of
    ``sc.optim.SGD(lr)``), all starts at once. Each run gets a label:

    - ``i >= 0``: it ends within ``tol`` (a fraction of the window's width) of known minimum ``i``, and
      that minimum is stable at this rate (:math:`\eta\,\lambda_{\max} < 2` there; near an unstable
      minimum a run only passes by);
    - ``-1``: it diverged: it left finite numbers, went ``escape`` window-widths away, or ended outside
      the window with a higher loss than it started with (a slow divergence);
    - ``-2``: it is still elsewhere: a slow valley, or bouncing around a minimum that is too sharp for
      this rate.

    Parameters
    ----------
    problem : Problem
        A 1-D or 2-D problem with known minima.
    lr : float, or sequence of floats for a 1-D problem
        The learning rate. For a 1-D problem a sequence gives one row of the map per rate.
    n : int
        Starts per axis, spread over the problem's plot bounds.
    steps : int
        Steps of each run.
    tol : float
        How close to a minimum counts as arrived, as a fraction of the window's width.
    escape : float
        Runs farther than this many window-widths from the window's centre count as diverged.

    Returns
    -------
    dict with ``labels`` (``(n, n)`` for 2-D: rows follow the second coordinate; ``(len(lr), n)`` for
    1-D), ``x`` and ``y`` (the grid's coordinates: for 1-D ``y`` are the rates), ``minima``, ``dim``,
    ``lr``, ``steps``, ``problem`` (name) and ``shares`` (fraction of starts per label, a dict).

    Examples
    --------
    >>> import stepcourse as sc
    >>> m = basin_map(sc.problems.quadratic([1.0, 10.0]), 0.15, n=4, steps=200)
    >>> m["shares"]
    {0: 1.0}
    >>> basin_map(sc.problems.quadratic([1.0, 10.0]), 0.21, n=4, steps=400)["shares"]
    {-1: 1.0}
    """
    if problem.dim not in (1, 2):
        raise ValueError(f"basin_map draws 1-D and 2-D problems; {problem.name!r} has dim={problem.dim}")
    if len(problem.minima) == 0:
        raise ValueError(f"basin_map needs known minima; {problem.name!r} has none")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    rates = np.atleast_1d(np.asarray(lr, dtype=float))
    if rates.ndim != 1 or not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError(f"lr must be a positive number (or, for 1-D problems, a sequence of them); got {lr!r}")
    if problem.dim == 2 and rates.size != 1:
        raise ValueError("for a 2-D problem lr must be a single number (the map already uses both axes)")

    lows = np.array([b[0] for b in problem.bounds], dtype=float)
    highs = np.array([b[1] for b in problem.bounds], dtype=float)
    width = float(np.max(highs - lows))
    centre = (lows + highs) / 2
    axes = [np.linspace(lo, hi, int(n)) for lo, hi in zip(lows, highs)]
    if problem.dim == 2:
        X, Y = np.meshgrid(*axes)
        w = np.stack([X, Y], axis=-1)
        eta = rates[0]
    else:
        w = np.broadcast_to(axes[0][None, :, None], (rates.size, int(n), 1)).copy()
        eta = rates[:, None, None]
    alive = np.ones(w.shape[:-1], dtype=bool)
    start_loss = problem.f(w)
    # Overflow in runs that diverge is expected; they are masked and labelled, not warned about.
    with np.errstate(all="ignore"):
        for k in range(int(steps)):
            w = w - eta * problem.grad(w)
            if k % 8 == 7 or k == steps - 1:  # retire escaped runs now and then (NaN stays NaN, cheaply)
                escaped = ~np.all(np.isfinite(w), axis=-1) | (np.max(np.abs(w - centre), axis=-1) > escape * width)
                alive &= ~escaped
                w[~alive] = np.nan
    minima = np.asarray(problem.minima, dtype=float)
    dist = np.linalg.norm(w[..., None, :] - minima, axis=-1)  # (..., k)
    with np.errstate(invalid="ignore"):
        nearest = np.argmin(np.where(np.isfinite(dist), dist, np.inf), axis=-1)
        arrived = np.take_along_axis(dist, nearest[..., None], axis=-1)[..., 0] <= tol * width
        if problem.hessian is not None:  # near a minimum that is unstable at this rate a run only passes by
            sharpest = np.linalg.eigvalsh(problem.hessian(minima)).max(axis=-1)          # (k,)
            stable = np.asarray(eta).reshape(-1, 1) * sharpest < 2                     # (rates, k)
            stable = stable[0] if problem.dim == 2 else stable[:, None, :]
            arrived &= np.take_along_axis(np.broadcast_to(stable, dist.shape), nearest[..., None], axis=-1)[..., 0]
        # A run that ends outside the window, higher than it started, is on its way out (a slow divergence).
        outside = np.any((w < lows) | (w > highs), axis=-1)
        grew = alive & ~arrived & outside & (problem.f(np.where(alive[..., None], w, 0.0)) > start_loss)
    labels = np.where(~alive | grew, -1, np.where(arrived, nearest, -2)).astype(int)
    values, counts = np.unique(labels, return_counts=True)
    shares = {int(v): float(c) / labels.size for v, c in zip(values, counts)}
    return {"labels": labels, "x": axes[0], "y": axes[1] if problem.dim == 2 else rates, "minima": minima,
            "dim": problem.dim, "lr": rates[0] if problem.dim == 2 else rates, "steps": int(steps),
            "problem": problem.name, "shares": shares}


# -- the learning-rate explorer -----------------------------------------------------------------------

def _lean_log_axis(ax):
    # A log axis without minor ticks: half the text to lay out, so every frame draws faster.
    from matplotlib.ticker import LogLocator, NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(numticks=7))
    ax.yaxis.set_minor_locator(NullLocator())


def explorer_problems() -> dict:
    """The surfaces of :func:`learning_rate_explorer`, by label: ``(problem, steps)``."""
    return {
        "quadratic bowl (kappa = 10)": (quadratic([1.0, 10.0]), 60),
        "Himmelblau (4 minima)": (himmelblau(), 120),
        "six-hump camel (6 minima)": (six_hump_camel(), 150),
        "Rosenbrock (curved valley)": (rosenbrock(), 400),
    }


#: Learning rates of the explorer, in units of 2/L* (1 is the stability threshold of the sharpest minimum).
LR_FRACTIONS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0, 1.05, 1.2, 1.4, 1.7, 2.0, 2.5)


def _outcome(trace, problem, lr, frac, tol):
    if trace.diverged:
        return f"η = {lr:.3g} ({frac:g} × 2/L*): diverged at step {trace.diverged_at}"
    minima = problem.minima
    d = np.linalg.norm(minima - trace.x, axis=-1)
    i = int(np.argmin(d))
    width = max(b[1] - b[0] for b in problem.bounds)
    if d[i] <= tol * width:
        where = ", ".join(f"{v:.2f}" for v in minima[i])
        k = trace.steps_to(tol * width, target=minima[i])
        return f"η = {lr:.3g} ({frac:g} × 2/L*): reached the minimum at ({where}) after {k} steps"
    if trace.loss > trace.losses[0]:
        return (f"η = {lr:.3g} ({frac:g} × 2/L*): diverging, the loss grew from {trace.losses[0]:.3g} "
                f"to {trace.loss:.3g} in {trace.steps} steps")
    return f"η = {lr:.3g} ({frac:g} × 2/L*): not settled after {trace.steps} steps (loss {trace.loss:.3g})"


def learning_rate_explorer(problem: str = "Himmelblau (4 minima)", lr: float = 0.5, *, n: int = 40,
                           tol: float = 1e-3) -> Explorer:
    r"""Gradient descent on a 2-D loss with a learning-rate slider, over the map of where every start ends.

    The rate is set in units of :math:`2/L^*`, where :math:`L^*` is the largest curvature at any known
    minimum (:func:`sharpest_curvature`): below 1 every minimum can hold the walker, above 1 the
    sharpest ones cannot. Left: the path from the problem's start on the contours, over the basin map at
    this rate (the colour of each point is the minimum reached from there; grey: diverged; white: not
    settled). Right: the loss above the minimum per step. The title says where the run ended, or at which
    step it diverged.

    Parameters
    ----------
    problem : str
        A key of :func:`explorer_problems`.
    lr : float
        Initial rate in units of :math:`2/L^*` (snapped to the slider).
    n : int
        Starts per axis of the basin map.
    tol : float
        Arrival tolerance as a fraction of the window's width.
    """
    catalog = explorer_problems()
    if problem not in catalog:
        raise ValueError(f"problem must be one of {list(catalog)}; got {problem!r}")
    sharp = {key: sharpest_curvature(p) for key, (p, _) in catalog.items()}

    @lru_cache(maxsize=128)
    def run(key: str, frac: float):
        p, steps = catalog[key]
        rate = frac * 2 / sharp[key]
        trace = minimize(p, SGD(lr=rate), steps=steps)
        return rate, trace, basin_map(p, rate, n=n, steps=steps, tol=tol)

    def compute(problem, lr):
        p, steps = catalog[problem]
        rate, trace, basins = run(problem, float(lr))
        gaps = np.maximum(trace.gaps, 1e-16)
        return {"key": problem, "problem": p, "steps": steps, "rate": rate, "trace": trace, "basins": basins,
                "gaps": gaps, "message": _outcome(trace, p, rate, float(lr), tol)}

    def build_left(ax, data):
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

    def frame(h, key):
        # Limits, scales and titles of both panels for one surface (the artists come from build_left).
        p, steps = catalog[key]
        (x_lo, x_hi), (y_lo, y_hi) = p.bounds
        h["ax"].set_xlim(x_lo, x_hi)
        h["ax"].set_ylim(y_lo, y_hi)
        h["ax"].set_title(f"{p.name}: path over the basin map", fontsize="medium")
        gap0 = max(float(p.f(p.x0) - p.f_min), 1e-12)
        h["ax_loss"].set_xlim(0, steps)
        h["ax_loss"].set_ylim(1e-14 * gap0, 1e7 * gap0)

    def show(h, data):
        # Each surface's artists are built on its first visit and kept, hidden while another one is shown.
        key = data["key"]
        if key not in h["panels"]:
            h["panels"][key] = build_left(h["ax"], data)
        for other, panel in h["panels"].items():
            for artist in panel["left"]:
                if artist is not None:
                    artist.set_visible(other == key)
        h.update(h["panels"][key], key=key)
        h["animated"] = [*h["left"], *h["ax"].spines.values(), h["loss"], h["end"], *h["ax_loss"].spines.values(),
                         h["title"]]
        frame(h, key)

    def draw(fig, data):
        ax, ax_loss = fig.subplots(1, 2, width_ratios=[1.1, 1])
        h = {"ax": ax, "ax_loss": ax_loss, "panels": {}}
        (h["loss"],) = ax_loss.plot([], [], color=plots.color(0), linewidth=1.6)
        (h["end"],) = ax_loss.plot([], [], "x", color=plots.color(1), markersize=10, markeredgewidth=2)
        _lean_log_axis(ax_loss)
        ax_loss.set_xlabel("step $k$")
        ax_loss.set_ylabel("$f(w_k) - f^*$ (log scale)")
        ax_loss.set_title("loss above the minimum", fontsize="medium")
        ax_loss.grid(True, alpha=0.3)
        h["title"] = fig.suptitle("", fontsize="medium")
        show(h, data)
        update(h, data)
        # One layout that fits every surface's tick labels: switching keeps the panels in place.
        fit_layout(fig, [lambda key=key: frame(h, key) for key in catalog])
        frame(h, data["key"])
        return h

    def update(h, data):
        if data["key"] != h["key"]:  # a new surface: new limits and ticks, so everything is drawn again
            show(h, data)
            h["redraw"] = True
        h["mesh"].set_array(data["basins"]["labels"].ravel())
        xs = data["trace"].xs
        h["path"].set_data(xs[:, 0], xs[:, 1])
        k = np.arange(len(data["gaps"]))
        h["loss"].set_data(k, data["gaps"])
        tr = data["trace"]
        h["end"].set_data(([k[-1]], [data["gaps"][-1]]) if tr.diverged else ([], []))
        h["title"].set_text(data["message"])

    return Explorer(
        controls={
            "problem": Choice(list(catalog), value=problem, label="surface"),
            "lr": Slider(values=LR_FRACTIONS, value=lr, label="η in units of 2/L*",
                         static=(0.1, 0.5, 0.9, 1.05, 1.2, 1.4, 1.7, 2.0)),
        },
        compute=compute, draw=draw, update=update, figsize=(8.6, 3.6), dpi=72,
        title="Learning-rate explorer: the rate decides the walk and where it ends",
        alt=("Left: contour lines of a two-parameter loss over a coloured map; each colour marks the minimum "
             "that gradient descent reaches from that start at the chosen learning rate (grey: the run "
             "diverges, white: it has not settled), with the path from the default start drawn in black. "
             "Right: the loss above the minimum at each step on a log scale. The title says which minimum "
             "the run reached and after how many steps, or at which step it diverged."),
    )


# -- the schedule explorer ------------------------------------------------------------------------------

#: The schedules the explorer offers, by label.
SCHEDULES = ("constant", "step decay", "exponential", "cosine", "warmup + cosine", "one-cycle")


def make_schedule(name: str, lr: float, steps: int, final: float = 0.01):
    """A schedule of :mod:`stepcourse.schedules` that starts (or peaks) at ``lr`` and ends near ``final * lr``.

    - ``"constant"``: ``lr`` throughout (``final`` is ignored);
    - ``"step decay"``: ``lr`` times ``sqrt(final)`` after each third of the run;
    - ``"exponential"``: ``lr * gamma**t`` with ``gamma = final**(1/(steps-1))``;
    - ``"cosine"``: half a cosine from ``lr`` to ``final * lr`` over the run;
    - ``"warmup + cosine"``: a linear warm-up over the first tenth from ``lr/10``, then the cosine;
    - ``"one-cycle"``: up from ``lr/25`` for 30 % of the run, then down to ``final * lr``.

    >>> make_schedule("exponential", 1.0, 11, final=0.01).lrs(11)[[0, 5, 10]].round(12)
    array([1.  , 0.1 , 0.01])
    """
    if name not in SCHEDULES:
        raise ValueError(f"name must be one of {SCHEDULES}; got {name!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 10:
        raise ValueError(f"steps must be an integer >= 10; got {steps!r}")
    if not 0 < final <= 1:
        raise ValueError(f"final must be in (0, 1]; got {final!r}")
    lr, steps = float(lr), int(steps)
    if name == "constant":
        return constant(lr)
    if name == "step decay":
        return step_decay(lr, step_size=-(-steps // 3), gamma=final ** 0.5)
    if name == "exponential":
        return exponential(lr, gamma=final ** (1 / (steps - 1)))
    if name == "cosine":
        return cosine_annealing(lr, T_max=steps - 1, eta_min=final * lr)
    if name == "warmup + cosine":
        warm = steps // 10
        return linear_warmup(cosine_annealing(lr, T_max=steps - 1 - warm, eta_min=final * lr), warm, start_factor=0.1)
    div = 25.0
    return one_cycle(lr, total_steps=steps, pct_start=0.3, div_factor=div, final_div_factor=1 / (div * final))


def schedule_run(schedule, *, noise: float = 1.0, steps: int = 300, seed: int = 0):
    """Gradient descent with ``schedule`` on the noisy quadratic bowl of :func:`schedule_explorer`.

    The bowl has curvatures 1 and 10 (so :math:`2/L = 0.2`) and every gradient carries Gaussian noise of
    standard deviation ``noise`` per coordinate (:func:`~stepcourse.rangetest.with_gradient_noise`); the
    same ``seed`` gives every schedule the same noise. Returns the :class:`~stepcourse.loop.Trace`.
    """
    bowl = with_gradient_noise(quadratic([1.0, 10.0]), noise, seed=seed)
    return minimize(bowl, SGD(lr=schedule), steps=steps)


def schedule_explorer(schedule: str = "cosine", lr: float = 0.1, final: float = 0.01, *, noise: float = 1.0,
                      steps: int = 300, tail: int = 50) -> Explorer:
    """Pick a schedule and its parameters: the rate at each step, and the run it gives on a noisy bowl.

    Left: the learning rate per step, the chosen schedule against the constant rate, with the
    divergence threshold 2/L. Right: the loss above the minimum per step for both runs (same gradient
    noise), with the average over the last ``tail`` steps, the level where a constant rate settles
    (its noise floor), drawn dashed.

    Parameters
    ----------
    schedule : str
        One of :data:`SCHEDULES`.
    lr : float
        The starting (or peak) rate.
    final : float
        The final rate as a fraction of ``lr``.
    noise : float
        Standard deviation of the gradient noise per coordinate.
    steps : int
        Length of the run.
    tail : int
        Steps at the end over which the final loss is averaged.
    """
    from ..noise import noise_floor

    H = quadratic([1.0, 10.0]).A
    threshold = 2 / 10.0

    @lru_cache(maxsize=256)
    def run(name, lr, final):
        return schedule_run(make_schedule(name, lr, steps, final), noise=noise, steps=steps)

    def compute(schedule, lr, final):
        sched = make_schedule(schedule, lr, steps, final)
        trace, ref = run(schedule, lr, final), run("constant", lr, 1.0)
        floor = noise_floor(H, noise**2 * np.eye(2), lr) if lr < threshold else None

        def level(tr):
            return None if tr.diverged else float(np.mean(tr.gaps[-tail:]))

        return {"t": np.arange(steps), "lrs": sched.lrs(steps), "lr": lr, "trace": trace, "ref": ref,
                "level": level(trace), "ref_level": level(ref), "floor": floor, "name": schedule}

    def draw(fig, data):
        ax_lr, ax_loss = fig.subplots(1, 2)
        (h_ref_lr,) = ax_lr.plot(data["t"], np.full(steps, data["lr"]), color="0.5", linestyle="--",
                                 linewidth=1.3, label="constant rate")
        (h_lr,) = ax_lr.plot(data["t"], data["lrs"], color=plots.color(1), linewidth=2, label="schedule")
        h_threshold = ax_lr.axhline(threshold, color=plots.color(7), linestyle=":", linewidth=1.2,
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
        update(h, data)
        return h

    def describe(level, trace):
        return f"diverged at step {trace.diverged_at}" if level is None else f"loss {level:.2g}"

    def update(h, data):
        h["lr"].set_data(data["t"], data["lrs"])
        h["ref_lr"].set_ydata(np.full(steps, data["lr"]))
        for key, tr in (("run", data["trace"]), ("ref", data["ref"])):
            h[key].set_data(np.arange(len(tr.gaps)), np.maximum(tr.gaps, 1e-300))
        h["floor"].set_visible(data["floor"] is not None)
        if data["floor"] is not None:
            h["floor"].set_ydata([data["floor"]] * 2)
        h["title"].set_text(f"{data['name']}: {describe(data['level'], data['trace'])}; constant rate: "
                            f"{describe(data['ref_level'], data['ref'])}   (loss: mean of the last {tail} steps)")

    return Explorer(
        controls={
            "schedule": Choice(list(SCHEDULES), value=schedule, label="schedule"),
            "lr": Slider(values=(0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.19, 0.25), value=lr,
                         label="peak rate η", static=(0.05, 0.1, 0.19)),
            "final": Slider(values=(1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001), value=final,
                            label="final rate / peak rate", static=(0.1, 0.001)),
        },
        compute=compute, draw=draw, update=update, figsize=(8.6, 3.4), dpi=72,
        title="Schedule explorer: how the rate changes over a run, and what that does",
        alt=("Left: the learning rate at each step for the chosen schedule, against a constant rate and the "
             "divergence threshold 2/L, on a log scale. Right: the loss above the minimum at each step of a "
             "run with noisy gradients, for the schedule and for the constant rate, with the constant rate's "
             "theoretical noise floor dashed. The title gives both runs' average loss over the last steps."),
    )
