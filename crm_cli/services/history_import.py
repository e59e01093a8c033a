"""Past interactions brought into the book: a sheet of rows, or another CRM's export.

Each row names its client by id, email, phone or exact name (accents and case
aside); a row whose client is not in the book, or is several clients, is
listed and skipped: no client is created from a history. A row with a date or
channel that cannot be read is listed too. The rest become touchpoints whose
ids come from their content, so importing the same file again adds nothing.
Everything goes in with one write.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from crm_cli.core.contacts import fold, normalise_phone
from crm_cli.core.contacts_import import ImportPlan
from crm_cli.core.dates import parse_date
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.terms import LOG_CHANNELS
from crm_cli.errors import InvalidValue, NotFound

if TYPE_CHECKING:
    from crm_cli.core.settings import Settings
    from crm_cli.interchange.history_csv import HistoryRow
    from crm_cli.interchange.monica import MonicaExport
    from crm_cli.store import Book

# How other tools and people name channels: each word to one of crm's.
_CHANNEL_WORDS = {
    **{c: c for c in LOG_CHANNELS},
    "e-mail": "email",
    "mail": "email",
    "email sent": "email",
    "email received": "email",
    "phone": "call",
    "phone call": "call",
    "telephone": "call",
    "call": "call",
    "video call": "call",
    "meet": "meeting",
    "meeting": "meeting",
    "in person": "meeting",
    "text": "sms",
    "text message": "sms",
    "sms": "sms",
    "whatsapp": "sms",
    "message": "sms",
    "lunch": "coffee",
    "coffee": "coffee",
    "visit": "visit",
    "note": "note",
}
_DIRECTION_WORDS = {
    **{w: "in" for w in ("in", "inbound", "incoming", "received", "from client", "from them")},
    **{w: "out" for w in ("out", "outbound", "outgoing", "sent", "to client", "by me")},
}
_TIME_PART = re.compile(r"[T ]\d{1,2}:\d{2}.*$")


def channel_of(text: str) -> str:
    """A channel as a sheet writes it ("E-mail", "Phone", "Text") as crm's."""
    if not text.strip():
        raise InvalidValue(f"no channel: use one of {', '.join(LOG_CHANNELS)}")
    found = _CHANNEL_WORDS.get(" ".join(text.lower().replace("_", " ").split()))
    if found is None:
        raise InvalidValue(f"unknown channel '{text}': use one of {', '.join(LOG_CHANNELS)}")
    return found


def direction_of(text: str) -> str:
    """``in`` or ``out`` from "Inbound", "Received", "Sent"...; empty is ``out``."""
    words = " ".join(text.lower().split())
    if not words:
        return "out"
    found = _DIRECTION_WORDS.get(words)
    if found is None:
        raise InvalidValue(f"unknown direction '{text}': use in (received) or out (sent)")
    return found


def day_of(text: str, *, today: date, date_order: str) -> date:
    """The day of a cell: a date as ``crm log --date`` takes it, a time part ignored."""
    cell = text.strip()
    if cell[:1].isdigit():
        cell = _TIME_PART.sub("", cell)
    if not cell:
        raise InvalidValue("no date")
    return parse_date(cell, today=today, date_order=date_order)


class ClientFinder:
    """The client a row names: by id, email, phone (in E.164) or exact name."""

    def __init__(self, clients: Iterable[Client], region: str) -> None:
        self.region = region
        self.by_id: dict[str, Client] = {}
        self.by_email: dict[str, list[Client]] = {}
        self.by_phone: dict[str, list[Client]] = {}
        self.by_name: dict[str, list[Client]] = {}
        for client in clients:
            self.by_id[client.id] = client
            for email in client.emails:
                self.by_email.setdefault(email.casefold(), []).append(client)
            for phone in client.phones:
                self.by_phone.setdefault(phone, []).append(client)
            self.by_name.setdefault(fold(" ".join(client.name.split())), []).append(client)
        self.cache: dict[str, Client | str] = {}

    def find(self, value: str) -> Client | str:
        """The client, or why there is none."""
        found = self.cache.get(value)
        if found is None:
            found = self.cache[value] = self._find(value)
        return found

    def _find(self, value: str) -> Client | str:
        text = " ".join(value.split())
        if not text:
            return "no client given"
        if text in self.by_id:
            return self.by_id[text]
        candidates: list[Client] = []
        if "@" in text:
            candidates = self.by_email.get(text.casefold().removeprefix("mailto:"), [])
        elif any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text):
            try:
                number, _ = normalise_phone(text, self.region)
            except InvalidValue:
                number = ""
            candidates = self.by_phone.get(number, [])
        else:
            candidates = self.by_name.get(fold(text), [])
        unique = list({c.id: c for c in candidates}.values())
        if len(unique) == 1:
            return unique[0]
        if unique:
            listed = ", ".join(sorted(c.id for c in unique)[:5])
            return f"'{value}' is several clients ({listed}): give the id"
        return f"no client '{value}'"


