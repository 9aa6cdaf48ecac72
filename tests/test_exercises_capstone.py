"""The capstone chapter's exercise checks: right answers pass, plausible mistakes get a useful message.

The oracles here are written independently of the references: the standardization through
``sc.data.Standardizer`` (the package's own), the sweep through the rates a real range test takes.
"""
import math

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.exercises import _core

LABELS = ("capstone-standardize", "capstone-sweep", "capstone-schedule")


def check(label, answer):
    return sc.exercises.check(label, answer, quiet=True)


def test_labels_are_registered_for_the_chapter():
    reg = sc.exercises.registry()
    for label in LABELS:
        assert reg[label].chapter == "capstone"
    assert reg["capstone-standardize"].points == 2 and reg["capstone-sweep"].points == 1


@pytest.mark.parametrize("label", LABELS)
def test_an_empty_stub_fails_politely(label):
    def stub(*args):
        ...

    result = check(label, stub)
    assert not result and result.points == 0 and "None" in result.message
    assert not check(label, ...)


# -- standardize without a leak ----------------------------------------------------------------------

def oracle_standardize(X_train, X_val, X_test):
    s = sc.data.Standardizer().fit(X_train)
    return s.transform(X_train), s.transform(X_val), s.transform(X_test)


def test_standardize_oracle_passes_on_many_seeds():
    spec = sc.exercises.registry()["capstone-standardize"]
    for seed in range(10):
        for case in spec.cases(_core.case_rng(spec.label, seed)):
            got = _core.run_case(spec, oracle_standardize, sc.exercises._plain.encode(case))
            assert _core.judge_case(spec, got, case).passed


def test_standardize_cases_can_tell_a_leak_and_a_blank_feature():
    spec = sc.exercises.registry()["capstone-standardize"]
    cases = spec.cases(_core.case_rng(spec.label, 3))
    blank = [c for c in cases if np.any(np.ptp(c["X_train"], axis=0) == 0)]
    assert len(blank) == 3
    for c in cases:
        pooled = np.vstack([c["X_train"], c["X_val"], c["X_test"]])
        # the validation and test rows move the statistics: a leak changes the scaled training set
        assert not np.allclose(pooled.mean(axis=0), c["X_train"].mean(axis=0), atol=0.1)


def test_standardize_names_the_leak():
    def leak(a, b, c):
        s = sc.data.Standardizer().fit(np.vstack([a, b, c]))
        return s.transform(a), s.transform(b), s.transform(c)

    result = check("capstone-standardize", leak)
    assert not result and result.tests_passed == 0 and "all the rows" in result.message
    assert "leak" in result.hint


def test_standardize_names_own_statistics_sample_std_and_blank_features():
    def own(a, b, c):
        return tuple(sc.data.Standardizer().fit_transform(x) for x in (a, b, c))

    result = check("capstone-standardize", own)
    assert not result and result.tests_passed == 0 and "its own statistics" in result.message

    def sample_std(a, b, c):
        m, s = a.mean(axis=0), a.std(axis=0, ddof=1)
        s = np.where(s > 0, s, 1.0)
        return tuple((x - m) / s for x in (a, b, c))

    result = check("capstone-standardize", sample_std)
    assert not result and "n - 1" in result.message

    def no_guard(a, b, c):
        m, s = a.mean(axis=0), a.std(axis=0)
        with np.errstate(all="ignore"):
            return tuple((x - m) / s for x in (a, b, c))

    result = check("capstone-standardize", no_guard)
    assert not result and result.tests_passed == 3 and "zero standard deviation" in result.message


def test_standardize_catches_in_place_changes():
    def in_place(a, b, c):
        s = sc.data.Standardizer().fit(a)
        for x in (a, b, c):
            x -= s.mean_
            x /= s.scale_
        return a, b, c

    result = check("capstone-standardize", in_place)
    assert not result and "changed" in result.message


# -- the sweep ---------------------------------------------------------------------------------------

def oracle_steps_below(lr_min, lr_max, steps, lr):
    rt_lrs = sc.schedules.exponential(lr_min, gamma=(lr_max / lr_min) ** (1 / (steps - 1))).lrs(steps)
    return int(np.sum(rt_lrs <= lr))


def test_sweep_oracle_is_what_a_range_test_takes():
    rt = sc.lr_range_test(sc.problems.parabola(curvature=1e-3), lr_min=1e-5, lr_max=10.0, steps=120)
    assert rt.stopped_at is None and len(rt.lrs) == 120
    assert oracle_steps_below(1e-5, 10.0, 120, 0.3) == int(np.sum(rt.lrs <= 0.3)) == 89


