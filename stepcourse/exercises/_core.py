"""Answer checks for the chapters' exercises: a registry, friendly feedback and a grading log.

A chapter module registers one check per exercise::

    @exercise("steps-threshold", points=1)
    def _(answer):
        lr = call(answer, 4.0, what="my_lr(4.0)")
        expect_close(lr, 0.5, what="my_lr(4.0)")

and the notebook calls ``sc.exercises.check("steps-threshold", my_lr)``. A check returns ``None`` when
the answer is right and raises :class:`Wrong` otherwise; anything else that goes wrong inside the
reader's code (an exception, a wrong type or shape, a NaN) becomes feedback too, never a traceback.

When the environment variable ``STEPCOURSE_GRADING_LOG`` names a file, every check appends one JSON
line (label, passed, points) to it: that is how the instructor's ``grade`` command scores a notebook.
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["Wrong", "Result", "exercise", "check", "call", "expect_array", "expect_close",
           "expect_number", "registry", "GRADING_LOG_ENV"]

GRADING_LOG_ENV = "STEPCOURSE_GRADING_LOG"


class Wrong(Exception):
    """Raised by a check: ``message`` says what is wrong, ``hint`` how to get closer."""

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Check:
    label: str
    func: Callable[[Any], None]
    points: float
    title: str
    chapter: str


@dataclass(frozen=True)
class Result:
    """What a check found. ``bool(result)`` is ``passed``."""

    label: str
    passed: bool
    message: str
    hint: Optional[str]
    points: float
    max_points: float

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "Correct" if self.passed else "Not yet"
        text = f"[{self.label}] {mark}: {self.message}"
        if self.hint and not self.passed:
            text += f"\n  Hint: {self.hint}"
        return text


_REGISTRY: dict = {}
_LOADED = False


def exercise(label: str, points: float = 1.0, title: str = ""):
    """Register the decorated function as the check of exercise ``label``."""
    if not isinstance(label, str) or not label:
        raise ValueError(f"label must be a non-empty string; got {label!r}")

    def register(func):
        chapter = func.__module__.rsplit(".", 1)[-1]
        if label in _REGISTRY and _REGISTRY[label].func.__module__ != func.__module__:
            raise ValueError(f"exercise label {label!r} is registered twice")
        _REGISTRY[label] = Check(label, func, float(points), title or label, chapter)
        return func

    return register


def registry() -> dict:
    """Every registered check, by label (loads every chapter module of :mod:`stepcourse.exercises`)."""
    global _LOADED
    if not _LOADED:
        package = importlib.import_module("stepcourse.exercises")
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"stepcourse.exercises.{info.name}")
        _LOADED = True
    return dict(_REGISTRY)


def check(label: str, answer: Any, *, quiet: bool = False) -> Result:
    """Check the reader's ``answer`` to exercise ``label``, print feedback and return a :class:`Result`."""
    checks = registry()
    if label not in checks:
        raise ValueError(f"no exercise is labelled {label!r}; known labels: {', '.join(sorted(checks))}")
    spec = checks[label]
    hint = None
    if answer is Ellipsis or answer is None:
        passed, message = False, "no answer yet: replace the `...` with your answer and run the cell again."
    else:
        try:
            with np.errstate(all="ignore"):
                spec.func(answer)
            passed, message = True, "well done."
        except Wrong as wrong:
            passed, message, hint = False, wrong.message, wrong.hint
        except Exception as exc:  # the reader's code failed in a way the check did not foresee
            passed, message = False, f"checking your answer raised {type(exc).__name__}: {exc}"
    result = Result(label, passed, message, hint, spec.points if passed else 0.0, spec.points)
    _log(result)
    if not quiet:
        print(result)
    return result


def _log(result: Result) -> None:
    path = os.environ.get(GRADING_LOG_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"label": result.label, "passed": result.passed, "points": result.points,
                             "max_points": result.max_points}) + "\n")


# -- helpers for writing checks -------------------------------------------------------------------

def call(func: Any, *args, what: str = "your function", **kwargs):
    """Call the reader's ``func``; turn a non-callable or an exception into :class:`Wrong`."""
    if not callable(func):
        raise Wrong(f"expected a function, got {type(func).__name__}.",
                    hint="pass the function itself (no parentheses), e.g. check(label, my_function).")
    try:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)
    except Wrong:
        raise
    except Exception as exc:
        raise Wrong(f"{what} raised {type(exc).__name__}: {exc}",
                    hint="run your function on a small example in a cell of its own to see where it fails.")


def expect_array(value: Any, shape=None, what: str = "your answer") -> np.ndarray:
    """``value`` as a float array of the given ``shape``, or :class:`Wrong` (None, wrong type, shape, NaN)."""
    if value is None or value is Ellipsis:
        raise Wrong(f"{what} returned nothing (None).", hint="did you forget a `return` statement?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a number or an array of numbers, not {type(value).__name__}.") from None
    if shape is not None and arr.shape != tuple(shape):
        raise Wrong(f"{what} has shape {arr.shape}; expected {tuple(shape)}.",
                    hint="check which axis you summed or averaged over.")
    if not np.all(np.isfinite(arr)):
        raise Wrong(f"{what} contains NaN or infinite values.",
                    hint="look for a division by zero or an overflow (exp of a large number).")
    return arr


def expect_number(value: Any, what: str = "your answer") -> float:
    """``value`` as a finite float, or :class:`Wrong`."""
    arr = expect_array(value, what=what)
    if arr.size != 1:
        raise Wrong(f"{what} should be a single number; got an array of shape {arr.shape}.")
    return float(arr.reshape(()))


def expect_close(actual: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9,
                 what: str = "your answer", hint: Optional[str] = None) -> None:
    """:class:`Wrong` unless ``actual`` matches ``expected`` (same shape, close values)."""
    expected = np.asarray(expected, dtype=float)
    arr = expect_array(actual, shape=expected.shape, what=what)
    if not np.allclose(arr, expected, rtol=rtol, atol=atol):
        if expected.size == 1:
            msg = f"{what} is {float(arr.reshape(())):.6g}; expected {float(expected.reshape(())):.6g}."
        else:
            worst = float(np.max(np.abs(arr - expected)))
            msg = f"{what} differs from the reference by up to {worst:.3g}."
        raise Wrong(msg, hint=hint)
