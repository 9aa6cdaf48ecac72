"""The MLP: gradients against central differences and torch autograd, initialization statistics, the
per-layer measurements of the vanishing-gradients chapter, clipping in training, and argument errors."""
from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from stepcourse import optim
from stepcourse.gradcheck import numerical_grad, relative_error
from stepcourse.mlp import (ACTIVATIONS, BN_EPS, INITS, LOSSES, MLP, LayerStats, init_variance,
                            per_layer_factor)

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "mlp_torch.npz"
SIZES = [4, 4, 5, 5, 3]          # residual connections on layers 0 and 2
ALL = list(itertools.product(ACTIVATIONS, INITS, (False, True), (False, True), LOSSES))


def _fixture_module():
    spec = importlib.util.spec_from_file_location("make_fixtures_mlp", HERE / "make_fixtures_mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data(loss, n=7, seed=1, sizes=SIZES):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.normal(size=(n, sizes[-1]))
    return X, y


def _perturbed(mlp, params, seed):
    """Params with random biases and batch-norm scale/shift, so no term is trivially 0 or 1."""
    rng = np.random.default_rng(seed)
    out = dict(params)
    for k, v in params.items():
        if k.startswith("b") or k.startswith("beta"):
            out[k] = rng.normal(0, 0.3, v.shape)
        elif k.startswith("gamma"):
            out[k] = rng.uniform(0.5, 1.5, v.shape)
    return out


def _activation_inputs(mlp, params, X):
    """Every input of a hidden activation (to keep finite differences away from ReLU's kink)."""
    h, inputs = X, []
    for i in range(mlp.n_layers - 1):
        z = h @ params[f"W{i}"]
        if mlp.batchnorm:
            u = (z - z.mean(0)) / np.sqrt(z.var(0) + BN_EPS) * params[f"gamma{i}"] + params[f"beta{i}"]
        else:
            u = z + params[f"b{i}"]
        inputs.append(u)
        a = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0),
             "leaky_relu": lambda v: np.where(v > 0, v, 0.01 * v), "linear": lambda v: v}[mlp.activation](u)
        h = h + a if i in mlp.residual_layers else a
    return np.concatenate([u.ravel() for u in inputs])


def _assert_grads_match(grads, reference, rtol):
    for k in reference:
        a, r = grads[k], reference[k]
        if np.linalg.norm(r) < 1e-8 and np.linalg.norm(a) < 1e-13:
            # A parameter the loss does not depend on (beta before another batch norm through a linear
            # activation): both agree that its gradient is zero, up to the round-off of the differences.
            continue
        err = relative_error(a, r)
        assert err < rtol, (k, err)


# -- gradients --------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation,init,batchnorm,residual,loss", ALL)
def test_gradient_matches_central_differences(activation, init, batchnorm, residual, loss):
    mlp = MLP(SIZES, activation, init, batchnorm, residual, seed=3, loss=loss)
    params = _perturbed(mlp, mlp.init_params(), seed=4)
    X, y = _data(loss)
    h = 1e-6
    if activation in ("relu", "leaky_relu"):
        # Each coordinate step moves an activation input by far less than this margin: no kink is crossed.
        assert np.min(np.abs(_activation_inputs(mlp, params, X))) > 1e-3
    loss_value, grads = mlp.loss_and_grad(params, X, y)
    assert set(grads) == set(params)
    assert all(grads[k].shape == params[k].shape and grads[k].dtype == np.float64 for k in params)
    assert loss_value == pytest.approx(mlp.loss(params, X, y), rel=1e-15)
    numeric = numerical_grad(lambda p: mlp.loss(p, X, y), params, h=h)
    _assert_grads_match(grads, numeric, rtol=1e-6)


