r"""A multilayer perceptron in numpy with its backward pass written out: the network of the chapter on
vanishing and exploding gradients.

A network of ``L`` layers maps :math:`h_0 = X` through

.. math::

    z_i = h_i W_i + b_i, \qquad
    h_{i+1} = \underbrace{h_i}_{\text{if residual}} + f\bigl(\mathrm{BN}_i(z_i)\bigr)
    \quad (i < L - 1), \qquad
    \text{output} = z_{L-1},

with ``W{i}`` of shape ``(n_in, n_out)`` (a layer is ``X @ W + b``), an activation ``f`` on every hidden
layer, and no activation on the output layer: its outputs are the predictions (``loss="mse"``) or the
logits of a softmax (``loss="cross_entropy"``).

Optional parts, both off by default:

- **Batch normalization** (Ioffe & Szegedy 2015) on every hidden layer, before the activation:
  :math:`\mathrm{BN}(z) = \gamma \odot (z - \mu_B) / \sqrt{\sigma_B^2 + \epsilon} + \beta` with the
  mean and (biased) variance of the current batch, :math:`\epsilon = 10^{-5}` as in ``torch.nn.BatchNorm1d``.
  Such a layer has no bias ``b{i}``: the mean subtraction would cancel it (its gradient is exactly zero),
  and ``beta{i}`` plays its part. Training and :meth:`MLP.loss` always use batch statistics; for
  prediction on a few rows pass ``stats=mlp.population_stats(params, X_train)``, the mean and variance of
  every normalized unit over the whole training set (the population statistics of Ioffe & Szegedy's
  Algorithm 2, computed in one pass instead of kept as running averages, so nothing hides outside
  ``params``; the variance is the biased one of the whole set, where they use the unbiased
  :math:`\tfrac{m}{m-1}` estimate, a negligible difference for a training set).
- **Residual connections** (He et al. 2016) :math:`h_{i+1} = h_i + f(\cdot)` on every hidden layer whose
  input and output widths agree, listed in :attr:`MLP.residual_layers`; never on the output layer.

>>> import numpy as np
>>> mlp = MLP([2, 3, 2], activation="tanh", loss="cross_entropy")
>>> params = mlp.init_params()
>>> sorted(params), params["W0"].shape
(['W0', 'W1', 'b0', 'b1'], (2, 3))
>>> loss, grads = mlp.loss_and_grad(params, np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([0, 1]))
>>> grads["W0"].shape == params["W0"].shape
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._threads import single_blas_thread
from ._validation import as_generator, check_choice, check_flag, check_integer, check_positive

__all__ = ["MLP", "LayerStats", "ACTIVATIONS", "INITS", "LOSSES", "init_variance", "per_layer_factor",
           "LEAKY_SLOPE", "BN_EPS"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
INITS = ("standard", "xavier", "he")
LOSSES = ("mse", "cross_entropy")
#: Slope of leaky ReLU for negative inputs (``torch.nn.LeakyReLU``'s default).
LEAKY_SLOPE = 0.01
#: The epsilon of batch normalization (``torch.nn.BatchNorm1d``'s default).
BN_EPS = 1e-5


def init_variance(init: str, n_in: int, n_out: int, gain: float = 1.0) -> float:
    r"""The variance of one weight under an initialization scheme.

    .. math::

        \text{standard: } U\!\left[-\tfrac{1}{\sqrt{n_\text{in}}}, \tfrac{1}{\sqrt{n_\text{in}}}\right],
        \ \operatorname{Var} = \frac{1}{3 n_\text{in}};\quad
        \text{xavier: } U\!\left[\pm\sqrt{\tfrac{6}{n_\text{in} + n_\text{out}}}\right],
        \ \operatorname{Var} = \frac{2}{n_\text{in} + n_\text{out}};\quad
        \text{he: } \mathcal N\!\left(0, \tfrac{2}{n_\text{in}}\right)

    all times ``gain**2``. "standard" is the heuristic Glorot & Bengio (2010) start from, "xavier" their
    normalized initialization, "he" that of He et al. (2015) for ReLU.

    >>> init_variance("standard", 300, 300) * 300
    0.3333333333333333
    """
    check_choice("init", init, INITS)
    if init == "standard":
        var = 1.0 / (3.0 * n_in)
    elif init == "xavier":
        var = 2.0 / (n_in + n_out)
    else:
        var = 2.0 / n_in
    return float(gain) ** 2 * var


def per_layer_factor(values) -> float:
    r"""The average factor from one layer to the next: the geometric mean of ``values[i+1] / values[i]``.

    .. math::

        r = \Bigl(\prod_{i=0}^{k-2} \frac{v_{i+1}}{v_i}\Bigr)^{1/(k-1)} = \Bigl(\frac{v_{k-1}}{v_0}\Bigr)^{1/(k-1)}

    A back-propagated gradient variance with ``r = 3`` is three times smaller one layer further down.

    >>> round(per_layer_factor([1.0, 3.0, 9.0, 27.0]), 12)
    3.0
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"values must be at least 2 positive finite numbers; got {values!r}")
    return float(np.exp(np.mean(np.diff(np.log(v)))))


