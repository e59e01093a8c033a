"""``crm report``: the figures of a period from one open book, and the HTML page of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_cli.errors import CorruptBook, InvalidValue

if TYPE_CHECKING:
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book


def period(today: date, start: date | None, end: date | None) -> tuple[date, date]:
    """``--from`` .. ``--to``: the twelve months up to ``--to`` (default today) unless given."""
    from crm_cli.core.report import default_period

    last = end or today
    first = start or default_period(last)[0]
    if first > last:
        raise InvalidValue(
            f"--from {first.isoformat()} is after --to {last.isoformat()}: nothing to report"
        )
    return first, last


def figures(book: Book, settings: Settings, start: date, end: date) -> dict[str, Any]:
    """Every figure of the report: one read of the clients, one pass over the touchpoints'
    records as the store keeps them (no model object for each of 250,000)."""
    from crm_cli.core.report import build_report

    clients = book.clients(ordered=False)
    records = book.touchpoint_records()
    try:
        return build_report(clients, records, settings, start, end)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The records are read key by key: one the store did not write stops here.
        raise CorruptBook(
            f"a touchpoint record of the cache is invalid ({type(exc).__name__}: {exc}): "
            "run 'crm doctor' to rebuild it"
        ) from None


def client_months(book: Book, client_id: str, end: date) -> list[int]:
    """The client's contacts per month over the 24 months ending with ``end``'s."""
    from crm_cli.core.months import monthly_counts

    return monthly_counts(book.contact_dates(client_id), end)


def write_html(path: Path, data: dict[str, Any]) -> int:
    """The report as one self-contained HTML file; returns its size in bytes."""
    from crm_cli.report_html import render
    from crm_cli.services.files import write_file

    page = render(data).encode("utf-8")
    write_file(path, page)
    return len(page)
