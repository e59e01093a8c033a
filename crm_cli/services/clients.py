"""Clients in the book: adding, editing, choosing for a list, archiving."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from crm_cli.core.terms import TIERS
from crm_cli.errors import InvalidValue

if TYPE_CHECKING:
    from crm_cli.core.clientform import ClientInput
    from crm_cli.core.models import Client
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book


def add_client(
    book: Book, inp: ClientInput, settings: Settings, today: date
) -> tuple[Client, list[str]]:
    """The new client, added to the book, and warnings for the user."""
    from crm_cli.core.clientform import new_client

    client, warnings = new_client(inp, book.clients(), settings, today)
    book.add_client(client)
    return client, warnings


@dataclass
class Edited:
    """A client before and after an edit, and the warnings it raised."""

    before: Client
    after: Client
    warnings: list[str]

    @property
    def changed(self) -> bool:
        return self.after != self.before


def edit_client(book: Book, ref: str, inp: ClientInput, settings: Settings, today: date) -> Edited:
    """Apply ``inp`` to the client ``ref`` names; the book is written only on a change."""
    from crm_cli.core.book import resolve_client
    from crm_cli.core.clientform import edit_client as edit

    clients = book.clients()
    client = resolve_client(clients, ref)
    changed, warnings = edit(client, inp, clients, settings, today)
    if changed != client:
        book.update_client(changed)
    return Edited(client, changed, warnings)


def tier_filter(tier: str | None) -> str | None:
    """The tier a ``--tier`` names (any case), or a clear refusal."""
    if tier is not None and tier.strip().upper() not in TIERS:
        raise InvalidValue(f"unknown tier '{tier}': use one of {', '.join(TIERS)}")
    return tier.strip().upper() if tier is not None else None


def select(
    clients: list[Client], tags: list[str], tier: str | None, archived: bool
) -> list[Client]:
    """The clients of a list: archived or not, of ``tier``, with every tag of ``tags``."""
    from crm_cli.core.contacts import fold

    wanted_tags = {fold(t) for t in tags}
    return [
        c
        for c in clients
        if c.archived == archived
        and (tier is None or (c.tier or "") == tier)
        and wanted_tags <= {fold(t) for t in c.tags}
    ]


def set_archived(book: Book, client: Client, archived: bool) -> None:
    if client.archived != archived:
        book.update_client(replace(client, archived=archived))
