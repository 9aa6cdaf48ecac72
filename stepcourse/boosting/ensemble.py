"""The ensemble: :class:`GradientBoostingRegressor` and :class:`GradientBoostingClassifier`."""
from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_integer, check_number
from .losses import AbsoluteError, Huber, LogLoss, SquaredError, expit, get_loss
from .trees import LEAF, RegressionTree, as_features, check_random_state

__all__ = ["GradientBoostingRegressor", "GradientBoostingClassifier"]

# -- the ensemble ----------------------------------------------------------------------------------

def _sample_mask(n: int, n_inbag: int, rng: np.random.RandomState) -> np.ndarray:
    """Exactly ``n_inbag`` of ``n`` samples, drawn as scikit-learn's ``_random_sample_mask`` draws them.

    Selection sampling: sample ``i`` is taken with probability (still needed) / (still left).
    """
    u = rng.uniform(size=n).tolist()
    mask, taken = [False] * n, 0
    for i in range(n):
        if u[i] * (n - i) < n_inbag - taken:
            mask[i] = True
            taken += 1
    return np.array(mask)


class _BaseBoosting:
    _loss_names: tuple = ()

    def __init__(self, loss, learning_rate, n_estimators, max_depth, min_samples_split, min_samples_leaf,
                 subsample, alpha, init, random_state):
        self.loss = check_choice("loss", loss, self._loss_names)
        self.learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
        self.n_estimators = check_integer("n_estimators", n_estimators, low=1)
        tree = RegressionTree(max_depth, min_samples_split, min_samples_leaf)  # validates all three
        self.max_depth, self.min_samples_split = tree.max_depth, tree.min_samples_split
        self.min_samples_leaf = tree.min_samples_leaf
        self.subsample = check_number("subsample", subsample, low=0, high=1, low_open=True)
        self.alpha = check_number("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
        if init not in (None, "zero"):
            raise ValueError(f"init must be None (the loss's best constant) or 'zero'; got {init!r}")
        self.init = init
        if random_state is not None and not isinstance(random_state, np.random.RandomState):
            check_random_state(random_state)
        self.random_state = random_state

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(loss={self.loss!r}, learning_rate={self.learning_rate:g}, "
                f"n_estimators={self.n_estimators}, max_depth={self.max_depth}, "
                f"min_samples_leaf={self.min_samples_leaf}, subsample={self.subsample:g})")

    def _fit(self, X, y):
        X32 = as_features(X)
        n = X32.shape[0]
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},) to match X; got {y.shape}")
        loss = self.loss_ = get_loss(self.loss, self.alpha)
        rng = check_random_state(self.random_state)
        self.init_ = 0.0 if self.init == "zero" else loss.init(y)
        F = np.full(n, self.init_)
        n_inbag = max(1, int(self.subsample * n))
        stochastic = self.subsample < 1.0
        self.estimators_, self.train_score_ = [], np.zeros(self.n_estimators)
        if stochastic:
            self.oob_scores_, self.oob_improvement_ = np.zeros(self.n_estimators), np.zeros(self.n_estimators)
        inbag = np.ones(n, dtype=bool)
        for m in range(self.n_estimators):
            if stochastic:
                inbag = _sample_mask(n, n_inbag, rng)
                if m == 0:
                    oob_start = loss.score(y[~inbag], F[~inbag])
            if isinstance(loss, Huber):
                loss.set_delta(y, F)
            residual = loss.negative_gradient(y, F)           # the direction of steepest descent
            tree = RegressionTree(self.max_depth, self.min_samples_split, self.min_samples_leaf, rng)
            tree.fit(X32[inbag], residual[inbag])              # ... approximated by a tree
            leaf_of = tree.apply(X32)
            if not isinstance(loss, SquaredError):
                # The best step in each leaf (a line search per region), on the in-bag samples.
                leaf_in = np.where(inbag, leaf_of, LEAF)
                for leaf in tree.leaves:
                    rows = np.flatnonzero(leaf_in == leaf)
                    tree.value[leaf] = loss.leaf_value(y[rows], F[rows], residual[rows])
            F += self.learning_rate * tree.value[leaf_of]      # ... and a step of size learning_rate
            self.estimators_.append(tree)
            self.train_score_[m] = loss.score(y[inbag], F[inbag])
            if stochastic:
                self.oob_scores_[m] = loss.score(y[~inbag], F[~inbag])
                self.oob_improvement_[m] = (oob_start if m == 0 else self.oob_scores_[m - 1]) - self.oob_scores_[m]
        self.n_features_in_ = X32.shape[1]
        return self

    def _check_fitted(self):
        if not hasattr(self, "estimators_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first")

    def staged_decision_function(self, X):
        """The raw output :math:`F_m(X)` after each stage ``m = 1 .. n_estimators`` (a generator)."""
        self._check_fitted()
        X32 = as_features(X)
        if X32.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X32.shape[1]} features; the model was fitted on {self.n_features_in_}")
        F = np.full(X32.shape[0], self.init_)
        for tree in self.estimators_:
            F = F + self.learning_rate * tree.value[tree.apply(X32)]
            yield F

    def decision_function(self, X) -> np.ndarray:
        """The raw output :math:`F(X)` of the whole ensemble (the regressor's prediction, the classifier's log-odds)."""
        F = None
        for F in self.staged_decision_function(X):
            pass
        return F

    def staged_loss(self, X, y) -> np.ndarray:
        """The loss on ``(X, y)`` after each stage, on the scale of ``train_score_``.

        On held-out data this is the validation curve. Huber uses the ``delta`` of the last stage.
        """
        y = self._encode(y)
        return np.array([self.loss_.score(y, F) for F in self.staged_decision_function(X)])


