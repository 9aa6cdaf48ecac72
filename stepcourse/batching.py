r"""Which rows each step sees: mini-batch sampling, and a least-squares loss with a mini-batch gradient.

Three ways to pick the rows of step :math:`t` from :math:`n` training rows, ``batch_size`` :math:`B` at
a time:

- ``"shuffle"``: a fresh random order every epoch, cut into consecutive batches (what
  :func:`stepcourse.training.fit` and PyTorch's ``DataLoader(shuffle=True)`` do). Every row is seen
  once per epoch; within a batch the rows are distinct.
- ``"replacement"``: every batch is :math:`B` independent uniform draws from all rows, so a row may
  appear twice and another not at all for a while. The textbook model of SGD (Bottou 2010): each
  step's gradient noise is independent of the last.
- ``"cyclic"``: the stored order, every epoch the same (no shuffling at all).

>>> from itertools import islice
>>> [b.tolist() for b in islice(batch_indices(5, 2, "cyclic"), 4)]
[[0, 1], [2, 3], [4], [0, 1]]
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["SAMPLINGS", "batch_indices", "minibatch_least_squares"]

SAMPLINGS = ("shuffle", "replacement", "cyclic")


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_n(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def batch_indices(n: int, batch_size: int, sampling: str = "shuffle", seed=0) -> Iterator[np.ndarray]:
    """An endless stream of row-index arrays, one per step.

    Parameters
    ----------
    n : int
        Number of rows.
    batch_size : int
        Rows per batch (capped at ``n``). With ``"shuffle"`` and ``"cyclic"`` an epoch's last batch is
        smaller when ``batch_size`` does not divide ``n``, as in :func:`stepcourse.data.batches`.
    sampling : {"shuffle", "replacement", "cyclic"}
        See the module docstring.
    seed : int, None or numpy Generator

    >>> from itertools import islice
    >>> epoch = list(islice(batch_indices(4, 2, "shuffle", seed=1), 2))   # one epoch: every row once
    >>> sorted(np.concatenate(epoch).tolist())
    [0, 1, 2, 3]
    """
    n = _check_n(n, "n")
    bs = min(_check_n(batch_size, "batch_size"), n)
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}; got {sampling!r}")
    rng = _rng(seed)
    if sampling == "replacement":
        while True:
            yield rng.integers(0, n, size=bs)
    order = np.arange(n)
    while True:
        if sampling == "shuffle":
            order = rng.permutation(n)
        for start in range(0, n, bs):
            yield order[start:start + bs]


def minibatch_least_squares(X, y, batch_size: int, sampling: str = "shuffle", seed=0, x0=None, name=None):
    r"""Least squares whose ``grad`` is a mini-batch estimate: SGD on real data through :func:`sc.minimize`.

    The loss is that of :func:`stepcourse.models.least_squares_problem` (the weights of a linear
    model on centered data, so the bias is the mean target, measured above its minimum):
    ``f`` is exact, for plots and for judging progress. Each call of ``grad`` draws the next batch
    :math:`B_t` from :func:`batch_indices` and returns the gradient of the loss on those rows alone,

    .. math::

        g_t(w) = \frac{2}{|B_t|} \sum_{i \in B_t} x_i (x_i^\top w - y_i),
        \qquad \mathbb E[g_t(w)] = \nabla f(w),

    an unbiased but noisy estimate of the full gradient. A run of :func:`stepcourse.loop.minimize`
    with ``steps = k * ceil(n / batch_size)`` is ``k`` epochs of mini-batch SGD, and its
    :class:`~stepcourse.loop.Trace` holds the exact loss after every step. (``minimize`` also asks for
    one gradient at the start, so the draws are shifted by one batch relative to the steps; the
    stream itself is unchanged.)

    The gradient stream lives in the returned problem: call this function again (same ``seed``) for
    a fresh run with the same batches.

    Attributes added to the returned Problem: ``n`` (rows), ``batch_size``, ``sampling``,
    ``steps_per_epoch``, ``H`` (the Hessian :math:`\tfrac2n X_c^\top X_c`) and
    ``per_example_grad(w)`` (the :math:`n` individual gradients at ``w``, shape ``(n, d)``).

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 2)); y = X @ np.array([1.0, -2.0])
    >>> p = minibatch_least_squares(X, y, batch_size=20)      # full batch: the exact gradient
    >>> w = np.array([0.3, 0.4])
    >>> bool(np.allclose(p.grad(w), p.per_example_grad(w).mean(axis=0)))
    True
    """
    from .models import least_squares_problem
    from .problems import Problem

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    base = least_squares_problem(X, y, x0=x0, name=name)
    n, d = X.shape
    bs = min(_check_n(batch_size, "batch_size"), n)
    stream = batch_indices(n, bs, sampling, seed)
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()

    def per_example_grad(w):
        w = np.asarray(w, dtype=float)
        return 2 * Xc * (Xc @ w - yc)[:, None]

    def grad(w):
        w = np.asarray(w, dtype=float)
        if w.shape[-1:] != (d,):
            raise ValueError(f"w must have a trailing axis of size {d}; got shape {w.shape}")
        idx = next(stream)
        # A batch of every row is the full gradient whatever the order: skip the copy.
        Xb, yb = (Xc, yc) if len(idx) == n and sampling != "replacement" else (Xc[idx], yc[idx])
        r = w @ Xb.T - yb  # (..., |B|)
        return (2.0 / len(idx)) * r @ Xb

    label = name or f"{base.name}, batch {bs} ({sampling})"
    problem = Problem(name=label, dim=d, f=base.f, grad=grad, hessian=base.hessian, x0=base.x0,
                      minima=base.minima, bounds=base.bounds, L=base.L, mu=base.mu, formula=base.formula)
    extras = {"n": n, "batch_size": bs, "sampling": sampling, "steps_per_epoch": -(-n // bs),
              "H": base.hessian(base.x0), "per_example_grad": per_example_grad}
    for key, value in extras.items():
        object.__setattr__(problem, key, value)
    return problem

