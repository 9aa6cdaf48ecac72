r"""Optimizers with explicit state, and the arithmetic of ``torch.optim``.

An optimizer holds hyperparameters only; the state it needs between steps is a value you keep::

    opt = sc.optim.Adam(lr=0.1)                     # validated here
    state = opt.init(params)                        # printable, named fields
    params, state = opt.step(params, grads, state)  # new arrays; nothing is mutated

``params`` and ``grads`` are one array, or dicts of name -> array with the same keys and shapes.
Argument names, defaults and the arithmetic follow ``torch.optim``, operation by operation as in its
single-tensor code (the implementation switches ``foreach``, ``fused``, ``capturable`` and
``differentiable`` have no meaning here and are left out). torch fuses some multiply-adds, so the two
agree to rounding, about 1e-16 per step, and a reader who moves to PyTorch finds the same knobs. ``lr`` is a number or a schedule from
:mod:`stepcourse.schedules` (any callable ``t -> lr``, ``t`` = completed steps from 0).

Like torch, a step does not check for overflow: infinities and NaNs propagate silently, and
:func:`stepcourse.minimize` reports the run as diverged.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Union

import numpy as np

from ._tree import leaves, rebuild
from ._validation import (check_choice, check_flag, check_fraction, check_learning_rate, check_non_negative,
                          check_number, check_positive, describe)

__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
    "SGDState", "AdagradState", "RMSpropState", "AdamState", "clip_grad_norm", "by_name", "NAMES",
]

LR = Union[float, Callable[[int], float]]
_F64 = np.dtype(np.float64)


# --------------------------------------------------------------------------------------------------
# Argument checks (every message names the argument, the value and what is allowed) come from
# stepcourse._validation; parameters (one array or a dict of arrays) are walked by stepcourse._tree.

def _matching_grads(keys, ps, grads):
    """The gradients in the order of ``keys``, checked against the parameters' structure and shapes."""
    gkeys, gs = leaves(grads, "grads")
    if (keys is None) != (gkeys is None):
        kinds = ("an array", "a dict") if keys is None else ("a dict", "an array")
        raise TypeError(f"params is {kinds[0]} but grads is {kinds[1]}; give both as arrays or both as "
                        f"dicts with the same keys")
    if keys is not None:
        if set(gkeys) != set(keys):
            missing, extra = sorted(set(keys) - set(gkeys), key=str), sorted(set(gkeys) - set(keys), key=str)
            raise ValueError(f"grads must have the same keys as params {list(keys)}; "
                             f"missing {missing}, unexpected {extra}")
        by_key = dict(zip(gkeys, gs))
        gs = [by_key[k] for k in keys]
    for i, (p, g) in enumerate(zip(ps, gs)):
        if g.shape != p.shape:
            where = "" if keys is None else f"[{keys[i]!r}]"
            raise ValueError(f"grads{where} has shape {g.shape} but params{where} has shape {p.shape}; "
                             f"they must match")
    return gs


# --------------------------------------------------------------------------------------------------
# State: frozen dataclasses with torch's names; a field is None where torch keeps no such buffer.

def _show(value: Any) -> str:
    """A short description of a state field: small arrays in full, big ones by shape and a few entries."""
    if value is None:
        return "None"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    a = np.asarray(value)
    with np.printoptions(precision=4, suppress=False, threshold=6, edgeitems=2, linewidth=10_000):
        if a.size <= 6:
            return "array(" + " ".join(np.array2string(a, separator=", ").split()) + ")"
        flat = np.array2string(a.ravel(), separator=", ")
    return f"array(shape={a.shape}, {flat})"


@dataclass(frozen=True, eq=False, repr=False)
class _State:
    step: int

    def __repr__(self) -> str:
        parts = [f"{f.name}={self.step if f.name == 'step' else _show(getattr(self, f.name))}"
                 for f in fields(self)]
        one_line = f"{type(self).__name__}({', '.join(parts)})"
        if len(one_line) <= 100:
            return one_line
        pad = " " * (len(type(self).__name__) + 1)
        return f"{type(self).__name__}(" + (",\n" + pad).join(parts) + ")"


@dataclass(frozen=True, eq=False, repr=False)
class SGDState(_State):
    """State of :class:`SGD`: ``step`` (completed steps) and ``momentum_buffer`` :math:`b_t`.

    ``momentum_buffer`` is None while there is none: always when ``momentum == 0``, and before the first
    step otherwise (the first step sets :math:`b_1 = g_1`, as torch does).
    """

    momentum_buffer: Any = None


@dataclass(frozen=True, eq=False, repr=False)
class AdagradState(_State):
    """State of :class:`Adagrad`: ``step`` and ``sum``, the running sum of squared gradients :math:`s_t`."""

    sum: Any = None


@dataclass(frozen=True, eq=False, repr=False)
class RMSpropState(_State):
    """State of :class:`RMSprop`: ``step``, ``square_avg`` :math:`v_t`, ``grad_avg`` :math:`\\bar g_t`
    (None unless ``centered``) and ``momentum_buffer`` :math:`b_t` (None unless ``momentum > 0``)."""

    square_avg: Any = None
    grad_avg: Any = None
    momentum_buffer: Any = None


@dataclass(frozen=True, eq=False, repr=False)
class AdamState(_State):
    """State of :class:`Adam` and :class:`AdamW`: ``step``, ``exp_avg`` :math:`m_t`, ``exp_avg_sq``
    :math:`v_t` and ``max_exp_avg_sq`` :math:`v^{\\max}_t` (None unless ``amsgrad``)."""

    exp_avg: Any = None
    exp_avg_sq: Any = None
    max_exp_avg_sq: Any = None


# --------------------------------------------------------------------------------------------------

