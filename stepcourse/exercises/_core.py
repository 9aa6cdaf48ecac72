"""Exercise specs: test cases, a sandboxable run, a trusted comparison, friendly feedback.

Every exercise is a :class:`Spec` registered with :func:`exercise`. It splits its check into parts that
can run in different processes:

``cases(rng)``
    a list of test cases, each plain data (numbers, arrays, strings, lists, dicts), drawn from ``rng``.
    The grader draws them from a fresh secret seed; self-study uses a fixed seed per label.
``run(answer, case)``
    calls the reader's function (or reads the reader's value) on one case and returns what it gave,
    as plain data. This is the only part that runs next to the reader's code (in the grading sandbox).
``compare(got, expected, case)``
    decides, in the grader's process: ``got`` is the decoded plain data, ``expected`` what the
    reference (in :mod:`stepcourse.exercises._references`, which a graded run cannot import) gives for
    the case. Returns ``None`` when right, raises :class:`Wrong` otherwise.

Points are split evenly over the cases, so half the cases right earns half the points.
:func:`check` runs all the parts in one process for self-study: ``sc.exercises.check(label, answer)``
returns a :class:`Result` that displays itself as the feedback, once.
"""
from __future__ import annotations

import html
import importlib
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np

from ._plain import NotPlain, decode, encode

__all__ = ["Wrong", "Result", "CaseResult", "Spec", "exercise", "check", "registry", "chapters",
           "run_case", "judge_case", "case_rng", "make_cases", "expected_for", "score",
           "call", "expect_array", "expect_close", "expect_number", "expect_int", "expect_steps",
           "expect_pair"]

#: What a grading feedback says of a wrong result when the check gives no reason of its own.
DIFFERS = "the result differs from the reference answer"


class Wrong(Exception):
    """Raised by a check.

    ``message`` says what is wrong and may quote the case (self-study shows it); ``hint`` says how to
    get closer and ``reason`` says what is wrong without quoting any input or expected value: those two
    are all a graded submission's feedback file shows.
    """

    def __init__(self, message: str, hint: Optional[str] = None, reason: Optional[str] = None):
        super().__init__(message)
        self.message, self.hint, self.reason = message, hint, reason or DIFFERS


