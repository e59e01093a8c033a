"""Tests for crm_cli.interchange.ics, read back with an independent parser (vobject)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import vobject

from crm_cli.core.models import Source
from crm_cli.core.scheduler import Item
from crm_cli.interchange.ics import agenda_ics, coffee_ics, item_uid

GENERATED = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
MON = date(2026, 3, 2)


def item(**kw: Any) -> Item:
    values: dict[str, Any] = {
        "client_id": "ada",
        "client": "Ada Zoë, Rossi",
        "reason": "reply",
        "channel": "email",
        "due": MON,
        "overdue_days": 0,
        "neglected": False,
        "detail": '"Quote; by Friday?" — waiting 2 days\nsecond line',
        "urgency": 2.0,
        "source": Source("touchpoint", "t12"),
        "purpose": "reply",
    }
    values.update(kw)
    return Item(**values)


def parse(data: bytes) -> Any:
    assert isinstance(data, bytes)
    return vobject.readOne(data.decode("utf-8"))


def test_agenda_events_read_back() -> None:
    reply = item()
    check_in = item(client_id="bo", client="Bo", reason="check-in", source=None, due=MON)
    days = [(MON, [reply]), (MON + timedelta(days=1), [check_in]), (MON + timedelta(days=2), [])]
    cal = parse(agenda_ics(days, GENERATED))
    assert cal.version.value == "2.0"
    assert cal.prodid.value == "-//crm//crm-cli//EN"
    events = cal.vevent_list
    assert len(events) == 2
    first, second = events
    assert first.dtstart.value == MON and not isinstance(first.dtstart.value, datetime)
    assert first.dtstart.params.get("VALUE") == ["DATE"]
    assert first.summary.value == "reply: Ada Zoë, Rossi (email)"
    assert first.description.value == reply.detail
    assert first.dtstamp.value == GENERATED
    assert first.uid.value == item_uid(reply) and first.uid.value.endswith("@crm")
    # a check-in is placed on the agenda day, which may be after its due date
    assert second.dtstart.value == MON + timedelta(days=1)
    assert second.summary.value == "check-in: Bo (email)"


def test_uids_are_stable_and_distinct() -> None:
    assert item_uid(item()) == item_uid(
        item(detail="changed", channel="sms", due=MON + timedelta(1))
    )
    assert item_uid(item()) != item_uid(item(source=Source("touchpoint", "t13")))
    assert item_uid(item()) != item_uid(item(client_id="bo"))
    # one check-in per client: a re-planned check-in moves the same event
    check_in = item(reason="check-in", source=None)
    assert item_uid(check_in) == item_uid(replace(check_in, due=MON + timedelta(days=30)))
    # one birthday a year
    bday = item(reason="birthday", source=None)
    assert item_uid(bday) != item_uid(replace(bday, due=date(2027, 3, 2)))


def test_uids_are_those_of_earlier_exports() -> None:
    # Calendars already hold events under these UIDs: a new export must update them.
    step = Source("step", "ada/onboarding/2026-02-23/1")
    assert item_uid(item()) == "da168f24c26cf07707df68c51aea32e257d431cf@crm"
    assert item_uid(item(reason="follow-up", source=step)) == (
        "da31bfadeb162316eaecd81e1fbd147a8d336c74@crm"
    )
    assert item_uid(item(reason="check-in", source=None)) == (
        "0bf79b16a760b09f9e18be8bbcaa94ddc2d0781c@crm"
    )
    assert item_uid(item(reason="birthday", source=None)) == (
        "5c46907fded908b781a7400df7f5501fb981c842@crm"
    )


def test_reexport_is_identical_but_for_the_stamp() -> None:
    days = [(MON, [item()])]
    first = parse(agenda_ics(days, GENERATED)).vevent
    later = parse(agenda_ics(days, GENERATED + timedelta(hours=1))).vevent
    assert first.uid.value == later.uid.value
    assert int(later.sequence.value) > int(first.sequence.value)


def test_empty_agenda_is_a_valid_calendar() -> None:
    cal = parse(agenda_ics([(MON, [])], GENERATED))
    assert "vevent" not in cal.contents


def _coffee(start: datetime, email: str | None = "ada@example.com", **kw: Any) -> Any:
    args: dict[str, Any] = {
        "client_name": "Ada Rossi",
        "email": email,
        "start": start,
        "minutes": 30,
        "organizer_name": "Chiara Lombardi",
        "organizer_email": "chiara@example.com",
        "uid_seed": "ada/coffee/2026-03-05",
        "summary": "Coffee with Ada",
        "description": "A coffee at Bar Zanarini?",
        "generated": GENERATED,
    }
    args.update(kw)
    return parse(coffee_ics(**args)).vevent


def test_coffee_proposal_in_floating_time() -> None:
    event = _coffee(datetime(2026, 3, 5, 9, 30))
    assert event.status.value == "TENTATIVE"
    assert event.dtstart.value == datetime(2026, 3, 5, 9, 30)
    assert event.dtstart.value.tzinfo is None  # floating: 09:30 wherever both are
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=30)
    assert event.summary.value == "Coffee with Ada"
    assert event.description.value == "A coffee at Bar Zanarini?"
    assert event.organizer.value == "mailto:chiara@example.com"
    assert event.organizer.params["CN"] == ["Chiara Lombardi"]
    assert event.attendee.value == "mailto:ada@example.com"
    assert event.attendee.params["CN"] == ["Ada Rossi"]
    assert event.uid.value == _coffee(datetime(2026, 3, 6, 10, 0)).uid.value
    assert event.dtstamp.value == GENERATED


def test_coffee_with_an_aware_start_is_written_in_utc() -> None:
    rome = timezone(timedelta(hours=1))
    event = _coffee(datetime(2026, 3, 5, 9, 30, tzinfo=rome))
    assert event.dtstart.value == datetime(2026, 3, 5, 8, 30, tzinfo=UTC)


def test_coffee_without_email_or_organizer() -> None:
    event = _coffee(datetime(2026, 3, 5, 9, 30), email=None, organizer_email="")
    assert "attendee" not in event.contents and "organizer" not in event.contents


def test_coffee_rejects_a_non_positive_duration() -> None:
    with pytest.raises(ValueError):
        _coffee(datetime(2026, 3, 5, 9, 30), minutes=0)


def test_no_method_in_a_proposal() -> None:
    data = coffee_ics(
        "Ada",
        None,
        datetime(2026, 3, 5, 9, 30),
        30,
        "",
        "",
        "seed",
        "Coffee",
        "",
        generated=GENERATED,
    )
    assert b"METHOD" not in data
