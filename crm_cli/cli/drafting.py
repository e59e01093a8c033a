"""Personal drafts: ``crm draft`` for one client, ``crm drafts`` for the day's batch.

``crm`` never sends anything and stores no mail credentials: it writes drafts
that the user's own mail client and phone open (an ``.eml`` with
``X-Unsent: 1``, an SMS text, an ``.ics`` coffee proposal, a call sheet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm_cli.cli import common
from crm_cli.cli.output import err, out, table, warn
from crm_cli.core.models import Client, PlannedStep, Touchpoint
from crm_cli.errors import CrmError, InvalidValue
from crm_cli.userfiles.config import config_dir

if TYPE_CHECKING:
    from crm_cli.core.drafting.render import Draft
    from crm_cli.core.scheduler import Item
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book

CHANNELS = ("email", "sms", "coffee", "call")


@dataclass
class Written:
    """What one draft produced: its text for the screen, its files, its link, warnings."""

    draft: Draft
    shown: str
    files: list[Path] = field(default_factory=list)
    link: str | None = None
    sms: str | None = None  # encoding and segments, for SMS texts
    warnings: list[str] = field(default_factory=list)


def _pick_item(items: list[Item], purpose: str | None) -> Item | None:
    if purpose is None:
        return items[0] if items else None
    return next((i for i in items if purpose in (i.purpose, i.reason)), None)


def _check_channel(client: Client, channel: str, allowed: tuple[str, ...]) -> None:
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
) -> Written:
    """Compose a draft for a client and, with ``out_dir``, write its files.

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
        elif item is not None and item.channel != "none":
            channel = item.channel
        else:
            channel = ways.pick()
            if channel == "none":  # nothing on file, or no consent: say what is missing
                raise InvalidValue(f"{client.name} cannot be reached: {missing_reach(client)}")
    if channel not in CHANNELS:
        raise InvalidValue(f"unknown channel '{channel}': use one of {', '.join(CHANNELS)}")
    _check_channel(client, channel, ways.allowed)
    send_by = None
    if channel == "coffee":
        send_by = ways.pick("email", "sms")
        if send_by not in ("email", "sms"):
            raise InvalidValue(
                f"cannot invite {client.name} for a coffee: no email or SMS allowed to send it"
            )
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
    )
    return _deliver(draft, client, item, settings, today, out_dir, taken)


def _deliver(
    draft: Draft,
    client: Client,
    item: Item | None,
    settings: Settings,
    today: date,
    out_dir: Path | None,
    taken: set[str] | None = None,
) -> Written:
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
            written.files.append(_save(target(".txt"), written.shown.encode()))
        return written

    if draft.send_by == "sms":
        number = client.mobiles[0]
        info = sms_info(draft.body)
        written.sms = info.describe()
        written.shown = draft.body
        written.link = sms_link(number, draft.body)
        if out_dir is not None:
            written.files.append(_save(target(".txt"), (draft.body + "\n").encode()))
    else:
        address = client.emails[0]
        written.shown = f"To: {client.name} <{address}>\nSubject: {draft.subject}\n\n{draft.body}"
        written.link = mailto_link(address, draft.subject or "", draft.body)
        if out_dir is not None:
            now = datetime.combine(today, datetime.now().time().replace(microsecond=0))
            eml = build_eml(draft, client.name, address, settings.my_name, settings.email, now)
            written.files.append(_save(target(".eml"), eml))

    if draft.channel == "coffee":
        from crm_cli.core.drafting.context import coffee_slot
        from crm_cli.interchange.ics import coffee_ics

        slot = coffee_slot(today, settings)
        end = slot + timedelta(minutes=30)
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
                f"Coffee with {client.name}",
                # The event goes to the client: the draft's subject, never the scheduler's
                # line (it quotes notes, which a shared contact's drafts must not carry).
                draft.subject or "A coffee together",
            )
            written.files.append(_save(target(".ics"), ics))
    return written


def _save(path: Path, data: bytes) -> Path:
    from crm_cli.safefile import write_output

    # crm chose this name inside --out DIR: a link found there is not the user's.
    write_output(path, data, named_by_user=False)
    return path


def _client_material(book: Book, client_id: str) -> tuple[list[Touchpoint], list[PlannedStep]]:
    """What a draft needs of a client's history: the digest's touchpoints, not all years."""
    return book.recent_touchpoints(client_id), book.steps(client_id)


