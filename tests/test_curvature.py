"""Hessian-vector products by differences and power-iteration sharpness, against exact Hessians."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse import curvature as C


def _random_symmetric(rng, d, spd=True):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = 10 ** rng.uniform(-1, 2, size=d) if spd else rng.normal(scale=5, size=d)
    return (q * lam) @ q.T


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "himmelblau", "six_hump_camel"])
def test_hvp_matches_the_exact_hessian(name):
    p = getattr(sc.problems, name)()
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, size=2)
        v = rng.normal(size=2)
        exact = p.hessian(x) @ v
        assert np.allclose(C.hvp(p.grad, x, v), exact, rtol=1e-6, atol=1e-6 * np.abs(exact).max())
        assert np.allclose(C.hessian_matrix(p.grad, x), p.hessian(x), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_power_iteration_sharpness_equals_eigvalsh_on_small_matrices(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 8))
    A = _random_symmetric(rng, d, spd=seed % 2 == 0)
    top = np.linalg.eigvalsh(A).max()
    got = C.top_hessian_eigenvalue(lambda x: A @ x, rng.normal(size=d), iters=5000, tol=1e-8)
    assert got == pytest.approx(top, rel=1e-6, abs=1e-8)
    exact = C.top_hessian_eigenvalue(None, np.zeros(d), hvp_fn=lambda v: A @ v, iters=5000, tol=1e-10)
    assert exact == pytest.approx(top, rel=1e-6, abs=1e-8)


def test_power_iteration_finds_the_largest_not_the_largest_in_modulus():
    H = np.diag([3.0, -5.0, 1.0, -0.5])
    val, vec = C.top_hessian_eigenvalue(lambda x: H @ x, np.zeros(4), iters=2000, return_vector=True)
    assert val == pytest.approx(3.0, rel=1e-8)
    assert abs(vec[0]) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "beale"])
def test_sharpness_on_test_functions_equals_eigvalsh_of_the_exact_hessian(name):
    p = getattr(sc.problems, name)()
    rng = np.random.default_rng(3)
    for _ in range(4):
        x = rng.uniform(-1.5, 1.5, size=2)
        top = np.linalg.eigvalsh(p.hessian(x)).max()
        got = C.top_hessian_eigenvalue(p.grad, x, iters=3000, tol=1e-8)
        assert got == pytest.approx(top, rel=1e-5, abs=1e-6)
    assert np.allclose(C.sharpness_along(p, p.minima), np.linalg.eigvalsh(p.hessian(p.minima))[:, -1])


def test_mlp_sharpness_equals_eigvalsh_of_its_difference_hessian():
    d = sc.data.make_moons(n=30, noise=0.1, seed=0)
    mlp = sc.mlp.MLP([2, 3, 1], activation="tanh", loss="mse")
    params = mlp.init_params(seed=1)
    vec, grad, back = C.vector_gradient(mlp, params, d.X, d.y)

    loss = lambda v: mlp.loss(back(v), d.X, d.y)
    e = 1e-6
    numeric = np.array([(loss(vec + e * u) - loss(vec - e * u)) / (2 * e) for u in np.eye(vec.size)])
    assert np.allclose(grad(vec), numeric, rtol=1e-6, atol=1e-8)   # the key order is the parameters'
    H = C.hessian_matrix(grad, vec)
    # the difference Hessian is itself checked against differences of the loss (second order)
    e = 1e-4
    i, j = 0, 5
    ei, ej = np.eye(vec.size)[i], np.eye(vec.size)[j]
    second = (loss(vec + e * ei + e * ej) - loss(vec + e * ei - e * ej) - loss(vec - e * ei + e * ej)
              + loss(vec - e * ei - e * ej)) / (4 * e * e)
    assert H[i, j] == pytest.approx(second, rel=1e-4, abs=1e-7)
    top = np.linalg.eigvalsh(H).max()
    assert C.top_hessian_eigenvalue(grad, vec, iters=3000, tol=1e-8) == pytest.approx(top, rel=1e-6)


def test_flatten_roundtrip():
    params = {"W0": np.arange(6.0).reshape(2, 3), "b0": np.zeros(3), "s": np.array(2.0)}
    v, back = C.flatten(params)
    assert v.tolist() == [0, 1, 2, 3, 4, 5, 0, 0, 0, 2]
    out = back(v)
    assert list(out) == list(params) and all(np.array_equal(out[k], params[k]) for k in params)
    arr, back_arr = C.flatten(np.ones((2, 2)))
    assert arr.shape == (4,) and back_arr(arr).shape == (2, 2)
    with pytest.raises(ValueError, match="shape"):
        back(np.zeros(3))


def test_track_sharpness_on_a_quadratic_model_is_constant_and_exact():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = sc.models.LinearRegression()
    run = C.track_sharpness(model, model.init_params(3), X, y, lr=0.05, steps=30, every=10, iters=300)
    Xt = np.hstack([X, np.ones((40, 1))])
    top = np.linalg.eigvalsh(2 / 40 * Xt.T @ Xt).max()
    assert run.sharpness_steps.tolist() == [0, 10, 20, 30]
    assert np.allclose(run.sharpness, top, rtol=1e-5)
    assert run.edge == pytest.approx(40.0) and run.steps == 30 and len(run.losses) == 31
    direct = sc.fit(model, model.init_params(3), (X, y), sc.optim.SGD(lr=0.05), epochs=30)
    assert run.losses[-1] == pytest.approx(direct.train_loss[-1], rel=1e-10)


def test_track_sharpness_on_an_mlp_matches_a_fresh_measurement():
    d = sc.data.make_moons(n=40, noise=0.1, seed=0)
    mlp = sc.mlp.MLP([2, 4, 1], activation="tanh", loss="mse")
    run = C.track_sharpness(mlp, mlp.init_params(seed=0), d.X, d.y, lr=0.2, steps=20, every=20, iters=200)
    vec, grad, _ = C.vector_gradient(mlp, run.params, d.X, d.y)

    top = np.linalg.eigvalsh(C.hessian_matrix(grad, vec)).max()
    assert run.sharpness[-1] == pytest.approx(top, rel=1e-3)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="v must"):
        C.hvp(lambda x: x, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="iters"):
        C.top_hessian_eigenvalue(lambda x: x, np.zeros(2), iters=0)
    with pytest.raises(ValueError, match="lr"):
        C.track_sharpness(sc.models.LinearRegression(), {"w": np.zeros(1), "b": np.zeros(())},
                          np.zeros((2, 1)), np.zeros(2), lr=-1.0, steps=2)
