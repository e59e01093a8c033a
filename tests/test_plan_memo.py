"""The memo of a day's plan never shows a stale plan.

`crm due`, `crm agenda` and the commands that plan a day keep each client's items in
the cache and plan again only the clients changed since. Every check here compares
what a command prints with what the same command prints on a copy of the book whose
memos were dropped (planned from the records, as before the memo existed).
"""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from test_sync import Device
from test_sync_late import receive

DAYS = ("2026-11-20", FIXED_DATE, "2026-11-24", "2026-12-07")


def cache(home: Path) -> Path:
    return home / "local" / "cache.sqlite3"


def memo_rows(home: Path) -> int:
    db = sqlite3.connect(cache(home))
    try:
        return int(db.execute("SELECT count(*) FROM plan_items").fetchone()[0])
    finally:
        db.close()


def without_memos(home: Path, scratch: Path) -> Path:
    """A copy of the book whose plan memos are gone: its commands plan from the records."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(home, scratch)
    db = sqlite3.connect(cache(scratch))
    try:
        db.execute("DELETE FROM plan_items")
        db.execute("DELETE FROM plan_memos")
        db.commit()
    finally:
        db.close()
    return scratch


def plans(device: Device, day: str) -> dict[str, Any]:
    """What a user sees of the plan of ``day``: due (text and JSON) and the agenda."""
    return {
        "due": device.ok("due", "--date", day).stdout,
        "due --json": json.loads(device.ok("due", "--date", day, "--json").stdout),
        "agenda": json.loads(device.ok("agenda", "--from", day, "--json").stdout),
    }


def assert_fresh(device: Device, day: str, scratch: Path, config: Path) -> None:
    reference = Device(without_memos(device.home, scratch), config)
    expected = plans(reference, day)
    assert plans(device, day) == expected  # from the memo (made by the first call)
    assert plans(device, day) == expected  # and again


class MemoMachine(RuleBasedStateMachine):
    """Random work on two devices, with plans read in between."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.config = root / "config"
        self.config.mkdir(parents=True)
        self.devices: list[Device] = []
        self.numbers = itertools.count(1)
        self.emails: list[set[str]] = [set(), set()]
        self.tps: list[set[str]] = [set(), set()]

    @initialize()
    def start(self) -> None:
        first = Device(self.root / "d0", self.config)
        first.ok(
            "add-client",
            "Carla Bianchi",
            "--email",
            "carla@example.com",
            "--since",
            "2025-01-10",
            "--birthday",
            "11-24",
        )
        second = self.root / "d1"
        shutil.copytree(first.home / "devices", second / "devices")
        self.devices = [first, Device(second, self.config)]
        self.devices[1].ok("list")
        self.emails = [{"carla@example.com"}, {"carla@example.com"}]

    def _device(self, data: st.DataObject) -> int:
        return data.draw(st.integers(0, 1), label="device")

    def _client(self, data: st.DataObject, n: int) -> str:
        return data.draw(st.sampled_from(sorted(self.emails[n])), label="client")

    @rule(
        data=st.data(),
        every=st.sampled_from(("2 weeks", "monthly", "quarterly", "never")),
        since=st.sampled_from(("2024-03-01", "2026-09-30", FIXED_DATE)),
    )
    def add_client(self, data: st.DataObject, every: str, since: str) -> None:
        n = self._device(data)
        email = f"c{next(self.numbers):03d}@example.com"
        name = data.draw(st.sampled_from(("Anna Neri", "Bruno Galli", "Zoë Conti")))
        self.devices[n].ok("add-client", name, "--email", email, "--every", every, "--since", since)
        self.emails[n].add(email)

    @rule(data=st.data())
    def log(self, data: st.DataObject) -> None:
        n = self._device(data)
        day = data.draw(st.sampled_from(("2026-10-01", "2026-11-19", FIXED_DATE)), label="day")
        kind = data.draw(st.sampled_from(("--in", "--needs-reply", "--out")), label="kind")
        result = self.devices[n]("log", self._client(data, n), "email", "--date", day, kind)
        if result.exit_code == 0:
            self.tps[n].add(result.stdout.strip())

    @rule(data=st.data())
    def amend_or_unlog(self, data: st.DataObject) -> None:
        n = self._device(data)
        if not self.tps[n]:
            return
        tp = data.draw(st.sampled_from(sorted(self.tps[n])), label="touchpoint")
        if data.draw(st.booleans(), label="unlog"):
            self.devices[n]("unlog", tp)
            self.tps[n].discard(tp)
        else:
            self.devices[n]("amend", tp, "--date", "2026-08-01")

    @rule(data=st.data(), until=st.sampled_from(("2026-11-24", "2026-12-20")))
    def snooze(self, data: st.DataObject, until: str) -> None:
        n = self._device(data)
        client = self._client(data, n)
        if data.draw(st.booleans(), label="unsnooze"):
            self.devices[n]("unsnooze", client)
        else:
            self.devices[n]("snooze", client, "--until", until, "--date", FIXED_DATE)

    @rule(data=st.data(), every=st.sampled_from(("3 weeks", "monthly", "never")))
    def edit(self, data: st.DataObject, every: str) -> None:
        n = self._device(data)
        self.devices[n]("edit", self._client(data, n), "--every", every)

    @rule(data=st.data())
    def archive_or_handled(self, data: st.DataObject) -> None:
        n = self._device(data)
        command = data.draw(st.sampled_from(("archive", "unarchive", "handled")))
        self.devices[n](command, self._client(data, n))

    @rule(data=st.data(), playbook=st.sampled_from(("onboarding", "complaint")))
    def playbook(self, data: st.DataObject, playbook: str) -> None:
        n = self._device(data)
        client = self._client(data, n)
        if data.draw(st.booleans(), label="stop"):
            self.devices[n]("playbook", "stop", client, playbook)
        else:
            self.devices[n]("playbook", "start", client, playbook, "--date", "2026-11-16")

    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        n = self._device(data)
        choices = sorted(self.emails[n] - {"carla@example.com"})
        if choices:
            email = data.draw(st.sampled_from(choices), label="forgotten")
            self.devices[n]("forget", email, "--yes")
            self.emails[n].discard(email)

    @rule(cadence=st.sampled_from(("4 weeks", "10 weeks")))
    def settings_change(self, cadence: str) -> None:
        (self.config / "config.toml").write_text(f'cadence_default = "{cadence}"\n')

    @rule(data=st.data())
    def exchange(self, data: st.DataObject) -> None:
        """What a sync brings: the other device's files, folded by the next command."""
        source = self._device(data)
        target = 1 - source
        receive(self.devices[source].home, self.devices[target].home)
        self.emails[target] |= self.emails[source]
        self.tps[target] |= self.tps[source]

    @rule(data=st.data(), day=st.sampled_from(DAYS))
    def plan(self, data: st.DataObject, day: str) -> None:
        n = self._device(data)
        assert_fresh(self.devices[n], day, self.root / "reference", self.config)


