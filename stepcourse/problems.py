"""Test problems: loss functions with exact gradients, known minima and plot bounds.

Every problem is a :class:`Problem`. ``f`` and ``grad`` accept points with a trailing axis of size
``dim``, so one call evaluates a whole contour grid::

    >>> import numpy as np, stepcourse as sc
    >>> p = sc.problems.rosenbrock()
    >>> float(p.f(np.array([1.0, 1.0])))
    0.0
    >>> p.f(np.zeros((3, 4, 2))).shape
    (3, 4)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .batching import SAMPLINGS, batch_indices
from ._validation import (as_generator, check_choice, check_integer, check_non_negative, check_number,
                          check_positive, check_problem)

__all__ = [
    "Problem", "parabola", "double_well", "quadratic", "rosenbrock", "beale", "himmelblau",
    "saddle", "six_hump_camel", "catalog", "with_gradient_noise", "minibatch_least_squares",
]


@dataclass(frozen=True, eq=False)
class Problem:
    """A differentiable loss ``f: R^d -> R`` with its exact gradient.

    Attributes
    ----------
    name : str
        Short name used in legends.
    dim : int
        Number of parameters ``d``.
    f, grad : callable
        ``f(x)`` maps ``(..., d) -> (...)``; ``grad(x)`` maps ``(..., d) -> (..., d)``.
    hessian : callable or None
        ``(..., d) -> (..., d, d)`` where cheap to state.
    x0 : ndarray, shape (d,)
        Default start.
    minima : ndarray, shape (k, d)
        Known local minima (``k`` may be 0 for a function unbounded below). The first is a global one.
    bounds : tuple of (low, high) pairs, one per dimension
        A window that shows the interesting part, for plots.
    L, mu : float or None
        Largest and smallest Hessian eigenvalue where they are constants (quadratics).
    formula : str
        The function in LaTeX, for captions.
    A : ndarray (d, d) or None
        The constant Hessian of a quadratic (also :attr:`H`); ``eigenvalues`` its sorted spectrum.
    saddle_points : ndarray (k, d) or None
        Known saddle points, where a problem has them.
    noise : float
        Standard deviation of the Gaussian noise added to every gradient coordinate a run sees
        (:func:`with_gradient_noise`); 0 for an exact gradient.
    n, batch_size, sampling, per_example_grad
        For a mini-batch problem (:func:`minibatch_least_squares`): rows, rows per step, how the
        rows are drawn, and ``per_example_grad(w)``, the ``n`` individual gradients at ``w``.
    gradient_stream : callable or None
        ``gradient_stream(rng) -> grad``: the gradient function one run sees, made from that run's
        numpy Generator (None: every run sees the exact ``grad``). It holds no state of its own, so a
        Problem is a value: two runs with the same seed see the same gradients.
    seed : int
        The seed of a run that is given none (:meth:`run_grad`).

    ``grad`` is always the exact gradient; the noisy or mini-batch gradient a run sees comes from
    :meth:`run_grad`, which :func:`stepcourse.minimize` calls once per run.
    """

    name: str
    dim: int
    f: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    grad: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    x0: np.ndarray = field(repr=False)
    minima: np.ndarray = field(repr=False)
    bounds: tuple
    hessian: Optional[Callable[[np.ndarray], np.ndarray]] = field(default=None, repr=False)
    L: Optional[float] = None
    mu: Optional[float] = None
    formula: str = ""
    A: Optional[np.ndarray] = field(default=None, repr=False)
    eigenvalues: Optional[np.ndarray] = field(default=None, repr=False)
    saddle_points: Optional[np.ndarray] = field(default=None, repr=False)
    noise: float = 0.0
    n: Optional[int] = None
    batch_size: Optional[int] = None
    sampling: Optional[str] = None
    per_example_grad: Optional[Callable[[np.ndarray], np.ndarray]] = field(default=None, repr=False)
    gradient_stream: Optional[Callable] = field(default=None, repr=False)
    seed: int = 0

    @property
    def stochastic(self) -> bool:
        """True when a run sees gradients that differ from ``grad`` (noise or true mini-batches)."""
        return self.gradient_stream is not None and (
            self.noise > 0 or self.sampling == "replacement"
            or (self.batch_size is not None and self.batch_size < (self.n or 0)))

    def run_grad(self, seed=None) -> Callable[[np.ndarray], np.ndarray]:
        """The gradient function of one run: ``grad`` itself, or a fresh stream from ``seed``
        (an int, None for :attr:`seed`, or a numpy Generator that the run then advances)."""
        if self.gradient_stream is None:
            return self.grad
        return self.gradient_stream(as_generator(self.seed if seed is None else seed))

    @property
    def exact_grad(self) -> Callable[[np.ndarray], np.ndarray]:
        """The exact gradient (the same as ``grad``; kept for code written before :meth:`run_grad`)."""
        return self.grad

    @property
    def H(self) -> Optional[np.ndarray]:
        """The constant Hessian of a quadratic (the same as ``A``)."""
        return self.A

    @property
    def steps_per_epoch(self) -> Optional[int]:
        """Steps per pass over the rows of a mini-batch problem (None for other problems)."""
        if self.n is None or self.batch_size is None:
            return None
        return -(-self.n // self.batch_size)

    @property
    def f_min(self) -> float:
        """The lowest known loss (the value at ``minima[0]``), or ``nan`` if none is known."""
        if len(self.minima) == 0:
            return float("nan")
        return float(np.min(self.f(self.minima)))

    @property
    def condition_number(self) -> Optional[float]:
        """``L / mu`` for quadratics, else None."""
        if self.L is None or not self.mu:
            return None
        return self.L / self.mu

    def grid(self, n: int = 200):
        """A grid over the plot bounds: ``(X, Y, points)`` with ``points`` of shape ``(n, n, 2)``."""
        if self.dim != 2:
            raise ValueError(f"grid() needs a 2-D problem; {self.name!r} has dim={self.dim}")
        (x_lo, x_hi), (y_lo, y_hi) = self.bounds
        X, Y = np.meshgrid(np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n))
        return X, Y, np.stack([X, Y], axis=-1)

    def curve(self, xs) -> np.ndarray:
        """Evaluate a 1-D problem at the plain array of positions ``xs`` (no trailing axis needed)."""
        if self.dim != 1:
            raise ValueError(f"curve() needs a 1-D problem; {self.name!r} has dim={self.dim}")
        return self.f(np.asarray(xs, dtype=float)[..., None])


def _points(x, dim: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 and dim == 1:
        x = x[None]
    if x.shape[-1:] != (dim,):
        raise ValueError(f"x must have a trailing axis of size {dim}; got shape {x.shape}")
    return x


def parabola(curvature: float = 1.0, center: float = 0.0, x0: float = -3.0) -> Problem:
    r"""The 1-D convex curve :math:`f(w) = \tfrac{a}{2}(w - c)^2` with curvature ``a = f''``.

    Gradient descent on it multiplies the distance to ``c`` by :math:`1 - \eta a` each step, so every
    question about step sizes has a closed-form answer here (``L = mu = a``).

    >>> p = parabola(curvature=2.0)
    >>> float(p.grad(1.5)[0])
    3.0
    """
    a = check_positive("curvature", curvature)
    c = check_number("center", center)
    x0 = check_number("x0", x0)

    def f(x):
        x = _points(x, 1)
        return 0.5 * a * (x[..., 0] - c) ** 2

    def grad(x):
        x = _points(x, 1)
        return a * (x - c)

    def hessian(x):
        x = _points(x, 1)
        return np.full(x.shape[:-1] + (1, 1), a)

    half_width = max(abs(x0 - c) * 1.25, 1.0)
    return Problem(
        name="parabola", dim=1, f=f, grad=grad, hessian=hessian, x0=np.array([float(x0)]),
        minima=np.array([[c]]), bounds=((c - half_width, c + half_width),), L=a, mu=a,
        formula=rf"f(w) = \tfrac{{{a:g}}}{{2}}(w - {c:g})^2",
    )


def double_well(tilt: float = 0.3, x0: float = 0.25) -> Problem:
    r"""A 1-D non-convex curve with two minima: :math:`f(w) = \tfrac14 w^4 - \tfrac12 w^2 + t\,w`.

    With ``tilt`` t > 0 the left minimum is the deeper (global) one; which one gradient descent finds
    depends on the start and on the learning rate. ``abs(tilt)`` must stay below ``2/(3*sqrt(3))`` so
    that there are two minima.

    >>> p = double_well()
    >>> len(p.minima)
    2
    """
    t = check_number("tilt", tilt)
    x0 = check_number("x0", x0)
    if not abs(t) < 2 / (3 * np.sqrt(3)):
        raise ValueError(f"tilt must satisfy |tilt| < 2/(3*sqrt(3)) ~ 0.385 for two minima; got {tilt!r}")

    def f(x):
        w = _points(x, 1)[..., 0]
        return 0.25 * w**4 - 0.5 * w**2 + t * w

    def grad(x):
        x = _points(x, 1)
        return x**3 - x + t

    def hessian(x):
        x = _points(x, 1)
        return (3 * x**2 - 1)[..., None]

    roots = np.sort(np.roots([1.0, 0.0, -1.0, t]).real)  # f'(w) = w^3 - w + t: min, max, min
    minima = np.array([[roots[0]], [roots[2]]])
    minima = minima[np.argsort(f(minima))]
    return Problem(
        name="double well", dim=1, f=f, grad=grad, hessian=hessian, x0=np.array([float(x0)]),
        minima=minima, bounds=((-1.9, 1.9),),
        formula=rf"f(w) = \tfrac14 w^4 - \tfrac12 w^2 + {t:g}\,w",
    )


def _rotation(dim: int, angle: Optional[float], seed) -> np.ndarray:
    if dim == 2 and seed is None:
        a = np.deg2rad(30.0 if angle is None else float(angle))
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    if angle is not None:
        raise ValueError("angle only applies to 2-D quadratics without a seed")
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix


def quadratic(eigenvalues=None, *, condition_number: Optional[float] = None, dim: int = 2,
              angle: Optional[float] = None, seed=None, center=None, x0=None) -> Problem:
    r"""The quadratic bowl :math:`f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)`, :math:`A = Q\,\mathrm{diag}(\lambda)\,Q^\top`.

    Give the Hessian's ``eigenvalues`` directly, or a ``condition_number`` kappa (eigenvalues spread
    geometrically from 1 to kappa over ``dim`` coordinates). In 2-D without a ``seed`` the axes are rotated
    by ``angle`` degrees (default 30) so the valley is not aligned with the coordinates; otherwise ``Q`` is a
    random orthogonal matrix drawn from ``seed``. ``L = max(lambda)``, ``mu = min(lambda)``.

    Gradient descent converges iff ``0 < lr < 2/L``; the best constant rate is ``2/(mu + L)``.

    >>> p = quadratic([1.0, 10.0])
    >>> p.L, p.mu, p.condition_number
    (10.0, 1.0, 10.0)
    """
    if eigenvalues is not None and condition_number is not None:
        raise ValueError("give eigenvalues or condition_number, not both")
    if eigenvalues is None:
        kappa = check_number("condition_number", 10.0 if condition_number is None else condition_number,
                             low=1)
        dim = check_integer("dim", dim, low=1)
        eigenvalues = np.geomspace(1.0, kappa, int(dim)) if dim > 1 else np.array([kappa])
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be positive finite numbers; got {eigenvalues!r}")
    d = lam.size
    Q = _rotation(d, angle, seed) if d > 1 else np.ones((1, 1))
    A = (Q * lam) @ Q.T
    A = 0.5 * (A + A.T)
    c = np.zeros(d) if center is None else np.asarray(center, dtype=float).reshape(d)
    if x0 is None:
        x0 = c + (np.array([-2.0, 1.5]) if d == 2 else np.ones(d))
    x0 = np.asarray(x0, dtype=float).reshape(d)

    def f(x):
        z = _points(x, d) - c
        return 0.5 * np.einsum("...i,ij,...j->...", z, A, z)

    def grad(x):
        return (_points(x, d) - c) @ A  # A is symmetric

    def hessian(x):
        x = _points(x, d)
        return np.broadcast_to(A, x.shape[:-1] + (d, d)).copy()

    span = float(np.max(np.abs(x0 - c))) * 1.3 + 0.5
    bounds = tuple((ci - span, ci + span) for ci in c)
    return Problem(
        name=f"quadratic (kappa={lam.max() / lam.min():g})", dim=d, f=f, grad=grad, hessian=hessian,
        x0=x0, minima=c[None, :], bounds=bounds, L=float(lam.max()), mu=float(lam.min()),
        formula=r"f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)", A=A, eigenvalues=np.sort(lam),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Problem:
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`, minimum at :math:`(a, a^2)`.

    >>> p = rosenbrock()
    >>> bool(np.all(p.grad(np.array([1.0, 1.0])) == 0))   # the gradient vanishes at (a, a^2)
    True
    """
    a, b = float(a), check_positive("b", b)

    def f(x):
        x = _points(x, 2)
        return (a - x[..., 0]) ** 2 + b * (x[..., 1] - x[..., 0] ** 2) ** 2

    def grad(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        r = v - u**2
        return np.stack([-2 * (a - u) - 4 * b * u * r, 2 * b * r], axis=-1)

    def hessian(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        h11 = 2 - 4 * b * (v - u**2) + 8 * b * u**2
        h12 = -4 * b * u
        h22 = np.full_like(u, 2 * b)
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    return Problem(
        name="Rosenbrock", dim=2, f=f, grad=grad, hessian=hessian, x0=np.array([-1.2, 1.0]),
        minima=np.array([[a, a * a]]), bounds=((-2.0, 2.0), (-1.0, 3.0)),
        formula=rf"f(x, y) = ({a:g} - x)^2 + {b:g}\,(y - x^2)^2",
    )


_BEALE_C = (1.5, 2.25, 2.625)


def beale() -> Problem:
    r"""Beale's function :math:`\sum_{i=1}^{3} (c_i - x + x y^i)^2` with :math:`c = (1.5, 2.25, 2.625)`.

    Flat plateaus and steep walls; the minimum is at :math:`(3, 0.5)`.
    """

    def f(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        return sum((c - u + u * v ** (i + 1)) ** 2 for i, c in enumerate(_BEALE_C))

    def grad(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        gu = np.zeros_like(u)
        gv = np.zeros_like(v)
        for i, c in enumerate(_BEALE_C):
            k = i + 1
            r = c - u + u * v**k
            gu = gu + 2 * r * (v**k - 1)
            gv = gv + 2 * r * k * u * v ** (k - 1)
        return np.stack([gu, gv], axis=-1)

    def hessian(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        h11 = np.zeros_like(u)
        h12 = np.zeros_like(u)
        h22 = np.zeros_like(u)
        for i, c in enumerate(_BEALE_C):
            k = i + 1
            r = c - u + u * v**k
            ru, rv = v**k - 1, k * u * v ** (k - 1)
            rvv = k * (k - 1) * u * v ** (k - 2) if k > 1 else np.zeros_like(u)
            ruv = k * v ** (k - 1)
            h11 = h11 + 2 * ru * ru
            h12 = h12 + 2 * (ru * rv + r * ruv)
            h22 = h22 + 2 * (rv * rv + r * rvv)
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    return Problem(
        name="Beale", dim=2, f=f, grad=grad, hessian=hessian, x0=np.array([1.0, 1.4]),
        minima=np.array([[3.0, 0.5]]), bounds=((-4.5, 4.5), (-4.5, 4.5)),
        formula=r"f(x, y) = \sum_{i=1}^3 (c_i - x + x y^i)^2",
    )


def himmelblau() -> Problem:
    r"""Himmelblau's function :math:`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`: four minima, all with ``f = 0``."""

    def f(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        return (u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2

    def grad(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        p, q = u**2 + v - 11, u + v**2 - 7
        return np.stack([4 * u * p + 2 * q, 2 * p + 4 * v * q], axis=-1)

    def hessian(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        h11 = 12 * u**2 + 4 * v - 42
        h12 = 4 * (u + v)
        h22 = 12 * v**2 + 4 * u - 26
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    approx = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])
    return Problem(
        name="Himmelblau", dim=2, f=f, grad=grad, hessian=hessian, x0=np.array([0.0, 0.0]),
        minima=_polish(approx, grad, hessian), bounds=((-5.0, 5.0), (-5.0, 5.0)),
        formula=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    )


def saddle() -> Problem:
    r"""The saddle :math:`f(x, y) = x^2 - y^2`: a critical point at the origin that is not a minimum.

    It has no minimum (``minima`` is empty; it is unbounded below). Started exactly on the ``x`` axis,
    gradient descent walks into the saddle and stops; any ``y`` component grows by ``1 + 2*lr`` per step.
    """

    def f(x):
        x = _points(x, 2)
        return x[..., 0] ** 2 - x[..., 1] ** 2

    def grad(x):
        x = _points(x, 2)
        return np.stack([2 * x[..., 0], -2 * x[..., 1]], axis=-1)

    def hessian(x):
        x = _points(x, 2)
        return np.broadcast_to(np.diag([2.0, -2.0]), x.shape[:-1] + (2, 2)).copy()

    return Problem(
        name="saddle", dim=2, f=f, grad=grad, hessian=hessian, x0=np.array([-1.8, 1e-3]),
        minima=np.zeros((0, 2)), bounds=((-2.0, 2.0), (-2.0, 2.0)), L=2.0,
        formula=r"f(x, y) = x^2 - y^2", saddle_points=np.zeros((1, 2)),
    )


def six_hump_camel() -> Problem:
    r"""The six-hump camel :math:`(4 - 2.1x^2 + x^4/3)x^2 + xy + (4y^2 - 4)y^2`: six local minima, two global."""

    def f(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        return (4 - 2.1 * u**2 + u**4 / 3) * u**2 + u * v + (4 * v**2 - 4) * v**2

    def grad(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        gu = 8 * u - 8.4 * u**3 + 2 * u**5 + v
        gv = u + 16 * v**3 - 8 * v
        return np.stack([gu, gv], axis=-1)

    def hessian(x):
        x = _points(x, 2)
        u, v = x[..., 0], x[..., 1]
        h11 = 8 - 25.2 * u**2 + 10 * u**4
        h12 = np.ones_like(u)
        h22 = 48 * v**2 - 8
        return np.stack([np.stack([h11, h12], -1), np.stack([h12, h22], -1)], -2)

    approx = np.array([[0.0898, -0.7126], [-0.0898, 0.7126], [-1.7036, 0.7961], [1.7036, -0.7961],
                       [-1.6071, -0.5687], [1.6071, 0.5687]])
    return Problem(
        name="six-hump camel", dim=2, f=f, grad=grad, hessian=hessian, x0=np.array([-0.5, 0.0]),
        minima=_polish(approx, grad, hessian), bounds=((-2.0, 2.0), (-1.1, 1.1)),
        formula=r"f(x, y) = (4 - 2.1x^2 + \tfrac{x^4}{3})x^2 + xy + (4y^2 - 4)y^2",
    )


def _polish(points: np.ndarray, grad, hessian, iterations: int = 20) -> np.ndarray:
    """Newton's method from published approximations, so the stored minima are exact to rounding."""
    x = np.array(points, dtype=float)
    for _ in range(iterations):
        x = x - np.linalg.solve(hessian(x), grad(x)[..., None])[..., 0]
    return x


def _check_seed_value(seed):
    if isinstance(seed, np.random.Generator):
        raise TypeError("seed must be an int here: a Problem is a value and holds no Generator; pass a "
                        "Generator per run instead, sc.minimize(problem, opt, seed=rng)")
    return check_integer("seed", seed, low=0)


def with_gradient_noise(problem, noise: float, seed: int = 0) -> Problem:
    r"""``problem`` with Gaussian noise on every gradient a run sees: the textbook model of SGD.

    .. math::

        g(x) = \nabla f(x) + \sigma \xi, \qquad \xi \sim \mathcal N(0, I), \text{ fresh at every call}

    ``f`` and ``grad`` stay exact, so a :class:`~stepcourse.loop.Trace` records the true loss of each
    noisy iterate. On the 1-D quadratic :math:`f(w) = \tfrac a2 (w - w^*)^2`, gradient descent with a
    constant rate :math:`\eta < 2/a` settles into a stationary spread around the minimum,

    .. math::

        \mathbb E\,(w - w^*)^2 = \frac{\eta\,\sigma^2}{a\,(2 - \eta a)},

    from :math:`e_{k+1} = (1 - \eta a)\,e_k - \eta\sigma\xi_k`: the variance :math:`v` solves
    :math:`v = (1 - \eta a)^2 v + \eta^2\sigma^2`. A smaller rate gives a lower floor.

    The result is a value: the noise of a run is drawn from the seed that run is given
    (``sc.minimize(p, opt, seed=...)``), by default ``seed``, so two runs with the same seed are
    the same run.

    Parameters
    ----------
    problem : Problem
    noise : float
        The standard deviation :math:`\sigma \ge 0` of each gradient coordinate's noise.
    seed : int
        The default seed of a run's noise.

    >>> import stepcourse as sc
    >>> p = with_gradient_noise(sc.problems.parabola(), noise=0.5, seed=1)
    >>> p.noise, float(p.grad(2.0)[0])                   # grad is exact
    (0.5, 2.0)
    >>> g1, g2 = p.run_grad(), p.run_grad()              # two runs, the same default seed
    >>> bool(g1(2.0)[0] == g2(2.0)[0] != 2.0)
    True
    """
    problem = check_problem("problem", problem)
    sigma = check_non_negative("noise", noise)
    seed = _check_seed_value(seed)
    exact = problem.grad

    def gradient_stream(rng):
        def grad(x):
            g = exact(x)
            return g + sigma * rng.standard_normal(g.shape) if sigma > 0 else g

        return grad

    return dataclasses.replace(problem, name=f"{problem.name}, gradient noise {sigma:g}", noise=sigma,
                               gradient_stream=gradient_stream, seed=seed)


def minibatch_least_squares(X, y, batch_size: int, sampling: str = "shuffle", seed: int = 0, x0=None,
                            name=None) -> Problem:
    r"""Least squares whose runs see mini-batch gradients: SGD on real data through :func:`sc.minimize`.

    The loss is that of :func:`stepcourse.models.least_squares_problem` (the weights of a linear
    model on centered data, so the bias is the mean target, measured above its minimum):
    ``f`` and ``grad`` are exact, for plots and for judging progress. The gradient a run sees draws
    the next batch :math:`B_t` from :func:`stepcourse.batching.batch_indices` at each call and returns
    the gradient of the loss on those rows alone,

    .. math::

        g_t(w) = \frac{2}{|B_t|} \sum_{i \in B_t} x_i (x_i^\top w - y_i),
        \qquad \mathbb E[g_t(w)] = \nabla f(w),

    an unbiased but noisy estimate of the full gradient. A run of :func:`stepcourse.loop.minimize`
    with ``steps = k * ceil(n / batch_size)`` is ``k`` epochs of mini-batch SGD, and its
    :class:`~stepcourse.loop.Trace` holds the exact loss after every step. (``minimize`` also asks for
    one gradient at the start, so the draws are shifted by one batch relative to the steps; the
    stream itself is unchanged.)

    The batches of a run come from that run's seed (``sc.minimize(p, opt, seed=...)``, by default
    ``seed``): the problem is a value, and two runs with the same seed see the same batches.

    Fields set on the returned Problem: ``n`` (rows), ``batch_size``, ``sampling``, ``A`` (the Hessian
    :math:`\tfrac2n X_c^\top X_c`, also ``H``) and ``per_example_grad(w)`` (the :math:`n` individual
    gradients at ``w``, shape ``(n, d)``); ``steps_per_epoch`` follows from them.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 2)); y = X @ np.array([1.0, -2.0])
    >>> p = minibatch_least_squares(X, y, batch_size=20)      # full batch: the exact gradient
    >>> w = np.array([0.3, 0.4])
    >>> bool(np.allclose(p.run_grad()(w), p.per_example_grad(w).mean(axis=0)))
    True
    """
    from .models import least_squares_problem

    base = least_squares_problem(X, y, x0=x0, name=name)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    bs = min(check_integer("batch_size", batch_size, low=1), n)
    check_choice("sampling", sampling, SAMPLINGS)
    seed = _check_seed_value(seed)
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()

    def per_example_grad(w):
        w = np.asarray(w, dtype=float)
        return 2 * Xc * (Xc @ w - yc)[:, None]

    def gradient_stream(rng):
        stream = batch_indices(n, bs, sampling, rng)

        def grad(w):
            w = np.asarray(w, dtype=float)
            if w.shape[-1:] != (d,):
                raise ValueError(f"w must have a trailing axis of size {d}; got shape {w.shape}")
            idx = next(stream)
            # A batch of every row is the full gradient whatever the order: skip the copy.
            Xb, yb = (Xc, yc) if len(idx) == n and sampling != "replacement" else (Xc[idx], yc[idx])
            r = w @ Xb.T - yb  # (..., |B|)
            return (2.0 / len(idx)) * r @ Xb

        return grad

    label = name or f"{base.name}, batch {bs} ({sampling})"
    return dataclasses.replace(base, name=label, A=base.hessian(base.x0), n=n, batch_size=bs,
                               sampling=sampling, per_example_grad=per_example_grad,
                               gradient_stream=gradient_stream, seed=seed)


def catalog() -> dict:
    """Every problem with its default settings, by name: handy for loops and explorers."""
    return {p.name: p for p in (parabola(), double_well(), quadratic(), rosenbrock(), beale(),
                                himmelblau(), saddle(), six_hump_camel())}


# ==================================================================================================
# Level sets of a 2-D problem: the analysis behind the gradient explorer (stepcourse.widgets).
# Tested in tests/test_moved_analysis.py.

__all__ += ["level_set_through", "level_set_finder"]


def level_set_finder(problem, n: int = 300):
    r"""A function ``point -> (lines, tangent_cos)`` for :func:`level_set_through` on one problem.

    The grid of ``n x n`` loss values over the problem's bounds and its contour generator are built
    once; each query only traces one level.
    """
    import contourpy

    from ._validation import check_integer

    if getattr(problem, "dim", None) != 2:
        raise ValueError(f"level sets are traced for 2-D problems; got dim={getattr(problem, 'dim', None)!r}")
    n = check_integer("n", n, low=10)
    X, Y, P = problem.grid(n)
    Z = problem.f(P)
    z_lo, z_hi = float(Z.min()), float(Z.max())
    generator = contourpy.contour_generator(X, Y, Z)

    def find(point):
        point = np.asarray(point, dtype=float).reshape(2)
        level = float(problem.f(point))
        if not (z_lo < level < z_hi):
            return [], None
        lines = [np.asarray(seg) for seg in generator.lines(level) if len(seg) > 1]
        g = problem.grad(point)
        if not lines or not np.linalg.norm(g) > 0:
            return lines, None
        seg = min(lines, key=lambda s: float(np.min(np.linalg.norm(s - point, axis=1))))
        i = int(np.argmin(np.linalg.norm(seg - point, axis=1)))
        tangent = seg[min(i + 1, len(seg) - 1)] - seg[max(i - 1, 0)]
        cos = abs(float(tangent @ g)) / (np.linalg.norm(tangent) * np.linalg.norm(g))
        return lines, cos

    return find


def level_set_through(problem, point, n: int = 300):
    r"""The level set :math:`\{w : f(w) = f(p)\}` of a 2-D problem through the point :math:`p`, inside
    its plot bounds, as polylines traced on an ``n x n`` grid.

    Returns
    -------
    (lines, tangent_cos)
        ``lines`` is a list of ``(k, 2)`` arrays; ``tangent_cos`` is
        :math:`|\cos\angle(t, \nabla f(p))| = |t \cdot \nabla f(p)| / (\lVert t\rVert\,\lVert\nabla f(p)\rVert)`
        for the tangent :math:`t` of the level set at the vertex nearest ``p`` (0 means perpendicular;
        None when the gradient vanishes or no level set is found).

    >>> import stepcourse as sc
    >>> lines, cos = level_set_through(sc.problems.himmelblau(), [1.0, 1.0])
    >>> len(lines), bool(cos < 0.05)
    (1, True)
    """
    return level_set_finder(problem, n)(point)
