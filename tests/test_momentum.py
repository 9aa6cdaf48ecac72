"""Heavy-ball and Nesterov theory (Polyak's rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1), the stability
edges, the roots of the 2x2 recurrence; see stepcourse/momentum.py) against measured runs of sc.optim.SGD."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse import momentum as M


def test_polyak_tuning_for_kappa_100_matches_the_reference_numbers():
    lr, beta = M.heavy_ball_optimal(L=100.0, mu=1.0)
    assert lr == pytest.approx((2 / 11) ** 2, rel=1e-14)
    assert beta == pytest.approx((9 / 11) ** 2, rel=1e-14)
    assert M.heavy_ball_rate(lr, beta, [1.0, 100.0]) == pytest.approx(9 / 11, rel=1e-12)
    assert M.gd_optimal(100.0, 1.0)[1] == pytest.approx(99 / 101, rel=1e-12)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_measured_heavy_ball_contraction_is_within_one_percent_of_theory(kappa):
    p = sc.problems.quadratic([1.0, kappa], x0=[1.0, -1.0])
    lr, beta = M.heavy_ball_optimal(p.L, p.mu)
    steps = int(40 * np.sqrt(kappa)) + 400
    tr = sc.minimize(p, sc.optim.SGD(lr=lr, momentum=beta), steps=steps)
    assert not tr.diverged
    theory = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    measured = tr.contraction(steps // 3, steps, target=p.minima[0])
    assert measured == pytest.approx(theory, rel=0.01)


def test_heavy_ball_rate_predicts_measured_rates_away_from_the_optimum():
    p = sc.problems.quadratic([1.0, 3.0, 20.0], seed=4, x0=[1.0, 1.0, 1.0])
    for lr, beta in [(0.05, 0.5), (0.02, 0.9), (0.09, 0.3)]:
        tr = sc.minimize(p, sc.optim.SGD(lr=lr, momentum=beta), steps=600)
        assert tr.contraction(300, 600, target=p.minima[0]) == pytest.approx(
            M.heavy_ball_rate(lr, beta, p.eigenvalues), rel=0.01)


def test_stability_boundary_two_plus_two_beta():
    lam = [1.0, 10.0]
    p = sc.problems.quadratic(lam)
    for beta in (0.0, 0.5, 0.9):
        edge = (2 + 2 * beta) / 10.0
        assert M.heavy_ball_stable(0.98 * edge, beta, lam) and not M.heavy_ball_stable(1.02 * edge, beta, lam)
        assert M.heavy_ball_rate(0.98 * edge, beta, lam) < 1 < M.heavy_ball_rate(1.02 * edge, beta, lam)
        assert not sc.minimize(p, sc.optim.SGD(lr=0.98 * edge, momentum=beta), steps=3000).diverged
        assert sc.minimize(p, sc.optim.SGD(lr=1.02 * edge, momentum=beta), steps=3000).diverged


def test_nesterov_rate_matches_measurement_and_kills_the_steep_direction():
    p = sc.problems.quadratic([1.0, 100.0])
    tr = sc.minimize(p, sc.optim.SGD(lr=0.005, momentum=0.8, nesterov=True), steps=800)
    assert tr.contraction(400, 800, target=p.minima[0]) == pytest.approx(
        M.nesterov_rate(0.005, 0.8, p.eigenvalues), rel=0.01)
    assert M.nesterov_rate(0.01, 0.9, [100.0]) == 0.0
    assert M.heavy_ball_rate(0.01, 0.9, [100.0]) == pytest.approx(np.sqrt(0.9))


def test_textbook_heavy_ball_equals_torch_form():
    p = sc.problems.rosenbrock()
    xs = M.polyak_heavy_ball(p.grad, p.x0, lr=1e-4, beta=0.9, steps=300)
    tr = sc.minimize(p, sc.optim.SGD(lr=1e-4, momentum=0.9), steps=300)
    assert np.allclose(xs, tr.xs, rtol=0, atol=1e-12)


def test_sutskever_lookahead_points_are_torch_nesterov_iterates():
    p = sc.problems.quadratic([0.5, 2.0, 9.0], seed=1)
    thetas, looks = M.sutskever_nesterov(p.grad, p.x0, lr=0.05, beta=0.9, steps=200)
    tr = sc.minimize(p, sc.optim.SGD(lr=0.05, momentum=0.9, nesterov=True), steps=200)
    assert np.allclose(looks, tr.xs, rtol=0, atol=1e-12)
    assert not np.allclose(thetas, tr.xs)          # the change of variables is not the identity
    assert thetas.shape == looks.shape == (201, 3)


@settings(max_examples=60, deadline=None)
@given(L=st.floats(1.0, 1e6), ratio=st.floats(1e-6, 1.0))
def test_optimal_rate_is_sqrt_beta_and_the_extremes_are_balanced(L, ratio):
    mu = L * ratio
    lr, beta = M.heavy_ball_optimal(L, mu)
    rate = M.heavy_ball_rate(lr, beta, [mu, L])
    assert rate == pytest.approx(np.sqrt(beta), rel=1e-6, abs=1e-9)   # b = 1 + beta - lr*L cancels
    kappa = L / mu
    assert rate == pytest.approx((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), rel=1e-6, abs=1e-9)
    # any other tuning nearby is no better
    for f_lr, f_beta in [(1.05, 1.0), (0.95, 1.0), (1.0, 0.98)]:
        assert M.heavy_ball_rate(lr * f_lr, min(beta * f_beta, 0.999999), [mu, L]) >= rate - 1e-9


@pytest.mark.parametrize("call, match", [
    (lambda: M.heavy_ball_optimal(1.0, 2.0), "mu <= L"),
    (lambda: M.heavy_ball_rate(0.1, 1.0, [1.0]), "beta"),
    (lambda: M.heavy_ball_rate(-0.1, 0.5, [1.0]), "lr"),
    (lambda: M.gd_rate(0.1, [1.0, -2.0]), "eigenvalues"),
    (lambda: M.polyak_heavy_ball(lambda x: x, [1.0], 0.1, 0.5, steps=-1), "steps"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
