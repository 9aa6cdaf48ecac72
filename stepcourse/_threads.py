"""One BLAS thread for the package's own loops of small matrix products.

A chapter's networks multiply matrices of a few hundred rows, thousands of times: each product is
too small for threads to pay off, and on a machine with other work the threads of a multi-threaded
BLAS mostly wait for each other (the vanishing-gradients chapter ran three times slower with the
default thread count). :func:`one_blas_thread` limits BLAS to one thread while the package's own
loops run (``fit``, the MLP's passes), whatever way the chapter is run: a plain Jupyter kernel, the
book build, the tests. It uses ``threadpoolctl`` and restores the previous setting on exit; nested
uses cost nothing, and without ``threadpoolctl`` it does nothing.
"""
from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

__all__ = ["one_blas_thread", "single_blas_thread"]

_local = threading.local()
_controller = None          # a threadpoolctl.ThreadpoolController, made on first use; False if unavailable


def _get_controller():
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # threadpoolctl missing or unable to inspect the libraries: run as is
            _controller = False
    return _controller


@contextmanager
def one_blas_thread():
    """Run the block with BLAS limited to one thread (re-entrant; a no-op inside another use).

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        controller = _get_controller() if depth == 0 else False
        if controller:
            with controller.limit(limits=1, user_api="blas"):
                yield
        else:
            yield
    finally:
        _local.depth = depth


def single_blas_thread(function):
    """Decorator: ``function`` runs inside :func:`one_blas_thread`."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
