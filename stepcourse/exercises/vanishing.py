"""Checks for the exercises of the chapter on vanishing and exploding gradients."""
from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_grad
from ..mlp import MLP, init_variance
from ..optim import clip_grad_norm
from ._core import Wrong, call, exercise, expect_array, expect_close, expect_number

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
#: E[f'(u)^2] for inputs near 0 (the linear regime): sigmoid'(0) = 1/4; ReLU passes half the units.
_DERIV_SQ = {"linear": 1.0, "tanh": 1.0, "relu": 0.5, "sigmoid": 1.0 / 16.0}


@exercise("vanishing-sigmoid-prime", title="The sigmoid's slope")
def _sigmoid_prime(sigmoid_prime):
    z = np.concatenate([[0.0, -3.0, 2.5, 40.0, -40.0], np.random.default_rng(0).normal(0, 4, 20)])
    s = 0.5 * (1 + np.tanh(z / 2))
    got = expect_array(call(sigmoid_prime, z, what="sigmoid_prime(z)"), shape=z.shape, what="sigmoid_prime(z)")
    if abs(got[0] - 0.25) > 1e-9:
        raise Wrong(f"sigmoid_prime(0) is {got[0]:.6g}; it should be 1/4, the largest slope of the sigmoid.",
                    hint="sigma'(z) = sigma(z) * (1 - sigma(z)).")
    if np.any(got > 0.25 + 1e-12) or np.any(got < 0):
        raise Wrong("some of your slopes lie outside [0, 1/4].", hint="sigma(z) * (1 - sigma(z)) never exceeds 1/4.")
    expect_close(got, s * (1 - s), rtol=1e-7, atol=1e-12, what="sigmoid_prime(z)",
                 hint="write it through the sigmoid itself: s = 1 / (1 + exp(-z)); return s * (1 - s).")


@exercise("vanishing-layer-backward", title="Backward through one layer", points=2)
def _layer_backward(layer_backward):
    rng = np.random.default_rng(1)
    for activation in _ACTIVATIONS:
        n, n_in, n_out = 6, 4, 3
        h, W, b = rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        d_out = rng.normal(size=(n, n_out))
        what = f"layer_backward(h, W, b, d_out, {activation!r})"
        result = call(layer_backward, h.copy(), W.copy(), b.copy(), d_out.copy(), activation, what=what)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise Wrong(f"{what} should return three arrays (dh, dW, db); got {type(result).__name__}.")
        dh = expect_array(result[0], shape=h.shape, what="dh")
        dW = expect_array(result[1], shape=W.shape, what="dW")
        db = expect_array(result[2], shape=b.shape, what="db")
        # The package's MLP: one layer, then an identity output layer; an mse target chosen so that the
        # gradient arriving at the layer's output is exactly d_out.
        mlp = MLP([n_in, n_out, n_out], activation, loss="mse")
        params = {"W0": W, "b0": b, "W1": np.eye(n_out), "b1": np.zeros(n_out)}
        out = mlp.forward(params, h)
        target = out - d_out * out.size / 2
        _, grads = mlp.loss_and_grad(params, h, target)
        hint_f = {"relu": "f'(u) is 1 where u > 0 and 0 elsewhere.", "tanh": "tanh'(u) = 1 - tanh(u)**2.",
                  "sigmoid": "sigma'(u) = sigma(u) * (1 - sigma(u)).", "linear": "f'(u) = 1."}[activation]
        expect_close(db, grads["b0"], rtol=1e-8, atol=1e-10, what=f"db ({activation})",
                     hint="first delta = d_out * f'(h @ W + b); then db sums delta over the rows. " + hint_f)
        expect_close(dW, grads["W0"], rtol=1e-8, atol=1e-10, what=f"dW ({activation})",
                     hint="dW = h.T @ delta, with delta = d_out * f'(h @ W + b).")
        f = {"relu": lambda u: np.maximum(u, 0), "tanh": np.tanh, "linear": lambda u: u,
             "sigmoid": lambda u: 0.5 * (1 + np.tanh(u / 2))}[activation]
        numeric = numerical_grad(lambda x: float(np.sum(d_out * f(x @ W + b))), h)
        expect_close(dh, numeric, rtol=1e-5, atol=1e-7, what=f"dh ({activation})",
                     hint="dh = delta @ W.T: the gradient flows back through the transposed weights.")


@exercise("vanishing-variance-factor", title="Predict the factor per layer")
def _variance_factor(factor):
    cases = [(100, 100, "standard", "linear"), (256, 256, "xavier", "tanh"), (64, 64, "he", "relu"),
             (300, 100, "standard", "tanh"), (50, 200, "xavier", "relu"), (80, 80, "xavier", "sigmoid"),
             (120, 40, "he", "linear"), (64, 32, "standard", "relu")]
    for n_in, n_out, init, activation in cases:
        what = f"factor({n_in}, {n_out}, {init!r}, {activation!r})"
        got = expect_number(call(factor, n_in, n_out, init, activation, what=what), what=what)
        expected = n_out * init_variance(init, n_in, n_out) * _DERIV_SQ[activation]
        if init == "standard" and activation == "linear" and n_in == n_out and abs(got - 3) < 1e-6:
            raise Wrong(f"{what} is the factor by which the variance is multiplied, not divided: 1/3, not 3.")
        hints = {"relu": "ReLU lets the gradient through half of the units: a factor 1/2.",
                 "sigmoid": "sigmoid'(0) = 1/4, and the variance gets its square.",
                 "tanh": "in the linear regime tanh'(u) is about 1.", "linear": "f' = 1."}
        expect_close(got, expected, rtol=1e-6, what=what,
                     hint="Var[delta_in] = n_out * Var[W] * E[f'^2] * Var[delta_out]; " + hints[activation])


@exercise("vanishing-clip", title="Clip by global norm")
def _clip(clip):
    rng = np.random.default_rng(3)
    cases = [({"W": rng.normal(0, 10, (3, 4)), "b": rng.normal(0, 10, 4)}, 1.0),
             ({"W": rng.normal(0, 0.01, (3, 4)), "b": rng.normal(0, 0.01, 4)}, 1.0),
             ({"W0": rng.normal(size=(5, 5)), "W1": rng.normal(size=(5, 2)), "b1": np.zeros(2)}, 2.5)]
    for grads, max_norm in cases:
        before = {k: v.copy() for k, v in grads.items()}
        got = call(clip, grads, max_norm, what=f"clip(grads, {max_norm})")
        if not isinstance(got, dict) or set(got) != set(grads):
            raise Wrong(f"clip should return a dict with the same keys as grads ({sorted(grads)}).")
        if any(not np.array_equal(grads[k], before[k]) for k in grads):
            raise Wrong("clip changed the gradients it was given.", hint="return new arrays: c * g, not g *= c.")
        expected, norm = clip_grad_norm(grads, max_norm)
        for k in grads:
            arr = expect_array(got[k], shape=grads[k].shape, what=f"clip(...)[{k!r}]")
            if norm <= max_norm and not np.allclose(arr, grads[k], rtol=1e-5):
                raise Wrong("a gradient already shorter than max_norm must pass unchanged.",
                            hint="scale by min(1, max_norm / norm).")
            expect_close(arr, expected[k], rtol=1e-5, atol=1e-12, what=f"clip(...)[{k!r}]",
                         hint="one norm for all arrays together: sqrt of the sum of every squared entry; "
                              "every array is scaled by the same factor, so the direction is kept.")
