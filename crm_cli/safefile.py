"""Writing files so that a crash or a second process never leaves half of one.

Used by the store for the book's files and by commands for the files the
user asks for (an ``.ics``, a draft). Backups are hard links: the old inode
lives on under a new name, so keeping the previous version costs no copy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from crm_cli.errors import InvalidValue, OutputError, StoreError

KEEP_BACKUPS = 10
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # absent on Windows, where links are rare


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_dir(path: Path) -> None:
    """Make the names written in ``path`` durable: one fsync for a whole batch of files
    written with ``durable=False`` (1,700 drafts pay one, not 3,400)."""
    fsync_dir(path)


def _temp_file(folder: Path, name: str) -> tuple[int, Path]:
    """A new temp file beside ``name``: created exclusively (never an existing file or a
    planted link), 0600, with a random name another user cannot guess in advance."""
    import tempfile  # here: 5 ms of imports that `crm due`, which writes nothing, never pays

    # O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600, a random part after the (guessable) pid,
    # which stays to tell which process left a temp file behind.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    return fd, Path(tmp)


def atomic_write(
    path: Path,
    data: bytes | Iterable[bytes],
    before_replace: Callable[[], None] | None = None,
    *,
    durable: bool = True,
) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one.

    ``durable=False`` skips the fsyncs (the caller syncs the folder once, see sync_dir).
    """
    fd, tmp = _temp_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:  # streamed: a big export never sits whole in memory
                for chunk in data:
                    handle.write(chunk)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if before_replace:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def _make_dirs(folder: Path) -> None:
    """``folder`` and its missing parents, each 0700 whatever the umask (drafts and
    exports are personal data; a shared parent must not make them listable)."""
    missing: list[Path] = []
    while not folder.exists() and not folder.is_symlink():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=0o700)
        except FileExistsError:  # made by another process meanwhile: it is not ours
            continue
        created.chmod(0o700)  # mkdir's mode is filtered by the umask


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` (and missing parents) with mode 0700; existing ones are left."""
    try:
        _make_dirs(folder)
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror}") from None


def write_output(
    path: Path, data: bytes | Iterable[bytes], *, named_by_user: bool, durable: bool = True
) -> None:
    """Write a file the user asked for (a draft, an export, an .ics, a template copy).

    Missing folders are created 0700; the file is written atomically, 0600. A
    symbolic link at ``path`` is followed only when the user named ``path``
    themselves (their own link to a synced folder); a link at a name crm chose
    inside a folder (a draft in ``--out DIR``) may have been planted there by
    someone else, and is refused.
    """
    if path.is_dir():
        raise InvalidValue(f"{path} is a directory: give a file name")
    if path.is_symlink():
        if not named_by_user:
            raise InvalidValue(
                f"{path} is a symbolic link: crm does not write through links it did not "
                "name itself; remove it or choose another folder"
            )
        path = Path(os.path.realpath(path))
        if path.is_dir():
            raise InvalidValue(f"{path} is a directory: give a file name")
    try:
        _make_dirs(path.parent)
        atomic_write(path, data, durable=durable)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None


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
    check_backups_dir(backups)
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
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(path.read_bytes())
    return target


def check_backups_dir(backups: Path) -> None:
    """Refuse a ``backups`` that is a link: crm writes, rewrites and deletes files there
    (``crm forget`` purges them), and must never do so in a folder it did not make."""
    if backups.is_symlink():
        raise StoreError(
            f"the backups folder {backups} is a symbolic link: crm keeps backups only in "
            "a folder of its own; nothing was written (replace the link with a folder)"
        )


def restore(path: Path, saved: Path | None) -> None:
    """Put ``saved`` (a backup made moments ago) back at ``path``; None: remove ``path``.

    Used to undo the files a command already replaced when a later write
    fails, so that a failed command leaves no half of itself behind.
    """
    if saved is None:
        path.unlink(missing_ok=True)
        return
    import secrets

    # A random name: link() never follows or replaces what is already there.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.undo.tmp")
    try:
        os.link(saved, tmp)  # the very inode that was replaced: same size and time
    except OSError:
        fd, tmp = _temp_file(path.parent, path.name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(saved.read_bytes())
    os.replace(tmp, path)


def rotate_backups(backups: Path, prefix: str, keep: int = KEEP_BACKUPS) -> None:
    for old in backup_files(backups, prefix)[:-keep]:
        old.unlink(missing_ok=True)
