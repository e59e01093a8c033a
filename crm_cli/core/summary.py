"""Per-client digest of the history: what the scheduler needs, and nothing more.

The scheduler never walks touchpoints itself. A digest is small enough to be
kept (a later issue persists it) and updated in O(1) when a touchpoint is logged.

Ordering is ``(date, seq)``: a touchpoint back-dated to a day counts as logged
after the earlier touchpoints of that day, but before every later day.

What closes what:

* an outbound *contact* (any channel but ``note``) closes every request,
  incident and promise logged before it; a note is not a contact, so it
  closes nothing even when its direction is ``out``; an email captured from mail
  (it has a ``thread``) closes only the requests of its own thread, and those
  logged by hand: writing about something else answers no question;
* a touchpoint never closes itself: an outbound email that promises a
  follow-up keeps that promise open;
* a ``handled`` note (``crm handled``) closes the requests before it, and only them;
* the newest outbound contact, when it is an email captured from mail and no inbound
  contact came after it, is *awaiting* an answer: it is kept among the open promises
  flagged ``awaiting`` (so that the plan's screen keeps the client) and an inbound
  contact after it, or a newer outbound one, closes it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from crm_cli.core.models import Touchpoint

__all__ = ["ClientSummary", "OpenTouch", "add_touchpoint", "summarise", "summarise_all"]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(slots=True)
class OpenTouch:
    """A request, incident or promise still open."""

    id: str
    date: date
    channel: str
    note: str | None
    private: bool
    follow_up: _dt.date | None = None  # `date` here would be the field above
    awaiting: bool = False  # not a promise: your email, still unanswered
    order: int = field(default=0, compare=False, repr=False)  # Touchpoint.order
    # A captured email's thread: only your answer in that thread (or a contact logged by
    # hand, which has none) closes the request it opened.
    thread: str | None = None

    @property
    def seq(self) -> int:
        if self.order:
            return self.order
        digits = self.id.lstrip("t")
        return int(digits) if digits.isdigit() else 0

    @classmethod
    def of(cls, tp: Touchpoint) -> OpenTouch:
        return cls(
            tp.id,
            tp.date,
            tp.channel,
            tp.note,
            tp.private,
            tp.follow_up,
            order=tp.order,
            thread=tp.thread,
        )

    @classmethod
    def waiting(cls, tp: Touchpoint) -> OpenTouch:
        return cls(tp.id, tp.date, tp.channel, tp.note, tp.private, None, True, order=tp.order)

    @classmethod
    def mark(cls, tp: Touchpoint) -> OpenTouch:
        """Only where a touchpoint stands (id, date, channel): for the last outbound ones."""
        return cls(tp.id, tp.date, tp.channel, None, False, None, order=tp.order)

    def to_dict(self) -> dict[str, Any]:
        # Empty fields are left out: 5,000 digests are read on every `crm due`.
        data: dict[str, Any] = {
            "id": self.id,
            "date": self.date.isoformat(),
            "channel": self.channel,
        }
        if self.note is not None:
            data["note"] = self.note
        if self.private:
            data["private"] = True
        if self.follow_up is not None:
            data["follow_up"] = self.follow_up.isoformat()
        if self.awaiting:
            data["awaiting"] = True
        if self.thread is not None:
            data["thread"] = self.thread
        return data

    def mark_text(self) -> str:
        """A mark as one short string, "t12 2026-11-23 email": how digests are stored
        (with the order of logging after it when the store gave one)."""
        mark = f"{self.id} {self.date.isoformat()} {self.channel}"
        return f"{mark} {self.order}" if self.order else mark

    @classmethod
    def from_mark(cls, text: str) -> OpenTouch:
        parts = text.split(" ")
        order = int(parts.pop()) if len(parts) == 4 and parts[3].isdigit() else 0
        touch_id, day, channel = parts  # ids, dates and channels hold no space
        return cls(touch_id, date.fromisoformat(day), channel, None, False, None, order=order)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpenTouch:
        day = _date(data["date"])
        assert day is not None
        return cls(
            id=data["id"],
            date=day,
            channel=data["channel"],
            note=data.get("note"),
            private=bool(data.get("private", False)),
            follow_up=_date(data.get("follow_up")),
            awaiting=bool(data.get("awaiting", False)),
            order=int(data.get("order") or 0),
            thread=data.get("thread") or None,
        )


@dataclass(slots=True)
class ClientSummary:
    """What a client's history adds up to: enough for ``crm due`` without the history."""

    client_id: str
    last_contact: date | None = None  # latest non-note touchpoint, in or out
    last_out: date | None = None  # latest outbound touchpoint (non-note)
    last_out_channels: list[str] = field(default_factory=list)  # last two outbound, newest first
    open_requests: list[OpenTouch] = field(default_factory=list)
    open_incidents: list[OpenTouch] = field(default_factory=list)
    open_promises: list[OpenTouch] = field(default_factory=list)
    count: int = 0  # number of touchpoints, notes included
    # The last two outbound contacts, newest first: with their (date, seq) order a
    # back-dated touchpoint can be folded in exactly, without the full history.
    last_outs: list[OpenTouch] = field(default_factory=list)
    # The latest RECENT touchpoints, oldest first (private ones too, flagged):
    # what `crm show` lists and what a draft may mention (the public ones).
    recent: list[Touchpoint] = field(default_factory=list)
    # Notes of every private touchpoint, for the draft privacy guard.
    private_notes: list[str] = field(default_factory=list)
    # Every touchpoint with a topic, oldest first: which are still open is the
    # client's to say (Client.closed_topics). Kept with the recent ones, off `crm due`.
    topics: list[Touchpoint] = field(default_factory=list)
    # Marks of the latest inbound contact and the latest `handled` note: with them a
    # back-dated touchpoint is folded in exactly (what awaits, what is still asked).
    last_in: OpenTouch | None = None
    last_handled: OpenTouch | None = None
    # How many touchpoints came from `crm capture`: none means a capture need not look
    # through the client's history for duplicates.
    captured: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "last_contact": _iso(self.last_contact),
            "last_out": _iso(self.last_out),
            "last_out_channels": list(self.last_out_channels),
            "open_requests": [o.to_dict() for o in self.open_requests],
            "open_incidents": [o.to_dict() for o in self.open_incidents],
            "open_promises": [o.to_dict() for o in self.open_promises],
            "count": self.count,
            "last_outs": [o.to_dict() for o in self.last_outs],
            "recent": [tp.to_dict() for tp in self.recent],
            "private_notes": list(self.private_notes),
            "topics": [tp.to_dict() for tp in self.topics],
            "last_in": self.last_in.mark_text() if self.last_in else None,
            "last_handled": self.last_handled.mark_text() if self.last_handled else None,
            "captured": self.captured,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClientSummary:
        # Called for every client on `crm due`: empty lists skip the comprehension.
        def touches(key: str) -> list[OpenTouch]:
            items = data.get(key)
            return [OpenTouch.from_dict(o) for o in items] if items else []

        # Stored digests keep the last outbound contacts as marks ("t12 2026-11-23
        # email"), and last_out and its channels only through them: a third of the
        # bytes, and of the objects, that every `crm due` parses.
        marks = [
            OpenTouch.from_mark(o) if isinstance(o, str) else OpenTouch.from_dict(o)
            for o in data.get("last_outs") or ()
        ]
        last_out = data.get("last_out", marks[0].date if marks else None)
        channels = data.get("last_out_channels")
        recent = data.get("recent")
        topics = data.get("topics")
        return cls(
            client_id=data["client_id"],
            last_contact=_date(data.get("last_contact")),
            last_out=_date(last_out),
            last_out_channels=[o.channel for o in marks] if channels is None else list(channels),
            open_requests=touches("open_requests"),
            open_incidents=touches("open_incidents"),
            open_promises=touches("open_promises"),
            count=int(data.get("count", 0)),
            last_outs=marks,
            recent=[Touchpoint.from_dict(t) for t in recent] if recent else [],
            private_notes=list(data.get("private_notes") or ()),
            topics=[Touchpoint.from_dict(t) for t in topics] if topics else [],
            last_in=_mark(data.get("last_in")),
            last_handled=_mark(data.get("last_handled")),
            captured=int(data.get("captured", 0)),
        )