class Spec:
    """One exercise. Subclass it, define :meth:`cases`, :meth:`run`, :meth:`compare`; register with
    :func:`exercise`. The decorator fills ``label``, ``points``, ``title`` and ``chapter``."""

    label: str = ""
    points: float = 1.0
    title: str = ""
    chapter: str = ""

    def cases(self, rng: np.random.Generator) -> list:  # pragma: no cover - every spec defines it
        raise NotImplementedError

    def run(self, answer: Any, case: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def compare(self, got: Any, expected: Any, case: Any) -> None:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class CaseResult:
    """How one test case went. ``message`` may quote the case; ``reason`` and ``hint`` never do."""

    passed: bool
    reason: str = ""
    hint: Optional[str] = None
    message: str = ""


@dataclass(frozen=True)
class Result:
    """What a check found: ``bool(result)`` is ``passed``; it displays itself as the feedback."""

    label: str
    passed: bool
    message: str
    hint: Optional[str]
    points: float
    max_points: float
    tests_passed: int = 0
    tests_total: int = 0
    cases: tuple = field(default=(), repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def _tally(self) -> str:
        return f"{self.tests_passed} of {self.tests_total} tests pass" if self.tests_total else ""

    def _parts(self, escape=str):
        # What every display shows: the verdict, the tally, the label, the message and (if not passed) the hint.
        mark = "Correct" if self.passed else "Not yet"
        tally = f" ({escape(self._tally())})" if self.tests_total else ""
        hint = escape(self.hint) if self.hint and not self.passed else None
        return mark, tally, escape(self.label), escape(self.message), hint

    def __str__(self) -> str:
        mark, tally, label, message, hint = self._parts()
        return f"[{label}] {mark}{tally}: {message}" + (f"\n  Hint: {hint}" if hint else "")

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        mark, tally, label, message, hint = self._parts()
        icon = "✅" if self.passed else "❌"
        return f"{icon} **{mark}**{tally} `{label}`: {message}" + (f"\n\n*Hint:* {hint}" if hint else "")

    def _repr_html_(self) -> str:
        mark, tally, label, message, hint = self._parts(html.escape)
        color = "#1a7f37" if self.passed else "#9a6700"
        return (f'<div class="stepcourse-check" style="border-left:4px solid {color};padding:2px 8px">'
                f'<strong style="color:{color}">{mark}</strong>{tally} <code>{label}</code>: {message}'
                + (f"<br><em>Hint:</em> {hint}" if hint else "") + "</div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": str(self), "text/markdown": self._repr_markdown_(),
                "text/html": self._repr_html_()}


_REGISTRY: dict = {}
_LOADED = False


def exercise(label: str, points: float = 1.0, title: str = "", chapter: Optional[str] = None):
    """Register the decorated :class:`Spec` subclass as exercise ``label`` (worth ``points``).

    ``chapter`` is the chapter notebook's name; by default the module's ``CHAPTER`` or its name.
    """
    if not isinstance(label, str) or not label:
        raise ValueError(f"label must be a non-empty string; got {label!r}")
    if not (isinstance(points, (int, float)) and points > 0):
        raise ValueError(f"points must be a positive number; got {points!r}")

    def register(cls):
        if not (isinstance(cls, type) and issubclass(cls, Spec)):
            raise TypeError(f"@exercise({label!r}) decorates a subclass of Spec; got {cls!r}")
        module = importlib.import_module(cls.__module__)
        spec = cls()
        spec.label, spec.points, spec.title = label, float(points), title or label
        spec.chapter = chapter or getattr(module, "CHAPTER", cls.__module__.rsplit(".", 1)[-1])
        old = _REGISTRY.get(label)
        if old is not None and type(old).__module__ != cls.__module__:
            raise ValueError(f"exercise label {label!r} is registered twice")
        _REGISTRY[label] = spec
        return cls

    return register


def registry() -> dict:
    """Every registered spec, by label (loads every chapter module of :mod:`stepcourse.exercises`)."""
    global _LOADED
    if not _LOADED:
        package = importlib.import_module("stepcourse.exercises")
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"stepcourse.exercises.{info.name}")
        _LOADED = True
    return dict(_REGISTRY)


def chapters() -> dict:
    """Chapter name -> its exercise labels, in registration order."""
    out: dict = {}
    for label, spec in registry().items():
        out.setdefault(spec.chapter, []).append(label)
    return out


# -- the parts, one by one ----------------------------------------------------------------------------

def case_rng(label: str, seed: Optional[int] = None) -> np.random.Generator:
    """The generator a spec's cases are drawn from: fixed per label, or mixed with a grader's ``seed``."""
    key = zlib.crc32(label.encode())
    return np.random.default_rng(key if seed is None else [int(seed), key])


def make_cases(spec: Spec, seed: Optional[int] = None) -> list:
    """The spec's cases as encoded plain data (what a sandbox receives)."""
    cases = spec.cases(case_rng(spec.label, seed))
    if not cases:
        raise ValueError(f"exercise {spec.label!r} has no test cases")
    return [encode(case) for case in cases]


def _hint_of(exc: Exception) -> Optional[str]:
    return getattr(exc, "hint", None)


def run_case(spec: Spec, answer: Any, encoded_case: Any) -> dict:
    """Run one case (sandbox side): ``{"value": plain}`` or ``{"error": {"reason", "hint", "message"}}``.

    The answer's own failures (an exception, a non-callable, an object that is not plain data) are
    recorded as errors: a claim that an answer is wrong is all a sandbox can make on its own.
    """
    if answer is Ellipsis or answer is None:
        return {"error": {"reason": "no answer yet", "hint": "replace the `...` with your answer and run "
                          "the cell again.", "message": "no answer yet: replace the `...` with your answer "
                          "and run the cell again."}}
    try:
        case = decode(encoded_case)
        with np.errstate(all="ignore"):
            value = spec.run(answer, case)
        return {"value": encode(value)}
    except Wrong as wrong:
        return {"error": {"reason": wrong.reason, "hint": wrong.hint, "message": wrong.message}}
    except NotPlain as exc:
        text = (f"your answer gave {exc}; the checker accepts numbers, numpy arrays of numbers, strings, "
                f"None, and lists, tuples or dicts of those")
        return {"error": {"reason": text, "hint": "return plain numbers or arrays (np.asarray(...)).",
                          "message": text}}
    except MemoryError:
        raise
    except Exception as exc:  # the reader's answer broke in a way run() did not foresee
        text = f"checking your answer raised {type(exc).__name__}: {str(exc)[:200]}"
        return {"error": {"reason": text, "hint": None, "message": text}}


def expected_for(spec: Spec, case: Any) -> Any:
    """The reference answer for ``case`` (grader side); needs :mod:`stepcourse.exercises._references`."""
    try:
        from ._references import lookup
    except ImportError:
        raise RuntimeError("the reference answers are not part of this copy of stepcourse (a graded run "
                           "has none): checks are decided by the grader") from None
    return lookup(spec.label)(case)


def judge_case(spec: Spec, record: Any, case: Any) -> CaseResult:
    """Decide one case (grader side) from the sandbox's ``record`` and the grader's own ``case``."""
    if type(record) is not dict or len(record) != 1:
        return CaseResult(False, "no result was recorded for this test")
    (kind, body), = record.items()
    if kind == "error":
        body = body if type(body) is dict else {}
        reason = body.get("reason") if type(body.get("reason")) is str else "your answer failed this test"
        hint = body.get("hint") if type(body.get("hint")) is str else None
        message = body.get("message") if type(body.get("message")) is str else reason
        return CaseResult(False, reason[:500], hint and hint[:500], message[:500])
    if kind != "value":
        return CaseResult(False, "no result was recorded for this test")
    try:
        got = decode(body)
    except NotPlain as exc:
        return CaseResult(False, f"the result is not plain data ({exc})")
    expected = expected_for(spec, case)
    try:
        with np.errstate(all="ignore"):
            spec.compare(got, expected, case)
    except Wrong as wrong:
        return CaseResult(False, wrong.reason, wrong.hint, wrong.message)
    except Exception as exc:  # a result of an unexpected form (e.g. a string where a pair belongs)
        text = f"the result has an unexpected form ({type(exc).__name__})"
        return CaseResult(False, text, None, text)
    return CaseResult(True)


def score(spec: Spec, results: List[CaseResult]) -> float:
    """Points earned: the spec's points times the fraction of cases passed."""
    if not results:
        return 0.0
    return spec.points * sum(r.passed for r in results) / len(results)


def check(label: str, answer: Any, *, quiet: bool = False) -> Result:
    """Check the reader's ``answer`` to exercise ``label`` on every test case; return a :class:`Result`.

    In a notebook the result displays itself as the feedback when it ends the cell (``quiet`` is
    accepted for compatibility and changes nothing: nothing is printed).
    """
    checks = registry()
    if label not in checks:
        raise ValueError(f"no exercise is labelled {label!r}; known labels: {', '.join(sorted(checks))}")
    spec = checks[label]
    raw_cases = spec.cases(case_rng(label))
    results = [judge_case(spec, run_case(spec, answer, encode(case)), case) for case in raw_cases]
    passed = sum(r.passed for r in results)
    first = next((r for r in results if not r.passed), None)
    if first is None:
        message, hint = "well done.", None
    else:
        message, hint = first.message or first.reason, first.hint
    return Result(label, first is None, message, hint, score(spec, results), spec.points,
                  passed, len(results), tuple(results))


# -- helpers for writing specs ------------------------------------------------------------------------

def call(func: Any, *args, what: str = "your function", **kwargs):
    """Call the reader's ``func`` (in ``run``); a non-callable or an exception becomes :class:`Wrong`."""
    if not callable(func):
        raise Wrong(f"expected a function, got {type(func).__name__}.",
                    hint="pass the function itself (no parentheses), e.g. check(label, my_function).",
                    reason=f"the answer is a {type(func).__name__}, not a function")
    try:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)
    except Wrong:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        text = f"raised {type(exc).__name__}: {str(exc)[:200]}"
        raise Wrong(f"{what} {text}", reason=f"your function {text}",
                    hint="run your function on a small example in a cell of its own to see where it fails.")


