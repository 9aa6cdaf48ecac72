"""Properties of sc.optim that hold for every hyperparameter setting (hypothesis)."""
from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import stepcourse as sc

O = sc.optim
FAST = settings(max_examples=40, deadline=None)

rates = st.floats(1e-4, 1.0)
unit = st.floats(0.0, 0.999)
decay = st.sampled_from([0.0, 1e-3, 0.1])
flag = st.booleans()


@st.composite
def optimizers(draw):
    """Any optimizer with valid hyperparameters."""
    kind = draw(st.sampled_from(["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]))
    lr = draw(rates)
    if kind == "SGD":
        momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
        nesterov = momentum > 0 and draw(flag)
        dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.3]))
        return O.SGD(lr, momentum, dampening, draw(decay), nesterov, maximize=draw(flag))
    if kind == "Adagrad":
        return O.Adagrad(lr, draw(decay), draw(decay), draw(st.sampled_from([0.0, 0.1])),
                         draw(st.sampled_from([1e-10, 1e-3])), maximize=draw(flag))
    if kind == "RMSprop":
        return O.RMSprop(lr, draw(unit), draw(st.sampled_from([1e-8, 1e-3])), draw(decay),
                         draw(st.sampled_from([0.0, 0.5])), draw(flag), maximize=draw(flag))
    cls = O.Adam if kind == "Adam" else O.AdamW
    return cls(lr, (draw(unit), draw(unit)), draw(st.sampled_from([1e-8, 1e-3])), draw(decay),
               draw(flag), maximize=draw(flag))


finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def vectors(n):
    return arrays(np.float64, n, elements=finite)


@st.composite
def problems(draw):
    """Two parameter arrays of random shapes and a few gradient steps' worth of gradients."""
    n1, n2 = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    steps = draw(st.integers(1, 4))
    x = draw(vectors(n1 + n2))
    gs = [draw(vectors(n1 + n2)) for _ in range(steps)]
    return n1, x, gs


def state_arrays(state):
    """Every array in a state, flattened out of dicts."""
    out = []
    for name in vars(state):
        value = getattr(state, name)
        if isinstance(value, dict):
            out.extend(value.values())
        elif isinstance(value, np.ndarray):
            out.append(value)
    return out


@contextlib.contextmanager
def lane(which):
    """Send every step down one lane of sc.optim: "scalar" (Python floats) or "array" (numpy, in
    blocks of 3 entries so that a few entries already cross block boundaries)."""
    saved = O._SMALL, O._BLOCK
    O._SMALL, O._BLOCK = (10**9, saved[1]) if which == "scalar" else (-1, 3)
    try:
        yield
    finally:
        O._SMALL, O._BLOCK = saved


LANES = ["scalar", "array"]
# Values where Python floats raise and IEEE gives inf or nan (x / 0, sqrt of a negative number), and
# values that overflow: the scalar lane must hand those steps to the array lane.
awkward = st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-300])
mixed = st.one_of(finite, awkward)


@st.composite
def harsh_optimizers(draw):
    """Any optimizer, also with eps = 0 (so that a zero gradient divides 0 by 0)."""
    opt = draw(optimizers())
    if hasattr(opt, "eps") and draw(flag):
        opt = type(opt)(**{**{f: getattr(opt, f) for f in opt.__dataclass_fields__}, "eps": 0.0})
    return opt


def assert_same_bits(a, b, what=""):
    """Equal entry for entry, the sign of zero included; any nan matches any nan (Python and numpy
    may order the operands of a commutative operation differently, which can change a nan's sign)."""
    nan = np.isnan(a)
    assert np.array_equal(nan, np.isnan(b)), what
    assert np.array_equal(a[~nan].view(np.uint64), b[~nan].view(np.uint64)), what


