"""The book of one command: read from the cache, changed by ops written in one batch."""

from __future__ import annotations

import contextlib
import gc
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from crm_cli.core.book import ClientRef
from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.summary import ClientSummary
from crm_cli.errors import BookLocked, Conflict, CorruptBook, NotFound, StoreError
from crm_cli.store import devices, fsops, plan_memo
from crm_cli.store.clock import (
    Clock,
    client_gid,
    forget_key,
    hashed_id,
    new_device_id,
    random_id,
    touchpoint_id,
)
from crm_cli.store.devices import DEVICES_DIR, LEGACY_BACKUP, LOCAL_DIR, dumps, loads, relative
from crm_cli.store.fold import (
    CACHE_VERSION,
    FILE_SUMS_TABLE,
    SET_FIELDS,
    STATE_OPS,
    STATE_OPS_TABLE,
    Fold,
    compact_client,
    create,
    op_key,
    summary_of,
)

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Hint, PlanIndex

SCHEMA_VERSION = 2  # of exports (`crm export json`): unchanged by the device files
CACHE_FILE = "cache.sqlite3"
LOCK_FILE = "lock"
LOCK_TIMEOUT = 10.0
FOLD_CHUNK = 20_000  # records a batch's fold holds in memory before writing them
LEGACY_FILES = ("book.json", "summaries.json", "index.json", "history", "recent", "backups")


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class Repair:
    """What rebuilding the cache found (``crm doctor``)."""

    clients: int = 0
    touchpoints: int = 0
    differed: int = 0
    orphans: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    counter: int = 1


class Closed(NamedTuple):
    """A device file the next batch does not go into: what the next one's manifest lists
    (a tuple, not a frozen dataclass: 5x cheaper to define, on every command)."""

    name: str
    manifest: dict[str, Any]
    ops: int
    sha256: str


def orjson_loads(raw: str | bytes) -> Any:
    import orjson

    return orjson.loads(raw)


def name_order(client: Client) -> tuple[str, str]:
    from crm_cli.core.contacts import fold

    name = client.name
    # Most names are ASCII: casefold is then enough, and 20x cheaper than folding accents.
    return (name.casefold() if name.isascii() else fold(name), client.id)


# --------------------------------------------------------------------------- device


def device_file(home: Path) -> Path:
    return home / LOCAL_DIR / devices.DEVICE_FILE


