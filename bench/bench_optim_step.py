"""Time optimizer steps: 1000 steps on a 2-vector (the size explorers and chapters run in loops), and
one step on 1e6 float64 parameters against torch.optim and the memory-bandwidth floor.

    python bench/bench_optim_step.py              # torch columns only where torch is installed
    python bench/bench_optim_step.py --repeats 60 # more repeats on a busy machine

Small: 1000 ``step`` calls on a 2-vector (gradient 2x), against the same Adam arithmetic written as a
plain numpy loop. Goal: Adam at most 10 ms.

Large: one step on 1e6 parameters. For each optimizer it prints the time per step of ``sc.optim``
(which returns new arrays and never updates in place), of ``torch.optim`` (in place, one thread) if
torch can be imported, and of ``np.copy`` of the parameters (one read and one write of the same
bytes), with the ratios. Goals for Adam: at most torch.optim's time, and at most 2x the
memory-bandwidth floor of 7 array copies (read p, g, m, v; write p, m, v).

Every figure is the best of several repeats, and the repeats of stepcourse, torch and the copy are
interleaved, so that a change in the machine's load touches all three alike. The load average is
printed before and after: on a machine shared with other work, read the figures with it. The minor
page faults per step are printed too: glibc's malloc may hand freed memory back to the system and
fault it in again on the next step, which can double a step's time; which run it hits depends on what
else the process allocated, so torch's Adam is also timed alone, in a fresh process. For scale it
also times ``np.sqrt`` of the parameters: every adaptive method takes one square root per step, which
alone costs several copies, in torch as here.

Adam and AdamW on large arrays take the fused lane (one compiled loop, stepcourse/_fused.py) when
numba is installed (``pip install stepcourse[fast]``; the test extras include it): the script says
which lane ran, and with numba it also times those optimizers on the numpy array lane (rows marked
``[numpy lane]``), so one run gives the figures with and without the fast extra.
"""
from __future__ import annotations

import argparse
import os
import subprocess
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

try:
    import resource
except ImportError:                                   # not on Windows: no page-fault counts
    resource = None

