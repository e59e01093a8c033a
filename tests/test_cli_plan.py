"""The morning view on the command line: due, agenda, snooze/unsnooze, show's plan, demo."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from conftest import FIXED_DATE, Crm, ago, due_json, use_demo_book
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.cli.output import fill, fill_narrow, text_width, wrap
from crm_cli.core import terms

TODAY = date.fromisoformat(FIXED_DATE)  # a Monday


def cells(line: str) -> int:
    """Terminal cells a line takes: wide CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def agenda_json(crm: Crm, *args: str) -> list[dict[str, Any]]:
    return json.loads(crm.ok("agenda", "--from", FIXED_DATE, "--json", *args).stdout)


@pytest.fixture
def demo(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """The demo book of FIXED_DATE as the current book."""
    use_demo_book(crm, tmp_path, monkeypatch)
    return crm


# The demo day, most urgent first: (client, reason, overdue_days, neglected).
DEMO_DAY = [
    ("sofia-marino", "reply", 0, False),
    ("francesca-conti", "recovery", 0, False),
    ("emma-clarke", "follow-up", 0, False),
    ("elena-bruno", "birthday", 0, False),
    ("giuseppe-russo", "check-in", 116, True),  # 116 days late on 12 weeks: 1.38 cadences
    ("pietro-gallo", "check-in", 106, True),
    # Emma's overdue check-in is folded into her follow-up: one contact, not two.
    ("wang-fang-王芳", "check-in", 4, False),  # 4 days on 8 weeks: 0.07
    ("giuseppe-russo", "anniversary", 0, True),
]


# --------------------------------------------------------------------------- due


def test_due_on_the_demo_day_in_order(demo: Crm) -> None:
    items = due_json(demo)
    assert [(i["client_id"], i["reason"], i["overdue_days"], i["neglected"]) for i in items] == (
        DEMO_DAY
    )


def test_due_json_fields_and_types(demo: Crm) -> None:
    items = due_json(demo)
    for item in items:
        assert {"client_id", "client", "reason", "channel", "due", "overdue_days"} <= set(item)
        assert {"neglected", "detail"} <= set(item)
        assert isinstance(item["overdue_days"], int) and not isinstance(item["overdue_days"], bool)
        assert isinstance(item["neglected"], bool)
        assert date.fromisoformat(item["due"]) <= TODAY
        assert item["channel"] in (*terms.CONTACT_CHANNELS, terms.NO_CHANNEL)
        assert item["detail"]
    birthday = next(i for i in items if i["reason"] == "birthday")
    assert (birthday["due"], birthday["overdue_days"], birthday["channel"]) == (
        FIXED_DATE,
        0,
        "sms",
    )
    assert birthday["detail"] == "birthday on 2026-11-23, turns 34"
    giuseppe = next(i for i in items if i["client_id"] == "giuseppe-russo")
    assert giuseppe["due"] == "2026-07-30"
    assert giuseppe["detail"] == "last contact 2026-05-07 (200 days ago), cadence 12 weeks"
    assert [i["client"] for i in items][:2] == ["Sofia Marino", "Francesca Conti"]


def test_due_table_on_the_demo_day(demo: Crm) -> None:
    result = demo.ok("due", "--date", FIXED_DATE)
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "Due on Monday 23 November 2026: 8 items, most urgent first",
        "",
        "#  WHY          CLIENT            VIA     WHEN",
        "1  reply        Sofia Marino      email   today",
    ]
    assert "5  check-in     Giuseppe Russo !  call    116d late" in lines
    assert "7  check-in     Wang Fang 王芳    email   4d late" in lines  # aligned by cells
    assert "   birthday on 2026-11-23, turns 34" in lines  # the detail, indented below
    assert lines[-1] == "! neglected: last contact more than twice the cadence ago"
    assert result.stderr == ""
    too_wide = [line for line in lines if cells(line) > 80]
    assert not too_wide


def test_due_table_fits_80_columns_with_long_names_and_wide_notes(crm: Crm) -> None:
    long_name = "Maria Vittoria Carolina Beatrice degli Esposti Castelvetro di Sopra"
    crm.add(long_name, "--email", "mv@example.com", "--since", ago(400))
    crm.add("王芳芳 Wang", "--email", "w@example.cn", "--since", ago(400))
    crm.log("maria", "email", "--in", "--needs-reply", "--note", "word " * 40)
    crm.log(
        "wang",
        "email",
        "--in",
        "--needs-reply",
        "--note",
        "请问丝巾什么时候到货我想给母亲买一条" * 3,
    )
    lines = crm.ok("due", "--date", FIXED_DATE).stdout.splitlines()
    assert len(lines) > 6
    assert [line for line in lines if cells(line) > 80] == []
    assert any(line.startswith("1  reply") and "Maria Vittoria" in line for line in lines)


