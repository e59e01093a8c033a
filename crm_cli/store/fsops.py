"""Every file operation the store makes that changes the disk, in one place.

``CRM_FAULT_AT=N`` (a test hook, ignored unless set) kills the process with
SIGKILL just before the N-th of them: the fault-injection test runs every
writing command with N = 1, 2, ... until it completes, and checks that each kill
left the book as it was before the command or as it is after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm_cli.errors import StoreError
from crm_cli.safefile import fsync_dir

__all__ = ["fsync_dir", "link", "move", "step", "unlink", "write_atomic"]

_count = 0


def step(what: str) -> None:
    """Count one file operation; die here if the fault hook asks for it."""
    global _count
    at = os.environ.get("CRM_FAULT_AT")
    if not at:
        return
    _count += 1
    if str(_count) == at.strip():
        import signal  # here: only the fault-injection test ever needs it

        if os.environ.get("CRM_FAULT_SAY"):
            os.write(2, f"fault: killed before {what}\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)


def write_atomic(path: Path, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Temp file, fsync, rename: a crash leaves the old file or the new one."""
    import tempfile

    step(f"writing {path.name}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            step(f"fsync of {path.name}")
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        step(f"rename to {path.name}")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def link(source: Path, target: Path) -> None:
    """A hard link (the previous version of a file, kept at no cost), or a copy."""
    step(f"link {target.name}")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        fd = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(source.read_bytes())


def unlink(path: Path) -> None:
    step(f"unlink {path.name}")
    path.unlink(missing_ok=True)


def move(source: Path, target: Path) -> None:
    step(f"move {source.name}")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.replace(source, target)


def read_state(path: Path) -> Any:
    """A device-local JSON state file; None when missing or damaged.

    Such state (capture marks, the morning's progress) can always start over:
    a damaged file is never fatal and the book is untouched. A file that
    cannot be read at all is an error.
    """
    import orjson

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
