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
                          check_optimizer, check_positive, check_problem, check_seed, describe)

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
    """The answer of :func:`basin_map`: where an optimizer ends from each start of a grid.

    Attributes
    ----------
    labels : ndarray of int
        One label per start: ``i >= 0`` reached known minimum ``i``, ``-1`` diverged, ``-2`` still
        elsewhere. Shape ``(n, n)`` for a 2-D problem (rows follow the second coordinate),
        ``(rows, n)`` for a 1-D one (one row per rate or optimizer).
    x, y : ndarray
        The grid's coordinates: the two coordinates of the start (2-D), or the start and the rates
        (1-D: ``y`` is ``lr``).
    minima : ndarray
        The problem's known minima, in the order of the labels.
    dim : int
        The problem's dimension (1 or 2).
    lr : float, ndarray or None
        The rate (2-D) or the rates, one per row (1-D); None for an optimizer whose rate is a
        schedule or that has no numeric ``lr``.
    steps : int
        Steps of each run.
    problem : str
        The problem's name.
    shares : dict
        The fraction of starts with each label present.
    ends : ndarray
        Where each run ended, shape ``labels.shape + (dim,)``; NaN for runs that escaped.
    optimizer : str
        What ran, in words, for titles: ``"gradient descent (lr 0.02)"``,
        ``"momentum 0.9 (lr 0.02)"``, ``"Adam (lr 0.1)"``; without the rate when a 1-D map has
        the rates on its vertical axis.
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
    ends: np.ndarray
    optimizer: str

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {v:.1%}" for k, v in sorted(self.shares.items()))
        return (f"BasinMap({self.problem}, {self.optimizer}, {self.labels.shape[0]}x{self.labels.shape[1]} "
                f"starts; {parts})")


def _method(opt, with_lr: bool = True) -> str:
    """An optimizer in words, for a map's title: ``"momentum 0.9 (lr 0.02)"``."""
    from . import optim

    lr = getattr(opt, "lr", None)
    if isinstance(opt, optim.SGD):
        if opt.momentum == 0:
            text = "gradient descent"
        else:
            text = f"{'Nesterov momentum' if opt.nesterov else 'momentum'} {opt.momentum:g}"
        extras = []
        if opt.momentum != 0 and opt.dampening != 0:
            extras.append(f"dampening {opt.dampening:g}")
        if opt.weight_decay != 0:
            extras.append(f"weight decay {opt.weight_decay:g}")
        if opt.maximize:
            extras.append("ascent")
        if extras:
            text += ", " + ", ".join(extras)
    else:
        text = type(opt).__name__
    if not with_lr:
        return text
    if callable(lr):
        return f"{text} (scheduled lr)"
    return f"{text} (lr {lr:g})" if _is_rate(lr) else text


