"""Pure operations over the clients and touchpoints of a book.

No I/O here: the store hands over plain lists, these functions answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple, TypeVar

from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, Touchpoint
from crm_cli.errors import Ambiguous, NotFound


class ClientRef(NamedTuple):
    """What naming a client needs: cheap to build for 5,000 clients on every command."""

    id: str
    name: str
    emails: tuple[str, ...]
    archived: bool


C = TypeVar("C", Client, ClientRef)


def resolve_client(clients: Iterable[C], text: str) -> C:
    """The one client that ``text`` names: an id, or a fragment of a name or an email.

    An exact id wins (archived clients too, so they can be unarchived); else the
    fragment must match exactly one active client, case- and accent-insensitively.
    A fragment that equals a whole name wins over longer names containing it.
    """
    pool = list(clients)
    wanted = " ".join(text.split())  # as names are stored: 'Mario  Rossi' is 'Mario Rossi'
    for client in pool:
        if client.id == wanted:
            return client
    needle = fold(wanted)
    if not needle:
        raise NotFound("no client matches '': give an id or part of a name or email")
    active = [c for c in pool if not c.archived]
    exact = [c for c in active if fold(c.name) == needle or needle in map(fold, c.emails)]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [
        c for c in active if needle in fold(c.name) or any(needle in fold(e) for e in c.emails)
    ]
    if not matches:
        hint = ""
        if any(needle in fold(c.name) for c in pool if c.archived):
            hint = " (an archived client matches: use its id, see 'crm list --archived')"
        raise NotFound(f"no client matches '{wanted}'{hint}")
    if len(matches) > 1:
        matches.sort(key=lambda c: (fold(c.name), c.id))
        listed = ", ".join(f"{c.id} ({c.name})" for c in matches[:10])
        more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
        raise Ambiguous(f"'{wanted}' matches {len(matches)} clients: {listed}{more}; use the id")
    return matches[0]


def last_contact(touchpoints: Iterable[Touchpoint]) -> date | None:
    """The date of the latest touchpoint that is a contact (a ``note`` is not)."""
    dates = [t.date for t in touchpoints if t.is_contact]
    return max(dates) if dates else None


def last_contacts(touchpoints: Iterable[Touchpoint]) -> dict[str, date]:
    """Last contact date per client id, in one pass over the history."""
    last: dict[str, date] = {}
    for tp in touchpoints:
        if tp.is_contact and (tp.client_id not in last or tp.date > last[tp.client_id]):
            last[tp.client_id] = tp.date
    return last


def client_by_email(clients: Iterable[Client], email: str, exclude: str = "") -> Client | None:
    """The client that already uses ``email`` (compared case-insensitively)."""
    key = email.casefold()
    for client in clients:
        if client.id != exclude and key in (e.casefold() for e in client.emails):
            return client
    return None


def find(
    clients: Iterable[Client], touchpoints: Iterable[Touchpoint], text: str
) -> list[tuple[Client, str]]:
    """Clients whose name, company, emails, tags, likes, notes or touchpoint notes or
    topics contain ``text``.

    Returns ``(client, where)`` pairs, where says which field matched first.
    Private notes are searched too: this is the user's own screen.
    """
    needle = fold(text.strip())
    if not needle:
        return []
    by_id = {c.id: c for c in clients}
    found: dict[str, str] = {}
    for client in by_id.values():
        fields = [
            ("name", [client.name]),
            ("company", [client.company or ""]),
            ("email", client.emails),
            ("tag", client.tags),
            ("city", [client.city or ""]),
            ("like", client.likes),
            ("preference", client.prefers),
            ("contact person", [client.contact_person or ""]),
            ("note", [client.note or ""]),
            ("private note", [client.private_note or ""]),
        ]
        for where, values in fields:
            if any(needle in fold(v) for v in values):
                found[client.id] = where
                break
    for tp in touchpoints:
        if tp.client_id not in by_id or tp.client_id in found:
            continue
        if needle in fold(tp.note or ""):
            found[tp.client_id] = f"touchpoint {tp.id} ({tp.date.isoformat()})"
        elif needle in fold(tp.topic or ""):
            found[tp.client_id] = f"topic of {tp.id} ({tp.date.isoformat()})"
    ordered = sorted(found, key=lambda cid: (by_id[cid].name.casefold(), cid))
    return [(by_id[cid], found[cid]) for cid in ordered]
