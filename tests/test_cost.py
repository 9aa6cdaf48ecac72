"""Counting matrix products and peak memory (stepcourse.cost)."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse import cost


def test_one_product_counts_m_k_n():
    X = np.ones((4, 3))
    c = cost.count_matmuls(lambda p: X @ p["W"], {"W": np.ones((3, 2))})
    assert (c.products, c.multiply_adds) == (1, 24)
    assert type(c.value) is np.ndarray and c.value.shape == (4, 2)


@pytest.mark.parametrize("a, b, expected", [((5, 4), (4,), 20), ((4,), (4, 3), 12),
                                            ((2, 5, 4), (4, 3), 120), ((7,), (7,), 7)])
def test_shapes_follow_matmul_rules(a, b, expected):
    c = cost.count_matmuls(lambda p: p["A"] @ np.ones(b), {"A": np.ones(a)})
    assert c.products == 1 and c.multiply_adds == expected


def test_products_of_derived_arrays_are_counted_and_data_alone_is_not():
    X = np.ones((6, 4))

    def fn(p):
        h = np.tanh(X @ p["W0"])          # counted: W0 is a parameter
        z = (h.T @ h) @ p["W1"]           # both counted: h derives from W0
        _ = X.T @ X                       # not counted: data only
        return float(z.sum())

    c = cost.count_matmuls(fn, {"W0": np.ones((4, 5)), "W1": np.ones((5, 2))})
    assert c.products == 3
    assert c.multiply_adds == 6 * 4 * 5 + 5 * 6 * 5 + 5 * 5 * 2
    assert isinstance(c.value, float)


def test_params_are_not_modified_and_results_match():
    net = sc.mlp.MLP([8, 16, 16, 3], activation="tanh", init="xavier", loss="cross_entropy")
    p = net.init_params(seed=0)
    before = {k: v.copy() for k, v in p.items()}
    X = np.random.default_rng(0).normal(size=(10, 8))
    y = np.arange(10) % 3
    c = cost.count_matmuls(lambda q: net.loss_and_grad(q, X, y), p)
    loss, grads = net.loss_and_grad(p, X, y)
    assert all(np.array_equal(p[k], before[k]) for k in p)
    assert c.value[0] == loss
    assert all(type(c.value[1][k]) is np.ndarray and np.array_equal(c.value[1][k], grads[k])
               for k in grads)


def test_mlp_backward_costs_two_products_per_layer_but_the_first():
    widths = [20, 30, 30, 30, 5]
    B = 7
    net = sc.mlp.MLP(widths, activation="relu", init="he")
    p = net.init_params(seed=1)
    X = np.ones((B, widths[0]))
    y = np.zeros((B, widths[-1]))
    fwd = cost.count_matmuls(lambda q: net.loss(q, X, y), p)
    both = cost.count_matmuls(lambda q: net.loss_and_grad(q, X, y), p)
    layer = [B * a * b for a, b in zip(widths[:-1], widths[1:])]
    assert fwd.products == len(layer) and fwd.multiply_adds == sum(layer)
    assert both.products == 3 * len(layer) - 1
    assert both.multiply_adds - fwd.multiply_adds == 2 * sum(layer) - layer[0]


def test_wrong_params_type():
    with pytest.raises(TypeError, match="params"):
        cost.count_matmuls(lambda p: p, [1.0, 2.0])


def test_peak_allocation_sees_a_large_array_and_restores_tracing_state():
    import tracemalloc
    assert not tracemalloc.is_tracing()
    n = cost.peak_allocation(lambda: np.zeros(500_000) + 1.0)
    assert 4_000_000 <= n < 9_000_000
    assert not tracemalloc.is_tracing()


def test_peak_allocation_grows_with_depth():
    X = np.ones((64, 32))
    y = np.zeros((64, 1))
    peaks = []
    for depth in (4, 8):
        net = sc.mlp.MLP([32] + [32] * depth + [1], activation="tanh")
        p = net.init_params(seed=0)
        net.loss_and_grad(p, X, y)  # once first: one-off allocations (imports, caches) are not the depth's
        peaks.append(cost.peak_allocation(net.loss_and_grad, p, X, y))
    assert 1.5 < peaks[1] / peaks[0] < 2.5
