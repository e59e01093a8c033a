"""The book's lock: an exclusive ``flock`` on its lock file, tried until a timeout.

filelock takes 10-15 ms to import (it brings logging, secrets, decimal...), a tenth
of a ``crm log``. Where ``fcntl`` exists (Linux, macOS) this module takes the lock
filelock itself would take there, a ``flock`` of the same file, so a process holding
either excludes the other. Elsewhere it hands over to filelock.
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import suppress
from pathlib import Path
from types import ModuleType
from typing import Any

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # no flock (Windows)
    fcntl = None

POLL_SECONDS = 0.05  # filelock's own interval between two tries
_BUSY = frozenset({errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK})


class LockBusy(Exception):
    """Another process held the lock for the whole timeout."""


class FileLock:
    """``acquire`` waits up to ``timeout`` seconds (0: a single try), then raises
    ``LockBusy``; ``OSError`` when the lock file cannot be opened."""

    def __init__(self, path: Path, timeout: float, mode: int = 0o600) -> None:
        self.path, self.timeout, self.mode = path, timeout, mode
        self._fd: int | None = None
        self._other: Any = None  # filelock's lock, where there is no flock

    def acquire(self) -> None:
        if fcntl is None:
            self._acquire_with_filelock()
            return
        deadline = time.monotonic() + self.timeout
        while True:
            fd = _open(self.path, self.mode)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in _BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise LockBusy(str(self.path)) from None
                time.sleep(POLL_SECONDS)
                continue
            except BaseException:
                os.close(fd)
                raise
            # A lock file removed and made anew while this one waited is no longer the lock.
            try:
                if os.path.samestat(os.fstat(fd), os.stat(self.path)):
                    self._fd = fd
                    return
            except FileNotFoundError:
                pass
            os.close(fd)

    def release(self) -> None:
        if self._other is not None:
            self._other.release()
            self._other = None
        fd, self._fd = self._fd, None
        if fd is not None and fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _acquire_with_filelock(self) -> None:
        import filelock

        other = filelock.FileLock(str(self.path), timeout=self.timeout, mode=self.mode)
        try:
            other.acquire()
        except filelock.Timeout:
            raise LockBusy(str(self.path)) from None
        self._other = other


def _open(path: Path, mode: int) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileNotFoundError:  # its folder made first, as filelock does
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, flags, mode)
    with suppress(PermissionError):  # another user's lock file keeps its mode
        os.fchmod(fd, mode)  # the mode asked for, whatever the umask
    return fd


__all__ = ["POLL_SECONDS", "FileLock", "LockBusy"]
