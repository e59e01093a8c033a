"""Personal drafts: the channel, consent and do-not-contact rules, and the files.

``crm`` never sends anything and stores no mail credentials: it writes drafts
that the user's own mail client and phone open (an ``.eml`` with
``X-Unsent: 1``, an SMS text, an ``.ics`` coffee proposal, a call sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.core.terms import DRAFT_CHANNELS, LANGUAGES, NO_CHANNEL, PURPOSES, choices
from crm_cli.errors import CrmError, InvalidValue
from crm_cli.services import planning
from crm_cli.userfiles.config import config_dir

if TYPE_CHECKING:
    from crm_cli.core.drafting.render import Draft
    from crm_cli.core.models import Client, PlannedStep, Touchpoint
    from crm_cli.core.scheduler import Item
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book


@dataclass
class Written:
    """What one draft produced: its text for the screen, its files, its link, warnings."""

    draft: Draft
    shown: str
    files: list[Path] = field(default_factory=list)
    link: str | None = None
    sms: str | None = None  # encoding and segments, for SMS texts
    warnings: list[str] = field(default_factory=list)


@dataclass
class Material:
    """What a draft needs of a client's history: the digest's touchpoints, not all years."""

    touchpoints: list[Touchpoint]
    steps: list[PlannedStep]


def client_material(book: Book, client_id: str) -> Material:
    return Material(book.recent_touchpoints(client_id), book.steps(client_id))


def check_options(purpose: str | None, lang: str | None) -> None:
    """Refuse a purpose or a language no template is written for."""
    if purpose is not None and purpose not in PURPOSES:
        raise InvalidValue(f"unknown purpose '{purpose}': use one of {', '.join(PURPOSES)}")
    if lang is not None and lang not in LANGUAGES:
        raise InvalidValue(f"unknown language '{lang}': use {choices(LANGUAGES)}")


def check_channel(client: Client, channel: str, allowed: tuple[str, ...]) -> None:
    """Refuse a draft on a channel the client has no address for, or did not agree to."""
    from crm_cli.core.scheduler import missing_reach

    if channel in allowed:
        return
    reasons = {
        "email": "no email on file" if not client.emails else "no consent to email",
        "sms": "no mobile number on file" if not client.mobiles else "no consent to SMS",
        "call": "no phone number on file",
        "coffee": "not local (not in your city, not tagged local)",
    }
    if channel in reasons:
        raise InvalidValue(f"cannot draft {channel} for {client.name}: {reasons[channel]}")
    raise InvalidValue(f"{client.name} cannot be reached: {missing_reach(client)}")


# -- the premise of a purpose -------------------------------------------------------

BIRTHDAY_EARLY = 2
"""A birthday message may go this many days early ("in anticipo")..."""
BIRTHDAY_LATE = 7
"""...or this many days late (the scheduler shows a birthday on its day and the 6 after)."""
WELCOME_DAYS = 90
"""A welcome is for a client's first 90 days on the book."""
_FORCE = "(--force to draft it anyway)"


def check_premise(client: Client, purpose: str, today: date) -> None:
    """Refuse a purpose whose premise is not there: one line naming what is missing."""
    if purpose == "birthday":
        from crm_cli.core.drafting.context import nearest_birthday

        if not client.birthday:
            raise InvalidValue(
                f"no birthday on file for {client.name}: a birthday message needs one {_FORCE}"
            )
        # The nearest occurrence: a birthday on 1 January is near on 31 December.
        nearest = nearest_birthday(client.birthday, today)
        ahead = (nearest - today).days
        if not -BIRTHDAY_LATE <= ahead <= BIRTHDAY_EARLY:
            raise InvalidValue(
                f"{client.name}'s birthday is on {nearest:%d %B}, not near {today.isoformat()}: "
                f"a birthday message goes on the day, up to {BIRTHDAY_EARLY} days before or "
                f"{BIRTHDAY_LATE} after {_FORCE}"
            )
    elif purpose == "welcome" and client.since is not None:
        days = (today - client.since).days
        if days > WELCOME_DAYS:
            raise InvalidValue(
                f"{client.name} has been a client since {client.since.isoformat()} ({days} days): "
                f"a welcome is for the first {WELCOME_DAYS} days {_FORCE}"
            )


# -- one message per client per morning ----------------------------------------------


