r"""The heavy ball's :math:`2\times 2` picture, live: two sliders, :math:`\eta\lambda` and :math:`\beta`.

Left, the complex plane: the unit circle, the circle of radius :math:`\sqrt\beta` on which complex
roots must lie, and the two roots of :math:`z^2 - (1 + \beta - \eta\lambda)z + \beta`. Right, the error
of one direction started at rest, :math:`e_k` for 40 steps, with the envelope :math:`\pm\rho^k`
(:math:`\rho` the larger root modulus). The title names the regime (:mod:`stepcourse.momentum_roots`).

``momentum_roots_compute``, ``momentum_roots_draw`` and ``momentum_roots_update`` are the pieces;
:func:`momentum_roots_explorer` wires them to the controls.
"""
from __future__ import annotations

import numpy as np

from .. import momentum_roots as R
from .. import plots
from . import Explorer, Slider

__all__ = ["momentum_roots_explorer", "momentum_roots_compute", "momentum_roots_draw",
           "momentum_roots_update", "momentum_roots_result", "ETA_LAMBDA_GRID", "BETA_GRID"]

#: :math:`\eta\lambda` from 0 to 4 in steps of 0.05 (the static export uses steps of 0.25).
ETA_LAMBDA_GRID = tuple(round(0.05 * i, 2) for i in range(81))
#: Momenta offered (0 is gradient descent); the static export uses three of them (51 frames).
BETA_GRID = (0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.7, 0.81, 0.9, 0.95)
STEPS = 40
_Y_LIMIT = 2.5


def momentum_roots_compute(eta_lambda: float = 1.0, beta: float = 0.5, steps: int = STEPS) -> dict:
    """Roots, regime and the error sequence of one direction.

    >>> d = momentum_roots_compute(0.25, 0.25)
    >>> d["regime"], round(d["radius"], 6)
    ('critical', 0.5)
    """
    z = R.roots(eta_lambda, beta)
    radius = float(np.abs(z[0]))
    regime = R.damping(eta_lambda, beta)
    errors = R.error_sequence(eta_lambda, beta, steps)
    low, high = R.critical_eta_lambda(beta)
    limit = R.stability_limit(beta)
    if regime == "unstable":
        words = f"unstable: |z| = {radius:.3f} >= 1 (stable only for eta*lambda < {limit:.2f})"
    else:
        words = f"{regime}: the error shrinks by |z| = {radius:.3f} per step"
    return {"eta_lambda": float(eta_lambda), "beta": float(beta), "roots": z, "radius": radius,
            "regime": regime, "errors": errors, "critical": (low, high), "limit": limit,
            "title": f"eta*lambda = {float(eta_lambda):g}, beta = {float(beta):g}: {words}"}


def _clip(errors):
    return np.clip(errors, -1.5 * _Y_LIMIT, 1.5 * _Y_LIMIT)


