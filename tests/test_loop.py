"""minimize -> Trace: the record, the theory it must reproduce, and divergence as data."""
import warnings

import numpy as np
import pytest

import stepcourse as sc


def test_trace_fields_and_plain_gradient_descent():
    p = sc.problems.quadratic([1.0, 4.0])
    tr = sc.minimize(p, sc.optim.SGD(lr=0.1), steps=25)
    assert tr.xs.shape == (26, 2) and tr.losses.shape == (26,) and tr.grad_norms.shape == (26,)
    assert tr.lrs.shape == (25,) and np.all(tr.lrs == 0.1)
    assert not tr.diverged and tr.diverged_at is None and tr.steps == 25
    x = p.x0.copy()
    for k in range(25):
        x = x - 0.1 * p.grad(x)
        assert np.allclose(tr.xs[k + 1], x, rtol=0, atol=1e-14)
    assert np.allclose(tr.losses, p.f(tr.xs))
    assert np.allclose(tr.grad_norms, np.linalg.norm(p.grad(tr.xs), axis=-1))


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0])
def test_best_constant_rate_contracts_at_the_theoretical_factor(kappa):
    # gradient descent on a quadratic: lr* = 2/(mu + L) contracts by (kappa - 1)/(kappa + 1) per step
    p = sc.problems.quadratic([1.0, kappa], x0=[1.0, 1.0])
    tr = sc.minimize(p, sc.optim.SGD(lr=2 / (1 + kappa)), steps=60)
    assert tr.contraction(target=p.minima[0]) == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-9)


def test_one_over_curvature_converges_in_one_step_and_two_over_bounces():
    p = sc.problems.parabola(curvature=2.5, center=1.0, x0=-2.0)
    one = sc.minimize(p, sc.optim.SGD(lr=1 / 2.5), steps=3)
    assert abs(one.xs[1, 0] - 1.0) < 1e-14
    bounce = sc.minimize(p, sc.optim.SGD(lr=2 / 2.5), steps=50)
    assert np.allclose(np.abs(bounce.xs[:, 0] - 1.0), 3.0) and not bounce.diverged


@pytest.mark.parametrize("L", [1.0, 10.0, 250.0])
def test_just_above_two_over_L_is_flagged_long_before_overflow(L):
    p = sc.problems.quadratic([L / 50, L], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may reach the reader
        tr = sc.minimize(p, sc.optim.SGD(lr=1.01 * 2 / L), steps=10000)
    assert tr.diverged and tr.diverged_at is not None and tr.diverged_at < 3000
    assert np.all(np.isfinite(tr.xs)) and np.all(np.isfinite(tr.losses))
    assert tr.steps == tr.diverged_at
    # just below the threshold converges
    ok = sc.minimize(p, sc.optim.SGD(lr=0.99 * 2 / L), steps=10000)
    assert not ok.diverged


def test_overflow_is_flagged_without_warnings():
    p = sc.problems.rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = sc.minimize(p, sc.optim.SGD(lr=0.5), steps=100, divergence_factor=1e300)
    assert tr.diverged and np.all(np.isfinite(tr.xs))


def test_first_step_within_and_start_override():
    p = sc.problems.parabola(curvature=1.0, x0=-3.0)
    tr = sc.minimize(p, sc.optim.SGD(lr=0.5), x0=[2.0], steps=40)
    assert tr.xs[0, 0] == 2.0
    k = tr.first_step_within(1e-6)
    assert tr.gaps[k] <= 1e-6 < tr.gaps[k - 1]
    assert tr.first_step_within(1e-300) is None
    assert tr.first_step_within(0.1, target=[0.0]) == int(np.ceil(np.log(0.1 / 2.0) / np.log(0.5)))


def test_scheduled_lr_is_recorded():
    p = sc.problems.quadratic([1.0, 2.0])
    sched = sc.schedules.exponential(0.1, gamma=0.9)
    tr = sc.minimize(p, sc.optim.SGD(lr=sched), steps=10)
    assert np.allclose(tr.lrs, [0.1 * 0.9**k for k in range(10)])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"steps": -1}, ValueError, "steps must be an integer >= 0; got -1"),
    ({"steps": 2.5}, TypeError, "steps must be an integer; got float 2.5"),
    ({"divergence_factor": 0.5}, ValueError, "divergence_factor must be > 1; got 0.5"),
    ({"x0": [1.0, 2.0, 3.0]}, ValueError, "x0 must hold 2 numbers"),
    ({"x0": "far"}, TypeError, "x0 must be an array"),
    ({"callback": 3}, TypeError, "callback must be a callable"),
    ({"seed": -2}, ValueError, "seed must be an integer >= 0"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        sc.minimize(sc.problems.rosenbrock(), sc.optim.SGD(lr=0.001), **kwargs)


def test_an_optimizer_name_instead_of_an_optimizer_is_a_clear_type_error():
    # Before: AttributeError: 'str' object has no attribute 'init'.
    with pytest.raises(TypeError, match=r"opt must be an optimizer object .*by_name\('adam'"):
        sc.minimize(sc.problems.rosenbrock(), "adam")
    with pytest.raises(TypeError, match="not the class Adam"):
        sc.minimize(sc.problems.rosenbrock(), sc.optim.Adam)


def test_a_plain_function_instead_of_a_problem_is_a_clear_type_error():
    # Before: AttributeError: 'function' object has no attribute 'dim'.
    with pytest.raises(TypeError, match="problem must be a Problem from sc.problems .*function <lambda>"):
        sc.minimize(lambda x: x @ x, sc.optim.SGD(lr=0.1), x0=[1.0, 2.0], steps=5)


def test_callback_can_end_a_run_without_flagging_divergence():
    seen = []

    def stop_at_three(t, x, loss):
        seen.append((t, loss))
        return t == 2

    tr = sc.minimize(sc.problems.parabola(), sc.optim.SGD(lr=0.1), steps=50, callback=stop_at_three)
    assert tr.steps == 3 and not tr.diverged and [t for t, _ in seen] == [0, 1, 2]
    assert seen[-1][1] == tr.loss


def test_divergence_rule_is_shared_and_scale_free():
    rule = sc.loop.Divergence.starting_at(3.0, reference=1.0, factor=10.0)
    assert rule.limit == 20.0 and not rule.exceeded(21.0) and rule.exceeded(21.5)
    assert sc.loop.Divergence.starting_at(1.0, reference=1.0).limit == np.inf  # no scale: finiteness only
    assert sc.loop.Divergence.starting_at(1.0, factor=None).exceeded(np.inf)


def test_steps_to_stay_within_counts_from_the_last_exit():
    p = sc.problems.parabola(curvature=1.0)
    run = sc.loop.steps_to_stay_within(p, 1.9, tol=1e-2)       # bounces: 1 - 1.9 = -0.9 per step
    k = run.steps
    assert run.status == "converged" and np.all(run.trace.gaps[k:] <= 1e-2) and run.trace.gaps[k - 1] > 1e-2
    assert sc.steps_to_stay_within is sc.loop.steps_to_stay_within
    assert not hasattr(sc.loop, "steps_to_tolerance") and not hasattr(sc.Trace, "steps_to")
    assert sc.loop.steps_to_stay_within(p, 2.5).status == "diverged"
    with pytest.raises(ValueError, match="no known minimum"):
        sc.loop.steps_to_stay_within(sc.problems.saddle(), 0.1, max_steps=5)


def test_repr_mentions_divergence():
    p = sc.problems.parabola()
    assert "diverged at step" in repr(sc.minimize(p, sc.optim.SGD(lr=2.5), steps=1000))
