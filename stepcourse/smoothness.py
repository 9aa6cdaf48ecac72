r"""Beyond the quadratic: the descent lemma and the rates it gives for smooth losses.

A loss is :math:`L`-smooth when its gradient is :math:`L`-Lipschitz,
:math:`\lVert\nabla f(x) - \nabla f(y)\rVert \le L\lVert x - y\rVert` (for a twice differentiable
:math:`f`: every Hessian eigenvalue lies in :math:`[-L, L]`). Then for every step :math:`\eta`

.. math::

    f\bigl(x - \eta\nabla f(x)\bigr) \le f(x) - \eta\Bigl(1 - \frac{L\eta}{2}\Bigr)\lVert\nabla f(x)\rVert^2

(the *descent lemma*): gradient descent decreases any smooth loss for :math:`0 < \eta < 2/L`, quadratic
or not. From it follow the rates of this module:

- convex and :math:`L`-smooth, :math:`\eta \le 1/L`:
  :math:`f(x_k) - f^\star \le \lVert x_0 - x^\star\rVert^2 / (2\eta k)` (:func:`convex_bound`);
- Polyak-Łojasiewicz, :math:`\tfrac12\lVert\nabla f(x)\rVert^2 \ge \mu (f(x) - f^\star)`, and
  :math:`L`-smooth, :math:`\eta \le 1/L`:
  :math:`f(x_k) - f^\star \le (1 - \mu\eta)^k (f(x_0) - f^\star)` (:func:`pl_bound`), with no convexity
  needed (Karimi, Nutini and Schmidt 2016).

The problems :func:`pl_function` (non-convex but PL) and :func:`logistic_problem` (convex, not
strongly convex in general) let a chapter measure both against their bounds.

>>> round(guaranteed_decrease(0.1, 10.0), 12)        # eta (1 - L eta / 2) = 0.1 * 0.5
0.05
>>> round(float(pl_bound(2, 1.0, 0.5, 1.0)), 12)     # (1 - 0.5)^2
0.25
"""
from __future__ import annotations

import numpy as np

from ._validation import as_points_1d

__all__ = [
    "guaranteed_decrease", "descent_lemma_bound", "best_guaranteed_step", "convex_bound", "pl_rate",
    "pl_bound", "pl_constant", "smoothness_constant", "pl_function", "logistic_problem",
]


def _positive(name: str, value) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number; got {value!r}")
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return v


def _steps(k) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    if not np.all(np.isfinite(k)) or np.any(k < 0):
        raise ValueError(f"k must hold step counts >= 0; got {k!r}")
    return k


def _scalar(out):
    return float(out) if np.ndim(out) == 0 else out


def guaranteed_decrease(lr, L: float):
    r"""The factor :math:`\eta(1 - L\eta/2)` in the descent lemma: one step lowers an :math:`L`-smooth
    loss by at least this times :math:`\lVert\nabla f\rVert^2`. Positive exactly for :math:`0 < \eta < 2/L`,
    largest (:math:`1/(2L)`) at :math:`\eta = 1/L`.

    >>> guaranteed_decrease(0.2, 10.0)       # eta = 2/L: no guarantee left
    0.0
    """
    L = _positive("L", L)
    lr = np.asarray(lr, dtype=float)
    if not np.all(np.isfinite(lr)) or np.any(lr < 0):
        raise ValueError(f"lr must hold finite numbers >= 0; got {lr!r}")
    return _scalar(lr * (1 - L * lr / 2))


def descent_lemma_bound(f_x, grad_norm_sq, lr, L: float):
    r"""The upper bound on the loss after one gradient step from a point with loss ``f_x`` and squared
    gradient norm ``grad_norm_sq``:

    .. math::

        f(x - \eta\nabla f(x)) \le f(x) - \eta\Bigl(1 - \frac{L\eta}2\Bigr)\lVert\nabla f(x)\rVert^2

    >>> descent_lemma_bound(1.0, 4.0, 0.1, 10.0)
    0.8
    """
    return _scalar(np.asarray(f_x, dtype=float) - guaranteed_decrease(lr, L) * np.asarray(grad_norm_sq, dtype=float))


def best_guaranteed_step(L: float):
    r"""The step that maximizes the descent lemma's guaranteed decrease, and that decrease factor:
    :math:`\frac{d}{d\eta}\,\eta(1 - L\eta/2) = 1 - L\eta = 0` gives :math:`\eta = 1/L` and
    :math:`f(x^+) \le f(x) - \lVert\nabla f\rVert^2/(2L)`.

    >>> best_guaranteed_step(4.0)
    (0.25, 0.125)
    """
    L = _positive("L", L)
    return 1 / L, 1 / (2 * L)


