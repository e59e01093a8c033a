"""Touchpoints: what ``crm log`` accepts, the touchpoint it records, a client's history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from crm_cli.core.models import Touchpoint
from crm_cli.core.terms import LOG_CHANNELS
from crm_cli.errors import InvalidValue, NotFound, UsageError

if TYPE_CHECKING:
    from crm_cli.core.models import Client
    from crm_cli.store import Book


def log_channel(text: str) -> str:
    """The channel named by ``text`` (any case, spaces around), or a clear refusal."""
    name = text.strip().lower()
    if name not in LOG_CHANNELS:
        raise InvalidValue(f"unknown channel '{text}': use one of {', '.join(LOG_CHANNELS)}")
    return name


def check_direction(inbound: bool, needs_reply: bool) -> None:
    """A request awaiting an answer can only come from the client."""
    if needs_reply and not inbound:
        raise UsageError("--needs-reply marks a request from the client: add --in")


def in_future(when: date, real_today: date) -> bool:
    """Past tomorrow: worth a warning (a typo in the year?), but logged as given."""
    return when > real_today + timedelta(days=1)


def check_follow_up(promise: date | None, when: date) -> None:
    if promise and promise < when:
        raise InvalidValue(f"--follow-up {promise.isoformat()} is before the touchpoint's date")


def new_touchpoint(
    client_id: str,
    when: date,
    channel: str,
    *,
    inbound: bool,
    note: str | None,
    needs_reply: bool,
    incident: bool,
    private: bool,
    follow_up: date | None,
    topic: str | None = None,
) -> Touchpoint:
    """A touchpoint to add (the store gives it its id); a blank note or topic is none."""
    return Touchpoint(
        id="",
        client_id=client_id,
        date=when,
        channel=channel,
        direction="in" if inbound else "out",
        note=note if note and note.strip() else None,
        needs_reply=needs_reply,
        incident=incident,
        private=private,
        follow_up=follow_up,
        topic=" ".join(topic.split()) if topic and topic.strip() else None,
    )


def record(
    book: Book, client: Client, tp: Touchpoint, keep_topic: bool = False
) -> tuple[Touchpoint, Touchpoint | None]:
    """Log ``tp``; an outbound contact closes the newest topic open before it
    (unless ``keep_topic``). Returns the stored touchpoint and the topic closed.

    Closing a topic changes the client's record in the same unit of work: the
    command still writes once.
    """
    from crm_cli.core.topics import topic_closed_by

    topics = book.summary(client.id).topics
    stored = book.add_touchpoint(tp)
    closed = None if keep_topic else topic_closed_by(client, topics, stored)
    if closed is not None:
        book.update_client(replace(client, closed_topics=[*client.closed_topics, closed.id]))
    return stored, closed


def log_warnings(client: Client, inbound: bool) -> list[str]:
    """What to tell the user once the touchpoint is in the book."""
    if client.do_not_contact and not inbound:
        return [f"{client.name} asked not to be contacted"]
    return []


def amend(
    book: Book,
    tp_id: str,
    *,
    note: str | None,
    when: date | None,
    channel: str | None,
    inbound: bool | None,
    topic: str | None,
) -> tuple[Touchpoint, Touchpoint]:
    """Correct a touchpoint (only what is given changes); returns it before and after.

    A blank ``note`` or ``topic`` clears it."""
    if note is None and when is None and channel is None and inbound is None and topic is None:
        raise UsageError("nothing to amend: give --note, --date, --channel, --in/--out or --topic")
    before = book.touchpoint(tp_id)
    changes: dict[str, object] = {}
    if note is not None:
        changes["note"] = note if note.strip() else None
    if when is not None:
        check_follow_up(before.follow_up, when)
        changes["date"] = when
    if channel is not None:
        changes["channel"] = log_channel(channel)
    if inbound is not None:
        if not inbound and before.needs_reply:
            raise UsageError(
                f"{tp_id} is a request awaiting an answer (--needs-reply): it can only be --in"
            )
        changes["direction"] = "in" if inbound else "out"
    if topic is not None:
        changes["topic"] = " ".join(topic.split()) or None
    return before, book.amend_touchpoint(tp_id, changes)


def unlog(book: Book, tp_id: str | None, last: bool) -> Touchpoint:
    """Remove a touchpoint: the one named, or (``last``) the last this device logged."""
    if (tp_id is None) == (not last):
        raise UsageError("give a touchpoint id, or --last for the last one logged here")
    if last:
        found = book.last_logged()
        if found is None:
            raise NotFound("nothing to undo: no touchpoint logged on this device is in the book")
        tp_id = found.id
    assert tp_id is not None
    return book.unlog(tp_id)


def history(book: Book, client: Client, limit: int | None) -> list[Touchpoint]:
    """A client's touchpoints, newest first; only the newest ``limit`` if given."""
    tps = list(reversed(book.touchpoints(client.id)))
    return tps[:limit] if limit else tps
