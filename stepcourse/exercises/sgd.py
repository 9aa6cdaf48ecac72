"""Exercise specs of the two chapters on SGD (references: :mod:`._references.sgd`)."""
from __future__ import annotations

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_array, expect_close, expect_number, expect_pair

BATCHES, MOMENTUM = "sgd_batches", "sgd_momentum_adaptive"


def random_quadratic(rng, d):
    """A random symmetric positive definite matrix of size ``d`` (curvatures in [0.5, 5])."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (q * rng.uniform(0.5, 5.0, size=d)) @ q.T
    return 0.5 * (A + A.T)


def _grad_of(A):
    def grad(w):
        return A @ np.asarray(w, dtype=float)
    return grad


@exercise("sgd-minibatch-variance", title="Predict the mini-batch noise", chapter=BATCHES)
class MinibatchVariance(Spec):
    def cases(self, rng):
        cases = []
        for n, d in [(10, 2), (50, 3), (200, 1)]:
            G = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
            for B in [n, 1, 2, n // 3, n - 1]:
                cases.append({"G": G, "B": B})
        return cases

    def run(self, batch_variance, case):
        return call(batch_variance, case["G"].copy(), case["B"], what="batch_variance(G, B)")

    def compare(self, got, expected, case):
        n, B = len(case["G"]), case["B"]
        got = expect_number(got, what=f"batch_variance(G, {B}) for n={n}")
        if B == n and abs(got) > 1e-9 * expected["spread"]:
            raise Wrong(f"a batch of all n={n} rows is the full gradient, so its variance is 0; you said "
                        f"{got:.4g}.", reason="a batch of all n rows is the full gradient: variance 0",
                        hint="without replacement the variance carries the factor (n - B)/(n - 1).")
        expect_close(got, expected["variance"], rtol=1e-6, atol=1e-12, what=f"batch_variance(G, {B}) for n={n}",
                     hint="sigma^2 is the mean over rows of ||g_i - mean||^2 (divide by n); then "
                          "sigma^2 / B * (n - B) / (n - 1).")


@exercise("sgd-noise-floor", title="The noise floor", chapter=BATCHES)
class NoiseFloor(Spec):
    def cases(self, rng):
        cases = []
        for _ in range(6):
            d = int(rng.integers(1, 4))
            A = random_quadratic(rng, d)
            M = rng.normal(size=(d, d))
            cases.append({"A": A, "C": M @ M.T + 0.1 * np.eye(d), "B": int(rng.choice([1, 4, 32])),
                          "lr": float(0.002 / np.linalg.eigvalsh(A).max())})
        return cases

    def run(self, predicted_floor, case):
        return call(predicted_floor, case["lr"], case["B"], case["C"].copy(), what="predicted_floor(lr, B, C)")

    def compare(self, got, expected, case):
        got = expect_number(got, what="predicted_floor(lr, B, C)")
        expect_close(got, expected, rtol=0.01, atol=0.0, what=f"predicted_floor(lr={case['lr']:.3g}, B={case['B']}, C)",
                     hint="for a small rate the floor is lr * trace(C) / (4 * B).")


class _Trajectory(Spec):
    """Shared by the specs whose answer is a path of iterates on a quadratic."""

    def run(self, answer, case):
        return call(answer, _grad_of(case["A"]), case["w0"].copy(), case["lr"], case["momentum"],
                    case["steps"], what=f"{self.name}(grad, w0, lr, momentum, steps)")


@exercise("sgd-momentum", title="Momentum SGD, by hand", chapter=MOMENTUM)
class Momentum(_Trajectory):
    name = "momentum_sgd"

    def cases(self, rng):
        return [{"A": random_quadratic(rng, d), "w0": rng.normal(size=d), "momentum": mu,
                 "lr": float(rng.uniform(0.01, 0.2)), "steps": int(rng.integers(4, 15))}
                for d, mu in [(1, 0.5), (3, 0.9), (2, 0.0), (4, 0.99)]]

    def compare(self, got, expected, case):
        d, mu = len(case["w0"]), case["momentum"]
        path = expect_array(got, shape=(case["steps"] + 1, d), what=f"the iterates for d={d}, momentum={mu}")
        if not np.allclose(path[:2], expected[:2], rtol=1e-9, atol=1e-12):
            raise Wrong("the first step should be plain gradient descent: the buffer starts as the first "
                        "gradient.", reason="the first step is not plain gradient descent",
                        hint="b_1 = g_1 (b_0 = 0 gives the same), then w_1 = w_0 - lr * b_1.")
        expect_close(path, expected, rtol=1e-9, atol=1e-12, what=f"the iterates for d={d}, momentum={mu}",
                     hint="b = momentum * b + g; w = w - lr * b (PyTorch's form).")


@exercise("sgd-heavy-ball", title="Tune the heavy ball", chapter=MOMENTUM)
class HeavyBall(Spec):
    def cases(self, rng):
        return [[100.0, 1.0], [4.0, 1.0], [1.0, 1.0]] + [sorted(rng.uniform(0.1, 50, 2))[::-1] for _ in range(4)]

    def run(self, tune, case):
        return call(tune, *case, what="tune(L, mu)")

    def compare(self, got, expected, case):
        L, mu = case
        got = expect_array(got, shape=(2,), what=f"tune({L:.3g}, {mu:.3g}) (a pair lr, beta)")
        expect_close(got, expected, rtol=1e-8, what=f"(lr, beta) for L={L:.3g}, mu={mu:.3g}",
                     hint="lr = (2 / (sqrt(L) + sqrt(mu)))**2 and "
                          "beta = ((sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)))**2.")


@exercise("sgd-nesterov", title="Nesterov, the other way round", chapter=MOMENTUM)
class Nesterov(_Trajectory):
    name = "nesterov_lookahead"

    def cases(self, rng):
        return [{"A": random_quadratic(rng, d), "w0": rng.normal(size=d), "momentum": mu,
                 "lr": float(rng.uniform(0.01, 0.15)), "steps": int(rng.integers(4, 15))}
                for d, mu in [(1, 0.9), (3, 0.5), (2, 0.99)]]

    def compare(self, got, expected, case):
        d, mu = len(case["w0"]), case["momentum"]
        got = expect_array(got, shape=(case["steps"] + 1, d), what=f"the look-ahead points for d={d}, momentum={mu}")
        expect_close(got, expected, rtol=1e-9, atol=1e-12, what=f"the look-ahead points for d={d}, momentum={mu}",
                     hint="v = mu * v - lr * grad(theta + mu * v); theta = theta + v; record theta + mu * v.")


@exercise("sgd-adam-step", title="One Adam step", chapter=MOMENTUM)
class AdamStep(Spec):
    def cases(self, rng):
        cases = []
        for d, (b1, b2) in [(1, (0.9, 0.999)), (3, (0.8, 0.99)), (2, (0.0, 0.9))]:
            cases.append({"lr": float(rng.uniform(0.01, 0.3)), "eps": 1e-8, "b1": b1, "b2": b2,
                          "w": rng.normal(size=d),
                          "grads": [rng.normal(size=d) * 10.0 ** rng.uniform(-3, 2, size=d) for _ in range(5)]})
        return cases

    def run(self, adam_step, case):
        d = len(case["w"])
        w, m, v = case["w"].copy(), np.zeros(d), np.zeros(d)
        outs = []
        for t, g in enumerate(case["grads"], start=1):
            out = call(adam_step, w.copy(), g.copy(), m.copy(), v.copy(), t, case["lr"], case["b1"], case["b2"],
                       case["eps"], what=f"adam_step(..., t={t})")
            outs.append(out)
            if type(out) is not tuple or len(out) != 3:
                break
            w, m, v = out
        return outs

    def compare(self, got, expected, case):
        d, lr = len(case["w"]), case["lr"]
        if type(got) is not list:
            raise Wrong("unexpected result", reason="unexpected result")
        w = case["w"]
        for t, (out, ref) in enumerate(zip(got, expected), start=1):
            if out is None:
                raise Wrong("adam_step returned nothing (None).", hint="end with `return w, m, v`.",
                            reason="the function returned None")
            if type(out) is not tuple or len(out) != 3:
                raise Wrong(f"adam_step should return a tuple (w, m, v); got {type(out).__name__}.",
                            reason="the result should be a tuple (w, m, v)",
                            hint="end with `return w, m, v`: the moments are needed for the next step.")
            w_new = expect_array(out[0], shape=(d,), what=f"w at t={t}")
            for x, name in zip(out[1:], "mv"):
                expect_array(x, shape=(d,), what=f"{name} at t={t}")
            right = np.allclose(w_new, ref, rtol=1e-9, atol=1e-12)
            if t == 1 and not right and not np.allclose(w_new, w - lr * np.sign(case["grads"][0]), rtol=1e-4,
                                                        atol=1e-4 * lr):
                raise Wrong("the first step should move every coordinate by lr against the sign of its "
                            "gradient.", reason="the first step does not move each coordinate by lr",
                            hint="divide m by (1 - b1**t) and v by (1 - b2**t) before using them.")
            expect_close(w_new, ref, rtol=1e-9, atol=1e-12, what=f"w after step t={t}",
                         hint="w - lr * mhat / (sqrt(vhat) + eps), with mhat = m / (1 - b1**t) and "
                              "vhat = v / (1 - b2**t).")
        if len(got) != len(expected):
            raise Wrong("unexpected result", reason="unexpected result")
