"""Explorers of the chapter on gradients.

- :func:`gradient_field_explorer`: a point on a 2-D loss; its gradient arrow is perpendicular to the
  level set through the point, and the directional derivative is largest along it.
- :func:`finite_difference_explorer`: the step ``h`` of a difference quotient; truncation error on the
  right of the V-shaped error curve, round-off on the left.
- :func:`backprop_explorer`: a small computational graph, evaluated forward and differentiated backward
  one node at a time.

Each explorer's pieces are module-level functions (``field_*``, ``fd_*``, ``backprop_*``: ``compute``,
``draw``, ``update``, ``result``); the factories wire them to controls. The level sets come from
:func:`stepcourse.problems.level_set_finder`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Optional

import numpy as np

from .. import plots
from .._validation import check_choice, check_integer, check_number, check_problem
from ..gradcheck import EPS, step_sweep, theoretical_best_h
from ..problems import himmelblau, level_set_finder
from ._explorer import Explorer, Slider, fit_layout

__all__ = ["gradient_field_explorer", "finite_difference_explorer", "backprop_explorer", "NeuronGraph",
           "FieldSetup", "field_compute", "field_draw", "field_update", "field_result",
           "FDSetup", "fd_compute", "fd_draw", "fd_update", "fd_result",
           "backprop_compute", "backprop_draw", "backprop_update", "backprop_result"]


# -- the gradient on contours ------------------------------------------------------------------------------

@dataclass(eq=False)
class FieldSetup:
    """The 2-D problem, the slider grids, the arrow length, the directions and the level-set finder."""

    problem: object
    n_positions: int = 39

    def __post_init__(self):
        (x_lo, x_hi), (y_lo, y_hi) = self.problem.bounds
        n = self.n_positions
        # The grid's end points sit on the frame, where arrows would leave the picture: drop them.
        self.xs = np.round(np.linspace(x_lo, x_hi, n + 2)[1:-1], 10)
        self.ys = np.round(np.linspace(y_lo, y_hi, n + 2)[1:-1], 10)
        self.arrow_len = 0.16 * min(x_hi - x_lo, y_hi - y_lo)
        self.thetas = np.linspace(-np.pi, np.pi, 361)
        self.level_set = level_set_finder(self.problem)
        # Three positions per axis for the static export (9 frames, so the page stays under 3 MB), kept
        # away from the frame's edges.
        inner = np.linspace(n // 6, n - 1 - n // 6, 3).round().astype(int)
        self.static_x, self.static_y = [self.xs[i] for i in inner], [self.ys[i] for i in inner]


def field_compute(setup: FieldSetup, x, y) -> dict:
    """The gradient at ``(x, y)``, the level set through it and the directional derivatives."""
    p = np.array([x, y], dtype=float)
    g = setup.problem.grad(p)
    norm = float(np.linalg.norm(g))
    lines, cos = setup.level_set(p)
    return {"setup": setup, "point": p, "f": float(setup.problem.f(p)), "grad": g, "norm": norm,
            "unit": g / norm if norm > 0 else np.zeros(2),
            "angle": float(np.arctan2(g[1], g[0])) if norm > 0 else None,
            "level_set": lines, "tangent_cos": cos, "thetas": setup.thetas,
            "directional": g[0] * np.cos(setup.thetas) + g[1] * np.sin(setup.thetas)}


def field_result(data) -> str:
    p, g = data["point"], data["grad"]
    if data["angle"] is None:
        return f"at ({p[0]:.2f}, {p[1]:.2f}): f = {data['f']:.3g}, the gradient vanishes (a stationary point)"
    return (f"at ({p[0]:.2f}, {p[1]:.2f}): f = {data['f']:.3g}, gradient ({g[0]:.3g}, {g[1]:.3g}) of length "
            f"{data['norm']:.3g}, pointing at {np.degrees(data['angle']):.0f} degrees")


def _polyline(lines):
    if not lines:
        return np.array([]), np.array([])
    joined = np.concatenate([np.vstack([s, [np.nan, np.nan]]) for s in lines])
    return joined[:, 0], joined[:, 1]


def _span(norm):
    return 1.15 * max(float(norm), 1e-12)


def field_draw(fig, data) -> dict:
    """Left: contours, the point, the gradient arrows and the level set; right: D_u f against the angle."""
    s = data["setup"]
    thetas = s.thetas
    ax, ax_dir = fig.subplots(1, 2, width_ratios=[1.15, 1])
    plots.contour(s.problem, ax, filled=False, levels=18)
    (level,) = ax.plot([], [], color=plots.color(7), linewidth=2.2, label="level set through the point")
    (tangent,) = ax.plot([], [], color=plots.color(7), linewidth=1, linestyle=":")
    up = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                     arrowprops=dict(arrowstyle="-|>", color=plots.color(1), linewidth=2.2, mutation_scale=14))
    down = ax.annotate("", xy=(0, 0), xytext=(0, 0),
                       arrowprops=dict(arrowstyle="-|>", color=plots.color(0), linewidth=1.6,
                                       linestyle="--", mutation_scale=12))
    (dot,) = ax.plot([], [], "o", color=plots.color(1), markeredgecolor="black", markersize=7, zorder=5)
    ax.plot([], [], color=plots.color(1), linewidth=2.2, label=r"$\nabla f$ (steepest ascent)")
    ax.plot([], [], color=plots.color(0), linewidth=1.6, linestyle="--", label=r"$-\nabla f$ (steepest descent)")
    legend = ax.legend(loc="lower left", fontsize="x-small", framealpha=0.9)
    ax.set_title(s.problem.name, fontsize="medium")
    zero = ax_dir.axhline(0, color="0.6", linewidth=0.8)
    (curve,) = ax_dir.plot(thetas * 180 / np.pi, data["directional"], color=plots.color(2), linewidth=1.8,
                           label=r"$D_u f = \nabla f \cdot u$")
    (peak,) = ax_dir.plot([], [], "o", color=plots.color(1), markersize=7, label=r"max $= \|\nabla f\|$")
    (zeros,) = ax_dir.plot([], [], "s", color=plots.color(7), markersize=5, label="along the level set")
    ax_dir.set_xlim(-180, 180)
    ax_dir.set_xticks(np.arange(-180, 181, 90))
    ax_dir.set_xlabel(r"direction $\theta$ of $u$ (degrees)")
    ax_dir.set_ylabel("slope of $f$ along $u$")
    legend_dir = ax_dir.legend(loc="lower right", fontsize="x-small")
    ax_dir.grid(True, alpha=0.3)
    title = fig.suptitle("", fontsize="medium")
    handles = {"level": level, "tangent": tangent, "up": up, "down": down, "dot": dot, "curve": curve,
               "peak": peak, "zeros": zeros, "ax_dir": ax_dir, "title": title,
               # Redrawn each frame in the order of a full draw: gridlines, data, the frame, the legend
               # on top (the same each frame: replayed). The contours and the x axes stay cached.
               "animated": [level, tangent, up, down, dot, *ax.spines.values(), legend,
                            ax_dir.yaxis, zero, curve, peak, zeros, *ax_dir.spines.values(), legend_dir,
                            title],
               "static": [legend, legend_dir]}
    field_update(handles, data)
    # The right panel's y limits follow |grad f|: lay out once for the widest tick labels on the grid.
    norms = np.linalg.norm(s.problem.grad(np.stack(np.meshgrid(s.xs, s.ys), axis=-1)), axis=-1).ravel()
    spans = [_span(v) for v in np.quantile(norms, [0.0, 0.1, 0.5, 0.9, 1.0])]
    fit_layout(fig, [lambda lim=lim: ax_dir.set_ylim(-lim, lim) for lim in spans])
    ax_dir.set_ylim(-_span(data["norm"]), _span(data["norm"]))
    return handles


def field_update(h: dict, data) -> None:
    arrow_len = data["setup"].arrow_len
    p, u, norm = data["point"], data["unit"], data["norm"]
    h["dot"].set_data([p[0]], [p[1]])
    h["level"].set_data(*_polyline(data["level_set"]))
    h["up"].xy, h["up"].xyann = tuple(p + arrow_len * u), tuple(p)
    h["down"].xy, h["down"].xyann = tuple(p - arrow_len * u), tuple(p)
    h["up"].set_visible(norm > 0)
    h["down"].set_visible(norm > 0)
    perp = np.array([-u[1], u[0]]) * 0.7 * arrow_len
    h["tangent"].set_data([p[0] - perp[0], p[0] + perp[0]], [p[1] - perp[1], p[1] + perp[1]])
    h["curve"].set_ydata(data["directional"])
    h["ax_dir"].set_ylim(-_span(norm), _span(norm))
    if data["angle"] is not None:
        a = np.degrees(data["angle"])
        h["peak"].set_data([a], [norm])
        h["zeros"].set_data([(a + 90 + 180) % 360 - 180, (a - 90 + 180) % 360 - 180], [0.0, 0.0])
    else:
        h["peak"].set_data([], [])
        h["zeros"].set_data([], [])
    g = data["grad"]
    h["title"].set_text(f"at ({p[0]:.2f}, {p[1]:.2f}): f = {data['f']:.3g}, "
                        f"∇f = ({g[0]:.3g}, {g[1]:.3g}), |∇f| = {norm:.3g}")


def gradient_field_explorer(problem=None, x: Optional[float] = None, y: Optional[float] = None, *,
                            n_positions: int = 39) -> Explorer:
    r"""Move a point over a 2-D loss: its gradient, the level set through it, the directional derivatives.

    Left: contours of ``problem`` with the point, the gradient arrow :math:`\nabla f` (steepest ascent),
    :math:`-\nabla f` (steepest descent) and the level set through the point with its tangent, which
    the gradient crosses at a right angle. Right: the directional derivative
    :math:`D_u f = \nabla f \cdot u` for the unit direction :math:`u = (\cos\theta, \sin\theta)`: a
    cosine with maximum :math:`\lVert \nabla f \rVert` at the gradient's angle and zeros along the
    level set.

    Parameters
    ----------
    problem : Problem, optional
        A 2-D problem; default ``sc.problems.himmelblau()``.
    x, y : float, optional
        The starting point, inside the problem's bounds (snapped to the slider grid); default one of
        the static export's positions.
    n_positions : int
        Slider positions per axis over the problem's bounds (the static export uses 6 per axis).
    """
    problem = himmelblau() if problem is None else check_problem("problem", problem)
    if problem.dim != 2:
        raise ValueError(f"problem must be 2-D for gradient_field_explorer; {problem.name!r} has dim={problem.dim}")
    s = FieldSetup(problem, check_integer("n_positions", n_positions, low=12))
    return Explorer(
        controls={"x": Slider(values=s.xs, value=s.static_x[1] if x is None else x, label="point x",
                              static=s.static_x),
                  "y": Slider(values=s.ys, value=s.static_y[2] if y is None else y, label="point y",
                              static=s.static_y)},
        compute=partial(field_compute, s), draw=field_draw, update=field_update, result=field_result,
        figsize=(plots.COLUMN_WIDTH, 3.5), static_scale=1.0,
        title="Gradient explorer: steepest ascent, level sets and directional derivatives",
        alt=("Left: contour lines of the loss with a movable point. An orange arrow shows the gradient, a dashed "
             "blue arrow the negative gradient, and a black curve the level set through the point; the arrow "
             "crosses the level set at a right angle. Right: the slope of the loss along each direction, a "
             "cosine whose maximum, the gradient's length, sits at the gradient's direction and whose zeros "
             "are the two directions along the level set."),
    )


# -- finite differences ------------------------------------------------------------------------------------

_FUNCTIONS = {
    "sin": (np.sin, np.cos, r"\sin"),
    "exp": (np.exp, np.exp, r"\exp"),
}

#: The steps of the slider: 1e-15 ... 1e-1, four per decade.
FD_STEPS = np.geomspace(1e-15, 1e-1, 57)


@dataclass(eq=False)
class FDSetup:
    """The function, the point, the error sweep over h and the offsets of the zoomed view."""

    func: str = "sin"
    x: float = 1.0

    def __post_init__(self):
        self.f, self.df, self.tex = _FUNCTIONS[self.func]
        self.sweep = step_sweep(self.f, self.df, self.x, hs=np.geomspace(1e-16, 1.0, 193))
        self.s = np.linspace(-2.0, 2.0, 401)
        self.fx, self.exact = float(self.f(self.x)), float(self.df(self.x))
        self.h_theory = theoretical_best_h("central", abs(self.fx),
                                           abs(self.exact) if self.func == "sin" else abs(self.fx))


def fd_compute(setup: FDSetup, h) -> dict:
    """Both difference quotients at step ``h``, their errors and the function seen at the scale of h."""
    f, x, fx, h = setup.f, setup.x, setup.fx, float(h)
    fwd = (f(x + h) - fx) / h
    cen = (f(x + h) - f(x - h)) / (2 * h)
    return {"setup": setup, "h": h, "view": (f(x + setup.s * h) - fx) / h, "forward": float(fwd),
            "central": float(cen), "err_forward": abs(float(fwd) - setup.exact),
            "err_central": abs(float(cen) - setup.exact), "left": float((f(x - h) - fx) / h)}


def fd_result(data) -> str:
    return (f"h = {data['h']:.1e}: forward error {data['err_forward']:.1e}, central error "
            f"{data['err_central']:.1e} (best central h about {data['setup'].h_theory:.0e})")


def fd_draw(fig, data) -> dict:
    """Left: the V-shaped error curves with h marked; right: the quotient at the scale of h."""
    st = data["setup"]
    s, exact, sweep = st.s, st.exact, st.sweep
    ax, ax_zoom = fig.subplots(1, 2, width_ratios=[1.1, 1])
    floor = 1e-17
    ax.loglog(sweep.hs, np.maximum(sweep.errors["forward"], floor), color=plots.color(0), linewidth=1.5,
              label="forward")
    ax.loglog(sweep.hs, np.maximum(sweep.errors["central"], floor), color=plots.color(1), linewidth=1.5,
              label="central")
    ax.axvline(EPS ** 0.5, color=plots.color(0), linestyle=":", linewidth=1)
    ax.axvline(EPS ** (1 / 3), color=plots.color(1), linestyle=":", linewidth=1)
    ax.text(EPS ** 0.5, 3e-1, r"$\sqrt{\varepsilon}$", color=plots.color(0), ha="right", fontsize="small")
    ax.text(EPS ** (1 / 3), 3e-1, r"$\varepsilon^{1/3}$", color=plots.color(1), ha="left", fontsize="small")
    vline = ax.axvline(data["h"], color="0.2", linewidth=1.2)
    (mf,) = ax.plot([], [], "o", color=plots.color(0), markeredgecolor="black", zorder=4)
    (mc,) = ax.plot([], [], "o", color=plots.color(1), markeredgecolor="black", zorder=4)
    ax.set_ylim(1e-13, 10)
    ax.set_xlabel("step $h$")
    ax.set_ylabel(r"error $|D_h f(x) - f'(x)|$")
    ax.set_title(f"${st.tex}'({st.x:g})$ by differences", fontsize="medium")
    legend = ax.legend(loc="lower left", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    (view,) = ax_zoom.plot(s, data["view"], color="0.25", linewidth=1.4, drawstyle="steps-mid",
                           label=r"$(f(x+sh) - f(x))/h$")
    (tangent,) = ax_zoom.plot(s, exact * s, color=plots.color(2), linewidth=1.2, label="tangent")
    (sec_f,) = ax_zoom.plot([], [], "--", color=plots.color(0), linewidth=1.4, label="forward secant")
    (sec_c,) = ax_zoom.plot([], [], "--", color=plots.color(1), linewidth=1.4, label="central secant")
    (pts,) = ax_zoom.plot([], [], "o", color="0.2", markersize=4)
    ax_zoom.set_xlabel("offset $s$ (in units of $h$)")
    ax_zoom.set_ylabel(r"$(f(x + s h) - f(x)) / h$")
    legend_zoom = ax_zoom.legend(loc="upper left", fontsize="x-small")
    ax_zoom.grid(True, alpha=0.3)
    title = fig.suptitle("", fontsize="medium")
    handles = {"vline": vline, "mf": mf, "mc": mc, "view": view, "sec_f": sec_f, "sec_c": sec_c,
               "pts": pts, "ax_zoom": ax_zoom, "title": title,
               # Redrawn each frame in the order of a full draw (data, frame, legend; the legends are the
               # same each frame: replayed). The right panel's y limits follow the data, so its y axis
               # and the fixed tangent move too; the error curves and the x axes stay cached.
               "animated": [vline, mf, mc, *ax.spines.values(), legend, ax_zoom.yaxis, view, tangent, sec_f,
                            sec_c, pts, *ax_zoom.spines.values(), legend_zoom, title],
               "static": [legend, legend_zoom]}
    fd_update(handles, data)
    return handles


def fd_update(hd: dict, data) -> None:
    st = data["setup"]
    s, exact, h = st.s, st.exact, data["h"]
    hd["vline"].set_xdata([h, h])
    hd["mf"].set_data([h], [max(data["err_forward"], 1e-17)])
    hd["mc"].set_data([h], [max(data["err_central"], 1e-17)])
    hd["view"].set_ydata(data["view"])
    hd["sec_f"].set_data(s, data["forward"] * s)
    hd["sec_c"].set_data(s, data["central"] * s)
    right = data["view"][-1]
    hd["pts"].set_data([-1.0, 0.0, 1.0], [data["left"], 0.0, data["forward"]])
    lo = min(float(np.min(data["view"])), -2 * abs(exact), right)
    hi = max(float(np.max(data["view"])), 2 * abs(exact))
    pad = 0.08 * (hi - lo)
    hd["ax_zoom"].set_ylim(lo - pad, hi + pad)
    hd["title"].set_text(f"h = {h:.1e}: forward error {data['err_forward']:.1e}, "
                         f"central error {data['err_central']:.1e}")


def finite_difference_explorer(func: str = "sin", x: float = 1.0, h: float = 1e-3) -> Explorer:
    r"""The step ``h`` of forward and central differences: where the error comes from.

    Left: the error :math:`|D_h f(x) - f'(x)|` of both quotients against ``h`` (log-log): the V whose
    right arm is truncation (slope 1 forward, 2 central) and whose left arm is round-off (slope -1),
    with the current ``h`` marked. Right: what the quotient sees, :math:`(f(x + s h) - f(x))/h` against
    :math:`s \in [-2, 2]`, with the tangent (slope :math:`f'(x)`) and the two secants: for large ``h``
    the curve bends away from the tangent; for tiny ``h`` it becomes a staircase of float64 values.

    Parameters
    ----------
    func : {"sin", "exp"}
        The function.
    x : float
        The point, a finite number.
    h : float
        The starting step, from 1e-15 to 0.1 (snapped to the slider grid, four steps per decade; the
        static export has one per decade).
    """
    setup = FDSetup(check_choice("func", func, tuple(_FUNCTIONS)), check_number("x", x, low=-20, high=20))
    return Explorer(
        controls={"h": Slider(values=FD_STEPS, value=h, label="step h", static=FD_STEPS[::4])},
        compute=partial(fd_compute, setup), draw=fd_draw, update=fd_update, result=fd_result,
        figsize=(plots.COLUMN_WIDTH, 3.3), title="Finite-difference explorer: truncation against round-off",
        alt=("Left: log-log plot of the error of forward and central differences against the step h, two "
             "V-shaped curves with their bottoms near the square root and the cube root of machine epsilon; a "
             "vertical line marks the chosen h. Right: the function near x in units of h with its tangent and "
             "the two secants; for large h the curve bends away from the tangent, for tiny h it becomes a "
             "staircase of floating-point values."),
    )


# -- backpropagation on a small graph -----------------------------------------------------------------------

class NeuronGraph:
    r"""The computational graph of one logistic neuron and its cross-entropy loss, for one example.

    .. math::

        u_1 = w_1 x_1,\; u_2 = w_2 x_2,\; z = u_1 + u_2 + b,\; p = \sigma(z),\;
        L = -\bigl[y \log p + (1 - y) \log(1 - p)\bigr]

    :meth:`forward` evaluates the nodes in order; :meth:`backward` applies the chain rule in reverse:
    each node's gradient :math:`\bar v = \partial L / \partial v` is the sum over its consumers of the
    consumer's gradient times the local derivative.

    >>> g = NeuronGraph()
    >>> grads = g.backward()
    >>> abs(grads["z"] - (g.values["p"] - g.inputs["y"])) < 1e-12      # dL/dz = p - y
    True
    """

    #: Node -> (operation, inputs), in evaluation order.
    NODES = {
        "u1": ("mul", ("w1", "x1")),
        "u2": ("mul", ("w2", "x2")),
        "z": ("add", ("u1", "u2", "b")),
        "p": ("sigmoid", ("z",)),
        "L": ("bce", ("p", "y")),
    }
    #: Where each node is drawn (x, y in axes units).
    LAYOUT = {"x1": (0.0, 4.6), "w1": (0.0, 3.2), "x2": (0.0, 1.4), "w2": (0.0, 0.0), "b": (1.6, -0.9),
              "y": (4.8, 0.2), "u1": (1.6, 3.9), "u2": (1.6, 0.7), "z": (3.2, 2.3), "p": (4.8, 2.3),
              "L": (6.4, 2.3)}
    LABELS = {"x1": "$x_1$", "w1": "$w_1$", "x2": "$x_2$", "w2": "$w_2$", "b": "$b$", "y": "$y$",
              "u1": r"$u_1\!: \times$", "u2": r"$u_2\!: \times$", "z": r"$z\!: +$", "p": r"$p\!: \sigma$",
              "L": r"$L$: CE"}

    def __init__(self, x1: float = 1.5, x2: float = -0.5, w1: float = 0.8, w2: float = -1.2, b: float = 0.1,
                 y: float = 1.0):
        if y not in (0, 1):
            raise ValueError(f"y must be a class label 0 or 1; got {y!r}")
        self.inputs = {"x1": float(x1), "x2": float(x2), "w1": float(w1), "w2": float(w2), "b": float(b),
                       "y": float(y)}
        self.values = self.forward()
        self.grads = self.backward()

    def forward(self, inputs=None) -> dict:
        """Every node's value, inputs included."""
        v = dict(self.inputs if inputs is None else inputs)
        for name, (op, args) in self.NODES.items():
            a = [v[k] for k in args]
            if op == "mul":
                v[name] = a[0] * a[1]
            elif op == "add":
                v[name] = sum(a)
            elif op == "sigmoid":
                v[name] = float(1.0 / (1.0 + np.exp(-a[0])))
            else:  # binary cross-entropy of probability p and label y
                v[name] = float(-(a[1] * np.log(a[0]) + (1 - a[1]) * np.log(1 - a[0])))
        return v

    def local(self, name: str) -> dict:
        """The local derivatives of node ``name`` with respect to each of its inputs."""
        op, args = self.NODES[name]
        v = self.values
        if op == "mul":
            return {args[0]: v[args[1]], args[1]: v[args[0]]}
        if op == "add":
            return {a: 1.0 for a in args}
        if op == "sigmoid":
            return {args[0]: v[name] * (1 - v[name])}
        p, y = v[args[0]], v[args[1]]
        return {args[0]: -y / p + (1 - y) / (1 - p)}

    def backward(self) -> dict:
        """``dL/dv`` for every node except the label ``y``, by the chain rule in reverse order."""
        grads = {"L": 1.0}
        for name in reversed(list(self.NODES)):
            for arg, d in self.local(name).items():
                grads[arg] = grads.get(arg, 0.0) + grads[name] * d
        return grads

    def order(self) -> list:
        """The stages shown by :func:`backprop_explorer`: forward over the nodes, then backward from the loss."""
        return ([("forward", n) for n in self.NODES] + [("backward", "seed")]
                + [("backward", n) for n in reversed(list(self.NODES))])

    def edges(self) -> list:
        return [(a, n) for n, (_, args) in self.NODES.items() for a in args]


