"""``crm demo``: a sample book in a fresh directory, never the user's own."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import typer

from crm_cli.cli import common
from crm_cli.cli.output import err, out, table
from crm_cli.cli.views import render_due
from crm_cli.errors import UsageError
from crm_cli.services.demo import build_demo, tour
from crm_cli.store import DEVICES_DIR


def demo(
    home: Path | None = typer.Option(
        None, "--home", help="Build the sample book here (a new or empty directory)."
    ),
    date_: str | None = common.DateOption,
) -> None:
    """Build a sample book in a fresh directory and show it."""
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="crm-demo-"))
    elif home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise UsageError(f"--home {home} is not an empty directory; the demo needs a fresh one")
    home = home.absolute()  # the export hint must work from any directory
    config = home / "config"
    today = common.today(date_)
    build_demo(home, config, today)
    shown = tour(home, config, today)
    clients, last, count = shown.clients, shown.last_contacts, shown.touchpoints
    out(f"A sample book: {len(clients)} clients, {count} touchpoints, in {home / DEVICES_DIR}")
    out("")
    rows = [
        [c.id, c.name, c.company or "", c.tier or "", c.channel or "", last[c.id].isoformat()]
        for c in clients
        if not c.archived
    ]
    out(table(["ID", "NAME", "COMPANY", "TIER", "CHANNEL", "LAST CONTACT"], rows, shrink=(1, 2)))
    out("")
    out(render_due(shown.items, len(shown.items), today))
    out("")
    if shown.draft is not None:
        first = shown.items[0]
        out(f"The draft for the most urgent item ({first.reason}, {first.client}):")
        out("")
        out(shown.draft.shown)
        out("")
    err("Explore it (your own book is untouched):")
    err(f"  export CRM_HOME={shlex.quote(str(home))} CRM_CONFIG={shlex.quote(str(config))}")
    err("  crm show sofia; crm history anna; crm list --json")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
