"""Printing: data to stdout, messages to stderr, tables that fit the terminal.

Plain text on purpose: a table here costs nothing to import, and ``crm due``
must start fast. ``--json`` output is stable: sorted keys, ISO dates.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any


def terminal_columns(fallback: int = 80) -> int:
    """The terminal's width, as ``shutil.get_terminal_size`` reads it (``COLUMNS``
    first), without importing shutil (and its bz2 and lzma) on every command."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or fallback


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


def text_width(text: str) -> int:
    """Terminal cells taken by ``text`` (wide CJK and emoji take two)."""
    if narrow(text):
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if text_width(text) <= width:
        return text
    cells, kept = 0, []
    for ch in text:
        w = text_width(ch)
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
    total = terminal_columns() if sys.stdout.isatty() else 80
    cells = [[" ".join(str(v).split()) for v in row] for row in rows]
    widths = [text_width(h) for h in headers]
    # Per column: whether every cell (header too) takes one terminal cell a character,
    # and else the cells' widths in cells (for the padding below).
    narrow_columns = [narrow(h) for h in headers]
    cell_widths: dict[int, list[int]] = {}
    for i, column in enumerate(zip(*cells, strict=True)):
        # A column of one-cell characters (the usual) is told by one look at all of it
        # (its characters are all narrow if their concatenation is) and measured by len.
        if narrow("".join(column)):
            widths[i] = max(widths[i], *map(len, column))
            if not narrow_columns[i]:  # a wide header over narrow cells
                cell_widths[i] = list(map(len, column))
        else:
            narrow_columns[i] = False
            cell_widths[i] = list(map(text_width, column))
            widths[i] = max(widths[i], *cell_widths[i])
    natural = list(widths)
    gap = 2
    over = sum(widths) + gap * (len(widths) - 1) - total
    shrinkable = list(shrink) or list(range(len(widths)))
    while over > 0:
        i = max(shrinkable, key=lambda k: widths[k])
        floor = max(text_width(headers[i]), 6)
        if widths[i] <= floor:
            break
        cut = min(over, widths[i] - floor)
        widths[i] -= cut
        over -= cut
    if widths == natural:  # nothing to clip: one format call a row
        body = [list(headers), *cells]
        formats = []
        for i, width in enumerate(widths):
            if narrow_columns[i]:
                formats.append(f"{{:<{width}}}")
                continue
            # A column with a wide character: its cells padded to the width in cells.
            formats.append("{}")
            body[0][i] += " " * (width - text_width(headers[i]))
            for row, used in zip(body[1:], cell_widths.get(i, []), strict=True):
                row[i] += " " * (width - used)
        line = (" " * gap).join(formats)
        return "\n".join(line.format(*row).rstrip() for row in body)
    lines = []
    for row in [list(headers), *cells]:
        padded = []
        for value, room in zip(row, widths, strict=True):
            if narrow(value) and len(value) <= room:  # most cells: no clipping to measure
                padded.append(value.ljust(room))
            else:
                part = _clip(value, room)
                padded.append(part + " " * (room - text_width(part)))
        lines.append((" " * gap).join(padded).rstrip())
    return "\n".join(lines)


def wrap(text: str, width: int, first: str, rest: str, max_lines: int) -> list[str]:
    """``textwrap.wrap`` counting terminal cells, not characters: a CJK note takes two
    cells a character and must still fit the line."""
    if (
        len(first) + len(text) <= width
        and narrow(text)
        and text.isprintable()
        and "  " not in text
        and text.strip() == text
        and text
    ):
        return [first + text]  # most details: already one clean line that fits
    words = text.split()
    room = width - max(len(first), len(rest))
    if narrow(text + first + rest) and max(map(len, words), default=0) <= room:
        lines = fill_narrow(" ".join(words), width, first, rest)  # the usual case, 3x faster
    else:
        lines = fill(words, width, first, rest)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while text_width(last) + len(" [...]") > width and len(last) > len(rest):
            words = last[len(rest) :].rsplit(" ", 1)  # drop whole words when there are some
            last = rest + words[0] if len(words) == 2 else last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + " [...]"]
    return lines


def fill_narrow(text: str, width: int, first: str, rest: str) -> list[str]:
    """Greedy filling of one-cell text whose every word fits a line: each line ends at
    the last space that fits, found by ``rfind`` rather than word by word."""
    lines: list[str] = []
    prefix = first
    while text:
        room = width - len(prefix)
        if len(text) <= room:
            lines.append(prefix + text)
            break
        cut = text.rfind(" ", 0, room + 1)
        lines.append(prefix + text[:cut])
        text, prefix = text[cut + 1 :], rest
    return lines


def fill(words: list[str], width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line, empty = first, True
    for word in words:
        while word:
            room = width - text_width(line) - (0 if empty else 1)
            if text_width(word) <= room:
                line, empty, word = line + ("" if empty else " ") + word, False, ""
                continue
            if empty or text_width(word) > width - text_width(rest):
                # Longer than a whole line: cut it to fill this one.
                cut, used = 0, 0
                while cut < len(word) and used + text_width(word[cut]) <= room:
                    used += text_width(word[cut])
                    cut += 1
                if cut:
                    line, word = line + ("" if empty else " ") + word[:cut], word[cut:]
            lines.append(line)
            line, empty = rest, True
    if not empty:
        lines.append(line)
    return lines
