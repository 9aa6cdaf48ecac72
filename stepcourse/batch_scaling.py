r"""Batch size at scale: the gradient noise scale, the critical batch size, the linear scaling rule
and Polyak-Ruppert averaging, measured on least squares.

With per-example gradients :math:`g_i` of mean :math:`G = \nabla\ell(w)` and covariance
:math:`\Sigma`, a batch of :math:`B` independent rows has the mean :math:`G` and the covariance
:math:`\Sigma/B`. McCandlish et al. (2018) expand the loss to second order along one SGD step of
size :math:`\eta`: the expected decrease is

.. math::

    \mathbb E[\Delta\ell] = \eta\lVert G\rVert^2 - \frac{\eta^2}{2}\Bigl(G^\top H G +
    \frac{\operatorname{tr}(H\Sigma)}{B}\Bigr),

largest at :math:`\eta_{\rm opt}(B) = \eta_{\max}/(1 + B_{\rm noise}/B)` with
:math:`\eta_{\max} = \lVert G\rVert^2/G^\top H G` and the **gradient noise scale**

.. math::

    B_{\rm noise} = \frac{\operatorname{tr}(H\Sigma)}{G^\top H G}
    \;\approx\; B_{\rm simple} = \frac{\operatorname{tr}\Sigma}{\lVert G\rVert^2}
    \quad (H \propto I).

Below :math:`B_{\rm noise}` the best rate grows in proportion to the batch (the **linear scaling rule**
of Goyal et al. 2017: :math:`k` times the batch, :math:`k` times the rate, the same progress per
example); above it the rate saturates at :math:`\eta_{\max}` and extra rows buy nothing. Over a whole
run the same trade appears as :math:`S = S_{\min}(1 + B_{\rm crit}/B)` steps and
:math:`E = E_{\min}(1 + B/B_{\rm crit})` examples to reach a target loss, with the **critical batch
size** :math:`B_{\rm crit} = E_{\min}/S_{\min}` (:func:`fit_critical_batch`).

>>> G = np.array([[1.0, 0.0], [-1.0, 0.0], [3.0, 2.0], [1.0, 2.0]])   # mean (1, 1)
>>> round(noise_scale(G), 6)                      # tr(Sigma) = 2 + 1 = 3, |G|^2 = 2
1.5
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_generator, check_integer, check_positive

__all__ = ["noise_scale", "noise_scale_along", "LeastSquares", "least_squares", "sgd_runs",
           "steps_to_target", "tuned_steps", "fit_critical_batch", "polyak_ruppert", "averaged_gap",
           "noise_scales_on_path", "predicted_improvement", "optimal_step", "measured_improvement"]


def _check_grads(per_example) -> np.ndarray:
    G = np.asarray(per_example, dtype=float)
    if G.ndim != 2 or len(G) < 2:
        raise ValueError(f"per_example must have shape (n, p) with n >= 2; got {G.shape}")
    return G


def noise_scale(per_example, hessian=None) -> float:
    r"""The gradient noise scale of McCandlish et al. (2018).

    Without ``hessian``: :math:`B_{\rm simple} = \operatorname{tr}\Sigma/\lVert G\rVert^2`; with it:
    :math:`B_{\rm noise} = \operatorname{tr}(H\Sigma)/(G^\top H G)`. :math:`G` is the mean of the rows
    of ``per_example`` (shape ``(n, p)``) and :math:`\Sigma` their covariance (divided by :math:`n`).

    >>> G = np.array([[2.0, 0.0], [0.0, 2.0]])            # mean (1, 1), Sigma = [[1, -1], [-1, 1]]
    >>> noise_scale(G), noise_scale(G, hessian=np.diag([1.0, 3.0]))
    (1.0, 1.0)
    """
    G = _check_grads(per_example)
    g = G.mean(axis=0)
    S = np.cov(G.T, bias=True).reshape(G.shape[1], G.shape[1])
    if hessian is None:
        return float(np.trace(S) / (g @ g))
    H = np.asarray(hessian, dtype=float)
    return float(np.trace(H @ S) / (g @ H @ g))


@dataclass(frozen=True, eq=False)
class LeastSquares:
    r"""Least squares :math:`\ell(w) = \frac1n\lVert X_c w - y_c\rVert^2` on centered data (the bias
    eliminated), as :func:`stepcourse.problems.minibatch_least_squares` defines it.

    Attributes: ``Xc``, ``yc``, ``w_star`` (the minimizer), ``H`` (the Hessian
    :math:`\tfrac2n X_c^\top X_c`); :meth:`gap` is :math:`\ell(w) - \ell^\star =
    \tfrac12 (w - w^\star)^\top H (w - w^\star)`, :meth:`per_example_grad` the :math:`n` gradients
    :math:`2x_i(x_i^\top w - y_i)`.
    """

    Xc: np.ndarray
    yc: np.ndarray
    w_star: np.ndarray
    H: np.ndarray

    @property
    def n(self) -> int:
        return len(self.yc)

    def gap(self, w) -> np.ndarray:
        e = np.asarray(w, dtype=float) - self.w_star
        return 0.5 * np.einsum("...i,ij,...j->...", e, self.H, e)

    def per_example_grad(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        return 2 * self.Xc * (self.Xc @ w - self.yc)[:, None]


def least_squares(X, y) -> LeastSquares:
    """The :class:`LeastSquares` problem of the data ``X`` (shape ``(n, d)``) and ``y``.

    >>> p = least_squares([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0])
    >>> p.w_star.round(12).tolist(), float(p.gap(p.w_star))
    ([1.0], 0.0)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must have shape (n, d) and y shape (n,); got {X.shape} and {y.shape}")
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w_star = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return LeastSquares(Xc=Xc, yc=yc, w_star=w_star, H=2 * Xc.T @ Xc / len(yc))


