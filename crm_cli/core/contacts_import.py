"""Contacts from other software (vCard, CSV) turned into clients, and merged with the book.

Readers in ``crm_cli.interchange`` turn a file into neutral :class:`Contact`
records holding the values as written (an email not yet checked, a phone as
typed, a birthday in whatever form the program used). :func:`plan_import`
validates them and decides, without touching the book, what an import would
do to each: add a client, merge into one, leave an identical one alone, or
skip it with a reason. The command applies the plan in one write, or prints
it for ``--dry-run``.

Matching, strongest first (the first rule that finds exactly one client wins):

1. an email the client already has;
2. a phone (E.164) the client already has, unless both have emails and none
   is shared (two colleagues behind one switchboard number stay two people);
3. the same name (case- and accent-insensitive), with the same proviso on
   emails. Only names written as names count: a contact named after its email,
   its company or ``(no name)`` is never matched by name.

A contact that matches several clients by phone or name is skipped with a
reason rather than merged into a guessed one. Merging adds emails, phones,
tags and fields the client lacks; it never overwrites anything.

A vCard whose UID is a client's card (the UID crm wrote, or the card's own
UID remembered when it was first imported, see ``core.card_identity``) is that
client's card edited elsewhere, on a phone synced with vdirsyncer: it updates
the client, whatever its name or emails now are. There the card wins for what
a card holds (name, emails, phones, company, city, birthday, note, tags); what
only crm keeps (cadence, tier, likes, private notes, history...) is untouched.
A card that brings nothing new (everything on it is on the client already) is
left out, as a merge would: the client may hold more, from other cards of the
same person. A card with a UID of its own that is added or merged by the rules
above leaves that UID on the client, so that importing it again finds it. Contacts of
the same import are matched against each other the same way, so a file that
holds someone twice yields one client, and importing it again changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from crm_cli.core import terms
from crm_cli.core.card_identity import UidIndex, client_uid
from crm_cli.core.contacts import (
    clean_name,
    fold,
    normalise_email,
    normalise_phone,
    slugify,
    unique_id,
)
from crm_cli.core.dates import parse_birthday, parse_cadence, parse_date
from crm_cli.core.models import ADDRESS_PARTS, Client
from crm_cli.core.names import id_words, is_business_name
from crm_cli.core.terms import GENDERS
from crm_cli.errors import InvalidValue

NO_NAME = "(no name)"
MAX_NAME = 200

ADDED, MERGED, UNCHANGED, SKIPPED = "added", "merged", "unchanged", "skipped"
TIMES = "\u00d7"  # the multiplication sign of "3 \u00d7 X-SOMETHING"


@dataclass
class Contact:
    """One record of an imported file, values as written there."""

    source: str  # where it was read, for messages: "book.vcf: card 3 (line 41)"
    uid: str | None = None  # a vCard's UID: the card's identity across syncs
    name: str | None = None  # a person's name (FN, N, name columns)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str | None = None
    city: str | None = None
    birthday: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    # Only crm's own CSV carries these (None: not given).
    likes: list[str] = field(default_factory=list)
    prefers: list[str] = field(default_factory=list)
    first_name: str | None = None
    salutation: str | None = None
    gender: str | None = None
    business: bool | None = None
    contact_person: str | None = None
    # More of a card (issue 15): every source may carry these.
    job_title: str | None = None
    urls: list[str] = field(default_factory=list)
    nicknames: list[str] = field(default_factory=list)
    # street, postcode, city, region, country: as written (city also fills ``city``)
    address: dict[str, str] | None = None
    anniversaries: list[tuple[str, str]] = field(default_factory=list)  # (label, date as written)
    ims: list[tuple[str, str]] = field(default_factory=list)  # (service, handle)
    # Only crm's own CSV (and LinkedIn's "Connected On": since) carries these; None: not given.
    since: str | None = None
    tier: str | None = None
    channel: str | None = None
    cadence: str | None = None
    lang: str | None = None
    formal: bool | None = None
    archived: bool | None = None
    do_not_contact: bool | None = None
    email_consent: bool | None = None
    sms_consent: bool | None = None
    shared_contact: bool | None = None
    # What the record held that crm does not keep: a vCard property ("X-SOMETHING") or a
    # CSV column ('column "Fax"'), once per value; summed up at the end of the import.
    not_kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # found while reading it
    error: str | None = None  # set when the record could not be read at all


@dataclass
class Outcome:
    """What the import does with one contact."""

    source: str
    action: str  # added | merged | unchanged | skipped
    client_id: str | None = None
    name: str = ""
    changes: list[str] = field(default_factory=list)  # for merged: "email a@b.it"...
    reason: str | None = None  # for skipped


@dataclass
class ImportPlan:
    added: list[Client] = field(default_factory=list)  # new clients, final state
    changed: list[Client] = field(default_factory=list)  # existing clients, final state
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_kept: Counter[str] = field(default_factory=Counter)
    # Values read with the book's defaults because the file did not say: phone numbers
    # without a country code (read in ``region``) and dates that read both ways.
    local_phones: int = 0
    ambiguous_dates: list[str] = field(default_factory=list)

    def not_kept_text(self) -> str:
        """``3 \u00d7 X-SOMETHING, 1 \u00d7 column "Fax"``: most first, then by name."""
        items = sorted(self.not_kept.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{n} {TIMES} {what}" for what, n in items)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def ids(self, action: str) -> list[str]:
        """Client ids with this outcome, each once, in file order."""
        seen: dict[str, None] = {}
        for o in self.outcomes:
            if o.action == action and o.client_id:
                seen.setdefault(o.client_id)
        return list(seen)


# -- values ---------------------------------------------------------------------

_BASIC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_ZERO_DATE = re.compile(r"[0/.\-\s]*", re.ASCII)
_NUMERIC_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4})", re.ASCII)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# The year written for "no year" by CardBook and Apple (X-APPLE-OMIT-YEAR's default);
# the vCard reader also takes a phone's 1900 (crm writes a real year, or none).
PLACEHOLDER_YEARS = ("1604",)
# A numeric date whose day and month could be swapped: 3/7/1984, 03.07.84, 3-7.
_BOTH_WAYS = re.compile(r"(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?", re.ASCII)


def reads_both_ways(text: str) -> bool:
    """Whether a date reads as a different valid day in DMY and in MDY."""
    m = _BOTH_WAYS.fullmatch(text.strip())
    if m is None:
        return False
    return int(m[1]) != int(m[2]) and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 12


def import_birthday(text: str, *, today: date, date_order: str) -> str | None:
    """A birthday as other programs write it, in the book's form (``YYYY-MM-DD``/``--MM-DD``).

    Accepts vCard/ISO forms (``1980-03-22``, ``19800322``, ``--0322``, with a
    time part) and the numeric dates of CSV exports in ``date_order`` (or in the
    other order when that one gives an impossible date: Outlook writes the
    system's order). Empty or all-zero (Outlook's ``0/0/00``) means none.
    Raises ``InvalidValue`` when it cannot be read.
    """
    s = text.strip()
    if _ZERO_DATE.fullmatch(s):
        return None
    if "T" in s and s[:1].isdigit():  # 1980-03-22T00:00:00Z: the day is what counts
        s = s.split("T", 1)[0]
    if m := _BASIC_DATE.fullmatch(s):
        s = f"{m[1]}-{m[2]}-{m[3]}"
    if (m := _ISO_DAY.fullmatch(s)) and m[1] in PLACEHOLDER_YEARS:
        s = f"--{m[2]}-{m[3]}"
    elif (m := _NUMERIC_YEAR.fullmatch(s)) and m[1] == "1604":
        s = s[: m.start(1)].rstrip("/.- ")
    try:
        return parse_birthday(s, today=today, date_order=date_order)
    except InvalidValue:
        other = "MDY" if date_order == "DMY" else "DMY"
        try:
            return parse_birthday(s, today=today, date_order=other)
        except InvalidValue:
            pass
        raise


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _one_line(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


def _add_unique(items: list[str], new: Iterable[str], key: Callable[[str], str]) -> list[str]:
    out = list(items)
    seen = {key(i) for i in out}
    for item in new:
        if key(item) not in seen:
            out.append(item)
            seen.add(key(item))
    return out


@dataclass
class _Clean:
    """A contact after validation: what may go into a client."""

    source: str
    name: str | None
    display: str
    emails: list[str]
    phones: list[str]
    mobiles: list[str]
    company: str | None
    city: str | None
    birthday: str | None
    note: str | None
    tags: list[str]
    likes: list[str]
    prefers: list[str]
    first_name: str | None
    salutation: str | None
    gender: str | None
    business: bool
    contact_person: str | None
    job_title: str | None = None
    urls: list[str] = field(default_factory=list)
    nicknames: list[str] = field(default_factory=list)
    address: dict[str, str | None] | None = None
    anniversaries: list[dict[str, str]] = field(default_factory=list)
    ims: list[dict[str, str]] = field(default_factory=list)
    since: date | None = None
    tier: str | None = None
    channel: str | None = None
    cadence: str | None = None
    lang: str | None = None
    formal: bool | None = None
    archived: bool = False
    flags: dict[str, bool] = field(default_factory=dict)  # do_not_contact, consents...
    local_phones: int = 0  # numbers written without a country code


_FLAGS = ("do_not_contact", "email_consent", "sms_consent", "shared_contact")
# The safe value of each flag: a merge may move a client towards it, never away.
_SAFE = {"do_not_contact": True, "email_consent": False, "sms_consent": False}
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")


def _label(text: str) -> str:
    """A label as a person reads it: Apple's ``_$!<Anniversary>!$_`` is ``anniversary``."""
    text = _one_line(text) or ""
    if m := _APPLE_LABEL.fullmatch(text):
        return m[1].lower()
    return text


