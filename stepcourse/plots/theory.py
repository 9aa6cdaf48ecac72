"""The theory chapter beyond quadratics: smoothness bounds, the PL inequality, the edge of stability, momentum's phase diagram."""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .._validation import check_integer
from ._base import _drawn, color, new_axes

__all__ = ["nonconvex_regions", "cycle_on_curve", "damping_map", "DAMPING_COLORS", "DAMPING_LABELS"]


def _one_dim(problem, who: str):
    if getattr(problem, "dim", None) != 1 or not callable(getattr(problem, "curve", None)):
        raise TypeError(f"{who}() draws a 1-D problem (with dim == 1 and a curve); got {problem!r}")


def _bounds(problem, bounds):
    lo, hi = (float(v) for v in (bounds if bounds is not None else problem.bounds[0]))
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"bounds must be two finite numbers lo < hi; got {bounds!r}")
    return lo, hi


def nonconvex_regions(problem, ax=None, *, bounds=None, n: int = 800, label: str = r"$\ell'' < 0$",
                      color_index: int = 0):
    r"""A 1-D loss with the intervals where its second derivative is negative shaded: where it is not convex.

    Each interval is shaded over the full height of the axes, whatever limits are set later.

    Parameters
    ----------
    problem : Problem
        A 1-D problem (``dim == 1``) with ``curve`` and ``hessian``.
    bounds : (lo, hi), optional
        The interval drawn (default the problem's bounds).
    n : int
        Number of points of the curve (at least 2).
    label : str
        Legend label of the shading.
    color_index : int
        Palette colour of the curve.

    Returns
    -------
    Drawn with ``"curve"`` (Line2D) and ``"shaded"`` (a list of the shaded intervals' patches, the
    first one labelled).

    >>> import stepcourse as sc
    >>> d = nonconvex_regions(sc.smoothness.pl_function(), bounds=(-8, 8))
    >>> len(d["shaded"]), d["shaded"][0].get_label() == r"$\ell'' < 0$"
    (6, True)
    """
    _one_dim(problem, "nonconvex_regions")
    n = check_integer("n", n, low=2)
    lo, hi = _bounds(problem, bounds)
    made, ax = ax is None, new_axes(ax)
    xs = np.linspace(lo, hi, int(n))
    (curve,) = ax.plot(xs, problem.curve(xs), color=color(color_index), linewidth=1.6)
    concave = np.concatenate([[False], problem.hessian(xs[:, None])[:, 0, 0] < 0, [False]]).astype(int)
    starts, ends = np.flatnonzero(np.diff(concave) == 1), np.flatnonzero(np.diff(concave) == -1) - 1
    shaded = [ax.axvspan(xs[a], xs[b], color="0.85", linewidth=0, zorder=0, label=label if k == 0 else None)
              for k, (a, b) in enumerate(zip(starts, ends))]
    return _drawn(ax, made, {"curve": curve, "shaded": shaded})


def cycle_on_curve(problem, cycle, ax=None, *, bounds=None, n: int = 700, label: Optional[str] = "cycle",
                   color_index: int = 1):
    """A 1-D loss with the points of a cycle of iterates marked and joined by arrows, the last back to the first.

    Parameters
    ----------
    problem : Problem
        A 1-D problem (``dim == 1``) with ``curve``.
    cycle : array of shape (p,) or (p, 1)
        The points of the cycle in the order they are visited (e.g. from
        :func:`stepcourse.momentum_roots.find_cycle`).
    bounds : (lo, hi), optional
        The interval of the curve (default the problem's bounds).
    n : int
        Number of points of the curve.
    label : str or None
        Legend label of the cycle's points.
    color_index : int
        Palette colour of the cycle (the curve is palette colour 0).

    Returns
    -------
    Drawn with ``"curve"`` (Line2D), ``"points"`` (Line2D of the marked points) and ``"arrows"``
    (a list of Annotations, one per step of the cycle).

    >>> import stepcourse as sc
    >>> d = cycle_on_curve(sc.momentum_roots.lessard_counterexample(), [-1.8, 2.12, 0.65])
    >>> len(d["arrows"]), d["points"].get_label()
    (3, 'cycle')
    """
    _one_dim(problem, "cycle_on_curve")
    pts = np.asarray(cycle, dtype=float)
    if pts.ndim == 2 and pts.shape[1] == 1:
        pts = pts[:, 0]
    if pts.ndim != 1 or len(pts) < 2 or not np.all(np.isfinite(pts)):
        raise ValueError(f"cycle must hold at least two finite points of a 1-D problem, shape (p,) or (p, 1); "
                         f"got shape {np.shape(cycle)}")
    n = check_integer("n", n, low=2)
    lo, hi = _bounds(problem, bounds)
    made, ax = ax is None, new_axes(ax)
    xs = np.linspace(lo, hi, int(n))
    (curve,) = ax.plot(xs, problem.curve(xs), color=color(0), linewidth=1.6)
    c = color(color_index)
    ring = np.append(pts, pts[0])
    arrows = [ax.annotate("", (b, problem.curve(b)), (a, problem.curve(a)),
                          arrowprops={"arrowstyle": "->", "color": c})
              for a, b in zip(ring[:-1], ring[1:])]
    (marked,) = ax.plot(pts, problem.curve(pts), linestyle="none", marker="o", markersize=6, color=c,
                        label=label, zorder=3)
    return _drawn(ax, made, {"curve": curve, "points": marked, "arrows": arrows})


