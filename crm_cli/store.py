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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.summary import ClientSummary, summarise_all
from crm_cli.errors import (
    BookLocked,
    Conflict,
    CorruptBook,
    InvalidValue,
    NewerSchema,
    NotFound,
    StoreError,
)

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
    # UTC: local time jumps back at the end of summer time or after a flight west,
    # and a backup named earlier than an older one would be rotated away first.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # Same instant as an earlier backup: the next number after the highest still there
    # (never a number freed by the rotation, which would sort as the oldest).
    taken = [_backup_order(p)[1] for p in backups.glob(f"book-{stamp}*.json")]
    target = backups / (f"book-{stamp}-{max(taken) + 1}.json" if taken else f"book-{stamp}.json")
    try:
        os.link(path, target)  # the old inode lives on under a new name: no copy
    except OSError:
        target.write_bytes(path.read_bytes())
        target.chmod(0o600)


def _backup_order(path: Path) -> tuple[str, int]:
    """Oldest first: by time stamp, then ``book-STAMP.json`` before ``book-STAMP-2.json``."""
    stamp, _, n = path.stem.removeprefix("book-").partition("-")
    return stamp, int(n) if n.isdigit() else 1


def _backup_files(backups: Path) -> list[Path]:
    if not backups.is_dir():
        return []
    return sorted(backups.glob("book-*.json"), key=_backup_order)


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

    def add_touchpoints(self, tps: list[Touchpoint]) -> list[Touchpoint]:
        """Store many touchpoints at once (imports, the benchmark generator), in order."""
        known = self._client_map()
        for tp in tps:
            if tp.client_id not in known:
                raise NotFound(f"no client has the id '{tp.client_id}'")
        seq = int(self._meta().get("next_touchpoint", 1))
        for n, tp in enumerate(tps):
            tp.id = f"t{seq + n}"
        self._db.table("touchpoints").insert_multiple(tp.to_dict() for tp in tps)
        self._set_meta(next_touchpoint=seq + len(tps))
        return tps

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

    # -- bulk changes (imports) ------------------------------------------------
    def add_clients(self, clients: list[Client]) -> None:
        """Add many clients in one table operation (TinyDB copies a table on each insert)."""
        known = self._client_map()
        clash = _first_duplicate([*known, *(c.id for c in clients)])
        if clash is not None:
            raise StoreError(f"a client with the id '{clash}' exists already")
        self._db.table("clients").insert_multiple(c.to_dict() for c in clients)
        known.update((c.id, c) for c in clients)

    def update_clients(self, clients: list[Client]) -> None:
        """Replace many clients in one table operation (same rules as :meth:`update_client`)."""
        if not clients:
            return
        by_id = {c.id: c for c in clients}
        table = self._db.table("clients")
        doc_ids = {d["id"]: d.doc_id for d in table.all() if d["id"] in by_id}
        missing = next((i for i in by_id if i not in doc_ids), None)
        if missing is not None:
            raise NotFound(f"no client has the id '{missing}'")
        table.update(
            lambda doc: doc.update(by_id[doc["id"]].to_dict()), doc_ids=[*doc_ids.values()]
        )
        self._client_map().update(by_id)

    # -- the whole book as plain data (export json / import json) ------------
    _TABLES = ("clients", "touchpoints", "snoozes", "runs")

    def is_empty(self) -> bool:
        """No client, touchpoint, snooze or playbook step (settings live elsewhere)."""
        return not any(self._docs(name) for name in self._TABLES)

    def export_data(self) -> dict[str, Any]:
        """The whole book as JSON-ready data, every list in a stable order.

        Records go through the models, so an export of a restored export is
        identical to it; ``meta`` carries what restoring needs besides records.
        """

        def ordered(records: list[dict[str, Any]], *key: str) -> list[dict[str, Any]]:
            # The named keys first, then the whole record: a total, stable order.
            return sorted(records, key=lambda r: (*(str(r[k]) for k in key), _encode(r)))

        touchpoints = sorted(self.touchpoints(), key=lambda t: (t.seq, t.id))
        return {
            "meta": {
                "schema": SCHEMA_VERSION,
                "next_touchpoint": int(self._meta().get("next_touchpoint", 1)),
            },
            "clients": ordered([c.to_dict() for c in self._client_map().values()], "id"),
            "touchpoints": [t.to_dict() for t in touchpoints],
            "snoozes": ordered([s.to_dict() for s in self.snoozes().values()], "client_id"),
            "runs": ordered([s.to_dict() for s in self.steps()], "client_id", "started"),
        }

    def restore(self, data: dict[str, Any], replace: bool = False) -> None:
        """Load what :meth:`export_data` returned; refuses a non-empty book unless ``replace``.

        Everything is checked before anything changes: a bad record is an
        ``InvalidValue`` naming it, a newer schema is ``NewerSchema``.
        """
        if not replace and not self.is_empty():
            count = len(self._client_map())
            raise Conflict(
                f"the book {self.path} is not empty ({count} clients): restoring into it "
                "would mix two books; use --replace to replace it (the current book is "
                "kept in the backups)"
            )
        records = _restorable(data)
        for name in self._TABLES:
            table = self._db.table(name)
            if replace:
                table.truncate()
            if records[name]:
                table.insert_multiple(records[name])
        self._set_meta(schema=SCHEMA_VERSION, next_touchpoint=records["next_touchpoint"])
        self._clients = None

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