def _extra(
    contact: Contact, clean: _Clean, *, today: date, date_order: str, warnings: list[str]
) -> None:
    """The fields added with issue 15, checked into ``clean``."""
    src = contact.source
    clean.job_title = _one_line(contact.job_title)
    clean.urls = _add_unique([], (u for u in map(_one_line, contact.urls) if u), str)
    clean.nicknames = _add_unique([], (n for n in map(_one_line, contact.nicknames) if n), fold)
    if contact.address:
        parts = {k: _one_line(contact.address.get(k)) for k in ADDRESS_PARTS}
        city = _one_line(contact.address.get("city"))
        if clean.city is None:
            clean.city = city
        if any(parts.values()):
            clean.address = parts
    for label, raw in contact.anniversaries:
        if not raw.strip():
            continue
        try:
            day = import_birthday(raw, today=today, date_order=date_order)
        except InvalidValue as exc:
            warnings.append(f"{src}: anniversary: {exc}; imported without it")
            continue
        if day is None:
            continue
        entry = {"label": _label(label) or "anniversary", "date": day}
        if entry not in clean.anniversaries:
            clean.anniversaries.append(entry)
    seen: set[tuple[str, str]] = set()
    for service, handle in contact.ims:
        entry = {"service": (_one_line(service) or "im").lower(), "handle": _one_line(handle) or ""}
        key = (entry["service"], entry["handle"].casefold())
        if entry["handle"] and key not in seen:
            seen.add(key)
            clean.ims.append(entry)
    if contact.since and contact.since.strip():
        try:
            since = parse_date(contact.since, today=today, date_order=date_order)
            if since > today:
                raise InvalidValue(f"the date {since.isoformat()} is in the future")
            clean.since = since
        except InvalidValue as exc:
            warnings.append(f"{src}: client since: {exc}; imported without it")

    def choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        for option in allowed:
            if option.casefold() == text.casefold():
                return option
        warnings.append(f"{src}: unknown {what} '{text}'; imported without it")
        return None

    clean.tier = choice(contact.tier, terms.TIERS, "tier")
    clean.channel = choice(contact.channel, terms.CONTACT_CHANNELS, "channel")
    clean.lang = choice(contact.lang, terms.LANGUAGES, "language")
    if contact.cadence and contact.cadence.strip():
        try:
            clean.cadence = parse_cadence(contact.cadence).canonical()
        except InvalidValue as exc:
            warnings.append(f"{src}: {exc}; imported without it")
    clean.formal = contact.formal
    clean.archived = bool(contact.archived)
    clean.flags = {f: v for f in _FLAGS if (v := getattr(contact, f)) is not None}


