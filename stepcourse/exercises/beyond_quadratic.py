"""Exercise specs of the chapter "Beyond the quadratic" (references: :mod:`._references.beyond_quadratic`)."""
from __future__ import annotations

import math

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_close, expect_number, expect_pair, expect_steps

CHAPTER = "beyond_quadratic"


def _curvatures(rng, n):
    return [float(10 ** rng.uniform(-2, 3)) for _ in range(n)]


@exercise("bq-descent-step", title="The best guaranteed step")
class DescentStep(Spec):
    def cases(self, rng):
        return [1.0, 8.0, 0.25] + _curvatures(rng, 5)

    def run(self, best_guaranteed_step, L):
        return call(best_guaranteed_step, L, what="best_guaranteed_step(L)")

    def compare(self, got, expected, L):
        lr, c = expect_pair(got, what="best_guaranteed_step", names="lr, c")
        lr = expect_number(lr, what=f"the step for L = {L:.4g}")
        if math.isclose(lr, expected["edge"], rel_tol=1e-9):
            raise Wrong(f"for L = {L:.4g} you gave 2/L = {lr:.6g}, where the guarantee is zero.",
                        reason="the step is the edge of the safe range, not its best point",
                        hint="2/L is where eta (1 - L eta / 2) returns to zero; set its derivative to zero.")
        expect_close(lr, expected["lr"], rtol=1e-9, what=f"the step for L = {L:.4g}",
                     hint="differentiate c(eta) = eta - L eta^2 / 2 and set the derivative to zero.")
        expect_close(c, expected["c"], rtol=1e-9, what=f"the largest guaranteed decrease for L = {L:.4g}",
                     hint="plug your step into eta (1 - L eta / 2).")


@exercise("bq-convex-steps", title="How many steps does the convex bound promise?")
class ConvexSteps(Spec):
    def cases(self, rng):
        cases = [[2.0, 1.0, 0.3], [1.0, 10.0, 3e-3]]
        for _ in range(8):
            cases.append([float(10 ** rng.uniform(-1, 2)), float(10 ** rng.uniform(-1, 2)),
                          float(10 ** rng.uniform(-6, -1))])
        return cases

    def run(self, convex_steps, case):
        return call(convex_steps, *case, what="convex_steps(dist0_sq, L, tol)")

    def compare(self, got, expected, case):
        d2, L, tol = case
        what = f"convex_steps({d2:.4g}, {L:.4g}, {tol:.3g})"
        expect_steps(got, expected, what, short_hint="round up, not down: after k steps the bound is "
                                                     "L dist0_sq / (2k).",
                     hint="with eta = 1/L the bound after k steps is L * dist0_sq / (2 k); solve <= tol.")


@exercise("bq-pl-steps", title="Predict, then run: the PL guarantee")
class PLSteps(Spec):
    def cases(self, rng):
        cases = [[1.0, 1e-6, 0.5, 8.0], [0.01, 0.1, 1.0, 4.0]]
        for _ in range(8):
            L = float(10 ** rng.uniform(-1, 2))
            cases.append([float(10 ** rng.uniform(-2, 3)), float(10 ** rng.uniform(-12, -3)),
                          float(L * 10 ** rng.uniform(-3, -0.05)), L])
        return cases

    def run(self, pl_steps, case):
        return call(pl_steps, *case, what="pl_steps(gap0, tol, mu, L)")

    def compare(self, got, expected, case):
        gap0, tol, mu, L = case
        what = f"pl_steps({gap0:.3g}, {tol:.3g}, {mu:.3g}, {L:.3g})"
        expect_steps(got, expected, what, short_hint="one step short: round up, not down.",
                     hint="the bound after k steps is (1 - mu/L)^k gap0; take logarithms of "
                          "(1 - mu/L)^k gap0 <= tol and round up (0 if gap0 <= tol already).")


