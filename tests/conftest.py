"""Shared test settings and fixtures."""
import importlib.util
import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")  # tests never open windows

# Property tests draw the same examples on every run (a failure is reproducible, never a coin toss);
# set HYPOTHESIS_PROFILE=explore to search fresh examples locally.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs whole chapters (nbval and the book build run them too); deselect with "
                   "-m 'not slow' for a quick pass")


@pytest.fixture(scope="session")
def fixtures_script():
    """tests/make_fixtures.py as a module (the torch side of the optimizer and schedule parity tests);
    skips where torch is not installed."""
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("make_fixtures", Path(__file__).parent / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
