"""Turning what the user typed about a client into a valid :class:`Client`.

``add-client`` and ``edit`` share this: every value is validated and
normalised here, so both commands accept and refuse exactly the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from crm_cli.core import terms
from crm_cli.core.book import client_by_email
from crm_cli.core.contacts import (
    clean_name,
    fold,
    normalise_email,
    normalise_phone,
    slugify,
    unique_id,
)
from crm_cli.core.dates import parse_birthday, parse_cadence, parse_date
from crm_cli.core.models import Client
from crm_cli.core.names import id_words, is_business_name
from crm_cli.core.settings import Settings
from crm_cli.errors import Conflict, InvalidValue

CLEARABLE = terms.CLEARABLE  # the vocabulary is in terms (read by --help)


@dataclass
class ClientInput:
    """Raw values from the command line; ``None`` means "not given"."""

    name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str | None = None
    city: str | None = None
    channel: str | None = None
    tier: str | None = None
    tags: list[str] = field(default_factory=list)
    every: str | None = None
    since: str | None = None
    birthday: str | None = None
    lang: str | None = None
    formal: bool | None = None
    prefers: list[str] = field(default_factory=list)
    likes: list[str] = field(default_factory=list)
    first_name: str | None = None
    salutation: str | None = None
    gender: str | None = None
    business: bool | None = None
    contact_person: str | None = None
    note: str | None = None
    private_note: str | None = None
    email_consent: bool | None = None
    sms_consent: bool | None = None
    do_not_contact: bool | None = None
    shared_contact: bool | None = None
    remove_tags: list[str] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    clear: list[str] = field(default_factory=list)


def _choice(value: str, allowed: tuple[str, ...], what: str, *, upper: bool = False) -> str:
    norm = value.strip().upper() if upper else value.strip().lower()
    if norm not in allowed:
        raise InvalidValue(f"unknown {what} '{value}': use one of {', '.join(allowed)}")
    return norm


def _text(value: str | None) -> str | None:
    """Free text is stored as given (a 100,000-character note too); blank means none."""
    if value is None or not value.strip():
        return None
    return value


def _name_part(value: str) -> str | None:
    """A name, a first name or a greeting: one line, inner spaces collapsed; blank is none."""
    text = " ".join(value.split())
    if len(text) > 200:
        raise InvalidValue(f"'{text[:20]}…' is {len(text)} characters long: 200 at most")
    return text or None


def _tag(value: str) -> str:
    tag = " ".join(value.split())
    if not tag:
        raise InvalidValue("a tag cannot be empty")
    return tag


def _add_unique(items: list[str], new: list[str]) -> list[str]:
    out = list(items)
    seen = {i.casefold() for i in out}
    for item in new:
        if item.casefold() not in seen:
            out.append(item)
            seen.add(item.casefold())
    return out


def _apply(
    client: Client,
    inp: ClientInput,
    others: list[Client],
    settings: Settings,
    today: date,
) -> tuple[Client, list[str]]:
    warnings: list[str] = []
    c = replace(client)
    for name in inp.clear:
        key = name.strip().lower().replace("_", "-")
        if key not in CLEARABLE:
            raise InvalidValue(f"cannot clear '{name}': use one of {', '.join(CLEARABLE)}")
        attr = {"every": "cadence"}.get(key, key.replace("-", "_"))
        setattr(c, attr, [] if isinstance(getattr(c, attr), list) else None)
        if key == "phones":
            c.mobiles = []
    if inp.name is not None:
        c.name = clean_name(inp.name)
    for raw in inp.emails:
        email = normalise_email(raw)
        owner = client_by_email(others, email, exclude=client.id)
        if owner is not None:
            raise Conflict(f"the email {email} belongs to {owner.name} ({owner.id}) already")
        c.emails = _add_unique(c.emails, [email])
    for raw in inp.phones:
        number, sms = normalise_phone(raw, settings.region)
        c.phones = _add_unique(c.phones, [number])
        if sms:
            c.mobiles = _add_unique(c.mobiles, [number])
    for raw in inp.remove_emails:
        kept = [e for e in c.emails if e.casefold() != raw.strip().casefold()]
        if len(kept) == len(c.emails):
            raise InvalidValue(f"{c.name} has no email '{raw}'")
        c.emails = kept
    for raw in inp.remove_phones:
        number = (
            raw.strip() if raw.strip() in c.phones else normalise_phone(raw, settings.region)[0]
        )
        if number not in c.phones:
            raise InvalidValue(f"{c.name} has no phone '{raw}'")
        c.phones = [p for p in c.phones if p != number]
        c.mobiles = [p for p in c.mobiles if p != number]
    if inp.company is not None:
        c.company = _text(inp.company)
    if inp.city is not None:
        c.city = _text(inp.city)
    if inp.channel is not None:
        c.channel = _choice(inp.channel, terms.CONTACT_CHANNELS, "channel")
    if inp.tier is not None:
        c.tier = _choice(inp.tier, terms.TIERS, "tier", upper=True)
    c.tags = _add_unique(c.tags, [_tag(t) for t in inp.tags])
    if inp.remove_tags:
        gone = {fold(t) for t in inp.remove_tags}
        c.tags = [t for t in c.tags if fold(t) not in gone]
    if inp.every is not None:
        c.cadence = parse_cadence(inp.every).canonical()
    if inp.since is not None:
        since = parse_date(inp.since, today=today, date_order=settings.date_order)
        if since > today:
            raise InvalidValue(f"--since {since.isoformat()} is in the future")
        c.since = since
    if inp.birthday is not None:
        c.birthday = parse_birthday(inp.birthday, today=today, date_order=settings.date_order)
    if inp.lang is not None:
        c.lang = _choice(inp.lang, terms.LANGUAGES, "language")
    if inp.formal is not None:
        c.formal = inp.formal
    c.prefers = _add_unique(c.prefers, [p.strip() for p in inp.prefers if p.strip()])
    c.likes = _add_unique(c.likes, [" ".join(x.split()) for x in inp.likes if x.strip()])
    if inp.first_name is not None:
        c.first_name = _name_part(inp.first_name)
    if inp.salutation is not None:
        c.salutation = _name_part(inp.salutation)
    if inp.gender is not None:
        c.gender = _choice(inp.gender, terms.GENDERS, "gender") if inp.gender.strip() else None
    if inp.business is not None:
        c.business = inp.business
    if inp.contact_person is not None:
        c.contact_person = _name_part(inp.contact_person)
    if inp.note is not None:
        c.note = _text(inp.note)
    if inp.private_note is not None:
        c.private_note = _text(inp.private_note)
    for attr in ("email_consent", "sms_consent", "do_not_contact", "shared_contact"):
        value = getattr(inp, attr)
        if value is not None:
            setattr(c, attr, value)
    if c.channel == "email" and not c.emails:
        warnings.append(f"{c.name} prefers email but has no email address on file")
    if c.channel in ("sms", "call") and not c.phones:
        warnings.append(f"{c.name} prefers {c.channel} but has no phone number on file")
    return c, warnings


def new_client(
    inp: ClientInput, existing: list[Client], settings: Settings, today: date
) -> tuple[Client, list[str]]:
    """A new client from the options of ``add-client``, with warnings to show."""
    name = clean_name(inp.name or "")
    taken = {c.id for c in existing}
    business = is_business_name(name) if inp.business is None else inp.business
    blank = Client(id=unique_id(slugify(id_words(name, business)), taken), name=name, since=today)
    blank.business = business
    client, warnings = _apply(blank, inp, existing, settings, today)
    namesakes = [c for c in existing if fold(c.name) == fold(name)]
    if namesakes:
        ids = ", ".join(c.id for c in namesakes)
        warnings.insert(0, f"another client is called {name} ({ids}); this one is {client.id}")
    return client, warnings


def edit_client(
    client: Client, inp: ClientInput, existing: list[Client], settings: Settings, today: date
) -> tuple[Client, list[str]]:
    """The client with the options of ``edit`` applied; the id never changes."""
    return _apply(client, inp, existing, settings, today)
