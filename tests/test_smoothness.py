"""The descent lemma and the rates it gives, measured on non-quadratic problems."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse import smoothness as S


@pytest.fixture(scope="module")
def logistic():
    d = sc.data.make_blobs(n=200, std=1.5, seed=0)
    return S.logistic_problem(d.X, d.y), d


@given(st.floats(-10, 10), st.floats(0.001, 0.999))
def test_descent_lemma_holds_on_the_pl_function(x, frac):
    p = S.pl_function()
    lr = frac * 2 / p.L
    xv = np.array([x])
    g = p.grad(xv)
    after = float(p.f(xv - lr * g))
    assert after <= S.descent_lemma_bound(float(p.f(xv)), float(g @ g), lr, p.L) + 1e-12


def test_descent_lemma_holds_on_logistic_regression(logistic):
    p, _ = logistic
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.normal(scale=3, size=p.dim)
        lr = rng.uniform(0, 2 / p.L)
        g = p.grad(x)
        assert p.f(x - lr * g) <= S.descent_lemma_bound(p.f(x), g @ g, lr, p.L) + 1e-12


def test_best_guaranteed_step_maximizes_the_guaranteed_decrease():
    for L in (0.5, 8.0, 300.0):
        lr, dec = S.best_guaranteed_step(L)
        grid = np.linspace(0, 2 / L, 10001)
        vals = S.guaranteed_decrease(grid, L)
        assert lr == pytest.approx(grid[np.argmax(vals)], rel=1e-3)
        assert dec == pytest.approx(vals.max(), rel=1e-9)
        assert S.guaranteed_decrease(2 / L, L) == pytest.approx(0.0, abs=1e-15)
        assert S.guaranteed_decrease(2.1 / L, L) < 0


def test_logistic_problem_equals_the_model_and_its_hessian_is_bounded_by_L(logistic):
    p, d = logistic
    model = sc.models.LogisticRegression()
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.normal(size=p.dim)
        params = {"w": x[:-1], "b": np.array(x[-1])}
        loss, grads = model.loss_and_grad(params, d.X, d.y)
        assert p.f(x) == pytest.approx(loss, rel=1e-12)
        assert np.allclose(p.grad(x), np.append(grads["w"], grads["b"]), rtol=1e-10, atol=1e-14)
        H = p.hessian(x)
        assert np.allclose(H, sc.curvature.hessian_matrix(p.grad, x), rtol=1e-5, atol=1e-8)
        assert np.linalg.eigvalsh(H).max() <= p.L * (1 + 1e-12)
        assert np.linalg.eigvalsh(H).min() >= -1e-12              # convex
    assert np.linalg.norm(p.grad(p.minima[0])) < 1e-10
    assert p.f(np.zeros((4, 5, p.dim))).shape == (4, 5)


def test_logistic_problem_rejects_separable_data():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    with pytest.raises(ValueError, match="separable"):
        S.logistic_problem(X, np.array([0, 0, 1, 1]))
    p = S.logistic_problem(X, np.array([0, 0, 1, 1]), require_minimum=False)
    assert p.minima.shape == (0, 2) and np.isnan(p.f_min)
    tr = sc.minimize(p, sc.optim.SGD(lr=1 / p.L), steps=200)
    assert np.all(np.diff(tr.gaps) < 0) and tr.gaps[-1] > 0          # falls toward the infimum 0


def test_gradient_descent_on_logistic_regression_stays_below_the_convex_bound(logistic):
    p, _ = logistic
    lr = 1 / p.L
    tr = sc.minimize(p, sc.optim.SGD(lr=lr), steps=2000)
    k = np.arange(1, tr.steps + 1)
    bound = S.convex_bound(k, float(np.sum((p.x0 - p.minima[0]) ** 2)), lr)
    assert np.all(tr.gaps[1:] <= bound)
    assert np.all(np.diff(tr.losses) <= 1e-15)                   # and it never goes up
    assert S.convex_bound(0, 1.0, 0.1) == np.inf


def test_pl_function_is_not_convex_but_pl():
    p = S.pl_function()
    x = np.linspace(-20, 20, 200001)[:, None]
    assert p.hessian(x).min() == pytest.approx(-4.0, abs=1e-6)          # not convex
    assert p.hessian(x).max() == pytest.approx(p.L, abs=1e-6)
    mu = S.pl_constant(p, x)
    assert 1 / 32 < mu < 0.2                                         # Karimi et al.'s 1/32 is safe
    g = p.grad(x)[:, 0]
    assert np.all((g == 0) == (x[:, 0] == 0))                        # one stationary point
    assert S.smoothness_constant(p, x) == pytest.approx(8.0, abs=1e-6)


def test_gradient_descent_on_the_pl_function_stays_below_the_linear_bound():
    p = S.pl_function()
    mu = S.pl_constant(p, np.linspace(-20, 20, 200001)[:, None])
    for x0 in (7.0, -3.3, 1.2):
        tr = sc.minimize(p, sc.optim.SGD(lr=1 / p.L), x0=[x0], steps=150)
        bound = S.pl_bound(np.arange(tr.steps + 1), tr.gaps[0], mu, 1 / p.L)
        assert np.all(tr.gaps <= bound * (1 + 1e-9) + 1e-300)
    assert S.pl_rate(1 / p.L, p.L, mu) == pytest.approx(1 - mu / p.L)
    assert S.pl_rate(0.5 / p.L, p.L, mu) <= 1 - mu * 0.5 / p.L


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="L"):
        S.guaranteed_decrease(0.1, -1.0)
    with pytest.raises(ValueError, match="mu"):
        S.pl_bound(3, 1.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="lr"):
        S.convex_bound(3, 1.0, 0.0)
    with pytest.raises(ValueError, match="k"):
        S.pl_bound(-1, 1.0, 0.1, 1.0)