def convex_bound(k, dist0_sq: float, lr: float):
    r"""The :math:`O(1/k)` bound of gradient descent on a convex, :math:`L`-smooth function, for
    :math:`0 < \eta \le 1/L`:

    .. math::

        f(x_k) - f^\star \le \frac{\lVert x_0 - x^\star\rVert^2}{2\eta k}

    (Nesterov 2004, Cor. 2.1.2 gives the same order; this form is the one of the standard proof: the
    descent lemma, convexity and a telescoping sum.) ``k = 0`` gives ``inf``.

    >>> convex_bound(10, 4.0, 0.1)
    2.0
    """
    k = _steps(k)
    lr = _positive("lr", lr)
    with np.errstate(divide="ignore"):
        return _scalar(float(dist0_sq) / (2 * lr * k))


def pl_rate(lr: float, L: float, mu: float) -> float:
    r"""The factor per step by which the descent lemma and the PL inequality shrink :math:`f - f^\star`:

    .. math::

        f(x_{k+1}) - f^\star \le \bigl(1 - 2\mu\eta(1 - L\eta/2)\bigr)\,(f(x_k) - f^\star),

    valid for :math:`0 < \eta < 2/L`; at :math:`\eta = 1/L` it is :math:`1 - \mu/L`, and for
    :math:`\eta \le 1/L` it is at most :math:`1 - \mu\eta`.

    >>> pl_rate(0.125, 8.0, 0.5)
    0.9375
    """
    lr, L, mu = _positive("lr", lr), _positive("L", L), _positive("mu", mu)
    if mu > L:
        raise ValueError(f"need mu <= L; got mu={mu!r}, L={L!r}")
    return float(1 - 2 * mu * lr * (1 - L * lr / 2))


def pl_bound(k, f0_gap: float, mu: float, lr: float):
    r"""The linear rate under the Polyak-Łojasiewicz condition, for :math:`0 < \eta \le 1/L`:

    .. math::

        f(x_k) - f^\star \le (1 - \mu\eta)^k\,\bigl(f(x_0) - f^\star\bigr)

    >>> round(float(pl_bound(3, 8.0, 0.5, 1.0)), 12)
    1.0
    """
    k = _steps(k)
    mu, lr = _positive("mu", mu), _positive("lr", lr)
    if mu * lr > 1:
        raise ValueError(f"need mu * lr <= 1 (lr <= 1/L and mu <= L); got mu={mu!r}, lr={lr!r}")
    return _scalar(float(f0_gap) * (1 - mu * lr) ** k)


def pl_constant(problem, points, f_min=None) -> float:
    r"""An estimate of the PL constant from a sample of points:
    :math:`\mu \approx \min_x \lVert\nabla f(x)\rVert^2 / (2 (f(x) - f^\star))` over the points with
    :math:`f(x) > f^\star` (an upper bound on the true constant; a fine grid makes it tight).

    >>> import stepcourse as sc
    >>> round(pl_constant(sc.problems.parabola(curvature=3.0), np.linspace(-2, 2, 9)[:, None]), 12)
    3.0
    """
    pts = np.asarray(points, dtype=float)
    f_min = problem.f_min if f_min is None else float(f_min)
    gaps = problem.f(pts) - f_min
    g2 = np.sum(problem.grad(pts) ** 2, axis=-1)
    keep = gaps > 1e-12 * max(1.0, abs(f_min))
    if not np.any(keep):
        raise ValueError("every point lies at the minimum; sample points where f > f*")
    return float(np.min(g2[keep] / (2 * gaps[keep])))


def smoothness_constant(problem, points) -> float:
    r"""The largest :math:`|\lambda|` of the Hessian over a sample of points: an estimate (from below) of
    the smoothness constant :math:`L`. Needs ``problem.hessian``.

    >>> import stepcourse as sc
    >>> smoothness_constant(sc.problems.quadratic([1.0, 10.0]), np.zeros((1, 2)))
    10.0
    """
    if problem.hessian is None:
        raise ValueError(f"problem {problem.name!r} has no hessian; pass one that does")
    H = problem.hessian(np.asarray(points, dtype=float))
    return float(np.max(np.abs(np.linalg.eigvalsh(H))))


def pl_function(a: float = 3.0, x0: float = 7.0):
    r"""A non-convex function that satisfies the PL inequality: :math:`f(x) = x^2 + a\sin^2 x`
    (Karimi, Nutini and Schmidt 2016 use :math:`a = 3`).

    .. math::

        f'(x) = 2x + a\sin 2x, \qquad f''(x) = 2 + 2a\cos 2x \in [2 - 2a,\ 2 + 2a]

    For :math:`a > 1` the second derivative is negative in places (not convex), yet the only
    stationary point is the global minimum :math:`x = 0` for :math:`a \le 4.6` and the gradient
    is large wherever the loss is: :math:`f'(x)^2 \ge 2\mu f(x)` for a :math:`\mu > 0`
    (:func:`pl_constant` estimates it; about 0.175 for :math:`a = 3`). ``L`` is :math:`2 + 2a`
    and ``mu`` is left None (no strong convexity).

    >>> p = pl_function()
    >>> p.L, float(p.f(np.array([0.0]))), float(p.hessian(np.array([np.pi / 2]))[0, 0])
    (8.0, 0.0, -4.0)
    """
    a = _positive("a", a)

    def f(x):
        u = as_points_1d(x)[..., 0]
        return u**2 + a * np.sin(u) ** 2

    def grad(x):
        u = as_points_1d(x)
        return 2 * u + a * np.sin(2 * u)

    def hessian(x):
        u = as_points_1d(x)
        return (2 + 2 * a * np.cos(2 * u))[..., None]

    from .problems import Problem

    return Problem(
        name=f"x^2 + {a:g} sin^2 x", dim=1, f=f, grad=grad, hessian=hessian, x0=np.array([float(x0)]),
        minima=np.array([[0.0]]), bounds=((-8.0, 8.0),), L=2 + 2 * a, mu=None,
        formula=rf"f(x) = x^2 + {a:g}\sin^2 x",
    )


