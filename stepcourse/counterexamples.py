r"""Adam can fail: the online convex counterexample of Reddi, Kale and Kumar (2018).

On the interval :math:`[-1, 1]` the losses arrive one per step, all linear,

.. math::

    f_t(x) = \begin{cases} C\,x & t \bmod p = 1 \\ -s\,x & \text{otherwise,} \end{cases}
    \qquad C > (p - 1)\,s > 0 ,

so one step in :math:`p` brings a large gradient :math:`C` and the others a small one :math:`-s`.
Over a period the losses add up to :math:`(C - (p - 1)s)\,x`, which is smallest at
:math:`x^\star = -1`. Reddi et al. take :math:`p = 3`, :math:`s = 1` and show that Adam with
:math:`\beta_1 = 0`, :math:`\beta_2 = 1/(1 + C^2)` drifts to :math:`x = +1`, the worst point, while
AMSGrad converges to :math:`-1`.

The reason is the effective rate :math:`\eta_t / \sqrt{\hat v_t}`. With a short memory
:math:`\beta_2`, :math:`v_t` is large right after the rare large gradient and has forgotten it by the
time the small ones arrive: the one step towards :math:`-1` is divided by a large root, the
:math:`p - 1` steps towards :math:`+1` by small ones. In the periodic steady state of Adam with
:math:`\beta_1 = 0`, a constant rate and no bias correction, the second moment at phase
:math:`j = 1, \dots, p` of a period (phase 1: the large gradient) is

.. math::

    v_j = \frac{1 - \beta_2}{1 - \beta_2^p} \sum_{k=0}^{p-1} \beta_2^k\, g_{j-k}^2 ,

with the phase index taken modulo :math:`p`, and one period moves :math:`x` by :math:`\eta` times

.. math::

    \Delta = -\frac{C}{\sqrt{v_1}} + \sum_{j=2}^{p} \frac{s}{\sqrt{v_j}}
    \qquad (:func:`adam_cycle_drift`),

towards the wrong end when :math:`\Delta > 0`. AMSGrad divides by the running maximum of
:math:`v_t`, a constant in the steady state, so its drift :math:`(-C + (p - 1)s)/\sqrt{\max_j v_j}`
has the sign of the mean gradient: it never points the wrong way.

>>> g = reddi_gradients(6)
>>> g.tolist()
[3.0, -1.0, -1.0, 3.0, -1.0, -1.0]
>>> round(adam_cycle_drift(3.0, 0.1), 4) > 0          # Adam's period moves towards +1
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import (check_fraction, check_integer, check_number, check_optimizer,
                          check_positive)

__all__ = ["reddi_gradients", "reddi_beta2", "reddi_losses", "OnlineRun", "online_run",
           "adam_cycle_drift", "amsgrad_cycle_drift", "steady_second_moments"]


def _check_problem(C, period, small):
    C = check_positive("C", C)
    period = check_integer("period", period, low=2)
    small = check_positive("small", small)
    return C, period, small


def reddi_gradients(steps: int, C: float = 3.0, period: int = 3, small: float = 1.0) -> np.ndarray:
    r"""The gradients :math:`g_t = f_t'(x)` for :math:`t = 1, \dots,` ``steps``: :math:`C` when
    :math:`t \bmod p = 1`, else :math:`-s` (``small``).

    >>> reddi_gradients(4, C=5.0, period=2).tolist()
    [5.0, -1.0, 5.0, -1.0]
    """
    steps = check_integer("steps", steps, low=0)
    C, period, small = _check_problem(C, period, small)
    t = np.arange(1, steps + 1)
    return np.where(t % period == 1 % period, C, -small).astype(float)


def reddi_beta2(C: float) -> float:
    r"""Reddi et al.'s choice :math:`\beta_2 = 1/(1 + C^2)` (Theorem 1, with :math:`\beta_1 = 0`).

    >>> reddi_beta2(3.0)
    0.1
    """
    C = check_positive("C", C)
    return 1.0 / (1.0 + C * C)


def reddi_losses(x, gradients) -> np.ndarray:
    r"""The losses :math:`f_t(x_t) = g_t x_t` of a run: ``x`` holds :math:`x_1, \dots, x_T` (the point
    played at each step), ``gradients`` the matching :math:`g_t`.

    >>> reddi_losses([0.5, -1.0], [3.0, -1.0]).tolist()
    [1.5, 1.0]
    """
    x = np.asarray(x, dtype=float)
    g = np.asarray(gradients, dtype=float)
    if x.shape != g.shape:
        raise ValueError(f"x and gradients must have the same shape; got {x.shape} and {g.shape}")
    return g * x


@dataclass(frozen=True, eq=False)
class OnlineRun:
    r"""A projected online run on linear losses :math:`f_t(x) = g_t x` over :math:`[a, b]`.

    Attributes
    ----------
    xs : ndarray, shape (T + 1,)
        :math:`x_1, \dots, x_{T+1}`: ``xs[t - 1]`` is the point played at step :math:`t`.
    gradients : ndarray, shape (T,)
    effective_rates : ndarray, shape (T,)
        :math:`\eta_t / (\sqrt{\hat v_t} + \epsilon)` for Adam-type optimizers (with
        :math:`\hat v_t` the running maximum under AMSGrad), :math:`\eta_t` for the others.
    regret : ndarray, shape (T,)
        :math:`R_t = \sum_{k \le t} f_k(x_k) - \min_{x \in [a, b]} \sum_{k \le t} f_k(x)`.
    """

    xs: np.ndarray
    gradients: np.ndarray
    effective_rates: np.ndarray
    regret: np.ndarray = field(repr=False)

    @property
    def average_regret(self) -> np.ndarray:
        """:math:`R_t / t`: tends to 0 for a method with sublinear regret."""
        return self.regret / np.arange(1, len(self.regret) + 1)

    @property
    def x(self) -> float:
        """The last point."""
        return float(self.xs[-1])


def _effective_rate(opt, state, lr: float) -> float:
    v = getattr(state, "max_exp_avg_sq", None)
    if v is None:
        v = getattr(state, "exp_avg_sq", None)
    betas = getattr(opt, "betas", None)
    if v is None or betas is None:
        return lr
    v_hat = float(np.ravel(v)[0]) / (1 - betas[1] ** state.step)
    return lr / (np.sqrt(v_hat) + opt.eps)


def online_run(opt, gradients, x0: float = 0.0, bounds=(-1.0, 1.0)) -> OnlineRun:
    r"""Run ``opt`` on the linear losses :math:`g_t x`, projecting onto ``bounds`` after every step:
    :math:`x_{t+1} = \Pi_{[a, b]}\bigl(\text{step}(x_t, g_t)\bigr)`, the projected online method of
    Reddi et al. (in one dimension the projection is a clip).

    Parameters
    ----------
    opt : optimizer from :mod:`stepcourse.optim`
        E.g. ``sc.optim.Adam(lr=lambda t: 0.5 / np.sqrt(t + 1), betas=(0.0, 0.1), amsgrad=True)``.
    gradients : array_like, shape (T,)
        :math:`g_1, \dots, g_T`, e.g. :func:`reddi_gradients`.
    x0 : float
        The first point :math:`x_1`.
    bounds : (float, float)
        The interval :math:`[a, b]`.

    >>> import stepcourse as sc
    >>> run = online_run(sc.optim.SGD(lr=0.1), reddi_gradients(60))
    >>> np.round(run.xs[:4], 6).tolist()          # -0.3, then +0.1 twice: -0.1 per period
    [0.0, -0.3, -0.2, -0.1]
    >>> float(run.xs.min())                       # down to the bound x* = -1
    -1.0
    """
    opt = check_optimizer("opt", opt)
    g = np.asarray(gradients, dtype=float).ravel()
    lo, hi = (check_number("bounds[0]", bounds[0]), check_number("bounds[1]", bounds[1]))
    if not lo < hi:
        raise ValueError(f"bounds must be (low, high) with low < high; got {bounds!r}")
    x = np.array([check_number("x0", x0, low=lo, high=hi)])
    state = opt.init(x)
    xs = np.empty(len(g) + 1)
    rates = np.empty(len(g))
    xs[0] = x[0]
    lr_at = getattr(opt, "lr_at", None)
    for t, gt in enumerate(g):
        lr = lr_at(t) if lr_at is not None else np.nan
        x_new, state = opt.step(x, np.array([gt]), state)
        rates[t] = _effective_rate(opt, state, lr)
        x = np.clip(x_new, lo, hi)
        xs[t + 1] = x[0]
    played = np.cumsum(g * xs[:-1])
    total = np.cumsum(g)
    best = np.minimum(total * lo, total * hi)
    return OnlineRun(xs=xs, gradients=g, effective_rates=rates, regret=played - best)


def steady_second_moments(C: float, beta2: float, period: int = 3, small: float = 1.0) -> np.ndarray:
    r"""The periodic steady state :math:`v_1, \dots, v_p` of :math:`v_t = \beta_2 v_{t-1} +
    (1 - \beta_2) g_t^2` on the counterexample's gradients (phase 1: the large gradient),

    .. math::

        v_j = \frac{1 - \beta_2}{1 - \beta_2^p} \sum_{k=0}^{p-1} \beta_2^k\, g_{j-k}^2 .

    >>> np.round(steady_second_moments(3.0, 0.0), 6).tolist()     # no memory: v = g^2
    [9.0, 1.0, 1.0]
    """
    C, period, small = _check_problem(C, period, small)
    beta2 = check_fraction("beta2", beta2, closed=False)
    g2 = np.full(period, small * small)
    g2[0] = C * C
    k = np.arange(period)
    weights = beta2**k
    return np.array([(1 - beta2) / (1 - beta2**period) * np.sum(weights * g2[(j - k) % period])
                     for j in range(period)])


def adam_cycle_drift(C: float, beta2: float, period: int = 3, small: float = 1.0) -> float:
    r"""How far one period moves Adam's iterate, in units of the rate :math:`\eta`, in the periodic
    steady state (:math:`\beta_1 = 0`, constant :math:`\eta`, no bias correction, :math:`\epsilon = 0`,
    away from the bounds):

    .. math::

        \Delta = -\frac{C}{\sqrt{v_1}} + \sum_{j=2}^{p} \frac{s}{\sqrt{v_j}} .

    Positive: the iterate drifts towards :math:`+1`, the wrong end.

    >>> round(adam_cycle_drift(3.0, 0.0), 6)     # beta2 = 0: every step has size eta, 2 up, 1 down
    1.0
    """
    v = steady_second_moments(C, beta2, period, small)
    return float(-C / np.sqrt(v[0]) + np.sum(small / np.sqrt(v[1:])))


def amsgrad_cycle_drift(C: float, beta2: float, period: int = 3, small: float = 1.0) -> float:
    r"""The same for AMSGrad, whose denominator is the running maximum :math:`\max_j v_j`:
    :math:`\Delta = (-C + (p - 1)s)/\sqrt{\max_j v_j}`, negative whenever :math:`x^\star = -1`.

    >>> amsgrad_cycle_drift(3.0, 0.1) < 0
    True
    """
    v = steady_second_moments(C, beta2, period, small)
    C, period, small = _check_problem(C, period, small)
    return float((-C + (period - 1) * small) / np.sqrt(v.max()))
