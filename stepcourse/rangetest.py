r"""The learning-rate range test (Smith 2017), and noisy gradients to test it on.

One short run whose rate grows geometrically, step by step, from ``lr_min`` to ``lr_max``:

.. math::

    \eta_k = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{k / (n - 1)}, \qquad k = 0, \dots, n - 1.

While the rate is small the loss barely moves; then it falls; past the largest rate the problem
tolerates it rises and blows up. The test records the loss after every step, smooths it, and reads
off rates from the curve. On a quadratic with largest curvature :math:`L` a step with rate
:math:`\eta` multiplies the error along the steepest direction by :math:`|1 - \eta L|`, so the loss
stops falling where :math:`\eta` crosses :math:`2/L`: the test's *edge* estimates that threshold.

>>> import stepcourse as sc
>>> rt = lr_range_test(sc.problems.parabola(curvature=4.0))
>>> bool(0.85 * 2 / 4.0 <= rt.suggestion <= 2 / 4.0)
True
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._validation import (as_generator, as_xy, check_choice, check_fraction, check_integer, check_number,
                          check_positive, check_seed, describe)
from .schedules import exponential

__all__ = ["RangeTest", "lr_range_test", "METHODS"]

#: The heuristics :func:`lr_range_test` can read off the smoothed curve.
METHODS = ("edge", "steepest")


@dataclass(frozen=True, eq=False)
class RangeTest:
    """The record of a learning-rate range test.

    Attributes
    ----------
    lrs : ndarray, shape (k,)
        The rate of each step taken (``k`` is less than the requested steps when the loss blew up).
    losses : ndarray, shape (k,)
        The loss right after each step: ``losses[j]`` shows the effect of ``lrs[j]`` (and of the rates
        before it). For a problem it is ``f(x) - f*`` (``f*`` = 0 when no minimum is known); for a
        model, the loss of the next mini-batch at the new parameters.
    smoothed : ndarray, shape (k,)
        ``losses`` smoothed by an exponential moving average run forward and then backward, so it
        does not lag behind the rate (equal to ``losses`` when ``smoothing`` is 0). The average is
        taken over the logarithms of the losses (a geometric mean) when they cannot be negative.
    start_loss : float
        The loss before the first step.
    edge : float
        The rate at the minimum of ``smoothed``: the largest rate at which the loss was still falling.
    steepest : float
        The rate at which ``log(smoothed)`` fell fastest per unit of ``log(lr)`` (up to the edge).
    method : str
        Which of the two is the :attr:`suggestion`.
    stopped_at : int or None
        The step at which the loss blew up and the sweep ended (None: it ran to ``lr_max``).
    smoothing : float
        The moving-average factor used.
    name : str
        What was tested, for titles.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    start_loss: float
    edge: float
    steepest: float
    method: str = "edge"
    stopped_at: Optional[int] = None
    smoothing: float = 0.0
    name: str = ""

    @property
    def suggestion(self) -> float:
        """The suggested rate: :attr:`edge` or :attr:`steepest`, as chosen by :attr:`method`."""
        return self.edge if self.method == "edge" else self.steepest

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return len(self.lrs)

    @property
    def ratio(self) -> float:
        """The factor between consecutive rates of the sweep (its resolution)."""
        return float(self.lrs[1] / self.lrs[0]) if len(self.lrs) > 1 else float("nan")

    def __repr__(self) -> str:
        end = f"blew up at step {self.stopped_at}" if self.stopped_at is not None else "ran to the end"
        return (f"RangeTest({self.name or 'run'}: {self.steps} steps, lr {self.lrs[0]:.3g}..{self.lrs[-1]:.3g}, "
                f"{end}; edge {self.edge:.3g}, steepest {self.steepest:.3g}, suggestion ({self.method}) "
                f"{self.suggestion:.3g})")