def noise_scale_along(problem: LeastSquares, w0, fractions, hessian: bool = False):
    r"""Loss gaps and noise scales at the points :math:`w^\star + (1 - \lambda)(w_0 - w^\star)` for the
    fractions :math:`\lambda` of the way from ``w0`` to the minimum: the noise scale grows as the
    gradient shrinks, like :math:`1/(\ell - \ell^\star)` near the minimum.

    Returns ``(gaps, scales)``; ``hessian=True`` gives :math:`B_{\rm noise}`, else :math:`B_{\rm simple}`.
    """
    w0 = np.asarray(w0, dtype=float)
    gaps, scales = [], []
    for lam in np.atleast_1d(np.asarray(fractions, dtype=float)):
        w = problem.w_star + (1 - lam) * (w0 - problem.w_star)
        gaps.append(float(problem.gap(w)))
        scales.append(noise_scale(problem.per_example_grad(w), problem.H if hessian else None))
    return np.array(gaps), np.array(scales)


def sgd_runs(problem: LeastSquares, batch_size: int, lrs, steps: int, w0=None, seed=0,
             independent: bool = False):
    r"""Mini-batch SGD with batches of ``batch_size`` rows drawn independently (with replacement),
    one run per entry of ``lrs``, all at once:
    :math:`w_{t+1} = w_t - \eta\,\frac{2}{B}\sum_{i \in \mathcal B_t} x_i (x_i^\top w_t - y_i)`.

    Returns ``(gaps, ws)``: the loss gaps, shape ``(runs, steps + 1)``, and the iterates, shape
    ``(runs, steps + 1, d)``. The runs of one call share their batches (the same noise for every
    rate), unless ``independent=True``, which draws separate batches for each run (repeats of an
    experiment).

    >>> p = least_squares(np.eye(3) * [1.0, 2.0, 3.0], [1.0, 0.0, -1.0])
    >>> gaps, ws = sgd_runs(p, 3, [0.0, 0.1], steps=5)
    >>> gaps.shape, ws.shape, bool(gaps[0, -1] == gaps[0, 0] and gaps[1, -1] < gaps[1, 0])
    ((2, 6), (2, 6, 3), True)
    """
    B = check_integer("batch_size", batch_size, low=1)
    steps = check_integer("steps", steps, low=0)
    lrs = np.atleast_1d(np.asarray(lrs, dtype=float))
    rng = as_generator(seed)
    d = problem.Xc.shape[1]
    w = np.tile(np.zeros(d) if w0 is None else np.asarray(w0, dtype=float), (len(lrs), 1))
    ws = np.empty((len(lrs), steps + 1, d))
    ws[:, 0] = w
    with np.errstate(all="ignore"):
        for t in range(steps):
            if independent:
                idx = rng.integers(0, problem.n, size=(len(lrs), B))
                Xb, yb = problem.Xc[idx], problem.yc[idx]  # (runs, B, d), (runs, B)
                r = np.einsum("rbd,rd->rb", Xb, w) - yb
                g = (2.0 / B) * np.einsum("rb,rbd->rd", r, Xb)
            else:
                idx = rng.integers(0, problem.n, size=B)  # one batch, shared by the runs
                Xb, yb = problem.Xc[idx], problem.yc[idx]
                g = (2.0 / B) * (w @ Xb.T - yb) @ Xb
            w = w - lrs[:, None] * g
            ws[:, t + 1] = w
    return problem.gap(ws), ws