def _highlight(box, color) -> None:
    box.get_bbox_patch().set_edgecolor(color)
    box.get_bbox_patch().set_linewidth(2.2)


def _stage_text(graph: NeuronGraph, data) -> str:
    values, grads = graph.values, graph.grads
    kind, node = data["current"]
    if kind == "forward":
        op, args = graph.NODES[node]
        return f"forward {data['stage']}/{len(graph.NODES)}: {node} = {op}({', '.join(args)}) = {values[node]:.4f}"
    if node == "seed":
        return "backward starts at the loss: ∂L/∂L = 1"
    if kind == "backward":
        parts = ", ".join(f"∂L/∂{a} = {grads[node]:.3g} × {d:.3g} = {grads[a]:.3g}"
                          for a, d in graph.local(node).items() if a != "y")
        return f"backward through {node}: {parts}"
    return "start: only the inputs, the parameters and the label are known"


def backprop_compute(graph: NeuronGraph, stage) -> dict:
    """Which values and gradients are known after ``stage`` stages, and the stage just done."""
    stages = graph.order()
    stage = int(stage)
    shown_v, shown_g = set(graph.inputs), set()
    for kind, node in stages[:stage]:
        if kind == "forward":
            shown_v.add(node)
        elif node == "seed":
            shown_g.add("L")
        else:  # the node passes its gradient on to each of its inputs (the label y has none)
            shown_g.update(a for a in graph.local(node) if a != "y")
    data = {"graph": graph, "stage": stage, "values": {k: graph.values[k] for k in shown_v},
            "grads": {k: graph.grads[k] for k in shown_g},
            "current": stages[stage - 1] if stage > 0 else ("start", None)}
    data["text"] = _stage_text(graph, data)
    return data


