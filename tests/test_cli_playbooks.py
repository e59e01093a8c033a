"""``crm playbook list/show/start/stop``, and started steps coming due as follow-ups."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm, book_bytes

START = date.fromisoformat(FIXED_DATE)


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def due(crm: Crm, when: str) -> list[dict[str, Any]]:
    return json.loads(crm.ok("due", "--date", when, "--json").stdout)


def follow_ups(crm: Crm, when: str) -> list[tuple[str, str, str, str]]:
    return [
        (i["due"], i["channel"], i["detail"], i["purpose"])
        for i in due(crm, when)
        if i["reason"] == "follow-up"
    ]


@pytest.fixture
def mario(crm: Crm) -> Crm:
    # Client since the start day: no check-in or anniversary gets in the way for months.
    crm.add(
        "Mario Rossi", "--email", "mario@example.com", "--phone", "+39 347 123 4567",
        "--since", FIXED_DATE, "--every", "never", "--tag", "local",
    )  # fmt: skip
    return crm


def write_playbook(config: Path, name: str, text: str) -> Path:
    folder = config / "playbooks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


RETAINER = """\
description = "A new retainer client"
[[steps]]
day = 0
name = "welcome pack"
channel = "email"
purpose = "welcome"
[[steps]]
day = 14
name = "first review call"
channel = "call"
"""


# --------------------------------------------------------------------------- list, show


def test_list_shows_the_built_ins(crm: Crm) -> None:
    assert crm.ok("playbook", "list").stdout.splitlines() == [
        "NAME           STEPS  ORIGIN    DESCRIPTION",
        "after-project  4      built-in  A project delivered: thank them, then stay in t…",
        "complaint      3      built-in  A complaint: call the same day, follow up in wr…",
        "onboarding     3      built-in  A new client: welcome them, ask how it is going…",
    ]


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        (
            "onboarding",
            [
                ["day", "0", "welcome", "email", "email", "welcome"],
                ["day", "7", "how-is-it-going", "call", "call", "check-in"],
                ["day", "30", "coffee", "coffee", "check-in"],
            ],
        ),
        (
            "after-project",
            [
                ["day", "2", "thank-you", "email", "email", "thanks"],
                ["day", "30", "how-is-it-going", "SMS", "sms", "check-in"],
                ["day", "90", "coffee", "coffee", "check-in"],
                ["day", "365", "check-in", "email", "check-in"],
            ],
        ),
        (
            "complaint",
            [
                ["day", "0", "recovery", "call", "call", "recovery"],
                ["day", "3", "follow-up", "email", "email", "follow-up"],
                ["day", "14", "check-in", "call", "call", "check-in"],
            ],
        ),
    ],
)
def test_show_a_built_in(crm: Crm, name: str, steps: list[list[str]]) -> None:
    lines = crm.ok("playbook", "show", name).stdout.splitlines()
    assert lines[0].startswith(f"{name}: ")
    assert lines[1].split() == ["WHEN", "STEP", "CHANNEL", "DRAFT"]
    assert [line.split() for line in lines[2:]] == steps


def test_unknown_playbook(crm: Crm) -> None:
    assert crm.fail("playbook", "show", "onbaording") == (
        "no playbook named 'onbaording': known are after-project, complaint, onboarding"
    )


def test_a_user_playbook_is_listed_and_shown(crm: Crm, config: Path) -> None:
    write_playbook(config, "retainer", RETAINER)
    lines = crm.ok("playbook", "list").stdout.splitlines()
    assert "retainer       2      user      A new retainer client" in lines
    assert crm.ok("playbook", "show", "retainer").stdout.splitlines() == [
        "retainer: A new retainer client",
        "WHEN    STEP               CHANNEL  DRAFT",
        "day 0   welcome pack       email    welcome",
        "day 14  first review call  call     follow-up",
    ]


def test_a_user_playbook_named_with_capitals(mario: Crm, config: Path) -> None:
    write_playbook(config, "Retainer", RETAINER)
    assert "Retainer" in mario.ok("playbook", "list").stdout
    assert mario.ok("playbook", "show", "Retainer").stdout.startswith("Retainer: ")
    assert mario.ok("playbook", "show", "retainer").stdout.startswith("Retainer: ")
    mario.ok("playbook", "start", "mario", "Retainer", "--date", FIXED_DATE)
    assert follow_ups(mario, FIXED_DATE) == [
        (FIXED_DATE, "email", "Retainer: welcome pack", "welcome")
    ]
    stopped = mario.ok("playbook", "stop", "mario", "retainer")
    assert stopped.stderr == "stopped 2 remaining steps of retainer for mario-rossi\n"
    assert follow_ups(mario, day(14)) == []


def test_a_user_playbook_replaces_the_built_in_of_that_name(mario: Crm, config: Path) -> None:
    write_playbook(config, "onboarding", RETAINER)
    lines = mario.ok("playbook", "list").stdout.splitlines()
    assert "onboarding     2      user      A new retainer client" in lines
    assert len(lines) == 4
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    assert [f[2] for f in follow_ups(mario, day(14))] == [
        "onboarding: welcome pack",
        "onboarding: first review call",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('description = "x"\n[[steps]\nday = 0\n', "cannot be read as TOML: Expected ']]' at "),
        (
            'description = "x"\n[[steps]]\nday = 0\nname = "a"\nchannel = "fax"\n',
            "step 1: 'channel' must be one of email, sms, call, coffee",
        ),
        (
            'description = "x"\n[[steps]]\nday = -1\nname = "a"\nchannel = "sms"\n',
            "step 1: 'day' must be a whole number ≥ 0",
        ),
        (
            'description = "x"\n[[steps]]\nday = 1\nname = "a"\nchanel = "sms"\n',
            "step 1: unknown key 'chanel' (known: channel, day, name, purpose, say)",
        ),
        ('description = "x"\n', "needs at least one [[steps]] table"),
        (
            'description = "x"\n[[steps]]\nday = 1\nname = "a"\nchannel = "sms"\npurpose = "x"\n',
            "step 1: 'purpose' must be one of welcome, thanks, check-in, follow-up, reply, "
            "recovery, birthday, anniversary",
        ),
    ],
)
def test_a_malformed_playbook_is_an_error_naming_the_file(
    mario: Crm, config: Path, text: str, problem: str
) -> None:
    write_playbook(config, "broken", text)
    for command in (
        ("playbook", "list"),
        ("playbook", "show", "broken"),
        ("playbook", "start", "mario", "onboarding"),
    ):
        message = mario.fail(*command)
        assert message.startswith(f"playbooks/broken.toml: {problem}"), message


# --------------------------------------------------------------------------- start, stop


def test_start_prints_the_dated_steps(mario: Crm) -> None:
    result = mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    assert result.stdout.splitlines() == [
        "started onboarding for Mario Rossi:",
        "DUE         STEP                  CHANNEL",
        "2026-11-23  welcome email         email",
        "2026-11-30  how-is-it-going call  call",
        "2026-12-23  coffee                coffee",
    ]


def test_onboarding_steps_come_due_as_follow_ups(mario: Crm) -> None:
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    assert follow_ups(mario, FIXED_DATE) == [
        (FIXED_DATE, "email", "onboarding: welcome email", "welcome")
    ]
    assert follow_ups(mario, day(6)) == [
        (FIXED_DATE, "email", "onboarding: welcome email", "welcome")
    ]
    mario.log("mario", "email", "--date", FIXED_DATE)  # the welcome email, sent
    assert follow_ups(mario, day(6)) == []
    # Day 7: the call (Mario has a phone), due on its date.
    [item] = due(mario, day(7))
    item_id = item.pop("id")  # named by its step: the same id while it waits
    assert re.fullmatch(r"[0-9a-f]{40}", item_id)
    assert item == {
        "channel": "call",
        "client": "Mario Rossi",
        "client_id": "mario-rossi",
        "detail": "onboarding: how-is-it-going call",
        "due": day(7),
        "neglected": False,
        "overdue_days": 0,
        "purpose": "check-in",
        "reason": "follow-up",
        "source": f"mario-rossi/onboarding/{FIXED_DATE}/1",
        "source_kind": "step",
    }
    text = mario.ok("due", "--date", day(7)).stdout.splitlines()
    assert text[3] == "1  follow-up  Mario Rossi  call  today"
    assert text[4] == "   onboarding: how-is-it-going call"
    # Not yet called on day 9: still due, two days late.
    [late] = due(mario, day(9))
    assert (late["detail"], late["overdue_days"]) == ("onboarding: how-is-it-going call", 2)
    assert late["id"] == item_id
    mario.log("mario", "call", "--date", day(9))
    assert follow_ups(mario, day(29)) == []
    assert follow_ups(mario, day(30)) == [(day(30), "coffee", "onboarding: coffee", "check-in")]


def test_a_step_falls_back_to_a_channel_the_client_allows(crm: Crm) -> None:
    crm.add("Sara Bassi", "--email", "sara@example.com", "--since", FIXED_DATE, "--every", "never")
    crm.ok("playbook", "start", "sara", "onboarding", "--date", FIXED_DATE)
    crm.log("sara", "email", "--date", FIXED_DATE)
    assert follow_ups(crm, day(7)) == [
        (day(7), "email", "onboarding: how-is-it-going call", "check-in")
    ]


def test_the_step_drafts_with_its_purpose(mario: Crm) -> None:
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    shown = mario.ok("draft", "mario", "--date", FIXED_DATE).stdout
    assert shown.startswith("To: Mario Rossi <mario@example.com>\nSubject: ")
    mario.log("mario", "email", "--date", FIXED_DATE)
    sheet = mario.ok("draft", "mario", "--date", day(7)).stdout
    assert sheet.startswith("Chiama: Mario Rossi — +39 347 123 4567 (cellulare)\n")


def test_stop_cancels_the_remaining_steps(mario: Crm) -> None:
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    mario.log("mario", "email", "--date", FIXED_DATE)
    result = mario.ok("playbook", "stop", "mario", "onboarding")
    assert result.stdout == ""
    assert result.stderr.startswith("stopped ")
    assert result.stderr.endswith(" of onboarding for mario-rossi\n")
    for n in (0, 7, 30, 60):
        assert follow_ups(mario, day(n)) == []
    assert mario.fail("playbook", "stop", "mario", "onboarding") == (
        "no open steps of 'onboarding' for mario-rossi"
    )
    # Once stopped it can start again.
    mario.ok("playbook", "start", "mario", "onboarding", "--date", day(1))
    assert [f[0] for f in follow_ups(mario, day(8))] == [day(1), day(8)]


def test_stop_leaves_other_playbooks_and_clients_alone(mario: Crm) -> None:
    mario.add(
        "Sara Bassi", "--email", "sara@example.com", "--since", FIXED_DATE, "--every", "never"
    )
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    mario.ok("playbook", "start", "mario", "complaint", "--date", FIXED_DATE)
    mario.ok("playbook", "start", "sara", "onboarding", "--date", FIXED_DATE)
    mario.ok("playbook", "stop", "mario", "onboarding")
    left = [(i["client_id"], i["detail"]) for i in due(mario, day(3))]
    assert left == [  # most overdue first, then by name
        ("mario-rossi", "complaint: recovery call"),
        ("sara-bassi", "onboarding: welcome email"),
        ("mario-rossi", "complaint: follow-up email"),
    ]


def test_starting_twice_is_refused(mario: Crm, home: Path) -> None:
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    before = book_bytes(home)
    assert mario.fail("playbook", "start", "mario", "onboarding", "--date", day(1)) == (
        "onboarding is already running for mario-rossi (next step 2026-11-30); "
        "stop it first with 'crm playbook stop mario-rossi onboarding'"
    )
    assert book_bytes(home) == before


def test_start_errors(mario: Crm) -> None:
    assert mario.fail("playbook", "start", "nobody", "onboarding") == "no client matches 'nobody'"
    assert mario.fail("playbook", "start", "mario", "nothing") == (
        "no playbook named 'nothing': known are after-project, complaint, onboarding"
    )
    assert mario.fail("playbook", "stop", "mario", "complaint") == (
        "no open steps of 'complaint' for mario-rossi"
    )


def test_an_archived_client_gets_no_steps_due(mario: Crm) -> None:
    mario.ok("playbook", "start", "mario", "onboarding", "--date", FIXED_DATE)
    mario.ok("archive", "mario")
    assert due(mario, day(7)) == []


def test_onboarding_a_long_standing_client_drafts_the_welcome(crm: Crm, tmp_path: Path) -> None:
    # A welcome asked for by hand needs a new client; one that a playbook the user
    # started asks for is the user's own decision (a new project with an old client).
    crm.add("Lucia Neri", "--email", "lucia@example.it", "--since", "2019-05-01", "--lang", "it")
    assert "a welcome is for the first 90 days" in crm.fail(
        "draft", "lucia", "--purpose", "welcome", "--date", FIXED_DATE
    )
    crm.ok("playbook", "start", "lucia", "onboarding", "--date", FIXED_DATE)
    result = crm.ok("drafts", "--date", FIXED_DATE, "--out", str(tmp_path / "out"))
    assert "not drafted" not in result.stdout
    [eml] = (tmp_path / "out").glob("*.eml")
    assert "welcome" in eml.name
