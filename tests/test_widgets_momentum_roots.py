"""The momentum-roots explorer: works with no arguments, every control moves the figure, roots are the
package's."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse.widgets.momentum_roots import momentum_roots_compute, momentum_roots_explorer


@pytest.fixture(scope="module")
def ex():
    return momentum_roots_explorer()


def test_contract(ex):
    assert set(ex.controls) == {"eta_lambda", "beta"}
    assert ex.figure is not None and len(ex.figure.axes) == 2


def test_eta_lambda_moves_the_roots_and_the_error(ex):
    ex.set(eta_lambda=1.0, beta=0.5)
    roots_before = np.array(ex.handles["roots"].get_xdata(), dtype=float).copy()
    err_before = np.array(ex.handles["errors"].get_ydata(), dtype=float).copy()
    ex.controls["eta_lambda"].value = 2.0
    assert not np.allclose(roots_before, ex.handles["roots"].get_xdata())
    assert not np.allclose(err_before, ex.handles["errors"].get_ydata())


def test_beta_moves_the_circle_and_the_title(ex):
    ex.set(eta_lambda=1.0, beta=0.25)
    circle = np.array(ex.handles["sqrt_beta"].get_xdata(), dtype=float).copy()
    title = ex.handles["title"].get_text()
    ex.controls["beta"].value = 0.81
    assert not np.allclose(circle, ex.handles["sqrt_beta"].get_xdata())
    assert ex.handles["title"].get_text() != title
    assert np.max(ex.handles["sqrt_beta"].get_xdata()) == pytest.approx(0.9)


def test_data_are_the_package_roots_and_regimes():
    for h, b, regime in [(0.1, 0.25, "overdamped"), (0.25, 0.25, "critical"), (1.0, 0.25, "underdamped"),
                         (2.4, 0.25, "flipping"), (3.0, 0.25, "unstable")]:
        d = momentum_roots_compute(h, b)
        assert d["regime"] == regime and regime in d["title"]
        assert np.allclose(d["roots"], sc.momentum_roots.roots(h, b))
        assert np.allclose(d["errors"], sc.momentum_roots.error_sequence(h, b, 40))
    # the error of one direction is what SGD with momentum does on a parabola
    p = sc.problems.parabola(curvature=2.0, x0=1.0)
    tr = sc.minimize(p, sc.optim.SGD(lr=0.45, momentum=0.6), steps=40)
    assert np.allclose(momentum_roots_compute(0.9, 0.6)["errors"], tr.xs[:, 0], atol=1e-12)


def test_the_png_changes_with_a_control(ex):
    ex.set(eta_lambda=0.5, beta=0.5)
    a = ex.render().copy()
    ex.controls["eta_lambda"].value = 3.5
    assert not np.array_equal(a, ex.render())


def test_static_export_stays_small(ex):
    grid = ex.static_grid()
    assert 40 <= len(grid) <= 80
    assert ex.values in grid or any(g == {"eta_lambda": 1.0, "beta": 0.25} for g in grid)
