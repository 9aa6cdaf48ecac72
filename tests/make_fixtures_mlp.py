"""Golden fixtures for the MLP: loss and gradients computed by torch autograd.

Run from the repository root with a Python that has torch 2.x (not needed by the package or CI;
a separate virtual environment is best, never the project's own), for example:

    path/to/python-with-torch tests/make_fixtures_mlp.py

For every combination of activation, initialization, batch normalization, residual connections and loss,
it draws parameters (numpy, seeded, the initialization's scale, then random biases and batch-norm
scale/shift so that no term is trivially 0 or 1), builds the same network from torch.nn modules, and
saves the parameters, the data, torch's loss and gradients, and (with batch normalization) the outputs
in evaluation mode with the population statistics of the data. Each case is one row of a few packed
arrays (see :func:`pack`), which keeps the file small. Nothing here imports stepcourse.
"""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
INITS = ("standard", "xavier", "he")
SIZES = (4, 4, 5, 5, 3)      # layers 0 and 2 map a width to itself: residual connections there
N_ROWS = 6
OUT = Path(__file__).parent / "fixtures" / "mlp_torch.npz"


def draw_params(sizes, init, batchnorm, seed):
    """Parameters at the scale of ``init``, with random (non-trivial) biases, gamma and beta."""
    rng = np.random.default_rng(seed)
    params = {}
    last = len(sizes) - 2
    for i in range(len(sizes) - 1):
        n_in, n_out = sizes[i], sizes[i + 1]
        if init == "standard":
            W = rng.uniform(-1, 1, (n_in, n_out)) / np.sqrt(n_in)
        elif init == "xavier":
            W = rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(6 / (n_in + n_out))
        else:
            W = rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out))
        params[f"W{i}"] = W
        if batchnorm and i < last:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, n_out)
            params[f"beta{i}"] = rng.normal(0, 0.3, n_out)
        else:
            params[f"b{i}"] = rng.normal(0, 0.3, n_out)
    return params


def torch_reference(config, params, X, y, X_eval=None):
    """Loss, gradients (dict of numpy arrays) and, with batch norm, eval-mode outputs on ``X_eval``."""
    import torch
    from torch import nn

    torch.set_default_dtype(torch.float64)
    sizes, act, bn, res = config["sizes"], config["activation"], config["batchnorm"], config["residual"]
    n_layers = len(sizes) - 1
    acts = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01),
            "linear": nn.Identity}
    linears, norms = nn.ModuleList(), nn.ModuleList()
    for i in range(n_layers):
        hidden = i < n_layers - 1
        lin = nn.Linear(sizes[i], sizes[i + 1], bias=not (bn and hidden))
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(params[f"W{i}"].T))    # torch stores (out, in)
            if lin.bias is not None:
                lin.bias.copy_(torch.tensor(params[f"b{i}"]))
        linears.append(lin)
        if bn and hidden:
            norm = nn.BatchNorm1d(sizes[i + 1], eps=1e-5, momentum=None)   # momentum=None: cumulative average
            with torch.no_grad():
                norm.weight.copy_(torch.tensor(params[f"gamma{i}"]))
                norm.bias.copy_(torch.tensor(params[f"beta{i}"]))
            norms.append(norm)
    f = acts[act]()

    def forward(h):
        for i in range(n_layers):
            z = linears[i](h)
            if i == n_layers - 1:
                return z
            a = f(norms[i](z) if bn else z)
            h = h + a if (res and sizes[i] == sizes[i + 1]) else a

    Xt = torch.tensor(X)
    out = forward(Xt)
    if config["loss"] == "mse":
        loss = nn.functional.mse_loss(out, torch.tensor(y))
    else:
        loss = nn.functional.cross_entropy(out, torch.tensor(y, dtype=torch.long))
    loss.backward()
    grads = {}
    for i in range(n_layers):
        grads[f"W{i}"] = linears[i].weight.grad.numpy().T.copy()
        if linears[i].bias is not None:
            grads[f"b{i}"] = linears[i].bias.grad.numpy().copy()
    for i, norm in enumerate(norms):
        grads[f"gamma{i}"] = norm.weight.grad.numpy().copy()
        grads[f"beta{i}"] = norm.bias.grad.numpy().copy()
    eval_out = None
    if bn and X_eval is not None:
        # The population statistics: the mean and biased variance of each unit over all of X.
        with torch.no_grad():
            h = Xt
            for i in range(n_layers - 1):
                z = linears[i](h)
                norms[i].running_mean.copy_(z.mean(dim=0))
                norms[i].running_var.copy_(z.var(dim=0, unbiased=False))
                a = f(nn.functional.batch_norm(z, None, None, norms[i].weight, norms[i].bias, training=True,
                                               eps=1e-5))
                h = h + a if (res and sizes[i] == sizes[i + 1]) else a
            for norm in norms:
                norm.eval()
            eval_out = forward(torch.tensor(X_eval)).numpy().copy()
    return float(loss.detach()), grads, eval_out