def _clean(
    contact: Contact,
    *,
    region: str,
    date_order: str,
    today: date,
    extra_tags: list[str],
    warnings: list[str],
) -> _Clean:
    src = contact.source
    warnings.extend(f"{src}: {w}" for w in contact.warnings)
    name: str | None = None
    if contact.name and contact.name.split():
        name = " ".join(contact.name.split())
        if len(name) > MAX_NAME:
            warnings.append(f"{src}: the name is {len(name)} characters long: cut to {MAX_NAME}")
            name = name[:MAX_NAME].rstrip()
        name = clean_name(name)
    emails: list[str] = []
    for raw in dict.fromkeys(e.strip() for e in contact.emails if e.strip()):
        try:
            emails = _add_unique(emails, [normalise_email(raw)], str.casefold)
        except InvalidValue as exc:
            warnings.append(f"{src}: {exc}; imported without it")
    phones: list[str] = []
    mobiles: list[str] = []
    local = 0
    for raw in dict.fromkeys(p.strip() for p in contact.phones if p.strip()):
        try:
            number, sms = normalise_phone(raw, region)
        except InvalidValue:
            warnings.append(f"{src}: invalid phone number '{raw}'; imported without it")
            continue
        phones = _add_unique(phones, [number], str)
        local += local_phone(raw)
        if sms:
            mobiles = _add_unique(mobiles, [number], str)
    birthday = None
    if contact.birthday and contact.birthday.strip():
        try:
            birthday = import_birthday(contact.birthday, today=today, date_order=date_order)
        except InvalidValue as exc:
            warnings.append(f"{src}: {exc}; imported without it")
    company = _one_line(contact.company)
    tags = _add_unique([], (t for t in map(_one_line, [*contact.tags, *extra_tags]) if t), fold)
    display = name or company or (emails[0] if emails else NO_NAME)
    gender = (contact.gender or "").strip().lower() or None
    if gender is not None and gender not in GENDERS:
        warnings.append(f"{src}: unknown gender '{contact.gender}'; imported without it")
        gender = None
    # A contact that is only a company, or whose name is clearly a firm's.
    business = (
        contact.business
        if contact.business is not None
        else is_business_name(display) or (name is None and company is not None)
    )
    clean = _Clean(
        source=src,
        name=name,
        display=clean_name(display[:MAX_NAME]),
        emails=emails,
        phones=phones,
        mobiles=mobiles,
        company=company,
        city=_one_line(contact.city),
        birthday=birthday,
        note=_text(contact.note),
        tags=tags,
        likes=_add_unique([], (x for x in map(_one_line, contact.likes) if x), fold),
        prefers=_add_unique([], (x for x in map(_one_line, contact.prefers) if x), fold),
        first_name=_one_line(contact.first_name),
        salutation=_one_line(contact.salutation),
        gender=gender,
        business=business,
        contact_person=_one_line(contact.contact_person),
    )
    clean.local_phones = local
    _extra(contact, clean, today=today, date_order=date_order, warnings=warnings)
    return clean


