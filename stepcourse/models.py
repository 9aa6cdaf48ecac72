"""Linear and logistic regression, written out by hand: loss, gradient and prediction.

Every model here follows the course's *model protocol*, which :func:`stepcourse.training.fit`
and the later chapters rely on:

- ``init_params(n_features, seed=0) -> params`` (a dict of float64 arrays),
- ``loss_and_grad(params, X, y) -> (loss, grads)`` (grads: same keys and shapes as params),
- ``loss(params, X, y) -> loss`` (the forward pass alone),
- ``predict(params, X)``.

``X`` has shape ``(n_samples, n_features)``; ``y`` has shape ``(n_samples,)``. The loss is an
average over samples, so its scale does not depend on the batch size. The optional L2 penalty
:math:`\\tfrac{\\lambda}{2}\\lVert w \\rVert^2` applies to the weights, not to the bias.

>>> import numpy as np
>>> model = LinearRegression()
>>> params = {"w": np.array([2.0]), "b": np.array(1.0)}
>>> model.predict(params, np.array([[0.0], [1.0]])).tolist()
[1.0, 3.0]
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ._validation import as_generator, check_integer, check_non_negative, check_X, check_Xy

__all__ = [
    "LinearRegression", "LogisticRegression", "sigmoid", "mse_loss", "bce_with_logits",
    "least_squares", "least_squares_problem", "MLP",
]


# -- losses on predictions ---------------------------------------------------------------------------

def sigmoid(z):
    r"""The logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, without overflow for any ``z``.

    .. math::

        \sigma(z) = \exp\bigl(-\log(1 + e^{-z})\bigr), \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z))

    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def mse_loss(pred, y):
    r"""Mean squared error and its gradient with respect to the predictions.

    .. math::

        \ell = \frac1n \sum_{i=1}^n (\hat y_i - y_i)^2, \qquad
        \frac{\partial \ell}{\partial \hat y_i} = \frac{2}{n} (\hat y_i - y_i)

    No factor 1/2, as in ``torch.nn.MSELoss`` and ``sklearn.metrics.mean_squared_error``.

    >>> loss, d = mse_loss(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
    >>> loss, d.tolist()
    (0.5, [1.0, 0.0])
    """
    r = np.asarray(pred, dtype=float) - np.asarray(y, dtype=float)
    n = r.shape[0]
    return float(np.mean(r * r)), (2.0 / n) * r


def bce_with_logits(z, y):
    r"""Binary cross-entropy of labels ``y`` in {0, 1} given logits ``z``, and its gradient in ``z``.

    .. math::

        \ell = \frac1n \sum_i -\bigl[y_i \log \sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\bigr]
             = \frac1n \sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr],
        \qquad
        \frac{\partial \ell}{\partial z_i} = \frac{\sigma(z_i) - y_i}{n}

    The second form never takes the log of 0: ``np.logaddexp(0, z)`` is exact for any ``z``, so a
    confident wrong prediction costs a large finite loss instead of ``inf`` (as in
    ``torch.nn.BCEWithLogitsLoss``).

    >>> loss, d = bce_with_logits(np.array([0.0, 800.0]), np.array([1.0, 0.0]))
    >>> round(loss, 4), d.tolist()
    (400.3466, [-0.25, 0.5])
    """
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    n = z.shape[0]
    # log(1 + e^z) - y z written as y log(1 + e^-z) + (1 - y) log(1 + e^z): the same number, but with no
    # cancellation of two large terms when the prediction is confident (z = 17 and y = 1 leaves 2e-8).
    loss = float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))
    return loss, (sigmoid(z) - y) / n


# -- shared machinery of the linear models -----------------------------------------------------------

def _check_l2(l2) -> float:
    return check_non_negative("l2", l2)


def _check_params(params, n_features: int):
    if not isinstance(params, dict) or "w" not in params or "b" not in params:
        raise TypeError("params must be a dict with keys 'w' (weights) and 'b' (bias), "
                        "as made by init_params(n_features)")
    w = np.asarray(params["w"], dtype=float)
    b = np.asarray(params["b"], dtype=float)
    if w.shape != (n_features,):
        raise ValueError(f"params['w'] has shape {w.shape} but X has {n_features} features; "
                         f"expected shape ({n_features},)")
    if b.size != 1:
        raise ValueError(f"params['b'] must hold one number; got shape {b.shape}")
    return w, b.reshape(())


