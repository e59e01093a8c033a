"""What a forget leaves to do once its op is written: this device's older files,
and every backup, rewritten without the client (``crm forget``, and any device
folding a forget made elsewhere). Idempotent: a killed scrub is run again by
the next command."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_cli.store import devices, fsops
from crm_cli.store.clock import forget_key
from crm_cli.store.devices import DEVICES_DIR, LEGACY_BACKUP, loads
from crm_cli.store.fold import op_key

if TYPE_CHECKING:
    from crm_cli.store.book import Book


def scrub_files(book: Book, keys: dict[str, str], shorts: set[str]) -> None:
    home = book.home
    known: dict[str, str] = {}

    def gone(op: dict[str, Any]) -> bool:
        gid = op.get("c")
        if not isinstance(gid, str):
            return False
        fkey = known.get(gid)
        if fkey is None:
            fkey = known[gid] = forget_key(gid)
        return fkey in keys and op_key(op) < keys[fkey]

    folder = home / DEVICES_DIR / book.device
    mine = devices.files_of(folder)
    rewritten: dict[str, dict[str, Any]] = {}
    for path in mine[:-1]:
        df = devices.read(home, path, book.book_id)
        kept = [op for op in df.ops if not gone(op)]
        if len(kept) != len(df.ops):
            raw = devices.encode(df.meta, kept)
            fsops.write_atomic(path, raw)
            info = path.stat()
            book.record_file(path, len(kept), kept, (info.st_size, info.st_mtime_ns))
            rewritten[path.name] = {"ops": len(kept), "sha256": devices.sha(raw)}
    if mine:
        current = devices.read(home, mine[-1], book.book_id)
        kept = [op for op in current.ops if not gone(op)]
        manifest = {**current.manifest, **rewritten}
        if len(kept) != len(current.ops) or rewritten:
            written = devices.write(
                home, current.path, {**current.meta, "manifest": manifest}, kept
            )
            book.record_file(current.path, len(kept), kept, written.stat)
    backups = devices.backups_dir(home)
    if not backups.is_dir() or backups.is_symlink():
        return
    # Only the store's own backups, by their names: nothing else there is touched.
    for folder in sorted(backups.iterdir()):
        if folder.is_symlink() or not folder.is_dir():
            continue
        if folder.name == LEGACY_BACKUP:
            for root, _dirs, names in os.walk(folder):
                for name in names:
                    _scrub_backup(Path(root) / name, gone, shorts)
        elif devices.DEVICE_NAME.fullmatch(folder.name):
            for path in sorted(folder.iterdir()):
                if devices.BACKUP_NAME().fullmatch(path.name):
                    _scrub_backup(path, gone, shorts)


def _scrub_backup(path: Path, gone: Callable[[dict[str, Any]], bool], shorts: set[str]) -> None:
    if path.is_symlink() or not path.name.endswith(".json"):
        return
    try:
        data = loads(path.read_bytes())
    except (OSError, ValueError):
        fsops.unlink(path)  # unreadable: it cannot be vouched for
        return
    if not isinstance(data, dict):
        fsops.unlink(path)
        return
    changed = False
    for table_name, table in data.items():
        if not isinstance(table, dict):
            continue
        for key in [k for k, doc in table.items() if _belongs(doc, table_name, gone, shorts)]:
            del table[key]
            changed = True
    if changed:
        fsops.unlink(path)  # break the hard link before rewriting
        fsops.write_atomic(path, devices.dumps(data))


def _short_hash(value: Any) -> str:
    return hashlib.sha256(str(value).encode()).hexdigest()[:24]


def _belongs(
    doc: Any, table: str, gone: Callable[[dict[str, Any]], bool], shorts: set[str]
) -> bool:
    if not isinstance(doc, dict):
        return False
    if table == "ops":
        return gone(doc)
    # The files of the schema-2 layout kept from a migration name clients by short id.
    ref = doc.get("id") if table == "clients" else doc.get("client_id")
    return ref is not None and _short_hash(ref) in shorts
