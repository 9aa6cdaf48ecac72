"""Auto-checked exercises: ``sc.exercises.check(label, answer)`` returns a Result that shows the feedback.

Each exercise is a :class:`Spec` (test cases, a run on the reader's answer, a comparison) registered
with :func:`exercise` in one module per chapter (``steps``, ``gradients``, ...); the reference answers
live apart, in :mod:`stepcourse.exercises._references`, so that grading can keep them out of reach of a
submission. See :mod:`stepcourse.exercises._core` and CONTRIBUTING.md ("Exercises").
"""
from ._core import (CaseResult, Result, Spec, Wrong, call, chapters, check, exercise, expect_array,
                    expect_close, expect_int, expect_number, expect_pair, registry)
from ._plain import NotPlain

__all__ = ["check", "registry", "chapters", "exercise", "Spec", "Wrong", "Result", "CaseResult", "call",
           "expect_array", "expect_close", "expect_int", "expect_number", "expect_pair", "NotPlain"]