@dataclass
class Problem:
    row: str  # "row 12", "activity 4"...
    value: str  # the cell (or the name) that could not be used
    reason: str


@dataclass
class HistoryPlan:
    read: int = 0
    new: list[Touchpoint] = field(default_factory=list)  # to add
    already: int = 0  # in the book from an earlier import
    unmatched: list[Problem] = field(default_factory=list)  # no such client: skipped
    invalid: list[Problem] = field(default_factory=list)  # a cell that cannot be read


def history_id(*parts: str) -> str:
    """A touchpoint's id from its content (``store.derived_touchpoint_id``)."""
    from crm_cli.store import derived_touchpoint_id

    return derived_touchpoint_id("history", *parts)


def content_ids(tps: list[Touchpoint]) -> list[Touchpoint]:
    """The touchpoints with ids from their content; the second of two identical rows
    (two calls on one day, no note) is told from the first by its rank."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for tp in tps:
        key = (
            tp.client_id,
            tp.date.isoformat(),
            tp.channel,
            tp.direction,
            tp.note or "",
            tp.topic or "",
            tp.follow_up.isoformat() if tp.follow_up else "",
            "private" if tp.private else "",
        )
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        tp.id = history_id(*key, str(rank))
        out.append(tp)
    return out


def plan_rows(
    rows: list[HistoryRow],
    clients: Iterable[Client],
    *,
    region: str,
    date_order: str,
    today: date,
) -> HistoryPlan:
    """The touchpoints a sheet's rows make (ids from their content), and what was not
    used. Pure: the book is not read."""
    finder = ClientFinder(clients, region)
    plan = HistoryPlan(read=len(rows))
    made: list[Touchpoint] = []
    for row in rows:
        where = f"row {row.number}"
        cells = row.cells
        client = finder.find(cells["client"])
        if isinstance(client, str):
            plan.unmatched.append(Problem(where, cells["client"], client))
            continue
        try:
            value = cells["date"]
            day = day_of(value, today=today, date_order=date_order)
            value = cells["channel"]
            channel = channel_of(value)
            value = cells.get("direction", "")
            direction = direction_of(value)
        except InvalidValue as exc:
            plan.invalid.append(Problem(where, value, str(exc)))
            continue
        note = cells.get("note", "").replace("\r\n", "\n").strip() or None
        topic = " ".join(cells.get("topic", "").split()) or None
        made.append(
            Touchpoint(
                id="",
                client_id=client.id,
                date=day,
                channel=channel,
                direction=direction,
                note=note,
                topic=topic,
            )
        )
    plan.new = content_ids(made)
    return plan


def drop_known(book: Book, plan: HistoryPlan) -> None:
    """Leave out of ``plan.new`` what an earlier import of the same file put in the book."""
    fresh = []
    for tp in plan.new:
        try:
            book.touchpoint(tp.id)
        except NotFound:
            fresh.append(tp)
            continue
        plan.already += 1
    plan.new = fresh


def import_rows(
    book: Book,
    rows: list[HistoryRow],
    settings: Settings,
    today: date,
    *,
    dry_run: bool,
) -> HistoryPlan:
    """Plan a sheet's rows against the book and, unless a dry run, add them in one write."""
    plan = plan_rows(
        rows,
        book.clients(ordered=False),
        region=settings.region,
        date_order=settings.date_order,
        today=today,
    )
    drop_known(book, plan)
    if not dry_run and plan.new:
        plan.new = book.add_touchpoints(plan.new)
    return plan


# -- Monica -------------------------------------------------------------------------

MONICA_KINDS = ("contacts", "activities", "calls", "conversations", "notes", "reminders")
_PLURAL = {
    "activity": "activities",
    "call": "calls",
    "conversation": "conversations",
    "note": "notes",
    "reminder": "reminders",
}


@dataclass
class MonicaReport:
    plan: ImportPlan  # the contacts, as any contact import
    touchpoints: list[Touchpoint] = field(default_factory=list)
    kept: Counter[str] = field(default_factory=Counter)  # per kind
    already: Counter[str] = field(default_factory=Counter)  # per kind: from an earlier import
    not_kept: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> reason -> count
    other: Counter[str] = field(default_factory=Counter)  # what crm has no place for
    kind_of: dict[str, str] = field(default_factory=dict)  # touchpoint id -> kind

    def drop(self, kind: str, reason: str, n: int = 1) -> None:
        self.not_kept.setdefault(kind, Counter())[reason] += n


def _next_reminder(first: date, repeat: tuple[str, int], today: date) -> date | None:
    """The next day a Monica reminder falls on, from ``today``; None when it is over."""
    from crm_cli.core.dates import parse_cadence

    kind, n = repeat
    if first >= today:
        return first
    units = {"week": "weeks", "month": "months", "year": "years"}
    if kind not in units:  # one_time, in the past
        return None
    cadence = parse_cadence(f"{n} {units[kind]}")
    when = first
    while when < today:
        following = cadence.next_after(when)
        if following is None:
            return None
        when = following
    return when


