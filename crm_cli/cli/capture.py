"""``crm capture`` (mail, calendar, add, inbox, ignore) and ``crm handled``."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json, table

capture_app = typer.Typer(
    rich_markup_mode=None,
    help="Log touchpoints from your mail and calendar (only metadata, never a body).",
    invoke_without_command=True,
)

PROGRESS_FROM = 200  # messages: fewer than this are read before a bar would show

DryRun = typer.Option(False, "--dry-run", help="Print what would be logged; change nothing.")
PasswordCommand = typer.Option(
    None,
    "--password-command",
    metavar="CMD",
    help="A command that prints the password (else the system keyring is asked).",
)


class _Bar:
    """A rich progress bar on a terminal only; nothing when piped or in cron."""

    def __init__(self, total: int, label: str) -> None:
        self.progress: Any = None
        if total >= PROGRESS_FROM and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.progress = Progress(console=Console(stderr=True), transient=True)
            self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def tick(self, n: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, n)


def _finish(report: Any, dry_run: bool, label: str) -> None:
    if dry_run:
        for tp in report.logged:
            flag = " (to answer)" if tp.needs_reply else ""
            subject = f" {tp.note}" if tp.note else ""
            out(f"{tp.date.isoformat()} {tp.client_id} {tp.channel} {tp.direction}{subject}{flag}")
    prefix = "dry run, nothing written: " if dry_run else ""
    err(f"{label}: {prefix}{report.line()}")


def _mail(
    maildir: Path | None,
    mbox: Path | None,
    imap: str | None,
    port: int | None,
    user: str | None,
    folders: list[str],
    security: str,
    password_command: str | None,
    date_: str | None,
    dry_run: bool,
) -> Any:
    from contextlib import nullcontext

    from crm_cli.store import capture_lock
    from crm_cli.userfiles.config import home_dir

    # A dry run writes nothing, not even the lock file: it cannot race anyone.
    with nullcontext() if dry_run else capture_lock(home_dir()):
        return _mail_locked(
            maildir, mbox, imap, port, user, folders, security, password_command, date_, dry_run
        )


def _mail_locked(
    maildir: Path | None,
    mbox: Path | None,
    imap: str | None,
    port: int | None,
    user: str | None,
    folders: list[str],
    security: str,
    password_command: str | None,
    date_: str | None,
    dry_run: bool,
) -> Any:
    from crm_cli.services import capture as service
    from crm_cli.store import CaptureState
    from crm_cli.userfiles.config import home_dir

    chosen = [s for s in (maildir, mbox, imap) if s is not None]
    if len(chosen) != 1:
        raise typer.BadParameter("give one of --maildir, --mbox or --imap", param_hint="source")
    settings = common.settings()
    service.own_addresses(settings)  # before anything is read: the one setting it needs
    today = common.today(date_)
    state = CaptureState(home_dir())
    if maildir is not None:
        from crm_cli.capture.sources import read_maildir

        found = read_maildir(maildir, folders, state)
    elif mbox is not None:
        from crm_cli.capture.sources import read_mbox

        found = read_mbox(mbox, state)
    else:
        assert imap is not None
        from crm_cli.capture.imap import Account, read_imap
        from crm_cli.capture.secrets import password

        if not user:
            raise typer.BadParameter("--imap needs --user", param_hint="--user")
        default = 993 if security == "ssl" else 143
        account = Account(imap, port or default, user, security)
        secret = password(password_command, f"imap://{imap}", user)
        found = read_imap(account, secret, folders, state)
        del secret
    if found.total == 0:  # nothing new (cron's usual run): the book is not even opened
        report = service.Report()
    else:
        # One write, whatever the size: the device file takes the whole batch at once.
        with _Bar(found.total, "capturing mail") as bar:
            opened: AbstractContextManager[Any] = common.book(write=not dry_run)
            with opened as book:
                report = service.capture_mail(
                    book, settings, state, found, today, dry_run=dry_run, tick=bar.tick
                )
    if not dry_run:
        found.commit()
        state.save()
    return report


def mail(
    maildir: Path | None = typer.Option(None, "--maildir", help="A Maildir (mbsync, offlineimap)."),
    mbox: Path | None = typer.Option(None, "--mbox", help="An mbox file (a Thunderbird folder)."),
    imap: str | None = typer.Option(None, "--imap", metavar="HOST", help="An IMAP server."),
    port: int | None = typer.Option(None, "--port", min=1, max=65535),
    user: str | None = typer.Option(None, "--user", help="The IMAP login."),
    folder: list[str] = typer.Option(
        [], "--folder", help="Only this folder (repeatable); default: all but trash and junk."
    ),
    starttls: bool = typer.Option(False, "--starttls", help="IMAP on 143 upgraded to TLS."),
    use_ssl: bool = typer.Option(False, "--ssl", help="IMAP over TLS (port 993, the default)."),
    plain: bool = typer.Option(False, "--plain", help="IMAP without TLS (a local server only)."),
    password_command: str | None = PasswordCommand,
    date_: str | None = common.DateOption,
    dry_run: bool = DryRun,
) -> None:
    """Log the emails between you and your clients."""
    if sum((starttls, use_ssl, plain)) > 1:
        raise typer.BadParameter("choose one of --starttls, --ssl and --plain")
    security = "starttls" if starttls else "plain" if plain else "ssl"
    report = _mail(
        maildir, mbox, imap, port, user, folder, security, password_command, date_, dry_run
    )
    _finish(report, dry_run, "mail")


def _calendar(
    file: Path | None,
    caldav: str | None,
    user: str | None,
    password_command: str | None,
    date_: str | None,
    dry_run: bool,
) -> Any:
    from datetime import timedelta

    from crm_cli.capture.calendar import caldav_calendars, parse_ics
    from crm_cli.errors import InputError
    from crm_cli.services import capture as service
    from crm_cli.store import CaptureState
    from crm_cli.userfiles.config import home_dir

    if (file is None) == (caldav is None):
        raise typer.BadParameter("give one FILE.ics or --caldav URL", param_hint="source")
    settings = common.settings()
    service.own_addresses(settings)
    today = common.today(date_)
    # Ten years back and a week ahead: the week is what a planned meeting needs.
    start, end = today - timedelta(days=3660), today + timedelta(days=8)
    if file is not None:
        try:
            texts = [file.read_bytes()]
        except FileNotFoundError:
            raise InputError(f"no such file: {file}") from None
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        where = str(file)
    else:
        assert caldav is not None
        from crm_cli.capture.secrets import password

        if not user:
            raise typer.BadParameter("--caldav needs --user", param_hint="--user")
        secret = password(password_command, caldav, user)
        texts = caldav_calendars(caldav, user, secret)
        del secret
        where = caldav
    events = [e for text in texts for e in parse_ics(text, start, end, where)]
    state = CaptureState(home_dir())
    with common.book(write=not dry_run) as book:
        report = service.capture_events(book, settings, state, events, today, dry_run=dry_run)
    if not dry_run:
        from crm_cli.store import save_planned

        state.save()
        save_planned(home_dir(), where, report.planned)
    return report


def calendar(
    file: Path | None = typer.Argument(None, metavar="[FILE.ics]", help="A calendar file."),
    caldav: str | None = typer.Option(None, "--caldav", metavar="URL", help="A CalDAV calendar."),
    user: str | None = typer.Option(None, "--user", help="The CalDAV login."),
    password_command: str | None = PasswordCommand,
    date_: str | None = common.DateOption,
    dry_run: bool = DryRun,
) -> None:
    """Log the meetings with clients on a calendar, up to today."""
    report = _calendar(file, caldav, user, password_command, date_, dry_run)
    _finish(report, dry_run, "calendar")


def add(
    name: str = typer.Argument(..., metavar="NAME", help="What to call this source."),
    maildir: Path | None = typer.Option(None, "--maildir"),
    mbox: Path | None = typer.Option(None, "--mbox"),
    imap: str | None = typer.Option(None, "--imap", metavar="HOST"),
    port: int | None = typer.Option(None, "--port", min=1, max=65535),
    user: str | None = typer.Option(None, "--user"),
    folder: list[str] = typer.Option([], "--folder"),
    starttls: bool = typer.Option(False, "--starttls", help="IMAP on 143 upgraded to TLS."),
    use_ssl: bool = typer.Option(False, "--ssl", help="IMAP over TLS (port 993, the default)."),
    plain: bool = typer.Option(False, "--plain", help="IMAP without TLS (a local server only)."),
    ics: Path | None = typer.Option(None, "--ics", metavar="FILE"),
    caldav: str | None = typer.Option(None, "--caldav", metavar="URL"),
    password_command: str | None = PasswordCommand,
) -> None:
    """Save a source, run by a bare 'crm capture' (no password is ever saved)."""
    from crm_cli.store import load_sources, save_sources
    from crm_cli.userfiles.config import config_dir

    given = {
        "maildir": maildir,
        "mbox": mbox,
        "imap": imap,
        "ics": ics,
        "caldav": caldav,
    }
    if sum((starttls, use_ssl, plain)) > 1:
        raise typer.BadParameter("choose one of --starttls, --ssl and --plain")
    kinds = [k for k, v in given.items() if v is not None]
    if len(kinds) != 1:
        raise typer.BadParameter(
            "give one of --maildir, --mbox, --imap, --ics or --caldav", param_hint="source"
        )
    if kinds[0] in ("imap", "caldav") and not user:
        raise typer.BadParameter(f"--{kinds[0]} needs --user", param_hint="--user")
    kind = kinds[0]
    value = given[kind]
    where = str(Path(value).expanduser().resolve()) if isinstance(value, Path) else str(value)
    source: dict[str, Any] = {"kind": kind, "where": where}
    if user:
        source["user"] = user
    if port:
        source["port"] = port
    if folder:
        source["folders"] = list(folder)
    if kind == "imap":
        source["security"] = "starttls" if starttls else "plain" if plain else "ssl"
    if password_command:
        source["password_command"] = password_command
    config = config_dir()
    sources = load_sources(config)
    replaced = name in sources
    sources[name] = source
    path = save_sources(config, sources)
    err(f"{'replaced' if replaced else 'saved'} source '{name}' in {path}")


def _run_saved(date_: str | None, dry_run: bool) -> None:
    from crm_cli.errors import NotFound
    from crm_cli.store import load_sources
    from crm_cli.userfiles.config import config_dir

    sources = load_sources(config_dir())
    if not sources:
        raise NotFound(
            "no saved source: add one with 'crm capture add NAME --maildir PATH' (or --imap...)"
        )
    for name in sorted(sources):
        s = sources[name]
        kind, where = s.get("kind"), str(s.get("where") or "")
        command = s.get("password_command")
        if kind in ("maildir", "mbox", "imap"):
            report = _mail(
                Path(where) if kind == "maildir" else None,
                Path(where) if kind == "mbox" else None,
                where if kind == "imap" else None,
                s.get("port"),
                s.get("user"),
                list(s.get("folders") or ()),
                s.get("security", "ssl"),
                command,
                date_,
                dry_run,
            )
        else:
            report = _calendar(
                Path(where) if kind == "ics" else None,
                where if kind == "caldav" else None,
                s.get("user"),
                command,
                date_,
                dry_run,
            )
        _finish(report, dry_run, name)


@capture_app.callback()
def capture(
    ctx: typer.Context,
    date_: str | None = common.DateOption,
    dry_run: bool = DryRun,
) -> None:
    """Log touchpoints from your mail and calendar (only metadata, never a body)."""
    if ctx.invoked_subcommand is None:
        _run_saved(date_, dry_run)


def inbox(as_json: bool = typer.Option(False, "--json")) -> None:
    """People you write with who are not clients: add them, or ignore them for good."""
    from crm_cli.services import capture as service
    from crm_cli.store import CaptureState
    from crm_cli.userfiles.config import home_dir

    with common.book() as book:
        people = service.inbox(CaptureState(home_dir()), book)
    if as_json:
        print_json([p.to_json() for p in people])
        return
    if not people:
        err("no unknown correspondents")
        return
    rows = [[p.address, p.name, str(p.count), p.last] for p in people]
    out(table(["EMAIL", "NAME", "MESSAGES", "LAST"], rows, shrink=(1,)))
    err("add one with 'crm add-client --from-capture EMAIL', or 'crm capture ignore EMAIL'")


def ignore(email: str = typer.Argument(..., metavar="EMAIL")) -> None:
    """Never list this correspondent again."""
    from crm_cli.core.capture import fold_address
    from crm_cli.store import CaptureState
    from crm_cli.userfiles.config import home_dir

    state = CaptureState(home_dir())
    address = fold_address(email)
    if not state.ignore(address):
        err(f"{address} was ignored already")
        return
    state.save()
    err(f"ignored {address}")


def handled(
    client_ref: str = typer.Argument(..., metavar="CLIENT", autocompletion=completion.client_ids),
    date_: str | None = common.DateOption,
) -> None:
    """Mark a client's open requests as needing no answer."""
    from crm_cli.services import capture as service

    when = common.today(date_)
    with common.book(write=True) as book:
        client = common.find_client(book, client_ref)
        tp, count = service.handled(book, client, when)
    err(f"{count} request{'s' if count != 1 else ''} of {client.name} closed, no answer needed")
    out(tp.id)


capture_app.command("mail")(mail)
capture_app.command("calendar")(calendar)
capture_app.command("add")(add)
capture_app.command("inbox")(inbox)
capture_app.command("ignore")(ignore)


def register(app: typer.Typer) -> None:
    app.add_typer(capture_app, name="capture")
    app.command("handled")(handled)
