"""Mini-batch sampling and the least-squares problem with a mini-batch gradient."""
from itertools import islice

import dataclasses

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.batching import batch_indices
from stepcourse.problems import minibatch_least_squares


def test_shuffle_visits_every_row_once_per_epoch_in_a_new_order():
    stream = batch_indices(10, 4, "shuffle", seed=3)
    epochs = [list(islice(stream, 3)) for _ in range(3)]
    for batches in epochs:
        assert [len(b) for b in batches] == [4, 4, 2]
        assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))


def test_cyclic_is_the_stored_order_every_epoch():
    got = [b.tolist() for b in islice(batch_indices(5, 2, "cyclic"), 6)]
    assert got == [[0, 1], [2, 3], [4], [0, 1], [2, 3], [4]]


def test_replacement_draws_independent_uniform_rows():
    draws = np.concatenate(list(islice(batch_indices(7, 3, "replacement", seed=0), 4000)))
    assert draws.min() == 0 and draws.max() == 6
    counts = np.bincount(draws, minlength=7)
    assert np.all(np.abs(counts / counts.sum() - 1 / 7) < 0.01)
    # batches with a repeated row occur (with replacement); with 3 of 7 rows, P = 1 - 6*5/49 ~ 0.39
    repeats = np.mean([len(set(b.tolist())) < 3 for b in islice(batch_indices(7, 3, "replacement", seed=1), 2000)])
    assert 0.33 < repeats < 0.45


def test_streams_are_reproducible_from_the_seed():
    a = [b.tolist() for b in islice(batch_indices(20, 3, "shuffle", seed=5), 10)]
    b = [b.tolist() for b in islice(batch_indices(20, 3, "shuffle", seed=5), 10)]
    assert a == b


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0, batch_size=1), "n must"),
    (dict(n=5, batch_size=0), "batch_size"),
    (dict(n=5, batch_size=2, sampling="random"), "sampling"),
])
def test_bad_sampling_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        next(batch_indices(**kwargs))


def _data(n=50, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * [1.0, 2.0, 0.5][:d] + 1.0
    y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n) + 2.0
    return X, y


def test_loss_is_the_exact_least_squares_excess_and_full_batch_gradient_is_exact():
    X, y = _data()
    base = sc.models.least_squares_problem(X, y)
    p = minibatch_least_squares(X, y, batch_size=len(y))
    w = np.array([0.3, -0.2, 1.0])
    assert p.f(w) == pytest.approx(base.f(w), rel=1e-12)
    run = p.run_grad()
    for _ in range(3):
        assert np.allclose(run(w), base.grad(w), rtol=1e-12, atol=1e-12)
    assert np.allclose(p.per_example_grad(w).mean(axis=0), base.grad(w), atol=1e-12)
    assert p.steps_per_epoch == 1 and p.batch_size == len(y)


@pytest.mark.parametrize("sampling", ["shuffle", "cyclic"])
def test_one_epoch_of_batch_gradients_averages_to_the_full_gradient(sampling):
    X, y = _data(n=48)
    p = minibatch_least_squares(X, y, batch_size=8, sampling=sampling, seed=2)
    w = np.array([1.0, 0.5, -0.5])
    run = p.run_grad()
    grads = [run(w) for _ in range(p.steps_per_epoch)]
    assert p.steps_per_epoch == 6
    assert np.allclose(np.mean(grads, axis=0), sc.models.least_squares_problem(X, y).grad(w), atol=1e-12)
    assert np.std(grads, axis=0).max() > 0.01               # but single batches are noisy


def test_replacement_gradient_is_unbiased():
    X, y = _data()
    p = minibatch_least_squares(X, y, batch_size=4, sampling="replacement", seed=0)
    w = np.zeros(3)
    run = p.run_grad()
    grads = np.array([run(w) for _ in range(20000)])
    full = sc.models.least_squares_problem(X, y).grad(w)
    se = grads.std(axis=0) / np.sqrt(len(grads))
    assert np.all(np.abs(grads.mean(axis=0) - full) < 5 * se)


def test_minimize_runs_epochs_of_sgd_and_records_the_exact_loss():
    X, y = _data()
    p = minibatch_least_squares(X, y, batch_size=10, seed=0)
    tr = sc.minimize(p, sc.optim.SGD(lr=0.02), steps=40 * p.steps_per_epoch)
    assert tr.steps == 200 and not tr.diverged
    assert np.allclose(tr.losses, p.f(tr.xs))
    assert tr.gaps[-50:].mean() < 0.05 * tr.gaps[0]


