"""Kept so that ``from stepcourse.trees import RegressionTree`` still works: the trees live in
:mod:`stepcourse.boosting.trees` (import them from :mod:`stepcourse.boosting`)."""
from .boosting.trees import LEAF, RegressionTree, check_random_state  # noqa: F401

__all__ = ["RegressionTree", "LEAF", "check_random_state"]
