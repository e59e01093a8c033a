"""``crm notify``: the day's plan delivered by email, to a CalDAV calendar, on the desktop.

Once a day per channel: this device's notify state (``crm_cli.store.notify_state``)
records the last day each digest went out, and only the device named by
``notify_device`` sends, so a book synced to two machines sends one digest a day.
Passwords come from a command or the keyring for one connection and are never stored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.errors import ConfigError, CrmError, InputError
from crm_cli.services import drafting, planning

if TYPE_CHECKING:
    from email.message import EmailMessage

    from crm_cli.core.digest import Digest, DigestDraft
    from crm_cli.core.scheduler import Item
    from crm_cli.core.settings import Settings
    from crm_cli.store import Book, NotifyState

AGENDA_DAYS = 7  # what --caldav publishes: today and the next six days


@dataclass
class Morning:
    """What notify reads from the open book: the day's digest and, for CalDAV, the week."""

    day: date
    digest: Digest
    week: list[tuple[date, list[Item]]] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)


def _draft_for(
    book: Book, client_id: str, items: list[Item], settings: Settings, today: date, words: object
) -> tuple[DigestDraft | None, str]:
    """The draft of a client's line, or why there is none."""
    from crm_cli.core.digest import DigestDraft
    from crm_cli.core.terms import NUDGES

    wanted = [i for i in items if i.reason not in NUDGES]
    if not wanted:
        return None, ""  # a nudge asks for patience: nothing to write
    item, *also = drafting.fold_items(wanted)
    client = book.client(client_id)
    material = drafting.client_material(book, client_id)
    try:
        written = drafting.make_draft(
            client,
            material.touchpoints,
            material.steps,
            item,
            settings,
            today,
            also=also,
            step_words=words,  # type: ignore[arg-type]
        )
    except CrmError as exc:
        return None, str(exc)
    draft = written.draft
    if draft.channel == "call":  # the sheet is for `crm draft`; the digest dials
        numbers = [*client.mobiles, *client.phones]
        return (DigestDraft("call", numbers[0]) if numbers else None), ""
    if not written.link:
        return None, ""
    if draft.send_by == "sms":
        return DigestDraft("sms", client.mobiles[0], "", draft.body), ""
    return DigestDraft("email", client.emails[0], draft.subject or "", draft.body), ""


def read_morning(book: Book, settings: Settings, today: date, *, week: bool) -> Morning:
    """The digest of ``today`` (with a draft per client) and, if ``week``, the agenda of
    the next ``AGENDA_DAYS`` days that CalDAV publishes."""
    from crm_cli.core.digest import build_digest

    items = planning.plan_for_day(book, settings, today)
    plan = planning.plan_days(book, settings, today, AGENDA_DAYS, None) if week else []
    shared = planning.shared_ids(book, [(today, items), *plan])
    words = drafting.step_words_for()
    by_client: dict[str, list[Item]] = {}
    for item in items:
        by_client.setdefault(item.client_id, []).append(item)
    drafts: dict[str, DigestDraft] = {}
    missing: dict[str, str] = {}
    for client_id, mine in by_client.items():
        made, why = _draft_for(book, client_id, mine, settings, today, words)
        if made is not None:
            drafts[client_id] = made
        elif why:
            missing[client_id] = why
    digest = build_digest(today, items, drafts, shared=shared, no_draft=missing)
    return Morning(today, digest, plan, shared)


# -- which device sends -----------------------------------------------------------


def other_sender(home: Path, settings: Settings) -> str | None:
    """None when this device sends; else the one line saying which device does.

    A book written by several devices must name its sender (``notify_device``):
    otherwise each would send its own digest every morning.
    """
    from crm_cli.store import book_devices, device_id

    this = device_id(home, create=False) or ""
    known = book_devices(home)
    wanted = settings.notify_device
    if not wanted:
        if len(known) > 1:
            raise ConfigError(
                f"this book is synced to {len(known)} devices ({', '.join(known)}): set "
                f"notify_device in config.toml to the one that sends (this one is {this})"
            )
        return None
    if known and wanted not in known:
        raise ConfigError(
            f"setting 'notify_device': no device '{wanted}' has written this book "
            f"(its devices: {', '.join(known)})"
        )
    if wanted == this:
        return None
    return f"notify: device {wanted} sends (notify_device); this is {this or 'a new device'}"


# -- email ------------------------------------------------------------------------


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str
    user: str
    sender: str
    to: str
    cafile: str = ""  # smtp_cafile, with ~ expanded


