"""The fused lane of :mod:`stepcourse.optim`: Adam and AdamW as one compiled loop (optional, numba).

The array lane of :mod:`stepcourse.optim` makes one pass over memory per numpy operation, about a dozen
for an Adam step. The kernel here walks the entries once: it reads ``p``, ``g``, ``m`` and ``v`` (and
``max_exp_avg_sq`` under AMSGrad) and writes the new ``p``, ``m`` and ``v`` into fresh arrays, with
each entry's operations in the array lane's order, one IEEE-rounded operation at a time. Compiled with
``fastmath=False``, LLVM neither reorders them nor contracts a multiply and an add into a fused
multiply-add, so both lanes give the same bits, infinities and NaNs included
(``tests/test_fused.py``). ``error_model="numpy"``: ``x / 0`` is an IEEE infinity or NaN, as in numpy,
not a Python error.

Only used when numba can be imported (``pip install stepcourse[fast]``) and the array is large
(:data:`stepcourse.optim._FUSED`): a kernel compiles on its first call, about a second, and is cached
on disk where numba can write (beside this file, or in numba's user cache directory), so small
arrays never pay for the compiler.
"""
from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError:                        # the optional "fast" extra is not installed
    numba = None

#: Whether the fused lane can run (numba imported).
AVAILABLE = numba is not None

_EMPTY = np.empty(0)                       # stands for max_exp_avg_sq without AMSGrad
_OPTIONS = dict(nopython=True, fastmath=False, error_model="numpy", nogil=True)


def _jit(function):
    """``function`` compiled lazily, cached on disk if numba finds a writable place for the cache."""
    try:
        return numba.jit(cache=True, **_OPTIONS)(function)
    except RuntimeError:                   # "cannot cache function ...: no locator available"
        return numba.jit(cache=False, **_OPTIONS)(function)


def _adam_kernel(p, g, m, v, vmax, new_p, new_m, new_v, new_max, shrink, decay, maximize, amsgrad,
                 near, w, far, beta2, c, neg_step_size, bias_correction2_sqrt, eps):
    # One entry at a time, the operations of Adam._arrays in their order (see that method).
    for i in range(p.shape[0]):
        x = p[i] * shrink                  # AdamW shrinks theta itself; x * 1.0 is x, bit for bit
        d = g[i]
        if decay != 0.0:
            t = x * decay
            d = t - d if maximize else t + d
        elif maximize:
            d = -d
        mi = m[i]
        e = d - mi                         # torch's lerp, in its two forms by weight
        if near:
            e = e * w
            e = e + mi
        else:
            e = e * far
            e = d - e
        new_m[i] = e
        vi = v[i] * beta2
        t = d * c
        t = t * d
        vi = vi + t
        new_v[i] = vi
        if amsgrad:                        # np.maximum: nan if either is nan
            a = vmax[i]
            if not (a >= vi or a != a):
                a = vi
            new_max[i] = a
            vi = a
        t = math.sqrt(vi)
        t = t / bias_correction2_sqrt
        t = t + eps
        u = e * neg_step_size
        u = u / t
        new_p[i] = u + x


_adam = _jit(_adam_kernel) if AVAILABLE else None


def adam(p, g, m, v, vmax, shrink, decay, maximize, near, w, far, beta2, c, neg_step_size,
         bias_correction2_sqrt, eps):
    """Adam's (or AdamW's) update of one C-contiguous float64 array ``p`` of any shape, as new arrays
    ``(p_new, m_new, v_new, vmax_new)`` (``vmax_new`` None unless ``vmax`` is given: AMSGrad).

    The numbers are those :meth:`stepcourse.optim.Adam._arrays` computes: ``shrink`` is AdamW's factor
    (None without decoupled decay), ``decay`` the L2 weight decay, ``near``, ``w`` and ``far`` the form
    and weights of the lerp, ``c = 1 - beta2``. Nothing passed in is written to.
    """
    shape = p.shape
    amsgrad = vmax is not None
    new_m, new_v = np.empty(shape), np.empty(shape)
    new_max = np.empty(shape) if amsgrad else None
    spacer = np.empty(p.size)              # never touched; see stepcourse.optim._scratch
    new_p = np.empty(shape)
    del spacer
    flat = lambda a: a.reshape(-1)         # a view: every array here is C-contiguous
    _adam(flat(p), flat(g), flat(m), flat(v), flat(vmax) if amsgrad else _EMPTY,
          flat(new_p), flat(new_m), flat(new_v), flat(new_max) if amsgrad else _EMPTY,
          1.0 if shrink is None else float(shrink), float(decay), bool(maximize), amsgrad, bool(near),
          float(w), float(far), float(beta2), float(c), float(neg_step_size),
          float(bias_correction2_sqrt), float(eps))
    return new_p, new_m, new_v, new_max