def _mark(text: Any) -> OpenTouch | None:
    return OpenTouch.from_mark(text) if isinstance(text, str) and text else None


def _is_out_contact(tp: Touchpoint) -> bool:
    return tp.direction == "out" and tp.is_contact


def _is_request(tp: Touchpoint) -> bool:
    return tp.needs_reply and tp.direction == "in"


def _is_in_contact(tp: Touchpoint) -> bool:
    return tp.direction == "in" and tp.is_contact


def _awaits(tp: Touchpoint) -> bool:
    """An email of yours captured from mail: its answer is expected."""
    return (
        _is_out_contact(tp)
        and tp.channel == "email"
        and (tp.source or "").startswith("mail:")
        and tp.follow_up is None
    )


RECENT = 6


def _order(tp: Touchpoint | OpenTouch) -> tuple[date, int]:
    return (tp.date, tp.seq)


def summarise(client_id: str, touchpoints: list[Touchpoint]) -> ClientSummary:
    """The digest of one client's touchpoints (given in any order).

    Computed directly rather than by folding ``add_touchpoint`` so that the
    property test comparing the two checks two independent implementations.
    """
    ordered = sorted(touchpoints, key=_order)
    outs = [i for i, tp in enumerate(ordered) if _is_out_contact(tp)]
    contacts = [tp.date for tp in ordered if tp.is_contact]
    # Everything strictly before the last outbound contact has been answered; the
    # contact itself can still carry an incident or a promise of its own.
    first_open = outs[-1] if outs else 0
    still_open = ordered[first_open:]
    ins = [tp for tp in ordered if _is_in_contact(tp)]
    handled = [tp for tp in ordered if tp.handled]
    promises = [OpenTouch.of(tp) for tp in still_open if tp.follow_up is not None]
    newest_out = ordered[outs[-1]] if outs else None
    if (
        newest_out is not None
        and _awaits(newest_out)
        and (not ins or _order(ins[-1]) < _order(newest_out))
    ):
        promises = sorted([*promises, OpenTouch.waiting(newest_out)], key=_order)
    return ClientSummary(
        client_id=client_id,
        last_contact=max(contacts) if contacts else None,
        last_out=ordered[outs[-1]].date if outs else None,
        last_out_channels=[ordered[i].channel for i in reversed(outs[-2:])],
        open_requests=_open_requests(ordered),
        open_incidents=[OpenTouch.of(tp) for tp in still_open if tp.incident],
        open_promises=promises,
        count=len(ordered),
        last_outs=[OpenTouch.mark(ordered[i]) for i in reversed(outs[-2:])],
        recent=ordered[-RECENT:],
        # In the order they were logged, as add_touchpoint appends them.
        private_notes=[
            tp.note for tp in sorted(ordered, key=lambda t: t.seq) if tp.private and tp.note
        ],
        topics=[tp for tp in ordered if tp.topic],
        last_in=OpenTouch.mark(ins[-1]) if ins else None,
        last_handled=OpenTouch.mark(handled[-1]) if handled else None,
        captured=sum(1 for tp in ordered if tp.source),
    )


