"""Checks for the exercises of the chapters on SGD: mini-batches, momentum, Nesterov, adaptive methods."""
from __future__ import annotations

import numpy as np

from ._core import Wrong, call, exercise, expect_array, expect_close, expect_number


def _random_quadratic(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (q * rng.uniform(0.5, 5.0, size=d)) @ q.T
    A = 0.5 * (A + A.T)
    return A, lambda w, A=A: A @ np.asarray(w, dtype=float)


def _reference_run(opt, grad, w0, steps):
    w = np.asarray(w0, dtype=float)
    state = opt.init(w)
    path = [w]
    for _ in range(steps):
        w, state = opt.step(w, grad(w), state)
        path.append(w)
    return np.array(path)


@exercise("sgd-minibatch-variance", title="Predict the mini-batch noise")
def _minibatch_variance(batch_variance):
    from ..noise import gradient_spread, minibatch_variance

    rng = np.random.default_rng(10)
    for n, d in [(10, 2), (50, 3), (200, 1)]:
        G = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
        for B in [n, 1, 2, n // 3, n - 1]:        # B = n first: its answer (no noise) is the telling one
            got = expect_number(call(batch_variance, G.copy(), B, what=f"batch_variance(G, {B})"),
                                what=f"batch_variance(G, {B}) for n={n}")
            expected = minibatch_variance(gradient_spread(G), n, B, replace=False)
            if B == n and abs(got) > 1e-9 * gradient_spread(G):
                raise Wrong(f"a batch of all n={n} rows is the full gradient, so its variance is 0; "
                            f"you said {got:.4g}.",
                            hint="without replacement the variance carries the factor (n - B)/(n - 1).")
            expect_close(got, expected, rtol=1e-6, atol=1e-12, what=f"batch_variance(G, {B}) for n={n}",
                         hint="sigma^2 is the mean over rows of ||g_i - mean||^2 (divide by n); then "
                              "sigma^2 / B * (n - B) / (n - 1).")


@exercise("sgd-noise-floor", title="The noise floor")
def _noise_floor(predicted_floor):
    from ..noise import noise_floor

    rng = np.random.default_rng(11)
    for _ in range(6):
        d = int(rng.integers(1, 4))
        A, _ = _random_quadratic(rng, d)
        M = rng.normal(size=(d, d))
        C = M @ M.T + 0.1 * np.eye(d)
        B = int(rng.choice([1, 4, 32]))
        lr = float(0.002 / np.linalg.eigvalsh(A).max())
        got = expect_number(call(predicted_floor, lr, B, C.copy(), what="predicted_floor(lr, B, C)"),
                            what="predicted_floor(lr, B, C)")
        expect_close(got, noise_floor(A, C, lr, B), rtol=0.01, atol=0.0, what=f"predicted_floor(lr={lr:.3g}, B={B}, C)",
                     hint="for a small rate the floor is lr * trace(C) / (4 * B).")


@exercise("sgd-momentum", title="Momentum SGD, by hand")
def _momentum(momentum_sgd):
    from ..optim import SGD

    rng = np.random.default_rng(12)
    for d, mu in [(1, 0.5), (3, 0.9), (2, 0.0), (4, 0.99)]:
        _, grad = _random_quadratic(rng, d)
        w0, lr, steps = rng.normal(size=d), float(rng.uniform(0.01, 0.2)), int(rng.integers(4, 15))
        path = expect_array(call(momentum_sgd, grad, w0.copy(), lr, mu, steps, what="momentum_sgd(...)"),
                            shape=(steps + 1, d), what=f"the iterates for d={d}, momentum={mu}")
        expected = _reference_run(SGD(lr=lr, momentum=mu), grad, w0, steps)
        if not np.allclose(path[:2], expected[:2], rtol=1e-9, atol=1e-12):
            raise Wrong("the first step should be plain gradient descent: the buffer starts as the first gradient.",
                        hint="b_1 = g_1 (b_0 = 0 gives the same), then w_1 = w_0 - lr * b_1.")
        expect_close(path, expected, rtol=1e-9, atol=1e-12, what=f"the iterates for d={d}, momentum={mu}",
                     hint="b = momentum * b + g; w = w - lr * b (PyTorch's form).")


@exercise("sgd-heavy-ball", title="Tune the heavy ball")
def _heavy_ball(tune):
    from ..momentum import heavy_ball_optimal

    rng = np.random.default_rng(13)
    cases = [(100.0, 1.0), (4.0, 1.0), (1.0, 1.0)] + [tuple(sorted(rng.uniform(0.1, 50, 2)))[::-1] for _ in range(4)]
    for L, mu in cases:
        got = expect_array(call(tune, L, mu, what=f"tune({L:.3g}, {mu:.3g})"), shape=(2,),
                           what=f"tune({L:.3g}, {mu:.3g}) (a pair lr, beta)")
        expect_close(got, heavy_ball_optimal(L, mu), rtol=1e-8, what=f"(lr, beta) for L={L:.3g}, mu={mu:.3g}",
                     hint="lr = (2 / (sqrt(L) + sqrt(mu)))**2 and "
                          "beta = ((sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)))**2.")


@exercise("sgd-nesterov", title="Nesterov, the other way round")
def _nesterov(nesterov_lookahead):
    from ..optim import SGD

    rng = np.random.default_rng(14)
    for d, mu in [(1, 0.9), (3, 0.5), (2, 0.99)]:
        _, grad = _random_quadratic(rng, d)
        w0, lr, steps = rng.normal(size=d), float(rng.uniform(0.01, 0.15)), int(rng.integers(4, 15))
        got = expect_array(call(nesterov_lookahead, grad, w0.copy(), lr, mu, steps, what="nesterov_lookahead(...)"),
                           shape=(steps + 1, d), what=f"the look-ahead points for d={d}, momentum={mu}")
        expected = _reference_run(SGD(lr=lr, momentum=mu, nesterov=True), grad, w0, steps)
        expect_close(got, expected, rtol=1e-9, atol=1e-12, what=f"the look-ahead points for d={d}, momentum={mu}",
                     hint="v = mu * v - lr * grad(theta + mu * v); theta = theta + v; record theta + mu * v.")


@exercise("sgd-adam-step", title="One Adam step")
def _adam_step(adam_step):
    from ..optim import Adam

    rng = np.random.default_rng(15)
    for d, (b1, b2) in [(1, (0.9, 0.999)), (3, (0.8, 0.99)), (2, (0.0, 0.9))]:
        lr, eps = float(rng.uniform(0.01, 0.3)), 1e-8
        opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
        w = rng.normal(size=d)
        m, v = np.zeros(d), np.zeros(d)
        state = opt.init(w)
        ref = w.copy()
        for t in range(1, 6):
            g = rng.normal(size=d) * 10.0 ** rng.uniform(-3, 2, size=d)
            out = call(adam_step, w.copy(), g.copy(), m.copy(), v.copy(), t, lr, b1, b2, eps,
                       what=f"adam_step(..., t={t})")
            if out is None:
                raise Wrong("adam_step returned nothing (None).", hint="end with `return w, m, v`.")
            if not isinstance(out, tuple) or len(out) != 3:
                raise Wrong(f"adam_step should return a tuple (w, m, v); got {type(out).__name__}.",
                            hint="end with `return w, m, v`: the moments are needed for the next step.")
            w_new, m_new, v_new = (expect_array(x, shape=(d,), what=f"{name} at t={t}") for x, name in zip(out, "wmv"))
            ref, state = opt.step(ref, g, state)
            if t == 1 and not np.allclose(w_new, w - lr * np.sign(g), rtol=1e-6, atol=1e-6 * lr):
                raise Wrong("the first step should move every coordinate by lr against the sign of its gradient.",
                            hint="divide m by (1 - b1**t) and v by (1 - b2**t) before using them.")
            expect_close(w_new, ref, rtol=1e-9, atol=1e-12, what=f"w after step t={t}",
                         hint="w - lr * mhat / (sqrt(vhat) + eps), with mhat = m / (1 - b1**t) and "
                              "vhat = v / (1 - b2**t).")
            w, m, v = w_new, m_new, v_new
