"""Who comes due, why and how: a pure function of the book, the settings and a date.

Rules decided here beyond the issue's text:

* archived and do-not-contact clients never come due, whatever is open;
* a snoozed client is hidden while ``today < snooze.until``; its items come
  back on ``until`` (views that look past ``until``, such as the agenda, show
  them on that day, flagged "snoozed until ...");
* a reply is due on the day the request arrived, but its ``overdue_days``
  count from the end of the reply window (0 while within it);
* birthdays and anniversaries lapse 7 days after the day (visible on days
  0..6), and are cleared by an outbound contact on or after the day;
* neglected: ``today - last contact > 2 * Cadence.approx_days()``, the same
  measure as overdueness;
* order is fairness, not revenue: reason first, then how overdue (a check-in's
  overdueness is relative to its cadence), then name and id. Tier never sorts.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from crm_cli.core import terms
from crm_cli.core.contacts import fold
from crm_cli.core.dates import Cadence, birthday_in_year, parse_cadence
from crm_cli.core.models import Client, PlannedStep, Snooze, Source
from crm_cli.core.settings import Settings
from crm_cli.core.summary import ClientSummary, OpenTouch
from crm_cli.errors import InvalidValue

__all__ = [
    "BookView",
    "Hint",
    "Item",
    "PlanIndex",
    "agenda",
    "arrange",
    "build_index",
    "client_cadence",
    "index_candidates",
    "items_by_client",
    "items_for_client",
    "next_items",
    "plan_day",
    "screen",
    "sort_key",
    "upcoming",
    "update_index",
]

_RANK = {reason: i for i, reason in enumerate(terms.PLAN_REASONS)}
FALLBACK = terms.CONTACT_CHANNELS  # the vocabulary's order is the fallback order
LAPSE_DAYS = 7  # a birthday or anniversary is shown on its day and the 6 after
PLANNED_DAYS = 7  # a meeting on the calendar this close replaces a check-in
LONG_STANDING_YEARS = 5  # from here an anniversary deserves a coffee or a call
_NOTE_CHARS = 80


@dataclass(slots=True)  # not frozen: its __init__ would cost 10x, on thousands of items
class Item:
    """One thing to do for a client on a day: a line of ``crm due`` and the agenda."""

    client_id: str
    client: str  # display name
    reason: str
    channel: str  # one of terms.CONTACT_CHANNELS, or terms.NO_CHANNEL
    due: date
    overdue_days: int  # (today - due).days: 0 when due today, negative when ahead
    neglected: bool
    detail: str
    urgency: float  # bigger = more urgent, compared within a reason only
    source: Source | None = None  # the touchpoint or playbook step the item answers
    purpose: str = ""  # the draft purpose
    # The part of ``detail`` that quotes a client's note ('"..."', empty when none),
    # so that a view for a shared contact can withhold it without parsing ``detail``.
    quoted: str = ""
    step: PlannedStep | None = None  # the playbook step of a ``step`` source

    @property
    def id(self) -> str:
        """A stable id, the same in ``due --json``, ``agenda --ics`` (UID) and ``notify``.

        Items with a source (request, incident, promise, playbook step) are named
        by it; birthdays and anniversaries by their day (one a year); a check-in
        by the client alone, since a client has one check-in open at a time, so
        that after a contact the same id moves to the new date.
        """
        if self.source:
            key = self.source.id
        elif self.reason == "check-in":
            key = ""
        else:
            key = self.due.isoformat()
        import hashlib  # only --json and the agenda's UIDs name items: not the due table

        seed = f"{self.client_id}\x1f{self.reason}\x1f{key}"
        return hashlib.sha1(seed.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "client": self.client,
            "reason": self.reason,
            "channel": self.channel,
            "due": self.due.isoformat(),
            "overdue_days": self.overdue_days,
            "neglected": self.neglected,
            "detail": self.detail,
            "source": self.source.id if self.source else None,
            "source_kind": self.source.kind if self.source else None,
            "purpose": self.purpose,
        }


@dataclass
class BookView:
    """Everything the scheduler reads, as plain data."""

    clients: list[Client]
    summaries: dict[str, ClientSummary] = field(default_factory=dict)
    snoozes: dict[str, Snooze] = field(default_factory=dict)
    steps: list[PlannedStep] = field(default_factory=list)
    # Coming meetings found on a calendar, by client: a planned contact.
    planned: dict[str, list[date]] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


class _Rhythm:
    """A parsed cadence with its length and a memo of ``next_after`` answers.

    ``next_after`` of an RRULE compiles the rule with dateutil on every call
    (~0.2 ms); clients share cadences and last-contact days, so answers are kept.
    """

    __slots__ = ("_next", "cadence", "days", "label", "max_days", "min_days")

    def __init__(self, cadence: Cadence) -> None:
        self.cadence = cadence
        self.label = cadence.canonical()
        self.days = cadence.approx_days()
        # The shortest and longest gaps next_after can give: between them, clients
        # far from due or long overdue are told apart without computing the date.
        interval = cadence.kind == "interval"
        shortest = {"days": 1, "weeks": 7, "months": 28, "years": 365}.get(cadence.unit, 1)
        longest = {"days": 1, "weeks": 7, "months": 31, "years": 366}.get(cadence.unit, 1)
        self.min_days = cadence.n * shortest if interval else 1
        self.max_days = cadence.n * longest if interval else None
        self._next: dict[date, date | None] = {}

    def due_by(self, base: date, horizon: date) -> bool:
        """Whether a check-in may fall due by ``horizon`` (True when unsure, e.g. the
        date would pass year 9999): the screen's cheap form of ``_check_in_due``."""
        if self.cadence.kind == "never":
            return False
        days = (horizon - base).days
        if days < self.min_days:
            return False
        if self.max_days is not None and days >= self.max_days:
            return True
        return _check_in_due(self, base, horizon) is not None

    def next_after(self, last: date) -> date | None:
        try:
            return self._next[last]
        except KeyError:
            found = self._next[last] = self.cadence.next_after(last)
            return found


