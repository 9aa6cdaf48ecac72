r"""What a computation costs, counted rather than timed: matrix products and the memory they keep.

Wall-clock time depends on the machine, the BLAS library and whatever else runs; a count of
multiply-adds does not. :func:`count_matmuls` runs any function of a parameter dict (a loss, a
forward pass, a backward pass) and counts every matrix product ``A @ B`` it performs on arrays
derived from the parameters. A product of an :math:`(m \times k)` and a :math:`(k \times n)` matrix
costs

.. math::

    m\,k\,n \quad \text{multiply-adds.}

For a fully connected layer :math:`z = h W + b` with :math:`W` of shape
:math:`(n_{\text{in}}, n_{\text{out}})` on a batch of :math:`B` rows, the forward pass is one product,
:math:`B\, n_{\text{in}}\, n_{\text{out}}` multiply-adds, and the backward pass needs two of the same
size, one for the weights' gradient and one for the gradient that flows on to the layer below:

.. math::

    \frac{\partial \ell}{\partial W} = h^\top \delta, \qquad
    \frac{\partial \ell}{\partial h} = \delta\, W^\top .

:func:`peak_allocation` measures, with :mod:`tracemalloc`, the largest amount of memory a call holds
at once, which for a backward pass is dominated by the activations the forward pass stored for it.
"""
from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["MatmulCount", "count_matmuls", "peak_allocation"]


@dataclass(frozen=True)
class MatmulCount:
    """The matrix products of one call: how many, and their multiply-adds.

    Attributes
    ----------
    products : int
        Number of matrix products (``@``, :func:`numpy.matmul`).
    multiply_adds : int
        Sum over the products of :math:`m k n` for an :math:`(m, k) \\times (k, n)` product.
    value : object
        What the counted function returned (arrays converted back to plain ndarrays).
    """

    products: int
    multiply_adds: int
    value: object = None

    def __repr__(self) -> str:
        return f"MatmulCount(products={self.products}, multiply_adds={self.multiply_adds:,})"


class _Counted(np.ndarray):
    """An ndarray that adds the cost of every matrix product it takes part in to a shared tally."""

    _tally = None

    def __array_finalize__(self, obj):
        if obj is not None and self._tally is None:
            self._tally = getattr(obj, "_tally", None)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        tally = next((x._tally for x in inputs if isinstance(x, _Counted) and x._tally is not None),
                     None)
        plain = [x.view(np.ndarray) if isinstance(x, _Counted) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Counted) else o
                                  for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc is np.matmul and method == "__call__" and tally is not None:
            tally[0] += 1
            tally[1] += _matmul_cost(np.shape(plain[0]), np.shape(plain[1]))
        return _wrap(result, tally)


def _matmul_cost(a, b) -> int:
    """Multiply-adds of ``A @ B`` for operand shapes ``a`` and ``b`` (NumPy's matmul rules)."""
    m = a[-2] if len(a) > 1 else 1
    k = a[-1]
    n = b[-1] if len(b) > 1 else 1
    stack = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
    return int(np.prod(stack, dtype=np.int64)) * int(m) * int(k) * int(n)


def _wrap(value, tally):
    if isinstance(value, np.ndarray) and not isinstance(value, _Counted):
        out = value.view(_Counted)
        out._tally = tally
        return out
    if isinstance(value, tuple):
        return tuple(_wrap(v, tally) for v in value)
    return value


def _unwrap(value):
    if isinstance(value, _Counted):
        return value.view(np.ndarray)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def count_matmuls(fn: Callable, params) -> MatmulCount:
    r"""Call ``fn(params)`` and count the matrix products it performs on the parameters' descendants.

    Every array of ``params`` (an ndarray or a dict of them) is replaced by a view that records each
    matrix product it, or any array computed from it, takes part in. An :math:`(m, k) \times (k, n)`
    product counts :math:`m k n` multiply-adds; a matrix-vector product counts :math:`m k`. Products
    between arrays that never touched a parameter (the data alone) are not seen, and element-wise
    work (activations, additions) is not counted: it is of lower order for wide layers.

    Parameters
    ----------
    fn : callable
        ``fn(params) -> anything``. It must not convert the parameters with ``np.asarray`` /
        ``np.array`` before multiplying (the views would be lost); :class:`stepcourse.mlp.MLP` and
        the models of :mod:`stepcourse.models` do not.
    params : ndarray or dict of ndarrays
        Not modified.

    Returns
    -------
    MatmulCount
        ``products``, ``multiply_adds`` and the function's return ``value`` (as plain arrays).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((4, 3))
    >>> c = count_matmuls(lambda p: X @ p["W"], {"W": np.ones((3, 2))})
    >>> c.products, c.multiply_adds
    (1, 24)
    """
    tally = [0, 0]

    def counted(a):
        out = np.array(a, dtype=float, copy=True).view(_Counted)
        out._tally = tally
        return out

    if isinstance(params, dict):
        wrapped = {k: counted(v) for k, v in params.items()}
    elif isinstance(params, np.ndarray) or np.isscalar(params):
        wrapped = counted(params)
    else:
        raise TypeError(f"params must be an ndarray or a dict of ndarrays; got {type(params).__name__}")
    value = fn(wrapped)
    return MatmulCount(products=tally[0], multiply_adds=tally[1], value=_unwrap(value))


def peak_allocation(fn: Callable, *args, **kwargs) -> int:
    """The largest number of bytes held at once by new allocations during ``fn(*args, **kwargs)``.

    Measured with :mod:`tracemalloc` (NumPy reports its array buffers to it), relative to what was
    allocated when the call started. The result depends on the code and the array sizes, not on the
    machine's speed; it is a measurement of memory, not of time.

    Examples
    --------
    >>> n = peak_allocation(lambda: np.zeros(1_000_000))
    >>> 8_000_000 <= n < 8_100_000
    True
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return int(peak - base)
