"""fit(): reaches the least-squares solution, records what happened, stops early and flags divergence."""
import warnings

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.training import EarlyStopping, fit, global_norm


class Pull:
    """A toy model: loss (w - mean(y))^2, so each dataset has its own optimum mean(y) and GD is exact."""

    def loss_and_grad(self, params, X, y):
        r = params["w"] - y.mean()
        return float(r @ r), {"w": 2 * r}

    def loss(self, params, X, y):
        r = params["w"] - y.mean()
        return float(r @ r)


def _toy_data(target, n=8):
    return np.zeros((n, 1)), np.full(n, float(target))


@pytest.fixture(scope="module")
def line():
    return sc.data.make_line(n=60, slope=-1.5, intercept=0.5, noise=0.3, seed=2)


def test_full_batch_gd_reaches_the_least_squares_solution(line):
    model = sc.models.LinearRegression()
    hist = fit(model, model.init_params(1), line, sc.optim.SGD(lr=0.2), epochs=300)
    exact = sc.models.least_squares(*line)
    np.testing.assert_allclose(hist.params["w"], exact["w"], rtol=1e-8)
    assert float(hist.params["b"]) == pytest.approx(float(exact["b"]), rel=1e-8)
    assert hist.train_loss[-1] == pytest.approx(model.loss(exact, *line), rel=1e-10)
    assert hist.stop_reason == "completed" and hist.stopped_epoch is None and not hist.diverged


def test_full_batch_history_is_consistent(line):
    model = sc.models.LinearRegression()
    p0 = model.init_params(1, seed=1)
    before = {k: v.copy() for k, v in p0.items()}
    hist = fit(model, p0, line, sc.optim.SGD(lr=0.05), epochs=12)
    assert all(np.array_equal(p0[k], before[k]) for k in p0)  # params are not modified
    assert hist.train_loss.shape == (13,) and hist.step_loss.shape == (12,) and hist.steps == 12
    assert hist.train_loss[0] == pytest.approx(model.loss(p0, *line))
    # With full batches the loss before step t is the training loss after t epochs.
    np.testing.assert_allclose(hist.step_loss, hist.train_loss[:-1], rtol=1e-14)
    assert hist.train_loss[-1] == pytest.approx(model.loss(hist.final_params, *line), rel=1e-14)
    np.testing.assert_allclose(hist.lrs, 0.05)
    assert np.all(np.diff(hist.train_loss) < 0)
    g0 = model.loss_and_grad(p0, *line)[1]
    assert hist.grad_norms[0] == pytest.approx(global_norm(g0))
    assert hist.val_loss is None and hist.best_epoch == 12 and np.array_equal(hist.epochs, np.arange(13))


def test_minibatches_are_seeded_and_counted(line):
    model = sc.models.LinearRegression()
    p0 = model.init_params(1)
    run = lambda seed: fit(model, p0, line, sc.optim.SGD(lr=0.05), epochs=4, batch_size=16, seed=seed)  # noqa: E731
    a, b, c = run(0), run(0), run(1)
    assert a.steps == 4 * 4 and a.steps_per_epoch == 4 and a.batch_size == 16
    np.testing.assert_array_equal(a.step_loss, b.step_loss)
    np.testing.assert_array_equal(a.final_params["w"], b.final_params["w"])
    assert not np.array_equal(a.step_loss, c.step_loss)
    assert a.train_loss[-1] == pytest.approx(model.loss(a.final_params, *line), rel=1e-14)
    big = fit(model, p0, line, sc.optim.SGD(lr=0.05), epochs=3, batch_size=1000)
    assert big.steps == 3 and big.steps_per_epoch == 1  # a batch larger than the data is full-batch


def test_schedules_are_recorded_per_step(line):
    model = sc.models.LinearRegression()
    opt = sc.optim.SGD(lr=lambda t: 0.1 / (1 + t))
    hist = fit(model, model.init_params(1), line, opt, epochs=3, batch_size=20)
    np.testing.assert_allclose(hist.lrs, [0.1 / (1 + t) for t in range(9)])


