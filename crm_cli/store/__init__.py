"""The only package that knows the book's files, TinyDB and the cache.

A book is a directory (``CRM_HOME``)::

    devices/<device-id>/<YYYY-MM>.json   synced; written only by that device
    local/                               never synced
        device.json                      this device's id and the book's id
        cache.sqlite3                    the fold of every device's files
        backups/<device-id>/...          the previous version of each file written
        backups/schema-2/                the old layout, after its migration
        lock                             held by a writing command
        compiled/                        templates compiled once (compiled_templates)

Each device file is a TinyDB JSON document of *ops* (a client created, a
client's fields set, a touchpoint logged, amended or removed, a snooze set or
cleared, playbook steps added or stopped, a forget, a reset), each stamped by a
hybrid logical clock (:mod:`crm_cli.store.clock`). A command appends one batch
of ops to its device's current file in one atomic write (:mod:`devices`); what
commands read is folded from every device's files into ``local/cache.sqlite3``
(:mod:`fold`), which can always be rebuilt. A file past 2 MB or of an earlier
month is closed: the next batch starts ``<YYYY-MM>.2.json`` (and so on).

What ``crm sync`` uses:

* :func:`open_book` — the unit of work of a command (as before);
* :func:`device_id` — this installation's id (created on first use);
* :func:`synced_paths` — what sync commits: the ``devices/`` tree;
* :func:`refresh` — fold new or changed device files (after a pull);
* :func:`conflict_copies` — file-sync tools' conflict copies under ``devices/``,
  which the fold ignores;
* :class:`NotifyState`, :func:`notify_lock`, :func:`book_devices` — what ``crm notify``
  sent from this device (``local/notify/``), and which devices wrote the book;
* :class:`CaptureState` (with :func:`capture_lock`, :func:`load_planned`,
  :func:`save_planned`, :func:`load_sources`, :func:`save_sources`) — what
  ``crm capture`` remembers on this device (:mod:`capture_state`); the readers
  in :mod:`crm_cli.capture` are handed it and write no file;
* :func:`forgotten` — the keys of forgotten clients (``forget_key`` of their
  global id): an op whose ``"c"`` has that key and whose stamp is older than the
  forget is the client's, and ``--purge-history`` removes it from every commit;
  :func:`crm_cli.store.clock.forget_key` computes the key of a ``"c"``.

``crm today`` keeps its morning in ``local/today/`` (:mod:`today_state`), never
synced: :func:`load_progress`, :func:`save_progress`, :func:`drafts_dir`.

The cache also keeps the memo of a day's plan (:mod:`plan_memo`): each client's
items, dropped by SQLite triggers when the client's record, digest, snooze or
steps change (:meth:`Book.plan_memo`, :meth:`Book.save_plan_memo`).
"""

from __future__ import annotations

from pathlib import Path

from crm_cli.store.book import (
    CACHE_FILE,
    SCHEMA_VERSION,
    Book,
    Repair,
    device_id,
    forgotten,
    open_book,
    refresh,
)
from crm_cli.store.capture_state import (
    CaptureState,
    capture_lock,
    load_planned,
    load_sources,
    save_planned,
    save_sources,
)
from crm_cli.store.clock import derived_touchpoint_id
from crm_cli.store.devices import (
    BACKUP_DIR,
    DEVICES_DIR,
    KEEP_BACKUPS,
    LOCAL_DIR,
    conflict_copies,
)
from crm_cli.store.notify_state import NotifyState, book_devices, notify_lock
from crm_cli.store.plan_memo import PlanMemo
from crm_cli.store.today_state import (
    Progress,
    drafts_dir,
    load_progress,
    save_progress,
)

__all__ = [
    "BACKUP_DIR",
    "CACHE_FILE",
    "DEVICES_DIR",
    "KEEP_BACKUPS",
    "LOCAL_DIR",
    "SCHEMA_VERSION",
    "Book",
    "CaptureState",
    "NotifyState",
    "PlanMemo",
    "Progress",
    "Repair",
    "book_devices",
    "book_exists",
    "capture_lock",
    "conflict_copies",
    "derived_touchpoint_id",
    "device_id",
    "drafts_dir",
    "forgotten",
    "load_planned",
    "load_progress",
    "load_sources",
    "notify_lock",
    "open_book",
    "refresh",
    "save_planned",
    "save_progress",
    "save_sources",
    "synced_paths",
]


def synced_paths(home: Path) -> list[Path]:
    """What sync commits: the ``devices/`` tree (everything in ``local/`` stays here)."""
    return [home / DEVICES_DIR]


def book_exists(home: Path) -> bool:
    """Does ``home`` hold a book (device files, or the schema-2 layout to migrate)?"""
    return (home / DEVICES_DIR).is_dir() or (home / "book.json").is_file()
