r"""Second-order boosting, XGBoost-style: trees grown and valued with the loss's curvature.

At stage :math:`m` expand the loss around the current model to second order in the new tree's
output :math:`f(x_i)`, with :math:`g_i = \partial L/\partial F` and
:math:`h_i = \partial^2 L/\partial F^2` at :math:`F_{m-1}(x_i)`, and penalize the leaf values
:math:`w_j` and the number of leaves :math:`T` (Chen and Guestrin 2016):

.. math::

    \sum_i \Bigl(g_i f(x_i) + \tfrac12 h_i f(x_i)^2\Bigr) + \gamma T + \tfrac12\lambda \sum_j w_j^2
    = \sum_j \Bigl(G_j w_j + \tfrac12 (H_j + \lambda) w_j^2\Bigr) + \gamma T,

with :math:`G_j, H_j` the sums of :math:`g_i, h_i` over leaf :math:`j`. Each leaf is a separate
parabola, so

.. math::

    w_j^* = -\frac{G_j}{H_j + \lambda}, \qquad
    \text{objective} = -\frac12 \sum_j \frac{G_j^2}{H_j + \lambda} + \gamma T,

and splitting a leaf into a left and a right part lowers the objective by

.. math::

    \text{gain} = \frac12\Bigl[\frac{G_L^2}{H_L + \lambda} + \frac{G_R^2}{H_R + \lambda}
    - \frac{(G_L + G_R)^2}{H_L + H_R + \lambda}\Bigr] - \gamma .

For the log-loss with :math:`p = 1/(1 + e^{-F})`, :math:`g = p - y` and :math:`h = p(1 - p)`.
With ``order=1`` every :math:`h_i` is replaced by 1: the splits are then those of a least-squares
tree on the gradient and the leaves take the (shrunk) mean gradient step, first-order boosting.

>>> import numpy as np
>>> leaf_weight(G=-3.0, H=2.0, reg_lambda=1.0)
1.0
>>> split_gain(-2.0, 1.0, 2.0, 1.0, reg_lambda=1.0, gamma=0.5)
1.5
"""
from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_integer, check_non_negative, check_positive

__all__ = ["leaf_weight", "split_gain", "logloss_grad_hess", "SecondOrderTree",
           "SecondOrderBoostingClassifier", "trees_to_reach"]


def leaf_weight(G, H, reg_lambda: float = 1.0):
    r"""The leaf value that minimizes :math:`G w + \tfrac12 (H + \lambda) w^2`: :math:`-G/(H + \lambda)`.

    >>> leaf_weight(4.0, 1.0, reg_lambda=0.0)
    -4.0
    """
    out = -np.asarray(G, dtype=float) / (np.asarray(H, dtype=float) + check_non_negative("reg_lambda",
                                                                                            reg_lambda))
    return float(out) if out.ndim == 0 else out


def split_gain(G_L, H_L, G_R, H_R, reg_lambda: float = 1.0, gamma: float = 0.0):
    r"""The drop of the regularized objective when a leaf splits into left and right.

    .. math::

        \frac12\Bigl[\frac{G_L^2}{H_L + \lambda} + \frac{G_R^2}{H_R + \lambda}
        - \frac{(G_L + G_R)^2}{H_L + H_R + \lambda}\Bigr] - \gamma

    >>> split_gain(1.0, 1.0, 1.0, 1.0, reg_lambda=0.0)     # same gradient on both sides: nothing to gain
    0.0
    """
    lam = check_non_negative("reg_lambda", reg_lambda)
    gamma = check_non_negative("gamma", gamma)
    G_L, H_L, G_R, H_R = (np.asarray(a, dtype=float) for a in (G_L, H_L, G_R, H_R))
    out = 0.5 * (G_L ** 2 / (H_L + lam) + G_R ** 2 / (H_R + lam)
                 - (G_L + G_R) ** 2 / (H_L + H_R + lam)) - gamma
    return float(out) if out.ndim == 0 else out


def _expit(F):
    return 1.0 / (1.0 + np.exp(-F))


