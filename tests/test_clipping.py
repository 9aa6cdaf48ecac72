"""(L0, L1)-smooth problems, clipped gradient descent against constant rates, update/weight ratios."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse import clipping as cl


@pytest.mark.parametrize("make", [lambda: cl.cosh_problem(), lambda: cl.cosh_problem(2.0),
                                  lambda: cl.quartic_problem()])
def test_problems_are_l0_l1_smooth_with_exact_derivatives(make):
    p = make()
    x = np.linspace(-6, 6, 241)[:, None]
    L0, L1 = cl.smoothness_constants(p)
    curv, slope = p.hessian(x)[:, 0, 0], np.abs(p.grad(x)[:, 0])
    assert np.all(curv <= L0 + L1 * slope + 1e-9)
    h = 1e-6
    fd = (p.f(x + h) - p.f(x - h)) / (2 * h)
    assert np.allclose(fd, p.grad(x)[:, 0], rtol=1e-6, atol=1e-6)
    fd2 = (p.grad(x + h) - p.grad(x - h))[:, 0] / (2 * h)
    assert np.allclose(fd2, curv, rtol=1e-5, atol=1e-5)
    assert float(p.f(p.minima[0])) == 0.0


def test_cosh_is_not_l_smooth():
    p = cl.cosh_problem()
    assert p.hessian(np.array([20.0]))[0, 0] > 1e8


def test_clipped_sgd_steps():
    opt = cl.ClippedSGD(lr=0.5, max_norm=2.0)
    x, state = opt.step(np.array([1.0, 1.0]), np.array([3.0, 4.0]), opt.init(None))
    assert np.allclose(x, [1 - 0.5 * 2 * 0.6, 1 - 0.5 * 2 * 0.8])
    x, _ = opt.step(np.array([1.0]), np.array([1.0]), state)  # below the threshold: plain GD
    assert np.allclose(x, [0.5])
    with pytest.raises(ValueError, match="max_norm"):
        cl.ClippedSGD(lr=0.1, max_norm=0.0)


def test_gd_sweep_matches_minimize():
    p = cl.cosh_problem(x0=3.0)
    rates = np.array([0.01, 0.1, 0.5])
    k = cl.gd_sweep(p, rates, tol=1e-6, max_steps=3000)
    for lr, steps in zip(rates, k):
        tr = sc.minimize(p, sc.optim.SGD(lr=lr), steps=3000)
        expected = tr.first_step_within(1e-6)
        assert (np.isinf(steps) and expected is None) or steps == expected


def test_clipped_gd_beats_every_constant_rate():
    p = cl.cosh_problem(x0=8.0)
    rates = np.geomspace(1e-4, 2, 40)
    best = cl.gd_sweep(p, rates, tol=1e-6, max_steps=3000).min()
    k, tr = cl.clipped_gd_steps(p, 1.0, 1.0, tol=1e-6, max_steps=100)
    assert k is not None and 20 * k < best
    assert np.allclose(np.diff(tr.xs[:6, 0]), -1.0)  # one unit per clipped step


def test_update_ratio_and_ratios():
    r = cl.update_ratio({"W": np.array([3.0, 4.0]), "b": np.ones(2)},
                        {"W": np.array([3.0, 4.05]), "b": np.zeros(2)}, keys=["W"])
    assert r == {"W": pytest.approx(0.01)}
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, size=64)
    mlp = sc.models.MLP([4, 8, 3], "tanh", "xavier", loss="cross_entropy")
    small = cl.update_ratios(mlp, mlp.init_params(), (X, y), sc.optim.SGD(lr=0.01), steps=4)
    big = cl.update_ratios(mlp, mlp.init_params(), (X, y), sc.optim.SGD(lr=0.1), steps=4)
    assert small.ratios.shape == (4, 2) and small.keys == ("W0", "W1")
    assert np.allclose(big.ratios[0], 10 * small.ratios[0], rtol=1e-9)  # same first batch