def test_a_minibatch_problem_is_a_value_two_runs_with_one_seed_agree():
    X, y = _data()
    p = minibatch_least_squares(X, y, batch_size=5, seed=3)
    opt = sc.optim.SGD(lr=0.02)
    a, b = sc.minimize(p, opt, steps=30), sc.minimize(p, opt, steps=30)
    assert np.array_equal(a.xs, b.xs)                       # failed when the stream lived in p
    c = sc.minimize(p, opt, steps=30, seed=4)
    assert not np.array_equal(a.xs, c.xs)
    assert np.array_equal(sc.minimize(p, opt, steps=30, seed=3).xs, a.xs)
    assert p.grad is p.exact_grad and np.allclose(p.grad(np.zeros(3)), sc.models.least_squares_problem(X, y).grad(np.zeros(3)))
    again = dataclasses.replace(p, name="renamed")         # extras are fields: replace keeps them
    assert again.per_example_grad is p.per_example_grad and again.steps_per_epoch == p.steps_per_epoch


def test_minibatch_problem_refuses_a_generator_as_its_seed():
    X, y = _data()
    with pytest.raises(TypeError, match="per run"):
        minibatch_least_squares(X, y, batch_size=5, seed=np.random.default_rng(0))


def test_grad_accepts_a_trailing_axis_and_checks_it():
    X, y = _data()
    p = minibatch_least_squares(X, y, batch_size=len(y))
    W = np.zeros((4, 5, 3))
    assert p.grad(W).shape == (4, 5, 3)
    with pytest.raises(ValueError, match="trailing axis"):
        p.grad(np.zeros(2))


# -- batch_size_run: mini-batch SGD next to full-batch GD ------------------------------------------------

def _line_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, X @ np.array([1.5, -0.5]) + 0.3 * rng.normal(size=n)


def test_batch_size_run_counts_steps_per_epoch_and_replays_plain_sgd():
    X, y = _line_data()
    run = sc.batching.batch_size_run(X, y, batch_size=8, lr=0.05, epochs=3, sampling="cyclic")
    assert isinstance(run, sc.batching.BatchSizeRun)
    assert run.steps_per_epoch == 8 and run.trace.steps == 24 and run.full.steps == 3   # ceil(60 / 8)
    assert (run.batch_size, run.lr, run.sampling, run.epochs) == (8, 0.05, "cyclic", 3)
    # Independent oracle: plain SGD on the centered least squares, step t on batch t of the stored order.
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    batches = [np.arange(s, min(s + 8, 60)) for s in range(0, 60, 8)]
    w = run.problem.x0.astype(float).copy()
    for t in range(24):
        rows = batches[t % len(batches)]
        w = w - 0.05 * 2 / len(rows) * Xc[rows].T @ (Xc[rows] @ w - yc[rows])
    assert np.allclose(run.trace.x, w, rtol=1e-12, atol=1e-12)
    # the full-batch run is gradient descent on the whole loss
    w = run.problem.x0.astype(float).copy()
    for _ in range(3):
        w = w - 0.05 * 2 / 60 * Xc.T @ (Xc @ w - yc)
    assert np.allclose(run.full.x, w, rtol=1e-12, atol=1e-12)


def test_batch_size_run_floor_shrinks_as_one_over_the_batch():
    X, y = _line_data(n=200)
    small, large = (sc.batching.batch_size_run(X, y, B, lr=0.03, epochs=1, sampling="replacement")
                    for B in (2, 32))
    assert small.floor == pytest.approx(16 * large.floor, rel=1e-12)
    # a rate beyond 2/L has no stationary floor (the largest curvature here is about 2)
    assert sc.batching.batch_size_run(X, y, 4, lr=1.5, epochs=1).floor is None


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0.0}, "^lr must"), ({"epochs": 0}, "^epochs must"), ({"sampling": "random"}, "^sampling must"),
    ({"batch_size": 0}, "^batch_size must"),
])
def test_batch_size_run_arguments(kwargs, match):
    X, y = _line_data()
    args = {"batch_size": 4, "lr": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        sc.batching.batch_size_run(X, y, **args)


def test_batching_keeps_no_alias_of_the_problem():
    assert not hasattr(sc.batching, "minibatch_least_squares")
