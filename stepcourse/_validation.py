"""Argument checks shared by the whole package (the role of ``sklearn.utils.validation``).

Every check takes the argument's ``name`` and its ``value``, returns the value in its working form
(a float, an int, a Generator, float64 arrays), and otherwise raises an error whose message names the
argument, the value and what is allowed:

- :class:`TypeError` when the value is of the wrong kind (a string where a number belongs, a bool
  where an integer belongs, a function where a Problem belongs);
- :class:`ValueError` when it is of the right kind but out of range (a negative rate, an empty array).

>>> check_number("lr", 0.1, low=0)
0.1
>>> check_integer("steps", 2.5)
Traceback (most recent call last):
...
TypeError: steps must be an integer; got float 2.5
>>> check_number("lr", -1, low=0)
Traceback (most recent call last):
...
ValueError: lr must be >= 0; got -1
"""
from __future__ import annotations

import math
import operator
from numbers import Real
from typing import Any, Optional

import numpy as np

__all__ = [
    "describe", "check_number", "check_positive", "check_non_negative", "check_fraction",
    "check_integer", "check_flag", "check_choice", "check_callable", "as_generator", "check_seed",
    "as_float_array", "as_points_1d", "check_X", "check_Xy", "as_xy", "check_problem", "check_optimizer",
    "check_learning_rate",
]


def describe(value: Any) -> str:
    """``type value`` for an error message, shortened for long values.

    >>> describe("adam"), describe(3)
    ("str 'adam'", 'int 3')
    """
    if callable(value) and not isinstance(value, type) and getattr(value, "__name__", None):
        return f"{type(value).__name__} {value.__name__}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _is_real(value: Any) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (Real, np.integer, np.floating))