def smtp_settings(settings: Settings) -> Smtp:
    """The SMTP account from config.toml; a missing key is an error naming it."""
    from crm_cli.notify.smtp import PORTS

    if not settings.smtp_host:
        raise ConfigError(
            "crm notify --email needs smtp_host in config.toml (your mail account's SMTP server)"
        )
    to = settings.notify_to or settings.email
    if not to:
        raise ConfigError(
            "crm notify --email needs notify_to (or email) in config.toml: where the digest goes"
        )
    return Smtp(
        host=settings.smtp_host,
        port=settings.smtp_port or PORTS[settings.smtp_security],
        security=settings.smtp_security,
        user=settings.smtp_user,
        sender=settings.email or to,
        to=to,
        cafile=os.path.expanduser(settings.smtp_cafile) if settings.smtp_cafile else "",
    )


def smtp_password(settings: Settings, account: Smtp) -> str | None:
    """The SMTP password (none without ``smtp_user``): from ``smtp_password_command``,
    else the keyring (service ``smtp://HOST``)."""
    from crm_cli.capture import secrets

    if not account.user:
        return None
    if settings.smtp_password_command:
        try:
            return secrets.from_command(settings.smtp_password_command)
        except InputError as exc:
            raise InputError(f"smtp_password_command: {exc}") from None
    try:
        return secrets.from_keyring(f"smtp://{account.host}", account.user)
    except ConfigError:
        raise ConfigError(
            f"no SMTP password for {account.user}: set smtp_password_command in config.toml, "
            f"or store it in the keyring ('keyring set smtp://{account.host} {account.user}')"
        ) from None


def digest_message(digest: Digest, account: Smtp, now: datetime) -> EmailMessage:
    """The digest as a message: plain text, and HTML with the same links as an alternative."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["From"] = account.sender
    message["To"] = account.to
    message["Subject"] = digest.subject
    message["Date"] = format_datetime(now)
    domain = account.sender.rsplit("@", 1)[-1] or "crm.invalid"
    message["Message-ID"] = make_msgid(f"crm.digest.{digest.day.isoformat()}", domain=domain)
    message["X-CRM-Digest"] = digest.day.isoformat()
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-reply to it
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def send_digest(digest: Digest, account: Smtp, password: str | None) -> None:
    from crm_cli.notify.smtp import send

    message = digest_message(digest, account, datetime.now(UTC).astimezone())
    send(
        message,
        account.host,
        account.port,
        account.security,
        account.user,
        password,
        account.cafile,
    )


def already_sent(state: NotifyState, channel: str, today: date) -> bool:
    """Sent for ``today`` (or a later day): a missed day is caught up by today's only."""
    last = state.last_sent(channel)
    return last is not None and last >= today


# -- CalDAV -----------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    new: int
    updated: int
    removed: int


def caldav_password(url: str, user: str, command: str | None) -> str:
    from crm_cli.capture import secrets

    return secrets.password(command, url, user)


def publish_week(
    morning: Morning,
    state: NotifyState,
    url: str,
    user: str,
    password: str,
    at: time,
) -> Published:
    """Each item of the week an event at ``at`` on its day; events of items no longer
    in the plan (done, or gone) are deleted: only those crm published here."""
    from crm_cli.notify.caldav import CalDav, collection, item_event, local_zone

    calendar = CalDav(url, user, password)
    calendar.check()
    key = collection(url)
    known = state.published(key)
    stamp = datetime.now(UTC)
    zone = local_zone()  # events at the user's notify_time, in UTC (see item_event)
    now: set[str] = set()
    new = updated = 0
    for day, items in morning.week:
        for item in items:
            if item.id in now:
                continue
            data = item_event(item, day, at, stamp, shared=morning.shared, zone=zone)
            if calendar.put(item.id, data):
                new += 1
            else:
                updated += 1
            now.add(item.id)
            known.add(item.id)
            # Recorded as it goes: a failure half-way still knows what it created.
            state.set_published(key, known)
    gone = sorted(known - now)
    for item_id in gone:
        calendar.delete(item_id)
        known.discard(item_id)
        state.set_published(key, known)
    return Published(new, updated, len(gone))


# -- desktop ----------------------------------------------------------------------


def desktop_text(digest: Digest) -> tuple[str, str]:
    """A notification's title and body: the subject, and one short line per client."""
    lines = [f"{line.client}: {line.reasons}" for line in digest.lines[:8]]
    if len(digest.lines) > 8:
        lines.append(f"and {len(digest.lines) - 8} more")
    return digest.subject, "\n".join(lines)


# -- the daily timer --------------------------------------------------------------