def backprop_result(data) -> str:
    return data["text"]


def backprop_draw(fig, data) -> dict:
    """The graph: edges once; node boxes, values (blue, above) and gradients (orange, below) per stage."""
    graph = data["graph"]
    ax = fig.add_subplot()
    ax.set_xlim(-0.8, 7.2)
    ax.set_ylim(-1.7, 5.3)
    ax.axis("off")
    pos = graph.LAYOUT
    for a, b in graph.edges():
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops=dict(arrowstyle="-|>", color="0.55", shrinkA=14, shrinkB=14, linewidth=1))
    boxes, vtexts, gtexts = {}, {}, {}
    for name, (px, py) in pos.items():
        boxes[name] = ax.text(px, py, graph.LABELS[name], ha="center", va="center", fontsize=11, zorder=3,
                              bbox=dict(boxstyle="round,pad=0.35", facecolor="white", edgecolor="0.3"))
        vtexts[name] = ax.text(px, py + 0.42, "", ha="center", va="bottom", fontsize=9, color=plots.color(0))
        gtexts[name] = ax.text(px, py - 0.42, "", ha="center", va="top", fontsize=9, color=plots.color(1))
    ax.text(7.2, -1.1, "blue, above: the node's value (forward pass)\norange, below: ∂L/∂node (backward pass)",
            fontsize=8, color="0.3", ha="right", va="top")
    title = ax.set_title("", fontsize="medium")
    handles = {"graph": graph, "boxes": boxes, "v": vtexts, "g": gtexts, "title": title,
               # The edges and the key stay cached; the nodes (their outline marks the current one) and
               # the numbers are redrawn, on top of the edges as in a full draw.
               "animated": [*boxes.values(), *vtexts.values(), *gtexts.values(), title]}
    backprop_update(handles, data)
    return handles


