"""A sheet of past interactions (``date, client, channel, direction, note``) read as rows.

Any spreadsheet will do: ``--map "date=Date,client=Email,channel=Type"`` says
which column holds what. The cells are returned as written; what they mean
(which client, which channel) is decided in ``services.history_import``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from crm_cli.errors import InvalidValue, UsageError
from crm_cli.interchange.csv_formats import read_header

REQUIRED_KEYS = ("date", "client", "channel")
MAP_KEYS = ("date", "client", "channel", "direction", "note", "topic")


@dataclass
class HistoryRow:
    number: int  # the row in the file (the header is row 1)
    cells: dict[str, str]  # map key -> the cell as written ("" when empty)


def parse_map(text: str) -> dict[str, str]:
    """``date=Date,client=Email`` as ``{"date": "Date", "client": "Email"}``."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not column.strip():
            raise UsageError(f"--map: '{part.strip()}' is not KEY=COLUMN")
        if key not in MAP_KEYS:
            raise UsageError(f"--map: unknown key '{key}': use {', '.join(MAP_KEYS)}")
        if key in mapping:
            raise UsageError(f"--map: '{key}' is given twice")
        mapping[key] = column.strip()
    missing = [k for k in REQUIRED_KEYS if k not in mapping]
    if missing:
        raise UsageError(f"--map needs {', '.join(f'{k}=COLUMN' for k in missing)}")
    return mapping


def read_history(text: str, name: str, mapping: dict[str, str]) -> list[HistoryRow]:
    """The non-empty rows of the sheet, each as the cells of the mapped columns."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    header, reader = read_header(text, name)
    folded = {h.casefold(): i for i, h in reversed(list(enumerate(header))) if h}
    index: dict[str, int] = {}
    for key, column in mapping.items():
        if column.casefold() not in folded:
            found = ", ".join(h for h in header if h)
            raise InvalidValue(f"{name}: no column '{column}' (for {key}); it has: {found}")
        index[key] = folded[column.casefold()]
    rows: list[HistoryRow] = []
    number = 1
    try:
        for number, cells in enumerate(reader, 2):
            if not any(c.strip() for c in cells):
                continue
            values = {k: (cells[i].strip() if i < len(cells) else "") for k, i in index.items()}
            rows.append(HistoryRow(number, values))
    except csv.Error as exc:
        raise InvalidValue(f"{name}: row {number + 1} is not valid CSV: {exc}") from None
    return rows