class _Linear:
    """Shared parts: parameters, the linear score ``X @ w + b`` and the L2 penalty."""

    #: Standard deviation of the initial weights (small, so the start is nearly the constant model).
    init_scale = 0.01

    def __init__(self, l2: float = 0.0):
        self.l2 = _check_l2(l2)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l2={self.l2:g})"

    def init_params(self, n_features: int, seed=0) -> dict:
        """Small random weights (std 0.01, seeded) and a zero bias: ``{"w": (n_features,), "b": ()}``."""
        n = check_integer("n_features", n_features, low=1)
        rng = as_generator(seed)
        return {"w": self.init_scale * rng.standard_normal(n), "b": np.zeros(())}

    def decision_function(self, params: dict, X) -> np.ndarray:
        """The linear score :math:`Xw + b`, shape ``(n_samples,)``."""
        X = check_X(X)
        w, b = _check_params(params, X.shape[1])
        return X @ w + b

    def _penalty(self, w: np.ndarray):
        if self.l2 == 0.0:
            return 0.0, 0.0
        return 0.5 * self.l2 * float(w @ w), self.l2 * w

    def _score_loss(self, z, y):
        raise NotImplementedError

    def loss_and_grad(self, params: dict, X, y):
        r"""The loss and its gradient, ``(loss, {"w": ..., "b": ...})``.

        With :math:`d_i = \partial \ell / \partial z_i` for the scores :math:`z = Xw + b`, the chain
        rule gives

        .. math::

            \nabla_w = X^\top d + \lambda w, \qquad \nabla_b = \textstyle\sum_i d_i
        """
        X, y = check_Xy(X, y)
        w, b = _check_params(params, X.shape[1])
        self._check_targets(y)
        loss, d = self._score_loss(X @ w + b, y)
        pen, pen_grad = self._penalty(w)
        return loss + pen, {"w": X.T @ d + pen_grad, "b": np.asarray(d.sum())}

    def loss(self, params: dict, X, y) -> float:
        """The loss alone (one forward pass)."""
        X, y = check_Xy(X, y)
        w, b = _check_params(params, X.shape[1])
        self._check_targets(y)
        return self._score_loss(X @ w + b, y)[0] + self._penalty(w)[0]

    def _check_targets(self, y):
        pass


class LinearRegression(_Linear):
    r"""Least-squares linear regression: :math:`\hat y = Xw + b` with the mean squared error.

    .. math::

        \ell(w, b) = \frac1n \lVert Xw + b - y \rVert^2 + \frac{\lambda}{2}\lVert w \rVert^2,
        \qquad
        \nabla_w \ell = \frac2n X^\top (Xw + b - y) + \lambda w, \quad
        \nabla_b \ell = \frac2n \textstyle\sum_i (x_i^\top w + b - y_i)

    Parameters
    ----------
    l2 : float
        The L2 penalty :math:`\lambda` on the weights (ridge regression); 0 by default.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> model = LinearRegression()
    >>> loss, grads = model.loss_and_grad({"w": np.array([2.0]), "b": np.array(1.0)}, X, y)
    >>> loss, grads["w"].tolist()
    (0.0, [0.0])
    """

    def _score_loss(self, z, y):
        return mse_loss(z, y)

    def predict(self, params: dict, X) -> np.ndarray:
        """Predicted targets :math:`Xw + b`."""
        return self.decision_function(params, X)

    def score(self, params: dict, X, y) -> float:
        r"""The coefficient of determination :math:`R^2 = 1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2`."""
        X, y = check_Xy(X, y)
        r = y - self.predict(params, X)
        return 1.0 - float(r @ r) / float(np.sum((y - y.mean()) ** 2))

    def solve(self, X, y) -> dict:
        """The exact minimizer of this model's loss (see :func:`least_squares`)."""
        return least_squares(X, y, l2=self.l2)


class LogisticRegression(_Linear):
    r"""Binary logistic regression: :math:`p = \sigma(Xw + b)` with the cross-entropy loss.

    .. math::

        \ell(w, b) = \frac1n \sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr] + \frac{\lambda}{2}\lVert w\rVert^2,
        \quad z = Xw + b,
        \qquad
        \nabla_w \ell = \frac1n X^\top (\sigma(z) - y) + \lambda w, \quad
        \nabla_b \ell = \frac1n \textstyle\sum_i (\sigma(z_i) - y_i)

    Labels ``y`` must be 0 or 1. The loss is computed from the logits (see :func:`bce_with_logits`),
    so it stays finite however confident the model is.

    Parameters
    ----------
    l2 : float
        The L2 penalty :math:`\lambda` on the weights; 0 by default.

    Examples
    --------
    >>> model = LogisticRegression()
    >>> params = {"w": np.array([0.0]), "b": np.array(0.0)}
    >>> round(model.loss(params, np.array([[1.0], [2.0]]), np.array([0, 1])), 6)    # log 2
    0.693147
    """

    def _score_loss(self, z, y):
        return bce_with_logits(z, y)

    def _check_targets(self, y):
        if not np.all((y == 0) | (y == 1)):
            bad = np.unique(y[(y != 0) & (y != 1)])[:5]
            raise ValueError(f"y must hold class labels 0 and 1; found other values such as {bad.tolist()}")

    def predict_proba(self, params: dict, X) -> np.ndarray:
        """The probability of class 1, :math:`\\sigma(Xw + b)`, shape ``(n_samples,)``."""
        return sigmoid(self.decision_function(params, X))

    def predict(self, params: dict, X) -> np.ndarray:
        """Class labels (0 or 1, as integers): 1 where the probability is at least 1/2."""
        return (self.decision_function(params, X) >= 0).astype(int)

    def score(self, params: dict, X, y) -> float:
        """Accuracy: the fraction of samples whose predicted label equals ``y``."""
        X, y = check_Xy(X, y)
        return float(np.mean(self.predict(params, X) == y))


