"""Exercise specs of the chapter on gradients (references: :mod:`._references.gradients`)."""
from __future__ import annotations

import numpy as np

from ._core import (Spec, Wrong, call, exercise, expect_array, expect_close, expect_number,
                    expect_pair)

CHAPTER = "gradients"

#: The functions central differences are tried on, by name (a case names one; run builds it).
FUNCTIONS = {
    "sum(sin(w) * w)": lambda w: float(np.sum(np.sin(w) * w)),
    "log(1 + |w|^2)": lambda w: float(np.log1p(w @ w)),
    "exp(w[0]) cos(w[-1])": lambda w: float(np.exp(w[0]) * np.cos(w[-1])),
}


@exercise("gradients-partials", title="A gradient by hand")
class Partials(Spec):
    def cases(self, rng):
        return [rng.uniform(-2, 2, size=2) for _ in range(6)]

    def run(self, grad_f, w):
        return call(grad_f, w.copy(), what="grad_f(w)")

    def compare(self, got, expected, w):
        shown = f"grad_f({w.round(3).tolist()})"
        got = expect_array(got, shape=(2,), what=shown)
        for i, name in enumerate(("w1", "w2")):
            if not np.isclose(got[i], expected[i], rtol=1e-6, atol=1e-9):
                raise Wrong(f"at w = {w.round(3).tolist()} the partial derivative with respect to {name} "
                            f"is {expected[i]:.6g}; you returned {got[i]:.6g}.",
                            reason=f"the partial derivative with respect to {name} is wrong",
                            hint=f"differentiate with respect to {name} while holding the other variable "
                                 "fixed; the chain rule gives d/dw exp(w1 - w2) = exp(w1 - w2) * "
                                 "d(w1 - w2)/dw.")


@exercise("gradients-central", title="Central differences")
class Central(Spec):
    def cases(self, rng):
        return [{"f": name, "w": rng.normal(size=d)} for name in FUNCTIONS for d in (1, 4)]

    def run(self, central_diff, case):
        w = case["w"].copy()
        out = call(central_diff, FUNCTIONS[case["f"]], w, 1e-5, what="central_diff(f, w, 1e-5)")
        return {"out": out, "changed": bool(not np.array_equal(w, case["w"]))}

    def compare(self, got, expected, case):
        what = f"central_diff for f = {case['f']} with {len(case['w'])} parameter(s)"
        out = expect_array(got["out"], shape=case["w"].shape, what=what)
        if got["changed"]:
            raise Wrong("central_diff changed the array w it was given.",
                        reason="central_diff changed the array w it was given",
                        hint="perturb a copy (w.copy()) or restore each entry after using it.")
        if (np.allclose(out, expected["forward"], rtol=1e-12, atol=0)
                and not np.allclose(out, expected["central"], rtol=1e-8)):
            raise Wrong("these are forward differences, (f(w + h e_i) - f(w)) / h.",
                        reason="these are forward differences",
                        hint="central differences use f(w + h e_i) - f(w - h e_i), divided by 2h.")
        expect_close(out, expected["central"], rtol=1e-7, atol=1e-10, what=what,
                     hint="for each coordinate i: (f(w + h e_i) - f(w - h e_i)) / (2 h), where e_i is the "
                          "i-th unit vector; perturb one coordinate at a time.")


def _exp_k(k):
    """exp(k x) and its derivative: a function whose best step scales like 1/k."""
    return (lambda x: np.exp(k * x)), (lambda x: k * np.exp(k * x))