@lru_cache(maxsize=512)
def _rhythm(text: str) -> _Rhythm | None:
    # Keyed by the text: a book has a handful of distinct cadences and 5,000 clients.
    try:
        return _Rhythm(parse_cadence(text))
    except InvalidValue:
        return None


_DEFAULT_RHYTHM = _Rhythm(Cadence("interval", 8, "weeks"))


def _client_rhythm(client: Client, settings: Settings) -> _Rhythm:
    return _rhythm_of(client.cadence, client.tier, settings)


def _rhythm_of(cadence: str | None, tier: str | None, settings: Settings) -> _Rhythm:
    own = _rhythm(cadence) if cadence else None
    return own or _rhythm(settings.tier_cadence(tier)) or _DEFAULT_RHYTHM


def client_cadence(client: Client, settings: Settings) -> Cadence:
    """The client's own cadence, else its tier's; an unreadable one falls back to the tier's."""
    return _client_rhythm(client, settings).cadence


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return fold(text.strip())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote(touch: OpenTouch, kind: str) -> tuple[str, str]:
    """The note of a request/incident/promise for a detail line, and the part of it that
    quotes the client's words (empty when none); private ones stay private."""
    if touch.private:
        return f"(private {kind})", ""
    note = " ".join((touch.note or "").split())
    if not note:
        return f"({kind} by {touch.channel}, no note)", ""
    if len(note) > _NOTE_CHARS:
        note = note[: _NOTE_CHARS - 1] + "…"
    quoted = f'"{note}"'
    return quoted, quoted


def add_workdays(start: date, n: int, workdays: frozenset[int]) -> date:
    """``start`` moved forward by ``n`` working days (0: ``start`` itself)."""
    if n <= 0 or not workdays:
        return start + timedelta(days=max(n, 0))
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() in workdays:
            counted += 1
    return day


def is_local(client: Client, settings: Settings) -> bool:
    if client.tags and any(_fold(tag) == "local" for tag in client.tags):
        return True
    mine = _fold(settings.city)
    return bool(mine) and mine == _fold(client.city or "")


@dataclass(slots=True, eq=False)  # never compared: no __eq__ to compile at import
class _Reach:
    """The channels a client may be reached by, and the one they prefer."""

    allowed: tuple[str, ...]
    preferred: str | None

    def pick(self, *wanted: str | None) -> str:
        """The first allowed channel among ``wanted``, the preferred one, then the fallback."""
        allowed = self.allowed
        for channel in wanted:
            if channel is not None and channel in allowed:
                return channel
        if self.preferred is not None and self.preferred in allowed:
            return self.preferred
        return next((channel for channel in FALLBACK if channel in allowed), terms.NO_CHANNEL)


def reach(client: Client, settings: Settings) -> _Reach:
    """The channels that what is on file and what the client agreed to allow."""
    allowed: list[str] = []
    if client.emails and client.email_consent:
        allowed.append("email")
    if client.mobiles and client.sms_consent:
        allowed.append("sms")
    if client.phones or client.mobiles:
        allowed.append("call")
    if is_local(client, settings):
        allowed.append("coffee")
    preferred = client.channel if client.channel in terms.CONTACT_CHANNELS else None
    return _Reach(tuple(allowed), preferred)


