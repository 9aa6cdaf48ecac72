"""sc.schedules against torch.optim.lr_scheduler (golden fixture and live), and their contract."""
from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pytest

import stepcourse as sc

S = sc.schedules
HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "schedules.npz"
with np.load(FIXTURE) as _data:
    DATA = {k: _data[k] for k in _data.files}
SPECS = json.loads(str(DATA["specs"]))


def schedule_from(spec):
    if not isinstance(spec, dict):
        return spec
    args = {k: schedule_from(v) if isinstance(v, dict) else v for k, v in spec["args"].items()}
    return getattr(S, spec["name"])(**args)


def label(spec):
    return spec["name"] + "(" + ",".join(f"{k}={v['name'] if isinstance(v, dict) else v}"
                                         for k, v in spec["args"].items()) + ")"


@pytest.mark.parametrize("i", range(len(SPECS)), ids=[label(s) for s in SPECS])
def test_matches_torch_fixture(i):
    expected = DATA[f"lrs_{i}"]
    s = schedule_from(SPECS[i])
    got = np.array([s(t) for t in range(len(expected))])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_fixture_covers_every_schedule():
    names = {s["name"] for s in SPECS}
    assert names == set(S.NAMES)
    inner = {s["args"]["schedule_or_lr"]["name"] for s in SPECS
             if s["name"] == "linear_warmup" and isinstance(s["args"]["schedule_or_lr"], dict)}
    assert inner == names - {"linear_warmup"}
    cosines = [s for s in SPECS if s["name"] == "cosine_annealing"]
    assert any(len(DATA[f"lrs_{SPECS.index(s)}"]) > 2 * s["args"]["T_max"] for s in cosines)


def test_matches_torch_live(fixtures_script):
    assert json.loads(json.dumps([s for s, _ in fixtures_script.SCHEDULES])) == SPECS
    for spec, n in fixtures_script.SCHEDULES:
        expected = fixtures_script.torch_lrs(spec, n)
        s = schedule_from(spec)
        np.testing.assert_allclose([s(t) for t in range(n + 1)], expected, rtol=0, atol=1e-12,
                                   err_msg=label(spec))


def test_one_cycle_reference_check():
    s = S.one_cycle(1.0, total_steps=50)
    assert s(0) == pytest.approx(0.04, rel=1e-12)
    assert s(49) == pytest.approx(4e-6, rel=1e-9)
    assert max(s.lrs(50)) == pytest.approx(1.0, rel=1e-12)
    s(50)                                  # torch computes this one too (after the last step)
    with pytest.raises(ValueError, match="total_steps"):
        s(51)


def test_shapes_of_the_schedules():
    cos = S.cosine_annealing(0.5, T_max=20, eta_min=0.1)
    assert cos(0) == 0.5 and cos(20) == pytest.approx(0.1) and cos(10) == pytest.approx(0.3)
    for k in range(1, 20):                 # not clamped: back up along the cosine after T_max
        assert cos(20 + k) == pytest.approx(cos(20 - k), abs=1e-15)
    assert np.all(np.diff(cos.lrs(21)) < 0)
    step = S.step_decay(0.2, step_size=3)
    np.testing.assert_allclose(step.lrs(7), [0.2, 0.2, 0.2, 0.02, 0.02, 0.02, 0.002])
    assert S.exponential(2.0, 0.5)(3) == 0.25
    three = S.one_cycle(1.0, 100, pct_start=0.25, three_phase=True)
    lrs = three.lrs(100)
    assert lrs.argmax() == 24 and lrs[48] == pytest.approx(0.04) and lrs[-1] == pytest.approx(4e-6)
    lin = S.one_cycle(1.0, 11, pct_start=6 / 11, anneal_strategy="linear")
    np.testing.assert_allclose(lin.lrs(6), np.linspace(0.04, 1.0, 6))


