"""crm import monica: Monica's JSON export, its contacts and their history.

``tests/data/monica-export.json`` is written by hand from the layout of Monica
4's JSON exporter (``app/ExportResources``: every record ``uuid``, ``created_at``,
``properties``, children in ``data`` as ``{count, type, values}``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, book_clients, snapshot

from crm_cli.store import open_book

FIXTURE = Path(__file__).parent / "data" / "monica-export.json"


def history(home: Path, client_id: str) -> list[tuple[object, ...]]:
    with open_book(home) as book:
        return [
            (tp.date.isoformat(), tp.channel, tp.direction, tp.note, tp.private, tp.follow_up)
            for tp in book.touchpoints(client_id)
        ]


def test_contacts_and_their_history(crm: Crm, home: Path) -> None:
    result = crm.ok("import", "monica", str(FIXTURE), "--date", FIXED_DATE)
    assert result.stderr.splitlines() == [
        f"read {FIXTURE} (Monica)",
        "  contacts: 2 added, 0 merged, 0 already in the book; not kept: "
        "1 a relative's name only (partial), 1 your own contact",
        "  activities: 3 kept, 0 already in the book",
        "  calls: 2 kept, 0 already in the book",
        "  conversations: 1 kept, 0 already in the book",
        "  notes: 1 kept, 0 already in the book",
        "  reminders: 1 kept, 0 already in the book; not kept: "
        "1 a birthday (crm plans birthdays itself), 1 a one-time reminder already past",
        "  not kept, crm has no place for them: 1 gift, 1 job title",
    ]
    clients = book_clients(home)
    assert sorted(clients) == ["giulia-bianchi", "mario-rossi"]
    giulia = clients["giulia-bianchi"]
    assert (giulia.name, giulia.emails, giulia.phones) == (
        "Giulia Bianchi",
        ["giulia@bianchi.it"],
        ["+393331234567"],
    )
    assert (giulia.company, giulia.city, giulia.birthday) == (
        "Studio Bianchi",
        "Milano",
        "1984-03-22",
    )
    assert giulia.since == date(2018, 6, 15)  # "how we met"
    assert giulia.cadence == "30 days"  # Monica's "stay in touch every 30 days"
    assert (giulia.tags, giulia.likes, giulia.gender) == (
        ["studio", "Milano"],
        ["dark chocolate"],
        "f",
    )
    assert giulia.note == "Architect, prefers mornings"
    mario = clients["mario-rossi"]
    assert mario.archived and not mario.do_not_contact  # archived in Monica
    assert mario.birthday == "--11-02"  # Monica's "year unknown"
    assert mario.since == date.fromisoformat(FIXED_DATE)  # Monica knows no first meeting
    assert history(home, "giulia-bianchi") == [
        ("2026-02-14", "note", "out", "Her partner is unwell: do not push the renewal", True, None),
        ("2026-03-02", "call", "out", "Talked about the new office", False, None),
        ("2026-04-09", "call", "in", None, False, None),  # she called
        (
            "2026-05-20",
            "sms",
            "in",
            "them: Are we still on for Thursday?\nme: Yes, 10 am at the studio",
            False,
            None,
        ),
        (
            "2026-06-12",
            "meeting",
            "out",
            "Lunch at Da Giacomo\nShe showed me the plans of the office",
            False,
            None,
        ),
        ("2026-07-03", "meeting", "out", "Site visit", False, None),  # the activity's type
        # Every 3 months from 15 September: the next one is 15 December, a follow-up.
        (
            FIXED_DATE,
            "note",
            "out",
            "Ask how the new office is going\nShe moved in September",
            False,
            date(2026, 12, 15),
        ),
    ]
    # One activity with both of them: each has it.
    assert history(home, "mario-rossi") == [
        ("2026-07-03", "meeting", "out", "Site visit", False, None)
    ]
    # The reminder is a promise in the plan.
    due = crm.ok("show", "giulia", "--date", "2026-12-15").stdout
    assert 'follow-up via email: promised on 2026-11-23: "Ask how the new office is going' in due


def test_a_second_import_changes_nothing(crm: Crm, home: Path) -> None:
    crm.ok("import", "monica", str(FIXTURE), "--date", FIXED_DATE)
    before = snapshot(home)
    report = json.loads(
        crm.ok("import", "monica", str(FIXTURE), "--date", "2026-11-30", "--json").stdout
    )
    assert report["added"] == report["merged"] == []
    assert report["already"] == {
        "activities": 3,
        "calls": 2,
        "contacts": 0,
        "conversations": 1,
        "notes": 1,
        "reminders": 1,
    }
    assert snapshot(home) == before


def test_contacts_already_in_the_book_are_merged_and_keep_their_own_fields(
    crm: Crm, home: Path
) -> None:
    crm.add(
        "Giulia Bianchi", "--email", "giulia@bianchi.it", "--tier", "A", "--since", "2010-01-01"
    )
    report = json.loads(
        crm.ok("import", "monica", str(FIXTURE), "--date", FIXED_DATE, "--json").stdout
    )
    assert report["merged"] == ["giulia-bianchi"] and report["added"] == ["mario-rossi"]
    giulia = book_clients(home)["giulia-bianchi"]
    assert (giulia.tier, giulia.since, giulia.company) == ("A", date(2010, 1, 1), "Studio Bianchi")
    assert len(history(home, "giulia-bianchi")) == 7


def test_dry_run_writes_nothing(crm: Crm, home: Path) -> None:
    before = snapshot(home)
    result = crm.ok("import", "monica", str(FIXTURE), "--date", FIXED_DATE, "--dry-run")
    assert result.stderr.startswith(f"dry run, nothing written: read {FIXTURE} (Monica)\n")
    assert snapshot(home) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not JSON: "),
        (b'{"contacts": []}', "is not a Monica JSON export (no 'account' with its 'data')"),
    ],
)
def test_a_file_that_is_not_a_monica_export(
    crm: Crm, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    assert message in crm.fail("import", "monica", str(path))
