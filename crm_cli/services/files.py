"""Output files the user asked for: a draft, an export, an ``.ics``."""

from __future__ import annotations

from pathlib import Path

from crm_cli.errors import InvalidValue, OutputError


def write_file(path: Path, data: bytes) -> None:
    """Write an output file the user asked for (an .ics, a draft), atomically."""
    from crm_cli.safefile import atomic_write

    target = path.expanduser()
    if target.is_dir():
        raise InvalidValue(f"{target} is a directory: give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