def test_sweep_oracle_passes_on_many_seeds():
    assert check("capstone-sweep", oracle_steps_below)
    spec = sc.exercises.registry()["capstone-sweep"]
    for seed in range(10):
        for case in spec.cases(_core.case_rng(spec.label, seed)):
            got = _core.run_case(spec, oracle_steps_below, sc.exercises._plain.encode(case))
            assert _core.judge_case(spec, got, case).passed


def test_sweep_names_the_typical_mistakes():
    off_by_one = check("capstone-sweep", lambda a, b, n, lr: oracle_steps_below(a, b, n, lr) - 1)
    assert not off_by_one and off_by_one.tests_passed == 0 and "off by one" in off_by_one.hint

    def over_steps(a, b, n, lr):
        return math.floor(math.log(lr / a) / math.log((b / a) ** (1 / n))) + 1

    wrong = check("capstone-sweep", over_steps)
    assert not wrong and wrong.tests_passed == 0 and "k / (steps - 1)" in wrong.hint
    assert not check("capstone-sweep", lambda a, b, n, lr: 0.5 + oracle_steps_below(a, b, n, lr))


# -- the schedule ------------------------------------------------------------------------------------

def oracle_warmup_cosine(peak, warmup, total, t):
    cosine = sc.schedules.cosine_annealing(peak, T_max=total - warmup)
    return sc.schedules.linear_warmup(cosine, warmup_steps=warmup)(t)


def test_schedule_oracle_passes_on_many_seeds():
    assert check("capstone-schedule", oracle_warmup_cosine)
    spec = sc.exercises.registry()["capstone-schedule"]
    for seed in range(10):
        for case in spec.cases(_core.case_rng(spec.label, seed)):
            got = _core.run_case(spec, oracle_warmup_cosine, sc.exercises._plain.encode(case))
            assert _core.judge_case(spec, got, case).passed


def test_schedule_formula_by_hand():
    # peak 1, warm-up 3 steps, budget 12: 1/3, 5/9, 7/9, then a cosine over the 9 steps left
    want = [1 / 3, 5 / 9, 7 / 9] + [(1 + math.cos(math.pi * k / 9)) / 2 for k in range(10)]
    assert np.allclose([oracle_warmup_cosine(1.0, 3, 12, t) for t in range(13)], want)


def test_schedule_names_the_typical_mistakes():
    def from_zero(peak, W, T, t):
        return peak * t / W if t < W else oracle_warmup_cosine(peak, W, T, t)

    def over_total(peak, W, T, t):
        return oracle_warmup_cosine(peak, W, T, t) if t < W else peak * (1 + math.cos(math.pi * (t - W) / T)) / 2

    def unshifted(peak, W, T, t):
        return oracle_warmup_cosine(peak, W, T, t) if t < W else peak * (1 + math.cos(math.pi * t / (T - W))) / 2

    for answer, phrase in ((from_zero, "starts from 0"), (over_total, "all the steps"),
                           (unshifted, "starts at step 0")):
        result = check("capstone-schedule", answer)
        assert not result and result.tests_passed == 0 and phrase in result.message, result.message
    half = check("capstone-schedule", lambda peak, W, T, t: 0.5 * oracle_warmup_cosine(peak, W, T, t))
    assert not half and "should be" in half.message


# -- where early stopping stops ----------------------------------------------------------------------

def oracle_early_stop(val_losses, patience):
    """Written another way: the best epoch so far is the first minimum of the losses up to now."""
    losses = np.asarray(val_losses, dtype=float)
    for epoch in range(len(losses)):
        best = int(np.argmin(losses[: epoch + 1]))       # argmin keeps the first of equal minima
        if epoch - best == patience:
            return best, epoch
    return int(np.argmin(losses)), len(losses) - 1


def test_early_stop_accepts_the_oracle_and_matches_the_package_rule():
    assert check("capstone-early-stop", oracle_early_stop)
    assert oracle_early_stop([1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.8], 2) == (3, 5)


def test_early_stop_names_ties_and_off_by_one():
    def ties(val_losses, patience):
        best, waited = 0, 0
        for epoch in range(1, len(val_losses)):
            if val_losses[epoch] <= val_losses[best]:
                best, waited = epoch, 0
            else:
                waited += 1
                if waited == patience:
                    return best, epoch
        return best, len(val_losses) - 1

    result = check("capstone-early-stop", ties)
    assert not result and "equal to the best" in result.message

    def one_late(val_losses, patience):
        best, stop = oracle_early_stop(val_losses, patience)
        return best, min(stop + 1, len(val_losses) - 1)

    result = check("capstone-early-stop", one_late)
    assert not result and "should be" in result.message
    assert not check("capstone-early-stop", None) and not check("capstone-early-stop", lambda v, p: None)
