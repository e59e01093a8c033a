"""The store's inter-process lock: exclusive, bounded waits, freed when its holder dies."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

from crm_cli.store import book as store_book
from crm_cli.store.lockfile import FileLock, Timeout

HOLD = """
import sys, time
from crm_cli.store.lockfile import FileLock
lock = FileLock(sys.argv[1], timeout=5)
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    """Another process holding the lock on ``path`` (it says so before we go on)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_a_second_lock_waits_for_the_first_then_gets_it(tmp_path: Path) -> None:
    path = str(tmp_path / "lock")
    first, second = FileLock(path, timeout=0), FileLock(path, timeout=0)
    first.acquire()
    assert first.is_locked
    with pytest.raises(Timeout, match="held by another process"):
        second.acquire()
    assert not second.is_locked
    first.release()
    second.acquire()  # free now
    second.release()


def test_a_bounded_wait_gives_up_while_another_process_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _holder(path)
    try:
        with pytest.raises(Timeout):
            FileLock(str(path), timeout=0.1).acquire()
    finally:
        _stop(holder)


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _holder(path)
    _stop(holder)  # SIGKILL: no release, no clean-up
    lock = FileLock(str(path), timeout=5)
    lock.acquire()
    assert lock.is_locked
    lock.release()


def test_the_lock_file_is_private_when_asked_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        lock = FileLock(str(tmp_path / "new" / "lock"), timeout=0, mode=0o600)
        lock.acquire()  # its folder made first
        lock.release()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "lock").stat().st_mode) == 0o600


def test_a_lock_file_planted_as_a_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("someone else's file")
    (tmp_path / "lock").symlink_to(target)
    with pytest.raises(OSError):
        FileLock(str(tmp_path / "lock"), timeout=0).acquire()
    assert target.read_text() == "someone else's file"


def test_a_locked_book_is_one_line_and_nothing_written(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.ok("add-client", "Mario Rossi")
    before = crm.ok("history", "mario", "--json").stdout
    monkeypatch.setattr(store_book, "LOCK_TIMEOUT", 0.2)
    holder = _holder(home / "local" / store_book.LOCK_FILE)
    try:
        error = crm.fail("log", "mario", "email", "--date", FIXED_DATE)
    finally:
        _stop(holder)
    assert error == f"the book in {home} is locked by another crm process (waited 0.2 s); try again"
    assert crm.ok("history", "mario", "--json").stdout == before
