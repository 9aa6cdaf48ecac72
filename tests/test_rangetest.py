"""The learning-rate range test: the sweep, its readings against 2/L, and noisy gradients."""
import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse.problems import with_gradient_noise
from stepcourse.rangetest import RangeTest, _smooth, lr_range_test


# -- the sweep ------------------------------------------------------------------------------------------

def test_the_sweep_is_geometric_and_each_loss_is_the_loss_after_its_step():
    p = sc.problems.quadratic([1.0, 4.0])
    rt = lr_range_test(p, lr_min=1e-3, lr_max=1.0, steps=40)
    r = (1.0 / 1e-3) ** (1 / 39)
    assert rt.ratio == pytest.approx(r, rel=1e-12)
    assert np.allclose(rt.lrs, 1e-3 * r ** np.arange(rt.steps), rtol=1e-12)
    # replay by hand: plain gradient descent with the recorded rates
    x = p.x0.copy()
    for k, lr in enumerate(rt.lrs):
        x = x - lr * p.grad(x)
        assert rt.losses[k] == pytest.approx(float(p.f(x)), rel=1e-12, abs=1e-300)
    assert rt.start_loss == pytest.approx(float(p.f(p.x0)))


def test_a_sweep_below_the_threshold_runs_to_the_end():
    p = sc.problems.parabola(curvature=2.0)
    rt = lr_range_test(p, lr_min=1e-4, lr_max=0.9, steps=50)  # 2/L = 1
    assert rt.stopped_at is None and rt.steps == 50
    assert rt.lrs[-1] == pytest.approx(0.9)
    assert rt.edge == pytest.approx(0.9)  # the loss fell at every step
    assert np.all(np.diff(rt.losses) < 0)


def test_a_blow_up_ends_the_sweep_without_warnings():
    p = sc.problems.rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rt = lr_range_test(p, lr_min=1e-6, lr_max=1e3, steps=200)
    assert rt.stopped_at is not None and rt.steps == rt.stopped_at + 1 < 200
    assert np.all(np.isfinite(rt.smoothed))
    # the last recorded (smoothed) loss is the one that blew up past 4x the lowest
    assert rt.smoothed[-1] > rt.smoothed.min()


# -- what it measures on quadratics ---------------------------------------------------------------------

@pytest.mark.parametrize("L", [1e-2, 0.3, 1.0, 7.0, 50.0, 1e3, 1e5])
def test_on_a_parabola_the_edge_is_within_one_sweep_factor_below_two_over_L(L):
    rt = lr_range_test(sc.problems.parabola(curvature=L), lr_min=1e-6, lr_max=1e4, steps=200)
    assert rt.method == "edge" and rt.suggestion == rt.edge
    assert 1 / rt.ratio <= rt.edge * L / 2 < 1
    # the steepest fall is near the one-step rate 1/L
    assert abs(np.log(rt.steepest * L)) <= 1.5 * np.log(rt.ratio)


@pytest.mark.parametrize("L", [0.5, 20.0])
def test_a_bowl_with_one_curvature_behaves_like_the_parabola(L):
    p = sc.problems.quadratic([L] * 6, seed=1)
    rt = lr_range_test(p, lr_min=1e-5 / L, lr_max=100 / L, steps=150)
    assert 1 / rt.ratio <= rt.edge * L / 2 < 1


@settings(max_examples=30, deadline=None)
@given(log_L=st.floats(-3, 3), below=st.floats(1, 4), above=st.floats(0.3, 2), steps=st.integers(40, 300),
       x0=st.floats(0.5, 5))
def test_edge_brackets_two_over_L_for_any_sweep(log_L, below, above, steps, x0):
    L = 10.0**log_L
    lr_min, lr_max = 2 / L * 10**-below, 2 / L * 10**above
    rt = lr_range_test(sc.problems.parabola(curvature=L, x0=-x0), lr_min=lr_min, lr_max=lr_max, steps=steps)
    assert 1 / rt.ratio * (1 - 1e-9) <= rt.edge * L / 2 < 1


