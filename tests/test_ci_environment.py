"""On CI every optional part of the suite must really run: what the test extras and .ci/run install is there.

Elsewhere a missing browser, sandbox or package makes its tests say they were skipped and why; on CI
(``CI=true``, set by ``.ci/run``) this file turns each such absence into a failure, so no check can
pass by being skipped.
"""
from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))

# Modules of the [test] extra that some tests import with importorskip.
TEST_EXTRA_MODULES = ["sklearn", "hypothesis", "playwright.sync_api", "axe_playwright_python", "jupyterlab",
                      "jupyterlab_myst", "nbclient", "nbformat", "numba"]


@pytest.mark.skipif(not IN_CI, reason="only CI promises every optional tool")
@pytest.mark.parametrize("module", TEST_EXTRA_MODULES)
def test_ci_has_the_test_extras(module):
    importlib.import_module(module)


@pytest.mark.skipif(not IN_CI, reason="only CI promises every optional tool")
@pytest.mark.parametrize("program", ["chromium", "bwrap", "nbgrader"])
def test_ci_has_the_programs(program):
    # nbgrader is a console script of the venv; chromium and bubblewrap come from .ci/run's apt-get.
    assert shutil.which(program) or (Path(sys.executable).parent / program).exists(), program
