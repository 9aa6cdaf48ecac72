"""What a Colab learner gets. Colab ships ipywidgets 7.7 and renders 7.x widgets with its own widget
manager; ipywidgets 8 needs Colab's custom widget manager (widget code from a CDN) and, since pip
would upgrade a package the running kernel may already have imported, a restart. So the package
accepts ipywidgets 7.7 and the explorers use only what 7.7 and 8 share."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def test_the_package_accepts_colabs_ipywidgets():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if re.match(r"ipywidgets\b", d))
    low = re.search(r">=\s*([\d.]+)", spec).group(1)
    assert tuple(int(x) for x in low.split(".")[:2]) <= (7, 7), spec


def test_an_explorer_displays_without_ipywidgets_8_only_api(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    import stepcourse as sc

    # ipywidgets 7.7 widgets have no _repr_mimebundle_ (they display through _ipython_display_)
    for cls in type.mro(ipywidgets.VBox):
        if "_repr_mimebundle_" in vars(cls):
            monkeypatch.delattr(cls, "_repr_mimebundle_")
    ex = sc.widgets.steps_explorer()
    data, _ = ex.display_bundles()[-1]
    view = data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == ex.widget.model_id and view["version_major"] == 2
