"""Stochastic and mini-batch gradients: noise, batch size and its scaling."""
from __future__ import annotations

__all__: list = []
