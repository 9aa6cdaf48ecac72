"""sc.optim against torch.optim: golden trajectories, a live comparison, and argument validation.

The golden file is made by ``tests/make_fixtures.py`` (torch only). Each case is replayed here with
numpy gradients written out below, which are the same functions the fixture script used, so both
optimizers see bit-identical gradients as long as their iterates agree.
"""
from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pytest

import stepcourse as sc
from stepcourse import optim

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "optim_trajectories.npz"
TOL = 1e-10
# Adaptive methods near a minimum with a constant rate: torch disagrees with itself (start moved by
# 1e-14) before the last step. These are compared over the fixture's horizon only.
CHAOTIC = {"RMSprop-weight_decay-quadratic", "Adam-betas-rosenbrock", "Adam-betas-quadratic"}

with np.load(FIXTURE) as _data:
    DATA = {k: _data[k] for k in _data.files}
CASES = json.loads(str(DATA["cases"]))
QUAD_A, QUAD_B = DATA["quad_A"], DATA["quad_b"]
STARTS = {"rosenbrock": DATA["rosenbrock_x0"], "quadratic": DATA["quad_x0"], "dict": DATA["quad_x0"]}


def rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def quadratic_grad(x):
    return QUAD_A @ x - QUAD_B


def split(z):
    return {"W": z[:4].reshape(2, 2), "b": z[4:]}


def join(d):
    return np.concatenate([d["W"].ravel(), d["b"].ravel()])


def schedule_from(spec):
    """The sc.schedules object (or number) described by a fixture's lr spec."""
    if not isinstance(spec, dict):
        return spec
    args = {k: schedule_from(v) if isinstance(v, dict) else v for k, v in spec["args"].items()}
    return getattr(sc.schedules, spec["name"])(**args)


def make_optimizer(case):
    kwargs = dict(case["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return getattr(sc.optim, case["opt"])(lr=schedule_from(case["lr"]), **kwargs)


def sc_trajectory(case, x0=None):
    """Iterates (steps + 1, d) of sc.optim on a fixture case."""
    problem = case["problem"]
    grad = rosenbrock_grad if problem == "rosenbrock" else quadratic_grad
    x = STARTS[problem].copy() if x0 is None else x0
    params = split(x) if problem == "dict" else x
    opt = make_optimizer(case)
    state = opt.init(params)
    xs = np.empty((case["steps"] + 1, x.size))
    xs[0] = x
    for k in range(case["steps"]):
        g = case["sign"] * grad(xs[k])
        params, state = opt.step(params, split(g) if problem == "dict" else g, state)
        xs[k + 1] = join(params) if problem == "dict" else params
    assert state.step == case["steps"]
    return xs


def compared_steps(name, horizon, steps):
    """How many steps to compare, after checking the horizon is what the case promises."""
    if name in CHAOTIC:
        assert 50 <= horizon < steps, f"{name}: horizon {horizon}"
        return horizon
    assert horizon >= steps >= 200, f"{name} is not chaotic in the fixture but its horizon is {horizon}"
    return steps


# Adam and AdamW have a third lane, fused (with numba): these cases are replayed through it too.
LANE_CASES = [(which, i) for i, case in enumerate(CASES)
              for which in ("scalar", "array") + (("fused",) if case["opt"] in ("Adam", "AdamW") else ())]


@pytest.mark.parametrize("which, i", LANE_CASES, ids=[f"{w}-{CASES[i]['name']}" for w, i in LANE_CASES])
def test_trajectory_matches_torch_fixture(i, which, monkeypatch):
    # The fixtures' parameters are small, so they take the scalar lane; "array" sends them through the
    # numpy lane instead, in blocks of 3 entries, and "fused" through the compiled loop of
    # stepcourse._fused (skipped without numba).
    if which == "array":
        monkeypatch.setattr(optim, "_SMALL", -1)
        monkeypatch.setattr(optim, "_BLOCK", 3)
    if which == "fused":
        pytest.importorskip("numba")
        monkeypatch.setattr(optim, "_SMALL", -1)
        monkeypatch.setattr(optim, "_FUSED", -1)
        from stepcourse import _fused
        calls = []
        monkeypatch.setattr(_fused, "adam", lambda *a, _adam=_fused.adam: calls.append(1) or _adam(*a))
    case = CASES[i]
    expected = DATA[f"traj_{i}"]
    n = compared_steps(case["name"], int(DATA["horizons"][i]), case["steps"])
    got = sc_trajectory(case)
    assert got.shape == expected.shape
    err = np.max(np.abs(got[: n + 1] - expected[: n + 1]))
    assert err <= TOL, f"{case['name']}: max |sc - torch| = {err:.3g} over {n} steps"
    # The case means something: the iterates moved.
    assert np.max(np.abs(expected[n] - expected[0])) > 1e-2
    if which == "fused":
        assert len(calls) == case["steps"] * (2 if case["problem"] == "dict" else 1)


def test_fixture_grid_covers_every_option():
    opts = {c["opt"] for c in CASES}
    assert opts == {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}
    options = {(c["opt"], k) for c in CASES for k in c["kwargs"]}
    for opt, names in {
        "SGD": ["momentum", "dampening", "nesterov", "weight_decay", "maximize"],
        "Adagrad": ["lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"],
        "RMSprop": ["alpha", "eps", "weight_decay", "momentum", "centered", "maximize"],
        "Adam": ["betas", "eps", "weight_decay", "amsgrad", "maximize"],
        "AdamW": ["weight_decay", "amsgrad"],
    }.items():
        for name in names:
            assert (opt, name) in options, (opt, name)
    schedules = {c["lr"]["name"] for c in CASES if isinstance(c["lr"], dict)}
    assert schedules == {"constant", "step_decay", "exponential", "cosine_annealing", "one_cycle",
                         "linear_warmup"}
    assert {c["problem"] for c in CASES} == {"rosenbrock", "quadratic", "dict"}
    assert all(c["steps"] >= 200 for c in CASES)
    assert len(CHAOTIC & {c["name"] for c in CASES}) == len(CHAOTIC)


@pytest.mark.parametrize("i", range(len(json.loads(str(DATA["clip_cases"])))))
def test_clip_grad_norm_matches_torch_fixture(i):
    seed, shapes, max_norm, norm_type = json.loads(str(DATA["clip_cases"]))[i]
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=tuple(s)) for s in shapes]
    given = grads[0] if len(grads) == 1 else {f"g{j}": g for j, g in enumerate(grads)}
    clipped, total = sc.optim.clip_grad_norm(given, max_norm, norm_type)
    flat = clipped.ravel() if len(grads) == 1 else np.concatenate([clipped[f"g{j}"].ravel()
                                                                   for j in range(len(grads))])
    assert total == pytest.approx(float(DATA[f"clip_total_{i}"]), rel=1e-13)
    np.testing.assert_allclose(flat, DATA[f"clip_{i}"], rtol=1e-13, atol=0)


