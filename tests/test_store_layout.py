"""The split layout of a book (schema 2): derived digests that ``crm doctor`` and every
open rebuild exactly, crashes between the files of one write, the migration of a
schema-1 book, back-dated logs, a large JSON round trip, and the lazy command table."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm, crm_env, due_json

import crm_cli.store as store
from crm_cli.cli.app import COMMANDS, load_commands
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.scheduler import Hint, build_index
from crm_cli.core.summary import ClientSummary, summarise
from crm_cli.core.terms import LOG_CHANNELS
from crm_cli.store import (
    BACKUP_DIR,
    BOOK_FILE,
    HISTORY_DIR,
    INDEX_FILE,
    RECENT_DIR,
    SUMMARY_FILE,
    open_book,
)

TODAY = date.fromisoformat(FIXED_DATE)


# --------------------------------------------------------------------------- helpers


def random_touchpoints(rng: random.Random, clients: list[str], n: int) -> list[Touchpoint]:
    """Touchpoints of every kind over three years: requests, incidents, promises, private notes."""
    tps = []
    for _ in range(n):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(1060))
        inbound = rng.random() < 0.3
        tps.append(
            Touchpoint(
                id="",
                client_id=rng.choice(clients),
                date=day,
                channel=rng.choice(LOG_CHANNELS),
                direction="in" if inbound else "out",
                note=rng.choice([None, "ok", "the Verdi quote", "owes money"]),
                needs_reply=inbound and rng.random() < 0.5,
                incident=rng.random() < 0.1,
                private=rng.random() < 0.15,
                follow_up=day + timedelta(days=14) if rng.random() < 0.1 else None,
            )
        )
    return tps


def build_book(home: Path, clients: int = 24, bulk: int = 300, singles: int = 30) -> list[str]:
    """A varied book: a bulk write, then single touchpoints in units of their own."""
    rng = random.Random(20261123)
    ids = [f"c{i:02d}" for i in range(clients)]
    with open_book(home, write=True) as book:
        book.add_clients(
            [Client(id=cid, name=f"Client {cid}", since=date(2020, 1, 1)) for cid in ids]
        )
        book.add_touchpoints(random_touchpoints(rng, ids[:-2], bulk))  # two without history
    for tp in random_touchpoints(rng, ids[:-2], singles):
        with open_book(home, write=True) as book:
            book.add_touchpoint(tp)
    return ids


def _stored(summary: ClientSummary) -> dict[str, Any]:
    """A digest as ``summaries()`` holds it: without recent touchpoints and private notes."""
    doc = summary.to_dict()
    del doc["recent"], doc["private_notes"]
    return doc


def assert_digests_are_exact(home: Path) -> None:
    """Every digest is what a fresh computation over the client's history gives."""
    with open_book(home) as book:
        stored = {cid: _stored(s) for cid, s in book.summaries().items()}
        by_client: dict[str, list[Touchpoint]] = {}
        for tp in book.touchpoints():
            by_client.setdefault(tp.client_id, []).append(tp)
        assert set(stored) == set(by_client)  # a digest for each client with touchpoints
        for client in book.clients():
            fresh = summarise(client.id, book.touchpoints(client.id))
            assert book.summary(client.id).to_dict() == fresh.to_dict(), client.id
            if fresh.count:
                assert stored[client.id] == _stored(fresh), client.id