def cases():
    return list(itertools.product(ACTIVATIONS, INITS, (False, True), (False, True), ("mse", "cross_entropy")))


def param_names(sizes, batchnorm):
    """The parameter names of a network, in the order the packed arrays use."""
    names, last = [], len(sizes) - 2
    for i in range(len(sizes) - 1):
        names += [f"W{i}", f"gamma{i}", f"beta{i}"] if batchnorm and i < last else [f"W{i}", f"b{i}"]
    return names


def pack(arrays, names, width):
    """Concatenate the arrays named ``names`` into one row of length ``width`` (NaN-padded)."""
    flat = np.concatenate([np.ravel(arrays[n]) for n in names])
    return np.concatenate([flat, np.full(width - flat.size, np.nan)])


def unpack(row, names, sizes):
    """Inverse of :func:`pack`: a dict name -> array of the network's shapes."""
    out, pos = {}, 0
    for n in names:
        i = int(re.fullmatch(r"[a-zA-Z]+(\d+)", n).group(1))
        shape = (sizes[i], sizes[i + 1]) if n.startswith("W") else (sizes[i + 1],)
        size = int(np.prod(shape))
        out[n] = np.asarray(row[pos:pos + size]).reshape(shape)
        pos += size
    return out


def main():
    """One row per case in a few packed arrays (a small file): configs as JSON, params and grads flat."""
    rng = np.random.default_rng(2024)
    all_cases = cases()
    width = max(sum(int(np.prod(v.shape)) for v in draw_params(SIZES, "he", bn, 0).values()) for bn in (False, True))
    configs, Xs, Ts, Ls, losses, P, G, E = [], [], [], [], [], [], [], []
    for k, (act, init, bn, res, loss) in enumerate(all_cases):
        config = {"sizes": list(SIZES), "activation": act, "init": init, "batchnorm": bn, "residual": res,
                  "loss": loss}
        params = draw_params(SIZES, init, bn, seed=1000 + k)
        X = rng.normal(size=(N_ROWS, SIZES[0]))
        targets = rng.normal(size=(N_ROWS, SIZES[-1]))
        labels = rng.integers(0, SIZES[-1], N_ROWS)
        y = labels if loss == "cross_entropy" else targets
        value, grads, eval_out = torch_reference(config, params, X, y, X_eval=X[:3] if bn else None)
        names = param_names(SIZES, bn)
        configs.append(json.dumps(config))
        Xs.append(X)
        Ts.append(targets)        # the mse cases use targets, the cross-entropy cases labels
        Ls.append(labels)
        losses.append(value)
        P.append(pack(params, names, width))
        G.append(pack(grads, names, width))
        E.append(eval_out if eval_out is not None else np.full((3, SIZES[-1]), np.nan))
    OUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUT, configs=np.array(configs), X=np.array(Xs), targets=np.array(Ts),
                        labels=np.array(Ls), loss=np.array(losses),
                        params=np.array(P), grads=np.array(G), eval_out=np.array(E))
    print(f"wrote {len(all_cases)} cases to {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
