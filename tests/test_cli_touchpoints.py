"""The touchpoint commands: log and history."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm, book_bytes

from crm_cli.core.terms import LOG_CHANNELS


@pytest.fixture
def mario(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    return crm


def history(crm: Crm, client: str = "mario", *args: str) -> list[dict[str, Any]]:
    return json.loads(crm.ok("history", client, "--json", *args).stdout)


# --------------------------------------------------------------------------- log


def test_log_prints_the_touchpoint_id(mario: Crm) -> None:
    result = mario.ok("log", "mario", "call", "--date", FIXED_DATE)
    first = result.stdout.strip()
    assert (result.stdout, result.stderr) == (f"{first}\n", "")
    # Random and short enough to type: "t" and 8 lowercase base32 characters.
    assert re.fullmatch(r"t[a-z2-7]{8}", first) and not first[1:].isdigit()
    second = mario.log("mario", "email")
    assert second != first
    assert [t["id"] for t in history(mario)] == [second, first]


@pytest.mark.parametrize("channel", [*LOG_CHANNELS, "CALL", " Coffee "])
def test_every_channel_can_be_logged(mario: Crm, channel: str) -> None:
    mario.log("mario", channel)
    assert history(mario)[0]["channel"] == channel.strip().lower()


def test_unknown_channel(mario: Crm, home: Path) -> None:
    before = book_bytes(home)
    assert mario.fail("log", "mario", "fax") == (
        "unknown channel 'fax': use one of email, sms, call, coffee, meeting, visit, note"
    )
    assert book_bytes(home) == before


def test_log_with_every_option(mario: Crm) -> None:
    logged = mario.log(
        "mario@example",
        "email",
        "--in",
        "--date", "2026-11-20",
        "--note", "Asked for a quote",
        "--needs-reply",
        "--incident",
        "--private",
        "--follow-up", "2026-11-27",
        "--topic", "  the  quote ",
    )  # fmt: skip
    assert history(mario, "mario", "--include-private") == [
        {
            "channel": "email",
            "client_id": "mario-rossi",
            "date": "2026-11-20",
            "direction": "in",
            "follow_up": "2026-11-27",
            "id": logged,
            "incident": True,
            "needs_reply": True,
            "note": "Asked for a quote",
            "private": True,
            "topic": "the quote",
        }
    ]


def test_log_defaults(mario: Crm) -> None:
    result = mario.ok("log", "mario", "call")
    [tp] = history(mario)
    assert result.stdout == f"{tp['id']}\n"
    assert tp["date"] == date.today().isoformat()
    assert tp["direction"] == "out"
    assert tp["note"] is tp["follow_up"] is None
    assert tp["needs_reply"] is tp["incident"] is tp["private"] is False


def test_explicit_out_and_blank_note(mario: Crm) -> None:
    mario.log("mario", "sms", "--out", "--note", "   ")
    [tp] = history(mario)
    assert (tp["direction"], tp["note"]) == ("out", None)


def test_follow_up_is_relative_to_the_touchpoint(mario: Crm) -> None:
    mario.log("mario", "call", "--date", "2026-11-02", "--follow-up", "in 2 weeks")
    assert history(mario)[0]["follow_up"] == "2026-11-16"


def test_follow_up_before_the_touchpoint_is_refused(mario: Crm) -> None:
    assert mario.fail(
        "log", "mario", "call", "--date", FIXED_DATE, "--follow-up", "2026-11-01"
    ) == ("--follow-up 2026-11-01 is before the touchpoint's date")
    assert history(mario) == []


def test_needs_reply_requires_in(mario: Crm) -> None:
    message = mario.fail("log", "mario", "email", "--needs-reply", code=2)
    assert message == "--needs-reply marks a request from the client: add --in"
    assert history(mario) == []


def test_invalid_date(mario: Crm) -> None:
    message = mario.fail("log", "mario", "call", "--date", "someday")
    assert message.startswith("invalid date 'someday': use YYYY-MM-DD, DD/MM/YYYY,")
    assert history(mario) == []


def test_a_date_more_than_a_day_ahead_warns_but_is_logged(mario: Crm) -> None:
    ahead = (date.today() + timedelta(days=5)).isoformat()
    result = mario.ok("log", "mario", "call", "--date", ahead)
    assert result.stdout == f"{history(mario)[0]['id']}\n"
    assert result.stderr == f"Warning: {ahead} is in the future; logged as given\n"
    assert history(mario)[0]["date"] == ahead


def test_tomorrow_does_not_warn(mario: Crm) -> None:
    result = mario.ok("log", "mario", "call", "--date", "tomorrow")
    assert result.stderr == ""


def test_logging_to_a_do_not_contact_client_warns(crm: Crm) -> None:
    crm.add("Mario Rossi", "--do-not-contact")
    result = crm.ok("log", "mario", "call", "--date", FIXED_DATE)
    assert (result.stdout, result.stderr) == (
        f"{history(crm)[0]['id']}\n",
        "Warning: Mario Rossi asked not to be contacted\n",
    )
    assert crm.ok("log", "mario", "call", "--in", "--date", FIXED_DATE).stderr == ""


def test_a_note_of_100000_characters_is_stored_whole(mario: Crm) -> None:
    note = "".join(chr(0x41 + i % 26) for i in range(100_000))
    mario.log("mario", "note", "--note", note)
    assert history(mario)[0]["note"] == note


def test_notes_in_any_script_and_template_syntax_stay_literal(mario: Crm) -> None:
    note = "Zoë, Łukasz e 王芳 🎉 {{ 7*7 }} {% for x in y %}{{ x }}{% endfor %}"
    mario.log("mario", "meeting", "--note", note)
    assert history(mario)[0]["note"] == note
    assert "王芳 🎉 {{ 7*7 }} {% …" in mario.ok("history", "mario").stdout  # clipped at 80


# --------------------------------------------------------------------------- history


@pytest.fixture
def logged(mario: Crm) -> Crm:
    """Five touchpoints; ``T["t1"]``... are their ids, in the order they were logged."""
    T.clear()
    T["t1"] = mario.log("mario", "call", "--date", "2026-11-10", "--note", "first call")
    T["t2"] = mario.log(
        "mario", "email", "--date", "2026-11-20", "--in", "--needs-reply", "--note", "quote?"
    )
    T["t3"] = mario.log("mario", "note", "--date", "2026-11-10", "--note", "same day, logged later")
    T["t4"] = mario.log(
        "mario", "visit", "--date", "2026-11-01", "--private", "--note", "private matter"
    )
    T["t5"] = mario.log("mario", "coffee", "--date", "2026-11-20", "--follow-up", "2026-12-01")
    return mario


T: dict[str, str] = {}


def test_history_is_newest_first(logged: Crm) -> None:
    assert [(t["id"], t["date"]) for t in history(logged)] == [
        (T["t5"], "2026-11-20"),
        (T["t2"], "2026-11-20"),
        (T["t3"], "2026-11-10"),
        (T["t1"], "2026-11-10"),
        (T["t4"], "2026-11-01"),
    ]


def test_history_limit(logged: Crm) -> None:
    assert [t["id"] for t in history(logged, "mario", "--limit", "2")] == [T["t5"], T["t2"]]
    assert len(history(logged, "mario", "--limit", "99")) == 5


@pytest.mark.parametrize("limit", ["0", "-1", "two"])
def test_history_bad_limit_is_a_usage_error(logged: Crm, limit: str) -> None:
    message = logged.fail("history", "mario", "--limit", limit, code=2)
    assert "--limit" in message


def test_history_json_shape(logged: Crm) -> None:
    keys = {"id", "date", "channel", "direction", "note", "needs_reply", "incident"}
    keys |= {"private", "follow_up"}
    result = logged.ok("history", "mario", "--json")
    for tp in json.loads(result.stdout):
        assert keys <= set(tp)
        assert list(tp) == sorted(tp)
    assert "private matter" not in result.stdout
    private = [t for t in history(logged) if t["private"]]
    assert [t["note"] for t in private] == [None]
    private = [t for t in history(logged, "mario", "--include-private") if t["private"]]
    assert [t["note"] for t in private] == ["private matter"]


def test_history_table(logged: Crm) -> None:
    result = logged.ok("history", "mario")
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "ID         DATE        DIR  CHANNEL  NOTE                   FLAGS",
        f"{T['t5']}  2026-11-20  out  coffee                          follow up 2026-12-01",
        f"{T['t2']}  2026-11-20  in   email    quote?                 needs reply",
        f"{T['t3']}  2026-11-10  out  note     same day, logged lat…",
        f"{T['t1']}  2026-11-10  out  call     first call",
        f"{T['t4']}  2026-11-01  out  visit    private matter         private",
    ]


def test_history_of_a_client_without_touchpoints(mario: Crm) -> None:
    result = mario.ok("history", "mario")
    assert result.stdout == ""
    assert result.stderr == "no touchpoints with Mario Rossi yet\n"
    assert mario.ok("history", "mario", "--json").stdout == "[]\n"


def test_history_is_per_client(logged: Crm) -> None:
    logged.add("Anna Neri")
    anna = logged.log("anna", "call")
    assert [t["id"] for t in history(logged, "anna")] == [anna]
    assert anna not in {t["id"] for t in history(logged)}


def test_history_unknown_client(logged: Crm) -> None:
    assert logged.fail("history", "nobody") == "no client matches 'nobody'"