def _answers(out: Touchpoint | OpenTouch, thread: str | None) -> bool:
    """An outbound contact answers a request of ``thread``: a contact logged by hand (no
    thread) answers everything before it, a captured email only its own thread."""
    out_thread = out.thread
    return out_thread is None or thread is None or out_thread == thread


def _open_requests(ordered: list[Touchpoint]) -> list[OpenTouch]:
    """Requests no later answer (see :func:`_answers`) or ``handled`` note has closed."""
    found: list[OpenTouch] = []
    all_closed = any_out = False
    threads: set[str] = set()
    for tp in reversed(ordered):
        if _is_request(tp) and not all_closed:
            answered = (tp.thread in threads) if tp.thread is not None else any_out
            if not answered:
                found.append(OpenTouch.of(tp))
        if tp.handled:
            all_closed = True
        elif _is_out_contact(tp):
            any_out = True
            if tp.thread is None:
                all_closed = True
            else:
                threads.add(tp.thread)
    return found[::-1]


def needs_whole_history(summary: ClientSummary, tp: Touchpoint) -> bool:
    """``add_touchpoint`` cannot tell whether a threaded request logged before the latest
    outbound contact was answered (the digest keeps no threads of past answers): the
    caller summarises the client's whole history instead."""
    latest = _order(summary.last_outs[0]) if summary.last_outs else None
    return _is_request(tp) and tp.thread is not None and latest is not None and latest > _order(tp)


def summarise_all(touchpoints: Iterable[Touchpoint]) -> dict[str, ClientSummary]:
    """Digests of every client that has touchpoints, keyed by client id."""
    groups: dict[str, list[Touchpoint]] = {}
    for tp in touchpoints:
        groups.setdefault(tp.client_id, []).append(tp)
    return {client_id: summarise(client_id, tps) for client_id, tps in groups.items()}