def logloss_grad_hess(y, F):
    r"""Gradient and Hessian of the log-loss in the log-odds: :math:`(p - y,\ p(1 - p))`.

    >>> g, h = logloss_grad_hess(np.array([1.0, 0.0]), np.zeros(2))
    >>> g.tolist(), h.tolist()
    ([-0.5, 0.5], [0.25, 0.25])
    """
    p = _expit(np.asarray(F, dtype=float))
    return p - np.asarray(y, dtype=float), p * (1.0 - p)


def _logloss(y, F):
    F = np.asarray(F, dtype=float)
    return float(np.mean(np.logaddexp(0.0, F) - y * F))


class SecondOrderTree:
    r"""A regression tree grown greedily on :math:`(g_i, h_i)`, depth by depth (exact splits).

    A node splits at the threshold (a midpoint between consecutive distinct values of one
    feature) of largest :func:`split_gain`, if that gain is positive and both children have a
    Hessian sum of at least ``min_child_weight``; every leaf holds :func:`leaf_weight`.

    Parameters
    ----------
    max_depth : int
    reg_lambda, gamma : float
        :math:`\lambda` and :math:`\gamma` of the objective.
    min_child_weight : float
        Smallest Hessian sum of a child (XGBoost's name).

    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); g = np.array([-1.0, -1.0, 1.0, 1.0])
    >>> tree = SecondOrderTree(max_depth=1, reg_lambda=0.0).fit(X, g, np.ones(4))
    >>> tree.predict(X).tolist(), tree.n_leaves
    ([1.0, 1.0, -1.0, -1.0], 2)
    """

    def __init__(self, max_depth: int = 3, reg_lambda: float = 1.0, gamma: float = 0.0,
                 min_child_weight: float = 1e-3):
        self.max_depth = check_integer("max_depth", max_depth, low=0)
        self.reg_lambda = check_non_negative("reg_lambda", reg_lambda)
        self.gamma = check_non_negative("gamma", gamma)
        self.min_child_weight = check_non_negative("min_child_weight", min_child_weight)

    def fit(self, X, g, h):
        X, g, h = (np.asarray(a, dtype=float) for a in (X, g, h))
        # nodes: (feature, threshold, left, right, value); feature -1 for a leaf
        self.feature_, self.threshold_, self.left_, self.right_, self.value_ = [], [], [], [], []
        self._grow(X, g, h, np.arange(len(g)), 0)
        self.feature_ = np.array(self.feature_)
        self.threshold_ = np.array(self.threshold_)
        self.left_, self.right_ = np.array(self.left_), np.array(self.right_)
        self.value_ = np.array(self.value_)
        return self

    def _new(self, value):
        for lst, v in ((self.feature_, -1), (self.threshold_, np.nan), (self.left_, -1),
                       (self.right_, -1), (self.value_, value)):
            lst.append(v)
        return len(self.value_) - 1

    def _grow(self, X, g, h, idx, depth):
        G, H = g[idx].sum(), h[idx].sum()
        node = self._new(leaf_weight(G, H, self.reg_lambda))
        if depth >= self.max_depth or len(idx) < 2:
            return node
        best = (0.0, None, None)
        for j in range(X.shape[1]):
            order = idx[np.argsort(X[idx, j], kind="stable")]
            x = X[order, j]
            GL, HL = np.cumsum(g[order])[:-1], np.cumsum(h[order])[:-1]
            GR, HR = G - GL, H - HL
            ok = (x[1:] > x[:-1]) & (HL >= self.min_child_weight) & (HR >= self.min_child_weight)
            if not ok.any():
                continue
            gain = np.where(ok, split_gain(GL, HL, GR, HR, self.reg_lambda, self.gamma), -np.inf)
            k = int(np.argmax(gain))
            if gain[k] > best[0]:
                best = (float(gain[k]), j, 0.5 * (x[k] + x[k + 1]))
        if best[1] is None:
            return node
        _, j, thr = best
        go_left = X[idx, j] <= thr
        self.feature_[node], self.threshold_[node] = j, thr
        self.left_[node] = self._grow(X, g, h, idx[go_left], depth + 1)
        self.right_[node] = self._grow(X, g, h, idx[~go_left], depth + 1)
        return node

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self.feature_ < 0))

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        node = np.zeros(len(X), dtype=int)
        while True:
            feat = self.feature_[node]
            inner = feat >= 0
            if not inner.any():
                return self.value_[node]
            n = node[inner]
            go_left = X[np.flatnonzero(inner), feat[inner]] <= self.threshold_[n]
            node[inner] = np.where(go_left, self.left_[n], self.right_[n])


