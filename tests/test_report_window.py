"""The report reads a client's history from its window on: the same figures as reading it all.

``core.report`` skips the touchpoints before the period (or the monthly series, if that
starts earlier) except the last contact. These tests build random books and periods
and compare every figure with a walk over the whole history.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_cli.core import report as core_report
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.report import build_report, records_of
from crm_cli.core.settings import Settings

FIRST = date(2021, 1, 1)
LAST = date(2026, 12, 31)
CADENCES = [None, "2 weeks", "monthly", "quarterly", "every 10 days", "never"]


@st.composite
def books(draw: st.DrawFn) -> tuple[list[Client], list[Touchpoint]]:
    ids = count(1)
    names = [f"c{n}" for n in range(draw(st.integers(1, 6)))]
    clients = [
        Client(
            id=name,
            name=name.upper(),
            since=draw(st.dates(FIRST - timedelta(days=400), LAST)),
            tier=draw(st.sampled_from([None, "A", "B", "C"])),
            cadence=draw(st.sampled_from(CADENCES)),
            archived=draw(st.booleans()) and draw(st.booleans()),
        )
        for name in names
    ]
    tps = []
    for _ in range(draw(st.integers(0, 60))):
        direction = draw(st.sampled_from(["in", "out"]))
        tps.append(
            Touchpoint(
                id=f"t{next(ids)}",
                client_id=draw(st.sampled_from([*names, "gone"])),  # "gone": forgotten
                date=draw(st.dates(FIRST, LAST)),
                channel=draw(st.sampled_from(["email", "call", "sms", "coffee", "note"])),
                direction=direction,
                needs_reply=direction == "in" and draw(st.booleans()),
                handled=draw(st.integers(0, 7)) == 0,
                incident=draw(st.integers(0, 5)) == 0,
                thread=draw(st.sampled_from([None, None, "a", "b"])),
            )
        )
    return clients, tps


def _whole(records: list[Any], window: str, not_contacts: frozenset[str]) -> list[Any]:
    return records  # the reference: every touchpoint walked


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books(), end=st.dates(FIRST, LAST), length=st.integers(0, 900))
def test_the_window_gives_the_figures_of_the_whole_history(
    book: tuple[list[Client], list[Touchpoint]], end: date, length: int
) -> None:
    clients, tps = book
    start = max(end - timedelta(days=length), date(2020, 1, 1))
    figures = build_report(clients, records_of(tps), Settings(), start, end)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core_report, "_from_window", _whole)
        reference = build_report(clients, records_of(tps), Settings(), start, end)
    assert figures == reference


def test_a_window_keeps_the_last_contact_before_it_and_what_follows() -> None:
    day = date.fromisoformat
    records = [
        {"date": "2020-01-01", "channel": "call"},
        {"date": "2020-02-01", "channel": "email"},  # the last contact before the window
        {"date": "2020-03-01", "channel": "note"},
        {"date": "2024-01-01", "channel": "note"},
        {"date": "2024-02-01", "channel": "sms"},
    ]
    window = day("2023-12-01").isoformat()
    kept = core_report._from_window(records, window, frozenset({"note"}))
    assert kept == records[1:]
    # Nothing before the window: all of it; no contact before it: only the window's.
    assert core_report._from_window(records[3:], window, frozenset({"note"})) == records[3:]
    only_notes = [records[2], *records[3:]]
    assert core_report._from_window(only_notes, window, frozenset({"note"})) == records[3:]
