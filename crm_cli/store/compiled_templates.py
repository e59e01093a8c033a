"""Compiled templates kept between processes (``local/compiled/``, never synced).

Parsing and compiling a template costs about 0.2 s for the larger built-in
ones, once per process: ``crm draft`` and ``crm today`` used to pay it every
time. The drafting core asks this cache by a key that names the source, Jinja
and Python (:func:`crm_cli.core.drafting.render.code_key`), so a stale or
foreign entry is never found; a damaged one is compiled again and replaced.
"""

from __future__ import annotations

import os
from pathlib import Path

from crm_cli.safefile import atomic_write
from crm_cli.store.devices import LOCAL_DIR

__all__ = ["CompiledTemplates"]

KEEP = 256  # entries: the built-ins in every language, and user templates' recent edits


class CompiledTemplates:
    """The drafting core's code cache, as files under the book's ``local/``."""

    def __init__(self, home: Path) -> None:
        self.folder = home / LOCAL_DIR / "compiled"

    def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / f"{key}.bin").read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        # A cache: a read-only or full home only means compiling again next time.
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{key}.bin", data, durable=False)
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        entries = list(os.scandir(self.folder))
        if len(entries) <= KEEP:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for entry in entries[: len(entries) - KEEP]:
            Path(entry.path).unlink(missing_ok=True)