def steps_to_target(problem: LeastSquares, batch_size: int, lrs, target: float, max_steps: int,
                    seeds=(0, 1, 2), w0=None) -> np.ndarray:
    """For each rate of ``lrs``, the median over ``seeds`` of the first step whose loss gap is at most
    ``target`` (``inf`` when a run never gets there in ``max_steps``)."""
    target = check_positive("target", target)
    found = []
    for seed in seeds:
        gaps, _ = sgd_runs(problem, batch_size, lrs, max_steps, w0=w0, seed=seed)
        hit = gaps <= target
        first = np.where(hit.any(axis=1), hit.argmax(axis=1), np.inf).astype(float)
        found.append(first)
    return np.median(np.array(found), axis=0)


def tuned_steps(problem: LeastSquares, batch_sizes, lrs, target: float, max_steps: int,
                seeds=(0, 1, 2), w0=None) -> dict:
    """The fewest steps to ``target`` over the rates ``lrs`` for each batch size, and the rate that
    gives them: ``{"batch_sizes", "steps", "lr", "examples"}`` (examples = steps x batch size)."""
    sizes = np.asarray(batch_sizes, dtype=int)
    lrs = np.asarray(lrs, dtype=float)
    steps, best = [], []
    for B in sizes:
        k = steps_to_target(problem, int(B), lrs, target, max_steps, seeds, w0)
        i = int(np.argmin(k))
        steps.append(k[i])
        best.append(lrs[i])
    steps = np.array(steps)
    return {"batch_sizes": sizes, "steps": steps, "lr": np.array(best), "examples": steps * sizes}


def fit_critical_batch(batch_sizes, steps):
    r"""Fit McCandlish et al.'s :math:`S = S_{\min}(1 + B_{\rm crit}/B)` to measured steps by least
    squares in :math:`1/B` (a straight line :math:`S = a + b/B`, so :math:`S_{\min} = a`,
    :math:`B_{\rm crit} = b/a`, :math:`E_{\min} = b`).

    Returns ``(S_min, E_min, B_crit)``.

    >>> B = np.array([1, 2, 4, 8, 16, 32])
    >>> [round(v, 6) for v in fit_critical_batch(B, 10 * (1 + 8 / B))]
    [10.0, 80.0, 8.0]
    """
    B = np.asarray(batch_sizes, dtype=float)
    S = np.asarray(steps, dtype=float)
    if B.shape != S.shape or B.size < 2 or not np.all(np.isfinite(S)):
        raise ValueError("batch_sizes and steps must be matching arrays of >= 2 finite values")
    b, a = np.polyfit(1 / B, S, 1)
    return float(a), float(b), float(b / a)


def polyak_ruppert(xs, start: int = 0) -> np.ndarray:
    r"""Running averages of iterates from ``start`` on (Polyak & Juditsky 1992, Ruppert 1988):
    :math:`\bar x_k = \frac{1}{k - s + 1}\sum_{j=s}^{k} x_j` for :math:`k \ge s` (rows of ``xs``
    before ``start`` are dropped). On a quadratic the noise of the averaged iterate falls like
    :math:`1/k`, below the constant-rate noise floor.

    >>> polyak_ruppert(np.array([[0.0], [2.0], [4.0], [6.0]]), start=1)[:, 0].tolist()
    [2.0, 3.0, 4.0]
    """
    xs = np.asarray(xs, dtype=float)
    start = check_integer("start", start, low=0, high=len(xs) - 1)
    tail = xs[start:]
    counts = np.arange(1, len(tail) + 1).reshape((-1,) + (1,) * (tail.ndim - 1))
    return np.cumsum(tail, axis=0) / counts


def averaged_gap(hessian, noise_cov, steps: int, batch_size: int = 1) -> float:
    r"""The expected loss gap of the Polyak-Ruppert average of ``steps`` SGD iterates near the minimum
    of a quadratic, to leading order in :math:`1/k`:

    .. math::

        \mathbb E[\ell(\bar w_k)] - \ell^\star \approx \frac{\operatorname{tr}(H^{-1}\Sigma)}{2Bk},

    since :math:`\bar w_k - w^\star \approx -H^{-1}\,\bar\xi_k`, with :math:`\bar\xi_k` the mean of
    :math:`k` batch noises of covariance :math:`\Sigma/B`. It does not depend on the rate: the
    average reaches the statistical limit of :math:`k` batches (Polyak & Juditsky 1992).

    >>> averaged_gap(np.diag([2.0, 4.0]), np.diag([2.0, 4.0]), steps=10)     # tr(I) / 20
    0.1
    """
    H = np.asarray(hessian, dtype=float)
    S = np.asarray(noise_cov, dtype=float)
    k = check_integer("steps", steps, low=1)
    B = check_integer("batch_size", batch_size, low=1)
    return float(np.trace(np.linalg.solve(H, S)) / (2 * B * k))


