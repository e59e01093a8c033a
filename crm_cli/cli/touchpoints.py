"""Commands about touchpoints: log, amend, unlog and history."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json, table, warn
from crm_cli.core import terms
from crm_cli.core.models import Touchpoint
from crm_cli.core.topics import quoted
from crm_cli.core.views import touchpoint_flags, touchpoint_record
from crm_cli.services import touchpoints

if TYPE_CHECKING:
    import typer


def log(
    client_ref: common.ClientArg,
    channel: Annotated[
        str,
        typer.Argument(
            metavar="CHANNEL",
            help=f"One of: {', '.join(terms.LOG_CHANNELS)}.",
            autocompletion=completion.log_channels,
        ),
    ],
    inbound: Annotated[
        bool,
        typer.Option("--in/--out", help="--in: the client reached you; --out (default): you did."),
    ] = False,
    date_: common.DateOpt = None,
    note: Annotated[str | None, typer.Option("--note", help="What it was about.")] = None,
    needs_reply: Annotated[
        bool, typer.Option("--needs-reply", help="An inbound request awaiting your answer.")
    ] = False,
    incident: Annotated[
        bool,
        typer.Option("--incident", help="Service fell short, even if the client did not complain."),
    ] = False,
    private: Annotated[
        bool, typer.Option("--private", help="Keep the note out of every message.")
    ] = False,
    follow_up: Annotated[
        str | None, typer.Option("--follow-up", help="Promise to get back on DATE.", metavar="DATE")
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            help="What the next message may bring back, in the client's words "
            "(an inbound request: what it asks about).",
        ),
    ] = None,
    keep_topic: Annotated[
        bool,
        typer.Option("--keep-topic", help="An outbound contact: keep the newest open topic open."),
    ] = False,
) -> None:
    """Record a touchpoint; prints its id."""
    name = touchpoints.log_channel(channel)
    touchpoints.check_direction(inbound, needs_reply)
    real_today = date.today()
    when = common.today(date_)
    if touchpoints.in_future(when, real_today):
        warn(f"{when.isoformat()} is in the future; logged as given")
    promise = common.parse_day(follow_up, when) if follow_up else None
    touchpoints.check_follow_up(promise, when)
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        tp, closed = touchpoints.record(
            book,
            client,
            touchpoints.new_touchpoint(
                client.id,
                when,
                name,
                inbound=inbound,
                note=note,
                needs_reply=needs_reply,
                incident=incident,
                private=private,
                follow_up=promise,
                topic=topic,
            ),
            keep_topic=keep_topic,
        )
    if closed is not None:
        err(f"closed topic: {quoted(closed.topic or '')} (use --keep-topic to keep it open)")
    for message in touchpoints.log_warnings(client, inbound):
        warn(message)
    out(tp.id)


def history(
    client_ref: Annotated[
        str, typer.Argument(metavar="CLIENT", autocompletion=completion.client_ids)
    ],
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the newest N.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    include_private: Annotated[
        bool,
        typer.Option(
            "--include-private", help="With --json: include the notes of private touchpoints."
        ),
    ] = False,
) -> None:
    """A client's timeline, newest first."""
    with common.book() as book:
        client = common.find_client(book, client_ref)
        tps = touchpoints.history(book, client, limit)
    if as_json:
        print_json([touchpoint_record(t, include_private) for t in tps])
        return
    if not tps:
        err(f"no touchpoints with {client.name} yet")
        return
    # The topic column only once there are topics: older books read as they did.
    with_topics = any(tp.topic for tp in tps)
    rows = []
    for tp in tps:
        flags = ", ".join(touchpoint_flags(tp))
        topic = [tp.topic or ""] if with_topics else []
        rows.append(
            [tp.id, tp.date.isoformat(), tp.direction, tp.channel, tp.note or "", *topic, flags]
        )
    headers = ["ID", "DATE", "DIR", "CHANNEL", "NOTE", *(["TOPIC"] if with_topics else []), "FLAGS"]
    out(table(headers, rows, shrink=(4, 5, 6) if with_topics else (4, 5)))


def _described(tp: Touchpoint, name: str) -> str:
    return f"{tp.id} ({tp.date.isoformat()} {tp.channel} with {name})"


def amend(
    tp_id: Annotated[
        str, typer.Argument(metavar="TOUCHPOINT", help="Its id, as 'crm history' shows.")
    ],
    note: Annotated[str | None, typer.Option("--note", help="The new note ('' clears it).")] = None,
    date_: Annotated[
        str | None, typer.Option("--date", help="The new date.", metavar="DATE")
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help=f"One of: {', '.join(terms.LOG_CHANNELS)}.")
    ] = None,
    inbound: Annotated[bool | None, typer.Option("--in/--out", help="Who reached whom.")] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", help="The new topic ('' clears it).")
    ] = None,
) -> None:
    """Correct a touchpoint: only what you give changes."""
    when = common.parse_day(date_, date.today()) if date_ is not None else None
    with common.book(write=True) as book:
        before, after = touchpoints.amend(
            book, tp_id, note=note, when=when, channel=channel, inbound=inbound, topic=topic
        )
        name = book.client(after.client_id).name
    changed = [k for k, v in after.to_dict().items() if before.to_dict().get(k) != v]
    if not changed:
        err(f"{_described(after, name)} already reads so: nothing changed")
        return
    err(f"amended {_described(after, name)}: {', '.join(changed)}")


def unlog(
    tp_id: Annotated[
        str | None, typer.Argument(metavar="[TOUCHPOINT]", help="Its id, as 'crm history' shows.")
    ] = None,
    last: Annotated[
        bool,
        typer.Option(
            "--last", help="The touchpoint last logged on this device (undo a 'crm log')."
        ),
    ] = False,
) -> None:
    """Remove a touchpoint logged by mistake (--last: undo the last 'crm log')."""
    with common.book(write=True) as book:
        tp = touchpoints.unlog(book, tp_id, last)
        name = book.client(tp.client_id).name
    err(f"removed {_described(tp, name)}")


def register(app: typer.Typer) -> None:
    common.lend_typer(globals())
    app.command("log")(log)
    app.command("amend")(amend)
    app.command("unlog")(unlog)
    app.command("history")(history)
