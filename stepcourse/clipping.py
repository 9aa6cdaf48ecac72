r"""Clipping as an accelerator, and the update/weight ratio.

**(L0, L1)-smoothness.** Zhang, He, Sra and Jadbabaie (2020) observed that along the training of
language models the curvature grows with the gradient, and replaced :math:`L`-smoothness by

.. math::

    \lVert\nabla^2 f(x)\rVert \le L_0 + L_1 \lVert\nabla f(x)\rVert .

Gradient descent with a constant rate must then pick :math:`\eta` below :math:`2/\lVert\nabla^2 f\rVert`
at the steepest point of its path, and crawls once the gradient is small. Clipped gradient descent,

.. math::

    x_{k+1} = x_k - \eta\, \min\Bigl(1, \frac{c}{\lVert\nabla f(x_k)\rVert}\Bigr)\nabla f(x_k),

moves at most :math:`\eta c` per step where the gradient (and so the curvature) is large, and takes
full steps :math:`\eta\nabla f` where it is small, with :math:`\eta` fitted to :math:`L_0` alone.
Their Theorem 3 bounds its steps independently of the largest curvature on the path, where plain
gradient descent's count grows with it.

The example :func:`cosh_problem`, :math:`f(x) = \cosh(a x) - 1` with :math:`f'' = a^2\cosh(ax)`
and :math:`|f'| = a|\sinh(ax)|`, is :math:`(L_0, L_1)`-smooth with :math:`L_0 = a^2`,
:math:`L_1 = a` (as :math:`\cosh \le 1 + |\sinh|`) but not :math:`L`-smooth for any :math:`L`.
:func:`quartic_problem`, :math:`f(x) = x^4/4`, has :math:`f'' = 3x^2 \le 3 + 3|x|^3`:
:math:`L_0 = L_1 = 3`.

**The update/weight ratio** (Karpathy, CS231n notes): the size of a step relative to the size of the
weights, :math:`\lVert\Delta W\rVert/\lVert W\rVert` per layer, should be around :math:`10^{-3}`; much
lower and the layer is hardly learning, much higher and the rate is probably too large.

>>> p = cosh_problem()
>>> float(p.f(np.array([0.0]))), float(p.grad(np.array([1.0]))[0]) == float(np.sinh(1.0))
(0.0, True)
>>> smoothness_constants(p)
(1.0, 1.0)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_integer, check_optimizer, check_positive

__all__ = ["cosh_problem", "quartic_problem", "smoothness_constants", "ClippedSGD", "gd_sweep",
           "clipped_gd_steps", "update_ratios", "update_ratio"]


def cosh_problem(scale: float = 1.0, x0: float = 8.0):
    r""":math:`f(x) = \cosh(a x) - 1` on :math:`\mathbb R`, minimum 0 at 0; :math:`f' = a\sinh(ax)`,
    :math:`f'' = a^2\cosh(ax) \le a^2 + a|f'|`: :math:`(L_0, L_1) = (a^2, a)`.

    >>> p = cosh_problem(2.0)
    >>> bool(np.isclose(p.hessian(np.array([0.5]))[0, 0], 4 * np.cosh(1.0)))
    True
    """
    from .problems import Problem

    a = check_positive("scale", scale)

    def f(x):
        return np.cosh(a * np.asarray(x, dtype=float)[..., 0]) - 1.0

    def grad(x):
        return a * np.sinh(a * np.asarray(x, dtype=float))

    def hessian(x):
        return (a * a * np.cosh(a * np.asarray(x, dtype=float)))[..., None]

    return Problem(name=f"cosh({a:g} x) - 1", dim=1, f=f, grad=grad, hessian=hessian,
                   x0=np.array([float(x0)]), minima=np.zeros((1, 1)), bounds=((-abs(x0), abs(x0)),),
                   formula=rf"\cosh({a:g}x) - 1")


def quartic_problem(x0: float = 8.0):
    r""":math:`f(x) = x^4/4`, minimum 0 at 0; :math:`f'' = 3x^2 \le 3 + 3|x|^3`: :math:`(L_0, L_1) = (3, 3)`
    (and its curvature vanishes at the minimum, so no rate gives a linear rate there).

    >>> float(quartic_problem().grad(np.array([2.0]))[0])
    8.0
    """
    from .problems import Problem

    def f(x):
        return np.asarray(x, dtype=float)[..., 0] ** 4 / 4

    def grad(x):
        return np.asarray(x, dtype=float) ** 3

    def hessian(x):
        return (3 * np.asarray(x, dtype=float) ** 2)[..., None]

    return Problem(name="x^4 / 4", dim=1, f=f, grad=grad, hessian=hessian, x0=np.array([float(x0)]),
                   minima=np.zeros((1, 1)), bounds=((-abs(x0), abs(x0)),), formula=r"x^4/4")


def smoothness_constants(problem):
    r"""The :math:`(L_0, L_1)` of :func:`cosh_problem` and :func:`quartic_problem`, read from the name.

    >>> smoothness_constants(quartic_problem())
    (3.0, 3.0)
    """
    if problem.name == "x^4 / 4":
        return 3.0, 3.0
    if problem.name.startswith("cosh("):
        a = float(problem.name[5:].split(" x)")[0])
        return a * a, a
    raise ValueError(f"no known (L0, L1) constants for the problem {problem.name!r}")


class ClippedSGD:
    r"""Gradient descent on the clipped gradient,
    :math:`x \leftarrow x - \eta\,\min(1, c/\lVert g\rVert)\, g`, as an optimizer for
    :func:`stepcourse.minimize` (``init``/``step``/``lr_at``; no state).

    >>> opt = ClippedSGD(lr=0.5, max_norm=1.0)
    >>> x, _ = opt.step(np.array([0.0]), np.array([10.0]), opt.init(None))
    >>> x.tolist()
    [-0.5]
    """

    def __init__(self, lr: float, max_norm: float):
        self.lr = check_positive("lr", lr)
        self.max_norm = check_positive("max_norm", max_norm)

    def __repr__(self) -> str:
        return f"ClippedSGD(lr={self.lr:g}, max_norm={self.max_norm:g})"

    def lr_at(self, t: int) -> float:
        return self.lr

    def init(self, params):
        return None

    def step(self, params, grads, state):
        g = np.asarray(grads, dtype=float)
        norm = float(np.sqrt(np.sum(g * g)))
        scale = min(1.0, self.max_norm / norm) if norm > 0 else 1.0
        return np.asarray(params, dtype=float) - self.lr * scale * g, state


def gd_sweep(problem, lrs, tol: float, max_steps: int, x0=None):
    r"""Gradient descent on a 1-D ``problem`` at every rate of ``lrs`` at once: the first step whose loss
    gap is at most ``tol`` (``inf`` when a run diverges or needs more than ``max_steps``).

    >>> k = gd_sweep(quartic_problem(x0=1.0), [0.1, 0.5], tol=1e-2, max_steps=1000)
    >>> bool(k[1] < k[0] < 1000)
    True
    """
    tol = check_positive("tol", tol)
    max_steps = check_integer("max_steps", max_steps, low=1)
    lrs = np.atleast_1d(np.asarray(lrs, dtype=float))
    x = np.full((len(lrs), problem.dim), float(problem.x0[0]) if x0 is None else float(x0))
    f_min = problem.f_min
    first = np.full(len(lrs), np.inf)
    with np.errstate(all="ignore"):
        for k in range(max_steps + 1):
            gap = problem.f(x) - f_min
            done = np.isinf(first) & (gap <= tol)
            first[done] = k
            if np.all(np.isfinite(first) | ~np.isfinite(gap)):
                break
            x = x - lrs[:, None] * problem.grad(x)
    return first


def clipped_gd_steps(problem, lr: float, max_norm: float, tol: float, max_steps: int, x0=None):
    """Steps of :class:`ClippedSGD` until the loss gap is at most ``tol`` (None if never), and the trace.

    >>> k, tr = clipped_gd_steps(cosh_problem(), 0.5, 1.0, 1e-6, 200)
    >>> k is not None and k < 30
    True
    """
    from .loop import minimize

    tr = minimize(problem, ClippedSGD(lr, max_norm), x0=x0, steps=max_steps)
    return tr.first_step_within(tol), tr


def update_ratio(before: dict, after: dict, keys=None) -> dict:
    r""":math:`\lVert W^{+} - W\rVert / \lVert W\rVert` for each array (or the ``keys`` given).

    >>> update_ratio({"W0": np.array([3.0, 4.0])}, {"W0": np.array([3.0, 4.005])})
    {'W0': 0.001}
    """
    keys = list(before) if keys is None else list(keys)
    out = {}
    for k in keys:
        w = np.asarray(before[k], dtype=float)
        out[k] = round(float(np.linalg.norm(np.asarray(after[k]) - w) / np.linalg.norm(w)), 15)
    return out


@dataclass(frozen=True, eq=False)
class UpdateRatios:
    """Per-step update/weight ratios of the weight matrices of a run: ``ratios`` of shape
    ``(steps, layers)``, ``keys`` the names of the matrices, ``losses`` the batch losses."""

    ratios: np.ndarray
    keys: tuple
    losses: np.ndarray

    def median(self) -> np.ndarray:
        """The median ratio of each layer over the steps."""
        return np.median(self.ratios, axis=0)


def update_ratios(model, params, data, opt, steps: int, batch_size: int = 32, seed=0,
                  prefix: str = "W") -> UpdateRatios:
    r"""Train ``model`` for ``steps`` mini-batch steps of ``opt`` and record, at every step, the ratio
    :math:`\lVert\Delta W_i\rVert/\lVert W_i\rVert` of every parameter whose name starts with
    ``prefix`` (the weight matrices of :class:`stepcourse.models.MLP`).

    >>> import stepcourse as sc
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, size=64)
    >>> mlp = sc.models.MLP([4, 8, 3], "tanh", "xavier", loss="cross_entropy")
    >>> r = update_ratios(mlp, mlp.init_params(), (X, y), sc.optim.SGD(lr=0.1), steps=3)
    >>> r.ratios.shape, r.keys
    ((3, 2), ('W0', 'W1'))
    """
    opt = check_optimizer("opt", opt)
    steps = check_integer("steps", steps, low=1)
    batch_size = check_integer("batch_size", batch_size, low=1)
    X, y = data
    rng = np.random.default_rng(seed)
    keys = tuple(k for k in params if k.startswith(prefix))
    state = opt.init(params)
    ratios, losses = [], []
    order = np.array([], dtype=int)
    for _ in range(steps):
        if len(order) < batch_size:
            order = np.concatenate([order, rng.permutation(len(y))])
        idx, order = order[:batch_size], order[batch_size:]
        loss, grads = model.loss_and_grad(params, X[idx], y[idx])
        new, state = opt.step(params, grads, state)
        ratios.append([np.linalg.norm(new[k] - params[k]) / np.linalg.norm(params[k]) for k in keys])
        losses.append(float(loss))
        params = new
    return UpdateRatios(ratios=np.array(ratios), keys=keys, losses=np.array(losses))