def _smooth(values: np.ndarray, beta: float):
    """Bias-corrected exponential moving average forward (causal), then backward over the result."""
    if beta == 0.0:
        return values.copy(), values.copy()
    forward = np.empty_like(values)
    m = 0.0
    for i, v in enumerate(values):
        m = beta * m + (1 - beta) * v
        forward[i] = m / (1 - beta ** (i + 1))
    both = np.empty_like(values)
    m = 0.0
    for j, i in enumerate(range(len(values) - 1, -1, -1)):
        m = beta * m + (1 - beta) * forward[i]
        both[i] = m / (1 - beta ** (j + 1))
    return forward, both


def _sweep_optimizer(opt, schedule):
    """An optimizer like ``opt`` (default plain SGD) whose learning rate is the sweep ``schedule``."""
    if opt is None:
        from .optim import SGD

        return SGD(lr=schedule)
    if isinstance(opt, type):
        return opt(lr=schedule)
    if dataclasses.is_dataclass(opt) and hasattr(opt, "lr") and callable(getattr(opt, "step", None)):
        return dataclasses.replace(opt, lr=schedule)
    raise TypeError(f"opt must be an optimizer from sc.optim (an instance or a class), or None for plain SGD; "
                    f"got {type(opt).__name__}")


def lr_range_test(target, opt=None, *, data=None, params=None, x0=None, lr_min: float = 1e-6,
                  lr_max: float = 10.0, steps: int = 100, batch_size: Optional[int] = None,
                  smoothing: Optional[float] = None, stop_factor: float = 4.0, method: str = "edge",
                  seed=None) -> RangeTest:
    r"""Sweep the learning rate geometrically over one run and read a rate off the loss curve.

    Step :math:`k` uses the rate :math:`\eta_k = \eta_{\min} r^k` with
    :math:`r = (\eta_{\max}/\eta_{\min})^{1/(n-1)}`; the run stops early once the causally smoothed loss
    exceeds ``stop_factor`` times its lowest value (or stops being finite). Two readings of the curve:

    - ``edge``: the rate at the minimum of the smoothed loss, the largest rate at which the loss still
      fell (Smith's upper bound for a cyclical or one-cycle schedule). On a quadratic whose curvature is
      :math:`L` in every direction it estimates the stability threshold :math:`2/L`: a step lowers the
      loss exactly when :math:`|1 - \eta L| < 1`, so without smoothing the edge is the last rate of the
      sweep below :math:`2/L`, within one factor :math:`r` of it. When curvatures differ the steep
      directions are solved early in the sweep, and the loss only shows their instability after they
      have grown back: the edge then lies *above* :math:`2/L`. Gradient noise moves it the other way.
    - ``steepest``: the rate where :math:`\log` of the smoothed loss falls fastest per unit of
      :math:`\log \eta`; on a 1-D quadratic that is near :math:`1/L`, the one-step rate.

    Parameters
    ----------
    target : Problem or model
        A :class:`~stepcourse.problems.Problem` (gradients from ``target.grad``; deterministic unless
        the problem is noisy, see :func:`~stepcourse.problems.with_gradient_noise`), or a model with
        ``loss_and_grad(params, X, y)`` trained on ``data``.
    opt : optimizer or optimizer class, optional
        Its hyperparameters are kept and its ``lr`` replaced by the sweep (default: plain SGD).
    data : (X, y) or Dataset
        Training data, for a model.
    params : dict, optional
        Starting parameters for a model (default ``target.init_params(n_features, seed=seed)``).
    x0 : array_like, optional
        Start for a problem (default ``target.x0``).
    lr_min, lr_max : float
        The first and the last rate of the sweep.
    steps : int
        Number of steps (the sweep's resolution is :attr:`RangeTest.ratio`).
    batch_size : int, optional
        Rows per step for a model; None means the whole training set (deterministic). Mini-batches are
        drawn in a fresh random order each epoch, from ``seed``.
    smoothing : float in [0, 1), optional
        Moving-average factor :math:`\beta`. Default: 0 for an exact loss (a problem without gradient
        noise, a model on full batches), 0.9 for noisy ones (mini-batches, a problem from
        :func:`~stepcourse.problems.with_gradient_noise`). Smoothing an exact curve only blurs it: its sharp fall near
        :math:`1/L` drags the minimum of the smoothed curve to larger rates.
    stop_factor : float
        End the sweep once the smoothed loss exceeds this multiple of its lowest value (for a problem
        without a known minimum, whose loss may be negative: once it has risen by ``stop_factor - 1``
        times the magnitude of its lowest value).
    method : {"edge", "steepest"}
        Which reading is :attr:`RangeTest.suggestion`.
    seed : int, None or numpy Generator
        For a model: the mini-batches and the default initial parameters (None: 0). For a stochastic
        problem: its gradients' randomness (None: the problem's own seed).

    Returns
    -------
    RangeTest

    Examples
    --------
    >>> import stepcourse as sc
    >>> rt = lr_range_test(sc.problems.parabola(curvature=10.0), lr_min=1e-4, lr_max=10.0, steps=200)
    >>> bool(2 / 10.0 / rt.ratio <= rt.edge < 2 / 10.0)
    True
    """
    lr_min = check_positive("lr_min", lr_min)
    lr_max = check_positive("lr_max", lr_max)
    if not lr_max > lr_min:
        raise ValueError(f"lr_max must be larger than lr_min={lr_min:g}; got lr_max={lr_max!r}")
    steps = check_integer("steps", steps, low=3)
    stop_factor = check_number("stop_factor", stop_factor, low=1, low_open=True)
    check_choice("method", method, METHODS)
    batch_size = check_integer("batch_size", batch_size, low=1, allow_none=True)
    check_seed("seed", seed)

    # The sweep is an exponential schedule with a factor above 1.
    ratio = (lr_max / lr_min) ** (1.0 / (steps - 1))
    optimizer = _sweep_optimizer(opt, exponential(lr_min, gamma=ratio))
    is_problem = callable(getattr(target, "grad", None)) and callable(getattr(target, "f", None))
    if is_problem:
        if data is not None or params is not None:
            raise ValueError("data and params are for a model; a Problem starts at x0")
        name, stochastic = target.name, target.stochastic
        log_space = not np.isnan(target.f_min)  # losses are gaps above a known minimum: never negative
    elif callable(getattr(target, "loss_and_grad", None)):
        if data is None:
            raise ValueError("a model needs data=(X, y) to train on")
        rows = as_xy(data, "data")[0].shape[0]
        name, stochastic = type(target).__name__, batch_size is not None and batch_size < rows
        log_space = True  # the course's model losses (squared error, cross-entropy) are never negative
    else:
        raise TypeError(f"target must be a Problem (with f and grad) or a model with loss_and_grad; "
                        f"got {describe(target)}")
    beta = check_fraction("smoothing", (0.9 if stochastic else 0.0) if smoothing is None else smoothing,
                          closed=False)
    stop = _StopRule(beta, stop_factor, log_space)
    # The sweep is a run of the package's own loops (minimize or fit), with the loops' divergence rule
    # reduced to finiteness and the range test's rule as their stop callback.
    if is_problem:
        start_loss, lrs, losses = _sweep_problem(target, optimizer, x0, steps, seed, stop)
    else:
        start_loss, lrs, losses = _sweep_model(target, optimizer, data, params, batch_size,
                                               0 if seed is None else seed, steps, stop)
    n = len(lrs)
    stopped_at = n - 1 if (stop.stopped or not np.isfinite(losses[-1])) else None
    tiny = np.finfo(float).tiny
    finite = np.isfinite(losses)
    # A blown-up last loss is drawn (and smoothed) as the largest finite loss of the run.
    fill = max([float(start_loss)] + losses[finite].tolist())
    values = np.where(finite, losses, fill)
    if log_space:
        smoothed = np.exp(_smooth(np.log(np.maximum(values, tiny)), beta)[1])
    else:
        smoothed = _smooth(values, beta)[1]
    i_edge = int(np.argmin(smoothed))
    with np.errstate(all="ignore"):
        log_s = np.log(np.maximum(smoothed, np.finfo(float).tiny))
    slope = np.gradient(log_s, np.log(lrs)) if n > 1 else np.zeros(1)
    i_steep = int(np.argmin(slope[: i_edge + 1]))
    return RangeTest(lrs=lrs, losses=losses, smoothed=smoothed, start_loss=float(start_loss),
                     edge=float(lrs[i_edge]), steepest=float(lrs[i_steep]), method=method, stopped_at=stopped_at,
                     smoothing=beta, name=name)