def local_phone(raw: str) -> bool:
    """Whether a number is written without its country code (read in the book's region)."""
    text = raw.strip()
    return not text.startswith(("+", "00")) and text[:4].lower() != "tel:"


# -- matching -------------------------------------------------------------------


class _Pool:
    """The clients an import is matched against: the book's, plus those it adds."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients: dict[str, Client] = {}
        self.by_email: dict[str, str] = {}
        self.by_phone: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self.uids: UidIndex | None = None  # built on the first card that has a UID
        for client in clients:
            self.put(client)

    def put(self, client: Client) -> None:
        old = self.clients.get(client.id)
        self.clients[client.id] = client
        for email in client.emails:
            self.by_email.setdefault(email.casefold(), client.id)
        for phone in client.phones:
            ids = self.by_phone.setdefault(phone, [])
            if client.id not in ids:
                ids.append(client.id)
        if old is None or fold(old.name) != fold(client.name):
            self.by_name.setdefault(fold(client.name), []).append(client.id)
        if self.uids is not None:
            self.uids.put(client)

    def by_uid(self, uid: str | None) -> Client | None:
        """The client whose card carries ``uid``, if any."""
        if not uid:
            return None
        if self.uids is None:
            self.uids = UidIndex(self.clients.values())
        cid = self.uids.get(uid)
        return self.clients[cid] if cid is not None else None

    def _compatible(self, ids: list[str], contact: _Clean) -> list[str]:
        """Clients whose emails do not contradict the contact's (see the module docstring)."""
        mine = {e.casefold() for e in contact.emails}
        out = []
        for cid in ids:
            theirs = {e.casefold() for e in self.clients[cid].emails}
            if not (mine and theirs and not mine & theirs):
                out.append(cid)
        return out

    def match(self, contact: _Clean) -> tuple[Client | None, str | None]:
        """The client to merge into, or ``(None, reason)`` when it is ambiguous."""
        for email in contact.emails:
            cid = self.by_email.get(email.casefold())
            if cid is not None:
                return self.clients[cid], None
        for how, ids in (
            ("phone", [cid for p in contact.phones for cid in self.by_phone.get(p, [])]),
            ("name", self.by_name.get(fold(contact.name), []) if contact.name else []),
        ):
            found = self._compatible(list(dict.fromkeys(ids)), contact)
            if len(found) == 1:
                return self.clients[found[0]], None
            if len(found) > 1:
                listed = ", ".join(sorted(found)[:5])
                return None, f"its {how} matches several clients ({listed}): merge it by hand"
        return None, None


