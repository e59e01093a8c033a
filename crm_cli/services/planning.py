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
    from crm_cli.store import Book, PlanMemo


def book_view(book: Book, settings: Settings, today: date, horizon: date) -> BookView:
    """What the scheduler reads to plan ``today`` .. ``horizon``, from one open book.

    Clients the plan index (or, without one, the screen) shows to have nothing due
    by ``horizon`` are left out: their records and digests are never built.
    """
    return _book_view(book, settings, today, horizon, planned_meetings(book))[0]


def _book_view(
    book: Book, settings: Settings, today: date, horizon: date, planned: dict[str, list[date]]
) -> tuple[BookView, dict[str, str] | None]:
    """``book_view``, with each client's global id when the screen read the records."""
    from crm_cli.core.scheduler import BookView, index_candidates, screen

    snoozes, steps = book.snoozes(), book.steps()
    index = book.plan_index()
    if index is not None:  # kept by every write: no need to look at every client
        wanted = index_candidates(index, steps, settings, today, horizon)
        view = BookView(book.clients_of(wanted), book.summaries_of(wanted), snoozes, steps, planned)
        return view, None
    hints = book.hints()
    if hints is None:  # a malformed record: plan everyone, and the parse names it
        view = BookView(book.clients(ordered=False), book.summaries(), snoozes, steps, planned)
        return view, None
    wanted = screen(hints, snoozes, steps, settings, today, horizon)
    rows = book.plan_rows(wanted)
    summaries = {client.id: digest for _, client, digest in rows if digest is not None}
    view = BookView([client for _, client, _ in rows], summaries, snoozes, steps, planned)
    return view, {client.id: gid for gid, client, _ in rows}


# More clients changed than this since a memo was made (an import, a sync of a big
# batch): screening the book again is quicker than planning each of them.
MEMO_STALE_MAX = 1_000


def planned_items(book: Book, settings: Settings, start: date, horizon: date) -> list[Item]:
    """Every item due on or before ``horizon`` as seen on ``start``, most urgent first.

    From the book's memo of this plan when there is one: only the clients changed
    since it was made are planned again (``crm due`` a second time, after a ``log``,
    ``crm today`` resumed). Otherwise planned from the records, and the memo kept."""
    from crm_cli.core.scheduler import items_by_client, sort_key

    planned = planned_meetings(book)
    key = _memo_key(settings, planned, start, horizon)
    memo = book.plan_memo(key)
    if memo is not None and len(memo.stale) <= MEMO_STALE_MAX:
        items = _from_memo(book, memo, key, settings, start, horizon, planned)
        if items is not None:
            return items
    paused = _pause_collector()
    try:
        at = book.plan_position()  # before the records: a change made meanwhile is seen
        view, gids = _book_view(book, settings, start, horizon, planned)
        found = items_by_client(view, settings, start, horizon)
        items = [item for its in found.values() for item in its]
        keys = [sort_key(item) for item in items]  # once each: for the memo and the order
        if at is not None and gids is not None:
            rows: dict[str, str | None] = {}
            done = 0
            for cid, its in found.items():
                rows[gids[cid]] = _memo_doc(its, keys[done : done + len(its)])
                done += len(its)
            book.save_plan_memo(key, at, rows, replace=True)
        # A stable sort of the positions by key: the order items.sort(key=sort_key) gives.
        order = sorted(range(len(items)), key=keys.__getitem__)
        return [items[i] for i in order]
    finally:
        _resume_collector(paused)


def _pause_collector() -> tuple[bool, bool]:
    """The cycle collector paused while a day is planned from the records: tens of
    thousands of acyclic records and items, which it would walk again and again, and all
    at once when enabled again (50 ms of a cold `crm due` on D3). Whether it ran, and
    whether objects were frozen already (by whoever runs this process)."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    return paused, gc.get_freeze_count() > 0


def _resume_collector(paused: tuple[bool, bool]) -> None:
    """The collector runs again, what the plan made moved out of its way unwalked: frozen
    (no copy, no traversal) and, unless the process froze objects of its own, unfrozen
    into the oldest generation, which only a full collection looks at (cycles among them,
    if any, are still collected then)."""
    import gc

    ran, frozen = paused
    if ran:
        gc.freeze()
        if not frozen:
            gc.unfreeze()
        gc.enable()


def _from_memo(
    book: Book,
    memo: PlanMemo,
    key: str,
    settings: Settings,
    start: date,
    horizon: date,
    planned: dict[str, list[date]],
) -> list[Item] | None:
    """The memo's items, the changed clients planned again; None if it is damaged."""
    import orjson

    from crm_cli.core.plan_memo import item_record, ordered
    from crm_cli.core.scheduler import BookView, items_by_client

    try:
        records = [record for kept in orjson.loads(memo.kept) for record in kept]
    except (ValueError, TypeError):
        return None  # a damaged memo: planned from the records, and made again
    if memo.stale:
        fresh = book.plan_rows(memo.stale, by_gid=True)
        summaries = {client.id: digest for _, client, digest in fresh if digest is not None}
        clients = [client for _, client, _ in fresh]
        view = BookView(clients, summaries, book.snoozes(), book.steps(), planned)
        gid_of = {client.id: gid for gid, client, _ in fresh}
        updates: dict[str, str | None] = dict.fromkeys(memo.stale)
        for cid, its in items_by_client(view, settings, start, horizon).items():
            updates[gid_of[cid]] = _memo_doc(its)
            records.extend(item_record(item) for item in its)
        book.save_plan_memo(key, (memo.token, memo.now), updates, replace=False)
    try:
        return ordered(records)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _memo_doc(
    items: list[Item], keys: list[tuple[int, float, str, str, date, str]] | None = None
) -> str:
    """A client's items as the memo keeps them; ``keys``: their ``sort_key``, if known."""
    import orjson

    from crm_cli.core.plan_memo import item_record

    if keys is None:
        return orjson.dumps([item_record(item) for item in items]).decode("utf-8")
    return orjson.dumps([item_record(i, k) for i, k in zip(items, keys, strict=True)]).decode()


def _memo_key(
    settings: Settings, planned: dict[str, list[date]], start: date, horizon: date
) -> str:
    """What a plan depends on besides the clients' records: the days, the settings,
    the planned meetings and the planner's own code (an upgrade plans afresh)."""
    import os

    from crm_cli import __version__
    from crm_cli.core import contacts, dates, models, plan_memo, scheduler, summary, terms
    from crm_cli.core import settings as settings_module

    modules = (contacts, dates, models, plan_memo, scheduler, settings_module, summary, terms)
    code = ",".join(
        f"{st.st_mtime_ns}:{st.st_size}" for st in (os.stat(m.__file__ or "") for m in modules)
    )
    meetings = repr(sorted((cid, sorted(days)) for cid, days in planned.items()))
    return plan_memo.memo_key(
        start.isoformat(), horizon.isoformat(), repr(settings), meetings, __version__, code
    )


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
    return planned_items(book, settings, today, today)


def plan_days(
    book: Book, settings: Settings, start: date, days: int, capacity: int | None
) -> list[tuple[date, list[Item]]]:
    """The agenda: ``days`` days from ``start``, at most ``capacity`` items a day."""
    from crm_cli.core.scheduler import arrange

    if days < 1:
        return arrange([], settings, start, days, capacity)  # its error names the days
    items = planned_items(book, settings, start, start + timedelta(days=days - 1))
    return arrange(items, settings, start, days, capacity)


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
