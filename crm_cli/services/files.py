"""Output files the user asked for: a draft, an export, an ``.ics``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def write_file(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write an output file the user named (``--out FILE``, ``--ics FILE``), atomically:
    a link there is the user's own and is followed; new folders are 0700."""
    from crm_cli.safefile import write_output

    write_output(path.expanduser(), data, named_by_user=True)
