r"""Batch normalization and residual connections beyond initialization.

Four facts, each a function:

- **scale invariance**: a weight vector :math:`w` that feeds batch normalization can be scaled by any
  :math:`c > 0` without changing the loss, so the gradient is orthogonal to :math:`w` and scales as
  :math:`1/\lVert w\rVert` (:func:`batchnorm_forward`, :func:`bn_unit_loss_and_grad`);
- **the effective learning rate** :math:`\eta/\lVert w\rVert^2` of such a weight, and the norm that
  SGD with weight decay settles at (:func:`effective_lr`, :func:`equilibrium_norm`,
  :func:`train_bn_unit`);
- **gradient explosion at initialization** in deep batch-normalized networks
  (:func:`bn_gradient_growth`, :data:`YANG_RELU_RATE`);
- **residual scaling** in the style of Fixup (:func:`fixup_scale`, :func:`residual_variances`),
  and PyTorch's default initialization of ``nn.Linear`` (:func:`kaiming_uniform_bound`).

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(64, 3)); t = X[:, 0] + 0.1
>>> w = np.array([1.0, 2.0, -1.0])
>>> l1, g1 = bn_unit_loss_and_grad(w, X, t); l2, g2 = bn_unit_loss_and_grad(3 * w, X, t)
>>> bool(np.isclose(l1, l2)), bool(np.allclose(g2, g1 / 3)), bool(abs(g1 @ w) < 1e-12)
(True, True, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import check_integer, check_non_negative, check_positive

__all__ = [
    "batchnorm_forward", "batchnorm_backward", "bn_unit_loss_and_grad", "effective_lr",
    "equilibrium_norm", "BNRun", "train_bn_unit", "YANG_RELU_RATE", "bn_gradient_growth",
    "fixup_scale", "residual_variances", "kaiming_uniform_bound",
]

#: Yang et al.'s (2019) rate of growth, per layer towards the input, of the squared gradient
#: norm of a deep batch-normalized ReLU network at initialization (wide layers, large batches).
YANG_RELU_RATE = math.pi / (math.pi - 1)


def batchnorm_forward(z, gamma=1.0, beta=0.0, eps: float = 1e-5):
    r"""Batch normalization of a batch of pre-activations, column by column.

    .. math::

        \mu_B = \frac1B \sum_b z_b, \quad \sigma_B^2 = \frac1B \sum_b (z_b - \mu_B)^2, \quad
        \hat z = \frac{z - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \quad u = \gamma \hat z + \beta .

    Parameters
    ----------
    z : ndarray, shape (B,) or (B, n)
        The batch (rows are samples).
    gamma, beta : float or ndarray
        Learned scale and shift.
    eps : float
        Added to the variance (PyTorch's default, 1e-5); with ``eps = 0`` the output is exactly
        invariant to a positive rescaling of ``z``.

    Returns
    -------
    out : ndarray
        :math:`u`, the shape of ``z``.
    cache : dict
        What :func:`batchnorm_backward` needs.

    >>> out, _ = batchnorm_forward(np.array([1.0, 2.0, 3.0]), eps=0.0)
    >>> np.round(out, 4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    z = np.asarray(z, dtype=float)
    eps = check_non_negative("eps", eps)
    mu = z.mean(axis=0)
    s = np.sqrt(z.var(axis=0) + eps)
    zhat = (z - mu) / s
    return gamma * zhat + beta, {"zhat": zhat, "s": s, "gamma": gamma}


def batchnorm_backward(d_out, cache):
    r"""Backward pass of :func:`batchnorm_forward`.

    With :math:`g = \gamma\, \partial\ell/\partial u` and bars for means over the batch,

    .. math::

        \frac{\partial\ell}{\partial z} = \frac{g - \bar g - \hat z\, \overline{g \odot \hat z}}{s},
        \qquad \frac{\partial\ell}{\partial\gamma} = \sum_b \frac{\partial\ell}{\partial u_b}\hat z_b,
        \qquad \frac{\partial\ell}{\partial\beta} = \sum_b \frac{\partial\ell}{\partial u_b}.

    Returns ``(dz, dgamma, dbeta)``.

    >>> out, cache = batchnorm_forward(np.array([1.0, 2.0, 4.0]), eps=0.0)
    >>> dz, _, _ = batchnorm_backward(np.ones(3), cache)
    >>> bool(np.allclose(dz, 0))      # a shift of every output is undone by the mean subtraction
    True
    """
    d_out = np.asarray(d_out, dtype=float)
    zhat, s, gamma = cache["zhat"], cache["s"], cache["gamma"]
    g = gamma * d_out
    dz = (g - g.mean(axis=0) - zhat * (g * zhat).mean(axis=0)) / s
    return dz, (d_out * zhat).sum(axis=0), d_out.sum(axis=0)


def bn_unit_loss_and_grad(w, X, t, eps: float = 0.0):
    r"""Loss and gradient of one batch-normalized linear unit fitted to a target.

    .. math::

        z = X w, \qquad \ell(w) = \frac{1}{2B} \sum_b \bigl(\operatorname{BN}(z)_b - t_b\bigr)^2 .

    With ``eps = 0``, :math:`\ell(cw) = \ell(w)` for every :math:`c > 0`; differentiating in
    :math:`c` at :math:`c = 1` gives :math:`\nabla\ell(w)^\top w = 0`, and differentiating
    :math:`\ell(cw) = \ell(w)` in :math:`w` gives :math:`\nabla\ell(cw) = \nabla\ell(w)/c`.

    Parameters
    ----------
    w : ndarray, shape (d,)
    X : ndarray, shape (B, d)
    t : ndarray, shape (B,)
    eps : float
        As in :func:`batchnorm_forward`.

    Returns
    -------
    (float, ndarray)

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> loss, grad = bn_unit_loss_and_grad(np.array([1.0, 1.0]), X, np.array([-1.0, 0.0, 1.0]))
    >>> round(loss, 6), bool(abs(grad @ [1.0, 1.0]) < 1e-12)
    (0.126227, True)
    """
    w, X, t = (np.asarray(a, dtype=float) for a in (w, X, t))
    out, cache = batchnorm_forward(X @ w, eps=eps)
    r = out - t
    dz, _, _ = batchnorm_backward(r / len(t), cache)
    return float(0.5 * np.mean(r * r)), X.T @ dz


def effective_lr(lr, w_norm):
    r"""The rate at which a scale-invariant weight turns: :math:`\eta/\lVert w\rVert^2`.

    A step :math:`w - \eta\nabla\ell(w)` on a scale-invariant loss moves the direction
    :math:`w/\lVert w\rVert` as a step of :math:`\eta/\lVert w\rVert^2` would at unit norm,
    since the gradient at :math:`w` is :math:`1/\lVert w\rVert` times the gradient at the unit vector.

    >>> effective_lr(0.1, 2.0)
    0.025
    """
    out = check_positive("lr", lr) / np.asarray(w_norm, dtype=float) ** 2
    return float(out) if out.ndim == 0 else out


def equilibrium_norm(lr, weight_decay, grad_norm_unit):
    r"""The norm at which SGD with weight decay holds a scale-invariant weight.

    The step :math:`w \leftarrow (1 - \eta\lambda) w - \eta g` with :math:`g \perp w` and
    :math:`\lVert g\rVert = G/\lVert w\rVert` (:math:`G` the gradient norm at unit norm) gives

    .. math::

        \lVert w'\rVert^2 = (1 - \eta\lambda)^2 \lVert w\rVert^2 + \frac{\eta^2 G^2}{\lVert w\rVert^2},
        \qquad \text{fixed point} \quad
        \lVert w^*\rVert = \Bigl(\frac{\eta\, G^2}{\lambda (2 - \eta\lambda)}\Bigr)^{1/4}
        \approx \Bigl(\frac{\eta\, G^2}{2\lambda}\Bigr)^{1/4},

    so the effective rate settles at :math:`\eta/\lVert w^*\rVert^2 = \sqrt{\lambda(2 - \eta\lambda)/\eta}/G
    \approx \sqrt{2\lambda/\eta}/G`. With noisy gradients use the RMS of :math:`G`.

    >>> round(float(equilibrium_norm(0.1, 5e-4, 1.0)), 4)
    3.1623
    """
    lr = check_positive("lr", lr)
    wd = check_positive("weight_decay", weight_decay)
    if lr * wd >= 2:
        raise ValueError(f"lr * weight_decay must be below 2 for a fixed point; got {lr * wd:g}")
    return (lr * np.asarray(grad_norm_unit, dtype=float) ** 2 / (wd * (2 - lr * wd))) ** 0.25


@dataclass
class BNRun:
    """The record of :func:`train_bn_unit`: per step (index 0 = start)."""

    norms: np.ndarray  #: :math:`\lVert w_t\rVert`, length steps + 1
    losses: np.ndarray  #: mini-batch loss before each step, length steps
    grad_norms_unit: np.ndarray  #: :math:`\lVert g_t\rVert\,\lVert w_t\rVert`, length steps
    lr: float
    weight_decay: float

    @property
    def effective_lrs(self) -> np.ndarray:
        """:math:`\\eta/\\lVert w_t\\rVert^2` per step."""
        return effective_lr(self.lr, self.norms)


def train_bn_unit(X, t, lr: float, weight_decay: float = 0.0, *, steps: int = 2000,
                  batch_size: int = 32, w0=None, seed: int = 0) -> BNRun:
    r"""Mini-batch SGD (``sc.optim.SGD``, coupled weight decay) on :func:`bn_unit_loss_and_grad`.

    Without weight decay the norm never decreases: with :math:`g \perp w`,
    :math:`\lVert w - \eta g\rVert^2 = \lVert w\rVert^2 + \eta^2\lVert g\rVert^2`. With weight decay
    it settles near :func:`equilibrium_norm`.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(256, 4)); t = np.sign(X[:, 0])
    >>> run = train_bn_unit(X, t, lr=0.5, steps=50)
    >>> bool(np.all(np.diff(run.norms) >= 0))
    True
    """
    from .optim import SGD

    X, t = np.asarray(X, dtype=float), np.asarray(t, dtype=float)
    steps = check_integer("steps", steps, low=1)
    batch_size = check_integer("batch_size", batch_size, low=2, high=len(X))
    rng = np.random.default_rng(seed)
    w = rng.normal(size=X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    opt = SGD(lr=lr, weight_decay=weight_decay)
    state = opt.init(w)
    norms, losses, gunit = [np.linalg.norm(w)], [], []
    per_epoch = len(X) // batch_size
    order = rng.permutation(len(X))
    for k in range(steps):
        if k and k % per_epoch == 0:
            order = rng.permutation(len(X))
        idx = order[(k % per_epoch) * batch_size:(k % per_epoch + 1) * batch_size]
        loss, g = bn_unit_loss_and_grad(w, X[idx], t[idx])
        losses.append(loss)
        gunit.append(np.linalg.norm(g) * np.linalg.norm(w))
        w, state = opt.step(w, g, state)
        norms.append(np.linalg.norm(w))
    return BNRun(np.array(norms), np.array(losses), np.array(gunit), float(lr), float(weight_decay))


def bn_gradient_growth(depth: int, activation: str = "relu", *, width: int = 128,
                       batch_size: int = 256, seed: int = 0):
    r"""Squared weight-gradient norms per layer of a fresh deep batch-normalized network.

    The network is :func:`stepcourse.mlp.flow`'s (``depth`` hidden layers of ``width`` units,
    batch normalization before every activation, He initialization for ReLU, Xavier otherwise),
    on a batch of standard normal inputs with random labels among 10 classes. Yang et al. (2019)
    show that the gradient explodes towards the input at initialization whatever the weights'
    scale (batch normalization removes it): for ReLU the squared norm grows by about
    :data:`YANG_RELU_RATE` :math:`= \pi/(\pi - 1) \approx 1.47` per layer.

    Returns
    -------
    sq_norms : ndarray, shape (depth,)
        :math:`\lVert\partial\ell/\partial W_i\rVert^2` of the hidden layers, ``i = 0`` next to the input.
    rate : float
        The per-layer growth of the squared back-propagated gradient towards the input
        (the reciprocal of :func:`stepcourse.mlp.gradient_variance_factor`).

    >>> sq, rate = bn_gradient_growth(20, width=64, batch_size=128)
    >>> bool(sq[0] > 100 * sq[-1]) and 1.2 < rate < 1.7
    True
    """
    from .mlp import flow, gradient_variance_factor

    depth = check_integer("depth", depth, low=2)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(check_integer("batch_size", batch_size, low=2), width))
    y = rng.integers(0, 10, size=batch_size)
    y[:10] = np.arange(10)
    init = "he" if activation == "relu" else "xavier"
    stats = flow(depth, activation, init, batchnorm=True, width=width, X=X, y=y, seed=seed)
    return stats.grad_norm[:depth] ** 2, 1.0 / gradient_variance_factor(stats)


def fixup_scale(n_blocks: int, m: int = 2) -> float:
    r"""Fixup's factor for each weight layer inside a residual branch: :math:`L^{-1/(2m-2)}`.

    Zhang, Dauphin and Ma (2019): with :math:`L` residual branches of :math:`m` layers each,
    scaling the standard initialization of every layer inside the branches by this factor keeps
    the change of the network's output after one SGD step of order :math:`\eta` whatever the
    depth. With :math:`m = 2` it is :math:`1/\sqrt L`.

    >>> fixup_scale(16, 2), fixup_scale(8, 4)
    (0.25, 0.7071067811865476)
    """
    n_blocks = check_integer("n_blocks", n_blocks, low=1)
    m = check_integer("m", m, low=2)
    return float(n_blocks ** (-1.0 / (2 * m - 2)))


def residual_variances(n_blocks: int, m: int = 2, *, scale: float = 1.0, zero_last: bool = False,
                       width: int = 256, n: int = 512, seed: int = 0) -> np.ndarray:
    r"""Second moment of the signal after each block of an unnormalized ReLU residual network.

    Block :math:`l` computes :math:`h_{l+1} = h_l + B_l(h_l)` with the branch
    :math:`B_l(h) = \phi(\cdots\phi(\phi(h) W_1)\cdots) W_m` (ReLU :math:`\phi`, ``m`` weight layers
    drawn with He's variance :math:`2/n` times ``scale**2``; ``zero_last`` sets :math:`W_m = 0`).
    He's variance keeps each layer's second moment, so a branch returns :math:`c^{2m}` times its
    input's second moment and

    .. math::

        \frac{\mathbb E[h_L^2]}{\mathbb E[h_0^2]} \approx (1 + c^{2m})^L :
        \quad 2^L \text{ for } c = 1, \quad \bigl(1 + L^{-m/(m-1)}\bigr)^L \to 1 \text{ for Fixup's } c.

    Returns the ratios :math:`\mathbb E[h_l^2]/\mathbb E[h_0^2]` for :math:`l = 0, \dots, L`.

    >>> v = residual_variances(10, scale=0.0)
    >>> bool(np.all(v == 1.0))
    True
    """
    n_blocks = check_integer("n_blocks", n_blocks, low=1)
    m = check_integer("m", m, low=1)
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(n, width))
    start = np.mean(h * h)
    out = [1.0]
    std = scale * np.sqrt(2.0 / width)
    for _ in range(n_blocks):
        b = h
        for j in range(m):
            W = np.zeros((width, width)) if (zero_last and j == m - 1) else \
                rng.normal(scale=std, size=(width, width))
            b = np.maximum(b, 0.0) @ W
        h = h + b
        out.append(float(np.mean(h * h) / start))
    return np.array(out)


def kaiming_uniform_bound(fan_in: int, a: float = math.sqrt(5)) -> float:
    r"""The bound of ``torch.nn.init.kaiming_uniform_(W, a)``: PyTorch's ``nn.Linear`` default.

    PyTorch computes ``gain = sqrt(2 / (1 + a**2))`` (leaky ReLU's gain), ``std = gain / sqrt(fan_in)``
    and draws from :math:`U(\pm\sqrt3\,\text{std})`. ``nn.Linear.reset_parameters`` calls it with
    :math:`a = \sqrt5`, so the gain is :math:`1/\sqrt3` and the bound is exactly
    :math:`1/\sqrt{n_\text{in}}`: the "standard" initialization of Glorot and Bengio's experiments,
    with :math:`n_\text{in}\operatorname{Var}[W] = 1/3`.

    >>> math.isclose(kaiming_uniform_bound(64), 1 / 8)
    True
    """
    fan_in = check_integer("fan_in", fan_in, low=1)
    gain = math.sqrt(2.0 / (1.0 + a * a))
    return math.sqrt(3.0) * gain / math.sqrt(fan_in)
