"""Commands about clients: add-client, edit, list, show, find, archive, unarchive, forget."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json, table, warn
from crm_cli.cli.views import card_fields, contacts_line
from crm_cli.core import terms
from crm_cli.core.book import find
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.summary import ClientSummary
from crm_cli.core.topics import quoted
from crm_cli.core.views import client_record, topic_record, touchpoint_flags, touchpoint_record
from crm_cli.errors import UsageError
from crm_cli.services import clients as clients_service

if TYPE_CHECKING:
    from crm_cli.core.clientform import ClientInput

# Options shared by add-client and edit (Typer needs them spelt out per command).
EMAIL = typer.Option([], "--email", help="An email address (repeatable).")
PHONE = typer.Option([], "--phone", help="A phone number, normalised to E.164 (repeatable).")
COMPANY = typer.Option(None, "--company")
CITY = typer.Option(None, "--city")
CHANNEL = typer.Option(
    None,
    "--channel",
    help=f"Preferred channel: {terms.choices(terms.CONTACT_CHANNELS)}.",
    autocompletion=completion.contact_channels,
)
TIER = typer.Option(
    None,
    "--tier",
    help=f"{terms.choices(terms.TIERS)} (never changes who comes first).",
    autocompletion=completion.tiers,
)
TAG = typer.Option([], "--tag", help="A tag (repeatable).")
EVERY = typer.Option(
    None, "--every", help="Check-in cadence: '6 weeks', monthly, quarterly, never, an RRULE."
)
SINCE = typer.Option(None, "--since", help="Client since DATE (default today).")
BIRTHDAY = typer.Option(None, "--birthday", help="YYYY-MM-DD, or MM-DD without the year.")
LANG = typer.Option(
    None,
    "--lang",
    help=f"Language of drafts: {terms.choices(terms.LANGUAGES)}.",
    autocompletion=completion.languages,
)
PREFERS = typer.Option(
    [],
    "--prefers",
    help="How the client likes to be served, e.g. 'fattura a fine mese' (repeatable): "
    "guides you, never written in a message.",
)
LIKES = typer.Option(
    [],
    "--likes",
    help="Something that may be offered or mentioned to the client (repeatable).",
)
FIRST_NAME = typer.Option(
    None, "--first-name", help="The name of informal greetings (default: read from the name)."
)
SALUTATION = typer.Option(
    None, "--salutation", help="How the client is greeted, e.g. 'Gentile signora Thompson'."
)
GENDER = typer.Option(
    None,
    "--gender",
    help=f"{terms.choices(terms.GENDERS)}: for Italian agreement only (default unknown).",
    autocompletion=completion.genders,
)
CONTACT_PERSON = typer.Option(
    None, "--contact-person", help="A business: the person you deal with.", metavar="NAME"
)
NOTE = typer.Option(None, "--note", help="A note about the client.")
PRIVATE_NOTE = typer.Option(
    None, "--private-note", help="A note never shown in any message to anyone."
)


def _input(**values: object) -> ClientInput:
    # Imported here: show, list and find do not need the form's rules (3 ms).
    from crm_cli.core.clientform import ClientInput

    return ClientInput(**values)  # type: ignore[arg-type]


def add_client(
    name: str | None = typer.Argument(
        None, metavar="NAME", help="The client's name as you would write it."
    ),
    email: list[str] = EMAIL,
    phone: list[str] = PHONE,
    company: str | None = COMPANY,
    city: str | None = CITY,
    channel: str | None = CHANNEL,
    tier: str | None = TIER,
    tag: list[str] = TAG,
    every: str | None = EVERY,
    since: str | None = SINCE,
    birthday: str | None = BIRTHDAY,
    lang: str | None = LANG,
    formal: bool | None = typer.Option(
        None, "--formal/--informal", help="Lei or tu, 'Dear Ms' or first name."
    ),
    prefers: list[str] = PREFERS,
    likes: list[str] = LIKES,
    first_name: str | None = FIRST_NAME,
    salutation: str | None = SALUTATION,
    gender: str | None = GENDER,
    business: bool | None = typer.Option(
        None, "--business/--no-business", help="A firm, not a person (default: read from the name)."
    ),
    contact_person: str | None = CONTACT_PERSON,
    note: str | None = NOTE,
    private_note: str | None = PRIVATE_NOTE,
    no_email_consent: bool = typer.Option(False, "--no-email-consent"),
    no_sms_consent: bool = typer.Option(False, "--no-sms-consent"),
    do_not_contact: bool = typer.Option(False, "--do-not-contact"),
    shared_contact: bool = typer.Option(
        False, "--shared-contact", help="Others in the household may read this inbox or phone."
    ),
    date_: str | None = common.DateOption,
    from_capture: str | None = typer.Option(
        None,
        "--from-capture",
        metavar="EMAIL",
        help="Someone 'crm capture inbox' lists: their name and address are filled in.",
    ),
) -> None:
    """Add a client; prints the new id."""
    if from_capture is not None:
        from crm_cli.services.capture import stranger
        from crm_cli.store import CaptureState
        from crm_cli.userfiles.config import home_dir

        found = stranger(CaptureState(home_dir()), from_capture)
        name = name if name is not None else (found.name or found.address.split("@", 1)[0])
        email = [found.address, *email] if found.address not in email else email
    if name is None:
        from typer import _click

        # Word for word click's own message: NAME is required unless --from-capture.
        raise _click.exceptions.MissingParameter(param_hint="'NAME'", param_type="argument")
    inp = _input(
        name=name,
        emails=email,
        phones=phone,
        company=company,
        city=city,
        channel=channel,
        tier=tier,
        tags=tag,
        every=every,
        since=since,
        birthday=birthday,
        lang=lang,
        formal=formal,
        prefers=prefers,
        likes=likes,
        first_name=first_name,
        salutation=salutation,
        gender=gender,
        business=business,
        contact_person=contact_person,
        note=note,
        private_note=private_note,
        email_consent=False if no_email_consent else None,
        sms_consent=False if no_sms_consent else None,
        do_not_contact=True if do_not_contact else None,
        shared_contact=True if shared_contact else None,
    )
    settings = common.settings()
    today = common.today(date_)
    with common.book(write=True) as book:
        client, warnings = clients_service.add_client(book, inp, settings, today)
    for message in warnings:
        warn(message)
    if client.business and business is None:
        err(f"added {client.name} as a business (--no-business to change)")
    out(client.id)


def edit(
    client_ref: str = typer.Argument(
        ...,
        metavar="CLIENT",
        autocompletion=completion.client_ids,
        help="Id, or part of name or email.",
    ),
    name: str | None = typer.Option(None, "--name", help="A new display name (the id stays)."),
    email: list[str] = EMAIL,
    phone: list[str] = PHONE,
    company: str | None = COMPANY,
    city: str | None = CITY,
    channel: str | None = CHANNEL,
    tier: str | None = TIER,
    tag: list[str] = TAG,
    every: str | None = EVERY,
    since: str | None = SINCE,
    birthday: str | None = BIRTHDAY,
    lang: str | None = LANG,
    formal: bool | None = typer.Option(None, "--formal/--informal"),
    prefers: list[str] = PREFERS,
    likes: list[str] = LIKES,
    first_name: str | None = FIRST_NAME,
    salutation: str | None = SALUTATION,
    gender: str | None = GENDER,
    business: bool | None = typer.Option(None, "--business/--no-business"),
    contact_person: str | None = CONTACT_PERSON,
    note: str | None = NOTE,
    private_note: str | None = PRIVATE_NOTE,
    email_consent: bool | None = typer.Option(None, "--email-consent/--no-email-consent"),
    sms_consent: bool | None = typer.Option(None, "--sms-consent/--no-sms-consent"),
    do_not_contact: bool | None = typer.Option(None, "--do-not-contact/--may-contact"),
    shared_contact: bool | None = typer.Option(None, "--shared-contact/--own-contact"),
    remove_tag: list[str] = typer.Option([], "--remove-tag"),
    remove_email: list[str] = typer.Option([], "--remove-email"),
    remove_phone: list[str] = typer.Option([], "--remove-phone"),
    clear: list[str] = typer.Option(
        [], "--clear", help=f"Empty a field: {', '.join(terms.CLEARABLE)}.", metavar="FIELD"
    ),
    date_: str | None = common.DateOption,
) -> None:
    """Change a client's details."""
    inp = _input(
        name=name,
        emails=email,
        phones=phone,
        company=company,
        city=city,
        channel=channel,
        tier=tier,
        tags=tag,
        every=every,
        since=since,
        birthday=birthday,
        lang=lang,
        formal=formal,
        prefers=prefers,
        likes=likes,
        first_name=first_name,
        salutation=salutation,
        gender=gender,
        business=business,
        contact_person=contact_person,
        note=note,
        private_note=private_note,
        email_consent=email_consent,
        sms_consent=sms_consent,
        do_not_contact=do_not_contact,
        shared_contact=shared_contact,
        remove_tags=remove_tag,
        remove_emails=remove_email,
        remove_phones=remove_phone,
        clear=clear,
    )
    settings = common.settings()
    today = common.today(date_)
    with common.book(write=True) as book:
        edited = clients_service.edit_client(book, client_ref, inp, settings, today)
    for message in edited.warnings:
        warn(message)
    if edited.changed:
        err(f"updated {edited.before.id}")
    else:
        err(f"{edited.before.id}: nothing changed")