def _is_birthday(first: date, repeat: tuple[str, int], birthday: str | None) -> bool:
    """Monica adds a yearly reminder on each birthday: crm plans birthdays itself."""
    return (
        birthday is not None
        and repeat == ("year", 1)
        and birthday[-5:] == f"{first.month:02d}-{first.day:02d}"
    )


def _cadence(days: int) -> str | None:
    from crm_cli.core.dates import parse_cadence

    text = f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"
    try:
        return parse_cadence(text).canonical()
    except InvalidValue:
        return None


def plan_monica(
    export: MonicaExport,
    clients: list[Client],
    *,
    region: str,
    date_order: str,
    today: date,
) -> MonicaReport:
    """What importing a Monica export does: its contacts planned as any contact import
    (matched to the book's clients), its history as touchpoints. Pure."""
    from crm_cli.core.contacts_import import plan_import

    people = []
    report = MonicaReport(ImportPlan())
    for person in export.contacts:
        if person.uuid in export.me:
            report.drop("contacts", "your own contact")
        elif person.partial:
            report.drop("contacts", "a relative's name only (partial)")
        else:
            people.append(person)
    report.plan = plan_import(
        [p.contact for p in people], clients, region=region, date_order=date_order, today=today
    )
    added = {c.id: c for c in report.plan.added}
    client_of: dict[str, str] = {}
    birthdays: dict[str, str | None] = {c.id: c.birthday for c in clients}
    for person, outcome in zip(people, report.plan.outcomes, strict=True):
        if outcome.client_id is None:
            continue
        client_of[person.uuid] = outcome.client_id
        report.kept["contacts"] += 1
        if person.contact.birthday:  # as Monica has it: its birthday reminders fall on it
            birthdays[outcome.client_id] = person.contact.birthday
        new = added.get(outcome.client_id)
        if new is None:
            continue
        # "How we met" is when the client relationship began; Monica's own fields too.
        if person.first_met is not None and person.first_met <= today:
            new.since = min(new.since, person.first_met)
        if person.stay_in_touch_days and new.cadence is None:
            new.cadence = _cadence(person.stay_in_touch_days)
        if person.archived or person.deceased:
            new.archived = True
        if person.deceased:
            new.do_not_contact = True
    skipped = sum(1 for o in report.plan.outcomes if o.client_id is None)
    if skipped:
        report.drop("contacts", "cannot be imported (see the warnings)", skipped)
    report.other = Counter(export.not_kept)
    made: dict[str, Touchpoint] = {}
    for event in export.events:
        kind = _PLURAL[event.kind]
        ids = [client_of[u] for u in event.contacts if u in client_of]
        if not ids:
            report.drop(kind, "its contact is not imported" if event.contacts else "no contact")
            continue
        if event.day is None:
            report.drop(kind, "no date", len(ids))
            continue
        for client_id in ids:
            when, follow_up = event.day, None
            if event.kind == "reminder":
                assert event.repeat is not None
                if event.inactive:
                    report.drop(kind, "switched off")
                    continue
                if _is_birthday(event.day, event.repeat, birthdays.get(client_id)):
                    report.drop(kind, "a birthday (crm plans birthdays itself)")
                    continue
                follow_up = _next_reminder(event.day, event.repeat, today)
                if follow_up is None:
                    report.drop(kind, "a one-time reminder already past")
                    continue
                when = today  # a promise made now, for the day it falls on
            elif event.day > today:
                report.drop(kind, "in the future")
                continue
            tp_id = history_id("monica", event.kind, event.uuid or repr(event), client_id)
            if tp_id in made:
                continue
            made[tp_id] = Touchpoint(
                id=tp_id,
                client_id=client_id,
                date=when,
                channel=event.channel,
                direction=event.direction,
                note=event.note,
                private=event.private,
                follow_up=follow_up,
            )
            report.kept[kind] += 1
            report.kind_of[tp_id] = kind
    report.touchpoints = sorted(made.values(), key=lambda t: (t.date, t.id))
    return report


def import_monica(
    book: Book, export: MonicaExport, settings: Settings, today: date, *, dry_run: bool
) -> MonicaReport:
    """Plan a Monica export against the book and, unless a dry run, apply it in one write."""
    report = plan_monica(
        export,
        book.clients(),
        region=settings.region,
        date_order=settings.date_order,
        today=today,
    )
    fresh = []
    for tp in report.touchpoints:
        try:
            book.touchpoint(tp.id)
        except NotFound:
            fresh.append(tp)
            continue
        kind = report.kind_of[tp.id]
        report.kept[kind] -= 1
        report.already[kind] += 1
    report.touchpoints = fresh
    if not dry_run:
        if report.plan.added:
            book.add_clients(report.plan.added)
        if report.plan.changed:
            book.update_clients(report.plan.changed)
        if report.touchpoints:
            report.touchpoints = book.add_touchpoints(report.touchpoints)
    return report
