"""Topics: what the next message may bring back, and which of them are still open.

A topic is written on a touchpoint (``crm log --topic``). It stays open until it
is closed by hand (``crm topic done``) or by the next outbound contact, which
closes the newest topic open before it. Closures are the ids kept in
``Client.closed_topics``: the history itself is never rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, Touchpoint
from crm_cli.errors import Ambiguous, NotFound

__all__ = ["match_topic", "open_topics", "quoted", "topic_closed_by"]


def _order(tp: Touchpoint) -> tuple[date, int]:
    return (tp.date, tp.seq)


def open_topics(
    client: Client, touchpoints: Iterable[Touchpoint], today: date | None = None
) -> list[Touchpoint]:
    """The client's touchpoints whose topic is still open, newest first.

    With ``today``, topics logged after it are left out (a back-dated draft).
    """
    closed = set(client.closed_topics)
    found = {
        tp.id: tp
        for tp in touchpoints
        if tp.topic
        and tp.client_id == client.id
        and tp.id not in closed
        and (today is None or tp.date <= today)
    }
    return sorted(found.values(), key=_order, reverse=True)


def topic_closed_by(
    client: Client, touchpoints: Iterable[Touchpoint], new: Touchpoint
) -> Touchpoint | None:
    """The topic that logging ``new`` closes: the newest one open before it, if ``new``
    is an outbound contact (a note or an inbound message closes nothing)."""
    if new.direction != "out" or not new.is_contact:
        return None
    before = [
        tp
        for tp in open_topics(client, touchpoints)
        if tp.id != new.id and _order(tp) < _order(new)
    ]
    return before[0] if before else None


def quoted(topic: str) -> str:
    return f"«{topic}»"


def match_topic(client: Client, opened: list[Touchpoint], text: str | None) -> Touchpoint:
    """The open topic ``text`` names (case and accents ignored), or the newest without it.

    A text equal to a whole topic wins over longer topics containing it.
    """
    if not opened:
        raise NotFound(f"{client.name} has no open topic")
    if text is None or not text.strip():
        return opened[0]
    needle = fold(" ".join(text.split()))
    exact = [tp for tp in opened if fold(" ".join((tp.topic or "").split())) == needle]
    matches = exact or [tp for tp in opened if needle in fold(tp.topic or "")]
    if not matches:
        listed = ", ".join(quoted(tp.topic or "") for tp in opened)
        raise NotFound(f"no open topic of {client.name} matches '{text}' (open: {listed})")
    if len(matches) > 1:
        listed = ", ".join(quoted(tp.topic or "") for tp in matches)
        raise Ambiguous(f"'{text}' matches {len(matches)} open topics of {client.name}: {listed}")
    return matches[0]