class GradientBoostingRegressor(_BaseBoosting):
    r"""Gradient boosting for regression, with scikit-learn's arguments and arithmetic.

    .. math::

        F_0 = \arg\min_c \sum_i L(y_i, c), \qquad
        r_{im} = -\partial L(y_i, F_{m-1}(x_i)) / \partial F, \qquad
        F_m = F_{m-1} + \eta\, h_m,

    where :math:`h_m` is a regression tree fitted to the :math:`r_{im}` whose leaf values are then
    set to the best constant step for the loss (the tree's mean for squared error, the median of
    :math:`y - F` for absolute error, Friedman's Huber step for huber).

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber'}, default='squared_error'
        See :class:`SquaredError`, :class:`AbsoluteError`, :class:`Huber`.
    learning_rate : float, default=0.1
        The step size :math:`\eta` (shrinkage), > 0.
    n_estimators : int, default=100
        The number of stages (trees).
    max_depth, min_samples_split, min_samples_leaf : int
        The size of each tree (see :class:`~stepcourse.boosting.RegressionTree`).
    subsample : float in (0, 1], default=1.0
        Below 1, each tree sees ``int(subsample * n)`` samples drawn without replacement
        (stochastic gradient boosting, Friedman 2002), drawn as scikit-learn draws them from
        ``RandomState(random_state)``: the same seed gives the same subsamples.
    alpha : float in (0, 1), default=0.9
        The quantile of the absolute residuals that sets Huber's ``delta``.
    init : None or 'zero', default=None
        Start from the loss's best constant (None) or from :math:`F_0 = 0`.
    random_state : None, int or numpy.random.RandomState
        Seeds the subsamples and the order in which each tree tries features.

    Attributes
    ----------
    init_ : float
        The initial prediction :math:`F_0` (mean of y for squared error, median otherwise; 0 with
        ``init='zero'``).
    loss_ : SquaredError, AbsoluteError or Huber
        The loss object (for Huber, ``loss_.delta`` is the last stage's threshold).
    estimators_ : list of RegressionTree
        The fitted trees; their ``value`` holds the leaf steps before the learning rate.
    train_score_ : ndarray
        The training loss after each stage (on the in-bag samples when subsampling): mean squared
        error, mean absolute error, or the mean Huber loss.
    oob_scores_, oob_improvement_ : ndarray
        With ``subsample < 1``: the loss on the samples each tree did not see, and its decrease.

    Notes
    -----
    Not supported: sample weights, ``init`` estimators other than 'zero', ``max_features``,
    ``n_iter_no_change`` (use :meth:`staged_loss` on a validation set instead) and the quantile
    loss. A 1-D ``X`` is read as one feature.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, size=(100, 1))
    >>> y = np.where(x[:, 0] > 0.5, 1.0, 0.0)
    >>> model = GradientBoostingRegressor(learning_rate=0.5, n_estimators=20, max_depth=1).fit(x, y)
    >>> np.round(model.predict([[0.2], [0.8]]), 3).tolist()
    [0.0, 1.0]
    """

    _loss_names = ("squared_error", "absolute_error", "huber")

    def __init__(self, loss="squared_error", learning_rate=0.1, n_estimators=100, max_depth=3,
                 min_samples_split=2, min_samples_leaf=1, subsample=1.0, alpha=0.9, init=None,
                 random_state=None):
        super().__init__(loss, learning_rate, n_estimators, max_depth, min_samples_split, min_samples_leaf,
                         subsample, alpha, init, random_state)

    def _encode(self, y):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1 or not np.all(np.isfinite(y)):
            raise ValueError(f"y must be a 1-D array of finite numbers; got shape {y.shape}")
        return y

    def fit(self, X, y) -> "GradientBoostingRegressor":
        """Fit ``n_estimators`` stages to features ``X`` (n, d) and targets ``y`` (n,); returns ``self``."""
        return self._fit(X, self._encode(y))

    def predict(self, X) -> np.ndarray:
        """The prediction :math:`F_M(x)` for each row of ``X``."""
        return self.decision_function(X)

    def staged_predict(self, X):
        """The prediction after each stage (a generator of arrays)."""
        yield from self.staged_decision_function(X)


