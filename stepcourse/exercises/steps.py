"""Checks for the exercises of the chapter on steps."""
from __future__ import annotations

import numpy as np

from ._core import Wrong, call, exercise, expect_array, expect_close


@exercise("steps-one-step", title="One step")
def _one_step(gd_step):
    rng = np.random.default_rng(0)
    expect_close(call(gd_step, 2.0, 4.0, 0.25, what="gd_step(2.0, 4.0, 0.25)"), 1.0,
                 what="gd_step(2.0, 4.0, 0.25)", hint="w - lr * grad")
    for shape in [(3,), (2, 4)]:
        w, g, lr = rng.normal(size=shape), rng.normal(size=shape), float(rng.uniform(0.01, 1))
        w_before = w.copy()
        out = call(gd_step, w, g, lr, what=f"gd_step on arrays of shape {shape}")
        if not np.array_equal(w, w_before):
            raise Wrong("gd_step changed the array w it was given.",
                        hint="`w -= ...` updates in place; `w - ...` makes a new array.")
        expect_close(out, w - lr * g, what=f"gd_step on arrays of shape {shape}",
                     hint="the step goes against the gradient: w - lr * grad.")


@exercise("steps-loop", title="The loop")
def _loop(gradient_descent):
    rng = np.random.default_rng(1)
    for d in (1, 3):
        A = np.diag(rng.uniform(0.5, 2.0, size=d))
        grad = lambda w, A=A: A @ np.asarray(w, dtype=float)  # noqa: E731
        w0, lr, steps = rng.normal(size=d), float(rng.uniform(0.05, 0.5)), int(rng.integers(3, 12))
        path = expect_array(call(gradient_descent, grad, w0, lr, steps, what="gradient_descent(...)"),
                            shape=(steps + 1, d), what=f"the iterates for d={d}, steps={steps}")
        expected = [w0]
        for _ in range(steps):
            expected.append(expected[-1] - lr * grad(expected[-1]))
        if not np.allclose(path[0], w0):
            raise Wrong("the first row should be the start w0.")
        expect_close(path, np.array(expected), what=f"the iterates for d={d}",
                     hint="each row is the previous row minus lr times the gradient at the previous row.")


def _reference_steps(a, lr, w0, c, tol, max_steps=100000):
    w, gap = w0, 0.5 * a * (w0 - c) ** 2
    for k in range(max_steps + 1):
        if gap <= tol:
            return k
        if gap > 1e12:
            return None
        w = w - lr * a * (w - c)
        gap = 0.5 * a * (w - c) ** 2
    return None


@exercise("steps-count", title="Predict the number of steps")
def _count(steps_needed):
    rng = np.random.default_rng(2)
    cases = [(1.0, 0.3, -3.0, 0.0, 1e-4), (2.0, 0.5, 1.0, 0.0, 1e-3), (1.0, 2.5, 1.0, 0.0, 1e-4),
             (1.0, 0.1, 0.001, 0.0, 1e-4)]
    for _ in range(8):
        a = float(rng.uniform(0.5, 4))
        cases.append((a, float(rng.uniform(0.05, 1.9) / a), float(rng.uniform(-5, 5)), float(rng.uniform(-1, 1)),
                      float(10 ** rng.uniform(-8, -2))))
    for a, lr, w0, c, tol in cases:
        expected = _reference_steps(a, lr, w0, c, tol)
        got = call(steps_needed, a, lr, w0, c, tol, what=f"steps_needed({a:.3g}, {lr:.3g}, {w0:.3g}, {c:.3g}, {tol:.1g})")
        if expected is None:
            if got is not None:
                raise Wrong(f"with a={a:g} and lr={lr:g} the loop never gets within tolerance, but you returned {got!r}.",
                            hint="when |1 - lr*a| >= 1 the distance never shrinks: return None.")
            continue
        if got is None or not isinstance(got, (int, np.integer)) and not (isinstance(got, float) and got.is_integer()):
            raise Wrong(f"steps_needed({a:.3g}, {lr:.3g}, {w0:.3g}, {c:.3g}, {tol:.1g}) should be a whole number of "
                        f"steps; got {got!r}.", hint="round up with np.ceil and convert with int().")
        if int(got) != expected:
            raise Wrong(f"for a={a:.3g}, lr={lr:.3g}, w0={w0:.3g}, c={c:.3g}, tol={tol:.1g} the loop needs {expected} "
                        f"steps; you said {int(got)}.",
                        hint="the loss gap after k steps is |1 - lr*a|**(2k) times the starting gap.")


@exercise("steps-stable", title="Which rates converge?")
def _stable(converges):
    rng = np.random.default_rng(3)
    for _ in range(40):
        a = float(rng.uniform(0.2, 10))
        lr = float(rng.uniform(0.0, 2.6) / a)
        if abs(lr * a - 2) < 1e-3:
            continue
        expected = 0 < lr * a < 2
        got = call(converges, a, lr, what=f"converges({a:.3g}, {lr:.3g})")
        if not isinstance(got, (bool, np.bool_)):
            raise Wrong(f"converges should return True or False; got {got!r}.")
        if bool(got) != expected:
            raise Wrong(f"converges({a:.3g}, {lr:.3g}) returned {bool(got)}, but gradient descent "
                        f"{'converges' if expected else 'does not converge'} there.",
                        hint="each step multiplies the distance to the minimum by |1 - lr*a|.")
