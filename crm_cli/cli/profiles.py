"""Reading the book's clients: list and show.

Kept apart from the commands that change clients (``clients``): these two run in
the fast lane, so this module imports no Typer (see ``crm_cli.cli.lane``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json, table
from crm_cli.cli.views import card_fields, contacts_line
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.summary import ClientSummary
from crm_cli.core.topics import quoted
from crm_cli.core.views import client_record, topic_record, touchpoint_flags, touchpoint_record
from crm_cli.errors import UsageError
from crm_cli.services import clients as clients_service

if TYPE_CHECKING:
    import typer


def list_clients(
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Only clients with this tag (repeatable).")
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option("--tier", help="Only clients of this tier.", autocompletion=completion.tiers),
    ] = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="Show archived clients instead.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of objects.")] = False,
) -> None:
    """List clients."""
    wanted_tier = clients_service.tier_filter(tier)
    with common.book() as book:
        clients = book.clients()
        last = book.last_contacts()
    chosen = clients_service.select(clients, tag or [], wanted_tier, archived)
    if as_json:
        print_json([client_record(c, last.get(c.id)) for c in chosen])
        return
    if not chosen:
        err("no archived clients" if archived else "no clients match" if clients else _EMPTY)
        return
    rows = [
        [
            c.id,
            c.name,
            c.company or "",
            c.tier or "",
            c.channel or "",
            last[c.id].isoformat() if c.id in last else "never",
        ]
        for c in chosen
    ]
    out(table(["ID", "NAME", "COMPANY", "TIER", "CHANNEL", "LAST CONTACT"], rows, shrink=(0, 1, 2)))


_EMPTY = "the book is empty: add a client with 'crm add-client NAME' or try 'crm demo'"


def _describe_touchpoint(tp: Touchpoint) -> str:
    arrow = "←" if tp.direction == "in" else "→"
    flags = touchpoint_flags(tp)
    note = " ".join((tp.note or "").split())
    if len(note) > 100:
        note = note[:99] + "…"
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{tp.date.isoformat()} {arrow} {tp.channel:<7} {note}{extra}".rstrip()


def _tenure(since: date, today: date) -> str:
    from dateutil.relativedelta import relativedelta

    span = relativedelta(today, since)
    if span.years:
        return f"{span.years} year{'s' if span.years > 1 else ''}"
    if span.months:
        return f"{span.months} month{'s' if span.months > 1 else ''}"
    return "new this month" if today >= since else "starts later"


def _addressed(client: Client) -> list[tuple[str, str | None]]:
    """What the profile says about addressing the client, where it is not obvious."""
    from crm_cli.core.names import client_parts

    parts = client_parts(client.name, client.first_name, client.business, client.contact_person)
    words = client.name.split()
    rows: list[tuple[str, str | None]] = []
    if client.business:
        rows.append(
            (
                "business",
                "yes" + (f", ask for {client.contact_person}" if client.contact_person else ""),
            )
        )
    else:
        rows.append(("title", parts.title))
        if client.first_name or (words and parts.first != words[0]):
            rows.append(("first name", parts.first))
    rows.append(("salutation", client.salutation))
    rows.append(("gender", client.gender))
    return rows


def _profile(
    client: Client, summary: ClientSummary, today: date, topics: list[Touchpoint]
) -> list[str]:
    lines = [f"{client.name}  ({client.id})" + ("  [archived]" if client.archived else "")]

    def field(label: str, value: object) -> None:
        if value not in (None, "", []):
            lines.append(f"  {label + ':':<14}{value}")

    for label, value in _addressed(client):
        field(label, value)
    field("company", client.company)
    field("city", client.city)
    for label, text in card_fields(client):  # job title, address... (from imports)
        field(label, text)
    field("emails", ", ".join(client.emails))
    field("phones", ", ".join(client.phones))
    field("channel", client.channel)
    field("tier", client.tier)
    field("cadence", client.cadence)
    field("client since", f"{client.since.isoformat()} ({_tenure(client.since, today)})")
    field("birthday", client.birthday)
    field("language", client.lang)
    field("register", {True: "formal", False: "informal", None: None}[client.formal])
    field("tags", ", ".join(client.tags))
    field("likes", "; ".join(client.likes))
    field(
        "prefers", "; ".join(client.prefers) + ("   (never in messages)" if client.prefers else "")
    )
    field("note", client.note)
    if client.private_note:
        field("PRIVATE note", client.private_note + "   (never shown in messages)")
    limits = [
        label
        for label, on in (
            ("do not contact", client.do_not_contact),
            ("no email consent", not client.email_consent),
            ("no SMS consent", not client.sms_consent),
            ("shared contact: others may read", client.shared_contact),
        )
        if on
    ]
    field("careful", "; ".join(limits))
    last = summary.last_contact
    field("last contact", last.isoformat() if last else "never")
    if topics:
        lines.append("  open topics:  (newest first; 'crm topic done' closes one)")
        lines.extend(f"    {tp.date.isoformat()} {quoted(tp.topic or '')}" for tp in topics)
    if summary.recent:
        more = summary.count - len(summary.recent)
        lines.append(
            f"  recent:       (of {summary.count}; 'crm history' has all)" if more else "  recent:"
        )
        lines.extend("    " + _describe_touchpoint(tp) for tp in reversed(summary.recent))
    return lines


def show(
    client_ref: Annotated[
        str, typer.Argument(metavar="CLIENT", autocompletion=completion.client_ids)
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    include_private: Annotated[
        bool, typer.Option("--include-private", help="With --json: include private notes.")
    ] = False,
    date_: common.DateOpt = None,
    changes: Annotated[
        bool,
        typer.Option(
            "--changes",
            help="The values each field had before, or that lost to an edit on another device.",
        ),
    ] = False,
) -> None:
    """Show a client's profile and recent touchpoints."""
    from crm_cli.core.scheduler import next_items
    from crm_cli.core.topics import open_topics
    from crm_cli.services.planning import client_view
    from crm_cli.services.report import client_months

    today = common.today(date_)
    if changes:
        _show_changes(client_ref, as_json)
        return
    with common.book() as book:
        client = common.find_client(book, client_ref)
        summary = book.summary(client.id)
        topics = open_topics(client, summary.topics)
        planned = next_items(client_view(book, client), common.settings(), client.id, today)
        months = None if as_json else client_months(book, client.id, today)
    if include_private and not as_json:
        raise UsageError("--include-private only applies to --json")
    if as_json:
        record = client_record(client, summary.last_contact, include_private=include_private)
        record["recent"] = [touchpoint_record(t, include_private) for t in reversed(summary.recent)]
        record["next"] = [item.to_json() for item in planned]
        record["topics"] = [topic_record(tp) for tp in topics]
        print_json(record)
        return
    lines = _profile(client, summary, today, topics)
    if months is not None:  # beside the last contact: how often, over two years
        at = next((i for i, line in enumerate(lines) if line.startswith("  last contact:")), -1)
        lines.insert(at + 1 if at >= 0 else len(lines), contacts_line(months, today))
    if client.archived or client.do_not_contact:
        lines.append("  next:         nothing is planned (archived or do not contact)")
    elif planned:
        lines.append("  next:")
        for item in planned:
            when = "today" if item.due <= today else item.due.isoformat()
            lines.append(f"    {when:<10} {item.reason} via {item.channel}: {item.detail}")
    out("\n".join(lines))