def list_clients(
    tag: list[str] = typer.Option([], "--tag", help="Only clients with this tag (repeatable)."),
    tier: str | None = typer.Option(
        None, "--tier", help="Only clients of this tier.", autocompletion=completion.tiers
    ),
    archived: bool = typer.Option(False, "--archived", help="Show archived clients instead."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list of objects."),
) -> None:
    """List clients."""
    wanted_tier = clients_service.tier_filter(tier)
    with common.book() as book:
        clients = book.clients()
        last = book.last_contacts()
    chosen = clients_service.select(clients, tag, wanted_tier, archived)
    if as_json:
        print_json([client_record(c, last.get(c.id)) for c in chosen])
        return
    if not chosen:
        err("no archived clients" if archived else "no clients match" if clients else _EMPTY)
        return
    rows = [
        [
            c.id,
            c.name,
            c.company or "",
            c.tier or "",
            c.channel or "",
            last[c.id].isoformat() if c.id in last else "never",
        ]
        for c in chosen
    ]
    out(table(["ID", "NAME", "COMPANY", "TIER", "CHANNEL", "LAST CONTACT"], rows, shrink=(0, 1, 2)))


_EMPTY = "the book is empty: add a client with 'crm add-client NAME' or try 'crm demo'"


def _describe_touchpoint(tp: Touchpoint) -> str:
    arrow = "←" if tp.direction == "in" else "→"
    flags = touchpoint_flags(tp)
    note = " ".join((tp.note or "").split())
    if len(note) > 100:
        note = note[:99] + "…"
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{tp.date.isoformat()} {arrow} {tp.channel:<7} {note}{extra}".rstrip()


def _tenure(since: date, today: date) -> str:
    from dateutil.relativedelta import relativedelta

    span = relativedelta(today, since)
    if span.years:
        return f"{span.years} year{'s' if span.years > 1 else ''}"
    if span.months:
        return f"{span.months} month{'s' if span.months > 1 else ''}"
    return "new this month" if today >= since else "starts later"


def _addressed(client: Client) -> list[tuple[str, str | None]]:
    """What the profile says about addressing the client, where it is not obvious."""
    from crm_cli.core.names import client_parts

    parts = client_parts(client.name, client.first_name, client.business, client.contact_person)
    words = client.name.split()
    rows: list[tuple[str, str | None]] = []
    if client.business:
        rows.append(
            (
                "business",
                "yes" + (f", ask for {client.contact_person}" if client.contact_person else ""),
            )
        )
    else:
        rows.append(("title", parts.title))
        if client.first_name or (words and parts.first != words[0]):
            rows.append(("first name", parts.first))
    rows.append(("salutation", client.salutation))
    rows.append(("gender", client.gender))
    return rows


def _profile(
    client: Client, summary: ClientSummary, today: date, topics: list[Touchpoint]
) -> list[str]:
    lines = [f"{client.name}  ({client.id})" + ("  [archived]" if client.archived else "")]

    def field(label: str, value: object) -> None:
        if value not in (None, "", []):
            lines.append(f"  {label + ':':<14}{value}")

    for label, value in _addressed(client):
        field(label, value)
    field("company", client.company)
    field("city", client.city)
    for label, text in card_fields(client):  # job title, address... (from imports)
        field(label, text)
    field("emails", ", ".join(client.emails))
    field("phones", ", ".join(client.phones))
    field("channel", client.channel)
    field("tier", client.tier)
    field("cadence", client.cadence)
    field("client since", f"{client.since.isoformat()} ({_tenure(client.since, today)})")
    field("birthday", client.birthday)
    field("language", client.lang)
    field("register", {True: "formal", False: "informal", None: None}[client.formal])
    field("tags", ", ".join(client.tags))
    field("likes", "; ".join(client.likes))
    field(
        "prefers", "; ".join(client.prefers) + ("   (never in messages)" if client.prefers else "")
    )
    field("note", client.note)
    if client.private_note:
        field("PRIVATE note", client.private_note + "   (never shown in messages)")
    limits = [
        label
        for label, on in (
            ("do not contact", client.do_not_contact),
            ("no email consent", not client.email_consent),
            ("no SMS consent", not client.sms_consent),
            ("shared contact: others may read", client.shared_contact),
        )
        if on
    ]
    field("careful", "; ".join(limits))
    last = summary.last_contact
    field("last contact", last.isoformat() if last else "never")
    if topics:
        lines.append("  open topics:  (newest first; 'crm topic done' closes one)")
        lines.extend(f"    {tp.date.isoformat()} {quoted(tp.topic or '')}" for tp in topics)
    if summary.recent:
        more = summary.count - len(summary.recent)
        lines.append(
            f"  recent:       (of {summary.count}; 'crm history' has all)" if more else "  recent:"
        )
        lines.extend("    " + _describe_touchpoint(tp) for tp in reversed(summary.recent))
    return lines


def show(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    as_json: bool = typer.Option(False, "--json"),
    include_private: bool = typer.Option(
        False, "--include-private", help="With --json: include private notes."
    ),
    date_: str | None = common.DateOption,
    changes: bool = typer.Option(
        False,
        "--changes",
        help="The values each field had before, or that lost to an edit on another device.",
    ),
) -> None:
    """Show a client's profile and recent touchpoints."""
    from crm_cli.core.scheduler import next_items
    from crm_cli.core.topics import open_topics
    from crm_cli.services.planning import client_view
    from crm_cli.services.report import client_months

    today = common.today(date_)
    if changes:
        _show_changes(client_ref, as_json)
        return
    with common.book() as book:
        client = common.find_client(book, client_ref)
        summary = book.summary(client.id)
        topics = open_topics(client, summary.topics)
        planned = next_items(client_view(book, client), common.settings(), client.id, today)
        months = None if as_json else client_months(book, client.id, today)
    if include_private and not as_json:
        raise UsageError("--include-private only applies to --json")
    if as_json:
        record = client_record(client, summary.last_contact, include_private=include_private)
        record["recent"] = [touchpoint_record(t, include_private) for t in reversed(summary.recent)]
        record["next"] = [item.to_json() for item in planned]
        record["topics"] = [topic_record(tp) for tp in topics]
        print_json(record)
        return
    lines = _profile(client, summary, today, topics)
    if months is not None:  # beside the last contact: how often, over two years
        at = next((i for i, line in enumerate(lines) if line.startswith("  last contact:")), -1)
        lines.insert(at + 1 if at >= 0 else len(lines), contacts_line(months, today))
    if client.archived or client.do_not_contact:
        lines.append("  next:         nothing is planned (archived or do not contact)")
    elif planned:
        lines.append("  next:")
        for item in planned:
            when = "today" if item.due <= today else item.due.isoformat()
            lines.append(f"    {when:<10} {item.reason} via {item.channel}: {item.detail}")
    out("\n".join(lines))


def _show_changes(client_ref: str, as_json: bool) -> None:
    from datetime import UTC, datetime

    with common.book() as book:
        client = common.find_client(book, client_ref)
        found = book.client_changes(client.id)

    def when(stamp: str) -> tuple[str, str]:
        wall, _, rest = stamp.partition("-")
        device = rest.partition("-")[2].partition("/")[0]
        moment = datetime.fromtimestamp(int(wall) / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return moment, device

    if as_json:
        print_json(
            [
                {
                    "field": name,
                    "value": value,
                    "other_values": [
                        {"value": old, "at": when(stamp)[0], "device": when(stamp)[1]}
                        for stamp, old in lost
                    ],
                }
                for name, value, lost in found
            ]
        )
        return
    if not found:
        err(f"no field of {client.name} has had another value")
        return
    lines = [f"{client.name}  ({client.id}): other values, newest first"]
    for name, value, lost in found:
        lines.append(f"  {name}: {_plain(value)}")
        for stamp, old in lost:
            moment, device = when(stamp)
            lines.append(f"    was {_plain(old)}  ({moment}, device {device})")
    out("\n".join(lines))


def _plain(value: object) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def find_clients(
    text: str = typer.Argument(..., metavar="TEXT", help="Text to look for."),
) -> None:
    """Search names, companies, emails, tags, likes, notes, touchpoint notes and topics."""
    with common.book() as book:
        hits = find(book.clients(), book.touchpoints(), text)
    if not hits:
        err(f"nothing matches '{text}'")
        return
    out(table(["ID", "NAME", "MATCHED IN"], [[c.id, c.name, w] for c, w in hits], shrink=(1, 2)))


def _set_archived(client_ref: str, archived: bool) -> None:
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        clients_service.set_archived(book, client, archived)
    err(f"{'archived' if archived else 'unarchived'} {client.id}")


def archive(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
) -> None:
    """Archive a client: kept in the book, never due."""
    _set_archived(client_ref, True)


def unarchive(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
) -> None:
    """Bring an archived client back."""
    _set_archived(client_ref, False)


def forget(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase a client and all their touchpoints, backups included (right to erasure)."""
    if not yes:
        # Asked before the book is locked: a slow answer must not block other commands.
        with common.book() as book:
            client = common.find_client(book, client_ref)
        if not sys.stdin.isatty():
            raise UsageError(f"forgetting {client.id} cannot be undone: add --yes to confirm")
        if not typer.confirm(
            f"Erase {client.name} ({client.id}) and all their history, backups included?",
            err=True,
        ):
            raise UsageError("nothing was erased")
        client_ref = client.id
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        removed = book.forget_client(client.id)
    err(f"forgot {client.id}: the client and {removed} touchpoints, backups included")


def register(app: typer.Typer) -> None:
    app.command("add-client")(add_client)
    app.command("edit")(edit)
    app.command("list")(list_clients)
    app.command("show")(show)
    app.command("find")(find_clients)
    app.command("archive")(archive)
    app.command("unarchive")(unarchive)
    app.command("forget")(forget)
