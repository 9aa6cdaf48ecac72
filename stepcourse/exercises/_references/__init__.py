"""Reference answers of the exercises: what the grader compares a submission's results with.

One module per chapter module of :mod:`stepcourse.exercises`, each registering one function per
exercise label with :func:`reference`: it takes a test case (the plain data the spec's ``cases`` drew)
and returns the expected value (plain data, numbers, arrays, or a dict of them for checks that also
recognise typical mistakes). This package is left out of the copy of ``stepcourse`` that a graded
submission runs with, so a submission can neither call these functions nor read their results.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Dict

__all__ = ["reference", "lookup", "references"]

_REFERENCES: Dict[str, Callable] = {}
_LOADED = False


def reference(label: str):
    """Register the decorated function as the reference answer of exercise ``label``."""

    def register(func):
        if label in _REFERENCES and _REFERENCES[label].__module__ != func.__module__:
            raise ValueError(f"two references for exercise {label!r}")
        _REFERENCES[label] = func
        return func

    return register


def references() -> Dict[str, Callable]:
    """Every registered reference, by label (loads every module of this package)."""
    global _LOADED
    if not _LOADED:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _LOADED = True
    return dict(_REFERENCES)


def lookup(label: str) -> Callable:
    """The reference function of ``label``; ``KeyError`` if there is none."""
    found = references()
    if label not in found:
        raise KeyError(f"exercise {label!r} has no reference answer in stepcourse.exercises._references")
    return found[label]
