"""The book on disk: atomic writes, one read and one write of each file per command,
backups, file modes, the schema version, corrupt and locked books, erasure from backups.

A book is a directory of files (``book.json``, ``summaries.json``, ``history/YYYY.json``,
``recent/NN.json``): every guarantee here holds for each of them.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm
from filelock import FileLock

import crm_cli.safefile as safefile
import crm_cli.store as store
from crm_cli.core.models import Client, Touchpoint
from crm_cli.errors import StoreError
from crm_cli.store import BACKUP_DIR, BOOK_FILE, KEEP_BACKUPS, LOCK_FILE, open_book

MARIO = "mario-rossi"
SUMMARIES = store.SUMMARY_FILE
# The kinds of file a book has; where each is in a given book: see ``where``.
BOOK, SUMM, HISTORY, RECENT = "book", "summaries", "history", "recent"
KINDS = [BOOK, SUMM, HISTORY, RECENT]


def where(home: Path, kind: str) -> str:
    """The file of a kind, relative to the book dir: the history file of FIXED_DATE
    (``history/2026-11.json``), the recent shard holding Mario's digest."""
    if kind == BOOK:
        return BOOK_FILE
    if kind == SUMM:
        return SUMMARIES
    folder = home / kind
    if kind == HISTORY:
        found = [p for p in folder.glob("*.json") if FIXED_DATE.startswith(p.stem)]
    else:
        found = [p for p in folder.glob("*.json") if f'"{MARIO}"'.encode() in p.read_bytes()]
    assert len(found) == 1, (kind, found)
    return f"{kind}/{found[0].name}"


def prefix(relative: str) -> str:
    """The backup prefix of a book file: ``book``, ``summaries``, ``history-2026-11``..."""
    return relative.removesuffix(".json").replace("/", "-")


def backups(home: Path, relative: str = BOOK_FILE) -> list[Path]:
    """The backups of one file of the book, oldest first as the store sees them."""
    return safefile.backup_files(home / BACKUP_DIR, prefix(relative))


def all_backups(home: Path) -> list[Path]:
    return sorted((home / BACKUP_DIR).glob("*.json"))


def book_files(home: Path) -> list[str]:
    """Every file of the book (backups and the lock aside), by relative path."""
    return sorted(
        str(p.relative_to(home))
        for p in home.rglob("*.json")
        if p.is_file() and p.parent.name != BACKUP_DIR and not p.name.startswith(".")
    )


def temps(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.name.endswith(".tmp")]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file under the book dir, by relative path (the lock file aside)."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != LOCK_FILE
    }


def versions_now(home: Path) -> dict[str, bytes]:
    """The bytes of each kind of file, by its relative path."""
    return {where(home, kind): (home / where(home, kind)).read_bytes() for kind in KINDS}


def change_every_file(crm: Crm, n: int) -> None:
    """One edit (book.json) and one log (history, Mario's recent shard, summaries)."""
    crm.ok("edit", "mario", "--city", f"City {n}")
    crm.log("mario", "call", "--note", f"call {n}")


@pytest.fixture
def book_with_backups(crm: Crm) -> Crm:
    """Two clients, two touchpoints: every kind of file exists and has a backup."""
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri")
    crm.ok("edit", "anna", "--city", "Roma")  # the newest backup of book.json has them both
    crm.log("mario", "call")
    crm.log("mario", "call")
    return crm


# --------------------------------------------------------------------------- schema


