"""Ops that arrive late (older than what a device has folded) are folded client by
client, and the cache is then the one a rebuild from every device file gives.

Devices here exchange their device files by copying them (what a sync's merge
brings), so that Hypothesis can try many orders of arrival in a few seconds;
``test_sync_devices`` drives the same through git.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXED_DATE
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from test_sync import Device

from crm_cli.store import book as store_book

NAMES = ("Anna Neri", "Bruno Galli", "Anna Nerina")  # the same short id, now and then
CITIES = ("Milano", "Torino", "Bologna")
DAYS = ("2025-10-01", "2026-06-15", FIXED_DATE)
TABLES = {
    "clients": "SELECT * FROM clients",
    "tps": "SELECT * FROM tps",
    "summaries": "SELECT * FROM summaries",
    "snoozes": "SELECT * FROM snoozes",
    "steps": "SELECT * FROM steps",
    "forgotten": "SELECT k, h, sk FROM forgotten",
    "state_ops": "SELECT * FROM state_ops",
    "meta": "SELECT * FROM meta WHERE k IN ('max_key', 'next_touchpoint', 'reset')",
}


def cache_rows(home: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(home / "local" / "cache.sqlite3")
    try:
        return {name: sorted(db.execute(sql).fetchall()) for name, sql in TABLES.items()}
    finally:
        db.close()


def rebuilt_rows(home: Path, scratch: Path, config: Path) -> dict[str, list[tuple[object, ...]]]:
    """The cache a fresh rebuild of the same device files gives."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(home, scratch)
    (scratch / "local" / "cache.sqlite3").unlink()
    Device(scratch, config).ok("list")
    return cache_rows(scratch)


def receive(source: Path, target: Path) -> None:
    """What a sync brings to ``target``: every other device's files as ``source`` has them."""
    state = store_book.read_device(target)
    own = state["device"] if state else None
    for folder in sorted((source / "devices").iterdir()):
        if folder.name == own:
            continue
        (target / "devices" / folder.name).mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            shutil.copy2(path, target / "devices" / folder.name / path.name)