def _merge(client: Client, contact: _Clean, pool: _Pool) -> tuple[Client, list[str], list[str]]:
    """``client`` with what the contact adds; the changes, and warnings."""
    changes: list[str] = []
    warnings: list[str] = []
    merged = replace(client)
    for email in contact.emails:
        owner = pool.by_email.get(email.casefold())
        if owner == client.id:
            continue
        if owner is not None:
            other = pool.clients[owner]
            warnings.append(
                f"{contact.source}: the email {email} belongs to {other.name} ({other.id}); "
                f"not added to {client.id}"
            )
            continue
        merged.emails = [*merged.emails, email]
        changes.append(f"email {email}")
    for phone in contact.phones:
        if phone not in merged.phones:
            merged.phones = [*merged.phones, phone]
            changes.append(f"phone {phone}")
            if phone in contact.mobiles and phone not in merged.mobiles:
                merged.mobiles = [*merged.mobiles, phone]
    new_tags = _add_unique(merged.tags, contact.tags, fold)
    changes.extend(f"tag {t}" for t in new_tags[len(merged.tags) :])
    merged.tags = new_tags
    for attr in ("likes", "prefers"):
        new = _add_unique(getattr(merged, attr), getattr(contact, attr), fold)
        changes.extend(f"{attr} {x}" for x in new[len(getattr(merged, attr)) :])
        setattr(merged, attr, new)
    for attr, key in (("urls", str), ("nicknames", fold)):
        new = _add_unique(getattr(merged, attr), getattr(contact, attr), key)
        changes.extend(f"{attr[:-1]} {x}" for x in new[len(getattr(merged, attr)) :])
        setattr(merged, attr, new)
    for attr, what in (("anniversaries", "anniversary"), ("ims", "im")):
        have = list(getattr(merged, attr))
        for entry in getattr(contact, attr):
            if entry not in have:
                have.append(entry)
                changes.append(f"{what} {' '.join(entry.values())}")
        setattr(merged, attr, have)
    if contact.address is not None and merged.address is None:
        merged.address = dict(contact.address)
        changes.append("address")
    for attr in (
        "company",
        "city",
        "birthday",
        "note",
        "first_name",
        "salutation",
        "gender",
        "contact_person",
        "job_title",
        "tier",
        "channel",
        "cadence",
        "lang",
        "formal",
    ):
        value = getattr(contact, attr)
        if value is not None and getattr(merged, attr) is None:
            setattr(merged, attr, value)
            changes.append(attr if attr == "note" else f"{attr.replace('_', ' ')} {value}")
    for flag, value in contact.flags.items():
        if value == _SAFE.get(flag) and getattr(merged, flag) != value:
            setattr(merged, flag, value)
            changes.append(flag.replace("_", " ") + ("" if value else " off"))
    return merged, changes, warnings


