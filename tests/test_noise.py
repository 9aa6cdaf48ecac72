"""Gradient noise: the 1/B law (with and without replacement) and the noise floor of constant-rate SGD."""
from itertools import combinations

import numpy as np
import pytest

import stepcourse as sc
from stepcourse import noise


def _regression(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal(size=n)
    return X, y


def test_flatten_keeps_the_insertion_order_of_params():
    # The one key-order rule of the package (stepcourse._tree): a dict's order, as the optimizers use;
    # flatten used to sort the keys.
    assert noise.flatten({"w": np.array([[1.0, 2.0]]), "b": np.array(3.0)}).tolist() == [1.0, 2.0, 3.0]
    assert noise.flatten(np.ones((2, 2))).shape == (4,)


@pytest.mark.parametrize("model, target", [
    (sc.models.LinearRegression(l2=0.1), "real"),
    (sc.models.LogisticRegression(), "labels"),
])
def test_per_example_gradients_average_to_the_full_gradient(model, target):
    X, y = _regression()
    if target == "labels":
        y = (y > 0).astype(float)
    params = model.init_params(X.shape[1], seed=1)
    G = noise.per_example_gradients(model, params, X, y)
    assert G.shape == (len(y), X.shape[1] + 1)
    assert np.allclose(G.mean(axis=0), noise.flatten(model.loss_and_grad(params, X, y)[1]), atol=1e-12)


def test_minibatch_variance_formula_is_exact_by_enumerating_every_batch():
    # n = 7 rows: average over all C(7, B) batches of distinct rows, and over all 7^B ordered draws
    rng = np.random.default_rng(3)
    G = rng.normal(size=(7, 2)) * [1.0, 3.0]
    mean = G.mean(axis=0)
    sigma2 = noise.gradient_spread(G)
    for B in range(1, 8):
        errs = [np.sum((G[list(c)].mean(axis=0) - mean) ** 2) for c in combinations(range(7), B)]
        assert np.mean(errs) == pytest.approx(noise.minibatch_variance(sigma2, 7, B, replace=False), rel=1e-12,
                                              abs=1e-15)
    for B in (1, 2, 3):
        idx = np.stack(np.meshgrid(*[np.arange(7)] * B, indexing="ij"), -1).reshape(-1, B)
        errs = np.sum((G[idx].mean(axis=1) - mean) ** 2, axis=1)
        assert errs.mean() == pytest.approx(noise.minibatch_variance(sigma2, 7, B, replace=True), rel=1e-12)


@pytest.mark.parametrize("replace", [False, True])
def test_measured_variance_follows_one_over_b(replace):
    X, y = _regression(n=60)
    model = sc.models.LinearRegression()
    params = model.init_params(3, seed=0)
    res = noise.gradient_noise(model, params, X, y, [1, 4, 16, 40], draws=3000, replace=replace, seed=0)
    assert np.allclose(res.measured, res.predicted, rtol=0.15)
    assert np.all(np.diff(res.measured) < 0)


def test_full_batch_without_replacement_has_no_noise():
    X, y = _regression(n=20)
    model = sc.models.LinearRegression()
    params = model.init_params(3)
    assert noise.measure_minibatch_variance(model, params, X, y, 20, draws=5) < 1e-25
    assert noise.minibatch_variance(2.0, 20, 20) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: noise.minibatch_variance(-1.0, 10, 2), "sigma2"),
    (lambda: noise.minibatch_variance(1.0, 1, 1), "n must"),
    (lambda: noise.minibatch_variance(1.0, 10, 11), "batch_size"),
    (lambda: noise.minibatch_variance(1.0, 10, 1.5), "batch_size"),
    (lambda: noise.gradient_spread(np.ones(3)), "per_example"),
    (lambda: noise.noise_floor(np.eye(2), np.eye(2), lr=2.5), "lr"),
    (lambda: noise.noise_floor(np.eye(2), np.eye(3), lr=0.1), "same shape"),
    (lambda: noise.noise_floor(np.eye(2), np.eye(2), lr=0.1, batch_size=0), "batch_size"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_noise_floor_closed_forms():
    # one coordinate: lr * c / (2 (2 - lr h))
    assert noise.noise_floor([[3.0]], [[2.0]], lr=0.1) == pytest.approx(0.1 * 2.0 / (2 * (2 - 0.3)))
    H = np.diag([1.0, 5.0])
    C = np.array([[2.0, 0.3], [0.3, 1.0]])
    small = noise.noise_floor(H, C, lr=1e-5, batch_size=4)
    assert small == pytest.approx(1e-5 * np.trace(C) / 16, rel=1e-4)
    # without replacement the finite-population factor enters, and B = n leaves no floor
    assert noise.noise_floor(H, C, 0.01, 4, n=10, replace=False) == pytest.approx(
        noise.noise_floor(H, C, 0.01, 4) * 6 / 9)
    assert noise.noise_floor(H, C, 0.01, 10, n=10, replace=False) == 0.0
    # rotation invariance: the formula depends on C only through H's eigenbasis
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(2, 2)))[0]
    assert noise.noise_floor(q @ H @ q.T, q @ C @ q.T, 0.05) == pytest.approx(noise.noise_floor(H, C, 0.05))


def test_noise_floor_matches_a_long_sgd_run():
    X, y = _regression(n=200, d=2, seed=2)
    p = sc.problems.minibatch_least_squares(X, y, batch_size=2, sampling="replacement", seed=0)
    C = np.cov(p.per_example_grad(p.minima[0]).T, bias=True)
    lr = 0.02
    tr = sc.minimize(p, sc.optim.SGD(lr=lr), steps=30000)
    predicted = noise.noise_floor(p.H, C, lr, batch_size=2)
    assert tr.gaps[2000:].mean() == pytest.approx(predicted, rel=0.15)
