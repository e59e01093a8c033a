"""The synced source of the book: ``devices/<device-id>/<YYYY-MM>[.N].json``.

Each file is a TinyDB JSON document written by one device only::

    {"_meta": {"1": {"schema": 3, "book": BOOK, "device": DEV, "file": NAME,
                     "manifest": {OTHER_NAME: {"ops": N, "sha256": HEX}, ...}}},
     "ops": {"1": OP, "2": OP, ...}}

A command appends one batch of ops to its device's current file, rewriting it
atomically (temp file, fsync, rename) after hard-linking the previous version
into ``local/backups/``. The current file's manifest lists every other file of
its device with its op count and hash, so a deleted or replaced month is noticed
by every device that has the latest file.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm_cli.core.patterns import lazy
from crm_cli.errors import CorruptBook, StoreError
from crm_cli.store import fsops

FILE_SCHEMA = 3
DEVICES_DIR = "devices"
LOCAL_DIR = "local"
DEVICE_FILE = "device.json"
BACKUP_DIR = "backups"
KEEP_BACKUPS = 3
# A file past this size is closed: the next batch starts a new one, so that a
# `crm log` never rewrites a big file (a migration or an import of a whole book).
ROLL_BYTES = 2_000_000

LEGACY_BACKUP = "schema-2"  # the files of the old layout, after their migration
BACKUP_NAME = lazy(r"\d{4}-\d{2}(?:\.\d+)?~\d{8}T\d{12}Z(?:-\d+)?\.json", re.ASCII)
FILE_NAME = re.compile(r"(\d{4}-\d{2})(?:\.(\d+))?\.json", re.ASCII)
DEVICE_NAME = re.compile(r"[a-z2-7]{8}", re.ASCII)
# Syncthing, Dropbox, Nextcloud/ownCloud, Resilio, Google Drive...
CONFLICT = re.compile(
    r"\.sync-conflict-|conflicted copy|\(conflict|conflict\)|case conflict|\.conflict\d*$|"
    r"-conflict-|\(\d+\)\.json$",
    re.IGNORECASE,
)


def file_key(name: str) -> tuple[str, int]:
    match = FILE_NAME.fullmatch(name)
    assert match is not None
    return match.group(1), int(match.group(2) or 1)


def loads(raw: bytes | str) -> Any:
    """orjson with the cycle collector paused (parsed JSON holds no cycles)."""
    import orjson

    paused = gc.isenabled()  # inline, not no_cycles(): called 20,000 times by a read
    gc.disable()
    try:
        return orjson.loads(raw)
    finally:
        if paused:
            gc.enable()


@contextmanager
def no_cycles() -> Iterator[None]:
    """The cycle collector paused: for work that makes a million acyclic objects (ops,
    records, touchpoints), which it would otherwise traverse again and again (a third
    of a big batch's time); reference counting still frees them."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def dumps(data: Any) -> bytes:
    import orjson

    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def sha(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class DeviceFile:
    """One parsed device file."""

    path: Path
    device: str
    meta: dict[str, Any]
    ops: list[dict[str, Any]]
    raw: bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict[str, Any]:
        found = self.meta.get("manifest") or {}
        return found if isinstance(found, dict) else {}


def local(home: Path) -> Path:
    return home / LOCAL_DIR


def backups_dir(home: Path) -> Path:
    return local(home) / BACKUP_DIR


def device_dirs(home: Path) -> list[Path]:
    root = home / DEVICES_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and DEVICE_NAME.fullmatch(p.name))


def files_of(folder: Path) -> list[Path]:
    """A device's files, oldest first; anything else in the folder is not read."""
    try:
        names = [e.name for e in os.scandir(folder) if e.is_file()]
    except FileNotFoundError:
        return []
    ours = [n for n in names if FILE_NAME.fullmatch(n)]
    return [folder / n for n in sorted(ours, key=file_key)]


def all_files(home: Path) -> list[Path]:
    return [path for folder in device_dirs(home) for path in files_of(folder)]


def conflict_copies(home: Path) -> list[Path]:
    """Copies a file-sync tool made of a device file it saw changed on two sides
    (``2026-11.sync-conflict-20261123-101010-ABCDEFG.json``...): never folded."""
    root = home / DEVICES_DIR
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if CONFLICT.search(name) and not FILE_NAME.fullmatch(name):
                found.append(Path(folder) / name)
    return sorted(found)


def relative(home: Path, path: Path) -> str:
    try:
        return str(path.relative_to(home))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- reading


def check(data: Any, device: str, name: str, book: str | None) -> str | None:
    """What is wrong with a parsed device file, or None."""
    if not isinstance(data, dict) or set(data) - {"_meta", "ops"}:
        return "not a crm device file"
    meta_table = data.get("_meta")
    if not isinstance(meta_table, dict) or not isinstance(meta_table.get("1"), dict):
        return "it has no _meta record"
    meta = meta_table["1"]
    schema = meta.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "its schema version is not a number"
    if meta.get("device") != device:
        return f"it belongs to device {meta.get('device')!r}, not {device!r}"
    if book is not None and meta.get("book") != book:
        return "it belongs to another book"
    ops = data.get("ops", {})
    if not isinstance(ops, dict) or not all(isinstance(op, dict) for op in ops.values()):
        return "its ops table is malformed"
    for key, op in ops.items():
        if not str(key).isdigit() or not isinstance(op.get("op"), str):
            return f"op {key} is malformed"
        if not isinstance(op.get("h"), str) or not isinstance(op.get("n"), int):
            return f"op {key} has no stamp"
    return None


def newest_sound_backup(home: Path, device: str, name: str, book: str | None) -> Path | None:
    """The newest backup of a device file that parses and belongs to this book."""
    for path in reversed(backups_of(home, device, name)):
        try:
            data = loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if path.is_symlink() or check(data, device, name, book) is not None:
            continue
        return path
    return None


def damaged(home: Path, path: Path, reason: str, book: str | None) -> CorruptBook:
    device = path.parent.name
    saved = newest_sound_backup(home, device, path.name, book)
    hint = (
        f"restore the newest backup with: cp '{saved}' '{path}'"
        if saved
        else "no backup of it is sound"
    )
    return CorruptBook(f"the book file {path} is {reason}; it was not changed; {hint}")


def read(home: Path, path: Path, book: str | None) -> DeviceFile:
    """Parse one device file; a damaged one stops the command, naming a backup."""
    device = path.parent.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise damaged(home, path, "missing", book) from None
    except IsADirectoryError:
        raise StoreError(f"{path} is a directory, not a book file") from None
    except PermissionError:
        raise StoreError(f"cannot read {path}: permission denied") from None
    try:
        data = loads(raw)
    except ValueError as exc:
        raise damaged(home, path, f"damaged (not valid JSON: {exc})", book) from None
    problem = check(data, device, path.name, book)
    if problem is not None:
        raise damaged(home, path, f"damaged ({problem})", book)
    if data["_meta"]["1"]["schema"] > FILE_SCHEMA:
        from crm_cli.errors import NewerSchema

        raise NewerSchema(
            f"the book file {path} was written by a newer crm (schema "
            f"{data['_meta']['1']['schema']}, this crm reads up to {FILE_SCHEMA}): upgrade crm"
        )
    ops = [data["ops"][k] for k in sorted(data.get("ops", {}), key=int)]
    return DeviceFile(path, device, data["_meta"]["1"], ops, raw)


def head(path: Path, size: int = 65_536) -> bytes:
    """The first bytes of a file: enough for its ``_meta`` record, unless a long manifest
    runs past them (then :func:`head_meta` finds none and the caller reads it all)."""
    with path.open("rb") as handle:
        return handle.read(size)


def head_meta(raw: bytes) -> dict[str, Any] | None:
    """A device file's ``_meta`` record, parsed without its ops (the encoder sorts
    keys: ``_meta`` comes first), or None if the file does not start so."""
    end = raw.find(b'},"ops":')
    if not raw.startswith(b'{"_meta":{"1":') or end < 0:
        return None
    try:
        head = loads(raw[: end + 1] + b"}")
    except ValueError:
        return None
    meta = head.get("_meta", {}).get("1") if isinstance(head, dict) else None
    return meta if isinstance(meta, dict) and set(head) == {"_meta"} else None


# --------------------------------------------------------------------------- writing


def backups_of(home: Path, device: str, name: str) -> list[Path]:
    folder = backups_dir(home) / device
    if not folder.is_dir() or folder.is_symlink():
        return []
    stem = name.removesuffix(".json")
    found = [
        p
        for p in folder.iterdir()
        if p.name.startswith(stem + "~") and BACKUP_NAME().fullmatch(p.name)
    ]
    return sorted(found, key=_backup_order)


def _backup_order(path: Path) -> tuple[str, int]:
    """Oldest first: by time stamp, then ``STAMP`` before ``STAMP-2``."""
    stamp, _, n = path.name.split("~", 1)[1].removesuffix(".json").partition("-")
    return stamp, int(n) if n.isdigit() else 1


def backed_up(home: Path, device: str, name: str, raw: bytes) -> bool:
    """Whether the newest backup of a device file holds exactly ``raw``."""
    found = backups_of(home, device, name)
    if not found:
        return False
    try:
        newest = found[-1]
        return newest.stat().st_size == len(raw) and newest.read_bytes() == raw
    except OSError:
        return False


def save_backup(home: Path, device: str, name: str, raw: bytes) -> None:
    """A copy of a device file's version (the one just written, or folded from another
    device) in the backups, unless the newest is that very version: every file has
    one that parses, a file written once included. A copy, not a link: a file damaged
    in place leaves it whole."""
    if backed_up(home, device, name, raw):
        return
    _check_backups_dir(home)
    fsops.write_atomic(_backup_target(home, device, name), raw)
    rotate(home, device, name)


def _check_backups_dir(home: Path) -> None:
    if backups_dir(home).is_symlink():
        raise StoreError(
            f"the backups folder {backups_dir(home)} is a symbolic link: crm keeps backups "
            "only in a folder of its own; nothing was written (replace the link with a folder)"
        )


def _backup_target(home: Path, device: str, name: str) -> Path:
    folder = backups_dir(home) / device
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    stem = name.removesuffix(".json")
    target = folder / f"{stem}~{stamp}.json"
    n = 2
    while target.exists():
        target = folder / f"{stem}~{stamp}-{n}.json"
        n += 1
    return target


def keep_backup(home: Path, path: Path) -> None:
    """Hard-link the current version of ``path`` into the backups (before a rename),
    unless the newest backup is that version already."""
    if not path.exists():
        return
    try:
        if backed_up(home, path.parent.name, path.name, path.read_bytes()):
            return
    except OSError:
        pass
    _check_backups_dir(home)
    fsops.link(path, _backup_target(home, path.parent.name, path.name))


def rotate(home: Path, device: str, name: str) -> None:
    for old in backups_of(home, device, name)[:-KEEP_BACKUPS]:
        fsops.unlink(old)


def encode(meta: dict[str, Any], ops: Iterable[dict[str, Any] | bytes]) -> bytes:
    """A device file: ``ops`` as dicts, or already encoded (a batch encodes each op as
    it is made: a million small bytes weigh a third of a million dicts). The bytes are
    what ``dumps`` gives for the whole document: keys sorted, the op numbers as text."""
    parts = [op if isinstance(op, bytes) else dumps(op) for op in ops]
    pieces = [b'{"_meta":{"1":', dumps(meta), b'},"ops":{']
    for i, n in enumerate(sorted(range(1, len(parts) + 1), key=str)):
        pieces += (b'%s"%d":' % (b"," if i else b"", n), parts[n - 1])
    pieces.append(b"}}")
    return b"".join(pieces)  # one copy of the ops, not one per op and one of the whole


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class Written:
    """A device file as it was written: its ops, bytes and stat (size, mtime)."""

    path: Path
    ops: int
    raw: bytes
    stat: tuple[int, int] = (0, 0)
    rolled: list[str] = field(default_factory=list)


def write(
    home: Path, path: Path, meta: dict[str, Any], ops: Sequence[dict[str, Any] | bytes]
) -> Written:
    raw = encode(meta, ops)
    fsops.write_atomic(path, raw, lambda: keep_backup(home, path))
    info = path.stat()
    save_backup(home, path.parent.name, path.name, raw)
    return Written(path, len(ops), raw, (info.st_size, info.st_mtime_ns))


def month_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m")