# -- live comparison ---------------------------------------------------------------------------------

def test_fixture_is_current(fixtures_script):
    assert json.loads(json.dumps(fixtures_script.CASES)) == CASES
    np.testing.assert_array_equal(fixtures_script.QUAD_A, QUAD_A)
    np.testing.assert_array_equal(fixtures_script.QUAD_X0, STARTS["quadratic"])


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_trajectory_matches_torch_live(fixtures_script, i):
    case = fixtures_script.CASES[i]
    expected = fixtures_script.torch_trajectory(case)
    horizon = fixtures_script.horizon(expected, fixtures_script.torch_trajectory(case, 1e-14))
    n = compared_steps(case["name"], horizon, case["steps"])
    got = sc_trajectory(json.loads(json.dumps(case)))
    err = np.max(np.abs(got[: n + 1] - expected[: n + 1]))
    assert err <= TOL, f"{case['name']}: max |sc - torch| = {err:.3g} over {n} steps"


@pytest.mark.parametrize("i", range(len(json.loads(str(DATA["clip_cases"])))))
def test_clip_grad_norm_matches_torch_live(fixtures_script, i):
    seed, shapes, max_norm, norm_type = fixtures_script.CLIP_CASES[i]
    grads = fixtures_script.clip_grads(seed, shapes)
    expected, total = fixtures_script.torch_clip(grads, max_norm, norm_type)
    clipped, got_total = sc.optim.clip_grad_norm({f"g{j}": g for j, g in enumerate(grads)}, max_norm,
                                                 norm_type)
    assert got_total == pytest.approx(total, rel=1e-13)
    for j, e in enumerate(expected):
        np.testing.assert_allclose(clipped[f"g{j}"], e, rtol=1e-13, atol=0)


# -- behaviour ----------------------------------------------------------------------------------------