def test_different_curvatures_push_the_edge_past_two_over_L():
    # documented limitation: the steep directions are solved before the sweep reaches 2/L
    p = sc.problems.quadratic(condition_number=100.0, dim=10, seed=0)
    rt = lr_range_test(p, lr_min=1e-4, lr_max=100.0, steps=100)
    assert rt.edge > 2 * (2 / p.L)
    # ... and a rate at the edge diverges on that problem
    assert sc.minimize(p, sc.optim.SGD(lr=rt.edge), steps=2000).diverged


def test_gradient_noise_pulls_the_edge_below_two_over_L():
    clean = lr_range_test(sc.problems.quadratic([1.0] * 10, seed=0), lr_min=1e-4, lr_max=100.0)
    noisy_problem = with_gradient_noise(sc.problems.quadratic([1.0] * 10, seed=0), 1.0, seed=3)
    noisy = lr_range_test(noisy_problem, lr_min=1e-4, lr_max=100.0)
    assert clean.smoothing == 0.0 and noisy.smoothing == 0.9  # the defaults
    assert noisy.edge < clean.edge / 3 and noisy.edge < 0.5 * 2


def test_method_steepest_changes_the_suggestion_only():
    p = sc.problems.parabola(curvature=3.0)
    a = lr_range_test(p, method="edge")
    b = lr_range_test(p, method="steepest")
    assert np.array_equal(a.losses, b.losses) and a.edge == b.edge and a.steepest == b.steepest
    assert b.suggestion == b.steepest < a.suggestion == a.edge
    assert "edge" in repr(a) and "steepest" in repr(b)


# -- optimizers ---------------------------------------------------------------------------------------

def test_opt_keeps_its_hyperparameters_and_gets_the_sweep_as_lr():
    p = sc.problems.quadratic([1.0, 10.0])
    plain = lr_range_test(p, lr_min=1e-4, lr_max=1.0, steps=60)
    as_class = lr_range_test(p, sc.optim.SGD, lr_min=1e-4, lr_max=1.0, steps=60)
    as_instance = lr_range_test(p, sc.optim.SGD(lr=123.0), lr_min=1e-4, lr_max=1.0, steps=60)
    assert np.array_equal(plain.losses, as_class.losses) and np.array_equal(plain.losses, as_instance.losses)
    heavy = lr_range_test(p, sc.optim.SGD(lr=0.1, momentum=0.9), lr_min=1e-4, lr_max=1.0, steps=60)
    # replay: SGD with momentum 0.9 and the sweep as its schedule
    opt = sc.optim.SGD(lr=sc.schedules.exponential(1e-4, gamma=heavy.ratio), momentum=0.9)
    x, state = p.x0.copy(), opt.init(p.x0)
    for k in range(heavy.steps):
        x, state = opt.step(x, p.grad(x), state)
        assert heavy.losses[k] == pytest.approx(float(p.f(x)), rel=1e-12)
    assert not np.array_equal(heavy.losses, plain.losses[: heavy.steps])
    adam = lr_range_test(p, sc.optim.Adam(betas=(0.8, 0.99)), lr_min=1e-4, lr_max=1.0, steps=60)
    assert adam.steps > 0 and not np.array_equal(adam.losses, plain.losses[: adam.steps])


# -- models and mini-batches ---------------------------------------------------------------------------

def _logistic_data():
    d = sc.data.make_blobs(n=200, seed=0)
    return d.X, d.y


def test_full_batch_model_sweep_replays_by_hand():
    X, y = _logistic_data()
    model = sc.models.LogisticRegression()
    params = model.init_params(2, seed=4)
    rt = lr_range_test(model, data=(X, y), params=params, lr_min=1e-3, lr_max=10.0, steps=30)
    assert rt.smoothing == 0.0 and rt.name == "LogisticRegression"
    p = params
    for k, lr in enumerate(rt.lrs):
        _, g = model.loss_and_grad(p, X, y)
        p = {key: p[key] - lr * g[key] for key in p}
        assert rt.losses[k] == pytest.approx(model.loss(p, X, y), rel=1e-12)


