"""Checks of the exercises on Adam's counterexample, the gradient noise scale and the clipped phase:
right answers pass, plausible mistakes are named."""
import numpy as np
import pytest

import stepcourse as sc


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


CHAPTERS = {"sgd-adam-drift": "sgd_momentum_adaptive", "sgd-noise-scale": "sgd_batches",
            "vanishing-clipped-steps": "vanishing_gradients"}


@pytest.mark.parametrize("label", list(CHAPTERS))
def test_registered_in_their_chapters_and_stubs_fail(label):
    assert sc.exercises.registry()[label].chapter == CHAPTERS[label]

    def stub(*args):
        ...

    assert not check(label, stub)


# --- sgd-adam-drift: an independent answer by simulating one long run --------------------------

def drift_by_simulation(C, beta2):
    v, path = 0.0, []
    for t in range(1, 3 * 3000 + 1):
        g = C if t % 3 == 1 else -1.0
        v = beta2 * v + (1 - beta2) * g * g
        path.append(-g / np.sqrt(v))
    return float(np.sum(path[-3:]))


def test_adam_drift_right_answers_pass():
    assert check("sgd-adam-drift", drift_by_simulation)
    assert check("sgd-adam-drift", lambda C, b: sc.counterexamples.adam_cycle_drift(C, b))


def test_adam_drift_mistakes_are_named():
    wrong_sign = check("sgd-adam-drift", lambda C, b: -drift_by_simulation(C, b))
    assert not wrong_sign and "wrong sign" in wrong_sign.message

    def unnormalized(C, b):
        g2 = np.array([C**2, 1.0, 1.0])
        v = [sum(b**k * g2[(j - k) % 3] for k in range(3)) for j in range(3)]
        return -C / np.sqrt(v[0]) + 1 / np.sqrt(v[1]) + 1 / np.sqrt(v[2])

    result = check("sgd-adam-drift", unnormalized)
    assert not result and "normalization" in result.message
    assert not check("sgd-adam-drift", lambda C, b: sc.counterexamples.amsgrad_cycle_drift(C, b))


# --- sgd-noise-scale -----------------------------------------------------------------------

def test_noise_scale_right_and_wrong():
    def right(G):
        m = G.mean(axis=0)
        return float(np.mean(np.sum((G - m) ** 2, axis=1)) / (m @ m))

    assert check("sgd-noise-scale", right)
    assert check("sgd-noise-scale", lambda G: sc.batch_scaling.noise_scale(G))

    def uncentered(G):
        m = G.mean(axis=0)
        return float(np.mean(np.sum(G**2, axis=1)) / (m @ m))

    result = check("sgd-noise-scale", uncentered)
    assert not result and "not the mean square" in result.message

    def unbiased(G):
        m = G.mean(axis=0)
        return float(np.sum((G - m) ** 2) / (len(G) - 1) / (m @ m))

    result = check("sgd-noise-scale", unbiased)
    assert not result and "n - 1" in result.message
    assert not check("sgd-noise-scale", lambda G: 1 / right(G))


# --- vanishing-clipped-steps ---------------------------------------------------------------

def clipped_by_running(x0, lr, c):
    opt = sc.clipping.ClippedSGD(lr, c)
    x, k = np.array([x0]), 0
    while np.sinh(x[0]) > c:
        x, _ = opt.step(x, np.sinh(x), None)
        k += 1
    return k


def test_clipped_steps_right_and_wrong():
    assert check("vanishing-clipped-steps", clipped_by_running)
    one_short = check("vanishing-clipped-steps", lambda x0, lr, c: clipped_by_running(x0, lr, c) - 1)
    assert not one_short and "one short" in one_short.message
    assert not check("vanishing-clipped-steps", lambda x0, lr, c: clipped_by_running(x0, lr, c) + 1)
    as_float = check("vanishing-clipped-steps", lambda x0, lr, c: (x0 - np.arcsinh(c)) / (lr * c))
    assert not as_float
