"""Explorer latency, three ways, for every explorer:

1. in Python: set each control to a spread of its values and time the update of the live figure
   (recompute, move the artists, render, encode the 2x PNG the widget shows);
2. through a kernel, as the browser drives it: a Jupyter kernel (started here, stopped at the end) shows
   the explorer's widget; this script plays the front end, sending the widget protocol's ``update``
   message a slider sends when a reader moves it, and times until the kernel's message carrying the new
   picture (the PNG bytes of the Image widget) has arrived: the kernel round trip plus the PNG encode
   and transfer;
3. in a real browser: JupyterLab (a server started here on 127.0.0.1, stopped at the end) in headless
   Chromium runs a notebook showing every explorer; the arrow keys move each slider, and the page
   times from the keydown to the frame after the new picture is decoded. A reference slider beside
   them, whose kernel side only swaps two ready-made pictures, gives the floor of that path (the page,
   the server and the widget messages, no drawing). Needs the lab extra and /usr/bin/chromium;
   without them this part says it is skipped and the goal uses the kernel figure.

Also printed: the picture's size on the wire, the time to create the explorer, the cost of its static
export (made only by the book build) and of a live display (what a notebook pays: the explorer, its
widget and the fallback picture; wall and CPU time, with matplotlib, ipywidgets and Pillow imported
first, as a chapter has them before its first explorer), the fallback's size in the saved notebook, the load average with
each part, and the goals, pass or fail: a live display < 1.5 s and < 300 kB; the median of a slider
move to the new picture <= 100 ms. The machine's load changes every figure: compare within one run.
Run: .venv/bin/python bench/bench_explorers.py [--no-static] [--no-browser] [name ...]
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


def measure_python(name: str, static: bool = True) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    ex = getattr(sc.widgets, name)()
    created = time.perf_counter() - t0
    bundles = ex.display_bundles()  # what a live display publishes: the fallback and the widget
    display, display_cpu = time.perf_counter() - t0, time.process_time() - c0
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
    static_time = static_size = None
    if static:
        t = time.perf_counter()
        static_size = len(ex.to_html())
        static_time = time.perf_counter() - t
    return {"created": created, "display": display, "display_cpu": display_cpu, "saved": saved, "times": np.array(times),
            "static": static_time, "static_size": static_size, "png": len(ex._image.value)}


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


# -- in a real browser: JupyterLab in headless Chromium -------------------------------------------------

_KEY_TO_PICTURE = """() => {
  window.__scT0 = null; window.__scT1 = null; window.__scTimes = window.__scTimes || [];
  if (window.__scWatch) return;
  window.__scWatch = true;
  // keydown (capture phase, before the slider sees it) ... the new picture decoded and on the next frame
  document.addEventListener('keydown', () => { window.__scT0 = performance.now(); }, true);
  const watch = (img) => {
    if (img.__scWatched) return;
    img.__scWatched = true;
    new MutationObserver(() => {
      const t0 = window.__scT0;
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => {
        if (t0 !== null && window.__scT1 === null) {
          window.__scT1 = performance.now() - t0;
          if (window.__scDone) window.__scDone(window.__scT1);
        }
      }));
    }).observe(img, {attributes: true, attributeFilter: ['src']});
  };
  document.querySelectorAll('.sc-live img').forEach(watch);
  new MutationObserver(() => document.querySelectorAll('.sc-live img').forEach(watch))
    .observe(document.body, {childList: true, subtree: true});
}"""

_PICTURE_OR_NOTHING = """() => window.__scT1 !== null ? window.__scT1 : new Promise((resolve) => {
  const timer = setTimeout(() => { window.__scDone = null; resolve(null); }, 3000);
  window.__scDone = (t) => { clearTimeout(timer); window.__scDone = null; resolve(t); };
})"""

_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle' && w.content && w.content.widgets.length > 0);
}"""


