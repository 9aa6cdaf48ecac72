r"""Gradient boosting: gradient descent in function space.

Boosting builds a model one small function at a time. With a loss :math:`L(y, F)` and the current
model :math:`F_{m-1}`, each stage computes the *pseudo-residuals* (the negative gradient of the loss
with respect to the model's output at every training point), fits a regression tree :math:`h_m` to
them, and takes a step of size ``learning_rate`` in that direction:

.. math::

    r_{im} = -\left.\frac{\partial L(y_i, F)}{\partial F}\right|_{F = F_{m-1}(x_i)}, \qquad
    F_m(x) = F_{m-1}(x) + \eta\, h_m(x).

It is the update :math:`w \leftarrow w - \eta \nabla L` of plain gradient descent, with the
parameter vector replaced by the vector of predictions and the gradient replaced by a tree that
approximates it (and can therefore be evaluated at new points).

The estimators follow scikit-learn's ``GradientBoostingRegressor``/``GradientBoostingClassifier``
(version 1.9) arithmetic: same initial prediction, same pseudo-residuals, same trees
(:class:`RegressionTree`), same leaf line searches, same subsample draws. On data
without repeated feature values the fitted trees are scikit-learn's, node for node, and the
predictions agree to the last bit; with repeated values see the note on ties in
:class:`RegressionTree`.

>>> import numpy as np
>>> x = np.linspace(0, 6, 80)[:, None]
>>> model = GradientBoostingRegressor(n_estimators=50, max_depth=2).fit(x, np.sin(x[:, 0]))
>>> bool(model.train_score_[-1] < 0.01 * model.train_score_[0])
True

The package holds three modules: :mod:`~stepcourse.boosting.trees` (the regression trees),
:mod:`~stepcourse.boosting.losses` (losses and pseudo-residuals) and
:mod:`~stepcourse.boosting.ensemble` (the estimators); their public names are all here.
"""
from __future__ import annotations

from .ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from .losses import AbsoluteError, Huber, LogLoss, SquaredError, get_loss
from .trees import LEAF, RegressionTree, check_random_state
from .second_order import SecondOrderBoostingClassifier, leaf_weight, split_gain  # noqa: F401

__all__ = [
    "RegressionTree", "SquaredError", "AbsoluteError", "Huber", "LogLoss", "get_loss",
    "GradientBoostingRegressor", "GradientBoostingClassifier", "LEAF", "check_random_state",
]
