"""Exercise specs of the two chapters on SGD (references: :mod:`._references.sgd`)."""
from __future__ import annotations

import numpy as np

from ._core import (Spec, Wrong, call, exercise, expect_array, expect_close, expect_int, expect_number,
                    expect_pair)

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


@exercise("sgd-minibatch-variance", points=2, title="Where the correction comes from", chapter=BATCHES)
class MinibatchVariance(Spec):
    def cases(self, rng):
        cases = []
        for n, d in [(2, 1), (3, 2), (10, 2), (50, 3), (200, 1)]:
            G = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
            cases.append({"G": G})
        return cases

    def run(self, pair_covariance, case):
        return call(pair_covariance, case["G"].copy(), what="pair_covariance(G)")

    def compare(self, got, expected, case):
        n = len(case["G"])
        got = expect_number(got, what=f"pair_covariance(G) for n={n}")
        scale = expected["sigma2"]
        if abs(got) <= 1e-9 * scale:
            raise Wrong(f"for n={n} rows you returned 0, as if two distinct rows were independent.",
                        reason="two distinct rows are not independent: the answer is not 0",
                        hint="the deviations g_i - mean sum to zero over all rows; square that sum.")
        if got > 0:
            raise Wrong(f"pair_covariance(G) for n={n} is {got:.4g}, a positive number: once one row is "
                        f"drawn, the other tends to lie on the opposite side of the mean.",
                        reason="the sign is wrong", hint="expand ||sum_i (g_i - mean)||^2 = 0.")
        expect_close(got, expected["covariance"], rtol=1e-8, atol=1e-12 * scale,
                     what=f"pair_covariance(G) for n={n}",
                     hint="0 = ||sum_i (g_i - mean)||^2 = n sigma^2 + n (n - 1) times the answer.")


