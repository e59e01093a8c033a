"""The fold: every device's ops, in clock order, made into what commands read.

The result lives in ``local/cache.sqlite3`` (never synced, rebuilt whenever it
is missing, damaged or would need an op older than one already folded). Rows
hold ready-to-read JSON records: a client with its short id, a touchpoint with
its client's short id, a digest.

How ops merge:

* a client's scalar fields: the op with the newest stamp wins; every value that
  lost (to a newer edit, or to a concurrent one on another device) is kept in
  the client's change state, for ``crm show CLIENT --changes``;
* tags, emails, phones, mobiles and closed topics are sets: an element is in
  when its latest add is newer than its latest remove;
* two clients created with the same short id: the earlier stamp keeps it, the
  later one gets ``-2`` (then ``-3``...), the same on every device. The same
  person created on two devices from the same email has one global id, so the
  two creations fold into one client;
* a forget drops everything the client's global id had before it; a reset
  (``import json --replace``) drops everything before it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import MISSING, fields
from typing import Any

from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.summary import ClientSummary, add_touchpoint, needs_whole_history, summarise
from crm_cli.store.clock import forget_key, order_of
from crm_cli.store.devices import dumps, loads

CACHE_VERSION = "5"  # 5: clients.names (a cache of another version is rebuilt)
SET_FIELDS = ("emails", "phones", "mobiles", "tags", "closed_topics")
KEEP_LOST = 10

SCHEMA = """
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE files(path TEXT PRIMARY KEY, size INT, mtime INT, ops INT, last TEXT);
CREATE TABLE clients(gid TEXT PRIMARY KEY, id TEXT UNIQUE, fkey TEXT, h TEXT, name TEXT,
                     emails TEXT, archived INT, doc TEXT, st TEXT,
                     since TEXT, cadence TEXT, tier TEXT, birthday TEXT, excluded INT,
                     names TEXT);
CREATE INDEX clients_fkey ON clients(fkey);
CREATE INDEX clients_names ON clients(names, id);
CREATE TABLE tps(id TEXT PRIMARY KEY, gid TEXT, ord TEXT, h TEXT, doc TEXT);
CREATE INDEX tps_gid ON tps(gid, ord);
CREATE INDEX tps_ord ON tps(ord, id);
CREATE TABLE summaries(gid TEXT PRIMARY KEY, doc TEXT, recent TEXT, last TEXT, open INT);
CREATE TABLE snoozes(gid TEXT PRIMARY KEY, h TEXT, doc TEXT);
CREATE TABLE steps(k TEXT PRIMARY KEY, gid TEXT, doc TEXT);
CREATE TABLE forgotten(k TEXT PRIMARY KEY, h TEXT, scrubbed INT, sk TEXT);
"""
# Every folded op that makes a client's record, snooze or steps (not touchpoints), by
# client: what re-derives one client when an op older than the fold arrives (a sync),
# instead of folding every device file again. Added to caches of CACHE_VERSION 4 on
# their first write; meta 'state_ops' = '1' once it holds every such op.
STATE_OPS_TABLE = """
CREATE TABLE IF NOT EXISTS state_ops(gid TEXT, k TEXT, op TEXT, PRIMARY KEY (gid, k))
    WITHOUT ROWID;
