r"""Curvature without the Hessian: Hessian-vector products, power iteration, and the sharpness of a
network along its training run (the edge of stability, Cohen et al. 2021).

The *sharpness* of a loss at :math:`x` is the largest eigenvalue of its Hessian,
:math:`\lambda_{\max}(\nabla^2 f(x))`. On a quadratic gradient descent is stable iff
:math:`\lambda_{\max} < 2/\eta`; on a network the Hessian changes as it trains, and full-batch gradient
descent drives the sharpness up to about :math:`2/\eta` and keeps it there.

A network's Hessian is far too large to form, but its product with a vector is the directional
derivative of the gradient, which a central difference of two gradients gives:

.. math::

    \nabla^2 f(x)\, v \approx \frac{\nabla f(x + \epsilon v) - \nabla f(x - \epsilon v)}{2\epsilon},
    \qquad \text{error } O(\epsilon^2)

and power iteration, :math:`v \leftarrow Hv / \lVert Hv\rVert`, needs nothing else.

>>> import stepcourse as sc
>>> p = sc.problems.quadratic([1.0, 10.0])
>>> round(top_hessian_eigenvalue(p.grad, np.array([0.3, -0.2])), 8)
10.0
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

__all__ = [
    "flatten", "vector_gradient", "hvp", "hessian_matrix", "top_hessian_eigenvalue", "sharpness_along",
    "SharpnessTrace",
    "track_sharpness",
]


def flatten(params):
    """One vector from an array or a dict of arrays, and the function that turns a vector back.

    Returns
    -------
    (vector, unflatten)
        ``unflatten(vector)`` rebuilds the same keys (in the same order) and shapes.

    >>> v, back = flatten({"W": np.ones((2, 2)), "b": np.zeros(2)})
    >>> v.shape, sorted(back(v)), back(v)["W"].shape
    ((6,), ['W', 'b'], (2, 2))
    """
    if isinstance(params, dict):
        keys = list(params)
        shapes = [np.shape(params[k]) for k in keys]
        sizes = [int(np.prod(s)) for s in shapes]
        vector = np.concatenate([np.asarray(params[k], dtype=float).ravel() for k in keys]) if keys else np.zeros(0)

        def unflatten(vec):
            vec = np.asarray(vec, dtype=float)
            if vec.shape != (sum(sizes),):
                raise ValueError(f"vector must have shape ({sum(sizes)},); got {vec.shape}")
            out, i = {}, 0
            for k, s, n in zip(keys, shapes, sizes):
                out[k] = vec[i:i + n].reshape(s).copy()
                i += n
            return out

        return vector, unflatten
    arr = np.asarray(params, dtype=float)
    shape = arr.shape

    def unflatten_array(vec):
        return np.asarray(vec, dtype=float).reshape(shape).copy()

    return arr.ravel().copy(), unflatten_array


def vector_gradient(model, params, X, y):
    """A model's loss gradient as a function of one flat vector, for :func:`hvp` and friends.

    Returns
    -------
    (vector, grad_fn, unflatten)
        ``vector`` is ``params`` flattened; ``grad_fn(v)`` is the gradient of
        ``model.loss_and_grad(unflatten(v), X, y)`` flattened in the same key order (a model may
        return its gradients in another order than its parameters, e.g. backpropagation's).

    >>> import stepcourse as sc
    >>> X = np.array([[1.0], [2.0]]); y = np.array([1.0, 2.0])
    >>> v, g, back = vector_gradient(sc.models.LinearRegression(), {"w": np.zeros(1), "b": np.zeros(())}, X, y)
    >>> g(v).tolist()        # d/dw and d/db of mean (w x + b - y)^2 at 0
    [-5.0, -3.0]
    """
    vector, unflatten = flatten(params)
    keys = list(params) if isinstance(params, dict) else None

    def grad_fn(v):
        grads = model.loss_and_grad(unflatten(v), X, y)[1]
        if keys is None:
            return np.asarray(grads, dtype=float).ravel()
        return np.concatenate([np.asarray(grads[k], dtype=float).ravel() for k in keys])

    return vector, grad_fn, unflatten


def _vector(x, name="x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers; got shape {x.shape}")
    return x


def hvp(grad_fn: Callable, x, v, eps: Optional[float] = None) -> np.ndarray:
    r"""The Hessian-vector product :math:`\nabla^2 f(x)\,v` by a central difference of the gradient.

    .. math::

        \nabla^2 f(x)\, v \approx \frac{\nabla f(x + \epsilon v) - \nabla f(x - \epsilon v)}{2\epsilon}

    The error is :math:`O(\epsilon^2)` from truncation plus about :math:`u\lVert\nabla f\rVert/\epsilon`
    from rounding (:math:`u \approx 10^{-16}`); the default
    :math:`\epsilon = u^{1/3}\max(1, \lVert x\rVert)/\lVert v\rVert` balances the two (relative error
    about :math:`10^{-10}` on smooth functions). Exact for quadratics up to rounding.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(x) -> gradient``, ``x`` a 1-D array.
    x, v : array_like, shape (d,)
    eps : float, optional

    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> hvp(lambda x: A @ x, np.zeros(2), np.array([1.0, 0.0])).round(8).tolist()
    [2.0, 1.0]
    """
    x, v = _vector(x), _vector(v, "v")
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x, {x.shape}; got {v.shape}")
    nv = float(np.linalg.norm(v))
    if nv == 0:
        return np.zeros_like(x)
    if eps is None:
        eps = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.linalg.norm(x))) / nv
    eps = float(eps)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    gp = np.asarray(grad_fn(x + eps * v), dtype=float).ravel()
    gm = np.asarray(grad_fn(x - eps * v), dtype=float).ravel()
    return (gp - gm) / (2 * eps)


def hessian_matrix(grad_fn: Callable, x, eps: Optional[float] = None) -> np.ndarray:
    r"""The whole Hessian, one central-difference product per coordinate, symmetrized
    :math:`(H + H^\top)/2`; for small problems and tests (``d`` products cost ``2d`` gradients).

    >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> np.allclose(hessian_matrix(lambda x: A @ x, np.ones(2)), A)
    True
    """
    x = _vector(x)
    H = np.stack([hvp(grad_fn, x, e, eps) for e in np.eye(x.size)], axis=1)
    return (H + H.T) / 2


def _power(matvec, v, iters, tol):
    """Power iteration from the unit vector ``v``; stops when the residual ``||Hv - lam v||`` is at most
    ``tol * |lam|``. Returns (lam, v, products used, converged)."""
    lam, converged, k = np.nan, False, 0
    w = matvec(v)
    for k in range(1, iters + 1):
        lam = float(v @ w)
        if np.linalg.norm(w - lam * v) <= tol * abs(lam) or not np.isfinite(lam):
            converged = np.isfinite(lam)
            break
        nw = float(np.linalg.norm(w))
        if nw == 0:
            return 0.0, v, k, True
        v = w / nw
        if k < iters:
            w = matvec(v)
    return lam, v, k, converged


def top_hessian_eigenvalue(grad_fn: Callable, x, iters: int = 100, tol: float = 1e-6, v0=None, seed=0,
                           eps: Optional[float] = None, hvp_fn: Optional[Callable] = None,
                           return_vector: bool = False):
    r"""The largest eigenvalue of the Hessian at ``x`` (the sharpness), by power iteration on
    Hessian-vector products.

    .. math::

        v_{j+1} = \frac{H v_j}{\lVert H v_j\rVert}, \qquad \lambda_j = v_j^\top H v_j

    Power iteration finds the eigenvalue of largest *modulus*. If that one is negative (a saddle whose
    downward curvature beats the upward one), the iteration is rerun on :math:`H - \lambda I`, whose
    eigenvalues are all :math:`\ge 0` with the largest at :math:`\lambda_{\max} - \lambda`. It stops when
    the residual is small, :math:`\lVert Hv - \lambda v\rVert \le` ``tol`` :math:`|\lambda|` (then
    :math:`\lambda` is within about ``tol**2`` :math:`|\lambda|^2/\text{gap}` of an eigenvalue), or after
    ``iters`` products; the error shrinks by :math:`|\lambda_2/\lambda_1|` per product, so close top
    eigenvalues need many.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(x) -> gradient`` on 1-D arrays (see :func:`flatten` for dicts of parameters).
    x : array_like, shape (d,)
    iters : int
        Most Hessian-vector products per power iteration.
    tol : float
        Relative residual at which to stop.
    v0 : array_like, optional
        Start vector (e.g. the last call's vector, to warm-start along a training run); random otherwise.
    seed : int
        Seed of the random start.
    eps : float, optional
        Passed to :func:`hvp`.
    hvp_fn : callable, optional
        ``hvp_fn(v) -> H v`` computed exactly (e.g. from a known Hessian), instead of differences.
    return_vector : bool
        Also return the unit eigenvector estimate.

    Returns
    -------
    float, or ``(float, ndarray)`` with ``return_vector``.

    >>> H = np.diag([3.0, -5.0, 1.0])
    >>> round(top_hessian_eigenvalue(lambda x: H @ x, np.zeros(3), iters=500), 6)   # not -5
    3.0
    """
    x = _vector(x)
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ValueError(f"iters must be a positive integer; got {iters!r}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    if hvp_fn is None:
        def matvec(v):
            return hvp(grad_fn, x, v, eps)
    else:
        def matvec(v):
            return np.asarray(hvp_fn(v), dtype=float).ravel()
    if v0 is None:
        v = np.random.default_rng(seed).standard_normal(x.size)
    else:
        v = _vector(v0, "v0").copy()
        if v.shape != x.shape:
            raise ValueError(f"v0 must have the shape of x, {x.shape}; got {v.shape}")
    nv = np.linalg.norm(v)
    if nv == 0:
        raise ValueError("v0 must not be the zero vector")
    v = v / nv
    lam, v, _, _ = _power(matvec, v, int(iters), float(tol))
    if lam < 0:
        shift = lam
        mu, v, _, _ = _power(lambda u: matvec(u) - shift * u, v, int(iters), float(tol))
        lam = mu + shift
    return (float(lam), v) if return_vector else float(lam)


def sharpness_along(problem, xs) -> np.ndarray:
    r"""The exact sharpness :math:`\lambda_{\max}(\nabla^2 f(x_k))` at every row of ``xs`` (a
    ``Trace.xs``), from ``problem.hessian``.

    >>> import stepcourse as sc
    >>> sharpness_along(sc.problems.quadratic([1.0, 10.0]), np.zeros((3, 2))).tolist()
    [10.0, 10.0, 10.0]
    """
    if problem.hessian is None:
        raise ValueError(f"problem {problem.name!r} has no hessian; use top_hessian_eigenvalue on its grad")
    xs = np.asarray(xs, dtype=float)
    return np.linalg.eigvalsh(problem.hessian(xs))[..., -1]


@dataclass(frozen=True, eq=False)
class SharpnessTrace:
    """A full-batch gradient-descent run with the sharpness measured along the way.

    Attributes
    ----------
    losses : ndarray, shape (n + 1,)
        The training loss before step 0, 1, ..., and after the last step.
    sharpness_steps : ndarray of int
        The steps at which the sharpness was measured.
    sharpness : ndarray
        The top Hessian eigenvalue at those steps.
    lr : float
        The learning rate; :attr:`edge` is ``2 / lr``.
    params : the final parameters (same form as the start).
    diverged : bool
        The loss stopped being finite.
    """

    losses: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    lr: float
    params: object = field(repr=False)
    diverged: bool = False

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return len(self.losses) - 1

    @property
    def edge(self) -> float:
        """The stability threshold of a quadratic with this learning rate, :math:`2/\\eta`."""
        return 2.0 / self.lr

    def __repr__(self) -> str:
        return (f"SharpnessTrace(lr={self.lr:g}: {self.steps} steps, loss {self.losses[-1]:.4g}, "
                f"last sharpness {self.sharpness[-1]:.4g}, 2/lr = {self.edge:.4g})")


def track_sharpness(model, params, X, y, lr: float, steps: int, every: int = 10, iters: int = 20,
                    seed=0) -> SharpnessTrace:
    r"""Train ``model`` by full-batch gradient descent, :math:`\theta_{k+1} = \theta_k - \eta\nabla\ell(\theta_k)`
    (``sc.optim.SGD(lr=lr)`` on the whole of ``X, y``), and measure the sharpness every ``every`` steps.

    The sharpness is :func:`top_hessian_eigenvalue` on central-difference Hessian-vector products of
    ``model.loss_and_grad`` (see :func:`vector_gradient`), warm-started from the previous
    measurement's eigenvector, with at most
    ``iters`` products (the warm start makes a few dozen enough along a run).

    Parameters
    ----------
    model
        Anything with ``loss_and_grad(params, X, y) -> (loss, grads)``: :class:`stepcourse.mlp.MLP`,
        the models of :mod:`stepcourse.models`.
    params : dict of arrays or array
        The start.
    X, y : the whole training set.
    lr : float
    steps : int
    every : int
        Measure at steps 0, every, 2 every, ... (and after the last step).
    iters : int
        Most Hessian-vector products per measurement.
    seed : int
        Seed of the first power iteration's start vector.

    Returns
    -------
    SharpnessTrace

    Examples
    --------
    >>> import stepcourse as sc
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> run = track_sharpness(sc.models.LinearRegression(), {"w": np.zeros(1), "b": np.zeros(())}, X, y,
    ...                       lr=0.1, steps=20, every=10)
    >>> run.sharpness_steps.tolist(), bool(abs(run.sharpness[0] - 2 * (4 + 10 ** 0.5) / 3) < 1e-6)
    ([0, 10, 20], True)
    """
    from .optim import SGD

    for name, value in (("steps", steps), ("every", every), ("iters", iters)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if name == "steps" else 1):
            raise ValueError(f"{name} must be a {'non-negative' if name == 'steps' else 'positive'} integer; "
                             f"got {value!r}")
    lr = float(lr)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number; got {lr!r}")
    vec, grad_vec, unflatten = vector_gradient(model, params, X, y)

    opt = SGD(lr=lr)
    p = unflatten(vec)
    state = opt.init(p)
    losses, s_steps, sharp = [], [], []
    v = None
    diverged = False
    with np.errstate(all="ignore"):
        for k in range(int(steps) + 1):
            loss, grads = model.loss_and_grad(p, X, y)
            losses.append(float(loss))
            if not np.isfinite(loss):
                diverged = True
                break
            if k % every == 0 or k == steps:
                lam, v = top_hessian_eigenvalue(grad_vec, flatten(p)[0], iters=iters, tol=1e-4, v0=v,
                                                seed=seed, return_vector=True)
                s_steps.append(k)
                sharp.append(lam)
            if k == steps:
                break
            p, state = opt.step(p, grads, state)
    return SharpnessTrace(losses=np.array(losses), sharpness_steps=np.array(s_steps, dtype=int),
                          sharpness=np.array(sharp), lr=lr, params=p, diverged=diverged)
