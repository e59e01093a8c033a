"""The memo of a day's plan, kept in the cache beside what it was computed from.

A plan is each client's items for a day (and a horizon), sorted. The planning
service computes them once and keeps each client's items here under a key that
names the day, the horizon, the settings and the planner's code; the next command
that plans the same day reads them back instead of screening and parsing thousands
of records (`crm due` on D2: 1,700 records parsed and planned again otherwise).

What keeps a memo true: SQLite triggers log the global id of every change to a
client's record, digest, snooze or steps into ``plan_changes``, whoever makes it
(a command, a sync's fold, a rebuild). A memo records the last change it saw; the
clients changed after it are planned again when it is read. Writers keep the last
``CHANGES_KEPT`` changes; a memo older than the oldest of them is not used. A
forgotten client's items are deleted with the client, by a trigger too.

The memo is an optimisation only: any doubt (no tables yet, a damaged entry, a busy
cache) means planning from the records, as without it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass

CHANGES_KEPT = 50_000
MEMOS_KEPT = 6  # keys: today's due, the agenda's week, notify's, yesterday's...
WATCHED = ("clients", "summaries", "snoozes", "steps")

TABLES = """
CREATE TABLE IF NOT EXISTS plan_changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, gid TEXT);
CREATE TABLE IF NOT EXISTS plan_epoch(token TEXT);
CREATE TABLE IF NOT EXISTS plan_memos(m INTEGER PRIMARY KEY, k TEXT UNIQUE, seq INT, used INT);
CREATE TABLE IF NOT EXISTS plan_items(m INT, gid TEXT, doc TEXT, PRIMARY KEY (m, gid))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS plan_items_gid ON plan_items(gid);
CREATE TRIGGER IF NOT EXISTS plan_forget AFTER DELETE ON clients
    BEGIN DELETE FROM plan_items WHERE gid = OLD.gid; END;
""" + "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS plan_{table}_{event.lower()} AFTER {event} ON {table}
    BEGIN INSERT INTO plan_changes(gid) VALUES ({row}.gid); END;"""
    for table in WATCHED
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class PlanMemo:
    """A memo as read: the items of the clients unchanged since it was made, and the
    clients changed since (to be planned again)."""

    token: str  # the cache file's (see ``add_tables``)
    now: int  # the last change logged before the memo was read
    kept: str  # a JSON list of each unchanged client's items (the planning service's text)
    stale: set[str]  # global ids changed after the memo was made


def _names() -> set[str]:
    names = {"plan_changes", "plan_epoch", "plan_memos", "plan_items", "plan_forget"}
    names.update(
        f"plan_{table}_{event}" for table in WATCHED for event in ("insert", "update", "delete")
    )
    return names


def has_tables(db: sqlite3.Connection) -> bool:
    """Whether the tables and triggers are there, in this crm's shape."""
    found = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'plan_%'")}
    if not _names() <= found:
        return False
    try:
        db.execute("SELECT m, k, seq, used FROM plan_memos LIMIT 0").fetchall()
        db.execute("SELECT m, gid, doc FROM plan_items LIMIT 0").fetchall()
    except sqlite3.Error:
        return False
    return True


def add_tables(db: sqlite3.Connection) -> None:
    """The tables and triggers (a writer, under the lock: from now on changes are logged);
    those of another shape are replaced."""
    import secrets

    if not has_tables(db):
        for kind, name in db.execute(
            "SELECT type, name FROM sqlite_master WHERE name LIKE 'plan\\_%' ESCAPE '\\'"
            " AND type IN ('table', 'trigger')"
        ).fetchall():
            db.execute(f"DROP {'TRIGGER' if kind == 'trigger' else 'TABLE'} IF EXISTS {name}")
    db.executescript(TABLES)
    if db.execute("SELECT 1 FROM plan_epoch").fetchone() is None:
        # Names this cache file: a memo computed from another (one replaced meanwhile)
        # is never written into it.
        db.execute("INSERT INTO plan_epoch VALUES (?)", (secrets.token_hex(8),))


def position(db: sqlite3.Connection) -> tuple[str, int] | None:
    """The cache file's token and its last logged change; None without the tables."""
    try:
        token = db.execute("SELECT token FROM plan_epoch").fetchone()
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name='plan_changes'").fetchone()
    except sqlite3.Error:
        return None
    if token is None:
        return None
    return str(token[0]), int(row[0]) if row else 0


