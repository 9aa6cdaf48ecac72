"""The theory chapter beyond quadratics: smoothness bounds, the PL inequality, the edge of stability, momentum's phase diagram."""
from __future__ import annotations

__all__: list = []
