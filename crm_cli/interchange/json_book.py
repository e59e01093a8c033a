"""The whole book as one JSON file (``crm export json``), and back (``crm import json``).

The file is ``Book.export_data()`` with a ``format`` marker: sorted keys, lists
in a stable order, two-space indent, UTF-8, a final newline, so that export,
import into an empty book and export again give the same bytes, and two
exports of the same book can be compared with ``diff``.
"""

from __future__ import annotations

import json
from typing import Any

from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.errors import InvalidValue

BOOK_FORMAT = "crm-book"
CLIENT_FORMAT = "crm-client"


# An export is 4 levels deep (book, table, record, list of tags); the store's
# encoder gives up past 254, so deeper values must be refused before the write.
MAX_DEPTH = 32


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (iterative: no recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)
    return deepest


def dumps(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def book_json(data: dict[str, Any]) -> bytes:
    """An export of ``Book.export_data()``."""
    return dumps({"format": BOOK_FORMAT, **data})


def load_book(raw: bytes, name: str) -> dict[str, Any]:
    """The data of an export (or of a copy of ``book.json``), for ``Book.restore``."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidValue(f"{name} is not a crm JSON export: it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidValue(
            f"{name} is not a crm JSON export: invalid JSON at line {exc.lineno} "
            f"column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:  # [[[[... a hundred thousand deep: no export is like that
        raise InvalidValue(f"{name} is not a crm JSON export: it is nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidValue(f"{name} is not a crm JSON export: it is not a JSON object")
    if _depth(data) > MAX_DEPTH:
        raise InvalidValue(f"{name} is not a crm JSON export: it is nested too deeply")
    if data.get("format") == BOOK_FORMAT:
        return {k: v for k, v in data.items() if k != "format"}
    if data.get("format") == CLIENT_FORMAT:
        raise InvalidValue(
            f"{name} is one client's data ('crm export client'), not a book: it cannot be restored"
        )
    if "format" not in data and isinstance(data.get("_meta"), dict):
        # The store's own files are not a backup: touchpoints live in other files.
        raise InvalidValue(
            f"{name} is one of the book's own files, not an export: to restore a backup "
            "of the book, copy CRM_HOME back (see the README); to move a book, use "
            "'crm export json'"
        )
    raise InvalidValue(
        f'{name} is not a crm JSON export (no "format": "{BOOK_FORMAT}"): '
        "make one with 'crm export json'"
    )


def client_json(
    client: Client,
    touchpoints: list[Touchpoint],
    snoozes: list[Snooze],
    steps: list[PlannedStep],
) -> bytes:
    """Everything the book holds about one client, private notes included (a data-access
    request: the person is entitled to all of it)."""
    return dumps(
        {
            "format": CLIENT_FORMAT,
            "client": client.to_dict(),
            "touchpoints": [t.to_dict() for t in touchpoints],
            "snoozes": [s.to_dict() for s in snoozes],
            "playbook_steps": [s.to_dict() for s in steps],
        }
    )
