"""Gradient boosting and regression trees: parity with scikit-learn, the gradient view, the details."""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse import boosting as gb
from stepcourse.boosting import ensemble, trees


def _sklearn(module: str):
    """The scikit-learn module, or a skip: the arithmetic followed is scikit-learn 1.9's (older trees
    place some thresholds differently), and the golden fixtures cover the parity without it."""
    pytest.importorskip("sklearn", minversion="1.9")
    return pytest.importorskip(module)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
META = json.loads((FIXTURES / "boosting_sklearn.json").read_text())
GOLD = np.load(FIXTURES / "boosting_sklearn.npz")


def _ours(estimator: str, params: dict):
    return (gb.GradientBoostingRegressor if estimator == "reg" else gb.GradientBoostingClassifier)(**params)


# -- parity with scikit-learn: golden files ------------------------------------------------------

@pytest.mark.parametrize("case", META["cases"], ids=[c["name"] for c in META["cases"]])
def test_matches_sklearn_golden_files(case):
    X, y, X_test = (GOLD[f"data/{case['data']}/{k}"] for k in ("X", "y", "X_test"))
    model = _ours(case["estimator"], case["params"]).fit(X, y)
    name = case["name"]
    np.testing.assert_allclose(model.decision_function(X), GOLD[f"{name}/raw_train"], rtol=0, atol=1e-10)
    stage10 = list(model.staged_decision_function(X))[9]
    np.testing.assert_allclose(stage10, GOLD[f"{name}/raw_train_stage10"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.train_score_, GOLD[f"{name}/train_score"], rtol=1e-10, atol=1e-12)
    assert model.estimators_[0].n_leaves == case["n_leaves_first_tree"]
    if f"{name}/oob_scores" in GOLD:
        np.testing.assert_allclose(model.oob_scores_, GOLD[f"{name}/oob_scores"], rtol=1e-10, atol=1e-12)
    if case["data"].startswith("1d"):
        # In one dimension the trees are the same trees, so new points agree too.
        np.testing.assert_allclose(model.decision_function(X_test), GOLD[f"{name}/raw_test"], rtol=0, atol=1e-10)
        if case["estimator"] == "clf":
            np.testing.assert_allclose(model.predict_proba(X_test)[:, 1], GOLD[f"{name}/proba_test"],
                                       rtol=0, atol=1e-12)


def test_golden_files_cover_every_loss_and_both_shapes():
    seen = {(c["params"].get("loss", "log_loss"), c["data"][:2]) for c in META["cases"]}
    for loss in ("squared_error", "absolute_error", "huber", "log_loss"):
        assert {(loss, "1d"), (loss, "md")} <= seen
    assert META["sklearn"] == "1.9.1"


# -- parity with scikit-learn: live --------------------------------------------------------------

def _live_data(seed, n, d, kind):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "reg":
        y = np.sin(2 * X[:, 0]) + (X[:, 1] if d > 1 else 0.0) + 0.3 * rng.standard_t(2, size=n)
    else:
        y = (X[:, 0] + (0.5 * X[:, 1] if d > 1 else 0.0) + 0.7 * rng.normal(size=n) > 0).astype(int)
    return X, y, rng.normal(size=(60, d))


LIVE = [dict(max_depth=3), dict(max_depth=1, learning_rate=0.5), dict(max_depth=2, min_samples_leaf=4,
        learning_rate=0.3), dict(max_depth=4, subsample=0.7), dict(max_depth=3, min_samples_split=12, init="zero")]


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber", "log_loss"])
@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("setting", range(len(LIVE)))
def test_matches_sklearn_live(loss, d, setting):
    ensemble = _sklearn("sklearn.ensemble")
    seed = 10 * setting + d
    kind = "clf" if loss == "log_loss" else "reg"
    X, y, X_new = _live_data(seed, 140, d, kind)
    params = dict(n_estimators=40, random_state=seed, **LIVE[setting])
    if kind == "reg":
        ref = ensemble.GradientBoostingRegressor(loss=loss, **params).fit(X, y)
        ours = gb.GradientBoostingRegressor(loss=loss, **params).fit(X, y)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.predict(X_new), ref.predict(X_new), rtol=0, atol=1e-10)
    else:
        ref = ensemble.GradientBoostingClassifier(**params).fit(X, y)
        ours = gb.GradientBoostingClassifier(**params).fit(X, y)
        np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.predict_proba(X_new), ref.predict_proba(X_new), rtol=0, atol=1e-12)
        assert np.array_equal(ours.predict(X_new), ref.predict(X_new))
    # Not only the predictions: the very same trees, node by node.
    for mine, theirs in zip(ours.estimators_, ref.estimators_[:, 0]):
        t = theirs.tree_
        assert np.array_equal(mine.feature, t.feature)
        assert np.array_equal(mine.threshold, t.threshold)
        assert np.array_equal(mine.children_left, t.children_left)
        assert np.array_equal(mine.n_node_samples, t.n_node_samples)
        np.testing.assert_allclose(mine.value, t.value[:, 0, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.train_score_, ref.train_score_, rtol=1e-10, atol=1e-12)
    if params.get("subsample", 1.0) < 1:
        np.testing.assert_allclose(ours.oob_scores_, ref.oob_scores_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.oob_improvement_, ref.oob_improvement_, rtol=1e-9, atol=1e-12)
    staged_ours = list(ours.staged_decision_function(X_new))
    staged_ref = list(ref.staged_predict(X_new) if kind == "reg" else ref.staged_decision_function(X_new))
    np.testing.assert_allclose(staged_ours[4], np.ravel(staged_ref[4]), rtol=0, atol=1e-10)


@pytest.mark.parametrize("max_depth,min_samples_leaf,min_samples_split", [(3, 1, 2), (6, 3, 2), (None, 1, 2),
                                                                           (None, 2, 9)])
def test_tree_matches_sklearn_decision_tree(max_depth, min_samples_leaf, min_samples_split):
    tree_mod = _sklearn("sklearn.tree")
    rng = np.random.default_rng(max_depth or 0)
    X = rng.normal(size=(200, 3))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=200)
    kw = dict(max_depth=max_depth, min_samples_leaf=min_samples_leaf, min_samples_split=min_samples_split,
              random_state=7)
    ref = tree_mod.DecisionTreeRegressor(**kw).fit(X, y)
    ours = trees.RegressionTree(**kw).fit(X, y)
    for name in ("feature", "threshold", "children_left", "children_right", "n_node_samples"):
        assert np.array_equal(getattr(ours, name), getattr(ref.tree_, name)), name
    np.testing.assert_allclose(ours.impurity, ref.tree_.impurity, rtol=1e-9, atol=1e-15)
    X_new = rng.normal(size=(100, 3))
    np.testing.assert_allclose(ours.predict(X_new), ref.predict(X_new), rtol=0, atol=1e-12)
    assert np.array_equal(ours.apply(X_new), ref.apply(X_new))