class GradientBoostingClassifier(_BaseBoosting):
    r"""Gradient boosting for binary classification with the log-loss (scikit-learn's arithmetic).

    The model output :math:`F` is a log-odds; :math:`p = \sigma(F)`. Each tree is fitted to the
    pseudo-residuals :math:`y - p` and each leaf takes one Newton step (see :class:`LogLoss`):

    .. math::

        F_0 = \log\frac{\bar y}{1 - \bar y}, \qquad
        \gamma_{\text{leaf}} = \frac{\sum_{i \in \text{leaf}} (y_i - p_i)}{\sum_{i \in \text{leaf}} p_i(1 - p_i)},
        \qquad F_m = F_{m-1} + \eta\, \gamma_{\text{leaf}(x)}.

    Parameters are those of :class:`GradientBoostingRegressor`, with ``loss='log_loss'`` the only
    choice (and no ``alpha``). ``y`` may hold any two labels; ``classes_`` lists them sorted and
    the second one is the positive class.

    Attributes
    ----------
    classes_ : ndarray
        The two labels.
    init_, estimators_, train_score_ :
        As for the regressor; ``train_score_`` is twice the mean log-loss (the binomial deviance).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 2))
    >>> y = (x[:, 0] + x[:, 1] > 0).astype(int)
    >>> clf = GradientBoostingClassifier(n_estimators=50).fit(x, y)
    >>> bool(np.mean(clf.predict(x) == y) > 0.95), clf.predict_proba(x[:2]).shape
    (True, (2, 2))
    """

    _loss_names = ("log_loss",)

    def __init__(self, loss="log_loss", learning_rate=0.1, n_estimators=100, max_depth=3,
                 min_samples_split=2, min_samples_leaf=1, subsample=1.0, init=None, random_state=None):
        super().__init__(loss, learning_rate, n_estimators, max_depth, min_samples_split, min_samples_leaf,
                         subsample, 0.9, init, random_state)

    def _encode(self, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be a 1-D array of labels; got shape {y.shape}")
        if not hasattr(self, "classes_"):
            classes = np.unique(y)
            if classes.size != 2:
                raise ValueError(f"y must hold exactly two classes; got {classes.size}: {classes.tolist()[:10]}")
            self.classes_ = classes
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y holds labels {np.unique(y[unknown]).tolist()} not in classes_ {self.classes_.tolist()}")
        return (y == self.classes_[1]).astype(np.float64)

    def fit(self, X, y) -> "GradientBoostingClassifier":
        """Fit ``n_estimators`` stages to features ``X`` (n, d) and two-class labels ``y``; returns ``self``."""
        if hasattr(self, "classes_"):
            del self.classes_
        return self._fit(X, self._encode(y))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n, 2): columns ``1 - p`` and ``p = sigmoid(F)``."""
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def staged_predict_proba(self, X):
        """Class probabilities after each stage (a generator)."""
        for F in self.staged_decision_function(X):
            p = expit(F)
            yield np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        """The predicted label: ``classes_[1]`` where :math:`F \\ge 0` (p >= 1/2)."""
        return self.classes_[(self.decision_function(X) >= 0).astype(int)]

    def staged_predict(self, X):
        """The predicted labels after each stage (a generator)."""
        for F in self.staged_decision_function(X):
            yield self.classes_[(F >= 0).astype(int)]