# What ``missing_reach`` says, in English; a draft's language passes its own words.
MISSING_WORDS = {
    "no email": "no email on file",
    "no email consent": "no email consent",
    "no phone": "no phone on file",
    "no mobile": "no mobile for SMS",
    "no sms consent": "no SMS consent",
    "and": " and ",
    "none allowed": "no channel allowed",
}


def missing_reach(client: Client, words: dict[str, str] = MISSING_WORDS) -> str:
    """Why a client cannot be reached: "no email consent and no phone on file"."""
    parts = []
    if not client.emails:
        parts.append(words["no email"])
    elif not client.email_consent:
        parts.append(words["no email consent"])
    if not (client.phones or client.mobiles):
        parts.append(words["no phone"])
    elif not client.mobiles:
        parts.append(words["no mobile"])
    elif not client.sms_consent:
        parts.append(words["no sms consent"])
    return words["and"].join(parts) or words["none allowed"]


@lru_cache(maxsize=4096)
def _month_day(anchor: str) -> tuple[int, int] | None:
    """Month and day of a stored ``YYYY-MM-DD``/``--MM-DD``; None if malformed."""
    try:
        day = birthday_in_year(anchor, 2000)  # a leap year keeps 29 Feb
    except InvalidValue:
        return None  # a malformed stored value must not stop the whole plan
    return day.month, day.day


@lru_cache(maxsize=64)
def _window(start: date, horizon: date) -> frozenset[tuple[int, int]] | None:
    """The (month, day) pairs of ``start - 1 .. horizon + 1``; None for a year or more."""
    span = (horizon - start).days + 3
    if span >= 366:
        return None
    first = start - timedelta(days=1)
    return frozenset(((d := first + timedelta(days=i)).month, d.day) for i in range(max(span, 0)))


def _yearly(
    anchor: str | date, month: int, day: int, start: date, horizon: date, first_year: int
) -> list[date]:
    """Dates of a yearly event (``YYYY-MM-DD``, ``--MM-DD`` or a date) in ``start..horizon``."""
    near_day = 28 if (month, day) == (2, 29) else day
    window = _window(start, horizon)
    if window is not None and (month, near_day) not in window:
        return []  # the common case in a short window: one set look-up
    found = []
    low, high = start.toordinal() - 1, horizon.toordinal() + 1
    for year in range(max(start.year, first_year, 1), min(horizon.year, 9999) + 1):
        # A cheap filter (within a day of the real date) first, then the day itself, as
        # birthday_in_year gives it: ``month`` and ``day`` are the anchor's, read by it
        # (_month_day) or a date's, so only 29 Feb of a common year moves (to 28 Feb).
        if low <= date(year, month, near_day).toordinal() <= high:
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            when = date(year, month, day) if near_day == day or leap else date(year, 2, 28)
            if start <= when <= horizon:
                found.append(when)
    return found


# --------------------------------------------------------------------------- one client


class _Builder:
    """Collects the items of one client; channel rules need the client, so they live here."""

    def __init__(self, client: Client, settings: Settings, today: date, neglected: bool) -> None:
        self.client = client
        self.settings = settings
        self.today = today
        self.neglected = neglected
        self.items: list[Item] = []
        self._reach: _Reach | None = None

    @property
    def reach(self) -> _Reach:
        # Computed once, when an item needs a channel (functools.cached_property
        # takes a lock on every first access in Python 3.11: 1 us a client).
        if self._reach is None:
            self._reach = reach(self.client, self.settings)
        return self._reach

    def add(
        self,
        reason: str,
        due: date,
        channel: str,
        detail: str,
        urgency: float,
        source: Source | None = None,
        purpose: str | None = None,
        overdue: int | None = None,
        quoted: str = "",
        step: PlannedStep | None = None,
    ) -> None:
        if channel == terms.NO_CHANNEL:
            detail = f"{detail} — no way to reach them: {missing_reach(self.client)}"
        self.items.append(
            Item(  # by position, in the fields' order: half the cost of keywords
                self.client.id,
                self.client.name,
                reason,
                channel,
                due,
                (self.today - due).days if overdue is None else overdue,
                self.neglected,
                detail,
                urgency,
                source,
                purpose or reason,
                quoted,
                step,
            )
        )


