"""Writing files so that a crash or a second process never leaves half of one.

Used by the store for the book's files and by commands for the files the
user asks for (an ``.ics``, a draft). Backups are hard links: the old inode
lives on under a new name, so keeping the previous version costs no copy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

KEEP_BACKUPS = 10


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def backup_order(path: Path, prefix: str) -> tuple[str, int]:
    """Oldest first: by time stamp, then ``P-STAMP.json`` before ``P-STAMP-2.json``."""
    stamp, _, n = path.stem.removeprefix(prefix + "-").partition("-")
    return stamp, int(n) if n.isdigit() else 1


def backup_files(backups: Path, prefix: str) -> list[Path]:
    """The backups of one file (``book``, ``history-2026``...), oldest first."""
    if not backups.is_dir():
        return []
    found = [p for p in backups.glob(f"{prefix}-*.json") if _stamped(p, prefix)]
    return sorted(found, key=lambda p: backup_order(p, prefix))


def _stamped(path: Path, prefix: str) -> bool:
    # "history-2026-2026..." must not be taken for a backup of "history-2026-20"...
    rest = path.stem.removeprefix(prefix + "-")
    return len(rest) >= 16 and rest[:8].isdigit() and rest[8] == "T"


def backup(path: Path, backups: Path, prefix: str) -> Path | None:
    """Keep the current ``path`` as ``backups/PREFIX-STAMP.json`` (a hard link).

    Returns the backup, or None when there was no file yet.
    """
    if not path.exists():
        return None
    backups.mkdir(mode=0o700, exist_ok=True)
    # UTC: local time jumps back at the end of summer time or after a flight west,
    # and a backup named earlier than an older one would be rotated away first.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # Same instant as an earlier backup: the next number after the highest still there
    # (never a number freed by the rotation, which would sort as the oldest).
    taken = [backup_order(p, prefix)[1] for p in backups.glob(f"{prefix}-{stamp}*.json")]
    name = f"{prefix}-{stamp}-{max(taken) + 1}.json" if taken else f"{prefix}-{stamp}.json"
    target = backups / name
    try:
        os.link(path, target)
    except OSError:
        target.write_bytes(path.read_bytes())
        target.chmod(0o600)
    return target


def restore(path: Path, saved: Path | None) -> None:
    """Put ``saved`` (a backup made moments ago) back at ``path``; None: remove ``path``.

    Used to undo the files a command already replaced when a later write
    fails, so that a failed command leaves no half of itself behind.
    """
    if saved is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.undo.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(saved, tmp)  # the very inode that was replaced: same size and time
    except OSError:
        tmp.write_bytes(saved.read_bytes())
    os.replace(tmp, path)


def rotate_backups(backups: Path, prefix: str, keep: int = KEEP_BACKUPS) -> None:
    for old in backup_files(backups, prefix)[:-keep]:
        old.unlink(missing_ok=True)
