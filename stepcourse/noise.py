r"""Gradient noise: how far a mini-batch gradient strays from the full one, and what that costs.

With per-example gradients :math:`g_1, \dots, g_n` at the current parameters, their mean
:math:`\bar g` is the full-batch gradient and their spread is

.. math::

    \sigma^2 = \frac1n \sum_{i=1}^n \lVert g_i - \bar g \rVert^2 .

A mini-batch of :math:`B` rows averages :math:`B` of them. Its expected squared error
:math:`\mathbb E \lVert g_B - \bar g \rVert^2` is

.. math::

    \frac{\sigma^2}{B} \quad\text{(rows drawn independently, with replacement)}, \qquad
    \frac{\sigma^2}{B}\,\frac{n - B}{n - 1} \quad\text{(B distinct rows, without replacement)},

the second with the finite-population correction: a batch of all :math:`n` rows has no noise at all.
With a constant learning rate this noise keeps SGD from settling: it hovers above the minimum at a
*noise floor* proportional to the rate (Bottou 2010), :func:`noise_floor`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _tree
from ._validation import (as_generator, check_flag, check_integer, check_non_negative, check_positive,
                          check_Xy)
from .batching import batch_indices

__all__ = [
    "flatten", "per_example_gradients", "gradient_spread", "minibatch_variance", "measure_minibatch_variance",
    "gradient_noise", "GradientNoise", "noise_floor",
]


def flatten(grads) -> np.ndarray:
    """A gradient (one array, or a dict of arrays) as one flat float vector; a dict's arrays in
    insertion order (the order of ``params``, as :mod:`stepcourse.optim` walks them).

    >>> flatten({"w": np.array([1.0, 2.0]), "b": np.array(3.0)}).tolist()
    [1.0, 2.0, 3.0]
    """
    return _tree.flatten(grads)


@dataclass(frozen=True, eq=False)
class GradientNoise:
    r"""Measured and predicted mini-batch gradient variance (:func:`gradient_noise`).

    Attributes
    ----------
    batch_sizes : ndarray of int
    measured, predicted : ndarray
        Mean :math:`\lVert g_B - \bar g\rVert^2` over the draws, and :func:`minibatch_variance`.
    sigma2 : float
        The spread of one row's gradient (:func:`gradient_spread`).
    n : int
        Rows.
    replace : bool
        Whether the rows of a batch were drawn with replacement.
    """

    batch_sizes: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    sigma2: float
    n: int
    replace: bool


def per_example_gradients(model, params, X, y) -> np.ndarray:
    r"""The gradient of the loss on each row alone, flattened: shape ``(n, n_params)``.

    Row :math:`i` is :math:`\nabla \ell(\theta; x_i, y_i)`; their mean is the full-batch gradient (the
    loss is a mean over rows). Computed one row at a time with ``model.loss_and_grad``, so any model
    of the course's model protocol works.

    >>> import stepcourse as sc
    >>> X, y = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 1.0, 4.0])
    >>> model, params = sc.models.LinearRegression(), {"w": np.array([1.0]), "b": np.array(0.0)}
    >>> G = per_example_gradients(model, params, X, y)
    >>> bool(np.allclose(G.mean(axis=0), flatten(model.loss_and_grad(params, X, y)[1])))
    True
    """
    X, y = check_Xy(X, y, min_samples=2)
    return np.stack([flatten(model.loss_and_grad(params, X[i:i + 1], y[i:i + 1])[1]) for i in range(len(y))])


def gradient_spread(per_example) -> float:
    r""":math:`\sigma^2 = \frac1n \sum_i \lVert g_i - \bar g\rVert^2`, the total variance of one row's gradient.

    >>> gradient_spread(np.array([[1.0, 0.0], [-1.0, 0.0]]))
    1.0
    """
    G = np.asarray(per_example, dtype=float)
    if G.ndim != 2 or G.shape[0] < 2:
        raise ValueError(f"per_example must have shape (n, n_params) with n >= 2; got {G.shape}")
    return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))


def minibatch_variance(sigma2: float, n: int, batch_size, replace: bool = False):
    r"""Expected :math:`\lVert g_B - \bar g\rVert^2` for a batch of ``batch_size`` rows out of ``n``.

    .. math::

        \frac{\sigma^2}{B} \;\text{(replace=True)}, \qquad
        \frac{\sigma^2}{B}\,\frac{n - B}{n - 1} \;\text{(replace=False)}

    ``batch_size`` may be an array (returns an array).

    >>> minibatch_variance(1.0, 10, [1, 10]).tolist(), minibatch_variance(1.0, 10, 5, replace=True)
    ([1.0, 0.0], 0.2)
    """
    sigma2 = check_non_negative("sigma2", sigma2)
    n = check_integer("n", n, low=2)
    replace = check_flag("replace", replace)
    B = np.asarray(batch_size, dtype=float)
    if np.any(B < 1) or np.any(B != np.round(B)) or (not replace and np.any(B > n)):
        allowed = "integers >= 1" if replace else f"integers from 1 to n={n}"
        raise ValueError(f"batch_size must hold {allowed}; got {batch_size!r}")
    var = sigma2 / B if replace else sigma2 / B * (n - B) / (n - 1)
    return float(var) if var.ndim == 0 else var


def measure_minibatch_variance(model, params, X, y, batch_size: int, draws: int = 1000, replace: bool = False,
                               seed=0) -> float:
    r"""The measured mini-batch noise: the mean of :math:`\lVert g_B - \bar g\rVert^2` over ``draws`` batches.

    ``replace=False`` draws :math:`B` distinct rows per batch (the rows of one batch of a shuffled
    epoch); ``replace=True`` draws :math:`B` independent rows (:func:`~stepcourse.batching.batch_indices`
    with ``"replacement"``). The batch gradient comes from ``model.loss_and_grad`` on the batch's rows,
    exactly as in training.
    """
    X, y = check_Xy(X, y, min_samples=2)
    n = len(y)
    draws = check_integer("draws", draws, low=1)
    replace = check_flag("replace", replace)
    batch_size = check_integer("batch_size", batch_size, low=1, high=None if replace else n)
    full = flatten(model.loss_and_grad(params, X, y)[1])
    rng = as_generator(seed)
    if replace:
        stream = batch_indices(n, int(batch_size), "replacement", rng)
        picks = (next(stream) for _ in range(draws))
    else:
        picks = (rng.choice(n, size=int(batch_size), replace=False) for _ in range(draws))
    total = 0.0
    for idx in picks:
        diff = flatten(model.loss_and_grad(params, X[idx], y[idx])[1]) - full
        total += float(diff @ diff)
    return total / draws


def gradient_noise(model, params, X, y, batch_sizes, draws: int = 1000, replace: bool = False,
                   seed=0) -> GradientNoise:
    """Measured and predicted mini-batch gradient variance for several batch sizes.

    Returns
    -------
    GradientNoise
    """
    X, y = check_Xy(X, y, min_samples=2)
    sizes = np.array([check_integer("batch_sizes[i]", b, low=1) for b in np.ravel(batch_sizes)], dtype=int)
    rng = as_generator(seed)
    sigma2 = gradient_spread(per_example_gradients(model, params, X, y))
    measured = np.array([measure_minibatch_variance(model, params, X, y, int(b), draws, replace, rng) for b in sizes])
    return GradientNoise(batch_sizes=sizes, measured=measured, sigma2=sigma2, n=len(y), replace=bool(replace),
                         predicted=minibatch_variance(sigma2, len(y), sizes, replace))


def noise_floor(hessian, noise_cov, lr: float, batch_size: int = 1, n=None, replace: bool = True) -> float:
    r"""Predicted average excess loss of constant-rate SGD on a quadratic with additive gradient noise.

    With :math:`e_{t+1} = (I - \eta H) e_t - \eta \xi_t`, the noise :math:`\xi_t` independent across
    steps with covariance :math:`C_B = C/B` (times :math:`(n-B)/(n-1)` without replacement, when ``n``
    is given), the iterates settle into a stationary spread around the minimum. In the eigenbasis of
    :math:`H` (curvatures :math:`h_i`, noise variances :math:`c_{ii}` along them) the average excess
    loss :math:`\tfrac12\,\mathbb E\, e^\top H e` is

    .. math::

        \bar f - f^* = \frac{\eta}{2} \sum_i \frac{c_{ii}}{2 - \eta h_i}
        \;\approx\; \frac{\eta}{4}\,\operatorname{tr} C_B \quad (\eta h_i \ll 1),

    proportional to the learning rate and inversely to the batch size. ``noise_cov`` is the covariance
    :math:`C` of one row's gradient at the minimum (``np.cov(G.T, bias=True)`` of the per-example
    gradients there). Requires :math:`\eta h_i < 2` (a stable rate). The formula ignores that the noise
    changes as the iterate moves, which matters only at large rates.

    >>> round(noise_floor(np.eye(2), np.eye(2), lr=0.01), 8)   # ~ 0.01 / 4 * 2
    0.00502513
    """
    H = np.atleast_2d(np.asarray(hessian, dtype=float))
    C = np.atleast_2d(np.asarray(noise_cov, dtype=float))
    if H.shape != C.shape or H.shape[0] != H.shape[1]:
        raise ValueError(f"hessian and noise_cov must be square and of the same shape; got {H.shape} and {C.shape}")
    lr = check_positive("lr", lr)
    h, V = np.linalg.eigh(0.5 * (H + H.T))
    if np.any(lr * h >= 2):
        raise ValueError(f"lr must be positive and below 2/L = {2 / h.max():.4g} for a stable rate; got {lr!r}")
    batch_size = check_integer("batch_size", batch_size, low=1)
    scale = 1.0 / batch_size
    if n is not None and not replace:
        if batch_size > n:
            raise ValueError(f"batch_size must be at most n={n} without replacement; got {batch_size}")
        scale *= (n - batch_size) / (n - 1)
    c = np.einsum("ij,jk,ki->i", V.T, C, V) * scale
    return float(lr / 2 * np.sum(c / (2 - lr * h)))
