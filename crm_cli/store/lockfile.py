"""An inter-process lock on a file: ``flock``, held until released or the process ends.

What the store needs of a lock is small: take it, waiting at most so long (or not at
all), and give it back. The kernel drops a ``flock`` when its holder dies, so a killed
command never leaves the book locked. The ``filelock`` package did this before; it
now imports ``logging``, ``secrets`` and ``platform`` (20-50 ms, a third of a D1
``crm log``) for features the store does not use.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import suppress

__all__ = ["FileLock", "Timeout"]

POLL = 0.02  # seconds between tries while another process holds the lock


class Timeout(TimeoutError):
    """The lock stayed taken for the whole wait."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the lock {path} is held by another process")
        self.path = path


class FileLock:
    """An exclusive lock on ``path`` (created with ``mode`` if missing).

    ``timeout`` is how long ``acquire`` waits: 0 tries once, a negative value waits
    for ever. Not reentrant: a second ``FileLock`` on the same path, even in the same
    process, waits for the first, which is what a reader taking the book's lock "only
    if free" relies on.
    """

    def __init__(self, path: str, timeout: float = -1, mode: int = 0o644) -> None:
        self.path = path
        self.timeout = timeout
        self.mode = mode
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float | None = None) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this object")
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        fd = _open(self.path, self.mode)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if wait >= 0 and time.monotonic() >= deadline:
                        raise Timeout(self.path) from None
                    time.sleep(POLL if wait < 0 else min(POLL, max(deadline - time.monotonic(), 0)))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _open(path: str, mode: int) -> int:
    """The lock file, made if missing (its folder too, as filelock did), never through a
    planted link, with ``mode`` whatever the umask."""
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        fd = os.open(path, flags, mode)
    with suppress(PermissionError):  # another user's lock file keeps its mode
        os.fchmod(fd, mode)
    return fd
