"""Exercise specs of the capstone chapter (references: :mod:`._references.capstone`)."""
from __future__ import annotations

import numpy as np

from ._core import Spec, Wrong, call, exercise, expect_array, expect_close, expect_int, expect_pair

CHAPTER = "capstone"


def _splits(rng, blank: bool):
    """Three parts whose statistics differ a lot, so a leak of validation or test rows shows; with
    ``blank``, one feature is 0 on every training row (like a pixel that is always blank)."""
    d = int(rng.integers(3, 7))
    n_train, n_val, n_test = (int(k) for k in rng.integers(8, 40, size=3))
    center, scale = rng.normal(0, 5, d), 10 ** rng.uniform(-1, 1.5, d)
    shift = rng.normal(0, 3, d) * scale                  # the later parts drift away from training
    X_train = center + scale * rng.normal(size=(n_train, d))
    X_val = center + shift + 2 * scale * rng.normal(size=(n_val, d))
    X_test = center - shift + 3 * scale * rng.normal(size=(n_test, d))
    if blank:
        j = int(rng.integers(d))
        X_train[:, j] = 0.0                              # exactly constant: its std is exactly 0
        X_val[:, j] = rng.normal(size=n_val)
    return {"X_train": X_train, "X_val": X_val, "X_test": X_test}


@exercise("capstone-standardize", points=2, title="Standardize without a leak")
class Standardize(Spec):
    RAW_CONSTANT = ("a feature constant on the training set was divided by a zero standard deviation",
                    "where the training standard deviation is 0, divide by 1 instead (np.where(std > 0, std, 1)).")

    def cases(self, rng):
        return [_splits(rng, blank=i % 2 == 0) for i in range(6)]

    def run(self, standardize_splits, case):
        given = {k: case[k].copy() for k in ("X_train", "X_val", "X_test")}
        out = call(standardize_splits, given["X_train"], given["X_val"], given["X_test"],
                   what="standardize_splits(X_train, X_val, X_test)")
        changed = any(not np.array_equal(given[k], case[k]) for k in given)
        return {"out": out, "changed": changed}

    def compare(self, got, expected, case):
        what = "standardize_splits(X_train, X_val, X_test)"
        if got["changed"]:
            raise Wrong(f"{what} changed the arrays it was given.", reason="an input array was changed in place",
                        hint="`(X - mean) / std` makes a new array; `X -= mean` changes the caller's.")
        parts = expect_pair(got["out"], 3, what=what, names="X_train_s, X_val_s, X_test_s")
        names = ("X_train", "X_val", "X_test")
        constant = bool(np.any(np.ptp(case["X_train"], axis=0) == 0))
        try:
            finite = all(np.all(np.isfinite(np.asarray(p, dtype=float))) for p in parts)
        except (TypeError, ValueError):
            finite = True                                # expect_array below says what is wrong
        if constant and not finite:
            reason, hint = self.RAW_CONSTANT
            raise Wrong(f"{what}: {reason}.", reason=reason, hint=hint)
        arrays = [expect_array(p, shape=case[k].shape, what=f"the scaled {k}") for p, k in zip(parts, names)]
        right = expected["right"]
        if all(np.allclose(a, e, rtol=1e-8, atol=1e-10) for a, e in zip(arrays, right)):
            return
        mistakes = (
            ("pooled", "the mean and standard deviation came from all the rows, validation and test included",
             "a leak: fit the statistics on X_train alone, then apply them to all three parts."),
            ("own", "each part was scaled with its own statistics",
             "the validation and test parts must use the training mean and standard deviation, not their own."),
            ("ddof1", "the standard deviation is the n - 1 (sample) one",
             "use the population standard deviation, X_train.std(axis=0) (ddof=0), as sc.data.Standardizer does."),
        )
        for key, reason, hint in mistakes:
            if all(np.allclose(a, e, rtol=1e-8, atol=1e-10, equal_nan=True) for a, e in zip(arrays, expected[key])):
                raise Wrong(f"{what}: {reason}.", reason=reason, hint=hint)
        for name, a, e in zip(names, arrays, right):
            expect_close(a, e, rtol=1e-8, atol=1e-10, what=f"the scaled {name}",
                         hint="mean and std of X_train over its rows (axis=0); (X - mean) / std for every part.")


