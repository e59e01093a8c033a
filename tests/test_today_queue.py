"""The queue of ``crm today`` as plain data, and its progress as the store keeps it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.queue import edit_text, entries, not_to_mention, parse_edit, summary_line
from crm_cli.core.scheduler import Item
from crm_cli.store import load_progress, save_progress

DAY = date(2026, 11, 23)


def _item(client: str, reason: str, due: date = DAY) -> Item:
    return Item(
        client_id=client,
        client=client.title(),
        reason=reason,
        channel="email",
        due=due,
        overdue_days=(DAY - due).days,
        neglected=False,
        detail="",
        urgency=0.0,
    )


def test_one_entry_per_client_in_the_order_of_its_most_urgent_item() -> None:
    plan = [
        _item("anna", "reply"),
        _item("bruno", "recovery"),
        _item("anna", "anniversary"),
        _item("carla", "awaiting"),  # a nudge: no message, no entry
        _item("bruno", "check-in", date(2026, 11, 1)),
    ]
    found = entries(plan, {})
    assert [(e.client_id, [i.reason for i in e.items]) for e in found] == [
        ("anna", ["reply", "anniversary"]),
        ("bruno", ["recovery", "check-in"]),
    ]
    assert found[0].ids == [plan[0].id, plan[2].id]


def test_items_dealt_with_today_leave_the_queue() -> None:
    plan = [_item("anna", "reply"), _item("bruno", "check-in"), _item("bruno", "birthday")]
    progress = {plan[0].id: ("anna", "done"), plan[1].id: ("bruno", "skipped")}
    # Bruno's birthday came due after his check-in was skipped: it still waits.
    assert [(e.client_id, len(e.items)) for e in entries(plan, progress)] == [("bruno", 1)]


def test_the_summary_counts_clients_not_items() -> None:
    progress = {
        "i1": ("anna", "done"),
        "i2": ("anna", "done"),
        "i3": ("bruno", "skipped"),
        "i4": ("carla", "snoozed"),
    }
    assert summary_line(progress, 2) == "done 1, skipped 1, snoozed 1, left 2"
    assert summary_line({}, 0) == "done 0, skipped 0, snoozed 0, left 0"


def test_what_the_editor_shows_and_what_comes_back() -> None:
    shown = edit_text("Hello", "Dear Emma,\n\nthanks.")
    assert shown == "Subject: Hello\n\nDear Emma,\n\nthanks.\n"
    assert edit_text(None, "Ciao Giulia!") == "Ciao Giulia!\n"
    assert parse_edit("Subject: New one\n\nDear Emma,\n\nthanks!\n\n", "Hello") == (
        "New one",
        "Dear Emma,\n\nthanks!",
    )
    # The subject line deleted: the subject stays, the whole text is the body.
    assert parse_edit("Dear Emma,\nthanks.\n", "Hello") == ("Hello", "Dear Emma,\nthanks.")
    # An SMS has no subject: a first line that looks like one is the text.
    assert parse_edit("Subject: ciao\n", None) == (None, "Subject: ciao")


def test_what_not_to_mention_is_for_the_persons_eyes() -> None:
    client = Client(
        id="emma",
        name="Emma Clarke",
        since=DAY,
        private_note="Her father is unwell",
        note="Met at the fair",
        prefers=["short emails"],
        shared_contact=True,
    )
    tps = [
        Touchpoint("t1", "emma", date(2026, 10, 1), "call", private=True, note="Divorce"),
        Touchpoint("t2", "emma", date(2026, 10, 2), "call", note="Talked about shelves"),
    ]
    assert not_to_mention(client, tps) == [
        "private note: Her father is unwell",
        "private, 2026-10-01: Divorce",
        "your note (not to quote): Met at the fair",
        "prefers (guides you, never said): short emails",
        "shared inbox or phone: others read it, nothing personal",
    ]
    assert not_to_mention(Client(id="x", name="X", since=DAY), []) == []


def test_the_progress_is_kept_per_day_and_survives_a_damaged_file(tmp_path: Path) -> None:
    home = tmp_path / "book"
    assert load_progress(home, DAY) == {}
    save_progress(home, DAY, {"i1": ("anna", "done")})
    save_progress(home, date(2026, 11, 24), {"i2": ("bruno", "skipped")})
    assert load_progress(home, DAY) == {"i1": ("anna", "done")}
    assert load_progress(home, date(2026, 11, 24)) == {"i2": ("bruno", "skipped")}
    path = home / "local" / "today" / "progress.json"
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("{not json", encoding="utf-8")
    assert load_progress(home, DAY) == {}  # the morning starts over; the book is untouched
    for n in range(20):  # only the last two weeks are kept
        save_progress(home, date(2026, 10, 1 + n), {"i": ("c", "done")})
    assert load_progress(home, date(2026, 10, 1)) == {}
    assert load_progress(home, date(2026, 10, 20)) == {"i": ("c", "done")}
