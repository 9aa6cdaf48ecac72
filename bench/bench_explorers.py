"""Explorer update latency: set every control of every explorer to each of its values and time the
update of the live figure (recompute, move the artists, render the PNG the widget shows).

Target: median under 50 ms. Prints one row per explorer, plus the cost of its static export.
Run: .venv/bin/python bench/bench_explorers.py
"""
from __future__ import annotations

import time

import numpy as np

import stepcourse as sc
from stepcourse.widgets import _EXPLORERS


def measure(name: str):
    t0 = time.perf_counter()
    ex = getattr(sc.widgets, name)()
    created = time.perf_counter() - t0
    ex.widget  # the live view: every update now renders the PNG the reader sees
    times = []
    for cname, spec in ex.specs.items():
        start = ex.controls[cname].value
        values = list(spec.values)
        if len(values) > 12:  # a spread of values, both directions
            values = [values[i] for i in np.linspace(0, len(values) - 1, 12).astype(int)]
        for v in values + values[::-1]:
            if v == ex.controls[cname].value:
                continue
            t = time.perf_counter()
            ex.controls[cname].value = v
            times.append(time.perf_counter() - t)
        ex.controls[cname].value = start
    t = time.perf_counter()
    html = ex.to_html()
    static = time.perf_counter() - t
    return created, np.array(times), static, len(html)


def main():
    print(f"{'explorer':32s} {'create':>8s} {'updates':>8s} {'median':>9s} {'max':>9s} {'static':>8s} {'size':>9s}")
    medians = []
    for name in sorted(_EXPLORERS):
        try:
            created, times, static, size = measure(name)
        except (ImportError, AttributeError) as exc:  # an explorer whose chapter is not written yet
            print(f"{name:32s} not available ({exc})")
            continue
        medians.append(np.median(times))
        print(f"{name:32s} {created * 1e3:6.0f}ms {len(times):8d} {np.median(times) * 1e3:7.1f}ms "
              f"{times.max() * 1e3:7.1f}ms {static:6.1f}s {size / 1e6:7.2f}MB")
    if medians:
        print(f"worst median update: {max(medians) * 1e3:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