def test_docstring_examples():
    result = doctest.testmod(sc.optim, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


def test_defaults_are_torchs():
    assert sc.optim.SGD() == sc.optim.SGD(1e-3, 0, 0, 0, False, maximize=False)
    assert sc.optim.Adagrad() == sc.optim.Adagrad(1e-2, 0, 0, 0, 1e-10, maximize=False)
    assert sc.optim.RMSprop() == sc.optim.RMSprop(1e-2, 0.99, 1e-8, 0, 0, False, maximize=False)
    assert sc.optim.Adam() == sc.optim.Adam(1e-3, (0.9, 0.999), 1e-8, 0, False, maximize=False)
    assert sc.optim.AdamW() == sc.optim.AdamW(1e-3, (0.9, 0.999), 1e-8, 1e-2, False, maximize=False)
    with pytest.raises(TypeError):
        sc.optim.SGD(0.1, 0.9, 0, 0, False, True)     # maximize is keyword-only, as in torch's SGD


def test_schedule_is_read_at_the_number_of_completed_steps():
    rates = [0.5, 0.25, 0.125]
    opt = sc.optim.SGD(lr=lambda t: rates[t])
    x = np.array([1.0, -1.0])
    state = opt.init(x)
    for t, rate in enumerate(rates):
        assert opt.lr_at(t) == rate
        x_new, state = opt.step(x, np.ones(2), state)
        np.testing.assert_array_equal(x_new, x - rate)
        x = x_new
    assert sc.optim.Adam(lr=0.3).lr_at(12345) == 0.3


def test_bad_schedule_output_is_reported():
    opt = sc.optim.SGD(lr=lambda t: -0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.step(np.ones(2), np.ones(2), opt.init(np.ones(2)))
    opt = sc.optim.SGD(lr=lambda t: "fast")
    with pytest.raises(TypeError, match="lr"):
        opt.lr_at(0)


def test_state_has_torch_names_and_a_readable_repr():
    p = {"w": np.zeros((300, 200)), "b": np.zeros(3)}
    state = sc.optim.Adam(amsgrad=True).init(p)
    assert [f for f in ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq") if hasattr(state, f)] == \
        ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert set(state.exp_avg) == {"w", "b"}
    text = repr(state)
    assert "AdamState(step=0" in text and "(300, 200)" in text and "exp_avg_sq=" in text
    assert len(text) < 600
    assert sc.optim.Adam().init(np.zeros(2)).max_exp_avg_sq is None
    assert sc.optim.SGD().init(np.zeros(2)).momentum_buffer is None
    r = sc.optim.RMSprop(momentum=0.5).init(np.zeros(2))
    assert r.grad_avg is None and r.momentum_buffer.shape == (2,) and r.square_avg.shape == (2,)
    a = sc.optim.Adagrad(initial_accumulator_value=0.25).init(np.zeros(3))
    np.testing.assert_array_equal(a.sum, [0.25, 0.25, 0.25])
    with pytest.raises(Exception):
        state.step = 3                        # frozen


def test_sgd_momentum_buffer_starts_undampened():
    opt = sc.optim.SGD(lr=1.0, momentum=0.9, dampening=0.5)
    x = np.zeros(1)
    x, state = opt.step(x, np.array([2.0]), opt.init(x))
    np.testing.assert_array_equal(state.momentum_buffer, [2.0])           # b_1 = g, no dampening
    x, state = opt.step(x, np.array([2.0]), state)
    np.testing.assert_allclose(state.momentum_buffer, [0.9 * 2.0 + 0.5 * 2.0])


def test_diverging_steps_propagate_inf_without_warnings():
    import warnings
    opt = sc.optim.Adam(lr=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, state = opt.step(np.array([1e308, 0.0]), np.array([np.inf, 0.0]), opt.init(np.zeros(2)))
    assert not np.all(np.isfinite(x))


# -- validation --------------------------------------------------------------------------------------

O = sc.optim
INVALID = [
    (O.SGD, {"lr": -0.1}, ValueError, "lr"),
    (O.SGD, {"lr": float("nan")}, ValueError, "lr"),
    (O.SGD, {"lr": "0.1"}, TypeError, "lr"),
    (O.SGD, {"lr": True}, TypeError, "lr"),
    (O.SGD, {"momentum": -0.5}, ValueError, "momentum"),
    (O.SGD, {"momentum": None}, TypeError, "momentum"),
    (O.SGD, {"dampening": -0.1}, ValueError, "dampening"),
    (O.SGD, {"dampening": 1.5}, ValueError, "dampening"),
    (O.SGD, {"weight_decay": -1e-4}, ValueError, "weight_decay"),
    (O.SGD, {"nesterov": True}, ValueError, "nesterov"),
    (O.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "nesterov"),
    (O.SGD, {"nesterov": "yes", "momentum": 0.9}, TypeError, "nesterov"),
    (O.SGD, {"maximize": 1}, TypeError, "maximize"),
    (O.Adagrad, {"lr": -1.0}, ValueError, "lr"),
    (O.Adagrad, {"lr_decay": -0.1}, ValueError, "lr_decay"),
    (O.Adagrad, {"weight_decay": -0.1}, ValueError, "weight_decay"),
    (O.Adagrad, {"initial_accumulator_value": -0.1}, ValueError, "initial_accumulator_value"),
    (O.Adagrad, {"eps": -1e-10}, ValueError, "eps"),
    (O.RMSprop, {"alpha": -0.1}, ValueError, "alpha"),
    (O.RMSprop, {"alpha": 1.5}, ValueError, "alpha"),
    (O.RMSprop, {"eps": -1.0}, ValueError, "eps"),
    (O.RMSprop, {"momentum": -0.9}, ValueError, "momentum"),
    (O.RMSprop, {"weight_decay": -1.0}, ValueError, "weight_decay"),
    (O.RMSprop, {"centered": "no"}, TypeError, "centered"),
    (O.Adam, {"lr": -1e-3}, ValueError, "lr"),
    (O.Adam, {"betas": (1.0, 0.999)}, ValueError, r"betas\[0\]"),
    (O.Adam, {"betas": (-0.1, 0.999)}, ValueError, r"betas\[0\]"),
    (O.Adam, {"betas": (0.9, 1.0)}, ValueError, r"betas\[1\]"),
    (O.Adam, {"betas": (0.9,)}, ValueError, "betas"),
    (O.Adam, {"betas": 0.9}, TypeError, "betas"),
    (O.Adam, {"betas": (0.9, "0.999")}, TypeError, r"betas\[1\]"),
    (O.Adam, {"eps": -1e-8}, ValueError, "eps"),
    (O.Adam, {"weight_decay": -1.0}, ValueError, "weight_decay"),
    (O.Adam, {"amsgrad": None}, TypeError, "amsgrad"),
    (O.AdamW, {"weight_decay": -1e-2}, ValueError, "weight_decay"),
    (O.AdamW, {"betas": (0.9, 2.0)}, ValueError, r"betas\[1\]"),
]


@pytest.mark.parametrize("cls, kwargs, error, name", INVALID,
                         ids=[f"{c.__name__}-{list(k)[0]}-{i}" for i, (c, k, _, _) in enumerate(INVALID)])
def test_invalid_hyperparameters_are_named(cls, kwargs, error, name):
    with pytest.raises(error, match=name) as info:
        cls(**kwargs)
    message = str(info.value)
    value = list(kwargs.values())[-1] if name != "nesterov" else kwargs["nesterov"]
    if not (isinstance(value, float) and math.isnan(value)) and not isinstance(value, tuple):
        assert repr(value) in message or str(value) in message, message


@pytest.mark.parametrize("cls", [O.SGD, O.Adagrad, O.RMSprop, O.Adam, O.AdamW])
def test_structure_errors_are_clear(cls):
    opt = cls(lr=0.1, momentum=0.9) if cls is O.SGD else cls(lr=0.1)
    p = {"w": np.zeros((2, 3)), "b": np.zeros(2)}
    g = {"w": np.ones((2, 3)), "b": np.ones(2)}
    _, state = opt.step(p, g, opt.init(p))                     # the valid call works
    with pytest.raises(ValueError, match="'c'"):
        opt.step(p, {"w": g["w"], "c": g["b"]}, state)
    with pytest.raises(ValueError, match="missing"):
        opt.step(p, {"w": g["w"]}, state)
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3, 2\)"):
        opt.step(p, {"w": np.ones((3, 2)), "b": g["b"]}, state)
    with pytest.raises(TypeError, match="params is a dict but grads is an array"):
        opt.step(p, np.ones(8), state)
    with pytest.raises(ValueError, match="grads has shape"):
        opt.step(np.zeros(3), np.zeros(4), opt.init(np.zeros(3)))
    with pytest.raises(ValueError, match="keys"):
        opt.step({"w": p["w"]}, {"w": g["w"]}, state)          # state of other params
    with pytest.raises(ValueError, match="shape"):
        opt.step(np.zeros(5), np.zeros(5), opt.step(np.zeros(4), np.ones(4), opt.init(np.zeros(4)))[1])
    with pytest.raises(TypeError, match="state"):
        opt.step(p, g, object())
    with pytest.raises(ValueError, match="empty"):
        opt.init({})
    with pytest.raises(TypeError, match="params"):
        opt.init("weights")


def test_state_of_another_optimizer_is_rejected():
    x = np.zeros(2)
    with pytest.raises(TypeError, match="AdamState"):
        sc.optim.Adam().step(x, x, sc.optim.SGD().init(x))
    with pytest.raises(ValueError, match="max_exp_avg_sq"):
        sc.optim.Adam(amsgrad=True).step(x, x, sc.optim.Adam().init(x))


def test_clip_grad_norm_validation():
    g = np.ones(3)
    for bad, error in [(0.0, ValueError), (-1.0, ValueError), ("1", TypeError), (np.inf, ValueError)]:
        with pytest.raises(error, match="max_norm"):
            sc.optim.clip_grad_norm(g, bad)
    for bad, error in [(0.0, ValueError), (-2.0, ValueError), (None, TypeError)]:
        with pytest.raises(error, match="norm_type"):
            sc.optim.clip_grad_norm(g, 1.0, bad)
    clipped, total = sc.optim.clip_grad_norm(np.array([3.0, -4.0]), 1.0, "inf")
    assert total == 4.0


@pytest.mark.parametrize("make", [
    lambda: sc.optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
    lambda: sc.optim.Adagrad(lr=0.1),
    lambda: sc.optim.RMSprop(lr=0.01, centered=True, momentum=0.5),
    lambda: sc.optim.Adam(lr=0.1, amsgrad=True),
    lambda: sc.optim.AdamW(lr=0.1),
], ids=["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_zero_dimensional_parameters_step_like_any_other(make):
    # a scalar bias (shape ()) next to a weight vector: each coordinate must follow the same rule
    opt = make()
    params = {"w": np.array([0.5, 0.5]), "b": np.array(0.5)}
    grads = {"w": np.array([1.0, 1.0]), "b": np.array(1.0)}
    state = opt.init(params)
    for _ in range(4):
        params, state = opt.step(params, grads, state)
    assert isinstance(params["b"], np.ndarray) and params["b"].shape == ()
    assert params["b"] == pytest.approx(params["w"][0], abs=1e-15)


@pytest.mark.parametrize("name", sorted(optim.NAMES))
def test_by_name_makes_the_named_optimizer(name):
    opt = optim.by_name(name.lower(), lr=0.05)
    cls, preset = optim.NAMES[name]
    assert type(opt) is cls and opt.lr == 0.05
    assert all(getattr(opt, k) == v for k, v in preset.items())


def test_by_name_nesterov_without_momentum_is_plain_sgd_and_hyperparameters_pass_through():
    assert optim.by_name("Nesterov", lr=0.1, momentum=0.0) == optim.SGD(lr=0.1)
    assert optim.by_name("adam", lr=0.1, betas=(0.5, 0.9)).betas == (0.5, 0.9)


def test_by_name_rejects_unknown_names_and_hyperparameters():
    with pytest.raises(ValueError, match="name must be one of"):
        optim.by_name("lion", lr=0.1)
    with pytest.raises(TypeError, match="hyperparameters are"):
        optim.by_name("adagrad", lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="name must be an optimizer name"):
        optim.by_name(optim.Adam)


def test_fast_lane_refuses_a_state_of_another_shape():
    opt = optim.Adam(lr=0.1)
    state = opt.init(np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        opt.step(np.zeros(2), np.ones(2), state)


def test_fast_lane_gives_the_general_paths_numbers():
    opt = optim.Adam(lr=0.1, amsgrad=True)
    x = np.array([1.0, -2.0])
    a, sa = x, opt.init(x)
    d, sd = {"x": x}, opt.init({"x": x})
    for _ in range(20):
        a, sa = opt.step(a, 2 * a + 0.3, sa)
        d, sd = opt.step(d, {"x": 2 * d["x"] + 0.3}, sd)
    assert np.array_equal(a, d["x"]) and np.array_equal(sa.max_exp_avg_sq, sd.max_exp_avg_sq["x"])
    assert sa.step == 20 and repr(sa).startswith("AdamState(step=20")
