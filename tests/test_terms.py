"""crm_cli.core.terms: the vocabulary is consistent, and what validates input follows it."""

from __future__ import annotations

import typing
from datetime import date

import pytest

from crm_cli.core import terms
from crm_cli.core.clientform import ClientInput, new_client
from crm_cli.core.models import Source, Touchpoint
from crm_cli.core.playbooks import parse_playbook
from crm_cli.core.settings import Settings, settings_from_dict
from crm_cli.errors import ConfigError, InvalidValue

TODAY = date(2026, 11, 23)


def test_the_words_fit_together() -> None:
    assert set(terms.REASONS) <= set(terms.PURPOSES)  # an item's reason is a draft purpose
    assert set(terms.REASONS) - {"check-in"} == terms.FIXED_REASONS
    assert set(terms.CONTACT_CHANNELS) <= set(terms.LOG_CHANNELS)
    assert set(terms.LOG_CHANNELS) - set(terms.CONTACT_CHANNELS) >= terms.NOT_A_CONTACT
    assert set(terms.SUBJECT_CHANNELS) <= set(terms.DRAFT_CHANNELS)
    assert terms.NO_CHANNEL not in terms.LOG_CHANNELS
    for words in (terms.LOG_CHANNELS, terms.PURPOSES, terms.LANGUAGES, terms.TIERS):
        assert len(set(words)) == len(words)


def test_source_kinds_are_the_type_of_a_plan_source() -> None:
    kind = typing.get_type_hints(Source)["kind"]
    assert typing.get_args(kind) == terms.SOURCE_KINDS


def test_template_grid_is_every_channel_purpose_and_language() -> None:
    grid = terms.template_grid()
    assert len(grid) == len(set(grid))
    assert len(grid) == len(terms.DRAFT_CHANNELS) * len(terms.PURPOSES) * len(terms.LANGUAGES)
    assert ("email", "check-in", "it") in grid


def test_choices() -> None:
    assert terms.choices(("a", "b", "c")) == "a, b or c"
    assert terms.choices(frozenset({"y", "x"})) == "x or y"
    assert terms.choices(("only",)) == "only"


def test_a_note_is_the_one_logged_channel_that_is_no_contact() -> None:
    for channel in terms.LOG_CHANNELS:
        touch = Touchpoint("t1", "ada", TODAY, channel)
        assert touch.is_contact is (channel not in terms.NOT_A_CONTACT)


@pytest.mark.parametrize("lang", terms.LANGUAGES)
def test_every_language_is_a_default_language(lang: str) -> None:
    assert settings_from_dict({"default_lang": lang}).default_lang == lang


def test_an_unknown_default_language_lists_the_vocabulary() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"default_lang": "fr"})
    assert (
        str(caught.value) == "config.toml: setting 'default_lang' must be one of it, en, not 'fr'"
    )


def test_a_client_takes_every_channel_tier_and_language() -> None:
    for channel in terms.CONTACT_CHANNELS:
        for tier in terms.TIERS:
            for lang in terms.LANGUAGES:
                inp = ClientInput(name="Ada Rossi", channel=channel, tier=tier, lang=lang)
                client, _ = new_client(inp, [], Settings(), TODAY)
                assert (client.channel, client.tier, client.lang) == (channel, tier, lang)
    with pytest.raises(InvalidValue) as caught:
        new_client(ClientInput(name="Ada Rossi", channel="fax"), [], Settings(), TODAY)
    assert str(caught.value) == "unknown channel 'fax': use one of email, sms, call, coffee"


def test_a_playbook_step_takes_every_channel_and_purpose() -> None:
    steps = [
        {"day": i, "name": f"step {i}", "channel": channel, "purpose": purpose}
        for i, (channel, purpose) in enumerate(
            (c, p) for c in terms.CONTACT_CHANNELS for p in terms.PURPOSES
        )
    ]
    book = parse_playbook({"name": "all", "description": "", "steps": steps}, "all.toml")
    assert [(s.channel, s.purpose) for s in book.steps] == [
        (s["channel"], s["purpose"]) for s in steps
    ]
    bad = {"day": 0, "name": "x", "channel": "email", "purpose": "gossip"}
    with pytest.raises(ConfigError) as caught:
        parse_playbook({"name": "bad", "description": "", "steps": [bad]}, "bad.toml")
    assert "'purpose' must be one of welcome, thanks, check-in, follow-up, reply" in str(
        caught.value
    )
