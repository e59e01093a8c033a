"""``crm notify``: the day's plan by email, in a CalDAV calendar, on the desktop."""

from __future__ import annotations

import typer

from crm_cli.cli import common
from crm_cli.cli.output import err, out, print_json
from crm_cli.errors import UsageError
from crm_cli.services import notify as service
from crm_cli.userfiles.config import home_dir


def notify(
    email: bool = typer.Option(
        False, "--email", help="Mail the day's digest through your SMTP account (config.toml)."
    ),
    caldav: str | None = typer.Option(
        None,
        "--caldav",
        help="Publish the next 7 days' items to this CalDAV calendar.",
        metavar="URL",
    ),
    user: str | None = typer.Option(None, "--user", help="The CalDAV user."),
    password_command: str | None = typer.Option(
        None,
        "--password-command",
        help="Prints the CalDAV password (else: the keyring).",
        metavar="CMD",
    ),
    desktop: bool = typer.Option(False, "--desktop", help="A desktop notification."),
    install: bool = typer.Option(
        False, "--install", help="Run these every day at notify_time (systemd timer, launchd)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the digest; send and record nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --dry-run: the digest as JSON."),
    date_: str | None = common.DateOption,
) -> None:
    """The day's plan delivered: a digest by email, calendar alarms, a notification."""
    if as_json and not dry_run:
        raise UsageError("--json goes with --dry-run")
    if user and caldav is None:
        raise UsageError("--user goes with --caldav URL")
    if caldav is not None and not user:
        raise UsageError("--caldav needs --user")
    channels = [
        *(["--email"] if email else []),
        *(["--caldav", caldav, "--user", user or ""] if caldav is not None else []),
        *(["--password-command", password_command] if password_command else []),
        *(["--desktop"] if desktop else []),
    ]
    settings = common.settings()
    if install:
        if not channels:
            raise UsageError(
                "--install needs what to send: --email, --caldav URL --user U, --desktop"
            )
        if dry_run or date_:
            raise UsageError("--install runs every day: no --dry-run or --date")
        done = service.install_timer(channels, settings.notify_time)
        for path in done.files:
            out(str(path))
        err(f"crm notify {' '.join(channels)} will run every day at {settings.notify_time}")
        err(f"enable it:  {done.enable}")
        err(f"remove it:  {done.remove}")
        return
    if not channels and not dry_run:
        raise UsageError(
            "say what to send: --email, --caldav URL --user U, --desktop (or --dry-run)"
        )
    today = common.today(date_)
    if dry_run:
        with common.book() as book:
            morning = service.read_morning(book, settings, today, week=False)
        digest = morning.digest
        if as_json:
            print_json(
                {
                    "date": today.isoformat(),
                    "subject": digest.subject,
                    "items": [
                        {"id": i, "client_id": line.client_id, "client": line.client}
                        for line in digest.lines
                        for i in line.item_ids
                    ],
                    "text": digest.text,
                }
            )
        else:
            out(f"Subject: {digest.subject}\n\n{digest.text}")
        return
    request = service.Request(email, caldav, user or "", password_command, desktop)
    service.deliver(home_dir(), settings, today, request, say=err)


def register(app: typer.Typer) -> None:
    app.command("notify")(notify)
