"""The analysis behind the explorers, in the modules that own each idea: basin maps, the sharpest
curvature and races (loop), level sets (problems), schedule runs (schedules), gradient flow (mlp), the
digits batch and the boosting data (data)."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse.data import boosting_demo_data, digits_batch
from stepcourse.loop import basin_map, race, sharpest_curvature
from stepcourse.mlp import MLP, flow, gradient_variance_factor
from stepcourse.problems import level_set_finder, level_set_through
from stepcourse.schedules import schedule_run


# -- loop: basin_map, sharpest_curvature, race ------------------------------------------------------------

def test_sharpest_curvature_is_the_largest_hessian_eigenvalue_at_a_minimum():
    assert sharpest_curvature(sc.problems.quadratic([1.0, 10.0])) == pytest.approx(10.0)
    p = sc.problems.himmelblau()
    expected = max(np.linalg.eigvalsh(p.hessian(m)).max() for m in p.minima)
    assert sharpest_curvature(p) == pytest.approx(expected)


def test_basin_map_on_a_quadratic_is_all_in_or_all_out():
    bowl = sc.problems.quadratic([1.0, 10.0])
    inside = basin_map(bowl, 0.19, n=8, steps=600)
    assert inside.labels.shape == (8, 8) and inside.shares == {0: 1.0}
    outside = basin_map(bowl, 0.25, n=8, steps=200)
    assert outside.shares == {-1: 1.0}


def test_basin_map_is_a_frozen_result_with_named_fields():
    import dataclasses

    m = basin_map(sc.problems.himmelblau(), 0.01, n=6, steps=50)
    assert isinstance(m, sc.loop.BasinMap)
    assert [f.name for f in dataclasses.fields(m)] == ["labels", "x", "y", "minima", "dim", "lr", "steps",
                                                       "problem", "shares", "ends", "optimizer"]
    assert m.dim == 2 and m.lr == 0.01 and m.steps == 50 and m.problem == "Himmelblau"
    assert m.optimizer == "gradient descent (lr 0.01)" and m.ends.shape == (6, 6, 2)
    assert np.array_equal(m.minima, sc.problems.himmelblau().minima) and len(m.x) == len(m.y) == 6
    assert sum(m.shares.values()) == pytest.approx(1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.steps = 3
    assert "Himmelblau" in repr(m) and "6x6" in repr(m)


def test_basin_map_agrees_with_minimize_start_by_start():
    p = sc.problems.himmelblau()
    lr = 0.5 * 2 / sharpest_curvature(p)
    m = basin_map(p, lr, n=9, steps=300)
    for i in range(0, 9, 2):
        for j in range(0, 9, 3):
            start = np.array([m.x[j], m.y[i]])
            tr = sc.minimize(p, sc.optim.SGD(lr=lr), x0=start, steps=300)
            nearest = int(np.argmin(np.linalg.norm(p.minima - tr.x, axis=1)))
            assert m.labels[i, j] == nearest
            assert np.linalg.norm(tr.x - p.minima[nearest]) < 1e-3 * 10


def test_a_minimum_too_sharp_for_the_rate_collects_nobody():
    p = sc.problems.himmelblau()
    sharp = np.linalg.eigvalsh(p.hessian(p.minima)).max(axis=1)
    lr = 1.3 * 2 / sharp.max()
    m = basin_map(p, lr, n=40, steps=300)
    for i, lam in enumerate(sharp):
        assert (m.shares.get(i, 0.0) == 0.0) == (lr * lam >= 2), (i, lam)


def test_basin_map_in_1d_has_one_row_per_rate():
    well = sc.problems.double_well()
    rates = np.linspace(0.05, 1.2, 12)
    m = basin_map(well, rates, n=50, steps=300)
    assert m.labels.shape == (12, 50) and np.array_equal(m.y, rates) and m.dim == 1
    left_threshold = 2 / well.hessian(well.minima[:1])[0, 0, 0]
    near_left = m.labels[:, np.abs(m.x - well.minima[0, 0]) < 0.3]
    assert np.all(near_left[rates < 0.6] == 0)
    assert not np.any(near_left[rates > left_threshold] == 0)


class _OneStartAtATime:
    """An optimizer from outside stepcourse.optim (so basin_map runs it start by start) that takes
    exactly the steps of the optimizer it wraps."""

    def __init__(self, opt):
        self.opt = opt

    def init(self, params):
        assert params.ndim == 1, "runs start by start"
        return self.opt.init(params)

    def step(self, params, grads, state):
        return self.opt.step(params, grads, state)


def test_momentum_maps_other_basins_than_gradient_descent_at_the_same_rate():
    p = sc.problems.himmelblau()
    lr = 0.2 * 2 / sharpest_curvature(p)
    gd = basin_map(p, lr, n=41, steps=400)
    assert np.array_equal(basin_map(p, sc.optim.SGD(lr=lr), n=41, steps=400).labels, gd.labels)
    heavy = basin_map(p, sc.optim.SGD(lr=lr, momentum=0.9), n=41, steps=400)
    assert set(gd.shares) == set(heavy.shares) == {0, 1, 2, 3}  # every run settles, in one of four
    changed = np.mean(heavy.labels != gd.labels)
    assert 0.05 < changed < 0.6, changed
    assert heavy.optimizer == "momentum 0.9 (lr %g)" % lr and heavy.lr == lr
    # each run ends at the minimum it is labelled with
    for m in (gd, heavy):
        assert np.all(np.linalg.norm(m.ends - p.minima[m.labels], axis=-1) < 1e-3 * 10)
    assert "momentum 0.9" in sc.plots.basins(heavy)["mesh"].axes.get_title()


@pytest.mark.parametrize("opt", [sc.optim.SGD(lr=0.01, momentum=0.9), sc.optim.Adam(lr=0.05),
                                 sc.optim.SGD(lr=0.002, momentum=0.5, nesterov=True)])
def test_a_batch_run_is_the_runs_from_each_start(opt):
    p = sc.problems.himmelblau()
    batch = basin_map(p, opt, n=7, steps=120)
    single = basin_map(p, _OneStartAtATime(opt), n=7, steps=120)
    assert np.array_equal(batch.labels, single.labels)
    np.testing.assert_allclose(batch.ends, single.ends, rtol=0, atol=1e-12)
    for i, j in [(0, 0), (3, 5), (6, 2)]:
        tr = sc.minimize(p, opt, x0=[batch.x[j], batch.y[i]], steps=120, divergence_factor=None)
        np.testing.assert_allclose(batch.ends[i, j], tr.x, rtol=0, atol=1e-12)
    assert single.optimizer == "_OneStartAtATime" and single.lr is None


def test_momentum_settles_on_minima_too_sharp_for_gradient_descent():
    bowl = sc.problems.quadratic([1.0, 10.0])  # L = 10: gradient descent needs lr < 0.2
    assert basin_map(bowl, 0.3, n=6, steps=400).shares == {-1: 1.0}
    # the heavy ball needs lr L < 2 (1 + beta) = 3.8, Nesterov's form lr L < 2 (1 + beta) / (1 + 2 beta)
    assert basin_map(bowl, sc.optim.SGD(lr=0.3, momentum=0.9), n=6, steps=600).shares == {0: 1.0}
    assert basin_map(bowl, sc.optim.SGD(lr=0.4, momentum=0.9), n=6, steps=400).shares == {-1: 1.0}
    nesterov = sc.optim.SGD(lr=0.14, momentum=0.9, nesterov=True)  # 1.4 > 19/14
    assert basin_map(bowl, nesterov, n=6, steps=400).shares == {-1: 1.0}
    # a minimum too sharp for the heavy ball at this rate collects nobody, even starts right on it
    p = sc.problems.himmelblau()
    sharp = np.linalg.eigvalsh(p.hessian(p.minima)).max(axis=1)
    lr = 1.1 * 3.8 / sharp.max()
    m = basin_map(p, sc.optim.SGD(lr=lr, momentum=0.9), n=40, steps=300)
    assert m.shares.get(int(np.argmax(sharp)), 0.0) == 0.0
    assert basin_map(p, sc.optim.SGD(lr=lr / 1.2, momentum=0.9), n=40, steps=600).shares.get(
        int(np.argmax(sharp)), 0.0) > 0


def test_a_1d_map_of_optimizers_has_one_row_per_optimizer():
    well = sc.problems.double_well()
    rates = [0.05, 0.2, 0.6]
    opts = [sc.optim.SGD(lr=r, momentum=0.8) for r in rates]
    m = basin_map(well, opts, n=30, steps=200)
    assert m.labels.shape == (3, 30) and np.array_equal(m.y, rates) and np.array_equal(m.lr, rates)
    assert m.optimizer == "momentum 0.8"
    for i, opt in enumerate(opts):
        assert np.array_equal(basin_map(well, opt, n=30, steps=200).labels[0], m.labels[i])
    gd = basin_map(well, rates, n=30, steps=200)
    assert gd.optimizer == "gradient descent" and not np.array_equal(gd.labels, m.labels)


@pytest.mark.parametrize("call, error, match", [
    (lambda: basin_map(sc.problems.himmelblau(), "adam"), TypeError, "^opt must be an optimizer.*by_name"),
    (lambda: basin_map(sc.problems.himmelblau(), sc.optim.Adam), TypeError, "^opt must be an optimizer"),
    (lambda: basin_map(sc.problems.himmelblau(), None), TypeError, "^opt must be a learning rate.*NoneType"),
    (lambda: basin_map(sc.problems.himmelblau(), [sc.optim.SGD(lr=0.01)] * 2), ValueError,
     "^for a 2-D problem opt must be a single"),
    (lambda: basin_map(sc.problems.double_well(), [sc.optim.SGD(lr=0.1), object()]), TypeError,
     r"^opt\[1\] must be an optimizer"),
    (lambda: basin_map(sc.problems.double_well(), [sc.optim.SGD(lr=0.1), sc.optim.Adam(lr=0.1)]),
     ValueError, "differ only in lr"),
    (lambda: basin_map(sc.problems.double_well(), sc.optim.SGD(lr=sc.schedules.exponential(0.1, 0.9))),
     ValueError, "numeric lr"),
    (lambda: basin_map(sc.problems.double_well(), []), ValueError, "empty"),
])
def test_basin_map_optimizer_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: basin_map(sc.problems.quadratic(dim=3), 0.1), "1-D and 2-D"),
    (lambda: basin_map(sc.problems.saddle(), 0.1), "minima"),
    (lambda: basin_map(sc.problems.himmelblau(), [0.01, 0.02]), "single number"),
    (lambda: basin_map(sc.problems.himmelblau(), -0.1), "^opt as a learning rate must be a positive.*-0.1"),
    (lambda: basin_map(sc.problems.himmelblau(), 0.01, n=1), "^n must"),
    (lambda: basin_map(sc.problems.himmelblau(), 0.01, steps=-1), "^steps must"),
    (lambda: sharpest_curvature(sc.problems.saddle()), "known minima"),
])
def test_basin_map_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_race_runs_each_named_optimizer_from_the_same_start():
    ravine = sc.problems.quadratic([1.0, 100.0])
    runs = race(ravine, {"SGD": 0.01, "momentum": 0.01, "Nesterov": 0.01, "Adam": 0.1}, steps=150, momentum=0.8)
    assert list(runs) == ["SGD", "momentum", "Nesterov", "Adam"]
    assert all(np.array_equal(tr.xs[0], ravine.x0) for tr in runs.values())
    # each run is exactly what its optimizer gives on its own
    alone = {"SGD": sc.optim.SGD(lr=0.01), "momentum": sc.optim.SGD(lr=0.01, momentum=0.8),
             "Nesterov": sc.optim.SGD(lr=0.01, momentum=0.8, nesterov=True),
             "Adam": sc.optim.Adam(lr=0.1, betas=(0.8, 0.999))}
    for name, opt in alone.items():
        assert np.array_equal(runs[name].xs, sc.minimize(ravine, opt, steps=150).xs), name
    assert runs["momentum"].loss < runs["SGD"].loss
    # lr_scale multiplies every rate: at 4x SGD leaves the ravine (eta L = 4 > 2)
    assert race(ravine, {"SGD": 0.01}, lr_scale=4.0, steps=150)["SGD"].diverged
    # without momentum, Nesterov is plain SGD
    flat = race(ravine, {"SGD": 0.01, "Nesterov": 0.01}, momentum=0.0, steps=20)
    assert np.array_equal(flat["SGD"].xs, flat["Nesterov"].xs)
    with pytest.raises(ValueError, match="name must be one of"):
        race(ravine, {"LBFGS": 0.1})
    with pytest.raises(ValueError, match="^momentum must be"):
        race(ravine, {"SGD": 0.1}, momentum=1.0)


# -- problems: level sets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("point", [(-1.0, 1.0), (0.5, -3.0), (-4.0, 4.0), (2.0, 0.0), (-3.0, -1.5)])
def test_the_gradient_is_perpendicular_to_the_level_set(point):
    problem = sc.problems.himmelblau()
    lines, cos = level_set_through(problem, point)
    assert lines and cos < 0.05
    f0 = float(problem.f(np.array(point)))
    nearest = min(lines, key=lambda s: np.min(np.linalg.norm(s - np.array(point), axis=1)))
    assert np.allclose(problem.f(nearest), f0, rtol=0.02, atol=0.05 * f0)  # it is the level set of f(point)


def test_level_sets_at_a_minimum_and_argument_errors():
    p = sc.problems.himmelblau()
    assert level_set_through(p, p.minima[0]) == ([], None)  # below every grid value: nothing to trace
    find = level_set_finder(p, n=100)
    assert find([1.0, 1.0])[1] < 0.1
    with pytest.raises(ValueError, match="2-D"):
        level_set_finder(sc.problems.parabola())


# -- schedules: a run on the noisy bowl ------------------------------------------------------------------

def test_schedule_run_shares_the_noise_and_replays():
    a = schedule_run(sc.schedules.constant(0.1), noise=1.0, seed=3, steps=50)
    b = schedule_run(0.1, noise=1.0, seed=3, steps=50)
    assert np.array_equal(a.xs, b.xs)
    assert not np.array_equal(a.xs, schedule_run(0.1, noise=1.0, seed=4, steps=50).xs)
    exact = schedule_run(0.1, noise=0.0, steps=50)
    plain = sc.minimize(sc.problems.quadratic([1.0, 10.0]), sc.optim.SGD(lr=0.1), steps=50)
    assert np.array_equal(exact.xs, plain.xs)
    with pytest.raises(ValueError, match="^noise must be"):
        schedule_run(0.1, noise=-1.0)


# -- mlp: gradient flow -------------------------------------------------------------------------------------

def test_flow_matches_the_mlp():
    X, y = digits_batch(200, seed=1)
    s = flow(5, "relu", "he", X=X, y=y, seed=2)
    mlp = MLP([64, 64, 64, 64, 64, 64, 10], "relu", "he", loss="cross_entropy", seed=2)
    ref = mlp.layer_stats(mlp.init_params(), X, y)
    assert np.allclose(s.grad_norm, ref.grad_norm) and np.allclose(s.act_std, ref.act_std)


def test_gradient_variance_factor_is_the_geometric_mean_ratio():
    s = flow(8, "sigmoid")
    v = s.delta_std[:-1] ** 2
    assert gradient_variance_factor(s) == pytest.approx((v[-1] / v[0]) ** (1 / (len(v) - 1)), rel=1e-10)
    assert gradient_variance_factor(s) > 2          # sigmoid, standard init: vanishing
    assert gradient_variance_factor(flow(8, "tanh", "xavier")) < 1.6


def test_flow_argument_errors():
    with pytest.raises(ValueError, match="depth must be an integer >= 1"):
        flow(0)
    with pytest.raises(ValueError, match="at least 2 hidden layers"):
        gradient_variance_factor(flow(1))
    with pytest.raises(ValueError, match="activation must be one of"):
        flow(3, "swish")
    with pytest.raises(ValueError, match="labels y together with X"):
        flow(3, X=np.ones((4, 64)))


# -- data: digits and the boosting demo --------------------------------------------------------------------

def test_digits_batch():
    X, y = digits_batch(300, seed=4)
    assert X.shape == (300, 64) and y.dtype.kind == "i" and set(np.unique(y)) == set(range(10))
    assert np.array_equal(X, digits_batch(300, seed=4)[0]) and not np.array_equal(X, digits_batch(300, seed=5)[0])
    full, _ = digits_batch(1797)
    assert np.allclose(full.mean(0), 0, atol=1e-12)
    assert np.allclose(full.std(0)[full.std(0) > 0], 1)
    with pytest.raises(ValueError, match="n must be an integer from 2 to 1797"):
        digits_batch(5000)


def test_the_cached_digits_cannot_be_changed_by_a_caller():
    X, y = digits_batch(50)
    with pytest.raises(ValueError):
        X[0, 0] = 1.0
    with pytest.raises(ValueError):
        y[0] = 3


def test_boosting_demo_data_is_the_stated_function_plus_noise():
    x, y, truth = boosting_demo_data(n=500, noise=0.0, seed=2)
    assert x.shape == (500, 1) and np.all(np.diff(x[:, 0]) >= 0) and 0 <= x.min() and x.max() <= 6
    np.testing.assert_allclose(y, np.sin(1.5 * x[:, 0]) + 0.3 * x[:, 0], rtol=0, atol=1e-15)
    _, noisy, _ = boosting_demo_data(n=500, noise=0.3, seed=2)
    assert 0.25 < np.std(noisy - y) < 0.35
    assert np.array_equal(boosting_demo_data(seed=5)[1], boosting_demo_data(seed=5)[1])
    with pytest.raises(ValueError, match="^noise must be"):
        boosting_demo_data(noise=-1.0)