def test_repeated_feature_values_still_match_on_training_points():
    """Repeated values: scikit-learn sorts equal values its own way, yet (continuous targets) the fits agree here."""
    tree_mod = _sklearn("sklearn.tree")
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X = np.round(rng.normal(size=(150, 3)), 1)
        y = np.sin(X[:, 0]) + X[:, 1] + 0.2 * rng.normal(size=150)
        ref = tree_mod.DecisionTreeRegressor(max_depth=None, random_state=seed).fit(X, y)
        ours = trees.RegressionTree(max_depth=None, random_state=seed).fit(X, y)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-10)


# -- boosting is gradient descent -----------------------------------------------------------------

@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3, 1.0])
def test_single_leaf_trees_shrink_the_mean_residual_by_one_minus_lr(lr):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(60, 1))
    y = 3.0 + np.sin(6 * x[:, 0]) + 0.1 * rng.normal(size=60)
    # min_samples_leaf > n/2: no split is allowed, every tree is one leaf predicting the mean residual.
    model = gb.GradientBoostingRegressor(learning_rate=lr, n_estimators=30, min_samples_leaf=31, init="zero")
    model.fit(x, y)
    assert all(t.n_leaves == 1 for t in model.estimators_)
    means = np.array([np.mean(y - F) for F in model.staged_predict(x)])
    means = np.concatenate([[np.mean(y)], means])
    ratios = means[1:] / means[:-1]
    if lr < 1:
        np.testing.assert_allclose(ratios, 1 - lr, rtol=1e-9)
    else:
        assert np.max(np.abs(means[1:])) < 1e-12 * abs(means[0])