def momentum_roots_draw(fig, data) -> dict:
    """Build both panels once; returns the handles ``momentum_roots_update`` moves."""
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.4])
    t = np.linspace(0, 2 * np.pi, 200)
    ax1.plot(np.cos(t), np.sin(t), color="0.5", linewidth=1, label="unit circle")
    (sqrt_beta,) = ax1.plot(np.sqrt(data["beta"]) * np.cos(t), np.sqrt(data["beta"]) * np.sin(t),
                            color=plots.color(2), linestyle="--", linewidth=1, label=r"radius $\sqrt{\beta}$")
    (points,) = ax1.plot(data["roots"].real, data["roots"].imag, "o", color=plots.color(1), markersize=7,
                         label="roots")
    ax1.axhline(0, color="0.85", linewidth=0.8, zorder=0)
    ax1.axvline(0, color="0.85", linewidth=0.8, zorder=0)
    ax1.set_xlim(-1.6, 1.6)
    ax1.set_ylim(-1.6, 1.6)
    ax1.set_aspect("equal")
    ax1.set_xlabel("real part")
    ax1.set_ylabel("imaginary part")
    ax1.legend(fontsize="small", loc="lower left")
    k = np.arange(len(data["errors"]))
    (line,) = ax2.plot(k, _clip(data["errors"]), "o-", color=plots.color(0), markersize=3,
                       label="error $e_k$")
    (upper,) = ax2.plot(k, data["radius"] ** k, color=plots.color(3), linewidth=1, linestyle=":",
                        label=r"$\pm\rho^k$")
    (lower,) = ax2.plot(k, -data["radius"] ** k, color=plots.color(3), linewidth=1, linestyle=":")
    ax2.axhline(0, color="0.7", linewidth=0.8)
    ax2.set_ylim(-_Y_LIMIT, _Y_LIMIT)
    ax2.set_xlabel("step $k$")
    ax2.set_ylabel("error of one direction")
    ax2.legend(fontsize="small", loc="upper right")
    title = fig.suptitle(data["title"], fontsize="medium")
    return {"roots": points, "sqrt_beta": sqrt_beta, "errors": line, "upper": upper, "lower": lower,
            "title": title, "animated": [points, sqrt_beta, line, upper, lower, title]}


def momentum_roots_update(handles, data) -> None:
    """Move the roots, the circle of radius sqrt(beta), the error sequence and the title in place."""
    t = np.linspace(0, 2 * np.pi, 200)
    handles["roots"].set_data(data["roots"].real, data["roots"].imag)
    handles["sqrt_beta"].set_data(np.sqrt(data["beta"]) * np.cos(t), np.sqrt(data["beta"]) * np.sin(t))
    k = np.arange(len(data["errors"]))
    handles["errors"].set_data(k, _clip(data["errors"]))
    envelope = np.minimum(data["radius"] ** k, 1.5 * _Y_LIMIT)
    handles["upper"].set_data(k, envelope)
    handles["lower"].set_data(k, -envelope)
    handles["title"].set_text(data["title"])


def momentum_roots_result(data) -> str:
    """The regime in words: the explorer's result line (and its static export's, frame by frame)."""
    return data["title"]


def momentum_roots_explorer(eta_lambda: float = 1.0, beta: float = 0.25):
    r"""Explore the heavy ball on one eigen-direction: where its two roots lie for each
    :math:`(\eta\lambda, \beta)`, and what the error does.

    Try :math:`\beta = 0.25`: the roots meet at :math:`\eta\lambda = 0.25` (critical damping), travel
    around the circle of radius 0.5 (underdamped) until :math:`\eta\lambda = 2.25`, meet again on the
    negative axis, and split along it until one leaves the unit circle at :math:`2 + 2\beta = 2.5`.

    >>> ex = momentum_roots_explorer()
    >>> sorted(ex.controls), ex.data["regime"]
    (['beta', 'eta_lambda'], 'underdamped')
    """
    controls = {
        "eta_lambda": Slider(values=ETA_LAMBDA_GRID, value=eta_lambda, label="eta*lambda",
                             static=[v for v in ETA_LAMBDA_GRID if abs(v * 4 - round(v * 4)) < 1e-9]),
        "beta": Slider(values=BETA_GRID, value=beta, label="momentum beta", static=[0.0, 0.25, 0.81]),
    }
    return Explorer(
        controls=controls, compute=momentum_roots_compute, draw=momentum_roots_draw,
        update=momentum_roots_update, result=momentum_roots_result, figsize=(plots.COLUMN_WIDTH, 3.3),
        alt="Left: the complex plane with the unit circle, a dashed circle of radius sqrt(beta) and the "
            "two roots of the heavy ball's iteration on one direction. Right: that direction's error "
            "over 40 steps from rest with the envelope plus and minus rho^k. Complex roots sit on the "
            "dashed circle and the error rings; real roots make it creep (both positive) or flip sign "
            "(one negative); outside the unit circle it grows.",
    )
