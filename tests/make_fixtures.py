"""Golden fixtures for the optimizers and schedules: trajectories and learning rates from torch.optim.

Run from the repository root with a Python that has torch 2.x (not needed by the package or CI;
a separate virtual environment is best, never the project's own), for example:

    path/to/python-with-torch tests/make_fixtures.py

Writes two files in tests/fixtures/:

``optim_trajectories.npz``
    For every case of :data:`CASES` (an optimizer, its hyperparameters, an lr that is a number or a
    schedule driven by the matching torch scheduler, and a problem), the float64 iterates
    ``x_0, ..., x_steps`` of torch.optim, and the case's *horizon*: the number of steps over which a
    rerun from a start perturbed by 1e-14 stays within 1e-12 of the original (``steps`` when it always
    does). Past the horizon torch disagrees with itself, so no comparison there means anything.
``schedules.npz``
    For every setting of :data:`SCHEDULES`, the learning rate of each step from the torch scheduler.

``optim_trajectories.npz`` also holds :data:`CLIP_CASES`: gradients and what
``torch.nn.utils.clip_grad_norm_`` makes of them.

The problems are Rosenbrock from (-1.2, 1), a seeded random 5-D quadratic ``0.5 x^T A x - b^T x``,
and the same quadratic with its parameters split into a dict of two tensors. Gradients are computed by
the numpy functions below (not autograd), so a test that replays a case with the same functions feeds
the optimizer bit-identical gradients. A "maximize" case passes the gradient of ``-f`` with
``maximize=True``, which minimizes ``f``. Nothing here imports stepcourse.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).parent
OPTIM_OUT = HERE / "fixtures" / "optim_trajectories.npz"
SCHEDULES_OUT = HERE / "fixtures" / "schedules.npz"
STEPS = 200
PERTURBATION = 1e-14
TOLERANCE = 1e-12


# -- problems (numpy) ----------------------------------------------------------------------------------

def make_quadratic(seed: int = 0, dim: int = 5):
    """A, b, x0 of a random quadratic with Hessian eigenvalues from 0.5 to 10."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = Q @ np.diag(np.geomspace(0.5, 10.0, dim)) @ Q.T
    A = (A + A.T) / 2
    return A, rng.normal(size=dim), rng.normal(scale=2.0, size=dim)


QUAD_A, QUAD_B, QUAD_X0 = make_quadratic()
ROSENBROCK_X0 = np.array([-1.2, 1.0])
DICT_SHAPES = {"W": (2, 2), "b": (1,)}


def rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def quadratic_grad(x, A=QUAD_A, b=QUAD_B):
    return A @ x - b


def split(z):
    """The flat 5-vector as the dict {"W": (2, 2), "b": (1,)}."""
    return {"W": z[:4].reshape(2, 2), "b": z[4:]}


def start(problem):
    return {"rosenbrock": ROSENBROCK_X0, "quadratic": QUAD_X0, "dict": QUAD_X0}[problem].copy()


def gradient(problem, x):
    """Gradient at the flat point ``x`` (for "dict", of the flattened dict)."""
    return rosenbrock_grad(x) if problem == "rosenbrock" else quadratic_grad(x)


# -- the grid -------------------------------------------------------------------------------------------

def _case(name, opt, kwargs, problem, lr=None, schedule=None, sign=1):
    """One case. ``lr`` is a number, or ``schedule`` a spec {"name": ..., "args": {...}} (see below)."""
    kw = dict(kwargs)
    if schedule is not None:
        lr_spec = schedule
    else:
        lr_spec = float(lr)
    return {"name": name, "opt": opt, "kwargs": kw, "lr": lr_spec, "problem": problem, "sign": sign,
            "steps": STEPS}


def sched(name, **args):
    return {"name": name, "args": args}