def _replies(b: _Builder, summary: ClientSummary, horizon: date) -> None:
    if not summary.open_requests:
        return
    workdays = b.settings.workday_numbers
    window = b.settings.reply_within
    for request in summary.open_requests:
        if request.date > horizon:
            continue
        waited = (b.today - request.date).days
        if waited > 0:
            wait = f"waiting {_plural(waited, 'day')}"
        else:
            wait = "arrived today" if waited == 0 else f"arrives {request.date.isoformat()}"
        # Due on arrival, but late only once the reply window has passed: a Saturday
        # request answered on Monday is on time, not "2 days late".
        deadline = add_workdays(request.date, window, workdays)
        late = (b.today - deadline).days
        if late > 0:
            wait += f", past the {_plural(window, 'working day')} reply window"
        # Answer where they asked; a visit or meeting is answered on the preferred channel.
        came_in = request.channel if request.channel in terms.CONTACT_CHANNELS else None
        text, quoted = _quote(request, "request")
        b.add(
            "reply",
            request.date,
            b.reach.pick(came_in),
            f"{text} — {wait}",
            float(waited),
            Source("touchpoint", request.id),
            overdue=late if late > 0 else min(waited, 0),
            quoted=quoted,
        )


def _recoveries(b: _Builder, summary: ClientSummary, horizon: date) -> None:
    for incident in summary.open_incidents:
        due = incident.date + timedelta(days=b.settings.recover_within)
        if due > horizon:
            continue
        text, quoted = _quote(incident, "incident")
        b.add(
            "recovery",
            due,
            b.reach.pick("call", "email"),
            f"incident on {incident.date.isoformat()}: {text}",
            float((b.today - due).days),
            Source("touchpoint", incident.id),
            quoted=quoted,
        )


def _follow_ups(
    b: _Builder, summary: ClientSummary, steps: Iterable[PlannedStep], horizon: date
) -> None:
    for promise in summary.open_promises:
        if promise.awaiting:
            continue  # your own unanswered email: a nudge, see _awaiting
        assert promise.follow_up is not None  # only promises are in open_promises
        if promise.follow_up > horizon:
            continue
        text, quoted = _quote(promise, "promise")
        b.add(
            "follow-up",
            promise.follow_up,
            b.reach.pick(),
            f"promised on {promise.date.isoformat()}: {text}",
            float((b.today - promise.follow_up).days),
            Source("touchpoint", promise.id),
            quoted=quoted,
        )
    for step in steps:
        if step.stopped or step.client_id != b.client.id or step.due > horizon:
            continue
        if summary.last_out is not None and summary.last_out >= step.due:
            continue  # done: an outbound contact on or after the step's day
        b.add(
            "follow-up",
            step.due,
            b.reach.pick(step.channel),
            f"{step.playbook}: {step.step}",
            float((b.today - step.due).days),
            Source("step", step.key),
            step.purpose,
            step=step,
        )


def _awaiting(b: _Builder, summary: ClientSummary, horizon: date) -> None:
    """Your captured email, unanswered ``awaiting_after`` days on: a gentle nudge, shown
    for a week (like a birthday), after every other reason and with no draft."""
    after = b.settings.awaiting_after
    if after <= 0:
        return
    for sent in summary.open_promises:
        if not sent.awaiting:
            continue
        due = sent.date + timedelta(days=after)
        if due > horizon or (b.today - due).days >= LAPSE_DAYS:
            continue
        text, quoted = _quote(sent, "email")
        waited = (b.today - sent.date).days
        b.add(
            "awaiting",
            due,
            b.reach.pick(sent.channel),
            f"no answer yet to your email of {sent.date.isoformat()} ({text}), "
            f"{_plural(waited, 'day')} ago",
            float(waited),
            Source("touchpoint", sent.id),
            purpose="check-in",
            quoted=quoted,
        )


def _lapsed(day: date, today: date, summary: ClientSummary) -> bool:
    if (today - day).days >= LAPSE_DAYS:
        return True
    return summary.last_out is not None and summary.last_out >= day


def _birthdays(b: _Builder, summary: ClientSummary, horizon: date, not_before: date) -> None:
    birthday = b.client.birthday
    if not birthday:
        return
    month_day = _month_day(birthday)
    if month_day is None:
        return
    born = int(birthday[:4]) if birthday[:4].isdigit() else None
    first = born + 1 if born else 1
    for day in _yearly(birthday, *month_day, not_before, horizon, first):
        if _lapsed(day, b.today, summary):
            continue
        detail = f"birthday on {day.isoformat()}"
        if born:
            detail += f", turns {day.year - born}"
        b.add("birthday", day, b.reach.pick("sms"), detail, float((b.today - day).days))


