r"""The losses of gradient boosting and their pseudo-residuals.

Each loss knows four things: its pointwise value :math:`L(y, F)`, the pseudo-residual
:math:`-\partial L / \partial F` that the next tree is fitted to, the best constant to start from,
and the best step for the samples of one leaf. ``score`` is the scale scikit-learn reports in
``train_score_`` (twice the loss for squared error and log-loss, the mean loss otherwise).

- squared error: pseudo-residual :math:`y - F`; leaf value: the mean residual;
- absolute error: :math:`\operatorname{sign}(y - F)`; leaf value: the median of :math:`y - F`;
- Huber: :math:`y - F` clipped to :math:`\pm\delta`; leaf value: median plus mean clipped deviation;
- log-loss: :math:`y - p`; leaf value: one Newton step.

>>> import numpy as np
>>> loss = get_loss("squared_error")
>>> loss.negative_gradient(np.array([1.0, 2.0]), np.array([0.5, 0.5])).tolist()
[0.5, 1.5]
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["SquaredError", "AbsoluteError", "Huber", "LogLoss", "get_loss"]

_EPS = float(np.finfo(np.float64).eps)


def _lower_percentile(values: np.ndarray, rank: float) -> float:
    """scikit-learn's ``_weighted_percentile`` with unit weights: the 'inverted_cdf' percentile.

    For the median of an even number of values this is the lower of the two middle values.
    """
    values = np.sort(values)
    n = float(values.size)
    target = float(rank) / 100 * n
    if target == 0:
        target = np.nextafter(target, target + 1)
    cdf = np.arange(1, values.size + 1, dtype=np.float64)
    i = min(int(np.searchsorted(cdf, target)), values.size - 1)
    return float(values[i])


class SquaredError:
    r"""Squared error: the pseudo-residual is the ordinary residual.

    .. math::

        L(y, F) = \tfrac12 (y - F)^2, \qquad -\frac{\partial L}{\partial F} = y - F.

    Initial prediction: the mean of ``y``. Leaf value: the tree's own mean of the residuals, which
    is already the best step. ``score`` is the mean of :math:`(y - F)^2`.

    >>> SquaredError().negative_gradient(np.array([3.0]), np.array([1.0])).tolist()
    [2.0]
    """

    name = "squared_error"

    def init(self, y):
        return float(np.mean(y))

    def value(self, y, F):
        return 0.5 * (F - y) ** 2

    def score(self, y, F):
        return float(2 * np.mean(self.value(y, F)))

    def negative_gradient(self, y, F):
        return -(F - y)

    def leaf_value(self, y, F, residual):
        return float(np.mean(residual))


class AbsoluteError:
    r"""Absolute error (least absolute deviation), robust to outliers.

    .. math::

        L(y, F) = |y - F|, \qquad -\frac{\partial L}{\partial F} = \operatorname{sign}(y - F).

    The tree is fitted to the signs; then each leaf is set to the median of :math:`y - F` over its
    samples, the best constant step for this loss (scikit-learn takes the lower middle value when
    the count is even). Initial prediction: the median of ``y``. At :math:`y = F` the pseudo-residual
    is :math:`+1`, as in scikit-learn. ``score`` is the mean absolute error.

    >>> AbsoluteError().negative_gradient(np.array([0.0, 1.0, 1.0]), np.array([1.0, 0.0, 1.0])).tolist()
    [-1.0, 1.0, 1.0]
    """

    name = "absolute_error"

    def init(self, y):
        return float(np.percentile(y, 50))

    def value(self, y, F):
        return np.abs(F - y)

    def score(self, y, F):
        return float(np.mean(self.value(y, F)))

    def negative_gradient(self, y, F):
        return np.where(F > y, -1.0, 1.0)

    def leaf_value(self, y, F, residual):
        return _lower_percentile(y - F, 50)


class Huber:
    r"""Huber loss: squared near zero, absolute beyond ``delta``.

    .. math::

        L(y, F) = \begin{cases} \tfrac12 (y - F)^2 & |y - F| \le \delta \\
                                \delta\,(|y - F| - \delta/2) & \text{otherwise,} \end{cases}
        \qquad
        -\frac{\partial L}{\partial F} = \begin{cases} y - F & |y - F| \le \delta \\
                                        \delta \operatorname{sign}(y - F) & \text{otherwise.} \end{cases}

    Friedman's recipe, as scikit-learn runs it: at every stage :math:`\delta` is reset to the
    ``alpha``-quantile of the current absolute residuals (:meth:`set_delta`), so the largest
    ``1 - alpha`` of them are treated as outliers. A leaf's value is the median :math:`\tilde r` of
    :math:`y - F` in the leaf plus the mean clipped deviation from it,
    :math:`\tilde r + \operatorname{mean}\big(\operatorname{sign}(d)\min(\delta, |d|)\big)` with
    :math:`d = y - F - \tilde r`. Initial prediction: the median of ``y``. ``score`` is the mean loss.

    >>> Huber(delta=1.0).negative_gradient(np.array([0.0, 0.0]), np.array([0.5, -3.0])).tolist()
    [-0.5, 1.0]
    """

    name = "huber"

    def __init__(self, alpha: float = 0.9, delta: float = 0.5):
        self.alpha, self.delta = float(alpha), float(delta)

    def set_delta(self, y, F) -> float:
        """Set ``delta`` to the ``alpha``-quantile of ``|y - F|`` and return it."""
        self.delta = _lower_percentile(np.abs(y - F), 100 * self.alpha)
        return self.delta

    def init(self, y):
        return float(np.percentile(y, 50))

    def value(self, y, F):
        err = np.abs(y - F)
        return np.where(err <= self.delta, 0.5 * err**2, self.delta * (err - 0.5 * self.delta))

    def score(self, y, F):
        return float(np.mean(self.value(y, F)))

    def negative_gradient(self, y, F):
        res = F - y
        return -np.where(np.abs(res) <= self.delta, res, np.where(res >= 0, self.delta, -self.delta))

    def leaf_value(self, y, F, residual):
        median = _lower_percentile(y - F, 50)
        dev = y - F - median
        return median + float(np.average(np.sign(dev) * np.minimum(self.delta, np.abs(dev)),
                                         weights=np.ones_like(dev)))


def expit(F):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(F, dtype=np.float64)))


def _logit(p: float) -> float:
    # scipy's logit: the plain formula away from 1/2, a log1p form near it (more accurate there).
    if p < 0.3 or p > 0.65:
        return math.log(p / (1 - p))
    s = 2 * (p - 0.5)
    return math.log1p(s) - math.log1p(-s)


class LogLoss:
    r"""Binary log-loss (cross-entropy) for labels :math:`y \in \{0, 1\}` and :math:`p = \sigma(F)`.

    .. math::

        L(y, F) = \log(1 + e^{F}) - yF, \qquad -\frac{\partial L}{\partial F} = y - \sigma(F) = y - p.

    The tree is fitted to :math:`y - p`; then each leaf takes one Newton step,
    :math:`\sum (y_i - p_i) / \sum p_i (1 - p_i)` over its samples (0 when the denominator is below
    1e-150). Initial prediction: :math:`\operatorname{logit}(\bar y)`. ``score`` is twice the mean
    log-loss (the binomial deviance), as in scikit-learn.

    >>> LogLoss().negative_gradient(np.array([1.0, 0.0]), np.array([0.0, 0.0])).tolist()
    [0.5, -0.5]
    """

    name = "log_loss"

    def init(self, y):
        return _logit(float(np.clip(np.mean(y), _EPS, 1 - _EPS)))

    def value(self, y, F):
        F = np.asarray(F, dtype=np.float64)
        with np.errstate(over="ignore"):  # log(1 + e^F) in overflow-safe pieces
            e = np.exp(np.where(F <= 18, F, -F))
            log1pexp = np.select([F <= -37, F <= -2, F <= 18, F <= 33.3],
                                 [e, np.log1p(e), np.log(1.0 + e), F + e], default=F)
        return log1pexp - y * F

    def score(self, y, F):
        return float(2 * np.mean(self.value(y, F)))

    def negative_gradient(self, y, F):
        F = np.asarray(F, dtype=np.float64)
        # math.exp is the C library's exp, the one scikit-learn's compiled loss calls; numpy's
        # vectorised exp may differ in the last bit, and boosting can amplify such a difference.
        e = np.array(list(map(math.exp, np.where(F > -37, -F, F).tolist())))
        return -np.where(F > -37, ((1 - y) - y * e) / (1 + e), e - y)

    def leaf_value(self, y, F, residual):
        p = y - residual
        ones = np.ones_like(residual)
        numerator = float(np.average(residual, weights=ones))
        denominator = float(np.average(p * (1 - p), weights=ones))
        return 0.0 if abs(denominator) < 1e-150 else numerator / denominator


_LOSSES = {"squared_error": SquaredError, "absolute_error": AbsoluteError, "huber": Huber, "log_loss": LogLoss}


def get_loss(name: str, alpha: float = 0.9):
    """A loss object by name: 'squared_error', 'absolute_error', 'huber' (with ``alpha``) or 'log_loss'.

    >>> get_loss("absolute_error").negative_gradient(np.array([2.0]), np.array([0.0])).tolist()
    [1.0]
    """
    if name not in _LOSSES:
        raise ValueError(f"loss must be one of {list(_LOSSES)}; got {name!r}")
    return Huber(alpha=alpha) if name == "huber" else _LOSSES[name]()