def test_the_schema_version_is_stored(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    data = json.loads((home / BOOK_FILE).read_bytes())
    assert data["_meta"]["1"]["schema"] == store.SCHEMA_VERSION


@pytest.mark.parametrize("args", [["list"], ["add-client", "Anna"], ["log", "mario", "call"]])
def test_a_book_from_a_newer_crm_is_refused(crm: Crm, home: Path, args: list[str]) -> None:
    crm.add("Mario Rossi")
    path = home / BOOK_FILE
    data = json.loads(path.read_bytes())
    data["_meta"]["1"]["schema"] = store.SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    before = snapshot(home)
    assert crm.fail(*args) == (
        f"the book {path} was written by a newer crm (schema {store.SCHEMA_VERSION + 1}, "
        f"this crm reads up to {store.SCHEMA_VERSION}): upgrade crm"
    )
    assert snapshot(home) == before


# --------------------------------------------------------------------------- one read, one write


@pytest.fixture
def io_counts(monkeypatch: pytest.MonkeyPatch, home: Path) -> dict[str, Counter[str]]:
    """Reads and writes of each file of the book, by relative path (backups aside)."""
    counts: dict[str, Counter[str]] = {"reads": Counter(), "writes": Counter()}
    load = store.BookStorage._load
    write = store.atomic_write

    def counting_load(self: store.BookStorage) -> object:
        counts["reads"][str(self.path.relative_to(home))] += 1
        return load(self)

    def counting_write(path: Path, data: bytes, before: Callable[[], None] | None = None) -> None:
        if path.parent != home / BACKUP_DIR:  # the erasure rewrites backups: not the book
            counts["writes"][str(path.relative_to(home))] += 1
        write(path, data, before)

    monkeypatch.setattr(store.BookStorage, "_load", counting_load)
    monkeypatch.setattr(store, "atomic_write", counting_write)
    return counts


TOUCHPOINT_FILES = {HISTORY, RECENT, SUMM}


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["list"], set()),
        (["list", "--json"], set()),
        (["due", "--date", FIXED_DATE], set()),
        (["show", "mario"], set()),
        (["history", "mario"], set()),
        (["find", "rossi"], set()),
        (["add-client", "Carla Blu", "--email", "carla@example.com", "--tag", "x"], {BOOK}),
        (["edit", "mario", "--tag", "new", "--city", "Roma", "--clear", "company"], {BOOK}),
        (["edit", "mario", "--city", "Bologna"], set()),  # nothing changed
        (["log", "mario", "call", "--note", "hi", "--date", FIXED_DATE], TOUCHPOINT_FILES),
        (["archive", "anna"], {BOOK}),
        (["unarchive", "anna"], set()),  # not archived: nothing to write
        (["forget", "mario", "--yes"], {BOOK, *TOUCHPOINT_FILES}),
    ],
)
def test_a_command_reads_each_file_once_and_writes_each_at_most_once(
    book_with_backups: Crm,
    home: Path,
    io_counts: dict[str, Counter[str]],
    args: list[str],
    written: set[str],
) -> None:
    book_with_backups.ok("edit", "mario", "--city", "Bologna", "--company", "Rossi Srl")
    written_files = {where(home, kind) for kind in written}
    if written:  # any write ends with the plan index derived from the book and digests
        written_files.add(store.INDEX_FILE)
    for counter in io_counts.values():
        counter.clear()
    book_with_backups.ok(*args)
    reads, writes = io_counts["reads"], io_counts["writes"]
    assert reads[BOOK_FILE] == 1
    assert set(reads.values()) == {1}, reads
    assert set(writes) == written_files
    assert set(writes.values()) <= {1}, writes


def test_a_failed_command_writes_nothing(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "call")
    before = snapshot(home)
    crm.fail("add-client", "Anna", "--email", "mario@example.com")
    crm.fail("log", "nobody", "call")
    crm.fail("edit", "mario", "--tag", "ok", "--phone", "nonsense")
    assert snapshot(home) == before


def test_an_exception_inside_a_unit_of_work_leaves_every_file_untouched(home: Path) -> None:
    with open_book(home, write=True) as book:
        book.add_client(Client(id="a", name="A", since=date(2020, 1, 1)))
        book.add_touchpoint(Touchpoint("", "a", date(2026, 1, 2), "call"))
    before = snapshot(home)
    with pytest.raises(RuntimeError), open_book(home, write=True) as book:
        book.add_client(Client(id="b", name="B", since=date(2020, 1, 1)))
        book.add_touchpoint(Touchpoint("", "b", date(2025, 1, 2), "call"))
        raise RuntimeError("boom")
    assert snapshot(home) == before
    assert temps(home) == []
    with open_book(home) as book:
        assert [c.id for c in book.clients()] == ["a"]
        assert [t.id for t in book.touchpoints()] == ["t1"]


