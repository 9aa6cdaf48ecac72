r"""An end-to-end experiment: a three-way split, a sweep of short runs, optimizers compared on equal terms.

The pieces a training project needs beyond :func:`stepcourse.fit` and :func:`stepcourse.lr_range_test`:

- :func:`train_val_test_split`: cut the rows once into training, validation and test parts. The
  validation part chooses (rates, schedules, optimizers, the epoch to stop at); the test part is
  looked at once, at the end, for the model chosen.
- :func:`productive_rates`: a short run at each rate of a grid, and the range of rates at which that
  run lowers the training loss to a fraction of where it started. It is the direct measurement that a
  range test's suggestion should fall inside.
- :func:`compare_optimizers`: one :func:`~stepcourse.fit` per optimizer from the same start, on the same
  mini-batches, with the same validation data and early stopping.
- :func:`accuracy`: the share of rows a classifier labels right.

>>> import numpy as np
>>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
>>> parts = train_val_test_split(X, y, val_size=0.25, test_size=0.25, seed=0)
>>> [len(p) for p in parts]
[10, 5, 5, 10, 5, 5]
"""
from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

import numpy as np

from ._validation import as_xy, check_integer, check_Xy, check_number, check_optimizer, describe
from .data import train_test_split

__all__ = ["train_val_test_split", "accuracy", "productive_rates", "compare_optimizers"]


def _rows(size, n: int, name: str) -> int:
    """A fraction (rounded up) or a count of ``n`` rows."""
    if isinstance(size, (float, np.floating)) and not isinstance(size, bool):
        if not 0 < size < 1:
            raise ValueError(f"{name} as a fraction must lie strictly between 0 and 1; got {size!r}")
        return int(np.ceil(size * n))
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        return check_integer(name, size, low=1, high=n - 1)
    raise TypeError(f"{name} must be a fraction (float) or a number of rows (int); got {describe(size)}")


def train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0):
    r"""Shuffle the rows once (seeded) and cut them into training, validation and test parts.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    val_size, test_size : float in (0, 1) or int
        Fraction of all ``n`` rows (rounded up) or number of rows for the validation and the test
        part; the training part gets the rest and must keep at least one row.
    seed : int, None or numpy Generator

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
        Every row lands in exactly one part. The test part is the one
        :func:`stepcourse.data.train_test_split` with ``test_size`` rows would give for ``seed``.

    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    >>> X_tr, X_va, X_te, *_ = train_val_test_split(X, y, val_size=2, test_size=3)
    >>> X_tr.shape, X_va.shape, X_te.shape
    ((5, 2), (2, 2), (3, 2))
    """
    X, y = check_Xy(X, y, y_float=False)      # class labels keep their dtype
    n = X.shape[0]
    n_val, n_test = _rows(val_size, n, "val_size"), _rows(test_size, n, "test_size")
    if n_val + n_test >= n:
        raise ValueError(f"val_size={val_size!r} and test_size={test_size!r} take {n_val + n_test} of {n} "
                         "rows; the training part needs at least one")
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=n_test, seed=seed)
    # The rest is already shuffled: its first rows are the validation part.
    return X_rest[n_val:], X_rest[:n_val], X_test, y_rest[n_val:], y_rest[:n_val], y_test


def accuracy(model, params, X, y) -> float:
    r"""The share of rows whose predicted class is the label: :math:`\frac1n \sum_i [\hat y_i = y_i]`.

    ``model.predict(params, X)`` gives the predicted classes (an MLP with ``loss="cross_entropy"``, or
    logistic regression).

    >>> import stepcourse as sc
    >>> mlp = sc.models.MLP([2, 2], activation="linear", loss="cross_entropy")
    >>> accuracy(mlp, {"W0": np.eye(2), "b0": np.zeros(2)}, np.array([[1.0, 0.0], [0.0, 1.0]]), [0, 0])
    0.5
    """
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"model must have predict(params, X); got {describe(model)}")
    X, y = as_xy((X, y), "data")
    return float(np.mean(np.asarray(model.predict(params, X)).ravel() == y))


def _with_lr(opt, lr):
    if not (dataclasses.is_dataclass(opt) and hasattr(opt, "lr")):
        raise TypeError(f"opt must be an optimizer from sc.optim (its lr is replaced); got {describe(opt)}")
    return dataclasses.replace(opt, lr=lr)