def test_any_squared_error_tree_shrinks_the_mean_residual_by_one_minus_lr():
    """Leaf means preserve the total of the residuals, so deep trees shrink the mean by (1 - lr) too."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = 2.0 + X[:, 0] ** 2 + rng.normal(size=80)
    model = gb.GradientBoostingRegressor(learning_rate=0.2, n_estimators=15, max_depth=3, init="zero").fit(X, y)
    means = np.concatenate([[np.mean(y)], [np.mean(y - F) for F in model.staged_predict(X)]])
    np.testing.assert_allclose(means[1:] / means[:-1], 0.8, rtol=1e-8)


LOSS_OBJECTS = [gb.SquaredError(), gb.AbsoluteError(), gb.Huber(delta=0.7), gb.LogLoss()]


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=lambda l: l.name)
def test_pseudo_residuals_are_negative_gradients(loss):
    rng = np.random.default_rng(2)
    F = rng.normal(size=400) * 2
    y = rng.integers(0, 2, size=400).astype(float) if loss.name == "log_loss" else rng.normal(size=400) * 2
    if loss.name in ("absolute_error", "huber"):  # stay away from the kinks
        kinks = [0.0] if loss.name == "absolute_error" else [-loss.delta, loss.delta]
        keep = np.all([np.abs(np.abs(y - F) - abs(k)) > 1e-3 for k in kinks], axis=0)
        y, F = y[keep], F[keep]
    h = 1e-6
    numeric = -(loss.value(y, F + h) - loss.value(y, F - h)) / (2 * h)
    np.testing.assert_allclose(loss.negative_gradient(y, F), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("loss", [lo for lo in LOSS_OBJECTS if lo.name != "huber"], ids=lambda l: l.name)
def test_initial_prediction_is_the_best_constant(loss):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=101).astype(float) if loss.name == "log_loss" else rng.standard_t(2, size=101)
    c0 = loss.init(y)
    grid = c0 + np.linspace(-0.5, 0.5, 201)
    totals = [np.sum(loss.value(y, np.full_like(y, c))) for c in grid]
    assert np.sum(loss.value(y, np.full_like(y, c0))) <= min(totals) + 1e-9


def test_huber_starts_from_the_median_as_sklearn_does():
    y = np.random.default_rng(3).standard_t(2, size=101)
    assert gb.Huber().init(y) == np.median(y)


def test_leaf_values_are_the_best_steps():
    rng = np.random.default_rng(4)
    y, F = rng.standard_t(2, size=31), rng.normal(size=31)
    l1 = gb.AbsoluteError()
    step = l1.leaf_value(y, F, l1.negative_gradient(y, F))
    assert step == np.median(y - F)  # odd count: the plain median
    grid = step + np.linspace(-0.3, 0.3, 121)
    assert np.sum(np.abs(y - F - step)) <= min(np.sum(np.abs(y - F - g)) for g in grid) + 1e-12
    # Even count: scikit-learn takes the lower middle value.
    assert l1.leaf_value(np.arange(4.0), np.zeros(4), None) == 1.0
    # Log-loss: one Newton step, sum(y - p) / sum(p (1 - p)).
    ll = gb.LogLoss()
    yb = rng.integers(0, 2, size=40).astype(float)
    Fb = rng.normal(size=40)
    p = 1 / (1 + np.exp(-Fb))
    assert ll.leaf_value(yb, Fb, ll.negative_gradient(yb, Fb)) == pytest.approx(np.sum(yb - p) / np.sum(p * (1 - p)))
    assert ll.leaf_value(np.ones(3), np.full(3, 800.0), np.zeros(3)) == 0.0  # no curvature: no step


def test_huber_delta_is_the_alpha_quantile_of_absolute_residuals():
    rng = np.random.default_rng(5)
    y, F = rng.normal(size=100), np.zeros(100)
    loss = gb.Huber(alpha=0.8)
    delta = loss.set_delta(y, F)
    assert np.sum(np.abs(y) <= delta) == 80
    r = loss.negative_gradient(y, F)
    assert np.max(np.abs(r)) == pytest.approx(delta)
    assert np.sum(np.abs(r) == delta) == 21  # the clipped ones (the 80th value sits on the threshold)


def test_training_loss_decreases_for_every_loss():
    rng = np.random.default_rng(6)
    X = rng.uniform(-2, 2, size=(150, 2))
    y = np.sin(X[:, 0] * 2) + X[:, 1] + 0.2 * rng.normal(size=150)
    for loss in ("squared_error", "absolute_error", "huber"):
        s = gb.GradientBoostingRegressor(loss=loss, n_estimators=60).fit(X, y).train_score_
        assert s[-1] < 0.5 * s[0] and np.all(np.diff(s) <= 1e-12 + 0.02 * s[:-1])
    clf = gb.GradientBoostingClassifier(n_estimators=60).fit(X, y > 0)
    assert clf.train_score_[-1] < 0.5 * clf.train_score_[0]


def test_staged_loss_matches_train_score_on_training_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(90, 2))
    y = X[:, 0] - X[:, 1] ** 2 + 0.3 * rng.normal(size=90)
    for loss in ("squared_error", "absolute_error"):
        m = gb.GradientBoostingRegressor(loss=loss, n_estimators=25).fit(X, y)
        np.testing.assert_allclose(m.staged_loss(X, y), m.train_score_, rtol=1e-12)
    clf = gb.GradientBoostingClassifier(n_estimators=25).fit(X, y > 0)
    np.testing.assert_allclose(clf.staged_loss(X, y > 0), clf.train_score_, rtol=1e-12)


def test_robust_losses_resist_outliers():
    rng = np.random.default_rng(8)
    x = np.sort(rng.uniform(0, 6, 200))[:, None]
    clean = np.sin(x[:, 0])
    y = clean + 0.2 * rng.normal(size=200)
    y[rng.choice(200, 20, replace=False)] += 8.0
    err = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        m = gb.GradientBoostingRegressor(loss=loss, n_estimators=100, max_depth=2).fit(x, y)
        err[loss] = np.mean(np.abs(m.predict(x) - clean))
    assert err["absolute_error"] < 0.5 * err["squared_error"]
    assert err["huber"] < 0.5 * err["squared_error"]


# -- stochastic gradient boosting -----------------------------------------------------------------

def test_subsample_trees_see_exactly_the_subsample():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(101, 2))
    y = X[:, 0] + rng.normal(size=101)
    m = gb.GradientBoostingRegressor(subsample=0.5, n_estimators=30, random_state=0).fit(X, y)
    assert all(t.n_node_samples[0] == 50 for t in m.estimators_)
    assert m.oob_scores_.shape == (30,) and np.all(np.isfinite(m.oob_improvement_))
    same = gb.GradientBoostingRegressor(subsample=0.5, n_estimators=30, random_state=0).fit(X, y)
    other = gb.GradientBoostingRegressor(subsample=0.5, n_estimators=30, random_state=1).fit(X, y)
    assert np.array_equal(same.predict(X), m.predict(X))
    assert not np.array_equal(other.predict(X), m.predict(X))


def test_sample_mask_statistics():
    rng = np.random.RandomState(0)
    masks = np.array([ensemble._sample_mask(40, 13, rng) for _ in range(3000)])
    assert np.all(masks.sum(axis=1) == 13)
    # Every sample is equally likely to be drawn: 13/40 of the time.
    np.testing.assert_allclose(masks.mean(axis=0), 13 / 40, atol=0.04)


def test_sample_mask_draws_like_sklearn():
    gbmod = _sklearn("sklearn.ensemble._gradient_boosting")
    for n, k, seed in [(10, 3, 0), (57, 40, 1), (200, 1, 2)]:
        ours = ensemble._sample_mask(n, k, np.random.RandomState(seed))
        ref = gbmod._random_sample_mask(n, k, np.random.RandomState(seed))
        assert np.array_equal(ours, ref.astype(bool))


# -- regression trees ------------------------------------------------------------------------------

def test_tree_threshold_is_a_float64_midpoint_of_float32_values():
    x = np.array([0.1, 0.2, 0.3, 0.7])
    t = trees.RegressionTree(max_depth=1).fit(x, np.array([0.0, 0.0, 0.0, 1.0]))
    x32 = x.astype(np.float32).astype(np.float64)
    assert t.threshold[0] == x32[2] / 2 + x32[3] / 2
    assert t.predict(np.array([0.3, 0.70001])).tolist() == [0.0, 1.0]


def test_tree_never_splits_values_closer_than_1e_7():
    x = np.array([1.0, 1.0 + 5e-8, 3.0, 3.0 + 5e-8])
    t = trees.RegressionTree(max_depth=None).fit(x, np.array([0.0, 10.0, 1.0, 11.0]))
    assert t.n_leaves == 2


def test_tree_stops_at_pure_nodes_and_constant_features():
    t = trees.RegressionTree(max_depth=5).fit(np.arange(10.0), np.full(10, 2.5))
    assert t.n_leaves == 1 and t.value[0] == 2.5
    t = trees.RegressionTree(max_depth=5).fit(np.ones((10, 2)), np.arange(10.0))
    assert t.n_leaves == 1 and t.value[0] == 4.5


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 60), msl=st.integers(1, 8), depth=st.one_of(st.none(), st.integers(1, 6)),
       seed=st.integers(0, 10_000))
def test_tree_invariants(n, msl, depth, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = rng.normal(size=n)
    t = trees.RegressionTree(max_depth=depth, min_samples_leaf=msl, random_state=seed).fit(X, y)
    leaf = t.apply(X)
    assert set(np.unique(leaf)) <= set(t.leaves.tolist())
    counts = np.bincount(leaf, minlength=t.node_count)[t.leaves]
    assert np.all(counts >= min(msl, n)) and np.array_equal(counts, t.n_node_samples[t.leaves])
    for lf in t.leaves:  # a leaf predicts the mean of its training targets
        assert t.value[lf] == pytest.approx(np.mean(y[leaf == lf]), rel=1e-12, abs=1e-12)
    depth_of = np.zeros(t.node_count, dtype=int)
    for node in range(t.node_count):
        for child in (t.children_left[node], t.children_right[node]):
            if child != trees.LEAF:
                assert child > node
                depth_of[child] = depth_of[node] + 1
    if depth is not None:
        assert depth_of.max() <= depth
    # Splitting never increases the summed squared error.
    assert np.sum((y - t.predict(X)) ** 2) <= np.sum((y - y.mean()) ** 2) + 1e-9


def _partition_loop(order, go_left):
    samples, left = list(order), list(go_left)
    lo, hi = 0, len(samples)
    while lo < hi:
        if left[lo]:
            lo += 1
        else:
            hi -= 1
            samples[lo], samples[hi] = samples[hi], samples[lo]
            left[lo], left[hi] = left[hi], left[lo]
    return samples


@settings(max_examples=300, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40), st.integers(0, 1000))
def test_vectorised_partition_equals_the_two_pointer_loop(go_left, seed):
    order = np.random.default_rng(seed).permutation(len(go_left))
    mask = np.array(go_left)
    assert trees._partition(order, mask).tolist() == _partition_loop(order.tolist(), go_left)


def _left_sums_loop(ys, positions, total):
    out, s, pos, m = [], 0.0, 0, len(ys)
    for p in positions:
        if p - pos <= m - p:
            for v in ys[pos:p]:
                s += v
        else:
            s = total
            for v in ys[p:][::-1]:
                s -= v
        out.append(s)
        pos = p
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 60), st.integers(0, 10_000))
def test_left_sums_follow_the_criterion_exactly(m, seed):
    rng = np.random.default_rng(seed)
    ys = rng.normal(size=m) * 10 ** rng.uniform(-3, 3, size=m)
    positions = np.flatnonzero(rng.random(m - 1) < rng.uniform(0.05, 1)) + 1
    if positions.size == 0:
        positions = np.array([m - 1])
    total = 0.0
    for v in ys.tolist():
        total += v
    got = trees._left_sums(ys, positions, total)
    assert got.tolist() == _left_sums_loop(ys.tolist(), positions.tolist(), total)  # bit for bit


def test_xorshift_matches_sklearn_rand_r():
    """The splitter's generator: first values for seed 1 from the xorshift recurrence written out."""
    r = trees._XorShift(1)
    s, expected = 1, []
    for _ in range(5):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        expected.append(s % 2**31 % 7)
    assert [r.randint(0, 7) for _ in range(5)] == expected
    assert trees._XorShift(0).randint(0, 2**31 - 1) == trees._XorShift(1).randint(0, 2**31 - 1)