def _anniversaries(b: _Builder, summary: ClientSummary, horizon: date, not_before: date) -> None:
    since = b.client.since
    if since is None:
        return
    for day in _yearly(since, since.month, since.day, not_before, horizon, since.year + 1):
        if _lapsed(day, b.today, summary):
            continue
        years = day.year - since.year
        # Long-standing clients get more care: a coffee or a call rather than a note,
        # and they go first among anniversaries that are equally late.
        wanted = ("coffee", "call") if years >= LONG_STANDING_YEARS else ()
        b.add(
            "anniversary",
            day,
            b.reach.pick(*wanted),
            f"{_plural(years, 'year')} as a client (since {since.isoformat()})",
            (b.today - day).days + min(years, 99) / 100,
        )


def _check_in_due(rhythm: _Rhythm, base: date | None, horizon: date) -> date | None:
    """The day a check-in falls due if that is on or before ``horizon``, else None."""
    if rhythm.cadence.kind == "never" or base is None or (horizon - base).days < rhythm.min_days:
        return None
    due = rhythm.next_after(base)
    return due if due is not None and due <= horizon else None


def _check_in(
    b: _Builder, summary: ClientSummary, rhythm: _Rhythm, base: date | None, horizon: date
) -> None:
    due = _check_in_due(rhythm, base, horizon)
    if due is None or base is None:  # a due date implies a base; mypy cannot tell
        return
    overdue = (b.today - due).days
    if summary.last_contact is None:
        detail = f"no contact yet (client since {base.isoformat()})"
    else:
        ago = (b.today - base).days
        detail = f"last contact {base.isoformat()} ({_plural(ago, 'day')} ago)"
    detail += f", cadence {rhythm.label}"
    wanted: tuple[str, ...] = ()
    outs = summary.last_out_channels
    if len(outs) == 2 and outs[0] == outs[1] != "coffee" and "coffee" in b.reach.allowed:
        wanted = ("coffee",)
        detail += f"; the last two contacts were by {outs[0]}: time for a coffee"
    b.add(
        "check-in",
        due,
        b.reach.pick(*wanted),
        detail,
        overdue / rhythm.days,
    )


def _neglected(rhythm: _Rhythm, base: date | None, today: date) -> bool:
    """Last contact more than twice the cadence ago, in ``approx_days`` like overdueness."""
    if rhythm.cadence.kind == "never" or base is None:
        return False
    return (today - base).days > 2 * rhythm.days


def items_for_client(
    client: Client,
    summary: ClientSummary | None,
    snooze: Snooze | None,
    steps: Iterable[PlannedStep],
    settings: Settings,
    today: date,
    horizon: date,
    planned: Iterable[date] = (),
) -> list[Item]:
    """Every item of ``client`` due on or before ``horizon`` (unordered).

    ``planned``: days of meetings with the client on the calendar; one within the
    next ``PLANNED_DAYS`` is the next contact, so no check-in is proposed."""
    if client.archived or client.do_not_contact:
        return []
    until = snooze.until if snooze is not None and today < snooze.until else None
    if until is not None and horizon < until:
        return []
    summary = summary or ClientSummary(client.id)
    rhythm = _client_rhythm(client, settings)
    base = summary.last_contact or client.since
    b = _Builder(client, settings, today, _neglected(rhythm, base, today))
    # A birthday still visible on the day the snooze ends is the earliest that can show.
    not_before = (until or today) - timedelta(days=LAPSE_DAYS - 1)

    if summary.open_requests:
        _replies(b, summary, horizon)
    if summary.open_incidents:
        _recoveries(b, summary, horizon)
    if summary.open_promises or steps:
        _follow_ups(b, summary, steps, horizon)
    if client.birthday:
        _birthdays(b, summary, horizon, not_before)
    if not planned or not any(
        today <= day <= today + timedelta(days=PLANNED_DAYS) for day in planned
    ):
        _check_in(b, summary, rhythm, base, horizon)
    _anniversaries(b, summary, horizon, not_before)
    if summary.open_promises:
        _awaiting(b, summary, horizon)
    _drop_redundant_check_in(b, today)
    if until is None:
        return b.items
    return [
        replace(
            item,
            due=until,
            overdue_days=(today - until).days,
            detail=f"{item.detail}; snoozed until {until.isoformat()}",
        )
        if item.due < until
        else item
        for item in b.items
    ]


