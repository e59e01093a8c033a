"""What ``crm notify`` did on this device: the one module that reads and writes it.

Device-local, never synced (``CRM_HOME/local/notify/state.json``): only the device
named by ``notify_device`` sends, so its own record of the last day sent is the
whole truth, and no other device ever needs to know it.

``state.json``
    ``sent``: per channel (``email``, ``desktop``), the last day a digest went out;
    ``caldav``: per calendar URL, the ids of the items whose events crm published
    there (only those are ever updated or deleted).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from crm_cli.errors import StoreError
from crm_cli.safefile import atomic_write, make_private_dirs

STATE_DIR = Path("local") / "notify"
STATE_FILE = "state.json"
LOCK_FILE = "notify.lock"
LOCK_TIMEOUT = 120.0  # a digest over a slow SMTP server: the other run waits, then skips
VERSION = 1

__all__ = ["NotifyState", "book_devices", "notify_lock"]


class NotifyState:
    """The notify record of one book on this device, written back by :meth:`save`."""

    def __init__(self, home: Path) -> None:
        import orjson

        self.path = home / STATE_DIR / STATE_FILE
        try:
            data: Any = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        except orjson.JSONDecodeError:
            # A damaged record: at worst one more digest today, never a lost book.
            data = None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            data = {"version": VERSION}
        for key in ("sent", "caldav"):
            if not isinstance(data.get(key), dict):
                data[key] = {}
        self._data: dict[str, Any] = data

    def last_sent(self, channel: str) -> date | None:
        try:
            return date.fromisoformat(str(self._data["sent"][channel]))
        except (KeyError, ValueError):
            return None

    def mark_sent(self, channel: str, day: date) -> None:
        self._data["sent"][channel] = day.isoformat()

    def published(self, url: str) -> set[str]:
        ids = self._data["caldav"].get(url)
        return {str(i) for i in ids} if isinstance(ids, list) else set()

    def set_published(self, url: str, ids: set[str]) -> None:
        self._data["caldav"][url] = sorted(ids)

    def save(self) -> None:
        import orjson

        make_private_dirs(self.path.parent)
        try:
            atomic_write(self.path, orjson.dumps(self._data, option=orjson.OPT_SORT_KEYS))
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None


@contextmanager
def notify_lock(home: Path) -> Iterator[None]:
    """One ``crm notify`` at a time on this device (a timer and a hand run at once)."""
    from crm_cli.store.lockfile import FileLock, Timeout

    folder = home / STATE_DIR
    make_private_dirs(folder)
    lock = FileLock(str(folder / LOCK_FILE))
    try:
        lock.acquire(timeout=LOCK_TIMEOUT)
    except Timeout:
        raise StoreError(f"another crm notify has been running for {LOCK_TIMEOUT:.0f} s") from None
    try:
        yield
    finally:
        lock.release()


def book_devices(home: Path) -> list[str]:
    """The ids of the devices that wrote this book (one folder each under ``devices/``)."""
    from crm_cli.store.devices import DEVICE_NAME, DEVICES_DIR

    folder = home / DEVICES_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and DEVICE_NAME.fullmatch(p.name))
