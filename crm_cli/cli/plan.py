"""The morning view: due, agenda, snooze, unsnooze."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json
from crm_cli.cli.views import late_label, render_due
from crm_cli.core.models import Snooze
from crm_cli.errors import InvalidValue
from crm_cli.services import planning

if TYPE_CHECKING:
    import typer


def due(
    date_: common.DateOpt = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show only the first N.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of items.")] = False,
) -> None:
    """Whom to contact today, why, and how: the most urgent first."""
    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        items = planning.plan_for_day(book, settings, today)
    total = len(items)
    if limit:
        items = items[:limit]
    if as_json:
        print_json([item.to_json() for item in items])
        return
    out(render_due(items, total, today))


def agenda(
    from_: Annotated[
        str | None, typer.Option("--from", help="First day (default today).", metavar="DATE")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days.")] = 7,
    capacity: Annotated[
        int | None,
        typer.Option("--capacity", min=1, help="Most items per day (default: setting capacity)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of days.")] = False,
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Also write the plan as iCalendar.", metavar="FILE")
    ] = None,
) -> None:
    """The plan for the next days, check-ins spread so no day is overloaded."""
    settings = common.settings()
    start = common.today(from_)
    with common.book() as book:
        plan = planning.plan_days(book, settings, start, days, capacity)
        shared = planning.shared_ids(book, plan) if ics is not None else set()
    if ics is not None:
        from datetime import datetime

        from crm_cli.interchange.ics import agenda_ics
        from crm_cli.services.files import write_file

        data = agenda_ics(plan, datetime.now(UTC), shared=shared)
        write_file(ics, data)
        err(f"wrote {sum(len(items) for _, items in plan)} events to {ics}")
    if as_json:
        print_json(
            [{"date": d.isoformat(), "items": [i.to_json() for i in items]} for d, items in plan]
        )
        return
    for d, items in plan:
        label = f"{d:%a} {d.isoformat()}"
        out(f"{label}  ({len(items)})" if items else f"{label}  -")
        for item in items:
            late = f", {late_label(item.overdue_days)}" if item.due < d else ""
            mark = " !" if item.neglected else ""
            out(f"  {item.reason:<11} {item.client}{mark} via {item.channel}{late}: {item.detail}")


def snooze(
    client_ref: Annotated[
        str, typer.Argument(metavar="CLIENT", autocompletion=completion.client_ids)
    ],
    until: Annotated[
        str, typer.Option("--until", help="Hide the client's items until DATE.", metavar="DATE")
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (e.g. 'on holiday').")] = None,
    date_: common.DateOpt = None,
) -> None:
    """Hide all of a client's items until a date (it does not count as a contact)."""
    today = common.today(date_)
    end = common.parse_day(until, today)
    if end <= today:
        raise InvalidValue(f"--until {end.isoformat()} is not after today ({today.isoformat()})")
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        book.set_snooze(Snooze(client.id, end, reason.strip() if reason else None))
    err(f"snoozed {client.id} until {end.isoformat()}")


def unsnooze(
    client_ref: Annotated[
        str, typer.Argument(metavar="CLIENT", autocompletion=completion.client_ids)
    ],
) -> None:
    """End a snooze."""
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        ended = book.clear_snooze(client.id)
    err(f"{client.id} is back in the plan" if ended else f"{client.id} was not snoozed")


def register(app: typer.Typer) -> None:
    common.lend_typer(globals())
    app.command("due")(due)
    app.command("agenda")(agenda)
    app.command("snooze")(snooze)
    app.command("unsnooze")(unsnooze)