def test_logistic_regression_learns_blobs():
    data = sc.data.make_blobs(n=200, centers=((-2.0, 0.0), (2.0, 0.0)), std=1.0, seed=0)
    train, test = data.split(0.25, seed=0)
    model = sc.models.LogisticRegression()
    hist = fit(model, model.init_params(2), train, sc.optim.SGD(lr=0.5), epochs=50, batch_size=32,
               val_data=test)
    assert model.score(hist.params, *test) > 0.9
    assert hist.val_loss.shape == hist.train_loss.shape and hist.val_loss[-1] < hist.val_loss[0]


def test_early_stopping_restores_the_best_epoch():
    # Train towards 0, validate against 1, start at 2: validation improves, then worsens.
    lr, patience = 0.05, 3
    hist = fit(Pull(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=lr), epochs=100,
               val_data=_toy_data(1.0), early_stopping=EarlyStopping(patience=patience))
    k = np.arange(101)
    w_k = 2.0 * (1 - 2 * lr) ** k  # the exact GD path on this toy loss
    best = int(np.argmin((w_k - 1.0) ** 2))
    assert 0 < best < 100
    assert hist.best_epoch == best and hist.stopped_epoch == best + patience
    assert hist.stop_reason == "early_stopping" and hist.restored and hist.epochs_run == best + patience
    assert hist.params["w"][0] == pytest.approx(w_k[best])
    assert hist.final_params["w"][0] == pytest.approx(w_k[best + patience])
    np.testing.assert_allclose(hist.val_loss, (w_k[:best + patience + 1] - 1.0) ** 2)


def test_early_stopping_without_restore_and_with_int_patience():
    kw = dict(val_data=_toy_data(2.0), epochs=50)
    hist = fit(Pull(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=0.1),
               early_stopping=EarlyStopping(patience=2, restore_best=False), **kw)
    assert hist.best_epoch == 0 and hist.stopped_epoch == 2 and not hist.restored
    assert hist.params is hist.final_params and hist.params["w"][0] < 2.0
    as_int = fit(Pull(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=0.1), early_stopping=2, **kw)
    assert as_int.restored and as_int.params["w"][0] == 2.0 and as_int.stopped_epoch == 2


def test_min_delta_ignores_small_improvements():
    # Validation loss 4 * 0.81^k keeps falling; improvements shrink below min_delta after a few epochs.
    min_delta, patience = 0.05, 2
    hist = fit(Pull(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=0.05), epochs=200,
               val_data=_toy_data(0.0), early_stopping=EarlyStopping(patience, min_delta=min_delta))
    v, best = hist.val_loss, hist.best_epoch
    assert hist.stop_reason == "early_stopping" and hist.stopped_epoch == best + patience
    assert np.all(v[best + 1:] >= v[best] - min_delta)  # nothing after best counted as improvement
    assert np.all(np.diff(v) < 0)  # ... although every epoch did lower the loss
    plain = fit(Pull(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=0.05), epochs=200,
                val_data=_toy_data(0.0), early_stopping=EarlyStopping(patience))
    assert plain.stop_reason == "completed" and plain.best_epoch == 200


def test_divergence_is_flagged_without_warnings(line):
    model = sc.models.LinearRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist = fit(model, model.init_params(1), line, sc.optim.SGD(lr=5.0), epochs=500)
        overflow = fit(model, model.init_params(1), line, sc.optim.SGD(lr=5.0), epochs=500, divergence_factor=None)
    for h in (hist, overflow):
        assert h.diverged and h.stop_reason == "diverged" and h.diverged_at is not None
        assert h.stopped_epoch is not None and h.stopped_epoch < 500
        assert all(np.all(np.isfinite(v)) for v in h.final_params.values())
        assert np.all(np.isfinite(h.train_loss)) and len(h.train_loss) == h.epochs_run + 1
    assert hist.stopped_epoch < overflow.stopped_epoch  # the growth test fires long before overflow


def test_a_nan_from_the_model_stops_the_run():
    class Breaks(Pull):
        def loss_and_grad(self, params, X, y):
            loss, g = super().loss_and_grad(params, X, y)
            return (np.nan if params["w"][0] < 1.0 else loss), g

    hist = fit(Breaks(), {"w": np.array([2.0])}, _toy_data(0.0), sc.optim.SGD(lr=0.1), epochs=50)
    assert hist.diverged and hist.final_params["w"][0] >= 1.0