@dataclass(frozen=True, eq=False)
class LayerStats:
    """What each layer of an MLP does on one batch: arrays of shape ``(n_layers,)``, layer ``i`` at index ``i``.

    Attributes
    ----------
    act_mean, act_std : ndarray
        Mean and standard deviation of the layer's output :math:`h_{i+1}` over the batch and its units
        (for the last layer: the network's outputs).
    preact_std : ndarray
        Standard deviation of :math:`z_i = h_i W_i + b_i` (before batch normalization and activation).
    delta_std, delta_norm : ndarray
        Standard deviation (root mean square about the mean) and Frobenius norm of the back-propagated
        gradient :math:`\\partial \\ell / \\partial z_i`.
    grad_norm : ndarray
        Frobenius norm of the weight gradient :math:`\\partial \\ell / \\partial W_i`.
    loss : float
    """

    act_mean: np.ndarray
    act_std: np.ndarray
    preact_std: np.ndarray
    delta_std: np.ndarray
    delta_norm: np.ndarray
    grad_norm: np.ndarray
    loss: float

    @property
    def n_layers(self) -> int:
        return len(self.grad_norm)


class MLP:
    r"""A fully connected network with hand-written backpropagation.

    Parameters
    ----------
    sizes : sequence of int
        Widths ``[n_features, hidden_1, ..., n_outputs]``; at least two entries, each >= 1.
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "linear"}
        The activation of every hidden layer.
    init : {"standard", "xavier", "he"}
        Weight initialization (see :func:`init_variance`); biases and ``beta`` start at 0, ``gamma`` at 1.
    batchnorm : bool
        Batch normalization before each hidden activation (see the module notes).
    residual : bool
        Skip connections on the hidden layers in :attr:`residual_layers`.
    seed : int
        Seed of :meth:`init_params`.
    loss : {"mse", "cross_entropy"}
        The default loss of :meth:`loss_and_grad` (what :func:`stepcourse.training.fit` trains).
    gain : float
        Multiplies the standard deviation of every initial weight (> 1 to make gradients explode).

    Notes
    -----
    The backward pass, with :math:`\delta_i = \partial\ell/\partial z_i` and :math:`u_i` the input of
    the activation, is

    .. math::

        \frac{\partial \ell}{\partial W_i} = h_i^\top \delta_i, \quad
        \frac{\partial \ell}{\partial b_i} = \mathbf 1^\top \delta_i, \quad
        \frac{\partial \ell}{\partial h_i} = \delta_i W_i^\top + [\text{residual}]\,
        \frac{\partial \ell}{\partial h_{i+1}}, \quad
        \frac{\partial \ell}{\partial u_i} = \frac{\partial \ell}{\partial h_{i+1}} \odot f'(u_i)

    and through batch normalization, with :math:`\hat z = (z - \mu_B)/s`, :math:`s = \sqrt{\sigma_B^2 + \epsilon}`
    and :math:`g = \gamma \odot \partial\ell/\partial u`,
    :math:`\delta = \bigl(g - \overline{g} - \hat z\, \overline{g \odot \hat z}\bigr) / s` (bars: means
    over the batch). Each product over layers of :math:`W_i^\top` and :math:`f'(u_i)` is what vanishes or
    explodes.

    Examples
    --------
    >>> mlp = MLP([4, 8, 8, 3], activation="relu", init="he", batchnorm=True, residual=True)
    >>> mlp.residual_layers, sorted(mlp.init_params())
    ((1,), ['W0', 'W1', 'W2', 'b2', 'beta0', 'beta1', 'gamma0', 'gamma1'])
    """

    def __init__(self, sizes, activation: str = "sigmoid", init: str = "standard", batchnorm: bool = False,
                 residual: bool = False, seed: int = 0, *, loss: str = "mse", gain: float = 1.0):
        try:
            sizes = [s for s in sizes]
        except TypeError:
            raise TypeError(f"sizes must be a sequence of layer widths; got {type(sizes).__name__}") from None
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 integer widths >= 1 (inputs, ..., outputs); got {sizes!r}")
        self.sizes = tuple(check_integer(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes))
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.init = check_choice("init", init, INITS)
        self.batchnorm = check_flag("batchnorm", batchnorm)
        self.residual = check_flag("residual", residual)
        self.seed = check_integer("seed", seed, low=0)
        self.loss_type = check_choice("loss", loss, LOSSES)
        self.gain = check_positive("gain", gain)
        self.n_layers = len(self.sizes) - 1
        hidden = range(self.n_layers - 1)
        self.residual_layers = tuple(i for i in hidden if self.residual and self.sizes[i] == self.sizes[i + 1])
        self._res = frozenset(self.residual_layers)
        self._shapes = {}
        for i in range(self.n_layers):
            n_in, n_out = self.sizes[i], self.sizes[i + 1]
            self._shapes[f"W{i}"] = (n_in, n_out)
            if self.batchnorm and i < self.n_layers - 1:
                self._shapes[f"gamma{i}"] = (n_out,)
                self._shapes[f"beta{i}"] = (n_out,)
            else:
                self._shapes[f"b{i}"] = (n_out,)

    def __repr__(self) -> str:
        extras = "".join(f", {k}=True" for k in ("batchnorm", "residual") if getattr(self, k))
        gain = f", gain={self.gain:g}" if self.gain != 1.0 else ""
        return (f"MLP({list(self.sizes)}, activation={self.activation!r}, init={self.init!r}{extras}, "
                f"loss={self.loss_type!r}{gain})")

    # -- parameters ------------------------------------------------------------------------------
    def init_params(self, n_features: Optional[int] = None, seed=None) -> dict:
        """Fresh parameters drawn from ``seed`` (default: the network's ``seed``), in layer order.

        The model protocol's signature, ``init_params(n_features, seed)``: ``n_features`` may be left
        out, and when given must be the network's input width ``sizes[0]``.

        >>> p = MLP([3, 5, 1], init="xavier").init_params()
        >>> float(abs(p["W0"]).max()) <= (6 / 8) ** 0.5, float(abs(p["b0"]).max())
        (True, 0.0)
        >>> sorted(MLP([3, 5, 1]).init_params(3, seed=1)) == sorted(p)
        True
        """
        if n_features is not None and check_integer("n_features", n_features, low=1) != self.sizes[0]:
            raise ValueError(f"n_features={n_features!r} but {self!r} takes {self.sizes[0]} inputs "
                             f"(sizes[0]); to pass a seed alone write init_params(seed={n_features!r})")
        rng = as_generator(self.seed if seed is None else seed)
        params = {}
        for i in range(self.n_layers):
            n_in, n_out = self.sizes[i], self.sizes[i + 1]
            std = np.sqrt(init_variance(self.init, n_in, n_out, self.gain))
            if self.init == "he":
                params[f"W{i}"] = rng.normal(0.0, std, size=(n_in, n_out))
            else:  # uniform on [-a, a] has variance a^2 / 3
                a = np.sqrt(3.0) * std
                params[f"W{i}"] = rng.uniform(-a, a, size=(n_in, n_out))
            if f"gamma{i}" in self._shapes:
                params[f"gamma{i}"] = np.ones(n_out)
                params[f"beta{i}"] = np.zeros(n_out)
            else:
                params[f"b{i}"] = np.zeros(n_out)
        return params

    def _check_params(self, params) -> None:
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of arrays as made by init_params(); got {type(params).__name__}")
        missing = [k for k in self._shapes if k not in params]
        if missing:
            raise ValueError(f"params is missing {missing} for {self!r}; expected keys {sorted(self._shapes)}")
        for key, shape in self._shapes.items():
            got = np.shape(params[key])
            if got != shape:
                raise ValueError(f"params[{key!r}] has shape {got}; this network needs {shape}")

    def _check_X(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (n_samples >= 1, {self.sizes[0]}); got {X.shape}")
        return X

    def _check_y(self, y, n: int, loss: str) -> np.ndarray:
        y = np.asarray(y)
        n_out = self.sizes[-1]
        if loss == "cross_entropy":
            if n_out < 2:
                raise ValueError("cross_entropy needs at least 2 outputs (one logit per class); "
                                 f"this network has {n_out}")
            if y.shape != (n,):
                raise ValueError(f"y must hold one integer class label per row, shape ({n},); got {y.shape}")
            if not np.issubdtype(y.dtype, np.integer):
                yf = np.asarray(y, dtype=float)
                if not np.all(np.isfinite(yf)) or np.any(yf != np.round(yf)):
                    raise ValueError("y must hold integer class labels for cross_entropy; got non-integer values")
                y = yf.astype(np.int64)
            if y.size and (y.min() < 0 or y.max() >= n_out):
                raise ValueError(f"class labels must lie in 0..{n_out - 1}; got labels from {y.min()} to {y.max()}")
            return y
        y = np.asarray(y, dtype=float)
        if y.shape == (n,) and n_out == 1:
            return y[:, None]
        if y.shape != (n, n_out):
            raise ValueError(f"y must have shape ({n}, {n_out})" + (f" or ({n},)" if n_out == 1 else "")
                             + f" for mse; got {y.shape}")
        return y

    # -- forward and backward --------------------------------------------------------------------
    def _forward(self, params, X, stats=None, keep=True):
        """Outputs and the cache the backward pass needs (``keep=False``: outputs only)."""
        act, last = self.activation, self.n_layers - 1
        cache = []   # one dict per layer: its input h, pre-activation z, and what backward needs
        h = X
        for i in range(last):
            z = h @ params[f"W{i}"]
            entry = {"h": h}
            if self.batchnorm:
                if stats is None:
                    mu = z.mean(axis=0)
                    zc = z - mu
                    var = np.einsum("ij,ij->j", zc, zc) / z.shape[0]
                else:
                    mu, var = stats[f"mean{i}"], stats[f"var{i}"]
                    zc = z - mu
                inv_std = 1.0 / np.sqrt(var + BN_EPS)
                zhat = zc * inv_std
                u = zhat * params[f"gamma{i}"] + params[f"beta{i}"]
                entry.update(zhat=zhat, inv_std=inv_std, mean=mu, var=var)
            else:
                z += params[f"b{i}"]
                u = z
            entry["z"] = z
            if act == "sigmoid":
                a = 0.5 * (1.0 + np.tanh(0.5 * u))   # sigma(u), with no overflow for any u
                fprime = a * (1.0 - a) if keep else None
            elif act == "tanh":
                a = np.tanh(u)
                fprime = 1.0 - a * a if keep else None
            elif act == "relu":
                a = np.maximum(u, 0.0)
                fprime = (u > 0) if keep else None
            elif act == "leaky_relu":
                a = np.where(u > 0, u, LEAKY_SLOPE * u)
                fprime = np.where(u > 0, 1.0, LEAKY_SLOPE) if keep else None
            else:
                a = u
                fprime = None
            entry["fprime"] = fprime
            h = h + a if i in self._res else a
            entry["out"] = h
            cache.append(entry)
        out = h @ params[f"W{last}"]
        out += params[f"b{last}"]
        cache.append({"h": h, "z": out})
        return out, cache

    def _output_grad(self, out, y, loss):
        """Loss and its gradient with respect to the outputs (mean over rows)."""
        n = out.shape[0]
        if loss == "mse":
            r = out - y
            return float(np.mean(r * r)), (2.0 / r.size) * r
        # softmax cross-entropy through log-sum-exp: never exp of a large number
        m = out.max(axis=1, keepdims=True)
        e = np.exp(out - m)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        lse = m[:, 0] + np.log(s[:, 0])
        value = float(np.mean(lse - out[rows, y]))
        d = e / s
        d[rows, y] -= 1.0
        d /= n
        return value, d

    def _backward(self, params, cache, d_out, deltas=None):
        grads = {}
        last = self.n_layers - 1
        grads[f"W{last}"] = cache[last]["h"].T @ d_out
        grads[f"b{last}"] = d_out.sum(axis=0)
        if deltas is not None:
            deltas[last] = d_out
        dh = d_out @ params[f"W{last}"].T
        for i in range(last - 1, -1, -1):
            c = cache[i]
            du = dh if c["fprime"] is None else dh * c["fprime"]
            if self.batchnorm:
                zhat = c["zhat"]
                grads[f"gamma{i}"] = np.einsum("ij,ij->j", du, zhat)
                grads[f"beta{i}"] = du.sum(axis=0)
                g = du * params[f"gamma{i}"]
                dz = (g - g.mean(axis=0) - zhat * (np.einsum("ij,ij->j", g, zhat) / g.shape[0])) * c["inv_std"]
            else:
                dz = du
                grads[f"b{i}"] = dz.sum(axis=0)
            grads[f"W{i}"] = c["h"].T @ dz
            if deltas is not None:
                deltas[i] = dz
            if i > 0:
                dh_in = dz @ params[f"W{i}"].T
                dh = dh_in + dh if i in self._res else dh_in
        return grads

    def _prepare(self, params, X, y, loss):
        loss = self.loss_type if loss is None else check_choice("loss", loss, LOSSES)
        self._check_params(params)
        X = self._check_X(X)
        if self.batchnorm and X.shape[0] < 2:
            raise ValueError("batch normalization needs at least 2 rows per batch to estimate a variance; "
                             f"got X with {X.shape[0]} row")
        return X, self._check_y(y, X.shape[0], loss), loss

    @single_blas_thread
    def loss_and_grad(self, params, X, y, loss: Optional[str] = None):
        r"""The mean loss over the rows of ``X`` and its gradient with respect to every parameter.

        .. math::

            \ell_\text{mse} = \frac{1}{n k}\sum_{r,j} (o_{rj} - y_{rj})^2, \qquad
            \ell_\text{ce} = \frac1n \sum_r \Bigl(\log \sum_j e^{o_{rj}} - o_{r y_r}\Bigr)

        (``torch.nn.MSELoss`` and ``torch.nn.CrossEntropyLoss``, mean reduction). Batch normalization uses
        the statistics of this batch.

        Parameters
        ----------
        params : dict of ndarrays
            As made by :meth:`init_params`.
        X : ndarray, shape (n, sizes[0])
        y : ndarray
            ``mse``: targets of shape ``(n, sizes[-1])`` (or ``(n,)`` for one output). ``cross_entropy``:
            integer class labels ``0 .. sizes[-1] - 1`` of shape ``(n,)`` (floats with integer values are
            accepted).
        loss : {"mse", "cross_entropy"}, optional
            Default: the network's ``loss``.

        Returns
        -------
        (float, dict of ndarrays)
            The loss and the gradients, with the keys and shapes of ``params``.

        Examples
        --------
        >>> mlp = MLP([1, 1], activation="linear")
        >>> loss, g = mlp.loss_and_grad({"W0": np.array([[2.0]]), "b0": np.array([0.0])}, [[1.0]], [3.0])
        >>> loss, g["W0"].tolist(), g["b0"].tolist()
        (1.0, [[-2.0]], [-2.0])
        """
        X, y, loss = self._prepare(params, X, y, loss)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            out, cache = self._forward(params, X)
            value, d_out = self._output_grad(out, y, loss)
            grads = self._backward(params, cache, d_out)
        return value, grads

    @single_blas_thread
    def loss(self, params, X, y, loss: Optional[str] = None) -> float:
        """The mean loss alone (one forward pass; batch statistics for batch normalization)."""
        X, y, loss = self._prepare(params, X, y, loss)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            out, _ = self._forward(params, X, keep=False)
            return self._output_grad(out, y, loss)[0]

    @single_blas_thread
    def forward(self, params, X, stats: Optional[dict] = None) -> np.ndarray:
        """The network's outputs (predictions for mse, logits for cross-entropy), shape ``(n, sizes[-1])``.

        ``stats`` (from :meth:`population_stats`) replaces the batch statistics of batch normalization.
        """
        self._check_params(params)
        X = self._check_X(X)
        if self.batchnorm:
            if stats is None and X.shape[0] < 2:
                raise ValueError("with batch normalization, predicting fewer than 2 rows needs "
                                 "stats=mlp.population_stats(params, X_train)")
            if stats is not None:
                for i in range(self.n_layers - 1):
                    for k in (f"mean{i}", f"var{i}"):
                        if np.shape(stats.get(k) if isinstance(stats, dict) else None) != (self.sizes[i + 1],):
                            raise ValueError(f"stats must be a dict from population_stats() with {k!r} of shape "
                                             f"({self.sizes[i + 1]},)")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return self._forward(params, X, stats, keep=False)[0]

    @single_blas_thread
    def population_stats(self, params, X) -> dict:
        """Mean and variance of every batch-normalized unit over all rows of ``X`` (e.g. the training set).

        Returns ``{"mean0": ..., "var0": ..., ...}`` (empty without batch normalization), to pass as
        ``stats=`` to :meth:`forward`, :meth:`predict` and :meth:`predict_proba`.
        """
        if not self.batchnorm:
            return {}
        X = self._check_X(X)
        self._check_params(params)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            _, cache = self._forward(params, X, keep=False)
        stats = {}
        for i in range(self.n_layers - 1):
            stats[f"mean{i}"], stats[f"var{i}"] = cache[i]["mean"].copy(), cache[i]["var"].copy()
        return stats

    def predict_proba(self, params, X, stats: Optional[dict] = None) -> np.ndarray:
        """Class probabilities: the softmax of the outputs, shape ``(n, sizes[-1])``."""
        out = self.forward(params, X, stats)
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, params, X, stats: Optional[dict] = None) -> np.ndarray:
        """Class labels (argmax of the outputs) for ``loss="cross_entropy"``; the outputs for ``"mse"``
        (shape ``(n,)`` when there is one output)."""
        out = self.forward(params, X, stats)
        if self.loss_type == "cross_entropy":
            return np.argmax(out, axis=1)
        return out[:, 0] if out.shape[1] == 1 else out

    # -- what the chapter measures ---------------------------------------------------------------
    @single_blas_thread
    def layer_stats(self, params, X, y, loss: Optional[str] = None) -> LayerStats:
        r"""Per-layer activation and gradient statistics on one batch (call it at any training step).

        The back-propagated gradient :math:`\delta_i = \partial\ell/\partial z_i` is what vanishes or
        explodes; the weight gradient :math:`h_i^\top\delta_i` is what the optimizer sees.

        >>> mlp = MLP([10, 10, 10, 2], activation="tanh")
        >>> s = mlp.layer_stats(mlp.init_params(), np.ones((4, 10)), np.ones((4, 2)))
        >>> s.grad_norm.shape
        (3,)
        """
        X, y, loss = self._prepare(params, X, y, loss)
        L = self.n_layers
        deltas = [None] * L
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            out, cache = self._forward(params, X)
            value, d_out = self._output_grad(out, y, loss)
            grads = self._backward(params, cache, d_out, deltas)
            outs = [c["out"] for c in cache[:-1]] + [out]
            pre = [c["z"] for c in cache]
            return LayerStats(
                act_mean=np.array([o.mean() for o in outs]), act_std=np.array([o.std() for o in outs]),
                preact_std=np.array([z.std() for z in pre]), delta_std=np.array([d.std() for d in deltas]),
                delta_norm=np.array([np.linalg.norm(d) for d in deltas]),
                grad_norm=np.array([np.linalg.norm(grads[f"W{i}"]) for i in range(L)]), loss=value)


