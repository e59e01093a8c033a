"""The morning view: due, agenda, snooze, unsnooze."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm_cli.cli import common
from crm_cli.cli.output import _width, err, narrow, out, print_json, table
from crm_cli.core.models import Snooze
from crm_cli.errors import InvalidValue

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item


def _late(days: int) -> str:
    return "today" if days <= 0 else f"{days}d late"


def _wrap(text: str, width: int, first: str, rest: str, max_lines: int) -> list[str]:
    """``textwrap.wrap`` counting terminal cells, not characters: a CJK note takes two
    cells a character and must still fit the line."""
    if (
        len(first) + len(text) <= width
        and narrow(text)
        and text.isprintable()
        and "  " not in text
        and text.strip() == text
        and text
    ):
        return [first + text]  # most details: already one clean line that fits
    words = text.split()
    room = width - max(len(first), len(rest))
    if narrow(text + first + rest) and max(map(len, words), default=0) <= room:
        lines = _fill_narrow(" ".join(words), width, first, rest)  # the usual case, 3x faster
    else:
        lines = _fill(words, width, first, rest)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while _width(last) + len(" [...]") > width and len(last) > len(rest):
            words = last[len(rest) :].rsplit(" ", 1)  # drop whole words when there are some
            last = rest + words[0] if len(words) == 2 else last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + " [...]"]
    return lines


def _fill_narrow(text: str, width: int, first: str, rest: str) -> list[str]:
    """Greedy filling of one-cell text whose every word fits a line: each line ends at
    the last space that fits, found by ``rfind`` rather than word by word."""
    lines: list[str] = []
    prefix = first
    while text:
        room = width - len(prefix)
        if len(text) <= room:
            lines.append(prefix + text)
            break
        cut = text.rfind(" ", 0, room + 1)
        lines.append(prefix + text[:cut])
        text, prefix = text[cut + 1 :], rest
    return lines


def _fill(words: list[str], width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line, empty = first, True
    for word in words:
        while word:
            room = width - _width(line) - (0 if empty else 1)
            if _width(word) <= room:
                line, empty, word = line + ("" if empty else " ") + word, False, ""
                continue
            if empty or _width(word) > width - _width(rest):
                # Longer than a whole line: cut it to fill this one.
                cut, used = 0, 0
                while cut < len(word) and used + _width(word[cut]) <= room:
                    used += _width(word[cut])
                    cut += 1
                if cut:
                    line, word = line + ("" if empty else " ") + word[:cut], word[cut:]
            lines.append(line)
            line, empty = rest, True
    if not empty:
        lines.append(line)
    return lines


def _due_table(items: list[Item]) -> str:
    """One row per item, its detail on an indented line below: fits 80 columns."""
    rows = [
        [
            str(n),
            item.reason,
            item.client + (" !" if item.neglected else ""),
            item.channel,
            _late(item.overdue_days),
        ]
        for n, item in enumerate(items, 1)
    ]
    lines = table(["#", "WHY", "CLIENT", "VIA", "WHEN"], rows, shrink=(2,)).split("\n")
    indent = " " * (len(str(len(items))) + 2)
    out_lines = [lines[0]]
    for line, item in zip(lines[1:], items, strict=True):
        out_lines.append(line)
        out_lines.extend(_wrap(item.detail, 78, indent, indent + "  ", max_lines=3))
    return "\n".join(out_lines)


def due(
    date_: str | None = common.DateOption,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show only the first N."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list of items."),
) -> None:
    """Whom to contact today, why, and how: the most urgent first."""
    from crm_cli.core.scheduler import plan_day

    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        view = common.book_view(book, settings, today, today)
    # Let the parsed files go before planning: what the plan and the text allocate
    # then reuses their memory rather than the kernel's fresh pages (~2.5 us each here).
    del book
    items = plan_day(view, settings, today)
    total = len(items)
    if limit:
        items = items[:limit]
    if as_json:
        print_json([item.to_json() for item in items])
        return
    out(render_due(items, total, today))


def render_due(items: list[Item], total: int, today: date) -> str:
    """The morning view as text (also shown by ``crm demo``)."""
    day = f"{today:%A} {today.day} {today:%B %Y}"
    if not items:
        return f"Nothing is due on {day}: everyone has been looked after."
    shown = f"{len(items)} of {total}" if len(items) < total else str(total)
    lines = [f"Due on {day}: {shown} {'item' if total == 1 else 'items'}, most urgent first", ""]
    lines.append(_due_table(items))
    if any(item.neglected for item in items):
        lines += ["", "! neglected: last contact more than twice the cadence ago"]
    return "\n".join(lines)


def agenda(
    from_: str | None = typer.Option(
        None, "--from", help="First day (default today).", metavar="DATE"
    ),
    days: int = typer.Option(7, "--days", min=1, max=366, help="How many days."),
    capacity: int | None = typer.Option(
        None, "--capacity", min=1, help="Most items per day (default: setting capacity)."
    ),
    as_json: bool = typer.Option(False, "--json", help="A JSON list of days."),
    ics: Path | None = typer.Option(
        None, "--ics", help="Also write the plan as iCalendar.", metavar="FILE"
    ),
) -> None:
    """The plan for the next days, check-ins spread so no day is overloaded."""
    from crm_cli.core.scheduler import agenda as plan_agenda

    settings = common.settings()
    start = common.today(from_)
    with common.book() as book:
        view = common.book_view(book, settings, start, start + timedelta(days=days - 1))
        plan = plan_agenda(view, settings, start, days, capacity)
    if ics is not None:
        from datetime import datetime

        from crm_cli.interchange.ics import agenda_ics

        shared = {c.id for c in view.clients if c.shared_contact}
        data = agenda_ics(plan, datetime.now(UTC), shared=shared)
        common.write_file(ics, data)
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
            late = f", {_late(item.overdue_days)}" if item.due < d else ""
            mark = " !" if item.neglected else ""
            out(f"  {item.reason:<11} {item.client}{mark} via {item.channel}{late}: {item.detail}")


def snooze(
    client_ref: str = typer.Argument(..., metavar="CLIENT"),
    until: str = typer.Option(
        ..., "--until", help="Hide the client's items until DATE.", metavar="DATE"
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why (e.g. 'on holiday')."),
    date_: str | None = common.DateOption,
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


def unsnooze(client_ref: str = typer.Argument(..., metavar="CLIENT")) -> None:
    """End a snooze."""
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        ended = book.clear_snooze(client.id)
    err(f"{client.id} is back in the plan" if ended else f"{client.id} was not snoozed")


def register(app: typer.Typer) -> None:
    app.command("due")(due)
    app.command("agenda")(agenda)
    app.command("snooze")(snooze)
    app.command("unsnooze")(unsnooze)
