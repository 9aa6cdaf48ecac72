"""The gradient-flow lab: how big are the activations and the gradients of each layer of a deep network
at initialization, and what the activation, the initialization, batch normalization and residual
connections do to them.

``flow`` measures one network (:meth:`stepcourse.mlp.MLP.layer_stats` on a batch of the digits),
``plot_flow`` draws the three per-layer curves the chapter uses for every comparison, and
``gradient_flow_explorer`` puts both behind controls.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import plots
from ..mlp import ACTIVATIONS, INITS, MLP, LayerStats, per_layer_factor
from ._explorer import Choice, Explorer, Slider, Toggle

__all__ = ["digits_batch", "flow", "gradient_variance_factor", "plot_flow", "gradient_flow_explorer"]

#: What each panel of :func:`plot_flow` shows: LayerStats attribute, title, y-label, y-limits.
PANELS = (
    ("act_std", "Activations", "std of layer output", (1e-8, 1e6)),
    ("delta_std", "Back-propagated gradient", r"RMS of $\partial\ell/\partial z_i$", (1e-16, 1e4)),
    ("grad_norm", "Weight gradient", r"$\|\partial\ell/\partial W_i\|$", (1e-16, 1e4)),
)


@lru_cache(maxsize=4)
def _digits(n: int, seed: int):
    from sklearn.datasets import load_digits   # bundled with scikit-learn: no download

    X, y = load_digits(return_X_y=True)
    rows = np.random.default_rng(seed).permutation(len(X))[:n]
    X = X.astype(float)
    std = X.std(axis=0)
    X = ((X - X.mean(axis=0)) / np.where(std > 0, std, 1.0))[rows]   # constant pixels stay at 0
    y = y.astype(np.int64)[rows]
    X.flags.writeable = y.flags.writeable = False    # cached: shared by every caller
    return X, y


def digits_batch(n: int = 256, seed: int = 0):
    """``n`` rows of scikit-learn's digits (8x8 images, 10 classes), each pixel standardized over the
    whole set, and their labels; the same rows for the same ``seed``.

    >>> X, y = digits_batch(100)
    >>> X.shape, y.shape, int(y.max())
    ((100, 64), (100,), 9)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= 1797:
        raise ValueError(f"n must be an integer from 2 to 1797 (the number of digits); got {n!r}")
    return _digits(int(n), int(seed))


