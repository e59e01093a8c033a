"""The report's figures (core.report) on hand-made books whose answers are known."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest

from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.report import (
    build_report,
    default_period,
    monthly_counts,
    records_of,
    tenure_years,
)
from crm_cli.core.settings import Settings
from crm_cli.core.sparkline import heat_row, sparkline

END = date(2026, 11, 23)  # a Monday
START = date(2025, 11, 24)  # a Monday too: the default period of END
_ids = count(1)


def client(cid: str, tier: str | None, since: date, **extra: Any) -> Client:
    return Client(id=cid, name=cid.capitalize(), since=since, tier=tier, **extra)


def tp(
    cid: str, day: date, channel: str = "email", direction: str = "out", **extra: Any
) -> Touchpoint:
    return Touchpoint(
        id=f"t{next(_ids)}", client_id=cid, date=day, channel=channel, direction=direction, **extra
    )


def report(
    clients: list[Client], tps: list[Touchpoint], settings: Settings | None = None
) -> dict[str, Any]:
    return build_report(clients, records_of(tps), settings or Settings(), START, END)


def group(figures: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    return next(g for g in figures["fairness"][kind] if g["group"] == name)


def every(first: date, last: date, days: int) -> list[date]:
    found, day = [], first
    while day <= last:
        found.append(day)
        day += timedelta(days=days)
    return found


# --------------------------------------------------------------------------- fairness


def _c_left_alone() -> tuple[list[Client], list[Touchpoint]]:
    """Carla (tier C, 6 years a client) last heard from before the period; Alba (tier A,
    new in June) called every three weeks against her four-week cadence."""
    carla = client("carla", "C", date(2020, 1, 1))
    alba = client("alba", "A", date(2026, 6, 1))
    tps = [tp("carla", date(2025, 10, 1), "call")]
    tps += [tp("alba", day, "call") for day in every(date(2026, 6, 15), END, 21)]
    return [carla, alba], tps


def test_a_c_tier_client_left_uncontacted_is_late_neglected_and_in_the_headline() -> None:
    figures = report(*_c_left_alone())
    carla = group(figures, "by_tier", "C")
    # Due 84 days after 2025-10-01 (2025-12-24), still not contacted on 2026-11-23.
    assert carla == {
        "group": "C",
        "clients": 1,
        "within_cadence": 0,
        "share_within": 0.0,
        "median_lateness_days": 334.0,
        "neglected": 1,
    }
    assert group(figures, "by_tier", "A") == {
        "group": "A",
        "clients": 1,
        "within_cadence": 1,
        "share_within": 1.0,
        "median_lateness_days": None,
        "neglected": 0,
    }
    assert group(figures, "by_tier", "B")["clients"] == 0
    assert group(figures, "by_tenure", "5-10 years")["neglected"] == 1
    assert group(figures, "by_tenure", "under 1 year")["within_cadence"] == 1
    assert figures["fairness"]["neglected"] == 1
    assert figures["headline"] == (
        "Small clients (tier C) get less attention than large ones (tier A): 0% contacted "
        "within their cadence, against 100% (100 points lower); 1 of them is neglected. "
        "Long-standing clients (5 years or more) get less attention than new ones (under a "
        "year): 0% contacted within their cadence, against 100% (100 points lower); 1 of "
        "them is neglected."
    )
    small, loyal = figures["fairness"]["comparisons"]
    assert (small["name"], small["attention"], small["points"]) == ("small_vs_large", "less", -100)
    assert (loyal["name"], loyal["attention"]) == ("long_standing_vs_new", "less")


def test_the_headline_says_the_same_when_shares_are_close_and_names_a_missing_group() -> None:
    clients = [client(f"c{i}", "C", date(2026, 6, 1)) for i in range(3)]
    clients += [client(f"a{i}", "A", date(2026, 6, 1)) for i in range(3)]
    tps = [tp(c.id, day) for c in clients for day in every(date(2026, 6, 20), END, 20)]
    figures = report(clients, tps)
    assert figures["headline"] == (
        "Small clients (tier C) get the same attention as large ones (tier A): 100% "
        "contacted within their cadence, against 100%. There are no long-standing clients "
        "(5 years or more) to compare."
    )


def test_lateness_counts_within_the_period_and_the_median_is_of_those_late() -> None:
    # Due before the period began: late from its first day until the contact.
    early = client("early", "B", date(2024, 1, 1))
    ten = client("ten", "B", date(2024, 1, 1))
    ontime = client("ontime", "B", date(2026, 10, 1))
    tps = [
        tp("early", date(2025, 6, 1)),
        tp("early", date(2025, 12, 4)),  # 10 days into the period
        *[tp("early", d) for d in every(date(2026, 1, 15), END, 50)],
        tp("ten", date(2025, 11, 24)),
        tp("ten", date(2026, 1, 29)),  # due 2026-01-19: 10 days late
        *[tp("ten", d) for d in every(date(2026, 3, 15), END, 50)],
    ]
    figures = report([early, ten, ontime], tps)
    b = group(figures, "by_tier", "B")
    assert (b["clients"], b["within_cadence"], b["median_lateness_days"]) == (3, 1, 10.0)


def test_who_is_measured_archived_do_not_contact_never_and_future_clients_are_not() -> None:
    clients = [
        client("kept", None, date(2026, 1, 1)),
        client("gone", "C", date(2020, 1, 1), archived=True),
        client("quiet", "C", date(2020, 1, 1), do_not_contact=True),
        client("never", "C", date(2020, 1, 1), cadence="never"),
        client("later", "C", date(2026, 12, 1)),
    ]
    figures = report(clients, [])
    assert figures["fairness"]["clients"] == 1
    assert group(figures, "by_tier", "none")["clients"] == 1
    # The series leaves out the archived and those not yet clients, not the others.
    assert [row["client_id"] for row in figures["series"]["clients"]] == ["kept", "never", "quiet"]


@pytest.mark.parametrize(
    ("since", "years", "band"),
    [
        (date(2025, 11, 24), 0, "under 1 year"),
        (date(2025, 11, 23), 1, "1-5 years"),
        (date(2021, 11, 24), 4, "1-5 years"),
        (date(2021, 11, 23), 5, "5-10 years"),
        (date(2016, 11, 24), 9, "5-10 years"),
        (date(2016, 11, 23), 10, "over 10 years"),
    ],
)
def test_tenure_bands(since: date, years: int, band: str) -> None:
    assert tenure_years(since, END) == years
    figures = report([client("x", "B", since)], [])
    assert group(figures, "by_tenure", band)["clients"] == 1


# --------------------------------------------------------------------------- replies


def test_a_request_answered_after_three_days() -> None:
    # Monday's request answered on Thursday: 3 days, past the 1-working-day window.
    tps = [
        tp("rita", date(2026, 3, 2), direction="in", needs_reply=True),
        tp("rita", date(2026, 3, 5)),
    ]
    figures = report([client("rita", "B", date(2020, 1, 1))], tps)
    replies = figures["replies"]
    assert (replies["requests"], replies["answered"], replies["unanswered"]) == (1, 1, 0)
    assert (replies["median_days"], replies["p90_days"], replies["share_within"]) == (3.0, 3, 0.0)
    march = next(m for m in replies["months"] if m["month"] == "2026-03")
    assert march == {
        "month": "2026-03",
        "requests": 1,
        "answered": 1,
        "unanswered": 0,
        "median_days": 3.0,
        "p90_days": 3,
        "within_window": 0,
        "share_within": 0.0,
    }
    assert [m["month"] for m in replies["months"]][:2] == ["2025-11", "2025-12"]
    assert len(replies["months"]) == 13
    assert sum(m["requests"] for m in replies["months"]) == 1


def test_reply_median_p90_and_share_in_time_over_several_requests() -> None:
    # Answers after 1, 1, 2, 3 and 10 days; Friday's request answered on Monday is in time.
    asked_answered = [
        (date(2026, 5, 4), date(2026, 5, 5)),
        (date(2026, 5, 8), date(2026, 5, 11)),  # Friday -> Monday: 3 days, 1 working day
        (date(2026, 5, 12), date(2026, 5, 13)),
        (date(2026, 5, 18), date(2026, 5, 20)),
        (date(2026, 5, 21), date(2026, 5, 31)),
    ]
    tps = []
    for asked, answered in asked_answered:
        tps += [tp("rita", asked, direction="in", needs_reply=True), tp("rita", answered)]
    replies = report([client("rita", "B", date(2020, 1, 1))], tps)["replies"]
    assert (replies["median_days"], replies["p90_days"]) == (2.0, 10)
    assert (replies["within_window"], replies["share_within"]) == (3, 0.6)


def test_unanswered_handled_and_other_thread_requests() -> None:
    tps = [
        # Unanswered, its window long over: counted, and late.
        tp("rita", date(2026, 4, 1), direction="in", needs_reply=True),
        # Closed by `crm handled`: needs no answer, left out.
        tp("gino", date(2026, 4, 1), direction="in", needs_reply=True),
        tp("gino", date(2026, 4, 2), channel="note", handled=True),
        # A captured email in another thread does not answer it; a call does.
        tp("ugo", date(2026, 4, 6), direction="in", needs_reply=True, thread="a"),
        tp("ugo", date(2026, 4, 7), thread="b"),
        tp("ugo", date(2026, 4, 9), channel="call"),
        # Asked on the last day: not yet late, not yet judged.
        tp("eva", END, direction="in", needs_reply=True),
    ]
    clients = [client(c, "B", date(2020, 1, 1)) for c in ("rita", "gino", "ugo", "eva")]
    replies = report(clients, tps)["replies"]
    assert (replies["requests"], replies["answered"], replies["unanswered"]) == (3, 1, 2)
    assert (replies["median_days"], replies["within_window"], replies["share_within"]) == (
        3.0,
        0,
        0.0,
    )


# --------------------------------------------------------------------------- recoveries


def test_an_incident_never_recovered_and_two_that_were() -> None:
    tps = [
        tp("ivo", date(2026, 9, 1), direction="in", incident=True),
        tp("ivo", date(2026, 9, 2), "call"),  # the next day: within recover_within
        tp("ivo", date(2026, 10, 1), direction="in", incident=True),
        tp("ivo", date(2026, 10, 5), "call"),  # four days on: late
        # Logged with an outbound email: that email does not recover it, nothing after does.
        tp("ada", date(2026, 9, 10), incident=True),
        tp("ada", date(2026, 9, 12), channel="note"),
    ]
    clients = [client("ivo", "A", date(2020, 1, 1)), client("ada", "C", date(2020, 1, 1))]
    rec = report(clients, tps)["recoveries"]
    assert rec == {
        "recover_within_days": 1,
        "incidents": 3,
        "recovered_within": 1,
        "recovered_late": 1,
        "never_recovered": 1,
        "share_within": 0.3333,
        "median_days": 2.5,
        "unrecovered": [
            {"client_id": "ada", "client": "Ada", "date": "2026-09-10", "days_open": 74}
        ],
    }


def test_recover_within_comes_from_the_settings() -> None:
    tps = [
        tp("ivo", date(2026, 10, 1), direction="in", incident=True),
        tp("ivo", date(2026, 10, 5), "call"),
    ]
    figures = report([client("ivo", "A", date(2020, 1, 1))], tps, Settings(recover_within=5))
    assert figures["recoveries"]["recovered_within"] == 1


# --------------------------------------------------------------------------- slipping


def test_slipping_lists_the_ten_most_overdue_relative_to_their_cadence() -> None:
    clients, tps = [], []
    for n in range(12):  # last contact 30 + 10n days ago on a 4-week cadence
        clients.append(client(f"c{n:02d}", "A", date(2020, 1, 1)))
        tps.append(tp(f"c{n:02d}", END - timedelta(days=30 + 10 * n), "sms", "in"))
    clients.append(client("weekly", "A", date(2020, 1, 1), cadence="1 week"))
    tps.append(tp("weekly", END - timedelta(days=100), "coffee"))  # 100/7: the most overdue
    clients.append(client("fine", "A", date(2020, 1, 1)))
    tps.append(tp("fine", END - timedelta(days=3)))
    slipping = report(clients, tps)["slipping"]
    assert [s["client_id"] for s in slipping] == [
        "weekly",
        *[f"c{n:02d}" for n in range(11, 2, -1)],
    ]
    top = slipping[0]
    assert top == {
        "client_id": "weekly",
        "client": "Weekly",
        "tier": "A",
        "cadence": "1 week",
        "last_contact": (END - timedelta(days=100)).isoformat(),
        "last_channel": "coffee",
        "last_direction": "out",
        "days_overdue": 93,
        "times_cadence": 14.29,
        "months": [0] * 20 + [1, 0, 0, 0],
    }


def test_a_client_never_contacted_slips_from_since() -> None:
    slipping = report([client("new", "A", date(2026, 9, 1))], [])["slipping"]
    assert [(s["last_contact"], s["last_channel"], s["days_overdue"]) for s in slipping] == [
        (None, None, 55)
    ]


# --------------------------------------------------------------------------- activity


def test_activity_per_week_by_direction_and_channel() -> None:
    tps = [
        tp("w", date(2026, 11, 16), "email", "in"),  # Monday of the second-last week
        tp("w", date(2026, 11, 22), "call"),  # its Sunday
        tp("w", date(2026, 11, 20), "note"),  # a note is no contact
        tp("w", END, "visit", "in"),  # the last week, one day long
        tp("w", START, "sms"),  # the first week
        tp("w", START - timedelta(days=1), "sms"),  # before the period
    ]
    act = report([client("w", "B", date(2020, 1, 1))], tps)["activity"]
    assert len(act["weeks"]) == 53
    assert (act["weeks"][0], act["weeks"][-1]) == ("2025-11-24", "2026-11-23")
    assert act["contacts"] == 4
    assert (act["by_direction"]["in"][-2:], act["by_direction"]["out"][-2:]) == ([1, 1], [1, 0])
    assert act["by_direction"]["out"][0] == 1
    assert act["by_channel"]["email"][-2] == act["by_channel"]["call"][-2] == 1
    assert act["by_channel"]["visit"][-1] == 1
    assert sum(act["by_channel"]["sms"]) == 1
    assert act["rows"] == ["in", "out", "email", "sms", "call", "coffee", "meeting", "visit"]


def test_weeks_start_on_monday_whatever_the_first_day() -> None:
    figures = build_report([], [], Settings(), date(2026, 11, 4), date(2026, 11, 23))
    assert figures["activity"]["weeks"] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]


# --------------------------------------------------------------------------- per client


def test_sparkline_and_heatmap_rows() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "·▁▂▄█"
    assert sparkline([0, 3, 0]) == "·█·"
    assert sparkline([0, 0]) == "··"
    assert sparkline([1, 100]) == "▁█"  # the smallest count still shows
    assert heat_row([0, 1, 2, 3, 4], 4) == "·░▒▓█"


def test_monthly_counts_cover_the_24_months_ending_with_the_last_day() -> None:
    days = [date(2026, 11, 1), date(2026, 11, 23), date(2026, 11, 24), date(2024, 12, 1)]
    days += [date(2024, 11, 30), date(2025, 6, 15)]
    counts = monthly_counts(days, END)
    assert len(counts) == 24
    assert counts[0] == 1 and counts[-1] == 2 and counts[6] == 1 and sum(counts) == 4
    series = report([client("s", "B", date(2020, 1, 1))], [tp("s", date(2026, 10, 3))])["series"]
    assert series["months"][0] == "2024-12" and series["months"][-1] == "2026-11"
    assert series["clients"][0]["months"][-2] == 1


def test_the_default_period_is_the_last_twelve_months() -> None:
    assert default_period(END) == (START, END)
    assert default_period(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


def test_no_note_of_any_kind_reaches_the_figures() -> None:
    tps = [
        tp(
            "n",
            date(2026, 5, 1),
            direction="in",
            needs_reply=True,
            note="quartzwidget",
            private=True,
        ),
        tp("n", date(2026, 5, 2), note="plainsecretword", topic="topicword"),
        tp("n", date(2026, 5, 3), direction="in", incident=True, note="incidentword"),
    ]
    c = client("n", "B", date(2020, 1, 1), note="clientnoteword", private_note="privateword")
    text = repr(report([c], tps))
    for word in ("quartzwidget", "plainsecretword", "topicword", "incidentword", "clientnoteword"):
        assert word not in text
    assert "privateword" not in text
