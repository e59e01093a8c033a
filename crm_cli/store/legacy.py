"""The only module that knows the book's files and TinyDB.

A book is a directory (``CRM_HOME``) of TinyDB JSON files, each kept safe by
a storage class of our own (TinyDB's stock ``JSONStorage`` rewrites a file in
place and has no locking):

``book.json``
    clients, snoozes, playbook steps: what the user typed about people.
``history/YYYY-MM.json``
    the touchpoints of one month: logging today rewrites this month's file,
    not twenty years of history.
``summaries.json``
    one digest per client (last contact, open requests, incidents, promises,
    last channels): all that ``crm due``, ``list`` and ``agenda`` read. It
    also holds the touchpoint counter and a stamp (size, mtime) of every
    history and recent file as of its last write.
``recent/NN.json``
    per client, the latest few touchpoints and the private notes a draft's
    privacy guard needs, sharded so that a new touchpoint rewrites 1/16 of it.

Summaries and recent files are derived: they can always be rebuilt from the
history (``crm doctor``). Writes go in the order history, recent, summaries,
book; a crash between two of them leaves stamps that no longer match the
files, and the next open (or ``crm doctor``) rebuilds the digests: nothing
logged is lost.

Every file is written atomically (temp file, fsync, ``os.replace``) with the
previous version hard-linked into ``backups/`` (the last ten of each file);
writers hold an inter-process lock for the whole command; a file that cannot
be parsed is never written over: opening it fails naming the file and its
newest backup.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from crm_cli.core.book import ClientRef
from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.summary import ClientSummary, add_touchpoint, summarise
from crm_cli.errors import (
    BookLocked,
    Conflict,
    CorruptBook,
    InvalidValue,
    NewerSchema,
    NotFound,
    StoreError,
)
from crm_cli.safefile import (
    KEEP_BACKUPS,
    atomic_write,
    backup,
    backup_files,
    restore,
    rotate_backups,
)

if TYPE_CHECKING:  # the scheduler is imported only by the commands that plan
    from crm_cli.core.scheduler import Hint, PlanIndex

SCHEMA_VERSION = 2
BOOK_FILE = "book.json"
SUMMARY_FILE = "summaries.json"
# Derived from book.json and summaries.json at every write; no backups (it holds only
# ids and dates, and copies would keep the ids of forgotten clients around).
INDEX_FILE = "index.json"
INDEX_VERSION = 1
HISTORY_DIR = "history"
RECENT_DIR = "recent"
RECENT_SHARDS = 16
LOCK_FILE = "book.lock"
BACKUP_DIR = "backups"
LOCK_TIMEOUT = 10.0

__all__ = [
    "BACKUP_DIR",
    "BOOK_FILE",
    "KEEP_BACKUPS",
    "SCHEMA_VERSION",
    "Book",
    "BookStorage",
    "atomic_write",
    "newest_backup",
    "open_book",
]

# Migrations of an exported book (tables of numbered documents) from schema N to
# N + 1. Version 2 only moved touchpoints into their own files: exports did not change.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {1: lambda tables: None}


# --------------------------------------------------------------------------- codec


def _loads(raw: bytes) -> Any:
    """Parse a book file with the cycle collector paused, then exempt the result from it.

    A file of 5,000 records makes some 100,000 dicts and lists: collections
    during the parse, and later ones walking those objects again and again, cost
    a command more than the parse itself (35 of 90 ms for ``crm due`` on 5,000
    clients). Parsed JSON holds no reference cycles, so skipping them loses nothing.
    """
    try:
        import orjson

        parse = orjson.loads
    except ImportError:  # pragma: no cover - orjson is a dependency; pure Python still works
        import json

        parse = json.loads  # type: ignore[assignment]  # same call, a wider signature
    paused = gc.isenabled()
    gc.disable()
    try:
        data = parse(raw)
    finally:
        if paused:
            gc.enable()
    gc.freeze()
    return data


def _encode(data: Any) -> bytes:
    """Sorted, compact UTF-8 JSON: orjson writes a 57 MB book about 10x faster than json."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        import json

        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


# --------------------------------------------------------------------------- one file


