"""Gradients: numerical vs analytic, gradient checks, regression fits.

These plots draw the data of a figure; the chapter sets its titles, axis labels, limits and legend.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .._validation import check_integer
from ._base import _drawn, _vectors, color, new_axes

__all__: list = ["gradient_field", "directional_slopes", "difference_errors"]


def gradient_field(problem, ax=None, *, extent: float = 4.5, n: int = 13, color_index: int = 1,
                   scale: float = 20.0):
    """Arrows of unit length in the gradient's direction on an ``n`` x ``n`` grid over a 2-D problem.

    Only the direction is shown (the gradient divided by its length), so arrows stay readable where
    the gradient is large; draw the contour lines first (:func:`contour`) to see that each arrow
    crosses them at a right angle.

    Parameters
    ----------
    problem : Problem
        A two-dimensional problem; ``problem.grad`` is called once on the whole grid.
    extent : float or (xmin, xmax, ymin, ymax)
        The grid: ``[-extent, extent]`` on both axes, or the four bounds.
    n : int
        Arrows per axis.
    color_index : int
        Palette colour of the arrows.
    scale : float
        Matplotlib's quiver scale: larger means shorter arrows.

    Returns
    -------
    Drawn with ``"arrows"`` (the Quiver) and ``"directions"`` (array (n, n, 2) of unit vectors).

    >>> import stepcourse as sc
    >>> d = gradient_field(sc.problems.himmelblau(), n=5)
    >>> d["directions"].shape, bool(np.allclose(np.linalg.norm(d["directions"], axis=-1), 1))
    ((5, 5, 2), True)
    """
    if not callable(getattr(problem, "grad", None)):
        raise TypeError(f"problem must have a grad method; got {type(problem).__name__}")
    if getattr(problem, "dim", 2) != 2:
        raise ValueError(f"gradient_field() draws two-dimensional problems; this one has dim = {problem.dim}")
    n = check_integer("n", n, low=2)
    bounds = np.atleast_1d(np.asarray(extent, dtype=float))
    if bounds.shape == (1,):
        bounds = np.array([-1.0, 1.0, -1.0, 1.0]) * abs(bounds[0])
    if bounds.shape != (4,) or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"extent must be a positive number or (xmin, xmax, ymin, ymax); got {extent!r}")
    made, ax = ax is None, new_axes(ax)
    gx, gy = np.meshgrid(np.linspace(bounds[0], bounds[1], n), np.linspace(bounds[2], bounds[3], n))
    G = np.asarray(problem.grad(np.stack([gx, gy], axis=-1)), dtype=float)
    # a zero gradient (at a stationary point) has no direction: it stays a zero arrow
    U = G / np.maximum(np.linalg.norm(G, axis=-1, keepdims=True), 1e-12)
    arrows = ax.quiver(gx, gy, U[..., 0], U[..., 1], color=color(color_index), angles="xy", scale=scale,
                       width=0.004)
    return _drawn(ax, made, {"arrows": arrows, "directions": U})


def directional_slopes(thetas, measured, formula, ax=None):
    r"""Slopes of a function along the directions :math:`u = (\cos\theta, \sin\theta)`, against :math:`\theta`.

    The measured slopes are a wide pale green line, the formula :math:`\nabla f\cdot u` a thin dashed
    black line over it (they coincide when the gradient is right); a dotted line (colour 1) marks the
    direction of the largest measured slope and a thin grey line the zero slope.

    Parameters
    ----------
    thetas : 1-D array
        Angles in radians; drawn in degrees.
    measured, formula : 1-D arrays of the same length
        Measured slopes (difference quotients) and :math:`\nabla f\cdot u`.

    Returns
    -------
    Drawn with ``"measured"``, ``"formula"``, ``"steepest"`` and ``"zero"`` (Line2D) and ``"angle"``, the
    direction of the largest measured slope in degrees.

    >>> t = np.linspace(-np.pi, np.pi, 9)
    >>> round(directional_slopes(t, np.cos(t - 0.8), np.cos(t - 0.8))["angle"])
    45
    """
    thetas, measured, formula = _vectors(thetas=thetas, measured=measured, formula=formula)
    made, ax = ax is None, new_axes(ax)
    degrees = np.degrees(thetas)
    angle = float(degrees[int(np.argmax(measured))])
    (m,) = ax.plot(degrees, measured, color=color(2), linewidth=3, alpha=0.5, label="measured slope")
    (f,) = ax.plot(degrees, formula, "--", color="black", linewidth=1, label=r"$\nabla f \cdot u$")
    steepest = ax.axvline(angle, color=color(1), linestyle=":", label="steepest direction")
    zero = ax.axhline(0, color="0.6", linewidth=0.8)
    return _drawn(ax, made, {"measured": m, "formula": f, "steepest": steepest, "zero": zero, "angle": angle})


_METHODS = ("forward", "central")


def difference_errors(sweep, ax=None, *, rules: Optional[dict] = None, models: Sequence = (),
                      models_label: str = "truncation / round-off models", floor: float = 1e-17):
    """The error of forward and central differences against the step ``h``, on log-log axes: two V's.

    Each method is a line in its palette colour (forward 0, central 1) with its smallest measured error
    as a dot edged in black; ``rules`` marks each method's rule-of-thumb step with a dotted vertical
    line in the same colour; ``models`` are error models (truncation, round-off) drawn as thin grey
    dashed lines, the first one labelled ``models_label``.

    Parameters
    ----------
    sweep : StepSweep
        From :func:`stepcourse.gradcheck.step_sweep`.
    rules : mapping method -> step, optional
    models : sequence of 1-D arrays
        Model errors over ``sweep.hs``.
    floor : float
        Errors below it (exact zeros) are drawn at it, so that they stay on the log axis.

    Returns
    -------
    Drawn with ``"errors"``, ``"best"`` and ``"rules"`` (method -> Line2D) and ``"models"`` (a list).

    >>> import stepcourse as sc
    >>> sweep = sc.gradcheck.step_sweep(np.sin, np.cos, x=1.0)
    >>> d = difference_errors(sweep, rules={"central": 6e-6})
    >>> float(d["best"]["forward"].get_xdata()[0]) == sweep.best_h("forward"), sorted(d["rules"])
    (True, ['central'])
    """
    if not all(hasattr(sweep, a) for a in ("hs", "errors", "best_h", "best_error")):
        raise TypeError(f"sweep must be a StepSweep (stepcourse.gradcheck.step_sweep); got {type(sweep).__name__}")
    rules = dict(rules or {})
    unknown = set(rules) - set(_METHODS)
    if unknown:
        raise ValueError(f"rules are for the methods {_METHODS}; got {sorted(unknown)}")
    hs = np.asarray(sweep.hs, dtype=float)
    models = [np.asarray(m, dtype=float) for m in models]
    for m in models:
        if m.shape != hs.shape:
            raise ValueError(f"each model must have one value per step, shape {hs.shape}; got {m.shape}")
    made, ax = ax is None, new_axes(ax)
    errors, best, marks = {}, {}, {}
    for i, method in enumerate(_METHODS):
        (errors[method],) = ax.plot(hs, np.maximum(sweep.errors[method], floor), color=color(i), label=method)
        (best[method],) = ax.plot([sweep.best_h(method)], [sweep.best_error(method)], "o", color=color(i),
                                  markeredgecolor="black")
        if method in rules:
            marks[method] = ax.axvline(float(rules[method]), color=color(i), linestyle=":", linewidth=1)
    drawn_models = [ax.plot(hs, m, "--", color="0.5", linewidth=0.8, label=models_label if k == 0 else None)[0]
                    for k, m in enumerate(models)]
    ax.set_xscale("log")
    ax.set_yscale("log")
    return _drawn(ax, made, {"errors": errors, "best": best, "rules": marks, "models": drawn_models})
