"""Momentum's 2x2 picture: iteration matrices, roots, damping regimes, Nesterov's tuning and the
Lessard-Recht-Packard function."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse import momentum_roots as R

eta_lambdas = st.floats(0.0, 4.0)
betas = st.floats(0.0, 0.99)


@given(eta_lambdas, betas)
def test_roots_are_the_eigenvalues_of_the_iteration_matrix(h, b):
    for method, matrix in (("heavy_ball", R.heavy_ball_matrix), ("nesterov", R.nesterov_matrix)):
        ours = R.roots(h, b, method)
        numpy = np.linalg.eigvals(matrix(h, b)).astype(complex)
        for z in ours:                     # near a double root numpy's eigenvalues split by ~1e-8
            assert np.min(np.abs(numpy - z)) < 1e-6
        assert abs(ours[0]) >= abs(ours[1]) * (1 - 1e-12)
        assert np.allclose(np.prod(ours), np.linalg.det(matrix(h, b)), atol=1e-9)
        assert np.allclose(np.sum(ours), np.trace(matrix(h, b)), atol=1e-9)


@given(eta_lambdas, betas)
def test_radius_matches_the_momentum_module(h, b):
    if h == 0:
        return
    assert R.spectral_radius(h, b) == pytest.approx(sc.momentum.heavy_ball_rate(h, b, [1.0]), abs=1e-9)
    assert R.spectral_radius(h, b, "nesterov") == pytest.approx(sc.momentum.nesterov_rate(h, b, [1.0]),
                                                                 abs=1e-9)


def test_matrix_layout_and_broadcasting():
    M = R.heavy_ball_matrix(np.array([0.5, 1.0, 2.0]), 0.25)
    assert M.shape == (3, 2, 2)
    assert M[1].tolist() == [[0.25, -0.25], [1.0, 0.0]]
    assert R.root_moduli(np.linspace(0, 3, 7)[:, None], np.array([0.0, 0.5, 0.9])).shape == (7, 3, 2)


def test_complex_roots_have_modulus_sqrt_beta():
    for b in (0.1, 0.5, 0.9):
        low, high = R.critical_eta_lambda(b)
        for h in np.linspace(low, high, 9)[1:-1]:
            assert np.allclose(R.root_moduli(h, b), np.sqrt(b), rtol=1e-12)
            assert R.damping(h, b) == "underdamped"


def test_damping_regimes_in_order_along_eta_lambda():
    b = 0.25                                    # critical at 0.25 and 2.25, unstable from 2.5
    assert [R.damping(h, b) for h in (0.1, 0.25, 1.0, 2.25, 2.4, 2.5, 3.0)] == [
        "overdamped", "critical", "underdamped", "critical", "flipping", "unstable", "unstable"]
    assert tuple(R.DAMPING_REGIMES) == ("overdamped", "critical", "underdamped", "flipping", "unstable")
    arr = R.damping(np.array([0.1, 1.0]), b)
    assert arr.tolist() == ["overdamped", "underdamped"]


@pytest.mark.parametrize("b", [0.0, 0.3, 0.9])
def test_stability_limit_is_where_the_radius_reaches_one(b):
    for method in ("heavy_ball", "nesterov"):
        limit = R.stability_limit(b, method)
        assert R.spectral_radius(limit * (1 - 1e-6), b, method) < 1
        assert R.spectral_radius(limit * (1 + 1e-6), b, method) > 1
    assert R.stability_limit(b) == pytest.approx(2 + 2 * b)


def test_critical_beta_gives_a_double_root_and_the_smallest_radius():
    for h in (0.01, 0.1, 0.5, 0.9):
        b = R.critical_beta(h)
        r = R.roots(h, b)
        assert abs(r[0] - r[1]) < 1e-7 and R.damping(h, b) == "critical"
        grid = np.linspace(0, 0.99, 2000)
        assert R.spectral_radius(h, b) <= R.spectral_radius(h, grid).min() + 1e-3
    with pytest.raises(ValueError, match="eta_lambda"):
        R.critical_beta(1.5)


def test_polyak_tuning_puts_both_extremes_at_critical_damping():
    L, mu = 100.0, 1.0
    lr, beta = sc.momentum.heavy_ball_optimal(L, mu)
    low, high = R.critical_eta_lambda(beta)
    assert lr * mu == pytest.approx(low, rel=1e-12) and lr * L == pytest.approx(high, rel=1e-12)
    assert R.damping(lr * mu, beta) == "critical" and R.damping(lr * L, beta) == "critical"
    assert R.spectral_radius(np.linspace(lr * mu, lr * L, 50), beta) == pytest.approx(np.sqrt(beta), rel=1e-9)


def test_error_sequence_equals_sgd_with_momentum_on_a_parabola():
    a, lr, beta = 4.0, 0.1, 0.6
    p = sc.problems.parabola(curvature=a, center=0.0, x0=1.5)
    tr = sc.minimize(p, sc.optim.SGD(lr=lr, momentum=beta), steps=40)
    assert np.allclose(R.error_sequence(lr * a, beta, 40, e0=1.5), tr.xs[:, 0], atol=1e-12)
    nest = sc.minimize(p, sc.optim.SGD(lr=lr, momentum=beta, nesterov=True), steps=40)
    _, look = sc.momentum.sutskever_nesterov(p.grad, p.x0, lr, beta, 40)
    assert np.allclose(look[:, 0], nest.xs[:, 0], atol=1e-12)
    theta, _ = sc.momentum.sutskever_nesterov(p.grad, p.x0, lr, beta, 40)
    assert np.allclose(R.error_sequence(lr * a, beta, 40, e0=1.5, method="nesterov"), theta[:, 0], atol=1e-12)


def test_double_root_error_is_the_critically_damped_sequence():
    for h in (0.04, 0.3):
        b = R.critical_beta(h)
        rho = np.sqrt(b)
        seq = R.error_sequence(h, b, 200)
        assert np.allclose(seq, R.double_root_error(np.arange(201), rho), rtol=1e-6, atol=1e-14)
    for b in (0.25, 0.81):                        # the upper critical point: a negative double root
        h = R.critical_eta_lambda(b)[1]
        seq = R.error_sequence(h, b, 100)
        assert np.allclose(seq, R.double_root_error(np.arange(101), -np.sqrt(b)), rtol=1e-6, atol=1e-14)
    # and it is slower than rho^k by a factor growing like k
    k = np.arange(1, 200)
    ratio = R.double_root_error(k, 0.5) / 0.5**k
    assert np.all(np.diff(ratio) > 0)


def test_nesterov_tuning_values():
    lr, beta = R.nesterov_strongly_convex(100.0, 1.0)
    assert lr == 0.01 and beta == pytest.approx(9 / 11)
    with pytest.raises(ValueError, match="mu"):
        R.nesterov_strongly_convex(1.0, 2.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nesterov_bound_holds_on_random_quadratics(seed):
    p = sc.problems.quadratic(condition_number=50.0, dim=4, seed=seed)
    lr, beta = R.nesterov_strongly_convex(p.L, p.mu)
    theta, _ = sc.momentum.sutskever_nesterov(p.grad, p.x0, lr, beta, 300)
    gaps = p.f(theta) - p.f_min
    bound = R.nesterov_bound(np.arange(301), p.f(p.x0) - p.f_min, float(np.sum((p.x0 - p.minima[0]) ** 2)),
                             p.L, p.mu)
    assert np.all(gaps <= bound * (1 + 1e-9) + 1e-300)


def test_lessard_function_is_smooth_strongly_convex_and_piecewise_quadratic():
    p = R.lessard_counterexample()
    x = np.linspace(-3, 5, 8001)[:, None]
    g = p.grad(x)[:, 0]
    slopes = np.diff(g) / np.diff(x[:, 0])
    assert slopes.min() >= 1 - 1e-9 and slopes.max() <= 25 + 1e-9     # mu = 1, L = 25
    for knot in (1.0, 2.0):                                            # f and f' continuous
        lo, hi = np.array([knot - 1e-9]), np.array([knot])
        assert abs(p.f(lo) - p.f(hi)) < 1e-6 and abs(p.grad(lo) - p.grad(hi))[0] < 1e-6
    num = (p.f(x[2:]) - p.f(x[:-2])) / (x[2:, 0] - x[:-2, 0])
    assert np.allclose(num, g[1:-1], atol=1e-2)                       # exact away from the knots
    assert np.mean(np.abs(num - g[1:-1]) < 1e-9) > 0.99
    assert p.f(np.array([0.0])) == 0.0 and np.all(p.f(x) >= 0)
    assert p.L == 25.0 and p.mu == 1.0
    assert p.hessian(np.array([[0.5], [1.5], [2.5]]))[:, 0, 0].tolist() == [25.0, 1.0, 25.0]


def test_polyak_heavy_ball_cycles_on_the_lessard_function_and_nesterov_converges():
    p = R.lessard_counterexample()
    lr, beta = sc.momentum.heavy_ball_optimal(p.L, p.mu)
    hb = sc.minimize(p, sc.optim.SGD(lr=lr, momentum=beta), steps=2000)
    period, cycle = R.find_cycle(hb.xs)
    assert not hb.diverged and period == 3
    assert np.allclose(np.sort(cycle[:, 0]), [-1.8024, 0.6465, 2.1159], atol=1e-3)
    lr_n, beta_n = R.nesterov_strongly_convex(p.L, p.mu)
    nest = sc.minimize(p, sc.optim.SGD(lr=lr_n, momentum=beta_n, nesterov=True), steps=300)
    assert abs(nest.x[0]) < 1e-12
    # the same tuning on the quadratic with the same curvatures converges
    q = sc.problems.parabola(curvature=25.0, center=0.0, x0=3.3)
    assert abs(sc.minimize(q, sc.optim.SGD(lr=lr, momentum=beta), steps=300).x[0]) < 1e-10


def test_find_cycle():
    assert R.find_cycle(np.zeros(10))[0] == 1
    assert R.find_cycle(np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]), max_period=2)[0] == 2
    assert R.find_cycle(0.5 ** np.arange(30.0))[0] is None


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="beta"):
        R.heavy_ball_matrix(0.5, 1.0)
    with pytest.raises(ValueError, match="eta_lambda"):
        R.roots(-1.0, 0.5)
    with pytest.raises(ValueError, match="method"):
        R.roots(1.0, 0.5, "adam")
    with pytest.raises(ValueError, match="steps"):
        R.error_sequence(1.0, 0.5, -1)
