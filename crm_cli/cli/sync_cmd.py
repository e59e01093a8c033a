"""``crm sync``: the book on every device, through any git remote."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm_cli.cli.output import err, out, print_json, warn
from crm_cli.errors import UsageError
from crm_cli.userfiles.config import home_dir

if TYPE_CHECKING:
    from crm_cli.store.sync import Status


def sync(
    init: str | None = typer.Option(
        None, "--init", metavar="REMOTE", help="Start syncing this book to a git remote."
    ),
    clone: str | None = typer.Option(
        None, "--clone", metavar="REMOTE", help="Set up this device from a book on a remote."
    ),
    home: Path | None = typer.Option(
        None, "--home", metavar="DIR", help="With --clone: where the book goes (default CRM_HOME)."
    ),
    status: bool = typer.Option(
        False, "--status", help="The remote, the devices, their last sync, what is not pushed."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --status: as JSON."),
    purge_history: bool = typer.Option(
        False,
        "--purge-history",
        help="Rewrite the git history, here and on the remote: forgotten clients leave no trace.",
    ),
    force: bool = typer.Option(
        False, "--force", help="With --purge-history: even if a device has not synced since."
    ),
    reclone: bool = typer.Option(
        False, "--reclone", help="Adopt a history rewritten by --purge-history on another device."
    ),
) -> None:
    """Sync the book with the other devices: commit, pull, push.

      Any git remote works: a bare repository on a USB disk or a NAS, ssh, https.
      crm stores no credentials: git's own (ssh keys, credential helpers) apply.
      Run it from cron as often as you like: with nothing to do it only fetches and
    pushes a small record of this sync.
    """
    from crm_cli.store import sync as store_sync

    chosen = [
        name
        for name, given in (
            ("--init", init is not None),
            ("--clone", clone is not None),
            ("--status", status),
            ("--purge-history", purge_history),
            ("--reclone", reclone),
        )
        if given
    ]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together")
    if home is not None and clone is None:
        raise UsageError("--home goes with --clone (elsewhere, set CRM_HOME)")
    if as_json and not status:
        raise UsageError("--json goes with --status")
    if force and not purge_history:
        raise UsageError("--force goes with --purge-history")
    book = home_dir()
    if init is not None:
        report, created = store_sync.init(book, init)
        if created:
            err(f"created an empty git repository in {init}")
        err(f"this book now syncs with {init} (device {report.device})")
        _warn_copies(report.conflict_copies)
        return
    if clone is not None:
        target = (home or book).expanduser()
        report = store_sync.clone(target, clone)
        devices = len(report.received)
        err(
            f"cloned {clone} into {target}: this is device {report.device}; "
            f"{devices} other device{'s' if devices != 1 else ''} in the book"
        )
        if target.resolve() != book.resolve():
            err(f"to use it, set CRM_HOME={target}")
        _warn_copies(report.conflict_copies)
        return
    repo = store_sync.Repo.open(book)
    if status:
        _status(repo.status(), as_json)
        return
    if purge_history:
        root, cleaned = repo.purge_history(force=force)
        err(f"the history is now one commit ({root[:10]}), here and on {repo.remote}")
        if not cleaned:
            warn(
                "a hosted remote may keep the old commits until its own clean-up: "
                "ask its support to purge unreachable objects"
            )
        err("every other device must run 'crm sync --reclone' before it syncs again")
        return
    report = repo.reclone() if reclone else repo.sync()
    if reclone:
        err(f"this clone now holds the rewritten history of {report.remote}, old one dropped")
    for line in report.recovered:
        err(f"an interrupted sync was cleaned up: {line}")
    sent = f"{report.committed} file{'s' if report.committed != 1 else ''} sent"
    got = (
        f"changes from {', '.join(report.received)}" if report.received else "nothing new received"
    )
    err(f"synced with {report.remote}: {sent}, {got}")
    _warn_copies(report.conflict_copies)


def _warn_copies(copies: list[str]) -> None:
    if copies:
        shown = ", ".join(copies[:3]) + (" …" if len(copies) > 3 else "")
        warn(
            f"{len(copies)} conflict cop{'ies' if len(copies) != 1 else 'y'} of a file-sync "
            f"tool ignored (never read, never synced): {shown}"
        )


def _status(status: Status, as_json: bool) -> None:
    from dataclasses import asdict

    if as_json:
        print_json(asdict(status))
        return
    out(f"remote:      {status.remote}")
    out(f"this device: {status.device}")
    out(f"last sync:   {status.last_sync or 'never'}")
    out("devices:")
    for device in status.devices:
        mark = " (this one)" if device.this else ""
        out(
            f"  {device.id}{mark}  last change {device.last_change or 'none'}, "
            f"last sync {device.last_sync or 'unknown'}"
        )
    files = len(status.unpushed_files)
    if files or status.unpushed_commits:
        out(
            f"not pushed:  {files} changed file{'s' if files != 1 else ''}, "
            f"{status.unpushed_commits} commit{'s' if status.unpushed_commits != 1 else ''}"
        )
    else:
        out("not pushed:  nothing")
    if status.conflict_copies:
        out("conflict copies (ignored):")
        for path in status.conflict_copies:
            out(f"  {path}")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
