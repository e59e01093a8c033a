"""Topics of a client: which are open, and closing one by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from crm_cli.core.topics import match_topic, open_topics

if TYPE_CHECKING:
    from crm_cli.core.models import Client, Touchpoint
    from crm_cli.store import Book


def client_topics(book: Book, client: Client, today: date | None = None) -> list[Touchpoint]:
    """The client's open topics, newest first (from the digest: no history is read)."""
    return open_topics(client, book.summary(client.id).topics, today)


def close_topic(book: Book, client: Client, text: str | None) -> Touchpoint:
    """Close the open topic ``text`` names (the newest without it); returns its touchpoint."""
    chosen = match_topic(client, client_topics(book, client), text)
    book.update_client(replace(client, closed_topics=[*client.closed_topics, chosen.id]))
    return chosen