def fold_items(items: list[Item]) -> list[Item]:
    """A client's items of the day as one draft covers them, most urgent first.

    A check-in adds nothing beside another reason to write (a birthday, a reply:
    the message is the contact), so a plain check-in goes when there is one;
    the overdue steps of one playbook collapse to the latest, the one that
    still makes sense (three onboarding steps at once are one message).
    """
    latest: dict[tuple[str, str], Item] = {}
    for item in items:
        if item.step is not None:
            key = (item.step.playbook, item.step.started.isoformat())
            kept = latest.get(key)
            if kept is None or kept.step is None or item.step.index > kept.step.index:
                latest[key] = item
    kept_steps = {id(item) for item in latest.values()}
    folded = [i for i in items if i.step is None or id(i) in kept_steps]
    others = [i for i in folded if not (i.reason == "check-in" and i.step is None)]
    if others:
        folded = others
    seen_checkin = False
    result = []
    for item in folded:
        if item.reason == "check-in" and item.step is None:
            if seen_checkin:
                continue
            seen_checkin = True
        result.append(item)
    return result


def reasons_label(item: Item | None, also: list[Item]) -> str:
    """``reply + anniversary``: the reasons one draft covers, for the summary."""
    if item is None:
        return "check-in"
    return " + ".join(dict.fromkeys(i.reason for i in (item, *also)))


@dataclass
class ClientDraft:
    """One client's draft, ready to compose: the history and the item it answers."""

    client: Client
    material: Material
    item: Item | None
    also: list[Item] = field(default_factory=list)  # the other items folded into it


def keep_compiled_templates(book: Book) -> None:
    """Compiled templates outlive this process, under the book's ``local/``.

    For the commands that draft once per process (``crm draft``, ``crm today``):
    compiling a large template costs about 0.2 s, loading its code a millisecond.
    """
    from crm_cli.core.drafting.render import use_code_cache
    from crm_cli.store.compiled_templates import CompiledTemplates

    use_code_cache(CompiledTemplates(book.home))


def prepare_draft(
    book: Book, client: Client, settings: Settings, today: date, purpose: str | None
) -> ClientDraft:
    """What ``crm draft`` reads from the open book: this client's items only.

    Without a purpose, every item due for the client folds into the one draft.
    """
    keep_compiled_templates(book)
    material = client_material(book, client.id)
    items = planning.client_items(book, client, settings, today, material.steps)
    if purpose is None:
        due = [i for i in items if i.due <= today]
        folded = fold_items(due) if due else []
        if folded:
            return ClientDraft(client, material, folded[0], folded[1:])
    return ClientDraft(client, material, planning.pick_item(items, purpose))


def step_words_for(config: Path | None = None) -> dict[tuple[str, str], dict[str, str]]:
    """What each playbook step is about (built-in and the user's), for ``item.step.say``."""
    from crm_cli.core.playbooks import step_words
    from crm_cli.userfiles.playbooks import load_playbooks

    return step_words(pb for pb, _origin in load_playbooks(config or config_dir()).values())


