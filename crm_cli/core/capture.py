"""What a captured email or calendar event means for the book: plain rules over headers.

Readers (``crm_cli.capture``) hand over raw header bytes or parsed event fields;
this module decides, without opening anything, whether a message is a touchpoint,
with which client, in which direction and thread, and under which rule it is
skipped. Only metadata is ever looked at: the body never reaches these functions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = [
    "RULES",
    "Event",
    "Judgement",
    "Meta",
    "capture_id",
    "event_id",
    "fold_address",
    "judge",
    "judge_event",
    "message_ids",
    "normalise_subject",
    "parse_headers",
    "short_hash",
]

RULES = ("list", "automated", "recipients", "not yours", "no client", "already logged", "deleted")
"""Why a message was not logged, in the order the summary line names them."""

# Senders that are machines: noreply@, no-reply@, do-not-reply@, mailer-daemon@...
_MACHINE = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?)([-+.].*)?$"
)
# Reply and forward markers in English, Italian and German mail clients, repeated or
# numbered ("Re[2]:"), and a leading list tag ("[club] Re: ...").
_PREFIX = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:re|r|fwd?|i|aw|wg|rif)(?:\[\d+\])?\s*:\s*", re.I)
_MSGID = re.compile(r"<([^<>\s]+)>")


def short_hash(text: str) -> str:
    """24 hex digits of SHA-256: ids that are stable across devices and runs."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def fold_address(address: str) -> str:
    """An address as matching compares it: lower case, without a ``+tag``.

    ``Anna.Rossi+crm@Example.COM`` and ``anna.rossi@example.com`` are one person.
    """
    text = address.strip().strip("<>").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    return f"{local.split('+', 1)[0]}@{domain}"