@exercise("sgd-batch-for-noise", points=2, title="How many distinct rows?", chapter=BATCHES)
class BatchForNoise(Spec):
    # A case is a batch of settings in which the correction changes the answer, so the answer
    # ceil(1 / fraction) of independent draws passes no case.
    def cases(self, rng):
        cases = [[[442, 0.01]], [[10, 0.5], [1000, 1.0]]]
        for _ in range(6):
            batch = []
            for _ in range(3):
                n = int(rng.integers(5, 2000))
                fraction = float(10 ** rng.uniform(np.log10(0.3 / n), -0.05))
                batch.append([n, fraction])
            cases.append(batch)
        return cases

    def run(self, rows_for_noise, case):
        return [call(rows_for_noise, n, f, what="rows_for_noise(n, fraction)") for n, f in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        for (n, f), answer, want in zip(case, got, expected):
            shown = f"rows_for_noise({n}, {f:.4g})"
            k = expect_int(answer, what=shown, hint="round up with np.ceil and convert with int().")
            if k == want:
                continue
            if k == int(np.ceil(1 / f - 1e-12)):
                raise Wrong(f"{shown} is {want}; {k} rows is what independent draws need.",
                            reason="the answer ignores the finite-population correction",
                            hint="distinct rows: sigma^2 / B * (n - B) / (n - 1) <= fraction * sigma^2.")
            raise Wrong(f"{shown} is {want}; you said {k}.", reason="a wrong number of rows",
                        hint="solve (n - B) / (B (n - 1)) <= fraction for the smallest whole B.")


@exercise("sgd-noise-floor", points=2, title="Double the rate, double the batch?", chapter=BATCHES)
class NoiseFloor(Spec):
    # Rates large enough that the small-rate law (ratio new_lr/new_B over lr/B) misses by more than 5%.
    def cases(self, rng):
        cases = []
        while len(cases) < 6:
            d = int(rng.integers(1, 4))
            lam = rng.uniform(0.5, 5.0, size=d)
            c = rng.uniform(0.1, 2.0, size=d)
            lr = float(rng.uniform(0.3, 0.9) / lam.max())
            B = int(rng.choice([1, 4, 8]))
            case = {"lr": lr, "B": B, "new_lr": 2 * lr, "new_B": int(B * rng.choice([1, 2, 4])),
                    "lam": lam, "c": c}
            exact = _floor_ratio(**case)
            if abs(exact / (2 * B / case["new_B"]) - 1) > 0.05:
                cases.append(case)
        return cases

    def run(self, floor_ratio, case):
        return call(floor_ratio, case["lr"], case["B"], case["new_lr"], case["new_B"], case["lam"].copy(),
                    case["c"].copy(), what="floor_ratio(lr, B, new_lr, new_B, lam, c)")

    def compare(self, got, expected, case):
        shown = (f"floor_ratio({case['lr']:.3g}, {case['B']}, {case['new_lr']:.3g}, {case['new_B']}, "
                 f"lam, c)")
        got = expect_number(got, what=shown)
        naive = (case["new_lr"] / case["new_B"]) / (case["lr"] / case["B"])
        if abs(got / naive - 1) < 1e-6:
            raise Wrong(f"{shown} is {expected:.4g}; {naive:.4g} is the small-rate law, which these "
                        f"rates (eta * lambda up to {2 * case['lr'] * case['lam'].max():.2f}) are too "
                        f"large for.", reason="the small-rate law is not accurate at these rates",
                        hint="keep the factor 1 / (2 - eta * lambda_i) of each direction.")
        expect_close(got, expected, rtol=0.01, atol=0.0, what=shown,
                     hint="the floor is eta / (2B) * sum_i c_i / (2 - eta * lambda_i).")


def _floor_ratio(lr, B, new_lr, new_B, lam, c):
    """Used only to choose the cases (the reference computes the floors on its own)."""
    def floor(eta, b):
        return eta / (2 * b) * np.sum(c / (2 - eta * lam))
    return floor(new_lr, new_B) / floor(lr, B)


@exercise("sgd-floor-experiment", points=2, title="Measure a noise floor", chapter=BATCHES)
class FloorExperiment(Spec):
    def cases(self, rng):
        cases = []
        for B in (1, 4, 16, 2, 8):
            a = float(rng.uniform(4.0, 10.0))  # E e^2 = 2/a times the loss: far from any B
            cases.append({"lr": float(rng.uniform(0.1, 1.5) / a), "a": a, "s": float(rng.uniform(0.5, 3.0)),
                          "B": B, "steps": 20000, "seed": int(rng.integers(2**31))})
        return cases

    def run(self, measure_floor, case):
        return call(measure_floor, case["lr"], case["a"], case["s"], case["B"], case["steps"], case["seed"],
                    what="measure_floor(lr, a, s, B, steps, seed)")

    def compare(self, got, expected, case):
        shown = f"measure_floor(lr={case['lr']:.3g}, a={case['a']:.3g}, s={case['s']:.3g}, B={case['B']})"
        got = expect_number(got, what=shown)
        ratio = got / expected
        if abs(ratio - 1) <= 0.25:
            return
        if case["B"] > 1 and abs(ratio / case["B"] - 1) <= 0.25:
            raise Wrong(f"{shown} is {got:.4g}, about B = {case['B']} times the floor {expected:.4g}.",
                        reason="the measured floor is about B times too large",
                        hint="a mean of B independent rows has noise of variance s**2 / B.")
        if abs(ratio * case["a"] / 2 - 1) <= 0.25:
            raise Wrong(f"{shown} is {got:.4g}: that is E e^2; the loss above the minimum is a/2 times it.",
                        reason="the result is the mean of e^2, not of the loss",
                        hint="return the mean of a / 2 * e**2.")
        raise Wrong(f"{shown} is {got:.4g}; the floor is {expected:.4g} (a run of this length measures "
                    f"it to within a few percent).", reason="the measured floor is off by more than 25%",
                    hint="e = (1 - lr*a) * e - lr * noise, noise ~ N(0, s**2 / B); average a/2 * e**2 "
                         "over the second half of the steps.")


class _Trajectory(Spec):
    """Shared by the specs whose answer is a path of iterates on a quadratic."""

    #: What the path holds, for the feedback ("the iterates", "the look-ahead points").
    path_name = "the iterates"
    #: The update rule, the hint of a wrong path.
    rule = ""

    def run(self, answer, case):
        return call(answer, _grad_of(case["A"]), case["w0"].copy(), case["lr"], case["momentum"],
                    case["steps"], what=f"{self.name}(grad, w0, lr, momentum, steps)")

    def _what(self, case) -> str:
        return f"{self.path_name} for d={len(case['w0'])}, momentum={case['momentum']}"

    def path(self, got, case):
        """The answer as an array of ``steps + 1`` points, or :class:`Wrong`."""
        return expect_array(got, shape=(case["steps"] + 1, len(case["w0"])), what=self._what(case))

    def compare(self, got, expected, case):
        expect_close(self.path(got, case), expected, rtol=1e-9, atol=1e-12, what=self._what(case),
                     hint=self.rule)


@exercise("sgd-momentum", title="Momentum SGD, by hand", chapter=MOMENTUM)
class Momentum(_Trajectory):
    name = "momentum_sgd"
    rule = "b = momentum * b + g; w = w - lr * b (PyTorch's form)."

    def cases(self, rng):
        return [{"A": random_quadratic(rng, d), "w0": rng.normal(size=d), "momentum": mu,
                 "lr": float(rng.uniform(0.01, 0.2)), "steps": int(rng.integers(4, 15))}
                for d, mu in [(1, 0.5), (3, 0.9), (2, 0.0), (4, 0.99)]]

    def compare(self, got, expected, case):
        if not np.allclose(self.path(got, case)[:2], expected[:2], rtol=1e-9, atol=1e-12):
            raise Wrong("the first step should be plain gradient descent: the buffer starts as the first "
                        "gradient.", reason="the first step is not plain gradient descent",
                        hint="b_1 = g_1 (b_0 = 0 gives the same), then w_1 = w_0 - lr * b_1.")
        super().compare(got, expected, case)


@exercise("sgd-heavy-ball", points=2, title="A wrong guess of the smallest curvature", chapter=MOMENTUM)
class HeavyBall(Spec):
    # Guesses below the true mu (the tuned rate sqrt(beta) holds) alternate with guesses above it
    # (the flattest direction is overdamped), so neither sqrt(beta) alone nor any other one-case
    # rule passes every case.
    def cases(self, rng):
        cases = []
        for factor in (0.1, 5.0, 0.5, 2.0, 1.0, 20.0):
            L = float(10 ** rng.uniform(0, 3))
            mu = L / float(10 ** rng.uniform(np.log10(40), 3))  # mu_guess stays below L / 1.8
            cases.append([L, mu, mu * factor * float(rng.uniform(0.9, 1.1))])
        return cases

    def run(self, heavy_ball_rate, case):
        return call(heavy_ball_rate, *case, what="heavy_ball_rate(L, mu, mu_guess)")

    def compare(self, got, expected, case):
        L, mu, guess = case
        shown = f"heavy_ball_rate(L={L:.3g}, mu={mu:.3g}, mu_guess={guess:.3g})"
        got = expect_number(got, what=shown)
        beta = ((np.sqrt(L) - np.sqrt(guess)) / (np.sqrt(L) + np.sqrt(guess))) ** 2
        if guess > mu and abs(got - np.sqrt(beta)) < 1e-9:
            raise Wrong(f"{shown} is {expected:.6g}; sqrt(beta) = {got:.6g} holds only for curvatures "
                        f"the tuning covers.", reason="with mu_guess above mu the flattest direction "
                        "is overdamped", hint="at lambda = mu the two roots are real: take the larger.")
        if abs(got - beta) < 1e-9:
            raise Wrong(f"{shown}: you returned beta; a complex pair of roots has modulus sqrt(beta).",
                        reason="the result is beta, not the modulus of the roots",
                        hint="the product of the two roots is beta.")
        expect_close(got, expected, rtol=1e-6, what=shown,
                     hint="the largest |root| of z**2 - (1 + beta - lr*lam) z + beta, worst over lam "
                          "in [mu, L].")


@exercise("sgd-nesterov", title="Nesterov, the other way round", chapter=MOMENTUM)
class Nesterov(_Trajectory):
    name = "nesterov_lookahead"
    path_name = "the look-ahead points"
    rule = "v = momentum * v - lr * grad(w + momentum * v); w = w + v; record w + momentum * v."

    def cases(self, rng):
        return [{"A": random_quadratic(rng, d), "w0": rng.normal(size=d), "momentum": mu,
                 "lr": float(rng.uniform(0.01, 0.15)), "steps": int(rng.integers(4, 15))}
                for d, mu in [(1, 0.9), (3, 0.5), (2, 0.99)]]


@exercise("sgd-nesterov-limit", points=2, title="How much momentum may a rate have?", chapter=MOMENTUM)
class NesterovLimit(Spec):
    # A case is a batch of settings, both methods, so that one method's rule passes no case.
    def cases(self, rng):
        cases = []
        for _ in range(6):
            batch = [[float(rng.uniform(4 / 3 + 0.01, 1.99)), "nesterov"],
                     [float(rng.uniform(2.01, 3.99)), "heavy ball"]]
            batch.append([float(rng.uniform(0.05, 4 / 3 - 0.01)), "nesterov"] if rng.random() < 0.5
                         else [float(rng.uniform(0.05, 1.99)), "heavy ball"])
            cases.append(batch)
        return cases

    def run(self, momentum_range, case):
        return [call(momentum_range, lr_L, method, what="momentum_range(lr_L, method)")
                for lr_L, method in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        for (lr_L, method), answer, want in zip(case, got, expected):
            shown = f"momentum_range({lr_L:.4g}, {method!r})"
            pair = expect_array(answer, shape=(2,), what=f"{shown} (a pair beta_low, beta_high)")
            if method == "nesterov" and np.allclose(pair, [max(0.0, (lr_L - 2) / 2), 1.0]) and \
                    not np.allclose(pair, want):
                raise Wrong(f"{shown} is {tuple(np.round(want, 6))}: that is the heavy ball's range.",
                            reason="Nesterov's range is the heavy ball's",
                            hint="Nesterov's characteristic polynomial is "
                                 "z**2 - (1 + beta)(1 - x) z + beta (1 - x), with x = lr * lambda.")
            expect_close(pair, want, rtol=1e-8, atol=1e-12, what=shown,
                         hint="the heavy ball needs lr*L < 2 + 2 beta; Nesterov needs "
                              "lr*L < (2 + 2 beta) / (1 + 2 beta). Solve each for beta in [0, 1].")


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


# --- Adam's counterexample, batch size at scale ----------------------------------------------

@exercise("sgd-adam-drift", points=2, title="Adam's drift per period", chapter=MOMENTUM)
class AdamDrift(Spec):
    def cases(self, rng):
        cases = [{"C": 3.0, "beta2": 0.1}, {"C": 3.0, "beta2": 0.9}]
        for C in (2.5, 4.0, 10.0):
            cases.append({"C": C, "beta2": float(rng.uniform(0.02, 0.3))})
            cases.append({"C": C, "beta2": float(rng.uniform(0.6, 0.95))})
        return cases

    def run(self, cycle_drift, case):
        return call(cycle_drift, case["C"], case["beta2"], what="cycle_drift(C, beta2)")

    def compare(self, got, expected, case):
        what = f"cycle_drift({case['C']:g}, {case['beta2']:.4g})"
        got = expect_number(got, what=what)
        if abs(got + expected["drift"]) < 1e-6 * abs(expected["drift"]) + 1e-9:
            raise Wrong(f"{what} has the right size but the wrong sign.", reason="the sign is flipped",
                        hint="a step moves x by -lr * g / sqrt(v): the large gradient C moves it down.")
        if abs(got - expected["unnormalized"]) < 1e-6 * abs(expected["unnormalized"]):
            raise Wrong(f"{what} misses the normalization of the averages.",
                        reason="the weights of the average do not sum to one",
                        hint="the steady state of v = beta2 v + (1 - beta2) g^2 over a period carries "
                             "the factor (1 - beta2) / (1 - beta2**3).")
        expect_close(got, expected["drift"], rtol=1e-6, atol=1e-9, what=what,
                     hint="v_j = (1 - beta2)/(1 - beta2**3) * sum_k beta2**k g_(j-k)^2, then "
                          "-C/sqrt(v_1) + 1/sqrt(v_2) + 1/sqrt(v_3).")


@exercise("sgd-noise-scale", points=1, title="The gradient noise scale", chapter=BATCHES)
class NoiseScale(Spec):
    def cases(self, rng):
        cases = []
        for n, d in [(8, 1), (40, 3), (200, 5), (50, 2), (100, 4)]:
            mean = rng.normal(size=d) * rng.uniform(0.1, 3.0)
            cases.append({"G": mean + rng.normal(size=(n, d)) * rng.uniform(0.5, 4.0, size=d)})
        return cases

    def run(self, noise_scale, case):
        return call(noise_scale, case["G"].copy(), what="noise_scale(G)")

    def compare(self, got, expected, case):
        what = f"noise_scale(G) for G of shape {case['G'].shape}"
        got = expect_number(got, what=what)
        if abs(got - expected["unbiased"]) < 1e-9 * expected["unbiased"] and len(case["G"]) < 20:
            raise Wrong(f"{what}: the covariance divides by n - 1; this chapter's Sigma divides by n.",
                        reason="the covariance divides by n - 1",
                        hint="np.cov(G.T, bias=True), or the mean over rows of |g_i - mean|^2.")
        if abs(got - expected["second_moment"]) < 1e-9 * expected["second_moment"]:
            raise Wrong(f"{what}: the numerator is the spread around the mean, not the mean square.",
                        reason="the numerator is not centered", hint="subtract the mean gradient first.")
        expect_close(got, expected["scale"], rtol=1e-8, atol=0, what=what,
                     hint="tr(Sigma) / |mean gradient|^2, with Sigma the covariance of the rows.")