def test_due_limit(demo: Crm) -> None:
    lines = demo.ok("due", "--date", FIXED_DATE, "--limit", "2").stdout.splitlines()
    assert lines[0] == "Due on Monday 23 November 2026: 2 of 8 items, most urgent first"
    assert [line[:3] for line in lines if line[:1].isdigit()] == ["1  ", "2  "]
    assert [i["client_id"] for i in due_json(demo, "--limit", "2")] == [
        "sofia-marino",
        "francesca-conti",
    ]
    assert demo.fail("due", "--limit", "0", code=2).startswith("Invalid value for '--limit'")


def test_an_empty_day_says_so(crm: Crm) -> None:
    result = crm.ok("due", "--date", FIXED_DATE)
    assert result.stdout == (
        "Nothing is due on Monday 23 November 2026: everyone has been looked after.\n"
    )
    assert due_json(crm) == []
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", FIXED_DATE)
    assert crm.ok("due", "--date", FIXED_DATE).stdout.startswith("Nothing is due on Monday")


def test_the_smaller_tier_more_overdue_comes_first(crm: Crm) -> None:
    # Alphabetical order and tier would both put Alba first: only overdueness puts Zeno first.
    crm.add("Alba Arnaldi", "--email", "alba@example.com", "--tier", "A", "--since", ago(900))
    crm.add("Zeno Zanardi", "--email", "zeno@example.com", "--tier", "C", "--since", ago(900))
    crm.log("alba", "email", "--date", ago(28 + 7))  # 7 days late on 4 weeks: 0.25
    crm.log("zeno", "email", "--date", ago(84 + 42))  # 42 days late on 12 weeks: 0.5
    items = due_json(crm)
    assert [(i["client_id"], i["overdue_days"]) for i in items] == [
        ("zeno-zanardi", 42),
        ("alba-arnaldi", 7),
    ]
    # And the other way round: the bigger tier first only when it is more overdue.
    crm.log("zeno", "email", "--date", ago(84 + 7))  # now 7 days on 12 weeks: 0.08
    assert [i["client_id"] for i in due_json(crm)] == ["alba-arnaldi", "zeno-zanardi"]


def test_check_in_lateness_is_relative_to_the_cadence(crm: Crm) -> None:
    crm.add("Anna Quarterly", "--email", "a@example.com", "--every", "quarterly")
    crm.add("Zoe Weekly", "--email", "z@example.com", "--every", "weekly")
    crm.log("anna", "email", "--date", ago(111))  # due 3 months later: 19 days late
    crm.log("zoe", "email", "--date", ago(7 + 3))  # 3 days late on 7
    items = due_json(crm)
    assert [(i["client_id"], i["overdue_days"]) for i in items] == [
        ("zoe-weekly", 3),
        ("anna-quarterly", 19),
    ]


def test_reasons_in_order_and_most_overdue_first_within_one(crm: Crm) -> None:
    for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"):
        crm.add(name, "--email", f"{name.lower()}@example.com", "--since", ago(30))
    crm.log("alpha", "email", "--in", "--needs-reply", "--date", ago(3), "--note", "quote?")
    crm.log("bravo", "email", "--in", "--needs-reply", "--date", ago(9), "--note", "price?")
    crm.log("charlie", "visit", "--in", "--incident", "--date", ago(1))
    crm.log("delta", "email", "--follow-up", FIXED_DATE, "--date", ago(10))
    crm.ok("edit", "echo", "--birthday", FIXED_DATE[5:])
    crm.ok("edit", "foxtrot", "--since", "2023-11-23", "--date", FIXED_DATE)
    crm.ok("edit", "golf", "--since", ago(120), "--date", FIXED_DATE)
    items = due_json(crm)
    got = [(i["reason"], i["client_id"]) for i in items]
    assert got[:5] == [
        ("reply", "bravo"),  # waiting 9 days before Alpha's 3
        ("reply", "alpha"),
        ("recovery", "charlie"),
        ("follow-up", "delta"),
        ("birthday", "echo"),
    ]
    assert got[-1] == ("anniversary", "foxtrot")
    order = [terms.REASONS.index(reason) for reason, _ in got]
    assert order == sorted(order)
    assert ("check-in", "golf") in got


