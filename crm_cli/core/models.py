"""Plain data of the book: clients, touchpoints, snoozes.

Dataclasses with explicit ``to_dict``/``from_dict`` so that the store can keep
them as JSON and tests can build books by hand. Dates are ``datetime.date``
in memory and ISO strings on disk.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, Literal

from crm_cli.core import terms

# Re-exported for the command modules that still import them from here; the
# vocabulary itself lives in crm_cli.core.terms.
CHANNELS_LOG = terms.LOG_CHANNELS
TIERS = terms.TIERS


def _date_or_none(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(slots=True)
class Client:
    """A client of the book: who they are, how to reach them, what they agreed to."""

    id: str
    name: str
    since: date
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    # E.164 numbers that can receive SMS (mobile, or "fixed or mobile" where a
    # numbering plan cannot tell): decided once when the number is entered.
    mobiles: list[str] = field(default_factory=list)
    company: str | None = None
    city: str | None = None
    channel: str | None = None
    tier: str | None = None
    tags: list[str] = field(default_factory=list)
    cadence: str | None = None
    birthday: str | None = None  # "YYYY-MM-DD" or "--MM-DD" when the year is unknown
    lang: str | None = None
    formal: bool | None = None
    # How the client likes to be served ("fattura a fine mese"): guides the
    # professional, never quoted in a message.
    prefers: list[str] = field(default_factory=list)
    # What may be offered or mentioned to them ("il pane ai semi del sabato").
    likes: list[str] = field(default_factory=list)
    # Set only when given (--first-name); else read from the name (core.names).
    first_name: str | None = None
    salutation: str | None = None  # how they are greeted: "Gentile signora Thompson"
    gender: str | None = None  # terms.GENDERS, for Italian agreement only
    business: bool = False
    contact_person: str | None = None
    # Ids of touchpoints whose topic is closed: kept with the client, not in the
    # history, so that closing a topic travels with the client's record.
    closed_topics: list[str] = field(default_factory=list)
    note: str | None = None
    private_note: str | None = None
    email_consent: bool = True
    sms_consent: bool = True
    do_not_contact: bool = False
    shared_contact: bool = False
    archived: bool = False
    # Added with issue 15 (moving in from other tools): what a card or sheet holds.
    job_title: str | None = None
    urls: list[str] = field(default_factory=list)
    nicknames: list[str] = field(default_factory=list)
    # The postal address but its city: ``street``, ``postcode``, ``region``, ``country``
    # (each a string or None). The city is ``city`` above, so the two never disagree;
    # ``to_dict`` writes it into the address too.
    address: dict[str, str | None] | None = None
    anniversaries: list[dict[str, str]] = field(default_factory=list)  # {"label", "date"}
    ims: list[dict[str, str]] = field(default_factory=list)  # {"service", "handle"}
    # The UID of the address-book card this client came from, when the card had its
    # own (a phone's): a re-import of that card updates this client, the export keeps it.
    card_uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: that deep-copies and is 10x slower,
        # which shows on a book of 5,000 clients.
        data = {name: getattr(self, name) for name in _CLIENT_FIELDS}
        for name in _CLIENT_LISTS:
            data[name] = list(data[name])
        for name in ("anniversaries", "ims"):
            data[name] = [dict(x) for x in data[name]]
        if self.address is not None:
            data["address"] = address_record(self.address, self.city)
        data["since"] = _iso(self.since)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Client:
        # Every command reads every client: the common case (known keys only) is
        # one dict copy, not a filter over 25 fields.
        values = (
            dict(data)
            if _CLIENT_KNOWN.issuperset(data)
            else {k: v for k, v in data.items() if k in _CLIENT_KNOWN}
        )
        since = values.get("since")
        if not since:
            raise ValueError("a client has no 'since' date")
        values["since"] = since if isinstance(since, date) else date.fromisoformat(since)
        for name in _CLIENT_LISTS:
            # Copy only what could be shared with the caller's data; absent means empty.
            if name in values:
                values[name] = list(values[name] or ())
        for name in ("anniversaries", "ims"):
            if name in values:
                values[name] = [dict(x) for x in values[name] or ()]
        address = values.get("address")
        if address is not None:
            values["address"] = {k: address.get(k) or None for k in ADDRESS_PARTS}
            if not values.get("city") and address.get("city"):
                values["city"] = address["city"]
        return cls(**values)


# The parts of Client.address, in the order a card writes them (city between).
ADDRESS_PARTS = ("street", "postcode", "region", "country")


def address_record(address: dict[str, str | None], city: str | None) -> dict[str, str | None]:
    """The address with its city, every key present (for JSON and exports)."""
    record = {k: address.get(k) or None for k in ADDRESS_PARTS}
    record["city"] = city
    return record


_CLIENT_FIELDS = tuple(f.name for f in fields(Client))
_CLIENT_KNOWN = frozenset(_CLIENT_FIELDS)
_CLIENT_LISTS = (
    "emails",
    "phones",
    "mobiles",
    "tags",
    "prefers",
    "likes",
    "closed_topics",
    "urls",
    "nicknames",
)


@dataclass(slots=True)
class Touchpoint:
    """One contact with a client (or a note about them), on one day."""

    id: str
    client_id: str
    date: date
    channel: str
    direction: str = "out"
    note: str | None = None
    needs_reply: bool = False
    incident: bool = False
    private: bool = False
    follow_up: _dt.date | None = None  # `date` here would be the field above
    # What the next message may bring back, written to be said to the client
    # ("il viaggio a Lisbona"); the note stays the professional's own.
    topic: str | None = None
    # Captured from mail or a calendar: "mail:<hash of the Message-ID>" or "cal:<hash of
    # UID and RECURRENCE-ID>", the same on every device, so a capture never duplicates.
    source: str | None = None
    thread: str | None = None  # a captured email's thread (hash of its first message's id)
    purpose: str | None = None  # the draft purpose of a sent crm draft (terms.PURPOSES)
    # `crm handled`: the open requests before it need no answer (a note, not a contact).
    handled: bool = False
    # Order of logging, given by the store (its clock stamp; an old counter id ``t12``
    # keeps 12). Not part of the record: exports and equality ignore it.
    order: int = field(default=0, compare=False, repr=False)

    @property
    def seq(self) -> int:
        """Order of logging: breaks ties within a day (``t1``, ``t2``... by their number)."""
        if self.order:
            return self.order
        digits = self.id.lstrip("t")
        return int(digits) if digits.isdigit() else 0

    @property
    def is_contact(self) -> bool:
        """A note is something you wrote down, not a contact with the client."""
        return self.channel not in terms.NOT_A_CONTACT

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "client_id": self.client_id,
            "date": _iso(self.date),
            "channel": self.channel,
            "direction": self.direction,
            "note": self.note,
            "needs_reply": self.needs_reply,
            "incident": self.incident,
            "private": self.private,
            "follow_up": _iso(self.follow_up),
        }
        # Only when there is one: twenty years of history written before topics
        # existed stay as they were (views add the key back for --json).
        if self.topic is not None:
            data["topic"] = self.topic
        # The same for what capture adds: older histories keep their bytes.
        if self.source is not None:
            data["source"] = self.source
        if self.thread is not None:
            data["thread"] = self.thread
        if self.purpose is not None:
            data["purpose"] = self.purpose
        if self.handled:
            data["handled"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Touchpoint:
        day = _date_or_none(data["date"])
        if day is None:
            raise ValueError("a touchpoint has no date")
        follow_up = data.get("follow_up")
        return cls(
            id=data["id"],
            client_id=data["client_id"],
            date=day,
            channel=data["channel"],
            direction=data.get("direction", "out"),
            note=data.get("note"),
            needs_reply=data.get("needs_reply", False),
            incident=data.get("incident", False),
            private=data.get("private", False),
            follow_up=_date_or_none(follow_up) if follow_up else None,
            topic=data.get("topic") or None,
            source=data.get("source") or None,
            thread=data.get("thread") or None,
            purpose=data.get("purpose") or None,
            handled=bool(data.get("handled", False)),
            order=int(data.get("order") or 0),
        )


@dataclass(slots=True)
class Snooze:
    """No reminders for a client until a day."""

    client_id: str
    until: date
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "until": self.until.isoformat(), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snooze:
        return cls(data["client_id"], date.fromisoformat(data["until"]), data.get("reason"))


@dataclass(slots=True)
class PlannedStep:
    """One step of a playbook started for a client: a dated follow-up."""

    client_id: str
    playbook: str
    step: str  # the step's name, e.g. "how-is-it-going call"
    index: int  # position in the playbook, from 0
    due: date
    channel: str  # one of terms.CONTACT_CHANNELS
    purpose: str  # one of terms.PURPOSES
    started: date
    stopped: bool = False

    @property
    def key(self) -> str:
        """Stable identity of the step (for UIDs and for stopping a playbook)."""
        return f"{self.client_id}/{self.playbook}/{self.started.isoformat()}/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = self.due.isoformat()
        data["started"] = self.started.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannedStep:
        values = {k: v for k, v in data.items() if k in _STEP_FIELDS}
        values["due"] = date.fromisoformat(values["due"])
        values["started"] = date.fromisoformat(values["started"])
        return cls(**values)


_STEP_FIELDS = frozenset(f.name for f in fields(PlannedStep))


@dataclass(frozen=True, slots=True)
class Source:
    """What a plan item comes from: a touchpoint (by id) or a playbook step (by key)."""

    kind: Literal["touchpoint", "step"]  # terms.SOURCE_KINDS
    id: str  # Touchpoint.id or PlannedStep.key


class ClientReader:
    """``Client.from_dict`` for records fresh from JSON, which the reader then owns (their
    lists become the client's): the plan of a day reads thousands of them.

    The common shape (known keys, a ``since`` text, lists or nulls for the list fields,
    no address, dates or chats) is laid into the fields' defaults and passed to
    ``__init__`` by position, without copies: half the time. Any other record goes to
    ``from_dict``, so that a damaged one fails with the same error."""

    def __init__(self) -> None:
        from dataclasses import MISSING

        every = fields(Client)
        self.position = {f.name: i for i, f in enumerate(every)}
        self.defaults: list[Any] = [None if f.default is MISSING else f.default for f in every]
        self.lists = [i for i, f in enumerate(every) if f.default_factory is not MISSING]
        self.since = self.position["since"]
        # Every field has a default but id, name and since, and every factory is list: else
        # (a field added since) only from_dict knows how to fill it.
        required = {f.name for f in every if f.default is MISSING and f.default_factory is MISSING}
        factories: list[Any] = [every[i].default_factory for i in self.lists]
        self.fast = required == {"id", "name", "since"} and all(
            type(factory()) is list for factory in factories
        )

    def __call__(self, data: dict[str, Any]) -> Client:
        since = data.get("since")
        if (
            not self.fast
            or type(since) is not str
            or not since
            or "address" in data
            or data.get("anniversaries")
            or data.get("ims")
            or "id" not in data
            or "name" not in data
            or not _CLIENT_KNOWN.issuperset(data)
        ):
            return Client.from_dict(data)
        values = self.defaults.copy()
        position = self.position
        for name, value in data.items():
            values[position[name]] = value
        for i in self.lists:
            value = values[i]
            if value is None:
                values[i] = []
            elif type(value) is not list:
                return Client.from_dict(data)  # its list() of the value, or its error
        try:
            values[self.since] = date.fromisoformat(since)
        except ValueError:
            return Client.from_dict(data)
        return Client(*values)