def _drop_redundant_check_in(b: _Builder, today: date) -> None:
    """No separate check-in for a client you are answering anyway.

    A check-in due by today, for a client who also has a reply, a recovery or
    a follow-up due by today, is dropped: that answer is the contact, and
    listing both would send the user to the same person twice. A check-in
    further ahead stays (the answer moves it, and a look-ahead shows where).
    """
    if len(b.items) < 2:
        return  # the common case: one item, nothing to fold
    if any(i.reason != "awaiting" for i in b.items):
        # Anything else brings you to them anyway: no nudge beside it.
        b.items[:] = [i for i in b.items if i.reason != "awaiting"]
    check_ins = [i for i in b.items if i.reason == "check-in" and i.due <= today]
    if check_ins and any(
        i.reason in ("reply", "recovery", "follow-up") and i.due <= today for i in b.items
    ):
        b.items.remove(check_ins[0])


# --------------------------------------------------------------------------- screening


class Hint(NamedTuple):
    """The few facts that decide whether a client can have anything due.

    The store reads them straight from its records, so that on a morning when
    most of 5,000 clients have nothing due, their records and digests are never
    turned into objects nor planned. A screen, not a rule: :func:`screen` keeps
    every client for whom :func:`items_for_client` could return an item.
    """

    client_id: str
    since: date
    last_contact: date | None = None
    cadence: str | None = None
    tier: str | None = None
    birthday: str | None = None
    open: bool = False  # an open request, incident or promise
    inactive: bool = False  # archived or do-not-contact

    @classmethod
    def of(cls, client: Client, summary: ClientSummary | None) -> Hint:
        """The hint of a client already built (the store reads it from the records)."""
        summary = summary or ClientSummary(client.id)
        return cls(
            client.id,
            client.since,
            summary.last_contact,
            client.cadence,
            client.tier,
            client.birthday,
            bool(summary.open_requests or summary.open_incidents or summary.open_promises),
            client.archived or client.do_not_contact,
        )


def screen(
    hints: Iterable[Hint],
    snoozes: dict[str, Snooze],
    steps: Iterable[PlannedStep],
    settings: Settings,
    today: date,
    horizon: date,
) -> set[str]:
    """Ids of the clients that may have an item due on or before ``horizon``.

    The tests of :func:`items_for_client` in its order, minus those that need
    the whole client (channels) or digest (what an outbound contact already
    cleared): they can only remove items, so the screen errs on the safe side.
    Runs for every client of the book, hence the local memos.
    """
    stepped = {step.client_id for step in steps if not step.stopped}
    rhythms: dict[tuple[str | None, str | None], _Rhythm] = {}
    # The (month, day) pairs a birthday or anniversary may show on, unsnoozed.
    window = _window(today - timedelta(days=LAPSE_DAYS - 1), horizon)
    kept: set[str] = set()
    for client_id, since, last, cadence, tier, birthday, is_open, inactive in hints:
        if inactive:
            continue
        snooze = snoozes.get(client_id) if snoozes else None
        until = snooze.until if snooze is not None and today < snooze.until else None
        if until is not None and horizon < until:
            continue
        if is_open or client_id in stepped:
            kept.add(client_id)
            continue
        rhythm = rhythms.get((cadence, tier))
        if rhythm is None:
            rhythm = rhythms[cadence, tier] = _rhythm_of(cadence, tier, settings)
        shown_from, near = (today, window) if until is None else (until, None)
        if rhythm.due_by(last or since, horizon) or _yearly_event(
            since, birthday, shown_from, horizon, near
        ):
            kept.add(client_id)
    return kept


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class PlanIndex:
    """Where each active client stands, kept by the store beside the digests and
    rebuilt whenever clients or digests are written.

    It depends on neither the date nor the settings, so that ``crm due`` can go
    straight to the clients that may be due: a binary search per cadence and a
    look-up per day of the window, instead of a screen over every client.
    """

    # Per (own cadence, tier): (ordinal of the last contact, or of 'since'; id),
    # sorted. The tier's cadence comes from the settings when the plan is made.
    groups: list[tuple[str | None, str | None, list[tuple[int, str]]]]
    # Clients with an open request, incident or promise: always looked at.
    always: list[str]
    # "MM-DD" -> clients with a birthday or an anniversary that day (29 Feb as 28 Feb,
    # as _yearly looks it up).
    yearly: dict[str, list[str]]


def build_index(hints: Iterable[Hint]) -> PlanIndex:
    """The index of ``hints`` (archived and do-not-contact clients are left out)."""
    groups: dict[tuple[str | None, str | None], list[tuple[int, str]]] = {}
    always: list[str] = []
    yearly: dict[str, list[str]] = {}
    for client_id, since, last, cadence, tier, birthday, is_open, inactive in hints:
        if inactive:
            continue
        if is_open:
            always.append(client_id)
        groups.setdefault((cadence, tier), []).append(((last or since).toordinal(), client_id))
        days = [(since.month, since.day)]
        if birthday:
            month_day = _month_day(birthday)
            if month_day is None:  # unreadable: let the plan decide, every time
                always.append(client_id)
            else:
                days.append(month_day)
        for month, day in days:
            key = f"{month:02d}-{28 if (month, day) == (2, 29) else day:02d}"
            yearly.setdefault(key, []).append(client_id)
    return PlanIndex(
        [(cadence, tier, sorted(entries)) for (cadence, tier), entries in groups.items()],
        always,
        yearly,
    )