def productive_rates(model, params, data, opt, lrs, *, epochs: int = 2, batch_size: Optional[int] = None,
                     below: float = 0.25, seed=0) -> dict:
    r"""Train briefly at each rate of ``lrs``; report at which rates the run is productive.

    A rate :math:`\eta` is *productive* when ``epochs`` epochs of ``opt`` at the constant rate
    :math:`\eta`, from ``params``, neither diverge nor leave the training loss above ``below`` times the
    starting loss:

    .. math::

        \ell_\text{train}(\theta_E(\eta)) \le b\, \ell_\text{train}(\theta_0).

    Each run starts from the same ``params`` and sees the same mini-batches (``seed``).

    Parameters
    ----------
    model, params, data
        As for :func:`stepcourse.fit`.
    opt : optimizer from :mod:`stepcourse.optim`
        Its hyperparameters are kept and its ``lr`` replaced by each rate of the grid.
    lrs : sequence of float
        The grid, increasing.
    epochs : int
        The length of each short run.
    batch_size : int, optional
        As for :func:`stepcourse.fit`.
    below : float in (0, 1)
        The fraction :math:`b` of the starting loss a productive run reaches.
    seed : int
        The mini-batches.

    Returns
    -------
    dict
        ``"lrs"`` (the grid), ``"final"`` (the training loss after each run), ``"diverged"`` (bools),
        ``"productive"`` (bools), ``"start"`` (the starting loss) and ``"low"``, ``"high"``: the smallest and
        the largest productive rate (None when no rate is).

    >>> import stepcourse as sc
    >>> X, y = sc.data.make_line(n=40, seed=0)
    >>> model = sc.models.LinearRegression()
    >>> out = productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=0.1),
    ...                        [1e-3, 0.03, 0.1, 0.3, 3.0], epochs=20)
    >>> out["productive"].tolist(), out["low"], out["high"]
    ([False, True, True, False, False], 0.03, 0.1)
    """
    from .training import fit

    check_optimizer("opt", opt)
    grid = np.asarray(lrs, dtype=float)
    if grid.ndim != 1 or grid.size < 1 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"lrs must be a 1-D sequence of positive rates; got {lrs!r}")
    if np.any(np.diff(grid) <= 0):
        raise ValueError("lrs must be increasing")
    epochs = check_integer("epochs", epochs, low=1)
    below = check_number("below", below, low=0, high=1, low_open=True, high_open=True)
    final, diverged = [], []
    start = None
    for lr in grid:
        hist = fit(model, params, data, _with_lr(opt, float(lr)), epochs=epochs, batch_size=batch_size,
                   seed=seed)
        start = float(hist.train_loss[0])
        diverged.append(bool(hist.diverged))
        final.append(float(hist.train_loss[-1]) if not hist.diverged else float("inf"))
    final, diverged = np.array(final), np.array(diverged)
    productive = ~diverged & (final <= below * start)
    chosen = grid[productive]
    return {"lrs": grid, "final": final, "diverged": diverged, "productive": productive, "start": start,
            "low": float(chosen.min()) if chosen.size else None,
            "high": float(chosen.max()) if chosen.size else None}


def compare_optimizers(model, params, data, optimizers: Mapping, epochs: int, *,
                       batch_size: Optional[int] = None, val_data=None, early_stopping=None,
                       seed=0) -> dict:
    r"""Train the same model from the same start with each optimizer; return their histories.

    Every run is ``stepcourse.fit(model, params, data, opt, epochs, batch_size, val_data, seed,
    early_stopping)`` with the same arguments except ``opt``, so the runs see the same mini-batches in
    the same order: what differs between two histories is the optimizer (with its rate and schedule)
    alone.

    Parameters
    ----------
    model, params, data, epochs, batch_size, val_data, early_stopping, seed
        As for :func:`stepcourse.fit`.
    optimizers : mapping of str to optimizer
        The contenders, by label (e.g. ``{"Adam": sc.optim.Adam(lr=3e-3)}``).

    Returns
    -------
    dict of str to History
        In the order of ``optimizers``.

    >>> import stepcourse as sc
    >>> X, y = sc.data.make_line(n=40, seed=0)
    >>> model = sc.models.LinearRegression()
    >>> runs = compare_optimizers(model, model.init_params(1), (X, y),
    ...                           {"SGD": sc.optim.SGD(lr=0.1), "Adam": sc.optim.Adam(lr=0.1)}, epochs=5)
    >>> list(runs), [h.epochs_run for h in runs.values()]
    (['SGD', 'Adam'], [5, 5])
    """
    from .training import fit

    if not isinstance(optimizers, Mapping) or not optimizers:
        raise TypeError(f"optimizers must be a non-empty mapping of labels to optimizers; got "
                        f"{describe(optimizers)}")
    as_xy(data, "data")
    for label, opt in optimizers.items():
        check_optimizer(f"optimizers[{label!r}]", opt)
    return {label: fit(model, params, data, opt, epochs=epochs, batch_size=batch_size, val_data=val_data,
                       seed=seed, early_stopping=early_stopping)
            for label, opt in optimizers.items()}
