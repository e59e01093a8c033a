"""Two and three devices doing random work and syncing in random orders (Hypothesis).

Each device has its own CRM_HOME, all cloned from one bare remote, and is
driven with the real commands. At the end every device syncs twice: all
must then hold the same book (``crm export json``), with every touchpoint
ever logged, but those unlogged and those of forgotten clients.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from conftest import FIXED_DATE
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from test_sync import Device

NAMES = ("Anna Neri", "Bruno Galli", "Anna Nerina")  # the same short id, now and then
CITIES = ("Milano", "Torino", "Bologna")


class Devices(RuleBasedStateMachine):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.devices: list[Device] = []
        self.numbers = itertools.count(1)
        # What each device has seen (its own work, and what its syncs brought), and the
        # remote's view: a sync unites a device's view with the remote's.
        self.seen: list[dict[str, set[str]]] = []
        self.remote: dict[str, set[str]] = {}
        self.logged: dict[str, str] = {}  # touchpoint id -> the client's email

    @initialize(count=st.sampled_from([2, 3]))
    def start(self, count: int) -> None:
        config = self.root / "config"
        remote = self.root / "remote.git"
        empty = self.root / "no-home"
        empty.mkdir(parents=True)
        extra = {"HOME": str(empty), "XDG_CONFIG_HOME": str(empty), "GIT_CONFIG_NOSYSTEM": "1"}
        for n in range(count):
            device = Device(self.root / f"d{n}", config)
            device.env.update(extra)
            self.devices.append(device)
            self.seen.append(self._empty())
        first = self.devices[0]
        first.ok("sync", "--init", str(remote))
        for device in self.devices[1:]:
            first.ok("sync", "--clone", str(remote), "--home", str(device.home))
        self.remote = self._empty()

    @staticmethod
    def _empty() -> dict[str, set[str]]:
        return {"clients": set(), "forgotten": set(), "touchpoints": set(), "unlogged": set()}

    def _clients(self, n: int) -> list[str]:
        view = self.seen[n]
        return sorted(view["clients"] - view["forgotten"])

    def _touchpoints(self, n: int) -> list[str]:
        view = self.seen[n]
        return sorted(
            tp
            for tp in view["touchpoints"] - view["unlogged"]
            if self.logged[tp] not in view["forgotten"]
        )

    # ----------------------------------------------------------------- the work

    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def add_client(self, data: st.DataObject, name: str) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        email = f"c{next(self.numbers):03d}@example.com"
        self.devices[n].ok("add-client", name, "--email", email)
        self.seen[n]["clients"].add(email)

    @rule(data=st.data(), city=st.sampled_from(CITIES))
    def edit(self, data: st.DataObject, city: str) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        clients = self._clients(n)
        if clients:
            self.devices[n].ok("edit", data.draw(st.sampled_from(clients)), "--city", city)

    @rule(data=st.data())
    def log(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        clients = self._clients(n)
        if clients:
            email = data.draw(st.sampled_from(clients))
            tp = self.devices[n].log(email, "--note", f"logged on d{n}")
            self.logged[tp] = email
            self.seen[n]["touchpoints"].add(tp)

    @rule(data=st.data())
    def amend(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        tps = self._touchpoints(n)
        if tps:
            tp = data.draw(st.sampled_from(tps))
            self.devices[n].ok("amend", tp, "--note", f"amended on d{n}")

    @rule(data=st.data())
    def unlog(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        tps = self._touchpoints(n)
        if tps:
            tp = data.draw(st.sampled_from(tps))
            self.devices[n].ok("unlog", tp)
            self.seen[n]["unlogged"].add(tp)

    @rule(data=st.data())
    def snooze(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        clients = self._clients(n)
        if clients:
            email = data.draw(st.sampled_from(clients))
            self.devices[n].ok("snooze", email, "--until", "2026-12-20", "--date", FIXED_DATE)

    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        clients = self._clients(n)
        if clients:
            email = data.draw(st.sampled_from(clients))
            self.devices[n].ok("forget", email, "--yes")
            self.seen[n]["forgotten"].add(email)

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(0, len(self.devices) - 1), label="device")
        self._sync(n)

    def _sync(self, n: int) -> None:
        self.devices[n].ok("sync")
        for key, values in self.seen[n].items():
            self.remote[key] |= values
            values |= self.remote[key]

    # ----------------------------------------------------------------- the end

    def teardown(self) -> None:
        if not self.devices:
            return
        for _round in range(2):
            for n in range(len(self.devices)):
                self._sync(n)
        books = [device.book() for device in self.devices]
        for n, book in enumerate(books[1:], 1):
            assert book == books[0], f"device d{n} differs from d0"
        forgotten = self.remote["forgotten"]
        kept = {
            tp
            for tp, email in self.logged.items()
            if tp not in self.remote["unlogged"] and email not in forgotten
        }
        held = books[0]["touchpoints"]
        assert isinstance(held, list)
        assert {tp["id"] for tp in held} == kept
        text = json.dumps(books[0])
        assert not [email for email in forgotten if email in text]


def test_devices_that_sync_in_any_order_end_with_the_same_book(tmp_path: Path) -> None:
    runs = itertools.count()
    run_state_machine_as_test(
        lambda: Devices(tmp_path / f"run-{next(runs)}"),
        settings=settings(
            max_examples=15,
            stateful_step_count=16,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