def test_set_leaf_values():
    t = trees.RegressionTree(max_depth=1).fit(np.arange(6.0), np.array([0, 0, 0, 1, 1, 1.0]))
    t.set_leaf_values(t.leaves, [5.0, -5.0])
    assert t.predict(np.array([0.0, 5.0])).tolist() == [5.0, -5.0]
    with pytest.raises(ValueError, match="leaves must be ids of leaf nodes"):
        t.set_leaf_values([0], [1.0])  # the root is not a leaf
    with pytest.raises(ValueError, match="leaves"):
        t.set_leaf_values([17], [1.0])


def test_unfitted_and_mismatched_inputs():
    with pytest.raises(RuntimeError, match="not fitted"):
        trees.RegressionTree().predict(np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="not fitted"):
        gb.GradientBoostingRegressor().predict(np.zeros((2, 1)))
    t = trees.RegressionTree().fit(np.zeros((4, 2)), np.arange(4.0))
    with pytest.raises(ValueError, match="3 features"):
        t.apply(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="y must have shape"):
        trees.RegressionTree().fit(np.zeros((4, 2)), np.arange(5.0))
    with pytest.raises(ValueError, match="NaN"):
        trees.RegressionTree().fit(np.array([[np.nan], [1.0]]), np.arange(2.0))
    m = gb.GradientBoostingRegressor(n_estimators=2).fit(np.zeros((4, 2)), np.arange(4.0))
    with pytest.raises(ValueError, match="3 features"):
        m.predict(np.zeros((2, 3)))