# Two lanes compute the same update, operation by operation:
# - the scalar lane, for arrays of at most _SMALL entries (what explorers and chapters step in loops):
#   Python floats, which are IEEE doubles rounded exactly as numpy rounds each elementwise operation,
#   at a fraction of the cost of a numpy call per operation. Python raises where IEEE gives inf or nan
#   (x / 0, sqrt of a negative number); the array lane then takes the step.
# - the array lane: numpy, in blocks of _BLOCK entries, so that the temporaries stay in cache and each
#   input is read, and each output written, once from memory. Every operation writes into a fresh
#   output or a scratch block (``out=``), never into the caller's arrays.
# tests/test_optim_properties.py checks that the two lanes agree bit for bit.
# - the fused lane, optional: Adam and AdamW on more than _FUSED entries, when numba can be imported
#   (the "fast" extra), as one compiled loop over the entries (stepcourse._fused) with the array
#   lane's operations in its order; tests/test_fused.py checks that it agrees bit for bit too.
_SMALL = 12
_BLOCK = 65536
_FUSED = 65536


def _fused_adam(*arrays):
    """:func:`stepcourse._fused.adam` if it can update ``arrays`` (numba is installed and each array
    is C-contiguous float64, or None), else None. Imported on first use: numba takes a moment."""
    from ._fused import AVAILABLE, adam
    if not AVAILABLE:
        return None
    for a in arrays:
        if a is not None and not (a.dtype == _F64 and a.flags.c_contiguous):
            return None
    return adam


def _as_list(a: np.ndarray) -> list:
    """The entries of ``a`` as Python floats, in C order."""
    return (a if a.ndim == 1 else a.ravel()).tolist()


def _from_list(values: list, shape: tuple) -> np.ndarray:
    """A new float64 array of ``shape`` holding ``values`` (Python floats, so numpy infers float64)."""
    a = np.array(values)
    return a if len(shape) == 1 else a.reshape(shape)


