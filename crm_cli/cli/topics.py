"""Topics: crm topic list/done."""

from __future__ import annotations

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, table
from crm_cli.core.topics import quoted
from crm_cli.services import topics as topics_service

topic_app = typer.Typer(
    rich_markup_mode=None,
    help="What the next message may bring back: a client's open topics, and closing one.",
    no_args_is_help=True,
)


@topic_app.command("list")
def list_topics(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
) -> None:
    """A client's open topics, newest first."""
    with common.book() as book:
        client = common.find_client(book, client_ref)
        opened = topics_service.client_topics(book, client)
    if not opened:
        err(f"{client.name} has no open topic")
        return
    rows = [[tp.id, tp.date.isoformat(), tp.topic or ""] for tp in opened]
    out(table(["ID", "DATE", "TOPIC"], rows, shrink=(2,)))


@topic_app.command("done")
def done(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    topic: str | None = typer.Argument(
        None, metavar="[TOPIC]", help="Part of the topic (default: the newest open one)."
    ),
) -> None:
    """Close a client's topic: the newest open one, or the one TOPIC names."""
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        closed = topics_service.close_topic(book, client, topic)
    err(f"closed topic: {quoted(closed.topic or '')}")


def register(app: typer.Typer) -> None:
    app.add_typer(topic_app, name="topic")