def read_device(home: Path) -> dict[str, str] | None:
    try:
        data = loads(device_file(home).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not devices.DEVICE_NAME.fullmatch(str(data.get("device"))):
        return None
    if not isinstance(data.get("book"), str):
        return None
    return {"device": data["device"], "book": data["book"]}


def book_id_of(home: Path) -> str | None:
    """The book id the device files carry (a new device joining a synced book)."""
    for path in reversed(devices.all_files(home)):
        try:
            meta = loads(path.read_bytes())["_meta"]["1"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(meta.get("book"), str):
            return str(meta["book"])
    return None


def ensure_device(home: Path) -> dict[str, str]:
    """This installation's device id and book id, created on first write."""
    found = read_device(home)
    if found is not None:
        return found
    state = {"device": new_device_id(), "book": book_id_of(home) or random_id(16)}
    fsops.write_atomic(device_file(home), dumps(state))
    return state


# --------------------------------------------------------------------------- cache


def cache_path(home: Path) -> Path:
    return home / LOCAL_DIR / CACHE_FILE


def connect(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None, timeout=LOCK_TIMEOUT)
    # Deleted rows are overwritten: a forgotten client leaves nothing in free pages.
    db.execute("PRAGMA secure_delete=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def open_cache(home: Path, writable: bool) -> tuple[sqlite3.Connection, bool]:
    """The cache, and whether it is new (to be built); a damaged one is replaced."""
    path = cache_path(home)
    if not writable:
        if not path.is_file():
            return memory(), True
        try:
            db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=LOCK_TIMEOUT
            )
            row = db.execute("SELECT v FROM meta WHERE k='version'").fetchone()
            if row and row[0] == CACHE_VERSION:
                return db, False
        except sqlite3.DatabaseError:
            pass
        return memory(), True
    try:
        db = connect(path)
        row = db.execute("SELECT v FROM meta WHERE k='version'").fetchone()
        if row and row[0] == "4":  # of the crm before: only the names are new
            add_names(db)
            row = (CACHE_VERSION,)
        if row and row[0] == CACHE_VERSION:
            # A cheap look at every table (quick_check reads the whole file: 1 s on D3).
            for table in ("files", "clients", "tps", "summaries", "snoozes", "steps"):
                db.execute(f"SELECT * FROM {table} ORDER BY rowid DESC LIMIT 1").fetchall()
            if not has_plan_indexes(db):  # a cache of an earlier crm: once, 0.5 s on D3
                add_plan_indexes(db)
            # Tables a cache of an older crm lacks: state_ops empty (not 'complete').
            db.executescript(STATE_OPS_TABLE + FILE_SUMS_TABLE)
            if not plan_memo.has_tables(db):
                plan_memo.add_tables(db)
            return db, False
        db.close()
    except sqlite3.DatabaseError:
        with contextlib.suppress(Exception):
            db.close()
    for stale in (path, path.with_name(CACHE_FILE + "-journal")):
        if stale.exists():
            fsops.unlink(stale)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # private, whatever the umask
    db = connect(path)
    create(db)
    add_plan_indexes(db)
    plan_memo.add_tables(db)
    return db, True


def add_names(db: sqlite3.Connection) -> None:
    """A cache of version 4 made version 5 in place: each client's folded names (and
    their index) from its name and emails columns. Seconds on 20,000 clients, where
    folding the book again would take minutes."""
    from crm_cli.store.fold import names_of

    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("ALTER TABLE clients ADD COLUMN names TEXT")
        rows = db.execute("SELECT gid, name, emails FROM clients").fetchall()
        db.executemany(
            "UPDATE clients SET names=? WHERE gid=?",
            [
                (names_of({"name": name, "emails": loads(emails)}), gid)
                for gid, name, emails in rows
            ],
        )
        db.execute("CREATE INDEX clients_names ON clients(names, id)")
        db.execute("UPDATE meta SET v=? WHERE k='version'", (CACHE_VERSION,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def memory() -> sqlite3.Connection:
    """A cache for one read of a book whose cache cannot be written."""
    db = connect(":memory:")
    create(db)
    add_plan_indexes(db)
    plan_memo.add_tables(db)
    return db


# What the plan's screen reads of every client, as covering indexes: SQLite keeps them
# with every write (the fold knows nothing of them), and reading them never walks the
# records' pages (a digest's recent touchpoints overflow to pages of their own, and the
# columns after them are reached only by walking those: 0.4 s on D3, 0.05 s here).
PLAN_INDEXES = {
    "clients_plan": "clients(gid, id, since, cadence, tier, birthday, excluded)",
    "summaries_plan": "summaries(gid, last, open)",
}


def has_plan_indexes(db: sqlite3.Connection) -> bool:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    return set(PLAN_INDEXES) <= names


def add_plan_indexes(db: sqlite3.Connection) -> None:
    for name, columns in PLAN_INDEXES.items():
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")


class NeedsWrite(Exception):
    """A read-only open found work to do under the lock (new files, a migration)."""


# --------------------------------------------------------------------------- the book


class Book:
    """The client book of one command."""

    def __init__(self, home: Path, writable: bool) -> None:
        self.home = home
        self.writable = writable
        self.repaired: Repair | None = None
        # This command's ops, each encoded as it is made (the fold has the dicts).
        self.batch: list[bytes] = []
        self.last_op: dict[str, Any] | None = None
        self.batch_gids: set[str] = set()  # clients created in this batch
        self.stamp: str | None = None
        self.erase: set[str] = set()  # global ids forgotten by this command
        self._clients: dict[str, Client] | None = None
        self.conflicts = devices.conflict_copies(home)
        state = read_device(home)
        if writable:
            if (home / "book.json").exists() or (home / "history").is_dir():
                state = self._migrate()
            state = state or ensure_device(home)
        elif (home / "book.json").exists():
            raise NeedsWrite
        self.device = state["device"] if state else ""
        self.book_id = state["book"] if state else book_id_of(home)
        self.clock = Clock(self.device or "00000000")
        self.db, fresh = open_cache(home, writable)
        self.plan_indexed = fresh or has_plan_indexes(self.db)
        unbuilt = (
            (fresh and devices.device_dirs(home))
            or not self.plan_indexed
            or not (fresh or plan_memo.has_tables(self.db))
        )
        if not writable and unbuilt and os.access(home, os.W_OK):
            self.db.close()
            raise NeedsWrite  # build the cache file (or its indexes) once, under the lock
        if writable:  # a reader holds no transaction: it never keeps a writer waiting
            self.db.execute("BEGIN")
        self.fold = Fold(self.db, fresh)
        try:
            self._refresh(rebuild=fresh)
            if self.max_key():
                self.clock.observe(self.max_key().split("/")[0])
            if writable:
                self.scrub()
            elif self.device and self.db_is_file() and self.pending_scrubs():
                raise NeedsWrite  # a forget folded, not yet erased from this device's files
        except BaseException:
            self.close()
            raise

    # -- opening: folding what changed -----------------------------------------
    def max_key(self) -> str:
        row = self.db.execute("SELECT v FROM meta WHERE k='max_key'").fetchone()
        return str(row[0]) if row else ""

    def _recorded(self) -> dict[str, tuple[int, int, int, str]]:
        return {
            r[0]: (r[1], r[2], r[3], r[4])
            for r in self.db.execute("SELECT path, size, mtime, ops, last FROM files")
        }

    def _refresh(self, rebuild: bool) -> None:
        """Fold new or changed device files; rebuild when an op would land in the past."""
        recorded = {} if rebuild else self._recorded()
        found = devices.all_files(self.home)
        names = {relative(self.home, p) for p in found}
        self._check_missing(found, recorded)
        changed: list[devices.DeviceFile] = []
        stats: dict[str, tuple[int, int]] = {}
        for path in found:
            rel = relative(self.home, path)
            info = path.stat()
            stats[rel] = (info.st_size, info.st_mtime_ns)
            known = recorded.get(rel)
            if known is not None and (known[0], known[1]) == stats[rel]:
                continue
            changed.append(devices.read(self.home, path, self.book_id))
        if not changed and not rebuild and set(recorded) <= names:
            return
        if not self.writable and self.db_is_file():
            raise NeedsWrite
        if not rebuild and self.writable:
            self._back_up(changed)
        new_ops: list[dict[str, Any]] = []
        for df in changed:
            rel = relative(self.home, df.path)
            known = recorded.get(rel)
            done = known[2] if known else 0
            if known and (len(df.ops) < done or (done and op_key(df.ops[done - 1]) != known[3])):
                rebuild = True  # rewritten (a forget's scrub): fold everything again
                break
            new_ops.extend(df.ops[done:])
        oldest = min((op_key(op) for op in new_ops), default=None)
        late = oldest is not None and oldest <= self.max_key()
        if rebuild or (late and not self._fold_late(new_ops, oldest or "")):
            self._rebuild(found)
            return
        if not late:
            for op in sorted(new_ops, key=op_key):
                self.fold.apply(op)
        self.fold.flush()
        for df in changed:
            self.record_file(df.path, len(df.ops), df.ops, stats[relative(self.home, df.path)])
        for gone in set(recorded) - names:
            self.db.execute("DELETE FROM files WHERE path=?", (gone,))
        self._commit_cache()

    def _back_up(self, files: list[devices.DeviceFile]) -> None:
        """The version of each file about to be folded, in the backups (if the newest
        is not it): a file written once, or by another device, has one too. What a
        forget erased here is left out of the copy."""
        erased = dict(self.db.execute("SELECT k, h FROM forgotten").fetchall())
        for df in files:
            raw = df.raw
            if erased and df.device != self.device:
                kept = [
                    op
                    for op in df.ops
                    if not (
                        isinstance(op.get("c"), str)
                        and op_key(op) < erased.get(forget_key(op["c"]), "")
                    )
                ]
                if len(kept) != len(df.ops):
                    raw = devices.encode(df.meta, kept)
            devices.save_backup(self.home, df.device, df.name, raw)

    def _fold_late(self, new_ops: list[dict[str, Any]], oldest: str) -> bool:
        """Fold ops of which some are older than what the cache holds (a sync brought
        another device's work): the clients they touch are derived again from all their
        ops in clock order, the rest of the cache stays. The result is the one a rebuild
        gives; False (nothing to keep, rebuild) where a late op could reach further
        than its own clients: a reset, a forget, a short id another client holds, a
        touchpoint already folded."""
        meta = dict(self.db.execute("SELECT k, v FROM meta").fetchall())
        if meta.get("state_ops") != "1":
            return False  # a cache of an older crm: it has not kept its clients' ops
        reset = str(meta.get("reset", ""))
        ops = sorted((op for op in new_ops if op_key(op) > reset), key=op_key)
        forgets = self.db.execute("SELECT 1 FROM forgotten WHERE h >= ? LIMIT 1", (oldest,))
        if forgets.fetchone() is not None:
            return False
        gids: set[str] = set()
        wanted: list[tuple[str, str]] = []
        for op in ops:
            kind, gid = op.get("op"), op.get("c")
            if kind in ("reset", "forget"):
                return False
            if kind == "log":
                seen = self.db.execute("SELECT 1 FROM tps WHERE id=?", (op["t"]["id"],))
                if seen.fetchone() is not None:
                    return False  # the same import on two devices: the older one wins
            if kind in ("amend", "unlog"):
                row = self.db.execute("SELECT gid FROM tps WHERE id=?", (op.get("id"),))
                found = row.fetchone()
                if found is not None:
                    gids.add(str(found[0]))
            if kind == "client":
                wanted.append((str(gid), str(op.get("id"))))
            if isinstance(gid, str) and (kind in STATE_OPS or kind in ("log", "amend", "unlog")):
                gids.add(gid)
        for gid, short in wanted:
            taken = self.db.execute(
                "SELECT id FROM clients WHERE gid<>? AND (id=? OR substr(id, 1, ?)=?)",
                (gid, short, len(short) + 1, short + "-"),
            )
            if any(rest == short or rest[len(short) + 1 :].isdigit() for (rest,) in taken):
                return False  # two clients want one short id: who gets it may change
        self.fold.flush()
        chosen = sorted(gids)
        before: dict[str, str] = {}
        state: dict[str, dict[str, Any]] = {}
        for start in range(0, len(chosen), 500):
            chunk = chosen[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for gid, short in self.db.execute(
                f"SELECT gid, id FROM clients WHERE gid IN ({marks})", chunk
            ):
                before[gid] = short
            for key, raw in self.db.execute(
                f"SELECT k, op FROM state_ops WHERE gid IN ({marks})", chunk
            ):
                state[key] = loads(raw)
            for table in ("clients", "snoozes", "steps"):
                self.db.execute(f"DELETE FROM {table} WHERE gid IN ({marks})", chunk)
        for op in ops:
            if op.get("op") in STATE_OPS:
                state[op_key(op)] = op
        for key in sorted(state):
            self.fold.apply(state[key])
        for op in ops:
            if op.get("op") not in STATE_OPS:
                self.fold.apply(op)
        for gid in chosen:
            self.fold.touched[gid] = None  # its digest from all its touchpoints
        self.fold.flush()
        after = self._rows_of_gids("SELECT gid, id FROM clients WHERE gid IN", before)
        return all(before[gid] == short for gid, short in after)

    def _rows_of_gids(self, sql: str, gids: Iterable[str]) -> Iterator[Any]:
        wanted = sorted(gids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            yield from self.db.execute(f"{sql} ({','.join('?' * len(chunk))})", chunk)

    def db_is_file(self) -> bool:
        return any(row[2] for row in self.db.execute("PRAGMA database_list"))

    def _check_missing(self, found: list[Path], recorded: dict[str, Any]) -> None:
        """A file listed in its device's manifest, or folded before, that is gone."""
        present = {relative(self.home, p) for p in found}
        by_device: dict[str, list[Path]] = {}
        for path in found:
            by_device.setdefault(path.parent.name, []).append(path)
        expected: list[tuple[str, str]] = []
        for device, paths in by_device.items():
            latest = paths[-1]
            known = recorded.get(relative(self.home, latest))
            info = latest.stat()
            if known is not None and (known[0], known[1]) == (info.st_size, info.st_mtime_ns):
                continue  # its manifest was checked when it was folded
            try:
                manifest = loads(latest.read_bytes())["_meta"]["1"].get("manifest") or {}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue  # read() names the damage
            for name in manifest:
                expected.append((f"{DEVICES_DIR}/{device}/{name}", relative(self.home, latest)))
        for rel in recorded:
            expected.append((rel, "the cache"))
        for rel, listed_in in expected:
            if rel not in present:
                path = self.home / rel
                raise devices.damaged(
                    self.home, path, f"missing (listed in {listed_in})", self.book_id
                )

    def record_file(
        self, path: Path, count: int, ops: list[dict[str, Any]], stat: tuple[int, int]
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
            (
                relative(self.home, path),
                stat[0],
                stat[1],
                count,
                op_key(ops[-1]) if count else "",  # ops: all of them, or the last
            ),
        )

    def _rebuild(self, found: list[Path], check: bool = False) -> Repair:
        """The cache afresh from every device file; ``check``: with the ops that concern
        a client no device created, and the op ids found twice (``crm doctor``)."""
        files = [devices.read(self.home, p, self.book_id) for p in found]
        problems = self._problems(files) if check else ([], [])
        if self.writable and self.db_is_file():
            self._back_up(files)
        plan_memo.drop(self.db)
        for table in ("files", "clients", "tps", "summaries", "snoozes", "steps", "meta"):
            self.db.execute(f"DELETE FROM {table}")
        scrubbed = {r[0]: r for r in self.db.execute("SELECT k, h, scrubbed, sk FROM forgotten")}
        self.db.execute("DELETE FROM forgotten")
        self.db.execute("DELETE FROM state_ops")
        self.db.execute("INSERT INTO meta VALUES ('version', ?)", (CACHE_VERSION,))
        self.db.execute("INSERT INTO meta VALUES ('state_ops', '1')")
        self.fold = Fold(self.db, fresh=True)
        ops = sorted((op for df in files for op in df.ops), key=op_key)
        kept = [(df.path, len(df.ops), df.ops[-1:]) for df in files]
        del files  # only the ops are needed again (a 70 MB file is 500 MB of objects)
        fold = self.fold
        with devices.no_cycles():
            for op in ops:
                fold.apply(op)
                if fold.pending() >= FOLD_CHUNK:
                    fold.flush(summaries=False)
            del ops
            fold.flush()
        for fkey, row in scrubbed.items():
            if row[2]:  # erased from this device's files before: not to be done again
                self.db.execute("UPDATE forgotten SET scrubbed=1 WHERE k=?", (fkey,))
        for path, count, last in kept:
            info = path.stat()
            self.record_file(path, count, last, (info.st_size, info.st_mtime_ns))
        self._commit_cache()
        self._clients = None
        return Repair(
            clients=self._count("clients"),
            touchpoints=self._count("tps"),
            orphans=problems[0],
            duplicates=problems[1],
        )

    def _problems(self, files: list[devices.DeviceFile]) -> tuple[list[str], list[str]]:
        """Ops of a client no device created (nor forgot), and op ids used twice: folded
        harmlessly (ignored, once), reported."""
        created: set[str] = set()
        erased = {str(r[0]) for r in self.db.execute("SELECT k FROM forgotten")}
        seen: set[str] = set()
        twice: set[str] = set()
        for df in files:
            for op in df.ops:
                key = op_key(op)
                (twice if key in seen else seen).add(key)
                if op.get("op") == "client":
                    created.add(str(op.get("c")))
                elif op.get("op") == "forget":
                    erased.add(str(op.get("k")))
        orphans = sorted(
            op_key(op)
            for df in files
            for op in df.ops
            if isinstance(op.get("c"), str)
            and op["c"] not in created
            and forget_key(op["c"]) not in erased
        )
        return orphans, sorted(twice)

    def _count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def _commit_cache(self) -> None:
        self.fold.end_bulk()
        if not self.db_is_file():
            return
        fsops.step("cache commit")
        if self.writable:
            plan_memo.trim(self.db)
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        if self.writable:
            self.db.execute("BEGIN")

    # -- migration from the schema-2 layout ------------------------------------------
    def _migrate(self) -> dict[str, str]:
        """book.json, history/... into one batch of this device's file; the old files
        are moved to local/backups/schema-2/ (after the batch is written)."""
        from crm_cli.store import legacy

        state = ensure_device(self.home)
        mine = self.home / DEVICES_DIR / state["device"]
        if not devices.files_of(mine) and (self.home / "book.json").exists():
            with legacy.open_book(self.home, write=True) as old:
                data = old.export_data()
            self.device, self.book_id = state["device"], state["book"]
            self.clock = Clock(self.device)
            self.db, fresh = open_cache(self.home, True)
            self.db.execute("BEGIN")
            self.fold = Fold(self.db, fresh)
            self._refresh(rebuild=True)
            self.restore(data, replace=True, migrated=True)
            self._write_batch()
            self.batch, self.last_op, self.stamp = [], None, None
            self.db.close()
        target = devices.backups_dir(self.home) / LEGACY_BACKUP
        for name in LEGACY_FILES:
            source = self.home / name
            if source.exists():
                fsops.move(source, target / name)
        (self.home / "book.lock").unlink(missing_ok=True)
        return state

    # -- ops -------------------------------------------------------------------------
    def _op(self, kind: str, _tp: Touchpoint | None = None, **payload: Any) -> dict[str, Any]:
        """Append an op to the batch and fold it; ``_tp``: a log op's Touchpoint (its
        ``order`` is set by the fold, which keeps it for the client's digest)."""
        if not self.writable:
            raise StoreError("the book was opened for reading")
        if self.stamp is None or len(self.batch) % 1024 == 1023:
            self.stamp = self.clock.tick()
        op = {"op": kind, "h": self.stamp, "n": len(self.batch) + 1, **payload}
        # A copy of exactly its size: orjson's own bytes keep a 4 KB buffer each.
        self.batch.append(bytes(memoryview(dumps(op))))
        self.last_op = op
        if kind == "client":
            self.batch_gids.add(op["c"])
        self.fold.apply(op, _tp)
        if _tp is not None and not _tp.order:  # not folded (an id the book has): as given
            from crm_cli.store.fold import tp_order

            _tp.order = tp_order(op)
        if self.fold.pending() >= FOLD_CHUNK:
            self.fold.flush(summaries=False)  # a big batch (an import, a capture): in chunks
        self._clients = None
        return op

    def _flush(self) -> None:
        self.fold.flush()

    def gid(self, short: str) -> str:
        row = self.db.execute("SELECT gid FROM clients WHERE id=?", (short,)).fetchone()
        if row is None:
            raise NotFound(f"no client has the id '{short}'")
        return str(row[0])

    # -- clients -----------------------------------------------------------------------
    def _client_rows(self) -> Iterator[Client]:
        for (doc,) in self.db.execute("SELECT doc FROM clients"):
            yield self._parse(Client.from_dict, orjson_loads(doc), "client")

    def _parse(self, kind: Callable[[Any], Any], doc: Any, what: str) -> Any:
        try:
            return kind(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CorruptBook(
                f"a {what} record of the cache {cache_path(self.home)} is invalid "
                f"({type(exc).__name__}: {exc}): run 'crm doctor' to rebuild it"
            ) from None

    def _client_map(self) -> dict[str, Client]:
        self._flush()
        if self._clients is None:
            self._clients = {c.id: c for c in self._client_rows()}
        return self._clients

    def clients(self, ordered: bool = True) -> list[Client]:
        """Every client, archived ones included, in name order (or as stored)."""
        found = list(self._client_map().values())
        return sorted(found, key=name_order) if ordered else found

    def client(self, client_id: str) -> Client:
        self._flush()
        row = self.db.execute("SELECT doc FROM clients WHERE id=?", (client_id,)).fetchone()
        if row is None:
            raise NotFound(f"no client has the id '{client_id}'")
        found: Client = self._parse(Client.from_dict, loads(row[0]), "client")
        return found

    def client_refs(self) -> list[ClientRef]:
        import orjson

        self._flush()
        with devices.no_cycles():  # one pause for every client's row, not one per row
            return [
                ClientRef(
                    cid, name, tuple(orjson.loads(emails)) if emails != "[]" else (), bool(archived)
                )
                for cid, name, emails, archived in self.db.execute(
                    "SELECT id, name, emails, archived FROM clients"
                )
            ]

    def find_client(self, text: str) -> Client:
        """The one client ``text`` names, exactly as :func:`crm_cli.core.book.resolve_client`
        says (the same choice, the same errors), without reading every client: an exact id
        is one look-up; else only the clients whose folded name or email contains the
        fragment (a scan of the ``clients_names`` index) are handed to it."""
        from crm_cli.core.book import resolve_client
        from crm_cli.core.contacts import fold

        self._flush()
        wanted = " ".join(text.split())
        row = self.db.execute("SELECT 1 FROM clients WHERE id=?", (wanted,)).fetchone()
        if row is not None:
            return self.client(wanted)
        needle = fold(wanted)
        refs: list[ClientRef] = []
        if needle:  # else resolve_client names the empty fragment
            # A superset of what it matches (a needle across the line breaks is dropped
            # there); no id equals ``wanted``, so the rest of the book cannot change it.
            sql = (
                "SELECT id, name, emails, archived FROM clients WHERE id IN"
                " (SELECT id FROM clients INDEXED BY clients_names WHERE instr(names, ?))"
            )
            refs = [
                ClientRef(cid, name, tuple(loads(emails)), bool(archived))
                for cid, name, emails, archived in self.db.execute(sql, (needle,))
            ]
        return self.client(resolve_client(refs, text).id)

    def _rows_of(self, sql: str, ids: set[str]) -> Iterator[Any]:
        """``sql`` (ending in ``IN``) for these client ids, 500 at a time."""
        self._flush()
        wanted = sorted(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            yield from self.db.execute(f"{sql} ({','.join('?' * len(chunk))})", chunk)

    def clients_of(self, ids: set[str]) -> list[Client]:
        """The clients with these ids, parsing no other record."""
        if self._clients is not None:
            return [c for c in self._clients.values() if c.id in ids]
        return [
            self._parse(Client.from_dict, orjson_loads(doc), "client")
            for (doc,) in self._rows_of("SELECT doc FROM clients WHERE id IN", ids)
        ]

    def plan_records(self, ids: set[str]) -> tuple[list[Client], dict[str, ClientSummary]]:
        """These clients and their digests (without recent touchpoints), read together
        in one look-up per client: what the plan of a day reads of the screened clients."""
        rows = self.plan_rows(ids)
        summaries = {client.id: digest for _, client, digest in rows if digest is not None}
        return [client for _, client, _ in rows], summaries

    def plan_rows(
        self, ids: set[str], by_gid: bool = False
    ) -> list[tuple[str, Client, ClientSummary | None]]:
        """``(global id, client, digest)`` of these clients (short ids, or global ids
        with ``by_gid``); a global id no client has is left out."""
        import orjson

        from crm_cli.core.models import ClientReader
        from crm_cli.core.summary import summary_of_record

        found: list[tuple[str, Client, ClientSummary | None]] = []
        sql = (
            "SELECT c.gid, c.doc, s.doc FROM clients c LEFT JOIN summaries s USING (gid)"
            f" WHERE c.{'gid' if by_gid else 'id'} IN"
        )
        # Readers of records fresh from JSON (from_dict's answers, and its errors).
        parse_client, parse_digest = ClientReader(), summary_of_record
        paused = gc.isenabled()
        gc.disable()  # thousands of records, no cycles among them
        try:
            for gid, client_doc, digest_doc in self._rows_of(sql, ids):
                client = self._parse(parse_client, orjson.loads(client_doc), "client")
                digest = None
                if digest_doc is not None:
                    digest = self._parse(parse_digest, orjson.loads(digest_doc), "digest")
                found.append((str(gid), client, digest))
        finally:
            if paused:
                gc.enable()
        return found

    # -- the memo of a day's plan (store/plan_memo.py) -----------------------------
    def plan_memo(self, key: str) -> plan_memo.PlanMemo | None:
        """The memo named ``key``, with the clients changed since it was made."""
        self._flush()
        return plan_memo.read(self.db, key) if self.db_is_file() else None

    def plan_position(self) -> tuple[str, int] | None:
        """Where the log of changes stands: read before the records a memo is made of."""
        self._flush()
        return plan_memo.position(self.db) if self.db_is_file() else None

    def save_plan_memo(
        self, key: str, at: tuple[str, int], rows: dict[str, str | None], replace: bool
    ) -> None:
        """Keep a memo (best effort: a busy cache skips it)."""
        if not self.db_is_file():
            return
        if self.writable:  # with the command's own transaction
            plan_memo.write(self.db, key, at, rows, replace)
            return
        from crm_cli.store.lockfile import FileLock, Timeout

        # Under the book's lock, taken only if free: a writer holding it could otherwise
        # meet this write inside SQLite, and one of the two would fail.
        lock = FileLock(str(self.home / LOCAL_DIR / LOCK_FILE), timeout=0, mode=0o600)
        try:
            lock.acquire()
        except (Timeout, OSError):
            return  # a writer is at work: a later command keeps the memo
        try:
            plan_memo.write_apart(str(cache_path(self.home)), key, at, rows, replace)
        finally:
            lock.release()

    def add_client(self, client: Client) -> None:
        self.add_clients([client])

    def add_clients(self, clients: list[Client]) -> None:
        if not clients:
            return
        self._flush()
        seen: set[str] = set()
        for client in clients:
            if client.id in seen:
                raise StoreError(f"a client with the id '{client.id}' exists already")
            seen.add(client.id)
        for (taken,) in self._rows_of_gids("SELECT id FROM clients WHERE id IN", seen):
            raise StoreError(f"a client with the id '{taken}' exists already")
        with devices.no_cycles():
            for client in clients:
                doc = compact_client(client.to_dict())
                short = doc.pop("id")
                self._op("client", c=self._new_gid(client), id=short, f=doc)
            self._flush()

    def _new_gid(self, client: Client) -> str:
        """From the first email when there is one (the same person added on two devices
        is one client), else random."""
        if client.emails and self.book_id:
            gid = "c" + hashed_id(self.book_id, client.emails[0].strip().casefold(), length=12)
            taken = self.db.execute("SELECT 1 FROM clients WHERE gid=?", (gid,)).fetchone()
            if not taken and gid not in self.batch_gids:
                return gid
        return client_gid()

    def update_client(self, client: Client) -> None:
        self.update_clients([client])

    def update_clients(self, clients: list[Client]) -> None:
        if not clients:
            return
        self._flush()
        for client in clients:
            gid = self.gid(client.id)
            before = self.client(client.id).to_dict()
            after = client.to_dict()
            values: dict[str, Any] = {}
            add: dict[str, list[Any]] = {}
            remove: dict[str, list[Any]] = {}
            for name, value in after.items():
                old = before.get(name)
                if name == "id" or old == value:
                    continue
                if name in SET_FIELDS:
                    old = old or []
                    added = [v for v in value if v not in old]
                    gone = [v for v in old if v not in value]
                    if added:
                        add[name] = added
                    if gone:
                        remove[name] = gone
                    if not added and not gone:  # only the order changed
                        remove[name] = list(old)
                        add[name] = list(value)
                else:
                    values[name] = value
            if values or add or remove:
                payload: dict[str, Any] = {"c": gid}
                if values:
                    payload["f"] = values
                if add:
                    payload["add"] = add
                if remove:
                    payload["del"] = remove
                self._op("set", **payload)
        self._flush()

    def client_changes(self, client_id: str) -> list[tuple[str, Any, list[tuple[str, Any]]]]:
        """Per field: its value and the values it replaced or that lost to it, with their
        stamps (newest first); only fields that changed after the client was added."""
        self._flush()
        gid = self.gid(client_id)
        row = self.db.execute("SELECT doc, st FROM clients WHERE gid=?", (gid,)).fetchone()
        doc, st = loads(row[0]), loads(row[1]) if row[1] else {}
        current = Client.from_dict(doc).to_dict()
        found = []
        for name in sorted(st):
            if name.endswith("[]") or not st[name].get("lost"):
                continue
            lost = [(str(h), value) for h, value in reversed(st[name]["lost"])]
            found.append((name, current.get(name), lost))
        return found

    def forget_client(self, client_id: str) -> int:
        """Erase a client and everything about them; returns the touchpoints erased."""
        gid = self.gid(client_id)
        self._flush()
        count = self._count_where("tps", gid)
        import hashlib

        self._op(
            "forget", k=forget_key(gid), sk=hashlib.sha256(client_id.encode()).hexdigest()[:24]
        )
        self.erase.add(gid)
        self._flush()
        return count

    def _count_where(self, table: str, gid: str) -> int:
        sql = f"SELECT count(*) FROM {table} WHERE gid=?"
        return int(self.db.execute(sql, (gid,)).fetchone()[0])

    # -- touchpoints ---------------------------------------------------------------------
    def _tp(self, doc: str, order: str) -> Touchpoint:
        tp: Touchpoint = self._parse(Touchpoint.from_dict, loads(doc), "touchpoint")
        tp.order = int(order)
        return tp

    def touchpoints(self, client_id: str | None = None) -> list[Touchpoint]:
        """Touchpoints, oldest first (by date, then logging order)."""
        self._flush()
        if client_id is None:
            rows = self.db.execute("SELECT doc, ord FROM tps")
        else:
            rows = self.db.execute(
                "SELECT doc, ord FROM tps WHERE gid=?", (self.gid_or_none(client_id),)
            )
        tps = [self._tp(doc, order) for doc, order in rows]
        return sorted(tps, key=lambda t: (t.date, t.seq))

    def contact_dates(self, client_id: str) -> list[date]:
        """The dates of the client's contacts (not their notes), read from two fields of
        each record in SQL: ``crm show`` draws months from them, parsing no touchpoint."""
        from crm_cli.core.terms import NOT_A_CONTACT

        self._flush()
        rows = self.db.execute(
            "SELECT json_extract(doc, '$.date'), json_extract(doc, '$.channel') FROM tps"
            " WHERE gid=?",
            (self.gid_or_none(client_id),),
        )
        fromiso = date.fromisoformat
        try:
            return [fromiso(day) for day, channel in rows if channel not in NOT_A_CONTACT]
        except (TypeError, ValueError) as exc:
            raise CorruptBook(
                f"a touchpoint record of the cache {cache_path(self.home)} is invalid "
                f"({type(exc).__name__}: {exc}): run 'crm doctor' to rebuild it"
            ) from None

    def captured_touchpoints(self, ids: set[str]) -> list[Touchpoint]:
        """The captured touchpoints (those with a ``source``) of these clients, oldest
        first, read through the client index: no other client's history is parsed."""
        sql = (
            "SELECT t.doc, t.ord FROM tps t JOIN clients c USING (gid)"
            " WHERE instr(t.doc, '\"source\"') AND c.id IN"
        )
        tps = [self._tp(doc, order) for doc, order in self._rows_of(sql, ids)]
        return sorted((t for t in tps if t.source), key=lambda t: (t.date, t.seq))

    def gid_or_none(self, short: str) -> str | None:
        row = self.db.execute("SELECT gid FROM clients WHERE id=?", (short,)).fetchone()
        return str(row[0]) if row else None

    def touchpoint(self, tp_id: str) -> Touchpoint:
        self._flush()
        row = self.db.execute("SELECT doc, ord FROM tps WHERE id=?", (tp_id,)).fetchone()
        if row is None:
            raise NotFound(f"no touchpoint has the id '{tp_id}'")
        return self._tp(row[0], row[1])

    def add_touchpoint(self, tp: Touchpoint) -> Touchpoint:
        return self.add_touchpoints([tp])[0]

    def add_touchpoints(self, tps: list[Touchpoint]) -> list[Touchpoint]:
        """Store touchpoints in order, each with a new id unless it has one."""
        self._flush()
        gids: dict[str, str] = {}
        for tp in tps:
            if tp.client_id not in gids:
                gid = self.gid_or_none(tp.client_id)
                if gid is None:
                    raise NotFound(f"no client has the id '{tp.client_id}'")
                gids[tp.client_id] = gid
        # Which ids are in no row, checked 500 at a time: the fold then looks none up.
        given = {tp.id for tp in tps if tp.id}
        taken = {r[0] for r in self._rows_of_gids("SELECT id FROM tps WHERE id IN", given)}
        self.fold.absent.update(given - taken)
        fresh = self._new_tp_ids(sum(1 for tp in tps if not tp.id))
        self.fold.absent.update(fresh)
        from_dict = Touchpoint.from_dict
        stored = []
        with devices.no_cycles():
            for tp in tps:
                doc = tp.to_dict()
                if not tp.id:
                    doc["id"] = fresh.pop()
                kept = from_dict(doc)  # what a rebuild reads from the record: the same digest
                del doc["client_id"]
                self._op("log", kept, c=gids[tp.client_id], t=doc)
                stored.append(kept)
            self._flush()
        return stored

    def _new_tp_ids(self, count: int) -> list[str]:
        """``count`` new touchpoint ids that no row has."""
        found: set[str] = set()
        while len(found) < count:
            wanted = {touchpoint_id() for _ in range(count - len(found))} - found
            taken = {r[0] for r in self._rows_of_gids("SELECT id FROM tps WHERE id IN", wanted)}
            found |= wanted - taken
        return sorted(found, reverse=True)  # popped from the end

    def amend_touchpoint(self, tp_id: str, changes: dict[str, Any]) -> Touchpoint:
        """Correct a touchpoint: ``changes`` maps Touchpoint fields to new values."""
        before = self.touchpoint(tp_id)
        after = replace(before, **changes)
        old, new = before.to_dict(), after.to_dict()
        values = {k: v for k, v in new.items() if old.get(k) != v}
        if "topic" in old and "topic" not in new:
            values["topic"] = None
        if values:
            gid = self._gid_of_tp(tp_id)
            self._op("amend", c=gid, id=tp_id, f=values)
            self._flush()
        return self.touchpoint(tp_id)

    def _gid_of_tp(self, tp_id: str) -> str:
        row = self.db.execute("SELECT gid FROM tps WHERE id=?", (tp_id,)).fetchone()
        if row is None:
            raise NotFound(f"no touchpoint has the id '{tp_id}'")
        return str(row[0])

    def unlog(self, tp_id: str) -> Touchpoint:
        tp = self.touchpoint(tp_id)
        self._op("unlog", c=self._gid_of_tp(tp_id), id=tp_id)
        self._flush()
        return tp

    def last_logged(self) -> Touchpoint | None:
        """The touchpoint this device logged last (still in the book), for ``crm undo``."""
        self._flush()
        row = self.db.execute(
            "SELECT doc, ord FROM tps WHERE h LIKE ? ORDER BY h DESC, ord DESC LIMIT 1",
            (f"%-{self.device}/%",),
        ).fetchone()
        return self._tp(row[0], row[1]) if row else None

    # -- digests ----------------------------------------------------------------------
    def summaries(self) -> dict[str, ClientSummary]:
        self._flush()
        found = {}
        for (doc,) in self.db.execute("SELECT doc FROM summaries"):
            summary = self._parse(ClientSummary.from_dict, orjson_loads(doc), "digest")
            found[summary.client_id] = summary
        return found

    def summaries_of(self, ids: set[str]) -> dict[str, ClientSummary]:
        """The digests of these clients (without recent touchpoints), parsing no other."""
        sql = "SELECT c.id, s.doc FROM summaries s JOIN clients c USING (gid) WHERE c.id IN"
        return {
            cid: self._parse(ClientSummary.from_dict, orjson_loads(doc), "digest")
            for cid, doc in self._rows_of(sql, ids)
        }

    def summary(self, client_id: str) -> ClientSummary:
        """One client's digest, recent touchpoints and private notes included."""
        self._flush()
        row = self.db.execute(
            "SELECT s.doc, s.recent FROM summaries s JOIN clients c USING (gid) WHERE c.id=?",
            (client_id,),
        ).fetchone()
        if row is None:
            return ClientSummary(client_id)
        found: ClientSummary = self._parse(
            lambda d: summary_of(d, loads(row[1])), loads(row[0]), "digest"
        )
        return found

    def last_contacts(self) -> dict[str, date]:
        """Each client's last contact, from the cache's column (no digest parsed)."""
        self._flush()
        return {
            cid: date.fromisoformat(last)
            for cid, last in self.db.execute(
                "SELECT c.id, s.last FROM clients c JOIN summaries s USING (gid) WHERE s.last"
            )
        }

    def hints(self, only: set[str] | None = None) -> list[Hint] | None:
        """What the plan's screen needs of every client (or of ``only``), read from the
        cache's columns: no record is parsed. None if a value is malformed."""
        from crm_cli.core.scheduler import Hint

        self._flush()
        fromiso, new = date.fromisoformat, tuple.__new__  # a Hint as a plain tuple is made
        hints: list[Hint] = []
        # One scan of the clients' covering index, each digest's two columns found in its
        # own (a search by gid in C): cheaper than two scans joined in a dict here.
        by_index = "INDEXED BY clients_plan" if self.plan_indexed else ""
        digests = "INDEXED BY summaries_plan" if self.plan_indexed else ""
        rows = self.db.execute(
            "SELECT c.id, c.since, s.last, c.cadence, c.tier, c.birthday, s.open, c.excluded"
            f" FROM clients c {by_index} LEFT JOIN summaries s {digests} ON s.gid = c.gid"
        )
        try:
            for cid, since, last, cadence, tier, birthday, is_open, excluded in rows:
                if only is not None and cid not in only:
                    continue
                hints.append(
                    new(
                        Hint,
                        (
                            cid,
                            fromiso(since),
                            fromiso(last) if last else None,
                            cadence,
                            tier,
                            birthday,
                            bool(is_open),
                            bool(excluded),
                        ),
                    )
                )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return hints

    def plan_index(self) -> PlanIndex | None:
        """No plan index: the screen over the hints is as quick from the cache."""
        return None

    def recent_touchpoints(self, client_id: str) -> list[Touchpoint]:
        """The latest few touchpoints, the still-open ones, and every private note."""
        summary = self.summary(client_id)
        found = {tp.id: tp for tp in summary.recent}
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
                    order=touch.order,
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

    def rebuild_derived(self) -> Repair:
        """The cache afresh from every device file (``crm doctor``)."""
        self._flush()
        before = {gid: doc for gid, doc in self.db.execute("SELECT gid, doc FROM summaries")}
        report = self._rebuild(devices.all_files(self.home), check=True)
        after = {gid: doc for gid, doc in self.db.execute("SELECT gid, doc FROM summaries")}
        report.differed = sum(1 for gid in {*before, *after} if before.get(gid) != after.get(gid))
        report.clients = len(after)
        report.counter = self.counter()
        return report

    def counter(self) -> int:
        row = self.db.execute("SELECT v FROM meta WHERE k='next_touchpoint'").fetchone()
        return int(row[0]) if row else 1

    # -- snoozes, steps -----------------------------------------------------------------
    def snoozes(self) -> dict[str, Snooze]:
        self._flush()
        found = {}
        for (doc,) in self.db.execute("SELECT doc FROM snoozes"):
            snooze = self._parse(Snooze.from_dict, loads(doc), "snooze")
            found[snooze.client_id] = snooze
        return found

    def snooze(self, client_id: str) -> Snooze | None:
        """This client's snooze, if any: one look-up (``snoozes()`` parses all of them)."""
        self._flush()
        row = self.db.execute(
            "SELECT doc FROM snoozes WHERE gid=?", (self.gid_or_none(client_id),)
        ).fetchone()
        if row is None:
            return None
        found: Snooze = self._parse(Snooze.from_dict, loads(row[0]), "snooze")
        return found

    def set_snooze(self, snooze: Snooze) -> None:
        self._op(
            "snooze",
            c=self.gid(snooze.client_id),
            until=snooze.until.isoformat(),
            reason=snooze.reason,
        )

    def clear_snooze(self, client_id: str) -> bool:
        if client_id not in self.snoozes():
            return False
        self._op("unsnooze", c=self.gid(client_id))
        return True

    def steps(self, client_id: str | None = None) -> list[PlannedStep]:
        self._flush()
        if client_id is None:
            rows = self.db.execute("SELECT doc FROM steps")
        else:
            rows = self.db.execute(
                "SELECT doc FROM steps WHERE gid=?", (self.gid_or_none(client_id),)
            )
        found = [self._parse(PlannedStep.from_dict, loads(doc), "step") for (doc,) in rows]
        return sorted(found, key=lambda s: (s.due, s.key))

    def add_steps(self, steps: list[PlannedStep]) -> None:
        by_client: dict[str, list[dict[str, Any]]] = {}
        for step in steps:
            doc = step.to_dict()
            del doc["client_id"]
            by_client.setdefault(step.client_id, []).append(doc)
        for client_id, docs in by_client.items():
            self._op("steps", c=self.gid(client_id), s=docs)

    def stop_steps(self, keys: set[str]) -> int:
        chosen = [s for s in self.steps() if s.key in keys and not s.stopped]
        by_client: dict[str, list[list[Any]]] = {}
        for step in chosen:
            by_client.setdefault(step.client_id, []).append(
                [step.playbook, step.started.isoformat(), step.index]
            )
        for client_id, found in by_client.items():
            self._op("stop", c=self.gid(client_id), k=found)
        return len(chosen)

    # -- the whole book (export json / import json) --------------------------------------
    @property
    def path(self) -> Path:
        return self.home / DEVICES_DIR

    def is_empty(self) -> bool:
        self._flush()
        return not any(self._count(t) for t in ("clients", "tps", "snoozes", "steps"))

    def export_parts(self) -> dict[str, Any]:
        """The export as parts to stream: ``meta`` and, per table, an iterator of
        records in a stable order (``export_data`` gathers them)."""
        self._flush()

        def ordered(rows: Iterable[dict[str, Any]], *key: str) -> list[dict[str, Any]]:
            return sorted(rows, key=lambda r: (*(str(r[k]) for k in key), dumps(r)))

        def by_id(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
            return sorted(rows, key=lambda r: str(r[key]))  # unique: no tie to break

        return {
            "meta": {"schema": SCHEMA_VERSION, "next_touchpoint": self.counter()},
            "clients": by_id((c.to_dict() for c in self._client_map().values()), "id"),
            "touchpoints": self.touchpoint_records(),
            "snoozes": by_id((s.to_dict() for s in self.snoozes().values()), "client_id"),
            "runs": ordered((s.to_dict() for s in self.steps()), "client_id", "started"),
        }

    def touchpoint_records(self) -> Iterator[dict[str, Any]]:
        """Every touchpoint as ``Touchpoint.to_dict()`` made it, in the order logged
        (what an export writes and the report reads), streamed."""
        import orjson

        self._flush()
        # The cache keeps each touchpoint as its record (a log op's, amended field by
        # field): no model round trip for 250,000 of them.
        cursor = self.db.cursor()
        cursor.execute("SELECT doc FROM tps ORDER BY ord, id")
        while rows := cursor.fetchmany(2000):
            for (doc,) in rows:
                record = orjson.loads(doc)
                record.pop("_st", None)
                yield record

    def export_data(self) -> dict[str, Any]:
        parts = self.export_parts()
        parts["touchpoints"] = list(parts["touchpoints"])
        return parts

    def restore(self, data: dict[str, Any], replace: bool = False, migrated: bool = False) -> None:
        """Load what :meth:`export_data` returned, as one batch: a reset, then the book."""
        if not replace and not self.is_empty():
            count = len(self._client_map())
            raise Conflict(
                f"the book in {self.home} is not empty ({count} clients): restoring into it "
                "would mix two books; use --replace to replace it (the current book is "
                "kept in the backups)"
            )
        from crm_cli.store.legacy import restorable

        records = restorable(data)
        reset: dict[str, Any] = {"next_touchpoint": records["next_touchpoint"]}
        if migrated:
            reset["migrated"] = 2
        self._op("reset", **reset)
        self._flush()
        with devices.no_cycles():
            self._restore_records(records)

    def _restore_records(self, records: dict[str, Any]) -> None:
        gids: dict[str, str] = {}
        for doc in records["clients"]:
            client = Client.from_dict(doc)
            gids[client.id] = self._new_gid(client)
            fields_ = compact_client(client.to_dict())
            short = fields_.pop("id")
            self._op("client", c=gids[client.id], id=short, f=fields_)
        # After the reset no row is left: no touchpoint id needs a look-up.
        self.fold.absent.update(str(doc["id"]) for doc in records["touchpoints"])
        from_dict = Touchpoint.from_dict
        for n, doc in enumerate(records["touchpoints"], 1):
            tp = dict(doc)
            kept = from_dict(tp)  # the record a rebuild reads: for the digest
            gid = gids[tp.pop("client_id")]
            self._op("log", kept, c=gid, t=tp, o=n)
        for doc in records["snoozes"]:
            self._op(
                "snooze", c=gids[doc["client_id"]], until=doc["until"], reason=doc.get("reason")
            )
        steps: dict[str, list[dict[str, Any]]] = {}
        for doc in records["runs"]:
            step = dict(doc)
            steps.setdefault(gids[step.pop("client_id")], []).append(step)
        for gid, docs in steps.items():
            self._op("steps", c=gid, s=docs)
        self._flush()

    # -- writing -----------------------------------------------------------------------
    def current_file(self) -> tuple[Path, devices.DeviceFile | None, Closed | None]:
        """Where the next batch goes, the file there now, and the closed file it follows."""
        folder = self.home / DEVICES_DIR / self.device
        mine = devices.files_of(folder)
        month = devices.month_now()
        previous = None
        if mine:
            info = mine[-1].stat()
            if devices.file_key(mine[-1].name)[0] == month and info.st_size < devices.ROLL_BYTES:
                latest = devices.read(self.home, mine[-1], self.book_id)
                if len(latest.raw) < devices.ROLL_BYTES:
                    return latest.path, latest, None
            previous = self._closed(mine[-1], (info.st_size, info.st_mtime_ns))
        n = max((devices.file_key(p.name)[1] for p in mine if p.name.startswith(month)), default=0)
        name = f"{month}.json" if n == 0 else f"{month}.{n + 1}.json"
        return folder / name, None, previous

    def _closed(self, path: Path, stat: tuple[int, int]) -> Closed:
        """What the next file's manifest needs of a closed one. Its ops are not parsed
        when the cache folded this very version (a 70 MB file is 500 MB of objects),
        nor is it read past its head when its hash was kept as it was written."""
        rel = relative(self.home, path)
        row = self.db.execute("SELECT size, mtime, ops FROM files WHERE path=?", (rel,)).fetchone()
        summed = self.db.execute(
            "SELECT sha256 FROM file_sums WHERE path=? AND size=? AND mtime=?", (rel, *stat)
        ).fetchone()
        raw = devices.head(path) if summed and row and (row[0], row[1]) == stat else None
        if raw is None or devices.head_meta(raw) is None:
            raw, summed = path.read_bytes(), None
        meta = devices.head_meta(raw)
        if (
            row is not None
            and (row[0], row[1]) == stat
            and meta is not None
            and meta.get("device") == self.device
            and meta.get("book") == self.book_id
        ):
            manifest = meta.get("manifest") or {}
            if isinstance(manifest, dict):
                sha = str(summed[0]) if summed else devices.sha(raw)
                return Closed(path.name, manifest, int(row[2]), sha)
        if summed:
            raw = path.read_bytes()
        found = devices.read(self.home, path, self.book_id)
        return Closed(found.name, found.manifest, len(found.ops), devices.sha(found.raw))

    def _write_batch(self) -> None:
        path, current, previous = self.current_file()
        if current is not None:
            meta = dict(current.meta)
            old_ops = current.ops
        else:
            meta = {"schema": devices.FILE_SCHEMA, "book": self.book_id, "device": self.device}
            manifest = dict(previous.manifest) if previous else {}
            if previous is not None:
                manifest[previous.name] = {"ops": previous.ops, "sha256": previous.sha256}
            meta["manifest"] = manifest
            meta["file"] = path.name
            old_ops = []
        if self.erase:
            old_ops = [op for op in old_ops if op.get("c") not in self.erase]
        ops: list[dict[str, Any] | bytes] = [*old_ops, *self.batch]
        written = devices.write(self.home, path, meta, ops)
        last = [self.last_op] if self.batch and self.last_op else old_ops[-1:]
        self.record_file(path, len(ops), last, written.stat)
        if len(written.raw) >= devices.ROLL_BYTES:  # closed already: the next batch names it
            self.db.execute(
                "INSERT OR REPLACE INTO file_sums VALUES (?,?,?,?)",
                (relative(self.home, path), *written.stat, devices.sha(written.raw)),
            )

    def commit(self) -> None:
        """One atomic write of this device's current file, then the cache."""
        if not self.batch:
            self._commit_cache()
            return
        self._flush()
        try:
            with devices.no_cycles():
                self._write_batch()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        self._commit_cache()
        self.batch, self.last_op = [], None
        self.stamp = None
        if self.erase:
            self.scrub()
            self.erase.clear()

    # -- erasure -----------------------------------------------------------------------
    def scrub(self) -> None:
        """Erase forgotten clients from this device's older files and from the backups:
        what a forget leaves to do after its op is written (resumed if killed)."""
        pending = self.pending_scrubs()
        if not pending or not self.device:
            return
        from crm_cli.store.erase import scrub_files

        scrub_files(self, {k: h for k, h, _ in pending}, {sk for _, _, sk in pending if sk})
        for k, _, _ in pending:
            self.db.execute("UPDATE forgotten SET scrubbed=1 WHERE k=?", (k,))
        self._commit_cache()

    def pending_scrubs(self) -> list[tuple[str, str, str]]:
        return [
            (str(k), str(h), str(sk or ""))
            for k, h, sk in self.db.execute("SELECT k, h, sk FROM forgotten WHERE scrubbed=0")
        ]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self.db.close()


# --------------------------------------------------------------------------- opening


def prepare_home(home: Path, write: bool) -> None:
    if home.exists() and not home.is_dir():
        raise StoreError(f"CRM_HOME {home} is a file, not a directory")
    if (home / DEVICES_DIR).exists() and not (home / DEVICES_DIR).is_dir():
        raise StoreError(
            f"{home / DEVICES_DIR} is a file, not the folder of the book's device files"
        )
    if not write:
        return
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        (home / LOCAL_DIR).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the book directory {home}: {exc.strerror}") from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise StoreError(f"the book directory {home} is not writable")


@contextmanager
def locked(home: Path) -> Iterator[None]:
    from crm_cli.store.lockfile import FileLock, Timeout

    try:
        lock = FileLock(str(home / LOCAL_DIR / LOCK_FILE), timeout=LOCK_TIMEOUT, mode=0o600)
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


def remove_stale_temps(home: Path) -> None:
    for folder in [home / LOCAL_DIR, *devices.device_dirs(home)]:
        if folder.is_dir():
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)


@contextmanager
def open_book(home: Path, *, write: bool = False) -> Iterator[Book]:
    """One unit of work on the book in ``home``.

    With ``write=True`` the book is locked for the whole block and its ops are
    written at the end as one batch; an exception leaves every file untouched.
    """
    prepare_home(home, write)
    if not write:
        try:
            book = Book(home, writable=False)
        except NeedsWrite:
            if not os.access(home, os.W_OK):
                raise StoreError(
                    f"the book in {home} needs an update, but is not writable"
                ) from None
            with open_book(home, write=True):
                pass
            book = Book(home, writable=False)
        try:
            with damaged_cache(home):
                yield book
        finally:
            book.close()
        return
    with locked(home):
        remove_stale_temps(home)
        book = Book(home, writable=True)
        try:
            with damaged_cache(home):
                yield book
                try:
                    book.commit()
                except OSError as exc:
                    raise StoreError(f"cannot write the book in {home}: {exc.strerror}") from None
        finally:
            book.close()


@contextmanager
def damaged_cache(home: Path) -> Iterator[None]:
    """A cache found damaged in the middle of a command: removed, refolded next time."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        path = cache_path(home)
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            # Busy, not damaged: another process held the cache past the timeout.
            busy = f"the cache {path} is busy with another crm process; try again"
            raise BookLocked(busy) from None
        with contextlib.suppress(OSError):
            path.unlink()  # never kept: it may hold a client forgotten since
        raise StoreError(
            f"the cache {path} was damaged: it is rebuilt from the device files by the "
            "next command (nothing in the book was changed); run the command again"
        ) from None


def refresh(home: Path) -> None:
    """Fold new or changed device files into the cache (after a sync's pull)."""
    with open_book(home, write=True):
        pass


def device_id(home: Path, create: bool = True) -> str | None:
    """This installation's device id (created on first use unless ``create`` is False)."""
    if not create:
        found = read_device(home)
        return found["device"] if found else None
    prepare_home(home, True)
    with locked(home):
        return ensure_device(home)["device"]


def ensure_device_file(home: Path) -> bool:
    """Write this device's first file, with no ops, if it has none yet (glue for
    ``crm sync --init``): the book's id then travels with the first push even from an
    empty book, and a device cloning it adopts that id. Whether a file was written."""
    device_id(home)
    with open_book(home, write=True) as book:
        if devices.files_of(home / DEVICES_DIR / book.device):
            return False
        book._write_batch()
        return True


def forgotten(home: Path) -> list[str]:
    """The forget keys folded so far (hashes of global ids, never names): what sync
    needs to purge from the git history (``crm sync --purge-history``)."""
    with open_book(home) as book:
        return sorted(str(r[0]) for r in book.db.execute("SELECT k FROM forgotten"))