def make_draft(
    client: Client,
    touchpoints: list[Touchpoint],
    steps: list[PlannedStep],
    item: Item | None,
    settings: Settings,
    today: date,
    *,
    channel: str | None = None,
    purpose: str | None = None,
    lang: str | None = None,
    template: str | None = None,
    out_dir: Path | None = None,
    config: Path | None = None,
    taken: set[str] | None = None,
    durable: bool = True,
    force: bool = False,
    also: Sequence[Item] = (),
    step_words: dict[tuple[str, str], dict[str, str]] | None = None,
) -> Written:
    """Compose a draft for a client and, with ``out_dir``, write its files.

    ``force``: draft a purpose whose premise is missing (a birthday with no
    birthday on file...). ``also``: the client's other items of the day, folded
    into this draft. A coffee for a client reachable only by phone is a call
    sheet with the invitation.

    ``config`` is the config dir whose templates override the built-ins
    (default: the user's). ``taken``: the file names (without extension)
    already written by this batch, so two items of one purpose get two files.
    """
    from crm_cli.core.drafting.render import choose_purpose, compose, validate_name
    from crm_cli.core.scheduler import missing_reach, reach
    from crm_cli.userfiles.templates import builtin_lookup, lookup

    if client.do_not_contact:
        raise InvalidValue(f"{client.name} asked not to be contacted: no draft")
    ways = reach(client, settings)
    if channel is None:
        if template is not None:
            channel = validate_name(template).split("/", 1)[0]
        elif item is not None and item.channel != NO_CHANNEL:
            channel = item.channel
        else:
            channel = ways.pick()
            if channel == NO_CHANNEL:  # nothing on file, or no consent: say what is missing
                raise InvalidValue(f"{client.name} cannot be reached: {missing_reach(client)}")
    if channel not in DRAFT_CHANNELS:
        raise InvalidValue(f"unknown channel '{channel}': use one of {', '.join(DRAFT_CHANNELS)}")
    check_channel(client, channel, ways.allowed)
    send_by = None
    invite = False
    if channel == "coffee":
        send_by = ways.pick("email", "sms")
        if send_by not in ("email", "sms"):
            if "call" not in ways.allowed or template is not None:
                raise InvalidValue(
                    f"cannot invite {client.name} for a coffee: no email, SMS or phone allowed"
                )
            # A landline only: the invitation is made by phone, from a call sheet.
            channel, send_by, invite = "call", None, True
    chosen = purpose or choose_purpose(item)
    if template is not None:
        chosen = validate_name(template).split("/", 1)[1].rsplit(".", 1)[0]
    # A playbook step the user started is its own premise: onboarding a long-standing
    # client for a new project is a welcome to that project, not a mistake.
    from_step = item is not None and item.source is not None and item.source.kind == "step"
    if not force and not from_step:
        check_premise(client, chosen, today)
    draft = compose(
        client,
        touchpoints,
        item,
        settings,
        today,
        lookup(config or config_dir()),
        channel=channel,
        purpose=purpose or choose_purpose(item),
        lang=lang,
        template=template,
        send_by=send_by,
        steps=steps,
        vetted=builtin_lookup(),
        also=also,
        # Words are looked up only for a playbook step of this client's: without steps,
        # no playbook is read (6 ms of a `crm draft`).
        step_words=(step_words_for(config) if steps else {}) if step_words is None else step_words,
        invite=invite,
    )
    from crm_cli.core.drafting.guard import topic_named
    from crm_cli.core.topics import open_topics

    named = topic_named(draft.text, open_topics(client, touchpoints, today), client.name)
    return deliver(
        draft,
        client,
        item,
        settings,
        today,
        out_dir,
        taken,
        durable=durable,
        topic_id=named.id if named else None,
    )


def deliver(
    draft: Draft,
    client: Client,
    item: Item | None,
    settings: Settings,
    today: date,
    out_dir: Path | None,
    taken: set[str] | None = None,
    durable: bool = True,
    topic_id: str | None = None,
) -> Written:
    """What a composed draft shows and, with ``out_dir``, the files it writes there.

    ``topic_id``: the touchpoint whose topic the draft brings back (an email's
    Message-ID names it)."""
    from crm_cli.core.drafting.email_draft import build_eml, draft_filename
    from crm_cli.core.drafting.links import mailto_link, sms_link
    from crm_cli.core.drafting.sms import sms_info

    purpose = draft.template.split("/", 1)[1].rsplit(".", 1)[0]
    written = Written(draft=draft, shown="", warnings=list(draft.warnings))
    if taken is not None and out_dir is not None:
        # A second item of the same purpose for the same client (two open requests,
        # a playbook check-in beside the regular one) gets "-2", not the first's file.
        label, n = purpose, 1
        while (stem := draft_filename(client.id, label, today, ".x")[:-2]) in taken:
            n += 1
            label = f"{purpose}-{n}"
        taken.add(stem)
        purpose = label

    def target(ext: str) -> Path:
        assert out_dir is not None
        return out_dir / draft_filename(client.id, purpose, today, ext)

    if draft.channel == "call":
        from crm_cli.core.drafting.callsheet import call_sheet

        written.shown = call_sheet(draft, client)
        if out_dir is not None:
            written.files.append(_save(durable, target(".txt"), written.shown.encode()))
        return written

    if draft.send_by == "sms":
        number = client.mobiles[0]
        info = sms_info(draft.body)
        written.sms = info.describe()
        written.shown = draft.body
        written.link = sms_link(number, draft.body)
        if out_dir is not None:
            written.files.append(_save(durable, target(".txt"), (draft.body + "\n").encode()))
    else:
        address = client.emails[0]
        written.shown = f"To: {client.name} <{address}>\nSubject: {draft.subject}\n\n{draft.body}"
        written.link = mailto_link(address, draft.subject or "", draft.body)
        if out_dir is not None:
            now = datetime.combine(today, datetime.now().time().replace(microsecond=0))
            eml = build_eml(
                draft, client.name, address, settings.my_name, settings.email, now, topic_id
            )
            written.files.append(_save(durable, target(".eml"), eml))

    if draft.channel == "coffee":
        from crm_cli.core.drafting.context import coffee_slot
        from crm_cli.interchange.ics import coffee_ics

        slot = coffee_slot(today, settings)
        end = slot + timedelta(minutes=30)
        italian = draft.lang == "it"
        written.shown += f"\n\n(proposed slot: {slot:%A %d %B, %H:%M} to {end:%H:%M})"
        if out_dir is not None:
            ics = coffee_ics(
                client.name,
                client.emails[0] if client.emails else None,
                slot,
                30,
                settings.my_name or "crm",
                settings.email or "",
                f"coffee/{client.id}/{slot.isoformat()}",
                # Said in the draft's language: the event goes to the client with it.
                f"Caffè con {client.name}" if italian else f"Coffee with {client.name}",
                # The event goes to the client: the draft's subject, never the scheduler's
                # line (it quotes notes, which a shared contact's drafts must not carry).
                draft.subject or ("Un caffè insieme" if italian else "A coffee together"),
            )
            written.files.append(_save(durable, target(".ics"), ics))
    return written