#: The browser's floor, measured beside the explorers: a slider whose kernel side only swaps two
#: ready-made pictures of the steps explorer (the same size, 2x), so the time is the page's, the server's
#: and the widget messages', with no drawing or encoding.
REFERENCE = "reference (no drawing)"
_REFERENCE_CELL = """import ipywidgets as w
import stepcourse as sc
_ex = sc.widgets.steps_explorer()
_pictures = [_ex.png(), _ex.set(lr=_ex.specs["lr"].values[3]).png()]
_image = w.Image(value=_pictures[0], format="png", width=_ex.display_size[0], height=_ex.display_size[1],
                 layout=w.Layout(max_width="100%", height="auto", object_fit="contain"))
_slider = w.IntSlider(0, 0, 100)
_slider.observe(lambda change: setattr(_image, "value", _pictures[change["new"] % 2]), "value")
_box = w.VBox([_slider, _image])
_box.add_class("sc-live")
_box"""


def _notebook(names) -> dict:
    sources = ["import stepcourse as sc"] + [f"sc.widgets.{n}()" for n in names if n != REFERENCE]
    if REFERENCE in names:
        sources.append(_REFERENCE_CELL)
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": f"c{i}",
              "source": src} for i, src in enumerate(sources)]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def measure_browser(names, moves: int = 12) -> dict:
    """Per explorer, keydown on a slider handle to the new picture decoded, in JupyterLab in Chromium.

    Starts a JupyterLab server on 127.0.0.1 (stopped at the end) with a notebook that shows every
    explorer, runs it, then presses the arrow keys on each slider (``moves`` right, then as many left)
    and times, in the page, from the keydown to the frame after the new PNG is decoded. A key that
    leaves the picture as it was (the slider's end) is not counted.
    """
    import shutil
    import tempfile
    from pathlib import Path

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
        import jupyterlab  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(f"needs the lab extra (playwright, jupyterlab): {exc}") from None
    if not Path(chromium).exists():
        raise RuntimeError("needs Chromium at /usr/bin/chromium")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lab"))
    from labserver import LabServer

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-lab-") as tmp:
        root, home = Path(tmp) / "nb", Path(tmp) / "home"
        root.mkdir()
        (root / "explorers.ipynb").write_text(json.dumps(_notebook(names)), encoding="utf-8")
        with LabServer(root, home, timeout=120) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=flags)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                    (f"http://127.0.0.1:{lab.port}", "data:", "blob:")) else r.abort())
                page.set_default_timeout(180_000)
                page.goto(lab.url("lab/tree/explorers.ipynb"))
                page.wait_for_function(_KERNEL_IDLE)
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_timeout(1000)
                page.wait_for_function(_KERNEL_IDLE)
                page.wait_for_function(f"() => document.querySelectorAll('.sc-live img').length >= {len(names)}")
                page.evaluate(_KEY_TO_PICTURE)
                lives = page.locator(".sc-live")
                for i, name in enumerate(names):
                    times = []
                    handles = lives.nth(i).locator(".noUi-handle")
                    for j in range(handles.count()):
                        handle = handles.nth(j)
                        handle.scroll_into_view_if_needed()
                        handle.focus()
                        for key in ["ArrowRight"] * moves + ["ArrowLeft"] * moves:
                            page.evaluate("() => { window.__scT0 = null; window.__scT1 = null; }")
                            handle.press(key)
                            # Wait in the page for the picture (no polling from here, which would keep the
                            # page's main thread busy while it is timed); 3 s without one: the same picture.
                            took = page.evaluate(_PICTURE_OR_NOTHING)
                            page.wait_for_function(_KERNEL_IDLE)
                            if took is not None:
                                times.append(took)
                    out[name] = np.array(times)
            finally:
                browser.close()
    return out


def _load() -> str:
    return "load average %.1f, %.1f, %.1f" % os.getloadavg()


