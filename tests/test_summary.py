"""Tests for crm_cli.core.summary: the per-client digest of the history."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core.models import Touchpoint
from crm_cli.core.summary import (
    ClientSummary,
    OpenTouch,
    add_touchpoint,
    summarise,
    summarise_all,
)
from crm_cli.core.terms import LOG_CHANNELS

D0 = date(2026, 3, 2)  # a Monday
FAST = settings(max_examples=200, deadline=None)


def tp(
    seq: int, day: int, channel: str = "email", direction: str = "out", **kw: object
) -> Touchpoint:
    return Touchpoint(
        id=f"t{seq}",
        client_id=str(kw.pop("client_id", "c")),
        date=D0 + timedelta(days=day),
        channel=channel,
        direction=direction,
        **kw,  # type: ignore[arg-type]
    )


def ids(touches: list[OpenTouch]) -> list[str]:
    return [t.id for t in touches]


def test_empty_history() -> None:
    s = summarise("c", [])
    assert s == ClientSummary("c")
    assert (s.last_contact, s.last_out, s.count) == (None, None, 0)


@pytest.mark.parametrize(
    ("history", "requests", "incidents", "promises"),
    [
        # A reply answered the same day, logged after the request: closed.
        ([tp(1, 0, direction="in", needs_reply=True), tp(2, 0)], [], [], []),
        # The outbound logged before the request on the same day answers nothing.
        ([tp(1, 0), tp(2, 0, direction="in", needs_reply=True)], ["t2"], [], []),
        # Back-dated outbound (higher seq, earlier date) does not answer a later request.
        ([tp(2, 0, direction="in", needs_reply=True), tp(3, -1)], ["t2"], [], []),
        # A note is not a contact: it answers nothing, even "out".
        ([tp(1, 0, direction="in", needs_reply=True), tp(2, 1, "note")], ["t1"], [], []),
        # An inbound touchpoint never closes an incident.
        ([tp(1, 0, "call", "in", incident=True), tp(2, 1, "email", "in")], [], ["t1"], []),
        ([tp(1, 0, "call", "in", incident=True), tp(2, 1, "call")], [], [], []),
        # An outbound needs_reply is not a request.
        ([tp(1, 0, needs_reply=True)], [], [], []),
        # The promise-making touchpoint does not keep its own promise.
        ([tp(1, 0, follow_up=D0 + timedelta(days=7))], [], [], ["t1"]),
        ([tp(1, 0, follow_up=D0 + timedelta(days=7)), tp(2, 0)], [], [], []),
        # An outbound incident (e.g. a late delivery we told them about) stays open.
        ([tp(1, 0, incident=True)], [], ["t1"], []),
        # A meeting is an outbound contact too.
        ([tp(1, 0, "sms", "in", needs_reply=True), tp(2, 2, "meeting")], [], [], []),
    ],
)
def test_what_stays_open(
    history: list[Touchpoint], requests: list[str], incidents: list[str], promises: list[str]
) -> None:
    s = summarise("c", list(reversed(history)))  # any order in
    assert ids(s.open_requests) == requests
    assert ids(s.open_incidents) == incidents
    assert ids(s.open_promises) == promises


def test_last_contact_out_and_channels() -> None:
    history = [
        tp(1, 0, "email"),
        tp(2, 1, "call"),
        tp(3, 2, "sms", "in"),
        tp(4, 3, "note"),
        tp(5, 1, "coffee"),  # back-dated: same day as t2 but logged later
    ]
    s = summarise("c", history)
    assert s.last_contact == D0 + timedelta(days=2)  # the note on day 3 does not count
    assert s.last_out == D0 + timedelta(days=1)
    assert s.last_out_channels == ["coffee", "call"]
    assert s.count == 5


def test_open_touch_keeps_private_and_follow_up() -> None:
    s = summarise("c", [tp(1, 0, "sms", "in", needs_reply=True, private=True, note="secret")])
    assert s.open_requests == [OpenTouch("t1", D0, "sms", "secret", True, None)]


def test_summarise_all_groups_by_client() -> None:
    history = [tp(1, 0, client_id="a"), tp(2, 1, client_id="b"), tp(3, 2, client_id="a")]
    result = summarise_all(history)
    assert set(result) == {"a", "b"}
    assert result["a"].count == 2 and result["b"].count == 1


def test_dict_round_trip_is_json_ready() -> None:
    s = summarise(
        "c",
        [
            tp(1, 0, "email", "in", needs_reply=True, note="quote?"),
            tp(2, 1, "call", "in", incident=True, private=True),
            tp(3, 1, "note", follow_up=D0 + timedelta(days=9)),
        ],
    )
    data = json.loads(json.dumps(s.to_dict()))
    assert data["open_promises"][0]["follow_up"] == "2026-03-11"
    assert ClientSummary.from_dict(data) == s


def test_add_touchpoint_does_not_mutate() -> None:
    before = summarise("c", [tp(1, 0, "email", "in", needs_reply=True)])
    after = add_touchpoint(before, tp(2, 1))
    assert ids(before.open_requests) == ["t1"] and before.count == 1
    assert after.open_requests == [] and after.count == 2


# --------------------------------------------------------------------------- property

_touch = st.tuples(
    st.integers(0, 20),  # day
    st.sampled_from(LOG_CHANNELS),
    st.sampled_from(("in", "out")),
    st.booleans(),  # needs_reply
    st.booleans(),  # incident
    st.booleans(),  # private
    st.none() | st.integers(0, 30),  # follow-up offset
)


@FAST
@given(st.lists(_touch, max_size=25))
def test_incremental_equals_full_recompute(raw: list[tuple]) -> None:
    history = [
        tp(
            seq,
            day,
            channel,
            direction,
            needs_reply=needs,
            incident=incident,
            private=private,
            follow_up=None if fu is None else D0 + timedelta(days=day + fu),
        )
        for seq, (day, channel, direction, needs, incident, private, fu) in enumerate(raw, 1)
    ]
    ordered = sorted(history, key=lambda t: (t.date, t.seq))
    running = ClientSummary("c")
    for n, touch in enumerate(ordered, 1):
        running = add_touchpoint(running, touch)
        assert running == summarise("c", ordered[:n])
    assert running == summarise("c", history)
    assert ClientSummary.from_dict(running.to_dict()) == running


@FAST
@given(st.lists(_touch, max_size=25))
def test_backdated_logging_folds_exactly(raw: list[tuple]) -> None:
    """Touchpoints logged in id order with any dates (back-dating): the stored digest,
    updated one touchpoint at a time, always equals a fresh computation."""
    history = [
        tp(
            seq,
            day,
            channel,
            direction,
            needs_reply=needs,
            incident=incident,
            private=private,
            note=f"note {seq}",
            follow_up=None if fu is None else D0 + timedelta(days=day + fu),
        )
        for seq, (day, channel, direction, needs, incident, private, fu) in enumerate(raw, 1)
    ]
    running = ClientSummary("c")
    for n, touch in enumerate(history, 1):
        running = add_touchpoint(running, touch)
        assert running == summarise("c", history[:n])
    assert ClientSummary.from_dict(json.loads(json.dumps(running.to_dict()))) == running