# What a card holds and crm writes back on it: on a card matched by UID these
# take the card's value (an absent one clears the client's).
CARD_FIELDS = ("company", "job_title", "city", "birthday", "note")


def _update_from_card(
    client: Client, contact: _Clean, pool: _Pool
) -> tuple[Client, list[str], list[str]]:
    """``client`` as its card now says (the card edited elsewhere wins); the changes.

    A card that holds nothing the client lacks is left out: the client may have
    more, merged from other cards of the same person (a re-import changes nothing).
    """
    changes: list[str] = []
    warnings: list[str] = []
    if _within(contact, client, pool):
        return client, changes, warnings
    updated = replace(client)
    if contact.display != NO_NAME and contact.display != client.name:
        updated.name = contact.display
        changes.append(f"name {contact.display}")
    emails: list[str] = []
    for email in contact.emails:
        owner = pool.by_email.get(email.casefold())
        if owner is not None and owner != client.id:
            other = pool.clients[owner]
            warnings.append(
                f"{contact.source}: the email {email} belongs to {other.name} ({other.id}); "
                f"not added to {client.id}"
            )
            continue
        emails.append(email)
    for attr, new in (("emails", emails), ("phones", contact.phones), ("tags", contact.tags)):
        old = getattr(client, attr)
        if new == old:
            continue
        key: Callable[[str], str] = fold if attr == "tags" else str.casefold
        kept = {key(x) for x in new}
        had = {key(x) for x in old}
        found = [f"{attr[:-1]} {x}" for x in new if key(x) not in had]
        found += [f"no {attr[:-1]} {x}" for x in old if key(x) not in kept]
        changes.extend(found or [f"{attr} reordered"])
        setattr(updated, attr, list(new))
    # A number stays a mobile if the card's reading or crm's own knew it as one.
    updated.mobiles = [p for p in updated.phones if p in contact.mobiles or p in client.mobiles]
    for attr in CARD_FIELDS:
        value = getattr(contact, attr)
        if value != getattr(client, attr):
            setattr(updated, attr, value)
            label = attr.replace("_", " ")
            if value is None:
                changes.append(f"no {label}")
            else:
                changes.append(attr if attr == "note" else f"{label} {value}")
    return updated, changes, warnings


def _within(contact: _Clean, client: Client, pool: _Pool) -> bool:
    """Whether everything on the card is on the client already, with the same values."""
    if contact.display != NO_NAME and contact.display != client.name:
        return False
    emails = {e.casefold() for e in client.emails}
    for email in contact.emails:
        owner = pool.by_email.get(email.casefold())
        if email.casefold() not in emails and (owner is None or owner == client.id):
            return False
    tags = {fold(t) for t in client.tags}
    return (
        set(contact.phones) <= set(client.phones)
        and all(fold(t) in tags for t in contact.tags)
        and all(
            getattr(contact, a) is None or getattr(contact, a) == getattr(client, a)
            for a in CARD_FIELDS
        )
    )


def _remember_uid(client: Client, uid: str | None) -> tuple[Client, list[str]]:
    """The client with the card's own UID kept, when it has none yet."""
    if not uid or client.card_uid or uid == client_uid(client.id):
        return client, []
    return replace(client, card_uid=uid), [f"card UID {uid}"]