def _lerp_into(out: np.ndarray, start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start + weight * (end - start)`` written into ``out``, rounded as torch's ``lerp`` (two forms,
    by weight)."""
    np.subtract(end, start, out=out)
    if abs(weight) < 0.5:
        out *= weight
        out += start
    else:
        out *= 1.0 - weight
        np.subtract(end, out, out=out)
    return out


def _signed_decayed_into(out: np.ndarray, g: np.ndarray, p: np.ndarray, maximize: bool,
                         weight_decay: float) -> np.ndarray:
    """``-g`` if maximizing, then plus the L2 term ``weight_decay * p``, written into ``out``; returns
    ``g`` itself when there is nothing to do."""
    if weight_decay != 0:
        np.multiply(p, weight_decay, out=out)
        if maximize:
            out -= g                           # x - y is x + (-y) in IEEE arithmetic
        else:
            out += g
        return out
    if maximize:
        return np.negative(g, out=out)
    return g


def _scratch(p: np.ndarray, needed: bool = True):
    """A scratch array for the blocks of ``p`` (None if not ``needed``).

    Past one block (``p`` is then 1-d) it is the first block of an array as long as ``p``, whose other
    pages are never touched. The array lane allocates it after the new state buffers and before the new
    parameters, as a spacer: with glibc's malloc, outputs allocated back to back are freed back to back
    two steps later, at the top of the heap, which malloc then returns to the system and the next step
    faults in again, page by page (hundreds of page faults, milliseconds, per step of Adam on 1e6
    parameters).
    """
    if not needed:
        return None
    return np.empty(p.size)[:_BLOCK] if p.size > _BLOCK else np.empty(p.shape)


def _blocks(p: np.ndarray, *arrays):
    """For each block of at most ``_BLOCK`` entries of ``p``, the views of ``arrays`` on it.

    ``arrays`` are arrays shaped like ``p``, scratch arrays from :func:`_scratch`, or None (which stays
    None). An array of at most ``_BLOCK`` entries, of any shape, is one block: the arrays themselves.
    Past that ``p`` must be 1-d.
    """
    n = p.size
    if n <= _BLOCK:
        return (arrays,)
    return [tuple(None if a is None else a[start:stop] if len(a) == n else a[:stop - start]
                  for a in arrays)
            for start, stop in ((i, min(i + _BLOCK, n)) for i in range(0, n, _BLOCK))]


class Optimizer:
    """Base of the optimizers: ``init``, ``step`` and ``lr_at``; subclasses define one array's update.

    A subclass sets ``_State`` (its state dataclass) and defines ``_init_leaf(p) -> dict`` (the state
    buffers for one array) and the update of one array, twice, with the same operations in the same
    order: ``_small(p, g, buffers, lr, step)`` with ``p`` and ``g`` as lists of Python floats (it reads
    the state arrays in ``buffers`` with :meth:`_need_list`) returns lists, and
    ``_arrays(p, g, buffers, lr, step)`` on float64 arrays (of any shape within one block, 1-d past
    that) returns new arrays; both return ``(p_new, buffers_new)``. ``step`` is the number of the step
    being taken (1 for the first, as in torch).
    """

    _State: type = _State
    _buffers: tuple = ()                       # the state's fields but ``step``, set per subclass

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._buffers = tuple(f.name for f in fields(cls._State) if f.name != "step")

    def lr_at(self, t: int) -> float:
        """The learning rate used by the step that follows ``t`` completed steps."""
        if not callable(self.lr):
            return float(self.lr)
        value = self.lr(t)
        try:
            lr = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"the lr schedule {self.lr!r} returned {value!r} at t={t}; "
                            f"it must return a number") from None
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"the lr schedule {self.lr!r} returned {value!r} at t={t}; "
                             f"learning rates must be finite and >= 0")
        return lr

    def init(self, params):
        """The state before the first step, for parameters shaped like ``params`` (array or dict)."""
        keys, ps = leaves(params, "params")
        per_leaf = [self._init_leaf(p) for p in ps]
        return self._State(step=0, **self._gather(keys, per_leaf))

    def step(self, params, grads, state):
        """One step: returns ``(new_params, new_state)``; ``params``, ``grads`` and ``state`` are unchanged.

        Fast lane: one float64 array with a gradient and a state of its shape (what ``init`` made for
        it) goes straight to the update, with no dict round trip, no conversion and no check that
        ``init`` already made. Anything else takes the general path, which converts and checks
        everything.
        """
        if (type(params) is np.ndarray and type(grads) is np.ndarray and type(state) is self._State
                and params.dtype is _F64 and grads.dtype is _F64 and params.shape == grads.shape):
            buffers = state.__dict__               # read only: the update never writes to it
            shape = params.shape
            for name in self._buffers:
                value = buffers[name]
                if value is not None and (type(value) is not np.ndarray or value.shape != shape
                                          or value.dtype is not _F64):
                    break
            else:
                step = buffers["step"] + 1
                lr = self.lr_at(step - 1) if callable(self.lr) else self.lr
                if params.size <= _SMALL:
                    new_p, new_b = self._update(params, grads, buffers, lr, step)
                else:
                    # Overflow on a diverging run is expected: torch propagates inf/nan silently.
                    with np.errstate(all="ignore"):
                        new_p, new_b = self._update_arrays(params, grads, buffers, lr, step)
                new_b["step"] = step
                new_state = object.__new__(self._State)   # the fields are known: skip __init__
                object.__setattr__(new_state, "__dict__", new_b)
                return new_p, new_state
        with np.errstate(all="ignore"):
            keys, ps = leaves(params, "params")
            gs = _matching_grads(keys, ps, grads)
            if not isinstance(state, self._State):
                raise TypeError(f"state must be the {self._State.__name__} returned by "
                                f"{type(self).__name__}.init(params); got {type(state).__name__}")
            buffers = self._scatter(keys, ps, state)
            lr = self.lr_at(state.step)
            results = [self._update(p, g, b, lr, state.step + 1) for p, g, b in zip(ps, gs, buffers)]
        new_params = rebuild(keys, [r[0] for r in results])
        return new_params, self._State(step=state.step + 1, **self._gather(keys, [r[1] for r in results]))

    def _update(self, p, g, buffers, lr, step):
        """One array's update, by the scalar lane or the array lane (see the note above ``_SMALL``).

        ``p`` and ``g`` are float64 arrays of one shape (0-d included) and ``buffers`` maps each state
        field to an array of that shape or None; returns ``(p_new, buffers_new)`` in that shape.
        """
        if p.size > _SMALL:
            return self._update_arrays(p, g, buffers, lr, step)
        try:
            new_p, new_b = self._small(_as_list(p), _as_list(g), buffers, lr, step)
        except (ZeroDivisionError, ValueError, OverflowError):
            with np.errstate(all="ignore"):    # IEEE gives inf or nan here: the array lane does
                return self._update_arrays(p, g, buffers, lr, step)
        shape = p.shape
        for name, b in new_b.items():          # new_b is the scalar lane's own dict: fill it in place
            if b is not None:
                new_b[name] = _from_list(b, shape)
        return _from_list(new_p, shape), new_b

    def _update_arrays(self, p, g, buffers, lr, step):
        """The array lane of :meth:`_update`, under the caller's ``np.errstate``; past one block, an
        array of more than one dimension is updated as its 1-d view."""
        if p.ndim <= 1 or p.size <= _BLOCK:
            return self._arrays(p, g, buffers, lr, step)
        shape = p.shape
        flat = {name: None if buffers[name] is None else buffers[name].reshape(-1)
                for name in self._buffers}
        new_p, new_b = self._arrays(p.reshape(-1), g.reshape(-1), flat, lr, step)
        return new_p.reshape(shape), {name: None if b is None else b.reshape(shape)
                                      for name, b in new_b.items()}

    # -- state <-> per-array buffers ------------------------------------------------------------
    def _gather(self, keys, per_leaf):
        out = {}
        for name in self._buffers:
            values = [b[name] for b in per_leaf]
            if all(v is None for v in values):
                out[name] = None
            else:
                out[name] = rebuild(keys, values)
        return out

    def _scatter(self, keys, ps, state):
        buffers = [{} for _ in ps]
        for name in self._buffers:
            value = getattr(state, name)
            if value is None:
                values = [None] * len(ps)
            elif keys is None:
                if isinstance(value, Mapping):
                    raise ValueError(f"state.{name} is a dict but params is an array; "
                                     f"make the state with opt.init(params)")
                values = [np.asarray(value, dtype=float)]
            else:
                if not isinstance(value, Mapping) or set(value) != set(keys):
                    have = sorted(value, key=str) if isinstance(value, Mapping) else "an array"
                    raise ValueError(f"state.{name} has keys {have} but params has keys {list(keys)}; "
                                     f"make the state with opt.init(params)")
                values = [np.asarray(value[k], dtype=float) for k in keys]
            for i, (p, v) in enumerate(zip(ps, values)):
                if v is not None and v.shape != p.shape:
                    where = "" if keys is None else f"[{keys[i]!r}]"
                    raise ValueError(f"state.{name}{where} has shape {v.shape} but params{where} has "
                                     f"shape {p.shape}; make the state with opt.init(params)")
                buffers[i][name] = v
        return buffers

    def _need_list(self, buffers, name):
        """:meth:`_need`, as a list of Python floats (for the scalar lane)."""
        a = buffers[name]
        if a is None:
            self._need(buffers, name)
        return (a if a.ndim == 1 else a.ravel()).tolist()

    def _need(self, buffers, name):
        if buffers[name] is None:
            raise ValueError(f"state.{name} is None but {self!r} needs it; make the state with "
                             f"this optimizer's init(params)")
        return buffers[name]


# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum (Polyak 1964), Nesterov momentum
    (Sutskever et al. 2013) and L2 weight decay; torch.optim.SGD's arithmetic.

    .. math::

        \begin{aligned}
        &g_t \leftarrow \nabla f(\theta_{t-1}) \quad (-\nabla f(\theta_{t-1}) \text{ if maximize}) \\
        &\textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        &\textbf{if } \beta \neq 0: \\
        &\qquad b_t \leftarrow g_t \ \text{ if } t = 1, \ \text{ else }\ \beta b_{t-1} + (1 - \tau) g_t \\
        &\qquad g_t \leftarrow g_t + \beta b_t \ \text{ if nesterov, else }\ g_t \leftarrow b_t \\
        &\theta_t \leftarrow \theta_{t-1} - \eta_t g_t
        \end{aligned}

    with learning rate :math:`\eta_t` (``lr``), momentum :math:`\beta`, dampening :math:`\tau` and
    weight decay :math:`\lambda`.

    Parameters
    ----------
    lr : float or schedule, default 1e-3
        Learning rate :math:`\eta \ge 0`, or a callable ``t -> lr`` (see :mod:`stepcourse.schedules`).
    momentum : float, default 0
        :math:`\beta \ge 0`; 0 gives plain gradient descent.
    dampening : float, default 0
        :math:`\tau \in [0, 1]`: the share of the new gradient left out of the buffer (after step 1).
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, added to the gradient as an L2 penalty.
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool, default False (keyword only)
        Ascend instead of descend.

    Notes
    -----
    Differences from the textbook forms, all torch's:

    - The momentum buffer accumulates gradients, :math:`b_t = \beta b_{t-1} + g_t`, and the learning rate
      multiplies the buffer, instead of a velocity :math:`v_t = \beta v_{t-1} - \eta g_t`. The two agree
      for a constant rate, not when the rate changes.
    - No dampening on the first step: :math:`b_1 = g_1`, not :math:`(1 - \tau) g_1`.
    - Nesterov is the reformulation of Sutskever et al.: the gradient is taken at the current point and
      the step is :math:`g_t + \beta b_t`, rather than a gradient at a look-ahead point.
    - Weight decay is an L2 term added to the gradient (so it passes through the momentum buffer).

    The arguments ``foreach``, ``differentiable`` and ``fused`` of torch pick an implementation and have
    no counterpart here. Stricter than torch: ``dampening`` must lie in [0, 1].

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> opt = sc.optim.SGD(lr=0.1, momentum=0.9)
    >>> x = np.array([1.0, -2.0])
    >>> state = opt.init(x)
    >>> x, state = opt.step(x, 2 * x, state)          # f(x) = |x|^2, gradient 2x
    >>> x
    array([ 0.8, -1.6])
    >>> state
    SGDState(step=1, momentum_buffer=array([ 2., -4.]))
    """

    lr: LR = 1e-3
    momentum: float = 0
    dampening: float = 0
    weight_decay: float = 0
    nesterov: bool = False
    maximize: bool = field(default=False, kw_only=True)

    _State = SGDState

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "lr", check_learning_rate("lr", self.lr))
        set_(self, "momentum", check_non_negative("momentum", self.momentum))
        set_(self, "dampening", check_fraction("dampening", self.dampening, closed=True))
        set_(self, "weight_decay", check_non_negative("weight_decay", self.weight_decay))
        set_(self, "nesterov", check_flag("nesterov", self.nesterov))
        set_(self, "maximize", check_flag("maximize", self.maximize))
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(f"nesterov=True requires momentum > 0 and dampening == 0; got "
                             f"momentum={self.momentum!r}, dampening={self.dampening!r}")

    def _init_leaf(self, p):
        return {"momentum_buffer": None}

    def _small(self, p, g, buffers, lr, step):
        mu, decay, maximize, nesterov = self.momentum, self.weight_decay, self.maximize, self.nesterov
        buf = buffers["momentum_buffer"]
        first = mu != 0 and buf is None        # b_1 = g: no dampening on the first step
        old = _as_list(buf) if mu != 0 and buf is not None else None
        undamped, keep, neg_lr = self.dampening == 0, 1.0 - self.dampening, -lr
        new_p, new_buf = [], [] if mu != 0 else None
        for i, (x, d) in enumerate(zip(p, g)):
            if maximize:
                d = -d
            if decay != 0:
                d = x * decay + d
            if mu != 0:
                if first:
                    b = d
                elif undamped:
                    b = old[i] * mu + d
                else:
                    b = old[i] * mu + keep * d
                new_buf.append(b)
                d = b * mu + d if nesterov else b
            new_p.append(d * neg_lr + x)
        return new_p, {"momentum_buffer": new_buf if mu != 0 else buf}

    def _arrays(self, p, g, buffers, lr, step):
        mu, maximize, decay = self.momentum, self.maximize, self.weight_decay
        buf = buffers["momentum_buffer"]
        undamped, keep, neg_lr = self.dampening == 0, 1.0 - self.dampening, -lr
        new_buf = None if mu == 0 else np.empty(p.shape)
        tmp = _scratch(p, mu != 0 or p.size > _BLOCK)   # also the spacer before new_p
        gtmp = _scratch(p, maximize or decay != 0)
        new_p = np.empty(p.shape)              # after the scratch arrays: see _scratch
        for ps, gs, bs, out, nb, t, gt in _blocks(p, p, g, buf, new_p, new_buf, tmp, gtmp):
            d = gs if gt is None else _signed_decayed_into(gt, gs, ps, maximize, decay)
            if mu != 0:
                if bs is None:
                    np.copyto(nb, d)           # b_1 = g: no dampening on the first step
                else:
                    np.multiply(bs, mu, nb)
                    nb += d if undamped else np.multiply(d, keep, t)
                if self.nesterov:
                    step_dir = np.multiply(nb, mu, t)
                    step_dir += d
                    d = step_dir
                else:
                    d = nb
            np.multiply(d, neg_lr, out)
            out += ps
        return new_p, {"momentum_buffer": buf if mu == 0 else new_buf}


