"""Tests of stepcourse.normalization: scale invariance, effective rate, BN explosion, Fixup."""
import math

import numpy as np
import pytest

from stepcourse import normalization as N
from stepcourse.mlp import init_variance


def _data(seed=0, n=256, d=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    t = np.tanh(X[:, 0] - X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, (t - t.mean()) / t.std()


def test_batchnorm_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    z, gamma, up = rng.normal(size=(8, 3)), rng.normal(size=3), rng.normal(size=(8, 3))

    def f(z):
        return np.sum(N.batchnorm_forward(z, gamma, 0.2)[0] * up)

    dz, dgamma, dbeta = N.batchnorm_backward(up, N.batchnorm_forward(z, gamma, 0.2)[1])
    num = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = 1e-6
        num[idx] = (f(z + e) - f(z - e)) / 2e-6
    np.testing.assert_allclose(dz, num, rtol=1e-5, atol=1e-8)
    zhat = N.batchnorm_forward(z, eps=1e-5)[1]["zhat"]
    np.testing.assert_allclose(dgamma, (up * zhat).sum(0))
    np.testing.assert_allclose(dbeta, up.sum(0))


def test_bn_unit_gradient_is_the_derivative():
    X, t = _data()
    w = np.array([0.5, -1.0, 2.0, 0.1, 0.0, 1.0])
    _, g = N.bn_unit_loss_and_grad(w, X, t)
    num = np.array([(N.bn_unit_loss_and_grad(w + 1e-6 * e, X, t)[0]
                     - N.bn_unit_loss_and_grad(w - 1e-6 * e, X, t)[0]) / 2e-6 for e in np.eye(6)])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("c", [0.01, 0.5, 7.0, 300.0])
def test_scale_invariance(c):
    X, t = _data(2)
    w = np.random.default_rng(3).normal(size=6)
    l1, g1 = N.bn_unit_loss_and_grad(w, X, t)
    l2, g2 = N.bn_unit_loss_and_grad(c * w, X, t)
    assert l2 == pytest.approx(l1, rel=1e-12)
    np.testing.assert_allclose(g2, g1 / c, rtol=1e-9)
    assert abs(g1 @ w) < 1e-12 * np.linalg.norm(g1) * np.linalg.norm(w) + 1e-15


def test_eps_breaks_invariance_only_for_tiny_weights():
    X, t = _data(4)
    w = np.random.default_rng(5).normal(size=6)
    big = [N.bn_unit_loss_and_grad(c * w, X, t, eps=1e-5)[0] for c in (1.0, 10.0)]
    small = N.bn_unit_loss_and_grad(1e-4 * w, X, t, eps=1e-5)[0]
    assert big[0] == pytest.approx(big[1], rel=1e-4)
    assert abs(small - big[0]) > 1e-3


def test_effective_lr_and_equilibrium_formula():
    assert N.effective_lr(0.2, 2.0) == pytest.approx(0.05)
    lr, wd, G = 0.3, 0.02, 1.7
    r = N.equilibrium_norm(lr, wd, G)
    # the fixed point of the deterministic norm map, iterated
    x = 1.0
    for _ in range(20000):
        x = math.sqrt((1 - lr * wd) ** 2 * x * x + (lr * G / x) ** 2)
    assert r == pytest.approx(x, rel=1e-9)
    with pytest.raises(ValueError, match="weight_decay"):
        N.equilibrium_norm(1.0, 2.5, 1.0)


def test_norm_grows_without_weight_decay_and_settles_with_it():
    X, t = _data(6, n=512)
    w0 = np.full(6, 4.0)
    free = N.train_bn_unit(X, t, lr=0.5, steps=400, w0=w0)
    assert np.all(np.diff(free.norms) >= -1e-12) and free.norms[-1] > free.norms[0]
    np.testing.assert_allclose(free.norms[1:] ** 2 - free.norms[:-1] ** 2,
                               (0.5 * free.grad_norms_unit / free.norms[:-1]) ** 2, rtol=1e-8)
    decayed = N.train_bn_unit(X, t, lr=0.5, weight_decay=0.02, steps=1500, w0=w0)
    G = np.sqrt(np.mean(decayed.grad_norms_unit[-500:] ** 2))
    assert np.mean(decayed.norms[-500:]) == pytest.approx(N.equilibrium_norm(0.5, 0.02, G), rel=0.1)
    assert decayed.effective_lrs[-1] > 3 * decayed.effective_lrs[0]


def test_bn_gradient_explodes_at_yang_rate_for_relu():
    sq, rate = N.bn_gradient_growth(30, "relu", width=128, batch_size=256)
    assert rate == pytest.approx(N.YANG_RELU_RATE, rel=0.12)
    assert sq[0] > 1e3 * sq[-1]
    _, linear = N.bn_gradient_growth(30, "linear", width=128, batch_size=256)
    assert abs(linear - 1) < 0.05


def test_fixup_scale_and_residual_variances():
    assert N.fixup_scale(16, 2) == pytest.approx(0.25)
    assert N.fixup_scale(27, 4) == pytest.approx(27 ** (-1 / 6))
    L = 16
    plain = N.residual_variances(L, width=128, n=256)
    assert abs(np.log2(plain[-1]) - L) < 2
    fix = N.residual_variances(L, scale=N.fixup_scale(L), width=128, n=256)
    assert fix[-1] == pytest.approx((1 + L ** -2.0) ** L, rel=0.03)
    assert np.all(N.residual_variances(L, zero_last=True, width=32, n=64) == 1.0)


@pytest.mark.parametrize("n", [1, 7, 64, 1000])
def test_kaiming_uniform_bound_is_the_standard_init(n):
    bound = N.kaiming_uniform_bound(n)
    assert bound == pytest.approx(1 / math.sqrt(n), rel=1e-12)
    assert bound ** 2 / 3 == pytest.approx(init_variance("standard", n, n), rel=1e-12)
    assert N.kaiming_uniform_bound(n, a=0.0) == pytest.approx(math.sqrt(6 / n))