"""
# The sha256 of each device file this device wrote past the roll size (a big batch):
# what the next batch's manifest names of it, without reading and hashing 300 MB
# again. Valid for the size and mtime it was taken at, as the files table's rows.
FILE_SUMS_TABLE = """
CREATE TABLE IF NOT EXISTS file_sums(path TEXT PRIMARY KEY, size INT, mtime INT, sha256 TEXT);
"""
STATE_OPS = frozenset({"client", "set", "snooze", "unsnooze", "steps", "stop"})
DATA_TABLES = ("clients", "tps", "summaries", "snoozes", "steps")
# The touchpoints' secondary indexes (as in SCHEMA). A big batch into an empty table
# (a new book, an import --replace, a rebuild) writes its rows without them and builds
# them once at the end: sorting once is ~5x cheaper than a million random inserts.
TPS_INDEXES = {"tps_gid": "tps(gid, ord)", "tps_ord": "tps(ord, id)"}
BULK_ROWS = 10_000  # a chunk of at least this many touchpoints starts a bulk load
CLIENT_CACHE = 50_000  # client records a fold keeps across the chunks of a big batch

DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if f.default_factory is not MISSING else f.default)
    for f in fields(Client)
    if f.default is not MISSING or f.default_factory is not MISSING
}
REQUIRED = frozenset({"id", "name", "since"})


def compact_client(doc: dict[str, Any]) -> dict[str, Any]:
    """A client record without the fields that hold their default value."""
    return {k: v for k, v in doc.items() if k in REQUIRED or v != DEFAULTS.get(k)}


def compact(doc: dict[str, Any], keep: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k == keep or v not in (None, [], 0, False, "")}


def names_of(doc: dict[str, Any]) -> str:
    """What naming a client searches, folded: the name, then each email, one a line.
    Its index is read whole (a few bytes a client) instead of every client's record."""
    from crm_cli.core.contacts import fold

    return "\n".join(fold(str(v)) for v in [doc["name"], *(doc.get("emails") or [])])


def op_key(op: dict[str, Any]) -> str:
    """An op's place in history, and its unique id: its batch's stamp and its number."""
    return f"{op['h']}/{op['n']:07d}"


def tp_order(op: dict[str, Any]) -> int:
    given = op.get("o")
    return int(given) if given else order_of(op["h"], op["n"])


def ord_text(order: int) -> str:
    return f"{order:024d}"


def with_orders(data: Any, objects: list[Any]) -> Any:
    for doc, obj in zip(data, objects, strict=True):
        if getattr(obj, "order", 0):
            doc["order"] = obj.order
    return data


