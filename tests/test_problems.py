"""Problems: exact gradients and Hessians, vectorization over a trailing axis, known minima."""
import numpy as np
import pytest

import stepcourse as sc

ALL = list(sc.problems.catalog().values()) + [
    sc.problems.quadratic(condition_number=100.0, dim=5, seed=3),
    sc.problems.quadratic([2.0, 3.0, 7.0], seed=0, center=[1.0, -1.0, 0.5]),
    sc.problems.parabola(curvature=3.0, center=2.0),
    sc.problems.double_well(tilt=-0.2),
    sc.problems.rosenbrock(a=2.0, b=10.0),
]
IDS = [f"{p.name}-{i}" for i, p in enumerate(ALL)]


def _central(fun, x, h=1e-6):
    eye = np.eye(x.shape[-1])
    return np.stack([(fun(x + h * e) - fun(x - h * e)) / (2 * h) for e in eye], axis=-1)


@pytest.mark.parametrize("p", ALL, ids=IDS)
def test_gradient_matches_central_differences(p):
    rng = np.random.default_rng(0)
    lows = np.array([b[0] for b in p.bounds])
    highs = np.array([b[1] for b in p.bounds])
    x = rng.uniform(lows, highs, size=(7, p.dim))
    num = _central(p.f, x)
    scale = np.maximum(1.0, np.abs(num))
    assert np.max(np.abs(num - p.grad(x)) / scale) < 1e-6


@pytest.mark.parametrize("p", ALL, ids=IDS)
def test_hessian_matches_differences_of_gradient(p):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(5, p.dim))
    num = _central(p.grad, x)
    H = p.hessian(x)
    assert H.shape == (5, p.dim, p.dim)
    assert np.max(np.abs(num - H) / np.maximum(1.0, np.abs(num))) < 1e-6
    assert np.allclose(H, np.swapaxes(H, -1, -2))


@pytest.mark.parametrize("p", ALL, ids=IDS)
def test_vectorized_over_grid_equals_pointwise(p):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(3, 4, p.dim))
    F, G = p.f(x), p.grad(x)
    assert F.shape == (3, 4) and G.shape == (3, 4, p.dim)
    for i in range(3):
        for j in range(4):
            assert F[i, j] == pytest.approx(float(p.f(x[i, j])), rel=1e-14, abs=1e-14)
            assert np.allclose(G[i, j], p.grad(x[i, j]), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("p", [q for q in ALL if len(q.minima)], ids=[i for q, i in zip(ALL, IDS) if len(q.minima)])
def test_minima_are_stationary_and_positive_definite(p):
    assert p.minima.shape[1] == p.dim
    assert np.max(np.abs(p.grad(p.minima))) < 1e-9
    eig = np.linalg.eigvalsh(p.hessian(p.minima))
    assert np.all(eig > 0)
    assert p.f_min == pytest.approx(float(np.min(p.f(p.minima))))
    # the first minimum listed is a global one
    assert float(p.f(p.minima[0])) == pytest.approx(p.f_min, abs=1e-12)


@pytest.mark.parametrize("p", ALL, ids=IDS)
def test_start_and_bounds(p):
    assert p.x0.shape == (p.dim,)
    assert len(p.bounds) == p.dim
    for (lo, hi), x in zip(p.bounds, p.x0):
        assert lo < x < hi


def test_counts_and_required_problems():
    names = set(sc.problems.catalog())
    assert {"parabola", "double well", "Rosenbrock", "Beale", "Himmelblau", "saddle", "six-hump camel"} <= names
    assert len(sc.problems.double_well().minima) == 2
    assert len(sc.problems.himmelblau().minima) == 4
    assert len(sc.problems.six_hump_camel().minima) == 6


def test_quadratic_from_eigenvalues_and_condition_number():
    p = sc.problems.quadratic([1.0, 10.0])
    assert (p.L, p.mu, p.condition_number) == (10.0, 1.0, 10.0)
    assert np.allclose(np.linalg.eigvalsh(p.A), [1.0, 10.0])
    q = sc.problems.quadratic(condition_number=1000.0, dim=6, seed=1)
    assert np.allclose(np.linalg.eigvalsh(q.A)[[0, -1]], [1.0, 1000.0])
    assert q.condition_number == pytest.approx(1000.0)


def test_saddle_has_no_minimum_and_a_saddle_point():
    p = sc.problems.saddle()
    assert len(p.minima) == 0 and np.isnan(p.f_min)
    assert np.allclose(p.grad(p.saddle_points), 0)
    assert np.linalg.eigvalsh(p.hessian(p.saddle_points))[0, 0] < 0


@pytest.mark.parametrize("kwargs, word", [
    ({"eigenvalues": [1.0, -2.0]}, "eigenvalues"),
    ({"eigenvalues": [1.0], "condition_number": 3.0}, "not both"),
    ({"condition_number": 0.5}, "condition_number"),
    ({"condition_number": 10, "dim": 0}, "dim"),
])
def test_quadratic_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sc.problems.quadratic(**kwargs)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="curvature"):
        sc.problems.parabola(curvature=-1)
    with pytest.raises(ValueError, match="tilt"):
        sc.problems.double_well(tilt=1.0)
    with pytest.raises(ValueError, match="trailing axis"):
        sc.problems.rosenbrock().f(np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        sc.problems.parabola().grid()
