r"""Momentum on a quadratic, in closed form: the heavy ball (Polyak 1964) and Nesterov's look-ahead.

On :math:`f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)` every eigen-direction of :math:`A` (curvature
:math:`\lambda`) evolves on its own, by a 2x2 linear recurrence. Its spectral radius is the factor by
which that direction's error shrinks per step, in the long run; the largest over the spectrum is the
method's rate. This module computes those rates, the heavy ball's optimal tuning, and the two
textbook forms of momentum (Polyak's and Sutskever et al.'s), which :mod:`stepcourse.optim` writes in
PyTorch's form instead.

>>> lr, beta = heavy_ball_optimal(L=100.0, mu=1.0)
>>> round(lr, 6), round(beta, 6)
(0.033058, 0.669421)
>>> round(heavy_ball_rate(lr, beta, [1.0, 100.0]), 6), round(gd_rate(2 / 101, [1.0, 100.0]), 6)
(0.818182, 0.980198)
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_callable, check_fraction, check_integer, check_positive

__all__ = [
    "gd_rate", "gd_optimal", "heavy_ball_optimal", "heavy_ball_rate", "heavy_ball_stable",
    "nesterov_rate", "polyak_heavy_ball", "sutskever_nesterov",
]


def _curvatures(eigenvalues) -> np.ndarray:
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be positive finite numbers; got {eigenvalues!r}")
    return lam


def _check_L_mu(L, mu):
    L, mu = check_positive("L", L), check_positive("mu", mu)
    if not mu <= L:
        raise ValueError(f"need 0 < mu <= L; got L={L!r}, mu={mu!r}")
    return L, mu


def _check_lr_beta(lr, beta):
    return check_positive("lr", lr), check_fraction("beta", beta, closed=False)


def _radius(b, c) -> np.ndarray:
    """Largest root modulus of z**2 - b z + c = 0, elementwise (real b, c)."""
    disc = b * b - 4 * c
    # At a double root (Polyak's optimum) rounding leaves disc ~ +-1e-16, whose square root would
    # move the root by ~1e-8: treat such a discriminant as exactly zero.
    disc = np.where(np.abs(disc) <= 1e-12 * np.maximum(b * b, np.abs(c)), 0.0, disc)
    root = np.sqrt(np.abs(disc))
    real = np.maximum(np.abs(b + root), np.abs(b - root)) / 2
    return np.where(disc >= 0, real, np.sqrt(np.abs(c)))


def gd_rate(lr: float, eigenvalues) -> float:
    r"""Per-step contraction of gradient descent on a quadratic: :math:`\max_i |1 - \eta\lambda_i|`.

    >>> gd_rate(0.1, [1.0, 10.0])
    0.9
    """
    lam = _curvatures(eigenvalues)
    lr = check_positive("lr", lr)
    return float(np.max(np.abs(1 - lr * lam)))


def gd_optimal(L: float, mu: float):
    r"""The best constant step of gradient descent and its rate.

    .. math::

        \eta^* = \frac{2}{L + \mu}, \qquad \rho^* = \frac{\kappa - 1}{\kappa + 1}, \quad \kappa = L/\mu

    >>> gd_optimal(10.0, 1.0)
    (0.18181818181818182, 0.8181818181818182)
    """
    L, mu = _check_L_mu(L, mu)
    kappa = L / mu
    return 2 / (L + mu), (kappa - 1) / (kappa + 1)


def heavy_ball_optimal(L: float, mu: float):
    r"""Polyak's optimal step and momentum for the heavy ball on a quadratic with curvatures in :math:`[\mu, L]`.

    .. math::

        \eta^* = \Bigl(\frac{2}{\sqrt L + \sqrt\mu}\Bigr)^2, \qquad
        \beta^* = \Bigl(\frac{\sqrt L - \sqrt\mu}{\sqrt L + \sqrt\mu}\Bigr)^2, \qquad
        \rho^* = \sqrt{\beta^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}

    In PyTorch's form (:class:`stepcourse.optim.SGD`) these are ``lr`` and ``momentum`` unchanged.

    Returns
    -------
    (lr, beta)

    >>> lr, beta = heavy_ball_optimal(4.0, 1.0)
    >>> round(lr, 12), round(beta, 12)
    (0.444444444444, 0.111111111111)
    """
    L, mu = _check_L_mu(L, mu)
    sL, smu = np.sqrt(L), np.sqrt(mu)
    return float((2 / (sL + smu)) ** 2), float(((sL - smu) / (sL + smu)) ** 2)


def heavy_ball_rate(lr: float, beta: float, eigenvalues) -> float:
    r"""Spectral radius of the heavy-ball iteration on a quadratic with the given Hessian eigenvalues.

    Each eigen-direction follows :math:`e_{k+1} = (1 + \beta - \eta\lambda)\,e_k - \beta\, e_{k-1}`, whose
    characteristic roots solve :math:`z^2 - (1 + \beta - \eta\lambda) z + \beta = 0`. The rate is the
    largest root modulus over all :math:`\lambda` (below 1: converges; when two roots coincide the error
    decays like :math:`k \rho^k`, so a measured rate approaches :math:`\rho` slowly).

    >>> heavy_ball_rate(0.1, 0.0, [1.0, 10.0])   # beta = 0 is gradient descent
    0.9
    """
    lam = _curvatures(eigenvalues)
    lr, beta = _check_lr_beta(lr, beta)
    return float(np.max(_radius(1 + beta - lr * lam, beta)))


def heavy_ball_stable(lr: float, beta: float, eigenvalues) -> bool:
    r"""True iff the heavy ball converges: :math:`0 < \eta\lambda_i < 2 + 2\beta` for every eigenvalue.

    >>> heavy_ball_stable(0.35, 0.9, [1.0, 10.0]), heavy_ball_stable(0.39, 0.9, [1.0, 10.0])
    (True, False)
    """
    lam = _curvatures(eigenvalues)
    lr, beta = _check_lr_beta(lr, beta)
    return bool(np.all(lr * lam < 2 + 2 * beta))


def nesterov_rate(lr: float, beta: float, eigenvalues) -> float:
    r"""Spectral radius of Nesterov's momentum on a quadratic.

    With the look-ahead the gradient is taken after the momentum step, so a direction of curvature
    :math:`\lambda` sees the momentum scaled by :math:`1 - \eta\lambda`: the roots solve

    .. math::

        z^2 - (1 + \beta)(1 - \eta\lambda)\, z + \beta (1 - \eta\lambda) = 0 .

    At :math:`\eta = 1/\lambda` that direction has no momentum left at all (both roots are 0), where
    the heavy ball still circles at :math:`\sqrt\beta`.

    >>> nesterov_rate(0.1, 0.9, [10.0])
    0.0
    """
    lam = _curvatures(eigenvalues)
    lr, beta = _check_lr_beta(lr, beta)
    c = 1 - lr * lam
    return float(np.max(_radius((1 + beta) * c, beta * c)))


def _check_run(grad, x0, lr, beta, steps):
    x = as_float_array("x0", x0).copy()
    lr, beta = _check_lr_beta(lr, beta)
    check_callable("grad", grad)
    return x, lr, beta, check_integer("steps", steps, low=0)


def polyak_heavy_ball(grad, x0, lr: float, beta: float, steps: int) -> np.ndarray:
    r"""Polyak's heavy ball in its textbook form; returns the iterates, shape ``(steps + 1,) + x0.shape``.

    .. math::

        x_{k+1} = x_k - \eta\, \nabla f(x_k) + \beta\, (x_k - x_{k-1}), \qquad x_{-1} = x_0

    PyTorch writes the same method with a buffer, :math:`b_k = \beta b_{k-1} + \nabla f(x_{k-1})`,
    :math:`x_k = x_{k-1} - \eta b_k`: since :math:`x_k - x_{k-1} = -\eta b_k` the iterates are identical.

    >>> polyak_heavy_ball(lambda x: x, [1.0], lr=0.5, beta=0.5, steps=2)[:, 0].tolist()
    [1.0, 0.5, 0.0]
    """
    x, lr, beta, steps = _check_run(grad, x0, lr, beta, steps)
    xs = [x]
    prev = x
    for _ in range(steps):
        x, prev = x - lr * np.asarray(grad(x), dtype=float) + beta * (x - prev), x
        xs.append(x)
    return np.array(xs)


def sutskever_nesterov(grad, x0, lr: float, beta: float, steps: int):
    r"""Nesterov's momentum in the form of Sutskever et al. (2013); returns ``(thetas, lookaheads)``.

    .. math::

        v_{k+1} = \beta v_k - \eta\, \nabla f(\theta_k + \beta v_k), \qquad
        \theta_{k+1} = \theta_k + v_{k+1}, \qquad v_0 = 0

    The gradient is taken at the look-ahead point :math:`\phi_k = \theta_k + \beta v_k`, where momentum
    alone would carry the parameters. PyTorch's ``SGD(nesterov=True)`` stores :math:`\phi_k` instead of
    :math:`\theta_k`: with :math:`b_k = -v_k/\eta` its update
    :math:`\phi_{k+1} = \phi_k - \eta(\nabla f(\phi_k) + \beta b_{k+1})` is the same method after this
    change of variables, so ``lookaheads`` equals PyTorch's iterates.

    Both arrays have shape ``(steps + 1,) + x0.shape``.

    >>> th, phi = sutskever_nesterov(lambda x: x, [1.0], lr=0.5, beta=0.5, steps=2)
    >>> th[:, 0].tolist(), phi[:, 0].tolist()
    ([1.0, 0.5, 0.125], [1.0, 0.25, -0.0625])
    """
    theta, lr, beta, steps = _check_run(grad, x0, lr, beta, steps)
    v = np.zeros_like(theta)
    thetas, looks = [theta], [theta]
    for _ in range(steps):
        v = beta * v - lr * np.asarray(grad(theta + beta * v), dtype=float)
        theta = theta + v
        thetas.append(theta)
        looks.append(theta + beta * v)
    return np.array(thetas), np.array(looks)
