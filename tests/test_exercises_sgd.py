"""The SGD chapters' checks: right answers pass, plausible mistakes get feedback."""
import numpy as np
import pytest

import stepcourse as sc


def _pair_covariance(G):
    # the deviations sum to zero: 0 = n sigma^2 + n (n - 1) * covariance
    n = len(G)
    return -np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / (n - 1)


def _rows_for_noise(n, fraction):
    # sigma^2 / B * (n - B) / (n - 1) <= fraction * sigma^2  <=>  B >= n / (1 + fraction (n - 1))
    return int(min(n, np.ceil(n / (1 + fraction * (n - 1)) - 1e-12)))


def _floor_ratio(lr, B, new_lr, new_B, lam, c):
    return (new_lr / new_B * np.sum(c / (2 - new_lr * lam))) / (lr / B * np.sum(c / (2 - lr * lam)))


def _measure_floor(lr, a, s, B, steps, seed, noise_var_divisor=None, loss=True):
    rng = np.random.default_rng(seed)
    noise = rng.normal(scale=s / np.sqrt(noise_var_divisor or B), size=steps)
    e, out = 0.0, np.empty(steps)
    for k in range(steps):
        e = (1 - lr * a) * e - lr * noise[k]
        out[k] = e
    tail = out[steps // 2:] ** 2
    return float(np.mean(0.5 * a * tail if loss else tail))


def _heavy_ball_rate(L, mu, guess):
    lr = (2 / (np.sqrt(L) + np.sqrt(guess))) ** 2
    beta = ((np.sqrt(L) - np.sqrt(guess)) / (np.sqrt(L) + np.sqrt(guess))) ** 2
    t = 1 + beta - lr * mu  # the flattest direction; the steepest sits on the double root
    disc = t * t - 4 * beta
    return float(np.sqrt(beta) if disc <= 0 else (abs(t) + np.sqrt(disc)) / 2)


def _momentum_range(x, method):
    if method == "heavy ball":
        return (max(0.0, (x - 2) / 2), 1.0)
    return (0.0, min(1.0, (2 - x) / (2 * x - 2)) if x > 1 else 1.0)


def _momentum_sgd(grad, w0, lr, momentum, steps):
    w, b, path = np.asarray(w0, float), 0.0, [np.asarray(w0, float)]
    for _ in range(steps):
        b = momentum * b + grad(w)
        w = w - lr * b
        path.append(w)
    return np.array(path)


def _nesterov(grad, w0, lr, momentum, steps, record_theta=False):
    theta = np.asarray(w0, float)
    v = np.zeros_like(theta)
    out = [theta]
    for _ in range(steps):
        v = momentum * v - lr * grad(theta + momentum * v)
        theta = theta + v
        out.append(theta if record_theta else theta + momentum * v)
    return np.array(out)


def _adam(w, g, m, v, t, lr, b1, b2, eps, correct=True):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    if correct:
        return w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v
    return w - lr * m / (np.sqrt(v) + eps), m, v


RIGHT = {
    "sgd-minibatch-variance": _pair_covariance,
    "sgd-batch-for-noise": _rows_for_noise,
    "sgd-noise-floor": _floor_ratio,
    "sgd-floor-experiment": _measure_floor,
    "sgd-momentum": _momentum_sgd,
    "sgd-heavy-ball": _heavy_ball_rate,
    "sgd-nesterov": _nesterov,
    "sgd-nesterov-limit": _momentum_range,
    "sgd-adam-step": _adam,
}


def test_each_sgd_chapter_has_at_least_four_exercises_and_all_are_registered():
    registry = sc.exercises.registry()
    labels = {k for k in registry if k.startswith("sgd-")}
    assert set(RIGHT) <= labels
    for chapter in ("sgd_batches", "sgd_momentum_adaptive"):
        assert sum(registry[k].chapter == chapter for k in labels) >= 4


@pytest.mark.parametrize("label", sorted(RIGHT))
def test_right_answers_pass(label):
    assert sc.exercises.check(label, RIGHT[label], quiet=True).passed


@pytest.mark.parametrize("label", sorted(RIGHT))
def test_stubs_fail_politely(label):
    result = sc.exercises.check(label, lambda *args: None, quiet=True)
    assert not result.passed and "None" in result.message


def _heavy_ball_dampened(grad, w0, lr, momentum, steps):
    # a classic slip: an exponential average (1 - momentum) * g instead of PyTorch's plain sum
    w, b, path = np.asarray(w0, float), 0.0, [np.asarray(w0, float)]
    for _ in range(steps):
        b = momentum * b + (1 - momentum) * grad(w)
        w = w - lr * b
        path.append(w)
    return np.array(path)


@pytest.mark.parametrize("label, answer, phrase", [
    ("sgd-minibatch-variance", lambda G: 0.0, "independent"),
    ("sgd-minibatch-variance", lambda G: -np.mean(np.sum((G - G.mean(0)) ** 2, 1)) / len(G), "pair_covariance"),
    ("sgd-minibatch-variance", lambda G: -_pair_covariance(G), "positive"),
    ("sgd-batch-for-noise", lambda n, f: int(np.ceil(1 / f - 1e-12)), "independent draws"),
    ("sgd-batch-for-noise", lambda n, f: int(np.ceil(n / (1 + f * n))), "rows_for_noise"),
    ("sgd-noise-floor", lambda lr, B, nlr, nB, lam, c: (nlr / nB) / (lr / B), "small-rate law"),
    ("sgd-noise-floor", lambda lr, B, nlr, nB, lam, c: (nlr / nB) / (lr / B) * np.sum(c / (2 - nlr * lam))
     / np.sum(c / (2 - lr * lam)) * nB / B, "floor_ratio"),
    ("sgd-floor-experiment", lambda *a: _measure_floor(*a, noise_var_divisor=1), "B = "),
    ("sgd-floor-experiment", lambda *a: _measure_floor(*a, loss=False), "E e^2"),
    ("sgd-heavy-ball", lambda L, mu, g: (np.sqrt(L) - np.sqrt(g)) / (np.sqrt(L) + np.sqrt(g)), "tuning covers"),
    ("sgd-heavy-ball", lambda L, mu, g: ((np.sqrt(L) - np.sqrt(g)) / (np.sqrt(L) + np.sqrt(g))) ** 2, "beta"),
    ("sgd-nesterov-limit", lambda x, m: _momentum_range(x, "heavy ball"), "heavy ball's range"),
    ("sgd-nesterov-limit", lambda x, m: (0.0, 1.0), "momentum_range"),
    ("sgd-momentum", _heavy_ball_dampened, "first step"),
    ("sgd-momentum", lambda grad, w0, lr, mu, steps: _momentum_sgd(grad, w0, lr, 0.0, steps), "iterates"),
    ("sgd-nesterov", lambda *a: _nesterov(*a, record_theta=True), "look-ahead"),
    ("sgd-nesterov", lambda grad, w0, lr, mu, steps: _momentum_sgd(grad, w0, lr, mu, steps), "look-ahead"),
    ("sgd-adam-step", lambda *a: _adam(*a, correct=False), "first step"),
    ("sgd-adam-step", lambda *a: _adam(*a)[0], "tuple"),
])
def test_plausible_mistakes_are_caught_with_feedback(label, answer, phrase):
    result = sc.exercises.check(label, answer, quiet=True)
    assert not result.passed
    assert phrase in result.message


def test_adam_check_accepts_eps_inside_the_root_only_if_equal_to_torch():
    # eps inside the square root differs from torch's arithmetic by more than the tolerance for small gradients
    def eps_inside(w, g, m, v, t, lr, b1, b2, eps):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        return w - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v
    assert not sc.exercises.check("sgd-adam-step", eps_inside, quiet=True).passed
