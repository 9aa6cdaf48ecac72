"""The fused lane of sc.optim (stepcourse._fused, numba): the array lane's numbers, bit for bit.

Skipped without numba (the "fast" extra; the "test" extra installs it), except the check that the
numpy lane takes over when numba is missing.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import stepcourse as sc
from stepcourse import _fused
from test_optim_properties import assert_same_bits, check_step_mutates_nothing, mixed, problems, run

O = sc.optim
FAST = settings(max_examples=60, deadline=None)


@pytest.fixture(scope="module")
def numba():
    return pytest.importorskip("numba")


@contextlib.contextmanager
def lane(which):
    """Send every Adam and AdamW step down one lane: "fused" (the compiled loop, at every size) or
    "array" (numpy, in blocks of 3 entries, numba or not)."""
    saved = O._SMALL, O._BLOCK, O._FUSED, _fused.AVAILABLE
    O._SMALL = -1
    if which == "fused":
        O._FUSED = -1
    else:
        O._BLOCK, _fused.AVAILABLE = 3, False
    try:
        yield
    finally:
        O._SMALL, O._BLOCK, O._FUSED, _fused.AVAILABLE = saved


@contextlib.contextmanager
def counting_fused_calls():
    calls = []
    original = _fused.adam
    _fused.adam = lambda *a: calls.append(a[0].shape) or original(*a)
    try:
        yield calls
    finally:
        _fused.adam = original


flag = st.booleans()


@st.composite
def adams(draw):
    """Adam or AdamW with any valid hyperparameters, eps = 0 and betas 0 included."""
    cls = draw(st.sampled_from([O.Adam, O.AdamW]))
    beta = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.999]), st.floats(0.0, 0.999))
    return cls(draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-4, 1.0))), (draw(beta), draw(beta)),
               draw(st.sampled_from([0.0, 1e-8, 1e-3])), draw(st.sampled_from([0.0, 1e-3, 0.1, 0.7])),
               draw(flag), maximize=draw(flag))


def assert_same_state(sf, sa, shape):
    assert sf.step == sa.step
    for name in vars(sa):
        a, b = getattr(sf, name), getattr(sa, name)
        assert (a is None) == (b is None), name
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape == shape and a.dtype == np.float64, name
            assert_same_bits(a, b, name)


@FAST
@given(adams(), st.integers(0, 9), st.integers(1, 4), st.data())
def test_fused_and_array_lanes_agree_bit_for_bit(numba, opt, n, steps, data):
    """Same numbers, infinities, NaNs and signed zeros included, with no numpy warning."""
    shape = data.draw(st.sampled_from([(n,), (n, 1), (1, n)] if n else [(0,), ()]))
    x = data.draw(arrays(np.float64, shape, elements=mixed))
    gs = [data.draw(arrays(np.float64, shape, elements=mixed)) for _ in range(steps)]
    with lane("fused"), counting_fused_calls() as calls:
        xf, sf, wf = run(opt, x, gs)
    assert calls == [shape] * steps                   # the fused lane took every step
    with lane("array"):
        xa, sa, wa = run(opt, x, gs)
    assert wf == wa == []
    assert xf.shape == xa.shape == shape and xf.dtype == np.float64
    assert_same_bits(xf, xa, "params")
    assert_same_state(sf, sa, shape)


@pytest.mark.parametrize("make", [lambda: O.Adam(1e-3), lambda: O.AdamW(1e-2),
                                  lambda: O.Adam(0.1, (0.5, 0.9), 0.0, 0.1, True, maximize=True),
                                  lambda: O.AdamW(0.3, (0.0, 0.0), 1e-8, 0.5, True, maximize=True)])
@pytest.mark.parametrize("shape", [(O._BLOCK * 2 + 7,), (700, 300)])
def test_large_arrays_take_the_fused_lane_by_default(numba, make, shape):
    """Past _FUSED entries, with the lanes' default sizes: the fused lane's numbers are the blocked
    numpy lane's, across block boundaries and for an array of two dimensions."""
    assert np.prod(shape) > O._FUSED
    opt = make()
    rng = np.random.default_rng(4)
    x = rng.normal(size=shape)
    gs = [rng.normal(size=shape) * 10.0 ** k for k in range(-2, 2)]
    with counting_fused_calls() as calls:
        xf, sf, _ = run(opt, x, gs)
    assert len(calls) == len(gs)
    saved = _fused.AVAILABLE
    _fused.AVAILABLE = False
    try:
        xa, sa, _ = run(opt, x, gs)
    finally:
        _fused.AVAILABLE = saved
    assert_same_bits(xf, xa, "params")
    assert_same_state(sf, sa, shape)
    assert not np.array_equal(xf, x)


def test_small_arrays_do_not_take_the_fused_lane(numba):
    opt = O.Adam(0.1)
    x = np.ones(O._FUSED)
    with counting_fused_calls() as calls:
        opt.step(x, x, opt.init(x))
    assert calls == []


def test_without_numba_the_numpy_lane_is_used(monkeypatch):
    """With numba missing (the module's flag off), a large Adam step is the numpy lane's."""
    monkeypatch.setattr(_fused, "AVAILABLE", False)
    called = []
    original = O.Adam._arrays
    monkeypatch.setattr(_fused, "adam", lambda *a: pytest.fail("the fused lane ran without numba"))
    monkeypatch.setattr(O.Adam, "_arrays", lambda self, *a: called.append(a[0].size) or original(self, *a))
    opt = O.Adam(0.1)
    x = np.linspace(1.0, 2.0, O._FUSED + 1)
    new, state = opt.step(x, x, opt.init(x))
    assert called == [x.size]
    assert O._fused_adam(x) is None
    np.testing.assert_allclose(new, x - 0.1, rtol=0, atol=1e-8)   # lr * sign(g) at the first step
    assert state.step == 1


def test_arrays_that_are_not_contiguous_take_the_numpy_lane(numba):
    """A strided gradient (a view of every other entry) goes to the numpy lane, with its numbers."""
    opt = O.AdamW(0.1)
    rng = np.random.default_rng(5)
    x = rng.normal(size=O._FUSED + 10)
    g = rng.normal(size=2 * x.size)[::2]
    assert O._fused_adam(x, g) is None and O._fused_adam(x, None, np.ascontiguousarray(g)) is _fused.adam
    with counting_fused_calls() as calls:
        xs, ss, _ = run(opt, x, [g])
    assert calls == []
    xc, sc_, _ = run(opt, x, [np.ascontiguousarray(g)])           # fused: the same numbers
    assert_same_bits(xs, xc, "params")
    assert_same_state(ss, sc_, x.shape)


@FAST
@given(adams(), problems(), st.booleans())
def test_fused_lane_mutates_nothing_and_returns_new_arrays(numba, opt, problem, as_dict):
    with lane("fused"):
        check_step_mutates_nothing(opt, problem, as_dict)


def test_kernel_has_no_fused_multiply_add(numba):
    """The compiled loop rounds every product before adding it (no FMA contraction), as numpy does."""
    kernel = numba.jit(**_fused._OPTIONS)(_fused._adam_kernel)     # as _fused compiles it, uncached
    x, empty = np.ones(8), np.empty(0)
    kernel(x, x, x, x, empty, x.copy(), x.copy(), x.copy(), empty, 1.0, 0.0, False, False, True,
           0.1, 0.9, 0.999, 0.001, -0.1, 0.5, 1e-8)
    ir = "".join(kernel.inspect_llvm().values())
    assert "fmul" in ir and "fadd" in ir
    assert "fmuladd" not in ir and "llvm.fma" not in ir and " contract " not in ir and " fast " not in ir