def test_the_plan_from_the_memo_is_the_plan_from_the_records(tmp_path: Path) -> None:
    runs = itertools.count()
    run_state_machine_as_test(
        lambda: MemoMachine(tmp_path / f"run-{next(runs)}"),
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.fixture
def book(crm: Crm, home: Path) -> Path:
    crm.add("Anna Neri", "--email", "anna@example.com", "--since", "2025-01-10")
    crm.add("Bruno Galli", "--email", "bruno@example.com", "--since", "2025-01-10")
    crm.log(
        "anna-neri",
        "email",
        "--in",
        "--needs-reply",
        "--note",
        "asks for the quote",
        "--date",
        "2026-11-20",
    )
    return home


def reference_due(home: Path, scratch: Path, config: Path, *args: str) -> str:
    return Device(without_memos(home, scratch), config).ok("due", *args).stdout


def test_a_log_replans_only_that_client(crm: Crm, book: Path, tmp_path: Path) -> None:
    first = crm.ok("due", "--date", FIXED_DATE).stdout
    assert "Anna Neri" in first and "Bruno Galli" in first
    assert memo_rows(book) == 2  # one row per client with items
    crm.log("anna-neri", "email", "--out", "--note", "sent the quote")
    again = crm.ok("due", "--date", FIXED_DATE).stdout
    assert "Anna Neri" not in again and "Bruno Galli" in again  # answered: gone at once
    assert again == reference_due(book, tmp_path / "ref", tmp_path / "config", "--date", FIXED_DATE)
    assert memo_rows(book) == 1


def test_a_forgotten_clients_items_leave_the_memo_at_once(crm: Crm, book: Path) -> None:
    assert "asks for the quote" in crm.ok("due", "--date", FIXED_DATE).stdout
    assert b"asks for the quote" in cache(book).read_bytes()  # the memo holds the detail
    crm.ok("forget", "anna-neri", "--yes")
    data = cache(book).read_bytes()
    assert b"asks for the quote" not in data and b"Anna Neri" not in data
    assert "Anna Neri" not in crm.ok("due", "--date", FIXED_DATE).stdout


def test_the_settings_and_the_day_name_the_memo(crm: Crm, book: Path, config: Path) -> None:
    """A memo is for one day, one set of settings: another day or a changed cadence
    plans again instead of showing the old answer."""
    crm.ok("add-client", "Carla Bianchi", "--since", "2026-10-20", "--date", FIXED_DATE)
    assert "Carla Bianchi" not in crm.ok("due", "--date", FIXED_DATE).stdout  # 8 weeks
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('cadence_default = "4 weeks"\n')
    assert "Carla Bianchi" in crm.ok("due", "--date", FIXED_DATE).stdout
    (config / "config.toml").write_text("")
    assert "Carla Bianchi" not in crm.ok("due", "--date", FIXED_DATE).stdout
    assert "Carla Bianchi" in crm.ok("due", "--date", "2026-12-15").stdout


def test_a_meeting_on_the_calendar_replans(crm: Crm, book: Path) -> None:
    from crm_cli.store import save_planned

    assert "Bruno Galli" in crm.ok("due", "--date", FIXED_DATE).stdout
    save_planned(book, "work", {"bruno-galli": ["2026-11-25"]})  # what capture finds
    assert "Bruno Galli" not in crm.ok("due", "--date", FIXED_DATE).stdout


def test_a_damaged_memo_is_planned_again(crm: Crm, book: Path, tmp_path: Path) -> None:
    expected = crm.ok("due", "--date", FIXED_DATE).stdout
    db = sqlite3.connect(cache(book))
    db.execute("UPDATE plan_items SET doc = '[[\"anna-neri\", 12]]'")
    db.commit()
    db.close()
    assert crm.ok("due", "--date", FIXED_DATE).stdout == expected
    db = sqlite3.connect(cache(book))
    db.execute("UPDATE plan_items SET doc = 'not json'")
    db.commit()
    db.close()
    assert crm.ok("due", "--date", FIXED_DATE).stdout == expected


def test_a_memo_older_than_the_changes_kept_is_not_used(
    crm: Crm, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_cli.store import plan_memo

    monkeypatch.setattr(plan_memo, "CHANGES_KEPT", 2)
    assert "Bruno Galli" in crm.ok("due", "--date", FIXED_DATE).stdout
    crm.log("bruno-galli", "call")  # three changes logged (record, digest...), two kept
    crm.add("Carla Bianchi", "--since", "2025-01-10")
    crm.add("Dario Fo", "--since", "2025-01-10")
    due = crm.ok("due", "--date", FIXED_DATE).stdout
    assert "Bruno Galli" not in due and "Carla Bianchi" in due and "Dario Fo" in due


def test_a_cache_of_an_older_crm_gets_the_memo(crm: Crm, book: Path) -> None:
    db = sqlite3.connect(cache(book))
    for kind, name in db.execute(
        "SELECT type, name FROM sqlite_master WHERE name LIKE 'plan_%' AND type IN "
        "('trigger', 'table') ORDER BY type = 'table'"
    ).fetchall():
        db.execute(f"DROP {kind.upper()} {name}")
    db.commit()
    db.close()
    expected = crm.ok("due", "--date", FIXED_DATE).stdout  # upgrades the cache
    assert memo_rows(book) == 2
    crm.log("bruno-galli", "call")
    assert crm.ok("due", "--date", FIXED_DATE).stdout != expected  # the triggers log it


# Each kind of change, alone: the next plan of the day shows it.
CHANGES = {
    "log": [("log", "bruno-galli", "call", "--date", FIXED_DATE)],
    "reply": [("log", "anna-neri", "email", "--out", "--date", FIXED_DATE)],
    "amend": [("amend", "LAST", "--date", "2026-06-01")],
    "unlog": [("unlog", "LAST")],
    "snooze": [("snooze", "bruno-galli", "--until", "2026-12-01", "--date", FIXED_DATE)],
    "unsnooze": [
        ("snooze", "bruno-galli", "--until", "2026-12-01", "--date", FIXED_DATE),
        ("PLAN",),
        ("unsnooze", "bruno-galli"),
    ],
    "edit": [("edit", "bruno-galli", "--every", "never")],
    "birthday": [("edit", "bruno-galli", "--birthday", "11-22")],
    "archive": [("archive", "anna-neri")],
    "handled": [("handled", "anna-neri")],
    "playbook": [("playbook", "start", "bruno-galli", "complaint", "--date", "2026-11-20")],
    "playbook stop": [
        ("playbook", "start", "bruno-galli", "complaint", "--date", "2026-11-20"),
        ("PLAN",),
        ("playbook", "stop", "bruno-galli", "complaint"),
    ],
    "forget": [("forget", "anna-neri", "--yes")],
    "add": [("add-client", "Carla Bianchi", "--since", "2025-02-01")],
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_is_in_the_next_plan(crm: Crm, book: Path, tmp_path: Path, change: str) -> None:
    last = crm.log(
        "anna-neri",
        "email",
        "--in",
        "--needs-reply",
        "--note",
        "and the date?",
        "--date",
        "2026-11-22",
    )
    *first, final = CHANGES[change]
    for step in first:
        if step == ("PLAN",):
            crm.ok("due", "--date", FIXED_DATE)
        else:
            crm.ok(*step)
    before = crm.ok("due", "--date", FIXED_DATE).stdout  # the memo of the day
    crm.ok(*(last if part == "LAST" else part for part in final))
    after = crm.ok("due", "--date", FIXED_DATE).stdout
    expected = reference_due(book, tmp_path / "ref", tmp_path / "config", "--date", FIXED_DATE)
    assert after == expected
    assert after != before  # the change shows


def test_the_morning_digest_plans_the_day_for_due(crm: Crm, book: Path) -> None:
    """`crm notify` (its timer, at notify_time) plans the day: `crm due` then reads it."""
    crm.ok("notify", "--dry-run", "--date", FIXED_DATE)
    db = sqlite3.connect(cache(book))
    try:
        memos = db.execute("SELECT k, used FROM plan_memos").fetchall()
    finally:
        db.close()
    assert len(memos) == 1 and f"{FIXED_DATE}\x1f{FIXED_DATE}" in memos[0][0]
    crm.ok("due", "--date", FIXED_DATE)
    db = sqlite3.connect(cache(book))
    try:  # read, not made again (that would have renewed its use)
        assert db.execute("SELECT k, used FROM plan_memos").fetchall() == memos
    finally:
        db.close()


def test_a_busy_cache_is_not_taken_for_a_damaged_one(crm: Crm, book: Path) -> None:
    """A writer that meets a busy cache says so and keeps it (a reader keeping its memo
    takes the book's lock, so this is the last line of defence, not the usual path)."""
    from crm_cli.errors import BookLocked
    from crm_cli.store.book import damaged_cache

    busy = "is busy with another crm process; try again"
    with pytest.raises(BookLocked, match=busy), damaged_cache(book):
        raise sqlite3.OperationalError("database is locked")
    assert cache(book).is_file()
    assert "Bruno Galli" in crm.ok("due", "--date", FIXED_DATE).stdout
