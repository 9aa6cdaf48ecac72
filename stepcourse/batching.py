r"""Which rows each step sees: mini-batch sampling (the least-squares problem whose runs see
mini-batch gradients is :func:`stepcourse.problems.minibatch_least_squares`).

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

from ._validation import as_generator, check_choice, check_integer

__all__ = ["SAMPLINGS", "batch_indices", "minibatch_least_squares"]

SAMPLINGS = ("shuffle", "replacement", "cyclic")


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
    n = check_integer("n", n, low=1)
    bs = min(check_integer("batch_size", batch_size, low=1), n)
    check_choice("sampling", sampling, SAMPLINGS)
    rng = as_generator(seed)
    if sampling == "replacement":
        while True:
            yield rng.integers(0, n, size=bs)
    order = np.arange(n)
    while True:
        if sampling == "shuffle":
            order = rng.permutation(n)
        for start in range(0, n, bs):
            yield order[start:start + bs]


def __getattr__(name: str):
    # minibatch_least_squares is a Problem and lives in stepcourse.problems; resolved on first use
    # (stepcourse.problems imports this module).
    if name == "minibatch_least_squares":
        from .problems import minibatch_least_squares

        return minibatch_least_squares
    raise AttributeError(f"module 'stepcourse.batching' has no attribute {name!r}")