# -- the classifier ---------------------------------------------------------------------------------

def test_classifier_labels_and_probabilities():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(120, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = gb.GradientBoostingClassifier(n_estimators=30).fit(X, labels)
    assert clf.classes_.tolist() == ["no", "yes"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(X), np.where(proba[:, 1] >= 0.5, "yes", "no"))
    assert clf.init_ == pytest.approx(np.log(np.mean(labels == "yes") / np.mean(labels == "no")))
    staged = list(clf.staged_predict_proba(X))
    assert len(staged) == 30 and np.allclose(staged[-1], proba)
    assert np.array_equal(list(clf.staged_predict(X))[-1], clf.predict(X))
    with pytest.raises(ValueError, match="exactly two classes"):
        gb.GradientBoostingClassifier().fit(X[:3], np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="not in classes_"):
        clf.staged_loss(X[:2], np.array(["yes", "maybe"]))


# -- argument validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,match", [
    (dict(loss="l2"), "loss must be one of"),
    (dict(loss="log_loss"), "loss must be one of"),
    (dict(learning_rate=0.0), "learning_rate must be > 0; got 0.0"),
    (dict(learning_rate=-1), "learning_rate must be > 0; got -1"),
    (dict(learning_rate=float("nan")), "learning_rate must be a finite number"),
    (dict(n_estimators=0), "n_estimators must be an integer >= 1"),
    (dict(max_depth=0), "max_depth must be an integer >= 1"),
    (dict(min_samples_split=1), "min_samples_split must be an integer >= 2"),
    (dict(min_samples_leaf=0), "min_samples_leaf must be an integer >= 1"),
    (dict(subsample=0.0), "subsample must be in"),
    (dict(subsample=1.5), "subsample must be in"),
    (dict(alpha=1.0), "alpha must be in"),
    (dict(init="mean"), "init must be None"),
    (dict(random_state=-3), "random_state must be an integer"),
])
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        gb.GradientBoostingRegressor(**kwargs)
    assert repr(next(iter(kwargs.values())))[:3] in str(info.value) or "nan" in str(info.value)


