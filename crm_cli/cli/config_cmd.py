"""``crm config``: where the data lives and the settings in force."""

from __future__ import annotations

import json
from dataclasses import fields

import typer

from crm_cli.cli import common
from crm_cli.cli.output import out, print_json
from crm_cli.core.settings import Settings
from crm_cli.store import BACKUP_DIR, DEVICES_DIR, LOCAL_DIR, device_id
from crm_cli.userfiles.config import config_file, home_dir


def show_config(as_json: bool = typer.Option(False, "--json")) -> None:
    """Show where the book and settings live, and every setting in force."""
    settings = common.settings()
    defaults = Settings()
    values = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    paths = {
        "book": str(home_dir() / DEVICES_DIR),
        "backups": str(home_dir() / LOCAL_DIR / BACKUP_DIR),
        "config": str(config_file()),
    }
    device = device_id(home_dir(), create=False)
    if as_json:
        print_json(
            {
                "device": device,
                "paths": paths,
                "settings": {k: _plain(v) for k, v in values.items()},
            }
        )
        return
    out(f"book:     {paths['book']}   (CRM_HOME)")
    out(f"device:   {device or '(none yet: made by the first command that writes)'}")
    out(f"backups:  {paths['backups']}   (the previous versions of each file)")
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
