"""Tests of stepcourse.boosting.second_order: the XGBoost leaf and gain, trees, boosting."""
import numpy as np
import pytest

from stepcourse import data
from stepcourse.boosting import second_order as so


def test_leaf_and_gain_by_hand():
    # four points, log-loss at F = 0: p = 1/2, g = p - y, h = 1/4
    y = np.array([1.0, 1.0, 0.0, 1.0])
    g, h = so.logloss_grad_hess(y, np.zeros(4))
    assert g.tolist() == [-0.5, -0.5, 0.5, -0.5] and h.tolist() == [0.25] * 4
    # one leaf: G = -1, H = 1, lambda = 1 -> w = 1/2
    assert so.leaf_weight(g.sum(), h.sum(), 1.0) == pytest.approx(0.5)
    # left {0, 1}: G = -1, H = 1/2; right {2, 3}: G = 0, H = 1/2; lambda = 1, gamma = 0.1
    # gain = 1/2 [1/1.5 + 0 - 1/2] - 0.1 = 1/12 - 1/10
    assert so.split_gain(-1.0, 0.5, 0.0, 0.5, 1.0, 0.1) == pytest.approx(1 / 12 - 1 / 10)
    assert so.split_gain(-1.0, 0.5, 0.0, 0.5, 1.0, 0.0) == pytest.approx(1 / 12)


def test_leaf_weight_minimizes_the_quadratic():
    rng = np.random.default_rng(0)
    G, H, lam = rng.normal(), rng.uniform(0.1, 2), rng.uniform(0, 2)
    w = so.leaf_weight(G, H, lam)
    ws = np.linspace(w - 1, w + 1, 2001)
    obj = G * ws + 0.5 * (H + lam) * ws ** 2
    assert abs(ws[np.argmin(obj)] - w) < 1e-3


def test_tree_split_is_the_best_by_brute_force():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    g, h = rng.normal(size=30), rng.uniform(0.05, 0.25, size=30)
    tree = so.SecondOrderTree(max_depth=1, reg_lambda=0.5).fit(X, g, h)
    best = -np.inf
    for j in range(3):
        for thr in X[:, j]:
            left = X[:, j] <= thr
            if left.all():
                continue
            best = max(best, so.split_gain(g[left].sum(), h[left].sum(), g[~left].sum(),
                                           h[~left].sum(), 0.5))
    left = X[:, tree.feature_[0]] <= tree.threshold_[0]
    got = so.split_gain(g[left].sum(), h[left].sum(), g[~left].sum(), h[~left].sum(), 0.5)
    assert got == pytest.approx(best)
    np.testing.assert_allclose(tree.predict(X[left]), so.leaf_weight(g[left].sum(), h[left].sum(), 0.5))


def test_gamma_prunes():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    g, h = rng.normal(scale=0.1, size=50), np.full(50, 0.25)
    assert so.SecondOrderTree(max_depth=3, gamma=0.0).fit(X, g, h).n_leaves > 1
    assert so.SecondOrderTree(max_depth=3, gamma=10.0).fit(X, g, h).n_leaves == 1


def test_second_order_needs_fewer_trees_than_first_order():
    moons = data.make_moons(n=300, noise=0.25, seed=1)
    kw = dict(n_estimators=120, learning_rate=0.1, max_depth=2)
    second = so.SecondOrderBoostingClassifier(order=2, **kw).fit(moons.X, moons.y)
    first = so.SecondOrderBoostingClassifier(order=1, **kw).fit(moons.X, moons.y)
    assert np.all(np.diff(second.train_loss_) < 0)
    target = first.train_loss_[-1]
    assert so.trees_to_reach(second.train_loss_, target) < 0.5 * kw["n_estimators"]
    np.testing.assert_allclose(second.staged_loss(moons.X, moons.y), second.train_loss_)


def test_matches_histgradientboosting_on_distinct_values():
    sk = pytest.importorskip("sklearn.ensemble")
    moons = data.make_moons(n=200, noise=0.25, seed=0)
    ours = so.SecondOrderBoostingClassifier(n_estimators=30, learning_rate=0.2, max_depth=2,
                                            reg_lambda=1.0).fit(moons.X, moons.y)
    ref = sk.HistGradientBoostingClassifier(
        max_iter=30, learning_rate=0.2, max_depth=2, max_leaf_nodes=None, l2_regularization=1.0,
        min_samples_leaf=1, early_stopping=False).fit(moons.X, moons.y)
    np.testing.assert_allclose(ours.predict_proba(moons.X)[:, 1], ref.predict_proba(moons.X)[:, 1],
                               atol=1e-7)


def test_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels"):
        so.SecondOrderBoostingClassifier().fit(np.zeros((3, 1)), [0, 1, 2])