def draft(
    client_ref: str = typer.Argument(..., metavar="CLIENT", help="Id, or part of name or email."),
    purpose: str | None = typer.Option(
        None,
        "--purpose",
        help="check-in, reply, recovery, follow-up, birthday, anniversary, thanks, welcome.",
    ),
    channel: str | None = typer.Option(None, "--channel", help="email, sms, coffee or call."),
    lang: str | None = typer.Option(None, "--lang", help="it or en (clients without a language)."),
    date_: str | None = common.DateOption,
    template: str | None = typer.Option(
        None, "--template", help="A template by name, e.g. email/thanks.en."
    ),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Write the draft file(s) into DIR.", metavar="DIR"
    ),
) -> None:
    """A personal draft for a client's most urgent item (or the purpose you give)."""
    from crm_cli.core.drafting.render import PURPOSES
    from crm_cli.core.scheduler import items_for_client, sort_key

    if purpose is not None and purpose not in PURPOSES:
        raise InvalidValue(f"unknown purpose '{purpose}': use one of {', '.join(PURPOSES)}")
    if lang is not None and lang not in ("it", "en"):
        raise InvalidValue(f"unknown language '{lang}': use it or en")
    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        client = common.find_client(book, client_ref)
        touchpoints, steps = _client_material(book, client.id)
        # This client's items only: planning the whole book is for `crm due`.
        items = sorted(
            items_for_client(
                client,
                book.summary(client.id),
                book.snoozes().get(client.id),
                steps,
                settings,
                today,
                today,
            ),
            key=sort_key,
        )
    item = _pick_item(items, purpose)
    written = make_draft(
        client,
        touchpoints,
        steps,
        item,
        settings,
        today,
        channel=channel,
        purpose=purpose,
        lang=lang,
        template=template,
        out_dir=out_dir,
    )
    for message in written.warnings:
        warn(message)
    if written.sms:
        err(f"SMS: {written.sms}")
    if written.files:
        # The paths are the data (one per line, for scripts); the link is a convenience.
        for path in written.files:
            out(str(path))
        if written.link:
            err(written.link)
        return
    out(written.shown)
    if written.link:
        out("")
        out(written.link)


def drafts(
    date_: str | None = common.DateOption,
    out_dir: Path = typer.Option(..., "--out", help="Write the drafts into DIR.", metavar="DIR"),
) -> None:
    """One draft per item due today, in due order, and a summary table."""
    from crm_cli.core.scheduler import plan_day

    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        clients = {c.id: c for c in book.clients()}
        items = plan_day(common.book_view(book, settings, today, today), settings, today)
        material = {i.client_id: _client_material(book, i.client_id) for i in items}
    rows: list[list[str]] = []
    notes: list[list[str]] = []  # per row: further files, warnings, why it was not drafted
    failed = 0
    taken: set[str] = set()
    for item in items:
        client = clients[item.client_id]
        touchpoints, steps = material[item.client_id]
        try:
            written = make_draft(
                client, touchpoints, steps, item, settings, today, out_dir=out_dir, taken=taken
            )
        except CrmError as exc:
            failed += 1
            rows.append([item.client, item.reason, item.channel, "-"])
            notes.append([f"not drafted: {exc}"])
            continue
        first, *more = [p.name for p in written.files] or ["-"]
        rows.append([item.client, item.reason, written.draft.channel, first])
        extra = [f"+ {name}" for name in more]
        extra += [f"warning: {w}" for w in written.warnings]
        if written.sms and not any(written.sms in w for w in written.warnings):
            extra.append(f"SMS: {written.sms}")
        notes.append(extra)
    if not items:
        out(f"Nothing is due on {today.isoformat()}: no drafts to write.")
        return
    # File names and warnings whole: a five-column row cannot hold both in 80 columns,
    # so the warnings (and a coffee's .ics) go on indented lines below their row, and
    # a long client name is clipped rather than the file name.
    from crm_cli.cli.plan import _wrap

    lines = table(["CLIENT", "REASON", "CHANNEL", "FILE"], rows, shrink=(0,)).split("\n")
    shown = [lines[0]]
    for line, extra in zip(lines[1:], notes, strict=True):
        shown.append(line)
        for note in extra:
            shown.extend(_wrap(note, 78, "  ", "    ", max_lines=3))
    out("\n".join(shown))
    err(f"{len(items) - failed} of {len(items)} drafts written to {out_dir}")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)
    app.command("drafts")(drafts)
