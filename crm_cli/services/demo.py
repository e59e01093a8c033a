"""The sample book of ``crm demo``: built in a fresh directory, never the user's own."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.core.clientform import ClientInput, new_client
from crm_cli.core.demo_book import ARCHIVED, DEMO_SETTINGS, demo_clients
from crm_cli.core.settings import Settings, settings_from_dict
from crm_cli.services import drafting, planning
from crm_cli.store import open_book

if TYPE_CHECKING:
    from crm_cli.core.models import Client
    from crm_cli.core.scheduler import Item


def demo_settings() -> Settings:
    return settings_from_dict(DEMO_SETTINGS, source="demo settings")


def build_demo(home: Path, config: Path, today: date) -> None:
    """The sample clients and their history in ``home``, the demo settings in ``config``."""
    settings = demo_settings()
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


@dataclass
class Tour:
    """What the demo shows of its book: the clients, the day's plan, the first draft."""

    clients: list[Client]
    last_contacts: dict[str, date]
    touchpoints: int
    items: list[Item]
    draft: drafting.Written | None


def tour(home: Path, config: Path, today: date) -> Tour:
    """Read the demo book back as a user would see it on ``today``."""
    settings = demo_settings()
    with open_book(home) as book:
        clients = book.clients()
        last = book.last_contacts()
        count = sum(s.count for s in book.summaries().values())
        items = planning.plan_for_day(book, settings, today)
        first = items[0] if items else None
        if first is not None:
            client = book.client(first.client_id)
            material = drafting.client_material(book, client.id)
    written = None
    if first is not None:
        # Built-in templates only: the demo must not pick up the user's own.
        written = drafting.make_draft(
            client,
            material.touchpoints,
            material.steps,
            first,
            settings,
            today,
            config=config,
        )
    return Tour(clients, last, count, items, written)
