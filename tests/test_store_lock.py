"""The book's lock (``crm_cli.store.lock``): one writer at a time, and the same lock as
filelock's, so a crm that takes it either way excludes the other."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import filelock
import pytest
from conftest import FIXED_DATE, Crm

from crm_cli.store import book as store_book
from crm_cli.store.lock import FileLock, LockBusy


def lock_file(home: Path) -> Path:
    return home / "local" / "lock"


def test_a_writer_waits_for_the_lock_then_says_the_book_is_locked(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add("Mario Rossi")
    before = crm.ok("history", "mario").stdout
    monkeypatch.setattr(store_book, "LOCK_TIMEOUT", 0.3)
    other = filelock.FileLock(str(lock_file(home)), timeout=0)
    other.acquire()
    try:
        started = time.monotonic()
        error = crm.fail("log", "mario", "call", "--date", FIXED_DATE)
        waited = time.monotonic() - started
    finally:
        other.release()
    assert error == f"the book in {home} is locked by another crm process (waited 0.3 s); try again"
    assert waited >= 0.3
    assert crm.ok("history", "mario").stdout == before  # nothing was written
    crm.log("mario", "call")  # free again: the log lands
    assert "call" in crm.ok("history", "mario").stdout


def test_while_crm_holds_the_lock_filelock_cannot_take_it(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    with store_book.locked(home):
        with pytest.raises(filelock.Timeout):
            filelock.FileLock(str(lock_file(home)), timeout=0).acquire()
        with pytest.raises(LockBusy):
            FileLock(lock_file(home), timeout=0).acquire()
    other = filelock.FileLock(str(lock_file(home)), timeout=0)
    other.acquire()  # released with the block
    other.release()


def test_a_waiting_lock_is_taken_as_soon_as_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = FileLock(path, timeout=0)
    holder.acquire()
    threading.Timer(0.2, holder.release).start()
    started = time.monotonic()
    waiter = FileLock(path, timeout=5)
    waiter.acquire()
    waited = time.monotonic() - started
    waiter.release()
    assert 0.15 <= waited < 2


def test_the_lock_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    old = os.umask(0)
    try:
        lock = FileLock(path, timeout=0)
        lock.acquire()
        lock.release()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.exists()  # kept: waiters and the next command share one file


def test_a_missing_folder_is_made_and_a_lock_that_cannot_be_opened_is_an_os_error(
    tmp_path: Path,
) -> None:
    lock = FileLock(tmp_path / "new" / "lock", timeout=0)
    lock.acquire()  # as filelock does
    lock.release()
    assert (tmp_path / "new" / "lock").is_file()
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OSError):
        FileLock(tmp_path / "file" / "lock", timeout=0).acquire()