def flow(depth: int = 10, activation: str = "tanh", init: str = "standard", batchnorm: bool = False,
         residual: bool = False, *, width: int = 64, gain: float = 1.0, X=None, y=None, seed: int = 0) -> LayerStats:
    """Per-layer statistics of a fresh network with ``depth`` hidden layers of ``width`` units.

    The network is ``MLP([n_features] + [width] * depth + [n_classes], ...)`` with a softmax
    cross-entropy loss, measured at its initial parameters by :meth:`~stepcourse.mlp.MLP.layer_stats`.

    Parameters
    ----------
    depth : int
        Number of hidden layers, >= 1.
    activation, init, batchnorm, residual, gain
        As in :class:`~stepcourse.mlp.MLP`.
    width : int
        Units per hidden layer.
    X, y : ndarray, optional
        The batch: features ``(n, d)`` and integer labels ``(n,)``; default :func:`digits_batch`.
    seed : int
        Seed of the initial parameters.

    Returns
    -------
    LayerStats
        Index ``i`` of each array is layer ``i``; the last one is the output layer.

    >>> s = flow(depth=4, activation="relu", init="he")
    >>> s.n_layers
    5
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1 (hidden layers); got {depth!r}")
    if X is None:
        X, y = digits_batch()
    elif y is None:
        raise ValueError("pass the labels y together with X")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
    n_classes = int(np.max(y)) + 1
    mlp = MLP([X.shape[1]] + [width] * int(depth) + [max(n_classes, 2)], activation, init, batchnorm, residual,
              seed=seed, loss="cross_entropy", gain=gain)
    return mlp.layer_stats(mlp.init_params(), X, y)


def gradient_variance_factor(stats: LayerStats) -> float:
    r"""How much the variance of the back-propagated gradient shrinks per hidden layer towards the input.

    The geometric mean of :math:`\operatorname{Var}[\delta_{i+1}] / \operatorname{Var}[\delta_i]` over the
    hidden layers (the output layer, with its own width and the loss's gradient, is left out): about 3
    for Glorot & Bengio's standard initialization in the linear regime, 1 when the gradient flows level,
    below 1 when it explodes.
    """
    hidden = stats.delta_std[:-1]
    if hidden.size < 2:
        raise ValueError("the network needs at least 2 hidden layers for a per-layer factor")
    return per_layer_factor(np.maximum(hidden, 1e-300) ** 2)


def plot_flow(results, axes=None, *, styles=None, grid=True):
    """Three panels against the layer: activation std, back-propagated gradient RMS, weight-gradient norm.

    Parameters
    ----------
    results : LayerStats or dict label -> LayerStats
    axes : three matplotlib Axes, optional
        Default: a new figure (not registered with pyplot).
    styles : dict label -> dict of Line2D keywords, optional
    grid : bool
        Draw grid lines.

    Returns
    -------
    dict label -> list of the three Line2D (one per panel)
    """
    if isinstance(results, LayerStats):
        results = {"": results}
    if axes is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(12, 3.4), layout="constrained")
        axes = fig.subplots(1, 3)
    lines = {}
    for k, (label, stats) in enumerate(results.items()):
        style = {"color": plots.color(k), "marker": "o", "markersize": 3, "linewidth": 1.6, "label": label}
        style.update((styles or {}).get(label, {}))
        layers = np.arange(1, stats.n_layers + 1)
        lines[label] = [ax.plot(layers, np.maximum(getattr(stats, attr), 1e-300), **style)[0]
                        for ax, (attr, *_rest) in zip(axes, PANELS)]
    for ax, (_, title, ylabel, _lim) in zip(axes, PANELS):
        _style_axis(ax, title, ylabel, grid=grid)
    if any(label for label in results):
        axes[-1].legend(loc="best", fontsize="small")
    return lines


def _style_axis(ax, title, ylabel, grid=True):
    from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

    ax.set_yscale("log")
    # few labelled decades and integer layers: readable, and much faster to draw
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize="medium")
    if grid:
        ax.grid(True, which="major", alpha=0.3)


def _limits(values, default):
    """The default y-range, widened by whole decades when the values leave it (at most 1e-40..1e40)."""
    lo, hi = default
    finite = values[np.isfinite(values)]
    if finite.size:
        lo = min(lo, 10.0 ** max(np.floor(np.log10(finite.min())), -40))
        hi = max(hi, 10.0 ** min(np.ceil(np.log10(finite.max())) + 1, 40))
    return lo, hi


def _describe(stats: LayerStats) -> str:
    r = gradient_variance_factor(stats)
    if not np.isfinite(r):
        return "gradients overflow"
    if r >= 1:
        return f"gradient variance ÷{r:.3g} per layer towards the input"
    return f"gradient variance ×{1 / r:.3g} per layer towards the input"


def gradient_flow_explorer(depth: int = 10, activation: str = "sigmoid", init: str = "standard",
                           batchnorm: bool = False, residual: bool = False, *, width: int = 64) -> Explorer:
    """A fresh deep network on a batch of digits: per-layer activations and gradients at initialization.

    Controls: the number of hidden layers, the activation, the initialization, batch normalization and
    residual connections. Panels (log scale, against the layer): the spread of the activations, the
    back-propagated gradient and the weight gradient; the title gives the measured per-layer factor of
    the gradient's variance (:func:`gradient_variance_factor`).

    Parameters
    ----------
    depth, activation, init, batchnorm, residual
        Initial values of the controls (see :func:`flow`).
    width : int
        Units per hidden layer.

    Returns
    -------
    Explorer
    """
    depths = list(range(2, 31))

    @lru_cache(maxsize=256)
    def measure(depth, activation, init, batchnorm, residual):
        return flow(int(depth), activation, init, bool(batchnorm), bool(residual), width=width)

    def compute(depth, activation, init, batchnorm, residual):
        stats = measure(depth, activation, init, batchnorm, residual)
        parts = [activation, f"{init} init"]
        parts += (["batch norm"] if batchnorm else []) + (["residual"] if residual else [])
        return {"stats": stats, "title": f"{depth} hidden layers, {', '.join(parts)}: {_describe(stats)}"}

    def draw(fig, data):
        axes = fig.subplots(1, 3)
        # no grid lines: fewer artists to draw in each of the static export's frames
        lines = plot_flow(data["stats"], axes, grid=False)[""]
        for ax, (_, _, _, lim) in zip(axes, PANELS):
            ax.set_ylim(*lim)
            ax.set_xlim(0.5, depths[-1] + 1.5)
        title = fig.suptitle("", fontsize="medium")
        # Only the curves and the title move: the axes are drawn once and cached (blitting).
        handles = {"lines": lines, "axes": axes, "title": title, "animated": [*lines, title]}
        update(handles, data)
        return handles

    def update(handles, data):
        stats = data["stats"]
        layers = np.arange(1, stats.n_layers + 1)
        for ax, line, (attr, _, _, lim) in zip(handles["axes"], handles["lines"], PANELS):
            values = np.asarray(getattr(stats, attr), dtype=float)
            shown = np.where(np.isfinite(values), np.maximum(values, 1e-300), np.nan)
            line.set_data(layers, shown)
            new_lim = _limits(shown, lim)
            if tuple(ax.get_ylim()) != tuple(new_lim):
                ax.set_ylim(*new_lim)
                handles["redraw"] = True  # the cached axes are out of date
        handles["title"].set_text(data["title"])

    return Explorer(
        controls={
            "depth": Slider(values=depths, value=depth, label="hidden layers", static=(4, 20)),
            "activation": Choice(list(ACTIVATIONS), value=activation, label="activation",
                                 static=("sigmoid", "tanh", "relu")),
            "init": Choice(list(INITS), value=init, label="initialization"),
            "batchnorm": Toggle(value=batchnorm, label="batch normalization"),
            "residual": Toggle(value=residual, label="residual connections"),
        },
        compute=compute, draw=draw, update=update, figsize=(10, 3.3), dpi=72,
        title="Gradient-flow lab: what reaches each layer of a fresh network",
        alt=("Three log-scale panels against the layer number of a fresh network on a batch of digits: the "
             "spread of each layer's activations, the size of the back-propagated gradient and the size of the "
             "weight gradient. The title states by what factor the gradient's variance changes per layer. "
             "Sigmoid and the standard initialization make the curves fall steeply towards the input; "
             "He or Xavier initialization, batch normalization and residual connections keep them level."),
    )
