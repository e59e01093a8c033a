"""Printing: data to stdout, messages to stderr, tables that fit the terminal.

Plain text on purpose: a table here costs nothing to import, and ``crm due``
must start fast. ``--json`` output is stable: sorted keys, ISO dates.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any


def out(text: str = "") -> None:
    """Data for the user or a pipe."""
    sys.stdout.write(text + "\n")


# What str.splitlines() breaks on: a message quoting the user's input stays one line.
_LINE_BREAKS = {ch: repr(ch)[1:-1] for ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_ONE_LINE = str.maketrans(_LINE_BREAKS)


def err(text: str) -> None:
    """A message about the data (warnings, progress, errors): always one line."""
    sys.stderr.write(text.translate(_ONE_LINE) + "\n")


def warn(text: str) -> None:
    err(f"Warning: {text}")


def print_json(data: Any) -> None:
    out(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))


# Below U+0378 no code point is wide (the first ones are unassigned, then U+1100):
# Latin names with accents are measured by len like ASCII, 20x faster than by
# asking unicodedata character by character.
_WIDE_FROM = "\u0378"


def narrow(text: str) -> bool:
    """Whether every character of ``text`` takes one terminal cell, quickly."""
    return text.isascii() or max(text) < _WIDE_FROM


def _width(text: str) -> int:
    """Terminal cells taken by ``text`` (wide CJK and emoji take two)."""
    if narrow(text):
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    cells, kept = 0, []
    for ch in text:
        w = _width(ch)
        if cells + w > width - 1:
            break
        kept.append(ch)
        cells += w
    return "".join(kept) + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], shrink: Sequence[int] = ()) -> str:
    """Columns separated by two spaces, fitted to the terminal (80 when piped).

    When too wide, the columns listed in ``shrink`` (by index) are clipped
    with an ellipsis, widest first, so ids and dates stay whole.
    """
    total = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    cells = [[" ".join(str(v).split()) for v in row] for row in rows]
    widths = [_width(h) for h in headers]
    narrow_only = all(map(narrow, headers))
    for i, column in enumerate(zip(*cells, strict=True)):
        # A column of one-cell characters (the usual) is measured by len, in one pass.
        narrow_column = all(map(narrow, column))
        narrow_only &= narrow_column
        widths[i] = max(widths[i], *map(len if narrow_column else _width, column))
    natural = list(widths)
    gap = 2
    over = sum(widths) + gap * (len(widths) - 1) - total
    shrinkable = list(shrink) or list(range(len(widths)))
    while over > 0:
        i = max(shrinkable, key=lambda k: widths[k])
        floor = max(_width(headers[i]), 6)
        if widths[i] <= floor:
            break
        cut = min(over, widths[i] - floor)
        widths[i] -= cut
        over -= cut
    if narrow_only and widths == natural:  # nothing to clip: one format call a row
        line = (" " * gap).join(f"{{:<{width}}}" for width in widths)
        return "\n".join(line.format(*row).rstrip() for row in [headers, *cells])
    lines = []
    for row in [list(headers), *cells]:
        padded = []
        for value, room in zip(row, widths, strict=True):
            if narrow(value) and len(value) <= room:  # most cells: no clipping to measure
                padded.append(value.ljust(room))
            else:
                part = _clip(value, room)
                padded.append(part + " " * (room - _width(part)))
        lines.append((" " * gap).join(padded).rstrip())
    return "\n".join(lines)
