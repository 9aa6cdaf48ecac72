r"""Learning-rate schedules: callables ``t -> lr`` that any optimizer accepts as ``lr``.

``t`` counts completed optimizer steps from 0, so ``schedule(t)`` is the rate of the step that follows
``t`` steps. Each schedule gives, for every ``t``, the rate that the matching ``torch.optim.lr_scheduler``
gives to the ``(t+1)``-th ``optimizer.step()`` when ``scheduler.step()`` is called after each
``optimizer.step()``::

    opt = sc.optim.SGD(lr=sc.schedules.cosine_annealing(0.1, T_max=100), momentum=0.9)

Schedules are small objects with a readable repr; ``schedule.lrs(steps)`` lists the first rates.
torch computes most of these rates recursively (multiplying the previous rate); the closed forms here
agree with it to rounding (about 1e-16 relative).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Callable, Union

import numpy as np

from ._validation import (check_choice, check_flag, check_fraction, check_integer, check_non_negative,
                          check_number, check_positive, describe)

__all__ = ["Schedule", "constant", "step_decay", "exponential", "cosine_annealing", "one_cycle",
           "linear_warmup", "by_name", "for_run", "NAMES", "RUN_SHAPES"]


class Schedule:
    """Base of the schedules: ``schedule(t)`` is the learning rate after ``t`` completed steps.

    Subclasses define ``_lr(t)`` for a checked non-negative int ``t``.
    """

    def __call__(self, t) -> float:
        return float(self._lr(check_integer("t", t, low=0)))

    def lrs(self, steps: int) -> np.ndarray:
        """The rates of the first ``steps`` steps, ``[self(0), ..., self(steps - 1)]``."""
        return np.array([self(t) for t in range(check_integer("steps", steps, low=0))], dtype=float)

    def __repr__(self) -> str:
        args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{self._factory}({args})"


@dataclass(frozen=True, repr=False)
class _Constant(Schedule):
    lr: float
    _factory = "constant"

    def _lr(self, t):
        return self.lr


@dataclass(frozen=True, repr=False)
class _StepDecay(Schedule):
    lr: float
    step_size: int
    gamma: float
    _factory = "step_decay"

    def _lr(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


@dataclass(frozen=True, repr=False)
class _Exponential(Schedule):
    lr: float
    gamma: float
    _factory = "exponential"

    def _lr(self, t):
        return self.lr * self.gamma ** t


@dataclass(frozen=True, repr=False)
class _CosineAnnealing(Schedule):
    lr: float
    T_max: int
    eta_min: float
    _factory = "cosine_annealing"

    def _lr(self, t):
        return self.eta_min + (self.lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


@dataclass(frozen=True, repr=False)
class _OneCycle(Schedule):
    max_lr: float
    total_steps: int
    pct_start: float
    anneal_strategy: str
    div_factor: float
    final_div_factor: float
    three_phase: bool
    _factory = "one_cycle"

    def _phases(self):
        """(end step, start lr, end lr) of each phase, as torch's OneCycleLR lays them out."""
        T, p = self.total_steps, self.pct_start
        initial = self.max_lr / self.div_factor
        final = initial / self.final_div_factor
        if self.three_phase:
            return [(float(p * T) - 1, initial, self.max_lr),
                    (float(2 * p * T) - 2, self.max_lr, initial),
                    (T - 1, initial, final)]
        return [(float(p * T) - 1, initial, self.max_lr), (T - 1, self.max_lr, final)]

    def _lr(self, t):
        if t > self.total_steps:
            raise ValueError(f"t={t} is past total_steps={self.total_steps} of {self!r}; like torch's "
                             f"OneCycleLR the schedule is defined for t <= total_steps")
        phases = self._phases()
        start = 0.0
        for i, (end, lr_start, lr_end) in enumerate(phases):
            if t <= end or i == len(phases) - 1:
                pct = (t - start) / (end - start)
                if self.anneal_strategy == "cos":
                    return lr_end + (lr_start - lr_end) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (lr_end - lr_start) * pct + lr_start
            start = end


