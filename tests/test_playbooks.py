"""Tests for crm_cli.core.playbooks: built-ins, user TOML validation, start and stop."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, replace
from datetime import date
from typing import Any

import pytest

from crm_cli.core.playbooks import (
    Playbook,
    Step,
    builtin_playbooks,
    parse_playbook,
    start,
    stop,
)
from crm_cli.errors import ConfigError

DAY = date(2026, 3, 2)
SOURCE = "playbooks/vip.toml"


def test_builtins() -> None:
    books = builtin_playbooks()
    assert set(books) == {"onboarding", "after-project", "complaint"}
    assert [(s.day, s.channel, s.purpose) for s in books["onboarding"].steps] == [
        (0, "email", "welcome"),
        (7, "call", "check-in"),
        (30, "coffee", "check-in"),
    ]
    assert books["onboarding"].steps[1].name == "how-is-it-going call"
    assert [(s.day, s.channel, s.purpose) for s in books["after-project"].steps] == [
        (2, "email", "thanks"),
        (30, "sms", "check-in"),
        (90, "coffee", "check-in"),
        (365, "email", "check-in"),
    ]
    assert [(s.day, s.channel, s.purpose) for s in books["complaint"].steps] == [
        (0, "call", "recovery"),
        (3, "email", "follow-up"),
        (14, "call", "check-in"),
    ]
    # every built-in passes the same validation as a user file
    for name, book in books.items():
        data = {
            "description": book.description,
            "steps": [asdict(step) for step in book.steps],
        }
        assert parse_playbook(data, f"{name}.toml") == book


def test_parse_a_user_toml() -> None:
    text = """
description = "For the best clients"

[[steps]]
day = 0
name = "handwritten card"
channel = "coffee"
purpose = "thanks"

[[steps]]
day = 10
name = "  call   back "
channel = "call"
"""
    book = parse_playbook(tomllib.loads(text), SOURCE)
    assert book == Playbook(
        "vip",
        "For the best clients",
        [Step(0, "handwritten card", "coffee", "thanks"), Step(10, "call back", "call")],
    )
    assert book.steps[1].purpose == "follow-up"
    named = parse_playbook({**tomllib.loads(text), "name": "gold"}, SOURCE)
    assert named.name == "gold"


GOOD_STEP: dict[str, Any] = {"day": 1, "name": "call", "channel": "call"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"steps": [GOOD_STEP, {**GOOD_STEP, "day": -1}]},
            "step 2: 'day' must be a whole number ≥ 0",
        ),
        ({"steps": [{**GOOD_STEP, "day": 1.5}]}, "step 1: 'day' must be a whole number ≥ 0"),
        ({"steps": [{**GOOD_STEP, "day": True}]}, "step 1: 'day' must be a whole number ≥ 0"),
        ({"steps": [{**GOOD_STEP, "day": "3"}]}, "step 1: 'day' must be a whole number ≥ 0"),
        ({"steps": [{"name": "x", "channel": "sms"}]}, "step 1: 'day' must be a whole number ≥ 0"),
        ({"steps": [{**GOOD_STEP, "day": 99999}]}, "step 1: 'day' must be at most 3660"),
        ({"steps": [{**GOOD_STEP, "name": " "}]}, "step 1: 'name' must be a non-empty string"),
        ({"steps": [{**GOOD_STEP, "name": 3}]}, "step 1: 'name' must be a non-empty string"),
        ({"steps": [{**GOOD_STEP, "channel": "fax"}]}, "step 1: 'channel' must be one of email"),
        ({"steps": [{**GOOD_STEP, "channel": "visit"}]}, "step 1: 'channel' must be one of"),
        ({"steps": [{**GOOD_STEP, "purpose": "sell"}]}, "step 1: 'purpose' must be one of"),
        ({"steps": [{**GOOD_STEP, "dya": 3}]}, "step 1: unknown key 'dya'"),
        ({"steps": ["call"]}, "step 1: must be a table"),
        ({"steps": []}, "needs at least one [[steps]] table"),
        ({}, "needs at least one [[steps]] table"),
        ({"steps": {"day": 1}}, "needs at least one [[steps]] table"),
        ({"step": [GOOD_STEP]}, "unknown key 'step'"),
        ({"name": "my vip", "steps": [GOOD_STEP]}, "'name' must be letters"),
        ({"name": "a/b", "steps": [GOOD_STEP]}, "'name' must be letters"),
        ({"description": 3, "steps": [GOOD_STEP]}, "'description' must be a string"),
    ],
)
def test_parse_errors_name_the_file_and_the_problem(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_playbook(data, SOURCE)
    text = str(info.value)
    assert text.startswith(f"{SOURCE}: ")
    assert message in text
    assert "\n" not in text


def test_default_name_from_an_unusable_file_stem_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'name' must be letters"):
        parse_playbook({"steps": [GOOD_STEP]}, "playbooks/my vip.toml")


def test_start_plans_each_step() -> None:
    planned = start(builtin_playbooks()["onboarding"], "ada", DAY)
    assert [(p.index, p.due, p.channel, p.purpose, p.step) for p in planned] == [
        (0, date(2026, 3, 2), "email", "welcome", "welcome email"),
        (1, date(2026, 3, 9), "call", "check-in", "how-is-it-going call"),
        (2, date(2026, 4, 1), "coffee", "check-in", "coffee"),
    ]
    assert all(p.started == DAY and p.playbook == "onboarding" for p in planned)
    assert len({p.key for p in planned}) == 3


def test_stop_returns_the_open_steps_of_that_run() -> None:
    onboarding = builtin_playbooks()["onboarding"]
    steps = start(onboarding, "ada", DAY)
    steps[0] = replace(steps[0], stopped=True)
    others = start(onboarding, "bob", DAY) + start(builtin_playbooks()["complaint"], "ada", DAY)
    keys = stop(steps + others, "ada", "onboarding", date(2026, 3, 20))
    assert keys == {steps[1].key, steps[2].key}
    assert stop(steps, "ada", "after-project", DAY) == set()
