"""crm's vocabulary, defined once: channels, reasons, purposes, tiers, languages, registers.

Help texts, validation, template lookup and the tests' grids all derive from
these tuples. Adding a channel means one line here, its templates and its tests.
This module imports nothing, so the lightest command can use it.
"""

from __future__ import annotations

from typing import Final

# -- channels ---------------------------------------------------------------

CONTACT_CHANNELS: Final = ("email", "sms", "call", "coffee")
"""Ways to reach a client: a client may prefer one, the plan suggests one,
and each has its own drafts (the template folders are named after them)."""

LOG_CHANNELS: Final = (*CONTACT_CHANNELS, "meeting", "visit", "note")
"""What a touchpoint may be logged as. ``note`` is not a contact."""

NOT_A_CONTACT: Final = frozenset({"note"})
"""Logged channels that never count as having been in touch."""

DRAFT_CHANNELS: Final = CONTACT_CHANNELS
"""Channels that have templates (one folder each under ``templates/``)."""

SUBJECT_CHANNELS: Final = ("email", "coffee")
"""Draft channels whose templates have a ``subject`` block (sent as an email)."""

NO_CHANNEL: Final = "none"
"""What the plan says when a client cannot be reached on any channel."""

# -- the plan ---------------------------------------------------------------

REASONS: Final = ("reply", "recovery", "follow-up", "birthday", "check-in", "anniversary")
"""Why a client is in the plan, most urgent kind first (the order ranks the plan)."""

NUDGES: Final = ("awaiting",)
"""Low-urgency reasons, ranked after every reason and never drafted for: ``awaiting``
is an email of yours (captured from mail) still unanswered after ``awaiting_after`` days."""

PLAN_REASONS: Final = (*REASONS, *NUDGES)
"""Every reason an item of the plan can have, in the order that ranks the plan."""

FIXED_REASONS: Final = frozenset(REASONS) - {"check-in"}
"""Reasons tied to a date: the agenda never moves them to level the days."""

PURPOSES: Final = (
    "welcome",
    "thanks",
    "check-in",
    "follow-up",
    "reply",
    "recovery",
    "birthday",
    "anniversary",
)
"""What a draft is for. Every reason is a purpose; ``welcome`` and ``thanks``
are only chosen by hand or by a playbook step."""

SOURCE_KINDS: Final = ("touchpoint", "step")
"""What a plan item can come from: a logged touchpoint, or a playbook step."""

# -- clients ----------------------------------------------------------------

TIERS: Final = ("A", "B", "C")
DIRECTIONS: Final = ("in", "out")

LANGUAGES: Final = ("it", "en")
"""Languages of the built-in templates (a template's name ends with one)."""

REGISTERS: Final = ("formal", "informal")
"""Italian Lei or tu, English "Dear" or "Hi": each template is written for both."""

GENDERS: Final = ("f", "m", "x")
"""A client's or the user's gender, for Italian agreement only (unknown when unset):
``x`` asks for sentences that need no gendered form."""


CLEARABLE: Final = (
    "company",
    "city",
    "channel",
    "tier",
    "every",
    "birthday",
    "lang",
    "formal",
    "note",
    "private-note",
    "prefers",
    "likes",
    "first-name",
    "salutation",
    "gender",
    "contact-person",
    "tags",
    "emails",
    "phones",
)
"""What ``crm edit --clear`` empties (option names: ``every`` is the cadence)."""


def choices(values: tuple[str, ...] | frozenset[str]) -> str:
    """``a, b or c``: the values as a help text or an error message lists them."""
    items = list(values) if isinstance(values, tuple) else sorted(values)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def template_grid() -> list[tuple[str, str, str]]:
    """Every built-in template as (channel, purpose, language): the tests' grid."""
    return [(c, p, lang) for c in DRAFT_CHANNELS for p in PURPOSES for lang in LANGUAGES]