def _spd_with_gap(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = np.sort(rng.uniform(0.1, 1.0, size=d))
    lam[-1] = float(rng.uniform(2.0, 20.0))         # top eigenvalue at least twice the next
    return (q * lam) @ q.T


@exercise("bq-power-iteration", title="Power iteration")
class PowerIteration(Spec):
    def cases(self, rng):
        return [np.diag([1.0, 3.0])] + [_spd_with_gap(rng, int(d)) for d in rng.integers(2, 9, size=6)]

    def run(self, power_iteration, H):
        H = np.asarray(H, dtype=float)
        calls = [0]

        def hvp(v):
            calls[0] += 1
            return H @ np.asarray(v, dtype=float)

        out = call(power_iteration, hvp, H.shape[0], 300, what="power_iteration(hvp, d, 300)")
        return {"value": out, "calls": calls[0]}

    def compare(self, got, expected, H):
        value = expect_number(got["value"], what="power_iteration(hvp, d, 300)")
        if got["calls"] == 0:
            raise Wrong("power_iteration never called hvp.", reason="hvp was never called",
                        hint="the matrix is only available through hvp(v); call it inside the loop.")
        if math.isclose(value, expected["smallest"], rel_tol=1e-4):
            raise Wrong("your estimate is the smallest eigenvalue.", reason="the smallest eigenvalue",
                        hint="v <- H v / |H v| grows the direction of the LARGEST eigenvalue.")
        expect_close(value, expected["top"], rtol=1e-4, what=f"the top eigenvalue of a {H.shape[0]}x{H.shape[0]} matrix",
                     hint="normalize v after every product, and return the Rayleigh quotient v @ hvp(v).")


@exercise("bq-hb-stability", title="The heavy ball's stability limit")
class HBStability(Spec):
    def cases(self, rng):
        return [0.0, 0.5, 0.9] + [float(rng.uniform(0, 0.99)) for _ in range(5)]

    def run(self, max_eta_lambda, beta):
        return call(max_eta_lambda, beta, what="max_eta_lambda(beta)")

    def compare(self, got, expected, beta):
        value = expect_number(got, what=f"max_eta_lambda({beta:.3g})")
        if beta > 0 and math.isclose(value, 2.0, rel_tol=1e-9):
            raise Wrong(f"for beta = {beta:.3g} you gave 2, gradient descent's limit.", reason="the limit without momentum",
                        hint="momentum widens the stable range: find eta*lambda where z = -1 solves the quadratic.")
        expect_close(value, expected, rtol=1e-9, what=f"max_eta_lambda({beta:.3g})",
                     hint="put z = -1 into z^2 - (1 + beta - eta*lambda) z + beta = 0 and solve for eta*lambda.")


@exercise("bq-critical-momentum", title="Critical damping")
class CriticalMomentum(Spec):
    def cases(self, rng):
        return [1.0, 0.25, 0.01] + [float(rng.uniform(0.001, 1.0)) for _ in range(5)]

    def run(self, critical_momentum, h):
        return call(critical_momentum, h, what="critical_momentum(eta_lambda)")

    def compare(self, got, expected, h):
        value = expect_number(got, what=f"critical_momentum({h:.3g})")
        if math.isclose(value, expected["other"], rel_tol=1e-9):
            raise Wrong(f"critical_momentum({h:.3g}) = {value:.6g} is not below 1.", reason="the other root, beta >= 1",
                        hint="of the two solutions (1 -+ sqrt(eta*lambda))^2, only one is a momentum in [0, 1).")
        expect_close(value, expected["beta"], rtol=1e-9, atol=1e-12, what=f"critical_momentum({h:.3g})",
                     hint="set the discriminant (1 + beta - eta*lambda)^2 - 4 beta to zero and solve for beta.")


@exercise("bq-nesterov-tuning", title="Nesterov's tuning")
class NesterovTuning(Spec):
    def cases(self, rng):
        cases = [[25.0, 1.0], [100.0, 1.0], [4.0, 4.0]]
        for _ in range(5):
            mu = float(10 ** rng.uniform(-2, 1))
            cases.append([float(mu * 10 ** rng.uniform(0, 4)), mu])
        return cases

    def run(self, nesterov_tuning, case):
        return call(nesterov_tuning, *case, what="nesterov_tuning(L, mu)")

    def compare(self, got, expected, case):
        L, mu = case
        lr, momentum, rate = expect_pair(got, n=3, what="nesterov_tuning", names="lr, momentum, rate")
        if math.isclose(expect_number(lr, what="lr"), expected["polyak_lr"], rel_tol=1e-9) and L != mu:
            raise Wrong(f"for L = {L:.4g}, mu = {mu:.4g} you gave Polyak's heavy-ball step.", reason="Polyak's step",
                        hint="Nesterov's method takes the plain gradient step 1/L at the look-ahead point.")
        expect_close(lr, expected["lr"], rtol=1e-9, what=f"lr for L = {L:.4g}, mu = {mu:.4g}", hint="the step is 1/L.")
        expect_close(momentum, expected["momentum"], rtol=1e-9, atol=1e-12,
                     what=f"momentum for L = {L:.4g}, mu = {mu:.4g}",
                     hint="(sqrt(kappa) - 1)/(sqrt(kappa) + 1) with kappa = L/mu (not squared, unlike Polyak's).")
        expect_close(rate, expected["rate"], rtol=1e-9, atol=1e-12, what=f"rate for L = {L:.4g}, mu = {mu:.4g}",
                     hint="the guarantee shrinks by 1 - 1/sqrt(kappa) per step.")
