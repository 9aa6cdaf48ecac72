"""The exercise checks of "Beyond the quadratic": right answers pass, plausible mistakes get a useful message."""
import math

import numpy as np
import pytest

import stepcourse as sc

LABELS = ("bq-descent-step", "bq-convex-steps", "bq-pl-steps", "bq-power-iteration", "bq-hb-stability",
          "bq-critical-momentum", "bq-nesterov-tuning")


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


def test_labels_are_registered_for_the_chapter():
    reg = sc.exercises.registry()
    for label in LABELS:
        assert reg[label].chapter == "beyond_quadratic"


@pytest.mark.parametrize("label", LABELS)
def test_an_empty_stub_fails_politely(label):
    def stub(*args):
        ...

    result = check(label, stub)
    assert not result and result.points == 0
    assert not check(label, ...)


def test_descent_step():
    assert check("bq-descent-step", lambda L: (1 / L, 1 / (2 * L)))
    edge = check("bq-descent-step", lambda L: (2 / L, 0.0))
    assert not edge and "derivative" in edge.hint
    wrong_c = check("bq-descent-step", lambda L: (1 / L, 1 / L))
    assert not wrong_c and "decrease" in wrong_c.message


def test_convex_steps_matches_the_bound():
    def right(d2, L, tol):
        return max(1, math.ceil(L * d2 / (2 * tol)))

    assert check("bq-convex-steps", right)
    floor = check("bq-convex-steps", lambda d2, L, tol: max(1, math.floor(L * d2 / (2 * tol))))
    assert not floor
    assert not check("bq-convex-steps", lambda d2, L, tol: math.ceil(L * d2 / tol))     # forgot the 2
    # the number is what the bound says: at k the bound is <= tol, at k - 1 it is not
    d2, L, tol = 3.0, 2.0, 1e-3
    k = right(d2, L, tol)
    assert sc.smoothness.convex_bound(k, d2, 1 / L) <= tol < sc.smoothness.convex_bound(k - 1, d2, 1 / L)


def test_pl_steps_against_the_bound():
    def right(gap0, tol, mu, L):
        if gap0 <= tol:
            return 0
        return math.ceil(math.log(tol / gap0) / math.log(1 - mu / L))

    assert check("bq-pl-steps", right)
    short = check("bq-pl-steps", lambda *a: max(0, right(*a) - 1))
    assert not short and "round up" in short.hint
    assert not check("bq-pl-steps", lambda gap0, tol, mu, L: math.ceil(math.log(tol / gap0) / math.log(1 - mu / L)))
    gap0, tol, mu, L = 2.0, 1e-8, 0.3, 5.0
    k = right(gap0, tol, mu, L)
    assert sc.smoothness.pl_bound(k, gap0, mu, 1 / L) <= tol < sc.smoothness.pl_bound(k - 1, gap0, mu, 1 / L)


def test_power_iteration():
    def right(hvp, d, iters):
        v = np.ones(d) / np.sqrt(d) + 0.01 * np.arange(d)
        for _ in range(iters):
            w = hvp(v)
            v = w / np.linalg.norm(w)
        return float(v @ hvp(v))

    assert check("bq-power-iteration", right)
    # the package's own power iteration passes too
    assert check("bq-power-iteration", lambda hvp, d, iters: sc.curvature.top_hessian_eigenvalue(
        None, np.zeros(d), hvp_fn=hvp, iters=iters, tol=1e-10))
    cheat = check("bq-power-iteration", lambda hvp, d, iters: 5.0)
    assert not cheat and "hvp" in cheat.message

    def inverse(hvp, d, iters):          # converges to the smallest eigenvalue
        M = np.stack([hvp(e) for e in np.eye(d)], axis=1)
        return float(np.linalg.eigvalsh(M).min())

    smallest = check("bq-power-iteration", inverse)
    assert not smallest and "LARGEST" in smallest.hint


def test_hb_stability_agrees_with_the_roots():
    assert check("bq-hb-stability", lambda b: 2 + 2 * b)
    gd = check("bq-hb-stability", lambda b: 2.0)
    assert not gd and "momentum" in gd.hint
    for b in (0.1, 0.7):
        limit = 2 + 2 * b
        assert sc.momentum_roots.spectral_radius(0.999 * limit, b) < 1 < sc.momentum_roots.spectral_radius(1.001 * limit, b)


def test_critical_momentum_agrees_with_the_roots():
    assert check("bq-critical-momentum", lambda h: (1 - np.sqrt(h)) ** 2)
    other = check("bq-critical-momentum", lambda h: (1 + np.sqrt(h)) ** 2)
    assert not other and "[0, 1)" in other.hint
    for h in (0.05, 0.5):
        assert sc.momentum_roots.damping(h, (1 - np.sqrt(h)) ** 2) == "critical"


def test_nesterov_tuning():
    def right(L, mu):
        s = np.sqrt(L / mu)
        return 1 / L, (s - 1) / (s + 1), 1 - 1 / s

    assert check("bq-nesterov-tuning", right)
    assert all(np.isclose(a, b) for a, b in zip(right(25.0, 1.0)[:2], sc.momentum_roots.nesterov_strongly_convex(25.0, 1.0)))
    polyak = check("bq-nesterov-tuning", lambda L, mu: (*sc.momentum.heavy_ball_optimal(L, mu), 0.5))
    assert not polyak and "1/L" in polyak.hint
    squared = check("bq-nesterov-tuning", lambda L, mu: (1 / L, right(L, mu)[1] ** 2, right(L, mu)[2]))
    assert not squared and "momentum" in squared.message
    assert "three" in check("bq-nesterov-tuning", lambda L, mu: (1 / L, 0.5)).message