def add_touchpoint(summary: ClientSummary, tp: Touchpoint) -> ClientSummary:
    """The digest after logging ``tp``, at any place in (date, seq) order.

    Exact without the history: a touchpoint can only close what is still open
    (all in the summary), and only the last two outbound contacts matter.
    Returns a new summary; the one passed in is left unchanged.
    """
    at = _order(tp)
    updated = replace(
        summary,
        open_requests=list(summary.open_requests),
        open_incidents=list(summary.open_incidents),
        open_promises=list(summary.open_promises),
        count=summary.count + 1,
        captured=summary.captured + (1 if tp.source else 0),
        recent=sorted([*summary.recent, tp], key=_order)[-RECENT:],
        private_notes=[*summary.private_notes, tp.note]
        if tp.private and tp.note
        else list(summary.private_notes),
        topics=sorted([*summary.topics, tp], key=_order) if tp.topic else list(summary.topics),
    )
    if tp.is_contact:
        last = updated.last_contact
        updated.last_contact = tp.date if last is None else max(last, tp.date)
    if _is_in_contact(tp) and (updated.last_in is None or _order(updated.last_in) < at):
        updated.last_in = OpenTouch.mark(tp)
        # An answer to your email: it no longer awaits one.
        updated.open_promises = [
            o for o in updated.open_promises if not (o.awaiting and _order(o) < at)
        ]
    if tp.handled:
        if updated.last_handled is None or _order(updated.last_handled) < at:
            updated.last_handled = OpenTouch.mark(tp)
        updated.open_requests = [o for o in updated.open_requests if _order(o) > at]
    if _is_out_contact(tp):
        outs = sorted([*summary.last_outs, OpenTouch.mark(tp)], key=_order, reverse=True)[:2]
        updated.last_outs = outs
        updated.last_out = outs[0].date
        updated.last_out_channels = [o.channel for o in outs]
        # It answers everything logged before it (and never itself); a captured email,
        # only the requests of its own thread.
        for name in ("open_incidents", "open_promises"):
            setattr(updated, name, [o for o in getattr(updated, name) if _order(o) > at])
        updated.open_requests = [
            o for o in updated.open_requests if _order(o) > at or not _answers(tp, o.thread)
        ]
    # Still open after logging it only if no outbound contact came later.
    latest_out = _order(updated.last_outs[0]) if updated.last_outs else None
    open_now = latest_out is None or latest_out <= at
    handled_later = updated.last_handled is not None and _order(updated.last_handled) > at
    if open_now and _is_request(tp) and not (_is_out_contact(tp)) and not handled_later:
        updated.open_requests = sorted([*updated.open_requests, OpenTouch.of(tp)], key=_order)
    if open_now and tp.incident:
        updated.open_incidents = sorted([*updated.open_incidents, OpenTouch.of(tp)], key=_order)
    if open_now and tp.follow_up is not None:
        updated.open_promises = sorted([*updated.open_promises, OpenTouch.of(tp)], key=_order)
    last_in = updated.last_in
    if open_now and _awaits(tp) and (last_in is None or _order(last_in) < at):
        updated.open_promises = sorted([*updated.open_promises, OpenTouch.waiting(tp)], key=_order)
    return updated


def summary_of_record(data: dict[str, Any]) -> ClientSummary:
    """``ClientSummary.from_dict`` for a digest fresh from JSON, as the cache keeps it for
    the plan (no recent touchpoints, the last outbound contacts as marks): built with
    positional arguments and the marks split in place, a third less time on thousands of
    digests. Any other shape goes to ``from_dict``, which raises what it raises."""
    if "recent" in data or "topics" in data or "last_out" in data or "last_out_channels" in data:
        return ClientSummary.from_dict(data)
    try:
        marks = [_fast_mark(o) for o in data.get("last_outs") or ()]
        opened = []
        for key in ("open_requests", "open_incidents", "open_promises"):
            items = data.get(key)
            opened.append([OpenTouch.from_dict(o) for o in items] if items else [])
        last_in, last_handled = data.get("last_in"), data.get("last_handled")
        notes = data.get("private_notes")
        return ClientSummary(
            data["client_id"],
            _date(data.get("last_contact")),
            marks[0].date if marks else None,
            [o.channel for o in marks],
            opened[0],
            opened[1],
            opened[2],
            int(data.get("count", 0)),
            marks,
            [],
            list(notes) if notes else [],
            [],
            _fast_mark(last_in) if type(last_in) is str and last_in else None,
            _fast_mark(last_handled) if type(last_handled) is str and last_handled else None,
            int(data.get("captured", 0)),
        )
    except Exception:  # whatever it is, from_dict says it in its own words
        return ClientSummary.from_dict(data)


def _fast_mark(text: Any) -> OpenTouch:
    """``OpenTouch.from_mark`` of the usual four parts (id, day, channel, order); a mark
    as a record, or of another shape, by the reference readers."""
    if type(text) is not str:
        return OpenTouch.from_dict(text)
    parts = text.split(" ")
    if len(parts) == 4 and parts[3].isdigit():
        touch_id, day, channel, order = parts
        return OpenTouch(
            touch_id, date.fromisoformat(day), channel, None, False, None, False, int(order)
        )
    return OpenTouch.from_mark(text)
