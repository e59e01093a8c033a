"""The store's layout: device files of ops, one atomic write per command, the fold
into the cache, merges between devices, erasure, damage, migration."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

import crm_cli.store.clock as clock
import crm_cli.store.devices as devices
import crm_cli.store.fsops as fsops
from crm_cli.core.models import Client, Touchpoint
from crm_cli.store import conflict_copies, device_id, open_book, synced_paths


def device_folder(home: Path) -> Path:
    [folder] = [p for p in (home / "devices").iterdir() if p.name == device_id(home, False)]
    return folder


def files(home: Path) -> list[Path]:
    return devices.files_of(device_folder(home))


def ops(path: Path) -> list[dict]:
    data = json.loads(path.read_bytes())
    return [data["ops"][k] for k in sorted(data["ops"], key=int)]


@contextmanager
def as_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[None]:
    old = os.environ["CRM_HOME"]
    monkeypatch.setenv("CRM_HOME", str(home))
    try:
        yield
    finally:
        monkeypatch.setenv("CRM_HOME", old)


def export(crm: Crm) -> str:
    return crm.ok("export", "json").stdout


# --------------------------------------------------------------------------- layout


def test_the_layout_a_newcomer_sees(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "call", "--date", FIXED_DATE)
    me = device_id(home, create=False)
    assert me is not None and re.fullmatch(r"[a-z2-7]{8}", me)
    month = time.strftime("%Y-%m", time.gmtime())
    found = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    # Each write's version is kept in the backups (this one, and the one before it).
    assert found == [
        f"devices/{me}/{month}.json",
        f"local/backups/{me}/{month}~" + found[1].split("~")[1],
        f"local/backups/{me}/{month}~" + found[2].split("~")[1],
        "local/cache.sqlite3",
        "local/device.json",
        "local/lock",
    ]
    assert synced_paths(home) == [home / "devices"]
    [created, logged] = ops(home / f"devices/{me}/{month}.json")
    assert (created["op"], created["id"], created["f"]["name"]) == (
        "client",
        "mario-rossi",
        "Mario Rossi",
    )
    assert logged["op"] == "log" and logged["c"] == created["c"]
    assert logged["h"] > created["h"] and logged["h"].endswith("-" + me)
    config = crm.ok("config").stdout.splitlines()
    assert config[1] == f"device:   {me}"
    assert json.loads(crm.ok("config", "--json").stdout)["device"] == me


def test_a_book_never_written_has_no_device_yet(crm: Crm, home: Path) -> None:
    assert "(none yet: made by the first command that writes)" in crm.ok("config").stdout
    assert not home.exists()


def test_every_command_is_one_write_of_one_device_file(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[Path] = []
    original = fsops.write_atomic

    def counting(path: Path, data: bytes, before: object = None) -> None:
        if "devices" in path.parts:
            writes.append(path)
        original(path, data, before)  # type: ignore[arg-type]

    monkeypatch.setattr(fsops, "write_atomic", counting)
    cards = tmp_path / "cards.vcf"
    cards.write_text(
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
            f"EMAIL:p{i}@example.com\r\nEND:VCARD\r\n"
            for i in range(300)
        )
    )
    crm.add("Mario Rossi")
    backup = tmp_path / "book.json"
    commands = [
        ["add-client", "Anna Neri"],
        ["log", "mario", "call"],
        ["edit", "mario", "--city", "Roma"],
        ["snooze", "mario", "--until", "2026-12-24", "--date", FIXED_DATE],
        ["import", "vcard", str(cards)],
        ["playbook", "start", "anna", "onboarding", "--date", FIXED_DATE],
        ["export", "json", "--out", str(backup)],  # reads only
        ["import", "json", "--replace", str(backup)],
        ["forget", "anna", "--yes"],
    ]
    for args in commands:
        writes.clear()
        crm.ok(*args)
        expected = 0 if args[0] == "export" else 1
        assert len(writes) == expected, (args, writes)
    assert len(ops(files(home)[-1])) > 600  # 300 cards twice, in one file


def test_a_failed_command_writes_nothing(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    before = {p: p.read_bytes() for p in (home / "devices").rglob("*.json")}
    crm.fail("log", "mario", "fax")
    crm.fail("log", "nobody", "call")
    with pytest.raises(RuntimeError), open_book(home, write=True) as book:
        book.add_client(Client("anna", "Anna", date(2026, 1, 1)))
        raise RuntimeError("boom")
    assert {p: p.read_bytes() for p in (home / "devices").rglob("*.json")} == before
    assert [c["id"] for c in json.loads(crm.ok("list", "--json").stdout)] == ["mario-rossi"]


def test_each_write_keeps_its_version_as_a_copy_and_the_ones_before(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    [current] = files(home)
    for _ in range(5):
        crm.log("mario", "call")
    saved = devices.backups_of(home, current.parent.name, current.name)
    assert len(saved) == devices.KEEP_BACKUPS
    # The newest backup is the version just written: a copy (a file damaged in place
    # leaves it whole), then the versions before it.
    assert saved[-1].read_bytes() == current.read_bytes()
    assert saved[-1].stat().st_ino != current.stat().st_ino
    count = len(ops(current))
    assert [len(ops(p)) for p in saved] == [count - 2, count - 1, count]


# --------------------------------------------------------------------------- two devices


def clone(source: Path, target: Path) -> None:
    """A second device: a copy of the synced tree only."""
    shutil.copytree(source / "devices", target / "devices")


def sync(a: Path, b: Path) -> None:
    """What a sync does to the files: each device's own folder copied to the other home."""
    for one, other in ((a, b), (b, a)):
        own = device_id(one, create=False)
        if own is not None and (one / "devices" / own).is_dir():  # it has written
            target = other / "devices" / own
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(one / "devices" / own, target)


