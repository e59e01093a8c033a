"""Playbooks: standard sequences of dated steps (onboarding, after a project...).

Starting a playbook for a client turns its steps into ``PlannedStep`` records,
which the scheduler shows as follow-ups on their day. User playbooks are TOML
files; this module validates the parsed dict (the CLI reads the file), so a
typo in a key is an error naming the file, never a silently ignored step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from crm_cli.core import terms
from crm_cli.core.models import PlannedStep
from crm_cli.errors import ConfigError

__all__ = [
    "Playbook",
    "Step",
    "builtin_playbooks",
    "parse_playbook",
    "start",
    "step_words",
    "stop",
]

MAX_DAY = 3660  # ten years: a larger day is almost certainly a typo
# The name goes into PlannedStep.key ("client/playbook/date/index") and onto the
# command line, so no slashes or spaces.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
_PLAYBOOK_KEYS = {"name", "description", "steps"}
_STEP_KEYS = {"day", "name", "channel", "purpose", "say"}


@dataclass(frozen=True)
class Step:
    day: int  # days after the start: 0 is the start day
    name: str
    channel: str  # one of terms.CONTACT_CHANNELS
    purpose: str = "follow-up"  # one of terms.PURPOSES
    # What the message is about, by language, said to the client after "Mi faccio
    # sentire per…" / "I'm getting in touch to…"; the name is only the user's label.
    say: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Playbook:
    name: str
    description: str
    steps: list[Step] = field(default_factory=list)


def _say(it: str, en: str) -> dict[str, str]:
    return {"it": it, "en": en}


def step_words(playbooks: Iterable[Playbook]) -> dict[tuple[str, str], dict[str, str]]:
    """What each step is about, by (playbook name in lower case, step name): for drafts."""
    return {
        (playbook.name.lower(), step.name): dict(step.say)
        for playbook in playbooks
        for step in playbook.steps
        if step.say
    }


def builtin_playbooks() -> dict[str, Playbook]:
    """The playbooks every user has; a user file with the same name replaces one."""
    playbooks = [
        Playbook(
            "onboarding",
            "A new client: welcome them, ask how it is going, then meet.",
            [
                Step(
                    0,
                    "welcome email",
                    "email",
                    "welcome",
                    _say(
                        "dare il benvenuto e fissare insieme i primi passi",
                        "welcome you and set out the first steps together",
                    ),
                ),
                Step(
                    7,
                    "how-is-it-going call",
                    "call",
                    "check-in",
                    _say(
                        "sapere come stanno andando le prime settimane",
                        "hear how the first weeks are going",
                    ),
                ),
                Step(
                    30,
                    "coffee",
                    "coffee",
                    "check-in",
                    _say(
                        "fare il punto sul primo mese di lavoro insieme",
                        "take stock of our first month working together",
                    ),
                ),
            ],
        ),
        Playbook(
            "after-project",
            "A project delivered: thank them, then stay in touch for a year.",
            [
                Step(
                    2,
                    "thank-you email",
                    "email",
                    "thanks",
                    _say(
                        "ringraziare per il lavoro fatto insieme",
                        "thank you for the work we did together",
                    ),
                ),
                Step(
                    30,
                    "how-is-it-going SMS",
                    "sms",
                    "check-in",
                    _say(
                        "sapere come va, a un mese dalla consegna",
                        "hear how things are going, a month after delivery",
                    ),
                ),
                Step(
                    90,
                    "coffee",
                    "coffee",
                    "check-in",
                    _say(
                        "sapere come va, a qualche mese dalla consegna",
                        "hear how things are going a few months on",
                    ),
                ),
                Step(
                    365,
                    "check-in",
                    "email",
                    "check-in",
                    _say(
                        "fare il punto a un anno dalla consegna",
                        "catch up, a year after we finished",
                    ),
                ),
            ],
        ),
        Playbook(
            "complaint",
            "A complaint: call the same day, follow up in writing, check it stayed fixed.",
            [
                Step(
                    0,
                    "recovery call",
                    "call",
                    "recovery",
                    _say(
                        "scusarmi di persona e capire come rimediare",
                        "apologise in person and see how to put things right",
                    ),
                ),
                Step(
                    3,
                    "follow-up email",
                    "email",
                    "follow-up",
                    _say(
                        "confermare per iscritto quello che abbiamo concordato",
                        "confirm in writing what we agreed",
                    ),
                ),
                Step(
                    14,
                    "check-in call",
                    "call",
                    "check-in",
                    _say(
                        "verificare che adesso sia tutto a posto",
                        "check that everything is now in order",
                    ),
                ),
            ],
        ),
    ]
    return {p.name: p for p in playbooks}


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table ([[steps]])")
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}' (known: {_choices(tuple(sorted(_STEP_KEYS)))})"
        )
    day = raw.get("day")
    # bool is an int in Python; "day = true" is a mistake, not day 1.
    if isinstance(day, bool) or not isinstance(day, int) or day < 0:
        raise ConfigError(f"{where}: 'day' must be a whole number ≥ 0")
    if day > MAX_DAY:
        raise ConfigError(f"{where}: 'day' must be at most {MAX_DAY} (ten years)")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' must be a non-empty string")
    channel = raw.get("channel")
    if channel not in terms.CONTACT_CHANNELS:
        raise ConfigError(f"{where}: 'channel' must be one of {_choices(terms.CONTACT_CHANNELS)}")
    purpose = raw.get("purpose", "follow-up")
    if purpose not in terms.PURPOSES:
        raise ConfigError(f"{where}: 'purpose' must be one of {_choices(terms.PURPOSES)}")
    say = raw.get("say", {})
    if not isinstance(say, dict) or any(
        lang not in terms.LANGUAGES or not isinstance(text, str) or not text.strip()
        for lang, text in say.items()
    ):
        raise ConfigError(
            f"{where}: 'say' must be a table of texts by language "
            f'({_choices(terms.LANGUAGES)}), e.g. say = {{ it = "…", en = "…" }}'
        )
    words = {lang: " ".join(text.split()) for lang, text in say.items()}
    return Step(day, " ".join(name.split()), channel, purpose, words)


def parse_playbook(data: dict[str, Any], source: str) -> Playbook:
    """A user playbook from its parsed TOML; ``source`` is the file, for messages and the name."""
    unknown = sorted(set(data) - _PLAYBOOK_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key '{unknown[0]}' (known: description, name, steps)")
    name = data.get("name", PurePath(source).stem)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{source}: 'name' must be letters, digits, '-', '_' or '.', "
            f"without spaces (got {name!r})"
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{source}: 'description' must be a string")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ConfigError(f"{source}: needs at least one [[steps]] table")
    steps = [_step(raw, f"{source}: step {n}") for n, raw in enumerate(raw_steps, start=1)]
    return Playbook(name, description.strip(), steps)


def start(playbook: Playbook, client_id: str, start: date) -> list[PlannedStep]:
    """The playbook's steps for one client, each due ``day`` days after ``start``."""
    return [
        PlannedStep(
            client_id=client_id,
            playbook=playbook.name,
            step=step.name,
            index=index,
            due=start + timedelta(days=step.day),
            channel=step.channel,
            purpose=step.purpose,
            started=start,
        )
        for index, step in enumerate(playbook.steps)
    ]


def stop(steps: list[PlannedStep], client_id: str, playbook_name: str, today: date) -> set[str]:
    """Keys of the steps to stop: every not-yet-stopped step of that client's runs.

    Past-due steps are stopped too, or they would keep coming due. ``today`` is
    unused: a step is open or stopped whatever the date (kept for the CLI's API).
    """
    del today
    return {
        s.key
        for s in steps
        if s.client_id == client_id and s.playbook == playbook_name and not s.stopped
    }