def test_gradient_clipping_bounds_each_step(line):
    model = sc.models.LinearRegression()
    p0 = {"w": np.array([30.0]), "b": np.array(-20.0)}
    hist = fit(model, p0, line, sc.optim.SGD(lr=0.1), epochs=1, clip_grad_norm=1.0)
    moved = np.sqrt(sum(float(np.sum((hist.final_params[k] - p0[k]) ** 2)) for k in p0))
    assert hist.grad_norms[0] > 1.0  # recorded before clipping
    assert moved == pytest.approx(0.1 * 1.0)


def test_callback_can_stop_the_run(line):
    seen = []

    def cb(epoch, params, logs):
        seen.append((epoch, logs["train_loss"], logs["step"]))
        return epoch == 3

    model = sc.models.LinearRegression()
    hist = fit(model, model.init_params(1), line, sc.optim.SGD(lr=0.05), epochs=10, callback=cb)
    assert [s[0] for s in seen] == [1, 2, 3] and hist.stopped_epoch == 3 and hist.stop_reason == "callback"
    assert seen[-1][1] == hist.train_loss[3]


def test_validation_each_step(line):
    train, val = line.split(0.3, seed=0)
    model = sc.models.LinearRegression()
    hist = fit(model, model.init_params(1), train, sc.optim.SGD(lr=0.05), epochs=2, batch_size=10,
               val_data=val, val_each_step=True)
    assert hist.step_val_loss.shape == (hist.steps,)
    assert hist.step_val_loss[-1] == pytest.approx(hist.val_loss[-1])


def test_zero_epochs_only_evaluates(line):
    model = sc.models.LinearRegression()
    hist = fit(model, model.init_params(1), line, sc.optim.SGD(lr=0.1), epochs=0)
    assert hist.steps == 0 and hist.train_loss.shape == (1,) and hist.epochs_run == 0


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"epochs": -1}, ValueError, "epochs"),
    ({"epochs": 2, "batch_size": 0}, ValueError, "batch_size"),
    ({"epochs": 2, "early_stopping": "yes"}, TypeError, "early_stopping"),
    ({"epochs": 2, "clip_grad_norm": -1.0}, ValueError, "clip_grad_norm"),
    ({"epochs": 2, "val_data": np.ones(3)}, TypeError, "val_data"),
    ({"epochs": 2, "callback": 5}, TypeError, "callback"),
])
def test_bad_arguments_are_named(line, kwargs, exc, match):
    model = sc.models.LinearRegression()
    with pytest.raises(exc, match=match):
        fit(model, model.init_params(1), line, sc.optim.SGD(lr=0.1), **kwargs)


def test_bad_early_stopping_settings():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(patience=2, min_delta=-0.1)


def test_flat_names():
    assert sc.fit is fit and sc.History is sc.training.History


def test_minibatches_are_those_of_data_batches_with_a_generator(line):
    class Recorder(Pull):
        seen = []

        def loss_and_grad(self, params, X, y):
            self.seen.append(y.copy())
            return super().loss_and_grad(params, X, y)

    X, y = line.X, np.arange(float(line.n_samples))
    rec = Recorder()
    fit(rec, {"w": np.array([0.0])}, (X, y), sc.optim.SGD(lr=0.01), epochs=3, batch_size=16, seed=7)
    rng = np.random.default_rng(7)
    expected = [yb for _ in range(3) for _, yb in sc.data.batches(X, y, 16, seed=rng)]
    assert len(rec.seen) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(rec.seen, expected))


def test_fit_and_the_mlp_run_with_one_blas_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []

    class Probe(sc.models.LinearRegression):
        def loss_and_grad(self, params, X, y):
            seen.append(min(i["num_threads"] for i in threadpoolctl.threadpool_info()
                            if i["user_api"] == "blas"))
            return super().loss_and_grad(params, X, y)

    X, y = sc.data.make_line(n=20, seed=0)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        outside = min(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
        fit(Probe(), Probe().init_params(1), (X, y), sc.optim.SGD(lr=0.1), epochs=3)
        mlp = sc.mlp.MLP([1, 3, 1])
        with sc._threads.one_blas_thread():
            nested = min(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
        after = min(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
    assert seen and set(seen) == {1} and nested == 1
    assert after == outside                       # restored on exit
    assert np.isfinite(mlp.loss(mlp.init_params(), X, y))
