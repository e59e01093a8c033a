"""The morning queue of ``crm today``, as plain data: one entry per client, in due order.

Nothing here reads the book or the terminal: the service hands in the plan and the
day's progress (item id -> client id and outcome), and gets back what is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.scheduler import Item
from crm_cli.core.terms import NUDGES

OUTCOMES = ("done", "skipped", "snoozed")


@dataclass
class Entry:
    """One client's items of the day, most urgent first (the first is what the draft is for)."""

    client_id: str
    client: str
    items: list[Item]

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]


def entries(items: Iterable[Item], progress: Mapping[str, tuple[str, str]]) -> list[Entry]:
    """The clients still to work through: the plan's order (the first item of each
    client decides its place), without the items already done, skipped or snoozed
    today. Nudges ask for patience, not a message: no entry is made for them."""
    by_client: dict[str, Entry] = {}
    for item in items:
        if item.reason in NUDGES or item.id in progress:
            continue
        entry = by_client.get(item.client_id)
        if entry is None:
            by_client[item.client_id] = Entry(item.client_id, item.client, [item])
        else:
            entry.items.append(item)
    return list(by_client.values())


def counts(progress: Mapping[str, tuple[str, str]]) -> dict[str, int]:
    """Clients done, skipped and snoozed: a client counts once, by its latest outcome."""
    by_client: dict[str, str] = {}
    for client_id, outcome in progress.values():
        by_client[client_id] = outcome
    return {o: sum(1 for v in by_client.values() if v == o) for o in OUTCOMES}


def summary_line(progress: Mapping[str, tuple[str, str]], left: int) -> str:
    n = counts(progress)
    return f"done {n['done']}, skipped {n['skipped']}, snoozed {n['snoozed']}, left {left}"


def not_to_mention(client: Client, touchpoints: Iterable[Touchpoint]) -> list[str]:
    """What the person must keep out of the message or the call, for their eyes only:
    the private notes (``--private-note``, touchpoints logged ``--private``), how the
    client likes to be served (it guides, it is never said), the shared line."""
    lines: list[str] = []
    if client.private_note:
        lines.append(f"private note: {client.private_note}")
    for tp in touchpoints:
        if tp.private and tp.note:
            lines.append(f"private, {tp.date.isoformat()}: {tp.note}")
    if client.note:
        lines.append(f"your note (not to quote): {client.note}")
    if client.prefers:
        lines.append(f"prefers (guides you, never said): {'; '.join(client.prefers)}")
    if client.shared_contact:
        lines.append("shared inbox or phone: others read it, nothing personal")
    if client.business:
        lines.append("a business: no personal questions unless they bring them up")
    return lines


def edit_text(subject: str | None, body: str) -> str:
    """What the editor shows: ``Subject:`` on the first line when there is one."""
    return f"Subject: {subject}\n\n{body}\n" if subject is not None else f"{body}\n"


def parse_edit(text: str, subject: str | None) -> tuple[str | None, str]:
    """The subject and body the person left in the editor. An email whose first line
    no longer starts with ``Subject:`` keeps its subject and takes the whole text as
    its body; blank lines at either end are dropped."""
    lines = text.replace("\r\n", "\n").split("\n")
    if subject is not None and lines and lines[0].lower().startswith("subject:"):
        subject = lines[0].split(":", 1)[1].strip() or subject
        lines = lines[1:]
    return subject, "\n".join(lines).strip("\n").rstrip()
