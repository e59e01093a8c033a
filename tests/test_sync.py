"""``crm sync`` between real devices: CRM_HOMEs cloned from one bare git remote.

Every device is driven with the real commands (in-process, CRM_HOME switched
per device); git is the real executable. No user or system git config is
read, as on a machine where git was never set up.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import FIXED_DATE, crm_command
from typer.testing import CliRunner, Result

from crm_cli.cli.app import app


@pytest.fixture(autouse=True)
def no_git_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "no-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


class Device:
    """One installation: its own CRM_HOME, the same config."""

    def __init__(self, home: Path, config: Path) -> None:
        self.home = home
        self.env = {"CRM_HOME": str(home), "CRM_CONFIG": str(config)}
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), env=self.env)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def fail(self, *args: str, code: int = 1) -> str:
        result = self(*args)
        assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        return lines[0].removeprefix("Error: ")

    def log(self, client: str, *options: str) -> str:
        return self.ok("log", client, "call", "--date", FIXED_DATE, *options).stdout.strip()

    def book(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.ok("export", "json").stdout)
        return data

    @property
    def id(self) -> str:
        return str(json.loads(self.ok("sync", "--status", "--json").stdout)["device"])


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return tmp_path / "remote.git"


@pytest.fixture
def devices(tmp_path: Path, remote: Path) -> tuple[Device, Device]:
    """Device a started the book and set up sync; device b was cloned from it."""
    config = tmp_path / "config"
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    a.ok("add-client", "Anna Neri", "--email", "anna@example.com", "--city", "Milano")
    a.log("anna", "--note", "first call")
    a.ok("sync", "--init", str(remote))
    a.ok("sync", "--clone", str(remote), "--home", str(b.home))
    return a, b


def test_init_clone_and_sync_carry_the_book_both_ways(tmp_path: Path, remote: Path) -> None:
    config = tmp_path / "config"
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    a.ok("add-client", "Anna Neri", "--email", "anna@example.com")
    first = a.log("anna", "--note", "first call")
    started = a.ok("sync", "--init", str(remote))
    assert started.stdout == ""
    assert started.stderr.splitlines() == [
        f"created an empty git repository in {remote}",
        f"this book now syncs with {remote} (device {a.id})",
    ]
    cloned = b.ok("sync", "--clone", str(remote), "--home", str(b.home))
    assert cloned.stderr.splitlines() == [
        f"cloned {remote} into {b.home}: this is device {b.id}; 1 other device in the book",
    ]
    assert b.id != a.id
    assert b.book() == a.book()
    second = b.log("anna", "--note", "from the desktop")
    synced = b.ok("sync")
    assert synced.stderr.splitlines() == [
        f"synced with {remote}: 1 file sent, nothing new received"
    ]
    synced = a.ok("sync")
    assert synced.stderr.splitlines() == [
        f"synced with {remote}: 0 files sent, changes from {b.id}"
    ]
    assert b.ok("sync").stderr.splitlines() == [
        f"synced with {remote}: 0 files sent, nothing new received"
    ]
    assert a.book() == b.book()
    history = a.ok("history", "anna").stdout
    assert first in history and second in history
    # What is committed: the devices' files and the .gitignore, never the cache or backups.
    committed = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert committed[0] == ".gitignore"
    assert all(p.startswith("devices/") for p in committed[1:])
    assert {p.split("/")[1] for p in committed[1:]} == {a.id, b.id}
    assert git(remote, "log", "--format=%an <%ae>", "main").split("\n")[0] == f"crm <{b.id}>"


def test_status_names_the_remote_the_devices_and_what_is_not_pushed(
    devices: tuple[Device, Device], remote: Path
) -> None:
    a, b = devices
    b.log("anna")
    b.ok("sync")
    a.ok("sync")
    a.log("anna", "--note", "not pushed yet")
    status = json.loads(a.ok("sync", "--status", "--json").stdout)
    assert status["remote"] == str(remote) and status["device"] == a.id
    assert [(d["id"], d["this"]) for d in status["devices"]] == sorted(
        [(a.id, True), (b.id, False)]
    )
    assert all(d["last_change"] and d["last_sync"] for d in status["devices"])
    assert len(status["unpushed_files"]) == 1 and status["unpushed_commits"] == 0
    assert status["conflict_copies"] == []
    text = a.ok("sync", "--status").stdout.splitlines()
    assert text[0] == f"remote:      {remote}"
    assert text[1] == f"this device: {a.id}"
    assert "not pushed:  1 changed file, 0 commits" in text


def test_the_same_field_edited_on_two_devices_has_one_winner_everywhere(
    devices: tuple[Device, Device],
) -> None:
    a, b = devices
    a.ok("edit", "anna", "--city", "Torino")
    b.ok("edit", "anna", "--city", "Bologna")  # later: the newest change wins
    for device in (a, b, a):
        device.ok("sync")
    for device in (a, b):
        assert "Bologna" in device.ok("show", "anna", "--date", FIXED_DATE).stdout
        changes = device.ok("show", "anna", "--changes", "--date", FIXED_DATE).stdout
        assert "Torino" in changes
    assert a.book() == b.book()


@pytest.mark.parametrize(
    "suffix",
    [
        ".sync-conflict-20261123-101010-ABCDEFG.json",  # Syncthing
        " (Mario's conflicted copy 2026-11-23).json",  # Dropbox
        " (conflicted copy 2026-11-23 101010).json",  # Nextcloud
    ],
)
def test_conflict_copies_are_ignored_reported_and_never_committed(
    devices: tuple[Device, Device], remote: Path, suffix: str
) -> None:
    a, _ = devices
    month = next((a.home / "devices" / a.id).glob("*.json"))
    copy = month.with_name(month.stem + suffix)
    copy.write_bytes(month.read_bytes().replace(b"first call", b"garbled copy"))
    shown = str(copy.relative_to(a.home))
    synced = a.ok("sync")
    assert synced.stderr.splitlines()[-1] == (
        f"Warning: 1 conflict copy of a file-sync tool ignored (never read, never synced): {shown}"
    )
    assert shown not in git(remote, "ls-tree", "-r", "--name-only", "main")
    assert json.loads(a.ok("sync", "--status", "--json").stdout)["conflict_copies"] == [shown]
    assert "garbled copy" not in a.ok("history", "anna").stdout


def test_sync_errors_are_one_line(devices: tuple[Device, Device], tmp_path: Path) -> None:
    a, _ = devices
    loose = Device(tmp_path / "loose", tmp_path / "config")
    loose.ok("add-client", "Bruno Galli")
    assert loose.fail("sync") == (
        f"the book in {loose.home} is not set up for sync: run 'crm sync --init REMOTE' "
        "(the first device) or 'crm sync --clone REMOTE' (another one)"
    )
    assert a.fail("sync", "--init", str(tmp_path / "other.git")) == (
        f"the book in {a.home} is already set up for sync (crm sync --status)"
    )
    assert a.fail("sync", "--clone", str(tmp_path / "remote.git"), "--home", str(a.home)) == (
        f"{a.home} is not empty: clone into a new folder (crm sync --clone REMOTE --home DIR)"
    )
    assert a.fail("sync", "--status", "--purge-history", code=2) == (
        "--status and --purge-history cannot be used together"
    )
    assert a.fail("sync", "--json", code=2) == "--json goes with --status"


def test_a_forget_reaches_every_device_and_purge_history_leaves_no_trace(
    devices: tuple[Device, Device], remote: Path
) -> None:
    a, b = devices
    secrets = ["Zelda Quattrocchi", "zelda@quattrocchi.example", "3471234567", "ornithopter"]
    a.ok("add-client", secrets[0], "--email", secrets[1], "--phone", "+39 347 1234567")
    a.log("zelda", "--note", f"talked about the {secrets[3]}")
    a.ok("sync")
    b.ok("sync")
    b.log("zelda", "--note", f"the {secrets[3]} again")  # b's own files hold her too
    b.ok("sync")
    a.ok("sync")
    a.ok("forget", "zelda", "--yes")
    a.ok("sync")
    refused = a.fail("sync", "--purge-history")
    assert refused == (
        f"not purged: device {b.id} has not synced since the last forget, so their files "
        "may still hold the client; sync them first (or pass --force)"
    )
    b.ok("sync")  # folds the forget: b scrubs its own files, and pushes them
    assert "Zelda" not in b.ok("list").stdout
    purged = a.ok("sync", "--purge-history")
    assert purged.stderr.splitlines()[-1] == (
        "every other device must run 'crm sync --reclone' before it syncs again"
    )
    assert b.fail("sync").endswith(
        "this clone still holds the old one and will not push it back: run 'crm sync --reclone'"
    )
    assert b.ok("sync", "--reclone").stderr.splitlines()[0] == (
        f"this clone now holds the rewritten history of {remote}, old one dropped"
    )
    a.ok("sync")
    assert a.book() == b.book()
    for place in (a.home, b.home, remote):
        logged = git(place, "log", "--all", "-p").lower()
        for secret in secrets:
            assert secret.lower() not in logged, (place, secret)
    for place in (a.home, b.home, remote):
        for secret in secrets:
            found = subprocess.run(
                ["grep", "-r", "-i", "-l", secret, str(place)], capture_output=True, text=True
            )
            assert found.returncode == 1, (secret, found.stdout)


def _kill_during_sync(device: Device, delay: float) -> int:
    """Starts ``crm sync`` as a process and SIGKILLs it after ``delay`` s (unless it ended
    before); its exit code."""
    env = {**os.environ, **device.env}
    env.pop("CRM_DEBUG", None)
    proc = subprocess.Popen(
        [*crm_command(), "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=60)


def test_a_sync_killed_at_random_points_is_completed_by_the_next(
    devices: tuple[Device, Device],
) -> None:
    a, b = devices
    rng = random.Random(12)
    # Kills spread over a whole sync process, however loaded the machine is.
    started = time.perf_counter()
    assert _kill_during_sync(a, 60.0) == 0
    span = time.perf_counter() - started
    killed = 0
    logged: list[str] = []
    for trial in range(8):
        for device in (a, b):
            logged.append(device.log("anna", "--note", f"trial {trial}"))
            if _kill_during_sync(device, rng.uniform(0.2, 1.0) * span) == -signal.SIGKILL:
                killed += 1
            device.ok("sync")
    for device in (a, b, a):
        device.ok("sync")
    assert killed >= 4  # most runs were cut short, not finished before the kill
    assert a.book() == b.book()
    history = a.ok("history", "anna").stdout
    assert all(tp in history for tp in logged)


def test_a_book_started_empty_is_one_book_on_every_device(tmp_path: Path, remote: Path) -> None:
    config = tmp_path / "config"
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    a.ok("sync", "--init", str(remote))  # nothing in the book yet
    a.ok("sync", "--clone", str(remote), "--home", str(b.home))
    a.ok("add-client", "Anna Neri", "--email", "anna@example.com")
    b.ok("add-client", "Bruno Galli", "--email", "bruno@example.com")
    for device in (a, b, a):
        device.ok("sync")
    assert [c["name"] for c in a.book()["clients"]] == ["Anna Neri", "Bruno Galli"]  # type: ignore[index]
    assert a.book() == b.book()


def test_relative_paths_are_read_from_where_they_were_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config"
    a = Device(tmp_path / "a", config)
    a.ok("add-client", "Anna Neri")
    a.ok("sync", "--init", "remote.git")
    assert json.loads(a.ok("sync", "--status", "--json").stdout)["remote"] == str(
        tmp_path / "remote.git"
    )
    a.ok("sync", "--clone", "remote.git", "--home", "b")
    b = Device(tmp_path / "b", config)
    b.ok("sync")
    assert b.book() == a.book()
