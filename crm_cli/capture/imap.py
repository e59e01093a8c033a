"""IMAP, read-only: folders are SELECTed with ``readonly=True`` (EXAMINE) and headers
fetched with ``BODY.PEEK[HEADER]``, so nothing is marked read and no body is fetched.

Per account and folder the state keeps UIDVALIDITY and the last UID read; when the
server changes UIDVALIDITY the folder is read again from the start (the touchpoint
ids, derived from Message-IDs, keep that from duplicating anything).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_cli.capture.sources import Found, skipped_folder
from crm_cli.errors import InputError, InvalidValue

if TYPE_CHECKING:  # the marks are the store's: a reader is handed them
    from crm_cli.store import CaptureState

BATCH = 500  # UIDs per FETCH: one round trip for many messages, bounded memory
TIMEOUT = 60.0
_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$')
_SKIP_FLAGS = (b"\\trash", b"\\junk", b"\\drafts", b"\\noselect")


@dataclass(frozen=True)
class Account:
    host: str
    port: int
    user: str
    security: str  # "ssl", "starttls" or "plain"

    @property
    def key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def connect(account: Account, password: str) -> imaplib.IMAP4:
    """A logged-in connection; any failure is one clear error naming the server."""
    where = f"{account.host}:{account.port}"
    try:
        if account.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                account.host,
                account.port,
                ssl_context=ssl.create_default_context(),
                timeout=TIMEOUT,
            )
        else:
            conn = imaplib.IMAP4(account.host, account.port, timeout=TIMEOUT)
            if account.security == "starttls":
                conn.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise InputError(f"cannot connect to the IMAP server {where}: {exc}") from None
    try:
        conn.login(account.user, password)
    except imaplib.IMAP4.error:
        _close(conn)
        # The server's words may echo what was sent: never repeat them.
        raise InputError(f"the IMAP server {where} refused the login of {account.user}") from None
    except OSError as exc:
        _close(conn)
        raise InputError(f"the IMAP server {where} closed the connection: {exc}") from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def list_folders(conn: imaplib.IMAP4) -> list[str]:
    """Every selectable folder but trash, junk and drafts."""
    typ, data = conn.list()
    if typ != "OK":
        raise InputError("the IMAP server would not list its folders")
    names = []
    for line in data:
        if not isinstance(line, bytes):
            continue
        match = _LIST.match(line)
        if not match:
            continue
        flags = match.group("flags").lower()
        name = _unquote(match.group("name"))
        if any(f in flags for f in _SKIP_FLAGS) or skipped_folder(name):
            continue
        names.append(name)
    return sorted(names)


def _uidvalidity(conn: imaplib.IMAP4) -> int:
    _, data = conn.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] is not None else 0
    except (TypeError, ValueError):
        return 0


def read_imap(account: Account, password: str, folders: list[str], state: CaptureState) -> Found:
    """New messages of the chosen folders (all of them when none is named)."""
    conn = connect(account, password)
    try:
        chosen = folders or list_folders(conn)
        plan: list[tuple[str, int, list[bytes]]] = []
        for folder in chosen:
            typ, _ = conn.select(_quote(folder), readonly=True)
            if typ != "OK":
                raise InvalidValue(f"no folder '{folder}' on {account.host}")
            validity = _uidvalidity(conn)
            mark = state.imap_mark(f"{account.key}/{folder}")
            last = mark[1] if mark and mark[0] == validity else 0
            typ, found = conn.uid("SEARCH", f"UID {last + 1}:*")
            uids = [u for u in (found[0] or b"").split() if int(u) > last] if typ == "OK" else []
            plan.append((folder, validity, uids))
    except (OSError, imaplib.IMAP4.error) as exc:
        _close(conn)
        raise InputError(f"the IMAP server {account.host} failed: {exc}") from None
    except BaseException:
        _close(conn)
        raise
    marks: dict[str, tuple[int, int]] = {}

    def messages() -> Iterator[bytes]:
        try:
            for folder, validity, uids in plan:
                if not uids:
                    continue
                conn.select(_quote(folder), readonly=True)
                for at in range(0, len(uids), BATCH):
                    chunk = uids[at : at + BATCH]
                    typ, data = conn.uid("FETCH", b",".join(chunk).decode(), "(BODY.PEEK[HEADER])")
                    if typ != "OK":
                        raise InputError(f"the IMAP server would not send {folder}'s headers")
                    for part in data:
                        if isinstance(part, tuple) and len(part) == 2:
                            yield part[1]
                    marks[folder] = (validity, int(chunk[-1]))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise InputError(f"the IMAP server {account.host} failed: {exc}") from None
        finally:
            _close(conn)

    total = sum(len(u) for _, _, u in plan)
    if total == 0:  # nothing new: the generator below would never run to close it
        _close(conn)
    result = Found(total, messages() if total else iter(()), folders=list(chosen))

    def record() -> None:
        for folder, validity, uids in plan:
            validity_last = marks.get(folder)
            if validity_last is not None:
                state.set_imap_mark(f"{account.key}/{folder}", *validity_last)
            elif not uids:
                prior = state.imap_mark(f"{account.key}/{folder}")
                kept = prior[1] if prior and prior[0] == validity else 0
                state.set_imap_mark(f"{account.key}/{folder}", validity, kept)

    result.done.append(record)
    return result
