"""Auto-checked exercises: ``sc.exercises.check(label, answer)`` prints feedback and returns a Result.

Checks live in one module per chapter (``steps``, ``gradients``, ...), registered with
:func:`exercise`. See :mod:`stepcourse.exercises._core`.
"""
from ._core import (GRADING_LOG_ENV, Result, Wrong, call, check, exercise, expect_array, expect_close,
                    expect_number, registry)

__all__ = ["check", "registry", "exercise", "Wrong", "Result", "call", "expect_array", "expect_close",
           "expect_number", "GRADING_LOG_ENV"]
