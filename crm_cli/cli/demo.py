"""``crm demo``: a sample book in a fresh directory, never the user's own."""

from __future__ import annotations

import json
import shlex
import tempfile
from dataclasses import replace
from pathlib import Path

import typer

from crm_cli.cli import common
from crm_cli.cli.drafting import make_draft
from crm_cli.cli.output import err, out, table
from crm_cli.cli.plan import render_due
from crm_cli.core.clientform import ClientInput, new_client
from crm_cli.core.demo_book import ARCHIVED, DEMO_SETTINGS, demo_clients
from crm_cli.core.scheduler import plan_day
from crm_cli.core.settings import settings_from_dict
from crm_cli.errors import UsageError
from crm_cli.store import BOOK_FILE, open_book


def _build(home: Path, config: Path, today_text: str | None) -> None:
    today = common.today(today_text)
    settings = settings_from_dict(DEMO_SETTINGS, source="demo settings")
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # before config/ would make it 0755
    config.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = [
        f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in DEMO_SETTINGS.items()
    ]
    (config / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_book(home, write=True) as book:
        for sample in demo_clients(today):
            client, _ = new_client(
                ClientInput(name=sample.name, **sample.options), book.clients(), settings, today
            )
            if sample.name in ARCHIVED:
                client = replace(client, archived=True)
            book.add_client(client)
            book.add_touchpoints(sample.touchpoints(client.id, today))


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
    _build(home, config, date_)
    today = common.today(date_)
    with open_book(home) as book:
        clients = book.clients()
        last = book.last_contacts()
        count = sum(s.count for s in book.summaries().values())
        settings = settings_from_dict(DEMO_SETTINGS, source="demo settings")
        items = plan_day(common.book_view(book, settings, today, today), settings, today)
        first = items[0] if items else None
        if first is not None:
            client = book.client(first.client_id)
            material = (book.recent_touchpoints(client.id), book.steps(client.id))
    out(f"A sample book: {len(clients)} clients, {count} touchpoints, in {home / BOOK_FILE}")
    out("")
    rows = [
        [c.id, c.name, c.company or "", c.tier or "", c.channel or "", last[c.id].isoformat()]
        for c in clients
        if not c.archived
    ]
    out(table(["ID", "NAME", "COMPANY", "TIER", "CHANNEL", "LAST CONTACT"], rows, shrink=(1, 2)))
    out("")
    out(render_due(items, len(items), today))
    out("")
    if first is not None:
        # Built-in templates only: the demo must not pick up the user's own.
        written = make_draft(client, *material, first, settings, today, config=config)
        out(f"The draft for the most urgent item ({first.reason}, {first.client}):")
        out("")
        out(written.shown)
        out("")
    err("Explore it (your own book is untouched):")
    err(f"  export CRM_HOME={shlex.quote(str(home))} CRM_CONFIG={shlex.quote(str(config))}")
    err("  crm show sofia; crm history anna; crm list --json")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
