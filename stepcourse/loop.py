"""The optimization loop on a :class:`~stepcourse.problems.Problem`: ``minimize(problem, opt) -> Trace``.

A run records every iterate, so plots and explorers read the trace instead of re-running anything.
Divergence is data, not a crash: a run whose numbers stop being finite, or whose loss grows far past
where it started, ends there and says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = ["Trace", "minimize", "steps_to_tolerance", "DIVERGENCE_FACTOR"]

#: A run is flagged as diverged when ``|f(x_t) - f*|`` exceeds this multiple of ``|f(x_0) - f*|``.
#: At lr = 1.01 * 2/L on a quadratic the loss grows 4 % per step, so 1e6 is reached after ~350 steps,
#: long before any overflow.
DIVERGENCE_FACTOR = 1e6


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

    def steps_to(self, tol: float, *, target=None) -> Optional[int]:
        """First step ``k`` with ``|f(x_k) - f*| <= tol`` (or ``||x_k - target|| <= tol`` with a ``target``).

        Returns None when the run never gets there.
        """
        if not tol > 0:
            raise ValueError(f"tol must be positive; got {tol!r}")
        if target is None:
            hit = np.abs(self.gaps) <= tol
        else:
            hit = np.linalg.norm(self.xs - np.asarray(target, dtype=float), axis=-1) <= tol
        idx = np.flatnonzero(hit)
        return int(idx[0]) if idx.size else None

    def contraction(self, start: int = 0, stop: Optional[int] = None, *, target=None) -> float:
        """Average per-step factor by which the distance to ``target`` (default: the nearest known minimum) shrinks.

        Measured as the geometric mean of ``||x_{k+1} - x*|| / ||x_k - x*||`` over steps ``start..stop``.
        """
        if target is None:
            raise ValueError("contraction needs the minimum as target=...")
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


def minimize(problem, opt, x0=None, steps: int = 100, *, divergence_factor: float = DIVERGENCE_FACTOR) -> Trace:
    r"""Run ``steps`` steps of ``opt`` on ``problem`` and record everything.

    At each step :math:`t = 0, 1, \dots` the loop computes :math:`g_t = \nabla f(x_t)` and asks the
    optimizer for :math:`x_{t+1}` (for plain SGD, :math:`x_{t+1} = x_t - \eta_t g_t`).

    Parameters
    ----------
    problem : Problem
        The loss, with ``f`` and ``grad``.
    opt : optimizer from :mod:`stepcourse.optim`
        Anything with ``init(params)``, ``step(params, grads, state)`` and ``lr_at(t)``.
    x0 : array_like, optional
        Start; defaults to ``problem.x0``.
    steps : int
        Number of steps to take (fewer if the run diverges).
    divergence_factor : float
        Stop, flagged, once ``|f(x_t) - f*| > divergence_factor * |f(x_0) - f*|``.

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
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    if not divergence_factor > 1:
        raise ValueError(f"divergence_factor must be > 1; got {divergence_factor!r}")
    x = np.array(problem.x0 if x0 is None else x0, dtype=float).reshape(problem.dim)
    f_min = problem.f_min
    ref = 0.0 if np.isnan(f_min) else f_min

    xs = np.empty((steps + 1, problem.dim))
    losses = np.empty(steps + 1)
    grad_norms = np.empty(steps + 1)
    lrs = np.empty(steps)
    diverged_at = None
    # Overflow to inf is expected on a diverging run; it is reported through the Trace, not as warnings.
    with np.errstate(all="ignore"):
        g = problem.grad(x)
        xs[0], losses[0], grad_norms[0] = x, problem.f(x), np.linalg.norm(g)
        if not (np.isfinite(losses[0]) and np.all(np.isfinite(g))):
            raise ValueError(f"the loss or gradient is not finite at the start x0={x}")
        limit = divergence_factor * max(abs(losses[0] - ref), np.finfo(float).tiny)
        state = opt.init(x)
        n = 0
        for t in range(steps):
            lrs[t] = opt.lr_at(t)
            x_new, state = opt.step(x, g, state)
            loss = float(problem.f(x_new))
            if not (np.isfinite(loss) and np.all(np.isfinite(x_new))):
                diverged_at = t + 1
                break
            g = problem.grad(x_new)
            x = x_new
            n = t + 1
            xs[n], losses[n], grad_norms[n] = x, loss, np.linalg.norm(g)
            if abs(loss - ref) > limit or not np.all(np.isfinite(g)):
                diverged_at = n
                break
    return Trace(
        xs=xs[: n + 1].copy(), losses=losses[: n + 1].copy(), grad_norms=grad_norms[: n + 1].copy(),
        lrs=lrs[:n].copy(), diverged=diverged_at is not None,
        diverged_at=diverged_at, problem=problem.name, optimizer=_describe(opt), f_min=f_min,
        requested_steps=int(steps),
    )


def steps_to_tolerance(problem, lr, tol: float = 1e-4, max_steps: int = 1000):
    r"""Run gradient descent and report how many steps it needs to get within ``tol`` of a minimum.

    ``lr`` is a learning rate for plain gradient descent (``SGD(lr=lr)``) or any optimizer object.

    "Within tolerance" means :math:`f(w_k) - f(w^\star) \le` ``tol`` for the minimum :math:`w^\star`
    nearest to where the run ends (on a non-convex curve that may be a local one).

    Returns
    -------
    dict with ``trace`` (the whole run), ``steps`` (int or None), ``minimum`` (the nearest known minimum)
    and ``status``: ``"converged"``, ``"diverged"`` or ``"not yet"`` (still outside after ``max_steps``).

    Examples
    --------
    >>> import stepcourse as sc
    >>> sc.loop.steps_to_tolerance(sc.problems.parabola(curvature=1.0), lr=1.0)["steps"]
    1
    """
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    from .optim import SGD

    opt = SGD(lr=float(lr)) if isinstance(lr, (int, float, np.floating)) else lr
    trace = minimize(problem, opt, steps=int(max_steps))
    if trace.diverged:
        return {"trace": trace, "steps": None, "minimum": None, "status": "diverged"}
    minima = np.asarray(problem.minima)
    nearest = minima[np.argmin(np.linalg.norm(minima - trace.x, axis=-1))]
    gaps = trace.losses - float(problem.f(nearest))
    hit = np.flatnonzero(np.abs(gaps) <= tol)
    # Count only if the run stays inside from then on (a bouncing run can pass through).
    if hit.size and np.all(np.abs(gaps[hit[0]:]) <= tol):
        return {"trace": trace, "steps": int(hit[0]), "minimum": nearest, "status": "converged"}
    return {"trace": trace, "steps": None, "minimum": nearest, "status": "not yet"}


def _describe(opt) -> str:
    lr = getattr(opt, "lr", None)
    lr_text = f"lr={lr:g}" if isinstance(lr, (int, float)) else "scheduled lr"
    return f"{type(opt).__name__}({lr_text})"


from .rangetest import lr_range_test  # noqa: E402
