"""Reference answers for the chapter on vanishing and exploding gradients."""
from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ...mlp import MLP, init_variance
from ...optim import clip_grad_norm
from . import reference

#: E[f'(u)^2] for inputs near 0 (the linear regime): sigmoid'(0) = 1/4; ReLU passes half the units.
DERIV_SQ = {"linear": 1.0, "tanh": 1.0, "relu": 0.5, "sigmoid": 1.0 / 16.0}
_F = {"relu": lambda u: np.maximum(u, 0), "tanh": np.tanh, "linear": lambda u: u,
      "sigmoid": lambda u: 0.5 * (1 + np.tanh(u / 2))}


@reference("vanishing-sigmoid-prime")
def sigmoid_prime(z):
    s = 0.5 * (1 + np.tanh(z / 2))
    return s * (1 - s)


@reference("vanishing-layer-backward")
def layer_backward(case):
    h, W, b, d_out, act = case["h"], case["W"], case["b"], case["d_out"], case["activation"]
    n_in, n_out = W.shape
    # The package's MLP: one layer, then an identity output layer; an mse target chosen so that the
    # gradient arriving at the layer's output is exactly d_out.
    mlp = MLP([n_in, n_out, n_out], act, loss="mse")
    params = {"W0": W, "b0": b, "W1": np.eye(n_out), "b1": np.zeros(n_out)}
    out = mlp.forward(params, h)
    _, grads = mlp.loss_and_grad(params, h, out - d_out * out.size / 2)
    dh = numerical_grad(lambda x: float(np.sum(d_out * _F[act](x @ W + b))), h)
    return {"db": grads["b0"], "dW": grads["W0"], "dh": dh}


@reference("vanishing-variance-factor")
def variance_factor(case):
    n_in, n_out, init, activation = case
    return n_out * init_variance(init, n_in, n_out) * DERIV_SQ[activation]


@reference("vanishing-clip")
def clip(case):
    clipped, norm = clip_grad_norm(case["grads"], case["max_norm"])
    return {"clipped": clipped, "norm": float(norm)}


@reference("vanishing-leaky-he")
def leaky_he(case):
    out = []
    for n_in, a in case:
        # E[phi(z)^2] for z ~ N(0, 1), by quadrature: the half-normal's second moment is 1/2
        z = np.linspace(-12, 12, 240001)
        density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
        phi2 = np.where(z > 0, z, a * z) ** 2
        second = float(np.sum(phi2 * density) * (z[1] - z[0]))
        out.append(1.0 / (n_in * second))
    return out


# --- Clipping as an accelerator -------------------------------------------------------------

@reference("vanishing-clipped-steps")
def _clipped_steps(case):
    # run clipped gradient descent on cosh(x) - 1 and count the steps taken from |f'| > c
    x, lr, c = case["x0"], case["lr"], case["c"]
    count = 0
    while np.sinh(x) > c:
        x -= lr * c * np.sinh(x) / abs(np.sinh(x))
        count += 1
    return count


# --- Batch normalization beyond initialization ----------------------------------------------

@reference("vanishing-equilibrium-norm")
def _equilibrium_norm(case):
    # iterate the norm map of SGD with weight decay on a scale-invariant weight to its fixed point
    lr, wd, G = case["lr"], case["weight_decay"], case["G"]
    r = 1.0
    for _ in range(200000):
        new = np.sqrt((1 - lr * wd) ** 2 * r * r + (lr * G / r) ** 2)
        if abs(new - r) <= 1e-15 * r:
            break
        r = new
    return float(r)
