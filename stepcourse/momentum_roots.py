r"""Momentum's 2x2 picture: the iteration matrix of one eigen-direction, its roots, and where the
quadratic picture stops being the whole truth.

On a direction of curvature :math:`\lambda` the heavy ball's error obeys
:math:`e_{k+1} = (1 + \beta - \eta\lambda)\, e_k - \beta\, e_{k-1}`, that is

.. math::

    \begin{pmatrix} e_{k+1} \\ e_k \end{pmatrix} = M \begin{pmatrix} e_k \\ e_{k-1} \end{pmatrix},
    \qquad M = \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0 \end{pmatrix} .

Its eigenvalues (the *roots*) solve :math:`z^2 - (1 + \beta - \eta\lambda)z + \beta = 0`; their product
is :math:`\beta`, so complex roots have modulus exactly :math:`\sqrt\beta`. Everything depends on the
two numbers :math:`\eta\lambda` and :math:`\beta` only (Goh 2017). This module computes the matrix, the
roots, the damping regime, the critical damping curve and the stability limit; Nesterov's
strongly convex tuning and its guarantee; and the one-dimensional function of Lessard, Recht and
Packard (2016) on which the heavy ball, tuned by the quadratic theory, never converges.

The rates for whole spectra and Polyak's tuning live in :mod:`stepcourse.momentum`.

>>> [round(float(m), 6) for m in root_moduli(0.5, 0.25)]
[0.5, 0.5]
>>> damping(0.1, 0.25), damping(1.0, 0.25), damping(3.0, 0.25)
('overdamped', 'underdamped', 'unstable')
"""
from __future__ import annotations

import numpy as np

from ._validation import as_points_1d

__all__ = [
    "heavy_ball_matrix", "nesterov_matrix", "roots", "root_moduli", "spectral_radius", "damping",
    "DAMPING_REGIMES", "critical_eta_lambda", "critical_beta", "stability_limit", "error_sequence",
    "double_root_error", "nesterov_strongly_convex", "nesterov_bound", "lessard_counterexample",
    "find_cycle",
]

#: The regimes :func:`damping` names, in the order of increasing :math:`\eta\lambda` at fixed
#: :math:`0 < \beta < 1`.
DAMPING_REGIMES = ("overdamped", "critical", "underdamped", "flipping", "unstable")


def _eta_lambda(value, name="eta_lambda") -> np.ndarray:
    h = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(h)) or np.any(h < 0):
        raise ValueError(f"{name} must hold finite numbers >= 0; got {value!r}")
    return h


def _beta(value) -> np.ndarray:
    b = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1):
        raise ValueError(f"beta must lie in [0, 1); got {value!r}")
    return b


def heavy_ball_matrix(eta_lambda, beta) -> np.ndarray:
    r"""The heavy ball's iteration matrix on one eigen-direction, shape ``broadcast + (2, 2)``.

    .. math::

        M(\eta\lambda, \beta) = \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0 \end{pmatrix},
        \qquad (e_{k+1}, e_k)^\top = M\, (e_k, e_{k-1})^\top

    >>> heavy_ball_matrix(0.5, 0.25).tolist()
    [[0.75, -0.25], [1.0, 0.0]]
    """
    h, b = np.broadcast_arrays(_eta_lambda(eta_lambda), _beta(beta))
    M = np.zeros(h.shape + (2, 2))
    M[..., 0, 0] = 1 + b - h
    M[..., 0, 1] = -b
    M[..., 1, 0] = 1.0
    return M


def nesterov_matrix(eta_lambda, beta) -> np.ndarray:
    r"""Nesterov's iteration matrix on one eigen-direction (the look-ahead damps the momentum by
    :math:`1 - \eta\lambda`).

    .. math::

        M(\eta\lambda, \beta) = \begin{pmatrix} (1 + \beta)(1 - \eta\lambda) & -\beta(1 - \eta\lambda)
        \\ 1 & 0 \end{pmatrix}

    >>> nesterov_matrix(1.0, 0.5).tolist()
    [[0.0, -0.0], [1.0, 0.0]]
    """
    h, b = np.broadcast_arrays(_eta_lambda(eta_lambda), _beta(beta))
    c = 1 - h
    M = np.zeros(h.shape + (2, 2))
    M[..., 0, 0] = (1 + b) * c
    M[..., 0, 1] = -b * c
    M[..., 1, 0] = 1.0
    return M


def _trace_det(eta_lambda, beta, method):
    h, b = np.broadcast_arrays(_eta_lambda(eta_lambda), _beta(beta))
    if method == "heavy_ball":
        return 1 + b - h, b
    if method == "nesterov":
        return (1 + b) * (1 - h), b * (1 - h)
    raise ValueError(f"method must be 'heavy_ball' or 'nesterov'; got {method!r}")


