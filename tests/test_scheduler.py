"""Tests for crm_cli.core.scheduler: what comes due, in which order, on which channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core import terms
from crm_cli.core.dates import birthday_in_year, parse_cadence
from crm_cli.core.models import Client, PlannedStep, Snooze, Source, Touchpoint
from crm_cli.core.scheduler import (
    LAPSE_DAYS,
    BookView,
    Hint,
    Item,
    PlanIndex,
    agenda,
    build_index,
    index_candidates,
    items_for_client,
    next_items,
    plan_day,
    screen,
    upcoming,
    update_index,
)
from crm_cli.core.settings import Settings
from crm_cli.core.summary import summarise_all
from crm_cli.core.terms import REASONS
from crm_cli.errors import InvalidValue

MON = date(2026, 3, 2)
TODAY = date(2026, 3, 4)  # a Wednesday
SETTINGS = Settings(city="Bologna")
FAST = settings(max_examples=100, deadline=None)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def client(cid: str = "ada", **kw: Any) -> Client:
    """A reachable client with no check-ins, birthday or anniversary near TODAY."""
    values: dict[str, Any] = {
        "name": cid.title(),
        "since": date(2025, 9, 15),
        "emails": [f"{cid}@example.com"],
        "channel": "email",
        "cadence": "never",
    }
    values.update(kw)
    return Client(id=cid, **values)


_seq = iter(range(1, 10**9))


def tp(
    day: date, channel: str = "email", direction: str = "out", cid: str = "ada", **kw: Any
) -> Touchpoint:
    """A touchpoint; ``seq`` grows with each call, like ids given by the store."""
    return Touchpoint(f"t{next(_seq)}", cid, day, channel, direction, **kw)


def view(
    clients: Sequence[Client],
    touchpoints: Sequence[Touchpoint] = (),
    snoozes: Sequence[Snooze] = (),
    steps: Sequence[PlannedStep] = (),
) -> BookView:
    return BookView(
        list(clients),
        summarise_all(touchpoints),
        {s.client_id: s for s in snoozes},
        list(steps),
    )


def due(
    clients: Sequence[Client] | Client,
    touchpoints: Sequence[Touchpoint] = (),
    today: date = TODAY,
    cfg: Settings = SETTINGS,
    **kw: Any,
) -> list[Item]:
    if isinstance(clients, Client):
        clients = [clients]
    return plan_day(view(clients, touchpoints, **kw), cfg, today)


def only(items: list[Item]) -> Item:
    assert len(items) == 1, items
    return items[0]


# --------------------------------------------------------------------------- reply


def test_reply_due_on_arrival_with_quote_and_channel() -> None:
    item = only(due(client(), [tp(TODAY, "email", "in", needs_reply=True, note="Quote?")]))
    assert (item.reason, item.due, item.overdue_days, item.channel) == ("reply", TODAY, 0, "email")
    assert item.detail == '"Quote?" — arrived today'
    assert item.purpose == "reply"
    assert item.source is not None and item.source.kind == "touchpoint"
    assert item.quoted == '"Quote?"'


def test_reply_waiting_and_past_window() -> None:
    item = only(due(client(), [tp(MON - days(3), "email", "in", needs_reply=True, note="x")]))
    assert "waiting 5 days" in item.detail
    assert "past the 1 working day reply window" in item.detail
    # due on arrival (Fri 27 Feb), late from the end of the window (Mon 2 Mar)
    assert (item.due, item.overdue_days) == (date(2026, 2, 27), 2)


@pytest.mark.parametrize(
    ("arrived", "today", "late"),
    [
        (date(2026, 3, 6), date(2026, 3, 9), False),  # Fri -> Mon: one working day
        (date(2026, 3, 6), date(2026, 3, 10), True),
        (date(2026, 3, 7), date(2026, 3, 9), False),  # Saturday -> Monday
        (MON, MON + days(1), False),
        (MON, MON + days(2), True),
    ],
)
def test_reply_window_counts_working_days(arrived: date, today: date, late: bool) -> None:
    item = only(due(client(), [tp(arrived, "email", "in", needs_reply=True)], today=today))
    assert ("past the" in item.detail) is late
    assert (item.overdue_days > 0) is late
    assert item.due == arrived


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # answered on the same day, logged after the request
        (lambda: [tp(TODAY, "email", "in", needs_reply=True), tp(TODAY)], 0),
        # the outbound logged before the request on that day answers nothing
        (lambda: [tp(TODAY), tp(TODAY, "email", "in", needs_reply=True)], 1),
        # a note is not an answer
        (lambda: [tp(MON, "email", "in", needs_reply=True), tp(TODAY, "note")], 1),
        # nor is another inbound message
        (lambda: [tp(MON, "email", "in", needs_reply=True), tp(TODAY, "email", "in")], 1),
    ],
)
def test_reply_cleared_only_by_a_later_outbound(history: Any, expected: int) -> None:
    assert len([i for i in due(client(), history()) if i.reason == "reply"]) == expected


def test_private_request_is_not_quoted() -> None:
    item = only(
        due(client(), [tp(MON, "sms", "in", needs_reply=True, private=True, note="divorce")])
    )
    assert item.detail.startswith("(private request)")
    assert "divorce" not in item.detail


@pytest.mark.parametrize(
    ("came_in", "fields", "channel"),
    [
        ("sms", {"mobiles": ["+393331234567"], "phones": ["+393331234567"]}, "sms"),
        ("sms", {"mobiles": ["+393331234567"], "sms_consent": False}, "email"),
        ("call", {"phones": ["+39051123456"]}, "call"),
        ("visit", {"phones": ["+39051123456"], "channel": "call"}, "call"),
        ("meeting", {}, "email"),
        ("email", {"email_consent": False, "phones": ["+39051123456"]}, "call"),
    ],
)
def test_reply_goes_back_where_it_came_from(came_in: str, fields: dict, channel: str) -> None:
    item = only(due(client(**fields), [tp(TODAY, came_in, "in", needs_reply=True)]))
    assert item.channel == channel


# --------------------------------------------------------------------------- recovery


def test_recovery_due_next_day_by_call() -> None:
    c = client(phones=["+39051123456"])
    history = [tp(TODAY - days(1), "email", "in", incident=True, note="late delivery")]
    item = only(due(c, history))
    assert (item.reason, item.due, item.channel) == ("recovery", TODAY, "call")
    assert item.detail == 'incident on 2026-03-03: "late delivery"'
    assert due(c, history, today=TODAY - days(1)) == []  # not yet due on the day itself


def test_recovery_survives_an_inbound_and_falls_back_to_email() -> None:
    history = [tp(MON, "call", "in", incident=True), tp(TODAY, "email", "in")]
    item = only(due(client(), history))
    assert (item.reason, item.channel, item.overdue_days) == ("recovery", "email", 1)


def test_recovery_cleared_by_outbound_and_window_setting() -> None:
    assert due(client(), [tp(MON, "call", "in", incident=True), tp(TODAY, "sms")]) == []
    same_day = Settings(city="Bologna", recover_within=0)
    item = only(due(client(), [tp(TODAY, "call", "in", incident=True)], cfg=same_day))
    assert item.due == TODAY


# --------------------------------------------------------------------------- follow-up


def test_promise_due_on_its_date_and_kept_until_a_later_outbound() -> None:
    promise = tp(MON, "call", note="send the quote", follow_up=TODAY)
    item = only(due(client(), [promise]))
    assert (item.reason, item.due, item.source) == (
        "follow-up",
        TODAY,
        Source("touchpoint", promise.id),
    )
    assert item.detail == 'promised on 2026-03-02: "send the quote"'
    assert due(client(), [promise], today=TODAY - days(1)) == []
    assert due(client(), [promise, tp(MON + days(1))]) == []


def test_promise_not_kept_by_an_earlier_outbound_on_the_same_day() -> None:
    history = [tp(MON), tp(MON, "call", "in", follow_up=TODAY)]
    assert only(due(client(), history)).reason == "follow-up"


def _step(cid: str = "ada", due_on: date = TODAY, **kw: Any) -> PlannedStep:
    values: dict[str, Any] = {
        "client_id": cid,
        "playbook": "onboarding",
        "step": "how-is-it-going call",
        "index": 1,
        "due": due_on,
        "channel": "call",
        "purpose": "check-in",
        "started": due_on - days(7),
    }
    values.update(kw)
    return PlannedStep(**values)


def test_playbook_step_is_a_follow_up() -> None:
    step = _step()
    item = only(due(client(phones=["+39051123456"]), steps=[step]))
    assert (item.reason, item.channel, item.purpose) == ("follow-up", "call", "check-in")
    assert item.detail == "onboarding: how-is-it-going call"
    assert item.source == Source("step", step.key)
    assert item.step is step


@pytest.mark.parametrize(
    ("step", "history", "expected"),
    [
        (_step(stopped=True), [], 0),
        (_step(), [lambda: tp(TODAY)], 0),  # outbound on the due day: done
        (_step(due_on=MON), [lambda: tp(TODAY, "sms")], 0),  # outbound after: done
        (_step(), [lambda: tp(MON)], 1),  # outbound before the due day: not done
        (_step(), [lambda: tp(TODAY, "note")], 1),
        (_step(client_id="other"), [], 0),
    ],
)
def test_playbook_step_closing(step: PlannedStep, history: list, expected: int) -> None:
    items = due(client(), [make() for make in history], steps=[step])
    assert len([i for i in items if i.reason == "follow-up"]) == expected


def test_step_channel_not_allowed_falls_back() -> None:
    item = only(due(client(), steps=[_step()]))  # no phone on file
    assert item.channel == "email"


# --------------------------------------------------------------------------- birthday


@pytest.mark.parametrize(
    ("birthday", "today", "expected_due"),
    [
        ("--03-04", TODAY, TODAY),
        ("1986-03-04", TODAY, TODAY),
        ("--02-29", date(2027, 2, 28), date(2027, 2, 28)),  # non-leap year
        ("--02-29", date(2028, 2, 29), date(2028, 2, 29)),
        ("--02-29", date(2028, 2, 28), None),
        ("--02-26", TODAY, date(2026, 2, 26)),  # 6 days ago: still shown
        ("--02-25", TODAY, None),  # 7 days ago: lapsed
        ("--12-30", date(2027, 1, 2), date(2026, 12, 30)),  # across new year
        ("--03-05", TODAY, None),  # tomorrow
    ],
)
def test_birthday(birthday: str, today: date, expected_due: date | None) -> None:
    items = due(client(birthday=birthday), today=today)
    if expected_due is None:
        assert items == []
    else:
        item = only(items)
        assert (item.reason, item.due, item.purpose) == ("birthday", expected_due, "birthday")


def test_birthday_says_age_and_prefers_sms() -> None:
    c = client(birthday="1986-03-04", mobiles=["+393331234567"], phones=["+393331234567"])
    item = only(due(c))
    assert item.channel == "sms"
    assert item.detail == "birthday on 2026-03-04, turns 40"


@pytest.mark.parametrize(("contact_day", "expected"), [(TODAY - days(1), 0), (MON, 1)])
def test_birthday_cleared_by_outbound_that_day(contact_day: date, expected: int) -> None:
    items = due(client(birthday="--03-03"), [tp(MON - days(30)), tp(contact_day)])
    assert len(items) == expected


# --------------------------------------------------------------------------- anniversary


@pytest.mark.parametrize(
    ("since", "today", "detail"),
    [
        (date(2023, 3, 4), TODAY, "3 years as a client (since 2023-03-04)"),
        (date(2025, 3, 4), TODAY, "1 year as a client (since 2025-03-04)"),
        (date(2026, 3, 4), TODAY, None),  # the first day is not an anniversary
        (date(2020, 2, 29), date(2027, 2, 28), "7 years as a client (since 2020-02-29)"),
        (date(2023, 2, 25), TODAY, None),  # 7 days ago: lapsed
        (date(2023, 2, 26), TODAY, "3 years as a client (since 2023-02-26)"),
    ],
)
def test_anniversary(since: date, today: date, detail: str | None) -> None:
    items = due(client(since=since), [tp(since)], today=today)
    if detail is None:
        assert items == []
    else:
        assert only(items).detail == detail


def test_anniversary_cleared_by_outbound_on_the_day() -> None:
    assert due(client(since=date(2023, 3, 2)), [tp(MON)]) == []


def test_long_standing_clients_get_more_care() -> None:
    local = {"city": "Bologna", "phones": ["+39051123456"]}
    old = client("zeno", since=date(2016, 3, 4), **local)
    new = client("anna", since=date(2024, 3, 4), **local)
    items = due([new, old])
    assert [(i.client_id, i.channel) for i in items] == [("zeno", "coffee"), ("anna", "email")]


# --------------------------------------------------------------------------- check-in


@pytest.mark.parametrize(("tier", "weeks"), [("A", 4), ("B", 8), ("C", 12), (None, 8)])
def test_tier_cadence_counts_from_last_contact(tier: str | None, weeks: int) -> None:
    c = client(tier=tier, cadence=None)
    last = TODAY - timedelta(weeks=weeks)
    item = only(due(c, [tp(last)]))
    assert (item.reason, item.due, item.overdue_days) == ("check-in", TODAY, 0)
    assert due(c, [tp(last + days(1))]) == []


def test_own_cadence_beats_tier_and_inbound_counts_but_notes_do_not() -> None:
    c = client(tier="C", cadence="2 weeks")
    assert only(due(c, [tp(TODAY - days(14), "sms", "in")])).due == TODAY
    item = only(due(c, [tp(TODAY - days(16)), tp(TODAY - days(1), "note")]))
    assert item.overdue_days == 2
    assert "last contact 2026-02-16 (16 days ago), cadence 2 weeks" in item.detail


def test_check_in_counts_from_since_without_contacts() -> None:
    item = only(due(client(since=TODAY - days(10), cadence="10 days")))
    assert item.due == TODAY and "no contact yet" in item.detail


def test_rrule_cadence() -> None:
    # first Monday of the month: last contact 10 Feb -> due Mon 2 March
    c = client(cadence="RRULE:FREQ=MONTHLY;BYDAY=1MO")
    item = only(due(c, [tp(date(2026, 2, 10))]))
    assert (item.due, item.overdue_days) == (MON, 2)
    assert item.urgency == pytest.approx(2 / parse_cadence(c.cadence or "").approx_days())


def test_never_cadence() -> None:
    assert due(client(cadence="never", since=date(2000, 6, 1))) == []


@pytest.mark.parametrize(
    ("fields", "channels", "expected"),
    [
        ({"city": "bológna"}, ["email", "email"], "coffee"),  # folded city
        ({"tags": ["Local"]}, ["call", "call"], "coffee"),
        ({"city": "Milano"}, ["email", "email"], "email"),  # not local
        ({"city": "Bologna"}, ["email", "call"], "email"),  # not the same channel
        ({"city": "Bologna"}, ["coffee", "coffee"], "email"),  # already two coffees
        ({"city": "Bologna"}, ["email"], "email"),  # only one outbound
    ],
)
def test_coffee_after_two_same_channel_check_ins(
    fields: dict, channels: list[str], expected: str
) -> None:
    c = client(cadence="4 weeks", **fields)
    start = TODAY - days(40)
    history = [tp(start + days(i), ch) for i, ch in enumerate(channels)]
    item = only(due(c, history))
    assert item.channel == expected
    assert ("time for a coffee" in item.detail) is (expected == "coffee")


# --------------------------------------------------------------------------- who never comes due


@pytest.mark.parametrize("flag", ["archived", "do_not_contact"])
def test_archived_and_do_not_contact_never_come_due(flag: str) -> None:
    c = client(cadence="1 week", birthday="--03-04", **{flag: True})
    history = [tp(MON - days(30), "email", "in", needs_reply=True, incident=True)]
    v = view([c], history, steps=[_step()])
    assert plan_day(v, SETTINGS, TODAY) == []
    assert upcoming(v, SETTINGS, TODAY, 60) == []


def test_snoozed_client_hidden_until_the_snooze_ends() -> None:
    c = client(cadence="2 weeks")
    history = [tp(MON - days(30), "email", "in", needs_reply=True)]
    snooze = [Snooze("ada", TODAY + days(2))]
    assert due(c, history, snoozes=snooze) == []
    assert due(c, history, today=TODAY + days(1), snoozes=snooze) == []
    back = due(c, history, today=TODAY + days(2), snoozes=snooze)
    # the reply is the contact: no separate check-in for the same client
    assert {i.reason for i in back} == {"reply"}
    # looking ahead, the items show on the day the snooze ends
    ahead = upcoming(view([c], history, snooze), SETTINGS, TODAY, 7)
    assert {i.due for i in ahead} == {TODAY + days(2)}
    assert all("snoozed until 2026-03-06" in i.detail for i in ahead)
    # a snooze is not a contact: the check-in is as overdue as before
    quiet = [tp(MON - days(30), "email", "in")]
    back = due(c, quiet, today=TODAY + days(2), snoozes=snooze)
    assert only([i for i in back if i.reason == "check-in"]).overdue_days == 20


def test_no_separate_check_in_for_a_client_being_answered() -> None:
    c = client(cadence="2 weeks")
    request = [tp(MON - days(30), "email", "in", needs_reply=True)]
    assert [i.reason for i in due(c, request)] == ["reply"]
    # an overdue check-in stays when nothing else brings you to the client
    assert [i.reason for i in due(c, [tp(MON - days(30), "email", "in")])] == ["check-in"]


def test_birthday_that_lapses_during_a_snooze_is_gone() -> None:
    c = client(birthday="--03-04")
    ahead = upcoming(view([c], snoozes=[Snooze("ada", TODAY + days(7))]), SETTINGS, TODAY, 14)
    assert ahead == []


# --------------------------------------------------------------------------- channels


@pytest.mark.parametrize(
    ("fields", "channel", "missing"),
    [
        (
            {"channel": "email", "emails": [], "mobiles": ["+39333"], "phones": ["+39333"]},
            "sms",
            "",
        ),
        ({"channel": "sms", "mobiles": ["+39333"], "sms_consent": False}, "email", ""),
        ({"channel": "sms", "phones": ["+39051"]}, "email", ""),  # a landline gets no SMS
        ({"channel": "call", "emails": []}, "none", "no email on file and no phone on file"),
        ({"channel": "call", "phones": ["+39051"]}, "call", ""),
        ({"channel": "coffee", "city": "Milano"}, "email", ""),
        ({"channel": "coffee", "city": " BOLOGNA "}, "coffee", ""),
        ({"channel": None, "emails": [], "phones": ["+39051"]}, "call", ""),
        ({"email_consent": False}, "none", "no email consent and no phone on file"),
        (
            {
                "email_consent": False,
                "mobiles": ["+39333"],
                "phones": ["+39333"],
                "sms_consent": False,
            },
            "call",
            "",
        ),
    ],
)
def test_channel_respects_what_is_on_file(fields: dict, channel: str, missing: str) -> None:
    c = client(cadence="1 week", **fields)
    item = only(due(c, [tp(TODAY - days(7), "note")], today=TODAY))  # due from since
    assert item.channel == channel
    if missing:
        assert item.detail.endswith(f"no way to reach them: {missing}")
    else:
        assert "no way to reach" not in item.detail


def test_unreachable_client_with_a_request_still_comes_due() -> None:
    c = client(emails=[], channel=None)
    item = only(due(c, [tp(TODAY, "visit", "in", needs_reply=True)]))
    assert item.channel == "none"
    assert "no email on file and no phone on file" in item.detail


# --------------------------------------------------------------------------- order


def test_order_by_reason() -> None:
    c = client(
        cadence="1 week",
        since=date(2020, 3, 4),
        birthday="--03-04",
        phones=["+39051"],
    )
    history = [
        tp(MON - days(20), "email", "in", needs_reply=True),
        tp(MON - days(20), "call", "in", incident=True),
        tp(MON - days(20), "note", follow_up=TODAY),
    ]
    quiet = client("bea", cadence="1 week", since=date(2021, 1, 1))
    v = view([c, quiet], [*history, tp(MON - days(20), "email", "in", cid="bea")], steps=[_step()])
    items = plan_day(v, SETTINGS, TODAY)
    assert [i.reason for i in items] == [
        "reply",
        "recovery",
        "follow-up",
        "follow-up",
        "birthday",
        "check-in",  # Bea's: Ada's is folded into her reply
        "anniversary",
    ]
    assert list(REASONS) == list(dict.fromkeys(i.reason for i in items))


def test_small_client_more_overdue_relative_to_cadence_comes_first() -> None:
    big = client("aaron", tier="A", cadence=None)  # 4 weeks: 7 days late = 0.25
    small = client("zoe", tier="C", cadence=None)  # 12 weeks: 30 days late = 0.36
    history = [
        tp(TODAY - days(28 + 7), cid="aaron"),
        tp(TODAY - days(84 + 30), cid="zoe"),
    ]
    assert [i.client_id for i in due([big, small], history)] == ["zoe", "aaron"]


def test_weekly_two_days_late_versus_quarterly_a_month_late() -> None:
    weekly = client("wendy", cadence="1 week")
    quarterly = client("quinn", cadence="12 weeks")
    history = [tp(TODAY - days(9), cid="wendy"), tp(TODAY - days(84 + 31), cid="quinn")]
    items = due([weekly, quarterly], history)
    assert items[0].urgency == pytest.approx(31 / 84)
    assert items[1].urgency == pytest.approx(2 / 7)


def test_ties_by_name_then_id_never_by_tier() -> None:
    clients = [
        client("b2", name="Bruno", tier="A", cadence="2 weeks"),
        client("b1", name="bruno", tier="C", cadence="2 weeks"),
        client("a9", name="Álvaro", tier="B", cadence="2 weeks"),
    ]
    history = [tp(TODAY - days(14), cid=c.id) for c in clients]
    assert [i.client_id for i in due(clients, history)] == ["a9", "b1", "b2"]


# --------------------------------------------------------------------------- neglected


@pytest.mark.parametrize(("ago", "neglected"), [(28, False), (29, True)])
def test_neglected_beyond_twice_the_cadence(ago: int, neglected: bool) -> None:
    c = client(cadence="2 weeks", birthday="--03-04")
    items = due(c, [tp(TODAY - days(ago))])
    assert {i.reason for i in items} == {"check-in", "birthday"}
    assert all(i.neglected is neglected for i in items)


# --------------------------------------------------------------------------- agenda


def _overdue_check_ins(n: int) -> BookView:
    clients = [client(f"c{i:02d}", cadence="4 weeks") for i in range(n)]
    # c00 is the most overdue, c09 the least
    history = [tp(MON - days(28 + 20 - i), cid=c.id) for i, c in enumerate(clients)]
    return view(clients, history)


def test_agenda_levels_check_ins_over_working_days() -> None:
    plan = agenda(_overdue_check_ins(10), SETTINGS, MON, 7, capacity=3)
    assert [d for d, _ in plan] == [MON + days(i) for i in range(7)]
    assert [len(items) for _, items in plan] == [3, 3, 3, 1, 0, 0, 0]
    assert [i.client_id for i in plan[0][1]] == ["c00", "c01", "c02"]
    assert plan[3][1][0].client_id == "c09"


def test_agenda_drops_check_ins_that_do_not_fit_and_uses_settings_capacity() -> None:
    plan = agenda(_overdue_check_ins(10), Settings(capacity=2), MON, 3)
    assert [len(items) for _, items in plan] == [2, 2, 2]
    kept = {i.client_id for _, items in plan for i in items}
    assert kept == {f"c{i:02d}" for i in range(6)}


def test_agenda_fixed_items_stay_on_their_day() -> None:
    clients = [
        client("bday", birthday="--03-07"),  # a Saturday
        client("asker"),
        client("late", cadence="1 week"),
    ]
    history = [
        tp(MON - days(5), "email", "in", needs_reply=True, cid="asker"),
        tp(MON - days(4), cid="late"),  # check-in due Thursday
    ]
    plan = dict(agenda(view(clients, history), SETTINGS, MON, 7, capacity=1))
    assert [i.reason for i in plan[MON]] == ["reply"]  # overdue fixed item: first day
    assert [i.reason for i in plan[date(2026, 3, 7)]] == ["birthday"]
    assert [i.client_id for i in plan[MON + days(3)]] == ["late"]  # never before its due


def test_agenda_fixed_items_can_exceed_capacity_and_check_ins_move_on() -> None:
    clients = [client(f"r{i}") for i in range(3)] + [client("chk", cadence="1 week")]
    history = [tp(MON, "email", "in", needs_reply=True, cid=f"r{i}") for i in range(3)]
    history.append(tp(MON - days(10), cid="chk"))
    plan = agenda(view(clients, history), SETTINGS, MON, 2, capacity=2)
    assert [i.reason for i in plan[0][1]] == ["reply"] * 3
    assert [i.client_id for i in plan[1][1]] == ["chk"]


def test_agenda_check_ins_skip_weekends() -> None:
    plan = agenda(_overdue_check_ins(3), SETTINGS, date(2026, 3, 7), 3, capacity=1)
    assert [len(items) for _, items in plan] == [0, 0, 1]


def test_agenda_rejects_bad_arguments() -> None:
    with pytest.raises(InvalidValue):
        agenda(_overdue_check_ins(1), SETTINGS, MON, 0)
    with pytest.raises(InvalidValue):
        agenda(_overdue_check_ins(1), SETTINGS, MON, 3, capacity=0)


# --------------------------------------------------------------------------- upcoming, next, json


def test_upcoming_includes_overdue_and_window() -> None:
    c = client(cadence="2 weeks", birthday="--03-10")
    items = upcoming(view([c], [tp(TODAY - days(20))]), SETTINGS, TODAY, 7)
    assert [(i.reason, i.overdue_days) for i in items] == [("birthday", -6), ("check-in", 6)]
    assert upcoming(view([c], [tp(TODAY - days(20))]), SETTINGS, TODAY, 6)[0].reason == "check-in"


def test_next_items_for_one_client() -> None:
    c = client(cadence="2 weeks", birthday="--03-10", since=date(2020, 3, 20))
    v = view([c, client("other", cadence="1 week")], [tp(TODAY - days(20))])
    items = next_items(v, SETTINGS, "ada", TODAY)
    assert [(i.reason, i.due) for i in items] == [
        ("check-in", TODAY - days(6)),
        ("birthday", date(2026, 3, 10)),
        ("anniversary", date(2026, 3, 20)),
    ]
    assert len(next_items(v, SETTINGS, "ada", TODAY, limit=1)) == 1
    assert next_items(v, SETTINGS, "nobody", TODAY) == []


def test_item_to_json() -> None:
    item = only(due(client(), [tp(TODAY, "email", "in", needs_reply=True)]))
    data = item.to_json()
    assert list(data) == [
        "id",
        "client_id",
        "client",
        "reason",
        "channel",
        "due",
        "overdue_days",
        "neglected",
        "detail",
        "source",
        "source_kind",
        "purpose",
    ]
    assert data["due"] == "2026-03-04"
    assert item.source is not None
    assert (data["source"], data["source_kind"]) == (item.source.id, "touchpoint")


def test_item_ids_are_stable_and_name_the_item_not_the_day() -> None:
    c = client(cadence="2 weeks", birthday="--03-10")
    first = only(due(c, [tp(TODAY - days(20))]))
    later = only(due(c, [tp(TODAY - days(30))]))
    # One check-in open per client: the same id, whatever day it falls due.
    assert first.reason == later.reason == "check-in"
    assert first.id == later.id
    request = only(due(client(), [tp(TODAY, "email", "in", needs_reply=True)]))
    assert first.id != request.id
    assert len(first.id) == 40


def test_items_for_client_accepts_no_summary() -> None:
    c = client(cadence="1 week", since=TODAY - days(7))
    items = items_for_client(c, None, None, [], SETTINGS, TODAY, TODAY)
    assert only(items).reason == "check-in"


# --------------------------------------------------------------------------- properties

CADENCES = (
    "1 week",
    "2 weeks",
    "4 weeks",
    "1 month",
    "3 months",
    "never",
    None,
    "RRULE:FREQ=WEEKLY;BYDAY=TU",
)


@st.composite
def books(draw: st.DrawFn) -> tuple[BookView, date]:
    today = MON + days(draw(st.integers(0, 400)))
    n = draw(st.integers(1, 8))
    clients, history, steps = [], [], []
    for i in range(n):
        cid = f"c{i}"
        since = today - days(draw(st.integers(0, 900)))
        clients.append(
            Client(
                id=cid,
                name=draw(st.sampled_from(["Ada", "Bo", "ada", "Zoë"])),
                since=since,
                emails=[f"{cid}@x.it"] if draw(st.booleans()) else [],
                mobiles=["+39333"] if draw(st.booleans()) else [],
                city=draw(st.sampled_from([None, "Bologna", "Roma"])),
                channel=draw(st.sampled_from([None, *terms.CONTACT_CHANNELS])),
                tier=draw(st.sampled_from([None, *terms.TIERS])),
                cadence=draw(st.sampled_from(CADENCES)),
                birthday=draw(st.none() | st.sampled_from(["--02-29", "--03-05", "1990-12-31"])),
                email_consent=draw(st.booleans()),
            )
        )
        for _ in range(draw(st.integers(0, 6))):
            day = since + days(draw(st.integers(0, 900)))
            follow = draw(st.none() | st.integers(0, 40))
            history.append(
                tp(
                    day,
                    draw(st.sampled_from(terms.LOG_CHANNELS)),
                    draw(st.sampled_from(["in", "out"])),
                    cid,
                    needs_reply=draw(st.booleans()),
                    incident=draw(st.booleans()),
                    follow_up=None if follow is None else day + days(follow),
                )
            )
        if draw(st.booleans()):
            steps.append(_step(cid, today + days(draw(st.integers(-20, 20)))))
    return view(clients, history, steps=steps), today


@FAST
@given(books(), st.integers(1, 21))
def test_no_item_is_due_before_its_cause(book: tuple[BookView, date], span: int) -> None:
    v, today = book
    by_id = {c.id: c for c in v.clients}
    horizon = today + days(span - 1)
    items = upcoming(v, SETTINGS, today, span)
    for item in items:
        assert item.due <= horizon
        assert item.channel in (*terms.CONTACT_CHANNELS, terms.NO_CHANNEL)
        summary = v.summaries.get(item.client_id)
        if item.reason == "check-in":
            c = by_id[item.client_id]
            cadence = parse_cadence(c.cadence or SETTINGS.tier_cadence(c.tier))
            last = (summary.last_contact if summary else None) or c.since
            assert item.due >= cadence.next_after(last)
        if item.reason == "follow-up" and summary:
            promise = {p.id: p for p in summary.open_promises}.get(
                item.source.id if item.source else ""
            )
            if promise is not None:
                assert promise.follow_up is not None and item.due >= promise.follow_up
    # reason first, then most urgent first within a reason
    keys = [(REASONS.index(i.reason), -i.urgency) for i in items]
    assert keys == sorted(keys)
    for item in plan_day(v, SETTINGS, today):
        assert item.overdue_days >= 0


@FAST
@given(books(), st.integers(1, 14), st.integers(1, 4))
def test_agenda_days_never_exceed_capacity_unless_fixed_items_do(
    book: tuple[BookView, date], span: int, capacity: int
) -> None:
    v, today = book
    plan = agenda(v, SETTINGS, today, span, capacity=capacity)
    assert [d for d, _ in plan] == [today + days(i) for i in range(span)]
    for day, items in plan:
        check_ins = [i for i in items if i.reason == "check-in"]
        if check_ins:
            assert len(items) <= capacity
            assert day.weekday() in SETTINGS.workday_numbers
            assert all(i.due <= day for i in check_ins)
        for item in items:
            if item.reason != "check-in":
                assert day == max(item.due, today)


@FAST
@given(books(), st.integers(1, 21))
def test_every_due_check_in_is_there(book: tuple[BookView, date], span: int) -> None:
    v, today = book
    horizon = today + days(span - 1)
    items = upcoming(v, SETTINGS, today, span)
    found = {i.client_id for i in items if i.reason == "check-in"}
    # A check-in due by today is folded into a reply, recovery or follow-up due by today.
    answered = {
        i.client_id
        for i in items
        if i.reason in ("reply", "recovery", "follow-up") and i.due <= today
    }
    for c in v.clients:
        cadence = parse_cadence(c.cadence or SETTINGS.tier_cadence(c.tier))
        summary = v.summaries.get(c.id)
        last = (summary.last_contact if summary else None) or c.since
        next_due = cadence.next_after(last)
        expected = next_due is not None and next_due <= horizon
        if expected and next_due <= today and c.id in answered:
            expected = False
        assert (c.id in found) is expected


@FAST
@given(
    st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    st.integers(1, 800),
    st.dates(date(1950, 1, 1), date(2039, 12, 31)),
)
def test_birthdays_and_anniversaries_match_a_brute_force(
    today: date, span: int, anchor: date
) -> None:
    birthday = f"--{anchor.month:02d}-{anchor.day:02d}"
    c = client(birthday=birthday, since=anchor)
    horizon = today + days(span - 1)
    items = upcoming(view([c]), SETTINGS, today, span)
    expected = set()
    for year in range(today.year - 1, horizon.year + 1):
        day = birthday_in_year(birthday, year)
        if today - days(LAPSE_DAYS) < day <= horizon:
            expected.add(("birthday", day))
            if year > anchor.year:
                expected.add(("anniversary", day))
    assert {(i.reason, i.due) for i in items} == expected


# --------------------------------------------------------------------------- the screen


@st.composite
def screened_books(draw: st.DrawFn) -> tuple[BookView, date]:
    """``books()`` with some clients archived, not to be contacted, or snoozed."""
    v, today = draw(books())
    clients = []
    for c in v.clients:
        flag = draw(st.sampled_from([None, None, "archived", "do_not_contact"]))
        clients.append(replace(c, **{flag: True}) if flag else c)
    snoozes = {
        c.id: Snooze(c.id, today + days(draw(st.integers(-5, 30))))
        for c in clients
        if draw(st.integers(0, 3)) == 0
    }
    return BookView(clients, v.summaries, snoozes, v.steps), today


def _by_screen(v: BookView, today: date, horizon: date) -> set[str]:
    hints = [Hint.of(c, v.summaries.get(c.id)) for c in v.clients]
    return screen(hints, v.snoozes, v.steps, SETTINGS, today, horizon)


def _by_index(v: BookView, today: date, horizon: date) -> set[str]:
    index = build_index(Hint.of(c, v.summaries.get(c.id)) for c in v.clients)
    return index_candidates(index, v.steps, SETTINGS, today, horizon)


def _only(v: BookView, kept: set[str]) -> BookView:
    return BookView(
        [c for c in v.clients if c.id in kept],
        {cid: s for cid, s in v.summaries.items() if cid in kept},
        v.snoozes,
        v.steps,
    )


@FAST
@pytest.mark.parametrize("select", [_by_screen, _by_index], ids=["screen", "index"])
@given(book=screened_books(), span=st.integers(1, 400))
def test_the_screen_and_the_index_never_hide_a_client_with_something_due(
    select: Any, book: tuple[BookView, date], span: int
) -> None:
    v, today = book
    kept = _only(v, select(v, today, today + days(span - 1)))
    assert upcoming(kept, SETTINGS, today, span) == upcoming(v, SETTINGS, today, span)
    today_only = _only(v, select(v, today, today))
    assert plan_day(today_only, SETTINGS, today) == plan_day(v, SETTINGS, today)


def test_the_screen_leaves_out_who_has_nothing_due() -> None:
    quiet = client("quiet", cadence="4 weeks")  # contacted yesterday
    late = client("late", cadence="4 weeks")  # five weeks ago
    asked = client("asked")  # an open request, no cadence
    birthday = client("bday", birthday="1980-03-01")  # three days ago: still shown
    old = client("old", archived=True, cadence="1 week")
    history = [
        tp(TODAY - days(1), cid="quiet"),
        tp(TODAY - days(35), cid="late"),
        tp(TODAY - days(40), cid="old"),
        tp(TODAY - days(2), "email", "in", cid="asked", needs_reply=True),
    ]
    v = view([quiet, late, asked, birthday, old], history)
    hints = [Hint.of(c, v.summaries.get(c.id)) for c in v.clients]
    assert screen(hints, {}, [], SETTINGS, TODAY, TODAY) == {"late", "asked", "bday"}
    # A week ahead the quiet client is still quiet; snoozed past the horizon, late is out.
    snoozed = {"late": Snooze("late", TODAY + days(10))}
    ahead = screen(hints, snoozed, [], SETTINGS, TODAY, TODAY + days(6))
    assert ahead == {"asked", "bday"}


def _kept(c: Client, history: Sequence[Touchpoint], horizon: date, **kw: Any) -> tuple[bool, bool]:
    """(kept by the screen, has an item by horizon) for one client."""
    v = view([c], history, **kw)
    hint = Hint.of(c, v.summaries.get(c.id))
    kept = c.id in screen([hint], v.snoozes, v.steps, SETTINGS, TODAY, horizon)
    return kept, bool(upcoming(v, SETTINGS, TODAY, (horizon - TODAY).days + 1))


@pytest.mark.parametrize("cadence", CADENCES)
@pytest.mark.parametrize("span", [1, 7])
def test_the_screen_agrees_with_the_plan_on_every_last_contact_day(
    cadence: str | None, span: int
) -> None:
    # Every day of the year before today, so each cadence's boundary is crossed.
    for ago in range(0, 370):
        c = client(cadence=cadence, tier="B", since=TODAY - days(400))
        kept, has = _kept(c, [tp(TODAY - days(ago))], TODAY + days(span - 1))
        assert kept == has, (cadence, ago)


@pytest.mark.parametrize("span", [1, 7, 400])
def test_the_screen_agrees_with_the_plan_on_birthdays_and_anniversaries(span: int) -> None:
    horizon = TODAY + days(span - 1)
    for offset in range(-12, 12):
        day = TODAY + days(offset)
        for c in (
            client(birthday=f"--{day.month:02d}-{day.day:02d}"),
            client(birthday=f"1970-{day.month:02d}-{day.day:02d}"),
            client(since=day.replace(year=day.year - 3)),
        ):
            for snooze in (None, Snooze(c.id, TODAY + days(3))):
                kept, has = _kept(c, [], horizon, snoozes=[snooze] if snooze else [])
                assert kept == has, (c.birthday, c.since, offset, snooze)


# --------------------------------------------------------------------------- the plan index


@pytest.mark.parametrize("cadence", CADENCES)
@pytest.mark.parametrize("span", [1, 7])
def test_the_index_agrees_with_the_screen_on_every_last_contact_day(
    cadence: str | None, span: int
) -> None:
    # A whole group sorted by last contact, one client a day: the binary search must
    # stop exactly where the screen does.
    since = TODAY - days(400)  # its anniversary is far from TODAY
    clients = [client(f"c{ago}", cadence=cadence, tier="B", since=since) for ago in range(370)]
    history = [tp(TODAY - days(ago), cid=f"c{ago}") for ago in range(370)]
    v = view(clients, history)
    horizon = TODAY + days(span - 1)
    hints = [Hint.of(c, v.summaries.get(c.id)) for c in v.clients]
    assert index_candidates(build_index(hints), [], SETTINGS, TODAY, horizon) == screen(
        hints, {}, [], SETTINGS, TODAY, horizon
    )


def _canonical(index: PlanIndex) -> tuple[Any, ...]:
    return (
        sorted((str(c), str(t), entries) for c, t, entries in index.groups),
        sorted(index.always),
        {key: sorted(ids) for key, ids in index.yearly.items()},
    )


@FAST
@given(screened_books(), screened_books(), st.data())
def test_moving_a_few_clients_gives_the_index_a_rebuild_gives(
    before: tuple[BookView, date], after: tuple[BookView, date], data: st.DataObject
) -> None:
    """Some clients edited or logged, some added, some forgotten: the index moved in place
    equals the one built afresh."""
    old_view, new_view = before[0], after[0]
    old = [Hint.of(c, old_view.summaries.get(c.id)) for c in old_view.clients]
    new = [Hint.of(c, new_view.summaries.get(c.id)) for c in new_view.clients]
    # The two books share ids c0, c1...: keep the untouched clients as they were.
    ids = {h.client_id for h in old} | {h.client_id for h in new}
    changed = data.draw(st.sets(st.sampled_from(sorted(ids))))
    now = [h for h in old if h.client_id not in changed]
    now += [h for h in new if h.client_id in changed]
    index = build_index(old)
    update_index(index, changed, [h for h in new if h.client_id in changed])
    assert _canonical(index) == _canonical(build_index(now))
