"""The progress of ``crm today``: device-local, never synced (``local/today/``).

``progress.json``
    per day (the ``--date`` day), what became of each plan item worked through:
    ``{"version": 1, "days": {"2026-11-23": {"<item id>": ["<client id>", "done"]}}}``.
    Only the last ``KEEP_DAYS`` days are kept: an old morning is of no use.
``drafts/<day>/``
    the ``.eml`` files that ``s`` opens in the mail client.

A second device works its own morning: the touchpoints it logs reach the other
through the book, and the items they close are gone from its plan too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from crm_cli.errors import StoreError
from crm_cli.safefile import atomic_write, make_private_dirs
from crm_cli.store.devices import LOCAL_DIR
from crm_cli.store.fsops import read_state as _read

TODAY_DIR = Path(LOCAL_DIR) / "today"
PROGRESS_FILE = "progress.json"
VERSION = 1
KEEP_DAYS = 14
OUTCOMES = ("done", "skipped", "snoozed")

Progress = dict[str, tuple[str, str]]
"""Item id -> (client id, outcome)."""


def _days(home: Path) -> dict[str, Any]:
    data = _read(home / TODAY_DIR / PROGRESS_FILE)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    days = data.get("days")
    return days if isinstance(days, dict) else {}


def load_progress(home: Path, day: date) -> Progress:
    """What was done, skipped or snoozed on ``day`` (a hand-edited entry is ignored)."""
    found: Progress = {}
    entries = _days(home).get(day.isoformat())
    if not isinstance(entries, dict):
        return found
    for item_id, value in entries.items():
        if (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], str)
            and value[1] in OUTCOMES
        ):
            found[str(item_id)] = (value[0], value[1])
    return found


def save_progress(home: Path, day: date, progress: Progress) -> None:
    """Keep ``progress`` as ``day``'s, atomically (a crash leaves the old file or the new)."""
    import orjson

    days = _days(home)
    days[day.isoformat()] = {k: [c, o] for k, (c, o) in sorted(progress.items())}
    kept = dict(sorted(days.items())[-KEEP_DAYS:])
    folder = home / TODAY_DIR
    make_private_dirs(folder)
    data = orjson.dumps({"version": VERSION, "days": kept}, option=orjson.OPT_SORT_KEYS)
    try:
        atomic_write(folder / PROGRESS_FILE, data)
    except OSError as exc:
        raise StoreError(f"cannot write {folder / PROGRESS_FILE}: {exc.strerror}") from None


def drafts_dir(home: Path, day: date) -> Path:
    """Where ``crm today`` writes the day's ``.eml`` drafts (created, private)."""
    folder = home / TODAY_DIR / "drafts" / day.isoformat()
    make_private_dirs(folder)
    return folder
