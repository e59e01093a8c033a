"""What every command needs: today's date, the settings, the book, the client.

Only what is about the command line lives here (the ``--date`` option, opening the
user's book, naming a client); what a command does is in ``crm_cli.services``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer

from crm_cli.core.models import Client
from crm_cli.core.settings import Settings
from crm_cli.store import Book, open_book
from crm_cli.userfiles.config import home_dir, load_settings

DATE_HELP = "The day to act as today (default: today), e.g. 2026-11-23."

DateOption = typer.Option(None, "--date", help=DATE_HELP, metavar="DATE")


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
    from crm_cli.core.book import resolve_client
    from crm_cli.errors import NotFound

    try:  # an exact id wins (resolve_client's first rule): one look-up, not every client
        return book.client(" ".join(ref.split()))
    except NotFound:
        pass
    return book.client(resolve_client(book.client_refs(), ref).id)
