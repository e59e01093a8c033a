"""Counts as one line of Unicode blocks: a sparkline (``crm show``) or a heatmap row.

Pure and tiny: ``crm show`` imports it, so it imports nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["BARS", "EMPTY", "SHADES", "heat_row", "sparkline"]

BARS: Final = "▁▂▃▄▅▆▇█"
"""Eight heights: a month's count against the busiest month shown."""

SHADES: Final = "░▒▓█"
"""Four shades of a heatmap cell, lightest first."""

EMPTY: Final = "·"
"""A month or week with nothing: visible, and unlike the lowest bar (which is one)."""


def _level(value: int, top: int, steps: int) -> int:
    """1..steps for a value in 1..top: the smallest non-zero value still shows."""
    return max(1, min(steps, -(-value * steps // top)))  # ceil without floats


def sparkline(values: Sequence[int], top: int | None = None) -> str:
    """One character per value: ``EMPTY`` for 0, else a bar scaled to ``top`` (the max)."""
    peak = max(values, default=0) if top is None else top
    return "".join(
        EMPTY if value <= 0 or peak <= 0 else BARS[_level(value, peak, len(BARS)) - 1]
        for value in values
    )


def heat_row(values: Sequence[int], top: int) -> str:
    """One heatmap row: ``EMPTY`` for 0, else one of four shades scaled to ``top``."""
    return "".join(
        EMPTY if value <= 0 or top <= 0 else SHADES[_level(value, top, len(SHADES)) - 1]
        for value in values
    )