def expect_array(value: Any, shape=None, what: str = "your answer") -> np.ndarray:
    """``value`` as a float array of the given ``shape``, or :class:`Wrong` (None, wrong type, shape, NaN)."""
    if value is None or value is Ellipsis:
        raise Wrong(f"{what} returned nothing (None).", hint="did you forget a `return` statement?",
                    reason="the function returned nothing (None)")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a number or an array of numbers, not {type(value).__name__}.",
                    reason=f"the result is a {type(value).__name__}, not a number or an array of numbers"
                    ) from None
    if shape is not None and arr.shape != tuple(shape):
        raise Wrong(f"{what} has shape {arr.shape}; expected {tuple(shape)}.",
                    hint="check which axis you summed or averaged over.",
                    reason=f"the result has shape {arr.shape}, not {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise Wrong(f"{what} contains NaN or infinite values.",
                    hint="look for a division by zero or an overflow (exp of a large number).",
                    reason="the result contains NaN or infinite values")
    return arr


def expect_number(value: Any, what: str = "your answer") -> float:
    """``value`` as a finite float, or :class:`Wrong`."""
    arr = expect_array(value, what=what)
    if arr.size != 1:
        raise Wrong(f"{what} should be a single number; got an array of shape {arr.shape}.",
                    reason="the result should be a single number")
    return float(arr.reshape(()))


