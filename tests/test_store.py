"""The book on disk: atomic writes, one read and one write per command, backups,
file modes, the schema version, corrupt and locked books, erasure from backups."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm
from filelock import FileLock

import crm_cli.store as store
from crm_cli.core.models import Client, Touchpoint
from crm_cli.errors import StoreError
from crm_cli.store import BACKUP_DIR, BOOK_FILE, KEEP_BACKUPS, LOCK_FILE, open_book


def backups(home: Path, ordered: bool = False) -> list[Path]:
    """The backup files, by name or (``ordered``) oldest first as the store sees them."""
    if ordered:
        return store._backup_files(home / BACKUP_DIR)
    return sorted((home / BACKUP_DIR).glob("book-*.json"))


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


@pytest.fixture
def book_with_backups(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri")
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
def io_counts(monkeypatch: pytest.MonkeyPatch, home: Path) -> dict[str, int]:
    counts = {"reads": 0, "writes": 0}
    load = store.BookStorage._load
    write = store.atomic_write

    def counting_load(self: store.BookStorage) -> object:
        counts["reads"] += 1
        return load(self)

    def counting_write(path: Path, data: bytes, before: Callable[[], None] | None = None) -> None:
        if path == home / BOOK_FILE:
            counts["writes"] += 1
        write(path, data, before)

    monkeypatch.setattr(store.BookStorage, "_load", counting_load)
    monkeypatch.setattr(store, "atomic_write", counting_write)
    return counts


@pytest.mark.parametrize(
    ("args", "writes"),
    [
        (["list"], 0),
        (["list", "--json"], 0),
        (["show", "mario"], 0),
        (["history", "mario"], 0),
        (["find", "rossi"], 0),
        (["add-client", "Carla Blu", "--email", "carla@example.com", "--tag", "x"], 1),
        (["edit", "mario", "--tag", "new", "--city", "Roma", "--clear", "company"], 1),
        (["edit", "mario", "--city", "Bologna"], 0),  # nothing changed
        (["log", "mario", "call", "--note", "hi", "--date", FIXED_DATE], 1),
        (["archive", "anna"], 1),
        (["unarchive", "anna"], 0),  # not archived: nothing to write
        (["forget", "mario", "--yes"], 1),
    ],
)
def test_a_command_reads_the_book_once_and_writes_it_at_most_once(
    book_with_backups: Crm, io_counts: dict[str, int], args: list[str], writes: int
) -> None:
    book_with_backups.ok("edit", "mario", "--city", "Bologna", "--company", "Rossi Srl")
    io_counts.update(reads=0, writes=0)
    book_with_backups.ok(*args)
    assert io_counts == {"reads": 1, "writes": writes}


def test_a_failed_command_writes_nothing(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    before = snapshot(home)
    crm.fail("add-client", "Anna", "--email", "mario@example.com")
    crm.fail("log", "nobody", "call")
    crm.fail("edit", "mario", "--tag", "ok", "--phone", "nonsense")
    assert snapshot(home) == before


def test_an_exception_inside_a_unit_of_work_leaves_the_file_untouched(home: Path) -> None:
    with open_book(home, write=True) as book:
        book.add_client(Client(id="a", name="A", since=date(2020, 1, 1)))
    before = snapshot(home)
    with pytest.raises(RuntimeError), open_book(home, write=True) as book:
        book.add_client(Client(id="b", name="B", since=date(2020, 1, 1)))
        raise RuntimeError("boom")
    assert snapshot(home) == before
    assert temps(home) == []
    with open_book(home) as book:
        assert [c.id for c in book.clients()] == ["a"]


def test_a_failed_replace_keeps_the_old_book_and_no_temp_file(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add("Mario Rossi")
    before = (home / BOOK_FILE).read_bytes()

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", disk_full)
    assert crm.fail("log", "mario", "call") == (
        f"cannot write the book {home / BOOK_FILE}: No space left on device"
    )
    monkeypatch.undo()
    assert (home / BOOK_FILE).read_bytes() == before
    assert temps(home) == []


def test_stale_temp_files_are_removed_by_the_next_write(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    stale = [home / f".{BOOK_FILE}.{pid}.tmp" for pid in (4242, 99999)]
    for path in stale:
        path.write_bytes(b'{"half a bo')
    crm.ok("list")
    crm.log("mario", "call")
    assert temps(home) == []
    assert json.loads((home / BOOK_FILE).read_bytes())["touchpoints"]


# --------------------------------------------------------------------------- backups and modes


def test_each_write_keeps_the_previous_version_as_a_hard_link(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    assert backups(home) == []  # nothing to back up before the first write
    book = home / BOOK_FILE
    for n in range(1, 4):
        old_inode, old_bytes = book.stat().st_ino, book.read_bytes()
        crm.log("mario", "call")
        newest = backups(home)[-1]
        assert len(backups(home)) == n
        assert newest.stat().st_ino == old_inode  # a link to the old file, not a copy
        assert newest.read_bytes() == old_bytes
        assert book.stat().st_ino != old_inode


def test_backups_rotate_keeping_the_last_ten(crm: Crm, home: Path) -> None:
    versions = []
    crm.add("Mario Rossi")
    versions.append((home / BOOK_FILE).read_bytes())
    for _ in range(KEEP_BACKUPS + 4):
        crm.log("mario", "call")
        versions.append((home / BOOK_FILE).read_bytes())
    assert KEEP_BACKUPS == 10
    kept = backups(home)
    assert len(kept) == 10
    assert [p.read_bytes() for p in kept] == versions[-11:-1]


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
    versions = [(home / BOOK_FILE).read_bytes()]
    for zone in ("JST-9", "EST+5", "PST+8"):  # the local clock goes back each time
        set_tz(zone)
        crm.log("mario", "call")
        versions.append((home / BOOK_FILE).read_bytes())
    assert [p.read_bytes() for p in backups(home, ordered=True)] == versions[:-1]
    (home / BOOK_FILE).write_bytes(b"{")
    newest = store.newest_backup(home)
    assert newest is not None and newest.read_bytes() == versions[-2]
    assert crm.fail("list").endswith(f"cp '{newest}' '{home / BOOK_FILE}'")


def test_backups_made_in_the_same_instant_keep_their_order(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls(2026, 11, 23, 9, 30, tzinfo=tz)

    monkeypatch.setattr(store, "datetime", Frozen)
    crm.add("Mario Rossi")
    versions = [(home / BOOK_FILE).read_bytes()]
    for _ in range(12):
        crm.log("mario", "call")
        versions.append((home / BOOK_FILE).read_bytes())
    assert [p.read_bytes() for p in backups(home, ordered=True)] == versions[-11:-1]
    assert store.newest_backup(home).read_bytes() == versions[-2]  # type: ignore[union-attr]


def test_every_write_is_a_fsynced_temp_file_then_a_replace(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add("Mario Rossi")
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_open = os.fsync, os.replace, os.open

    def spy_open(path: object, flags: int, *args: object) -> int:
        fd = real_open(path, flags, *args)
        names[fd] = Path(str(path)).name
        return fd

    def spy_fsync(fd: int) -> None:
        events.append(("fsync", names.get(fd, "?")))
        real_fsync(fd)

    def spy_replace(src: object, dst: object) -> None:
        events.append(("replace", f"{Path(str(src)).name} -> {Path(str(dst)).name}"))
        real_replace(src, dst)  # type: ignore[arg-type]

    names: dict[int, str] = {}
    monkeypatch.setattr(store.os, "open", spy_open)
    monkeypatch.setattr(store.os, "fsync", spy_fsync)
    monkeypatch.setattr(store.os, "replace", spy_replace)
    crm.log("mario", "call")
    monkeypatch.undo()
    tmp = f".{BOOK_FILE}.{os.getpid()}.tmp"
    assert events[:2] == [("fsync", tmp), ("replace", f"{tmp} -> {BOOK_FILE}")]
    assert events[2] == ("fsync", home.name)  # the directory entry too
    assert temps(home) == []


def test_the_lock_timeout_is_ten_seconds() -> None:
    assert store.LOCK_TIMEOUT == 10.0


def test_modes_are_private(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "call")
    crm.log("mario", "email")
    assert mode(home) == 0o700
    assert mode(home / BOOK_FILE) == 0o600
    assert mode(home / LOCK_FILE) == 0o600
    assert mode(home / BACKUP_DIR) == 0o700
    assert backups(home)
    for path in backups(home):
        assert mode(path) == 0o600
    crm.add("Anna Neri")
    crm.ok("forget", "mario", "--yes")  # backups rewritten by the purge stay private
    assert mode(home / BOOK_FILE) == 0o600
    for path in backups(home):
        assert mode(path) == 0o600


def test_forget_erases_the_client_from_every_backup(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--phone", "347 123 4567")
    crm.add("Anna Neri", "--email", "anna@example.com")
    crm.log("mario", "call", "--note", "talked about the Verdi contract")
    crm.log("anna", "call", "--note", "asked about prices")
    crm.ok("edit", "mario", "--private-note", "secret divorce")
    crm.ok("forget", "mario-rossi", "--yes")
    files = [home / BOOK_FILE, *backups(home)]
    assert len(files) == 6
    secrets = [b"Mario", b"mario@example.com", b"+393471234567", b"Verdi", b"divorce"]
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret not in data, (path, secret)
        json.loads(data)  # still a readable book
    # The others' history is kept in the backups.
    assert sum(b"asked about prices" in p.read_bytes() for p in backups(home)) >= 1
    assert all(b"Anna Neri" in p.read_bytes() for p in backups(home)[1:])


# --------------------------------------------------------------------------- corrupt books


def _damage(path: Path, how: str) -> bytes:
    good = path.read_bytes()
    bad = {
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "garbage": b"\x00\xff\xfe garbage \x89PNG",
        "not a book": b"[1, 2, 3]",
        "bad table": b'{"clients": [1, 2]}',
        "bad record": b'{"clients": {"1": {"name": "no id"}}}',
        "bad date": b'{"clients": {"1": {"id": "x", "name": "X", "since": "yesterday"}}}',
        "bad touchpoint": b'{"touchpoints": {"1": {"id": "t1", "client_id": "x"}}}',
        "bad doc id": b'{"clients": {"one": {"id": "x", "name": "X", "since": "2020-01-01"}}}',
        "no since": b'{"clients": {"1": {"id": "x", "name": "X", "since": null}}}',
        "bad schema": b'{"_meta": {"1": {"schema": "1"}}, "clients": {}}',
    }[how]
    path.write_bytes(bad)
    return bad


DAMAGE = [
    "truncated",
    "empty",
    "garbage",
    "not a book",
    "bad table",
    "bad record",
    "bad date",
    "bad doc id",
    "no since",
    "bad schema",
]
COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["show", "mario-rossi"],
    ["history", "mario-rossi"],
    ["find", "x"],
    ["add-client", "Carla Blu"],
    ["edit", "mario-rossi", "--tag", "x"],
    ["log", "mario-rossi", "call"],
    ["archive", "mario-rossi"],
    ["forget", "mario-rossi", "--yes"],
]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_corrupt_book_is_refused_and_never_overwritten(
    book_with_backups: Crm, home: Path, how: str
) -> None:
    path = home / BOOK_FILE
    bad = _damage(path, how)
    newest = backups(home)[-1]
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
    path = home / BOOK_FILE
    data = json.loads(path.read_bytes())
    data["touchpoints"]["1"]["date"] = "last week"
    path.write_text(json.dumps(data))
    for args in (["list"], ["history", "mario"], ["show", "mario"], ["find", "x"]):
        message = book_with_backups.fail(*args)
        assert message.startswith(
            f"the book {path} is damaged (record 1 of its touchpoints table is invalid: "
        )


def test_a_corrupt_book_without_backups(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    (home / BOOK_FILE).write_bytes(b'{"clients": {"1": ')
    message = crm.fail("log", "mario", "call")
    assert message.startswith(f"the book {home / BOOK_FILE} is damaged (not valid JSON: ")
    assert message.endswith("); it was not changed; no backup exists")


def test_restoring_the_named_backup_works(book_with_backups: Crm, home: Path) -> None:
    path = home / BOOK_FILE
    _damage(path, "truncated")
    newest = backups(home)[-1]
    path.write_bytes(newest.read_bytes())
    assert [c["id"] for c in json.loads(book_with_backups.ok("list", "--json").stdout)] == [
        "anna-neri",
        "mario-rossi",
    ]


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
    assert (first.id, second.id) == ("t1", "t2")
    with open_book(home) as book:
        assert [t.id for t in book.touchpoints("a")] == ["t2", "t1"]  # by date


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
    for path in [home / BOOK_FILE, *backups(home)]:
        assert b"mario-rossi" not in path.read_bytes(), path