def build_cases():
    cases = []
    # (optimizer, label, kwargs, lr on Rosenbrock, lr on the quadratic, gradient sign)
    grid = [
        ("SGD", "plain", {}, 1e-3, 0.05, 1),
        ("SGD", "momentum", {"momentum": 0.9}, 2e-4, 0.02, 1),
        ("SGD", "dampening", {"momentum": 0.9, "dampening": 0.5}, 2e-4, 0.02, 1),
        ("SGD", "nesterov", {"momentum": 0.9, "nesterov": True}, 2e-4, 0.02, 1),
        ("SGD", "weight_decay", {"momentum": 0.5, "weight_decay": 0.1}, 5e-4, 0.05, 1),
        ("SGD", "maximize", {"momentum": 0.5, "maximize": True}, 5e-4, 0.05, -1),
        ("Adagrad", "default", {}, 0.1, 0.3, 1),
        ("Adagrad", "lr_decay", {"lr_decay": 0.01}, 0.1, 0.3, 1),
        ("Adagrad", "initial_accumulator", {"initial_accumulator_value": 0.5, "eps": 1e-6}, 0.1, 0.3, 1),
        ("Adagrad", "weight_decay", {"weight_decay": 0.1}, 0.1, 0.3, 1),
        ("Adagrad", "maximize", {"maximize": True}, 0.1, 0.3, -1),
        ("RMSprop", "default", {}, 1e-3, 0.01, 1),
        ("RMSprop", "centered", {"centered": True}, 1e-3, 0.01, 1),
        ("RMSprop", "momentum", {"momentum": 0.9}, 1e-4, 1e-3, 1),
        ("RMSprop", "centered_momentum", {"centered": True, "momentum": 0.5}, 1e-3, 5e-3, 1),
        ("RMSprop", "weight_decay", {"weight_decay": 0.1, "alpha": 0.9}, 1e-3, 0.01, 1),
        ("RMSprop", "alpha_0.3", {"alpha": 0.3, "centered": True, "eps": 1e-2}, 1e-3, 0.01, 1),
        ("RMSprop", "maximize", {"maximize": True}, 1e-3, 0.01, -1),
        ("Adam", "default", {}, 0.01, 0.05, 1),
        ("Adam", "amsgrad", {"amsgrad": True}, 0.01, 0.05, 1),
        ("Adam", "weight_decay", {"weight_decay": 0.1}, 0.01, 0.05, 1),
        ("Adam", "betas", {"betas": (0.3, 0.9), "eps": 1e-6}, 0.005, 0.01, 1),
        ("Adam", "maximize_amsgrad", {"maximize": True, "amsgrad": True}, 0.01, 0.05, -1),
        ("AdamW", "default", {}, 0.01, 0.05, 1),
        ("AdamW", "amsgrad", {"weight_decay": 0.1, "amsgrad": True}, 0.01, 0.05, 1),
    ]
    for opt, label, kw, lr_r, lr_q, sign in grid:
        cases.append(_case(f"{opt}-{label}-rosenbrock", opt, kw, "rosenbrock", lr=lr_r, sign=sign))
        cases.append(_case(f"{opt}-{label}-quadratic", opt, kw, "quadratic", lr=lr_q, sign=sign))

    # Every schedule as the lr of an optimizer.
    scheduled = [
        ("SGD", {"momentum": 0.9}, "rosenbrock", sched("step_decay", lr=4e-4, step_size=40, gamma=0.5)),
        ("SGD", {}, "quadratic", sched("constant", lr=0.05)),
        ("Adam", {}, "rosenbrock", sched("cosine_annealing", lr=0.02, T_max=150, eta_min=1e-3)),
        ("RMSprop", {"centered": True}, "quadratic", sched("exponential", lr=0.02, gamma=0.99)),
        ("SGD", {"momentum": 0.9, "nesterov": True}, "quadratic",
         sched("one_cycle", max_lr=0.05, total_steps=STEPS)),
        ("Adam", {"amsgrad": True}, "rosenbrock",
         sched("one_cycle", max_lr=0.05, total_steps=STEPS + 20, pct_start=0.25, anneal_strategy="linear",
               three_phase=True)),
        ("AdamW", {"weight_decay": 0.05}, "quadratic",
         sched("linear_warmup", schedule_or_lr=sched("cosine_annealing", lr=0.05, T_max=180),
               warmup_steps=20, start_factor=0.1)),
        ("Adagrad", {}, "rosenbrock", sched("linear_warmup", schedule_or_lr=0.1, warmup_steps=30)),
        ("SGD", {"momentum": 0.5}, "rosenbrock",
         sched("linear_warmup", schedule_or_lr=sched("exponential", lr=1e-3, gamma=0.995), warmup_steps=10,
               start_factor=0.5)),
    ]
    for opt, kw, problem, spec in scheduled:
        cases.append(_case(f"{opt}-{spec['name']}-{problem}", opt, kw, problem, schedule=spec))

    # Dict parameters: two tensors.
    dict_grid = [
        ("SGD", {"momentum": 0.9, "nesterov": True}, 0.02),
        ("Adagrad", {"lr_decay": 0.01}, 0.3),
        ("RMSprop", {"centered": True, "momentum": 0.5}, 5e-3),
        ("Adam", {"amsgrad": True, "weight_decay": 0.1}, 0.05),
        ("AdamW", {}, sched("linear_warmup", schedule_or_lr=sched("step_decay", lr=0.05, step_size=50),
                            warmup_steps=10)),
    ]
    for opt, kw, lr in dict_grid:
        if isinstance(lr, dict):
            cases.append(_case(f"{opt}-dict", opt, kw, "dict", schedule=lr))
        else:
            cases.append(_case(f"{opt}-dict", opt, kw, "dict", lr=lr))
    return cases