def run(opt, x, gs):
    """Parameters and state after stepping through the gradients ``gs``, and every warning raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = opt.init(x)
        for g in gs:
            x, state = opt.step(x, g, state)
    return x, state, caught


@FAST
@given(harsh_optimizers(), st.integers(0, 9), st.integers(1, 4), st.data())
def test_scalar_and_array_lanes_agree_bit_for_bit(opt, n, steps, data):
    """The two lanes compute one update: same numbers, inf and nan included, and no numpy warning."""
    shape = data.draw(st.sampled_from([(n,), (n, 1)] if n else [(0,), ()]))
    x = data.draw(arrays(np.float64, shape, elements=mixed))
    gs = [data.draw(arrays(np.float64, shape, elements=mixed)) for _ in range(steps)]
    with lane("scalar"):
        xs, ss, ws = run(opt, x, gs)
    with lane("array"):
        xa, sa, wa = run(opt, x, gs)
    assert ws == wa == []
    assert xs.shape == xa.shape == shape and xs.dtype == xa.dtype == np.float64
    assert_same_bits(xs, xa, "params")
    assert ss.step == sa.step == steps
    for name in vars(ss):
        a, b = getattr(ss, name), getattr(sa, name)
        assert (a is None) == (b is None), name
        if isinstance(a, np.ndarray):
            assert a.shape == b.shape == shape, name
            assert_same_bits(a, b, name)


def test_scalar_lane_hands_a_division_by_zero_to_the_array_lane():
    # eps = 0 and a zero gradient: the first Adam step divides 0 by 0, which Python refuses
    opt = O.Adam(lr=0.1, eps=0.0)
    x = np.array([1.0, 2.0])
    with lane("scalar"):
        new, state, caught = run(opt, x, [np.array([0.0, 1.0])])
    assert caught == []
    assert np.isnan(new[0]) and new[1] == pytest.approx(1.9)
    np.testing.assert_array_equal(state.exp_avg_sq, [0.0, 1 - 0.999])        # (1 - beta2) g^2


@pytest.mark.parametrize("which", LANES)
def test_each_lane_is_the_one_taken_for_its_sizes(which, monkeypatch):
    """Small arrays take the scalar lane and larger ones the array lane, without forcing."""
    called = []
    opt = O.Adam(lr=0.1)
    for method in ("_small", "_arrays"):
        original = getattr(O.Adam, method)
        monkeypatch.setattr(O.Adam, method, lambda self, *a, _m=method, _o=original: called.append(_m)
                            or _o(self, *a))
    n = O._SMALL if which == "scalar" else O._SMALL + 1
    x = np.ones(n)
    opt.step(x, x, opt.init(x))
    assert called == (["_small"] if which == "scalar" else ["_arrays"])


def test_array_lane_blocks_cover_every_entry():
    # more than two blocks, the last one short: every entry moves as the scalar lane moves it
    opt = O.RMSprop(lr=0.01, momentum=0.5, centered=True)
    rng = np.random.default_rng(3)
    x = rng.normal(size=2 * O._BLOCK + 5)
    gs = [rng.normal(size=x.size) for _ in range(3)]
    xa, sa, _ = run(opt, x, gs)
    with lane("scalar"):
        xs, ss, _ = run(opt, x, gs)
    np.testing.assert_array_equal(xa, xs)
    np.testing.assert_array_equal(sa.grad_avg, ss.grad_avg)


@FAST
@given(optimizers(), problems())
def test_dict_params_match_one_array(opt, problem):
    """The updates act per coordinate: a dict of two arrays moves exactly as the joined array."""
    n1, x, gs = problem
    split = lambda v: {"a": v[:n1].reshape(n1, 1), "b": v[n1:]}
    flat, s_flat = x, opt.init(x)
    tree, s_tree = split(x), opt.init(split(x))
    for g in gs:
        flat, s_flat = opt.step(flat, g, s_flat)
        tree, s_tree = opt.step(tree, split(g), s_tree)
    np.testing.assert_array_equal(np.concatenate([tree["a"].ravel(), tree["b"]]), flat)
    assert s_tree.step == s_flat.step == len(gs)


@pytest.mark.parametrize("which", LANES)
@FAST
@given(optimizers(), problems(), st.booleans())
def test_step_mutates_nothing_and_returns_new_arrays(which, opt, problem, as_dict):
    with lane(which):
        check_step_mutates_nothing(opt, problem, as_dict)


def check_step_mutates_nothing(opt, problem, as_dict):
    n1, x, gs = problem
    params = {"a": x[:n1].copy(), "b": x[n1:].copy()} if as_dict else x.copy()
    state = opt.init(params)
    for g in gs:
        grads = {"a": g[:n1].copy(), "b": g[n1:].copy()} if as_dict else g.copy()
        inputs = (list(params.values()) if as_dict else [params]) + \
                 (list(grads.values()) if as_dict else [grads]) + state_arrays(state)
        before = [a.copy() for a in inputs]
        new_params, new_state = opt.step(params, grads, state)
        for a, b in zip(inputs, before):
            np.testing.assert_array_equal(a, b)
        outputs = (list(new_params.values()) if as_dict else [new_params]) + state_arrays(new_state)
        for out in outputs:
            assert not any(np.shares_memory(out, a) for a in inputs)
        assert state.step == new_state.step - 1
        params, state = new_params, new_state


@FAST
@given(rates, vectors(5), vectors(5), st.integers(1, 3))
def test_sgd_without_momentum_is_gradient_descent(lr, x, g, steps):
    opt = O.SGD(lr=lr)
    state = opt.init(x)
    expected = x
    for _ in range(steps):
        x, state = opt.step(x, g, state)
        expected = expected - lr * g
        np.testing.assert_array_equal(x, expected)


@FAST
@given(rates, unit, unit, st.sampled_from([0.0, 1e-8, 1e-3]), flag, flag, problems())
def test_adamw_without_weight_decay_is_adam(lr, b1, b2, eps, amsgrad, maximize, problem):
    _, x, gs = problem
    adam = O.Adam(lr, (b1, b2), eps, 0.0, amsgrad, maximize=maximize)
    adamw = O.AdamW(lr, (b1, b2), eps, 0.0, amsgrad, maximize=maximize)
    a, sa, w, sw = x, adam.init(x), x, adamw.init(x)
    for g in gs:
        a, sa = adam.step(a, g, sa)
        w, sw = adamw.step(w, g, sw)
        np.testing.assert_array_equal(a, w)
        np.testing.assert_array_equal(sa.exp_avg_sq, sw.exp_avg_sq)


nonzero = st.floats(1e-3, 1e3).flatmap(lambda m: st.sampled_from([m, -m]))


@FAST
@given(rates, unit, unit, flag, flag, st.lists(nonzero, min_size=1, max_size=6), finite)
def test_adam_first_step_is_lr_times_sign(lr, b1, b2, amsgrad, maximize, g, x0):
    g = np.array(g)
    x = np.full(g.shape, x0)
    opt = O.Adam(lr, (b1, b2), eps=0.0, amsgrad=amsgrad, maximize=maximize)
    new, _ = opt.step(x, g, opt.init(x))
    direction = np.sign(g) if not maximize else -np.sign(g)
    np.testing.assert_allclose(new - x, -lr * direction, rtol=1e-9, atol=1e-14 * (1 + abs(x0)))


grad_dicts = st.dictionaries(st.sampled_from(["w", "b", "v"]), arrays(np.float64, st.integers(0, 4),
                             elements=finite), min_size=1)


def global_norm(grads, p):
    flat = np.concatenate([np.ravel(v) for v in grads.values()])
    if flat.size == 0:
        return 0.0
    return np.max(np.abs(flat)) if p == np.inf else np.sum(np.abs(flat) ** p) ** (1 / p)


@FAST
@given(grad_dicts, st.floats(1e-3, 100.0), st.sampled_from([1.0, 2.0, 3.0, np.inf]))
def test_clip_grad_norm_never_increases_the_norm(grads, max_norm, p):
    clipped, total = O.clip_grad_norm(grads, max_norm, p)
    before = global_norm(grads, p)
    after = global_norm(clipped, p)
    assert total == pytest.approx(before, rel=1e-12, abs=1e-300)
    assert after <= before * (1 + 1e-12)
    assert after <= max_norm * (1 + 1e-12)
    assert set(clipped) == set(grads)
    if total + 1e-6 <= max_norm:          # small gradients are left exactly as they were
        for k in grads:
            np.testing.assert_array_equal(clipped[k], grads[k])
    else:                                 # large ones end up just below max_norm
        assert after == pytest.approx(max_norm * total / (total + 1e-6), rel=1e-9)


@FAST
@given(vectors(4), st.floats(1e-3, 10.0))
def test_clip_grad_norm_is_pure(g, max_norm):
    before = g.copy()
    clipped, _ = O.clip_grad_norm(g, max_norm)
    np.testing.assert_array_equal(g, before)
    assert not np.shares_memory(clipped, g)
