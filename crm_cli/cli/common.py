"""What every command needs: today's date, the settings, the book, the client.

Only what is about the command line lives here (the ``--date`` option, opening the
user's book, naming a client); what a command does is in ``crm_cli.services``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from crm_cli.core.models import Client
from crm_cli.core.settings import Settings
from crm_cli.store import Book, open_book
from crm_cli.userfiles.config import home_dir, load_settings

DATE_HELP = "The day to act as today (default: today), e.g. 2026-11-23."

if TYPE_CHECKING:
    DateOpt = Annotated[str | None, "--date"]
    ClientArg = Annotated[str, "CLIENT"]


def lend_typer(namespace: dict[str, Any]) -> None:
    """Lend Typer to a command module that does not import it.

    The commands of the fast lane (``crm_cli.cli.lane``) live in modules that import
    no Typer; their parameters are ``Annotated[..., typer.Option(...)]`` annotations,
    which stay unevaluated strings until Typer builds the command and evaluates them
    in the module: the module's ``register`` lends the name first.
    """
    import typer

    namespace.setdefault("typer", typer)


def __getattr__(name: str) -> Any:
    """Typer's pieces shared by many commands, made only when Typer builds one."""
    import typer

    if name == "DateOpt":  # for ``date_: common.DateOpt = None``
        return Annotated[str | None, typer.Option("--date", help=DATE_HELP, metavar="DATE")]
    if name == "ClientArg":  # for ``client_ref: common.ClientArg``: a client named
        from crm_cli.cli import completion

        return Annotated[
            str,
            typer.Argument(
                metavar="CLIENT",
                autocompletion=completion.client_ids,
                help="Id, or part of name or email.",
            ),
        ]
    if name == "DateOption":  # for ``date_: str | None = common.DateOption``
        return typer.Option(None, "--date", help=DATE_HELP, metavar="DATE")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def settings() -> Settings:
    """The settings, read afresh: a command reads them once or twice, and tests switch
    ``CRM_CONFIG`` between runs in one process."""
    return load_settings()


def today(text: str | None = None) -> date:
    """``--date`` parsed against the real today, or the real today."""
    real = date.today()
    if text is None:
        return real
    from crm_cli.core.dates import parse_date

    return parse_date(text, today=real, date_order=settings().date_order)


def parse_day(text: str, base: date) -> date:
    from crm_cli.core.dates import parse_date

    return parse_date(text, today=base, date_order=settings().date_order)


@contextmanager
def book(write: bool = False) -> Iterator[Book]:
    with open_book(home_dir(), write=write) as opened:
        yield opened


def find_client(book: Book, ref: str) -> Client:
    """The one client that ``ref`` names (an id, or part of a name or email)."""
    return book.find_client(ref)
