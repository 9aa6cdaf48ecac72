"""The optimization loop on a :class:`~stepcourse.problems.Problem`: ``minimize(problem, opt) -> Trace``.

A run records every iterate, so plots and explorers read the trace instead of re-running anything.
Divergence is data, not a crash: a run whose numbers stop being finite, or whose loss grows far past
where it started, ends there and says so. That rule is :class:`Divergence`, the one rule that
:func:`minimize`, :func:`stepcourse.training.fit` and :func:`stepcourse.rangetest.lr_range_test` share.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ._validation import (as_float_array, as_generator, check_callable, check_integer, check_number,
                          check_optimizer, check_positive, check_problem, check_seed)

__all__ = ["Trace", "minimize", "steps_to_stay_within", "ToleranceRun", "Divergence",
           "DIVERGENCE_FACTOR"]

#: A run is flagged as diverged when ``|f(x_t) - f*|`` exceeds this multiple of ``|f(x_0) - f*|``.
#: At lr = 1.01 * 2/L on a quadratic the loss grows 4 % per step, so 1e6 is reached after ~350 steps,
#: long before any overflow.
DIVERGENCE_FACTOR = 1e6


@dataclass(frozen=True)
class Divergence:
    """The divergence rule: a loss that is not finite, or whose gap ``|loss - reference|`` exceeds
    ``factor`` times the gap where the run started.

    ``factor=None`` checks finiteness only; so does a run that starts exactly at ``reference`` (it
    has no scale to compare with).

    >>> rule = Divergence.starting_at(2.0, factor=10.0)
    >>> rule.exceeded(19.0), rule.exceeded(21.0), rule.exceeded(float("nan"))
    (False, True, True)
    """

    limit: float
    reference: float = 0.0

    @classmethod
    def starting_at(cls, start_loss: float, reference: float = 0.0,
                    factor: Optional[float] = DIVERGENCE_FACTOR) -> "Divergence":
        if factor is not None:
            factor = check_number("divergence_factor", factor, low=1, low_open=True)
        gap = abs(float(start_loss) - reference)
        limit = factor * gap if (factor is not None and gap > 0) else np.inf
        return cls(limit=float(limit), reference=float(reference))

    def exceeded(self, loss: float) -> bool:
        """True when ``loss`` is not finite or too far above the reference."""
        return not (np.isfinite(loss) and abs(loss - self.reference) <= self.limit)


@dataclass(frozen=True, eq=False)
class Trace:
    """The record of one optimization run.

    Attributes
    ----------
    xs : ndarray, shape (n + 1, d)
        Iterates, starting with ``x0``; ``n`` is the number of steps taken.
    losses : ndarray, shape (n + 1,)
        ``f(xs[k])``.
    grad_norms : ndarray, shape (n + 1,)
        Euclidean norm of the gradient at ``xs[k]``.
    lrs : ndarray, shape (n,)
        The learning rate used at each step.
    diverged : bool
        True when the run was stopped because it left finite numbers or its loss blew up.
    diverged_at : int or None
        The step at which divergence was detected (``xs`` holds the iterates up to the last finite one).
    problem, optimizer : str
        Names, for legends.
    f_min : float
        The problem's lowest known loss (``nan`` if unknown); :attr:`gaps` is ``losses - f_min``.
    """

    xs: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    diverged: bool = False
    diverged_at: Optional[int] = None
    problem: str = ""
    optimizer: str = ""
    f_min: float = float("nan")
    requested_steps: int = field(default=0, repr=False)

    @property
    def steps(self) -> int:
        """Number of steps actually taken."""
        return len(self.xs) - 1

    @property
    def x(self) -> np.ndarray:
        """The last iterate."""
        return self.xs[-1]

    @property
    def loss(self) -> float:
        """The last loss."""
        return float(self.losses[-1])

    @property
    def gaps(self) -> np.ndarray:
        """Suboptimality ``f(x_k) - f*`` (uses 0 for ``f*`` when no minimum is known)."""
        f_min = 0.0 if np.isnan(self.f_min) else self.f_min
        return self.losses - f_min

    def first_step_within(self, tol: float, *, target=None) -> Optional[int]:
        """The first step ``k`` with ``|f(x_k) - f*| <= tol`` (or ``||x_k - target|| <= tol`` with a
        ``target``), whether or not the run stays there; None when it never gets there.

        (:func:`steps_to_stay_within` counts the steps after which a run stays within.)

        >>> import stepcourse as sc
        >>> tr = sc.minimize(sc.problems.parabola(), sc.optim.SGD(lr=0.5), steps=30)
        >>> tr.first_step_within(1e-3)          # the gap 4.5 shrinks by 1/4 per step
        7
        """
        tol = check_positive("tol", tol)
        if target is None:
            hit = np.abs(self.gaps) <= tol
        else:
            hit = np.linalg.norm(self.xs - np.asarray(target, dtype=float), axis=-1) <= tol
        idx = np.flatnonzero(hit)
        return int(idx[0]) if idx.size else None

    def contraction(self, start: int = 0, stop: Optional[int] = None, *, target=None) -> float:
        r"""The average factor per step by which the distance to ``target`` shrinks over steps
        ``start..stop`` (default: the whole run).

        It is the geometric mean of the step ratios, :math:`(d_{stop} / d_{start})^{1/(stop - start)}`
        with :math:`d_k = \lVert x_k - \text{target} \rVert`; 0 when the run starts at ``target``.
        ``target`` is required (usually ``problem.minima[0]``).

        >>> import stepcourse as sc
        >>> p = sc.problems.parabola()
        >>> round(sc.minimize(p, sc.optim.SGD(lr=0.25), steps=10).contraction(target=p.minima[0]), 12)
        0.75
        """
        if target is None:
            raise ValueError("contraction needs the minimum as target=..., e.g. problem.minima[0]")
        dist = np.linalg.norm(self.xs - np.asarray(target, dtype=float), axis=-1)
        stop = len(dist) - 1 if stop is None else stop
        if not 0 <= start < stop <= len(dist) - 1:
            raise ValueError(f"need 0 <= start < stop <= {len(dist) - 1}; got start={start}, stop={stop}")
        if dist[start] == 0:
            return 0.0
        return float((dist[stop] / dist[start]) ** (1.0 / (stop - start)))

    def __repr__(self) -> str:
        status = f"diverged at step {self.diverged_at}" if self.diverged else f"loss {self.loss:.4g}"
        return f"Trace({self.problem or 'problem'}, {self.optimizer or 'optimizer'}: {self.steps} steps, {status})"


def minimize(problem, opt, x0=None, steps: int = 100, *, seed=None,
             divergence_factor: Optional[float] = DIVERGENCE_FACTOR,
             callback: Optional[Callable] = None) -> Trace:
    r"""Run ``steps`` steps of ``opt`` on ``problem`` and record everything.

    At each step :math:`t = 0, 1, \dots` the loop computes :math:`g_t = \nabla f(x_t)` and asks the
    optimizer for :math:`x_{t+1}` (for plain SGD, :math:`x_{t+1} = x_t - \eta_t g_t`).

    Parameters
    ----------
    problem : Problem
        The loss, with ``f`` and ``grad``.
    opt : optimizer from :mod:`stepcourse.optim`
        Anything with ``init(params)``, ``step(params, grads, state)`` and ``lr_at(t)``; for a name,
        ``sc.optim.by_name("adam", lr=0.1)``.
    x0 : array_like, optional
        Start; defaults to ``problem.x0``.
    steps : int
        Number of steps to take (fewer if the run diverges or the callback stops it).
    seed : int, None or numpy Generator
        The randomness of a stochastic problem's gradients (noise, mini-batches) for this run; None
        uses the problem's own ``seed``. The same seed gives the same trace. Ignored by exact problems.
    divergence_factor : float or None
        Stop, flagged, once ``|f(x_t) - f*| > divergence_factor * |f(x_0) - f*|`` (:class:`Divergence`);
        None stops only when a number stops being finite.
    callback : callable, optional
        ``callback(t, x, loss)`` after each step ``t`` (0-based) with the new point and its loss; returning
        True ends the run there (not flagged as diverged).

    Returns
    -------
    Trace

    Examples
    --------
    >>> import stepcourse as sc
    >>> p = sc.problems.quadratic([1.0, 10.0])
    >>> sc.minimize(p, sc.optim.SGD(lr=0.15), steps=50).diverged
    False
    >>> tr = sc.minimize(p, sc.optim.SGD(lr=0.21), steps=5000)
    >>> tr.diverged, tr.diverged_at is not None
    (True, True)
    """
    problem = check_problem("problem", problem)
    opt = check_optimizer("opt", opt)
    steps = check_integer("steps", steps, low=0)
    check_callable("callback", callback, allow_none=True)
    check_seed("seed", seed)
    start = as_float_array("x0", problem.x0 if x0 is None else x0)
    if start.size != problem.dim:
        raise ValueError(f"x0 must hold {problem.dim} numbers for {problem.name!r} (dim={problem.dim}); "
                         f"got shape {start.shape}")
    x = start.reshape(problem.dim).copy()
    grad = problem.run_grad(seed)
    f, f_min = problem.f, problem.f_min
    ref = 0.0 if np.isnan(f_min) else f_min
    # The single-array step without its own errstate: this loop sets it once for the whole run.
    step = getattr(opt, "_step", opt.step)
    lr_at = getattr(opt, "lr_at", None)

    xs = np.empty((steps + 1, problem.dim))
    losses = np.empty(steps + 1)
    grad_norms = np.empty(steps + 1)
    lrs = np.full(steps, np.nan)
    diverged_at = None
    # Overflow to inf is expected on a diverging run; it is reported through the Trace, not as warnings.
    with np.errstate(all="ignore"):
        g = np.asarray(grad(x), dtype=float)
        loss = float(f(x))
        xs[0], losses[0], grad_norms[0] = x, loss, np.sqrt(g @ g)
        if not (np.isfinite(loss) and np.all(np.isfinite(g))):
            raise ValueError(f"the loss or gradient is not finite at the start x0={x}")
        rule = Divergence.starting_at(loss, ref, divergence_factor)
        state = opt.init(x)
        n = 0
        for t in range(steps):
            if lr_at is not None:
                lrs[t] = lr_at(t)
            x_new, state = step(x, g, state)
            loss = float(f(x_new))
            if not (np.isfinite(loss) and np.all(np.isfinite(x_new))):
                diverged_at = t + 1
                break
            g = np.asarray(grad(x_new), dtype=float)
            x = x_new
            n = t + 1
            xs[n], losses[n], grad_norms[n] = x, loss, np.sqrt(g @ g)
            if rule.exceeded(loss) or not np.all(np.isfinite(g)):
                diverged_at = n
                break
            if callback is not None and callback(t, x, loss) is True:
                break
    return Trace(
        xs=xs[: n + 1].copy(), losses=losses[: n + 1].copy(), grad_norms=grad_norms[: n + 1].copy(),
        lrs=lrs[:n].copy(), diverged=diverged_at is not None,
        diverged_at=diverged_at, problem=problem.name, optimizer=_describe(opt), f_min=f_min,
        requested_steps=int(steps),
    )


@dataclass(frozen=True, eq=False)
class ToleranceRun:
    """The answer of :func:`steps_to_stay_within`.

    Attributes
    ----------
    trace : Trace
        The whole run.
    steps : int or None
        The first step from which the loss stays within ``tol`` of :attr:`minimum` (None if never).
    status : str
        ``"converged"``, ``"diverged"`` or ``"not yet"`` (still outside after ``max_steps``).
    minimum : ndarray or None
        The known minimum nearest to where the run ended (None when it diverged).
    """

    trace: Trace
    steps: Optional[int]
    status: str
    minimum: Optional[np.ndarray] = None


def steps_to_stay_within(problem, lr, tol: float = 1e-4, max_steps: int = 1000) -> ToleranceRun:
    r"""Run gradient descent and count the steps after which it stays within ``tol`` of a minimum.

    ``lr`` is a learning rate for plain gradient descent (``SGD(lr=lr)``) or any optimizer object.

    "Within tolerance" means :math:`f(w_k) - f(w^\star) \le` ``tol`` for the minimum :math:`w^\star`
    nearest to where the run ends (on a non-convex curve that may be a local one), from step ``k`` on
    to the end of the run: a run that bounces through the band and out again has not arrived.
    (:meth:`Trace.first_step_within` counts the first visit instead.)

    Returns
    -------
    ToleranceRun

    Examples
    --------
    >>> import stepcourse as sc
    >>> sc.loop.steps_to_stay_within(sc.problems.parabola(curvature=1.0), lr=1.0).steps
    1
    """
    problem = check_problem("problem", problem)
    tol = check_positive("tol", tol)
    max_steps = check_integer("max_steps", max_steps, low=0)
    from .optim import SGD

    if callable(getattr(lr, "step", None)):
        opt = lr
    else:
        opt = SGD(lr=check_number("lr", lr, low=0))
    trace = minimize(problem, opt, steps=max_steps)
    if trace.diverged:
        return ToleranceRun(trace=trace, steps=None, status="diverged")
    minima = np.asarray(problem.minima)
    if len(minima) == 0:
        raise ValueError(f"problem {problem.name!r} has no known minimum to count the steps to")
    nearest = minima[np.argmin(np.linalg.norm(minima - trace.x, axis=-1))]
    gaps = trace.losses - float(problem.f(nearest))
    outside = np.flatnonzero(np.abs(gaps) > tol)
    first = 0 if outside.size == 0 else int(outside[-1]) + 1
    if first < len(gaps):
        return ToleranceRun(trace=trace, steps=first, status="converged", minimum=nearest)
    return ToleranceRun(trace=trace, steps=None, status="not yet", minimum=nearest)


def _describe(opt) -> str:
    lr = getattr(opt, "lr", None)
    lr_text = f"lr={lr:g}" if isinstance(lr, (int, float)) else "scheduled lr"
    return f"{type(opt).__name__}({lr_text})"


# ==================================================================================================
# Basin maps, the sharpest curvature and optimizer races: the analysis behind the learning-rate and
# race explorers (stepcourse.widgets), tested in tests/test_moved_analysis.py.

__all__ += ["sharpest_curvature", "BasinMap", "basin_map", "race"]


def sharpest_curvature(problem) -> float:
    r"""The largest Hessian eigenvalue over the problem's known minima, :math:`L^*`.

    .. math::

        L^* = \max_i \lambda_{\max}\bigl(\nabla^2 f(w^*_i)\bigr)

    Gradient descent can settle in a minimum only if :math:`\eta < 2/\lambda_{\max}` there, so every
    known minimum is stable for :math:`\eta < 2/L^*`, and the sharpest ones are the first to become
    unreachable as the rate grows.

    >>> import stepcourse as sc
    >>> sharpest_curvature(sc.problems.quadratic([1.0, 10.0]))
    10.0
    """
    if getattr(problem, "hessian", None) is None or len(getattr(problem, "minima", ())) == 0:
        raise ValueError("sharpest_curvature needs a problem with a Hessian and known minima; "
                         f"got {getattr(problem, 'name', problem)!r}")
    return float(np.max(np.linalg.eigvalsh(problem.hessian(problem.minima))))


@dataclass(frozen=True, eq=False)
class BasinMap:
    """The answer of :func:`basin_map`: where plain gradient descent ends from each start of a grid.

    Attributes
    ----------
    labels : ndarray of int
        One label per start: ``i >= 0`` reached known minimum ``i``, ``-1`` diverged, ``-2`` still
        elsewhere. Shape ``(n, n)`` for a 2-D problem (rows follow the second coordinate),
        ``(len(lr), n)`` for a 1-D one.
    x, y : ndarray
        The grid's coordinates: the two coordinates of the start (2-D), or the start and the rates
        (1-D: ``y`` is ``lr``).
    minima : ndarray
        The problem's known minima, in the order of the labels.
    dim : int
        The problem's dimension (1 or 2).
    lr : float or ndarray
        The rate (2-D) or the rates, one per row (1-D).
    steps : int
        Steps of each run.
    problem : str
        The problem's name.
    shares : dict
        The fraction of starts with each label present.
    """

    labels: np.ndarray
    x: np.ndarray
    y: np.ndarray
    minima: np.ndarray
    dim: int
    lr: object
    steps: int
    problem: str
    shares: dict

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {v:.1%}" for k, v in sorted(self.shares.items()))
        return f"BasinMap({self.problem}, {self.labels.shape[0]}x{self.labels.shape[1]} starts; {parts})"


def basin_map(problem, lr, *, n: int = 60, steps: int = 300, tol: float = 1e-3,
              escape: float = 50.0) -> BasinMap:
    r"""Which minimum plain gradient descent reaches from each start of a grid.

    Every start runs

    .. math::

        w_{k+1} = w_k - \eta\,\nabla f(w_k), \qquad k = 0, \dots, \text{steps} - 1

    (the arithmetic of ``sc.optim.SGD(lr)``), all starts at once. Each run gets a label:

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
    BasinMap
        The labels, the grid, the minima and the share of each label.

    Examples
    --------
    >>> import stepcourse as sc
    >>> basin_map(sc.problems.quadratic([1.0, 10.0]), 0.15, n=4, steps=200).shares
    {0: 1.0}
    >>> m = basin_map(sc.problems.quadratic([1.0, 10.0]), 0.21, n=4, steps=400)
    >>> m.labels.shape, m.shares
    ((4, 4), {-1: 1.0})
    """
    from ._validation import check_integer, check_number, check_problem

    check_problem("problem", problem)
    if problem.dim not in (1, 2):
        raise ValueError(f"basin_map draws 1-D and 2-D problems; {problem.name!r} has dim={problem.dim}")
    if len(problem.minima) == 0:
        raise ValueError(f"basin_map needs known minima; {problem.name!r} has none")
    n = check_integer("n", n, low=2)
    steps = check_integer("steps", steps, low=0)
    tol = check_number("tol", tol, low=0, low_open=True)
    escape = check_number("escape", escape, low=0, low_open=True)
    rates = np.atleast_1d(np.asarray(lr, dtype=float))
    if rates.ndim != 1 or not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError(f"lr must be a positive number (or, for 1-D problems, a sequence of them); got {lr!r}")
    if problem.dim == 2 and rates.size != 1:
        raise ValueError("for a 2-D problem lr must be a single number (the map already uses both axes)")

    lows = np.array([b[0] for b in problem.bounds], dtype=float)
    highs = np.array([b[1] for b in problem.bounds], dtype=float)
    width = float(np.max(highs - lows))
    centre = (lows + highs) / 2
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(lows, highs)]
    if problem.dim == 2:
        X, Y = np.meshgrid(*axes)
        w = np.stack([X, Y], axis=-1)
        eta = rates[0]
    else:
        w = np.broadcast_to(axes[0][None, :, None], (rates.size, n, 1)).copy()
        eta = rates[:, None, None]
    alive = np.ones(w.shape[:-1], dtype=bool)
    start_loss = problem.f(w)
    # Overflow in runs that diverge is expected; they are masked and labelled, not warned about.
    with np.errstate(all="ignore"):
        for k in range(steps):
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
    return BasinMap(labels=labels, x=axes[0], y=axes[1] if problem.dim == 2 else rates, minima=minima,
                    dim=problem.dim, lr=float(rates[0]) if problem.dim == 2 else rates, steps=steps,
                    problem=problem.name, shares=shares)


def race(problem, rates, *, x0=None, steps: int = 100, momentum: float = 0.9, lr_scale: float = 1.0) -> dict:
    r"""Run several optimizers from the same start: ``rates`` maps names of :func:`stepcourse.optim.by_name`
    to learning rates; returns name -> :class:`Trace`, in the same order.

    Every rate is multiplied by ``lr_scale``. ``momentum`` is :math:`\beta` of ``"momentum"`` (heavy
    ball) and ``"Nesterov"``, and Adam's :math:`\beta_1`:

    .. math::

        b_{k+1} = \beta b_k + g_k, \qquad w_{k+1} = w_k - \eta\, b_{k+1}
        \quad (\text{Nesterov: } w_{k+1} = w_k - \eta\,(g_k + \beta b_{k+1})),

    with ``momentum=0`` both are plain SGD. The other methods keep PyTorch's defaults.

    >>> import stepcourse as sc
    >>> runs = race(sc.problems.quadratic([1.0, 100.0]), {"SGD": 0.01, "momentum": 0.01}, steps=150)
    >>> runs["momentum"].loss < runs["SGD"].loss
    True
    """
    from . import optim
    from ._validation import check_number

    check_number("momentum", momentum, low=0, high=1, high_open=True)
    scale = check_number("lr_scale", lr_scale, low=0, low_open=True)
    out = {}
    for name, lr in dict(rates).items():
        lr = check_number(f"rates[{name!r}]", lr, low=0, low_open=True) * scale
        key = str(name).lower()
        if key in ("momentum", "nesterov"):
            opt = optim.by_name(name, lr=lr, momentum=momentum)
        elif key == "adam":
            opt = optim.by_name(name, lr=lr, betas=(momentum, 0.999))
        else:
            opt = optim.by_name(name, lr=lr)
        out[name] = minimize(problem, opt, x0=x0, steps=steps)
    return out
