"""``crm config``: where the data lives and the settings in force."""

from __future__ import annotations

import json
from dataclasses import fields

import typer

from crm_cli.cli import common
from crm_cli.cli.output import out, print_json
from crm_cli.core.settings import Settings
from crm_cli.store import BACKUP_DIR, BOOK_FILE
from crm_cli.userfiles.config import config_file, home_dir


def show_config(as_json: bool = typer.Option(False, "--json")) -> None:
    """Show where the book and settings live, and every setting in force."""
    settings = common.settings()
    defaults = Settings()
    values = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    paths = {
        "book": str(home_dir() / BOOK_FILE),
        "backups": str(home_dir() / BACKUP_DIR),
        "config": str(config_file()),
    }
    if as_json:
        print_json({"paths": paths, "settings": {k: _plain(v) for k, v in values.items()}})
        return
    out(f"book:     {paths['book']}   (CRM_HOME)")
    out(f"backups:  {paths['backups']}   (the last 10 versions)")
    exists = "" if config_file().exists() else "  (not created yet: defaults apply)"
    out(f"settings: {paths['config']}   (CRM_CONFIG){exists}")
    out("")
    for key, value in values.items():
        note = "" if value == getattr(defaults, key) else "   # set"
        out(f"{key} = {json.dumps(_plain(value), ensure_ascii=False)}{note}")


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def register(app: typer.Typer) -> None:
    app.command("config")(show_config)
