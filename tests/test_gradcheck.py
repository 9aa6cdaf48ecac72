"""Finite differences and gradient checks: estimates converge at the promised order, checks catch bugs."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse.gradcheck import (EPS, THRESHOLD, check_grad, default_h, numerical_grad, relative_error,
                                  step_sweep, theoretical_best_h)


def _cubic(w):
    return float(np.sum(w ** 3) + w[0] * w[-1])


def _cubic_grad(w):
    g = 3 * w ** 2
    g[0] += w[-1]
    g[-1] += w[0]
    return g


@pytest.mark.parametrize("method, rtol", [("central", 1e-8), ("forward", 1e-6)])
def test_numerical_grad_matches_exact_gradient_of_arrays(method, rtol):
    rng = np.random.default_rng(0)
    for shape in [(1,), (5,), (2, 3)]:
        w = rng.normal(size=shape)
        f = lambda p: float(np.sum(p ** 3) + np.sum(np.sin(p)))  # noqa: E731
        exact = 3 * w ** 2 + np.cos(w)
        got = numerical_grad(f, w, method=method)
        assert got.shape == shape
        np.testing.assert_allclose(got, exact, rtol=rtol, atol=rtol)


def test_numerical_grad_of_a_dict_keeps_structure_and_leaves_params_alone():
    params = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array(0.7)}
    before = {k: v.copy() for k, v in params.items()}

    def f(p):
        return float(np.sum(p["w"] ** 2) * p["b"] + np.exp(p["b"]))

    g = numerical_grad(f, params)
    assert set(g) == {"w", "b"} and g["w"].shape == (2, 2) and g["b"].shape == ()
    np.testing.assert_allclose(g["w"], 2 * params["w"] * 0.7, rtol=1e-9)
    np.testing.assert_allclose(g["b"], np.sum(params["w"] ** 2) + np.exp(0.7), rtol=1e-9)
    for k in params:
        assert np.array_equal(params[k], before[k])


@pytest.mark.parametrize("name", ["Rosenbrock", "Beale", "Himmelblau", "six-hump camel", "saddle",
                                  "quadratic (kappa=10)", "double well", "parabola"])
def test_every_problem_gradient_agrees_with_central_differences(name):
    problem = sc.problems.catalog()[name]
    rng = np.random.default_rng(1)
    for _ in range(5):
        lo = np.array([b[0] for b in problem.bounds])
        hi = np.array([b[1] for b in problem.bounds])
        x = rng.uniform(lo, hi)
        err = check_grad((lambda z: float(problem.f(z)), problem.grad), x)
        assert err < THRESHOLD, (name, x, err)


def test_central_error_falls_like_h_squared_forward_like_h():
    w = np.array([0.7, -0.3, 1.1])
    exact = _cubic_grad(w.copy())
    hs = [1e-2, 5e-3]
    errs = {m: [np.linalg.norm(numerical_grad(_cubic, w, h=h, method=m) - exact) for h in hs]
            for m in ("central", "forward")}
    assert errs["forward"][0] / errs["forward"][1] == pytest.approx(2.0, rel=0.05)
    assert errs["central"][0] / errs["central"][1] == pytest.approx(4.0, rel=0.05)


def test_default_steps_are_the_textbook_ones():
    assert default_h("forward") == pytest.approx(np.sqrt(EPS))
    assert default_h("central") == pytest.approx(EPS ** (1 / 3))
    assert 6e-6 < default_h("central") < 6.1e-6


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"method": "backward"}, ValueError, "method must be one of"),
    ({"h": 0.0}, ValueError, "h must be > 0; got 0.0"),
    ({"h": -1e-3}, ValueError, "h must be > 0; got -0.001"),
    ({"h": "small"}, TypeError, "h must be a real number; got str 'small'"),
])
def test_numerical_grad_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        numerical_grad(_cubic, np.ones(2), **kwargs)


def test_numerical_grad_rejects_vector_valued_f_and_bad_params():
    with pytest.raises(ValueError, match="one number"):
        numerical_grad(lambda w: w * 2, np.ones(3))
    with pytest.raises(TypeError, match="callable"):
        numerical_grad(3.0, np.ones(3))
    with pytest.raises(ValueError, match="empty dict"):
        numerical_grad(lambda p: 0.0, {})


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6), st.floats(1e-3, 1e3))
@settings(max_examples=60, deadline=None)
def test_relative_error_is_symmetric_and_scale_free(values, scale):
    a = np.array(values)
    b = a + 0.01 * np.abs(a).max() + 0.1
    e = relative_error(a, b)
    assert e == pytest.approx(relative_error(b, a))
    assert relative_error(scale * a, scale * b) == pytest.approx(e, rel=1e-9, abs=1e-15)
    assert relative_error(a, a) == 0.0


def test_relative_error_extremes():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 2.0]), -np.array([1.0, 2.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="different shapes"):
        relative_error(np.ones(2), np.ones(3))


def test_check_grad_accepts_both_forms_and_catches_a_bug():
    w = np.array([0.4, -1.3, 2.2])
    ok_pair = check_grad((_cubic, _cubic_grad), w)
    ok_joint = check_grad(lambda p: (_cubic(p), _cubic_grad(p.copy())), w)
    assert ok_pair < THRESHOLD and ok_joint < THRESHOLD
    buggy = check_grad((_cubic, lambda p: 3 * p ** 2), w)  # forgets the cross term
    assert buggy > 1e-3


def test_check_grad_reports_each_parameter_of_a_dict():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    model = sc.models.LinearRegression()
    params = {"w": rng.normal(size=4), "b": np.asarray(0.3)}

    def buggy(p):
        loss, g = model.loss_and_grad(p, X, y)
        return loss, {"w": g["w"], "b": g["b"] / 2}  # a factor lost in the bias only

    errs = check_grad(lambda p: model.loss_and_grad(p, X, y), params)
    assert set(errs) == {"w", "b"} and max(errs.values()) < THRESHOLD
    errs = check_grad(buggy, params)
    assert errs["w"] < THRESHOLD < errs["b"]


def test_check_grad_shape_and_key_mismatches_are_errors():
    with pytest.raises(ValueError, match="shape"):
        check_grad((_cubic, lambda p: np.ones(5)), np.ones(3))
    with pytest.raises(ValueError, match="keys"):
        check_grad((lambda p: float(p["a"].sum()), lambda p: {"b": np.ones(2)}), {"a": np.ones(2)})
    with pytest.raises(TypeError, match="dict"):
        check_grad((lambda p: float(p["a"].sum()), lambda p: np.ones(2)), {"a": np.ones(2)})
    with pytest.raises(TypeError, match="pair"):
        check_grad((_cubic,), np.ones(2))


@pytest.mark.parametrize("f, df, x", [
    (np.sin, np.cos, 1.0), (np.exp, np.exp, 1.0), (np.exp, np.exp, -0.5),
    (np.log, lambda z: 1 / z, 2.0), (np.tanh, lambda z: 1 - np.tanh(z) ** 2, 0.5),
])
def test_error_curve_is_a_v_with_its_bottom_near_the_theory(f, df, x):
    sweep = step_sweep(f, df, x)
    for method, h_rule in (("central", EPS ** (1 / 3)), ("forward", EPS ** 0.5)):
        best = sweep.best_h(method)
        assert h_rule / 10 <= best <= h_rule * 10, (method, best)
        # Both arms rise far above the bottom: round-off on the left, truncation on the right.
        assert sweep.error_at(1e-15, method) > 1e3 * sweep.best_error(method)
        assert sweep.error_at(1e-1, method) > 1e3 * sweep.best_error(method)


def test_error_curve_slopes_are_one_two_and_minus_one():
    sweep = step_sweep(np.sin, np.cos, 1.0)
    logh = np.log10(sweep.hs)
    right = (sweep.hs > 1e-3) & (sweep.hs < 1e-1)
    left = (sweep.hs > 1e-15) & (sweep.hs < 1e-11)
    slope = {m: np.polyfit(logh[right], np.log10(sweep.errors[m][right]), 1)[0] for m in ("forward", "central")}
    assert slope["forward"] == pytest.approx(1.0, abs=0.1)
    assert slope["central"] == pytest.approx(2.0, abs=0.1)
    left_slope = np.polyfit(logh[left], np.log10(np.maximum(sweep.errors["central"][left], 1e-20)), 1)[0]
    assert -1.5 < left_slope < -0.5


def test_theoretical_best_h_formulas():
    assert theoretical_best_h("central") == pytest.approx((3 * EPS) ** (1 / 3))
    assert theoretical_best_h("forward") == pytest.approx(2 * np.sqrt(EPS))
    assert theoretical_best_h("central", f_scale=8.0) == pytest.approx(2 * (3 * EPS) ** (1 / 3))
    with pytest.raises(ValueError, match="f_scale"):
        theoretical_best_h("central", f_scale=0.0)


def test_step_sweep_validates_steps():
    with pytest.raises(ValueError, match="positive"):
        step_sweep(hs=[1e-3, -1.0])
    with pytest.raises(TypeError, match="callables"):
        step_sweep(f=1.0)