def _first_duplicate(items: list[str]) -> str | None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def _restorable(data: Any) -> dict[str, Any]:
    """The records of an exported book, migrated and validated; raises on anything wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise InvalidValue("not a crm book export: it has no 'meta' object")
    version = data["meta"].get("schema")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValue(f"not a crm book export: its schema version is {version!r}")
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"the export was written by a newer crm (schema {version}, this crm reads up "
            f"to {SCHEMA_VERSION}): upgrade crm"
        )
    # Migrations work on the stored shape (tables of numbered documents).
    tables: dict[str, Any] = {"_meta": {"1": dict(data["meta"])}}
    for name in Book._TABLES:
        rows = data.get(name, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidValue(f"not a crm book export: '{name}' is not a list of records")
        tables[name] = {str(i): dict(r) for i, r in enumerate(rows, 1)}
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](tables)
        version += 1
    kinds: dict[str, Callable[[dict[str, Any]], Any]] = {
        "clients": Client.from_dict,
        "touchpoints": Touchpoint.from_dict,
        "snoozes": Snooze.from_dict,
        "runs": PlannedStep.from_dict,
    }
    out: dict[str, Any] = {}
    parsed: dict[str, list[Any]] = {}
    for name, kind in kinds.items():
        parsed[name] = []
        for n, doc in enumerate(tables[name].values(), 1):
            try:
                parsed[name].append(kind(doc))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InvalidValue(
                    f"record {n} of '{name}' is invalid: {type(exc).__name__}: {exc}"
                ) from None
        out[name] = [record.to_dict() for record in parsed[name]]
    client_ids = [c.id for c in parsed["clients"]]
    for name, ids in (
        ("clients", client_ids),
        ("touchpoints", [t.id for t in parsed["touchpoints"]]),
    ):
        dup = _first_duplicate(ids)
        if dup is not None:
            raise InvalidValue(f"two records of '{name}' have the id '{dup}'")
    known = set(client_ids)
    for name in ("touchpoints", "snoozes", "runs"):
        orphan = next((r for r in parsed[name] if r.client_id not in known), None)
        if orphan is not None:
            raise InvalidValue(
                f"a record of '{name}' names a client that is not in it: '{orphan.client_id}'"
            )
    counter = tables["_meta"]["1"].get("next_touchpoint", 1)
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 1:
        raise InvalidValue(f"its touchpoint counter is {counter!r}, not a positive number")
    # Never hand out an id that a restored touchpoint already has.
    out["next_touchpoint"] = max([counter, *(t.seq + 1 for t in parsed["touchpoints"])])
    return out


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
