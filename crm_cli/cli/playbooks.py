"""Standard procedures: crm playbook list/show/start/stop."""

from __future__ import annotations

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, table
from crm_cli.services.playbooks import start_playbook as start_run
from crm_cli.services.playbooks import stop_playbook as stop_run
from crm_cli.userfiles.config import config_dir

playbook_app = typer.Typer(
    rich_markup_mode=None,
    help="Standard procedures: a new client, the end of a project, a complaint.",
    no_args_is_help=True,
)


@playbook_app.command("list")
def list_playbooks() -> None:
    """The playbooks, built-in and your own."""
    from crm_cli.userfiles.playbooks import load_playbooks

    books = load_playbooks(config_dir())
    rows = [
        [
            pb.name,
            str(len(pb.steps)),
            "built-in" if origin == "built-in" else "user",
            pb.description,
        ]
        for _key, (pb, origin) in sorted(books.items())
    ]
    out(table(["NAME", "STEPS", "ORIGIN", "DESCRIPTION"], rows, shrink=(3,)))


@playbook_app.command("show")
def show_playbook(name: str = typer.Argument(..., help="The playbook's name.")) -> None:
    """The steps of a playbook."""
    from crm_cli.userfiles.playbooks import get_playbook

    pb = get_playbook(config_dir(), name)
    out(f"{pb.name}: {pb.description}")
    rows = [[f"day {s.day}", s.name, s.channel, s.purpose] for s in pb.steps]
    out(table(["WHEN", "STEP", "CHANNEL", "DRAFT"], rows, shrink=(1,)))


@playbook_app.command("start")
def start_playbook(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    name: str = typer.Argument(..., help="The playbook's name."),
    date_: str | None = common.DateOption,
) -> None:
    """Schedule each step of a playbook for a client, as follow-ups."""
    from crm_cli.userfiles.playbooks import get_playbook

    pb = get_playbook(config_dir(), name)
    day = common.today(date_)
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        steps = start_run(book, client, pb, day)
    out(f"started {pb.name} for {client.name}:")
    out(table(["DUE", "STEP", "CHANNEL"], [[s.due.isoformat(), s.step, s.channel] for s in steps]))


@playbook_app.command("stop")
def stop_playbook(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    name: str = typer.Argument(..., help="The playbook's name."),
    date_: str | None = common.DateOption,
) -> None:
    """Cancel the remaining steps of a playbook for a client."""
    day = common.today(date_)
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        count = stop_run(book, client, name, day)
    err(f"stopped {count} remaining {'step' if count == 1 else 'steps'} of {name} for {client.id}")


def register(app: typer.Typer) -> None:
    app.add_typer(playbook_app, name="playbook")
