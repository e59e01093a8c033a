"""The only module that knows files and TinyDB.

The book is one TinyDB JSON file, ``book.json`` in the home directory, kept
safe by a storage class of our own, because TinyDB's stock ``JSONStorage``
rewrites the file in place and has no locking:

* a command opens a :class:`Book` (one unit of work): the file is read once,
  every change is made in memory, and the file is written at most once, when
  the unit of work ends without an error;
* a write goes to a temp file in the same directory (mode 0600), is fsynced,
  and replaces the book with ``os.replace``: a reader sees the old book or the
  new one, never half of one; temp files a killed writer left are removed the
  next time the book is opened for writing;
* writers hold an inter-process lock (``book.lock``) for the whole unit of
  work, so concurrent ``crm log`` processes queue up instead of losing writes;
* before the replace, the old file is hard-linked into ``backups/`` (no copy);
  the newest ``KEEP_BACKUPS`` are kept;
* a book that cannot be parsed is never written over: opening it fails naming
  the file and the newest backup.

Commands see only the :class:`Book` API (clients, touchpoints, snoozes,
playbook runs), so the files behind it can be split later without touching them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.summary import ClientSummary, summarise_all
from crm_cli.errors import BookLocked, CorruptBook, NewerSchema, NotFound, StoreError

SCHEMA_VERSION = 1
BOOK_FILE = "book.json"
LOCK_FILE = "book.lock"
BACKUP_DIR = "backups"
KEEP_BACKUPS = 10
LOCK_TIMEOUT = 10.0

# Migrations from version N to N + 1, applied in memory when a book is opened;
# the migrated book is written by the next command that writes.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {}


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


class BookStorage(Storage):
    """TinyDB storage that reads the file once and writes only on :meth:`commit`.

    TinyDB calls ``read``/``write`` around every operation; here they work on
    the in-memory copy, so a command costs one parse and at most one write.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] | None = None
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        if self._data is None:
            self._data = self._load()
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True

    def close(self) -> None:
        pass

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise StoreError(f"{self.path} is a directory, not a book file") from None
        except PermissionError:
            raise StoreError(f"cannot read {self.path}: permission denied") from None
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.corrupt(f"not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise self.corrupt("not a crm book")
        return data

    def corrupt(self, reason: str) -> CorruptBook:
        newest = newest_backup(self.path.parent)
        hint = (
            f"restore the newest backup with: cp '{newest}' '{self.path}'"
            if newest
            else "no backup exists"
        )
        return CorruptBook(
            f"the book {self.path} is damaged ({reason}); it was not changed; {hint}"
        )

    def commit(self, backups: Path) -> None:
        """Write the book atomically, keeping the previous version as a backup."""
        if not self.dirty or self._data is None:
            return
        atomic_write(self.path, _encode(self._data), lambda: _backup(self.path, backups))
        self.dirty = False
        _rotate_backups(backups)


def _backup(path: Path, backups: Path) -> None:
    if not path.exists():
        return
    backups.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = backups / f"book-{stamp}.json"
    n = 1
    while target.exists():
        n += 1
        target = backups / f"book-{stamp}-{n}.json"
    try:
        os.link(path, target)  # the old inode lives on under a new name: no copy
    except OSError:
        target.write_bytes(path.read_bytes())
        target.chmod(0o600)


def _backup_files(backups: Path) -> list[Path]:
    if not backups.is_dir():
        return []
    return sorted(backups.glob("book-*.json"))


def _rotate_backups(backups: Path) -> None:
    for old in _backup_files(backups)[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def newest_backup(home: Path) -> Path | None:
    files = _backup_files(home / BACKUP_DIR)
    return files[-1] if files else None


def _remove_stale_temps(home: Path) -> None:
    for stale in home.glob(f".{BOOK_FILE}.*.tmp"):
        stale.unlink(missing_ok=True)


def _prepare_home(home: Path, write: bool) -> None:
    if home.exists() and not home.is_dir():
        raise StoreError(f"CRM_HOME {home} is a file, not a directory")
    if not write:
        return
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the book directory {home}: {exc.strerror}") from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise StoreError(f"the book directory {home} is not writable")


class Book:
    """The client book of one command: read once, changed in memory, written once."""

    def __init__(self, home: Path, storage: BookStorage, db: TinyDB) -> None:
        self.home = home
        self._storage = storage
        self._db = db
        self._clients: dict[str, Client] | None = None
        self._forgotten: list[str] = []
        self._check_schema()

    # -- schema ---------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        return dict(self._db.table("_meta").get(doc_id=1) or {})

    def _set_meta(self, **values: Any) -> None:
        meta = self._db.table("_meta")
        if meta.get(doc_id=1) is None:
            meta.insert({"schema": SCHEMA_VERSION, **values})
        else:
            meta.update(values, doc_ids=[1])

    def _check_schema(self) -> None:
        data = self._storage.read() or {}
        version = self._meta().get("schema", SCHEMA_VERSION if not data else 1)
        if not isinstance(version, int):
            raise self._storage.corrupt("its schema version is not a number")
        if version > SCHEMA_VERSION:
            raise NewerSchema(
                f"the book {self._storage.path} was written by a newer crm (schema {version}, "
                f"this crm reads up to {SCHEMA_VERSION}): upgrade crm"
            )
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](data)
            version += 1
            self._set_meta(schema=version)

    @property
    def path(self) -> Path:
        return self._storage.path

    # -- clients --------------------------------------------------------------
    def _docs(self, table: str) -> list[Any]:
        """The documents of a table; a malformed table is a damaged book, not a crash."""
        try:
            return self._db.table(table).all()
        except (TypeError, ValueError) as exc:
            raise self._storage.corrupt(f"its {table} table is malformed: {exc}") from None

    def _parse(self, kind: Callable[[dict[str, Any]], Any], doc: Any, table: str) -> Any:
        try:
            return kind(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            doc_id = getattr(doc, "doc_id", "?")
            raise self._storage.corrupt(
                f"record {doc_id} of its {table} table is invalid: {type(exc).__name__}: {exc}"
            ) from None

    def _client_map(self) -> dict[str, Client]:
        if self._clients is None:
            clients: dict[str, Client] = {}
            for doc in self._docs("clients"):
                client = self._parse(Client.from_dict, doc, "clients")
                clients[client.id] = client
            self._clients = clients
        return self._clients

    def clients(self) -> list[Client]:
        """Every client, archived ones included, in name order."""
        return sorted(self._client_map().values(), key=lambda c: (fold(c.name), c.id))

    def client(self, client_id: str) -> Client:
        try:
            return self._client_map()[client_id]
        except KeyError:
            raise NotFound(f"no client has the id '{client_id}'") from None

    def add_client(self, client: Client) -> None:
        clients = self._client_map()
        if client.id in clients:
            raise StoreError(f"a client with the id '{client.id}' exists already")
        self._db.table("clients").insert(client.to_dict())
        clients[client.id] = client

    def update_client(self, client: Client) -> None:
        table = self._db.table("clients")
        doc = next((d for d in table.all() if d["id"] == client.id), None)
        if doc is None:
            raise NotFound(f"no client has the id '{client.id}'")
        table.update(client.to_dict(), doc_ids=[doc.doc_id])
        self._client_map()[client.id] = client

    def forget_client(self, client_id: str) -> int:
        """Erase a client and everything about them; returns the touchpoints erased.

        The backups are purged too when the unit of work is committed.
        """
        self.client(client_id)
        removed = 0
        for name in ("clients", "touchpoints", "snoozes", "runs"):
            table = self._db.table(name)
            ids = [d.doc_id for d in table.all() if d.get("client_id", d.get("id")) == client_id]
            if name == "touchpoints":
                removed = len(ids)
            if ids:
                table.remove(doc_ids=ids)
        del self._client_map()[client_id]
        self._forgotten.append(client_id)
        return removed

    # -- touchpoints ----------------------------------------------------------
    def touchpoints(self, client_id: str | None = None) -> list[Touchpoint]:
        """Touchpoints, oldest first (by date, then in the order they were logged)."""
        tps = [
            self._parse(Touchpoint.from_dict, d, "touchpoints")
            for d in self._docs("touchpoints")
            if client_id is None or d.get("client_id") == client_id
        ]
        return sorted(tps, key=lambda t: (t.date, t.seq))

    def add_touchpoint(self, tp: Touchpoint) -> Touchpoint:
        """Store a touchpoint, giving it the next id (``t1``, ``t2``...)."""
        self.client(tp.client_id)
        seq = int(self._meta().get("next_touchpoint", 1))
        tp.id = f"t{seq}"
        self._db.table("touchpoints").insert(tp.to_dict())
        self._set_meta(next_touchpoint=seq + 1)
        return tp

    # -- snoozes --------------------------------------------------------------
    def snoozes(self) -> dict[str, Snooze]:
        return {d["client_id"]: Snooze.from_dict(d) for d in self._db.table("snoozes").all()}

    def set_snooze(self, snooze: Snooze) -> None:
        self.clear_snooze(snooze.client_id)
        self._db.table("snoozes").insert(snooze.to_dict())

    def clear_snooze(self, client_id: str) -> bool:
        table = self._db.table("snoozes")
        ids = [d.doc_id for d in table.all() if d["client_id"] == client_id]
        table.remove(doc_ids=ids)
        return bool(ids)

    # -- playbook steps --------------------------------------------------------
    def steps(self, client_id: str | None = None) -> list[PlannedStep]:
        """Planned playbook steps (stopped ones too), by due date."""
        docs = self._db.table("runs").all()
        steps = [
            PlannedStep.from_dict(d)
            for d in docs
            if client_id is None or d["client_id"] == client_id
        ]
        return sorted(steps, key=lambda s: (s.due, s.key))

    def add_steps(self, steps: list[PlannedStep]) -> None:
        self._db.table("runs").insert_multiple(s.to_dict() for s in steps)

    def stop_steps(self, keys: set[str]) -> int:
        """Mark the steps with these keys stopped; returns how many changed."""
        table = self._db.table("runs")
        ids = [
            d.doc_id
            for d in table.all()
            if PlannedStep.from_dict(d).key in keys and not d.get("stopped")
        ]
        if ids:
            table.update({"stopped": True}, doc_ids=ids)
        return len(ids)

    # -- derived ---------------------------------------------------------------
    def summaries(self) -> dict[str, ClientSummary]:
        """Per-client digest of the history that the scheduler needs."""
        return summarise_all(self.touchpoints())

    # -- commit ---------------------------------------------------------------
    def commit(self) -> None:
        backups = self.home / BACKUP_DIR
        if self._storage.dirty:
            self._set_meta(schema=SCHEMA_VERSION)
        self._storage.commit(backups)
        for client_id in self._forgotten:
            _purge_backups(backups, client_id)
        self._forgotten.clear()


def _purge_backups(backups: Path, client_id: str) -> None:
    """Erase a forgotten client from every backup (the right to erasure)."""
    for path in _backup_files(backups):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # unreadable: it cannot be vouched for
            continue
        changed = False
        for name, table in data.items():
            if not isinstance(table, dict):
                continue
            for key in [k for k, doc in table.items() if _belongs(doc, name, client_id)]:
                del table[key]
                changed = True
        if changed:
            path.unlink()  # break the hard link before rewriting
            atomic_write(path, _encode(data))


def _belongs(doc: Any, table: str, client_id: str) -> bool:
    if not isinstance(doc, dict):
        return False
    if table == "clients":
        return doc.get("id") == client_id
    return doc.get("client_id") == client_id


@contextmanager
def open_book(home: Path, *, write: bool = False) -> Iterator[Book]:
    """One unit of work on the book in ``home``.

    With ``write=True`` the book is locked for the whole block and written once
    at its end if anything changed; an exception leaves the file untouched.
    """
    _prepare_home(home, write)
    storage = BookStorage(home / BOOK_FILE)
    if not write:
        yield Book(home, storage, TinyDB(storage=lambda: storage))
        return

    from filelock import FileLock, Timeout

    try:
        lock = FileLock(str(home / LOCK_FILE), timeout=LOCK_TIMEOUT, mode=0o600)
        lock.acquire()
    except Timeout:
        raise BookLocked(
            f"the book in {home} is locked by another crm process "
            f"(waited {LOCK_TIMEOUT:g} s); try again"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot lock the book in {home}: {exc.strerror}") from None
    try:
        _remove_stale_temps(home)
        book = Book(home, storage, TinyDB(storage=lambda: storage))
        yield book
        try:
            book.commit()
        except OSError as exc:
            raise StoreError(f"cannot write the book {storage.path}: {exc.strerror}") from None
    finally:
        lock.release()
