"""The store's read side: what the plan's screen reads, without parsing records."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from conftest import FIXED_DATE, Crm

from crm_cli.store import open_book


def _indexes(home: Path) -> set[str]:
    db = sqlite3.connect(home / "local" / "cache.sqlite3")
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        db.close()


def _book(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", "2025-01-10")
    crm.add("Anna Bianchi", "--since", "2026-11-01", "--birthday", "1980-11-23")
    crm.log("mario", "email", "--in", "--needs-reply", "--date", "2026-11-20")


def test_a_cache_without_the_plans_indexes_gets_them_and_plans_the_same(
    crm: Crm, home: Path
) -> None:
    _book(crm)
    before = crm.ok("due", "--json", "--date", FIXED_DATE).stdout
    assert [(i["client_id"], i["reason"]) for i in json.loads(before)] == [
        ("mario-rossi", "reply"),
        ("anna-bianchi", "birthday"),
    ]
    assert {"clients_plan", "summaries_plan"} <= _indexes(home)
    db = sqlite3.connect(home / "local" / "cache.sqlite3")
    db.execute("DROP INDEX clients_plan")
    db.execute("DROP INDEX summaries_plan")
    db.commit()
    db.close()
    assert crm.ok("due", "--json", "--date", FIXED_DATE).stdout == before  # a reader
    assert {"clients_plan", "summaries_plan"} <= _indexes(home)


def test_the_hints_are_the_same_read_from_the_indexes_or_the_records(crm: Crm, home: Path) -> None:
    _book(crm)
    crm.log("anna", "visit", "--date", "2026-11-02")
    with open_book(home) as book:
        assert book.plan_indexed
        indexed = sorted(book.hints() or [])
        book.plan_indexed = False  # a cache an unwritable home could not index
        assert sorted(book.hints() or []) == indexed
    assert [(h.client_id, h.last_contact, h.open) for h in indexed] == [
        ("anna-bianchi", date(2026, 11, 2), False),
        ("mario-rossi", date(2026, 11, 20), True),
    ]


def test_the_contact_dates_are_the_touchpoints_read_whole(crm: Crm, home: Path) -> None:
    """``crm show``'s months read two fields of each record: the same dates as the
    touchpoints, an amended date and channel included, the notes left out."""
    _book(crm)
    crm.log("mario", "call", "--date", "2026-10-02")
    crm.log("mario", "note", "--note", "likes espresso", "--date", "2026-10-03")
    moved = crm.log("mario", "visit", "--date", "2026-09-01")
    crm.ok("amend", moved, "--date", "2026-08-15")
    noted = crm.log("mario", "email", "--date", "2026-07-01")
    crm.ok("amend", noted, "--channel", "note")
    with open_book(home) as book:
        whole = [t.date for t in book.touchpoints("mario-rossi") if t.is_contact]
        assert sorted(book.contact_dates("mario-rossi")) == sorted(whole)
        assert book.contact_dates("anna-bianchi") == []
    assert sorted(whole) == [date(2026, 8, 15), date(2026, 10, 2), date(2026, 11, 20)]


def test_one_clients_snooze_is_the_one_in_every_snooze(crm: Crm, home: Path) -> None:
    _book(crm)
    crm.ok(
        "snooze", "mario", "--until", "2026-12-01", "--reason", "on holiday", "--date", FIXED_DATE
    )
    with open_book(home) as book:
        assert book.snooze("mario-rossi") == book.snoozes()["mario-rossi"]
        assert book.snooze("mario-rossi").until == date(2026, 12, 1)  # type: ignore[union-attr]
        assert book.snooze("anna-bianchi") is None
        assert book.snooze("nobody") is None
    crm.ok("unsnooze", "mario")
    with open_book(home) as book:
        assert book.snooze("mario-rossi") is None