def _failing_replace(
    monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> Callable[[object, object], None]:
    """``os.replace`` failing with a full disk from its ``fail_at``-th call on.

    (Patch it in a ``monkeypatch.context()``: ``undo()`` would drop CRM_HOME too.)
    """
    real = os.replace
    calls = [0]

    def replace(src: object, dst: object) -> None:
        if str(src).endswith(".undo.tmp"):  # putting back a file already replaced
            real(src, dst)  # type: ignore[arg-type]
            return
        calls[0] += 1
        if calls[0] >= fail_at:
            raise OSError(28, "No space left on device")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store.os, "replace", replace)
    return replace


@pytest.mark.parametrize(
    "fail_at",
    # The 2nd and 3rd failures come after files were replaced: those are put back.
    [1, 2, 3],
)
def test_a_failed_replace_keeps_the_old_book_and_no_temp_file(
    book_with_backups: Crm, home: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    before = {rel: (home / rel).read_bytes() for rel in book_files(home)}
    with monkeypatch.context() as patched:
        _failing_replace(patched, fail_at)
        assert book_with_backups.fail("log", "mario", "call") == (
            f"cannot write the book in {home}: No space left on device"
        )
    assert temps(home) == []
    history = json.loads(book_with_backups.ok("history", "mario", "--json").stdout)
    assert [t["id"] for t in history] == ["t2", "t1"]
    assert {rel: (home / rel).read_bytes() for rel in book_files(home)} == before


def test_stale_temp_files_are_removed_by_the_next_write(book_with_backups: Crm, home: Path) -> None:
    stale = [
        home / f".{BOOK_FILE}.4242.tmp",
        home / f".{SUMMARIES}.99999.tmp",
        home / "history" / f".{FIXED_DATE[:7]}.json.4242.tmp",
        home / "recent" / ".00.json.4242.tmp",
        home / BACKUP_DIR / ".book-20260101T000000000000Z.json.4242.tmp",  # an erasure's
    ]
    for path in stale:
        path.write_bytes(b'{"half a bo')
    book_with_backups.ok("list")
    assert book_with_backups.log("mario", "call") == "t3"
    assert temps(home) == []
    history = json.loads((home / where(home, HISTORY)).read_bytes())["touchpoints"]
    assert sorted(t["id"] for t in history.values()) == ["t1", "t2", "t3"]


# --------------------------------------------------------------------------- backups and modes


def test_each_write_keeps_the_previous_version_of_each_file_as_a_hard_link(
    crm: Crm, home: Path
) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    assert all_backups(home) == []  # nothing to back up before a file's first write
    for n in range(1, 4):
        files = [where(home, kind) for kind in KINDS]
        old = {rel: ((home / rel).stat().st_ino, (home / rel).read_bytes()) for rel in files}
        change_every_file(crm, n)
        for rel, (old_inode, old_bytes) in old.items():
            kept = backups(home, rel)
            assert len(kept) == n, rel
            assert kept[-1].stat().st_ino == old_inode, rel  # a link to the old file, not a copy
            assert kept[-1].read_bytes() == old_bytes, rel
            assert (home / rel).stat().st_ino != old_inode, rel


def test_backups_of_each_file_rotate_keeping_the_last_ten(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    versions = [versions_now(home)]
    for n in range(KEEP_BACKUPS + 4):
        change_every_file(crm, n)
        versions.append(versions_now(home))
    assert KEEP_BACKUPS == 10
    for rel in versions[-1]:
        kept = backups(home, rel)
        assert len(kept) == 10, rel
        assert [p.read_bytes() for p in kept] == [v[rel] for v in versions[-11:-1]], rel
    assert len(all_backups(home)) == 10 * len(KINDS)


@pytest.fixture
def set_tz():  # type: ignore[no-untyped-def]
    """Changes the process's time zone; puts the old one back afterwards."""
    old = os.environ.get("TZ")

    def set_zone(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield set_zone
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_backup_order_survives_a_flight_west(
    crm: Crm, home: Path, set_tz: Callable[[str], None]
) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    versions = [versions_now(home)]
    for n, zone in enumerate(("JST-9", "EST+5", "PST+8")):  # the local clock goes back each time
        set_tz(zone)
        change_every_file(crm, n)
        versions.append(versions_now(home))
    for rel in versions[-1]:
        assert [p.read_bytes() for p in backups(home, rel)] == [v[rel] for v in versions[:-1]]
    # A damaged file names its newest backup: the version before the last.
    for rel in versions[-1]:  # the book first: putting back a history file makes digests stale
        good = (home / rel).read_bytes()
        (home / rel).write_bytes(b"{")
        newest = backups(home, rel)[-1]
        assert newest.read_bytes() == versions[-2][rel]
        assert crm.fail("list").endswith(f"cp '{newest}' '{home / rel}'")
        (home / rel).write_bytes(good)
    assert store.newest_backup(home) == backups(home, BOOK_FILE)[-1]


def test_backups_made_in_the_same_instant_keep_their_order(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls(2026, 11, 23, 9, 30, tzinfo=tz)

    monkeypatch.setattr(safefile, "datetime", Frozen)
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    versions = [versions_now(home)]
    for n in range(12):
        change_every_file(crm, n)
        versions.append(versions_now(home))
    for rel in versions[-1]:
        expected = [v[rel] for v in versions[-11:-1]]
        assert [p.read_bytes() for p in backups(home, rel)] == expected, rel
    assert store.newest_backup(home).read_bytes() == versions[-2][BOOK_FILE]  # type: ignore[union-attr]


@pytest.fixture
def io_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """fsync and replace calls, naming the file (or directory) and the temp file."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_open = os.fsync, os.replace, os.open
    names: dict[int, str] = {}

    def shown(path: object) -> str:
        # A temp file's name is random (so none can be planted in advance): shown as "*".
        return re.sub(
            rf"^(\..+\.json\.{os.getpid()})\.[a-z0-9_]{{8}}\.tmp$",
            r"\1.*.tmp",
            Path(str(path)).name,
        )

    def spy_open(path: object, flags: int, *args: object) -> int:
        fd = real_open(path, flags, *args)  # type: ignore[arg-type]
        names[fd] = shown(path)
        return fd

    def spy_fsync(fd: int) -> None:
        events.append(("fsync", names.get(fd, "?")))
        real_fsync(fd)

    def spy_replace(src: object, dst: object) -> None:
        events.append(("replace", f"{shown(src)} -> {shown(dst)}"))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store.os, "open", spy_open)
    monkeypatch.setattr(store.os, "fsync", spy_fsync)
    monkeypatch.setattr(store.os, "replace", spy_replace)
    return events


def _fsynced_replace(name: str, folder: str) -> list[tuple[str, str]]:
    tmp = f".{name}.{os.getpid()}.*.tmp"
    return [("fsync", tmp), ("replace", f"{tmp} -> {name}"), ("fsync", folder)]


def test_every_write_is_a_fsynced_temp_file_then_a_replace(
    crm: Crm, home: Path, io_events: list[tuple[str, str]]
) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    io_events.clear()
    crm.log("mario", "call")
    # History, then the recent shard, then the summaries (with the stamps of the two),
    # then the plan index derived from the book and the summaries.
    assert io_events == [
        *_fsynced_replace(Path(where(home, HISTORY)).name, "history"),
        *_fsynced_replace(Path(where(home, RECENT)).name, "recent"),
        *_fsynced_replace(SUMMARIES, home.name),  # the directory entry too
        *_fsynced_replace(store.INDEX_FILE, home.name),
    ]
    io_events.clear()
    crm.ok("edit", "mario", "--city", "Roma")
    assert io_events == [
        *_fsynced_replace(BOOK_FILE, home.name),
        *_fsynced_replace(store.INDEX_FILE, home.name),
    ]
    assert temps(home) == []


def test_the_lock_timeout_is_ten_seconds() -> None:
    assert store.LOCK_TIMEOUT == 10.0


def _assert_private(home: Path) -> None:
    assert mode(home) == 0o700
    for path in home.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_modes_are_private(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "call")
    crm.log("mario", "email", "--date", "2025-03-01")  # a second history file
    crm.log("mario", "call")
    crm.ok("edit", "mario", "--city", "Roma")
    for folder in ("history", "recent", BACKUP_DIR):
        assert (home / folder).is_dir()
    assert (home / LOCK_FILE).exists()
    for kind in KINDS:
        assert backups(home, where(home, kind)), kind
    _assert_private(home)
    crm.add("Anna Neri")
    crm.ok("forget", "mario", "--yes")  # backups rewritten by the purge stay private
    crm.ok("doctor")  # rebuilt files too
    _assert_private(home)


def test_forget_erases_the_client_from_every_backup_of_every_file(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--phone", "347 123 4567")
    crm.add("Anna Neri", "--email", "anna@example.com")
    crm.log("mario", "call", "--note", "talked about the Verdi contract", "--date", "2025-06-01")
    crm.log("mario", "call", "--note", "Verdi again", "--follow-up", "2026-12-01")
    crm.log("mario", "note", "--private", "--note", "Verdi owes money")
    crm.log("anna", "call", "--note", "asked about prices")
    crm.ok("edit", "mario", "--private-note", "secret divorce")
    crm.log("mario", "call")
    with_mario = [rel for rel in book_files(home) if b"mario-rossi" in (home / rel).read_bytes()]
    # book, summaries, his recent shard, two history files, and the plan index
    assert len(with_mario) == 6
    crm.ok("forget", "mario-rossi", "--yes")
    for rel in with_mario:  # every one of them has backups to purge, but the index
        assert bool(backups(home, rel)) == (rel != store.INDEX_FILE), rel
    files = [home / rel for rel in book_files(home)] + all_backups(home)
    secrets = [b"Mario", b"mario-rossi", b"mario@example.com", b"+393471234567", b"Verdi"]
    secrets.append(b"divorce")
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret not in data, (path, secret)
        json.loads(data)  # still a readable file
    # The others' history is kept in the backups.
    assert sum(b"asked about prices" in p.read_bytes() for p in all_backups(home)) >= 1
    assert all(b"Anna Neri" in p.read_bytes() for p in backups(home, BOOK_FILE)[1:])


# --------------------------------------------------------------------------- corrupt books

# What each kind of file holds: its table, and records that are valid JSON but not valid data.
TABLES = {BOOK: "clients", SUMM: "summaries", HISTORY: "touchpoints", RECENT: "recent"}
BAD_RECORDS = {
    BOOK: {
        "bad record": {"name": "no id"},
        "bad date": {"id": "x", "name": "X", "since": "yesterday"},
        "no since": {"id": "x", "name": "X", "since": None},
    },
    SUMM: {
        "bad record": {"count": 1},
        "bad date": {"client_id": MARIO, "last_contact": "yesterday"},
        "bad open item": {"client_id": MARIO, "open_requests": [{"id": "t1"}]},
    },
    HISTORY: {
        "bad record": {"id": "t1", "client_id": MARIO},
        "bad date": {"id": "t1", "client_id": MARIO, "date": "last week", "channel": "call"},
        "no date": {"id": "t1", "client_id": MARIO, "date": None, "channel": "call"},
    },
}


def _damage(home: Path, kind: str, how: str) -> bytes:
    path = home / where(home, kind)
    good = path.read_bytes()
    table = TABLES[kind].encode()
    records = BAD_RECORDS.get(kind, {})
    if how in records:
        bad = json.dumps({TABLES[kind]: {"1": records[how]}}).encode()
    else:
        bad = {
            "truncated": good[: len(good) // 2],
            "empty": b"",
            "garbage": b"\x00\xff\xfe garbage \x89PNG",
            "not a book": b"[1, 2, 3]",
            "bad table": b'{"%s": [1, 2]}' % table,
            "bad doc id": b'{"%s": {"one": {"id": "x", "client_id": "x"}}}' % table,
            "bad meta": b'{"_meta": {"1": [1]}, "%s": {}}' % table,
            "bad meta id": b'{"_meta": {"one": {"schema": 2}}, "%s": {}}' % table,
            "bad schema": b'{"_meta": {"1": {"schema": "1"}}, "clients": {}}',
            "bad counter": b'{"_meta": {"1": {"next_touchpoint": "x"}}, "summaries": {}}',
            "negative counter": b'{"_meta": {"1": {"next_touchpoint": -3}}, "summaries": {}}',
        }[how]
    path.write_bytes(bad)
    return bad


EVERY_FILE = ["truncated", "empty", "garbage", "not a book", "bad table", "bad doc id"]
META = ["bad meta", "bad meta id"]  # history and recent files keep nothing in _meta
DAMAGE = [
    *((kind, how) for kind in KINDS for how in EVERY_FILE),
    *((kind, how) for kind in (BOOK, SUMM) for how in META),
    *((kind, how) for kind, records in BAD_RECORDS.items() for how in records),
    (BOOK, "bad schema"),
    (SUMM, "bad counter"),
    (SUMM, "negative counter"),
]
COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["due", "--date", FIXED_DATE],
    ["show", "mario-rossi"],
    ["history", "mario-rossi"],
    ["find", "x"],
    ["add-client", "Carla Blu"],
    ["edit", "mario-rossi", "--tag", "x"],
    ["log", "mario-rossi", "call"],
    ["log", "anna-neri", "call"],
    ["archive", "mario-rossi"],
    ["forget", "mario-rossi", "--yes"],
    ["doctor"],
]


@pytest.mark.parametrize(("kind", "how"), DAMAGE)
def test_a_corrupt_file_is_refused_and_never_overwritten(
    book_with_backups: Crm, home: Path, kind: str, how: str
) -> None:
    path = home / where(home, kind)
    newest = backups(home, where(home, kind))[-1]
    bad = _damage(home, kind, how)
    before = snapshot(home)
    for args in COMMANDS:
        message = book_with_backups.fail(*args)
        assert message.startswith(f"the book {path} is damaged ("), (args, message)
        assert message.endswith(
            f"); it was not changed; restore the newest backup with: cp '{newest}' '{path}'"
        ), (args, message)
        assert path.read_bytes() == bad
    assert snapshot(home) == before
    assert temps(home) == []


def test_a_corrupt_touchpoint_is_reported_by_the_commands_that_read_it(
    book_with_backups: Crm, home: Path
) -> None:
    path = home / where(home, HISTORY)
    data = json.loads(path.read_bytes())
    data["touchpoints"]["1"]["date"] = "last week"
    path.write_text(json.dumps(data))
    for args in (["list"], ["history", "mario"], ["show", "mario"], ["find", "x"], ["doctor"]):
        message = book_with_backups.fail(*args)
        assert message.startswith(
            f"the book {path} is damaged (record 1 of its touchpoints table is invalid: "
        )


@pytest.mark.parametrize(
    ("kind", "table", "field", "value"),
    [
        (BOOK, "clients", "since", "last spring"),
        (SUMM, "summaries", "last_contact", "last week"),
    ],
)
def test_a_corrupt_record_is_named_by_the_morning_plan(
    book_with_backups: Crm, home: Path, kind: str, table: str, field: str, value: str
) -> None:
    # `due` and `agenda` read most records only in part: a bad one must still be named.
    path = home / where(home, kind)
    data = json.loads(path.read_bytes())
    data[table]["1"][field] = value
    path.write_text(json.dumps(data))
    for args in (["due", "--date", FIXED_DATE], ["agenda", "--from", FIXED_DATE]):
        message = book_with_backups.fail(*args)
        assert message.startswith(
            f"the book {path} is damaged (record 1 of its {table} table is invalid: "
        ), message


@pytest.mark.parametrize("kind", KINDS)
def test_a_corrupt_file_without_backups(crm: Crm, home: Path, kind: str) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call")
    assert all_backups(home) == []
    path = home / where(home, kind)
    path.write_bytes(b'{"clients": {"1": ')
    message = crm.fail("log", "mario", "call")
    assert message.startswith(f"the book {path} is damaged (not valid JSON: ")
    assert message.endswith("); it was not changed; no backup exists")


@pytest.mark.parametrize("kind", KINDS)
def test_restoring_the_named_backup_works(book_with_backups: Crm, home: Path, kind: str) -> None:
    path = home / where(home, kind)
    _damage(home, kind, "truncated")
    message = book_with_backups.fail("list")
    newest = Path(message.split("cp '")[1].split("'")[0])
    assert newest == backups(home, where(home, kind))[-1]
    path.write_bytes(newest.read_bytes())  # what the message says: cp NEWEST PATH
    assert [c["id"] for c in json.loads(book_with_backups.ok("list", "--json").stdout)] == [
        "anna-neri",
        "mario-rossi",
    ]
    # The history is what it was when its backup was made; nothing else is lost.
    shown = json.loads(book_with_backups.ok("history", "mario", "--json").stdout)
    assert [t["id"] for t in shown] == (["t1"] if kind == HISTORY else ["t2", "t1"])
    assert book_with_backups.log("mario", "call") == "t3"  # never an id handed out before
    assert book_with_backups.ok("doctor").stdout.endswith("problems:     none\n")


# --------------------------------------------------------------------------- locked books


@pytest.fixture
def held_lock(crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    crm.add("Mario Rossi")
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    lock = FileLock(str(home / LOCK_FILE))
    lock.acquire()
    yield lock
    lock.release()


@pytest.mark.parametrize(
    "args",
    [["log", "mario", "call"], ["add-client", "Anna"], ["forget", "mario", "--yes"]],
)
def test_a_locked_book_is_a_clear_error(
    crm: Crm, home: Path, held_lock: FileLock, args: list[str]
) -> None:
    before = snapshot(home)
    assert crm.fail(*args) == (
        f"the book in {home} is locked by another crm process (waited 0.2 s); try again"
    )
    assert snapshot(home) == before


def test_reading_does_not_wait_for_the_lock(crm: Crm, held_lock: FileLock) -> None:
    assert "mario-rossi" in crm.ok("list").stdout


def test_the_lock_is_released_after_each_command(crm: Crm, home: Path, held_lock: FileLock) -> None:
    crm.fail("log", "mario", "call")
    held_lock.release()
    assert crm.log("mario", "call") == "t1"
    crm.fail("log", "nobody", "call")  # a failing command releases the lock too
    assert crm.log("mario", "call") == "t2"


def test_an_unlockable_book_dir(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(mode=0o700)
    (home / LOCK_FILE).mkdir()  # a directory where the lock file should be
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    with pytest.raises(StoreError) as info, open_book(home, write=True):
        pass
    assert f"the book in {home}" in str(info.value)


# --------------------------------------------------------------------------- store API


def test_touchpoint_ids_follow_each_other_across_units_of_work(home: Path) -> None:
    with open_book(home, write=True) as book:
        book.add_client(Client(id="a", name="A", since=date(2020, 1, 1)))
        first = book.add_touchpoint(Touchpoint("", "a", date(2026, 1, 2), "call"))
    with open_book(home, write=True) as book:
        second = book.add_touchpoint(Touchpoint("", "a", date(2026, 1, 1), "email"))
    with open_book(home, write=True) as book:
        third = book.add_touchpoint(Touchpoint("", "a", date(2024, 5, 1), "email"))  # other year
    assert (first.id, second.id, third.id) == ("t1", "t2", "t3")
    with open_book(home) as book:
        assert [t.id for t in book.touchpoints("a")] == ["t3", "t2", "t1"]  # by date


def test_a_client_id_is_unique(home: Path) -> None:
    with pytest.raises(StoreError), open_book(home, write=True) as book:
        book.add_client(Client(id="a", name="A", since=date(2020, 1, 1)))
        book.add_client(Client(id="a", name="Other", since=date(2020, 1, 1)))
    assert not (home / BOOK_FILE).exists()


def test_forget_erases_snoozes_and_playbook_steps_too(crm: Crm, home: Path) -> None:
    from crm_cli.core.models import PlannedStep, Snooze

    crm.add("Mario Rossi")
    crm.add("Anna Neri")
    with open_book(home, write=True) as book:
        for cid in ("mario-rossi", "anna-neri"):
            book.set_snooze(Snooze(cid, date(2026, 12, 1), "holiday"))
            book.add_steps(
                [
                    PlannedStep(
                        cid, "welcome", "thank-you", 0, date(2026, 12, 2), "email", "thanks",
                        date(2026, 11, 23),
                    )
                ]
            )  # fmt: skip
    crm.ok("forget", "mario", "--yes")
    with open_book(home) as book:
        assert list(book.snoozes()) == ["anna-neri"]
        assert [s.client_id for s in book.steps()] == ["anna-neri"]
    for path in [*(home / rel for rel in book_files(home)), *all_backups(home)]:
        assert b"mario-rossi" not in path.read_bytes(), path