@dataclass(frozen=True, repr=False)
class _LinearWarmup(Schedule):
    schedule_or_lr: Any
    warmup_steps: int
    start_factor: float
    _factory = "linear_warmup"

    def _lr(self, t):
        if t >= self.warmup_steps:
            return self.schedule_or_lr(t - self.warmup_steps)
        base = float(self.schedule_or_lr(0))
        return base * (self.start_factor + (1.0 - self.start_factor) * t / self.warmup_steps)


# --------------------------------------------------------------------------------------------------

def constant(lr: float) -> Schedule:
    r"""The same rate at every step: :math:`\eta_t = \eta`.

    Equivalent to a plain number as ``lr``, and to no torch scheduler at all.

    Parameters
    ----------
    lr : float
        The rate, >= 0.

    Examples
    --------
    >>> import stepcourse as sc
    >>> s = sc.schedules.constant(0.1)
    >>> s, s(0), s(1000)
    (constant(lr=0.1), 0.1, 0.1)
    """
    return _Constant(check_non_negative("lr", lr))


def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps (torch's ``StepLR``).

    .. math::

        \eta_t = \eta_0 \, \text{gamma}^{\lfloor t / \text{step\_size} \rfloor}

    Parameters
    ----------
    lr : float
        :math:`\eta_0 \ge 0`, the rate of the first ``step_size`` steps.
    step_size : int
        Steps between decays, >= 1.
    gamma : float, default 0.1
        Factor applied at each decay, >= 0.

    Examples
    --------
    >>> import stepcourse as sc
    >>> s = sc.schedules.step_decay(1.0, step_size=2, gamma=0.5)
    >>> s.lrs(6)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25, 0.25])
    """
    return _StepDecay(check_non_negative("lr", lr), check_integer("step_size", step_size, low=1),
                      check_non_negative("gamma", gamma))


def exponential(lr: float, gamma: float) -> Schedule:
    r"""Multiply the rate by ``gamma`` every step (torch's ``ExponentialLR``).

    .. math::

        \eta_t = \eta_0 \, \text{gamma}^{t}

    Parameters
    ----------
    lr : float
        :math:`\eta_0 \ge 0`.
    gamma : float
        Factor per step, >= 0 (below 1 to decay).

    Examples
    --------
    >>> import stepcourse as sc
    >>> sc.schedules.exponential(1.0, gamma=0.5).lrs(4)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    return _Exponential(check_non_negative("lr", lr), check_non_negative("gamma", gamma))


def cosine_annealing(lr: float, T_max: int, eta_min: float = 0.0) -> Schedule:
    r"""Half a cosine from ``lr`` down to ``eta_min`` over ``T_max`` steps (torch's ``CosineAnnealingLR``).

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                   \bigl(1 + \cos(\pi t / T_{\max})\bigr)

    Parameters
    ----------
    lr : float
        :math:`\eta_0 \ge 0`, the rate at ``t = 0``.
    T_max : int
        Steps to reach ``eta_min``, >= 1.
    eta_min : float, default 0
        The lowest rate, >= 0.

    Notes
    -----
    Not clamped after ``T_max``: like torch's scheduler, the rate climbs back up along the same cosine
    (period ``2 * T_max``); pick ``T_max`` >= the number of steps to avoid it. There are no warm
    restarts (torch's ``CosineAnnealingWarmRestarts``, Loshchilov & Hutter 2017).

    Examples
    --------
    >>> import stepcourse as sc
    >>> s = sc.schedules.cosine_annealing(1.0, T_max=4)
    >>> s.lrs(6).round(4)
    array([1.    , 0.8536, 0.5   , 0.1464, 0.    , 0.1464])
    """
    return _CosineAnnealing(check_non_negative("lr", lr), check_integer("T_max", T_max, low=1),
                            check_non_negative("eta_min", eta_min))


def one_cycle(max_lr: float, total_steps: int, pct_start: float = 0.3, anneal_strategy: str = "cos",
              div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False) -> Schedule:
    r"""The 1cycle policy (Smith 2017): warm up to ``max_lr``, then anneal far below the start
    (the learning rate of torch's ``OneCycleLR``).

    With :math:`\eta_{\text{init}} = \text{max\_lr}/\text{div\_factor}`,
    :math:`\eta_{\text{end}} = \eta_{\text{init}}/\text{final\_div\_factor}`,
    :math:`e_1 = \text{pct\_start}\cdot T - 1` and :math:`e_2 = T - 1`:

    .. math::

        \eta_t = \begin{cases}
            a(\eta_{\text{init}}, \text{max\_lr}, t / e_1) & t \le e_1 \\
            a(\text{max\_lr}, \eta_{\text{end}}, (t - e_1)/(e_2 - e_1)) & \text{otherwise}
        \end{cases}
        \qquad a(x, y, p) = y + \tfrac12 (x - y)(1 + \cos \pi p)

    with the cosine :math:`a` replaced by :math:`x + (y - x) p` for ``anneal_strategy="linear"``. With
    ``three_phase=True`` the rate goes up to ``max_lr`` by :math:`e_1`, back down to
    :math:`\eta_{\text{init}}` by :math:`2\,\text{pct\_start}\cdot T - 2`, then to
    :math:`\eta_{\text{end}}` by :math:`T - 1`.

    Parameters
    ----------
    max_lr : float
        Peak rate, > 0.
    total_steps : int
        Length of the cycle :math:`T`, >= 1.
    pct_start : float, default 0.3
        Share of the cycle spent warming up, in [0, 1].
    anneal_strategy : {"cos", "linear"}, default "cos"
    div_factor : float, default 25
        ``max_lr / div_factor`` is the starting rate; > 0.
    final_div_factor : float, default 1e4
        The final rate is the starting rate divided by this; > 0.
    three_phase : bool, default False

    Notes
    -----
    Like torch, the rate is defined for ``t <= total_steps`` (``t = total_steps`` extrapolates the last
    phase by one step, the rate torch's scheduler holds after the last step) and ``t > total_steps``
    raises ValueError. Only the rate is modelled: torch's ``cycle_momentum`` (momentum moving against the
    rate, on by default) has no counterpart here, so the parity of a whole run is with
    ``OneCycleLR(..., cycle_momentum=False)``. Settings for which torch divides by zero
    (``pct_start * total_steps == 1``, or an empty last phase) raise ValueError here.

    Examples
    --------
    >>> import stepcourse as sc
    >>> s = sc.schedules.one_cycle(1.0, total_steps=50)
    >>> round(s(0), 12), round(s(49), 12)
    (0.04, 4e-06)
    """
    max_lr = check_positive("max_lr", max_lr)
    total_steps = check_integer("total_steps", total_steps, low=1)
    pct_start = check_fraction("pct_start", pct_start)
    check_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    three_phase = check_flag("three_phase", three_phase)
    s = _OneCycle(max_lr, total_steps, pct_start, anneal_strategy, check_positive("div_factor", div_factor),
                  check_positive("final_div_factor", final_div_factor), bool(three_phase))
    phases = s._phases()
    if phases[0][0] == 0:
        raise ValueError(f"pct_start * total_steps must not be 1 (the warm-up phase would last zero steps); "
                         f"got pct_start={pct_start!r}, total_steps={total_steps}")
    if phases[-1][0] == phases[-2][0]:
        raise ValueError(f"the last phase would last zero steps with pct_start={pct_start!r}, "
                         f"total_steps={total_steps}, three_phase={three_phase}; lower pct_start")
    return s


def linear_warmup(schedule_or_lr: Union[float, Callable[[int], float]], warmup_steps: int,
                  start_factor: float = 1.0 / 3) -> Schedule:
    r"""Ramp the rate up linearly for ``warmup_steps`` steps, then follow ``schedule_or_lr`` from its start.

    .. math::

        \eta_t = \begin{cases}
            s(0) \, \bigl(f + (1 - f)\, t / W\bigr) & t < W \\
            s(t - W) & t \ge W
        \end{cases}

    where :math:`s` is the schedule (a constant for a number), :math:`W` is ``warmup_steps`` and
    :math:`f` is ``start_factor``. The warm-up climbs from :math:`f\,s(0)` to :math:`s(0)`, and the
    schedule then runs as if started at step :math:`W`.

    This is exactly torch's composition (``base`` the optimizer's lr, ``S`` the scheduler matching
    ``schedule_or_lr``)::

        warm = LinearLR(opt, start_factor=f, end_factor=1.0, total_iters=W)
        SequentialLR(opt, schedulers=[warm, S], milestones=[W])

    and, for a number, ``LinearLR(opt, start_factor=f, end_factor=1.0, total_iters=W)`` alone.

    Parameters
    ----------
    schedule_or_lr : float or callable
        The rate after warm-up: a number >= 0 or any schedule ``t -> lr``.
    warmup_steps : int
        :math:`W \ge 1`.
    start_factor : float, default 1/3
        :math:`f \in (0, 1]`, the first rate as a fraction of :math:`s(0)` (torch's ``LinearLR``
        default and range).

    Examples
    --------
    >>> import stepcourse as sc
    >>> s = sc.schedules.linear_warmup(sc.schedules.step_decay(0.3, step_size=2, gamma=0.5), 3)
    >>> s.lrs(7).round(4)
    array([0.1   , 0.1667, 0.2333, 0.3   , 0.3   , 0.15  , 0.15  ])
    """
    if callable(schedule_or_lr):
        after = schedule_or_lr
        first = after(0)
        try:
            first = float(first)
        except (TypeError, ValueError):
            raise TypeError(f"schedule_or_lr must return a number; {after!r}(0) returned {first!r}") from None
        if not (math.isfinite(first) and first >= 0):
            raise ValueError(f"schedule_or_lr must give finite rates >= 0; {after!r}(0) returned {first!r}")
    else:
        after = constant(check_non_negative("schedule_or_lr", schedule_or_lr))
    start_factor = check_number("start_factor", start_factor, low=0, high=1, low_open=True)
    return _LinearWarmup(after, check_integer("warmup_steps", warmup_steps, low=1), start_factor)


# --------------------------------------------------------------------------------------------------
# By name: what explorers and chapters choose from a menu.

#: Schedule names for :func:`by_name`, each with the factory it calls.
NAMES = {
    "constant": constant, "step_decay": step_decay, "exponential": exponential,
    "cosine_annealing": cosine_annealing, "one_cycle": one_cycle, "linear_warmup": linear_warmup,
}
_ALIASES = {"step decay": "step_decay", "cosine": "cosine_annealing", "one-cycle": "one_cycle",
            "1cycle": "one_cycle", "warmup": "linear_warmup"}

#: The shapes of :func:`for_run`: a whole run's schedule from a start rate, a length and an end factor.
RUN_SHAPES = ("constant", "step decay", "exponential", "cosine", "warmup + cosine", "one-cycle")


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a schedule name (a string); got {describe(name)}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    return check_choice("name", key, tuple(NAMES))


def by_name(name: str, **kw) -> Schedule:
    """The schedule called ``name`` (a key of :data:`NAMES`, any case; also ``"cosine"``,
    ``"step decay"``, ``"one-cycle"``, ``"warmup"``), made with the factory's own arguments ``kw``.

    >>> import stepcourse as sc
    >>> sc.schedules.by_name("cosine", lr=1.0, T_max=4).lrs(3).round(4)
    array([1.    , 0.8536, 0.5   ])
    >>> sc.schedules.by_name("Exponential", lr=1.0, gamma=0.5)
    exponential(lr=1.0, gamma=0.5)
    """
    factory = NAMES[_canonical(name)]
    try:
        return factory(**kw)
    except TypeError as err:
        if "argument" not in str(err):
            raise
        import inspect

        allowed = list(inspect.signature(factory).parameters)
        raise TypeError(f"by_name({name!r}) takes the arguments of sc.schedules.{factory.__name__}: "
                        f"{allowed}; got {sorted(kw)}") from None


def for_run(shape: str, lr: float, steps: int, final: float = 0.01) -> Schedule:
    """A schedule for a run of ``steps`` steps that starts (or peaks) at ``lr`` and ends near ``final * lr``.

    - ``"constant"``: ``lr`` throughout (``final`` is ignored);
    - ``"step decay"``: ``lr`` times ``sqrt(final)`` after each third of the run;
    - ``"exponential"``: ``lr * gamma**t`` with ``gamma = final**(1/(steps-1))``;
    - ``"cosine"``: half a cosine from ``lr`` to ``final * lr`` over the run;
    - ``"warmup + cosine"``: a linear warm-up over the first tenth from ``lr/10``, then the cosine;
    - ``"one-cycle"``: up from ``lr/25`` for 30 % of the run, then down to ``final * lr``.

    >>> for_run("exponential", 1.0, 11, final=0.01).lrs(11)[[0, 5, 10]].round(12)
    array([1.  , 0.1 , 0.01])
    """
    check_choice("shape", shape, RUN_SHAPES)
    steps = check_integer("steps", steps, low=10)
    final = check_number("final", final, low=0, high=1, low_open=True)
    lr = check_non_negative("lr", lr)
    if shape == "constant":
        return constant(lr)
    if shape == "step decay":
        return step_decay(lr, step_size=-(-steps // 3), gamma=final ** 0.5)
    if shape == "exponential":
        return exponential(lr, gamma=final ** (1 / (steps - 1)))
    if shape == "cosine":
        return cosine_annealing(lr, T_max=steps - 1, eta_min=final * lr)
    if shape == "warmup + cosine":
        warm = steps // 10
        return linear_warmup(cosine_annealing(lr, T_max=steps - 1 - warm, eta_min=final * lr), warm,
                             start_factor=0.1)
    div = 25.0
    return one_cycle(lr, total_steps=steps, pct_start=0.3, div_factor=div, final_div_factor=1 / (div * final))


# ==================================================================================================
# A run with a schedule on a noisy bowl: the analysis behind the schedule explorer (stepcourse.widgets).
# Tested in tests/test_moved_analysis.py.

__all__ += ["schedule_run"]


def schedule_run(schedule, *, noise: float = 1.0, steps: int = 300, seed: int = 0):
    r"""Gradient descent with ``schedule`` on a noisy quadratic bowl; returns the
    :class:`~stepcourse.loop.Trace`.

    The bowl has curvatures 1 and 10 (so :math:`2/L = 0.2`) and every gradient carries Gaussian noise
    of standard deviation :math:`\sigma` = ``noise`` per coordinate:

    .. math::

        w_{t+1} = w_t - \eta_t\,\bigl(\nabla f(w_t) + \sigma \xi_t\bigr), \qquad \xi_t \sim \mathcal N(0, I).

    The same ``seed`` gives every schedule the same noise, so two schedules are compared on equal terms.

    >>> tr = schedule_run(constant(0.1), steps=50)
    >>> tr.steps, bool(tr.diverged)
    (50, False)
    """
    from ._validation import check_integer, check_non_negative
    from .loop import minimize
    from .optim import SGD
    from .problems import quadratic, with_gradient_noise

    noise = check_non_negative("noise", noise)
    steps = check_integer("steps", steps, low=1)
    bowl = with_gradient_noise(quadratic([1.0, 10.0]), noise, seed=seed)
    return minimize(bowl, SGD(lr=schedule), steps=steps)
