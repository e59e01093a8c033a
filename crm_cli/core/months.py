"""A client's contacts month by month: the series ``crm show`` draws and the report keeps.

Apart from ``core.report`` (which re-exports it) so that ``crm show`` does not import
the whole report for these few lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = ["SERIES_MONTHS", "month_index", "month_labels", "monthly_counts"]

SERIES_MONTHS = 24  # the per-client series, as `crm show` draws it


def month_index(day: date) -> int:
    """Months since year 0: consecutive months are consecutive numbers."""
    return day.year * 12 + day.month - 1


def month_labels(end: date, months: int = SERIES_MONTHS) -> list[str]:
    """``YYYY-MM`` of the ``months`` months ending with ``end``'s, oldest first."""
    last = month_index(end)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - months + 1, last + 1)]


def monthly_counts(days: Iterable[date], end: date, months: int = SERIES_MONTHS) -> list[int]:
    """Contacts per month over the ``months`` months ending with ``end``'s (none after it)."""
    first = month_index(end) - months + 1
    counts = [0] * months
    for day in days:
        if day <= end:
            at = month_index(day) - first
            if at >= 0:
                counts[at] += 1
    return counts