def _save(durable: bool, path: Path, data: bytes) -> Path:
    from crm_cli.safefile import write_output

    # crm chose this name inside --out DIR: a link found there is not the user's.
    write_output(path, data, named_by_user=False, durable=durable)
    return path


# -- the day's batch (crm drafts) ---------------------------------------------------


@dataclass
class DayBatch:
    """What ``crm drafts`` reads from the open book: the day's items and their clients."""

    items: list[Item]
    clients: dict[str, Client]
    material: dict[str, Material]


@dataclass
class DraftRow:
    """One item of the batch: what was drafted (or why not), for the summary table."""

    client: str
    reason: str  # the reasons folded into the draft: "reply + anniversary"
    channel: str
    files: list[str]  # names, first the main one; empty when nothing was written
    warnings: list[str]
    sms: str | None = None
    failure: str | None = None  # why it was not drafted

    @property
    def drafted(self) -> bool:
        return self.failure is None


def day_batch(book: Book, settings: Settings, today: date) -> DayBatch:
    clients = {c.id: c for c in book.clients()}
    from crm_cli.core.terms import NUDGES

    # Nudges put no pressure to write: the batch drafts for the other reasons only.
    items = [i for i in planning.plan_for_day(book, settings, today) if i.reason not in NUDGES]
    material = {i.client_id: client_material(book, i.client_id) for i in items}
    return DayBatch(items, clients, material)


def write_batch(batch: DayBatch, settings: Settings, today: date, out_dir: Path) -> list[DraftRow]:
    """One draft per client, in due order, into ``out_dir``: all of a client's items
    fold into it (``fold_items``), the most urgent first. A client that cannot be
    drafted (no consent, a broken template) is a row with its failure, not an error."""
    rows: list[DraftRow] = []
    taken: set[str] = set()
    words = step_words_for()
    by_client: dict[str, list[Item]] = {}
    for item in batch.items:
        by_client.setdefault(item.client_id, []).append(item)
    for client_id, items in by_client.items():
        client = batch.clients[client_id]
        material = batch.material[client_id]
        item, *also = fold_items(items)
        reasons = reasons_label(item, also)
        try:
            written = make_draft(
                client,
                material.touchpoints,
                material.steps,
                item,
                settings,
                today,
                out_dir=out_dir,
                taken=taken,
                # Drafts can be written again: one directory fsync for the batch (below)
                # instead of two fsyncs per file, 3,400 on a morning of 1,700 drafts.
                durable=False,
                also=also,
                step_words=words,
            )
        except CrmError as exc:
            rows.append(DraftRow(item.client, reasons, item.channel, [], [], failure=str(exc)))
            continue
        rows.append(
            DraftRow(
                item.client,
                reasons,
                written.draft.channel,
                [p.name for p in written.files],
                written.warnings,
                written.sms,
            )
        )
    if out_dir.is_dir():
        from crm_cli.safefile import sync_dir

        sync_dir(out_dir)
    return rows