CASES = build_cases()

SCHEDULES = [
    (sched("constant", lr=0.1), 60),
    (sched("step_decay", lr=0.1, step_size=7, gamma=0.5), 120),
    (sched("step_decay", lr=1.0, step_size=1, gamma=0.9), 120),
    (sched("step_decay", lr=0.3, step_size=10), 120),
    (sched("exponential", lr=0.1, gamma=0.95), 120),
    (sched("exponential", lr=1.0, gamma=0.5), 60),
    (sched("exponential", lr=0.05, gamma=1.02), 120),
    (sched("cosine_annealing", lr=0.1, T_max=50), 160),
    (sched("cosine_annealing", lr=1.0, T_max=30, eta_min=0.01), 120),
    (sched("cosine_annealing", lr=0.5, T_max=1), 20),
    (sched("one_cycle", max_lr=1.0, total_steps=50), 50),
    (sched("one_cycle", max_lr=0.1, total_steps=100, pct_start=0.25, anneal_strategy="linear"), 100),
    (sched("one_cycle", max_lr=0.5, total_steps=60, three_phase=True), 60),
    (sched("one_cycle", max_lr=2.0, total_steps=37, pct_start=0.4, div_factor=10.0, final_div_factor=100.0), 37),
    (sched("one_cycle", max_lr=1.0, total_steps=10, pct_start=0.45, anneal_strategy="linear",
           three_phase=True), 10),
    (sched("one_cycle", max_lr=0.3, total_steps=20, pct_start=0.02), 20),
    (sched("linear_warmup", schedule_or_lr=0.1, warmup_steps=5), 40),
    (sched("linear_warmup", schedule_or_lr=sched("cosine_annealing", lr=0.1, T_max=50), warmup_steps=10,
           start_factor=0.1), 120),
    (sched("linear_warmup", schedule_or_lr=sched("step_decay", lr=0.2, step_size=5, gamma=0.5),
           warmup_steps=3, start_factor=0.5), 60),
    (sched("linear_warmup", schedule_or_lr=sched("exponential", lr=0.1, gamma=0.9), warmup_steps=4,
           start_factor=1.0), 60),
    (sched("linear_warmup", schedule_or_lr=sched("one_cycle", max_lr=1.0, total_steps=40), warmup_steps=5,
           start_factor=0.25), 45),
    (sched("linear_warmup", schedule_or_lr=sched("constant", lr=0.05), warmup_steps=7), 30),
]

# (seed, shapes of the gradient arrays, max_norm, norm_type); one shape means a single array.
CLIP_CASES = [
    (0, [(3, 2), (4,)], 1.0, 2.0),
    (1, [(3, 2), (4,)], 100.0, 2.0),
    (2, [(5,)], 0.5, 2.0),
    (3, [(2, 2), (3,), (1,)], 1.0, 1.0),
    (4, [(2, 2), (3,)], 0.3, float("inf")),
    (5, [(6,), (2,)], 0.7, 3.0),
]


def clip_grads(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in shapes]


# -- torch ----------------------------------------------------------------------------------------------

def base_lr(spec):
    """The number to construct the torch optimizer with, for an lr that is a number or a schedule spec."""
    if not isinstance(spec, dict):
        return float(spec)
    args = spec["args"]
    if spec["name"] == "one_cycle":
        return args["max_lr"] / args.get("div_factor", 25.0)   # OneCycleLR overwrites it anyway
    if spec["name"] == "linear_warmup":
        return base_lr(args["schedule_or_lr"])
    return args["lr"]


def torch_scheduler(opt, spec):
    """The torch scheduler (or None) that gives ``opt`` the rates of ``spec``."""
    S = torch.optim.lr_scheduler
    if not isinstance(spec, dict):
        return None
    name, args = spec["name"], dict(spec["args"])
    if name == "constant":
        return S.LambdaLR(opt, lambda k: 1.0)
    if name == "step_decay":
        return S.StepLR(opt, step_size=args["step_size"], gamma=args.get("gamma", 0.1))
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=args["gamma"])
    if name == "cosine_annealing":
        return S.CosineAnnealingLR(opt, T_max=args["T_max"], eta_min=args.get("eta_min", 0.0))
    if name == "one_cycle":
        args.pop("max_lr")
        # cycle_momentum would also move the momentum; the schedule is of the learning rate only.
        return S.OneCycleLR(opt, max_lr=spec["args"]["max_lr"], cycle_momentum=False, **args)
    if name == "linear_warmup":
        warm = S.LinearLR(opt, start_factor=args.get("start_factor", 1.0 / 3), end_factor=1.0,
                          total_iters=args["warmup_steps"])
        inner = args["schedule_or_lr"]
        if not isinstance(inner, dict):
            return warm
        return S.SequentialLR(opt, schedulers=[warm, torch_scheduler(opt, inner)],
                              milestones=[args["warmup_steps"]])
    raise ValueError(f"unknown schedule {name!r}")