def test_archived_and_do_not_contact_are_never_due(crm: Crm) -> None:
    for name, flag in (("Anna Archived", None), ("Dino Nocontact", "--do-not-contact")):
        extra = [flag] if flag else []
        crm.add(name, "--email", f"{name[:4].lower()}@example.com", "--since", ago(800), *extra)
        crm.ok("edit", name.split()[0], "--birthday", FIXED_DATE[5:], "--date", FIXED_DATE)
        crm.log(name.split()[0], "email", "--in", "--needs-reply", "--incident", "--date", ago(5))
    crm.ok("archive", "anna")
    assert due_json(crm) == []
    assert all(day["items"] == [] for day in agenda_json(crm, "--days", "30"))
    shown = crm.ok("show", "dino", "--date", FIXED_DATE).stdout
    assert "  next:         nothing is planned (archived or do not contact)" in shown
    crm.ok("unarchive", "anna-archived")
    assert {i["client_id"] for i in due_json(crm)} == {"anna-archived"}


def test_due_exit_code_is_zero_with_and_without_items(demo: Crm, crm: Crm) -> None:
    assert demo("due", "--date", FIXED_DATE).exit_code == 0
    assert demo("due", "--date", "2020-01-01", "--json").exit_code == 0


# --------------------------------------------------------------------------- snooze


