"""The learning-rates chapter's exercise checks: right answers pass, plausible mistakes get a useful message."""
import math

import numpy as np
import pytest

import stepcourse as sc

LABELS = ("lr-threshold", "lr-best", "lr-budget", "lr-noise-floor", "lr-cosine", "lr-early-stopping")


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


def test_labels_are_registered():
    reg = sc.exercises.registry()
    for label in LABELS:
        assert reg[label].chapter == "learning_rates"


@pytest.mark.parametrize("label", LABELS)
def test_an_empty_stub_fails_politely(label):
    def stub(*args):
        ...

    result = check(label, stub)
    assert not result and result.points == 0
    assert "None" in result.message or "nothing" in result.message
    assert not check(label, ...)


def test_threshold():
    assert check("lr-threshold", lambda A: 2 / np.linalg.eigvalsh(A).max())
    flat = check("lr-threshold", lambda A: 2 / np.linalg.eigvalsh(A).min())
    assert not flat and "smallest eigenvalue" in flat.hint
    one_step = check("lr-threshold", lambda A: 1 / np.linalg.eigvalsh(A).max())
    assert not one_step and "twice" in one_step.hint
    diagonal = check("lr-threshold", lambda A: 2 / np.max(np.diag(A)))   # ignores the rotation
    assert not diagonal and "eigenvalue" in diagonal.hint


def test_threshold_answers_agree_with_the_loop():
    # the reference answer is what minimize measures: just below converges, just above diverges
    A = np.array([[3.0, 1.0], [1.0, 3.0]])
    p = sc.problems.quadratic([2.0, 4.0], angle=-45.0)
    assert np.allclose(p.A, A)
    lr = 2 / np.linalg.eigvalsh(A).max()
    assert not sc.minimize(p, sc.optim.SGD(lr=0.99 * lr), steps=3000).diverged
    assert sc.minimize(p, sc.optim.SGD(lr=1.01 * lr), steps=3000).diverged


def _worst_two_step(pair, mu, L):
    x = np.linspace(mu, L, 20001)
    return np.max(np.abs((1 - pair[0] * x) * (1 - pair[1] * x)))


def _best_pair(mu, L):
    # equioscillation: p(x) = ((x - c)^2 - r^2) / (c^2 - r^2) with p(mu) = -p(c)
    c, d = (L + mu) / 2, (L - mu) / 2
    r = d / np.sqrt(2)
    return 1 / (c + r), 1 / (c - r)


def test_best_rate_pair():
    assert check("lr-best", _best_pair)
    assert check("lr-best", lambda mu, L: _best_pair(mu, L)[::-1])  # either order
    twice = check("lr-best", lambda mu, L: (2 / (mu + L), 2 / (mu + L)))
    assert not twice and twice.points == 0 and "twice" in twice.message
    assert not check("lr-best", lambda mu, L: (1 / L, 1 / mu))
    assert "shape" in check("lr-best", lambda mu, L: 2 / (mu + L)).message


def test_best_rate_pair_beats_every_other_pair_on_a_grid():
    # an independent oracle: a brute-force search over pairs of rates
    mu, L = 1.0, 10.0
    best = _worst_two_step(_best_pair(mu, L), mu, L)
    grid = np.linspace(0.05, 1.0, 120)
    brute = min(_worst_two_step((a, b), mu, L) for a in grid for b in grid if a <= b)
    assert best <= brute + 1e-9
    assert abs(best - 1 / (2 * (5.5 / 4.5) ** 2 - 1)) < 1e-6  # 1 / T_2((L + mu) / (L - mu))
    constant = ((L - mu) / (L + mu)) ** 2  # two steps of the best constant rate
    assert best < constant


def _budget(lambdas, steps):
    grid = np.linspace(0.01, 2, 200) / np.max(lambdas)
    errors = []
    for lr in grid:
        w = np.ones(len(lambdas))
        for _ in range(steps):
            w = w - lr * lambdas * w
        errors.append(np.linalg.norm(w))
    return grid[int(np.argmin(errors))]


def test_budget():
    assert check("lr-budget", _budget)
    long_run = check("lr-budget", lambda lam, K: 2 / (lam[0] + lam[-1]))
    assert not long_run and long_run.points == 0 and "many steps" in long_run.message
    assert not check("lr-budget", lambda lam, K: np.linspace(0.01, 2, 200)[99] / lam[-1])


def _rate_for_floor(lr, a, fraction):
    c = fraction * lr / (2 - lr * a)  # lr'/(2 - lr' a) = c
    return 2 * c / (1 + c * a)


def test_noise_floor():
    assert check("lr-noise-floor", _rate_for_floor)
    linear = check("lr-noise-floor", lambda lr, a, f: f * lr)
    assert not linear and linear.points == 0 and "small-rate law" in linear.message
    assert not check("lr-noise-floor", lambda lr, a, f: np.sqrt(f) * lr)
    # the derived rate really lowers a simulated floor by the fraction
    rng = np.random.default_rng(1)
    lr, a, f = 1.0, 1.0, 0.5
    floors = []
    for rate in (lr, _rate_for_floor(lr, a, f)):
        e, acc = 0.0, []
        for xi in rng.normal(size=200_000):
            e = (1 - rate * a) * e - rate * xi
            acc.append(e * e)
        floors.append(np.mean(acc[1000:]))
    assert abs(floors[1] / floors[0] / f - 1) < 0.05