def crm_command() -> list[str]:
    """How the timer starts this crm: the script beside this Python, else the module."""
    script = Path(sys.executable).with_name("crm")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "crm_cli"]


@dataclass(frozen=True)
class Installed:
    files: list[Path]
    enable: str
    remove: str


def install_timer(args: list[str], at: str, platform: str | None = None) -> Installed:
    """Write the systemd user timer (or the launchd agent on macOS) that runs
    ``crm notify ARGS`` every day at ``at``. CRM_HOME and CRM_CONFIG, when set, are
    kept so the timer runs on this same book."""
    from crm_cli.notify.install import LAUNCHD_LABEL, NAME, launchd_plist, systemd_units
    from crm_cli.safefile import make_private_dirs, write_output

    command = [*crm_command(), "notify", *args]
    env = {k: str(Path(os.environ[k]).expanduser().resolve()) for k in ("CRM_HOME", "CRM_CONFIG")
           if os.environ.get(k)}  # fmt: skip
    if (platform or sys.platform) == "darwin":
        agents = Path.home() / "Library" / "LaunchAgents"
        path = agents / f"{LAUNCHD_LABEL}.plist"
        log = Path.home() / "Library" / "Logs" / "crm-notify.log"
        make_private_dirs(agents)
        write_output(path, launchd_plist(command, at, env, str(log)), named_by_user=False)
        return Installed(
            [path],
            enable=f"launchctl load -w {path}",
            remove=f"launchctl unload -w {path} && rm {path}",
        )
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    folder = Path(base).expanduser() / "systemd" / "user"
    make_private_dirs(folder)
    written = []
    for name, text in systemd_units(command, at, env).items():
        path = folder / name
        write_output(path, text.encode("utf-8"), named_by_user=False)
        written.append(path)
    return Installed(
        written,
        enable=f"systemctl --user daemon-reload && systemctl --user enable --now {NAME}.timer",
        remove=(
            f"systemctl --user disable --now {NAME}.timer && "
            f"rm {folder / (NAME + '.service')} {folder / (NAME + '.timer')}"
        ),
    )


def notify_clock(settings: Settings) -> time:
    hour, minute = (int(p) for p in settings.notify_time.split(":"))
    return time(hour, minute)


# -- a run ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What one ``crm notify`` delivers."""

    email: bool
    caldav: str | None
    user: str
    password_command: str | None
    desktop: bool


def deliver(
    home: Path, settings: Settings, today: date, request: Request, say: Callable[[str], None]
) -> None:
    """Send what ``request`` asks for on ``today``; ``say`` gets one line per outcome.

    Bad settings fail before anything is read; the state is saved even when a later
    channel fails, so a digest that went out is never sent twice.
    """
    from crm_cli.store import NotifyState, notify_lock, open_book

    email, caldav, desktop = request.email, request.caldav, request.desktop
    account = smtp_settings(settings) if email else None
    elsewhere = other_sender(home, settings) if (email or caldav) else None
    if elsewhere:
        say(elsewhere)
        email, caldav = False, None
        if not desktop:
            return
    with notify_lock(home):
        state = NotifyState(home)
        send_email = email and not already_sent(state, "email", today)
        show = desktop and not already_sent(state, "desktop", today)
        if email and not send_email:
            say(f"notify: the digest of {today.isoformat()} was sent already")
        if desktop and not show:
            say(f"notify: the notification of {today.isoformat()} was shown already")
        if not (send_email or show or caldav):
            return
        with open_book(home) as book:
            morning = read_morning(book, settings, today, week=caldav is not None)
        digest = morning.digest
        if (send_email or show) and not digest.lines:
            say(f"notify: nothing is due on {today.isoformat()}: no digest")
            send_email = show = False
        try:
            if send_email and account is not None:
                send_digest(digest, account, smtp_password(settings, account))
                state.mark_sent("email", today)
                clients = len(digest.lines)
                plural = "s" if clients != 1 else ""
                say(f"notify: the digest of {today.isoformat()} went to {account.to} "
                    f"({clients} client{plural})")  # fmt: skip
            if caldav is not None:
                password = caldav_password(caldav, request.user, request.password_command)
                done = publish_week(
                    morning, state, caldav, request.user, password, notify_clock(settings)
                )
                say(f"caldav: {done.new} new, {done.updated} updated, {done.removed} removed")
            if show:
                from crm_cli.notify.desktop import show as show_notification

                title, body = desktop_text(digest)
                if show_notification(title, body) is None:
                    say("notify: no desktop notifier here (notify-send, osascript): nothing shown")
                else:
                    state.mark_sent("desktop", today)
        finally:
            state.save()