def backprop_update(h: dict, data) -> None:
    graph = h["graph"]
    for name in graph.LAYOUT:
        v = data["values"].get(name)
        g = data["grads"].get(name)
        h["v"][name].set_text("" if v is None else f"{v:.3f}")
        h["g"][name].set_text("" if g is None else f"{g:+.3f}")
        h["boxes"][name].get_bbox_patch().set_edgecolor("0.3")
        h["boxes"][name].get_bbox_patch().set_linewidth(1.0)
    kind, node = data["current"]
    if kind == "forward":
        _highlight(h["boxes"][node], plots.color(0))
    elif kind == "backward":
        _highlight(h["boxes"]["L" if node == "seed" else node], plots.color(1))
    h["title"].set_text(data["text"])


def backprop_explorer(stage: int = 0) -> Explorer:
    """Step through the forward and the backward pass of a logistic neuron's computational graph.

    Forward stages fill in each node's value (blue, above the node) in evaluation order; backward stages
    fill in :math:`\\partial L / \\partial v` (orange, below) from the loss back to the weights, each one
    the gradient arriving from above times a local derivative.

    Parameters
    ----------
    stage : int
        The initial stage, from 0 (only the inputs known) to the last backward stage.
    """
    graph = NeuronGraph()
    return Explorer(
        controls={"stage": Slider(values=np.arange(0, len(graph.order()) + 1), value=stage, label="stage")},
        compute=partial(backprop_compute, graph), draw=backprop_draw, update=backprop_update,
        result=backprop_result, figsize=(plots.COLUMN_WIDTH, 3.9),
        title="Backpropagation explorer: one forward pass, one backward pass",
        alt=("A computational graph: inputs x1, x2, weights w1, w2 and bias b feed two products, a sum z, a "
             "sigmoid p and the cross-entropy loss L. Moving the slider first fills in each node's value from "
             "left to right, then each node's gradient dL/dnode from right to left."),
    )
