"""The scenario golden set: drafts of a hand-made book through the real ``crm draft``.

The book (``tests/scenario_book.py``) holds an ordinary client for every purpose x
language x register, each drafted on every channel, and the hard clients of issue 11
(a company with and without a contact person, a title, a family-name-first name, two
women, a child on a shared phone, a complaint last, a request waiting 11 days, a
twenty-year client on his anniversary, a client abroad, a landline-only elderly client).
Each scenario's draft, as ``crm draft`` shows it (links aside, its messages and any
error after it), is compared with ``tests/golden/scenarios/<name>.txt``. After a
deliberate change, regenerate them and read every one that changed:

    UPDATE_GOLDEN=1 pytest tests/test_draft_scenarios.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scenario_book import Rendered, ScenarioBook, grid_scenarios, render_all, scenarios

from crm_cli.core import terms

GOLDEN = Path(__file__).resolve().parent / "golden" / "scenarios"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NAMES = [s.name for s in scenarios()]


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScenarioBook, dict[str, Rendered]]:
    return render_all(tmp_path_factory.mktemp("scenarios"))


def test_the_set_is_large_and_names_are_unique() -> None:
    assert len(NAMES) >= 80
    assert len(set(NAMES)) == len(NAMES)


def test_the_grid_covers_every_purpose_channel_language_register() -> None:
    covered = {tuple(s.args[1::2]) + tuple(s.client.split("-")[-2:]) for s in grid_scenarios()}
    expected = {
        (purpose, channel, lang, register)
        for purpose in terms.PURPOSES
        for channel in terms.DRAFT_CHANNELS
        for lang in terms.LANGUAGES
        for register in terms.REGISTERS
    }
    assert covered == expected


def test_every_grid_draft_is_written(drafted: tuple[ScenarioBook, dict[str, Rendered]]) -> None:
    """An ordinary client has every premise and every address: no grid draft is refused."""
    _book, rendered = drafted
    refused = {
        s.name: rendered[s.name].stderr.strip()
        for s in grid_scenarios()
        if rendered[s.name].exit_code
    }
    assert refused == {}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("company-no-birthday-refused", "no birthday on file for Pasticceria Fratelli Rinaldi"),
        ("no-birthday-refused", "no birthday on file for Sara Fontana"),
        ("waiting-11-days-welcome-refused", "Paolo Ricci has been a client since 2024-02-02"),
        ("abroad-coffee-refused", "cannot draft coffee for Margaret Thompson: not local"),
        ("landline-elderly-sms-refused", "cannot draft sms for Giovanna Mazza"),
    ],
)
def test_refused_scenarios_say_why(
    drafted: tuple[ScenarioBook, dict[str, Rendered]], name: str, message: str
) -> None:
    _book, rendered = drafted
    result = rendered[name]
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith(f"Error: {message}"), result.stderr


def test_a_landline_client_is_invited_to_coffee_by_phone(
    drafted: tuple[ScenarioBook, dict[str, Rendered]],
) -> None:
    result = drafted[1]["landline-elderly-coffee-by-phone"]
    assert result.exit_code == 0, result.stderr
    assert result.is_call
    assert "caffè" in result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_golden(drafted: tuple[ScenarioBook, dict[str, Rendered]], name: str) -> None:
    text = drafted[1][name].golden
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path}: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == path.read_text(encoding="utf-8")
