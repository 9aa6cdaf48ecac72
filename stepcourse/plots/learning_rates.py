"""Learning rates: too small, too big, schedules, number of steps and early stopping."""
from __future__ import annotations

__all__: list = []