def test_mini_batches_are_seeded_and_visit_every_row_once_per_epoch():
    X, y = _logistic_data()
    seen = []

    class Recording(sc.models.LinearRegression):
        def loss_and_grad(self, params, Xb, yb):
            seen.append(Xb[:, 0].copy())
            return super().loss_and_grad(params, Xb, yb)

    model = Recording()
    a = lr_range_test(model, data=(X, y), batch_size=32, lr_min=1e-4, lr_max=1e-2, steps=20, seed=5)
    first_epoch = np.concatenate(seen[:7])  # 200 rows in batches of 32: 7 batches
    assert np.array_equal(np.sort(first_epoch), np.sort(X[:, 0]))
    assert a.smoothing == 0.9
    b = lr_range_test(sc.models.LinearRegression(), data=(X, y), batch_size=32, lr_min=1e-4, lr_max=1e-2,
                      steps=20, seed=5)
    c = lr_range_test(sc.models.LinearRegression(), data=(X, y), batch_size=32, lr_min=1e-4, lr_max=1e-2,
                      steps=20, seed=6)
    assert np.array_equal(a.losses, b.losses) and not np.array_equal(a.losses, c.losses)


def test_a_real_model_sweep_finds_a_falling_and_a_rising_part():
    data = sc.data.breast_cancer()
    X = sc.data.standardize(data.X)[0]
    rt = lr_range_test(sc.models.LogisticRegression(), data=(X, data.y), batch_size=32, lr_min=1e-4,
                       lr_max=100.0, steps=100, seed=0)
    assert rt.smoothed.min() < 0.5 * rt.start_loss
    assert 1e-3 < rt.steepest <= rt.edge <= rt.lrs[-1]


# -- smoothing -------------------------------------------------------------------------------------------

def test_smoothing_is_bias_corrected_and_does_not_lag():
    const = np.full(30, 2.5)
    forward, both = _smooth(const, 0.9)
    assert np.allclose(forward, 2.5) and np.allclose(both, 2.5)
    v = np.abs(np.arange(61) - 30.0)  # a symmetric valley: zero phase keeps its bottom in place
    _, s = _smooth(v, 0.7)
    assert int(np.argmin(s)) == 30
    forward, _ = _smooth(v, 0.7)
    assert int(np.argmin(forward)) > 30  # the causal average alone would lag
    assert np.array_equal(_smooth(v, 0.0)[1], v)