def last_change(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name='plan_changes'").fetchone()
    return int(row[0]) if row else 0


def read(db: sqlite3.Connection, key: str) -> PlanMemo | None:
    """The memo named ``key``, or None (none yet, or older than the changes kept)."""
    at = position(db)  # first: a change made while reading is seen next time
    if at is None:
        return None
    try:
        memo = db.execute("SELECT m, seq FROM plan_memos WHERE k=?", (key,)).fetchone()
        if memo is None:
            return None
        m, seq = int(memo[0]), int(memo[1])
        oldest = db.execute("SELECT min(seq) FROM plan_changes").fetchone()[0]
        if oldest is not None and seq < int(oldest) - 1:
            return None  # changes after it were trimmed: it cannot be brought up to date
        stale = {
            str(r[0])
            for r in db.execute("SELECT DISTINCT gid FROM plan_changes WHERE seq > ?", (seq,))
        }
        # One text for every kept client (one parse, not one per client).
        kept = db.execute(
            "SELECT '[' || coalesce(group_concat(doc, ','), '') || ']' FROM plan_items"
            " WHERE m=? AND gid NOT IN (SELECT gid FROM plan_changes WHERE seq > ?)",
            (m, seq),
        ).fetchone()[0]
    except sqlite3.Error:
        return None
    return PlanMemo(at[0], at[1], str(kept), stale)


def write(
    db: sqlite3.Connection,
    key: str,
    at: tuple[str, int],
    rows: dict[str, str | None],
    replace: bool,
) -> None:
    """Keep ``rows`` (a client's items, or None for none) under ``key``, as seen at
    ``at`` (``position`` before the records were read); ``replace``: these are every
    client's items. Called in a transaction; keeps the ``MEMOS_KEPT`` newest memos."""
    token, seq = at
    here = db.execute("SELECT token FROM plan_epoch").fetchone()
    if here is None or here[0] != token:
        return  # another cache file than the one read
    memo = db.execute("SELECT m FROM plan_memos WHERE k=?", (key,)).fetchone()
    if memo is None and not replace:
        return  # dropped meanwhile (a rebuild, a trim): updating it would half-make it
    used = db.execute("SELECT coalesce(max(used), 0) + 1 FROM plan_memos").fetchone()[0]
    if memo is None:
        insert = "INSERT INTO plan_memos(k, seq, used) VALUES (?, ?, ?)"
        m = int(db.execute(insert, (key, seq, used)).lastrowid or 0)
    else:
        m = int(memo[0])
        db.execute("UPDATE plan_memos SET seq=?, used=? WHERE m=?", (seq, used, m))
    if replace:
        db.execute("DELETE FROM plan_items WHERE m=?", (m,))
    else:
        db.executemany("DELETE FROM plan_items WHERE m=? AND gid=?", [(m, gid) for gid in rows])
    db.executemany(
        "INSERT INTO plan_items VALUES (?, ?, ?)",
        sorted((m, gid, doc) for gid, doc in rows.items() if doc is not None),
    )
    for (old,) in db.execute(
        "SELECT m FROM plan_memos ORDER BY used DESC LIMIT -1 OFFSET ?", (MEMOS_KEPT,)
    ).fetchall():
        db.execute("DELETE FROM plan_items WHERE m=?", (old,))
        db.execute("DELETE FROM plan_memos WHERE m=?", (old,))


def write_apart(
    path: str, key: str, at: tuple[str, int], rows: dict[str, str | None], replace: bool
) -> None:
    """``write`` through a connection of its own (the command reads the book only):
    skipped if a writer holds the cache, the next command tries again."""
    with contextlib.suppress(sqlite3.Error):
        db = sqlite3.connect(path, isolation_level=None, timeout=0.02)
        try:
            db.execute("PRAGMA secure_delete=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            write(db, key, at, rows, replace)
            db.execute("COMMIT")
        finally:
            db.close()


def trim(db: sqlite3.Connection) -> None:
    """Keep the last ``CHANGES_KEPT`` changes (a writer, in its transaction)."""
    db.execute("DELETE FROM plan_changes WHERE seq <= ?", (last_change(db) - CHANGES_KEPT,))


def drop(db: sqlite3.Connection) -> None:
    """Every memo (a rebuild: the cache is folded anew)."""
    db.execute("DELETE FROM plan_items")
    db.execute("DELETE FROM plan_memos")
