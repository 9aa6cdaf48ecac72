"""Make the golden files for the boosting parity tests: scikit-learn's predictions on data made here.

Run from the repository root with scikit-learn 1.9.1 installed (stepcourse is not needed):

    python tests/make_fixtures_boosting.py

Writes ``tests/fixtures/boosting_sklearn.npz`` (the data and scikit-learn's outputs, as float64
arrays under ``<case>/<name>`` keys) and ``tests/fixtures/boosting_sklearn.json`` (the cases: which
data, which estimator, which settings; and the versions that made them). The data come from fixed
seeds, so the script makes the same files every time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

OUT = Path(__file__).resolve().parent / "fixtures"


def make_data() -> dict:
    """Four small data sets: 1-D and 4-feature, regression (with outliers) and two-class labels."""
    data = {}
    rng = np.random.default_rng(20240601)
    x = rng.uniform(0.0, 6.0, size=120)
    y = np.sin(x) + 0.3 * rng.normal(size=120)
    y[rng.choice(120, size=6, replace=False)] += 4.0  # outliers: where L1 and Huber part from L2
    data["1d_reg"] = dict(X=x[:, None], y=y, X_test=np.linspace(-0.5, 6.5, 201)[:, None])

    rng = np.random.default_rng(20240602)
    x = rng.uniform(-3.0, 3.0, size=120)
    y = (x + 0.8 * rng.normal(size=120) > 0.3).astype(float)
    data["1d_clf"] = dict(X=x[:, None], y=y, X_test=np.linspace(-3.5, 3.5, 201)[:, None])

    rng = np.random.default_rng(20240603)
    X = rng.normal(size=(150, 4))
    y = np.sin(2 * X[:, 0]) + X[:, 1] - 0.5 * X[:, 2] ** 2 + 0.3 * rng.standard_t(3, size=150)
    data["md_reg"] = dict(X=X, y=y, X_test=rng.normal(size=(100, 4)))

    rng = np.random.default_rng(20240604)
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] + 0.5 * rng.normal(size=150) > 0).astype(float)
    data["md_clf"] = dict(X=X, y=y, X_test=rng.normal(size=(100, 4)))
    return data


SETTINGS = {
    "default": dict(),
    "stumps": dict(max_depth=1, learning_rate=0.5, n_estimators=50),
    "leaf5": dict(max_depth=2, min_samples_leaf=5, learning_rate=0.3, n_estimators=60),
    "deep_split": dict(max_depth=4, min_samples_split=10, learning_rate=0.05, n_estimators=40),
    "subsample": dict(max_depth=3, subsample=0.6, learning_rate=0.1, n_estimators=60, random_state=3),
    "zero_init": dict(max_depth=2, learning_rate=0.2, n_estimators=40, init="zero"),
}

LOSSES = [("squared_error", {}), ("absolute_error", {}), ("huber", {}), ("huber", {"alpha": 0.7}),
          ("log_loss", {})]


def cases() -> list:
    out = []
    for loss, extra in LOSSES:
        kind = "clf" if loss == "log_loss" else "reg"
        for dim in ("1d", "md"):
            for setting, params in SETTINGS.items():
                if extra and setting not in ("default", "subsample"):
                    continue  # alpha=0.7 only twice
                params = {"random_state": 0, **params, **extra}
                if kind == "reg":
                    params["loss"] = loss
                name = f"{loss}{'_a' + str(extra['alpha']) if extra else ''}-{dim}-{setting}"
                out.append(dict(name=name, data=f"{dim}_{kind}", estimator=kind, params=params))
    return out


def main() -> None:
    if sklearn.__version__ != "1.9.1":
        print(f"warning: made with scikit-learn {sklearn.__version__}, the tests expect 1.9.1", file=sys.stderr)
    data = make_data()
    arrays = {}
    for key, d in data.items():
        for name, value in d.items():
            arrays[f"data/{key}/{name}"] = np.asarray(value, dtype=np.float64)
    meta = cases()
    for case in meta:
        d = data[case["data"]]
        if case["estimator"] == "reg":
            model = GradientBoostingRegressor(**case["params"]).fit(d["X"], d["y"])
            raw_train, raw_test = model.predict(d["X"]), model.predict(d["X_test"])
        else:
            model = GradientBoostingClassifier(**case["params"]).fit(d["X"], d["y"].astype(int))
            raw_train, raw_test = model.decision_function(d["X"]), model.decision_function(d["X_test"])
            arrays[f"{case['name']}/proba_test"] = model.predict_proba(d["X_test"])[:, 1]
        arrays[f"{case['name']}/raw_train"] = raw_train
        arrays[f"{case['name']}/raw_test"] = raw_test
        arrays[f"{case['name']}/train_score"] = model.train_score_
        staged = list(model.staged_predict(d["X"]) if case["estimator"] == "reg"
                      else model.staged_decision_function(d["X"]))
        arrays[f"{case['name']}/raw_train_stage10"] = np.asarray(staged[9], dtype=np.float64).ravel()
        if case["params"].get("subsample", 1.0) < 1.0:
            arrays[f"{case['name']}/oob_scores"] = model.oob_scores_
        case["n_leaves_first_tree"] = int(model.estimators_[0, 0].tree_.n_leaves)
    OUT.mkdir(exist_ok=True)
    np.savez_compressed(OUT / "boosting_sklearn.npz", **arrays)
    info = {"made_by": "tests/make_fixtures_boosting.py", "sklearn": sklearn.__version__,
            "numpy": np.__version__, "cases": meta}
    (OUT / "boosting_sklearn.json").write_text(json.dumps(info, indent=1) + "\n")
    size = (OUT / "boosting_sklearn.npz").stat().st_size
    print(f"{len(meta)} cases, {len(arrays)} arrays, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
