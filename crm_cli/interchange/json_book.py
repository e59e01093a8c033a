"""The whole book as one JSON file (``crm export json``), and back (``crm import json``).

The file is ``Book.export_data()`` with a ``format`` marker: sorted keys, lists
in a stable order, two-space indent, UTF-8, a final newline, so that export,
import into an empty book and export again give the same bytes, and two
exports of the same book can be compared with ``diff``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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


# A client id as crm makes them (slugify, unique_id): letters of any script, digits and
# dashes, never a path ("..", "a/b"), an option ("-x") or empty. Ids name files (drafts,
# vCards) and are typed on the command line.
_CLIENT_ID = re.compile(r"[^\W_](?:[^\W_]|-){0,99}")
# ``t12`` (a counter, before the device files) or ``tq3x7abk`` (random, or a hash).
_TOUCHPOINT_ID = re.compile(r"t(?:[1-9][0-9]{0,17}|[a-z2-7]{8})", re.ASCII)
# The dates of each kind of record: the plan works within dates.FIRST_DAY..LAST_DAY.
_DATES = {
    "clients": ("since", "birthday"),
    "touchpoints": ("date", "follow_up"),
    "snoozes": ("until",),
    "runs": ("due", "started"),
}


def _check_records(data: dict[str, Any]) -> None:
    """Ids that could not be ids and dates the plan cannot work with, naming the record.

    Everything else (missing fields, malformed dates) is checked by the restore.
    """
    from datetime import date

    from crm_cli.core.dates import FIRST_DAY, LAST_DAY

    for table, fields in _DATES.items():
        rows = data.get(table)
        if not isinstance(rows, list):
            continue  # the restore names it
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                continue
            problem = None
            if table in ("clients", "touchpoints") and "id" in row:
                value = row["id"]
                pattern = _CLIENT_ID if table == "clients" else _TOUCHPOINT_ID
                if not isinstance(value, str) or not pattern.fullmatch(value):
                    shown = json.dumps(value, ensure_ascii=False)
                    problem = (
                        f"its id {shown} is not a crm id (letters, digits and dashes, "
                        "starting with a letter or digit)"
                        if table == "clients"
                        else f"its id {shown} is not a touchpoint id (t1, t2...)"
                    )
            for name in fields:
                value = row.get(name)
                if problem is None and isinstance(value, str):
                    try:
                        day = date.fromisoformat(value)
                    except ValueError:
                        continue  # "--03-14" birthdays; anything else: the restore names it
                    if not FIRST_DAY <= day <= LAST_DAY:
                        problem = f"its {name} '{value}' is outside {FIRST_DAY} to {LAST_DAY}"
            if problem is not None:
                raise InvalidValue(f"record {n} of '{table}' is invalid: {problem}")


def dumps(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def book_json(data: dict[str, Any]) -> bytes:
    """An export of ``Book.export_data()``."""
    return dumps({"format": BOOK_FORMAT, **data})


_HEAD = b'{\n  "": [\n'
_TAIL = b"\n  ]\n}"


def book_chunks(parts: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of ``book_json`` for ``Book.export_parts()``, a thousand records at a
    time: the lists may be iterators, so that an export never holds the whole book."""
    from itertools import islice

    import orjson

    # orjson's two-space indent is json.dumps(indent=2, ensure_ascii=False)'s, 20x faster.
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    data = {"format": BOOK_FORMAT, **parts}
    yield b"{\n"
    for n, key in enumerate(sorted(data)):
        yield ("" if n == 0 else ",\n").encode() + f"  {json.dumps(key)}: ".encode()
        value = data[key]
        if not isinstance(value, list | Iterator):
            yield orjson.dumps(value, option=option).replace(b"\n", b"\n  ")
            continue
        records = iter(value)
        first = True
        while batch := list(islice(records, 1000)):
            # The batch as the value of a key: orjson indents the records one level
            # deeper, as they stand in the book (no pass over the bytes to indent them).
            inner = orjson.dumps({"": batch}, option=option)[len(_HEAD) : -len(_TAIL)]
            yield (b"[\n" if first else b",\n") + inner
            first = False
        yield b"[]" if first else b"\n  ]"
    yield b"\n}\n"


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
        _check_records(data)
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