@exercise("gradients-best-h", title="The best step, measured")
class BestH(Spec):
    # Functions exp(k x) whose measured best step is far (half a decade or more) from the rules of
    # thumb sqrt(eps) and 1e-8, so only a sweep finds it.
    def cases(self, rng):
        from ..gradcheck import step_sweep

        cases = []
        while len(cases) < 4:
            k = float(10 ** (rng.uniform(1, 2) if len(cases) % 2 == 0 else rng.uniform(-2, -1)))
            x = float(rng.uniform(-1, 1))
            best = step_sweep(*_exp_k(k), x=x).best_h("forward")
            if min(abs(np.log10(best / 1e-8)), abs(np.log10(best / np.sqrt(np.finfo(float).eps)))) > 0.5:
                cases.append({"k": k, "x": x})
        return cases

    def run(self, best_forward_h, case):
        f, df = _exp_k(case["k"])
        return call(best_forward_h, f, df, case["x"], what="best_forward_h(f, df, x)")

    def compare(self, got, expected, case):
        shown = f"best_forward_h for exp({case['k']:.3g} x) at x = {case['x']:.3g}"
        h = expect_number(got, what=shown)
        if not h > 0:
            raise Wrong(f"a step must be positive; got {h:g}.", reason="a step must be positive")
        best = expected["best_h"]
        if abs(np.log10(h / best)) > 0.15:
            rule = min(abs(np.log10(h / 1e-8)), abs(np.log10(h / np.sqrt(np.finfo(float).eps)))) < 0.05
            side = "truncation (the O(h) term)" if h > best else "round-off (the eps/h term)"
            raise Wrong(f"{shown} is {h:.2e}; the sweep's best step is {best:.2e}."
                        + (" That is the rule of thumb, which ignores how curved f is." if rule else ""),
                        reason=f"the step is not the sweep's best: the error there is dominated by {side}",
                        hint="sweep = sc.gradcheck.step_sweep(f, df, x=x); return sweep.best_h('forward') "
                             "(or the h at np.argmin of sweep.errors['forward']).")


@exercise("gradients-central-h", points=2, title="Derive the best step")
class CentralH(Spec):
    # A case mixes both kinds, so one kind's formula passes no case.
    def cases(self, rng):
        cases = []
        for _ in range(5):
            batch = []
            for kind in ("forward", "central", "central" if rng.random() < 0.5 else "forward"):
                batch.append([kind, float(10 ** rng.uniform(-3, 3)), float(10 ** rng.uniform(-3, 3))])
            cases.append(batch)
        return cases

    def run(self, best_step, case):
        return [call(best_step, kind, f_abs, d_abs, what="best_step(kind, f_abs, d_abs)")
                for kind, f_abs, d_abs in case]

    def compare(self, got, expected, case):
        if type(got) is not list or len(got) != len(case):
            raise Wrong("unexpected result", reason="unexpected result")
        eps = np.finfo(float).eps
        for (kind, f_abs, d_abs), answer, want in zip(case, got, expected):
            shown = f"best_step({kind!r}, f_abs={f_abs:.3g}, d_abs={d_abs:.3g})"
            h = expect_number(answer, what=shown)
            rule = np.sqrt(eps) if kind == "forward" else eps ** (1 / 3)
            if abs(h / rule - 1) < 1e-6 and abs(want / rule - 1) > 1e-3:
                raise Wrong(f"{shown} is {want:.4g}; {h:.4g} is the rule of thumb.",
                            reason="the rule of thumb ignores |f| and the derivative",
                            hint="minimize C h^p + eps |f| / h with C = d_abs / 2 (forward, d_abs = |f''|) "
                                 "or d_abs / 6 (central, d_abs = the third derivative's size).")
            expect_close(h, want, rtol=1e-6, what=shown,
                         hint="set the derivative of C h^p + eps |f| / h to zero and solve for h.")