def test_linear_warmup_composes_with_any_callable():
    warm = S.linear_warmup(0.3, warmup_steps=4, start_factor=0.25)
    np.testing.assert_allclose(warm.lrs(7), [0.075, 0.13125, 0.1875, 0.24375, 0.3, 0.3, 0.3])
    inner = S.cosine_annealing(0.3, T_max=10)
    warm = S.linear_warmup(inner, warmup_steps=5)
    assert warm(0) == pytest.approx(0.1) and warm(5) == inner(0) and warm(12) == inner(7)
    plain = S.linear_warmup(lambda t: 1.0 / (1 + t), warmup_steps=2, start_factor=0.5)
    np.testing.assert_allclose(plain.lrs(5), [0.5, 0.75, 1.0, 0.5, 1 / 3])
    nested = S.linear_warmup(S.linear_warmup(0.2, 2), 3)
    assert nested(3) == pytest.approx(0.2 / 3)


def test_t_is_a_count_of_steps():
    s = S.exponential(1.0, 0.5)
    assert s(np.int64(2)) == 0.25 and s(np.array(2)) == 0.25 and isinstance(s(np.int32(1)), float)
    with pytest.raises(ValueError, match="t"):
        s(-1)
    for bad in (1.5, "2", None, True):
        with pytest.raises(TypeError, match="t"):
            s(bad)
    assert s.lrs(0).shape == (0,)


def test_repr_is_the_call_that_makes_it():
    for s in [S.constant(0.1), S.step_decay(0.1, 5, 0.5), S.exponential(0.1, 0.9),
              S.cosine_annealing(0.1, 50, 1e-3), S.one_cycle(0.5, 60, three_phase=True),
              S.linear_warmup(S.cosine_annealing(0.1, 50), 5, 0.1), S.linear_warmup(0.1, 5)]:
        text = repr(s)
        assert text.startswith(text.split("(")[0]) and text.split("(")[0] in S.__all__
        rebuilt = eval(text, vars(S))
        assert rebuilt == s and rebuilt.lrs(30).tolist() == s.lrs(30).tolist()
    assert repr(S.cosine_annealing(0.1, 50)) == "cosine_annealing(lr=0.1, T_max=50, eta_min=0.0)"


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_every_schedule_works_as_lr(name):
    """A scheduled run equals a run that rebuilds the optimizer with lr=schedule(t) at every step."""
    cls = getattr(sc.optim, name)
    rng = np.random.default_rng(0)
    for schedule in [S.constant(0.05), S.step_decay(0.05, 3), S.exponential(0.05, 0.9),
                     S.cosine_annealing(0.05, 8), S.one_cycle(0.05, 12),
                     S.linear_warmup(S.cosine_annealing(0.05, 8), 3)]:
        opt = cls(lr=schedule)
        x = y = rng.normal(size=3)
        state = other = opt.init(x)
        for t in range(12):
            g = 2 * x + rng.normal(size=3)
            assert opt.lr_at(t) == schedule(t)
            x, state = opt.step(x, g, state)
            y, other = cls(lr=schedule(t)).step(y, g, other)
            np.testing.assert_array_equal(x, y)


