"""Small Sphinx additions for the course site.

1. MathJax from the site itself: when the ``django-static-mathjax`` wheel (MathJax 3.2.2 as package data,
   no Django needed) is installed, the parts of MathJax the pages use are copied into ``_static/mathjax``
   and the pages load it from there, so formulas render with the network off. Without it, Sphinx's
   default (MathJax from its CDN) stays.
2. sphinx-thebe registers its configuration script once per read phase, so a page can carry the same
   ``const THEBE_JS_URL`` declaration twice, which the browser reports as an error. Each script is kept
   once, in its first position.
"""
import importlib.util
import shutil
from pathlib import Path

# What tex-mml-chtml needs at run time: the bundle, TeX extensions loaded on demand, the CommonHTML
# fonts, the menu and its accessibility components. (The speech engine and other bundles are left out.)
_MATHJAX_PARTS = ("tex-mml-chtml.js", "input", "output/chtml", "output/chtml.js", "ui", "a11y", "adaptors")


def _mathjax_source():
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return None
    es5 = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    return es5 if (es5 / "tex-mml-chtml.js").is_file() else None


def _use_local_mathjax(app, config):
    if _mathjax_source() is not None:
        config.mathjax_path = "mathjax/es5/tex-mml-chtml.js"  # relative to _static


def _copy_mathjax(app, exception):
    source = _mathjax_source()
    if exception is not None or source is None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax" / "es5"
    for part in _MATHJAX_PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The same script may be registered once with filename None and once with "".
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: it is the builder's own list


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after the extensions that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