@pytest.mark.parametrize("kwargs,match", [
    (dict(learning_rate="0.1"), "learning_rate must be a real number"),
    (dict(n_estimators=10.0), "n_estimators must be an integer"),
    (dict(max_depth=2.5), "max_depth must be an integer"),
    (dict(min_samples_leaf=True), "min_samples_leaf must be an integer"),
    (dict(random_state="seed"), "random_state must be None"),
])
def test_bad_argument_types_raise_type_error(kwargs, match):
    with pytest.raises(TypeError, match=match):
        gb.GradientBoostingRegressor(**kwargs)


def test_classifier_rejects_regression_losses_and_get_loss_names_them():
    with pytest.raises(ValueError, match="log_loss"):
        gb.GradientBoostingClassifier(loss="squared_error")
    with pytest.raises(ValueError, match="'squared_error', 'absolute_error', 'huber', 'log_loss'"):
        gb.get_loss("hinge")


def test_flat_namespace_and_repr():
    assert sc.boosting.GradientBoostingRegressor is gb.GradientBoostingRegressor
    assert sc.boosting.RegressionTree is trees.RegressionTree
    assert "learning_rate=0.1" in repr(gb.GradientBoostingRegressor())
    assert "n_leaves=2" in repr(trees.RegressionTree(max_depth=1).fit(np.arange(4.0), np.arange(4.0)))
