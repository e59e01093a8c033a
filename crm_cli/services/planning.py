"""What to plan: which clients the scheduler reads, and the items of a day or a client.

The rule for the whole book lives here: the plan index when there is one, else the
screen over the hints, else everyone (a malformed record, which the parse names).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scheduler is imported only by the commands that plan
    from crm_cli.core.models import Client, PlannedStep
    from crm_cli.core.scheduler import BookView, Item
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book


def book_view(book: Book, settings: Settings, today: date, horizon: date) -> BookView:
    """What the scheduler reads to plan ``today`` .. ``horizon``, from one open book.

    Clients the plan index (or, without one, the screen) shows to have nothing due
    by ``horizon`` are left out: their records and digests are never built.
    """
    from crm_cli.core.scheduler import BookView, index_candidates, screen

    snoozes, steps = book.snoozes(), book.steps()
    planned = planned_meetings(book)
    index = book.plan_index()
    if index is not None:  # kept by every write: no need to look at every client
        wanted = index_candidates(index, steps, settings, today, horizon)
        return BookView(book.clients_of(wanted), book.summaries_of(wanted), snoozes, steps, planned)
    hints = book.hints()
    if hints is None:  # a malformed record: plan everyone, and the parse names it
        return BookView(book.clients(ordered=False), book.summaries(), snoozes, steps, planned)
    wanted = screen(hints, snoozes, steps, settings, today, horizon)
    clients, summaries = book.plan_records(wanted)
    return BookView(clients, summaries, snoozes, steps, planned)


def planned_meetings(book: Book) -> dict[str, list[date]]:
    """Coming meetings that ``crm capture calendar`` found on this device's calendars."""
    from crm_cli.store import load_planned

    found: dict[str, list[date]] = {}
    for client_id, days in load_planned(book.home).items():
        for day in days:
            try:
                found.setdefault(client_id, []).append(date.fromisoformat(day))
            except ValueError:
                continue  # a hand-edited file: a bad day is no meeting
    return found


def client_view(book: Book, client: Client) -> BookView:
    """The scheduler's view of one client only (show, draft): no other digest is parsed."""
    from crm_cli.core.scheduler import BookView

    snooze = book.snooze(client.id)
    planned = planned_meetings(book).get(client.id)
    return BookView(
        clients=[client],
        summaries={client.id: book.summary(client.id)},
        snoozes={client.id: snooze} if snooze else {},
        steps=book.steps(client.id),
        planned={client.id: planned} if planned else {},
    )


def plan_for_day(book: Book, settings: Settings, today: date) -> list[Item]:
    """The items due on ``today``, most urgent first (``crm due``, ``crm drafts``)."""
    from crm_cli.core.scheduler import plan_day

    return plan_day(book_view(book, settings, today, today), settings, today)


def plan_days(
    book: Book, settings: Settings, start: date, days: int, capacity: int | None
) -> list[tuple[date, list[Item]]]:
    """The agenda: ``days`` days from ``start``, at most ``capacity`` items a day."""
    from crm_cli.core.scheduler import agenda

    view = book_view(book, settings, start, start + timedelta(days=days - 1))
    return agenda(view, settings, start, days, capacity)


def shared_ids(book: Book, plan: list[tuple[date, list[Item]]]) -> set[str]:
    """The planned clients whose email or phone others may read (shared contacts):
    what leaves the machine about them (an agenda's .ics) quotes none of their notes."""
    planned = {item.client_id for _, items in plan for item in items}
    return {c.id for c in book.clients_of(planned) if c.shared_contact}


def client_items(
    book: Book,
    client: Client,
    settings: Settings,
    today: date,
    steps: list[PlannedStep] | None = None,
) -> list[Item]:
    """This client's items due on ``today``, most urgent first: planning the whole
    book is for ``crm due``. ``steps``: the client's playbook steps, if already read."""
    from crm_cli.core.scheduler import items_for_client, sort_key

    return sorted(
        items_for_client(
            client,
            book.summary(client.id),
            book.snooze(client.id),
            book.steps(client.id) if steps is None else steps,
            settings,
            today,
            today,
            planned_meetings(book).get(client.id, ()),
        ),
        key=sort_key,
    )


def pick_item(items: list[Item], purpose: str | None) -> Item | None:
    """The item a draft is for: the most urgent, or the first of the purpose asked
    for (a purpose names an item by its purpose or by its reason). A nudge
    (terms.NUDGES) is never drafted for: it asks for patience, not a message."""
    from crm_cli.core.terms import NUDGES

    items = [i for i in items if i.reason not in NUDGES]
    if purpose is None:
        return items[0] if items else None
    return next((i for i in items if purpose in (i.purpose, i.reason)), None)
