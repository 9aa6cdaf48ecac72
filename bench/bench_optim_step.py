"""Time optimizer steps: 1000 Adam steps on a 2-vector (the size explorers and chapters run in loops),
and one step on 1e6 float64 parameters against torch.optim and a numpy copy.

    python bench/bench_optim_step.py            # torch column only where torch is installed

Small: 1000 ``Adam.step`` calls on a 2-vector, against the same arithmetic written as a plain numpy
loop (the goal is at most 10 ms, and at most ~1.2x the plain loop). Large: Adam on 1e6 parameters
against the memory-bandwidth floor, 7 array copies (read p, g, m, v; write p, m, v), and torch.optim.

For each optimizer it prints the time per step of ``sc.optim`` (which returns new arrays and never
updates in place), of ``torch.optim`` (in place, one thread) if torch can be imported, and of
``np.copy`` of the parameters (one read and one write of the same bytes), with the ratios, all measured
in this run. Each figure is the best of several repeats of a few steps.

For scale it also times ``np.sqrt`` of the parameters: every adaptive method (Adagrad, RMSprop,
Adam) takes one square root per step, which alone costs several copies, in torch as here.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

try:
    import stepcourse as sc
except ImportError:                                   # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import stepcourse as sc

try:
    import torch
except ImportError:
    torch = None

N = 1_000_000
REPEATS, STEPS = 7, 5
CONFIGS = [
    ("SGD", {"lr": 1e-3}),
    ("SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-2, "momentum": 0.9, "centered": True}),
    ("Adam", {"lr": 1e-3}),
    ("Adam", {"lr": 1e-3, "amsgrad": True}),
    ("AdamW", {"lr": 1e-3}),
]


def best_time(run_steps) -> float:
    """Best over REPEATS of the mean time per step of STEPS steps."""
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        run_steps(STEPS)
        best = min(best, (time.perf_counter() - start) / STEPS)
    return best


def time_stepcourse(name, kwargs, x, g):
    opt = getattr(sc.optim, name)(**kwargs)
    box = [x, opt.init(x)]

    def run(n):
        for _ in range(n):
            box[0], box[1] = opt.step(box[0], g, box[1])

    run(2)                                            # past the first step's special cases
    return best_time(run)


def time_torch(name, kwargs, x, g):
    p = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g, dtype=torch.float64)
    opt = getattr(torch.optim, name)([p], **kwargs)

    def run(n):
        for _ in range(n):
            opt.step()

    run(2)
    return best_time(run)


def time_copy(x):
    def run(n):
        for _ in range(n):
            np.copy(x)

    run(2)
    return best_time(run)


def time_sqrt(x):
    out = np.empty_like(x)
    v = np.abs(x)

    def run(n):
        for _ in range(n):
            np.sqrt(v, out=out)

    run(2)
    return best_time(run)


def adam_small(steps=1000):
    """1000 steps of sc.optim.Adam on a 2-vector (gradient 2x), best of REPEATS, in seconds."""
    opt = sc.optim.Adam(lr=0.1)
    best = np.inf
    for _ in range(REPEATS):
        x = np.array([1.0, -2.0])
        state = opt.init(x)
        start = time.perf_counter()
        for _ in range(steps):
            x, state = opt.step(x, 2 * x, state)
        best = min(best, time.perf_counter() - start)
    return best


def plain_small(steps=1000):
    """The same 1000 Adam steps as a plain numpy loop (no state object, no checks)."""
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    best = np.inf
    for _ in range(REPEATS):
        x, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
        start = time.perf_counter()
        for t in range(1, steps + 1):
            g = 2 * x
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ours, plain = adam_small(), plain_small()
    print(f"1000 Adam steps on a 2-vector: stepcourse {ours * 1e3:.1f} ms, plain numpy loop "
          f"{plain * 1e3:.1f} ms ({ours / plain:.2f}x; goal <= 10 ms)")
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=N), rng.normal(size=N)
    if torch is not None:
        torch.set_num_threads(1)                      # numpy's elementwise ops use one thread too
        print(f"torch {torch.__version__} (1 thread), numpy {np.__version__}, {N:.0e} float64 parameters")
    else:
        print(f"torch is not installed: no torch column. numpy {np.__version__}, {N:.0e} float64 parameters")
    copy, root = time_copy(x), time_sqrt(x)
    print(f"np.copy {copy * 1e3:.2f} ms; np.sqrt (into a preallocated array) {root * 1e3:.2f} ms "
          f"= {root / copy:.1f} copies")
    header = f"{'optimizer':44s} {'stepcourse':>11s} {'np.copy':>9s} {'sc/copy':>8s}"
    if torch is not None:
        header += f" {'torch':>9s} {'torch/copy':>10s} {'sc/torch':>8s}"
    print(header)
    for name, kwargs in CONFIGS:
        copy = time_copy(x)
        ours = time_stepcourse(name, kwargs, x, g)
        label = name + "(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")"
        line = f"{label:44s} {ours * 1e3:8.2f} ms {copy * 1e3:6.2f} ms {ours / copy:7.1f}x"
        if torch is not None:
            theirs = time_torch(name, kwargs, x, g)
            line += f" {theirs * 1e3:6.2f} ms {theirs / copy:9.1f}x {ours / theirs:7.2f}x"
        print(line)
        if (name, kwargs) == ("Adam", {"lr": 1e-3}):
            adam_line = (ours, copy)
    ours, copy = adam_line
    print(f"Adam on {N:.0e} parameters: {ours * 1e3:.2f} ms per step = {ours / (7 * copy):.2f}x the "
          f"memory-bandwidth floor of 7 array copies ({7 * copy * 1e3:.2f} ms; goal <= 2x)")


if __name__ == "__main__":
    main()
