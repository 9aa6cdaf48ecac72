"""Reddi et al.'s counterexample: Adam drifts to the wrong end, AMSGrad converges."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse import counterexamples as ce


def test_gradients_follow_the_period():
    g = ce.reddi_gradients(7, C=5.0, period=3, small=2.0)
    assert g.tolist() == [5.0, -2.0, -2.0, 5.0, -2.0, -2.0, 5.0]
    assert ce.reddi_beta2(3.0) == pytest.approx(0.1)


def test_invalid_arguments_name_themselves():
    with pytest.raises(ValueError, match="period"):
        ce.reddi_gradients(3, period=1)
    with pytest.raises(ValueError, match="bounds"):
        ce.online_run(sc.optim.SGD(lr=0.1), [1.0], bounds=(1.0, -1.0))
    with pytest.raises(ValueError, match="beta2"):
        ce.steady_second_moments(3.0, 1.0)


def _run(amsgrad, steps=1500):
    opt = sc.optim.Adam(lr=lambda t: 0.5 / np.sqrt(t + 1), betas=(0.0, ce.reddi_beta2(3.0)),
                        amsgrad=amsgrad)
    return ce.online_run(opt, ce.reddi_gradients(steps))


def test_adam_goes_to_the_worst_point_and_amsgrad_to_the_best():
    adam, ams = _run(False), _run(True)
    assert np.all(adam.xs[-30:] > 0.98)
    assert np.all(ams.xs[-30:] < -0.98)
    assert adam.average_regret[-1] > 0.6  # 2 (C - 2) / 3 = 2/3 per step at x = +1
    assert ams.average_regret[-1] < 0.05


def test_regret_is_against_the_best_fixed_point():
    g = np.array([3.0, -1.0, -1.0])
    run = ce.online_run(sc.optim.SGD(lr=0.0), g, x0=0.5)  # stays at 0.5
    # losses 1.5 - 0.5 - 0.5 = 0.5; best fixed point: x = -1 with 1 * (-1) = -1
    assert run.regret[-1] == pytest.approx(0.5 - (-1.0))


def test_effective_rate_is_lr_over_root_vhat():
    opt = sc.optim.Adam(lr=0.1, betas=(0.0, 0.5))
    run = ce.online_run(opt, [2.0, -1.0], bounds=(-10, 10))
    v1 = 0.5 * 4
    v2 = 0.5 * v1 + 0.5 * 1
    expected = [0.1 / (np.sqrt(v1 / 0.5) + 1e-8), 0.1 / (np.sqrt(v2 / 0.75) + 1e-8)]
    assert np.allclose(run.effective_rates, expected, rtol=1e-12)
    assert np.allclose(ce.online_run(sc.optim.SGD(lr=0.3), [1.0, 1.0]).effective_rates, 0.3)


def test_steady_state_matches_the_recurrence():
    for C, b2, p in [(3.0, 0.1, 3), (10.0, 0.7, 5), (2.5, 0.95, 2)]:
        g = ce.reddi_gradients(p * 3000, C=C, period=p)
        v = 0.0
        last = []
        for t, gt in enumerate(g):
            v = b2 * v + (1 - b2) * gt * gt
            if t >= len(g) - p:
                last.append(v)
        assert np.allclose(ce.steady_second_moments(C, b2, p), last, rtol=1e-10)


def test_drift_formula_matches_a_constant_rate_run():
    C, b2, lr = 3.0, 0.1, 0.01
    run = ce.online_run(sc.optim.Adam(lr=lr, betas=(0.0, b2), eps=0.0), ce.reddi_gradients(600, C=C),
                        bounds=(-1e9, 1e9))
    measured = (run.xs[597] - run.xs[594]) / lr
    assert measured == pytest.approx(ce.adam_cycle_drift(C, b2), rel=1e-8)
    ams = ce.online_run(sc.optim.Adam(lr=lr, betas=(0.0, b2), eps=0.0, amsgrad=True),
                        ce.reddi_gradients(600, C=C), bounds=(-1e9, 1e9))
    assert (ams.xs[597] - ams.xs[594]) / lr == pytest.approx(ce.amsgrad_cycle_drift(C, b2), rel=1e-6)


def test_drift_signs():
    assert ce.adam_cycle_drift(3.0, 0.0) == pytest.approx(1.0)  # sign steps: two up, one down
    assert ce.adam_cycle_drift(3.0, 0.1) > 0 > ce.adam_cycle_drift(3.0, 0.999)
    for b2 in (0.0, 0.3, 0.9, 0.999):
        assert ce.amsgrad_cycle_drift(3.0, b2) < 0
    assert ce.amsgrad_cycle_drift(1.5, 0.5) > 0  # C < 2: +1 is the optimum, AMSGrad goes there
