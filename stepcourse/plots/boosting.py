"""Gradient boosting: fitted stage curves, data and decision boundaries, residual fits."""
from __future__ import annotations

__all__: list = []