def update_index(index: PlanIndex, ids: set[str], hints: Iterable[Hint]) -> None:
    """Move the clients ``ids`` to where their new ``hints`` put them, in place (a client
    without a hint, forgotten, leaves the index): what a write of a few clients costs,
    instead of rebuilding the index of them all."""
    fresh = build_index(hints)
    groups = {
        (cadence, tier): [entry for entry in entries if entry[1] not in ids]
        for cadence, tier, entries in index.groups
    }
    for cadence, tier, entries in fresh.groups:
        kept = groups.setdefault((cadence, tier), [])
        for entry in entries:
            bisect.insort(kept, entry)
    index.groups = [(cad, tier, entries) for (cad, tier), entries in groups.items() if entries]
    index.always = [cid for cid in index.always if cid not in ids] + fresh.always
    yearly: dict[str, list[str]] = {}
    for key, cids in index.yearly.items():
        if kept_ids := [cid for cid in cids if cid not in ids]:
            yearly[key] = kept_ids
    for key, cids in fresh.yearly.items():
        yearly.setdefault(key, []).extend(cids)
    index.yearly = yearly


def index_candidates(
    index: PlanIndex,
    steps: Iterable[PlannedStep],
    settings: Settings,
    today: date,
    horizon: date,
) -> set[str]:
    """Every client of ``index`` that may have an item due by ``horizon`` (a superset,
    like :func:`screen`; :func:`items_for_client` decides)."""
    kept = set(index.always)
    kept.update(step.client_id for step in steps if not step.stopped)
    # Snoozes only hide and postpone: a birthday shown when one ends is in this window too.
    window = _window(today - timedelta(days=LAPSE_DAYS - 1), horizon)
    if window is None:  # a year or more: every yearly event falls inside
        for ids in index.yearly.values():
            kept.update(ids)
    else:
        for month, day in window:
            kept.update(index.yearly.get(f"{month:02d}-{day:02d}", ()))
    for cadence, tier, entries in index.groups:
        rhythm = _rhythm_of(cadence, tier, settings)
        if rhythm.cadence.kind == "interval":
            # The next check-in moves with the last contact, never back: the clients
            # due by the horizon are a prefix of the sorted entries.
            low, high = 0, len(entries)
            while low < high:
                middle = (low + high) // 2
                base = date.fromordinal(entries[middle][0])
                if _check_in_due(rhythm, base, horizon) is None:
                    high = middle
                else:
                    low = middle + 1
            kept.update(client_id for _, client_id in entries[:low])
        elif rhythm.cadence.kind == "rrule":  # the start moves the rule: client by client
            kept.update(
                client_id
                for base, client_id in entries
                if rhythm.due_by(date.fromordinal(base), horizon)
            )
    return kept


def _outside(window: frozenset[tuple[int, int]], month: int, day: int) -> bool:
    return (month, 28 if month == 2 and day == 29 else day) not in window


def _yearly_event(
    since: date,
    birthday: str | None,
    shown_from: date,
    horizon: date,
    window: frozenset[tuple[int, int]] | None,
) -> bool:
    """Whether a birthday or an anniversary can be shown between ``shown_from`` and
    ``horizon`` (one that fell up to 6 days before ``shown_from`` still shows).

    ``window``, the month-days around those days, rules most clients out with a
    set look-up or two, before any date is computed.
    """
    birthday = (birthday or "").strip()
    if window is not None and _outside(window, since.month, since.day):
        if not birthday:
            return False
        try:  # a stored birthday ends with MM-DD; anything else is checked below
            if _outside(window, int(birthday[-5:-3]), int(birthday[-2:])):
                return False
        except ValueError:
            pass
    not_before = shown_from - timedelta(days=LAPSE_DAYS - 1)
    if _yearly(since, since.month, since.day, not_before, horizon, since.year + 1):
        return True
    month_day = _month_day(birthday) if birthday else None
    return month_day is not None and bool(_yearly(birthday, *month_day, not_before, horizon, 1))


# --------------------------------------------------------------------------- the book


def clear_caches() -> None:
    """Forget the memos of parsed cadences, folded names and date windows.

    A long-lived process (a benchmark, a test) calls this so that each plan
    costs what one ``crm due`` costs.
    """
    for memo in (_rhythm, _fold, _month_day, _window):
        memo.cache_clear()