def normalise_subject(subject: str) -> str:
    """The subject a thread shares: without ``Re:``, ``R:``, ``Fwd:``, ``I:``..., folded."""
    text = " ".join(subject.split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip().casefold()


def message_ids(value: str | None) -> tuple[str, ...]:
    """The ``<id>``s in a Message-ID, References or In-Reply-To header, in order."""
    if not value:
        return ()
    return tuple(_MSGID.findall(value))


@dataclass(frozen=True, slots=True)
class Meta:
    """The headers of one message that crm reads, decoded."""

    message_id: str | None  # without the angle brackets
    when: datetime | None
    sender: str  # folded address, "" when missing
    sender_name: str
    recipients: tuple[tuple[str, str], ...]  # (display name, folded address) of To and Cc
    subject: str
    references: tuple[str, ...] = ()
    in_reply_to: str | None = None
    listed: bool = False  # List-Id, List-Unsubscribe, Precedence: bulk or list
    automated: bool = False  # Auto-Submitted, a machine sender, Return-Path: <>
    deleted: bool = False  # Thunderbird's X-Mozilla-Status deleted flag

    @property
    def day(self) -> date | None:
        return self.when.date() if self.when else None

    @property
    def parent(self) -> str | None:
        """The message this one answers: In-Reply-To, else the last reference."""
        return self.in_reply_to or (self.references[-1] if self.references else None)

    @property
    def root(self) -> str | None:
        """The first message of the thread, as far as the headers tell."""
        return self.references[0] if self.references else self.in_reply_to


def _decode(value: object) -> str:
    from email.header import decode_header, make_header

    text = str(value or "")
    if "=?" not in text:
        return " ".join(text.split())
    try:
        return " ".join(str(make_header(decode_header(text))).split())
    except (LookupError, ValueError, UnicodeError):  # a broken encoded word: keep it raw
        return " ".join(text.split())


def _addresses(values: Iterable[str]) -> list[tuple[str, str]]:
    from email.utils import getaddresses

    found = []
    for name, addr in getaddresses([str(v) for v in values]):
        if "@" in addr:
            found.append((_decode(name), fold_address(addr)))
    return found


def _mozilla_deleted(value: str | None) -> bool:
    # X-Mozilla-Status is 4 hex digits; 0x0008 is MSG_FLAG_EXPUNGED (deleted, not compacted).
    if not value:
        return False
    try:
        return bool(int(value.strip()[:4], 16) & 0x0008)
    except ValueError:
        return False


def parse_headers(raw: bytes) -> Meta:
    """The :class:`Meta` of a message's header block (the body, if given, is ignored)."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32
    from email.utils import parsedate_to_datetime

    # Headers only: the parser stops at the first blank line, and compat32 leaves
    # values as strings (the default policy builds an object for every header).
    end = raw.find(b"\n\n")
    end2 = raw.find(b"\r\n\r\n")
    cut = min((e for e in (end, end2) if e >= 0), default=len(raw))
    msg = BytesHeaderParser(policy=compat32).parsebytes(raw[: cut + 1])
    when = None
    if msg["Date"]:
        try:
            when = parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError, IndexError):
            when = None
    senders = _addresses(msg.get_all("From") or [])
    sender_name, sender = senders[0] if senders else ("", "")
    recipients = tuple(dict.fromkeys(_addresses([*msg.get_all("To", []), *msg.get_all("Cc", [])])))
    ids = message_ids(str(msg["Message-ID"] or ""))
    precedence = str(msg["Precedence"] or "").strip().lower()
    auto = str(msg["Auto-Submitted"] or "").strip().lower()
    return_path = msg["Return-Path"]
    local = sender.rpartition("@")[0]
    return Meta(
        message_id=ids[0] if ids else None,
        when=when,
        sender=sender,
        sender_name=sender_name,
        recipients=recipients,
        subject=_decode(msg["Subject"]),
        references=message_ids(str(msg["References"] or "")),
        in_reply_to=next(iter(message_ids(str(msg["In-Reply-To"] or ""))), None),
        listed=bool(msg["List-Id"] or msg["List-Unsubscribe"]) or precedence in ("bulk", "list"),
        automated=(auto not in ("", "no"))
        or bool(msg["X-Autoreply"] or msg["X-Autorespond"])
        or precedence in ("auto_reply", "junk")
        or bool(_MACHINE.match(local))
        or (return_path is not None and str(return_path).strip() == "<>"),
        deleted=_mozilla_deleted(msg["X-Mozilla-Status"]),
    )


def capture_id(meta: Meta) -> str:
    """The message's id in the book: from its Message-ID, else from date, sender and
    subject, so that one message read from two folders or devices is one touchpoint."""
    if meta.message_id:
        return "mail:" + short_hash(meta.message_id.strip().lower())
    when = meta.when.isoformat() if meta.when else ""
    return "mail:" + short_hash(f"{when}\x1f{meta.sender}\x1f{meta.subject}")


@dataclass(slots=True)
class Judgement:
    """What one message is: logged (``rule`` None) for ``clients``, or skipped by ``rule``."""

    rule: str | None
    outbound: bool = False
    clients: list[str] = field(default_factory=list)
    # Correspondents who are neither you nor a client: (name, folded address).
    strangers: list[tuple[str, str]] = field(default_factory=list)


def judge(
    meta: Meta,
    mine: frozenset[str],
    clients: Mapping[str, str],
    max_recipients: int,
    ignored: frozenset[str] = frozenset(),
) -> Judgement:
    """Whether ``meta`` becomes a touchpoint. ``mine``: your folded addresses;
    ``clients``: folded address to client id; ``ignored``: people never listed."""
    if meta.deleted:
        return Judgement("deleted")
    if meta.listed:
        return Judgement("list")
    if meta.automated:
        return Judgement("automated")
    outbound = meta.sender in mine
    to_me = any(addr in mine for _, addr in meta.recipients)
    if not (outbound or to_me):
        return Judgement("not yours")
    if len(meta.recipients) > max_recipients:
        return Judgement("recipients", outbound)
    if outbound:
        others = [(n, a) for n, a in meta.recipients if a not in mine]
    else:
        others = [(meta.sender_name, meta.sender)]
    found = list(dict.fromkeys(clients[a] for _, a in others if a in clients))
    strangers = [(n, a) for n, a in others if a not in clients and a not in ignored]
    if not found:
        return Judgement("no client", outbound, strangers=strangers)
    return Judgement(None, outbound, found, strangers)


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True, slots=True)
class Event:
    """One occurrence of a calendar event, as the .ics and CalDAV readers see it."""

    uid: str
    recurrence: str  # RECURRENCE-ID of the occurrence, or "" for a single event
    start: datetime | date
    summary: str
    status: str  # upper case: CONFIRMED, TENTATIVE, CANCELLED or ""
    organizer: str  # folded address or ""
    attendees: tuple[tuple[str, str, str], ...]  # (name, folded address, PARTSTAT)

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start


def event_id(event: Event) -> str:
    """UID plus RECURRENCE-ID: each occurrence is logged once, however often read."""
    return "cal:" + short_hash(f"{event.uid}\x1f{event.recurrence}")


def judge_event(
    event: Event, mine: frozenset[str], clients: Mapping[str, str], ignored: frozenset[str]
) -> Judgement:
    """Whether an event is a meeting with clients: declined, cancelled, all-day and
    solo events are skipped."""
    if event.status == "CANCELLED":
        return Judgement("cancelled")
    if event.all_day:
        return Judgement("all-day")
    people = {a: (n, s) for n, a, s in event.attendees}
    if any(people.get(a, ("", ""))[1] == "DECLINED" for a in mine):
        return Judgement("declined")
    # An attendee who declined was not there.
    others = [(n, a) for a, (n, s) in people.items() if a not in mine and s != "DECLINED"]
    if event.organizer and event.organizer not in mine and event.organizer not in people:
        others.append(("", event.organizer))
    if not others:
        return Judgement("solo")
    found = list(dict.fromkeys(clients[a] for _, a in others if a in clients))
    strangers = [(n, a) for n, a in others if a not in clients and a not in ignored]
    if not found:
        return Judgement("no client", strangers=strangers)
    return Judgement(None, event.organizer in mine, found, strangers)