@pytest.fixture
def mario(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--tier", "A", "--since", ago(300))
    crm.log("mario", "email", "--date", ago(40))  # check-in due 12 days ago
    return crm


def test_snooze_hides_a_client_until_the_date(mario: Crm) -> None:
    result = mario.ok(
        "snooze", "mario", "--until", "2026-12-01", "--reason", "on holiday", "--date", FIXED_DATE
    )
    assert (result.stdout, result.stderr) == ("", "snoozed mario-rossi until 2026-12-01\n")
    assert due_json(mario) == []
    assert json.loads(mario.ok("due", "--date", "2026-11-30", "--json").stdout) == []
    [back] = json.loads(mario.ok("due", "--date", "2026-12-01", "--json").stdout)
    # Snoozing is not a contact: the check-in is still the one due 12 days before FIXED_DATE.
    assert (back["client_id"], back["due"], back["overdue_days"]) == (
        "mario-rossi",
        ago(12),
        20,
    )
    assert len(json.loads(mario.ok("history", "mario", "--json").stdout)) == 1


def test_unsnooze_brings_the_client_back(mario: Crm) -> None:
    mario.ok("snooze", "mario", "--until", "in 2 weeks", "--date", FIXED_DATE)
    assert due_json(mario) == []
    assert mario.ok("unsnooze", "mario").stderr == "mario-rossi is back in the plan\n"
    [item] = due_json(mario)
    assert (item["reason"], item["due"]) == ("check-in", ago(12))
    assert mario.ok("unsnooze", "mario").stderr == "mario-rossi was not snoozed\n"


def test_the_agenda_shows_a_snoozed_client_when_the_snooze_ends(mario: Crm) -> None:
    mario.ok("snooze", "mario", "--until", "2026-11-25", "--date", FIXED_DATE)
    days = agenda_json(mario, "--days", "5")
    placed = {day["date"]: [i["client_id"] for i in day["items"]] for day in days}
    assert placed == {
        "2026-11-23": [],
        "2026-11-24": [],
        "2026-11-25": ["mario-rossi"],
        "2026-11-26": [],
        "2026-11-27": [],
    }


def test_snooze_errors(mario: Crm) -> None:
    assert mario.fail("snooze", "mario", "--until", "2026-11-20", "--date", FIXED_DATE) == (
        "--until 2026-11-20 is not after today (2026-11-23)"
    )
    assert mario.fail("snooze", "nobody", "--until", "2026-12-20", "--date", FIXED_DATE) == (
        "no client matches 'nobody'"
    )
    assert mario.fail("snooze", "mario", code=2).startswith("Missing option '--until'")


# --------------------------------------------------------------------------- agenda


def test_agenda_defaults_to_seven_days(demo: Crm) -> None:
    days = agenda_json(demo)
    assert [d["date"] for d in days] == [(TODAY + timedelta(days=n)).isoformat() for n in range(7)]
    assert all(set(d) == {"date", "items"} for d in days)
    assert len(agenda_json(demo, "--days", "3")) == 3


def test_agenda_spreads_check_ins_within_capacity(demo: Crm) -> None:
    days = agenda_json(demo, "--capacity", "2", "--days", "14")
    placed = {d["date"]: [(i["reason"], i["client_id"]) for i in d["items"]] for d in days}
    # The fixed-date items stay on their day, over capacity: a birthday cannot move.
    assert placed["2026-11-23"] == [
        ("reply", "sofia-marino"),
        ("recovery", "francesca-conti"),
        ("follow-up", "emma-clarke"),
        ("birthday", "elena-bruno"),
        ("anniversary", "giuseppe-russo"),
    ]
    # Overdue check-ins fill the next working days, most overdue first, two a day.
    assert placed["2026-11-24"] == [
        ("check-in", "giuseppe-russo"),
        ("check-in", "pietro-gallo"),
    ]
    # Emma's check-in is folded into her follow-up of today.
    assert placed["2026-11-25"] == [("check-in", "wang-fang-王芳")]
    for d in days:
        day = date.fromisoformat(d["date"])
        check_ins = [i for i in d["items"] if i["reason"] == "check-in"]
        if day.weekday() >= 5:
            assert check_ins == []  # never on a weekend
        assert len(check_ins) <= 2
        for item in d["items"]:
            due = date.fromisoformat(item["due"])
            if item["reason"] == "check-in":
                assert due <= day  # never before it is due
            else:
                assert day == max(due, TODAY)


def test_agenda_never_plans_a_check_in_before_it_is_due(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "m@example.com", "--every", "4 weeks")
    crm.log("mario", "email", "--date", ago(28 - 3))  # due on Thursday
    days = agenda_json(crm, "--capacity", "5")
    assert [(d["date"], [i["client_id"] for i in d["items"]]) for d in days if d["items"]] == [
        ("2026-11-26", ["mario-rossi"])
    ]


def test_a_birthday_stays_on_its_day_even_on_a_weekend(crm: Crm) -> None:
    crm.add("Bea Bruni", "--email", "b@example.com", "--birthday", "11-28", "--since", ago(10))
    days = agenda_json(crm, "--capacity", "1")
    assert [(d["date"], [i["reason"] for i in d["items"]]) for d in days if d["items"]] == [
        ("2026-11-28", ["birthday"])
    ]
    text = crm.ok("agenda", "--from", FIXED_DATE).stdout.splitlines()
    assert text == [
        "Mon 2026-11-23  -",
        "Tue 2026-11-24  -",
        "Wed 2026-11-25  -",
        "Thu 2026-11-26  -",
        "Fri 2026-11-27  -",
        "Sat 2026-11-28  (1)",
        "  birthday    Bea Bruni via email: birthday on 2026-11-28",
        "Sun 2026-11-29  -",
    ]


def test_agenda_text_on_the_demo_day(demo: Crm) -> None:
    lines = demo.ok("agenda", "--from", FIXED_DATE, "--capacity", "2").stdout.splitlines()
    assert lines[0] == "Mon 2026-11-23  (5)"
    assert lines[1] == (
        "  reply       Sofia Marino via email, today: "
        '"Chiede quando torna il cappotto blu di lana nella taglia 42" — waiting 2 days'
    )
    assert "Tue 2026-11-24  (2)" in lines
    assert (
        "  check-in    Giuseppe Russo ! via call, 116d late: "
        "last contact 2026-05-07 (200 days ago), cadence 12 weeks"
    ) in lines
    assert "Sat 2026-11-28  -" in lines


def test_agenda_ics_has_stable_uids(demo: Crm, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "sub" / "b.ics"
    result = demo.ok("agenda", "--from", FIXED_DATE, "--days", "14", "--ics", str(first))
    days = agenda_json(demo, "--days", "14")
    count = sum(len(d["items"]) for d in days)
    assert result.stderr == f"wrote {count} events to {first}\n"
    demo.ok("agenda", "--from", FIXED_DATE, "--days", "14", "--ics", str(second), "--json")

    def events(path: Path) -> list[Any]:
        calendar = vobject.readOne(path.read_text(encoding="utf-8"))
        return list(calendar.vevent_list)

    one, two = events(first), events(second)
    assert len(one) == count == 10
    assert [e.uid.value for e in one] == [e.uid.value for e in two]
    assert len({e.uid.value for e in one}) == count
    starts = sorted(e.dtstart.value.isoformat() for e in one)
    assert starts == sorted(d["date"] for d in days for _ in d["items"])
    summaries = {e.summary.value for e in one}
    assert "birthday: Elena Bruno (sms)" in summaries
    # Logging a contact moves the check-in's event; its UID stays.
    before = {e.summary.value: e.uid.value for e in one}
    demo.log("wang", "email", "--date", FIXED_DATE)
    third = tmp_path / "c.ics"
    demo.ok("agenda", "--from", FIXED_DATE, "--days", "60", "--ics", str(third))
    after = {e.summary.value: e.uid.value for e in events(third)}
    key = "check-in: Wang Fang 王芳 (email)"
    assert after[key] == before[key]


def test_agenda_ics_refuses_a_directory(demo: Crm, tmp_path: Path) -> None:
    assert demo.fail("agenda", "--ics", str(tmp_path)) == (
        f"{tmp_path} is a directory: give a file name"
    )


# --------------------------------------------------------------------------- show, demo


def test_show_lists_the_next_planned_items(mario: Crm) -> None:
    mario.ok("edit", "mario", "--birthday", "12-24", "--date", FIXED_DATE)
    mario.log("mario", "email", "--in", "--needs-reply", "--note", "Can you send a quote?")
    lines = mario.ok("show", "mario", "--date", FIXED_DATE).stdout.splitlines()
    at = lines.index("  next:")
    assert lines[at + 1 :] == [
        '    today      reply via email: "Can you send a quote?" — arrived today',
        "    2026-12-21 check-in via email: last contact 2026-11-23 (0 days ago), cadence 4 weeks",
        "    2026-12-24 birthday via email: birthday on 2026-12-24",
    ]
    planned = json.loads(mario.ok("show", "mario", "--json", "--date", FIXED_DATE).stdout)["next"]
    assert [(i["reason"], i["due"]) for i in planned] == [
        ("reply", FIXED_DATE),
        ("check-in", "2026-12-21"),
        ("birthday", "2026-12-24"),
    ]


def test_demo_shows_the_book_the_plan_and_a_draft(crm: Crm, tmp_path: Path) -> None:
    result = crm.ok("demo", "--home", str(tmp_path / "d"), "--date", FIXED_DATE)
    lines = result.stdout.splitlines()
    assert lines[2].split() == ["ID", "NAME", "COMPANY", "TIER", "CHANNEL", "LAST", "CONTACT"]
    assert any(line.startswith("sofia-marino     Sofia Marino") for line in lines)
    assert not any(line.startswith("roberto-esposito") for line in lines)  # archived
    assert "Due on Monday 23 November 2026: 8 items, most urgent first" in lines
    at = lines.index("The draft for the most urgent item (reply, Sofia Marino):")
    assert lines[at + 2 : at + 5] == [
        "To: Sofia Marino <sofia.marino@example.it>",
        "Subject: La tua domanda: il cappotto blu di lana nella taglia 42",
        "",
    ]
    assert "Chiara — Bottega Lombardi, via Saragozza 12, Bologna" in lines[at:]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1), max_size=30),
    st.integers(20, 100),
    st.integers(0, 6),
)
def test_detail_lines_are_filled_the_same_on_the_fast_path(
    words: list[str], width: int, indent: int
) -> None:
    first, rest = " " * indent, " " * (indent + 2)
    room = width - len(rest)
    words = [w[:room] for w in words]  # the fast path takes words that fit a line
    lines = fill_narrow(" ".join(words), width, first, rest)
    assert lines == fill(words, width, first, rest)
    assert all(len(line) <= width for line in lines)
    assert " ".join(line.strip() for line in lines) == " ".join(words)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(min_codepoint=9, max_codepoint=126), max_size=90), st.integers(0, 6))
def test_a_detail_that_fits_one_line_is_that_line(text: str, indent: int) -> None:
    first, rest = " " * indent, " " * (indent + 2)
    words = text.split()
    expected = fill_narrow(" ".join(words), 78, first, rest) if words else []
    if max(map(len, words), default=0) <= 78 - len(rest):
        assert wrap(text, 78, first, rest, max_lines=9) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.text(st.characters(max_codepoint=0x1200), max_size=40))
def test_terminal_cells_are_counted_exactly_on_the_fast_path(text: str) -> None:
    # Latin text with accents is measured by len: no character below U+0378 is wide.
    assert text_width(text) == cells(text)