def test_a_wrong_gradient_is_caught():
    """The check above can fail: a backward pass with one sign flipped is far outside its tolerance."""
    mlp = MLP(SIZES, "tanh", "xavier", loss="mse")
    params = _perturbed(mlp, mlp.init_params(), seed=4)
    X, y = _data("mse")
    _, grads = mlp.loss_and_grad(params, X, y)
    numeric = numerical_grad(lambda p: mlp.loss(p, X, y), params)
    grads["W1"] = -grads["W1"]
    with pytest.raises(AssertionError):
        _assert_grads_match(grads, numeric, rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(widths=st.lists(st.integers(1, 5), min_size=2, max_size=5), n=st.integers(2, 6),
       activation=st.sampled_from(["sigmoid", "tanh", "linear"]), batchnorm=st.booleans(),
       residual=st.booleans(), seed=st.integers(0, 10_000))
def test_gradient_of_random_architectures(widths, n, activation, batchnorm, residual, seed):
    mlp = MLP(widths, activation, "xavier", batchnorm, residual, seed=seed, loss="mse")
    params = _perturbed(mlp, mlp.init_params(), seed)
    X, y = _data("mse", n=n, seed=seed, sizes=widths)
    _, grads = mlp.loss_and_grad(params, X, y)
    numeric = numerical_grad(lambda p: mlp.loss(p, X, y), params)
    for k in params:
        # A tiny batch can make a batch-norm variance nearly 0 (a badly conditioned loss): compare
        # absolutely, at the scale of the whole gradient.
        scale = max(1.0, max(np.abs(g).max() for g in grads.values()))
        assert np.allclose(grads[k], numeric[k], rtol=1e-5, atol=1e-6 * scale), k


def test_golden_fixtures_from_torch_autograd():
    fx = _fixture_module()
    data = np.load(FIXTURE)
    configs = [json.loads(str(c)) for c in data["configs"]]
    assert {(c["activation"], c["init"], c["batchnorm"], c["residual"], c["loss"]) for c in configs} == set(ALL)
    for k, c in enumerate(configs):
        mlp = MLP(c["sizes"], c["activation"], c["init"], c["batchnorm"], c["residual"], loss=c["loss"])
        names = fx.param_names(c["sizes"], c["batchnorm"])
        assert sorted(names) == sorted(mlp.init_params())
        params = fx.unpack(data["params"][k], names, c["sizes"])
        torch_grads = fx.unpack(data["grads"][k], names, c["sizes"])
        X = data["X"][k]
        y = data["labels"][k] if c["loss"] == "cross_entropy" else data["targets"][k]
        loss, grads = mlp.loss_and_grad(params, X, y)
        assert loss == pytest.approx(float(data["loss"][k]), rel=1e-12), c
        for name in names:
            assert np.allclose(grads[name], torch_grads[name], rtol=1e-9, atol=1e-13), (c, name)
        if c["batchnorm"]:
            stats = mlp.population_stats(params, X)
            assert np.allclose(mlp.forward(params, X[:3], stats=stats), data["eval_out"][k], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_live_against_torch_autograd(activation):
    pytest.importorskip("torch")
    fx = _fixture_module()
    sizes = [6, 6, 8, 8, 4]
    for init, bn, res, loss in itertools.product(INITS, (False, True), (False, True), LOSSES):
        mlp = MLP(sizes, activation, init, bn, res, seed=11, loss=loss)
        params = _perturbed(mlp, mlp.init_params(), seed=12)
        X, y = _data(loss, n=9, seed=13, sizes=sizes)
        config = {"sizes": sizes, "activation": activation, "batchnorm": bn, "residual": res, "loss": loss}
        t_loss, t_grads, t_eval = fx.torch_reference(config, params, X, y, X_eval=X[:2] if bn else None)
        loss_value, grads = mlp.loss_and_grad(params, X, y)
        assert loss_value == pytest.approx(t_loss, rel=1e-12)
        for name in params:
            assert np.allclose(grads[name], t_grads[name], rtol=1e-9, atol=1e-13), name
        if bn:
            out = mlp.forward(params, X[:2], stats=mlp.population_stats(params, X))
            assert np.allclose(out, t_eval, rtol=1e-10, atol=1e-13)


# -- the model ----------------------------------------------------------------------------------------

def test_structure_residual_layers_and_batchnorm_params():
    mlp = MLP([4, 4, 5, 5, 3], "relu", "he", batchnorm=True, residual=True)
    assert mlp.residual_layers == (0, 2)
    assert MLP([4, 4, 5, 5, 3], residual=False).residual_layers == ()
    assert MLP([3, 3], residual=True).residual_layers == ()      # never the output layer
    p = mlp.init_params()
    assert sorted(p) == sorted(["W0", "gamma0", "beta0", "W1", "gamma1", "beta1", "W2", "gamma2", "beta2",
                                "W3", "b3"])
    assert all(np.all(p[f"gamma{i}"] == 1) and np.all(p[f"beta{i}"] == 0) for i in range(3))
    assert p["W1"].shape == (4, 5) and p["b3"].shape == (3,)


def test_residual_adds_the_input():
    mlp = MLP([3, 3, 2], "tanh", residual=True, loss="mse")
    plain = MLP([3, 3, 2], "tanh", residual=False, loss="mse")
    p = plain.init_params()
    X = np.random.default_rng(0).normal(size=(5, 3))
    h = np.tanh(X @ p["W0"] + p["b0"])
    assert np.allclose(plain.forward(p, X), h @ p["W1"] + p["b1"])
    assert np.allclose(mlp.forward(p, X), (X + h) @ p["W1"] + p["b1"])


def test_init_params_is_seeded_and_float64():
    mlp = MLP([5, 7, 2], "relu", "he", seed=5)
    a, b, c = mlp.init_params(), mlp.init_params(), mlp.init_params(seed=6)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W0"], c["W0"])
    assert all(v.dtype == np.float64 for v in a.values())
    assert all(np.all(a[k] == 0) for k in a if k.startswith("b"))


@pytest.mark.parametrize("init", INITS)
def test_init_variance_is_measured(init):
    n_in, n_out = 400, 600
    mlp = MLP([n_in, n_out, n_out, 10], "tanh", init, seed=0)
    W = mlp.init_params()["W1"]             # 600 x 600: 360 000 draws
    var = init_variance(init, n_out, n_out)
    assert W.var() == pytest.approx(var, rel=0.01)
    assert abs(W.mean()) < 4 * np.sqrt(var / W.size)
    W0 = mlp.init_params()["W0"]
    assert W0.var() == pytest.approx(init_variance(init, n_in, n_out), rel=0.01)
    if init == "standard":
        assert np.abs(W).max() <= 1 / np.sqrt(n_out) and n_out * W.var() == pytest.approx(1 / 3, rel=0.01)
    elif init == "xavier":
        assert np.abs(W).max() <= np.sqrt(6 / (2 * n_out)) and W.var() * n_out == pytest.approx(1.0, rel=0.01)
    else:   # Gaussian: about 0.27% of draws lie beyond 3 standard deviations
        frac = np.mean(np.abs(W) > 3 * np.sqrt(var))
        assert 0.002 < frac < 0.0035


def test_gain_scales_the_weights():
    a = MLP([50, 50, 2], "relu", "he", seed=1).init_params()
    b = MLP([50, 50, 2], "relu", "he", seed=1, gain=3.0).init_params()
    assert np.allclose(b["W0"], 3 * a["W0"])
    assert init_variance("he", 50, 50, gain=3.0) == pytest.approx(9 * 2 / 50)


def test_cross_entropy_is_stable_and_correct():
    mlp = MLP([2, 3], "linear", loss="cross_entropy")
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    W = np.array([[1000.0, 0.0, -1000.0], [0.0, 2.0, 1.0]])
    p = {"W0": W, "b0": np.zeros(3)}
    loss, grads = mlp.loss_and_grad(p, X, np.array([2, 1]))
    logits = X @ W
    z = logits - logits.max(1, keepdims=True)
    expected = np.mean(-(z - np.log(np.exp(z).sum(1, keepdims=True)))[[0, 1], [2, 1]])
    assert np.isfinite(loss) and loss == pytest.approx(expected, rel=1e-12)
    assert loss == pytest.approx((2000 + 0) / 2 + np.log(1 + np.exp(-1) + np.exp(-2)) / 2, rel=1e-12)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    proba = mlp.predict_proba(p, X)
    assert np.allclose(proba.sum(1), 1) and np.all(proba >= 0)
    assert mlp.predict(p, X).tolist() == [0, 1]
    # labels given as floats (as training.fit passes them) are accepted
    assert mlp.loss(p, X, np.array([2.0, 1.0])) == loss


def test_mse_shapes_and_value():
    mlp = MLP([3, 4, 1], "tanh", loss="mse")
    p = mlp.init_params()
    X, y = np.ones((5, 3)), np.arange(5.0)
    out = mlp.forward(p, X)
    assert out.shape == (5, 1) and mlp.predict(p, X).shape == (5,)
    assert mlp.loss(p, X, y) == pytest.approx(np.mean((out[:, 0] - y) ** 2))
    assert mlp.loss(p, X, y[:, None]) == mlp.loss(p, X, y)
    assert mlp.loss(p, X, y, loss="mse") == mlp.loss(p, X, y)


def test_loss_argument_overrides_the_default():
    mlp = MLP([3, 4, 3], "tanh", loss="mse")
    p = mlp.init_params()
    X = np.random.default_rng(0).normal(size=(6, 3))
    labels = np.array([0, 1, 2, 0, 1, 2])
    ce = MLP([3, 4, 3], "tanh", loss="cross_entropy")
    assert mlp.loss(p, X, labels, loss="cross_entropy") == ce.loss(p, X, labels)


def test_batchnorm_population_stats_for_prediction():
    mlp = MLP([4, 6, 6, 3], "relu", "he", batchnorm=True, loss="cross_entropy", seed=2)
    p = _perturbed(mlp, mlp.init_params(), seed=3)
    X = np.random.default_rng(0).normal(size=(50, 4))
    stats = mlp.population_stats(p, X)
    assert sorted(stats) == ["mean0", "mean1", "var0", "var1"]
    # On the rows the statistics came from, population and batch statistics coincide ...
    assert np.allclose(mlp.forward(p, X, stats=stats), mlp.forward(p, X), atol=1e-12)
    # ... and a single row can be predicted, the same as in the full batch.
    one = mlp.predict_proba(p, X[7:8], stats=stats)
    assert np.allclose(one, mlp.predict_proba(p, X)[7:8], atol=1e-12)
    # Batch statistics of a different batch give different outputs: that is why stats exist.
    assert not np.allclose(mlp.forward(p, X[:5]), mlp.forward(p, X, stats=stats)[:5])
    assert MLP([4, 3], batchnorm=True).population_stats({"W0": np.ones((4, 3)), "b0": np.zeros(3)}, X) == {}


# -- the chapter's measurements ------------------------------------------------------------------

def test_layer_stats_agree_with_the_gradients():
    mlp = MLP([8, 8, 8, 8, 3], "tanh", "xavier", residual=True, loss="cross_entropy")
    p = mlp.init_params()
    X, y = _data("cross_entropy", n=20, seed=5, sizes=mlp.sizes)
    stats = mlp.layer_stats(p, X, y)
    loss, grads = mlp.loss_and_grad(p, X, y)
    assert isinstance(stats, LayerStats) and stats.n_layers == 4
    assert stats.loss == loss
    assert np.allclose(stats.grad_norm, [np.linalg.norm(grads[f"W{i}"]) for i in range(4)])
    # The bias gradient of a layer is the back-propagated gradient summed over the batch.
    h = X
    for i in range(3):
        a = np.tanh(h @ p[f"W{i}"] + p[f"b{i}"])
        h = h + a if i in mlp.residual_layers else a
    out = h @ p["W3"] + p["b3"]
    assert stats.act_mean[-1] == pytest.approx(out.mean()) and stats.act_std[-1] == pytest.approx(out.std())
    assert stats.act_std[2] == pytest.approx(h.std())
    assert np.all(stats.delta_norm > 0) and np.all(stats.delta_std > 0) and np.all(stats.preact_std > 0)


def _backprop_variance_factor(activation, init, depth=8, width=256, n=1000, scale=1.0):
    """Per-layer factors of the variance of the back-propagated gradient and of the activations."""
    mlp = MLP([width] * depth + [10], activation, init, loss="cross_entropy", seed=0)
    rng = np.random.default_rng(1)
    X, y = scale * rng.normal(size=(n, width)), rng.integers(0, 10, n)
    s = mlp.layer_stats(mlp.init_params(), X, y)
    hidden = slice(0, depth - 1)
    return per_layer_factor(s.delta_std[hidden] ** 2), per_layer_factor(s.act_std[hidden] ** 2)


def test_glorot_bengio_linear_regime_standard_init_shrinks_3x_per_layer():
    # n Var[W] = 1/3: back-propagated gradients (and activations) lose a factor 3 of variance per layer;
    # small inputs keep tanh in its linear regime (tanh'(0) = 1).
    for activation in ("linear", "tanh"):
        back, forward = _backprop_variance_factor(activation, "standard", scale=0.1)
        assert 2.7 < back < 3.3, (activation, back)
        assert 1 / 3.3 < forward < 1 / 2.7, (activation, forward)


def test_xavier_keeps_tanh_level_and_he_keeps_relu_level():
    for activation in ("linear", "tanh"):
        back, forward = _backprop_variance_factor(activation, "xavier", scale=0.1)
        assert 0.9 < back < 1.1 and 0.9 < forward < 1.1, (activation, back, forward)
    # Outside the linear regime tanh' < 1 shrinks the gradient on the way down (tanh squeezes the
    # activations, so deeper layers drift back towards the linear regime).
    back, _ = _backprop_variance_factor("tanh", "xavier", scale=1.0)
    assert back > 1.2
    back, forward = _backprop_variance_factor("relu", "he")
    assert 0.85 < back < 1.2 and 0.85 < forward < 1.2
    back, _ = _backprop_variance_factor("relu", "standard")    # 1/3 * 1/2: a factor 6 per layer
    assert 5 < back < 7
    back, _ = _backprop_variance_factor("sigmoid", "xavier")   # sigmoid' <= 1/4 shrinks even a "level" init
    assert back > 10


def test_per_layer_factor():
    assert per_layer_factor([2.0, 1.0, 0.5]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        per_layer_factor([1.0, 0.0])
    with pytest.raises(ValueError, match="at least 2"):
        per_layer_factor([1.0])


# -- exploding gradients, clipping and training ---------------------------------------------------------

def _digits_subset(n=300):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:n] / 16.0, y[:n]


def test_large_init_explodes_and_clipping_tames_it():
    X, y = _digits_subset()
    mlp = MLP([64] + [64] * 10 + [10], "relu", "he", gain=2.0, loss="cross_entropy")
    p0 = mlp.init_params()
    stats = mlp.layer_stats(p0, X, y)
    assert per_layer_factor(stats.delta_norm[:-1]) < 0.6      # each layer down is ~2x larger: exploding
    _, grads = mlp.loss_and_grad(p0, X, y)
    clipped, norm = optim.clip_grad_norm(grads, 1.0)
    total = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    assert norm == pytest.approx(total) and norm > 1e3
    assert np.sqrt(sum(np.sum(g * g) for g in clipped.values())) == pytest.approx(1.0, rel=1e-6)

    def train(clip):
        opt = optim.SGD(lr=0.05)
        p, state, losses = p0, opt.init(p0), []
        for _ in range(30):
            loss, g = mlp.loss_and_grad(p, X, y)
            losses.append(loss)
            if clip:
                g, _ = optim.clip_grad_norm(g, 1.0)
            p, state = opt.step(p, g, state)
        return np.array(losses)

    plain, clipped_run = train(False), train(True)
    assert not np.all(np.isfinite(plain)) or plain[-1] > plain[0]
    assert np.all(np.isfinite(clipped_run)) and clipped_run[-1] < clipped_run[0]


def test_fit_trains_a_deep_network_on_digits():
    from stepcourse.training import fit

    X, y = _digits_subset()
    mlp = MLP([64] + [32] * 10 + [10], "relu", "he", batchnorm=True, loss="cross_entropy")
    hist = fit(mlp, mlp.init_params(), (X, y), optim.Adam(lr=0.01), epochs=5, batch_size=50, seed=0)
    assert not hist.diverged and hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    acc = np.mean(mlp.predict(hist.params, X, stats=mlp.population_stats(hist.params, X)) == y)
    assert acc > 0.8


# -- errors -------------------------------------------------------------------------------------------------

def test_init_params_follows_the_model_protocol():
    mlp = MLP([3, 4, 2], seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(mlp.init_params(3, seed=5).values(),
                                                   mlp.init_params(seed=5).values()))
    assert all(np.array_equal(a, b) for a, b in zip(mlp.init_params(3).values(), mlp.init_params().values()))
    with pytest.raises(ValueError, match="takes 3 inputs"):
        mlp.init_params(4)


@pytest.mark.parametrize("kwargs,match", [
    ({"sizes": [3]}, "at least 2"),
    ({"sizes": [3, 0]}, r"sizes\[1\] must be an integer >= 1; got 0"),
    ({"sizes": [3, 2.5]}, r"sizes\[1\] must be an integer; got float 2.5"),
    ({"sizes": 3}, "sequence"),
    ({"activation": "softplus"}, "activation must be one of"),
    ({"init": "orthogonal"}, "init must be one of"),
    ({"loss": "hinge"}, "loss must be one of"),
    ({"batchnorm": "yes"}, "batchnorm must be True or False"),
    ({"residual": 1}, "residual must be True or False"),
    ({"gain": -1.0}, "gain must be > 0; got -1.0"),
    ({"seed": 1.5}, "seed must be an integer"),
])
def test_constructor_errors(kwargs, match):
    args = {"sizes": [3, 4, 2], **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        MLP(args.pop("sizes"), **args)


def test_call_errors_name_the_argument():
    mlp = MLP([3, 4, 2], "tanh", loss="cross_entropy")
    p = mlp.init_params()
    X, y = np.ones((5, 3)), np.array([0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples >= 1, 3\); got \(5, 4\)"):
        mlp.loss_and_grad(p, np.ones((5, 4)), y)
    with pytest.raises(ValueError, match="X must have shape"):
        mlp.loss_and_grad(p, np.ones(3), y)
    with pytest.raises(ValueError, match=r"y must hold one integer class label per row, shape \(5,\)"):
        mlp.loss_and_grad(p, X, y[:4])
    with pytest.raises(ValueError, match="class labels must lie in 0..1"):
        mlp.loss_and_grad(p, X, np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="integer class labels"):
        mlp.loss_and_grad(p, X, np.array([0, 0.5, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(2, 4\)"):
        mlp.loss_and_grad({**p, "W1": np.ones((2, 4))}, X, y)
    with pytest.raises(ValueError, match=r"params is missing \['b0'\]"):
        mlp.loss_and_grad({k: v for k, v in p.items() if k != "b0"}, X, y)
    with pytest.raises(TypeError, match="params must be a dict"):
        mlp.loss_and_grad(np.ones(3), X, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        mlp.loss_and_grad(p, X, y, loss="l1")
    with pytest.raises(ValueError, match=r"y must have shape \(5, 2\) for mse"):
        mlp.loss_and_grad(p, X, y, loss="mse")
    with pytest.raises(ValueError, match="at least 2 outputs"):
        MLP([3, 1], loss="cross_entropy").loss(MLP([3, 1]).init_params(), X, np.zeros(5))


def test_batchnorm_errors():
    mlp = MLP([3, 4, 2], "relu", batchnorm=True, loss="cross_entropy")
    p = mlp.init_params()
    with pytest.raises(ValueError, match="at least 2 rows"):
        mlp.loss_and_grad(p, np.ones((1, 3)), np.array([0]))
    with pytest.raises(ValueError, match="population_stats"):
        mlp.predict(p, np.ones((1, 3)))
    with pytest.raises(ValueError, match="stats must be a dict from population_stats"):
        mlp.predict(p, np.ones((2, 3)), stats={"mean0": np.zeros(3)})


def test_no_numpy_warning_when_the_network_overflows():
    mlp = MLP([4, 50, 50, 50, 3], "relu", "he", gain=1e100, loss="cross_entropy")
    p = mlp.init_params()
    X, y = np.ones((3, 4)), np.array([0, 1, 2])
    loss, grads = mlp.loss_and_grad(p, X, y)        # RuntimeWarnings are errors in this suite
    assert not np.isfinite(loss) or not all(np.all(np.isfinite(g)) for g in grads.values())
