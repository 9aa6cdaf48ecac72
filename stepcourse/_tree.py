"""Parameters and gradients: one array, or a dict of name -> array. The one place that walks them.

Order rule: a dict's arrays are taken in the dict's insertion order (as :mod:`stepcourse.optim` and
torch's ``named_parameters`` do), never sorted; two dicts are matched by key, not by position.

>>> keys, arrays = leaves({"w": [1.0, 2.0], "b": 3.0}, "params")
>>> keys, [a.tolist() for a in arrays]
(('w', 'b'), [[1.0, 2.0], 3.0])
>>> flatten({"w": np.array([1.0, 2.0]), "b": np.array(3.0)}).tolist()
[1.0, 2.0, 3.0]
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._validation import describe

__all__ = ["leaves", "rebuild", "flatten", "global_norm", "copy"]


def _array(x: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers or a dict of them; "
                        f"got {describe(x)}") from None


def leaves(x: Any, name: str = "params"):
    """``(keys, arrays)``: ``keys`` is None for one array, else the dict's keys in insertion order;
    ``arrays`` are float64 (views where no conversion is needed)."""
    if isinstance(x, Mapping):
        if not x:
            raise ValueError(f"{name} is an empty dict; give at least one array")
        keys = tuple(x)
        return keys, [_array(x[k], f"{name}[{k!r}]") for k in keys]
    return None, [_array(x, name)]


def rebuild(keys, arrays):
    """The inverse of :func:`leaves`: one array, or a dict with ``keys``."""
    if keys is None:
        return arrays[0]
    return dict(zip(keys, arrays))


def flatten(x: Any) -> np.ndarray:
    """All entries as one float64 vector (dict values in insertion order)."""
    _, arrays = leaves(x, "grads")
    if len(arrays) == 1:
        return arrays[0].ravel()
    return np.concatenate([a.ravel() for a in arrays])


def global_norm(x: Any) -> float:
    r"""The Euclidean norm of all entries together, :math:`\sqrt{\sum_k \lVert g_k \rVert^2}`.

    >>> global_norm({"w": np.array([3.0]), "b": np.array(4.0)})
    5.0
    """
    _, arrays = leaves(x, "grads")
    return float(np.sqrt(sum(float(np.vdot(a, a)) for a in arrays)))


def copy(x: Any):
    """Float64 copies, in the same structure (nothing shared with ``x``)."""
    keys, arrays = leaves(x, "params")
    return rebuild(keys, [np.array(a, dtype=float) for a in arrays])