@exercise("gradients-logcosh", points=2, title="The gradient of a robust regression loss")
class LogCosh(Spec):
    def cases(self, rng):
        cases = []
        for n, d in ((7, 1), (20, 3), (12, 2), (30, 4)):
            cases.append({"X": rng.normal(size=(n, d)), "y": rng.normal(size=n) * 2,
                          "params": {"w": rng.normal(size=d), "b": np.asarray(rng.normal())}})
        return cases

    def run(self, loss_and_grad, case):
        params = {k: v.copy() for k, v in case["params"].items()}
        return call(loss_and_grad, params, case["X"].copy(), case["y"].copy(),
                    what="loss_and_grad(params, X, y)")

    def compare(self, got, expected, case):
        if got is None:
            raise Wrong("loss_and_grad(params, X, y) returned nothing (None).",
                        hint="did you forget a `return` statement?", reason="the function returned None")
        loss, grads = expect_pair(got, what="loss_and_grad", names="loss, grads")
        if type(grads) is not dict:
            raise Wrong("loss_and_grad should return a pair (loss, grads) with grads a dict "
                        "{'w': ..., 'b': ...}.", reason="grads should be a dict {'w': ..., 'b': ...}")
        expect_close(expect_number(loss, what="the loss"), expected["loss"], rtol=1e-8, what="the loss",
                     hint="the mean over samples of log(cosh(r_i)) with residuals r = X @ w + b - y.")
        if set(grads) != {"w", "b"}:
            raise Wrong(f"grads should have the keys 'w' and 'b'; got {sorted(grads)}.",
                        reason="grads should have the keys 'w' and 'b'")
        hint = ("d/dr log(cosh(r)) = tanh(r); then the chain rule through r = X @ w + b - y, and do not "
                "forget the 1/n of the mean.")
        expect_close(grads["w"], expected["w"], rtol=1e-6, atol=1e-9, what="grads['w']", hint=hint)
        expect_close(np.asarray(grads["b"], dtype=float).reshape(()), expected["b"], rtol=1e-6,
                     atol=1e-9, what="grads['b']", hint=hint)


@exercise("gradients-standardize", points=2, title="What standardizing buys")
class Standardize(Spec):
    def cases(self, rng):
        cases = []
        for n, p in ((40, 2), (60, 3), (30, 4), (80, 2), (50, 3)):
            scales = 10 ** rng.uniform(-1.5, 1.5, size=p)
            mix = np.eye(p) + 0.4 * rng.normal(size=(p, p))  # correlated features
            X = (rng.normal(size=(n, p)) @ mix) * scales + rng.normal(size=p) * scales * 2
            cases.append({"X": X})
        return cases

    def run(self, condition_numbers, case):
        return call(condition_numbers, case["X"].copy(), what="condition_numbers(X_train)")

    def compare(self, got, expected, case):
        p = case["X"].shape[1]
        raw, scaled = expect_pair(got, what="condition_numbers", names="kappa_raw, kappa_standardized")
        raw = expect_number(raw, what=f"kappa_raw ({p} features)")
        scaled = expect_number(scaled, what=f"kappa_standardized ({p} features)")
        for value, key, name in ((raw, "raw", "kappa_raw"), (scaled, "scaled", "kappa_standardized")):
            if abs(value ** 2 / expected[key] - 1) < 1e-6 and expected[key] > 1.01:
                raise Wrong(f"{name} is {expected[key]:.4g}; {value:.4g} is its square root, the condition "
                            f"number of X itself.", reason="the condition number of X, not of X^T X / n",
                            hint="the Hessian is X.T @ X / n: use np.linalg.eigvalsh on it.")
        expect_close(raw, expected["raw"], rtol=1e-6, what=f"kappa_raw ({p} features)",
                     hint="the largest over the smallest eigenvalue of X.T @ X / n.")
        if abs(scaled / expected["raw_centered"] - 1) < 1e-6 and \
                abs(expected["raw_centered"] / expected["scaled"] - 1) > 1e-3:
            raise Wrong(f"kappa_standardized is {expected['scaled']:.4g}; {scaled:.4g} is that of the "
                        f"centred features, not scaled.", reason="the features were centred but not scaled",
                        hint="divide each column by its standard deviation too.")
        expect_close(scaled, expected["scaled"], rtol=1e-6, what=f"kappa_standardized ({p} features)",
                     hint="standardize with the training mean and standard deviation of each column, then "
                          "the same eigenvalue ratio.")