class _StopRule:
    """The sweep's stop: the causally smoothed loss left finite numbers or rose ``stop_factor`` above
    its lowest value. Called with the loss after each step; True ends the sweep."""

    def __init__(self, beta: float, stop_factor: float, log_space: bool):
        self.beta, self.stop_factor, self.log_space = beta, stop_factor, log_space
        self.ema, self.best, self.n, self.stopped = 0.0, np.inf, 0, False

    def __call__(self, loss: float) -> bool:
        tiny = np.finfo(float).tiny
        beta = self.beta
        self.n += 1
        # Average logarithms when losses are positive: a sweep's losses span many decades.
        scaled = np.log(max(loss, tiny)) if self.log_space and not np.isnan(loss) else loss
        self.ema = beta * self.ema + (1 - beta) * scaled
        now = self.ema / (1 - beta ** self.n)
        if not (np.isfinite(now) and np.isfinite(loss)):
            self.stopped = True
            return True
        self.best = min(self.best, now)
        if self.log_space:
            limit = self.best + np.log(self.stop_factor)
        else:
            limit = self.best + (self.stop_factor - 1) * max(abs(self.best), tiny)
        self.stopped = bool(now > limit)
        return self.stopped


def _sweep_problem(problem, optimizer, x0, steps, seed, stop):
    """The sweep on a Problem: :func:`stepcourse.minimize` with the stop rule as its callback.

    Returns the start loss, the rates and the loss after each step (gaps above a known minimum)."""
    from .loop import minimize

    ref = 0.0 if np.isnan(problem.f_min) else problem.f_min
    trace = minimize(problem, optimizer, x0=x0, steps=steps, seed=seed, divergence_factor=None,
                     callback=lambda t, x, loss: stop(loss - ref))
    lrs, losses = trace.lrs, trace.losses[1:] - ref
    if trace.diverged and trace.diverged_at > trace.steps:
        # The step that left finite numbers is not in the trace: the sweep shows it as the blow-up.
        lrs = np.append(lrs, optimizer.lr_at(trace.steps))
        losses = np.append(losses, np.inf)
    return float(trace.losses[0] - ref), lrs, losses


def _sweep_model(model, optimizer, data, params, batch_size, seed, steps, stop):
    """The sweep on a model: :func:`stepcourse.fit` with the stop rule as its step callback.

    Returns the start loss, the rates and the loss after each step (on the next batch at the new
    parameters)."""
    from .training import fit

    X, y = as_xy(data, "data")
    n = X.shape[0]
    rng = as_generator(seed)
    if params is None:
        params = model.init_params(X.shape[1], seed=rng.integers(2**31))
    full = batch_size is None or batch_size >= n
    per_epoch = 1 if full else -(-n // batch_size)
    seen = []

    def step_callback(t, loss):
        seen.append(loss)                  # the loss after step t - 1 (t = 0: at the start)
        return t > 0 and (stop(loss) or t == steps)

    hist = fit(model, params, (X, y), optimizer, epochs=-(-(steps + 1) // per_epoch),
               batch_size=None if full else batch_size, seed=rng, divergence_factor=None,
               step_callback=step_callback)
    losses = np.array(seen[1:], dtype=float)
    if len(losses) < hist.steps:           # the run ended on a loss that was not finite
        losses = np.append(losses, np.inf)
    return float(seen[0]), hist.lrs[:len(losses)].copy(), losses