def main(argv):
    from jupyter_client.manager import start_new_kernel

    flags = {a for a in argv if a.startswith("--")}
    names = [a for a in argv if not a.startswith("--")] or sorted(_EXPLORERS)
    static = "--no-static" not in flags
    print(f"{len(names)} explorers; {_load()}; {os.cpu_count()} cores")
    print("\nIn Python (recompute, redraw, 2x PNG) and as a live display; static export only in the book build")
    # What a chapter has loaded before its first explorer (it draws figures with matplotlib first).
    import ipywidgets  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import PIL.PngImagePlugin  # noqa: F401

    print(f"{'explorer':28s} {'create':>7s} {'display':>8s} {'(cpu)':>6s} {'saved':>6s} {'updates':>7s} "
          f"{'median':>7s} {'max':>7s} {'png':>6s} {'static':>7s} {'size':>7s}")
    medians, displays = [], {}
    for name in names:
        try:
            r = measure_python(name, static=static)
        except (ImportError, AttributeError) as exc:  # an explorer whose chapter is not written yet
            print(f"{name:28s} not available ({exc})")
            continue
        medians.append(np.median(r["times"]))
        displays[name] = (r["display"], r["saved"])
        st = (f"{r['static']:6.1f}s {r['static_size'] / 1e6:5.2f}MB" if static else f"{'-':>7s} {'-':>7s}")
        print(f"{name:28s} {r['created']:6.2f}s {r['display']:7.2f}s {r['display_cpu']:5.2f}s "
              f"{r['saved'] / 1e3:4.0f}kB {len(r['times']):7d} {np.median(r['times']) * 1e3:5.0f}ms "
              f"{r['times'].max() * 1e3:5.0f}ms {r['png'] / 1e3:4.0f}kB {st}")
    if medians:
        print(f"worst median update in Python: {max(medians) * 1e3:.0f} ms; {_load()}")

    print("\nThrough a kernel: slider message sent -> message with the new picture received")
    print(f"{'explorer':28s} {'moves':>6s} {'median':>8s} {'p90':>8s} {'max':>8s} {'picture':>8s}")
    km, kc = start_new_kernel(env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    kernel = {}
    try:
        for name in names:
            try:
                r = measure_kernel(kc, name)
            except RuntimeError as exc:
                print(f"{name:28s} failed: {str(exc).splitlines()[-1][:80]}")
                continue
            t = kernel[name] = r["times"] * 1e3
            print(f"{name:28s} {len(t):6d} {np.median(t):6.0f}ms {np.percentile(t, 90):6.0f}ms {t.max():6.0f}ms "
                  f"{np.median(r['bytes']) / 1e3:6.0f}kB")
        if kernel:
            print(f"worst median round trip: {max(np.median(t) for t in kernel.values()):.0f} ms; "
                  f"median of all moves {np.median(np.concatenate(list(kernel.values()))):.0f} ms; {_load()}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    browser = {}
    if "--no-browser" not in flags:
        print("\nIn JupyterLab in headless Chromium: keydown on a slider -> the new picture decoded, next frame")
        try:
            browser = measure_browser((list(displays) or names) + [REFERENCE])
        except Exception as exc:  # no lab extra, no Chromium, a server that did not start: say so
            print(f"skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
        if browser:
            print(f"{'explorer':28s} {'moves':>6s} {'median':>8s} {'p90':>8s} {'max':>8s}")
            for name, t in browser.items():
                if name == REFERENCE:
                    continue
                if len(t):
                    print(f"{name:28s} {len(t):6d} {np.median(t):6.0f}ms {np.percentile(t, 90):6.0f}ms "
                          f"{t.max():6.0f}ms")
                else:
                    print(f"{name:28s} no slider moved the picture")
            floor = browser.pop(REFERENCE, np.array([]))
            if len(floor):
                print(f"{REFERENCE:28s} {len(floor):6d} {np.median(floor):6.0f}ms {np.percentile(floor, 90):6.0f}ms "
                      f"{floor.max():6.0f}ms  (two ready-made pictures swapped: the floor)")
            print(_load())

    print("\nGoals")
    for name, (display, saved) in displays.items():
        ok = display < 1.5 and saved < 300e3
        print(f"  live display < 1.5 s and < 300 kB: {name:28s} {display:5.2f} s {saved / 1e3:4.0f} kB  "
              f"{'pass' if ok else 'FAIL'}")
    seen, what = (browser, "in the browser") if any(len(t) for t in browser.values()) else \
        (kernel, "through the kernel (proxy: no browser figure)")
    seen = {n: t for n, t in seen.items() if len(t)}
    if seen:
        every = np.concatenate(list(seen.values()))
        worst = max(seen, key=lambda n: np.median(seen[n]))
        print(f"  slider move to new picture {what}: median of all {len(every)} moves {np.median(every):.0f} ms, "
              f"worst explorer {worst} {np.median(seen[worst]):.0f} ms (goal <= 100 ms): "
              f"{'pass' if np.median(every) <= 100 else 'FAIL'} overall, "
              f"{'pass' if np.median(seen[worst]) <= 100 else 'FAIL'} for every explorer")
    print(_load())


if __name__ == "__main__":
    main(sys.argv[1:])