def _show_changes(client_ref: str, as_json: bool) -> None:
    from datetime import UTC, datetime

    with common.book() as book:
        client = common.find_client(book, client_ref)
        found = book.client_changes(client.id)

    def when(stamp: str) -> tuple[str, str]:
        wall, _, rest = stamp.partition("-")
        device = rest.partition("-")[2].partition("/")[0]
        moment = datetime.fromtimestamp(int(wall) / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return moment, device

    if as_json:
        print_json(
            [
                {
                    "field": name,
                    "value": value,
                    "other_values": [
                        {"value": old, "at": when(stamp)[0], "device": when(stamp)[1]}
                        for stamp, old in lost
                    ],
                }
                for name, value, lost in found
            ]
        )
        return
    if not found:
        err(f"no field of {client.name} has had another value")
        return
    lines = [f"{client.name}  ({client.id}): other values, newest first"]
    for name, value, lost in found:
        lines.append(f"  {name}: {_plain(value)}")
        for stamp, old in lost:
            moment, device = when(stamp)
            lines.append(f"    was {_plain(old)}  ({moment}, device {device})")
    out("\n".join(lines))


def _plain(value: object) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def register(app: typer.Typer) -> None:
    common.lend_typer(globals())
    app.command("list")(list_clients)
    app.command("show")(show)
