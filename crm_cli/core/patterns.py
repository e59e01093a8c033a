"""Regular expressions compiled on first use, not at import.

Compiling a pattern costs 0.1-0.5 ms in a fresh process; a module the quick
commands import (``crm due``, ``crm show``) declares its rarely used patterns
with ``lazy`` so that a command pays only for the ones it matches with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A getter of ``re.compile(pattern, flags)``, compiled on its first call only."""

    @cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled


__all__ = ["lazy"]