def sort_key(item: Item) -> tuple[int, float, str, str, date, str]:
    """Reason, most overdue first, then name and id: never tier or revenue."""
    return (
        _RANK[item.reason],
        -item.urgency,
        _fold(item.client),
        item.client_id,
        item.due,
        item.source.id if item.source else "",
    )


def items_by_client(
    view: BookView, settings: Settings, today: date, horizon: date
) -> dict[str, list[Item]]:
    """Each client's items due on or before ``horizon``, unordered, clients with none
    left out: the plan of a day is these, sorted (what a memo of the plan keeps)."""
    steps: dict[str, list[PlannedStep]] = {}
    for step in view.steps:
        if not step.stopped:
            steps.setdefault(step.client_id, []).append(step)
    found: dict[str, list[Item]] = {}
    for client in view.clients:
        items = items_for_client(
            client,
            view.summaries.get(client.id),
            view.snoozes.get(client.id),
            steps.get(client.id, ()),
            settings,
            today,
            horizon,
            view.planned.get(client.id, ()),
        )
        if items:
            found[client.id] = items
    return found


def _collect(view: BookView, settings: Settings, today: date, horizon: date) -> list[Item]:
    items = [i for found in items_by_client(view, settings, today, horizon).values() for i in found]
    items.sort(key=sort_key)
    return items


def plan_day(view: BookView, settings: Settings, today: date) -> list[Item]:
    """Items due on or before ``today``, most pressing first."""
    return _collect(view, settings, today, today)


def _check_days(days: int) -> None:
    if days < 1:
        raise InvalidValue(f"the number of days must be at least 1, not {days}")


def upcoming(view: BookView, settings: Settings, start: date, days: int) -> list[Item]:
    """Items due on or before ``start + days - 1``, overdue ones included, ordered."""
    _check_days(days)
    return _collect(view, settings, start, start + timedelta(days=days - 1))


def agenda(
    view: BookView,
    settings: Settings,
    start: date,
    days: int,
    capacity: int | None = None,
) -> list[tuple[date, list[Item]]]:
    """The plan for ``days`` days from ``start``: every day appears, possibly empty.

    Fixed-date items stay on their day (overdue ones on the first day), even past
    capacity: a birthday cannot move. Check-ins fill the working days, most urgent
    first, each on the earliest day on or after its due date with room left;
    those that fit nowhere in the window are left out of this plan.
    """
    return arrange(upcoming(view, settings, start, days), settings, start, days, capacity)


def arrange(
    items: list[Item], settings: Settings, start: date, days: int, capacity: int | None = None
) -> list[tuple[date, list[Item]]]:
    """``agenda`` from the items ``upcoming`` gives for the same days (most urgent first)."""
    _check_days(days)
    limit = settings.capacity if capacity is None else capacity
    if limit < 1:
        raise InvalidValue(f"the capacity must be at least 1 item a day, not {limit}")
    window = [start + timedelta(days=i) for i in range(days)]
    planned: list[list[Item]] = [[] for _ in window]
    check_ins: list[Item] = []
    for item in items:
        if item.reason in terms.FIXED_REASONS:
            planned[max((item.due - start).days, 0)].append(item)
        else:
            check_ins.append(item)  # already most urgent first

    workdays = settings.workday_numbers
    free = [
        i for i, day in enumerate(window) if day.weekday() in workdays and len(planned[i]) < limit
    ]
    for item in check_ins:
        at = bisect.bisect_left(free, max((item.due - start).days, 0))
        if at == len(free):
            continue  # no room on or after its due date within the window
        index = free[at]
        planned[index].append(item)
        if len(planned[index]) >= limit:
            del free[at]
    return [(day, sorted(items, key=sort_key)) for day, items in zip(window, planned, strict=True)]


def next_items(
    view: BookView,
    settings: Settings,
    client_id: str,
    today: date,
    days: int = 90,
    limit: int = 3,
) -> list[Item]:
    """The next items of one client within ``days`` (overdue first), for ``crm show``."""
    _check_days(days)
    client = next((c for c in view.clients if c.id == client_id), None)
    if client is None:
        return []
    items = items_for_client(
        client,
        view.summaries.get(client_id),
        view.snoozes.get(client_id),
        [s for s in view.steps if s.client_id == client_id],
        settings,
        today,
        today + timedelta(days=days - 1),
        view.planned.get(client_id, ()),
    )
    items.sort(key=lambda item: (max(item.due, today), *sort_key(item)))
    return items[:limit]