def roots(eta_lambda, beta, method: str = "heavy_ball") -> np.ndarray:
    r"""The two roots of :math:`z^2 - t z + d = 0` (``t``, ``d``: the matrix's trace and determinant),
    complex, shape ``broadcast + (2,)``, the larger modulus first.

    For the heavy ball :math:`t = 1 + \beta - \eta\lambda` and :math:`d = \beta`. A discriminant within
    rounding of zero counts as zero, so a double root comes out double (and not split by ~1e-8).

    >>> roots(1.0, 0.25).round(6).tolist()
    [(0.125+0.484123j), (0.125-0.484123j)]
    """
    t, d = _trace_det(eta_lambda, beta, method)
    disc = t * t - 4 * d
    disc = np.where(np.abs(disc) <= 1e-12 * np.maximum(t * t, np.abs(d)), 0.0, disc)
    sq = np.sqrt(disc.astype(complex))
    # t + sign(t) sq has no cancellation; the other root is d / that (Vieta), unless both are 0.
    sign = np.where(t >= 0, 1.0, -1.0)
    big = (t + sign * sq) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.where(big != 0, d / np.where(big != 0, big, 1), 0)
    out = np.stack([big, small], axis=-1)
    order = np.argsort(-np.abs(out), axis=-1, kind="stable")
    return np.take_along_axis(out, order, axis=-1)


def root_moduli(eta_lambda, beta, method: str = "heavy_ball") -> np.ndarray:
    """The moduli of the two roots, shape ``broadcast + (2,)``, larger first.

    >>> root_moduli(0.0, 0.5).tolist()     # no curvature: one root 1 (no progress), one beta
    [1.0, 0.5]
    """
    return np.abs(roots(eta_lambda, beta, method))


def spectral_radius(eta_lambda, beta, method: str = "heavy_ball") -> np.ndarray:
    r"""The larger root modulus: the long-run factor per step of this direction's error.

    >>> round(float(spectral_radius(1.0, 0.0)), 12)     # gradient descent at eta = 1/lambda
    0.0
    """
    return root_moduli(eta_lambda, beta, method)[..., 0]


def critical_eta_lambda(beta):
    r"""The two values of :math:`\eta\lambda` where the heavy ball's roots coincide (critical damping).

    .. math::

        (1 + \beta - \eta\lambda)^2 = 4\beta \iff \eta\lambda = (1 \mp \sqrt\beta)^2

    Between them the roots are complex (modulus :math:`\sqrt\beta`, ringing); below the first they are
    real and positive (overdamped, a slow creep); above the second real and negative (flipping sign
    every step), until :math:`\eta\lambda = 2 + 2\beta`.

    Returns
    -------
    (low, high), arrays broadcast like ``beta``.

    >>> critical_eta_lambda(0.25)
    (0.25, 2.25)
    """
    s = np.sqrt(_beta(beta))
    low, high = (1 - s) ** 2, (1 + s) ** 2
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)


def critical_beta(eta_lambda):
    r"""The momentum that critically damps a direction with the given :math:`\eta\lambda \le 1`:
    :math:`\beta = (1 - \sqrt{\eta\lambda})^2`, the smallest root modulus reachable at that
    :math:`\eta\lambda` (Goh 2017).

    >>> critical_beta(0.25)
    0.25
    """
    h = _eta_lambda(eta_lambda)
    if np.any(h > 1):
        raise ValueError(f"eta_lambda must lie in [0, 1] for a critical momentum in [0, 1); got {eta_lambda!r}")
    out = (1 - np.sqrt(h)) ** 2
    return float(out) if out.ndim == 0 else out


def stability_limit(beta, method: str = "heavy_ball"):
    r"""The largest :math:`\eta\lambda` for which the error still shrinks.

    .. math::

        \text{heavy ball: } \eta\lambda < 2 + 2\beta, \qquad
        \text{Nesterov: } \eta\lambda < \frac{2 + 2\beta}{1 + 2\beta}

    (At the limit one root is :math:`-1`: the error flips sign without shrinking.)

    >>> stability_limit(0.9), round(stability_limit(0.9, "nesterov"), 6)
    (3.8, 1.357143)
    """
    b = _beta(beta)
    if method == "heavy_ball":
        out = 2 + 2 * b
    elif method == "nesterov":
        out = (2 + 2 * b) / (1 + 2 * b)
    else:
        raise ValueError(f"method must be 'heavy_ball' or 'nesterov'; got {method!r}")
    return float(out) if out.ndim == 0 else out