def expect_int(value: Any, what: str = "your answer", hint: Optional[str] = None) -> int:
    """``value`` as a whole number (an int, or a float with no fractional part), or :class:`Wrong`."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise Wrong(f"{what} should be a whole number; got {value!r}.", hint=hint,
                reason="the result should be a whole number")


def expect_steps(value: Any, expected: int, what: str, *, hint: str, short_hint: Optional[str] = None,
                 int_hint: str = "a number of steps is a whole number: round up with math.ceil.") -> int:
    """``value`` as a whole number equal to ``expected`` (a count of steps), or :class:`Wrong`.

    One less than ``expected`` is named "one step short" (with ``short_hint``, when given): the usual
    slip of rounding down.
    """
    k = expect_int(value, what=what, hint=int_hint)
    if k == expected:
        return k
    if k == expected - 1 and short_hint is not None:
        raise Wrong(f"{what} should be {expected}; you said {k}: one short.", reason="one step short",
                    hint=short_hint)
    raise Wrong(f"{what} should be {expected}; you said {k}.", reason="a wrong number of steps", hint=hint)


def expect_pair(value: Any, n: int = 2, what: str = "your function", names: str = "") -> tuple:
    """``value`` as a tuple of ``n`` items (a list or tuple), or :class:`Wrong`."""
    if type(value) not in (tuple, list) or len(value) != n:
        shown = f" ({names})" if names else ""
        count = {2: "a pair", 3: "three values"}.get(n, f"{n} values")
        raise Wrong(f"{what} should return {count}{shown}; got {type(value).__name__}.",
                    reason=f"the result should be {count}{shown}")
    return tuple(value)


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
