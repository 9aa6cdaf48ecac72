"""Wall-clock cost of a gradient: forward pass, backpropagation and finite differences.

The gradients chapter counts multiply-adds and function evaluations (machine-independent); this
script prints the matching times on this machine, best of several repeats, for the chapter's
one-hidden-layer network (20 inputs, 50 hidden units, 200 rows) and a 10-layer MLP.
Run: .venv/bin/python bench/bench_backprop.py
"""
from __future__ import annotations

import timeit

import numpy as np

import stepcourse as sc
from stepcourse import cost


def best_time(fn, number=20, repeat=5) -> float:
    """Seconds per call, the fastest of several repeats (the least disturbed by other work)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def report(name, net, X, y, numeric=True):
    params = net.init_params(seed=0)
    t_fwd = best_time(lambda: net.loss(params, X, y))
    t_both = best_time(lambda: net.loss_and_grad(params, X, y))
    fwd = cost.count_matmuls(lambda q: net.loss(q, X, y), params)
    both = cost.count_matmuls(lambda q: net.loss_and_grad(q, X, y), params)
    madd_ratio = (both.multiply_adds - fwd.multiply_adds) / fwd.multiply_adds
    print(f"{name}: forward {t_fwd * 1e3:.3f} ms, forward + backward {t_both * 1e3:.3f} ms "
          f"(backward / forward: time {(t_both - t_fwd) / t_fwd:.2f}, multiply-adds {madd_ratio:.2f})")
    if numeric:
        n_params = sum(v.size for v in params.values())
        t_num = best_time(lambda: sc.gradcheck.numerical_grad(lambda q: net.loss(q, X, y), params),
                          number=1, repeat=2)
        print(f"  finite differences, {2 * n_params} forward passes: {t_num * 1e3:.0f} ms "
              f"(x{t_num / t_both:.0f} backpropagation)")


def main():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(200, 20)), rng.normal(size=200)
    report("one hidden layer [20, 50, 1]", sc.mlp.MLP([20, 50, 1], activation="tanh", init="xavier"),
           X, y)
    X, y = rng.normal(size=(128, 100)), rng.integers(0, 10, size=128)
    deep = sc.mlp.MLP([100] * 10 + [10], activation="tanh", init="xavier", loss="cross_entropy")
    report("10 layers [100] * 10 + [10]", deep, X, y, numeric=False)


if __name__ == "__main__":
    main()