def damping(eta_lambda, beta, method: str = "heavy_ball"):
    """The regime of one direction: ``"overdamped"`` (real positive roots), ``"critical"`` (a double
    root), ``"underdamped"`` (complex roots), ``"flipping"`` (the larger root real and negative),
    ``"unstable"`` (spectral radius >= 1). A string for scalars, an array of strings otherwise.

    >>> damping(0.25, 0.25), damping(2.4, 0.25)
    ('critical', 'flipping')
    """
    r = roots(eta_lambda, beta, method)
    top = r[..., 0]
    rad = np.abs(top)
    complex_ = np.abs(r[..., 0].imag) > 1e-12 * np.maximum(rad, 1e-300)
    double = ~complex_ & (np.abs(r[..., 0] - r[..., 1]) <= 1e-9 * np.maximum(rad, 1e-300))
    out = np.where(complex_, "underdamped", np.where(top.real < 0, "flipping", "overdamped"))
    out = np.where(double & (rad > 0), "critical", out)
    out = np.where(rad >= 1 - 1e-12, "unstable", out)
    return str(out) if out.ndim == 0 else out


def error_sequence(eta_lambda, beta, steps: int, e0: float = 1.0, method: str = "heavy_ball") -> np.ndarray:
    r"""The error :math:`e_0, \dots, e_{\text{steps}}` of one direction, started at rest (:math:`e_{-1} = e_0`,
    as PyTorch's first momentum step is a plain gradient step), by powers of the iteration matrix.

    >>> error_sequence(1.0, 0.0, 2).tolist()       # gradient descent at eta = 1/lambda: one step
    [1.0, 0.0, 0.0]
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    if method == "heavy_ball":
        M = heavy_ball_matrix(float(eta_lambda), float(beta))
    elif method == "nesterov":
        M = nesterov_matrix(float(eta_lambda), float(beta))
    else:
        raise ValueError(f"method must be 'heavy_ball' or 'nesterov'; got {method!r}")
    state = np.array([float(e0), float(e0)])
    out = [state[0]]
    for _ in range(int(steps)):
        state = M @ state
        out.append(state[0])
    return np.array(out)


def double_root_error(k, rho: float, e0: float = 1.0) -> np.ndarray:
    r"""The error of a critically damped direction started at rest: :math:`e_k = e_0 (1 + k(1 - \rho))\,\rho^k`.

    With a double root :math:`\rho` the matrix is a Jordan block and the error is
    :math:`(a + b k)\rho^k`; the start at rest, :math:`e_{-1} = e_0`, fixes :math:`a = e_0` and
    :math:`b = e_0 (1 - \rho)`: for large :math:`k` the error decays like :math:`k|\rho|^k`, not
    :math:`|\rho|^k`. The root is :math:`+\sqrt\beta` at the lower critical point
    :math:`\eta\lambda = (1 - \sqrt\beta)^2` and :math:`-\sqrt\beta` at the upper one, so ``rho`` may be
    negative (any nonzero number in (-1, 1)).

    >>> float(double_root_error(3, 0.5))     # (1 + 3/2) / 8
    0.3125
    >>> float(double_root_error(1, -0.5))    # (1 + 1.5) * (-0.5)
    -1.25
    """
    k = np.asarray(k, dtype=float)
    rho = float(rho)
    if not (-1 < rho < 1 and rho != 0):
        raise ValueError(f"rho must be a nonzero number in (-1, 1); got {rho!r}")
    out = float(e0) * (1 + k * (1 - rho)) * rho**k
    return float(out) if out.ndim == 0 else out


def nesterov_strongly_convex(L: float, mu: float):
    r"""Nesterov's constant-momentum tuning for an :math:`L`-smooth, :math:`\mu`-strongly convex function.

    .. math::

        \eta = \frac1L, \qquad \beta = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}, \qquad \kappa = \frac L\mu

    (Nesterov 2004, scheme (2.2.22)). In PyTorch's form these are ``SGD(lr=1/L, momentum=beta,
    nesterov=True)``.

    >>> nesterov_strongly_convex(25.0, 1.0)
    (0.04, 0.6666666666666666)
    """
    L, mu = float(L), float(mu)
    if not (np.isfinite(L) and np.isfinite(mu) and 0 < mu <= L):
        raise ValueError(f"need 0 < mu <= L (finite); got L={L!r}, mu={mu!r}")
    s = np.sqrt(L / mu)
    return 1 / L, float((s - 1) / (s + 1))


def nesterov_bound(k, f0_gap: float, dist0_sq: float, L: float, mu: float) -> np.ndarray:
    r"""Nesterov's guarantee for his strongly convex tuning (Nesterov 2004, Theorem 2.2.3 with
    :math:`\gamma_0 = \mu`):

    .. math::

        f(x_k) - f^\star \le \Bigl(1 - \frac{1}{\sqrt\kappa}\Bigr)^k
        \Bigl(f(x_0) - f^\star + \frac\mu2 \lVert x_0 - x^\star\rVert^2\Bigr)

    for the iterates :math:`x_{k+1} = y_k - \nabla f(y_k)/L`, :math:`y_k = x_k + \beta(x_k - x_{k-1})`
    (the ``thetas`` of :func:`stepcourse.momentum.sutskever_nesterov`; PyTorch's iterates are the
    :math:`y_k`). It holds for every such function, not only for quadratics.

    >>> round(float(nesterov_bound(1, 1.0, 2.0, 4.0, 1.0)), 12)
    1.0
    """
    L, mu = float(L), float(mu)
    if not (np.isfinite(L) and np.isfinite(mu) and 0 < mu <= L):
        raise ValueError(f"need 0 < mu <= L (finite); got L={L!r}, mu={mu!r}")
    k = np.asarray(k, dtype=float)
    out = (1 - np.sqrt(mu / L)) ** k * (float(f0_gap) + 0.5 * mu * float(dist0_sq))
    return float(out) if out.ndim == 0 else out


def lessard_counterexample(L: float = 25.0, mu: float = 1.0, x0: float = 3.3):
    r"""The function of Lessard, Recht and Packard (2016, section 4.6): one-dimensional, :math:`\mu`-strongly
    convex and :math:`L`-smooth, on which the heavy ball with Polyak's tuning cycles for ever.

    A piecewise quadratic with curvature :math:`L`, then :math:`\mu`, then :math:`L` again
    (for the default :math:`L = 25`, :math:`\mu = 1` exactly the paper's):

    .. math::

        f'(x) = \begin{cases} L x & x < 1 \\ \mu x + (L - \mu) & 1 \le x < 2 \\ L x - (L - \mu) & x \ge 2
        \end{cases}

    with :math:`f` continuous, :math:`f(0) = 0` the minimum. Its gradient is continuous and monotone, its
    second derivative jumps between :math:`\mu` and :math:`L`, so every condition of the heavy ball's
    theorem holds except the one that matters: the function is not a quadratic.

    Returns a :class:`stepcourse.problems.Problem` with ``L``, ``mu`` and a piecewise ``hessian``.

    >>> p = lessard_counterexample()
    >>> [float(p.grad(np.array([x]))[0]) for x in (0.5, 1.5, 3.0)]
    [12.5, 25.5, 51.0]
    """
    from .problems import Problem

    L, mu = float(L), float(mu)
    if not (np.isfinite(L) and np.isfinite(mu) and 0 < mu <= L):
        raise ValueError(f"need 0 < mu <= L (finite); got L={L!r}, mu={mu!r}")
    shift = L - mu
    # f on each piece, matched in value and slope at x = 1 and x = 2.
    c1 = 0.5 * L - (0.5 * mu + shift)                # middle piece: mu/2 x^2 + shift x + c1
    c2 = 0.5 * mu * 4 + 2 * shift + c1 - (0.5 * L * 4 - 2 * shift)   # right: L/2 x^2 - shift x + c2

    def f(x):
        u = as_points_1d(x)[..., 0]
        return np.where(u < 1, 0.5 * L * u**2,
                        np.where(u < 2, 0.5 * mu * u**2 + shift * u + c1, 0.5 * L * u**2 - shift * u + c2))

    def grad(x):
        u = as_points_1d(x)
        return np.where(u < 1, L * u, np.where(u < 2, mu * u + shift, L * u - shift))

    def hessian(x):
        u = as_points_1d(x)
        return np.where((u >= 1) & (u < 2), mu, L)[..., None]

    return Problem(
        name="Lessard-Recht-Packard", dim=1, f=f, grad=grad, hessian=hessian, x0=np.array([float(x0)]),
        minima=np.array([[0.0]]), bounds=((-3.0, 4.0),), L=L, mu=mu,
        formula=r"f'(x) = Lx,\ \mu x + (L - \mu),\ Lx - (L - \mu)\ \text{on}\ x < 1,\ [1, 2),\ x \ge 2",
    )


def find_cycle(xs, max_period: int = 20, tol: float = 1e-9):
    """The smallest period ``p`` with ``xs[-1 - j] == xs[-1 - j - p]`` (to ``tol``) over the last
    ``2 * max_period`` iterates, and the points of that cycle; ``(None, None)`` if there is none
    (also when the iterates converge to a point: that is a fixed point, reported as period 1).

    >>> find_cycle(np.array([[0.3], [1.0], [2.0], [1.0], [2.0], [1.0], [2.0]]), max_period=2)[0]
    2
    """
    xs = np.asarray(xs, dtype=float)
    if xs.ndim == 1:
        xs = xs[:, None]
    n = len(xs)
    for p in range(1, int(max_period) + 1):
        span = min(n - p, 2 * int(max_period))
        if span < p:
            break
        a, b = xs[n - span:], xs[n - span - p:n - p]
        if np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(a))):
            return p, xs[n - p:].copy()
    return None, None