N = 1_000_000
SMALL_STEPS = 1000
STEPS = 3                                             # steps per timed repeat on 1e6 parameters
SMALL_GOAL_MS = 10.0
FLOOR_GOAL = 2.0
CONFIGS = [
    ("SGD", {"lr": 1e-3}),
    ("SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-2, "momentum": 0.9, "centered": True}),
    ("Adam", {"lr": 1e-3}),
    ("Adam", {"lr": 1e-3, "amsgrad": True}),
    ("AdamW", {"lr": 1e-3}),
]
ADAM = ("Adam", {"lr": 1e-3})
FUSED_NAMES = ("Adam", "AdamW")                       # the optimizers with a fused lane


def label(name, kwargs):
    return name + "(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def interleaved_best(runs: dict, repeats: int, steps: int, faults: dict | None = None) -> dict:
    """Best time per step of each ``run(steps)``, the runs taking turns for ``repeats`` rounds; the
    mean minor page faults per step of each run go into ``faults`` if given."""
    for run in runs.values():
        run(2)                                        # past the first step's special cases
    best = dict.fromkeys(runs, np.inf)
    count = dict.fromkeys(runs, 0)
    for _ in range(repeats):
        for key, run in runs.items():
            before = minor_faults()
            start = time.perf_counter()
            run(steps)
            best[key] = min(best[key], (time.perf_counter() - start) / steps)
            count[key] += minor_faults() - before
    if faults is not None:
        faults.update({key: c / (repeats * steps) for key, c in count.items()})
    return best


TORCH_ALONE = """
import sys, time, numpy as np, torch
torch.set_num_threads(1)
rng = np.random.default_rng(0)
p = torch.tensor(rng.normal(size={n}), requires_grad=True)
p.grad = torch.tensor(rng.normal(size={n}))
opt = torch.optim.Adam([p], lr=1e-3)
opt.step(); opt.step()
best = float("inf")
for _ in range({repeats}):
    start = time.perf_counter()
    for _ in range({steps}):
        opt.step()
    best = min(best, (time.perf_counter() - start) / {steps})
print(best)
"""


def torch_alone(repeats: int) -> float:
    """torch.optim.Adam's best time per step on N parameters in a fresh process of its own, where
    nothing else shapes the allocator's heap (the allocator may return freed memory to the system
    and fault it in again each step, as it does for torch's temporaries on some machines)."""
    code = TORCH_ALONE.format(n=N, repeats=repeats, steps=STEPS)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


# -- 1000 steps on a 2-vector -----------------------------------------------------------------------

def small_stepcourse(opt):
    def run(steps):
        x = np.array([1.0, -2.0])
        state = opt.init(x)
        for _ in range(steps):
            x, state = opt.step(x, 2 * x, state)
    return run


def small_plain(steps):
    """The Adam arithmetic as a plain numpy loop (no state object, no checks)."""
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    x, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for t in range(1, steps + 1):
        g = 2 * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


def small(repeats):
    names = ["SGD", "momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "AdamW"]
    runs = {"plain numpy Adam loop": small_plain}
    runs.update({name: small_stepcourse(sc.optim.by_name(name, lr=0.1)) for name in names})
    best = interleaved_best(runs, repeats, SMALL_STEPS)
    print(f"{SMALL_STEPS} steps on a 2-vector (best of {repeats}):")
    for key, seconds in best.items():
        ms = seconds * SMALL_STEPS * 1e3
        print(f"  {key:22s} {ms:6.1f} ms")
    adam = best["Adam"] * SMALL_STEPS * 1e3
    plain = best["plain numpy Adam loop"] * SMALL_STEPS * 1e3
    print(f"goal: {SMALL_STEPS} Adam steps <= {SMALL_GOAL_MS:.0f} ms: {adam:.1f} ms ({adam / plain:.2f}x the "
          f"plain loop) {verdict(adam <= SMALL_GOAL_MS)}")


# -- one step on 1e6 parameters ---------------------------------------------------------------------

def fused_available() -> bool:
    """Whether Adam and AdamW take the fused lane on N parameters (numba imports)."""
    from stepcourse import _fused
    return _fused.AVAILABLE and N > sc.optim._FUSED


def lane_note() -> str:
    from stepcourse import _fused
    if fused_available():
        return (f"Adam and AdamW on {N:.0e} parameters: fused lane (numba {_fused.numba.__version__}); "
                f"rows marked [numpy lane] switch it off")
    return (f"Adam and AdamW on {N:.0e} parameters: numpy array lane (numba is not installed; "
            f"pip install stepcourse[fast] for the fused lane)")


def large_stepcourse(name, kwargs, x, g, fused=True):
    """Steps of ``sc.optim``; with ``fused=False`` the fused lane is switched off while it steps."""
    from stepcourse import _fused
    opt = getattr(sc.optim, name)(**kwargs)
    box = [x, opt.init(x)]

    def run(n):
        saved = _fused.AVAILABLE
        _fused.AVAILABLE = saved and fused
        try:
            for _ in range(n):
                box[0], box[1] = opt.step(box[0], g, box[1])
        finally:
            _fused.AVAILABLE = saved
    return run


def large_torch(name, kwargs, x, g):
    p = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g, dtype=torch.float64)
    opt = getattr(torch.optim, name)([p], **kwargs)

    def run(n):
        for _ in range(n):
            opt.step()
    return run


def large_copy(x):
    def run(n):
        for _ in range(n):
            np.copy(x)
    return run


def large_sqrt(x):
    out, v = np.empty_like(x), np.abs(x)

    def run(n):
        for _ in range(n):
            np.sqrt(v, out=out)
    return run


def large(repeats):
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=N), rng.normal(size=N)
    if torch is not None:
        torch.set_num_threads(1)                      # numpy's elementwise ops use one thread too
        print(f"torch {torch.__version__} (1 thread), numpy {np.__version__}, {N:.0e} float64 parameters, "
              f"best of {repeats} x {STEPS} steps")
    else:
        print(f"torch is not installed: no torch column. numpy {np.__version__}, {N:.0e} float64 "
              f"parameters, best of {repeats} x {STEPS} steps")
    print(lane_note())
    t = interleaved_best({"copy": large_copy(x), "sqrt": large_sqrt(x)}, repeats, STEPS)
    print(f"np.copy {t['copy'] * 1e3:.2f} ms; np.sqrt (into a preallocated array) {t['sqrt'] * 1e3:.2f} ms "
          f"= {t['sqrt'] / t['copy']:.1f} copies")
    header = f"{'optimizer':46s} {'stepcourse':>11s} {'np.copy':>9s} {'sc/copy':>8s}"
    if torch is not None:
        header += f" {'torch':>9s} {'torch/copy':>10s} {'sc/torch':>8s}"
    header += "  page faults per step (sc" + (", torch)" if torch is not None else ")")
    print(header)
    adam = numpy_adam = None
    fused = fused_available()
    for name, kwargs in CONFIGS:
        lanes = [True, False] if fused and name in FUSED_NAMES else [True]
        for use_fused in lanes:
            runs = {"sc": large_stepcourse(name, kwargs, x, g, use_fused), "copy": large_copy(x)}
            if torch is not None:
                runs["torch"] = large_torch(name, kwargs, x, g)
            faults = {}
            t = interleaved_best(runs, repeats, STEPS, faults)
            what = label(name, kwargs) + ("" if use_fused else " [numpy lane]")
            line = f"{what:46s} {t['sc'] * 1e3:8.2f} ms {t['copy'] * 1e3:6.2f} ms {t['sc'] / t['copy']:7.1f}x"
            if torch is not None:
                line += (f" {t['torch'] * 1e3:6.2f} ms {t['torch'] / t['copy']:9.1f}x "
                         f"{t['sc'] / t['torch']:7.2f}x")
            line += f"  {faults['sc']:.0f}" + (f", {faults['torch']:.0f}" if torch is not None else "")
            print(line)
            if (name, kwargs) == ADAM:
                if use_fused:
                    adam = t
                else:
                    numpy_adam = t
    floor = 7 * adam["copy"]
    ratio = adam["sc"] / floor
    which = "fused lane" if fused else "numpy array lane"
    print(f"goal: Adam on {N:.0e} parameters ({which}) <= {FLOOR_GOAL:.0f}x the memory-bandwidth floor of 7 "
          f"array copies: {adam['sc'] * 1e3:.2f} ms / {floor * 1e3:.2f} ms = {ratio:.2f}x "
          f"{verdict(ratio <= FLOOR_GOAL)}")
    if numpy_adam is not None:
        print(f"      without the fast extra (numpy array lane): {numpy_adam['sc'] * 1e3:.2f} ms = "
              f"{numpy_adam['sc'] / (7 * numpy_adam['copy']):.2f}x the floor")
    if torch is not None:
        ratio = adam["sc"] / adam["torch"]
        print(f"goal: Adam on {N:.0e} parameters ({which}) <= torch.optim.Adam (1 thread): "
              f"{adam['sc'] * 1e3:.2f} ms / {adam['torch'] * 1e3:.2f} ms = {ratio:.2f}x "
              f"{verdict(ratio <= 1.0)}")
        if numpy_adam is not None:
            print(f"      without the fast extra (numpy array lane): {numpy_adam['sc'] * 1e3:.2f} ms / "
                  f"{numpy_adam['torch'] * 1e3:.2f} ms = {numpy_adam['sc'] / numpy_adam['torch']:.2f}x")
        alone = torch_alone(repeats)
        print(f"      torch.optim.Adam alone in a fresh process: {alone * 1e3:.2f} ms per step "
              f"(stepcourse / that = {adam['sc'] / alone:.2f}x)")
    else:
        print("goal: Adam on 1e6 parameters <= torch.optim.Adam: not measured (torch is not installed)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25, help="timed repeats per figure (default 25)")
    args = parser.parse_args(argv)
    print(load())
    small(args.repeats)
    large(args.repeats)
    print(load())


if __name__ == "__main__":
    main()
