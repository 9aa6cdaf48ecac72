"""Plain data: the only thing that crosses between a graded submission and the grader.

:func:`encode` turns numbers, strings, ``None``, lists, tuples, dicts with string keys and numpy arrays
of booleans, integers or floats into JSON-safe values; anything else (an object of the reader's own
class, a numpy subclass, a pandas frame, a function) raises :class:`NotPlain`. Types are matched
exactly, so an object whose ``__eq__``, ``__float__`` or ``__array__`` says what the checker wants to
hear never gets through. :func:`decode` reads such values back, strictly: unknown tags, inconsistent
shapes or oversized values raise :class:`NotPlain`, and arrays come out as fresh float, int or bool
ndarrays built by the reader of the data (the grader), never by the writer.

>>> import numpy as np
>>> decode(encode({"w": np.array([1.0, np.nan]), "k": (3, None)}))
{'w': array([ 1., nan]), 'k': (3, None)}
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["NotPlain", "encode", "decode", "MAX_ITEMS", "MAX_STR"]

#: At most this many numbers and nodes in one encoded value, and this many characters in a string.
MAX_ITEMS = 2_000_000
MAX_STR = 20_000
_MAX_DEPTH = 20

_INTS = (int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
_FLOATS = (float, np.float16, np.float32, np.float64)
_BOOLS = (bool, np.bool_)
_DTYPES = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}


class NotPlain(TypeError):
    """A value that is not plain data (or plain data too large to accept)."""


def _float(x: float):
    x = float(x)
    if math.isfinite(x):
        return x
    return {"$float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def encode(value: Any, _depth: int = 0, _budget=None) -> Any:
    """``value`` as JSON-safe plain data, or :class:`NotPlain` naming the offending type."""
    budget = _budget if _budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise NotPlain(f"the value is too large (more than {MAX_ITEMS} numbers)")
    if _depth > _MAX_DEPTH:
        raise NotPlain(f"the value is nested more than {_MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is str:
        if kind is str and len(value) > MAX_STR:
            raise NotPlain(f"a string of {len(value)} characters is too long")
        return value
    if kind in _BOOLS:
        return bool(value)
    if kind in _INTS:
        return int(value)
    if kind in _FLOATS:
        return _float(value)
    if kind is list or kind is tuple:
        items = [encode(v, _depth + 1, budget) for v in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise NotPlain("a dict with keys that are not strings")
        return {"$dict": [[k, encode(v, _depth + 1, budget)] for k, v in value.items()]}
    if kind is np.ndarray:
        if value.dtype.kind not in _DTYPES:
            raise NotPlain(f"a numpy array of dtype {value.dtype} (numbers or booleans only)")
        budget[0] -= value.size
        if budget[0] < 0:
            raise NotPlain(f"the value is too large (more than {MAX_ITEMS} numbers)")
        dtype = _DTYPES[value.dtype.kind]
        flat = np.array(value, dtype=dtype, copy=True).ravel().tolist()
        if dtype == "float64":
            flat = [_float(x) for x in flat]
        return {"$array": {"dtype": dtype, "shape": list(value.shape), "data": flat}}
    raise NotPlain(f"an object of type {kind.__module__}.{kind.__qualname__}")


def _num(x: Any) -> float:
    if type(x) is dict and set(x) == {"$float"} and x["$float"] in ("nan", "inf", "-inf"):
        return float(x["$float"])
    if type(x) in (int, float) and type(x) is not bool:
        return float(x)
    raise NotPlain("a float array holds something that is not a number")


def decode(data: Any, _depth: int = 0, _budget=None) -> Any:
    """The value :func:`encode` made ``data`` from; :class:`NotPlain` for anything else."""
    budget = _budget if _budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0 or _depth > _MAX_DEPTH:
        raise NotPlain("the value is too large or too deeply nested")
    kind = type(data)
    if data is None or kind in (bool, int):
        return data
    if kind is float:
        if not math.isfinite(data):
            raise NotPlain("a bare non-finite float")
        return data
    if kind is str:
        if len(data) > MAX_STR:
            raise NotPlain("a string that is too long")
        return data
    if kind is list:
        return [decode(v, _depth + 1, budget) for v in data]
    if kind is not dict or len(data) != 1:
        raise NotPlain(f"unexpected {kind.__name__} in plain data")
    (tag, body), = data.items()
    if tag == "$float":
        return _num(data)
    if tag == "$tuple" and type(body) is list:
        return tuple(decode(v, _depth + 1, budget) for v in body)
    if tag == "$dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise NotPlain("a malformed dict entry")
            out[pair[0]] = decode(pair[1], _depth + 1, budget)
        return out
    if tag == "$array" and type(body) is dict and set(body) == {"dtype", "shape", "data"}:
        dtype, shape, flat = body["dtype"], body["shape"], body["data"]
        if dtype not in ("bool", "int64", "float64") or type(shape) is not list or type(flat) is not list:
            raise NotPlain("a malformed array")
        if len(shape) > 32 or not all(type(n) is int and 0 <= n for n in shape):
            raise NotPlain("an array with an invalid shape")
        if math.prod(shape) != len(flat):
            raise NotPlain("an array whose data does not fill its shape")
        budget[0] -= len(flat)
        if budget[0] < 0:
            raise NotPlain("the value is too large")
        if dtype == "float64":
            values = [_num(x) for x in flat]
        elif dtype == "int64":
            if not all(type(x) is int for x in flat):
                raise NotPlain("an int array holds something that is not an integer")
            values = flat
        else:
            if not all(type(x) is bool for x in flat):
                raise NotPlain("a bool array holds something that is not a boolean")
            values = flat
        try:
            return np.array(values, dtype=dtype).reshape(shape)
        except (OverflowError, ValueError):
            raise NotPlain("an array whose values do not fit its dtype") from None
    raise NotPlain(f"unknown tag {str(tag)[:40]!r} in plain data")
