"""Momentum and adaptive methods: what the chapter on SGD variants draws beyond races."""
from __future__ import annotations

__all__: list = []
