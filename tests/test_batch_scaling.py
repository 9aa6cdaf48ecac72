"""Gradient noise scale, the best step per batch size, Polyak-Ruppert averaging."""
import numpy as np
import pytest

from stepcourse import batch_scaling as bs


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1.0, 2.0, 0.5]
    y = X @ np.array([1.0, -1.0, 2.0]) + rng.normal(size=300)
    return bs.least_squares(X, y)


def test_noise_scale_by_hand():
    G = np.array([[1.0, 0.0], [-1.0, 0.0], [3.0, 2.0], [1.0, 2.0]])
    mean = G.mean(axis=0)
    spread = np.mean(np.sum((G - mean) ** 2, axis=1))
    assert bs.noise_scale(G) == pytest.approx(spread / (mean @ mean))
    H = np.diag([2.0, 1.0])
    S = np.cov(G.T, bias=True)
    assert bs.noise_scale(G, H) == pytest.approx(np.trace(H @ S) / (mean @ H @ mean))
    with pytest.raises(ValueError, match="per_example"):
        bs.noise_scale(np.ones(3))


def test_least_squares_gap_and_gradients(problem):
    w = np.array([0.3, 0.1, -0.2])
    G = problem.per_example_grad(w)
    loss = lambda v: np.mean((problem.Xc @ v - problem.yc) ** 2)
    assert problem.gap(w) == pytest.approx(loss(w) - loss(problem.w_star))
    eps = 1e-6
    fd = [(loss(w + eps * e) - loss(w - eps * e)) / (2 * eps) for e in np.eye(3)]
    assert np.allclose(G.mean(axis=0), fd, atol=1e-6)


def test_predicted_improvement_is_exact_on_average(problem):
    w = problem.w_star + np.array([0.5, -0.3, 0.4])
    lrs = np.array([0.01, 0.03])
    measured = bs.measured_improvement(problem, w, 4, lrs, draws=40_000, seed=1)
    assert np.allclose(measured, bs.predicted_improvement(problem, w, 4, lrs), rtol=0.05)
    # a huge batch has almost no noise: the formula holds there too
    big = bs.measured_improvement(problem, w, 20_000, lrs, draws=20, seed=2)
    assert np.allclose(big, bs.predicted_improvement(problem, w, 20_000, lrs), rtol=0.02)


def test_optimal_step_maximizes_and_saturates(problem):
    w = problem.w_star + np.array([0.5, -0.3, 0.4])
    for B in (1, 16, 1024):
        lr, gain = bs.optimal_step(problem, w, B)
        grid = lr * np.linspace(0.5, 1.5, 101)
        values = bs.predicted_improvement(problem, w, B, grid)
        assert np.argmax(values) == 50 and values[50] == pytest.approx(gain)
    G = problem.per_example_grad(w)
    B_noise = bs.noise_scale(G, problem.H)
    lr_small, _ = bs.optimal_step(problem, w, 1e-3 * B_noise)
    lr_small2, _ = bs.optimal_step(problem, w, 2e-3 * B_noise)
    assert lr_small2 / lr_small == pytest.approx(2, rel=2e-3)  # linear scaling for B << B_noise
    lr_big, _ = bs.optimal_step(problem, w, 1e6 * B_noise)
    g = G.mean(axis=0)
    assert lr_big == pytest.approx(g @ g / (g @ problem.H @ g), rel=1e-5)


def test_noise_scale_grows_towards_the_minimum(problem):
    gaps, simple = bs.noise_scale_along(problem, np.zeros(3), [0.0, 0.5, 0.9, 0.99])
    assert np.all(np.diff(gaps) < 0) and np.all(np.diff(simple) > 0)
    gaps2, simple2, noise2 = bs.noise_scales_on_path(problem, problem.w_star + np.outer([1.0, 0.1],
                                                                                        [1, 1, 1]))
    assert simple2[1] > simple2[0] and noise2[1] > noise2[0]


def test_sgd_runs_full_batch_limit_and_independence(problem):
    gaps, ws = bs.sgd_runs(problem, 5, [0.0, 0.01], steps=3)
    assert np.all(ws[0] == 0) and gaps[1, -1] < gaps[1, 0]
    _, ws_shared = bs.sgd_runs(problem, 1, [0.01, 0.01], steps=5, seed=3)
    _, ws_indep = bs.sgd_runs(problem, 1, [0.01, 0.01], steps=5, seed=3, independent=True)
    assert np.array_equal(ws_shared[0], ws_shared[1]) and not np.array_equal(ws_indep[0], ws_indep[1])


def test_steps_to_target_and_tuning(problem):
    k = bs.steps_to_target(problem, 8, [1e-4, 0.05], target=0.05, max_steps=300)
    assert np.isinf(k[0]) and np.isfinite(k[1])
    res = bs.tuned_steps(problem, [1, 64], [0.01, 0.03, 0.1], target=0.05, max_steps=400)
    assert res["steps"][1] <= res["steps"][0]
    assert np.array_equal(res["examples"], res["steps"] * np.array([1, 64]))


def test_fit_critical_batch_recovers_the_curve():
    B = np.array([1, 2, 4, 8, 16, 32, 64])
    S_min, E_min, B_crit = bs.fit_critical_batch(B, 50 * (1 + 12 / B))
    assert (S_min, E_min, B_crit) == pytest.approx((50, 600, 12))
    with pytest.raises(ValueError):
        bs.fit_critical_batch([1, 2], [1.0, np.inf])


def test_polyak_ruppert_and_its_rate(problem):
    xs = np.arange(10.0).reshape(5, 2)
    avg = bs.polyak_ruppert(xs, start=2)
    assert np.allclose(avg, [xs[2], xs[2:4].mean(0), xs[2:5].mean(0)])
    # averaged SGD iterates reach the 1/k rate, far below the constant-rate floor
    gaps, ws = bs.sgd_runs(problem, 1, np.full(8, 0.01), 6000, w0=problem.w_star, seed=0,
                           independent=True)
    averaged = bs.polyak_ruppert(ws.transpose(1, 0, 2), start=1000)
    C = np.cov(problem.per_example_grad(problem.w_star).T, bias=True)
    theory = bs.averaged_gap(problem.H, C, 5001)
    measured = problem.gap(averaged[-1]).mean()
    assert 0.4 < measured / theory < 2.5
    assert measured < gaps[:, 1000:].mean() / 20
