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

import numpy as np

from .batching import batch_indices

__all__ = [
    "flatten", "per_example_gradients", "gradient_spread", "minibatch_variance", "measure_minibatch_variance",
    "gradient_noise", "noise_floor",
]


def flatten(grads) -> np.ndarray:
    """A gradient (one array, or a dict of arrays) as one flat float vector; dict keys in sorted order.

    >>> flatten({"w": np.array([1.0, 2.0]), "b": np.array(3.0)}).tolist()
    [3.0, 1.0, 2.0]
    """
    if isinstance(grads, dict):
        return np.concatenate([np.asarray(grads[k], dtype=float).ravel() for k in sorted(grads)])
    return np.asarray(grads, dtype=float).ravel()


def _check_Xy(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] < 2:
        raise ValueError(f"need X of shape (n, d) and y of shape (n,) with n >= 2; got X {X.shape}, y {y.shape}")
    return X, y


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
    X, y = _check_Xy(X, y)
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
    sigma2 = float(sigma2)
    if not (np.isfinite(sigma2) and sigma2 >= 0):
        raise ValueError(f"sigma2 must be a non-negative finite number; got {sigma2!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
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
    X, y = _check_Xy(X, y)
    n = len(y)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be a positive integer; got {draws!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    if not replace and batch_size > n:
        raise ValueError(f"batch_size must be at most n={n} without replacement; got {batch_size!r}")
    full = flatten(model.loss_and_grad(params, X, y)[1])
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
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


def gradient_noise(model, params, X, y, batch_sizes, draws: int = 1000, replace: bool = False, seed=0) -> dict:
    """Measured and predicted mini-batch gradient variance for several batch sizes.

    Returns
    -------
    dict with ``batch_sizes``, ``measured`` and ``predicted`` (arrays), ``sigma2`` (the spread of one
    row's gradient, :func:`gradient_spread`), ``n`` and ``replace``.
    """
    X, y = _check_Xy(X, y)
    sizes = np.asarray(batch_sizes, dtype=int).ravel()
    rng = np.random.default_rng(seed)
    sigma2 = gradient_spread(per_example_gradients(model, params, X, y))
    measured = np.array([measure_minibatch_variance(model, params, X, y, int(b), draws, replace, rng) for b in sizes])
    return {"batch_sizes": sizes, "measured": measured, "sigma2": sigma2, "n": len(y), "replace": bool(replace),
            "predicted": minibatch_variance(sigma2, len(y), sizes, replace)}


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
    lr = float(lr)
    h, V = np.linalg.eigh(0.5 * (H + H.T))
    if not (np.isfinite(lr) and lr > 0) or np.any(lr * h >= 2):
        raise ValueError(f"lr must be positive and below 2/L = {2 / h.max():.4g} for a stable rate; got {lr!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    scale = 1.0 / batch_size
    if n is not None and not replace:
        if batch_size > n:
            raise ValueError(f"batch_size must be at most n={n} without replacement; got {batch_size}")
        scale *= (n - batch_size) / (n - 1)
    c = np.einsum("ij,jk,ki->i", V.T, C, V) * scale
    return float(lr / 2 * np.sum(c / (2 - lr * h)))