@pytest.fixture
def two(crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--city", "Milano")
    other = tmp_path / "laptop"
    clone(home, other)
    with as_home(monkeypatch, other):
        assert json.loads(crm.ok("list", "--json").stdout)[0]["id"] == "mario-rossi"
    return home, other


def test_the_same_field_edited_on_two_devices(
    crm: Crm, two: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, laptop = two
    crm.ok("edit", "mario", "--city", "Roma", "--tag", "vip")
    with as_home(monkeypatch, laptop):
        crm.ok("edit", "mario", "--city", "Napoli", "--tag", "family")  # later, unaware
    sync(desk, laptop)
    books = []
    for home in (desk, laptop):
        with as_home(monkeypatch, home):
            shown = json.loads(crm.ok("show", "mario", "--json").stdout)
            assert (shown["city"], sorted(shown["tags"])) == ("Napoli", ["family", "vip"])
            changes = json.loads(crm.ok("show", "mario", "--changes", "--json").stdout)
            [city] = [c for c in changes if c["field"] == "city"]
            assert [v["value"] for v in city["other_values"]] == ["Roma", "Milano"]
            books.append(export(crm))
    assert books[0] == books[1]
    with as_home(monkeypatch, laptop):
        lines = crm.ok("show", "mario", "--changes").stdout.splitlines()
    assert lines[0] == "Mario Rossi  (mario-rossi): other values, newest first"
    assert lines[1] == "  city: Napoli"
    assert re.fullmatch(
        r"    was Roma  \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, device [a-z2-7]{8}\)", lines[2]
    )


def test_a_device_whose_clock_is_two_days_slow_cannot_reorder_history(
    crm: Crm, two: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, laptop = two
    crm.ok("edit", "mario", "--city", "Roma")
    first = crm.log("mario", "call", "--date", FIXED_DATE, "--note", "desk")
    sync(desk, laptop)
    real = time.time
    monkeypatch.setattr(clock.time, "time", lambda: real() - 2 * 86400)
    with as_home(monkeypatch, laptop):
        crm.ok("edit", "mario", "--city", "Napoli")  # after reading Roma: it wins
        second = crm.log("mario", "call", "--date", FIXED_DATE, "--note", "laptop")
    monkeypatch.setattr(clock.time, "time", real)
    sync(desk, laptop)
    for home in (desk, laptop):
        with as_home(monkeypatch, home):
            assert json.loads(crm.ok("show", "mario", "--json").stdout)["city"] == "Napoli"
            history = json.loads(crm.ok("history", "mario", "--json").stdout)
            assert [t["id"] for t in history] == [second, first]  # same day: logging order


def test_two_clients_with_one_short_id_are_told_apart_the_same_way_everywhere(
    crm: Crm, two: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, laptop = two
    crm.add("Luca Verdi", "--city", "Torino")
    crm.add("Anna Neri", "--email", "anna@example.com")
    with as_home(monkeypatch, laptop):
        crm.add("Luca Verdi", "--city", "Bari")  # another Luca
        crm.add("Anna Neri", "--email", "ANNA@example.com", "--tag", "laptop")  # the same Anna
    sync(desk, laptop)
    books = []
    for home in (desk, laptop):
        with as_home(monkeypatch, home):
            listed = {c["id"]: c for c in json.loads(crm.ok("list", "--json").stdout)}
            assert sorted(listed) == ["anna-neri", "luca-verdi", "luca-verdi-2", "mario-rossi"]
            assert (listed["luca-verdi"]["city"], listed["luca-verdi-2"]["city"]) == (
                "Torino",
                "Bari",
            )
            assert listed["anna-neri"]["tags"] == ["laptop"]
            books.append(export(crm))
    assert books[0] == books[1]


def test_touchpoints_logged_on_two_devices_never_collide(
    crm: Crm, two: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, laptop = two
    ours = {crm.log("mario", "call") for _ in range(5)}
    with as_home(monkeypatch, laptop):
        theirs = {crm.log("mario", "email") for _ in range(5)}
    sync(desk, laptop)
    for home in (desk, laptop):
        with as_home(monkeypatch, home):
            found = {t["id"] for t in json.loads(crm.ok("history", "mario", "--json").stdout)}
            assert found == ours | theirs and len(found) == 10
            assert crm.ok("doctor").stdout.splitlines()[-1] == "problems:     none"


def test_a_forget_on_one_device_is_done_by_the_other_on_its_next_fold(
    crm: Crm, two: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, laptop = two
    with as_home(monkeypatch, laptop):
        crm.log("mario", "call", "--note", "Verdi contract")
    sync(desk, laptop)
    crm.ok("forget", "mario", "--yes")
    sync(desk, laptop)
    with as_home(monkeypatch, laptop):
        assert crm.fail("show", "mario") == "no client matches 'mario'"
    sync(desk, laptop)  # the laptop's scrubbed files come back to the desk
    for home in (desk, laptop):
        assert not grep(home, "mario", "Verdi contract", "Milano")


# --------------------------------------------------------------------------- forget


def grep(home: Path, *words: str) -> list[str]:
    """What ``grep -ri`` would find: every file, the cache and backups included."""
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path}: {w}" for w in words if w.lower().encode() in data]
    return found


def test_forget_leaves_no_trace_anywhere_in_crm_home(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices, "ROLL_BYTES", 1)  # every command starts a new file
    crm.add("Anna Neri")
    crm.add(
        "Zebedee Quartermain",
        "--email", "zq@example.org",
        "--phone", "+39 333 123 4567",
        "--note", "loves marmalade",
    )  # fmt: skip
    for n in range(4):
        crm.log("zebedee", "call", "--note", f"talked about the rhubarb harvest {n}")
        crm.log("anna", "call", "--note", "Anna's own business")
    crm.ok("edit", "zebedee", "--city", "Llanfair")
    assert len(files(home)) > 5
    result = crm.ok("forget", "zebedee", "--yes")
    assert result.stderr == (
        "forgot zebedee-quartermain: the client and 4 touchpoints, backups included\n"
    )
    words = ("Zebedee", "Quartermain", "zq@example.org", "3331234567", "marmalade", "rhubarb")
    assert grep(home, *words, "Llanfair") == []
    assert len(json.loads(crm.ok("history", "anna", "--json").stdout)) == 4
    assert crm.ok("doctor").stdout.splitlines()[-1] == "problems:     none"
    assert grep(home, *words) == []


def test_a_forget_killed_after_its_op_is_finished_by_the_next_command(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices, "ROLL_BYTES", 1)
    crm.add("Zebedee Quartermain", "--note", "loves marmalade")
    crm.log("zebedee", "call", "--note", "rhubarb")
    crm.add("Anna Neri")
    from crm_cli.store.book import Book

    with monkeypatch.context() as patch:
        patch.setattr(Book, "scrub", lambda self: None)  # killed right after the op
        crm.ok("forget", "zebedee", "--yes")
        assert grep(home, "marmalade")  # still in the older files and backups
    assert crm.ok("list", "--json").stdout.count('"id"') == 1  # gone from every read
    crm.ok("list")  # any command: a reader takes the lock and finishes the erasure
    crm.ok("add-client", "Bruno Blu")
    assert grep(home, "Zebedee", "marmalade", "rhubarb") == []


# --------------------------------------------------------------------------- damage


@pytest.fixture
def months(crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    with monkeypatch.context() as patch:
        patch.setattr(devices, "ROLL_BYTES", 1)  # a new file for each command
        crm.add("Mario Rossi")
        crm.log("mario", "call")
        crm.log("mario", "email")
    crm.ok("edit", "mario", "--city", "Roma")  # into the latest file again
    return files(home)


DAMAGE = ["deleted", "truncated", "garbled", "not a book", "another book"]


def damage_file(target: Path, damage: str) -> bytes:
    """``target`` damaged in place (as an editor or a disk would), and its new bytes."""
    raw = target.read_bytes()
    bad = {
        "deleted": b"",
        "truncated": raw[: len(raw) // 2],
        "garbled": raw.replace(b'"ops"', b'"o\x00s"'),
        "not a book": b'{"clients": {}}',
        "another book": raw.replace(b'"book":"', b'"book":"x'),
    }[damage]
    if damage == "deleted":
        target.unlink()
    else:
        with target.open("r+b") as handle:  # the same inode: a hard link would share it
            handle.write(bad)
            handle.truncate()
    return bad


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("which", ["closed month", "current file", "another device's"])
def test_every_device_file_has_a_sound_backup_of_its_last_version(
    crm: Crm,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
    which: str,
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(devices, "ROLL_BYTES", 1)  # a new file for each command
        crm.add("Mario Rossi", "--email", "mario@example.com")
        crm.log("mario", "call")  # the first month, written once, is closed now
    laptop = tmp_path / "laptop"
    clone(home, laptop)
    with as_home(monkeypatch, laptop):
        crm.log("mario", "email", "--note", "from the laptop")  # written once, there
    sync(home, laptop)
    crm.ok("list")  # folds the laptop's file
    before = crm.ok("export", "json").stdout
    mine, theirs = (
        files(home),
        [p for p in (home / "devices").rglob("*.json") if p not in files(home)],
    )
    target = {"closed month": mine[0], "current file": mine[-1], "another device's": theirs[0]}[
        which
    ]
    damage_file(target, damage)
    [saved] = devices.backups_of(home, target.parent.name, target.name)[-1:]
    message = crm.fail("list")
    reason = "missing" if damage == "deleted" else "damaged ("
    assert message.startswith(f"the book file {target} is {reason}")
    assert message.endswith(
        f"; it was not changed; restore the newest backup with: cp '{saved}' '{target}'"
    )
    shutil.copy(saved, target)  # the hint works: the very version last written or folded
    assert crm.ok("export", "json").stdout == before


@pytest.mark.parametrize("damage", ["truncated", "garbled", "not a book", "another book"])
def test_a_damaged_device_file_stops_every_command_and_is_left_as_it_is(
    crm: Crm, home: Path, months: list[Path], damage: str
) -> None:
    target = months[-1]
    raw = target.read_bytes()
    bad = {
        "truncated": raw[: len(raw) // 2],
        "garbled": raw.replace(b'"ops"', b'"o\x00s"'),
        "not a book": b'{"clients": {}}',
        "another book": raw.replace(b'"book":"', b'"book":"x'),
    }[damage]
    target.write_bytes(bad)
    [saved] = devices.backups_of(home, target.parent.name, target.name)[-1:]
    for args in (["list"], ["log", "mario", "call"], ["doctor"]):
        message = crm.fail(*args)
        assert message.startswith(f"the book file {target} is damaged (")
        assert message.endswith(
            f"; it was not changed; restore the newest backup with: cp '{saved}' '{target}'"
        )
        assert "\n" not in message
    assert target.read_bytes() == bad
    shutil.copy(saved, target)  # the hint works
    assert crm.ok("list", "--json").stdout.count('"id"') == 1


def test_a_deleted_month_is_noticed_from_the_manifest(
    crm: Crm, home: Path, months: list[Path]
) -> None:
    gone = months[1]
    gone.unlink()
    (home / "local" / "cache.sqlite3").unlink()  # even without the cache's memory of it
    latest = months[-1].relative_to(home)
    message = crm.fail("list")
    assert message.startswith(
        f"the book file {gone} is missing (listed in {latest}); it was not changed;"
    )
    assert not gone.exists()


def test_a_deleted_current_file_is_noticed_from_the_cache(
    crm: Crm, home: Path, months: list[Path]
) -> None:
    months[-1].unlink()
    message = crm.fail("history", "mario")
    assert message.startswith(f"the book file {months[-1]} is missing (listed in the cache);")


@pytest.mark.parametrize("damage", ["deleted", "truncated", "garbled"])
def test_a_damaged_cache_is_rebuilt_never_fatal(crm: Crm, home: Path, damage: str) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call", "--in", "--needs-reply", "--date", FIXED_DATE)
    before = export(crm)
    cache = home / "local" / "cache.sqlite3"
    raw = cache.read_bytes()
    if damage == "deleted":
        cache.unlink()
    elif damage == "truncated":
        cache.write_bytes(raw[:1000])
    else:
        cache.write_bytes(raw[:100] + b"\xff" * 5000 + raw[5100:])
    assert [
        i["reason"] for i in json.loads(crm.ok("due", "--json", "--date", FIXED_DATE).stdout)
    ] == ["reply"]
    assert export(crm) == before
    assert crm.ok("doctor").stdout.splitlines()[-1] == "problems:     none"


def test_conflict_copies_are_ignored_and_reported(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    [current] = files(home)
    before = export(crm)
    copies = [
        current.with_name(current.stem + ".sync-conflict-20261201-101010-ABCDEFG.json"),
        current.with_name(current.stem + " (conflicted copy 2026-12-01).json"),
        current.with_name(current.stem + " (Anna's conflicted copy).json"),
    ]
    for copy in copies:
        copy.write_bytes(current.read_bytes().replace(b"Mario Rossi", b"Mario Bianchi"))
    assert conflict_copies(home) == sorted(copies)
    assert export(crm) == before
    report = crm.ok("doctor").stdout.splitlines()
    assert report[-4] == "problems:     none"
    assert report[-3:] == [
        f"ignored:      {c} (a conflict copy made by a file-sync tool: crm never reads it)"
        for c in sorted(copies)
    ]
    assert json.loads(crm.ok("doctor", "--json").stdout)["conflict_copies"] == [
        str(c) for c in sorted(copies)
    ]


# --------------------------------------------------------------------------- migration


def test_a_schema_two_book_migrates_on_first_open_keeping_the_old_files(
    crm: Crm, home: Path
) -> None:
    from crm_cli.interchange.json_book import book_json
    from crm_cli.store import legacy

    with legacy.open_book(home, write=True) as old:
        old.add_clients([Client("mario-rossi", "Mario Rossi", date(2020, 1, 1), city="Roma")])
        old.add_touchpoints(
            [
                Touchpoint("", "mario-rossi", date(2026, 11, d), "call", note=f"n{d}")
                for d in (3, 1, 3)
            ]
        )
    with legacy.open_book(home) as old:
        expected = book_json(old.export_data()).decode()
    assert export(crm) == expected  # the first open migrates
    kept = home / "local" / "backups" / "schema-2"
    assert sorted(p.name for p in kept.iterdir()) == [
        "book.json",
        "history",
        "index.json",
        "recent",
        "summaries.json",
    ]
    assert not (home / "book.json").exists() and not (home / "history").exists()
    assert [t["id"] for t in json.loads(crm.ok("history", "mario", "--json").stdout)] == [
        "t3",
        "t1",
        "t2",
    ]
    crm.log("mario", "email", "--date", "2026-11-03")
    assert json.loads(crm.ok("history", "mario", "--json").stdout)[0]["date"] == "2026-11-03"


def test_doctor_reports_orphan_and_duplicate_ops_and_the_book_still_reads(
    crm: Crm, home: Path
) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "call", "--note", "first call")
    [mine] = files(home)
    book_id = json.loads(mine.read_bytes())["_meta"]["1"]["book"]
    first = ops(mine)[0]
    orphan = {
        "op": "log",
        "h": "1700000000000-000000-bbbbbbbb",
        "n": 2,
        "c": "cnobody000000",
        "t": {"id": "t-orphan", "date": FIXED_DATE, "channel": "call", "direction": "out"},
    }
    meta = {"schema": 3, "book": book_id, "device": "bbbbbbbb", "file": "2026-01.json"}
    other = home / "devices" / "bbbbbbbb" / "2026-01.json"
    other.parent.mkdir()
    other.write_bytes(devices.encode({**meta, "manifest": {}}, [first, orphan]))
    listed = json.loads(crm.ok("list", "--json").stdout)
    assert [c["id"] for c in listed] == ["mario-rossi"]  # the book reads as before
    result = crm("doctor")
    assert result.exit_code == 1
    assert (
        "problems:     1 op concerns a client no device created, ignored "
        "(1700000000000-000000-bbbbbbbb/0000002); "
        f"1 op id found twice, folded once ({first['h']}/0000001)\n"
    ) in result.stdout
    assert result.stderr == "the book needs attention: see the problems above\n"
    report = json.loads(crm("doctor", "--json").stdout)
    assert report["orphans"] == ["1700000000000-000000-bbbbbbbb/0000002"]
    assert report["duplicates"] == [f"{first['h']}/0000001"]