def torch_optimizer(case, tensors):
    cls = getattr(torch.optim, case["opt"])
    kwargs = dict(case["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = cls(tensors, lr=base_lr(case["lr"]), **kwargs)
    return opt, torch_scheduler(opt, case["lr"])


def torch_trajectory(case, perturbation=0.0):
    """Iterates (steps + 1, d) of torch.optim on the case, from the start plus ``perturbation``."""
    x0 = start(case["problem"]) + perturbation
    if case["problem"] == "dict":
        tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in split(x0).values()]
    else:
        tensors = [torch.tensor(x0, dtype=torch.float64, requires_grad=True)]
    opt, scheduler = torch_optimizer(case, tensors)
    xs = np.empty((case["steps"] + 1, x0.size))

    def flat():
        return np.concatenate([t.detach().numpy().ravel() for t in tensors])

    xs[0] = flat()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(case["steps"]):
            g = case["sign"] * gradient(case["problem"], xs[k])
            parts = [g] if case["problem"] != "dict" else list(split(g).values())
            for t, gi in zip(tensors, parts):
                t.grad = torch.tensor(gi, dtype=torch.float64)
            opt.step()
            if scheduler is not None:
                scheduler.step()
            xs[k + 1] = flat()
    return xs


def horizon(xs, xs_perturbed, tol=TOLERANCE):
    """Steps over which the perturbed run stays within ``tol`` of the original (len - 1 if always)."""
    bad = np.flatnonzero(np.max(np.abs(xs - xs_perturbed), axis=1) > tol)
    return int(bad[0] - 1) if bad.size else len(xs) - 1


def torch_lrs(spec, n):
    """The lr of steps 0..n from the torch scheduler matching ``spec`` (n + 1 values)."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr(spec))
    scheduler = torch_scheduler(opt, spec)
    lrs = [opt.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            opt.step()                      # no gradient: nothing moves, but the order is torch's
            if scheduler is not None:
                scheduler.step()
            lrs.append(opt.param_groups[0]["lr"])
    return np.array(lrs, dtype=float)


def torch_clip(grads, max_norm, norm_type):
    """(clipped gradients, total norm) from torch.nn.utils.clip_grad_norm_."""
    tensors = []
    for g in grads:
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g, dtype=torch.float64)
        tensors.append(t)
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type=norm_type)
    return [t.grad.numpy().copy() for t in tensors], float(total)


def clip_arrays():
    out = {}
    for i, (seed, shapes, max_norm, norm_type) in enumerate(CLIP_CASES):
        grads = clip_grads(seed, shapes)
        clipped, total = torch_clip(grads, max_norm, norm_type)
        out[f"clip_{i}"] = np.concatenate([c.ravel() for c in clipped])
        out[f"clip_total_{i}"] = np.array(total)
    out["clip_cases"] = np.array(json.dumps(CLIP_CASES))
    return out


def main():
    arrays = {}
    horizons = []
    for i, case in enumerate(CASES):
        xs = torch_trajectory(case)
        h = horizon(xs, torch_trajectory(case, PERTURBATION))
        arrays[f"traj_{i}"] = xs
        horizons.append(h)
        print(f"{case['name']:40s} horizon {h:4d}  |x_end| {np.abs(xs[-1]).max():.3g}")
    np.savez_compressed(
        OPTIM_OUT, cases=np.array(json.dumps(CASES)), horizons=np.array(horizons),
        quad_A=QUAD_A, quad_b=QUAD_B, quad_x0=QUAD_X0, rosenbrock_x0=ROSENBROCK_X0,
        perturbation=PERTURBATION, tolerance=TOLERANCE, torch_version=np.array(torch.__version__), **arrays, **clip_arrays())

    sched_arrays = {f"lrs_{i}": torch_lrs(spec, n) for i, (spec, n) in enumerate(SCHEDULES)}
    np.savez_compressed(SCHEDULES_OUT, specs=np.array(json.dumps([s for s, _ in SCHEDULES])),
                        torch_version=np.array(torch.__version__), **sched_arrays)
    for path in (OPTIM_OUT, SCHEDULES_OUT):
        print(f"wrote {path.relative_to(HERE.parent)} ({path.stat().st_size / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