@dataclass(frozen=True)
class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al. 2011): per-coordinate steps scaled by the root of the summed squared
    gradients; torch.optim.Adagrad's arithmetic.

    .. math::

        \begin{aligned}
        &g_t \leftarrow \nabla f(\theta_{t-1}) \quad (-\nabla f(\theta_{t-1}) \text{ if maximize}) \\
        &\tilde\eta_t \leftarrow \eta_t / \bigl(1 + (t - 1)\,\delta\bigr) \\
        &\textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        &s_t \leftarrow s_{t-1} + g_t^2, \qquad s_0 = \text{initial\_accumulator\_value} \\
        &\theta_t \leftarrow \theta_{t-1} - \tilde\eta_t \, \frac{g_t}{\sqrt{s_t} + \epsilon}
        \end{aligned}

    with learning rate :math:`\eta_t`, learning-rate decay :math:`\delta` (``lr_decay``) and weight
    decay :math:`\lambda`; squares, roots and division act per coordinate.

    Parameters
    ----------
    lr : float or schedule, default 1e-2
        Learning rate :math:`\eta \ge 0`, or a callable ``t -> lr``.
    lr_decay : float, default 0
        :math:`\delta \ge 0`: the rate of step ``t`` is divided by ``1 + (t - 1) * lr_decay``.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, added to the gradient as an L2 penalty.
    initial_accumulator_value : float, default 0
        :math:`s_0 \ge 0`, the starting value of every entry of ``sum``.
    eps : float, default 1e-10
        :math:`\epsilon \ge 0`, added to the root (not inside it).
    maximize : bool, default False (keyword only)
        Ascend instead of descend.

    Notes
    -----
    :math:`\epsilon` is added after the square root, and ``lr_decay`` is torch's extra, not in Duchi et
    al. Weight decay is L2 (added to the gradient, so it enters the accumulator too). The arguments
    ``foreach``, ``differentiable`` and ``fused`` of torch pick an implementation and are left out.

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> opt = sc.optim.Adagrad(lr=0.5)
    >>> x = np.array([1.0, -2.0])
    >>> x, state = opt.step(x, np.array([3.0, -0.1]), opt.init(x))
    >>> x                                  # the first step is lr * sign(g) in every coordinate
    array([ 0.5, -1.5])
    >>> state.sum
    array([9.  , 0.01])
    """

    lr: LR = 1e-2
    lr_decay: float = 0
    weight_decay: float = 0
    initial_accumulator_value: float = 0
    eps: float = 1e-10
    maximize: bool = field(default=False, kw_only=True)

    _State = AdagradState

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "lr", check_learning_rate("lr", self.lr))
        set_(self, "lr_decay", check_non_negative("lr_decay", self.lr_decay))
        set_(self, "weight_decay", check_non_negative("weight_decay", self.weight_decay))
        set_(self, "initial_accumulator_value",
             check_non_negative("initial_accumulator_value", self.initial_accumulator_value))
        set_(self, "eps", check_non_negative("eps", self.eps))
        set_(self, "maximize", check_flag("maximize", self.maximize))

    def _init_leaf(self, p):
        return {"sum": np.full(p.shape, self.initial_accumulator_value)}

    def _small(self, p, g, buffers, lr, step):
        decay, maximize, eps, sqrt = self.weight_decay, self.maximize, self.eps, math.sqrt
        neg_clr = -(lr / (1 + (step - 1) * self.lr_decay))
        new_p, new_s = [], []
        for x, d, s in zip(p, g, self._need_list(buffers, "sum")):
            if maximize:
                d = -d
            if decay != 0:
                d = x * decay + d
            s = d * d + s
            new_s.append(s)
            new_p.append(d * neg_clr / (sqrt(s) + eps) + x)
        return new_p, {"sum": new_s}

    def _arrays(self, p, g, buffers, lr, step):
        s, eps = self._need(buffers, "sum"), self.eps
        maximize, decay = self.maximize, self.weight_decay
        neg_clr = -(lr / (1 + (step - 1) * self.lr_decay))
        new_s, tmp, gtmp = np.empty(p.shape), _scratch(p), _scratch(p, maximize or decay != 0)
        new_p = np.empty(p.shape)              # after the scratch arrays: see _scratch
        for ps, gs, ss, out, ns, t, gt in _blocks(p, p, g, s, new_p, new_s, tmp, gtmp):
            d = gs if gt is None else _signed_decayed_into(gt, gs, ps, maximize, decay)
            np.multiply(d, d, ns)
            ns += ss
            np.sqrt(ns, t)
            t += eps
            np.multiply(d, neg_clr, out)
            out /= t
            out += ps
        return new_p, {"sum": new_s}


@dataclass(frozen=True)
class RMSprop(Optimizer):
    r"""RMSprop (Tieleman & Hinton 2012): steps scaled by a running root-mean-square of the gradients;
    torch.optim.RMSprop's arithmetic, with its optional centering and momentum.

    .. math::

        \begin{aligned}
        &g_t \leftarrow \nabla f(\theta_{t-1}) \quad (-\nabla f(\theta_{t-1}) \text{ if maximize}) \\
        &\textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        &v_t \leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad v_0 = 0 \\
        &\textbf{if centered: }\ \bar g_t \leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t, \quad
          d_t \leftarrow \sqrt{v_t - \bar g_t^2} + \epsilon \\
        &\textbf{else: }\ d_t \leftarrow \sqrt{v_t} + \epsilon \\
        &\textbf{if } \beta > 0:\ b_t \leftarrow \beta b_{t-1} + g_t / d_t \ (b_0 = 0), \quad
          \theta_t \leftarrow \theta_{t-1} - \eta_t b_t \\
        &\textbf{else: }\ \theta_t \leftarrow \theta_{t-1} - \eta_t \, g_t / d_t
        \end{aligned}

    Parameters
    ----------
    lr : float or schedule, default 1e-2
        Learning rate :math:`\eta \ge 0`, or a callable ``t -> lr``.
    alpha : float, default 0.99
        Smoothing constant :math:`\alpha \in [0, 1]` of the running averages.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`, added to the root (not inside it).
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, added to the gradient as an L2 penalty.
    momentum : float, default 0
        :math:`\beta \ge 0`, momentum applied to the scaled step.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its root mean square.
    maximize : bool, default False (keyword only)
        Ascend instead of descend.

    Notes
    -----
    No bias correction: :math:`v_0 = 0` makes the first steps large (the first one is about
    :math:`\eta / \sqrt{1 - \alpha}` per coordinate, 10 lr for the default alpha). :math:`\epsilon` is
    added after the root. The running mean :math:`\bar g_t` is computed as torch's ``lerp``. torch's
    ``capturable``, ``foreach`` and ``differentiable`` are left out. Stricter than torch: ``alpha`` must
    lie in [0, 1].

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> opt = sc.optim.RMSprop(lr=0.01, alpha=0.99)
    >>> x = np.array([1.0, -2.0])
    >>> x, state = opt.step(x, np.array([3.0, -0.1]), opt.init(x))
    >>> np.round(x, 6)                     # first step lr/sqrt(1 - alpha) = 0.1 per coordinate
    array([ 0.9, -1.9])
    """

    lr: LR = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0
    momentum: float = 0
    centered: bool = False
    maximize: bool = field(default=False, kw_only=True)

    _State = RMSpropState

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "lr", check_learning_rate("lr", self.lr))
        set_(self, "alpha", check_fraction("alpha", self.alpha, closed=True))
        set_(self, "eps", check_non_negative("eps", self.eps))
        set_(self, "weight_decay", check_non_negative("weight_decay", self.weight_decay))
        set_(self, "momentum", check_non_negative("momentum", self.momentum))
        set_(self, "centered", check_flag("centered", self.centered))
        set_(self, "maximize", check_flag("maximize", self.maximize))

    def _init_leaf(self, p):
        return {"square_avg": np.zeros(p.shape),
                "grad_avg": np.zeros(p.shape) if self.centered else None,
                "momentum_buffer": np.zeros(p.shape) if self.momentum > 0 else None}

    def _small(self, p, g, buffers, lr, step):
        alpha, mu, eps, sqrt = self.alpha, self.momentum, self.eps, math.sqrt
        decay, maximize, centered = self.weight_decay, self.maximize, self.centered
        c, neg_lr = 1.0 - alpha, -lr
        near, far = abs(c) < 0.5, 1.0 - c      # the two forms of torch's lerp, by weight
        avg = self._need_list(buffers, "grad_avg") if centered else None
        old = self._need_list(buffers, "momentum_buffer") if mu > 0 else None
        new_p, new_v = [], []
        new_a, new_b = ([] if centered else None), ([] if mu > 0 else None)
        for i, (x, d, v) in enumerate(zip(p, g, self._need_list(buffers, "square_avg"))):
            if maximize:
                d = -d
            if decay != 0:
                d = x * decay + d
            v = v * alpha + d * c * d
            new_v.append(v)
            if centered:
                a = avg[i]
                a = a + (d - a) * c if near else d - (d - a) * far
                new_a.append(a)
                e = sqrt(v - a * a) + eps
            else:
                e = sqrt(v) + eps
            if mu > 0:
                b = old[i] * mu + d / e
                new_b.append(b)
                new_p.append(b * neg_lr + x)
            else:
                new_p.append(d * neg_lr / e + x)
        return new_p, {"square_avg": new_v, "grad_avg": new_a, "momentum_buffer": new_b}

    def _arrays(self, p, g, buffers, lr, step):
        alpha, mu, eps = self.alpha, self.momentum, self.eps
        maximize, decay, centered = self.maximize, self.weight_decay, self.centered
        v = self._need(buffers, "square_avg")
        a = self._need(buffers, "grad_avg") if centered else None
        b = self._need(buffers, "momentum_buffer") if mu > 0 else None
        c, neg_lr = 1.0 - alpha, -lr
        new_v = np.empty(p.shape)
        new_a = np.empty(p.shape) if centered else None
        new_b = np.empty(p.shape) if mu > 0 else None
        tmp, gtmp = _scratch(p), _scratch(p, maximize or decay != 0)
        new_p = np.empty(p.shape)              # after the scratch arrays: see _scratch
        for ps, gs, vs, avg, bs, out, nv, na, nb, t, gt in _blocks(
                p, p, g, v, a, b, new_p, new_v, new_a, new_b, tmp, gtmp):
            d = gs if gt is None else _signed_decayed_into(gt, gs, ps, maximize, decay)
            np.multiply(vs, alpha, nv)
            np.multiply(d, c, t)
            t *= d
            nv += t
            if centered:
                _lerp_into(na, avg, d, c)
                np.multiply(na, na, t)
                np.subtract(nv, t, t)
                np.sqrt(t, t)
            else:
                np.sqrt(nv, t)
            t += eps                           # t is now the denominator d_t
            if mu > 0:
                np.multiply(bs, mu, nb)
                np.divide(d, t, t)
                nb += t
                np.multiply(nb, neg_lr, out)
            else:
                np.multiply(d, neg_lr, out)
                out /= t
            out += ps
        return new_p, {"square_avg": new_v, "grad_avg": new_a, "momentum_buffer": new_b}


@dataclass(frozen=True)
class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2014), with optional AMSGrad (Reddi et al. 2018) and L2 weight decay;
    torch.optim.Adam's arithmetic.

    .. math::

        \begin{aligned}
        &g_t \leftarrow \nabla f(\theta_{t-1}) \quad (-\nabla f(\theta_{t-1}) \text{ if maximize}) \\
        &\textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        &m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
          v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad m_0 = v_0 = 0 \\
        &\textbf{if amsgrad: }\ v^{\max}_t \leftarrow \max(v^{\max}_{t-1}, v_t), \ \
          \hat v_t \leftarrow v^{\max}_t / (1 - \beta_2^t) \quad
          \textbf{else: }\ \hat v_t \leftarrow v_t / (1 - \beta_2^t) \\
        &\hat m_t \leftarrow m_t / (1 - \beta_1^t) \\
        &\theta_t \leftarrow \theta_{t-1} - \eta_t \, \hat m_t / \bigl(\sqrt{\hat v_t} + \epsilon\bigr)
        \end{aligned}

    Parameters
    ----------
    lr : float or schedule, default 1e-3
        Learning rate :math:`\eta \ge 0`, or a callable ``t -> lr``.
    betas : (float, float), default (0.9, 0.999)
        Decay rates :math:`\beta_1, \beta_2 \in [0, 1)` of the two running averages.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`, added after the bias-corrected root.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, added to the gradient as an L2 penalty (see :class:`AdamW` for the
        decoupled form).
    amsgrad : bool, default False
        Use the running maximum of :math:`v_t`.
    maximize : bool, default False (keyword only)
        Ascend instead of descend.

    Notes
    -----
    - :math:`\epsilon` is added to :math:`\sqrt{\hat v_t}`, after bias correction, as in the paper's
      Algorithm 1 (not the paper's "efficient" form, which adds it before correcting).
    - With ``weight_decay`` the penalty is L2: it is added to the gradient and then divided by
      :math:`\sqrt{\hat v_t}`, so it is not a uniform shrinkage (Loshchilov & Hutter 2019).
    - AMSGrad takes the maximum of the uncorrected :math:`v_t` and bias-corrects the maximum.
    - The first step is :math:`\eta\,\mathrm{sign}(g_1)` per coordinate when :math:`\epsilon` is
      negligible.

    torch's ``foreach``, ``capturable``, ``differentiable``, ``fused`` and ``decoupled_weight_decay``
    are left out (the last is :class:`AdamW`).

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> opt = sc.optim.Adam(lr=0.1)
    >>> x = np.array([1.0, -2.0])
    >>> x, state = opt.step(x, np.array([3.0, -0.1]), opt.init(x))
    >>> np.round(x, 6)
    array([ 0.9, -1.9])
    >>> state.step, state.max_exp_avg_sq is None
    (1, True)
    """

    lr: LR = 1e-3
    betas: tuple = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0
    amsgrad: bool = False
    maximize: bool = field(default=False, kw_only=True)

    _State = AdamState
    _decoupled = False

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "lr", check_learning_rate("lr", self.lr))
        betas = self.betas
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2); got {betas!r}")
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2); got {len(betas)} values {betas!r}")
        set_(self, "betas", (check_fraction("betas[0]", betas[0], closed=False),
                             check_fraction("betas[1]", betas[1], closed=False)))
        set_(self, "eps", check_non_negative("eps", self.eps))
        set_(self, "weight_decay", check_non_negative("weight_decay", self.weight_decay))
        set_(self, "amsgrad", check_flag("amsgrad", self.amsgrad))
        set_(self, "maximize", check_flag("maximize", self.maximize))

    def _init_leaf(self, p):
        return {"exp_avg": np.zeros(p.shape), "exp_avg_sq": np.zeros(p.shape),
                "max_exp_avg_sq": np.zeros(p.shape) if self.amsgrad else None}

    def _constants(self, lr, step):
        """Per-step numbers, as torch computes them in Python floats: the factor of the decoupled
        decay (or None), the negated step size ``-lr / (1 - beta1^t)`` and ``sqrt(1 - beta2^t)``."""
        beta1, beta2 = self.betas
        shrink = 1 - lr * self.weight_decay if self._decoupled and self.weight_decay != 0 else None
        return shrink, -(lr / (1 - beta1 ** step)), (1 - beta2 ** step) ** 0.5

    def _small(self, p, g, buffers, lr, step):
        beta1, beta2 = self.betas
        shrink, neg_step_size, bias_correction2_sqrt = self._constants(lr, step)
        decay = 0 if self._decoupled else self.weight_decay
        maximize, amsgrad, eps, sqrt, isnan = self.maximize, self.amsgrad, self.eps, math.sqrt, math.isnan
        w, c = 1 - beta1, 1 - beta2
        near, far = abs(w) < 0.5, 1.0 - w      # the two forms of torch's lerp, by weight
        vmax = self._need_list(buffers, "max_exp_avg_sq") if amsgrad else None
        new_p, new_m, new_v, new_max = [], [], [], ([] if amsgrad else None)
        for i, (x, d, m, v) in enumerate(zip(p, g, self._need_list(buffers, "exp_avg"),
                                             self._need_list(buffers, "exp_avg_sq"))):
            if shrink is not None:
                x = x * shrink                 # AdamW: shrink theta itself
            if maximize:
                d = -d
            if decay != 0:
                d = x * decay + d
            m = m + (d - m) * w if near else d - (d - m) * far
            v = v * beta2 + d * c * d
            new_m.append(m)
            new_v.append(v)
            if amsgrad:                        # np.maximum: nan if either is nan
                a = vmax[i]
                v = a if a >= v or isnan(a) else v
                new_max.append(v)
            new_p.append(m * neg_step_size / (sqrt(v) / bias_correction2_sqrt + eps) + x)
        return new_p, {"exp_avg": new_m, "exp_avg_sq": new_v, "max_exp_avg_sq": new_max}

    def _arrays(self, p, g, buffers, lr, step):
        beta1, beta2 = self.betas
        m, v = self._need(buffers, "exp_avg"), self._need(buffers, "exp_avg_sq")
        vmax = self._need(buffers, "max_exp_avg_sq") if self.amsgrad else None
        shrink, neg_step_size, bias_correction2_sqrt = self._constants(lr, step)
        decay = 0 if self._decoupled else self.weight_decay
        maximize, eps, w, c = self.maximize, self.eps, 1 - beta1, 1 - beta2
        fused = _fused_adam(p, g, m, v, vmax) if p.size > _FUSED else None
        if fused is not None:
            new_p, new_m, new_v, new_max = fused(p, g, m, v, vmax, shrink, decay, maximize, abs(w) < 0.5,
                                                 w, 1.0 - w, beta2, c, neg_step_size,
                                                 bias_correction2_sqrt, eps)
            return new_p, {"exp_avg": new_m, "exp_avg_sq": new_v, "max_exp_avg_sq": new_max}
        new_m, new_v = np.empty(p.shape), np.empty(p.shape)
        new_max = np.empty(p.shape) if self.amsgrad else None
        tmp, gtmp = _scratch(p), _scratch(p, maximize or decay != 0)
        ptmp = _scratch(p, shrink is not None)
        new_p = np.empty(p.shape)              # after the scratch arrays: see _scratch
        for ps, gs, ms, vs, xs, out, nm, nv, nx, t, gt, pt in _blocks(
                p, p, g, m, v, vmax, new_p, new_m, new_v, new_max, tmp, gtmp, ptmp):
            if pt is not None:
                ps = np.multiply(ps, shrink, pt)   # AdamW: shrink theta itself
            d = gs if gt is None else _signed_decayed_into(gt, gs, ps, maximize, decay)
            _lerp_into(nm, ms, d, w)
            np.multiply(vs, beta2, nv)
            np.multiply(d, c, t)
            t *= d
            nv += t
            np.sqrt(nv if nx is None else np.maximum(xs, nv, out=nx), t)
            t /= bias_correction2_sqrt
            t += eps                           # t is now sqrt(v_hat) + eps
            np.multiply(nm, neg_step_size, out)
            out /= t
            out += ps
        return new_p, {"exp_avg": new_m, "exp_avg_sq": new_v, "max_exp_avg_sq": new_max}


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay; torch.optim.AdamW's
    arithmetic.

    .. math::

        \begin{aligned}
        &g_t \leftarrow \nabla f(\theta_{t-1}) \quad (-\nabla f(\theta_{t-1}) \text{ if maximize}) \\
        &\theta_{t-1} \leftarrow \theta_{t-1} \, (1 - \eta_t \lambda) \\
        &m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
          v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        &\textbf{if amsgrad: }\ v_t \leftarrow v^{\max}_t = \max(v^{\max}_{t-1}, v_t) \text{ in what follows} \\
        &\theta_t \leftarrow \theta_{t-1} - \eta_t \, \frac{m_t / (1 - \beta_1^t)}
          {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}
        \end{aligned}

    Parameters
    ----------
    lr, betas, eps, amsgrad, maximize
        As in :class:`Adam` (same defaults: 1e-3, (0.9, 0.999), 1e-8, False, False).
    weight_decay : float, default 1e-2
        :math:`\lambda \ge 0`; each step multiplies the parameters by :math:`1 - \eta_t \lambda`.

    Notes
    -----
    The decay is decoupled from the gradient: it shrinks :math:`\theta` directly instead of passing
    through the adaptive scaling, so every weight decays at the same relative rate. The paper
    shrinks by :math:`\eta_t' \lambda` with :math:`\eta_t'` a schedule multiplier alone; torch (and this
    class) shrinks by the whole current learning rate, :math:`\eta_t \lambda`, so torch's
    :math:`\lambda` is the paper's divided by the base rate. The default ``weight_decay`` is 1e-2, not 0.
    With ``weight_decay=0`` AdamW is exactly :class:`Adam`.

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> opt = sc.optim.AdamW(lr=0.1, weight_decay=0.5)
    >>> x = np.array([1.0, -2.0])
    >>> x, state = opt.step(x, np.array([3.0, -0.1]), opt.init(x))
    >>> np.round(x, 6)                     # (1 - 0.05) x, then the Adam step of lr * sign(g)
    array([ 0.85, -1.8 ])
    """

    weight_decay: float = 1e-2

    _decoupled = True


# --------------------------------------------------------------------------------------------------

def clip_grad_norm(grads, max_norm: float, norm_type: float = 2.0):
    r"""Rescale gradients so their global norm is at most ``max_norm``; torch's ``clip_grad_norm_``
    arithmetic, without mutation.

    .. math::

        \|g\| = \Bigl\| \bigl(\|g^{(1)}\|_p, \dots, \|g^{(k)}\|_p\bigr) \Bigr\|_p, \qquad
        c = \min\Bigl(1, \frac{\text{max\_norm}}{\|g\| + 10^{-6}}\Bigr), \qquad
        g^{(i)} \leftarrow c\, g^{(i)}

    where :math:`g^{(1)}, \dots, g^{(k)}` are the arrays of ``grads`` (one, or the values of a dict) and
    :math:`p` is ``norm_type``. The norm of the norms equals the norm of all entries joined together.

    Parameters
    ----------
    grads : ndarray or dict of name -> ndarray
        Gradients.
    max_norm : float
        The largest allowed global norm, > 0.
    norm_type : float, default 2.0
        :math:`p > 0`, or ``inf`` for the largest absolute entry.

    Returns
    -------
    clipped : ndarray or dict
        New arrays ``c * g`` (same structure as ``grads``); ``grads`` is not changed.
    total_norm : float
        The global norm before clipping.

    Notes
    -----
    The :math:`10^{-6}` keeps the division finite and means a gradient exactly at ``max_norm`` is
    scaled by a factor just below 1. Gradients whose norm is well below ``max_norm`` are multiplied by
    exactly 1. A non-finite norm is not an error (torch's ``error_if_nonfinite=False``).

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> g, norm = sc.optim.clip_grad_norm({"w": np.array([3.0, 0.0]), "b": np.array([4.0])}, 1.0)
    >>> norm
    5.0
    >>> np.round(g["w"], 6), np.round(g["b"], 6)
    (array([0.6, 0. ]), array([0.8]))
    """
    max_norm = check_positive("max_norm", max_norm)
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        norm_type = math.inf
    p = check_number("norm_type", norm_type, low=0, low_open=True, finite=False)
    keys, gs = leaves(grads, "grads")

    def norm(a):
        a = np.abs(a.ravel())
        if a.size == 0:
            return 0.0
        if p == math.inf:
            return float(a.max())
        if p == 2.0:
            return float(np.sqrt(np.dot(a, a)))
        return float(np.sum(a ** p) ** (1.0 / p))

    with np.errstate(all="ignore"):
        total = norm(np.array([norm(g) for g in gs]))
        coef = min(max_norm / (total + 1e-6), 1.0)
        clipped = [np.multiply(g, coef) for g in gs]
    return rebuild(keys, clipped), total


# --------------------------------------------------------------------------------------------------
# By name: what explorers and chapters choose from a menu.

#: Optimizer names for :func:`by_name`: name -> (class, hyperparameters it sets unless given).
NAMES = {
    "SGD": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "Nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "Adagrad": (Adagrad, {}),
    "RMSprop": (RMSprop, {}),
    "Adam": (Adam, {}),
    "AdamW": (AdamW, {}),
}


def by_name(name: str, **hyper) -> Optimizer:
    """The optimizer called ``name`` (a key of :data:`NAMES`, any case), with hyperparameters ``hyper``.

    ``"momentum"`` is ``SGD(momentum=0.9)`` and ``"Nesterov"`` is ``SGD(momentum=0.9, nesterov=True)``
    unless ``momentum`` is given; ``"Nesterov"`` with ``momentum=0`` is plain SGD (Nesterov needs
    momentum). Every other hyperparameter keeps torch's default.

    >>> import stepcourse as sc
    >>> sc.optim.by_name("adam", lr=0.1)
    Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False, maximize=False)
    >>> sc.optim.by_name("momentum", lr=0.01).momentum
    0.9
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be an optimizer name (a string); got {describe(name)}")
    by_lower = {k.lower(): k for k in NAMES}
    key = by_lower.get(name.strip().lower())
    if key is None:
        raise ValueError(f"name must be one of {tuple(NAMES)} (any case); got {name!r}")
    cls, preset = NAMES[key]
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(hyper) - set(allowed))
    if unknown:
        raise TypeError(f"by_name({name!r}) makes a {cls.__name__}, whose hyperparameters are {allowed}; "
                        f"got unexpected {unknown}")
    kwargs = {**preset, **hyper}
    if key == "Nesterov" and kwargs.get("momentum") == 0:
        kwargs.pop("nesterov")
    return cls(**kwargs)
