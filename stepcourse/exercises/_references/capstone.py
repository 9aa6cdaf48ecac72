"""Reference answers of the capstone chapter's exercises (specs: :mod:`stepcourse.exercises.capstone`)."""
from __future__ import annotations

import math

import numpy as np

from . import reference


def _scale(parts, mean, std):
    std = np.where(std > 0, std, 1.0)                # a constant feature is only centered
    return [(p - mean) / std for p in parts]


@reference("capstone-standardize")
def standardize(case):
    parts = [np.asarray(case[k], dtype=float) for k in ("X_train", "X_val", "X_test")]
    train = parts[0]
    # sums written out, not X.mean / X.std: the reference does not lean on the code under test
    n = train.shape[0]
    mean = train.sum(axis=0) / n
    std = np.sqrt(((train - mean) ** 2).sum(axis=0) / n)
    pooled = np.vstack(parts)
    sample = np.sqrt(((train - mean) ** 2).sum(axis=0) / max(n - 1, 1))
    return {
        "right": _scale(parts, mean, std),
        "pooled": _scale(parts, pooled.mean(axis=0), pooled.std(axis=0)),
        "own": [_scale([p], p.mean(axis=0), p.std(axis=0))[0] for p in parts],
        "ddof1": _scale(parts, mean, sample),
    }


@reference("capstone-sweep")
def steps_below(case):
    lr_min, lr_max, steps, lr = case
    # walk the sweep in logarithms: log eta_k = log lr_min + k (log lr_max - log lr_min) / (steps - 1)
    span = math.log(lr_max) - math.log(lr_min)

    def count(denominator):
        return sum(1 for k in range(steps) if math.log(lr_min) + k * span / denominator <= math.log(lr))

    return {"count": count(steps - 1), "over_steps": count(steps)}


@reference("capstone-schedule")
def warmup_cosine(case):
    peak, W, T = case["peak"], case["warmup"], case["total"]

    def rate(t, start=1 / 3, span=T - W, shift=W):
        if t < W:
            return peak * (start + (1 - start) * t / W)
        return peak * (1 + math.cos(math.pi * (t - shift) / span)) / 2

    ts = case["t"]
    return {"right": [rate(t) for t in ts], "from_zero": [rate(t, start=0.0) for t in ts],
            "over_total": [rate(t, span=T) for t in ts], "unshifted": [rate(t, shift=0) for t in ts]}


@reference("capstone-early-stop")
def early_stop(case):
    losses, patience = case

    def run(strict):
        best, waited = 0, 0
        for epoch in range(1, len(losses)):
            better = losses[epoch] < losses[best] if strict else losses[epoch] <= losses[best]
            if better:
                best, waited = epoch, 0
            else:
                waited += 1
                if waited == patience:
                    return [best, epoch]
        return [best, len(losses) - 1]

    return {"right": run(True), "ties": run(False)}