def plan_import(
    contacts: Iterable[Contact],
    existing: list[Client],
    *,
    region: str,
    date_order: str,
    today: date,
    tags: list[str] | None = None,
    step: Callable[[], None] | None = None,
) -> ImportPlan:
    """Decide what importing ``contacts`` does to a book holding ``existing``.

    Pure: nothing is changed; ``step`` is called once per contact (progress).
    """
    plan = ImportPlan()
    pool = _Pool(existing)
    book_ids = {c.id for c in existing}
    taken = set(book_ids)
    added: dict[str, None] = {}
    changed: dict[str, None] = {}
    for contact in contacts:
        if step:
            step()
        if contact.error:
            plan.outcomes.append(Outcome(contact.source, SKIPPED, reason=contact.error))
            continue
        clean = _clean(
            contact,
            region=region,
            date_order=date_order,
            today=today,
            extra_tags=tags or [],
            warnings=plan.warnings,
        )
        plan.not_kept.update(contact.not_kept)
        plan.local_phones += clean.local_phones
        plan.ambiguous_dates.extend(
            d
            for d in (contact.birthday, *(a for _, a in contact.anniversaries), contact.since)
            if d and reads_both_ways(d)
        )
        if not (clean.name or clean.emails or clean.phones):
            reason = "no name, email or phone left to import"
            plan.outcomes.append(Outcome(clean.source, SKIPPED, name=clean.display, reason=reason))
            continue
        uid = " ".join((contact.uid or "").split()) or None
        own = pool.by_uid(uid)
        if own is not None:
            updated, changes, warnings = _update_from_card(own, clean, pool)
            plan.warnings.extend(warnings)
            if not changes:
                plan.outcomes.append(Outcome(clean.source, UNCHANGED, own.id, own.name))
                continue
            pool.put(updated)
            if own.id in book_ids:
                changed.setdefault(own.id)
            plan.outcomes.append(Outcome(clean.source, MERGED, own.id, updated.name, changes))
            continue
        target, ambiguous = pool.match(clean)
        if ambiguous:
            plan.outcomes.append(
                Outcome(clean.source, SKIPPED, name=clean.display, reason=ambiguous)
            )
            continue
        if target is None:
            client = Client(
                id=unique_id(slugify(id_words(clean.display, clean.business)), taken),
                name=clean.display,
                since=today,
                emails=clean.emails,
                phones=clean.phones,
                mobiles=clean.mobiles,
                company=clean.company,
                city=clean.city,
                birthday=clean.birthday,
                note=clean.note,
                tags=clean.tags,
                likes=clean.likes,
                prefers=clean.prefers,
                first_name=clean.first_name,
                salutation=clean.salutation,
                gender=clean.gender,
                business=clean.business,
                contact_person=clean.contact_person,
                job_title=clean.job_title,
                urls=clean.urls,
                nicknames=clean.nicknames,
                address=clean.address,
                anniversaries=clean.anniversaries,
                ims=clean.ims,
                tier=clean.tier,
                channel=clean.channel,
                cadence=clean.cadence,
                lang=clean.lang,
                formal=clean.formal,
                archived=clean.archived,
            )
            for flag, value in clean.flags.items():
                setattr(client, flag, value)
            if clean.since is not None:
                client.since = clean.since
            client, _ = _remember_uid(client, uid)
            taken.add(client.id)
            pool.put(client)
            added.setdefault(client.id)
            plan.outcomes.append(Outcome(clean.source, ADDED, client.id, client.name))
            continue
        merged, changes, warnings = _merge(target, clean, pool)
        merged, remembered = _remember_uid(merged, uid)
        changes.extend(remembered)
        plan.warnings.extend(warnings)
        if not changes:
            plan.outcomes.append(Outcome(clean.source, UNCHANGED, target.id, target.name))
            continue
        pool.put(merged)
        if target.id in book_ids:
            changed.setdefault(target.id)
        plan.outcomes.append(Outcome(clean.source, MERGED, target.id, target.name, changes))
    plan.added = [pool.clients[cid] for cid in added]
    plan.changed = [pool.clients[cid] for cid in changed]
    return plan
