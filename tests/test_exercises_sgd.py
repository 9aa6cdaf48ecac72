"""The SGD chapters' checks: right answers pass, plausible mistakes get feedback."""
import numpy as np
import pytest

import stepcourse as sc


def _variance(G, B):
    n = len(G)
    return np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / B * (n - B) / (n - 1)


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
    "sgd-minibatch-variance": _variance,
    "sgd-noise-floor": lambda lr, B, C: lr * np.trace(C) / (4 * B),
    "sgd-momentum": _momentum_sgd,
    "sgd-heavy-ball": lambda L, mu: ((2 / (np.sqrt(L) + np.sqrt(mu))) ** 2,
                                     ((np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))) ** 2),
    "sgd-nesterov": _nesterov,
    "sgd-adam-step": _adam,
}


def test_there_are_at_least_five_sgd_exercises_and_all_are_registered():
    labels = {k for k in sc.exercises.registry() if k.startswith("sgd-")}
    assert labels == set(RIGHT) and len(labels) >= 5


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
    ("sgd-minibatch-variance", lambda G, B: np.mean(np.sum((G - G.mean(0)) ** 2, 1)) / B, "variance is 0"),
    ("sgd-minibatch-variance", lambda G, B: np.var(G, axis=0, ddof=1).sum() / B * (len(G) - B) / (len(G) - 1),
     "batch_variance"),
    ("sgd-noise-floor", lambda lr, B, C: lr * np.trace(C) / (2 * B), "predicted_floor"),
    ("sgd-noise-floor", lambda lr, B, C: lr * np.trace(C) / 4, "predicted_floor"),
    ("sgd-momentum", _heavy_ball_dampened, "first step"),
    ("sgd-momentum", lambda grad, w0, lr, mu, steps: _momentum_sgd(grad, w0, lr, 0.0, steps), "iterates"),
    ("sgd-heavy-ball", lambda L, mu: (2 / (L + mu), 0.9), "lr, beta"),
    ("sgd-heavy-ball", lambda L, mu: RIGHT["sgd-heavy-ball"](L, mu)[::-1], "lr, beta"),
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
