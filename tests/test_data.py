"""Datasets are deterministic per seed; splitting, cleaning and scaling never let test rows shape training."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepcourse as sc
from stepcourse.data import (Dataset, Standardizer, batches, clean, corrupt, make_blobs, make_line, make_linear,
                             make_moons, standardize, train_test_split)

GENERATORS = [make_line, make_linear, make_blobs, make_moons]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_deterministic_per_seed(make):
    a, b, c = make(seed=5), make(seed=5), make(seed=6)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.dtype == np.float64 and a.X.ndim == 2 and a.y.shape == (a.n_samples,)
    assert len(a.feature_names) == a.n_features and a.description


def test_generated_data_have_the_requested_structure():
    d = make_linear(n=4000, weights=(3.0, -2.0), bias=1.0, scales=(1.0, 50.0), offsets=(0.0, 10.0), noise=0.1)
    np.testing.assert_allclose(d.X.std(axis=0), [1.0, 50.0], rtol=0.05)
    np.testing.assert_allclose(d.X.mean(axis=0), [0.0, 10.0], atol=3 * 50 / np.sqrt(4000))
    fit = sc.models.least_squares(d.X, d.y)
    np.testing.assert_allclose(fit["w"], [3.0, -2.0], atol=0.01)
    line = make_line(n=30, slope=-1.5, intercept=2.0, noise=0.0)
    np.testing.assert_allclose(line.y, -1.5 * line.X[:, 0] + 2.0)
    blobs = make_blobs(n=101)
    assert set(np.unique(blobs.y)) == {0.0, 1.0} and blobs.y.sum() == 51 and blobs.task == "classification"
    moons = make_moons(n=60, noise=0.0)
    upper = moons.X[moons.y == 0]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)


def test_generator_arguments_are_validated():
    with pytest.raises(ValueError, match="n must be"):
        make_line(n=0)
    with pytest.raises(ValueError, match="noise"):
        make_line(noise=-1)
    with pytest.raises(ValueError, match="scales must hold 2"):
        make_linear(scales=(1.0,))
    with pytest.raises(ValueError, match="centers"):
        make_blobs(centers=[(0, 0)])
    with pytest.raises(TypeError, match="seed"):
        make_moons(seed="abc")


def test_real_datasets_load_without_download():
    diab = sc.data.diabetes()
    assert diab.X.shape == (442, 10) and diab.feature_names[:3] == ("age", "sex", "bmi")
    assert diab.X[:, 0].max() > 50  # original units: age in years
    scaled = sc.data.diabetes(scaled=True)
    assert abs(scaled.X[:, 0].mean()) < 1e-10
    bc = sc.data.breast_cancer()
    assert bc.X.shape == (569, 30) and set(np.unique(bc.y)) == {0.0, 1.0} and bc.task == "classification"
    assert bc.X.max(axis=0).max() / bc.X.max(axis=0).min() > 1e4  # very different feature scales


def test_raw_diabetes_is_scikit_learns_and_neither_imports_it():
    import subprocess
    import sys

    from sklearn.datasets import load_diabetes

    ref = load_diabetes(scaled=False)
    diab = sc.data.diabetes()
    assert np.array_equal(diab.X, ref.data) and np.array_equal(diab.y, ref.target)
    assert diab.feature_names == tuple(ref.feature_names)
    # what makes the batch-size explorer display quickly: the data without the import of scikit-learn
    probe = ("import sys, stepcourse as sc; sc.data.diabetes(); sc.data.digits_batch(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_digits_are_scikit_learns():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    table = sc.data._sklearn_data_file("digits.csv.gz", delimiter=",")
    assert np.array_equal(table[:, :-1], X) and np.array_equal(table[:, -1].astype(int), y)
    rows = np.random.default_rng(3).permutation(len(X))[:50]
    std = X.std(axis=0)
    expected = ((X - X.mean(axis=0)) / np.where(std > 0, std, 1.0))[rows]
    got_X, got_y = sc.data.digits_batch(50, seed=3)
    assert np.array_equal(got_X, expected) and np.array_equal(got_y, y[rows])


def test_diabetes_pair_standardizes_two_named_columns():
    X, y, names = sc.data.diabetes_pair()
    assert X.shape == (442, 2) and names == ("bmi", "s5")
    raw = sc.data.diabetes()
    for j, name in enumerate(names):
        col = raw.X[:, raw.feature_names.index(name)]
        assert np.allclose(X[:, j] * col.std() + col.mean(), col)
    assert np.allclose(X.mean(axis=0), 0) and np.allclose(X.std(axis=0), 1)
    assert np.allclose(y * raw.y.std() + raw.y.mean(), raw.y) and np.isclose(y.std(), 1)
    X2, _, names2 = sc.data.diabetes_pair(("age", "bp"))
    assert names2 == ("age", "bp") and not np.allclose(X2, X)
    for bad in (("bmi", "weight"), "bmi", ("bmi",), ("bmi", "s5", "bp"), (1, 2)):
        with pytest.raises(ValueError, match="^features must be two names"):
            sc.data.diabetes_pair(bad)


def test_dataset_validation_unpacking_and_select():
    d = make_linear(n=10, weights=(1.0, 2.0, 3.0))
    X, y = d
    assert X is d.X and y is d.y
    sub = d.select(["x3", "x1"])
    np.testing.assert_array_equal(sub.X, d.X[:, [2, 0]])
    assert sub.feature_names == ("x3", "x1")
    with pytest.raises(ValueError, match="unknown feature"):
        d.select(["x9"])
    with pytest.raises(ValueError, match="y must have shape"):
        Dataset(X=np.ones((3, 2)), y=np.ones(4))
    with pytest.raises(ValueError, match="feature_names"):
        Dataset(X=np.ones((3, 2)), y=np.ones(3), feature_names=("a",))


@given(st.integers(2, 80), st.floats(0.05, 0.9), st.integers(0, 1000))
@settings(max_examples=50, deadline=None)
def test_split_is_a_partition(n, frac, seed):
    X = np.arange(2.0 * n).reshape(n, 2)
    y = np.arange(float(n))
    n_test = int(np.ceil(frac * n))
    if not 0 < n_test < n:
        with pytest.raises(ValueError, match="both parts"):
            train_test_split(X, y, test_size=frac, seed=seed)
        return
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=frac, seed=seed)
    assert len(y_te) == n_test and len(y_tr) == n - n_test
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == y.tolist()  # every row exactly once
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay whole
    again = train_test_split(X, y, test_size=frac, seed=seed)
    assert np.array_equal(again[3], y_te)


def test_split_arguments():
    X, y = np.ones((10, 1)), np.arange(10.0)
    assert train_test_split(X, y, test_size=3)[1].shape == (3, 1)
    with pytest.raises(ValueError, match="strictly between"):
        train_test_split(X, y, test_size=1.5)
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(X, y, test_size="half")
    train, test = make_line(n=20).split(test_size=0.25, seed=1)
    assert train.n_samples == 15 and test.n_samples == 5 and train.name == test.name


def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal([3.0, -50.0], [2.0, 40.0], size=(50, 2))
    X_test = rng.normal([9.0, 100.0], [5.0, 10.0], size=(20, 2))
    tr, te, s = standardize(X_train, X_test)
    np.testing.assert_allclose(tr.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(tr.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(te, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0))
    # The test set has no say: changing it changes neither the statistics nor the scaled training set.
    tr2, _, s2 = standardize(X_train, X_test * 100 + 7)
    np.testing.assert_array_equal(s.mean_, s2.mean_)
    np.testing.assert_array_equal(tr, tr2)
    np.testing.assert_allclose(s.inverse_transform(te), X_test)


def test_standardizer_edge_cases():
    s = Standardizer().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_array_equal(s.scale_, [1.0, 1.0])  # the constant column is only centered
    assert standardize(np.ones((3, 2)))[1] is None
    with pytest.raises(ValueError, match="not fitted"):
        Standardizer().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.ones((2, 3)))


def test_raw_params_give_the_same_predictions():
    d = make_linear(n=100, scales=(1.0, 30.0), offsets=(5.0, -20.0))
    Xs, _, s = standardize(d.X)
    model = sc.models.LinearRegression()
    params = sc.models.least_squares(Xs, d.y)
    raw = s.raw_params(params)
    np.testing.assert_allclose(model.predict(raw, d.X), model.predict(params, Xs), rtol=1e-10)
    np.testing.assert_allclose(raw["w"], sc.models.least_squares(d.X, d.y)["w"], rtol=1e-8)


def test_batches_cover_every_row_once_and_are_seeded():
    X = np.arange(23.0)[:, None]
    y = np.arange(23.0)
    got = list(batches(X, y, batch_size=5, seed=3))
    assert [len(b) for _, b in got] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b for _, b in got])
    assert sorted(seen.tolist()) == y.tolist() and not np.array_equal(seen, y)
    for Xb, yb in got:
        np.testing.assert_array_equal(Xb[:, 0], yb)
    again = np.concatenate([b for _, b in batches(X, y, 5, seed=3)])
    assert np.array_equal(seen, again)
    rng = np.random.default_rng(0)
    e1 = np.concatenate([b for _, b in batches(X, y, 5, seed=rng)])
    e2 = np.concatenate([b for _, b in batches(X, y, 5, seed=rng)])
    assert not np.array_equal(e1, e2)  # a Generator advances: a new order each epoch
    ordered = np.concatenate([b for _, b in batches(X, y, 5, shuffle=False)])
    assert np.array_equal(ordered, y)
    assert [len(b) for _, b in batches(X, y, 5, drop_last=True)] == [5, 5, 5, 5]
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, y, 0))


def test_corrupt_and_clean():
    d = make_linear(n=300, weights=(1.0, 2.0, 3.0), seed=1)
    bad = corrupt(d, missing=0.02, outliers=0.01, factor=50.0, seed=2)
    assert int(np.isnan(bad.X).sum()) == round(0.02 * d.X.size)
    assert np.isnan(d.X).sum() == 0  # the original is untouched
    cleaned, report = clean(bad, max_abs_z=6.0)
    assert report["rows"] == 300 and report["rows"] == report["missing"] + report["outliers"] + report["kept"]
    assert report["missing"] > 0 and report["outliers"] > 0
    assert np.all(np.isfinite(cleaned.X)) and cleaned.n_samples == report["kept"]
    # Every multiplied entry that survived is close to typical values (small values times 50 can be).
    z = np.abs(cleaned.X - np.median(d.X, axis=0)) / d.X.std(axis=0)
    assert z.max() < 6.5
    only_missing, rep2 = clean((bad.X, bad.y))
    assert rep2["outliers"] == 0 and only_missing[0].shape[0] == rep2["kept"]


def test_clean_with_reference_ignores_the_cleaned_rows_statistics():
    rng = np.random.default_rng(4)
    X_train = rng.normal(size=(200, 2))
    X_test = rng.normal(size=(30, 2))
    X_test[0] = [50.0, 0.0]
    (_, _), rep = clean((X_test, np.zeros(30)), max_abs_z=5.0, reference=X_train)
    assert rep["outliers"] == 1
    # Shifting the test set as a whole makes every row extreme with respect to the training data.
    (_, _), rep = clean((X_test + 20.0, np.zeros(30)), max_abs_z=5.0, reference=X_train)
    assert rep["outliers"] == 30
    with pytest.raises(ValueError, match="reference"):
        clean((X_test, np.zeros(30)), max_abs_z=5.0, reference=np.ones((3, 5)))


def test_friedman1_is_the_formula_plus_noise_of_the_given_size():
    d = sc.data.friedman1(n=2000, noise=0.5, seed=3)
    X = d.X
    clean = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3]
             + 5 * X[:, 4])
    assert d.X.shape == (2000, 10) and np.std(d.y - clean) == pytest.approx(0.5, rel=0.05)
    assert np.array_equal(sc.data.friedman1(n=50, seed=1).y, sc.data.friedman1(n=50, seed=1).y)
    assert np.array_equal(sc.data.friedman1(n=50, noise=0.0).y[:3],
                          sc.data.friedman1(n=50, noise=0.0).y[:3])
    with pytest.raises(ValueError, match="noise must be >= 0"):
        sc.data.friedman1(noise=-1.0)
