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


# --------------------------------------------------------------------------- said to the client


def test_no_built_in_step_name_reaches_a_client() -> None:
    """Every built-in step, on every channel and language: the draft says what the step is
    about (``say``), never its internal name; a call sheet names it only on its Why line."""
    from datetime import date

    from crm_cli.core.drafting.context import sample_client
    from crm_cli.core.drafting.render import compose
    from crm_cli.core.models import PlannedStep, Source
    from crm_cli.core.playbooks import builtin_playbooks, step_words
    from crm_cli.core.scheduler import Item
    from crm_cli.core.settings import Settings
    from crm_cli.userfiles.templates import builtin_lookup

    today = date(2026, 11, 23)
    playbooks = builtin_playbooks()
    words = step_words(playbooks.values())
    settings = Settings(my_name="Chiara Lombardi", signature="Chiara", city="Bologna")
    for playbook in playbooks.values():
        for index, step in enumerate(playbook.steps):
            assert set(step.say) == {"it", "en"}, (playbook.name, step.name)
            planned = PlannedStep("lucia-ferretti", playbook.name, step.name, index, today,
                                  step.channel, "follow-up", today)  # fmt: skip
            item = Item("lucia-ferretti", "Lucia Ferretti", "follow-up", step.channel, today, 0,
                        False, f"{playbook.name}: {step.name}", 0.0,
                        Source("step", planned.key), "follow-up", "", planned)  # fmt: skip
            for lang in ("it", "en"):
                client, tps = sample_client(True, lang)
                for channel in ("email", "sms", "coffee", "call"):
                    draft = compose(client, tps, item, settings, today, builtin_lookup(),
                                    channel=channel, purpose="follow-up",
                                    step_words=words)  # fmt: skip
                    text = draft.text
                    assert step.say[lang] in text, (channel, lang, step.name)
                    if channel == "call":
                        text = "\n".join(
                            line for line in text.splitlines()
                            if not line.startswith(("Why:", "Perché:", "Agenda:"))
                        )  # fmt: skip
                    assert f"[{step.name}]" not in text and step.name not in text.replace(
                        "coffee", ""
                    ).replace("check-in", ""), (channel, lang, step.name, text)


def test_a_user_step_may_say_what_it_is_about() -> None:
    playbook = parse_playbook(
        {"steps": [{"day": 0, "name": "kick-off", "channel": "email",
                    "say": {"it": "fissare il primo incontro", "en": "set our first meeting"}}]},
        "playbooks/retainer.toml",
    )  # fmt: skip
    assert playbook.steps[0].say == {
        "it": "fissare il primo incontro",
        "en": "set our first meeting",
    }
    with pytest.raises(ConfigError, match="'say' must be a table of texts by language"):
        parse_playbook(
            {"steps": [{"day": 0, "name": "x", "channel": "email", "say": {"fr": "bonjour"}}]},
            "playbooks/bad.toml",
        )
