"""Commands that change clients: add-client, edit, find, archive, unarchive, forget.

``list`` and ``show`` are in ``profiles``, which runs in the fast lane.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, table, warn
from crm_cli.core import terms
from crm_cli.core.book import find
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
    app.command("find")(find_clients)
    app.command("archive")(archive)
    app.command("unarchive")(unarchive)
    app.command("forget")(forget)
