"""Deep networks: activations, initialization, normalization, residuals and clipping against depth."""
from __future__ import annotations

__all__: list = []
