"""Exercise specs of the chapter on vanishing and exploding gradients (references: :mod:`._references.vanishing`)."""
from __future__ import annotations

import numpy as np

from ._core import (Spec, Wrong, call, exercise, expect_array, expect_close, expect_number, expect_pair,
                    expect_steps)

CHAPTER = "vanishing_gradients"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")


@exercise("vanishing-sigmoid-prime", title="The sigmoid's slope")
class SigmoidPrime(Spec):
    def cases(self, rng):
        return ([np.array([0.0, -3.0, 2.5, 40.0, -40.0]), np.array([1000.0, -1000.0, 700.0, -710.0, 0.5])]
                + [rng.normal(0, 4, 20) for _ in range(3)])

    def run(self, sigmoid_prime, z):
        return call(sigmoid_prime, z.copy(), what="sigmoid_prime(z)")

    def compare(self, got, expected, z):
        got = expect_array(got, shape=z.shape, what="sigmoid_prime(z)")
        zero = np.flatnonzero(z == 0.0)
        if zero.size and abs(got[zero[0]] - 0.25) > 1e-9:
            raise Wrong(f"sigmoid_prime(0) is {got[zero[0]]:.6g}; it should be 1/4, the largest slope of the "
                        "sigmoid.", reason="sigmoid_prime(0) should be 1/4",
                        hint="phi'(z) = sigmoid(z) * (1 - sigmoid(z)).")
        if np.any(got > 0.25 + 1e-12) or np.any(got < 0):
            raise Wrong("some of your slopes lie outside [0, 1/4].", reason="slopes outside [0, 1/4]",
                        hint="sigmoid(z) * (1 - sigmoid(z)) never exceeds 1/4.")
        expect_close(got, expected, rtol=1e-7, atol=1e-12, what="sigmoid_prime(z)",
                     hint="write it through the sigmoid itself: s = 1 / (1 + exp(-z)); return s * (1 - s).")


_HINT_F = {"relu": "phi'(u) is 1 where u > 0 and 0 elsewhere.", "tanh": "tanh'(u) = 1 - tanh(u)**2.",
           "sigmoid": "phi'(u) = sigmoid(u) * (1 - sigmoid(u)).", "linear": "phi'(u) = 1."}


@exercise("vanishing-layer-backward", title="Backward through one layer", points=2)
class LayerBackward(Spec):
    def cases(self, rng):
        n, n_in, n_out = 6, 4, 3
        return [{"h": rng.normal(size=(n, n_in)), "W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out),
                 "d_out": rng.normal(size=(n, n_out)), "activation": act} for act in ACTIVATIONS]

    def run(self, layer_backward, case):
        return call(layer_backward, case["h"].copy(), case["W"].copy(), case["b"].copy(), case["d_out"].copy(),
                    case["activation"], what=f"layer_backward(h, W, b, d_out, {case['activation']!r})")

    def compare(self, got, expected, case):
        act = case["activation"]
        dh, dW, db = expect_pair(got, 3, what="layer_backward", names="dh, dW, db")
        dh = expect_array(dh, shape=case["h"].shape, what="dh")
        dW = expect_array(dW, shape=case["W"].shape, what="dW")
        db = expect_array(db, shape=case["b"].shape, what="db")
        expect_close(db, expected["db"], rtol=1e-8, atol=1e-10, what=f"db ({act})",
                     hint="first delta = d_out * phi'(h @ W + b); then db sums delta over the rows. " + _HINT_F[act])
        expect_close(dW, expected["dW"], rtol=1e-8, atol=1e-10, what=f"dW ({act})",
                     hint="dW = h.T @ delta, with delta = d_out * phi'(h @ W + b).")
        expect_close(dh, expected["dh"], rtol=1e-5, atol=1e-7, what=f"dh ({act})",
                     hint="dh = delta @ W.T: the gradient flows back through the transposed weights.")