@exercise("capstone-sweep", title="Predict, then run: when the sweep passes a rate")
class Sweep(Spec):
    def cases(self, rng):
        cases = [[1e-5, 10.0, 120, 0.3], [1e-4, 1.0, 50, 0.5]]
        for _ in range(6):
            lr_min = float(10 ** rng.uniform(-7, -3))
            lr_max = float(lr_min * 10 ** rng.uniform(2, 8))
            steps = int(rng.integers(10, 300))
            # halfway between two rates of the sweep's upper half: a rate on the grid would make the
            # count hang on rounding, and in the upper half an exponent k / steps miscounts
            m = int(rng.integers(-(-steps // 2), steps - 1))
            ratio = (lr_max / lr_min) ** (1 / (steps - 1))
            cases.append([lr_min, lr_max, steps, float(lr_min * ratio ** (m + 0.5))])
        return cases

    def run(self, steps_below, case):
        return call(steps_below, *case, what="steps_below(lr_min, lr_max, steps, lr)")

    def compare(self, got, expected, case):
        lr_min, lr_max, steps, lr = case
        what = f"steps_below({lr_min:.3g}, {lr_max:.3g}, {steps}, {lr:.3g})"
        k = expect_int(got, what=what, hint="a number of steps is a whole number.")
        want = expected["count"]
        if k == want:
            return
        hint = ("step k (from 0) uses lr_min * r**k with r = (lr_max / lr_min) ** (1 / (steps - 1)); count "
                "the k whose rate is at most lr.")
        if k == expected["over_steps"]:
            hint = "the last step uses lr_max exactly, so the exponent is k / (steps - 1), not k / steps."
        elif abs(k - want) == 1:
            hint = "off by one: steps count from k = 0, whose rate is lr_min itself."
        raise Wrong(f"{what} should be {want}; you said {k}.", reason="a wrong number of steps", hint=hint)


@exercise("capstone-schedule", points=2, title="The chapter's schedule, by hand")
class Schedule(Spec):
    def cases(self, rng):
        cases = [{"peak": 0.01, "warmup": 34, "total": 680}, {"peak": 1.0, "warmup": 3, "total": 12}]
        for _ in range(4):
            warmup = int(rng.integers(1, 60))
            cases.append({"peak": float(10 ** rng.uniform(-4, 0)), "warmup": warmup,
                          "total": int(warmup + rng.integers(5, 800))})
        for case in cases:
            W, T = case["warmup"], case["total"]
            inner = rng.integers(0, T + 1, size=6).tolist()
            case["t"] = sorted(set([0, W - 1, W, W + 1, T - 1, T] + [int(k) for k in inner]) - {-1})
        return cases

    def run(self, warmup_cosine, case):
        what = "warmup_cosine(peak, warmup, total, t)"
        return [call(warmup_cosine, case["peak"], case["warmup"], case["total"], t, what=what)
                for t in case["t"]]

    def compare(self, got, expected, case):
        what = f"warmup_cosine({case['peak']:.3g}, {case['warmup']}, {case['total']}, t)"
        if isinstance(got, list) and any(g is None for g in got):
            raise Wrong(f"{what} returned nothing (None).", hint="did you forget a `return` statement?",
                        reason="the function returned nothing (None)")
        rates = expect_array(got, shape=(len(case["t"]),), what=f"{what} over the steps t checked")
        close = dict(rtol=1e-9, atol=1e-12 * case["peak"])
        if np.allclose(rates, expected["right"], **close):
            return
        mistakes = (
            ("from_zero", "the warm-up starts from 0 instead of a third of the peak",
             "at t = 0 the rate is peak / 3, and it climbs linearly to peak at t = warmup."),
            ("over_total", "the cosine decays over all the steps instead of the steps after the warm-up",
             "after the warm-up the cosine has total - warmup steps to reach 0 at t = total."),
            ("unshifted", "the cosine starts at step 0 instead of at the end of the warm-up",
             "after the warm-up use (t - warmup) in the cosine: it starts at its peak at t = warmup."),
        )
        for key, reason, hint in mistakes:
            if np.allclose(rates, expected[key], **close):
                raise Wrong(f"{what}: {reason}.", reason=reason, hint=hint)
        bad = int(np.flatnonzero(~np.isclose(rates, expected["right"], **close))[0])
        raise Wrong(f"{what} at t = {case['t'][bad]} should be {expected['right'][bad]:.6g}; you said "
                    f"{rates[bad]:.6g}.", reason="a wrong rate at some step",
                    hint="peak * (1/3 + 2/3 * t / warmup) before the warm-up ends; then "
                         "peak * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2.")


@exercise("capstone-early-stop", points=2, title="Predict, then run: where early stopping stops")
class EarlyStop(Spec):
    def cases(self, rng):
        # a hand case, and one whose best loss comes back exactly (a tie is no improvement)
        cases = [[[1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.8], 2], [[1.0, 0.9, 0.9, 0.95, 1.0], 2]]
        for _ in range(8):
            n, patience = int(rng.integers(8, 40)), int(rng.integers(1, 6))
            curve = np.linspace(1.0, 0.3, n) + rng.normal(0, 0.05, n) + np.linspace(0, 0.4, n) ** 2
            cases.append([[float(v) for v in np.round(curve, 2)], patience])   # rounding makes ties
        return cases

    def run(self, early_stop, case):
        return call(early_stop, list(case[0]), case[1], what="early_stop(val_losses, patience)")

    def compare(self, got, expected, case):
        what = f"early_stop(<{len(case[0])} losses>, patience={case[1]})"
        if got is None:
            raise Wrong(f"{what} returned nothing (None).", reason="the function returned nothing (None)",
                        hint="did you forget a `return` statement?")
        best, stop = expect_pair(got, 2, what=what, names="best, stop")
        best = expect_int(best, what=f"the best epoch of {what}")
        stop = expect_int(stop, what=f"the stopping epoch of {what}")
        if [best, stop] == expected["right"]:
            return
        if [best, stop] == expected["ties"]:
            raise Wrong(f"{what}: a loss equal to the best so far was counted as an improvement.",
                        reason="a loss equal to the best was counted as an improvement",
                        hint="only a strictly lower validation loss resets the patience.")
        raise Wrong(f"{what} should be {tuple(expected['right'])}; you said {(best, stop)}.",
                    reason="a wrong best or stopping epoch",
                    hint="epoch 0 is the start; training stops at the patience-th epoch in a row without a new "
                         "best, or at the last epoch.")
