"""Gradient boosting fit times: the chapter's fits, with stepcourse and with scikit-learn, in the same run.

Target: every chapter-sized fit (a few hundred points, 100-400 trees) well under a second. Prints the
best of three times for each fit and the ratio to scikit-learn's compiled implementation (which
computes the same trees).
Run: .venv/bin/python bench/bench_boosting.py
"""
from __future__ import annotations

import time

import numpy as np

import stepcourse as sc


def best_of(fit, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fit()
        times.append(time.perf_counter() - t)
    return min(times)


def friedman1(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 10))
    y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4] + rng.normal(size=n)
    return X, y


def main() -> None:
    from sklearn import ensemble

    from stepcourse.widgets.boosting import boosting_demo_data

    x, y, _ = boosting_demo_data(n=80)
    train, _ = sc.data.diabetes().split(test_size=0.4, seed=0)
    X_f, y_f = friedman1(400, 0)
    moons = sc.data.make_moons(n=200, noise=0.25, seed=0)
    cases = [
        ("1-D, 80 points, 200 trees of depth 2", "reg", x, y, dict(n_estimators=200, max_depth=2)),
        ("1-D, 80 points, 100 trees, absolute error", "reg", x, y, dict(n_estimators=100, max_depth=2,
                                                                        loss="absolute_error")),
        ("diabetes, 265 x 10, 400 trees of depth 2", "reg", train.X, train.y, dict(n_estimators=400, max_depth=2)),
        ("diabetes, 400 trees, subsample 0.5", "reg", train.X, train.y, dict(n_estimators=400, max_depth=2,
                                                                             subsample=0.5)),
        ("Friedman, 400 x 10, 300 trees of depth 3", "reg", X_f, y_f, dict(n_estimators=300, max_depth=3)),
        ("Friedman, 300 stumps, huber", "reg", X_f, y_f, dict(n_estimators=300, max_depth=1, loss="huber")),
        ("moons, 200 x 2, 150 trees, log-loss", "clf", moons.X, moons.y, dict(n_estimators=150, max_depth=2)),
    ]
    print(f"{'fit':46s} {'stepcourse':>11s} {'sklearn':>9s} {'ratio':>7s}")
    worst = 0.0
    for name, kind, X, target, params in cases:
        params = dict(random_state=0, **params)
        ours = sc.boosting.GradientBoostingRegressor if kind == "reg" else sc.boosting.GradientBoostingClassifier
        theirs = ensemble.GradientBoostingRegressor if kind == "reg" else ensemble.GradientBoostingClassifier
        t_ours = best_of(lambda: ours(**params).fit(X, target))
        t_theirs = best_of(lambda: theirs(**params).fit(X, target))
        worst = max(worst, t_ours)
        print(f"{name:46s} {t_ours:10.3f}s {t_theirs:8.3f}s {t_ours / t_theirs:6.1f}x")
    print(f"slowest chapter-sized fit: {worst:.3f} s (target: well under 1 s)")


if __name__ == "__main__":
    main()
