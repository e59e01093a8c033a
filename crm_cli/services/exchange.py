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


def export_vdir(directory: Path, clients: list[Client]) -> VdirResult:
    """One .vcf per client in ``directory`` (a vdir for khard and vdirsyncer).

    Unchanged cards are not rewritten (sync tools compare files); cards this
    export wrote for clients no longer in the book are removed, so a forgotten
    client leaves the vdir too; files written by anything else are left alone.
    """
    from crm_cli.interchange.vcard import client_vcard, vdir_name, written_by_crm
    from crm_cli.safefile import make_private_dirs, write_output

    make_private_dirs(directory)
    wanted = {vdir_name(c): client_vcard(c).encode("utf-8") for c in clients}
    result = VdirResult()
    for name, data in wanted.items():
        path = directory / name
        if path.is_file():
            current = path.read_bytes()
            if current == data:
                result.unchanged += 1
                continue
            if not written_by_crm(current):
                result.foreign.append(path)
                continue
        write_output(path, data, named_by_user=False)  # a name crm chose in the vdir
        result.written += 1
    for path in sorted(directory.glob("*.vcf")):
        if path.name not in wanted and path.is_file() and written_by_crm(path.read_bytes()):
            path.unlink()
            result.removed += 1
    return result