# -- arguments --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr_min": 0.0}, ValueError, "lr_min"),
    ({"lr_min": "a"}, TypeError, "lr_min"),
    ({"lr_min": 1.0, "lr_max": 0.5}, ValueError, "lr_max"),
    ({"steps": 2}, ValueError, "steps"),
    ({"steps": 10.5}, TypeError, "steps"),
    ({"smoothing": 1.0}, ValueError, "smoothing"),
    ({"stop_factor": 1.0}, ValueError, "stop_factor"),
    ({"method": "valley"}, ValueError, "method"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2.5}, TypeError, "batch_size"),
    ({"opt": "sgd"}, TypeError, "opt"),
    ({"data": (np.zeros((3, 1)), np.zeros(3))}, ValueError, "model"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    with pytest.raises(error, match=match):
        lr_range_test(sc.problems.parabola(), **kwargs)


def test_bad_targets_and_data():
    with pytest.raises(TypeError, match="target"):
        lr_range_test("a problem")
    with pytest.raises(ValueError, match="data"):
        lr_range_test(sc.models.LinearRegression())
    with pytest.raises(ValueError, match="data"):
        lr_range_test(sc.models.LinearRegression(), data=(np.zeros((3, 2)), np.zeros(4)))


def test_flat_namespace():
    assert sc.lr_range_test is lr_range_test and not hasattr(sc.loop, "lr_range_test")
    assert isinstance(lr_range_test(sc.problems.parabola(), steps=10), RangeTest)


# -- noisy gradients --------------------------------------------------------------------------------------

def test_gradient_noise_has_the_stated_spread_and_replays_with_the_seed():
    base = sc.problems.quadratic([1.0, 10.0])
    x = np.array([0.3, -0.2])
    exact = base.grad(x)
    p = with_gradient_noise(base, 0.5, seed=7)
    run = p.run_grad()
    draws = np.array([run(x) for _ in range(20000)]) - exact
    assert np.allclose(draws.mean(axis=0), 0.0, atol=0.02)
    assert np.allclose(draws.std(axis=0), 0.5, rtol=0.03)
    again = with_gradient_noise(base, 0.5, seed=7)
    first = with_gradient_noise(base, 0.5, seed=7)
    assert np.array_equal(again.run_grad()(x), first.run_grad()(x))
    assert p.f(x) == base.f(x) and p.noise == 0.5 and np.array_equal(p.A, base.A)
    assert np.array_equal(with_gradient_noise(base, 0.0).run_grad()(x), exact)
    assert np.array_equal(p.grad(x), exact) and np.array_equal(p.exact_grad(x), exact)
    grid = base.grid(5)[2]
    assert run(grid).shape == grid.shape


def test_a_noisy_problem_is_a_value_two_runs_with_one_seed_agree():
    p = with_gradient_noise(sc.problems.quadratic([1.0, 10.0]), 0.5, seed=7)
    opt = sc.optim.SGD(lr=0.05)
    a, b = sc.minimize(p, opt, steps=50), sc.minimize(p, opt, steps=50)
    assert np.array_equal(a.xs, b.xs)                       # failed when the RNG lived in p
    assert not np.array_equal(a.xs, sc.minimize(p, opt, steps=50, seed=8).xs)
    rng = np.random.default_rng(1)
    c, d = sc.minimize(p, opt, steps=50, seed=rng), sc.minimize(p, opt, steps=50, seed=rng)
    assert not np.array_equal(c.xs, d.xs)                   # one Generator continues across runs
    kept = dataclasses.replace(p, name="renamed")            # the extras are fields: replace keeps them
    assert kept.noise == 0.5 and kept.stochastic and np.array_equal(kept.A, p.A)
    with pytest.raises(TypeError, match="per run"):
        with_gradient_noise(sc.problems.parabola(), 0.1, seed=np.random.default_rng(0))


@pytest.mark.parametrize("lr, a", [(0.05, 1.0), (0.3, 2.0), (1.5, 1.0)])
def test_the_stationary_spread_matches_the_formula(lr, a):
    sigma, d = 0.5, 100
    bowl = sc.problems.quadratic([a] * d, seed=0, x0=np.full(d, 2.0))
    tr = sc.minimize(with_gradient_noise(bowl, sigma, seed=1), sc.optim.SGD(lr=lr), steps=3000)
    burn = int(40 / (lr * a * min(2 - lr * a, 1.0)))
    measured = float(np.mean(tr.xs[burn:] ** 2))
    assert measured == pytest.approx(lr * sigma**2 / (a * (2 - lr * a)), rel=0.05)


@pytest.mark.parametrize("noise, error", [(-1.0, ValueError), (float("nan"), ValueError), ("big", TypeError)])
def test_gradient_noise_rejects_bad_values(noise, error):
    with pytest.raises(error, match="noise"):
        with_gradient_noise(sc.problems.parabola(), noise)


def test_the_sweep_is_a_run_of_minimize_with_an_exponential_schedule():
    # Built on the package's loop, the range test cannot drift from it: its losses are the trace's.
    p = sc.problems.quadratic([1.0, 10.0])
    rt = lr_range_test(p, lr_min=1e-3, lr_max=1.0, steps=40, stop_factor=1e6)
    ratio = (1.0 / 1e-3) ** (1 / 39)
    tr = sc.minimize(p, sc.optim.SGD(lr=sc.schedules.exponential(1e-3, gamma=ratio)), steps=rt.steps,
                     divergence_factor=None)
    assert np.array_equal(rt.lrs, tr.lrs) and np.array_equal(rt.losses, tr.gaps[1:])


def test_the_model_sweep_is_a_run_of_fit_and_stops_through_its_step_callback():
    X, y = sc.data.make_linear(n=64, seed=2)
    model = sc.models.LinearRegression()
    params = model.init_params(2, seed=0)
    rt = lr_range_test(model, data=(X, y), params=params, lr_min=1e-3, lr_max=10.0, steps=60)
    assert rt.stopped_at is not None and rt.steps == rt.stopped_at + 1 < 60
    ratio = (10.0 / 1e-3) ** (1 / 59)
    hist = sc.fit(model, params, (X, y), sc.optim.SGD(lr=sc.schedules.exponential(1e-3, gamma=ratio)),
                  epochs=rt.steps + 1, divergence_factor=None)
    assert np.array_equal(rt.losses[:-1], hist.step_loss[1:rt.steps])
    assert np.array_equal(rt.lrs, hist.lrs[:rt.steps])