class LateOps(RuleBasedStateMachine):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.config = root / "config"
        self.devices: list[Device] = []
        self.numbers = itertools.count(1)
        self.emails: list[set[str]] = []
        self.tps: list[set[str]] = []

    @initialize(count=st.sampled_from([2, 3]))
    def start(self, count: int) -> None:
        first = Device(self.root / "d0", self.config)
        first.ok("add-client", "Carla Bianchi", "--email", "carla@example.com")
        self.devices.append(first)
        for n in range(1, count):
            home = self.root / f"d{n}"
            shutil.copytree(first.home / "devices", home / "devices")  # joins the book
            self.devices.append(Device(home, self.config))
            self.devices[-1].ok("list")
        self.emails = [{"carla@example.com"} for _ in range(count)]
        self.tps = [set() for _ in range(count)]

    def _device(self, data: st.DataObject) -> int:
        return data.draw(st.integers(0, len(self.devices) - 1), label="device")

    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def add_client(self, data: st.DataObject, name: str) -> None:
        n = self._device(data)
        email = f"c{next(self.numbers):03d}@example.com"
        self.devices[n].ok("add-client", name, "--email", email)
        self.emails[n].add(email)

    @rule(data=st.data(), city=st.sampled_from(CITIES))
    def edit(self, data: st.DataObject, city: str) -> None:
        n = self._device(data)
        email = data.draw(st.sampled_from(sorted(self.emails[n])))
        if self.devices[n]("edit", email, "--city", city).exit_code not in (0, 1):
            raise AssertionError("edit failed")

    @rule(data=st.data())
    def log(self, data: st.DataObject) -> None:
        n = self._device(data)
        email = data.draw(st.sampled_from(sorted(self.emails[n])))
        day = data.draw(st.sampled_from(DAYS), label="day")
        kind = data.draw(st.sampled_from(("--in", "--needs-reply", "--out")), label="kind")
        result = self.devices[n]("log", email, "call", "--date", day, kind)
        if result.exit_code == 0:
            self.tps[n].add(result.stdout.strip())

    @rule(data=st.data())
    def amend_or_unlog(self, data: st.DataObject) -> None:
        n = self._device(data)
        if not self.tps[n]:
            return
        tp = data.draw(st.sampled_from(sorted(self.tps[n])))
        if data.draw(st.booleans(), label="unlog"):
            self.devices[n]("unlog", tp)
            self.tps[n].discard(tp)
        else:
            self.devices[n]("amend", tp, "--note", f"amended on d{n}")

    @rule(data=st.data())
    def snooze(self, data: st.DataObject) -> None:
        n = self._device(data)
        email = data.draw(st.sampled_from(sorted(self.emails[n])))
        if data.draw(st.booleans(), label="unsnooze"):
            self.devices[n]("unsnooze", email)
        else:
            self.devices[n]("snooze", email, "--until", "2026-12-20", "--date", FIXED_DATE)

    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        n = self._device(data)
        choices = sorted(self.emails[n] - {"carla@example.com"})
        if choices:
            email = data.draw(st.sampled_from(choices))
            self.devices[n]("forget", email, "--yes")
            self.emails[n].discard(email)

    @rule(data=st.data(), city=st.sampled_from(CITIES))
    def interleave(self, data: st.DataObject, city: str) -> None:
        """Work on the target, then on the source, then the source's arrives: late."""
        source, target = self._pair(data)
        email = data.draw(st.sampled_from(sorted(self.emails[target])))
        self.devices[target]("log", email, "call", "--date", FIXED_DATE)
        email = data.draw(st.sampled_from(sorted(self.emails[source])))
        if data.draw(st.booleans(), label="edit"):
            self.devices[source]("edit", email, "--city", city)
        else:
            result = self.devices[source]("log", email, "email", "--date", FIXED_DATE)
            if result.exit_code == 0:
                self.tps[source].add(result.stdout.strip())
        self._exchange(source, target)

    def _pair(self, data: st.DataObject) -> tuple[int, int]:
        source = self._device(data)
        others = [n for n in range(len(self.devices)) if n != source]
        return source, data.draw(st.sampled_from(others), label="target")

    @rule(data=st.data())
    def exchange(self, data: st.DataObject) -> None:
        self._exchange(*self._pair(data))

    def _exchange(self, source: int, target: int) -> None:
        receive(self.devices[source].home, self.devices[target].home)
        self.devices[target].ok("list")  # folds what arrived
        self.emails[target] |= self.emails[source]
        self.tps[target] |= self.tps[source]
        home = self.devices[target].home
        assert cache_rows(home) == rebuilt_rows(home, self.root / "rebuilt", self.config)


def test_late_ops_fold_into_the_cache_a_rebuild_gives(tmp_path: Path) -> None:
    runs = itertools.count()
    run_state_machine_as_test(
        lambda: LateOps(tmp_path / f"run-{next(runs)}"),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_a_days_work_from_another_device_is_folded_without_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    for n in range(6):
        a.ok("add-client", f"Client {n}", "--email", f"c{n}@example.com")
        a.log(f"c{n}@example.com", "--note", "first call")
    shutil.copytree(a.home / "devices", b.home / "devices")
    b.ok("list")
    # Interleaved work on both devices: b's ops are older than a's latest.
    b.log("c1@example.com", "--note", "from b")
    a.log("c2@example.com", "--note", "from a")
    b.ok("edit", "c3@example.com", "--city", "Torino")
    a.ok("edit", "c3@example.com", "--city", "Milano")
    b.ok("snooze", "c4@example.com", "--until", "2026-12-20", "--date", FIXED_DATE)
    rebuilds: list[int] = []
    real = store_book.Book._rebuild
    monkeypatch.setattr(
        store_book.Book,
        "_rebuild",
        lambda self, found: rebuilds.append(1) or real(self, found),
    )
    receive(b.home, a.home)
    a.ok("list")
    assert rebuilds == []
    assert cache_rows(a.home) == rebuilt_rows(a.home, tmp_path / "rebuilt", config)
    assert rebuilds == [1]  # the fresh copy's cache, built once
    shown = a.ok("show", "c3@example.com", "--changes").stdout
    assert "Milano" in shown and "Torino" in shown
