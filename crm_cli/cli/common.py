"""What every command needs: today's date, the settings, the book, the client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the scheduler is imported only by the commands that plan
    from crm_cli.core.scheduler import BookView

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


def book_view(book: Book, settings: Settings, today: date, horizon: date) -> BookView:
    """What the scheduler reads to plan ``today`` .. ``horizon``, from one open book.

    Clients the plan index (or, without one, the screen) shows to have nothing due
    by ``horizon`` are left out: their records and digests are never built.
    """
    from crm_cli.core.scheduler import BookView, index_candidates, screen

    snoozes, steps = book.snoozes(), book.steps()
    index = book.plan_index()
    if index is not None:  # kept by every write: no need to look at every client
        wanted = index_candidates(index, steps, settings, today, horizon)
        return BookView(book.clients_of(wanted), book.summaries_of(wanted), snoozes, steps)
    hints = book.hints()
    if hints is None:  # a malformed record: plan everyone, and the parse names it
        return BookView(book.clients(ordered=False), book.summaries(), snoozes, steps)
    wanted = screen(hints, snoozes, steps, settings, today, horizon)
    return BookView(book.clients_of(wanted), book.summaries_of(wanted), snoozes, steps)


def client_view(book: Book, client: Client) -> BookView:
    """The scheduler's view of one client only (show, draft): no other digest is parsed."""
    from crm_cli.core.scheduler import BookView

    snooze = book.snoozes().get(client.id)
    return BookView(
        clients=[client],
        summaries={client.id: book.summary(client.id)},
        snoozes={client.id: snooze} if snooze else {},
        steps=book.steps(client.id),
    )


def write_file(path: Path, data: bytes) -> None:
    """Write an output file the user named (``--out FILE``, ``--ics FILE``), atomically:
    a link there is the user's own and is followed; new folders are 0700."""
    from crm_cli.safefile import write_output

    write_output(path.expanduser(), data, named_by_user=True)


def find_client(book: Book, ref: str) -> Client:
    """The one client that ``ref`` names (an id, or part of a name or email)."""
    from crm_cli.core.book import resolve_client

    return book.client(resolve_client(book.client_refs(), ref).id)