def _is_rate(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _stable_curvature(opt, steps: int) -> Optional[float]:
    r"""The largest curvature :math:`\lambda` of a minimum at which ``opt`` can settle, or None when no
    such bound is known (adaptive methods, optimizers from outside :mod:`stepcourse.optim`).

    On :math:`f = \lambda w^2/2` gradient descent settles iff :math:`\eta\lambda < 2`; the heavy ball
    with momentum :math:`\beta < 1` and dampening :math:`\tau` iff :math:`\eta(1-\tau)\lambda <
    2(1+\beta)`; Nesterov's form iff :math:`\eta\lambda < 2(1+\beta)/(1+2\beta)`. A schedule is
    judged by its rate at the last step; weight decay adds to every curvature.
    """
    from . import optim

    if not isinstance(opt, optim.SGD):
        return None
    if opt.maximize or opt.momentum >= 1:
        return 0.0
    eta = opt.lr_at(max(steps - 1, 0))
    if opt.momentum == 0:
        bound = 2.0
    elif opt.nesterov:
        bound = 2 * (1 + opt.momentum) / (1 + 2 * opt.momentum)
    else:
        bound = 2 * (1 + opt.momentum) / (1 - opt.dampening) if opt.dampening < 1 else np.inf
    return (np.inf if eta == 0 else bound / eta) - opt.weight_decay


def _as_runs(opt, dim: int):
    """``opt`` of :func:`basin_map` as ``(rates, optimizers)``: plain gradient descent at ``rates``
    (a 1-d array) with ``optimizers`` None, or one optimizer per row with ``rates`` their numeric
    rates (or None)."""
    if _is_rate(opt) or (isinstance(opt, (list, tuple, np.ndarray)) and len(opt) > 0
                         and all(_is_rate(r) for r in np.asarray(opt, dtype=object).ravel())):
        rates = np.atleast_1d(np.asarray(opt, dtype=float))
        if rates.ndim != 1 or not np.all(np.isfinite(rates)) or np.any(rates <= 0):
            raise ValueError(f"opt as a learning rate must be a positive number (or, for 1-D problems, a "
                             f"sequence of them); got {opt!r}")
        if dim == 2 and rates.size != 1:
            raise ValueError(f"for a 2-D problem opt must be a single number or optimizer (the map already "
                             f"uses both axes); got {rates.size} rates")
        return rates, None
    if isinstance(opt, (list, tuple, np.ndarray)):
        if dim == 2:
            raise ValueError(f"for a 2-D problem opt must be a single number or optimizer (the map already "
                             f"uses both axes); got a sequence of {len(opt)}")
        if len(opt) == 0:
            raise ValueError("opt must be a learning rate, an optimizer, or (1-D) a non-empty sequence of "
                             "rates or optimizers; got an empty sequence")
        opts = [check_optimizer(f"opt[{i}]", o) for i, o in enumerate(opt)]
    elif isinstance(opt, (str, type)) or (callable(getattr(opt, "init", None))
                                          and callable(getattr(opt, "step", None))):
        opts = [check_optimizer("opt", opt)]  # a name or a class: its message says what to write
    else:
        raise TypeError(f"opt must be a learning rate (a positive number) or an optimizer such as "
                        f"sc.optim.SGD(lr=0.02, momentum=0.9); got {describe(opt)}")
    lrs = [getattr(o, "lr", None) for o in opts]
    if dim == 1:
        if not all(_is_rate(r) for r in lrs):
            raise ValueError(f"for a 1-D problem every optimizer needs a numeric lr (the rates are the map's "
                             f"vertical axis); got lr={lrs!r}")
        kinds = {_method(o, with_lr=False) for o in opts}
        if len(kinds) > 1:
            raise ValueError(f"the optimizers of a 1-D map must differ only in lr (one row per rate); got "
                             f"{sorted(kinds)}")
        return np.array(lrs, dtype=float), opts
    return (float(lrs[0]) if _is_rate(lrs[0]) else None), opts


def _run_starts(problem, opt, w, steps: int, centre, reach: float):
    """Run ``opt`` for ``steps`` steps from every start in ``w`` (shape ``(..., d)``); returns the ends
    (NaN where a run escaped: not finite, or farther than ``reach`` from ``centre``) and the mask of
    runs still in play.

    The optimizers of :mod:`stepcourse.optim` work elementwise, so all starts run as one array; any
    other optimizer runs start by start. Escapes are checked every 8 steps and at the end, the same
    steps on both paths, so the two give the same ends.
    """
    from .optim import Optimizer

    def escaped(v):
        return ~np.all(np.isfinite(v), axis=-1) | (np.max(np.abs(v - centre), axis=-1) > reach)

    checks = {k for k in range(steps) if k % 8 == 7 or k == steps - 1}
    step = getattr(opt, "_step", opt.step)
    if isinstance(opt, Optimizer):
        alive = np.ones(w.shape[:-1], dtype=bool)
        state = opt.init(w)
        for k in range(steps):
            w, state = step(w, problem.grad(w), state)
            if k in checks:  # retire escaped runs now and then (NaN stays NaN, cheaply)
                alive &= ~escaped(w)
                w = np.where(alive[..., None], w, np.nan)
        return w, alive
    flat = w.reshape(-1, w.shape[-1])
    ends = np.empty_like(flat)
    alive = np.ones(len(flat), dtype=bool)
    for i, start in enumerate(flat):
        v = start.copy()
        state = opt.init(v)
        for k in range(steps):
            v, state = step(v, np.asarray(problem.grad(v), dtype=float), state)
            v = np.asarray(v, dtype=float)
            if k in checks and escaped(v):
                alive[i] = False
                break
        ends[i] = v if alive[i] else np.nan
    return ends.reshape(w.shape), alive.reshape(w.shape[:-1])


def basin_map(problem, opt, *, n: int = 60, steps: int = 300, tol: float = 1e-3,
              escape: float = 50.0) -> BasinMap:
    r"""Which minimum an optimizer reaches from each start of a grid.

    ``opt`` is a learning rate :math:`\eta` for plain gradient descent,

    .. math::

        w_{k+1} = w_k - \eta\,\nabla f(w_k), \qquad k = 0, \dots, \text{steps} - 1

    (the arithmetic of ``sc.optim.SGD(lr)``, all starts at once), or any optimizer, as for
    :func:`minimize`: ``sc.optim.SGD(lr=0.02, momentum=0.9)``, ``sc.optim.Adam(lr=0.1)``. The
    optimizers of :mod:`stepcourse.optim` work elementwise, so all starts run as one array; any
    other object with ``init`` and ``step`` runs start by start. Each run gets a label:

    - ``i >= 0``: it ends within ``tol`` (a fraction of the window's width) of known minimum ``i``, and
      that minimum is stable for the method (gradient descent: :math:`\eta\,\lambda_{\max} < 2` there;
      the heavy ball: :math:`\eta\,\lambda_{\max} < 2(1+\beta)`; near an unstable minimum a run only
      passes by);
    - ``-1``: it diverged: it left finite numbers, went ``escape`` window-widths away, or ended outside
      the window with a higher loss than it started with (a slow divergence);
    - ``-2``: it is still elsewhere: a slow valley, or bouncing around a minimum that is too sharp for
      this rate.

    Parameters
    ----------
    problem : Problem
        A 1-D or 2-D problem with known minima.
    opt : float, optimizer, or (1-D problems) a sequence of floats or of optimizers
        A learning rate for plain gradient descent, or an optimizer from :mod:`stepcourse.optim`.
        For a 1-D problem a sequence gives one row of the map per rate (optimizers in a sequence
        must differ only in their numeric ``lr``).
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
        The labels, the grid, the minima, where each run ended and the share of each label.

    Examples
    --------
    >>> import stepcourse as sc
    >>> basin_map(sc.problems.quadratic([1.0, 10.0]), 0.15, n=4, steps=200).shares
    {0: 1.0}
    >>> m = basin_map(sc.problems.quadratic([1.0, 10.0]), 0.21, n=4, steps=400)
    >>> m.labels.shape, m.shares
    ((4, 4), {-1: 1.0})

    Momentum settles where gradient descent at the same rate cannot (:math:`\eta L = 2.1 < 3.8`):

    >>> m = basin_map(sc.problems.quadratic([1.0, 10.0]), sc.optim.SGD(lr=0.21, momentum=0.9),
    ...               n=4, steps=400)
    >>> m.shares, m.optimizer
    ({0: 1.0}, 'momentum 0.9 (lr 0.21)')
    """
    check_problem("problem", problem)
    if problem.dim not in (1, 2):
        raise ValueError(f"basin_map draws 1-D and 2-D problems; {problem.name!r} has dim={problem.dim}")
    if len(problem.minima) == 0:
        raise ValueError(f"basin_map needs known minima; {problem.name!r} has none")
    n = check_integer("n", n, low=2)
    steps = check_integer("steps", steps, low=0)
    tol = check_number("tol", tol, low=0, low_open=True)
    escape = check_number("escape", escape, low=0, low_open=True)
    rates, opts = _as_runs(opt, problem.dim)

    lows = np.array([b[0] for b in problem.bounds], dtype=float)
    highs = np.array([b[1] for b in problem.bounds], dtype=float)
    width = float(np.max(highs - lows))
    centre = (lows + highs) / 2
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(lows, highs)]
    rows = len(opts) if opts is not None else rates.size
    if problem.dim == 2:
        X, Y = np.meshgrid(*axes)
        w = np.stack([X, Y], axis=-1)
    else:
        w = np.broadcast_to(axes[0][None, :, None], (rows, n, 1)).copy()
    start_loss = problem.f(w)
    minima = np.asarray(problem.minima, dtype=float)
    # Overflow in runs that diverge is expected; they are masked and labelled, not warned about.
    with np.errstate(all="ignore"):
        if opts is None:  # plain gradient descent: every start and every rate in one array
            eta = rates[0] if problem.dim == 2 else rates[:, None, None]
            alive = np.ones(w.shape[:-1], dtype=bool)
            for k in range(steps):
                w = w - eta * problem.grad(w)
                if k % 8 == 7 or k == steps - 1:  # retire escaped runs now and then (NaN stays NaN)
                    escaped = ~np.all(np.isfinite(w), axis=-1) | (np.max(np.abs(w - centre), axis=-1)
                                                                  > escape * width)
                    alive &= ~escaped
                    w[~alive] = np.nan
            limits = [2 / r for r in rates]
        elif problem.dim == 2:
            w, alive = _run_starts(problem, opts[0], w, steps, centre, escape * width)
            limits = [_stable_curvature(opts[0], steps)]
        else:
            runs = [_run_starts(problem, o, w[i], steps, centre, escape * width) for i, o in enumerate(opts)]
            w, alive = np.stack([r[0] for r in runs]), np.stack([r[1] for r in runs])
            limits = [_stable_curvature(o, steps) for o in opts]
        dist = np.linalg.norm(w[..., None, :] - minima, axis=-1)  # (..., k)
        nearest = np.argmin(np.where(np.isfinite(dist), dist, np.inf), axis=-1)
        arrived = np.take_along_axis(dist, nearest[..., None], axis=-1)[..., 0] <= tol * width
        if problem.hessian is not None and any(lim is not None for lim in limits):
            # near a minimum that is unstable for the method a run only passes by
            sharpest = np.linalg.eigvalsh(problem.hessian(minima)).max(axis=-1)             # (k,)
            stable = np.array([sharpest < (np.inf if lim is None else lim) for lim in limits])  # (rows, k)
            stable = stable[0] if problem.dim == 2 else stable[:, None, :]
            arrived &= np.take_along_axis(np.broadcast_to(stable, dist.shape), nearest[..., None], axis=-1)[..., 0]
        # A run that ends outside the window, higher than it started, is on its way out (a slow divergence).
        outside = np.any((w < lows) | (w > highs), axis=-1)
        grew = alive & ~arrived & outside & (problem.f(np.where(alive[..., None], w, 0.0)) > start_loss)
    labels = np.where(~alive | grew, -1, np.where(arrived, nearest, -2)).astype(int)
    values, counts = np.unique(labels, return_counts=True)
    shares = {int(v): float(c) / labels.size for v, c in zip(values, counts)}
    if opts is None:
        method = "gradient descent" + (f" (lr {rates[0]:g})" if problem.dim == 2 else "")
    else:
        method = _method(opts[0], with_lr=problem.dim == 2)
    return BasinMap(labels=labels, x=axes[0], y=axes[1] if problem.dim == 2 else rates, minima=minima,
                    dim=problem.dim, lr=rates if problem.dim == 1 or opts is not None else float(rates[0]),
                    steps=steps, problem=problem.name, shares=shares, ends=w,
                    optimizer=method)


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