class SecondOrderBoostingClassifier:
    r"""Binary log-loss boosting with :class:`SecondOrderTree` (XGBoost's objective, exact splits).

    .. math::

        F_0 = \log\frac{\bar y}{1 - \bar y}, \qquad
        F_m = F_{m-1} + \eta\, f_m, \quad f_m \text{ grown on } (g_i, h_i) \text{ at } F_{m-1}.

    Parameters
    ----------
    n_estimators, learning_rate, max_depth, reg_lambda, gamma, min_child_weight
        As in XGBoost (``reg_lambda`` is its ``lambda``; the defaults here are small-data ones).
    order : {1, 2}
        2: :math:`h_i = p_i(1 - p_i)`; 1: :math:`h_i = 1` (first-order trees).

    Attributes
    ----------
    init_ : float
    estimators_ : list of SecondOrderTree
    train_loss_ : ndarray, shape (n_estimators + 1,)
        Mean log-loss on the training set, index 0 before the first tree.

    >>> X = np.linspace(-2, 2, 40)[:, None]; y = (X[:, 0] > 0).astype(float)
    >>> clf = SecondOrderBoostingClassifier(n_estimators=5, learning_rate=0.5).fit(X, y)
    >>> bool(clf.train_loss_[-1] < 0.2 * clf.train_loss_[0])
    True
    """

    def __init__(self, n_estimators: int = 100, learning_rate: float = 0.3, max_depth: int = 3,
                 reg_lambda: float = 1.0, gamma: float = 0.0, min_child_weight: float = 1e-3,
                 order: int = 2):
        self.n_estimators = check_integer("n_estimators", n_estimators, low=1)
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.max_depth = max_depth
        self.reg_lambda = reg_lambda
        self.gamma = gamma
        self.min_child_weight = min_child_weight
        self.order = check_choice("order", order, (1, 2))

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must hold the labels 0 and 1")
        mean = float(np.clip(y.mean(), 1e-12, 1 - 1e-12))
        self.init_ = float(np.log(mean / (1 - mean)))
        F = np.full(len(y), self.init_)
        self.estimators_, losses = [], [_logloss(y, F)]
        for _ in range(self.n_estimators):
            g, h = logloss_grad_hess(y, F)
            if self.order == 1:
                h = np.ones_like(h)
            tree = SecondOrderTree(self.max_depth, self.reg_lambda, self.gamma,
                                   self.min_child_weight).fit(X, g, h)
            F = F + self.learning_rate * tree.predict(X)
            self.estimators_.append(tree)
            losses.append(_logloss(y, F))
        self.train_loss_ = np.array(losses)
        return self

    def decision_function(self, X):
        X = np.asarray(X, dtype=float)
        return self.init_ + self.learning_rate * sum(t.predict(X) for t in self.estimators_)

    def predict_proba(self, X):
        p = _expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)

    def staged_loss(self, X, y) -> np.ndarray:
        """Mean log-loss on ``(X, y)`` after 0, 1, ..., ``n_estimators`` trees."""
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        F = np.full(len(y), self.init_)
        out = [_logloss(y, F)]
        for tree in self.estimators_:
            F = F + self.learning_rate * tree.predict(X)
            out.append(_logloss(y, F))
        return np.array(out)


def trees_to_reach(losses, target: float):
    """The fewest trees after which ``losses`` (index = number of trees) is at most ``target``.

    ``None`` if it never gets there.

    >>> trees_to_reach([0.7, 0.5, 0.3, 0.2], 0.3)
    2
    """
    losses = np.asarray(losses, dtype=float)
    hit = np.flatnonzero(losses <= target)
    return int(hit[0]) if hit.size else None
