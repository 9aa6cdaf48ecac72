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

from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np

from ._validation import as_generator, check_choice, check_integer, check_positive

__all__ = ["SAMPLINGS", "batch_indices", "BatchSizeRun", "batch_size_run"]

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


@dataclass(frozen=True, eq=False)
class BatchSizeRun:
    """The answer of :func:`batch_size_run`.

    Attributes
    ----------
    problem : Problem
        The mini-batch least-squares problem (:func:`stepcourse.problems.minibatch_least_squares`).
    trace : Trace
        Mini-batch SGD, one entry per step.
    full : Trace
        Full-batch gradient descent, one step per epoch.
    steps_per_epoch : int
    floor : float or None
        The predicted loss floor for independent batches (None where the rate is too large for the
        formula).
    batch_size, lr, sampling, epochs
        The settings of the run (``batch_size`` capped at the number of rows).
    """

    problem: object
    trace: object
    full: object
    steps_per_epoch: int
    floor: Optional[float]
    batch_size: int
    lr: float
    sampling: str
    epochs: int


def batch_size_run(X, y, batch_size: int, lr: float, epochs: int = 10, sampling: str = "shuffle",
                   seed=0) -> BatchSizeRun:
    r"""Mini-batch SGD on least squares for ``epochs`` epochs, and full-batch GD for as many epochs.

    Both runs start at the problem's start and use plain SGD, :math:`w_{t+1} = w_t - \eta\, g_t`:
    mini-batch SGD for ``epochs`` times ``ceil(n / batch_size)`` steps, each on the next batch of
    ``sampling``; gradient descent for ``epochs`` steps on all rows. The predicted floor is
    :func:`stepcourse.noise.noise_floor` with the per-example gradient covariance at the minimum.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = X @ np.array([1.0, -2.0])
    >>> run = batch_size_run(X, y, batch_size=8, lr=0.1, epochs=3)
    >>> run.steps_per_epoch, run.trace.steps, run.full.steps
    (5, 15, 3)
    """
    from .loop import minimize
    from .noise import noise_floor
    from .optim import SGD
    from .problems import minibatch_least_squares

    lr = check_positive("lr", lr)
    epochs = check_integer("epochs", epochs, low=1)
    check_choice("sampling", sampling, SAMPLINGS)
    problem = minibatch_least_squares(X, y, batch_size, sampling, seed=seed)
    spe = problem.steps_per_epoch
    trace = minimize(problem, SGD(lr=lr), steps=epochs * spe)
    full = minimize(minibatch_least_squares(X, y, problem.n, "cyclic"), SGD(lr=lr), steps=epochs)
    cov = np.cov(problem.per_example_grad(problem.minima[0]).T, bias=True)
    try:
        floor = noise_floor(problem.H, cov, lr, problem.batch_size, n=problem.n, replace=sampling == "replacement")
    except ValueError:
        floor = None
    return BatchSizeRun(problem=problem, trace=trace, full=full, steps_per_epoch=spe, floor=floor,
                        batch_size=problem.batch_size, lr=lr, sampling=sampling, epochs=epochs)
