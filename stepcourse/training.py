"""Training a model on data: ``fit(model, params, data, opt, epochs) -> History``.

``fit`` works with any model that follows the course's model protocol (see :mod:`stepcourse.models`):
``loss_and_grad(params, X, y) -> (loss, grads)``, and optionally ``loss(params, X, y)`` for a cheaper
forward pass. The optimizer is any object with ``init(params)``, ``step(params, grads, state)`` and
``lr_at(t)``, such as those in :mod:`stepcourse.optim`.

A run records what happened in a :class:`History`; divergence (a loss that stops being finite or
explodes) ends the run, flagged, and never shows a numpy warning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ._threads import single_blas_thread
from ._tree import copy as _copy
from ._tree import global_norm
from ._validation import (as_generator, as_xy, check_callable, check_flag, check_integer, check_non_negative,
                          check_optimizer, check_positive, describe)
from .data import batches
from .loop import DIVERGENCE_FACTOR, Divergence

__all__ = ["EarlyStopping", "History", "fit", "global_norm"]  # global_norm lives in stepcourse._tree


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the monitored loss has not improved for ``patience`` epochs (Prechelt 1998).

    The monitored loss is the validation loss when ``fit`` gets ``val_data``, else the training loss.
    An epoch *improves* when its loss is below the best so far by more than ``min_delta``; the best
    parameters are those of the last improving epoch (or the starting ones, epoch 0).

    Parameters
    ----------
    patience : int
        Epochs without improvement tolerated; training stops at the ``patience``-th such epoch in a row.
    min_delta : float
        The smallest decrease that counts as an improvement (0: any decrease).
    restore_best : bool
        Return the best parameters instead of the last ones (``History.params``).

    >>> EarlyStopping(patience=3)
    EarlyStopping(patience=3, min_delta=0.0, restore_best=True)
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self):
        object.__setattr__(self, "patience", check_integer("patience", self.patience, low=1))
        object.__setattr__(self, "min_delta", check_non_negative("min_delta", self.min_delta))
        object.__setattr__(self, "restore_best", check_flag("restore_best", self.restore_best))


@dataclass(frozen=True, eq=False)
class History:
    """The record of one training run.

    Epoch arrays start with the state before training: index ``k`` is "after ``k`` epochs".

    Attributes
    ----------
    train_loss : ndarray, shape (epochs_run + 1,)
        Loss on the whole training set after each epoch.
    val_loss : ndarray, shape (epochs_run + 1,), or None
        Loss on ``val_data`` after each epoch (None without validation data).
    step_loss : ndarray, shape (steps,)
        Loss of the (mini-)batch at each step, before the update.
    step_val_loss : ndarray, shape (steps,), or None
        Validation loss after each step (only with ``val_each_step=True``).
    lrs : ndarray, shape (steps,)
        Learning rate of each step.
    grad_norms : ndarray, shape (steps,)
        Euclidean norm of the whole gradient at each step, before any clipping.
    final_params, best_params : dict of ndarrays
        The parameters at the end of the run (the last with a finite loss) and at ``best_epoch``.
    best_epoch : int
        The epoch with the best monitored loss (validation if given, else training), as defined by
        :class:`EarlyStopping` (with ``min_delta=0`` when there is none).
    stopped_epoch : int or None
        The epoch at which the run stopped early (early stopping, divergence or the callback); None when
        it ran every epoch.
    stop_reason : str
        ``"completed"``, ``"early_stopping"``, ``"diverged"`` or ``"callback"``.
    diverged : bool
    diverged_at : int or None
        The step at which a non-finite or exploding loss was detected.
    restored : bool
        True when :attr:`params` are the best rather than the final parameters.
    steps_per_epoch, batch_size, n_train : int
    """

    train_loss: np.ndarray
    val_loss: Optional[np.ndarray]
    step_loss: np.ndarray
    lrs: np.ndarray
    grad_norms: np.ndarray
    final_params: dict = field(repr=False)
    best_params: dict = field(repr=False)
    best_epoch: int = 0
    stopped_epoch: Optional[int] = None
    stop_reason: str = "completed"
    diverged: bool = False
    diverged_at: Optional[int] = None
    restored: bool = False
    steps_per_epoch: int = 1
    batch_size: int = 0
    n_train: int = 0
    step_val_loss: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def params(self):
        """The parameters to use: the best ones if early stopping restored them, else the final ones."""
        return self.best_params if self.restored else self.final_params

    @property
    def epochs_run(self) -> int:
        """Number of completed epochs."""
        return len(self.train_loss) - 1

    @property
    def steps(self) -> int:
        """Number of optimizer steps taken."""
        return len(self.step_loss)

    @property
    def epochs(self) -> np.ndarray:
        """``0, 1, ..., epochs_run``: the x-axis of :attr:`train_loss` and :attr:`val_loss`."""
        return np.arange(len(self.train_loss))

    @property
    def monitored(self) -> np.ndarray:
        """The loss early stopping watches: validation if present, else training."""
        return self.val_loss if self.val_loss is not None else self.train_loss

    def __repr__(self) -> str:
        # A summary a learner can read at a glance; the arrays are one attribute away.
        parts = [f"{self.epochs_run} epochs ({self.steps} steps)", f"train loss {self.train_loss[-1]:.4g}"]
        if self.val_loss is not None:
            parts.append(f"val loss {self.val_loss[-1]:.4g}, best {self.val_loss[self.best_epoch]:.4g} "
                         f"at epoch {self.best_epoch}")
        if self.diverged:
            parts.append(f"diverged at step {self.diverged_at}")
        elif self.stopped_epoch is not None:
            parts.append(f"stopped early at epoch {self.stopped_epoch}" + (", best restored" if self.restored else ""))
        return f"History({'; '.join(parts)})"


@single_blas_thread
def fit(model, params, data, opt, epochs: int, batch_size: Optional[int] = None, val_data=None, seed=0,
        early_stopping=None, clip_grad_norm: Optional[float] = None, callback: Optional[Callable] = None, *,
        val_each_step: bool = False, divergence_factor: Optional[float] = DIVERGENCE_FACTOR,
        step_callback: Optional[Callable] = None) -> History:
    r"""Train ``params`` of ``model`` on ``data`` with the optimizer ``opt``; return a :class:`History`.

    Each epoch visits every training row once: in one full-batch step (``batch_size=None``), or in
    mini-batches of ``batch_size`` rows in a fresh random order each epoch
    (:func:`stepcourse.data.batches` with a Generator drawn from ``seed``). Each step is

    .. math::

        g_t = \nabla_\theta \ell_{B_t}(\theta_t), \qquad
        \theta_{t+1}, s_{t+1} = \mathrm{opt.step}(\theta_t, \operatorname{clip}(g_t), s_t)

    where :math:`\ell_{B_t}` is the mean loss over the batch and ``clip`` rescales :math:`g_t` to norm
    ``clip_grad_norm`` when it is longer. After each epoch the loss on the whole training set (and on
    ``val_data``) is recorded; with full batches this evaluation is also the next step's gradient, so it
    costs nothing extra.

    Parameters
    ----------
    model
        Follows the model protocol: ``loss_and_grad(params, X, y)`` (and optionally ``loss``).
    params : dict of ndarrays (or one ndarray)
        The starting parameters, e.g. ``model.init_params(n_features)``. Not modified.
    data : (X, y) or Dataset
        The training set.
    opt
        An optimizer with ``init``, ``step`` and ``lr_at`` (e.g. ``sc.optim.SGD(lr=0.1)``).
    epochs : int
        Passes over the training set (0 just evaluates the start).
    batch_size : int, optional
        Rows per step; None (or at least the number of rows) means full-batch gradient descent.
    val_data : (X, y) or Dataset, optional
        Held-out data, evaluated after each epoch; early stopping watches it when given.
    seed : int, None or numpy Generator
        The shuffling of mini-batches.
    early_stopping : EarlyStopping or int, optional
        Stop after ``patience`` epochs without improvement; an int is the patience (``EarlyStopping(n)``:
        ``min_delta=0``, ``restore_best=True``).
    clip_grad_norm : float, optional
        Rescale each gradient to at most this global norm (``sc.optim.clip_grad_norm``).
    callback : callable, optional
        ``callback(epoch, params, logs)`` after each epoch, with ``logs`` a dict holding ``train_loss``,
        ``val_loss`` (or None) and ``step``. Returning ``True`` stops the run.
    val_each_step : bool
        Also evaluate ``val_data`` after every step (:attr:`History.step_val_loss`); costs a forward pass
        over the validation set per step.
    divergence_factor : float or None
        The run is flagged as diverged when a step's loss exceeds this multiple of the starting training
        loss, as well as when a loss or gradient stops being finite (:class:`stepcourse.loop.Divergence`).
        None checks finiteness only.
    step_callback : callable, optional
        ``step_callback(t, loss)`` with each step's number ``t`` (from 0) and the loss of its batch at the
        current parameters, before the update (and before the divergence check); returning ``True``
        ends the run there, without that update (``stop_reason="callback"``). The range test stops its
        sweep this way.

    Returns
    -------
    History

    Examples
    --------
    >>> import numpy as np, stepcourse as sc
    >>> X, y = sc.data.make_line(n=50, seed=0)
    >>> model = sc.models.LinearRegression()
    >>> hist = sc.fit(model, model.init_params(1), (X, y), sc.optim.SGD(lr=0.1), epochs=200)
    >>> exact = sc.models.least_squares(X, y)
    >>> bool(np.allclose(hist.params["w"], exact["w"]))
    True
    """
    if not callable(getattr(model, "loss_and_grad", None)):
        raise TypeError(f"model must have loss_and_grad(params, X, y), such as sc.models.LinearRegression(); "
                        f"got {describe(model)}")
    opt = check_optimizer("opt", opt)
    X, y = as_xy(data, "data")
    Xv, yv = as_xy(val_data, "val_data") if val_data is not None else (None, None)
    epochs = check_integer("epochs", epochs, low=0)
    n = X.shape[0]
    batch_size = check_integer("batch_size", batch_size, low=1, allow_none=True)
    full_batch = batch_size is None or batch_size >= n
    bs = n if full_batch else batch_size
    steps_per_epoch = 1 if full_batch else -(-n // bs)
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"early_stopping must be an EarlyStopping, an int patience or None; "
                        f"got {type(early_stopping).__name__}")
    if clip_grad_norm is not None:
        clip_grad_norm = check_positive("clip_grad_norm", clip_grad_norm)
        from .optim import clip_grad_norm as clip
    check_callable("callback", callback, allow_none=True)
    check_callable("step_callback", step_callback, allow_none=True)
    val_each_step = check_flag("val_each_step", val_each_step)

    loss_only = getattr(model, "loss", None)
    if not callable(loss_only):
        def loss_only(p, A, b):
            return model.loss_and_grad(p, A, b)[0]

    lr_at = getattr(opt, "lr_at", None)
    if not callable(lr_at):
        def lr_at(t):
            return float(getattr(opt, "lr", np.nan))

    rng = as_generator(seed)
    max_steps = epochs * steps_per_epoch
    step_loss = np.empty(max_steps)
    lrs = np.empty(max_steps)
    grad_norms = np.empty(max_steps)
    step_val = np.empty(max_steps) if (val_each_step and Xv is not None) else None
    train_loss = [np.nan] * (epochs + 1)
    val_loss = [np.nan] * (epochs + 1) if Xv is not None else None

    params = _copy(params)
    stop_reason, stopped_epoch, diverged_at, halted = "completed", None, None, False
    t = 0
    epoch = 0
    # Overflow is expected on a diverging run: it is reported in the History, not as warnings.
    with np.errstate(all="ignore"):
        cached = model.loss_and_grad(params, X, y) if full_batch else None
        train_loss[0] = float(cached[0]) if full_batch else float(loss_only(params, X, y))
        if not np.isfinite(train_loss[0]):
            raise ValueError("the training loss is not finite at the starting params")
        if val_loss is not None:
            val_loss[0] = float(loss_only(params, Xv, yv))
        rule = Divergence.starting_at(train_loss[0], 0.0, divergence_factor)
        monitored = val_loss if val_loss is not None else train_loss
        min_delta = early_stopping.min_delta if early_stopping else 0.0
        best_value, best_epoch, best_params, wait = monitored[0], 0, params, 0
        state = opt.init(params)
        last_good = params

        for epoch in range(1, epochs + 1):
            if full_batch:
                batch_iter = ((X, y, cached),)
            else:  # a fresh order each epoch: the Generator advances
                batch_iter = ((Xb, yb, None) for Xb, yb in batches(X, y, bs, seed=rng))
            for Xb, yb, pre in batch_iter:
                loss, grads = pre if pre is not None else model.loss_and_grad(params, Xb, yb)
                loss = float(loss)
                if step_callback is not None and step_callback(t, loss) is True:
                    halted = True
                    break
                norm = global_norm(grads)
                if rule.exceeded(loss) or not np.isfinite(norm):
                    diverged_at = t
                    break
                if clip_grad_norm is not None:
                    grads, _ = clip(grads, clip_grad_norm)
                step_loss[t], grad_norms[t], lrs[t] = loss, norm, lr_at(t)
                last_good = params
                params, state = opt.step(params, grads, state)
                t += 1
                if step_val is not None:
                    step_val[t - 1] = float(loss_only(params, Xv, yv))
            if halted:
                stop_reason, stopped_epoch = "callback", epoch
                epoch -= 1          # the interrupted epoch is not complete: nothing recorded for it
                break
            if diverged_at is None:
                if full_batch:
                    cached = model.loss_and_grad(params, X, y)
                    tl = float(cached[0])
                else:
                    tl = float(loss_only(params, X, y))
                if rule.exceeded(tl):
                    diverged_at = t
            if diverged_at is not None:
                # The current params gave a non-finite or exploding loss: keep the last good ones.
                params = last_good
                stop_reason, stopped_epoch = "diverged", epoch
                epoch -= 1
                break
            train_loss[epoch] = tl
            if val_loss is not None:
                val_loss[epoch] = float(loss_only(params, Xv, yv))
            current = monitored[epoch]
            if current < best_value - min_delta:
                best_value, best_epoch, best_params, wait = current, epoch, _copy(params), 0
            else:
                wait += 1
            if early_stopping is not None and wait >= early_stopping.patience:
                stop_reason, stopped_epoch = "early_stopping", epoch
                break
            if callback is not None:
                logs = {"train_loss": tl, "val_loss": None if val_loss is None else val_loss[epoch], "step": t}
                if callback(epoch, params, logs) is True:
                    stop_reason, stopped_epoch = "callback", epoch
                    break

    done = epoch + 1
    restored = bool(early_stopping is not None and early_stopping.restore_best)
    return History(
        train_loss=np.asarray(train_loss[:done], dtype=float),
        val_loss=None if val_loss is None else np.asarray(val_loss[:done], dtype=float),
        step_loss=step_loss[:t].copy(), lrs=lrs[:t].copy(), grad_norms=grad_norms[:t].copy(),
        step_val_loss=None if step_val is None else step_val[:t].copy(),
        final_params=_copy(params), best_params=_copy(best_params), best_epoch=int(best_epoch),
        stopped_epoch=stopped_epoch, stop_reason=stop_reason, diverged=diverged_at is not None,
        diverged_at=diverged_at, restored=restored, steps_per_epoch=steps_per_epoch, batch_size=bs,
        n_train=n,
    )
