"""What this device has captured: the store's module for the capture files.

Device-local, never synced (``CRM_HOME/local/capture/``): another device reading the
same mailbox keeps its own marks, and the deterministic touchpoint ids keep the book
free of duplicates whatever the marks say.

``state.json``
    IMAP UIDVALIDITY and last UID per account and folder, what each mbox file was
    read up to, the unknown correspondents seen and the addresses ignored for good.
``planned.json``
    per calendar, the days of the coming meetings with each client (a planned
    contact: no check-in is proposed while one is a few days away).
``maildir-<hash>.json``
    per Maildir and folder, the unique part of every file name already read (a flag
    change renames a file but keeps that part).

Saved sources (``crm capture add``) are in the config dir, ``capture-sources.json``:
hosts, users, folders and password commands, never a password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crm_cli.errors import ConfigError, StoreError
from crm_cli.safefile import atomic_write, make_private_dirs
from crm_cli.store.fsops import read_state as _read

STATE_DIR = Path("local") / "capture"
STATE_FILE = "state.json"
SOURCES_FILE = "capture-sources.json"
PLANNED_FILE = "planned.json"  # small on purpose: `crm due` reads it
LOCK_FILE = "capture.lock"
LOCK_TIMEOUT = 600.0  # a first capture of a large mailbox takes a minute or two
VERSION = 1


def _dumps(data: Any) -> bytes:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


class CaptureState:
    """The capture marks of one book on this device, written back by :meth:`save`."""

    def __init__(self, home: Path) -> None:
        self.folder = home / STATE_DIR
        data = _read(self.folder / STATE_FILE)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            data = {"version": VERSION}
        self._data: dict[str, Any] = data
        for key in ("imap", "mbox", "unknown"):
            if not isinstance(self._data.get(key), dict):
                self._data[key] = {}
        if not isinstance(self._data.get("ignored"), list):
            self._data["ignored"] = []
        self._dirty = False
        self._maildirs: dict[str, dict[str, set[str]]] = {}
        self._maildirs_dirty: set[str] = set()

    # -- IMAP ------------------------------------------------------------------
    def imap_mark(self, key: str) -> tuple[int, int] | None:
        mark = self._data["imap"].get(key)
        if not isinstance(mark, dict):
            return None
        try:
            return int(mark["uidvalidity"]), int(mark["last_uid"])
        except (KeyError, TypeError, ValueError):
            return None

    def set_imap_mark(self, key: str, uidvalidity: int, last_uid: int) -> None:
        if self.imap_mark(key) != (uidvalidity, last_uid):
            self._data["imap"][key] = {"uidvalidity": uidvalidity, "last_uid": last_uid}
            self._dirty = True

    # -- mbox ------------------------------------------------------------------
    def mbox_mark(self, path: Path) -> dict[str, Any] | None:
        mark = self._data["mbox"].get(str(path.resolve()))
        return mark if isinstance(mark, dict) else None

    def set_mbox_mark(self, path: Path, mark: dict[str, Any]) -> None:
        key = str(path.resolve())
        if self._data["mbox"].get(key) != mark:
            self._data["mbox"][key] = mark
            self._dirty = True

    # -- Maildir ---------------------------------------------------------------
    def _maildir_file(self, root: Path) -> Path:
        import hashlib  # 4 ms to import: `crm due` reads this module for planned meetings

        digest = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape"))
        return self.folder / f"maildir-{digest.hexdigest()[:16]}.json"

    def maildir_seen(self, root: Path) -> dict[str, set[str]]:
        """Folder name to the unique names read in it."""
        key = str(root.resolve())
        if key not in self._maildirs:
            data = _read(self._maildir_file(root))
            folders = data.get("folders") if isinstance(data, dict) else None
            self._maildirs[key] = (
                {str(k): set(v) for k, v in folders.items() if isinstance(v, list)}
                if isinstance(folders, dict)
                else {}
            )
        return self._maildirs[key]

    def add_maildir_seen(self, root: Path, read: dict[str, set[str]]) -> None:
        seen = self.maildir_seen(root)
        for folder, names in read.items():
            known = seen.setdefault(folder, set())
            if not names <= known:
                known.update(names)
                self._maildirs_dirty.add(str(root.resolve()))

    # -- people ----------------------------------------------------------------
    @property
    def ignored(self) -> frozenset[str]:
        return frozenset(a for a in self._data["ignored"] if isinstance(a, str))

    def ignore(self, address: str) -> bool:
        """Never list ``address`` again; False if it was ignored already."""
        self._data["unknown"].pop(address, None)
        if address in self._data["ignored"]:
            return False
        self._data["ignored"] = sorted({*self._data["ignored"], address})
        self._dirty = True
        return True

    def unknown(self) -> dict[str, dict[str, Any]]:
        """Unknown correspondents by folded address: name, count, last date, captured ids."""
        return {k: v for k, v in self._data["unknown"].items() if isinstance(v, dict)}

    def note_unknown(self, address: str, name: str, day: str, seen_as: str) -> None:
        """Count a message with ``address`` (once per ``seen_as``, the message's id)."""
        if address in self._data["ignored"]:
            return
        entry = self._data["unknown"].setdefault(address, {"name": "", "count": 0, "last": ""})
        ids = entry.setdefault("ids", [])
        if seen_as in ids:
            return
        ids.append(seen_as)
        entry["count"] = len(ids)
        if name and (not entry["name"] or day >= entry["last"]):
            entry["name"] = name
        entry["last"] = max(entry["last"], day)
        self._dirty = True

    def forget_unknown(self, address: str) -> None:
        if self._data["unknown"].pop(address, None) is not None:
            self._dirty = True

    # -- writing ---------------------------------------------------------------
    def save(self) -> None:
        """Write what changed, each file atomically."""
        if not self._dirty and not self._maildirs_dirty:
            return
        make_private_dirs(self.folder)
        for key in sorted(self._maildirs_dirty):
            path = self._maildir_file(Path(key))
            folders = {name: sorted(names) for name, names in self._maildirs[key].items()}
            atomic_write(path, _dumps({"root": key, "folders": folders}))
        self._maildirs_dirty.clear()
        if self._dirty:
            atomic_write(self.folder / STATE_FILE, _dumps(self._data))
            self._dirty = False


def save_planned(home: Path, calendar: str, meetings: dict[str, list[str]]) -> None:
    """The coming meetings found on ``calendar`` (client id to ISO days), replacing
    what the last read of that calendar found."""
    folder = home / STATE_DIR
    data = _read(folder / PLANNED_FILE)
    if not isinstance(data, dict):
        data = {}
    if data.get(calendar) == meetings:
        return
    if meetings:
        data[calendar] = meetings
    else:
        data.pop(calendar, None)
    make_private_dirs(folder)
    atomic_write(folder / PLANNED_FILE, _dumps(data))


def load_planned(home: Path) -> dict[str, list[str]]:
    """Client id to the days of their coming meetings, from every calendar read here."""
    data = _read(home / STATE_DIR / PLANNED_FILE)
    found: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return found
    for meetings in data.values():
        if isinstance(meetings, dict):
            for client_id, days in meetings.items():
                if isinstance(days, list):
                    found.setdefault(str(client_id), []).extend(str(d) for d in days)
    return found


@contextmanager
def capture_lock(home: Path) -> Iterator[None]:
    """One capture at a time on this device: a large one writes the book in several
    steps, and a second capture started by cron meanwhile must not log its messages
    again."""
    from crm_cli.store.lockfile import FileLock, Timeout

    folder = home / STATE_DIR
    make_private_dirs(folder)
    lock = FileLock(str(folder / LOCK_FILE), timeout=LOCK_TIMEOUT, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"another crm capture has been running for {LOCK_TIMEOUT:g} s; try again later"
        ) from None
    try:
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------- saved sources


def load_sources(config: Path) -> dict[str, dict[str, Any]]:
    """The saved sources by name (``crm capture add``), from the config dir."""
    path = config / SOURCES_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    import orjson

    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{path} is not a list of capture sources")
    return data


def save_sources(config: Path, sources: dict[str, dict[str, Any]]) -> Path:
    make_private_dirs(config)
    path = config / SOURCES_FILE
    atomic_write(path, _dumps(sources))
    return path