class BookStorage(Storage):
    """TinyDB storage that reads its file once and writes only on :meth:`commit`.

    TinyDB calls ``read``/``write`` around every operation; here they work on
    the in-memory copy, so a command costs one parse and at most one write.
    """

    def __init__(self, path: Path, prefix: str, home: Path) -> None:
        self.path = path
        self.prefix = prefix  # backups are named PREFIX-STAMP.json
        self.home = home
        self._data: dict[str, Any] | None = None
        self.dirty = False
        self.writes = 0  # bumped on every change: what was read from the data may be stale
        # Size, mtime and inode of the file as read or last written (None: no file):
        # what the plan index was built from is checked against it.
        self.stamp: list[int] | None = None

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def read(self) -> dict[str, Any] | None:
        if self._data is None:
            self._data = self._load()
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True
        self.writes += 1

    def close(self) -> None:
        pass

    def _load(self) -> dict[str, Any]:
        try:
            # Stamped before reading: a file replaced in between then fails the check.
            self.stamp = _file_stamp(self.path)
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.stamp = None
            return {}
        except IsADirectoryError:
            raise StoreError(f"{self.path} is a directory, not a book file") from None
        except PermissionError:
            raise StoreError(f"cannot read {self.path}: permission denied") from None
        try:
            data = _loads(raw)
        except ValueError as exc:
            raise self.corrupt(f"not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise self.corrupt("not a crm book")
        return data

    def corrupt(self, reason: str) -> CorruptBook:
        saved = _restorable_backup(self.home, self.prefix)
        hint = (
            f"restore the newest backup with: cp '{saved}' '{self.path}'"
            if saved
            else "no backup exists"
        )
        return CorruptBook(
            f"the book {self.path} is damaged ({reason}); it was not changed; {hint}"
        )

    def commit(self, done: list[tuple[Path, Path | None]]) -> bool:
        """Write the file atomically, keeping the previous version; False if unchanged.

        Appends ``(file, its backup or None)`` to ``done`` so that the unit of
        work can undo this write if a later one fails.
        """
        if not self.dirty or self._data is None:
            return False
        backups = self.home / BACKUP_DIR
        self.path.parent.mkdir(mode=0o700, exist_ok=True)
        saved: list[Path | None] = [None]

        def keep_previous() -> None:
            saved[0] = backup(self.path, backups, self.prefix)

        atomic_write(self.path, _encode(self._data), keep_previous)
        done.append((self.path, saved[0]))
        self.stamp = _file_stamp(self.path)
        self.dirty = False
        rotate_backups(backups, self.prefix)
        return True


class _Part:
    """One file of the book, opened lazily."""

    def __init__(self, home: Path, relative: str, prefix: str) -> None:
        self.relative = relative
        self.storage = BookStorage(home / relative, prefix, home)
        self.db = TinyDB(storage=lambda: self.storage)
        # Checked pairs per table, kept until the next write: `due` walks its
        # 5,000 clients and digests twice (the screen, then the chosen few).
        self._items: dict[str, tuple[int, list[tuple[int, dict[str, Any]]]]] = {}

    def table(self, name: str) -> Table:
        return self.db.table(name)

    def items(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """A table's ``(doc id, document)`` pairs, read straight from the parsed file.

        Reads skip TinyDB's Document objects: building 250,000 of them costs half
        a second. A malformed table is a damaged book, not a crash.
        """
        raw = (self.storage.read() or {}).get(name) or {}
        cached = self._items.get(name)
        if cached is not None and cached[0] == self.storage.writes:
            return cached[1]
        try:
            pairs = [(int(key), doc) for key, doc in raw.items()]
        except (TypeError, ValueError) as exc:
            raise self.storage.corrupt(f"its {name} table is malformed: {exc}") from None
        if not all(isinstance(doc, dict) for _, doc in pairs):
            raise self.storage.corrupt(f"its {name} table is malformed: a record is not an object")
        self._items[name] = (self.storage.writes, pairs)
        return pairs

    def append(self, name: str, docs: list[dict[str, Any]]) -> None:
        """Add records without TinyDB's table rebuild (it copies the whole table twice)."""
        if not docs:
            return
        data = self.storage.read()
        assert data is not None
        table = data.setdefault(name, {})
        pairs = self.items(name)
        next_id = max((doc_id for doc_id, _ in pairs), default=0) + 1
        for n, doc in enumerate(docs):
            table[str(next_id + n)] = doc
        self.storage.write(data)
        self.db.table(name).clear_cache()

    def docs(self, name: str) -> list[dict[str, Any]]:
        return [doc for _, doc in self.items(name)]

    def parse(self, kind: Callable[[Any], Any], doc: Any, table: str) -> Any:
        try:
            return kind(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raw = (self.storage.read() or {}).get(table) or {}
            # Plain dicts carry no doc id: find it (only on this error path).
            found = next((key for key, value in raw.items() if value is doc), "?")
            doc_id = getattr(doc, "doc_id", found)
            raise self.storage.corrupt(
                f"record {doc_id} of its {table} table is invalid: {type(exc).__name__}: {exc}"
            ) from None

    def meta(self) -> dict[str, Any]:
        raw = (self.storage.read() or {}).get("_meta") or {}
        if not all(str(key).isdigit() and isinstance(doc, dict) for key, doc in raw.items()):
            raise self.storage.corrupt("its _meta table is malformed")
        return dict(raw.get("1") or {})

    def counter(self) -> int:
        """The next touchpoint number kept in ``_meta`` (1 if none)."""
        value = self.meta().get("next_touchpoint", 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.storage.corrupt(
                f"its touchpoint counter is {value!r}, not a positive number"
            )
        return value

    def set_meta(self, **values: Any) -> None:
        meta = self.db.table("_meta")
        if meta.get(doc_id=1) is None:
            meta.insert(values)
        else:
            meta.update(values, doc_ids=[1])


def _shard(client_id: str) -> int:
    return zlib.crc32(client_id.encode()) % RECENT_SHARDS


def _file_stamp(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def _stamp(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


@dataclass
class Repair:
    """What rebuilding the derived files found (``crm doctor``)."""

    clients: int = 0
    touchpoints: int = 0
    differed: int = 0  # summaries that did not match a fresh computation
    orphans: list[str] = field(default_factory=list)  # touchpoints of unknown clients
    duplicates: list[str] = field(default_factory=list)  # touchpoint ids used twice
    counter: int = 1


# --------------------------------------------------------------------------- the book


class Book:
    """The client book of one command: each file read once, changed in memory, written once."""

    _TABLES = ("clients", "touchpoints", "snoozes", "runs")

    def __init__(self, home: Path, writable: bool) -> None:
        self.home = home
        self.writable = writable
        self._book = _Part(home, BOOK_FILE, "book")
        self._summ = _Part(home, SUMMARY_FILE, "summaries")
        self._history: dict[str, _Part] = {}
        self._recent: dict[int, _Part] = {}
        self._clients: dict[str, Client] | None = None
        self._summaries: dict[str, ClientSummary] | None = None
        self._summary_ids: dict[str, int] | None = None
        self._forgotten: list[str] = []
        self._removed = False  # clients removed: write book.json last
        # Clients whose record or digest changed, for the plan index; None: all of them.
        self._index_changes: set[str] | None = set()
        self.repaired: Repair | None = None
        self._open()

    # -- opening: schema, migration, stale digests ------------------------------
    def _open(self) -> None:
        data = self._book.storage.read() or {}
        meta = self._book.meta()
        version = meta.get("schema", SCHEMA_VERSION if not data else 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise self._book.storage.corrupt("its schema version is not a number")
        if version > SCHEMA_VERSION:
            raise NewerSchema(
                f"the book {self.path} was written by a newer crm (schema {version}, "
                f"this crm reads up to {SCHEMA_VERSION}): upgrade crm"
            )
        self.needs_upgrade = version < SCHEMA_VERSION or self._stale()
        if not self.needs_upgrade or not self.writable:
            return
        if version < SCHEMA_VERSION:
            self._migrate_from_one()
        else:
            self.repaired = self.rebuild_derived()

    def _stale(self) -> bool:
        """Do the history and recent files differ from what the summaries were built on?"""
        recorded = self._summ.meta().get("stamps")
        on_disk = self._derived_stamps()
        if recorded is None:
            return bool(on_disk)
        return bool(recorded != on_disk)

    def _files(self, folder: str) -> list[Path]:
        root = self.home / folder
        return sorted(root.glob("*.json")) if root.is_dir() else []

    def _derived_stamps(self) -> dict[str, list[int]]:
        return {
            f"{folder}/{path.name}": _stamp(path)
            for folder in (HISTORY_DIR, RECENT_DIR)
            for path in self._files(folder)
        }

    def _migrate_from_one(self) -> None:
        """Schema 1 kept every touchpoint in book.json: move them to monthly files."""
        docs = self._book.docs("touchpoints")
        tps = [self._book.parse(Touchpoint.from_dict, d, "touchpoints") for d in docs]
        counter = self._book.counter()
        for month, group in _by_month(tps).items():
            self._history_part(month).append("touchpoints", [t.to_dict() for t in group])
        self._book.db.drop_table("touchpoints")
        self._book.set_meta(schema=SCHEMA_VERSION)
        self._book.table("_meta").update(lambda doc: doc.pop("next_touchpoint", None), doc_ids=[1])
        self.repaired = self._write_derived(tps, counter)

    @property
    def path(self) -> Path:
        return self._book.storage.path

    # -- parts -----------------------------------------------------------------
    def _history_part(self, month: str) -> _Part:
        """The file of one month's touchpoints (``history/2026-11.json``)."""
        if month not in self._history:
            self._history[month] = _Part(
                self.home, f"{HISTORY_DIR}/{month}.json", f"history-{month}"
            )
        return self._history[month]

    def _all_history(self) -> list[_Part]:
        for path in self._files(HISTORY_DIR):
            if _MONTH.fullmatch(path.stem):
                self._history_part(path.stem)
        return [self._history[y] for y in sorted(self._history)]

    def _recent_part(self, client_id: str) -> _Part:
        return self._recent_shard(_shard(client_id))

    def _recent_shard(self, n: int) -> _Part:
        if n not in self._recent:
            self._recent[n] = _Part(self.home, f"{RECENT_DIR}/{n:02d}.json", f"recent-{n:02d}")
        return self._recent[n]

    # -- clients ---------------------------------------------------------------
    def _client_map(self) -> dict[str, Client]:
        if self._clients is None:
            clients: dict[str, Client] = {}
            for doc in self._book.docs("clients"):
                client = self._book.parse(Client.from_dict, doc, "clients")
                clients[client.id] = client
            self._clients = clients
        return self._clients

    def _client_ids(self) -> set[str] | dict[str, Client]:
        """The ids of the clients, from the raw records when none is parsed yet."""
        if self._clients is not None:
            return self._clients
        return {ref.id for ref in self.client_refs()}

    def clients(self, ordered: bool = True) -> list[Client]:
        """Every client, archived ones included, in name order (or as stored)."""
        if not ordered:
            return list(self._client_map().values())
        return sorted(self._client_map().values(), key=name_order)

    def client(self, client_id: str) -> Client:
        if self._clients is None:  # one client: parse its record alone
            for doc in self._book.docs("clients"):
                if doc.get("id") == client_id:
                    found: Client = self._book.parse(Client.from_dict, doc, "clients")
                    return found
        try:
            return self._client_map()[client_id]
        except KeyError:
            raise NotFound(f"no client has the id '{client_id}'") from None

    def client_refs(self) -> list[ClientRef]:
        """Id, name, emails and archived flag of every client, for naming one."""
        if self._clients is not None:
            return [
                ClientRef(c.id, c.name, tuple(c.emails), c.archived) for c in self._clients.values()
            ]
        refs = []
        for doc in self._book.docs("clients"):
            try:
                refs.append(
                    ClientRef(
                        doc["id"],
                        doc["name"],
                        tuple(doc.get("emails") or ()),
                        bool(doc.get("archived")),
                    )
                )
            except (KeyError, TypeError) as exc:
                raise self._book.storage.corrupt(f"a client record is invalid: {exc}") from None
        return refs

    def add_client(self, client: Client) -> None:
        self.add_clients([client])

    def add_clients(self, clients: list[Client]) -> None:
        """Add many clients in one table operation (TinyDB copies a table on each insert)."""
        if not clients:
            return  # nothing to add must not mark the book changed (a re-import)
        known = self._client_map()
        clash = _first_duplicate([*known, *(c.id for c in clients)])
        if clash is not None:
            raise StoreError(f"a client with the id '{clash}' exists already")
        self._book.table("clients").insert_multiple(_client_doc(c) for c in clients)
        known.update((c.id, c) for c in clients)
        self._changed(c.id for c in clients)

    def update_client(self, client: Client) -> None:
        self.update_clients([client])

    def update_clients(self, clients: list[Client]) -> None:
        """Replace many clients in one table operation."""
        if not clients:
            return
        by_id = {c.id: c for c in clients}
        table = self._book.table("clients")
        doc_ids = {d["id"]: d.doc_id for d in table.all() if d["id"] in by_id}
        missing = next((i for i in by_id if i not in doc_ids), None)
        if missing is not None:
            raise NotFound(f"no client has the id '{missing}'")

        # Replace, not merge: a compact record leaves out what was cleared.
        table.update(
            lambda doc: _replace(doc, _client_doc(by_id[doc["id"]])), doc_ids=[*doc_ids.values()]
        )
        self._client_map().update(by_id)
        self._changed(by_id)

    def forget_client(self, client_id: str) -> int:
        """Erase a client and everything about them; returns the touchpoints erased.

        The backups are purged too when the unit of work is committed.
        """
        self.client(client_id)
        removed = 0
        for part in self._all_history():
            table = part.table("touchpoints")
            ids = [d.doc_id for d in table.all() if d.get("client_id") == client_id]
            if ids:
                table.remove(doc_ids=ids)
                removed += len(ids)
        for part, name in (
            (self._book, "clients"),
            (self._book, "snoozes"),
            (self._book, "runs"),
            (self._summ, "summaries"),
            (self._recent_part(client_id), "recent"),
        ):
            table = part.table(name)
            key = "id" if name == "clients" else "client_id"
            ids = [d.doc_id for d in table.all() if d.get(key) == client_id]
            if ids:
                table.remove(doc_ids=ids)
        self._client_map().pop(client_id, None)
        if self._summaries is not None:
            self._summaries.pop(client_id, None)
        self._summary_ids = None
        self._forgotten.append(client_id)
        self._removed = True
        self._changed([client_id])
        return removed

    def _changed(self, client_ids: Iterable[str]) -> None:
        if self._index_changes is not None:
            self._index_changes.update(client_ids)
            if len(self._index_changes) > 200:  # then rebuilding it is as quick
                self._index_changes = None

    # -- touchpoints -----------------------------------------------------------
    def touchpoints(self, client_id: str | None = None) -> list[Touchpoint]:
        """Touchpoints from the whole history, oldest first (by date, then logging order).

        This reads every monthly file: the commands that must feel instant read
        :meth:`summaries` and :meth:`recent_touchpoints` instead.
        """
        tps = [
            part.parse(Touchpoint.from_dict, d, "touchpoints")
            for part in self._all_history()
            for d in part.docs("touchpoints")
            if client_id is None or d.get("client_id") == client_id
        ]
        return sorted(tps, key=lambda t: (t.date, t.seq))

    def add_touchpoint(self, tp: Touchpoint) -> Touchpoint:
        """Store a touchpoint, giving it the next id (``t1``, ``t2``...)."""
        return self.add_touchpoints([tp])[0]

    def add_touchpoints(self, tps: list[Touchpoint]) -> list[Touchpoint]:
        """Store touchpoints in order; returns them with their ids (the caller's are untouched).

        Digests follow along.
        """
        known = self._client_ids()
        for tp in tps:
            if tp.client_id not in known:
                raise NotFound(f"no client has the id '{tp.client_id}'")
        seq = self._counter()
        tps = [replace(tp, id=f"t{seq + n}") for n, tp in enumerate(tps)]
        for month, group in _by_month(tps).items():
            self._history_part(month).append("touchpoints", [t.to_dict() for t in group])
        by_client: dict[str, list[Touchpoint]] = {}
        for tp in tps:
            by_client.setdefault(tp.client_id, []).append(tp)
        # A few clients (crm log): parse just their digests; many (an import): all at once.
        summaries = self.summaries() if len(by_client) > 50 else None
        changed: dict[str, ClientSummary] = {}
        for client_id, group in by_client.items():
            current = (
                summaries.get(client_id) if summaries is not None else self._summary_only(client_id)
            )
            if current is None or current.count == 0:
                # A client's first touchpoints (imports, the generator): one computation.
                current = summarise(client_id, group)
            else:
                current = self._with_recent(current)
                for tp in group:
                    current = add_touchpoint(current, tp)
            changed[client_id] = current
        self._store_summaries(changed)
        self._summ.set_meta(next_touchpoint=seq + len(tps))
        return tps

    def _counter(self) -> int:
        return self._summ.counter()

    # -- digests ---------------------------------------------------------------
    def summaries(self) -> dict[str, ClientSummary]:
        """The per-client digests the scheduler reads (without recent touchpoints)."""
        if self._summaries is None:
            self._summaries = {}
            self._summary_ids = {}
            for doc_id, doc in self._summ.items("summaries"):
                summary = self._summ.parse(ClientSummary.from_dict, doc, "summaries")
                self._summaries[summary.client_id] = summary
                self._summary_ids[summary.client_id] = doc_id
        return self._summaries

    def hints(self, only: set[str] | None = None) -> list[Hint] | None:
        """What the scheduler's screen needs of every client (or of the clients
        ``only``), read from the raw records.

        None if a record is malformed: the caller then builds every client, and
        the full parse names the damaged record.
        """
        from crm_cli.core.scheduler import Hint

        fromiso = date.fromisoformat
        # Empty lists are never stored (see _compact), so a key present means open items.
        state: dict[Any, tuple[date | None, bool]] = {}
        hints = []
        try:
            for digest in self._summ.docs("summaries"):
                if only is not None and digest.get("client_id") not in only:
                    continue
                last = digest.get("last_contact")
                state[digest.get("client_id")] = (
                    fromiso(last) if last else None,
                    "open_requests" in digest
                    or "open_incidents" in digest
                    or "open_promises" in digest,
                )
            nothing = (None, False)
            for doc in self._book.docs("clients"):
                if only is not None and doc.get("id") not in only:
                    continue
                get = doc.get
                last, is_open = state.get(doc["id"], nothing)
                hints.append(
                    Hint(
                        doc["id"],
                        fromiso(doc["since"]),
                        last,
                        get("cadence"),
                        get("tier"),
                        get("birthday"),
                        is_open,
                        bool(get("archived") or get("do_not_contact")),
                    )
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return hints

    def _index_stamps(self) -> list[list[int] | None]:
        return [self._book.storage.stamp, self._summ.storage.stamp]

    def _refresh_index(self, read_as: list[list[int] | None]) -> None:
        """Write the plan index for the files just written: the index as it was, with
        the changed clients moved, when it matched the files as they were read;
        rebuilt from every record otherwise."""
        from crm_cli.core.scheduler import build_index, update_index

        changes = self._index_changes
        index = self._read_index(read_as) if changes is not None else None
        hints = self.hints(changes) if index is not None else self.hints()
        if hints is None:  # a damaged record: no index until it is mended
            (self.home / INDEX_FILE).unlink(missing_ok=True)
            return
        if index is None:
            index = build_index(hints)
        elif changes:
            update_index(index, changes, hints)
        data = {
            "version": INDEX_VERSION,
            "stamps": self._index_stamps(),
            "groups": [
                [cadence, tier, [base for base, _ in entries], [cid for _, cid in entries]]
                for cadence, tier, entries in index.groups
            ],
            "always": index.always,
            "yearly": index.yearly,
        }
        atomic_write(self.home / INDEX_FILE, _encode(data))

    def plan_index(self) -> PlanIndex | None:
        """The plan index, if it was built from book.json and summaries.json exactly as
        this command read them; None otherwise (missing, older, or a file changed)."""
        return self._read_index(self._index_stamps())

    def _read_index(self, stamps: list[list[int] | None]) -> PlanIndex | None:
        from crm_cli.core.scheduler import PlanIndex

        try:
            data = _loads((self.home / INDEX_FILE).read_bytes())
            if data.get("version") != INDEX_VERSION or data.get("stamps") != stamps:
                return None
            groups = [
                (cadence, tier, list(zip(bases, ids, strict=True)))
                for cadence, tier, bases, ids in data["groups"]
            ]
            return PlanIndex(groups, list(data["always"]), dict(data["yearly"]))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def clients_of(self, ids: set[str]) -> list[Client]:
        """The clients with these ids, in stored order, parsing no other record."""
        if self._clients is not None:
            return [c for c in self._clients.values() if c.id in ids]
        return [
            self._book.parse(Client.from_dict, doc, "clients")
            for doc in self._book.docs("clients")
            if doc.get("id") in ids
        ]

    def summaries_of(self, ids: set[str]) -> dict[str, ClientSummary]:
        """The digests of these clients (without recent touchpoints), parsing no other."""
        if self._summaries is not None:
            return {cid: s for cid, s in self._summaries.items() if cid in ids}
        found = {}
        for doc in self._summ.docs("summaries"):
            if doc.get("client_id") in ids:
                summary = self._summ.parse(ClientSummary.from_dict, doc, "summaries")
                found[summary.client_id] = summary
        return found

    def _summary_index(self) -> dict[str, int]:
        """Doc id of each client's digest, without parsing the digests."""
        if self._summary_ids is None:
            self._summary_ids = {
                str(doc.get("client_id")): doc_id for doc_id, doc in self._summ.items("summaries")
            }
        return self._summary_ids

    def _summary_only(self, client_id: str) -> ClientSummary | None:
        if self._summaries is not None:
            return self._summaries.get(client_id)
        doc_id = self._summary_index().get(client_id)
        if doc_id is None:
            return None
        doc = (self._summ.storage.read() or {})["summaries"][str(doc_id)]
        summary: ClientSummary = self._summ.parse(ClientSummary.from_dict, doc, "summaries")
        return summary

    def summary(self, client_id: str) -> ClientSummary:
        """One client's digest, recent touchpoints and private notes included."""
        return self._with_recent(self._summary_only(client_id) or ClientSummary(client_id))

    def last_contacts(self) -> dict[str, date]:
        return {
            cid: s.last_contact for cid, s in self.summaries().items() if s.last_contact is not None
        }

    def _recent_doc(self, client_id: str) -> Any:
        part = self._recent_part(client_id)
        return next((d for d in part.docs("recent") if d.get("client_id") == client_id), None)

    def _with_recent(self, summary: ClientSummary) -> ClientSummary:
        doc = self._recent_doc(summary.client_id)
        if doc is None:
            return summary
        part = self._recent_part(summary.client_id)
        summary.recent = [part.parse(Touchpoint.from_dict, t, "recent") for t in doc["recent"]]
        summary.private_notes = list(doc.get("private_notes") or [])
        summary.topics = [
            part.parse(Touchpoint.from_dict, t, "recent") for t in doc.get("topics") or ()
        ]
        return summary

    def recent_touchpoints(self, client_id: str) -> list[Touchpoint]:
        """What a profile or a draft needs of a client's history, without reading it all.

        The latest few touchpoints, the still-open requests, incidents and
        promises, and (as private notes) every private touchpoint's text, so
        that the privacy guard of a draft still sees them.
        """
        summary = self.summary(client_id)
        found = {tp.id: tp for tp in summary.recent}
        # Touchpoints with a topic, however old: a draft may bring back an open one.
        found.update((tp.id, tp) for tp in summary.topics if tp.id not in found)
        for touch, direction in (
            *((o, "in") for o in summary.open_requests),
            *((o, "out") for o in summary.open_incidents),
            *((o, "out") for o in summary.open_promises),
        ):
            if touch.id not in found:
                found[touch.id] = Touchpoint(
                    id=touch.id,
                    client_id=client_id,
                    date=touch.date,
                    channel=touch.channel,
                    direction=direction,
                    note=touch.note,
                    needs_reply=touch in summary.open_requests,
                    incident=touch in summary.open_incidents,
                    private=touch.private,
                    follow_up=touch.follow_up,
                )
        shown = {tp.note for tp in found.values() if tp.private}
        try:
            since = self.client(client_id).since
        except NotFound:
            since = date.min
        for n, note in enumerate(summary.private_notes):
            if note not in shown:
                found[f"private-{n}"] = Touchpoint(
                    id=f"private-{n}",
                    client_id=client_id,
                    date=since,
                    channel="note",
                    note=note,
                    private=True,
                )
        return sorted(found.values(), key=lambda t: (t.date, t.seq))

    def _store_summaries(self, changed: dict[str, ClientSummary]) -> None:
        self._changed(changed)
        index = self._summary_index()
        table = self._summ.table("summaries")
        updates: dict[str, dict[str, Any]] = {}
        inserts: list[dict[str, Any]] = []
        recent_by_part: dict[int, dict[str, dict[str, Any]]] = {}
        for client_id, summary in changed.items():
            doc = _digest_doc(summary)
            recent = {
                "client_id": client_id,
                "recent": [tp.to_dict() for tp in summary.recent],
                "private_notes": list(summary.private_notes),
            }
            if summary.topics:  # absent in books written before topics: the same as none
                recent["topics"] = [tp.to_dict() for tp in summary.topics]
            recent_by_part.setdefault(_shard(client_id), {})[client_id] = recent
            if client_id in index:
                updates[client_id] = doc
            else:
                inserts.append(doc)
            if self._summaries is not None:
                self._summaries[client_id] = ClientSummary.from_dict(doc)
        if updates:
            ids = [index[cid] for cid in updates]
            # TinyDB hands the updater the raw document: key it by client id.
            table.update(lambda d: _replace(d, updates[d["client_id"]]), doc_ids=ids)
        if inserts:
            for client_id, doc_id in zip(
                (d["client_id"] for d in inserts), table.insert_multiple(inserts), strict=True
            ):
                index[client_id] = doc_id
        for docs in recent_by_part.values():
            part = self._recent_part(next(iter(docs)))
            rtable = part.table("recent")
            existing = {d["client_id"]: d.doc_id for d in rtable.all() if d["client_id"] in docs}
            if existing:

                def merge(d: MutableMapping[str, Any], docs: dict[str, Any] = docs) -> None:
                    d.update(docs[d["client_id"]])

                rtable.update(
                    merge,
                    doc_ids=list(existing.values()),
                )
            new = [doc for cid, doc in docs.items() if cid not in existing]
            if new:
                rtable.insert_multiple(new)

    def rebuild_derived(self) -> Repair:
        """Recompute every summary and recent file from the history (``crm doctor``)."""
        tps = self.touchpoints()
        return self._write_derived(tps, self._counter())

    def _write_derived(self, tps: list[Touchpoint], counter: int) -> Repair:
        self._index_changes = None  # every digest is written afresh
        report = Repair(touchpoints=len(tps))
        known = self._client_map()
        seen: set[str] = set()
        for tp in tps:
            if tp.id in seen:
                report.duplicates.append(tp.id)
            seen.add(tp.id)
            if tp.client_id not in known:
                report.orphans.append(tp.id)
        groups: dict[str, list[Touchpoint]] = {}
        for tp in tps:
            groups.setdefault(tp.client_id, []).append(tp)
        fresh = {cid: summarise(cid, group) for cid, group in groups.items() if cid in known}
        old = {s.client_id: _digest_doc(s) for s in self.summaries().values()}
        for cid, summary in fresh.items():
            if old.get(cid) != _digest_doc(summary):
                report.differed += 1
        report.differed += len(set(old) - set(fresh))
        report.clients = len(fresh)
        # Start the derived files afresh: truncate every existing shard and the summaries.
        self._summ.table("summaries").truncate()
        for path in self._files(RECENT_DIR):
            if path.stem.isdigit():
                self._recent_shard(int(path.stem))
        for part in self._recent.values():
            part.docs("recent")  # a malformed shard is refused like any damaged file
            part.table("recent").truncate()
        self._summaries = {}
        self._summary_ids = {}
        self._store_summaries(fresh)
        report.counter = max([counter, *(tp.seq + 1 for tp in tps)])
        self._summ.set_meta(next_touchpoint=report.counter, stamps=None)
        return report

    # -- snoozes ---------------------------------------------------------------
    def snoozes(self) -> dict[str, Snooze]:
        return {
            d["client_id"]: self._book.parse(Snooze.from_dict, d, "snoozes")
            for d in self._book.docs("snoozes")
        }

    def set_snooze(self, snooze: Snooze) -> None:
        self.clear_snooze(snooze.client_id)
        self._book.table("snoozes").insert(snooze.to_dict())

    def clear_snooze(self, client_id: str) -> bool:
        table = self._book.table("snoozes")
        ids = [d.doc_id for d in table.all() if d["client_id"] == client_id]
        if ids:
            table.remove(doc_ids=ids)
        return bool(ids)

    # -- playbook steps ----------------------------------------------------------
    def steps(self, client_id: str | None = None) -> list[PlannedStep]:
        """Planned playbook steps (stopped ones too), by due date."""
        steps = [
            self._book.parse(PlannedStep.from_dict, d, "runs")
            for d in self._book.docs("runs")
            if client_id is None or d.get("client_id") == client_id
        ]
        return sorted(steps, key=lambda s: (s.due, s.key))

    def add_steps(self, steps: list[PlannedStep]) -> None:
        self._book.table("runs").insert_multiple(s.to_dict() for s in steps)

    def stop_steps(self, keys: set[str]) -> int:
        """Mark the steps with these keys stopped; returns how many changed."""
        table = self._book.table("runs")
        ids = [
            d.doc_id
            for d in table.all()
            if PlannedStep.from_dict(d).key in keys and not d.get("stopped")
        ]
        if ids:
            table.update({"stopped": True}, doc_ids=ids)
        return len(ids)

    # -- the whole book as plain data (export json / import json) ---------------
    def is_empty(self) -> bool:
        """No client, touchpoint, snooze or playbook step (settings live elsewhere)."""
        if any(self._book.docs(name) for name in ("clients", "snoozes", "runs")):
            return False
        return not any(part.docs("touchpoints") for part in self._all_history())

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
            "meta": {"schema": SCHEMA_VERSION, "next_touchpoint": self._counter()},
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
        records = restorable(data)
        self._removed = replace and bool(self._client_map())
        for name in ("clients", "snoozes", "runs"):
            table = self._book.table(name)
            table.truncate()
            rows = records[name]
            if name == "clients":
                rows = [_client_doc(Client.from_dict(r)) for r in rows]
            if rows:
                table.insert_multiple(rows)
        for part in self._all_history():
            part.table("touchpoints").truncate()
        tps = [Touchpoint.from_dict(t) for t in records["touchpoints"]]
        for month, group in _by_month(tps).items():
            self._history_part(month).append("touchpoints", [t.to_dict() for t in group])
        self._clients = None
        self._write_derived(tps, records["next_touchpoint"])
        self._summ.set_meta(next_touchpoint=records["next_touchpoint"])

    # -- commit ----------------------------------------------------------------
    def _commit_book(self, done: list[tuple[Path, Path | None]]) -> None:
        if self._book.storage.dirty:
            self._book.set_meta(schema=SCHEMA_VERSION)
        self._book.storage.commit(done)

    def commit(self) -> None:
        """Write what changed: history, recent, summaries (with stamps), and the book.

        The book goes first when clients were only added (a crash then leaves
        clients without history, never history without clients) and last when
        clients were removed (a crash then leaves the client, never a half
        erasure). If a write fails, the files already replaced are put back:
        a failed command leaves the book as it was.
        """
        done: list[tuple[Path, Path | None]] = []
        read_as = self._index_stamps()  # the files as this unit of work read them
        book_first = not self._removed
        try:
            if book_first:
                self._commit_book(done)
            history_or_recent = False
            for part in [*self._history.values(), *self._recent.values()]:
                history_or_recent |= part.storage.commit(done)
            if history_or_recent or self._summ.storage.dirty:
                self._summ.set_meta(stamps=self._derived_stamps())
            self._summ.storage.commit(done)
            if not book_first:
                self._commit_book(done)
        except Exception:  # an I/O error; a kill or Ctrl-C is left to the next open's repair
            for path, saved in reversed(done):
                with contextlib.suppress(OSError):
                    restore(path, saved)
            raise
        if done:
            # Last, and allowed to fail: an index whose stamps do not match the files
            # is never used (the plan then screens every client), never wrong.
            with contextlib.suppress(OSError):
                self._refresh_index(read_as)
        backups = self.home / BACKUP_DIR
        for client_id in self._forgotten:
            _purge_backups(backups, client_id)
        self._forgotten.clear()


def _compact(doc: dict[str, Any], keep: str) -> dict[str, Any]:
    """A record without its empty values: 5,000 of them parse faster when small.

    ``from_dict`` fills the defaults back in; ``keep`` (the id) always stays.
    """
    return {k: v for k, v in doc.items() if k == keep or v not in (None, [], 0, False, "")}


def _digest_doc(summary: ClientSummary) -> dict[str, Any]:
    """What summaries.json keeps of a digest (recent touchpoints live in recent/)."""
    doc = summary.to_dict()
    del doc["recent"], doc["private_notes"], doc["topics"]
    if [o.channel for o in summary.last_outs] == summary.last_out_channels and (
        summary.last_out == (summary.last_outs[0].date if summary.last_outs else None)
    ):  # always so, unless built by hand: then they are kept as they are
        del doc["last_out"], doc["last_out_channels"]
    doc["last_outs"] = [o.mark_text() for o in summary.last_outs]
    return _compact(doc, "client_id")


def _client_doc(client: Client) -> dict[str, Any]:
    """A client record without the fields that hold their default value."""
    return {k: v for k, v in client.to_dict().items() if k in _REQUIRED or v != _DEFAULTS.get(k)}


_REQUIRED = frozenset({"id", "name", "since"})
_DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if f.default_factory is not MISSING else f.default)
    for f in fields(Client)
    if f.default is not MISSING or f.default_factory is not MISSING
}


def _replace(doc: MutableMapping[str, Any], new: Mapping[str, Any]) -> None:
    """Replace a record in place (TinyDB updaters edit the stored dict)."""
    doc.clear()
    doc.update(new)


def name_order(client: Client) -> tuple[str, str]:
    name = client.name
    # Most names are ASCII: casefold is then enough, and 20x cheaper than folding accents.
    return (name.casefold() if name.isascii() else fold(name), client.id)


def _by_month(tps: Iterable[Touchpoint]) -> dict[str, list[Touchpoint]]:
    groups: dict[str, list[Touchpoint]] = {}
    for tp in tps:
        groups.setdefault(f"{tp.date.year:04d}-{tp.date.month:02d}", []).append(tp)
    return groups


_MONTH = re.compile(r"\d{4}-\d{2}")


def _first_duplicate(items: list[str]) -> str | None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def restorable(data: Any) -> dict[str, Any]:
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


# The names the store gives its backups (safefile.backup): PREFIX-STAMP[-N].json.
_BACKUP_NAME = re.compile(
    r"(book|summaries|history-\d{4}-\d{2}|recent-\d{2})-\d{8}T\d{12}Z(?:-\d+)?\.json", re.ASCII
)
# The tables each kind of file holds (a backup of another kind is not a restore).
_BACKUP_TABLES = {
    "book": {"_meta", "clients", "snoozes", "runs"},
    "summaries": {"_meta", "summaries"},
    "history": {"touchpoints"},
    "recent": {"recent"},
}


def _own_backup(path: Path) -> bool:
    """Named as the store names its backups, and a regular file (never a link)."""
    return bool(_BACKUP_NAME.fullmatch(path.name)) and path.is_file() and not path.is_symlink()


def _own_backups(backups: Path) -> list[Path]:
    """The store's backups in ``backups``: nothing else there (the user's files, links)
    is ever read, rewritten or deleted, and a linked ``backups`` is not entered."""
    if backups.is_symlink() or not backups.is_dir():
        return []
    return [path for path in sorted(backups.iterdir()) if _own_backup(path)]


def _sound_backup(path: Path, prefix: str) -> bool:
    """Could ``path`` be put back as the file ``prefix``: one of the store's backups,
    owned by whoever owns the book, not from the future, parsing as that kind of file
    (and, for the book, of this schema)? A file planted in ``backups/`` must never be
    the one an error message tells the user to copy over the book."""
    from datetime import UTC, datetime, timedelta

    if path.parent.is_symlink() or not _own_backup(path):
        return False
    try:
        made = datetime.strptime(path.name[len(prefix) + 1 :][:15], "%Y%m%dT%H%M%S")
        if made.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(days=1):  # clock skew
            return False
        if path.lstat().st_uid != path.parent.parent.stat().st_uid:
            return False
        data = _loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    kind = prefix.split("-")[0]
    if not isinstance(data, dict) or not set(data) <= _BACKUP_TABLES.get(kind, set()):
        return False
    if not all(isinstance(table, dict) for table in data.values()):
        return False
    if not all(isinstance(doc, dict) for table in data.values() for doc in table.values()):
        return False
    if kind == "book":
        meta = data.get("_meta", {}).get("1")
        return isinstance(meta, dict) and meta.get("schema") == SCHEMA_VERSION
    return True


def _restorable_backup(home: Path, prefix: str) -> Path | None:
    """The newest sound backup of one file (see _sound_backup), for a restore hint."""
    for path in reversed(backup_files(home / BACKUP_DIR, prefix)):
        if _sound_backup(path, prefix):
            return path
    return None


def _purge_backups(backups: Path, client_id: str) -> None:
    """Erase a forgotten client from every backup of every file (the right to erasure).

    Only the store's own backups, by their exact names, never through a link.
    """
    for path in _own_backups(backups):
        try:
            data = _loads(path.read_bytes())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # unreadable: it cannot be vouched for
            continue
        if not isinstance(data, dict):
            path.unlink(missing_ok=True)
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


def newest_backup(home: Path) -> Path | None:
    """The newest sound backup of ``book.json`` (one a user may copy over the book)."""
    return _restorable_backup(home, "book")


def _remove_stale_temps(home: Path) -> None:
    for folder in (home, home / HISTORY_DIR, home / RECENT_DIR, home / BACKUP_DIR):
        if folder.is_dir():
            for stale in folder.glob(".*.json.*.tmp"):
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


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    from crm_cli.store.lockfile import FileLock, Timeout

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
        yield
    finally:
        lock.release()


@contextmanager
def open_book(home: Path, *, write: bool = False) -> Iterator[Book]:
    """One unit of work on the book in ``home``.

    With ``write=True`` the book is locked for the whole block and written at
    its end if anything changed; an exception leaves every file untouched.
    A read finding an old layout or stale digests first repairs them under
    the lock (a crash between two writes of an earlier command).
    """
    _prepare_home(home, write)
    if not write:
        book = Book(home, writable=False)
        if book.needs_upgrade and os.access(home, os.W_OK):
            with open_book(home, write=True):
                pass
            book = Book(home, writable=False)
        yield book
        return
    with _locked(home):
        _remove_stale_temps(home)
        book = Book(home, writable=True)
        yield book
        try:
            book.commit()
        except OSError as exc:
            raise StoreError(f"cannot write the book in {home}: {exc.strerror}") from None