# -- the exact solution of least squares ---------------------------------------------------------------

def least_squares(X, y, l2: float = 0.0) -> dict:
    r"""The minimizer of :class:`LinearRegression`'s loss, in closed form.

    Centering removes the bias (:math:`b = \bar y - \bar x^\top w`), and the weights solve the
    normal equations of the centered data :math:`X_c, y_c`:

    .. math::

        \Bigl(\tfrac2n X_c^\top X_c + \lambda I\Bigr) w = \tfrac2n X_c^\top y_c

    (with ``l2 = 0`` a least-squares solve, which also handles rank-deficient ``X``).

    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> p = least_squares(X, 2 * X[:, 0] + 1)
    >>> np.round(p["w"], 12).tolist(), round(float(p["b"]), 12)
    ([2.0], 1.0)
    """
    X, y = check_Xy(X, y)
    l2 = _check_l2(l2)
    n = X.shape[0]
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    if l2 == 0.0:
        w = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    else:
        w = np.linalg.solve((2.0 / n) * Xc.T @ Xc + l2 * np.eye(X.shape[1]), (2.0 / n) * Xc.T @ yc)
    return {"w": w, "b": np.asarray(y_mean - x_mean @ w)}


def least_squares_problem(X, y, x0=None, name: Optional[str] = None):
    r"""Least squares in the weights alone, as a :class:`~stepcourse.problems.Problem` for ``sc.minimize``.

    The bias is eliminated by centering :math:`X` and :math:`y` (its optimal value is
    :math:`\bar y - \bar x^\top w` for any :math:`w`), which leaves a quadratic in :math:`w`:

    .. math::

        f(w) = \frac1n \lVert X_c w - y_c \rVert^2 - f^* = \tfrac12 (w - w^*)^\top H (w - w^*), \qquad
        \nabla f(w) = \frac2n X_c^\top (X_c w - y_c) = H (w - w^*), \qquad
        H = \frac2n X_c^\top X_c

    shifted by the least-squares loss :math:`f^*` so that the minimum value is 0 (``f`` is the
    *excess* loss, computed from the right-hand form, which has no cancellation).
    ``L`` and ``mu`` are the extreme eigenvalues of :math:`H`; their ratio, the condition number, is
    what feature scaling changes. With 2 features the problem can be drawn with
    :func:`stepcourse.plots.contour`.

    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]])
    >>> p = least_squares_problem(X, X @ np.array([1.0, -1.0]))
    >>> np.round(p.minima[0], 10).tolist(), round(p.f_min, 12)
    ([1.0, -1.0], 0.0)
    """
    from .problems import Problem

    X, y = check_Xy(X, y)
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    H = (2.0 / n) * Xc.T @ Xc
    w_star = least_squares(X, y)["w"]

    # The excess loss of a quadratic is exactly 1/2 (w - w*)^T H (w - w*): no cancellation between
    # two large losses, so gaps of 1e-12 are still measured accurately.
    def f(w):
        z = _trailing(w, d) - w_star
        return 0.5 * np.einsum("...i,ij,...j->...", z, H, z)

    def grad(w):
        return (_trailing(w, d) - w_star) @ H

    def hessian(w):
        w = _trailing(w, d)
        return np.broadcast_to(H, w.shape[:-1] + (d, d)).copy()

    eig = np.linalg.eigvalsh(H)
    x0 = np.zeros(d) if x0 is None else np.asarray(x0, dtype=float).reshape(d)
    span = np.maximum(np.abs(w_star - x0) * 1.6, 1e-3 + 0.1 * np.abs(w_star))
    bounds = tuple((float(m - s), float(m + s)) for m, s in zip(w_star, span))
    return Problem(
        name=name or f"least squares (kappa={eig[-1] / max(eig[0], np.finfo(float).tiny):.3g})", dim=d,
        f=f, grad=grad, hessian=hessian, x0=x0, minima=w_star[None, :], bounds=bounds,
        L=float(eig[-1]), mu=float(eig[0]), formula=r"f(w) = \tfrac1n \lVert X_c w - y_c \rVert^2 - f^*",
        A=H, eigenvalues=eig,
    )


def _trailing(w, d: int) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.shape[-1:] != (d,):
        raise ValueError(f"w must have a trailing axis of size {d}; got shape {w.shape}")
    return w


def __getattr__(name: str):
    # The MLP lives in its own module; re-export it here, resolved on first use so that
    # stepcourse.mlp may itself import from this module without an import cycle.
    if name == "MLP":
        from .mlp import MLP

        return MLP
    raise AttributeError(f"module 'stepcourse.models' has no attribute {name!r}")