def check_number(name: str, value: Any, *, low: Optional[float] = None, high: Optional[float] = None,
                 low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a float within ``[low, high]`` (an end is excluded when ``low_open``/``high_open``).

    >>> check_number("alpha", 0.5, low=0, high=1, high_open=True)
    0.5
    >>> check_number("alpha", 1.0, low=0, high=1, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: alpha must be in [0, 1); got 1.0
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    v = float(value)
    if math.isnan(v) or (finite and not math.isfinite(v)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    ok = True
    if low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        raise ValueError(f"{name} must be {_allowed(low, high, low_open, high_open)}; got {value!r}")
    return v


def _allowed(low, high, low_open=False, high_open=False, integer=False) -> str:
    """The allowed range in words: "in [0, 1)", ">= 0", "from 1 to 5", ..."""
    if low is not None and high is not None:
        if integer:
            return f"from {low} to {high}"
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    return f"{'<' if high_open else '<='} {high:g}"


def check_positive(name: str, value: Any) -> float:
    """A finite number > 0."""
    return check_number(name, value, low=0, low_open=True)


def check_non_negative(name: str, value: Any) -> float:
    """A finite number >= 0."""
    return check_number(name, value, low=0)


def check_fraction(name: str, value: Any, *, closed: bool = True) -> float:
    """A number in [0, 1] (``closed``) or [0, 1)."""
    return check_number(name, value, low=0, high=1, high_open=not closed)


def check_integer(name: str, value: Any, low: Optional[int] = None, high: Optional[int] = None, *,
                  allow_none: bool = False) -> Optional[int]:
    """``value`` as an int in ``[low, high]``; bools and non-integral numbers are refused.

    >>> check_integer("batch_size", np.int64(4), low=1)
    4
    >>> check_integer("batch_size", 0, low=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be an integer >= 1; got 0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer; got {describe(value)}")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer{' or None' if allow_none else ''}; "
                        f"got {describe(value)}") from None
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{name} must be an integer {_allowed(low, high, integer=True)}; got {value!r}")
    return int(n)


def check_flag(name: str, value: Any) -> bool:
    """True or False (numpy bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {describe(value)}")
    return bool(value)


def check_choice(name: str, value: Any, allowed) -> Any:
    """One of ``allowed``.

    >>> check_choice("method", "edgy", ("edge", "steepest"))
    Traceback (most recent call last):
    ...
    ValueError: method must be one of ('edge', 'steepest'); got 'edgy'
    """
    allowed = tuple(allowed)
    try:
        ok = value in allowed
    except TypeError:  # unhashable or uncomparable
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_callable(name: str, value: Any, *, allow_none: bool = False, what: str = "callable"):
    """A callable (or None when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be a {what}{' or None' if allow_none else ''}; got {describe(value)}")
    return value


def check_seed(name: str, seed: Any) -> Any:
    """An int >= 0, None or a numpy Generator, returned unchanged."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    check_integer(name, seed, low=0)
    return seed


def as_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """A numpy Generator: ``seed`` itself if it is one, else ``np.random.default_rng(seed)``.

    An int gives the same stream on every call; pass one Generator to several calls to continue it.

    >>> int(as_generator(3).integers(100)) == int(as_generator(3).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        check_integer(name, seed, low=0)
    return np.random.default_rng(seed)


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array, or a TypeError naming ``name``."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers; got {describe(value)}") from None


def as_points_1d(x: Any, name: str = "x") -> np.ndarray:
    """Points of a one-dimensional problem: a float array whose trailing axis has size 1 (a scalar
    becomes shape ``(1,)``), or a ValueError naming ``name``."""
    x = as_float_array(name, x)
    if x.ndim == 0:
        x = x[None]
    if x.shape[-1:] != (1,):
        raise ValueError(f"{name} must have a trailing axis of size 1; got shape {x.shape}")
    return x


def check_X(X: Any, name: str = "X") -> np.ndarray:
    """A 2-D float64 array ``(n_samples, n_features)``."""
    X = as_float_array(name, X)
    if X.ndim != 2:
        hint = " (one feature? use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D with shape (n_samples, n_features); got shape {X.shape}{hint}")
    return X


def check_Xy(X: Any, y: Any, *, min_samples: int = 1, y_float: bool = True):
    """``X`` of shape (n, d) and ``y`` of shape (n,), with at least ``min_samples`` rows.

    ``y_float=False`` keeps the dtype of ``y`` (class labels).
    """
    X = check_X(X)
    y = as_float_array("y", y) if y_float else np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D with shape (n_samples,); got shape {y.shape} (use y.ravel())")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples; got X {X.shape} and y {y.shape}")
    if X.shape[0] < min_samples:
        raise ValueError(f"X and y must hold at least {min_samples} sample{'s' * (min_samples != 1)}; "
                         f"got {X.shape[0]}")
    return X, y


def as_xy(data: Any, name: str = "data", *, min_samples: int = 1):
    """An ``(X, y)`` pair or a Dataset, checked by :func:`check_Xy`."""
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an (X, y) pair or a Dataset; got {describe(data)}") from None
    try:
        return check_Xy(X, y, min_samples=min_samples)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


def check_problem(name: str, problem: Any):
    """A :class:`~stepcourse.problems.Problem` (anything with ``f``, ``grad`` and ``dim``)."""
    if not (callable(getattr(problem, "f", None)) and callable(getattr(problem, "grad", None))
            and isinstance(getattr(problem, "dim", None), (int, np.integer))):
        hint = ""
        if callable(problem):
            hint = (" (for a plain function, make a Problem: sc.Problem(name=..., dim=..., f=..., "
                    "grad=..., x0=..., minima=..., bounds=...))")
        raise TypeError(f"{name} must be a Problem from sc.problems (with f, grad and dim); "
                        f"got {describe(problem)}{hint}")
    return problem


def check_optimizer(name: str, opt: Any):
    """An optimizer: an object with ``init(params)`` and ``step(params, grads, state)``."""
    if isinstance(opt, str):
        raise TypeError(f"{name} must be an optimizer object such as sc.optim.Adam(lr=0.1); got the "
                        f"string {opt!r} (for a name use sc.optim.by_name({opt!r}, lr=...))")
    if isinstance(opt, type):
        raise TypeError(f"{name} must be an optimizer object, not the class {opt.__name__}; "
                        f"write {opt.__name__}(lr=...)")
    if not (callable(getattr(opt, "init", None)) and callable(getattr(opt, "step", None))):
        raise TypeError(f"{name} must be an optimizer with init() and step(), such as "
                        f"sc.optim.SGD(lr=0.1); got {describe(opt)}")
    return opt


def check_learning_rate(name: str, value: Any):
    """A finite number >= 0, or a schedule (a callable ``t -> lr``)."""
    if callable(value):
        return value
    if not _is_real(value):
        raise TypeError(f"{name} must be a non-negative number or a schedule (a callable t -> lr, e.g. "
                        f"sc.schedules.cosine_annealing); got {describe(value)}")
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0 or a schedule; got {value!r}")
    return v