def history_on_disk(home: Path) -> dict[str, dict[str, Any]]:
    """Every touchpoint in the history files, by id, read straight from the files."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((home / HISTORY_DIR).glob("*.json")):
        for doc in json.loads(path.read_bytes()).get("touchpoints", {}).values():
            assert doc["id"] not in found, doc
            found[doc["id"]] = doc
    return found


def seq(tp_id: str) -> int:
    return int(tp_id.removeprefix("t"))


def doctor(crm: Crm) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(crm.ok("doctor", "--json").stdout)
    assert (report["orphans"], report["duplicates"]) == ([], [])
    return report


# --------------------------------------------------------------------------- doctor


def _edit_digests(home: Path) -> None:
    path = home / SUMMARY_FILE
    data = json.loads(path.read_bytes())
    for doc in list(data["summaries"].values())[:5]:
        doc.update(
            count=999, last_contact="1999-01-01", open_requests=[], last_out_channels=["fax"]
        )
    path.write_text(json.dumps(data))


def _edit_recent(home: Path) -> None:
    for path in sorted((home / RECENT_DIR).glob("*.json"))[:3]:
        data = json.loads(path.read_bytes())
        for doc in data["recent"].values():
            doc["recent"] = doc["recent"][:1]
            doc["private_notes"] = ["not a note anybody wrote"]
        path.write_text(json.dumps(data))


def _delete(*names: str) -> Any:
    def delete(home: Path) -> None:
        for name in names:
            path = home / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    return delete


DIGESTS_DAMAGED = {"digests edited", "summaries.json deleted", "summaries.json and recent/ deleted"}
DAMAGE = {
    "digests edited": _edit_digests,
    "recent shards edited": _edit_recent,
    "summaries.json deleted": _delete(SUMMARY_FILE),
    "recent/ deleted": _delete(RECENT_DIR),
    "summaries.json and recent/ deleted": _delete(SUMMARY_FILE, RECENT_DIR),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_doctor_rebuilds_damaged_or_missing_digests_exactly(
    crm: Crm, home: Path, damage: str
) -> None:
    build_book(home)
    with open_book(home) as book:
        counter = book.export_data()["meta"]["next_touchpoint"]
        total = len(book.touchpoints())
    DAMAGE[damage](home)
    report = doctor(crm)
    assert report["touchpoints"] == total
    assert report["next_touchpoint"] == counter
    # Edited digests keep the stamps: only the doctor sees them (it always rebuilds);
    # an edited or missing file changes the stamps: the open repairs it first.
    assert report["repaired_on_open"] == (damage != "digests edited")
    assert (report["summaries_differed"] > 0) == (damage in DIGESTS_DAMAGED)
    assert_digests_are_exact(home)
    assert (home / SUMMARY_FILE).is_file() and any((home / RECENT_DIR).glob("*.json"))
    assert doctor(crm)["summaries_differed"] == 0  # nothing left to repair
    assert crm.log("c00", "call") == f"t{counter}"


def test_doctor_reports_a_sound_book_as_sound(crm: Crm, home: Path) -> None:
    build_book(home, clients=6, bulk=40, singles=5)
    report = doctor(crm)
    assert (report["repaired_on_open"], report["summaries_differed"]) == (False, 0)
    assert crm.ok("doctor").stdout.endswith("problems:     none\n")


# --------------------------------------------------------------------------- crashes between files


class Killed(BaseException):
    """A kill: nothing in crm catches it, nothing after it runs."""


@contextmanager
def killed_after(monkeypatch: pytest.MonkeyPatch, n: int) -> Iterator[list[Path]]:
    """Dies right after the ``n``-th file of a write has replaced the old one."""
    real = os.replace
    done: list[Path] = []

    def replace(src: Any, dst: Any) -> None:
        real(src, dst)
        done.append(Path(dst))
        if len(done) == n:
            raise Killed(f"killed after writing {dst}")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", replace)
        yield done


def _check_after_the_crash(crm: Crm, home: Path, before: set[str], on_disk: set[str]) -> None:
    """The book opens; after the repair nothing written to the history is lost, no id is
    handed out twice, the digests are exact and the doctor finds nothing to mend."""
    crm.ok("list")  # opens, repairing the digests if the write was cut short
    with open_book(home) as book:
        ids = {t.id for t in book.touchpoints()}
    assert ids == on_disk
    assert before <= ids
    assert_digests_are_exact(home)
    new = crm.log("c00", "call")
    assert new not in ids
    assert seq(new) > max(seq(i) for i in ids)
    report = doctor(crm)
    assert (report["repaired_on_open"], report["summaries_differed"]) == (False, 0)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_a_log_killed_between_its_files_loses_nothing(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    build_book(home, clients=8, bulk=60, singles=0)
    before = set(history_on_disk(home))
    with killed_after(monkeypatch, n) as written:
        try:
            logged = crm.log("c03", "email", "--in", "--needs-reply", "--note", "quote?")
        except Killed:
            logged = None
    # A log writes four files: history, recent shard, summaries (the book is unchanged),
    # and last the plan index derived from them.
    assert [p.relative_to(home).parts[0] for p in written] == [
        HISTORY_DIR,
        RECENT_DIR,
        SUMMARY_FILE,
        INDEX_FILE,
    ][: min(n, 4)]
    assert (logged is None) == (n <= 4)
    on_disk = set(history_on_disk(home))
    assert len(on_disk - before) == 1  # the history is the first file written
    _check_after_the_crash(crm, home, before, on_disk)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_bulk_write_killed_between_its_files_loses_nothing(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    ids = build_book(home, clients=8, bulk=60, singles=0)
    before = set(history_on_disk(home))
    rng = random.Random(n)
    # Two history files (two years) and several recent shards: more files than kills.
    tps = [
        Touchpoint("", ids[i % 6], date(2023 + i % 2, 6, 1 + i), "call", note=f"bulk {i}")
        for i in range(12)
    ]
    rng.shuffle(tps)
    with (
        killed_after(monkeypatch, n) as written,
        pytest.raises(Killed),
        open_book(home, write=True) as book,
    ):
        book.add_touchpoints(tps)
    assert len(written) == n
    assert SUMMARY_FILE not in [p.name for p in written]  # killed before the last file
    on_disk = set(history_on_disk(home))
    assert before <= on_disk
    _check_after_the_crash(crm, home, before, on_disk)


def test_an_import_killed_before_the_book_file_leaves_no_orphan(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_book(home, clients=4, bulk=20, singles=0)
    export = tmp_path / "export.json"
    crm.ok("export", "json", "--out", str(export))
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CRM_HOME", str(fresh))
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == BOOK_FILE:
            raise Killed("killed before writing book.json")
        real(src, dst)

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(os, "replace", replace)
        crm("import", "json", str(export))
    crm.ok("list")
    doctor(crm)  # no touchpoint belongs to no client


# --------------------------------------------------------------------------- stale digests


@pytest.mark.parametrize(
    "args", [["list", "--json"], ["due", "--date", FIXED_DATE], ["show", "c03", "--json"]]
)
def test_a_read_only_command_repairs_stale_digests(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    build_book(home, clients=8, bulk=60, singles=0)
    with killed_after(monkeypatch, 1), pytest.raises(Killed):  # the history only
        crm.log("c03", "call", "--date", FIXED_DATE)
    stale = (home / SUMMARY_FILE).read_bytes()
    crm.ok(*args)
    assert (home / SUMMARY_FILE).read_bytes() != stale
    assert_digests_are_exact(home)
    with open_book(home) as book:
        assert book.summaries()["c03"].last_contact == TODAY
    # Repaired once: the next read finds nothing stale and writes nothing.
    files = {p: p.read_bytes() for p in home.rglob("*.json")}
    crm.ok(*args)
    assert {p: p.read_bytes() for p in home.rglob("*.json")} == files


def test_the_plan_screen_reads_the_records_as_the_clients_are_built(home: Path) -> None:
    build_book(home, clients=12, bulk=150, singles=10)
    with open_book(home, write=True) as book:
        edits = {
            "c01": {"cadence": "2 weeks", "tier": "A", "birthday": "--03-05"},
            "c02": {"archived": True},
            "c03": {"do_not_contact": True, "birthday": "1980-02-29"},
            "c04": {"cadence": "RRULE:FREQ=MONTHLY;BYDAY=1MO", "tier": "C"},
        }
        book.update_clients([replace(book.client(cid), **kw) for cid, kw in edits.items()])
    with open_book(home) as book:
        summaries = book.summaries()
        built = [Hint.of(c, summaries.get(c.id)) for c in book.clients(ordered=False)]
    assert any(h.open for h in built) and any(not h.open for h in built)
    assert any(h.last_contact is None for h in built)  # the two without history
    with open_book(home) as book:  # a fresh open: the hints come from the raw records
        assert book.hints() == built
        assert book.clients_of({"c01", "c05"}) == [book.client("c01"), book.client("c05")]
        assert book.summaries_of({"c01", "c11"}) == {"c01": summaries["c01"]}


def test_the_plan_index_follows_every_write_and_is_ignored_once_stale(crm: Crm, home: Path) -> None:
    build_book(home, clients=12, bulk=150, singles=5)
    with open_book(home) as book:
        assert book.plan_index() is not None
    planned = due_json(crm)
    week = crm.ok("agenda", "--from", FIXED_DATE, "--json").stdout
    assert planned
    # Without the index the plan screens every client: the same plan.
    (home / INDEX_FILE).unlink()
    assert due_json(crm) == planned
    assert crm.ok("agenda", "--from", FIXED_DATE, "--json").stdout == week
    # Any write makes it again, a snooze included.
    crm.ok("snooze", "c01", "--until", "2027-01-01", "--date", FIXED_DATE)
    with open_book(home) as book:
        assert book.plan_index() is not None
    assert "c01" not in {item["client_id"] for item in due_json(crm)}
    # An edit the index did not see (by hand, or a copy) makes it stale: not used.
    path = home / BOOK_FILE
    data = json.loads(path.read_bytes())
    shown = {item["client_id"] for item in planned}
    quiet = next(d for d in data["clients"].values() if d["id"] not in shown | {"c01"})
    quiet["cadence"] = "1 week"
    path.write_text(json.dumps(data))
    with open_book(home) as book:
        assert book.plan_index() is None
    assert quiet["id"] in {item["client_id"] for item in due_json(crm)}


def test_an_edit_or_a_log_moves_the_client_in_the_index(crm: Crm, home: Path) -> None:
    build_book(home, clients=6, bulk=0, singles=0)  # clients since 2020, never contacted
    crm.ok("edit", "c00", "--every", "never")
    crm.ok("edit", "c01", "--every", "never")
    due = {item["client_id"] for item in due_json(crm)}
    assert {"c00", "c01"}.isdisjoint(due) and "c02" in due
    crm.ok("edit", "c00", "--every", "2 weeks")  # due again, at once
    crm.log("c02", "call", "--date", FIXED_DATE)  # looked after today
    with open_book(home) as book:
        assert book.plan_index() is not None
    due = {item["client_id"] for item in due_json(crm)}
    assert "c00" in due and "c02" not in due


def test_the_index_moved_by_each_write_equals_one_built_afresh(crm: Crm, home: Path) -> None:
    build_book(home, clients=10, bulk=100, singles=0)
    writes = [
        ["log", "c03", "call", "--date", FIXED_DATE],
        ["log", "c04", "email", "--in", "--needs-reply", "--note", "a quote?"],
        ["edit", "c05", "--every", "2 weeks", "--birthday", "1980-03-05"],
        ["add-client", "Nuova Cliente", "--birthday", "--02-29"],
        ["archive", "c06"],
        ["snooze", "c07", "--until", "2027-01-01", "--date", FIXED_DATE],
        ["forget", "c08", "--yes"],
        ["log", "c04", "email", "--date", FIXED_DATE],  # the request is answered
    ]
    for args in writes:
        crm.ok(*args)
        with open_book(home) as book:
            index, hints = book.plan_index(), book.hints()
        assert index is not None and hints is not None, args
        fresh = build_index(hints)
        assert sorted(map(str, index.groups)) == sorted(map(str, fresh.groups)), args
        assert sorted(index.always) == sorted(fresh.always), args
        assert {k: sorted(v) for k, v in index.yearly.items()} == {
            k: sorted(v) for k, v in fresh.yearly.items()
        }, args


def test_digests_are_stored_compactly_and_the_earlier_form_still_reads(
    crm: Crm, home: Path
) -> None:
    build_book(home, clients=10, bulk=120, singles=5)
    path = home / SUMMARY_FILE
    data = json.loads(path.read_bytes())
    docs = list(data["summaries"].values())
    # The last outbound contacts as "id date channel" marks; last_out derived from them.
    assert all("last_out" not in d and "last_out_channels" not in d for d in docs)
    assert all(isinstance(m, str) and len(m.split()) == 3 for d in docs for m in d["last_outs"])
    with open_book(home) as book:
        expected = book.summaries()
    # The form of the first release: objects, and last_out with its channels spelled out.
    for doc in docs:
        full = _stored(expected[doc["client_id"]])
        doc["last_outs"] = full["last_outs"]
        doc.update(last_out=full["last_out"], last_out_channels=full["last_out_channels"])
    path.write_text(json.dumps(data))
    with open_book(home) as book:
        assert book.summaries() == expected
    assert doctor(crm)["summaries_differed"] == 0


def test_back_dated_logs_keep_the_digests_exact(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    logs = [
        ("email", "--in", "--needs-reply", "--note", "quote?", "--date", "yesterday"),
        ("call", "--date", "today"),
        ("email", "--in", "--needs-reply", "--note", "older request", "--date", "3 days ago"),
        ("visit", "--incident", "--note", "broken", "--date", "2 days ago"),
        ("email", "--follow-up", "in 2 weeks", "--date", "5 days ago"),
        ("note", "--private", "--note", "owes money", "--date", "10 days ago"),
        ("sms", "--date", "3 days ago"),  # a second touchpoint that day, logged later
        ("call", "--in", "--needs-reply", "--date", "40 days ago"),  # another history file
        ("coffee", "--date", "3 days ago"),
        ("email", "--date", "400 days ago"),
    ]
    for n, options in enumerate(logs, 1):
        assert crm.log("mario", *options) == f"t{n}"
        assert_digests_are_exact(home)
    report = doctor(crm)
    assert (report["repaired_on_open"], report["summaries_differed"]) == (False, 0)


# --------------------------------------------------------------------------- schema 1


def _schema_one(home: Path, counter: int = 42) -> tuple[bytes, list[Touchpoint]]:
    """A book as the first layout wrote it: one book.json with a touchpoints table."""
    clients = [
        Client(id="mario-rossi", name="Mario Rossi", since=date(2020, 1, 1), emails=["m@x.it"]),
        Client(id="anna-neri", name="Anna Neri", since=date(2021, 5, 1)),
        Client(id="luca-verdi", name="Luca Verdi", since=date(2022, 1, 1)),
    ]
    rng = random.Random(1)
    tps = random_touchpoints(rng, [c.id for c in clients], 40)
    for n, tp in enumerate(tps, 1):
        tp.id = f"t{n}"
    del tps[-3:]  # forgotten ones: the counter is ahead of the highest id
    data = {
        "_meta": {"1": {"schema": 1, "next_touchpoint": counter}},
        "clients": {str(n): c.to_dict() for n, c in enumerate(clients, 1)},
        "touchpoints": {str(n): t.to_dict() for n, t in enumerate(tps, 1)},
        "snoozes": {},
        "runs": {},
    }
    raw = json.dumps(data).encode()
    home.mkdir(mode=0o700)
    (home / BOOK_FILE).write_bytes(raw)
    return raw, tps


@pytest.mark.parametrize(
    "args",
    [["due", "--date", FIXED_DATE], ["list"], ["log", "anna", "call", "--date", FIXED_DATE]],
)
def test_a_schema_one_book_migrates_on_first_open(crm: Crm, home: Path, args: list[str]) -> None:
    old, tps = _schema_one(home, counter=42)
    result = crm.ok(*args)
    if args[0] == "log":
        assert result.stdout.strip() == "t42"  # ids continue from the old counter
    book = json.loads((home / BOOK_FILE).read_bytes())
    assert book["_meta"]["1"]["schema"] == store.SCHEMA_VERSION
    assert "touchpoints" not in book and "next_touchpoint" not in book["_meta"]["1"]
    assert [c["id"] for c in book["clients"].values()] == ["mario-rossi", "anna-neri", "luca-verdi"]
    assert (home / SUMMARY_FILE).is_file() and any((home / RECENT_DIR).glob("*.json"))
    # The old book.json is kept in the backups, byte for byte.
    assert [p.read_bytes() for p in store.backup_files(home / BACKUP_DIR, "book")] == [old]
    # Every touchpoint moved to the history, unchanged.
    moved = {t: Touchpoint.from_dict(d) for t, d in history_on_disk(home).items()}
    for tp in tps:
        assert moved.pop(tp.id) == tp
    assert [t.client_id for t in moved.values()] == (["anna-neri"] if args[0] == "log" else [])
    assert_digests_are_exact(home)
    assert crm.log("mario", "call") == ("t43" if args[0] == "log" else "t42")
    report = doctor(crm)
    assert (report["repaired_on_open"], report["summaries_differed"]) == (False, 0)


def test_a_schema_one_book_is_shown_with_its_history(crm: Crm, home: Path) -> None:
    _, tps = _schema_one(home)
    listed = {c["id"]: c for c in json.loads(crm.ok("list", "--json").stdout)}
    for cid, client in listed.items():
        contacts = [t.date for t in tps if t.client_id == cid and t.is_contact]
        assert client["last_contact"] == (max(contacts).isoformat() if contacts else None)
    shown = json.loads(crm.ok("history", "mario", "--json").stdout)
    mario = [t.id for t in tps if t.client_id == "mario-rossi"]
    assert sorted(t["id"] for t in shown) == sorted(mario)


def test_forget_erases_the_client_from_the_schema_one_backup(crm: Crm, home: Path) -> None:
    _schema_one(home)
    crm.ok("list")
    crm.ok("forget", "mario", "--yes")
    old = store.backup_files(home / BACKUP_DIR, "book")[0]
    data = json.loads(old.read_bytes())
    assert data["_meta"]["1"]["schema"] == 1  # still the old book, minus Mario
    assert data["touchpoints"] and data["clients"]
    for path in home.rglob("*.json"):
        assert b"mario-rossi" not in path.read_bytes(), path


# --------------------------------------------------------------------------- round trip


def test_five_thousand_touchpoints_survive_export_and_import_byte_for_byte(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5000)
    ids = [f"client-{i:03d}" for i in range(150)]
    with open_book(home, write=True) as book:
        book.add_clients(
            [Client(id=cid, name=f"Client {cid}", since=date(2019, 1, 1)) for cid in ids]
        )
        book.add_touchpoints(random_touchpoints(rng, ids, 5000))
    exported = tmp_path / "book.json"
    crm.ok("export", "json", "--out", str(exported))
    restored = tmp_path / "restored"
    monkeypatch.setenv("CRM_HOME", str(restored))
    crm.ok("import", "json", str(exported))
    assert crm.ok("export", "json").stdout_bytes == exported.read_bytes()
    assert len(history_on_disk(restored)) == 5000
    assert_digests_are_exact(restored)
    assert crm.log("client-007", "call") == "t5001"


# --------------------------------------------------------------------------- the command table


def test_the_command_table_matches_the_commands() -> None:
    groups = {module: load_commands(module) for module, _ in COMMANDS.values()}
    for name, (module, help_line) in COMMANDS.items():
        command = groups[module].commands.get(name)
        assert command is not None, f"{module} does not define '{name}'"
        first_line = (command.help or "").strip().splitlines()[0]
        assert help_line == first_line, name
    for module, group in groups.items():  # no command is left out of the table
        for name in group.commands:
            assert COMMANDS.get(name, ("",))[0] == module, f"'{name}' of {module} is not listed"


def _run_python(home: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=crm_env(home, config),
        timeout=60,
        check=False,
    )


def _imported(importtime: str) -> set[str]:
    """Module names in ``-X importtime`` output."""
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", importtime, re.M))


# importlib.import_module (how commands are loaded) does not show in -X importtime:
# this wrapper lists every module in sys.modules when the command ends.
MODULES_AT_EXIT = """
import atexit, json, runpy, sys
out, sys.argv = sys.argv[1], ["crm", *sys.argv[2:]]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("crm_cli", run_name="__main__")
"""


def _modules_at_exit(home: Path, config: Path, tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    result = _run_python(home, config, "-c", MODULES_AT_EXIT, str(out), *args)
    assert result.returncode == 0, result.stderr
    return set(json.loads(out.read_text()))


def _loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


HEAVY = ["jinja2", "vobject", "babel", "icalendar"]


def test_crm_help_imports_no_command_module(home: Path, config: Path, tmp_path: Path) -> None:
    result = _run_python(home, config, "-X", "importtime", "-m", "crm_cli", "--help")
    assert result.returncode == 0, result.stderr
    assert "doctor" in result.stdout
    timed = _imported(result.stderr)
    assert "crm_cli.cli.app" in timed
    at_exit = _modules_at_exit(home, config, tmp_path, "--help")
    for modules in (timed, at_exit):
        for module in {m for m, _ in COMMANDS.values()}:
            assert f"crm_cli.cli.{module}" not in modules
        for package in HEAVY:
            assert not _loaded(modules, package), package


def test_crm_due_imports_no_template_contact_or_calendar_library(
    crm: Crm, home: Path, config: Path, tmp_path: Path
) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "email", "--in", "--needs-reply", "--date", "2026-11-20")
    due = ("due", "--date", FIXED_DATE)
    result = _run_python(home, config, "-X", "importtime", "-m", "crm_cli", *due)
    assert result.returncode == 0, result.stderr
    assert "Mario Rossi" in result.stdout
    at_exit = _modules_at_exit(home, config, tmp_path, *due)
    assert "crm_cli.cli.plan" in at_exit
    for modules in (_imported(result.stderr), at_exit):
        for package in [*HEAVY, "pydantic"]:
            assert not _loaded(modules, package), package
