"""Gradients: numerical vs analytic, gradient checks, regression fits."""
from __future__ import annotations

__all__: list = []
