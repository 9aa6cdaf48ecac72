"""Explorer latency, two ways, for every explorer:

1. in Python: set each control to a spread of its values and time the update of the live figure
   (recompute, move the artists, render, encode the 2x PNG the widget shows);
2. through a kernel, as the browser drives it: a Jupyter kernel (started here, stopped at the end) shows
   the explorer's widget; this script plays the front end, sending the widget protocol's ``update``
   message a slider sends when a reader moves it, and times until the kernel's message carrying the new
   picture (the PNG bytes of the Image widget) has arrived. That is the kernel round trip plus the PNG
   encode and transfer; what the browser adds (decoding a PNG of the printed size and painting it) is
   not included.

Also printed: the picture's size on the wire, the time to create the explorer, the cost of its static
export (made only by the book build) and of a live display (what a notebook pays), and the fallback's
size in the saved notebook. Targets: median round trip <= 100 ms; a live display < 1.5 s and < 300 KB.
Run: .venv/bin/python bench/bench_explorers.py [name ...]
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

import stepcourse as sc
from stepcourse.widgets import _EXPLORERS


def _values(spec, n=12):
    values = list(spec.values)
    if len(values) > n:  # a spread of values, both directions
        values = [values[i] for i in np.linspace(0, len(values) - 1, n).astype(int)]
    return values + values[::-1]


def measure_python(name: str) -> dict:
    t0 = time.perf_counter()
    ex = getattr(sc.widgets, name)()
    created = time.perf_counter() - t0
    t0 = time.perf_counter()
    bundles = ex.display_bundles()  # what a live display publishes: the fallback and the widget
    display = time.perf_counter() - t0 + created
    saved = len(json.dumps([b[0] for b in bundles]))
    times = []
    for cname, spec in ex.specs.items():
        start = ex.controls[cname].value
        for v in _values(spec):
            if v == ex.controls[cname].value:
                continue
            t = time.perf_counter()
            ex.controls[cname].value = v
            times.append(time.perf_counter() - t)
        ex.controls[cname].value = start
    t = time.perf_counter()
    html = ex.to_html()
    static = time.perf_counter() - t
    return {"created": created, "display": display, "saved": saved, "times": np.array(times),
            "static": static, "static_size": len(html), "png": len(ex._image.value)}


_SETUP = """
import json, stepcourse as sc
ex = sc.widgets.{name}()
w = ex.widget
ids = {{n: c.comm.comm_id for n, c in ex.controls.items()}}
kinds = {{n: ("index" if hasattr(c, "index") and hasattr(c, "options") else "value") for n, c in ex.controls.items()}}
sizes = {{n: (len(c.options) if kinds[n] == "index" else None) for n, c in ex.controls.items()}}
ranges = {{n: ((c.min, c.max, c.step) if kinds[n] == "value" and hasattr(c, "min") else None)
          for n, c in ex.controls.items()}}
print("SETUP" + json.dumps({{"ids": ids, "image": ex._image.comm.comm_id, "kinds": kinds, "sizes": sizes,
                             "ranges": ranges}}))
"""


def _wait_setup(kc, msg_id, timeout=300):
    out = None
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream" and "SETUP" in msg["content"]["text"]:
            out = json.loads(msg["content"]["text"].split("SETUP", 1)[1])
        if msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle" and out is not None:
            return out


def _positions(setup, name):
    kind = setup["kinds"][name]
    if kind == "index":
        n = setup["sizes"][name]
        return [("index", i) for i in _spread(list(range(n)))]
    if setup["ranges"][name] is not None:
        lo, hi, step = setup["ranges"][name]
        return [("value", v) for v in _spread(list(range(lo, hi + 1, step)))]
    return [("value", v) for v in (True, False, True, False)]  # a checkbox


def _spread(values, n=12):
    if len(values) > n:
        values = [values[i] for i in np.linspace(0, len(values) - 1, n).astype(int)]
    return values[1:] + values[::-1]


def measure_kernel(kc, name: str) -> dict:
    msg_id = kc.execute(_SETUP.format(name=name))
    setup = _wait_setup(kc, msg_id)
    times, sizes = [], []
    for cname, comm_id in setup["ids"].items():
        for key, value in _positions(setup, cname):
            content = {"comm_id": comm_id, "data": {"method": "update", "state": {key: value}, "buffer_paths": []}}
            msg = kc.session.msg("comm_msg", content)
            t = time.perf_counter()
            kc.shell_channel.send(msg)
            deadline = t + 60
            while time.perf_counter() < deadline:
                reply = kc.get_iopub_msg(timeout=60)
                c = reply["content"]
                data = c.get("data", {})
                if (reply["msg_type"] == "comm_msg" and c.get("comm_id") == setup["image"]
                        and (["value"] in data.get("buffer_paths", []) or "value" in data.get("state", {}))):
                    times.append(time.perf_counter() - t)
                    sizes.append(sum(len(b) for b in reply.get("buffers", [])))
                    break
                if reply["msg_type"] == "status" and c["execution_state"] == "idle" and \
                        reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break  # the value did not change the picture (e.g. the same frame)
    return {"times": np.array(times), "bytes": np.array(sizes)}


def main(names):
    from jupyter_client.manager import start_new_kernel

    print("In Python (recompute, redraw, 2x PNG) and as a live display; static export only in the book build")
    print(f"{'explorer':28s} {'create':>7s} {'display':>8s} {'saved':>7s} {'updates':>7s} {'median':>7s} "
          f"{'max':>7s} {'png':>7s} {'static':>7s} {'size':>7s}")
    medians = []
    for name in names:
        try:
            r = measure_python(name)
        except (ImportError, AttributeError) as exc:  # an explorer whose chapter is not written yet
            print(f"{name:28s} not available ({exc})")
            continue
        medians.append(np.median(r["times"]))
        print(f"{name:28s} {r['created']:6.2f}s {r['display']:7.2f}s {r['saved'] / 1e3:5.0f}kB {len(r['times']):7d} "
              f"{np.median(r['times']) * 1e3:5.0f}ms {r['times'].max() * 1e3:5.0f}ms {r['png'] / 1e3:5.0f}kB "
              f"{r['static']:6.1f}s {r['static_size'] / 1e6:5.2f}MB")
    if medians:
        print(f"worst median update in Python: {max(medians) * 1e3:.0f} ms")

    print("\nThrough a kernel: slider message sent -> message with the new picture received")
    print(f"{'explorer':28s} {'moves':>6s} {'median':>8s} {'p90':>8s} {'max':>8s} {'picture':>8s}")
    km, kc = start_new_kernel(env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    try:
        worst = []
        for name in names:
            try:
                r = measure_kernel(kc, name)
            except RuntimeError as exc:
                print(f"{name:28s} failed: {str(exc).splitlines()[-1][:80]}")
                continue
            t = r["times"] * 1e3
            worst.append(np.median(t))
            print(f"{name:28s} {len(t):6d} {np.median(t):6.0f}ms {np.percentile(t, 90):6.0f}ms {t.max():6.0f}ms "
                  f"{np.median(r['bytes']) / 1e3:6.0f}kB")
        if worst:
            print(f"worst median round trip: {max(worst):.0f} ms (target <= 100 ms); median over explorers "
                  f"{np.median(worst):.0f} ms")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(_EXPLORERS))
