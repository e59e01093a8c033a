"""Import and export with the book: applying an import, restoring a backup, a vdir.

The formats themselves (vCard, CSV, JSON) are read and written by
``crm_cli.interchange``; here is what is done with the book around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_cli.core.contacts_import import Contact, ImportPlan
    from crm_cli.core.models import Client
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book


def import_contacts(
    book: Book,
    contacts: list[Contact],
    settings: Settings,
    today: date,
    *,
    tags: list[str],
    dry_run: bool,
    step: Callable[[], None] | None = None,
) -> ImportPlan:
    """Plan ``contacts`` against the book and, unless a dry run, apply the plan."""
    from crm_cli.core.contacts_import import plan_import

    plan = plan_import(
        contacts,
        book.clients(),
        region=settings.region,
        date_order=settings.date_order,
        today=today,
        tags=tags,
        step=step,
    )
    # Only when there is something: an empty insert still marks a table changed,
    # and a re-import must not rewrite the book (nor make a backup).
    if not dry_run and plan.added:
        book.add_clients(plan.added)
    if not dry_run and plan.changed:
        book.update_clients(plan.changed)
    return plan


@dataclass
class Restored:
    before: int  # clients in the book that was replaced (0: it was empty)
    clients: int
    touchpoints: int


def restore_book(book: Book, data: dict[str, Any], *, replace: bool) -> Restored:
    """Put a JSON backup's data in the book (a book not empty only with ``replace``)."""
    before = len(book.clients())
    book.restore(data, replace=replace)
    return Restored(before, len(book.clients()), len(book.touchpoints()))


@dataclass
class VdirResult:
    written: int = 0
    unchanged: int = 0
    removed: int = 0  # cards of clients no longer in the book
    foreign: list[Path] = field(default_factory=list)  # not written by crm: left alone
    # A client's card edited elsewhere (the phone) with changes not imported yet:
    # left as it is, so that the export never undoes them.
    pending: list[Path] = field(default_factory=list)


def _imported(
    data: bytes, name: str, client: Client, settings: Settings | None, today: date
) -> bool:
    """Whether importing the card in ``data`` would leave ``client`` as it is."""
    from crm_cli.core.contacts_import import plan_import
    from crm_cli.errors import InvalidValue
    from crm_cli.interchange.vcard import parse_card, split_cards

    try:
        cards = split_cards(data, name)
    except InvalidValue:
        return False
    contacts = [parse_card(raw, name) for raw in cards]
    plan = plan_import(
        contacts,
        [client],
        region=settings.region if settings else "",
        date_order=settings.date_order if settings else "DMY",
        today=today,
    )
    return not plan.added and not plan.changed


def export_vdir(
    directory: Path,
    clients: list[Client],
    settings: Settings | None = None,
    today: date | None = None,
) -> VdirResult:
    """One .vcf per client in ``directory`` (a vdir for khard and vdirsyncer).

    A client's card is the file holding its card's UID, whatever its name and
    whoever wrote it last (a phone synced through vdirsyncer keeps the file and
    the UID): it is rewritten there, unless it holds changes that were not
    imported yet (those are in ``pending``, left alone). A client with no card
    yet gets ``vdir_name``. Unchanged cards are not rewritten (sync tools compare
    files); cards this export wrote for clients no longer in the book are
    removed, so a forgotten client leaves the vdir too; any other file is left
    alone (``foreign`` when it is in the way of a client's card).
    """
    from crm_cli.core.card_identity import card_uid, uid_key
    from crm_cli.interchange.vcard import client_vcard, file_uid, vdir_name, written_by_crm
    from crm_cli.safefile import make_private_dirs, write_output

    make_private_dirs(directory)
    day = today or date.today()
    by_uid: dict[str, Path] = {}  # the files there, by the UID of their card
    uids_of: dict[Path, str | None] = {}
    for path in sorted(directory.glob("*.vcf")):
        if path.is_file():
            uid = file_uid(path.read_bytes())
            uids_of[path] = uid_key(uid) if uid else None
            if uid:
                by_uid.setdefault(uid_key(uid), path)
    result = VdirResult()
    kept: set[Path] = set()
    for client in clients:
        uid = uid_key(card_uid(client))
        data = client_vcard(client).encode("utf-8")
        path = by_uid.get(uid) or directory / vdir_name(client)
        kept.add(path)
        if path.is_file():
            current = path.read_bytes()
            if current == data:
                result.unchanged += 1
                continue
            if uids_of.get(path) != uid and not written_by_crm(current):
                result.foreign.append(path)
                continue
            if not written_by_crm(current) and not _imported(
                current, str(path), client, settings, day
            ):
                result.pending.append(path)
                continue
        write_output(path, data, named_by_user=False)  # a name crm chose in the vdir
        result.written += 1
    for path in uids_of:
        if path not in kept and path.is_file() and written_by_crm(path.read_bytes()):
            path.unlink()
            result.removed += 1
    return result
