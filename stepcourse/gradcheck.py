"""Finite differences and gradient checking: is the gradient you wrote the gradient of your loss?

``numerical_grad`` estimates a gradient from loss values alone; ``check_grad`` compares it with an
analytic gradient and reports one relative error per parameter; ``step_sweep`` measures how the
error of a difference quotient depends on the step ``h`` (the V-shaped curve of the chapter).

Parameters may be one ndarray or a dict of name -> ndarray (the course's ``params`` convention);
gradients come back in the same structure.

>>> import numpy as np
>>> f = lambda w: float(np.sum(w ** 3))
>>> numerical_grad(f, np.array([1.0, 2.0])).round(6).tolist()
[3.0, 12.0]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import _tree
from ._validation import check_callable, check_choice, check_positive

__all__ = [
    "EPS", "THRESHOLD", "default_h", "numerical_grad", "relative_error", "check_grad",
    "StepSweep", "step_sweep", "theoretical_best_h",
]

#: Machine epsilon of float64: the spacing of floats just above 1.0 (about 2.2e-16).
EPS = float(np.finfo(np.float64).eps)

#: Relative error below which :func:`check_grad` calls a float64 gradient correct. With central
#: differences a correct gradient typically scores 1e-11 to 1e-8; a real bug (a wrong sign, a missing
#: factor, a transposed matrix) scores 1e-3 or more, so the threshold sits far from both.
THRESHOLD = 1e-6

_METHODS = ("central", "forward")


def _check_method(method: str) -> str:
    return check_choice("method", method, _METHODS)


def default_h(method: str = "central") -> float:
    r"""The step that balances truncation against round-off for a well-scaled function.

    .. math::

        h_\text{forward} = \sqrt{\varepsilon} \approx 1.5\times10^{-8}, \qquad
        h_\text{central} = \varepsilon^{1/3} \approx 6.1\times10^{-6}

    >>> f"{default_h('central'):.2g}", f"{default_h('forward'):.2g}"
    ('6.1e-06', '1.5e-08')
    """
    return EPS ** (1 / 3) if _check_method(method) == "central" else EPS ** 0.5


def _check_h(h, method: str) -> float:
    if h is None:
        return default_h(method)
    return check_positive("h", h)


def _as_structure(params):
    """Float64 copies of ``params`` (ndarray or dict of ndarrays) and whether it was a dict."""
    work = _tree.copy(params)
    return work, isinstance(work, dict)


def _scalar(value, where: str) -> float:
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise ValueError(f"the loss function must return one number; {where} returned shape {arr.shape}")
    return float(arr.reshape(()))


def numerical_grad(f: Callable, params, h: Optional[float] = None, method: str = "central"):
    r"""Estimate the gradient of ``f`` at ``params`` by finite differences, one coordinate at a time.

    .. math::

        \text{forward:}\quad \frac{\partial f}{\partial w_i} \approx \frac{f(w + h e_i) - f(w)}{h},
        \qquad
        \text{central:}\quad \frac{\partial f}{\partial w_i} \approx \frac{f(w + h e_i) - f(w - h e_i)}{2h}

    The forward error is :math:`O(h)`, the central one :math:`O(h^2)`; both also carry a round-off
    error of order :math:`\varepsilon |f| / h`. A gradient with ``n`` entries costs ``n + 1``
    (forward) or ``2n`` (central) evaluations of ``f``, which is why training uses backpropagation and
    finite differences only check it.

    Parameters
    ----------
    f : callable
        ``f(params) -> float``. It receives the same structure as ``params`` (an ndarray or a dict).
    params : ndarray or dict of ndarrays
        The point. It is not modified.
    h : float, optional
        The step (absolute, the same for every coordinate). Default :func:`default_h` of ``method``,
        right for parameters of order 1.
    method : {"central", "forward"}

    Returns
    -------
    ndarray or dict of ndarrays
        Same structure and shapes as ``params``.

    Examples
    --------
    >>> g = numerical_grad(lambda p: float(p["w"] @ p["w"] + 3 * p["b"]), {"w": np.array([1.0, -2.0]), "b": 0.5})
    >>> g["w"].round(6).tolist(), round(float(g["b"]), 6)
    ([2.0, -4.0], 3.0)
    """
    check_callable("f", f, what="callable params -> float")
    method = _check_method(method)
    h = _check_h(h, method)
    work, is_dict = _as_structure(params)
    arrays = work if is_dict else {None: work}
    f0 = _scalar(f(work), "f(params)") if method == "forward" else None
    grads = {}
    for key, arr in arrays.items():
        g = np.empty(arr.shape)
        flat = arr.reshape(-1)  # a view: writing to it perturbs the array f sees
        gflat = g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            f_plus = _scalar(f(work), "f(params)")
            if method == "central":
                flat[i] = old - h
                f_minus = _scalar(f(work), "f(params)")
                gflat[i] = (f_plus - f_minus) / (2 * h)
            else:
                gflat[i] = (f_plus - f0) / h
            flat[i] = old
        grads[key] = g
    return grads if is_dict else grads[None]


def relative_error(analytic, numeric) -> float:
    r"""The relative distance between two gradients (arrays of the same shape).

    .. math::

        e = \frac{\lVert g_\text{analytic} - g_\text{numeric} \rVert_2}
                 {\max(\lVert g_\text{analytic} \rVert_2, \lVert g_\text{numeric} \rVert_2)}

    It is 0 when both are zero, and 1 or more when they disagree completely (e.g. opposite signs give
    2). Relative, because a loss scaled by 1000 has gradients and absolute errors scaled by 1000 too.

    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 2e-7])) < 1e-6
    True
    """
    a = np.asarray(analytic, dtype=float)
    b = np.asarray(numeric, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"the gradients have different shapes: {a.shape} and {b.shape}")
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b)) / scale


def _split(func_or_pair) -> tuple:
    """``(f, grad)`` callables from a ``loss_and_grad`` callable or an ``(f, grad)`` pair."""
    if isinstance(func_or_pair, (tuple, list)):
        if len(func_or_pair) != 2 or not all(callable(c) for c in func_or_pair):
            raise TypeError("pass either one callable params -> (loss, grads) or a pair (f, grad) of callables")
        return func_or_pair[0], func_or_pair[1]
    if not callable(func_or_pair):
        raise TypeError(f"expected a callable params -> (loss, grads) or a pair (f, grad); "
                        f"got {type(func_or_pair).__name__}")

    def f(p):
        return func_or_pair(p)[0]

    def grad(p):
        return func_or_pair(p)[1]

    return f, grad


def check_grad(func, params, *, h: Optional[float] = None, method: str = "central"):
    r"""Compare an analytic gradient with central differences: the relative error of each parameter.

    Parameters
    ----------
    func : callable or (callable, callable)
        Either ``loss_and_grad(params) -> (loss, grads)`` (the models' protocol, e.g.
        ``lambda p: model.loss_and_grad(p, X, y)``) or a pair ``(f, grad)`` with ``f(params) -> float``
        and ``grad(params) -> grads``.
    params : ndarray or dict of ndarrays
        Where to check. Use a random point, not a minimum (where the gradient is nearly zero and any
        relative error is noise) and not the all-zeros start (where symmetric bugs hide).
    h, method
        Passed to :func:`numerical_grad`.

    Returns
    -------
    float or dict of float
        :func:`relative_error` of the analytic against the numerical gradient: one number for an
        ndarray ``params``, a dict with the same keys for a dict. Values below :data:`THRESHOLD`
        (1e-6) mean the gradient is right to float64 accuracy; values of 1e-3 and above mean a bug in
        the parameter that shows it.

    Examples
    --------
    >>> f = lambda w: float(np.sum(np.sin(w)))
    >>> check_grad((f, np.cos), np.array([0.3, 1.2])) < THRESHOLD
    True
    >>> check_grad((f, np.sin), np.array([0.3, 1.2])) > THRESHOLD      # a bug: sin' is not sin
    True
    """
    f, grad = _split(func)
    point, is_dict = _as_structure(params)
    analytic = grad({k: v.copy() for k, v in point.items()} if is_dict else point.copy())
    numeric = numerical_grad(f, point, h=h, method=method)
    if not is_dict:
        if isinstance(analytic, dict):
            raise TypeError("params is an array but the gradient function returned a dict")
        a = np.asarray(analytic, dtype=float)
        if a.shape != point.shape:
            raise ValueError(f"the gradient has shape {a.shape} but params has shape {point.shape}")
        return relative_error(a, numeric)
    if not isinstance(analytic, dict):
        raise TypeError(f"params is a dict but the gradient function returned {type(analytic).__name__}")
    if set(analytic) != set(point):
        raise ValueError(f"the gradient has keys {sorted(analytic)} but params has keys {sorted(point)}")
    errors = {}
    for key in point:
        a = np.asarray(analytic[key], dtype=float)
        if a.shape != point[key].shape:
            raise ValueError(f"the gradient of {key!r} has shape {a.shape} but params[{key!r}] has shape "
                             f"{point[key].shape}")
        errors[key] = relative_error(a, numeric[key])
    return errors


# -- the error-vs-h curve ---------------------------------------------------------------------------

def theoretical_best_h(method: str = "central", f_scale: float = 1.0, curvature_scale: float = 1.0) -> float:
    r"""The step that minimizes the error model of a difference quotient.

    Each evaluation of ``f`` is off by about :math:`\varepsilon |f|`, so

    .. math::

        e_\text{forward}(h) \approx \frac{|f''|}{2} h + \frac{2 \varepsilon |f|}{h}
        \;\Rightarrow\; h^* = 2\sqrt{\frac{\varepsilon |f|}{|f''|}},
        \qquad
        e_\text{central}(h) \approx \frac{|f'''|}{6} h^2 + \frac{\varepsilon |f|}{h}
        \;\Rightarrow\; h^* = \left(\frac{3 \varepsilon |f|}{|f'''|}\right)^{1/3}

    ``f_scale`` is :math:`|f|` and ``curvature_scale`` is :math:`|f''|` (forward) or :math:`|f'''|`
    (central). With both 1 this is the rule of thumb :math:`\sqrt{\varepsilon}` or
    :math:`\varepsilon^{1/3}` up to the constant factor (2 and :math:`3^{1/3}`).

    >>> f"{theoretical_best_h('central'):.2g}"
    '8.7e-06'
    """
    method = _check_method(method)
    f_scale = check_positive("f_scale", f_scale)
    curvature_scale = check_positive("curvature_scale", curvature_scale)
    if method == "forward":
        return 2.0 * np.sqrt(EPS * f_scale / curvature_scale)
    return float((3.0 * EPS * f_scale / curvature_scale) ** (1 / 3))


@dataclass(frozen=True, eq=False)
class StepSweep:
    """Errors of forward and central differences over a grid of steps, for one function at one point.

    Attributes
    ----------
    hs : ndarray, shape (k,)
        The steps, increasing.
    errors : dict
        ``"forward"`` and ``"central"`` -> ndarray (k,) of absolute errors ``|estimate - f'(x)|``.
    estimates : dict
        The difference quotients themselves, same keys.
    x, exact : float
        The point and the exact derivative there.
    """

    hs: np.ndarray
    errors: dict
    estimates: dict
    x: float
    exact: float

    def best_h(self, method: str = "central") -> float:
        """The measured step with the smallest error."""
        return float(self.hs[int(np.argmin(self.errors[_check_method(method)]))])

    def best_error(self, method: str = "central") -> float:
        """The smallest measured error."""
        return float(np.min(self.errors[_check_method(method)]))

    def error_at(self, h: float, method: str = "central") -> float:
        """The measured error at the grid step closest to ``h`` (in log space)."""
        i = int(np.argmin(np.abs(np.log(self.hs) - np.log(_check_h(h, "central")))))
        return float(self.errors[_check_method(method)][i])


def step_sweep(f: Callable = np.sin, df: Callable = np.cos, x: float = 1.0, hs=None) -> StepSweep:
    r"""Measure the error of forward and central differences of a scalar function for many steps ``h``.

    On a log-log plot the error against ``h`` is a V: on the right the truncation error falls with
    ``h`` (slope 1 forward, slope 2 central); on the left round-off grows like :math:`\varepsilon|f|/h`
    (slope -1). The bottom of the V is near :func:`theoretical_best_h`.

    Parameters
    ----------
    f, df : callable
        A scalar function, vectorized over numpy arrays, and its exact derivative. Default ``sin``, ``cos``.
    x : float
        The point.
    hs : array_like, optional
        Positive steps; default 161 values from 1e-16 to 1, evenly spaced in log.

    Examples
    --------
    >>> sweep = step_sweep(np.exp, np.exp, x=1.0)
    >>> 1e-7 < sweep.best_h("central") < 1e-4
    True
    """
    if not (callable(f) and callable(df)):
        raise TypeError("f and df must be callables (a function and its derivative)")
    x = float(x)
    hs = np.geomspace(1e-16, 1.0, 161) if hs is None else np.sort(np.asarray(hs, dtype=float).ravel())
    if hs.size < 2 or not np.all(np.isfinite(hs)) or np.any(hs <= 0):
        raise ValueError(f"hs must hold at least two positive finite steps; got {hs!r}")
    exact = float(df(x))
    fx = float(f(x))
    # (x + h) - x is not h in floating point; dividing by the requested h is what a naive
    # implementation does, and that rounding is part of the error being shown.
    forward = (np.asarray(f(x + hs), dtype=float) - fx) / hs
    central = (np.asarray(f(x + hs), dtype=float) - np.asarray(f(x - hs), dtype=float)) / (2 * hs)
    estimates = {"forward": forward, "central": central}
    errors = {k: np.abs(v - exact) for k, v in estimates.items()}
    return StepSweep(hs=hs, errors=errors, estimates=estimates, x=x, exact=exact)
