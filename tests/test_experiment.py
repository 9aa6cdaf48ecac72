"""The experiment helpers: a three-way split, productive rates, optimizers compared on equal terms."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse.experiment import accuracy, compare_optimizers, productive_rates, train_val_test_split


def _data(n=50, d=3):
    X = np.arange(n * d, dtype=float).reshape(n, d)
    return X, np.arange(n)


def test_split_puts_every_row_in_exactly_one_part():
    X, y = _data()
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y, val_size=0.2, test_size=0.3, seed=3)
    assert (len(y_tr), len(y_va), len(y_te)) == (25, 10, 15)
    assert sorted(np.concatenate([y_tr, y_va, y_te]).tolist()) == list(range(50))
    for Xp, yp in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        assert np.array_equal(Xp, X[yp])          # rows stay with their labels


def test_split_is_seeded_and_its_test_part_is_train_test_split_s():
    X, y = _data()
    a = train_val_test_split(X, y, seed=7)
    b = train_val_test_split(X, y, seed=7)
    c = train_val_test_split(X, y, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[5], c[5])
    _, X_te, _, y_te = sc.data.train_test_split(X, y, test_size=10, seed=7)
    assert np.array_equal(a[5], y_te) and np.array_equal(a[2], X_te)


@pytest.mark.parametrize("kw, err", [({"val_size": 0.0}, ValueError), ({"test_size": 1.5}, ValueError),
                                     ({"val_size": 30, "test_size": 20}, ValueError),
                                     ({"val_size": "a"}, TypeError), ({"test_size": True}, TypeError)])
def test_split_rejects_bad_sizes(kw, err):
    X, y = _data()
    with pytest.raises(err):
        train_val_test_split(X, y, **kw)


def test_accuracy_counts_right_labels():
    mlp = sc.models.MLP([2, 3], activation="linear", loss="cross_entropy")
    params = {"W0": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), "b0": np.zeros(3)}
    X = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 3.0], [5.0, 1.0]])   # predicted 0, 1, 1, 0
    assert accuracy(mlp, params, X, [0, 1, 0, 2]) == 0.5
    assert accuracy(mlp, params, X, [0, 1, 1, 0]) == 1.0
    with pytest.raises(TypeError):
        accuracy(object(), params, X, [0, 1, 1, 0])


def test_productive_rates_on_least_squares_match_the_threshold():
    # Full-batch gradient descent on least squares diverges above 2/L (L: the top eigenvalue of the
    # Hessian 2/n [X 1]^T [X 1] of the mean squared error): rates far above are never productive.
    X, y = sc.data.make_line(n=40, seed=0)
    model = sc.models.LinearRegression()
    Xb = np.hstack([X, np.ones((len(X), 1))])
    L = np.linalg.eigvalsh(2 * Xb.T @ Xb / len(X)).max()
    grid = 2 / L * np.array([0.0005, 0.3, 0.6, 0.9, 1.5, 3.0])
    out = productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=0.1), grid, epochs=50)
    assert out["diverged"].tolist() == [False] * 4 + [True] * 2
    assert out["productive"].tolist() == [False, True, True, True, False, False]
    assert out["low"] == grid[1] and out["high"] == grid[3]
    assert np.all(np.isinf(out["final"][out["diverged"]]))
    assert out["start"] == pytest.approx(model.loss(model.init_params(1), X, y))


def test_productive_rates_keeps_the_optimizer_s_other_hyperparameters():
    X, y = sc.data.make_line(n=40, seed=0)
    model = sc.models.LinearRegression()
    grid = [0.01, 0.05]
    plain = productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=1.0), grid, epochs=5)
    heavy = productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=1.0, momentum=0.9), grid,
                             epochs=5)
    assert not np.allclose(plain["final"], heavy["final"])
    none = productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=1.0), [1e-6], epochs=1)
    assert none["low"] is None and none["high"] is None


@pytest.mark.parametrize("lrs", [[], [0.1, 0.01], [-1.0], [[0.1]]])
def test_productive_rates_rejects_bad_grids(lrs):
    X, y = sc.data.make_line(n=10, seed=0)
    model = sc.models.LinearRegression()
    with pytest.raises(ValueError):
        productive_rates(model, model.init_params(1), (X, y), sc.optim.SGD(lr=0.1), lrs)


def test_compare_optimizers_runs_fit_with_the_same_batches():
    X, y = sc.data.make_line(n=40, seed=0)
    model = sc.models.LinearRegression()
    start = model.init_params(1)
    opts = {"SGD": sc.optim.SGD(lr=0.05), "Adam": sc.optim.Adam(lr=0.05), "SGD again": sc.optim.SGD(lr=0.05)}
    runs = compare_optimizers(model, start, (X, y), opts, epochs=4, batch_size=8, val_data=(X, y), seed=2)
    assert list(runs) == list(opts)
    direct = sc.fit(model, start, (X, y), opts["Adam"], epochs=4, batch_size=8, val_data=(X, y), seed=2)
    assert np.array_equal(runs["Adam"].step_loss, direct.step_loss)
    assert np.array_equal(runs["SGD"].step_loss, runs["SGD again"].step_loss)   # same batches
    assert not np.array_equal(runs["SGD"].step_loss, runs["Adam"].step_loss)
    stopped = compare_optimizers(model, start, (X, y), {"tiny": sc.optim.SGD(lr=1e-9)}, epochs=50,
                                 val_data=(X, y), early_stopping=2)
    assert stopped["tiny"].stop_reason in ("early_stopping", "completed")


def test_compare_optimizers_rejects_bad_contenders():
    X, y = sc.data.make_line(n=10, seed=0)
    model = sc.models.LinearRegression()
    with pytest.raises(TypeError):
        compare_optimizers(model, model.init_params(1), (X, y), {}, epochs=1)
    with pytest.raises(TypeError):
        compare_optimizers(model, model.init_params(1), (X, y), {"bad": "adam"}, epochs=1)