def digest_docs(summary: ClientSummary) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the cache keeps of a digest: the part ``crm due`` reads, and the rest."""
    doc = summary.to_dict()
    for name in ("open_requests", "open_incidents", "open_promises"):
        with_orders(doc[name], getattr(summary, name))
    recent = {
        "recent": with_orders(doc.pop("recent"), summary.recent),
        "private_notes": doc.pop("private_notes"),
        "topics": with_orders(doc.pop("topics"), summary.topics),
    }
    del doc["last_out"], doc["last_out_channels"]
    doc["last_outs"] = [o.mark_text() for o in summary.last_outs]
    return compact(doc, "client_id"), recent


def summary_of(doc: dict[str, Any], recent: dict[str, Any] | None) -> ClientSummary:
    return ClientSummary.from_dict({**doc, **(recent or {})})


class Fold:
    """Ops applied to the cache. ``fresh``: the tables were empty, everything is in
    memory until :meth:`flush` (a rebuild); else rows are read as needed."""

    def __init__(self, db: sqlite3.Connection, fresh: bool) -> None:
        self.db = db
        self.fresh = fresh
        self.clients: dict[str, dict[str, Any] | None] = {}
        self.shorts: dict[str, str | None] = {}
        self.tps: dict[str, dict[str, Any] | None] = {}
        self.by_client: dict[str, set[str]] = {}  # fresh only
        self.new_of: dict[str, set[str]] = {}  # touchpoints logged in this fold, by client
        self.snoozes: dict[str, dict[str, Any] | None] = {}
        self.steps: dict[str, dict[str, Any] | None] = {}
        self.forgotten: dict[str, tuple[str, int, str]] = {}
        self.touched: dict[str, list[str] | None] = {}  # gid: new touchpoint ids, None: all
        self.dirty_clients: set[str] = set()
        self.meta: dict[str, str] = {}
        self.max_key = ""
        self.forgot: list[str] = []  # global ids forgotten in this fold
        self.state_ops: list[tuple[str, str, str]] = []  # (gid, key, op) to record
        # Touchpoint ids the caller checked are in no row (no look-up per logged one).
        self.absent: set[str] = set()
        # The caller's Touchpoint of each one logged in this fold and not changed since:
        # the digests are made from them, not from rows read back and parsed again.
        self.objects: dict[str, Touchpoint] = {}
        # Clients created by this fold (a batch: kept across its flushes): none of their
        # touchpoints is older than the fold.
        self.created: set[str] = set()
        self.bulk = False  # the touchpoints' secondary indexes are dropped (a bulk load)

    # -- lookups -----------------------------------------------------------------
    def client(self, gid: str) -> dict[str, Any] | None:
        if gid in self.clients:
            return self.clients[gid]
        if self.fresh:
            return None
        row = self.db.execute("SELECT id, fkey, h, doc, st FROM clients WHERE gid=?", (gid,))
        found = row.fetchone()
        rec = None
        if found is not None:
            rec = {
                "gid": gid,
                "id": found[0],
                "fkey": found[1],
                "h": found[2],
                "doc": loads(found[3]),
                "st": loads(found[4]) if found[4] else {},
            }
        self.clients[gid] = rec
        return rec

    def owner_of(self, short: str) -> str | None:
        if short in self.shorts:
            return self.shorts[short]
        if self.fresh:
            return None
        row = self.db.execute("SELECT gid FROM clients WHERE id=?", (short,)).fetchone()
        self.shorts[short] = row[0] if row else None
        return self.shorts[short]

    def tp(self, tp_id: str) -> dict[str, Any] | None:
        if tp_id in self.tps:
            return self.tps[tp_id]
        if self.fresh or tp_id in self.absent:
            return None
        row = self.db.execute("SELECT gid, ord, h, doc FROM tps WHERE id=?", (tp_id,)).fetchone()
        rec = None
        if row is not None:
            doc = loads(row[3])
            st = doc.pop("_st", None) or {}
            rec = {"id": tp_id, "gid": row[0], "ord": row[1], "h": row[2], "doc": doc}
            rec.update(st=st, new=False)
        self.tps[tp_id] = rec
        return rec

    def tp_ids_of(self, gid: str) -> set[str]:
        if self.fresh:
            return set(self.by_client.get(gid, ()))
        self.end_bulk()
        ids = {r[0] for r in self.db.execute("SELECT id FROM tps WHERE gid=?", (gid,))}
        ids |= self.new_of.get(gid, set())
        return {i for i in ids if self.tp(i) is not None}

    def snooze(self, gid: str) -> dict[str, Any] | None:
        if gid not in self.snoozes and not self.fresh:
            row = self.db.execute("SELECT h, doc FROM snoozes WHERE gid=?", (gid,)).fetchone()
            self.snoozes[gid] = {"h": row[0], "doc": loads(row[1])} if row else None
        return self.snoozes.get(gid)

    def step_rows(self, gid: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if not self.fresh:
            for key, doc in self.db.execute("SELECT k, doc FROM steps WHERE gid=?", (gid,)):
                found[key] = loads(doc)
        for key, step in self.steps.items():
            if key.startswith(gid + "/"):
                if step is None:
                    found.pop(key, None)
                else:
                    found[key] = step
        return found

    def gid_of_key(self, fkey: str) -> str | None:
        for gid, rec in self.clients.items():
            if rec is not None and rec["fkey"] == fkey:
                return gid
        if self.fresh:
            return None
        row = self.db.execute("SELECT gid FROM clients WHERE fkey=?", (fkey,)).fetchone()
        return row[0] if row and self.client(row[0]) is not None else None

    def pending(self) -> int:
        """How many records this fold holds in memory, not yet written."""
        return len(self.tps) + len(self.dirty_clients) + len(self.steps)

    # -- applying ----------------------------------------------------------------
    def apply(self, op: dict[str, Any], tp: Touchpoint | None = None) -> None:
        """Fold one op. ``tp``: a log op's Touchpoint, as the caller made it from the
        op's record (its ``order`` is set here): kept for the client's digest."""
        key = f"{op['h']}/{op['n']:07d}"  # op_key(op), inline: a million times a batch
        if key > self.max_key:
            self.max_key = key
        kind = op.get("op")
        if kind == "log":
            self.op_log(op, key, tp)
            return
        handler = getattr(self, "op_" + str(kind), None)
        if handler is not None:  # an op of a newer crm: ignored, never fatal
            handler(op, key)
            # Only a living client's: what a forgotten one's ops said is not kept.
            if kind in STATE_OPS and self.client(str(op.get("c"))) is not None:
                self.state_ops.append((str(op["c"]), key, dumps(op).decode()))

    def _touch(self, gid: str, tp_id: str | None = None) -> None:
        if tp_id is None:
            self.touched[gid] = None
        elif gid not in self.touched:
            self.touched[gid] = [tp_id]
        elif (known := self.touched[gid]) is not None:
            known.append(tp_id)

    def free_short(self, wanted: str) -> str:
        if self.owner_of(wanted) is None:
            return wanted
        n = 2
        while self.owner_of(f"{wanted}-{n}") is not None:
            n += 1
        return f"{wanted}-{n}"

    def op_client(self, op: dict[str, Any], key: str) -> None:
        gid = op["c"]
        rec = self.client(gid)
        values = dict(op.get("f") or {})
        if rec is not None:  # the same person created on two devices: one client
            self.set_fields(
                rec, key, values, {n: values.pop(n) for n in SET_FIELDS if n in values}, {}
            )
            return
        short = self.free_short(str(op["id"]))
        doc = compact_client({**values, "id": short})
        rec = {"gid": gid, "id": short, "fkey": forget_key(gid), "h": key, "doc": doc, "st": {}}
        self.clients[gid] = rec
        self.created.add(gid)
        self.shorts[short] = gid
        self.dirty_clients.add(gid)

    def op_set(self, op: dict[str, Any], key: str) -> None:
        rec = self.client(op["c"])
        if rec is not None:
            self.set_fields(
                rec, key, dict(op.get("f") or {}), op.get("add") or {}, op.get("del") or {}
            )

    def set_fields(
        self,
        rec: dict[str, Any],
        key: str,
        values: dict[str, Any],
        add: dict[str, list[Any]],
        remove: dict[str, list[Any]],
    ) -> None:
        doc, st = rec["doc"], rec["st"]
        for name, value in values.items():
            if name in REQUIRED - {"name", "since"} or name in SET_FIELDS:
                continue
            state = st.setdefault(name, {"h": rec["h"], "lost": []})
            current = doc.get(name, DEFAULTS.get(name))
            if key > state["h"]:
                if current != value:
                    state["lost"].append([state["h"], current])
                state["h"] = key
                if value == DEFAULTS.get(name) and name not in REQUIRED:
                    doc.pop(name, None)
                else:
                    doc[name] = value
            elif current != value:
                state["lost"].append([key, value])
            state["lost"] = sorted(state["lost"], key=lambda e: str(e[0]))[-KEEP_LOST:]
        for name in {*add, *remove}:
            if name not in SET_FIELDS:
                continue
            marks = st.get(name + "[]")
            if marks is None:
                marks = {
                    str(e): [f"{rec['h']}/{i:04d}", ""] for i, e in enumerate(doc.get(name) or ())
                }
                st[name + "[]"] = marks
            for i, element in enumerate(add.get(name) or ()):
                mark = marks.setdefault(str(element), ["", ""])
                mark[0] = max(mark[0], f"{key}/{i:04d}")
            for element in remove.get(name) or ():
                mark = marks.setdefault(str(element), ["", ""])
                mark[1] = max(mark[1], f"{key}/9999")
            present = sorted((m[0], e) for e, m in marks.items() if m[0] > m[1])
            if present:
                doc[name] = [e for _, e in present]
            else:
                doc.pop(name, None)
        self.dirty_clients.add(rec["gid"])

    def op_log(self, op: dict[str, Any], key: str, tp: Touchpoint | None = None) -> None:
        gid = op["c"]
        rec = self.clients[gid] if gid in self.clients else self.client(gid)
        t = op["t"]
        tp_id = t["id"]
        if rec is None or self.tp(tp_id) is not None:
            return  # a forgotten client's, or the same import on two devices: once
        doc = {**t, "client_id": rec["id"]}
        self.absent.discard(tp_id)
        order = tp_order(op)
        self.tps[tp_id] = {"id": tp_id, "gid": gid, "ord": f"{order:024d}", "h": key, "doc": doc}
        if self.fresh:
            self.by_client.setdefault(gid, set()).add(tp_id)
        self.new_of.setdefault(gid, set()).add(tp_id)
        self._touch(gid, tp_id)
        if tp is not None and tp.id == tp_id and tp.client_id == rec["id"]:
            tp.order = order
            self.objects[tp_id] = tp

    def op_amend(self, op: dict[str, Any], key: str) -> None:
        rec = self.tp(op["id"])
        if rec is None:
            return
        st = rec.setdefault("st", {})
        for name, value in (op.get("f") or {}).items():
            if name in ("id", "client_id"):
                continue
            if key > st.get(name, rec["h"]):
                st[name] = key
                if value is None and name == "topic":
                    rec["doc"].pop(name, None)
                else:
                    rec["doc"][name] = value
        rec["new"] = True
        self.tps[op["id"]] = rec
        self.objects.pop(op["id"], None)
        self._touch(rec["gid"])

    def op_unlog(self, op: dict[str, Any], key: str) -> None:
        rec = self.tp(op["id"])
        if rec is None:
            return
        self.tps[op["id"]] = None
        self.objects.pop(op["id"], None)
        if self.fresh:
            self.by_client.get(rec["gid"], set()).discard(op["id"])
        self._touch(rec["gid"])

    def op_snooze(self, op: dict[str, Any], key: str) -> None:
        rec = self.client(op["c"])
        if rec is None:
            return
        current = self.snooze(rec["gid"])
        if current is not None and current["h"] > key:
            return
        doc = {"client_id": rec["id"], "until": op["until"], "reason": op.get("reason")}
        self.snoozes[rec["gid"]] = {"h": key, "doc": doc}

    def op_unsnooze(self, op: dict[str, Any], key: str) -> None:
        current = self.snooze(op["c"])
        if current is not None and current["h"] < key:
            self.snoozes[op["c"]] = None

    def op_steps(self, op: dict[str, Any], key: str) -> None:
        rec = self.client(op["c"])
        if rec is None:
            return
        for step in op.get("s") or ():
            doc = {**step, "client_id": rec["id"]}
            self.steps[f"{rec['gid']}/{step['playbook']}/{step['started']}/{step['index']}"] = doc

    def op_stop(self, op: dict[str, Any], key: str) -> None:
        rows = self.step_rows(op["c"])
        for playbook, started, index in op.get("k") or ():
            found = rows.get(f"{op['c']}/{playbook}/{started}/{index}")
            if found is not None:
                self.steps[f"{op['c']}/{playbook}/{started}/{index}"] = {**found, "stopped": True}

    def op_forget(self, op: dict[str, Any], key: str) -> None:
        fkey = str(op["k"])
        gid = self.gid_of_key(fkey)
        if fkey not in self.forgotten:
            self.forgotten[fkey] = (key, 0, str(op.get("sk") or ""))
        if gid is None:
            return
        self.drop_client(gid)
        self.forgot.append(gid)

    def drop_client(self, gid: str) -> None:
        rec = self.client(gid)
        if rec is None:
            return
        for tp_id in self.tp_ids_of(gid):
            self.tps[tp_id] = None
        self.by_client.pop(gid, None)
        for step_key in self.step_rows(gid):
            self.steps[step_key] = None
        self.snoozes[gid] = None
        self.shorts[rec["id"]] = None
        self.clients[gid] = None
        self.dirty_clients.add(gid)
        self.touched.pop(gid, None)
        self.created.discard(gid)
        self.state_ops = [entry for entry in self.state_ops if entry[0] != gid]
        if not self.fresh:
            self.db.execute("DELETE FROM summaries WHERE gid=?", (gid,))
            self.db.execute("DELETE FROM tps WHERE gid=?", (gid,))
            self.db.execute("DELETE FROM steps WHERE gid=?", (gid,))
            self.db.execute("DELETE FROM state_ops WHERE gid=?", (gid,))

    def op_reset(self, op: dict[str, Any], key: str) -> None:
        if not self.fresh:
            for table in (*DATA_TABLES, "state_ops"):
                self.db.execute(f"DELETE FROM {table}")
        self.state_ops.clear()
        self.fresh = True
        for held in (
            self.clients,
            self.shorts,
            self.tps,
            self.by_client,
            self.new_of,
            self.snoozes,
            self.steps,
            self.touched,
            self.objects,
            self.created,
        ):
            held.clear()
        self.dirty_clients.clear()
        self.meta["next_touchpoint"] = str(op.get("next_touchpoint") or 1)
        self.meta["reset"] = key
        self.reset_db = True

    # -- writing -------------------------------------------------------------------
    reset_db = False

    def flush(self, summaries: bool = True) -> None:
        """Write what changed into the cache (inside the caller's transaction).
        ``summaries=False``: a chunk of a big batch; the digests of the clients it
        touched are made once, by the last flush, from the rows written."""
        db = self.db
        fresh = self.fresh
        if summaries:
            self.end_bulk()
            self._summaries()
        client_rows = []
        for gid in self.dirty_clients:
            rec = self.clients.get(gid)
            if rec is None:
                if not fresh:
                    db.execute("DELETE FROM clients WHERE gid=?", (gid,))
                continue
            doc = rec["doc"]
            client_rows.append(
                (
                    gid,
                    rec["id"],
                    rec["fkey"],
                    rec["h"],
                    doc["name"],
                    dumps(doc.get("emails") or []).decode(),
                    int(bool(doc.get("archived"))),
                    dumps(doc).decode(),
                    dumps(rec["st"]).decode() if rec["st"] else None,
                    # What the plan's screen reads of every client, without parsing it.
                    doc.get("since"),
                    doc.get("cadence"),
                    doc.get("tier"),
                    doc.get("birthday"),
                    int(bool(doc.get("archived") or doc.get("do_not_contact"))),
                    names_of(doc),
                )
            )
        if not fresh:
            # A short id freed (forget) and taken again in one fold: the old row first.
            gone = [(g,) for g in self.dirty_clients if self.clients.get(g) is None]
            db.executemany("DELETE FROM clients WHERE gid=?", gone)
        db.executemany(
            "INSERT OR REPLACE INTO clients VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", client_rows
        )
        tp_rows = []
        if not summaries and not self.bulk and len(self.tps) >= BULK_ROWS:
            self.start_bulk()
        for tp_id, trec in self.tps.items():
            if trec is None:
                if not fresh:
                    db.execute("DELETE FROM tps WHERE id=?", (tp_id,))
                continue
            if fresh or trec.get("new", True):
                doc = trec["doc"]
                if trec.get("st"):
                    doc = {**doc, "_st": trec["st"]}
                tp_rows.append((tp_id, trec["gid"], trec["ord"], trec["h"], dumps(doc).decode()))
        db.executemany("INSERT OR REPLACE INTO tps VALUES (?,?,?,?,?)", tp_rows)
        for gid, srec in self.snoozes.items():
            if srec is None:
                db.execute("DELETE FROM snoozes WHERE gid=?", (gid,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO snoozes VALUES (?,?,?)",
                    (gid, srec["h"], dumps(srec["doc"]).decode()),
                )
        for key, step in self.steps.items():
            if step is None:
                db.execute("DELETE FROM steps WHERE k=?", (key,))
            else:
                gid = key.split("/", 1)[0]
                db.execute(
                    "INSERT OR REPLACE INTO steps VALUES (?,?,?)", (key, gid, dumps(step).decode())
                )
        for fkey, (h, scrubbed, sk) in self.forgotten.items():
            db.execute("INSERT OR IGNORE INTO forgotten VALUES (?,?,?,?)", (fkey, h, scrubbed, sk))
        if self.state_ops:
            db.executemany("INSERT OR IGNORE INTO state_ops VALUES (?,?,?)", self.state_ops)
            self.state_ops = []
        if self.max_key:
            # A late op folded (re-deriving its clients) never lowers the mark.
            row = db.execute("SELECT v FROM meta WHERE k='max_key'").fetchone()
            known = max(str(row[0]) if row else "", self.meta.get("max_key", ""))
            self.meta["max_key"] = max(self.max_key, known)
        for k, v in self.meta.items():
            db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (k, v))
        # Everything is written: later ops read rows from the database again (a chunk
        # of a big batch keeps the clients' records: the next chunk needs them all again).
        self.fresh = False
        if summaries or len(self.clients) > CLIENT_CACHE:
            self.clients.clear()
            self.shorts.clear()
        self.tps.clear()
        self.by_client.clear()
        self.new_of.clear()
        self.snoozes.clear()
        self.steps.clear()
        if summaries:
            self.touched.clear()
            self.objects.clear()
        self.dirty_clients.clear()
        self.forgotten.clear()

    def start_bulk(self) -> None:
        """Drop the touchpoints' secondary indexes if their table is empty (undone by a
        rollback, like every change of the fold)."""
        if self.db.execute("SELECT 1 FROM tps LIMIT 1").fetchone() is None:
            for name in TPS_INDEXES:
                self.db.execute(f"DROP INDEX IF EXISTS {name}")
            self.bulk = True

    def end_bulk(self) -> None:
        """Build the indexes a bulk load dropped (before anything reads by them)."""
        if self.bulk:
            for name, columns in TPS_INDEXES.items():
                self.db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")
            self.bulk = False

    def _summaries(self) -> None:
        if not self.touched:
            return
        rows = []
        for gid, new in self.touched.items():
            rec = self.client(gid)
            if rec is None:
                continue
            current = None
            if new is not None and not self.fresh:
                row = self.db.execute(
                    "SELECT doc, recent FROM summaries WHERE gid=?", (gid,)
                ).fetchone()
                if row is not None:
                    current = summary_of(loads(row[0]), loads(row[1]))
            if current is not None and new is not None:
                for tp_id in new:
                    tp = self.touchpoint(tp_id)
                    if needs_whole_history(current, tp):
                        current = None
                        break
                    current = add_touchpoint(current, tp)
            if current is None:
                objects = self.objects
                if new is not None and gid in self.created and all(i in objects for i in new):
                    # Created in this fold: what it logged is all it has (no row read back).
                    tps = [objects[i] for i in dict.fromkeys(new)]
                else:
                    tps = self.touchpoints_of(gid)
                if not tps:
                    if not self.fresh:
                        self.db.execute("DELETE FROM summaries WHERE gid=?", (gid,))
                    continue
                current = summarise(rec["id"], tps)
            doc, recent = digest_docs(current)
            is_open = "open_requests" in doc or "open_incidents" in doc or "open_promises" in doc
            rows.append(
                (gid, dumps(doc).decode(), dumps(recent).decode(), doc.get("last_contact"), is_open)
            )
        self.db.executemany("INSERT OR REPLACE INTO summaries VALUES (?,?,?,?,?)", rows)

    def touchpoints_of(self, gid: str) -> list[Touchpoint]:
        """A client's touchpoints, read without keeping their rows in this fold."""
        if self.fresh:
            return [self.touchpoint(i) for i in self.by_client.get(gid, ())]
        self.end_bulk()
        found: dict[str, Touchpoint] = {}
        rows = self.db.execute("SELECT id, ord, doc FROM tps WHERE gid=?", (gid,))
        for tp_id, order, raw in rows:
            if tp_id in self.tps:  # changed in this fold (amended, unlogged): from memory
                if self.tps[tp_id] is not None:
                    found[tp_id] = self.touchpoint(tp_id)
                continue
            doc = loads(raw)
            doc.pop("_st", None)
            tp = Touchpoint.from_dict(doc)
            tp.order = int(order)
            found[tp_id] = tp
        for tp_id in self.new_of.get(gid, ()):
            if tp_id not in found and self.tps.get(tp_id) is not None:
                found[tp_id] = self.touchpoint(tp_id)
        return list(found.values())

    def touchpoint(self, tp_id: str) -> Touchpoint:
        found = self.objects.get(tp_id)
        if found is not None:
            return found
        rec = self.tp(tp_id)
        assert rec is not None
        tp = Touchpoint.from_dict(rec["doc"])
        tp.order = int(rec["ord"])
        return tp


def create(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA + STATE_OPS_TABLE + FILE_SUMS_TABLE)
    db.execute("INSERT INTO meta VALUES ('version', ?)", (CACHE_VERSION,))
    db.execute("INSERT INTO meta VALUES ('state_ops', '1')")
