"""The learning-rates chapter's exercise checks: right answers pass, plausible mistakes get a useful message."""
import math

import numpy as np
import pytest

import stepcourse as sc

LABELS = ("lr-threshold", "lr-best", "lr-noise-floor", "lr-cosine", "lr-early-stopping")


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


def test_best_constant_rate():
    assert check("lr-best", lambda mu, L: (2 / (mu + L), (L - mu) / (L + mu)))
    assert check("lr-best", lambda mu, L: [2 / (mu + L), (L / mu - 1) / (L / mu + 1)])
    one_over_L = check("lr-best", lambda mu, L: (1 / L, 1 - mu / L))
    assert not one_over_L and "rate" in one_over_L.message
    wrong_factor = check("lr-best", lambda mu, L: (2 / (mu + L), mu / L))
    assert not wrong_factor and "contraction" in wrong_factor.message
    assert "pair" in check("lr-best", lambda mu, L: 2 / (mu + L)).message


def test_noise_floor():
    assert check("lr-noise-floor", lambda lr, a, s: lr * s**2 / (a * (2 - lr * a)))
    small_rate_only = check("lr-noise-floor", lambda lr, a, s: lr * s**2 / (2 * a))
    assert not small_rate_only and "stationary_spread" in small_rate_only.message
    assert not check("lr-noise-floor", lambda lr, a, s: lr * s / (a * (2 - lr * a)))


def test_cosine():
    assert check("lr-cosine", lambda t, lr0, T, eta_min: sc.schedules.cosine_annealing(lr0, T, eta_min)(t))
    assert check("lr-cosine", lambda t, lr0, T, e: e + (lr0 - e) * (1 + math.cos(math.pi * t / T)) / 2)
    no_floor = check("lr-cosine", lambda t, lr0, T, e: lr0 * (1 + math.cos(math.pi * t / T)) / 2)
    assert not no_floor
    full_period = check("lr-cosine", lambda t, lr0, T, e: e + (lr0 - e) * (1 + math.cos(2 * math.pi * t / T)) / 2)
    assert not full_period and "cosine_lr" in full_period.message


def _right_early_stop(val_losses, patience, min_delta):
    best, best_epoch, wait = val_losses[0], 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best - min_delta:
            best, best_epoch, wait = val_losses[epoch], epoch, 0
        else:
            wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return None, best_epoch


def test_early_stopping():
    assert check("lr-early-stopping", _right_early_stop)

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