@exercise("vanishing-variance-factor", points=2, title="Predict the factor per layer")
class VarianceFactor(Spec):
    def cases(self, rng):
        return [[100, 100, "standard", "linear"], [256, 256, "xavier", "tanh"], [64, 64, "he", "relu"],
                [300, 100, "standard", "tanh"], [50, 200, "xavier", "relu"], [80, 80, "xavier", "sigmoid"],
                [120, 40, "he", "linear"], [64, 32, "standard", "relu"]]

    def run(self, factor, case):
        return call(factor, *case, what="factor(n_in, n_out, init, activation)")

    def compare(self, got, expected, case):
        n_in, n_out, init, activation = case
        what = f"factor({n_in}, {n_out}, {init!r}, {activation!r})"
        got = expect_number(got, what=what)
        if init == "standard" and activation == "linear" and n_in == n_out and abs(got - 3) < 1e-6:
            raise Wrong(f"{what} is the factor by which the variance is multiplied, not divided: 1/3, not 3.",
                        reason="the factor is upside down")
        hints = {"relu": "ReLU lets the gradient through half of the units: a factor 1/2.",
                 "sigmoid": "sigmoid'(0) = 1/4, and the variance gets its square.",
                 "tanh": "in the linear regime tanh'(u) is about 1.", "linear": "phi' = 1."}
        expect_close(got, expected, rtol=1e-6, what=what,
                     hint="Var[delta_in] = n_out * Var[W] * E[phi'^2] * Var[delta_out]; " + hints[activation])


@exercise("vanishing-clip", title="Clip by global norm")
class Clip(Spec):
    def cases(self, rng):
        return [{"grads": {"W": rng.normal(0, 10, (3, 4)), "b": rng.normal(0, 10, 4)}, "max_norm": 1.0},
                {"grads": {"W": rng.normal(0, 0.01, (3, 4)), "b": rng.normal(0, 0.01, 4)}, "max_norm": 1.0},
                {"grads": {"W0": rng.normal(size=(5, 5)), "W1": rng.normal(size=(5, 2)), "b1": np.zeros(2)},
                 "max_norm": 2.5}]

    def run(self, clip, case):
        grads = {k: v.copy() for k, v in case["grads"].items()}
        out = call(clip, grads, case["max_norm"], what="clip(grads, max_norm)")
        changed = any(not np.array_equal(grads[k], case["grads"][k]) for k in grads)
        return {"out": out, "changed": bool(changed)}

    def compare(self, got, expected, case):
        grads, out = case["grads"], got["out"]
        if type(out) is not dict or set(out) != set(grads):
            raise Wrong(f"clip should return a dict with the same keys as grads ({sorted(grads)}).",
                        reason="the result should be a dict with the same keys as grads")
        if got["changed"]:
            raise Wrong("clip changed the gradients it was given.", reason="clip changed its input",
                        hint="return new arrays: c * g, not g *= c.")
        for k in grads:
            arr = expect_array(out[k], shape=grads[k].shape, what=f"clip(...)[{k!r}]")
            if expected["norm"] <= case["max_norm"] and not np.allclose(arr, grads[k], rtol=1e-5):
                raise Wrong("a gradient already shorter than max_norm must pass unchanged.",
                            reason="a short gradient should pass unchanged", hint="scale by min(1, max_norm / norm).")
            expect_close(arr, expected["clipped"][k], rtol=1e-5, atol=1e-12, what=f"clip(...)[{k!r}]",
                         hint="one norm for all arrays together: sqrt of the sum of every squared entry; "
                              "every array is scaled by the same factor, so the direction is kept.")


