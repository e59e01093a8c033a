"""Playbooks run for a client: one run of a playbook at a time, stopped by name."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from crm_cli.errors import Conflict, NotFound

if TYPE_CHECKING:
    from crm_cli.core.models import Client, PlannedStep
    from crm_cli.core.playbooks import Playbook
    from crm_cli.store import Book


def start_playbook(book: Book, client: Client, playbook: Playbook, day: date) -> list[PlannedStep]:
    """Schedule the playbook's steps for ``client`` from ``day``; refused while an
    earlier run of it still has steps to come."""
    from crm_cli.core.playbooks import start

    running = [
        s
        for s in book.steps(client.id)
        if s.playbook == playbook.name and not s.stopped and s.due >= day
    ]
    if running:
        raise Conflict(
            f"{playbook.name} is already running for {client.id} (next step {running[0].due}); "
            f"stop it first with 'crm playbook stop {client.id} {playbook.name}'"
        )
    steps = start(playbook, client.id, day)
    book.add_steps(steps)
    return steps


def stop_playbook(book: Book, client: Client, name: str, day: date) -> int:
    """Cancel the steps of playbook ``name`` still to come; how many were stopped."""
    from crm_cli.core.playbooks import stop

    steps = book.steps(client.id)
    # The stored name keeps the case of the user's playbook ("Retainer").
    wanted = name.strip().lower()
    stored = next((s.playbook for s in steps if s.playbook.lower() == wanted), wanted)
    keys = stop(steps, client.id, stored, day)
    if not keys:
        raise NotFound(f"no open steps of '{name}' for {client.id}")
    return book.stop_steps(keys)