# ==================================================================================================
# Gradient flow at initialization: the analysis behind the gradient-flow explorer (stepcourse.widgets).
# Tested in tests/test_moved_analysis.py.

__all__ += ["flow", "gradient_variance_factor"]


def flow(depth: int = 10, activation: str = "tanh", init: str = "standard", batchnorm: bool = False,
         residual: bool = False, *, width: int = 64, gain: float = 1.0, X=None, y=None, seed: int = 0) -> LayerStats:
    r"""Per-layer statistics of a fresh network with ``depth`` hidden layers of ``width`` units.

    The network is ``MLP([n_features] + [width] * depth + [n_classes], ...)`` with a softmax
    cross-entropy loss, measured at its initial parameters by :meth:`MLP.layer_stats`: for each layer
    :math:`i` the spread of its output :math:`h_i`, the RMS of the back-propagated gradient
    :math:`\delta_i = \partial\ell/\partial z_i` and the norm of :math:`\partial\ell/\partial W_i`, where

    .. math::

        z_i = h_{i-1} W_i + b_i, \qquad h_i = \phi(z_i), \qquad
        \delta_i = (\delta_{i+1} W_{i+1}^\top) \odot \phi'(z_i).

    Parameters
    ----------
    depth : int
        Number of hidden layers, >= 1.
    activation, init, batchnorm, residual, gain
        As in :class:`MLP`.
    width : int
        Units per hidden layer.
    X, y : ndarray, optional
        The batch: features ``(n, d)`` and integer labels ``(n,)``; default
        :func:`stepcourse.data.digits_batch`.
    seed : int
        Seed of the initial parameters.

    Returns
    -------
    LayerStats
        Index ``i`` of each array is layer ``i``; the last one is the output layer.

    >>> flow(depth=4, activation="relu", init="he").n_layers
    5
    """
    from ._validation import check_integer

    depth = check_integer("depth", depth, low=1)
    width = check_integer("width", width, low=1)
    if X is None:
        from .data import digits_batch

        X, y = digits_batch()
    elif y is None:
        raise ValueError("pass the labels y together with X")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
    n_classes = int(np.max(y)) + 1
    mlp = MLP([X.shape[1]] + [width] * depth + [max(n_classes, 2)], activation, init, batchnorm, residual,
              seed=seed, loss="cross_entropy", gain=gain)
    return mlp.layer_stats(mlp.init_params(), X, y)


def gradient_variance_factor(stats: LayerStats) -> float:
    r"""How much the variance of the back-propagated gradient shrinks per hidden layer towards the input.

    .. math::

        r = \Bigl(\prod_i \frac{\operatorname{Var}[\delta_{i+1}]}{\operatorname{Var}[\delta_i]}\Bigr)^{1/(k-1)}

    the geometric mean over the ``k`` hidden layers (:func:`per_layer_factor`; the output layer, with
    its own width and the loss's gradient, is left out): about 3 for Glorot & Bengio's standard
    initialization in the linear regime, 1 when the gradient flows level, below 1 when it explodes.

    >>> gradient_variance_factor(flow(depth=6, activation="sigmoid")) > 10     # vanishing
    True
    """
    hidden = np.asarray(stats.delta_std, dtype=float)[:-1]
    if hidden.size < 2:
        raise ValueError("the network needs at least 2 hidden layers for a per-layer factor")
    return per_layer_factor(np.maximum(hidden, 1e-300) ** 2)