def logistic_problem(X, y, name: str = "logistic regression", newton_steps: int = 50,
                     require_minimum: bool = True):
    r"""Logistic regression (mean cross-entropy, no penalty) as a :class:`~stepcourse.problems.Problem`
    over the vector :math:`x = (w, b)`, with its smoothness constant and its minimizer.

    .. math::

        f(x) = \frac1n\sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr],\quad z = \tilde X x,\ \tilde X = [X, \mathbf 1],
        \qquad \nabla^2 f = \frac1n \tilde X^\top \mathrm{diag}\bigl(p_i(1 - p_i)\bigr)\tilde X
        \preceq \frac{1}{4n}\tilde X^\top\tilde X

    so ``L`` is :math:`\lambda_{\max}(\tilde X^\top\tilde X)/(4n)`. The minimizer is found by Newton's
    method. It exists when the classes overlap; on linearly separable data the loss has no minimum,
    only the infimum 0 (approached as the weights grow without bound): then this raises
    ``ValueError``, or with ``require_minimum=False`` returns the problem with no known minimum
    (``minima`` empty, so :attr:`stepcourse.loop.Trace.gaps` measure from 0, the infimum). The loss equals :class:`stepcourse.models.LogisticRegression`'s with
    ``params = {"w": x[:-1], "b": x[-1]}``; ``f`` and ``grad`` accept a trailing axis of size ``d + 1``.
    The start ``x0`` is 0 (every prediction 1/2).

    >>> import stepcourse as sc
    >>> d = sc.data.make_blobs(n=100, std=1.5, seed=0)
    >>> p = logistic_problem(d.X, d.y)
    >>> p.dim, bool(np.linalg.norm(p.grad(p.minima[0])) < 1e-10)
    (3, True)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] < 1:
        raise ValueError(f"need X of shape (n, d) and y of shape (n,); got {X.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold class labels 0 and 1")
    n, d = X.shape
    Xt = np.hstack([X, np.ones((n, 1))])

    def scores(x):
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (d + 1,):
            raise ValueError(f"x must have a trailing axis of size {d + 1}; got shape {x.shape}")
        return x @ Xt.T                                    # (..., n)

    def f(x):
        z = scores(x)
        return np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)

    def grad(x):
        z = scores(x)
        return (_sigmoid(z) - y) @ Xt / n

    def hessian(x):
        p = _sigmoid(scores(x))
        return np.einsum("...i,ij,ik->...jk", p * (1 - p), Xt, Xt) / n

    L = float(np.linalg.eigvalsh(Xt.T @ Xt).max() / (4 * n))
    x = np.zeros(d + 1)
    for _ in range(int(newton_steps)):
        g = grad(x)
        if np.linalg.norm(g) < 1e-14:
            break
        H = hessian(x)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            raise ValueError("the Hessian is singular: the features are collinear") from None
        x = x - step
        if np.linalg.norm(x) > 1e6:
            break
    # On separable data Newton runs off to infinity where the gradient and the Hessian both vanish.
    found = bool(np.all(np.isfinite(x)) and np.linalg.norm(grad(x)) < 1e-10
                 and np.linalg.eigvalsh(hessian(x)).min() > 1e-8 * L)
    if not found and require_minimum:
        raise ValueError("no minimizer found: are the two classes linearly separable? "
                         "then the logistic loss has no minimum (add noise or use a penalty, or pass "
                         "require_minimum=False)")
    from .problems import Problem

    if not found:
        x = np.zeros(d + 1)
    span = np.maximum(np.abs(x), 1.0) * 1.5
    problem = Problem(
        name=name, dim=d + 1, f=f, grad=grad, hessian=hessian, x0=np.zeros(d + 1),
        minima=x[None, :] if found else np.zeros((0, d + 1)),
        bounds=tuple((float(c - s), float(c + s)) for c, s in zip(x, span)), L=L, mu=None,
        formula=r"f(w, b) = \frac1n\sum_i \log(1 + e^{z_i}) - y_i z_i,\ z = Xw + b",
    )
    object.__setattr__(problem, "X", Xt)
    return problem


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
