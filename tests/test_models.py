"""Linear and logistic regression: gradients agree with finite differences, losses are stable, shapes are checked."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse.gradcheck import THRESHOLD, check_grad, numerical_grad
from stepcourse.models import (LinearRegression, LogisticRegression, bce_with_logits, least_squares,
                               least_squares_problem, mse_loss, sigmoid)


def _data(seed, n=25, d=3, classify=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d)
    if classify:
        y = (rng.uniform(size=n) < 0.5).astype(float)
    else:
        y = X @ rng.normal(size=d) + rng.normal(size=n)
    params = {"w": rng.normal(size=d), "b": np.asarray(rng.normal())}
    return X, y, params


@pytest.mark.parametrize("Model, classify", [(LinearRegression, False), (LogisticRegression, True)])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_model_gradients_agree_with_central_differences(Model, classify, l2):
    model = Model(l2=l2)
    for seed in range(4):
        X, y, params = _data(seed, classify=classify)
        errs = check_grad(lambda p: model.loss_and_grad(p, X, y), params)
        assert max(errs.values()) < THRESHOLD, errs


@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(1, 40))
@settings(max_examples=30, deadline=None)
def test_logistic_gradient_property(seed, d, n):
    X, y, params = _data(seed, n=n, d=d, classify=True)
    errs = check_grad(lambda p: LogisticRegression().loss_and_grad(p, X, y), params)
    assert max(errs.values()) < THRESHOLD


def test_loss_functions_gradients_agree_with_central_differences():
    rng = np.random.default_rng(5)
    pred, y = rng.normal(size=7), rng.normal(size=7)
    _, d = mse_loss(pred, y)
    np.testing.assert_allclose(d, numerical_grad(lambda p: mse_loss(p, y)[0], pred), rtol=1e-7)
    z, labels = 3 * rng.normal(size=9), (rng.uniform(size=9) < 0.5).astype(float)
    _, d = bce_with_logits(z, labels)
    np.testing.assert_allclose(d, numerical_grad(lambda p: bce_with_logits(p, labels)[0], z), rtol=1e-7, atol=1e-12)


def test_loss_returns_the_same_value_as_loss_and_grad():
    for Model, classify in [(LinearRegression, False), (LogisticRegression, True)]:
        X, y, params = _data(7, classify=classify)
        model = Model(l2=0.1)
        assert model.loss(params, X, y) == pytest.approx(model.loss_and_grad(params, X, y)[0], rel=1e-14)


def test_cross_entropy_is_stable_for_extreme_logits():
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, d = bce_with_logits(z, y)
        p = sigmoid(z)
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    # Confident mistakes cost about |z|; the gradient saturates at +-1/n.
    assert loss == pytest.approx((800 + 0 + np.log(2) + 0 + 800) / 5, rel=1e-6)
    assert np.allclose(d, (p - y) / 5)
    # Where the naive formula is safe the two agree.
    zs = np.linspace(-5, 5, 11)
    ys = (zs > 0.3).astype(float)
    naive = -np.mean(ys * np.log(sigmoid(zs)) + (1 - ys) * np.log(1 - sigmoid(zs)))
    assert bce_with_logits(zs, ys)[0] == pytest.approx(naive, rel=1e-12)


def test_sigmoid_symmetry_and_range():
    z = np.linspace(-50, 50, 101)
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)
    assert sigmoid(0.0) == 0.5 and np.all((sigmoid(z) >= 0) & (sigmoid(z) <= 1))


def test_least_squares_zeroes_the_gradient_and_matches_lstsq():
    X, y, _ = _data(8, n=40, d=4)
    p = least_squares(X, y)
    _, g = LinearRegression().loss_and_grad(p, X, y)
    assert np.linalg.norm(g["w"]) < 1e-10 and abs(float(g["b"])) < 1e-10
    coef = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
    np.testing.assert_allclose(p["w"], coef[:-1], rtol=1e-10)
    assert float(p["b"]) == pytest.approx(coef[-1], rel=1e-10)


def test_ridge_solution_zeroes_the_penalized_gradient():
    X, y, _ = _data(9, n=30, d=3)
    model = LinearRegression(l2=0.5)
    p = model.solve(X, y)
    _, g = model.loss_and_grad(p, X, y)
    assert np.linalg.norm(g["w"]) < 1e-10 and abs(float(g["b"])) < 1e-10
    assert np.linalg.norm(p["w"]) < np.linalg.norm(least_squares(X, y)["w"])  # shrunk


def test_least_squares_problem_is_the_excess_loss_in_w():
    X, y, _ = _data(10, n=50, d=2)
    prob = least_squares_problem(X, y)
    model = LinearRegression()
    best = least_squares(X, y)
    f_star = model.loss(best, X, y)
    rng = np.random.default_rng(0)
    for w in rng.normal(size=(4, 2)) * 3:
        b = y.mean() - X.mean(axis=0) @ w  # the best bias for these weights
        assert float(prob.f(w)) == pytest.approx(model.loss({"w": w, "b": b}, X, y) - f_star, rel=1e-9)
        assert check_grad((lambda z: float(prob.f(z)), prob.grad), w) < THRESHOLD
    np.testing.assert_allclose(prob.minima[0], best["w"], rtol=1e-10)
    assert prob.f_min == pytest.approx(0.0, abs=1e-12)
    H = prob.hessian(np.zeros(2))
    eig = np.linalg.eigvalsh(H)
    assert prob.L == pytest.approx(eig.max()) and prob.mu == pytest.approx(eig.min())
    assert prob.f(np.zeros((3, 5, 2))).shape == (3, 5)


def test_predictions_and_scores():
    X, y, params = _data(11, classify=True)
    model = LogisticRegression()
    p = model.predict_proba(params, X)
    labels = model.predict(params, X)
    assert p.shape == labels.shape == (len(X),)
    assert np.array_equal(labels, (p >= 0.5).astype(int))
    assert model.score(params, X, y) == pytest.approx(np.mean(labels == y))
    Xr, yr, _ = _data(12)
    lin = LinearRegression()
    best = least_squares(Xr, yr)
    assert 0 < lin.score(best, Xr, yr) <= 1
    assert lin.score({"w": np.zeros(3), "b": np.asarray(yr.mean())}, Xr, yr) == pytest.approx(0.0, abs=1e-12)


def test_init_params_are_seeded_and_shaped():
    model = LinearRegression()
    a, b = model.init_params(4, seed=3), model.init_params(4, seed=3)
    c = model.init_params(4, seed=4)
    assert a["w"].shape == (4,) and a["b"].shape == () and a["w"].dtype == np.float64
    assert np.array_equal(a["w"], b["w"]) and not np.array_equal(a["w"], c["w"])
    with pytest.raises(ValueError, match="n_features"):
        model.init_params(0)


@pytest.mark.parametrize("X, y, params, match", [
    (np.ones(5), np.ones(5), {"w": np.ones(1), "b": 0.0}, "X must be 2-D"),
    (np.ones((5, 2)), np.ones((5, 1)), {"w": np.ones(2), "b": 0.0}, "y must be 1-D"),
    (np.ones((5, 2)), np.ones(4), {"w": np.ones(2), "b": 0.0}, "same number of samples"),
    (np.ones((5, 2)), np.ones(5), {"w": np.ones(3), "b": 0.0}, r"params\['w'\] has shape"),
    (np.ones((5, 2)), np.ones(5), {"w": np.ones(2), "b": np.ones(2)}, "one number"),
])
def test_shape_errors_name_the_argument(X, y, params, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression().loss_and_grad(params, X, y)


def test_other_input_errors():
    with pytest.raises(TypeError, match="keys 'w'"):
        LinearRegression().loss_and_grad({"weights": np.ones(2)}, np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        LogisticRegression().loss_and_grad({"w": np.ones(2), "b": 0.0}, np.ones((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="l2 must be >= 0; got -1.0"):
        LinearRegression(l2=-1.0)
    with pytest.raises(TypeError, match="l2 must be"):
        LogisticRegression(l2="strong")


def test_the_mlp_is_re_exported():
    from stepcourse.models import MLP

    assert MLP is sc.mlp.MLP


def test_confident_prediction_keeps_an_accurate_loss():
    # z = 17.7 with y = 1: the loss is 2e-8; written as log(1 + e^z) - y z it would lose half its digits
    X, y, params = _data(4973, n=1, d=5, classify=True)
    errs = check_grad(lambda p: LogisticRegression().loss_and_grad(p, X, y), params)
    assert max(errs.values()) < THRESHOLD, errs
    loss, _ = bce_with_logits(np.array([17.67, -17.67]), np.array([1.0, 0.0]))
    assert loss == pytest.approx(np.log1p(np.exp(-17.67)), rel=1e-12)


def _every_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    reg = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=40)
    labels = (X[:, 0] + X[:, 1] > 0).astype(float)
    return [
        ("linear", LinearRegression(), X, reg),
        ("logistic", LogisticRegression(l2=0.01), X, labels),
        ("mlp mse", sc.mlp.MLP([3, 5, 1], activation="tanh"), X, reg),
        ("mlp cross-entropy", sc.mlp.MLP([3, 4, 2], activation="relu", init="he", loss="cross_entropy"),
         X, labels),
        ("mlp residual", sc.mlp.MLP([3, 3, 3, 1], activation="tanh", residual=True), X, reg),
    ]


@pytest.mark.parametrize("name, model, X, y", _every_model(), ids=[m[0] for m in _every_model()])
def test_every_model_runs_through_fit_range_test_and_per_example_gradients(name, model, X, y):
    # One protocol for every model: init_params(n_features, seed) and loss_and_grad(params, X, y).
    # The MLP used to take init_params(seed) alone, and lr_range_test crashed on it.
    params = model.init_params(X.shape[1], seed=1)
    hist = sc.fit(model, params, (X, y), sc.optim.Adam(lr=0.01), epochs=5, batch_size=10)
    assert hist.steps == 20 and hist.train_loss[-1] < hist.train_loss[0]
    rt = sc.lr_range_test(model, data=(X, y), lr_min=1e-4, lr_max=10.0, steps=30)
    assert 1e-4 <= rt.suggestion <= 10.0 * (1 + 1e-12) and rt.steps >= 3
    G = sc.noise.per_example_gradients(model, params, X, y)
    full = sc.noise.flatten(model.loss_and_grad(params, X, y)[1])
    assert G.shape == (len(y), full.size) and np.allclose(G.mean(axis=0), full, atol=1e-10)
