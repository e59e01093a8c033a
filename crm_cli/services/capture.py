"""``crm capture``: touchpoints from mail and calendars, logged once however often read.

The rules are in :mod:`crm_cli.core.capture`; the readers in :mod:`crm_cli.capture`;
here they meet the book. Every captured touchpoint carries ``source``, an id derived
from the Message-ID (or UID and RECURRENCE-ID), and a message already in the book
under that id and client is never added again: two folders, two runs or two
devices give one touchpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crm_cli.core.capture import (
    RULES,
    Event,
    Meta,
    capture_id,
    event_id,
    fold_address,
    judge,
    judge_event,
    normalise_subject,
    parse_headers,
    short_hash,
)
from crm_cli.core.models import Touchpoint
from crm_cli.errors import ConfigError, InvalidValue
from crm_cli.store import derived_touchpoint_id

if TYPE_CHECKING:
    from crm_cli.capture.sources import Found
    from crm_cli.core.models import Client
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book, CaptureState

# An unanswered message older than this is history, not a request: a first capture
# of years of mail must not bring back every thread nobody closed.
REQUEST_WINDOW_DAYS = 30
EVENT_RULES = ("cancelled", "all-day", "declined", "solo", "future")
PLANNED_DAYS = 7  # a meeting this close is the next contact: no check-in before it
HANDLED_NOTE = "handled: no answer needed"


@dataclass
class Report:
    """What one capture did (or, with --dry-run, would do)."""

    read: int = 0
    logged: list[Touchpoint] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    unknown: set[str] = field(default_factory=set)
    # Coming meetings by client (ISO days): planned contacts, not touchpoints.
    planned: dict[str, list[str]] = field(default_factory=dict)
    # Sent crm drafts that brought a topic back: (source, client id) -> the topic's id.
    used_topics: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(1 for tp in self.logged if tp.needs_reply)

    def merge(self, other: Report) -> None:
        self.read += other.read
        self.logged.extend(other.logged)
        self.skipped.update(other.skipped)
        self.unknown |= other.unknown

    def line(self) -> str:
        """The summary line: "N logged, M skipped (by rule), K unknown people"."""
        # Rules of what a message or an event is first; whom it is with, and whether
        # the book has it, last.
        tail = ("no client", "already logged")
        order = [*(r for r in (*RULES, *EVENT_RULES) if r not in tail), *tail]
        rules = sorted(self.skipped, key=lambda r: (order.index(r) if r in order else 99, r))
        parts = ", ".join(f"{self.skipped[r]} {r}" for r in rules)
        total = sum(self.skipped.values())
        skipped = f"{total} skipped ({parts})" if total else "0 skipped"
        people = len(self.unknown)
        unknown = f"{people} unknown {'person' if people == 1 else 'people'}"
        requests = f" ({self.requests} to answer)" if self.requests else ""
        return f"{len(self.logged)} logged{requests}, {skipped}, {unknown}"


def own_addresses(settings: Settings) -> frozenset[str]:
    if not settings.my_emails:
        raise ConfigError(
            "crm does not know your addresses: set my_emails in config.toml, "
            'e.g. my_emails = ["me@example.com"]'
        )
    return frozenset(fold_address(a) for a in settings.my_emails)


def client_addresses(book: Book) -> dict[str, str]:
    """Folded address to client id (the first client with an address keeps it)."""
    found: dict[str, str] = {}
    for ref in book.client_refs():
        for address in ref.emails:
            found.setdefault(fold_address(address), ref.id)
    return found


def _moment(meta: Meta) -> datetime:
    when = meta.when or datetime(1970, 1, 1, tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _day(meta: Meta, today: date) -> date:
    if meta.when is None:
        return today
    # The user's own day: a message sent at 23:30 in New York is logged on their date.
    return _moment(meta).astimezone().date()


@dataclass
class _Known:
    """What the book already holds of captured mail."""

    logged: set[tuple[str, str]] = field(default_factory=set)  # (source, client id)
    threads: dict[str, str] = field(default_factory=dict)  # source -> thread
    by_subject: dict[tuple[str, str], str] = field(default_factory=dict)  # (client, subject)
    latest: dict[str, date] = field(default_factory=dict)  # thread -> last day

    def add(self, tp: Touchpoint) -> None:
        if tp.source is None:
            return
        self.logged.add((tp.source, tp.client_id))
        if tp.thread is None:
            return
        self.threads.setdefault(tp.source, tp.thread)
        if tp.note and tp.channel == "email":
            self.by_subject.setdefault((tp.client_id, normalise_subject(tp.note)), tp.thread)
        last = self.latest.get(tp.thread)
        if last is None or tp.date > last:
            self.latest[tp.thread] = tp.date


def _known(book: Book, wanted: Iterable[tuple[str, date]]) -> _Known:
    """What the book holds of captured mail for these (client, day) pairs.

    A client nothing was ever captured for has no duplicate to find. Otherwise the
    digest keeps their six latest touchpoints: a message dated after the oldest of
    them would be among them if it were in the book, so new mail (the routine run)
    is checked without reading the history. Older mail captured again (a second
    device's first run, lost marks) reads the captured touchpoints of those clients
    only, through the cache's client index: never the whole history.
    """
    oldest: dict[str, date] = {}
    for client_id, day in wanted:
        if client_id not in oldest or day < oldest[client_id]:
            oldest[client_id] = day
    known = _Known()
    # Digests alone first (no recent files): most clients of a first capture have none.
    digests = book.summaries_of(set(oldest))
    older: set[str] = set()
    for client_id, day in oldest.items():
        digest = digests.get(client_id)
        if digest is None or digest.captured == 0:
            continue
        summary = book.summary(client_id)
        complete = summary.count <= len(summary.recent)
        if not complete and (not summary.recent or day <= summary.recent[0].date):
            older.add(client_id)
            continue
        for tp in summary.recent:
            known.add(tp)
    if older:
        for tp in book.captured_touchpoints(older):
            known.add(tp)
    return known


def _ref_key(message_id: str) -> str:
    return "mail:" + short_hash(message_id.strip().lower())


def _thread(meta: Meta, source: str, client_id: str, known: _Known) -> str:
    """References and In-Reply-To first, then the subject stripped of Re:, Fwd:..."""
    root = meta.root
    if root is not None:
        return known.threads.get(_ref_key(root)) or short_hash(root.strip().lower())
    subject = normalise_subject(meta.subject)
    if subject and (client_id, subject) in known.by_subject:
        return known.by_subject[client_id, subject]
    own = meta.message_id or source
    return short_hash(own.strip().lower())


def capture_mail(
    book: Book,
    settings: Settings,
    state: CaptureState,
    found: Found,
    today: date,
    *,
    dry_run: bool = False,
    tick: Callable[[int], None] | None = None,
    store: bool = True,
) -> Report:
    """Log what is new in ``found``; the book is written by the caller's unit of work.

    ``store=False`` (or ``dry_run``) leaves the touchpoints to log, without ids, in
    ``report.logged``: the caller adds them (see :func:`batches`)."""
    from crm_cli.core.drafting.email_draft import draft_purpose, draft_topic

    mine = own_addresses(settings)
    report = Report()
    clients = client_addresses(book)
    ignored = state.ignored
    picked: list[tuple[Meta, str, str, bool]] = []  # meta, source, client id, outbound
    this_run: set[str] = set()
    for raw in found.messages:
        report.read += 1
        if tick is not None:
            tick(1)
        meta = parse_headers(raw)
        verdict = judge(meta, mine, clients, settings.capture_max_recipients, ignored)
        source = capture_id(meta)
        for name, address in verdict.strangers:
            report.unknown.add(address)
            if not dry_run:
                state.note_unknown(address, name, _day(meta, today).isoformat(), source)
        if verdict.rule is not None:
            report.skipped[verdict.rule] += 1
            continue
        if source in this_run:  # the same message in a second folder
            report.skipped["already logged"] += 1
            continue
        this_run.add(source)
        picked.extend((meta, source, cid, verdict.outbound) for cid in verdict.clients)
    if not picked:
        return report
    known = _known(book, ((cid, _day(meta, today)) for meta, _, cid, _ in picked))
    picked.sort(key=lambda p: _moment(p[0]))
    # Threads first (a reply may come before its question in folder order), then
    # which inbound message is the last of its thread.
    rows = []
    for meta, source, client_id, outbound in picked:
        thread = _thread(meta, source, client_id, known)
        known.threads.setdefault(source, thread)
        subject = normalise_subject(meta.subject)
        if subject:
            known.by_subject.setdefault((client_id, subject), thread)
        rows.append((meta, source, client_id, outbound, thread))
    last_of: dict[str, int] = {}
    for n, row in enumerate(rows):
        last_of[row[4]] = n
    oldest_request = today - timedelta(days=REQUEST_WINDOW_DAYS)
    new: list[Touchpoint] = []
    for n, (meta, source, client_id, outbound, thread) in enumerate(rows):
        if (source, client_id) in known.logged:
            report.skipped["already logged"] += 1
            continue
        day = _day(meta, today)
        earlier_in_book = known.latest.get(thread)
        last = last_of[thread] == n and (earlier_in_book is None or earlier_in_book <= day)
        mid = f"<{meta.message_id}>"
        tp = Touchpoint(
            id=derived_touchpoint_id(source, client_id),
            client_id=client_id,
            date=day,
            channel="email",
            direction="out" if outbound else "in",
            note=(meta.subject or None) if settings.capture_subjects else None,
            needs_reply=not outbound and last and day >= oldest_request,
            source=source,
            # A crm draft answers every reason it folded for the client (one message per
            # client per morning), whatever thread it went out in.
            thread=None if outbound and draft_purpose(mid) else thread,
            purpose=draft_purpose(mid) if outbound else None,
            topic=_draft_topic(book, client_id, draft_topic(mid)) if outbound else None,
        )
        if tp.topic is not None:
            report.used_topics[source, client_id] = str(draft_topic(mid))
        known.logged.add((source, client_id))
        new.append(tp)
    if dry_run or not store:
        report.logged = new
    else:
        report.logged = book.add_touchpoints(new)
        close_used_topics(book, report.logged, report.used_topics)
    return report


def _draft_topic(book: Book, client_id: str, topic_id: str | None) -> str | None:
    """The text of the topic a sent draft brought back, if it is still the client's."""
    if topic_id is None:
        return None
    found = next((t for t in book.summary(client_id).topics if t.id == topic_id), None)
    return found.topic if found is not None else None


def close_used_topics(
    book: Book, stored: list[Touchpoint], used: dict[tuple[str, str], str]
) -> None:
    """A sent draft said its topic: that topic is closed, and so is the sent message's
    own (it carries the words, it asks for nothing more)."""
    from dataclasses import replace

    changed: dict[str, Client] = {}
    for tp in stored:
        topic_id = used.get((tp.source or "", tp.client_id))
        if topic_id is None:
            continue
        client = changed.get(tp.client_id) or book.client(tp.client_id)
        closed = [
            *client.closed_topics,
            *(i for i in (topic_id, tp.id) if i not in client.closed_topics),
        ]
        changed[tp.client_id] = replace(client, closed_topics=closed)
    book.update_clients(list(changed.values()))


def capture_events(
    book: Book,
    settings: Settings,
    state: CaptureState,
    events: Iterable[Event],
    today: date,
    *,
    dry_run: bool = False,
) -> Report:
    """Log the meetings with clients among ``events`` (occurrences up to ``today``)."""
    mine = own_addresses(settings)
    clients = client_addresses(book)
    ignored = state.ignored
    report = Report()
    picked: list[tuple[Event, str, str, bool]] = []
    ahead = today + timedelta(days=PLANNED_DAYS)
    for event in events:
        report.read += 1
        verdict = judge_event(event, mine, clients, ignored)
        source = event_id(event)
        for name, address in verdict.strangers:
            report.unknown.add(address)
            if not dry_run:
                state.note_unknown(address, name, event.day.isoformat(), source)
        if verdict.rule is not None:
            report.skipped[verdict.rule] += 1
            continue
        if event.day > today:
            report.skipped["future"] += 1
            if event.day <= ahead:
                for cid in verdict.clients:
                    report.planned.setdefault(cid, []).append(event.day.isoformat())
            continue
        picked.extend((event, source, cid, verdict.outbound) for cid in verdict.clients)
    if not picked:
        return report
    known = _known(book, ((cid, event.day) for event, _, cid, _ in picked))
    new = []
    for event, source, client_id, organised in sorted(picked, key=lambda p: (p[0].day, p[1])):
        if (source, client_id) in known.logged:
            report.skipped["already logged"] += 1
            continue
        known.logged.add((source, client_id))
        new.append(
            Touchpoint(
                id=derived_touchpoint_id(source, client_id),
                client_id=client_id,
                date=event.day,
                channel="meeting",
                direction="out" if organised else "in",
                note=(event.summary or None) if settings.capture_subjects else None,
                source=source,
            )
        )
    report.logged = new if dry_run else book.add_touchpoints(new)
    return report


# --------------------------------------------------------------------------- people


def handled(book: Book, client: Client, today: date) -> tuple[Touchpoint, int]:
    """Mark a client's open requests as needing no answer; returns the note and their count."""
    summary = book.summary(client.id)
    count = len(summary.open_requests)
    if not count:
        raise InvalidValue(f"{client.name} has no open request to mark handled")
    tp = book.add_touchpoint(
        Touchpoint(
            id="",
            client_id=client.id,
            date=max(today, max(o.date for o in summary.open_requests)),
            channel="note",
            direction="out",
            note=HANDLED_NOTE,
            handled=True,
        )
    )
    return tp, count


@dataclass(frozen=True)
class Stranger:
    address: str
    name: str
    count: int
    last: str

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "name": self.name, "count": self.count, "last": self.last}


def inbox(state: CaptureState, book: Book) -> list[Stranger]:
    """Unknown correspondents, most recent first; those who became clients drop out."""
    clients = client_addresses(book)
    found = [
        Stranger(address, str(v.get("name") or ""), int(v.get("count") or 0), str(v.get("last")))
        for address, v in state.unknown().items()
        if address not in clients and address not in state.ignored
    ]
    return sorted(found, key=lambda s: (s.last, s.count, s.address), reverse=True)


def stranger(state: CaptureState, email: str) -> Stranger:
    address = fold_address(email)
    entry = state.unknown().get(address)
    if entry is None:
        raise InvalidValue(f"no one captured writes from or to {email} (see 'crm capture inbox')")
    return Stranger(address, str(entry.get("name") or ""), int(entry.get("count") or 0), "")
