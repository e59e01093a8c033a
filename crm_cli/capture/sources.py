"""Readers of mail: what is new in a Maildir, an mbox file or an IMAP account.

Each reader returns a :class:`Found`: how many messages are new, an iterator over
their header bytes (never a body), and what to record once the book has them.
Marks are recorded only after the book is written: a crash re-reads, and the
deterministic ids make re-reading harmless.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.errors import InputError, InvalidValue

if TYPE_CHECKING:  # the marks are the store's: a reader is handed them
    from crm_cli.store import CaptureState

# Folders that hold nothing said between you and a client.
_SKIPPED = re.compile(r"^(trash|deleted( items| messages)?|junk|spam|drafts?|bozze|cestino)$", re.I)
HEADER_LIMIT = 256 * 1024  # a header block larger than this is cut (a broken message)


@dataclass
class Found:
    """What a source has that this device has not read yet."""

    total: int
    messages: Iterator[bytes]
    # Called once the book holds what was read: records the marks in the state.
    done: list[Callable[[], None]] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)

    def commit(self) -> None:
        for record in self.done:
            record()


def skipped_folder(name: str) -> bool:
    last = re.split(r"[./\\]", name.strip("./"))[-1] if name.strip("./") else name
    return bool(_SKIPPED.match(last))


def _head(path: Path) -> bytes:
    """The header block of a message file: read in chunks up to the first blank line."""
    chunks: list[bytes] = []
    size = 0
    with path.open("rb") as handle:
        while size < HEADER_LIMIT:
            chunk = handle.read(8192)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            joined = b"".join(chunks) if len(chunks) > 1 else chunk
            cut = joined.find(b"\n\n")
            cut_crlf = joined.find(b"\r\n\r\n")
            ends = [c for c in (cut, cut_crlf) if c >= 0]
            if ends:
                return joined[: min(ends) + 2]
    return b"".join(chunks)


# --------------------------------------------------------------------------- Maildir


def maildir_folders(root: Path) -> dict[str, Path]:
    """Every Maildir folder under ``root`` by name ("" for the root itself): mbsync's
    nested ``Sent/cur`` and Maildir++'s ``.Sent/cur`` alike."""
    if not root.is_dir():
        raise InputError(f"{root} is not a folder")
    found: dict[str, Path] = {}
    for folder, dirs, _ in os.walk(root):
        here = Path(folder)
        if "cur" in dirs and "new" in dirs:
            name = here.relative_to(root).as_posix()
            found["" if name == "." else name.lstrip(".")] = here
        dirs[:] = sorted(d for d in dirs if d not in ("cur", "new", "tmp"))
    if not found:
        raise InputError(f"{root} holds no Maildir folder (no cur/ and new/ inside)")
    return found


def read_maildir(root: Path, folders: list[str], state: CaptureState) -> Found:
    every = maildir_folders(root)
    if folders:
        missing = [f for f in folders if f not in every]
        if missing:
            names = ", ".join(sorted(n or "(top)" for n in every))
            raise InvalidValue(f"no folder '{missing[0]}' in {root} (it has: {names})")
        chosen = {f: every[f] for f in folders}
    else:
        chosen = {n: p for n, p in every.items() if not skipped_folder(n)}
    seen = state.maildir_seen(root)
    new: list[tuple[str, str, Path]] = []  # folder, unique name, file
    for name in sorted(chosen):
        known = seen.get(name, set())
        for sub in ("new", "cur"):
            folder = chosen[name] / sub
            try:
                files = os.listdir(folder)
            except FileNotFoundError:
                continue
            # The unique part: a flag change (":2,S") renames the file, not the message.
            uniques = {f.split(":", 1)[0]: f for f in files if not f.startswith(".")}
            new.extend((name, u, folder / uniques[u]) for u in uniques.keys() - known)
    read: dict[str, set[str]] = {}

    def messages() -> Iterator[bytes]:
        for name, unique, path in new:
            try:
                head = _head(path)
            except FileNotFoundError:  # moved by the mail client meanwhile: next run
                continue
            read.setdefault(name, set()).add(unique)
            yield head

    found = Found(len(new), messages(), folders=sorted(chosen))
    found.done.append(lambda: state.add_maildir_seen(root, read))
    return found


# --------------------------------------------------------------------------- mbox


def _fingerprint(path: Path, length: int) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(length)).hexdigest()[:16]


def read_mbox(path: Path, state: CaptureState) -> Found:
    """New messages of an mbox file (a Thunderbird folder file, say).

    Read from where the last run stopped, unless the file shrank or its start changed
    (Thunderbird compacted it): then from the top. Deleted messages that are not yet
    compacted away carry X-Mozilla-Status 0x0008, which the rules skip.
    """
    try:
        size = path.stat().st_size
        mark = state.mbox_mark(path) or {}
        # The start of the file as it was last read: compaction rewrites it, appending not.
        length = int(mark.get("head_len", 0))
        same_start = bool(mark) and _fingerprint(path, length) == mark.get("head")
        head = _fingerprint(path, min(size, 4096))
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not an mbox file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    start = int(mark.get("offset", 0))
    if not same_start or size < int(mark.get("size", 0)) or start > size:
        start = 0
    if size and start == 0:
        with path.open("rb") as handle:
            if not handle.read(5) == b"From ":
                raise InputError(f"{path} is not an mbox file (it does not start with 'From ')")
    progress = {"end": start}

    def messages() -> Iterator[bytes]:
        with path.open("rb") as handle:
            handle.seek(start)
            lines: list[bytes] | None = None
            previous_blank = True
            offset = start
            for line in handle:
                if line.startswith(b"From ") and previous_blank:
                    if lines:
                        yield b"".join(lines)
                    lines = []
                elif lines is not None and (line in (b"\n", b"\r\n")):
                    yield b"".join(lines) + b"\n"
                    lines = None
                elif lines is not None and len(lines) < 2000:
                    lines.append(line)
                previous_blank = line in (b"\n", b"\r\n")
                offset += len(line)
            if lines:
                yield b"".join(lines)
            progress["end"] = offset

    # How many messages are new is known only once read: 1 says "something".
    found = Found(1 if size > start else 0, messages(), folders=[path.name])
    found.done.append(
        lambda: state.set_mbox_mark(
            path,
            {
                "size": progress["end"],
                "head": head,
                "head_len": min(size, 4096),
                "offset": progress["end"],
            },
        )
    )
    return found