def test_docstring_examples():
    result = doctest.testmod(S, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


INVALID = [
    (S.constant, (-0.1,), {}, ValueError, "lr"),
    (S.constant, ("0.1",), {}, TypeError, "lr"),
    (S.step_decay, (0.1, 0), {}, ValueError, "step_size"),
    (S.step_decay, (0.1, 2.5), {}, TypeError, "step_size"),
    (S.step_decay, (0.1, 5), {"gamma": -0.5}, ValueError, "gamma"),
    (S.step_decay, (float("inf"), 5), {}, ValueError, "lr"),
    (S.exponential, (0.1, -0.9), {}, ValueError, "gamma"),
    (S.exponential, (0.1, None), {}, TypeError, "gamma"),
    (S.cosine_annealing, (0.1, 0), {}, ValueError, "T_max"),
    (S.cosine_annealing, (0.1, 10), {"eta_min": -1.0}, ValueError, "eta_min"),
    (S.cosine_annealing, (0.1, True), {}, TypeError, "T_max"),
    (S.one_cycle, (0.0, 100), {}, ValueError, "max_lr"),
    (S.one_cycle, (1.0, 0), {}, ValueError, "total_steps"),
    (S.one_cycle, (1.0, 100.0), {}, TypeError, "total_steps"),
    (S.one_cycle, (1.0, 100), {"pct_start": 1.5}, ValueError, "pct_start"),
    (S.one_cycle, (1.0, 100), {"pct_start": 0.01}, ValueError, "pct_start"),
    (S.one_cycle, (1.0, 100), {"pct_start": 1.0}, ValueError, "pct_start"),
    (S.one_cycle, (1.0, 100), {"anneal_strategy": "exp"}, ValueError, "anneal_strategy"),
    (S.one_cycle, (1.0, 100), {"div_factor": 0}, ValueError, "div_factor"),
    (S.one_cycle, (1.0, 100), {"final_div_factor": -1}, ValueError, "final_div_factor"),
    (S.one_cycle, (1.0, 100), {"three_phase": "yes"}, TypeError, "three_phase"),
    (S.linear_warmup, (0.1, 0), {}, ValueError, "warmup_steps"),
    (S.linear_warmup, (0.1, 5), {"start_factor": 0.0}, ValueError, "start_factor"),
    (S.linear_warmup, (0.1, 5), {"start_factor": 1.5}, ValueError, "start_factor"),
    (S.linear_warmup, ("fast", 5), {}, TypeError, "schedule_or_lr"),
    (S.linear_warmup, (-0.1, 5), {}, ValueError, "schedule_or_lr"),
    (S.linear_warmup, (lambda t: -1.0, 5), {}, ValueError, "schedule_or_lr"),
]


@pytest.mark.parametrize("factory, args, kwargs, error, name", INVALID,
                         ids=[f"{f.__name__}-{n}-{i}" for i, (f, _, _, _, n) in enumerate(INVALID)])
def test_invalid_arguments_are_named(factory, args, kwargs, error, name):
    with pytest.raises(error, match=name) as info:
        factory(*args, **kwargs)
    value = list(kwargs.values())[-1] if kwargs else None
    if value is not None and not callable(value):
        assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_schedules_are_immutable_values():
    s = S.cosine_annealing(0.1, 50)
    with pytest.raises(Exception):
        s.lr = 1.0
    assert s == S.cosine_annealing(0.1, 50) and hash(s) == hash(S.cosine_annealing(0.1, 50))
    assert math.isclose(S.cosine_annealing(0.1, 50)(25), 0.05)


@pytest.mark.parametrize("name", sorted(S.NAMES))
def test_by_name_calls_the_factory(name):
    args = {s["name"]: s["args"] for s in SPECS}[name]
    made = S.by_name(name.upper(), **{k: (schedule_from(v) if isinstance(v, dict) else v)
                                      for k, v in args.items()})
    assert repr(made) == repr(schedule_from({"name": name, "args": args}))


def test_by_name_rejects_unknown_names_and_arguments():
    with pytest.raises(ValueError, match="name must be one of"):
        S.by_name("triangle", lr=0.1)
    with pytest.raises(TypeError, match="T_max"):
        S.by_name("cosine", lr=0.1, steps=10)
    with pytest.raises(TypeError, match="name must be a schedule name"):
        S.by_name(3)


@pytest.mark.parametrize("shape", S.RUN_SHAPES)
def test_for_run_starts_or_peaks_at_lr_and_ends_near_final(shape):
    lrs = S.for_run(shape, 0.5, 100, final=0.01).lrs(100)
    assert np.isclose(lrs.max(), 0.5)
    if shape != "constant":
        assert lrs[-1] <= 0.5 * 0.011 * (1.5 if shape == "step decay" else 1.0) + 1e-12


def test_for_run_rejects_short_runs_and_bad_shapes():
    with pytest.raises(ValueError, match="steps must be an integer >= 10"):
        S.for_run("cosine", 0.1, 5)
    with pytest.raises(ValueError, match="shape must be one of"):
        S.for_run("cosine annealing", 0.1, 50)
