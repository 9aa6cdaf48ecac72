"""The vanishing-gradients chapter's exercise checks: right answers pass, plausible mistakes are named."""
import numpy as np
import pytest

import stepcourse as sc


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


LABELS = ("vanishing-sigmoid-prime", "vanishing-layer-backward", "vanishing-variance-factor", "vanishing-clip",
          "vanishing-leaky-he")


def test_labels_are_registered():
    reg = sc.exercises.registry()
    for label in LABELS:
        assert reg[label].chapter == "vanishing_gradients"


@pytest.mark.parametrize("label", LABELS)
def test_the_stub_fails_politely(label):
    result = check(label, ...)
    assert not result and "no answer yet" in result.message

    def stub(*args):
        ...

    result = check(label, stub)
    assert not result and "Traceback" not in result.message


def test_sigmoid_prime():
    def right(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)

    with np.errstate(over="ignore"):
        assert check("vanishing-sigmoid-prime", right)
    wrong = check("vanishing-sigmoid-prime", lambda z: 1 / (1 + np.exp(-z)))       # the sigmoid itself
    assert not wrong and "1/4" in wrong.message
    wrong = check("vanishing-sigmoid-prime", lambda z: 0.25 * np.exp(-z ** 2))      # right at 0, wrong elsewhere
    assert not wrong and "sigmoid_prime(z)" in wrong.message


def _reference_backward(h, W, b, d_out, activation):
    u = h @ W + b
    fprime = {"sigmoid": lambda u: (s := 1 / (1 + np.exp(-u))) * (1 - s), "tanh": lambda u: 1 - np.tanh(u) ** 2,
              "relu": lambda u: (u > 0).astype(float), "linear": lambda u: np.ones_like(u)}[activation](u)
    delta = d_out * fprime
    return delta @ W.T, h.T @ delta, delta.sum(axis=0)


def test_layer_backward():
    assert check("vanishing-layer-backward", _reference_backward)

    def no_derivative(h, W, b, d_out, activation):
        return d_out @ W.T, h.T @ d_out, d_out.sum(axis=0)

    wrong = check("vanishing-layer-backward", no_derivative)
    assert not wrong and "sigmoid" in wrong.message and "phi'" in wrong.hint

    def mean_not_sum(h, W, b, d_out, activation):
        dh, dW, db = _reference_backward(h, W, b, d_out, activation)
        return dh, dW, db / len(h)

    wrong = check("vanishing-layer-backward", mean_not_sum)
    assert not wrong and "db" in wrong.message

    def bad_dh(h, W, b, d_out, activation):
        dh, dW, db = _reference_backward(h, W, b, d_out, activation)
        return dh * 0.5, dW, db

    wrong = check("vanishing-layer-backward", bad_dh)
    assert not wrong and "dh" in wrong.message and "W.T" in wrong.hint
    wrong = check("vanishing-layer-backward", lambda *a: (1, 2))
    assert not wrong and "three values (dh, dW, db)" in wrong.message


def test_variance_factor():
    deriv = {"linear": 1.0, "tanh": 1.0, "relu": 0.5, "sigmoid": 1 / 16}

    def right(n_in, n_out, init, activation):
        var = {"standard": 1 / (3 * n_in), "xavier": 2 / (n_in + n_out), "he": 2 / n_in}[init]
        return n_out * var * deriv[activation]

    assert check("vanishing-variance-factor", right)
    wrong = check("vanishing-variance-factor", lambda n_in, n_out, init, act: 1 / right(n_in, n_out, init, act))
    assert not wrong and "not divided" in wrong.message
    wrong = check("vanishing-variance-factor",
                  lambda n_in, n_out, init, act: right(n_in, n_out, init, act) / deriv[act])   # forgets f'
    assert not wrong and "ReLU" in wrong.hint and "relu" in wrong.message


def test_clip():
    def right(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        c = min(1.0, max_norm / norm)
        return {k: c * g for k, g in grads.items()}

    assert check("vanishing-clip", right)

    def per_array(grads, max_norm):
        return {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}

    wrong = check("vanishing-clip", per_array)
    assert not wrong and "one norm for all arrays" in wrong.hint

    def always_rescale(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        return {k: g * max_norm / norm for k, g in grads.items()}

    wrong = check("vanishing-clip", always_rescale)
    assert not wrong and "shorter than max_norm" in wrong.message

    def in_place(grads, max_norm):
        out = right(grads, max_norm)
        for k in grads:
            grads[k] *= 0.5
        return out

    wrong = check("vanishing-clip", in_place)
    assert not wrong and "changed the gradients" in wrong.message


def test_leaky_he():
    assert check("vanishing-leaky-he", lambda n, a: 2 / ((1 + a * a) * n))
    relu = check("vanishing-leaky-he", lambda n, a: 2 / n)
    assert not relu and relu.points == 0 and "ReLU" in relu.message
    linear_slope = check("vanishing-leaky-he", lambda n, a: 2 / ((1 + a) * n))
    assert not linear_slope and linear_slope.points == 0 and "squared" in linear_slope.message
    assert not check("vanishing-leaky-he", lambda n, a: 1 / n)


def test_leaky_he_keeps_a_deep_network_at_scale():
    # an independent oracle: 20 leaky-ReLU layers keep the second moment of the signal with the
    # derived variance, and inflate it by (1 + a^2) per layer with ReLU's 2 / n_in
    def second_moment_ratio(var_w, n=512, a=0.3, depth=20):
        rng = np.random.default_rng(0)
        h = rng.normal(size=(500, n))
        start = np.mean(h**2)
        for _ in range(depth):
            z = h @ rng.normal(scale=np.sqrt(var_w), size=(n, n))
            h = np.where(z > 0, z, a * z)
        return np.mean(h**2) / start

    assert 0.6 < second_moment_ratio(2 / ((1 + 0.09) * 512)) < 1.6
    assert second_moment_ratio(2 / 512) > 3


def test_sigmoid_prime_must_survive_large_inputs():
    overflowing = check("vanishing-sigmoid-prime", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
    assert not overflowing and "NaN" in overflowing.message


def test_equilibrium_norm():
    # independent oracle: simulate SGD with weight decay on a weight whose gradient is orthogonal
    # to it with norm G / ||w||, in a random direction each step, and read the norm it settles at
    def simulated(lr, wd, G, steps=20000):
        rng = np.random.default_rng(0)
        w = rng.normal(size=5)
        for _ in range(steps):
            d = rng.normal(size=5)
            d -= (d @ w) / (w @ w) * w
            w = (1 - lr * wd) * w - lr * G / np.linalg.norm(w) * d / np.linalg.norm(d)
        return np.linalg.norm(w)

    def right(lr, wd, G):
        return (lr * G * G / (wd * (2 - lr * wd))) ** 0.25

    assert abs(simulated(0.5, 0.6, 1.3) / right(0.5, 0.6, 1.3) - 1) < 1e-6
    assert check("vanishing-equilibrium-norm", right)
    approx = check("vanishing-equilibrium-norm", lambda lr, wd, G: (lr * G * G / (2 * wd)) ** 0.25)
    assert not approx and approx.points < 2 and "approximation" in approx.message
    square = check("vanishing-equilibrium-norm", lambda lr, wd, G: right(lr, wd, G) ** 2)
    assert not square and square.points == 0 and "square" in square.message
    assert not check("vanishing-equilibrium-norm", lambda lr, wd, G: None)