#: Colour of each regime of :func:`stepcourse.momentum_roots.damping` in :func:`damping_map`.
DAMPING_COLORS = {"overdamped": color(5), "critical": "black", "underdamped": color(2), "flipping": color(4),
                  "unstable": "0.92"}

#: Where :func:`damping_map` writes each regime's name, in (eta*lambda, beta) coordinates, for the
#: map over eta*lambda in [0, 4] and beta in [0, 1).
DAMPING_LABELS = {"over-\ndamped": (0.08, 0.15), "underdamped": (1.25, 0.55), "flipping": (2.25, 0.05),
                  "unstable": (3.35, 0.2)}


def damping_map(eta_lambda, beta, ax=None, *, labels: Optional[Mapping[str, tuple]] = None):
    r"""The heavy ball's phase diagram: each :math:`(\eta\lambda, \beta)` coloured by its damping regime.

    The regimes are those of :func:`stepcourse.momentum_roots.damping` (colours in
    :data:`DAMPING_COLORS`). Solid black curves are the critical dampings
    :math:`\eta\lambda = (1 \mp \sqrt\beta)^2`, which bound the underdamped wedge; the dashed line is
    the stability limit :math:`\eta\lambda = 2 + 2\beta`.

    Parameters
    ----------
    eta_lambda : 1-D array
        The horizontal grid, values >= 0, increasing.
    beta : 1-D array
        The vertical grid of momenta in [0, 1), increasing.
    labels : mapping name -> (eta_lambda, beta), optional
        Text written on the map (default :data:`DAMPING_LABELS`, placed for ``[0, 4] x [0, 1)``);
        ``{}`` writes none.

    Returns
    -------
    Drawn with ``"mesh"`` (the QuadMesh; its values index ``DAMPING_REGIMES``), ``"critical"`` (the two
    critical Line2D), ``"limit"`` (the Line2D of the stability limit) and ``"labels"`` (Texts).

    >>> d = damping_map(np.linspace(0, 4, 41), np.linspace(0, 0.9, 10))
    >>> d["mesh"].get_array().shape, d["limit"].get_linestyle()
    ((10, 41), '--')
    """
    from matplotlib.colors import ListedColormap

    from ..momentum_roots import DAMPING_REGIMES, critical_eta_lambda, damping, stability_limit

    h = np.asarray(eta_lambda, dtype=float)
    b = np.asarray(beta, dtype=float)
    if h.ndim != 1 or len(h) < 2 or not np.all(np.isfinite(h)) or np.any(h < 0) or np.any(np.diff(h) <= 0):
        raise ValueError(f"eta_lambda must be an increasing 1-D grid of at least two values >= 0; got {eta_lambda!r}")
    if b.ndim != 1 or len(b) < 2 or not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1) \
            or np.any(np.diff(b) <= 0):
        raise ValueError(f"beta must be an increasing 1-D grid of at least two momenta in [0, 1); got {beta!r}")
    labels = DAMPING_LABELS if labels is None else labels
    if not isinstance(labels, Mapping):
        raise TypeError(f"labels must be a mapping name -> (eta_lambda, beta); got {type(labels).__name__}")
    made, ax = ax is None, new_axes(ax)
    H, B = np.meshgrid(h, b)
    regimes = list(DAMPING_REGIMES)
    codes = np.vectorize(regimes.index)(damping(H, B))
    cmap = ListedColormap([DAMPING_COLORS[r] for r in regimes])
    mesh = ax.pcolormesh(H, B, codes, cmap=cmap, vmin=-0.5, vmax=len(regimes) - 0.5, shading="auto")
    bb = np.linspace(b[0], b[-1], 200)
    low, high = critical_eta_lambda(bb)
    critical = [ax.plot(curve, bb, "-", color="black", linewidth=1)[0] for curve in (low, high)]
    (limit,) = ax.plot(stability_limit(bb), bb, "--", color="black", linewidth=1)
    texts = [ax.annotate(name, (float(x), float(y)), fontsize="small") for name, (x, y) in labels.items()]
    ax.set_xlim(h[0], h[-1])
    ax.set_ylim(b[0], b[-1])
    return _drawn(ax, made, {"mesh": mesh, "critical": critical, "limit": limit, "labels": texts})
