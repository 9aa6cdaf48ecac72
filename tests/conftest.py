"""Shared test settings."""
import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")  # tests never open windows

# Property tests draw the same examples on every run (a failure is reproducible, never a coin toss);
# set HYPOTHESIS_PROFILE=explore to search fresh examples locally.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