@exercise("vanishing-leaky-he", points=2, title="He initialization for a leaky ReLU")
class LeakyHe(Spec):
    # A case is a batch of layers whose slopes include one well away from 0 (where ReLU's 2/n_in
    # would do) and one well away from 1 (where the linear 1/n_in would), so neither passes a case.
    def cases(self, rng):
        cases = []
        for k in range(6):
            batch = [[int(rng.integers(16, 1025)), float(rng.uniform(0.1, 0.4))],
                     [int(rng.integers(16, 1025)), float(rng.uniform(0.5, 0.9))]]
            batch.append([int(rng.integers(16, 1025)), [0.0, 0.01, 1.0][k % 3]])
            cases.append(batch)
        return cases

    def run(self, leaky_he_variance, case):
        return [call(leaky_he_variance, n_in, a, what="leaky_he_variance(n_in, negative_slope)")
                for n_in, a in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        for (n_in, a), answer, want in zip(case, got, expected):
            shown = f"leaky_he_variance({n_in}, {a:g})"
            value = expect_number(answer, what=shown)
            if abs(value / want - 1) <= 1e-9:
                continue
            if a > 0.05 and abs(value * n_in / 2 - 1) < 1e-9:
                raise Wrong(f"{shown} is {want:.6g}; 2 / n_in = {value:.6g} is ReLU's, whose negative "
                            f"inputs give nothing.", reason="the negative inputs' share is missing",
                            hint="E[phi(z)^2] for a symmetric z: half of E[z^2] from z > 0 and a^2 times "
                                 "half of it from z < 0.")
            if a > 0.05 and abs(value * n_in * (1 + a) / 2 - 1) < 1e-9:
                raise Wrong(f"{shown} is {want:.6g}: the slope enters the second moment squared.",
                            reason="the slope should enter squared",
                            hint="phi(z)^2 = a^2 z^2 for z < 0.")
            expect_close(value, want, rtol=1e-9, what=shown,
                         hint="keep the signal's scale from layer to layer: "
                              "n_in Var[W] E[phi(z)^2] = Var[z].")


# --- Clipping as an accelerator -------------------------------------------------------------


@exercise("vanishing-clipped-steps", points=1, title="How long does clipping stay active?")
class ClippedSteps(Spec):
    def cases(self, rng):
        cases = [{"x0": 8.0, "lr": 1.0, "c": 1.0}]
        for _ in range(5):
            c = float(rng.uniform(0.2, 3.0))
            cases.append({"x0": float(np.arcsinh(c) + rng.uniform(1.0, 10.0)), "c": c,
                          "lr": float(rng.uniform(0.05, 0.5) / c)})
        return cases

    def run(self, clipped_phase, case):
        return call(clipped_phase, case["x0"], case["lr"], case["c"], what="clipped_phase(x0, lr, c)")

    def compare(self, got, expected, case):
        what = f"clipped_phase({case['x0']:.4g}, {case['lr']:.4g}, {case['c']:.4g})"
        expect_steps(got, expected, what, int_hint="a number of steps is a whole number.",
                     short_hint="the last clipped step starts at a point with sinh(x) > c: round up.",
                     hint="each clipped step moves lr * c; count them until x <= arcsinh(c).")


# --- Batch normalization beyond initialization ----------------------------------------------

@exercise("vanishing-equilibrium-norm", points=2, title="The equilibrium norm under weight decay")
class EquilibriumNorm(Spec):
    def cases(self, rng):
        cases = [{"lr": 0.5, "weight_decay": 0.01, "G": 0.35}]
        for k in range(5):
            lr = float(rng.uniform(0.05, 1.0))
            # two cases where lr * weight_decay is far from small, so the approximation fails
            prod = float(rng.uniform(0.3, 1.5)) if k < 2 else float(rng.uniform(1e-4, 1e-2))
            cases.append({"lr": lr, "weight_decay": prod / lr, "G": float(rng.uniform(0.1, 3.0))})
        return cases

    def run(self, equilibrium_norm, case):
        return call(equilibrium_norm, case["lr"], case["weight_decay"], case["G"],
                    what="equilibrium_norm(lr, weight_decay, G)")

    def compare(self, got, expected, case):
        lr, wd, G = case["lr"], case["weight_decay"], case["G"]
        what = f"equilibrium_norm({lr:.4g}, {wd:.4g}, {G:.4g})"
        value = expect_number(got, what=what)
        if abs(value / expected - 1) <= 1e-6:
            return
        if abs(value / (lr * G * G / (2 * wd)) ** 0.25 - 1) < 1e-6:
            raise Wrong(f"{what} is {expected:.6g}; {value:.6g} is the small-lr * weight_decay "
                        f"approximation.", reason="the approximation, not the fixed point",
                        hint="keep the (lr * weight_decay)^2 term of (1 - lr * weight_decay)^2.")
        if abs(value / expected ** 2 - 1) < 1e-6:
            raise Wrong(f"{what} is {expected:.6g}; {value:.6g} is its square.",
                        reason="the squared norm", hint="the fixed point gives ||w||^4: take a fourth root.")
        expect_close(value, expected, rtol=1e-6, what=what,
                     hint="write ||w'||^2 from ||w||^2 using g orthogonal to w and ||g|| = G / ||w||, "
                          "then set ||w'|| = ||w||.")