def noise_scales_on_path(problem: LeastSquares, ws):
    r"""Loss gaps, :math:`B_{\rm simple}` and :math:`B_{\rm noise}` at each point of ``ws`` (shape
    ``(k, d)``), e.g. the iterates of a full-batch run: how the noise scale grows as training proceeds.

    >>> p = least_squares(np.eye(3) * [1.0, 2.0, 3.0], [1.0, 0.0, -1.0])
    >>> gaps, simple, noise = noise_scales_on_path(p, np.zeros((2, 3)))
    >>> gaps.shape, bool(simple[0] > 0 and noise[0] > 0)
    ((2,), True)
    """
    ws = np.atleast_2d(np.asarray(ws, dtype=float))
    simple = np.array([noise_scale(problem.per_example_grad(w)) for w in ws])
    noise = np.array([noise_scale(problem.per_example_grad(w), problem.H) for w in ws])
    return problem.gap(ws), simple, noise


def _moments(problem: LeastSquares, w):
    G = problem.per_example_grad(w)
    g = G.mean(axis=0)
    S = np.cov(G.T, bias=True).reshape(len(g), len(g))
    return g, S


def predicted_improvement(problem: LeastSquares, w, batch_size, lrs) -> np.ndarray:
    r"""The expected decrease of the loss in one SGD step from ``w`` with batches of ``batch_size``
    independent rows, exact on a quadratic:
    :math:`\eta\lVert G\rVert^2 - \frac{\eta^2}{2}\bigl(G^\top H G + \operatorname{tr}(H\Sigma)/B\bigr)`.
    """
    g, S = _moments(problem, w)
    lrs = np.asarray(lrs, dtype=float)
    B = np.asarray(batch_size, dtype=float)
    H = problem.H
    return lrs * (g @ g) - lrs**2 / 2 * (g @ H @ g + np.trace(H @ S) / B)


def optimal_step(problem: LeastSquares, w, batch_size):
    r"""The rate that maximizes :func:`predicted_improvement` and the improvement it gives:
    :math:`\eta_{\rm opt} = \eta_{\max}/(1 + B_{\rm noise}/B)`,
    :math:`\Delta\ell_{\rm opt} = \Delta\ell_{\max}/(1 + B_{\rm noise}/B)`, with
    :math:`\eta_{\max} = \lVert G\rVert^2/G^\top H G` and :math:`\Delta\ell_{\max} =
    \lVert G\rVert^4/(2\,G^\top H G)`.

    >>> p = least_squares(np.eye(3) * [1.0, 2.0, 3.0], [1.0, 0.0, -1.0])
    >>> w = np.zeros(3)
    >>> lr, gain = optimal_step(p, w, 4)
    >>> lrs = lr * np.array([0.9, 1.0, 1.1])
    >>> bool(np.argmax(predicted_improvement(p, w, 4, lrs)) == 1)
    True
    """
    g, S = _moments(problem, w)
    H = problem.H
    B_noise = np.trace(H @ S) / (g @ H @ g)
    factor = 1 / (1 + B_noise / np.asarray(batch_size, dtype=float))
    return (g @ g) / (g @ H @ g) * factor, (g @ g) ** 2 / (2 * g @ H @ g) * factor


def measured_improvement(problem: LeastSquares, w, batch_size: int, lrs, draws: int = 500,
                         seed=0) -> np.ndarray:
    r"""Monte Carlo estimate of the decrease :math:`\ell(w) - \ell(w - \eta g_{\mathcal B})` averaged
    over ``draws`` batches of ``batch_size`` rows drawn with replacement, for each rate of ``lrs``
    (the same batches for every rate)."""
    B = check_integer("batch_size", batch_size, low=1)
    draws = check_integer("draws", draws, low=1)
    rng = as_generator(seed)
    w = np.asarray(w, dtype=float)
    lrs = np.asarray(lrs, dtype=float)
    idx = rng.integers(0, problem.n, size=(draws, B))
    Xb, yb = problem.Xc[idx], problem.yc[idx]
    r = Xb @ w - yb
    gB = (2.0 / B) * np.einsum("kb,kbd->kd", r, Xb)  # (draws, d)
    after = problem.gap(w[None, None, :] - lrs[:, None, None] * gB[None])  # (rates, draws)
    return problem.gap(w) - after.mean(axis=1)