def _final_spread(lr0, T, eta_min, a, s, e0, shift=0, rng=None):
    sched = sc.schedules.cosine_annealing(lr0, T, eta_min)
    mean, var = e0, 0.0
    for t in range(T):
        lr = sched(t + shift)
        mean, var = (1 - lr * a) * mean, (1 - lr * a) ** 2 * var + (lr * s) ** 2
    return mean**2 + var


def test_cosine():
    assert check("lr-cosine", _final_spread)
    shifted = check("lr-cosine", lambda *args: _final_spread(*args, shift=1))
    assert not shifted and "shifted" in shifted.cases[0].reason
    no_start = check("lr-cosine", lambda lr0, T, m, a, s, e0: _final_spread(lr0, T, m, a, s, 0.0))
    assert not no_start and "start" in no_start.message
    stationary = check("lr-cosine", lambda lr0, T, m, a, s, e0: m * s**2 / (a * (2 - m * a)))
    assert not stationary and stationary.points == 0
    # a Monte Carlo run of the noisy recursion agrees with the exact expectation
    rng = np.random.default_rng(2)
    lr0, T, m, a, s, e0 = 0.8, 30, 0.0, 1.0, 0.5, 2.0
    sched = sc.schedules.cosine_annealing(lr0, T, m)
    e = np.full(200_000, e0)
    for t in range(T):
        e = (1 - sched(t) * a) * e - sched(t) * s * rng.normal(size=e.size)
    assert abs(np.mean(e**2) / _final_spread(lr0, T, m, a, s, e0) - 1) < 0.02


def _right_early_stop(val_losses, patience, min_delta):
    # Written apart from the reference (which counts epochs without improvement): jump from one
    # improvement to the next; training stops `patience` epochs after the last one when none follows
    # within that window.
    v = np.asarray(val_losses, dtype=float)
    last = len(v) - 1
    best = 0
    while True:
        window = v[best + 1: best + patience + 1]
        better = np.flatnonzero(window < v[best] - min_delta)
        if better.size:
            best += 1 + int(better[0])
        else:
            return (best + patience if best + patience <= last else None), best


def test_early_stopping():
    assert check("lr-early-stopping", _right_early_stop)
    # the oracle on hand-made curves: (stop epoch, best epoch)
    assert _right_early_stop([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3, 0.0) == (5, 2)
    assert _right_early_stop([1.0, 0.9, 0.8, 0.7], 2, 0.0) == (None, 3)
    assert _right_early_stop([1.0, 0.95, 0.949, 0.948, 0.947], 2, 0.01) == (3, 1)
    assert _right_early_stop([1.0, 1.0, 1.0], 2, 0.0) == (2, 0)

    def ignores_min_delta(val_losses, patience, min_delta):
        return _right_early_stop(val_losses, patience, 0.0)

    assert not check("lr-early-stopping", ignores_min_delta)

    def one_late(val_losses, patience, min_delta):
        stop, best = _right_early_stop(val_losses, patience + 1, min_delta)
        return stop, best

    late = check("lr-early-stopping", one_late)
    assert not late and "should stop at epoch" in late.message

    def first_best(val_losses, patience, min_delta):
        stop, _ = _right_early_stop(val_losses, patience, min_delta)
        return stop, int(np.argmin(val_losses))

    assert not check("lr-early-stopping", first_best)


def test_early_stopping_check_matches_fit():
    # the exercise's rules are sc.fit's: replay a fit's validation curve through the reference answer
    rng = np.random.default_rng(0)
    x, xv = rng.uniform(-1, 1, 15), rng.uniform(-1, 1, 100)
    y, yv = np.sin(np.pi * x) + 0.3 * rng.standard_normal(15), np.sin(np.pi * xv) + 0.3 * rng.standard_normal(100)
    powers = lambda x: np.stack([x**k for k in range(1, 13)], axis=1)  # noqa: E731
    model, lr = sc.models.LinearRegression(), 0.25
    full = sc.fit(model, model.init_params(12), (powers(x), y), sc.optim.SGD(lr=lr), epochs=3000,
                  val_data=(powers(xv), yv))
    stops = []
    for patience, min_delta in [(20, 0.0), (200, 0.0), (50, 1e-3)]:
        rule = sc.training.EarlyStopping(patience=patience, min_delta=min_delta)
        early = sc.fit(model, model.init_params(12), (powers(x), y), sc.optim.SGD(lr=lr), epochs=3000,
                       val_data=(powers(xv), yv), early_stopping=rule)
        stop, best = _right_early_stop(list(full.val_loss), patience, min_delta)
        assert early.stopped_epoch == stop and early.best_epoch == best
        stops.append(stop)
    assert all(s is not None for s in stops) and len(set(stops)) == 3
