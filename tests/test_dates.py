"""Tests for crm_cli.core.dates: dates, birthdays and cadences."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from crm_cli.core.dates import (
    Cadence,
    birthday_in_year,
    parse_birthday,
    parse_cadence,
    parse_date,
)
from crm_cli.errors import InvalidValue

TODAY = date(2026, 11, 23)  # a Monday
FAST = settings(max_examples=200, deadline=None)


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23", date(2026, 11, 23)),
        ("2026-1-5", date(2026, 1, 5)),
        ("  2024-02-29  ", date(2024, 2, 29)),
        ("today", TODAY),
        ("TODAY", TODAY),
        ("yesterday", date(2026, 11, 22)),
        ("tomorrow", date(2026, 11, 24)),
        ("oggi", TODAY),
        ("ieri", date(2026, 11, 22)),
        ("domani", date(2026, 11, 24)),
        ("dopodomani", date(2026, 11, 25)),
        ("3 days ago", date(2026, 11, 20)),
        ("1 day ago", date(2026, 11, 22)),
        ("2 weeks ago", date(2026, 11, 9)),
        ("a week ago", date(2026, 11, 16)),
        ("1 month ago", date(2026, 10, 23)),
        ("a year ago", date(2025, 11, 23)),
        ("2 years ago", date(2024, 11, 23)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in 3 days", date(2026, 11, 26)),
        ("in 1 month", date(2026, 12, 23)),
        ("in a year", date(2027, 11, 23)),
        ("In  3   Days", date(2026, 11, 26)),
        ("+10d", date(2026, 12, 3)),
        ("-3d", date(2026, 11, 20)),
        ("+2w", date(2026, 12, 7)),
        ("+1m", date(2026, 12, 23)),
        ("+1y", date(2027, 11, 23)),
        ("+0d", TODAY),
        ("+ 3 days", date(2026, 11, 26)),
        ("3 giorni fa", date(2026, 11, 20)),
        ("un mese fa", date(2026, 10, 23)),
        ("tra 2 settimane", date(2026, 12, 7)),
        ("fra 1 anno", date(2027, 11, 23)),
        ("friday", date(2026, 11, 27)),
        ("Fri", date(2026, 11, 27)),
        ("venerdì", date(2026, 11, 27)),
        ("venerdi", date(2026, 11, 27)),
        ("VENERDÌ", date(2026, 11, 27)),
        ("sunday", date(2026, 11, 29)),
        ("domenica", date(2026, 11, 29)),
        ("tuesday", date(2026, 11, 24)),
        ("next friday", date(2026, 11, 27)),
        ("last friday", date(2026, 11, 20)),
        ("last tuesday", date(2026, 11, 17)),
        ("venerdì prossimo", date(2026, 11, 27)),
        ("scorso venerdì", date(2026, 11, 20)),
        ("domenica scorsa", date(2026, 11, 22)),
        ("23/11/2026", date(2026, 11, 23)),
        ("23.11.2026", date(2026, 11, 23)),
        ("23-11-2026", date(2026, 11, 23)),
        ("23/11/26", date(2026, 11, 23)),
        ("1/2/2026", date(2026, 2, 1)),
        ("5.3.99", date(2099, 3, 5)),
    ],
)
def test_parse_date_accepts(text: str, expected: date | None) -> None:
    if expected is None:
        with pytest.raises(InvalidValue):
            parse_date(text, today=TODAY)
    else:
        assert parse_date(text, today=TODAY) == expected


def test_weekday_names_when_today_is_that_weekday() -> None:
    # TODAY is a Monday: "monday" is next week's, "last monday" last week's.
    assert parse_date("monday", today=TODAY) == date(2026, 11, 30)
    assert parse_date("lunedì", today=TODAY) == date(2026, 11, 30)
    assert parse_date("next monday", today=TODAY) == date(2026, 11, 30)
    assert parse_date("last monday", today=TODAY) == date(2026, 11, 16)


@pytest.mark.parametrize("offset", range(7))
def test_weekdays_are_always_within_a_week(offset: int) -> None:
    today = date(2026, 11, 23 + offset)
    for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
        ahead = parse_date(name, today=today)
        behind = parse_date(f"last {name}", today=today)
        assert 1 <= (ahead - today).days <= 7
        assert 1 <= (today - behind).days <= 7
        assert ahead.strftime("%A").lower() == name == behind.strftime("%A").lower()


def test_month_arithmetic_clamps_to_month_end() -> None:
    assert parse_date("+1m", today=date(2026, 1, 31)) == date(2026, 2, 28)
    assert parse_date("in 1 month", today=date(2024, 1, 31)) == date(2024, 2, 29)
    assert parse_date("1 month ago", today=date(2026, 3, 31)) == date(2026, 2, 28)
    assert parse_date("+1y", today=date(2024, 2, 29)) == date(2025, 2, 28)


def test_date_order_mdy() -> None:
    assert parse_date("11/23/2026", today=TODAY, date_order="MDY") == date(2026, 11, 23)
    assert parse_date("11.23.26", today=TODAY, date_order="MDY") == date(2026, 11, 23)
    assert parse_date("2026-11-23", today=TODAY, date_order="MDY") == date(2026, 11, 23)
    assert parse_date("01/02/2026", today=TODAY, date_order="MDY") == date(2026, 1, 2)
    assert parse_date("01/02/2026", today=TODAY, date_order="DMY") == date(2026, 2, 1)
    with pytest.raises(InvalidValue):
        parse_date("23/11/2026", today=TODAY, date_order="MDY")
    with pytest.raises(InvalidValue):
        parse_date("11/23/2026", today=TODAY, date_order="DMY")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "xyz",
        "2026-02-30",
        "2026-13-01",
        "31/04/2026",
        "29/02/2026",
        "23/11-2026",
        "23/11/202",
        "2026-11-23T10:00",
        "3 fortnights ago",
        "in weeks",
        "+10",
        "10d",
        "+10x",
        "+99999999y",
        "-99999999d",
        "next",
        "next week",
        "this friday",
        "next blursday",
        "friday next week",
        "0000-01-01",
        "1" * 5000 + " days ago",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_date(text, today=TODAY)


def test_parse_date_error_messages() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_date("xyz", today=TODAY)
    assert str(err.value) == (
        "invalid date 'xyz': use YYYY-MM-DD, DD/MM/YYYY, today, yesterday, tomorrow, "
        "'3 days ago', 'in 2 weeks', +10d or a weekday name"
    )
    with pytest.raises(InvalidValue) as err:
        parse_date(" 2026-02-30 ", today=TODAY, date_order="MDY")
    assert str(err.value) == (
        "invalid date '2026-02-30': use YYYY-MM-DD, MM/DD/YYYY, today, yesterday, tomorrow, "
        "'3 days ago', 'in 2 weeks', +10d or a weekday name"
    )
    # Control characters never break the one-line message.
    with pytest.raises(InvalidValue) as err:
        parse_date("a\nb", today=TODAY)
    assert "\n" not in str(err.value) and "'a\\nb'" in str(err.value)


def test_invalid_date_order() -> None:
    with pytest.raises(InvalidValue, match="use DMY or MDY"):
        parse_date("2026-11-23", today=TODAY, date_order="YMD")
    with pytest.raises(InvalidValue):
        parse_birthday("2000-01-01", today=TODAY, date_order="")
    assert parse_date("1/2/2026", today=TODAY, date_order="mdy") == date(2026, 1, 2)


# --------------------------------------------------------------------------- birthdays


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1985-03-14", "DMY", "1985-03-14"),
        ("14/03/1985", "DMY", "1985-03-14"),
        ("14.03.1985", "DMY", "1985-03-14"),
        ("14-03-1985", "DMY", "1985-03-14"),
        ("03/14/1985", "MDY", "1985-03-14"),
        ("14/03/85", "DMY", "1985-03-14"),  # two-digit year: the past one
        ("14/03/05", "DMY", "2005-03-14"),
        ("23/11/26", "DMY", "2026-11-23"),  # today is still in the past-or-present
        ("24/11/26", "DMY", "1926-11-24"),  # tomorrow's 2026 would be in the future
        ("03-14", "DMY", "--03-14"),
        ("--03-14", "DMY", "--03-14"),
        ("--0314", "DMY", "--03-14"),
        ("3-4", "DMY", "--03-04"),
        ("03-14", "MDY", "--03-14"),
        ("14/03", "DMY", "--03-14"),
        ("14.03", "DMY", "--03-14"),
        ("03/14", "MDY", "--03-14"),
        ("03.14", "MDY", "--03-14"),
        ("02-29", "DMY", "--02-29"),
        ("29/02", "DMY", "--02-29"),
        ("2024-02-29", "DMY", "2024-02-29"),
        ("2026-11-23", "DMY", "2026-11-23"),  # born today
    ],
)
def test_parse_birthday_accepts(text: str, order: str, expected: str) -> None:
    assert parse_birthday(text, today=TODAY, date_order=order) == expected


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("", "DMY"),
        ("today", "DMY"),
        ("yesterday", "DMY"),
        ("3 days ago", "DMY"),
        ("+10d", "DMY"),
        ("friday", "DMY"),
        ("02-30", "DMY"),
        ("--02-30", "DMY"),
        ("13-01", "DMY"),
        ("14-03", "DMY"),  # the dash form is always month-day
        ("03/14", "DMY"),
        ("14/03", "MDY"),
        ("30/02", "DMY"),
        ("2023-02-29", "DMY"),
        ("31/04/1990", "DMY"),
        ("2026-11-24", "DMY"),  # tomorrow
        ("2030-01-01", "DMY"),
        ("march 14", "DMY"),
    ],
)
def test_parse_birthday_rejects(text: str, order: str) -> None:
    with pytest.raises(InvalidValue):
        parse_birthday(text, today=TODAY, date_order=order)


def test_parse_birthday_error_messages() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_birthday("x", today=TODAY)
    assert str(err.value) == "invalid birthday 'x': use YYYY-MM-DD, MM-DD (no year), or DD/MM/YYYY"
    with pytest.raises(InvalidValue) as err:
        parse_birthday("today", today=TODAY, date_order="MDY")
    assert str(err.value) == (
        "invalid birthday 'today': use YYYY-MM-DD, MM-DD (no year), or MM/DD/YYYY"
    )
    with pytest.raises(InvalidValue, match="in the future"):
        parse_birthday("2027-01-01", today=TODAY)


@pytest.mark.parametrize(
    ("birthday", "year", "expected"),
    [
        ("1985-03-14", 2026, date(2026, 3, 14)),
        ("--03-14", 2026, date(2026, 3, 14)),
        ("--02-29", 2024, date(2024, 2, 29)),
        ("--02-29", 2026, date(2026, 2, 28)),
        ("2000-02-29", 2100, date(2100, 2, 28)),
        ("2000-02-29", 2000, date(2000, 2, 29)),
        ("--12-31", 1, date(1, 12, 31)),
    ],
)
def test_birthday_in_year(birthday: str, year: int, expected: date) -> None:
    assert birthday_in_year(birthday, year) == expected


@pytest.mark.parametrize(
    ("birthday", "year"),
    [("", 2026), ("--02-30", 2026), ("14/03/1985", 2026), ("1985-03-14", 0), ("--03-14", 10000)],
)
def test_birthday_in_year_rejects(birthday: str, year: int) -> None:
    with pytest.raises(InvalidValue):
        birthday_in_year(birthday, year)


# --------------------------------------------------------------------------- cadences


def interval(n: int, unit: str) -> Cadence:
    return Cadence("interval", n, unit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("never", Cadence("never")),
        ("NEVER", Cadence("never")),
        ("mai", Cadence("never")),
        ("daily", interval(1, "days")),
        ("weekly", interval(1, "weeks")),
        ("fortnightly", interval(2, "weeks")),
        ("biweekly", interval(2, "weeks")),
        ("monthly", interval(1, "months")),
        ("quarterly", interval(3, "months")),
        ("semiannually", interval(6, "months")),
        ("yearly", interval(1, "years")),
        ("annually", interval(1, "years")),
        ("Monthly", interval(1, "months")),
        ("2 weeks", interval(2, "weeks")),
        ("6 weeks", interval(6, "weeks")),
        ("10 days", interval(10, "days")),
        ("1 day", interval(1, "days")),
        ("1 month", interval(1, "months")),
        ("3 months", interval(3, "months")),
        ("1 year", interval(1, "years")),
        ("10 years", interval(10, "years")),
        ("every 2 months", interval(2, "months")),
        ("every week", interval(1, "weeks")),
        ("every day", interval(1, "days")),
        ("every 3 weeks", interval(3, "weeks")),
        ("every other week", interval(2, "weeks")),
        ("  Every  3   Weeks ", interval(3, "weeks")),
        ("2w", interval(2, "weeks")),
        ("10d", interval(10, "days")),
        ("3m", interval(3, "months")),
        ("1y", interval(1, "years")),
        ("ogni 2 settimane", interval(2, "weeks")),
        ("ogni settimana", interval(1, "weeks")),
        ("ogni mese", interval(1, "months")),
        ("3 mesi", interval(3, "months")),
        ("settimanale", interval(1, "weeks")),
        ("mensile", interval(1, "months")),
        ("bimestrale", interval(2, "months")),
        ("trimestrale", interval(3, "months")),
        ("semestrale", interval(6, "months")),
        ("annuale", interval(1, "years")),
        ("FREQ=MONTHLY;BYDAY=1MO", Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=1MO")),
        ("RRULE:FREQ=MONTHLY;BYDAY=1MO", Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=1MO")),
        ("rrule:freq=monthly;byday=1mo", Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=1MO")),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            Cadence("rrule", rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ),
        ("FREQ=MONTHLY; BYDAY=-1FR;", Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=-1FR")),
        ("FREQ=DAILY;COUNT=3", Cadence("rrule", rule="FREQ=DAILY;COUNT=3")),
        ("FREQ=YEARLY;UNTIL=20300101", Cadence("rrule", rule="FREQ=YEARLY;UNTIL=20300101")),
        (
            "FREQ=WEEKLY;UNTIL=20300101T000000Z",
            Cadence("rrule", rule="FREQ=WEEKLY;UNTIL=20300101T000000Z"),
        ),
    ],
)
def test_parse_cadence_accepts(text: str, expected: Cadence) -> None:
    assert parse_cadence(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sometimes",
        "bimonthly",
        "0 weeks",
        "-2 weeks",
        "0d",
        "11 years",
        "3653 days",
        "522 weeks",
        "121 months",
        "99999999999 days",
        "2 fortnights",
        "every",
        "every 2",
        "weeks",
        "every other",
        "RRULE:",
        "FREQ=HOURLY",
        "FREQ=SECONDLY;INTERVAL=5",
        "FREQ=FORTNIGHTLY",
        "BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=DAILY;INTERVAL=0",  # would loop forever inside dateutil
        "FREQ=YEARLY;BYEASTER=0",  # a dateutil extension, not RFC 5545
        "FREQ=WEEKLY;COUNT=3;UNTIL=20300101",
        "FREQ=WEEKLY;UNTIL=soon",
        "FREQ=WEEKLY;NOPE=1",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # can never happen
        "FREQ=YEARLY;INTERVAL=11",  # more than 10 years apart
        "DTSTART:20260101\nRRULE:FREQ=DAILY",
        "FREQ=DAILY;DTSTART=20260101",
        "RRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY",
    ],
)
def test_parse_cadence_rejects(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_cadence(text)


def test_parse_cadence_error_messages() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_cadence("sometimes")
    assert str(err.value) == (
        "invalid cadence 'sometimes': use '2 weeks', 'monthly', 'every 2 months', 'quarterly', "
        "'yearly', 'never' or an RRULE such as FREQ=MONTHLY;BYDAY=1MO"
    )
    with pytest.raises(InvalidValue, match="between 1 day and 10 years"):
        parse_cadence("0 weeks")
    with pytest.raises(InvalidValue, match="DTSTART"):
        parse_cadence("DTSTART=20260101;FREQ=DAILY")


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        (Cadence("never"), "never"),
        (interval(2, "weeks"), "2 weeks"),
        (interval(1, "weeks"), "1 week"),
        (interval(1, "days"), "1 day"),
        (interval(1, "months"), "1 month"),
        (interval(3, "months"), "3 months"),
        (interval(1, "years"), "1 year"),
        (Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=1MO"), "RRULE:FREQ=MONTHLY;BYDAY=1MO"),
    ],
)
def test_canonical_round_trip(cadence: Cadence, text: str) -> None:
    assert cadence.canonical() == text
    assert parse_cadence(text) == cadence


@pytest.mark.parametrize(
    ("cadence", "last", "expected"),
    [
        (interval(10, "days"), date(2026, 11, 23), date(2026, 12, 3)),
        (interval(2, "weeks"), date(2026, 11, 23), date(2026, 12, 7)),
        (interval(1, "months"), date(2026, 1, 31), date(2026, 2, 28)),
        (interval(1, "months"), date(2024, 1, 31), date(2024, 2, 29)),
        (interval(3, "months"), date(2026, 11, 30), date(2027, 2, 28)),
        (interval(1, "years"), date(2024, 2, 29), date(2025, 2, 28)),
        (Cadence("never"), date(2026, 11, 23), None),
        (interval(1, "days"), date(9999, 12, 31), None),
    ],
)
def test_next_after_intervals(cadence: Cadence, last: date, expected: date | None) -> None:
    assert cadence.next_after(last) == expected


@pytest.mark.parametrize(
    ("rule", "last", "expected"),
    [
        ("FREQ=MONTHLY;BYDAY=1MO", date(2026, 11, 23), date(2026, 12, 7)),
        # dtstart itself matches the rule: the next one is strictly after it.
        ("FREQ=MONTHLY;BYDAY=1MO", date(2026, 12, 7), date(2027, 1, 4)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", date(2026, 11, 23), date(2026, 11, 24)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", date(2026, 11, 23), date(2026, 12, 7)),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", date(2026, 1, 31), date(2026, 2, 28)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", date(2026, 11, 23), date(2028, 2, 29)),
        ("FREQ=DAILY;BYHOUR=9,17", date(2026, 11, 23), date(2026, 11, 24)),
        # COUNT counts from dtstart (the last contact): COUNT=1 is only that day.
        ("FREQ=DAILY;COUNT=1", date(2026, 11, 23), None),
        ("FREQ=DAILY;COUNT=2", date(2026, 11, 23), date(2026, 11, 24)),
        ("FREQ=WEEKLY;UNTIL=20261201", date(2026, 11, 23), date(2026, 11, 30)),
        ("FREQ=WEEKLY;UNTIL=20261201", date(2026, 11, 30), None),
        ("FREQ=WEEKLY;UNTIL=20200101T000000Z", date(2026, 11, 23), None),
        ("FREQ=YEARLY", date(9999, 6, 1), None),
    ],
)
def test_next_after_rrule(rule: str, last: date, expected: date | None) -> None:
    assert parse_cadence(rule).next_after(last) == expected


LIVE_RULES = [
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",
    "FREQ=MONTHLY;INTERVAL=5;BYDAY=MO,TU;BYSETPOS=-1",
    "FREQ=DAILY;INTERVAL=10",
]


@FAST
@given(rule=st.sampled_from(LIVE_RULES), d=st.dates(max_value=date(9900, 12, 31)))
def test_next_after_rrule_matches_dateutil(rule: str, d: date) -> None:
    # The search runs on a timeline moved by whole 400-year cycles: same answers as dateutil.
    from datetime import datetime

    from dateutil.rrule import rrulestr

    start = datetime(d.year, d.month, d.day)
    expected = rrulestr(rule, dtstart=start).after(start.replace(hour=23, minute=59))
    assert parse_cadence(rule).next_after(d) == (expected.date() if expected else None)


def test_next_after_never_hangs_on_impossible_rule() -> None:
    # Built directly (parse_cadence would refuse it): the search is bounded, not endless.
    impossible = Cadence("rrule", rule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    assert impossible.next_after(TODAY) is None
    assert impossible.approx_days() == float("inf")


def test_bad_hand_built_rrule_raises_invalid_value() -> None:
    with pytest.raises(InvalidValue):
        Cadence("rrule", rule="FREQ=HOURLY").next_after(TODAY)
    with pytest.raises(InvalidValue):
        Cadence("rrule", rule="FREQ=WEEKLY;BYDAY=XX").approx_days()


@pytest.mark.parametrize(
    ("cadence", "days"),
    [
        (Cadence("never"), float("inf")),
        (interval(1, "days"), 1.0),
        (interval(10, "days"), 10.0),
        (interval(2, "weeks"), 14.0),
        (interval(1, "months"), 30.4375),
        (interval(3, "months"), 91.3125),
        (interval(1, "years"), 365.25),
        (interval(2, "years"), 730.5),
        (Cadence("rrule", rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"), 14.0),
        (Cadence("rrule", rule="FREQ=DAILY"), 1.0),
        (Cadence("rrule", rule="FREQ=DAILY;BYHOUR=9,17"), 1.0),  # at least a day
        (Cadence("rrule", rule="FREQ=YEARLY"), 365.0),
        # 2026-01-05 and 2026-02-02, the first two Mondays-of-month after 2026-01-01.
        (Cadence("rrule", rule="FREQ=MONTHLY;BYDAY=1MO"), 28.0),
        # COUNT/UNTIL do not change the rhythm.
        (Cadence("rrule", rule="FREQ=WEEKLY;COUNT=1"), 7.0),
        (Cadence("rrule", rule="FREQ=WEEKLY;UNTIL=20200101"), 7.0),
    ],
)
def test_approx_days(cadence: Cadence, days: float) -> None:
    assert cadence.approx_days() == days


# --------------------------------------------------------------------------- properties

UNITS = st.sampled_from(["days", "weeks", "months", "years"])
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
ORDERS = st.sampled_from(["DMY", "MDY"])


@FAST
@given(d=DATES, order=ORDERS, sep=st.sampled_from("/.-"))
def test_formatted_dates_parse_back(d: date, order: str, sep: str) -> None:
    assert parse_date(d.isoformat(), today=TODAY, date_order=order) == d
    first, second = (d.day, d.month) if order == "DMY" else (d.month, d.day)
    numeric = f"{first:02d}{sep}{second:02d}{sep}{d.year:04d}"
    assert parse_date(numeric, today=TODAY, date_order=order) == d
    short = f"{first}{sep}{second}{sep}{d.year}"
    assert parse_date(short, today=TODAY, date_order=order) == d


@FAST
@given(d=DATES, order=ORDERS)
def test_past_birthdays_parse_back(d: date, order: str) -> None:
    assume(d <= TODAY)
    first, second = (d.day, d.month) if order == "DMY" else (d.month, d.day)
    assert parse_birthday(f"{first}/{second}/{d.year}", today=TODAY, date_order=order) == (
        d.isoformat()
    )
    no_year = parse_birthday(f"{d.month:02d}-{d.day:02d}", today=TODAY, date_order=order)
    assert birthday_in_year(no_year, d.year) == d
    assert birthday_in_year(d.isoformat(), d.year) == d


@FAST
@given(n=st.integers(1, 50), unit=UNITS, d=DATES)
def test_interval_cadence_round_trip_and_moves_forward(n: int, unit: str, d: date) -> None:
    cadence = Cadence("interval", n, unit)
    if unit == "years" and n > 10:
        # Longer than the sanity limit: refused rather than read back.
        with pytest.raises(InvalidValue):
            parse_cadence(cadence.canonical())
    else:
        assert parse_cadence(cadence.canonical()) == cadence
    next_date = cadence.next_after(d)
    assert next_date is not None and next_date > d


@FAST
@given(text=st.text(), order=ORDERS)
def test_parse_date_only_raises_invalid_value(text: str, order: str) -> None:
    try:
        parse_date(text, today=TODAY, date_order=order)
    except InvalidValue as exc:
        assert "\n" not in str(exc)


@FAST
@given(text=st.text(), order=ORDERS)
def test_parse_birthday_only_raises_invalid_value(text: str, order: str) -> None:
    try:
        parse_birthday(text, today=TODAY, date_order=order)
    except InvalidValue as exc:
        assert "\n" not in str(exc)


@FAST
@given(text=st.text())
def test_parse_cadence_only_raises_invalid_value(text: str) -> None:
    try:
        parse_cadence(text)
    except InvalidValue as exc:
        assert "\n" not in str(exc)


@FAST
@given(
    parts=st.lists(
        st.sampled_from(
            [
                "FREQ=DAILY",
                "FREQ=WEEKLY",
                "FREQ=MONTHLY",
                "FREQ=YEARLY",
                "INTERVAL=2",
                "INTERVAL=0",
                "BYDAY=MO,FR",
                "BYDAY=1MO",
                "BYMONTHDAY=31",
                "BYMONTH=2",
                "BYSETPOS=-1",
                "COUNT=2",
                "UNTIL=20270101",
                "WKST=SU",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
    d=DATES,
)
def test_rrule_fragments_parse_or_refuse_cleanly(parts: list[str], d: date) -> None:
    try:
        cadence = parse_cadence(";".join(parts))
    except InvalidValue:
        return
    assert parse_cadence(cadence.canonical()) == cadence
    next_date = cadence.next_after(d)
    assert next_date is None or next_date > d
    assert 1.0 <= cadence.approx_days() <= 3652.5


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.integers(1, 400),
    st.sampled_from(["days", "weeks", "months", "years"]),
)
@example(date(2024, 1, 31), 1, "months")  # the end of a leap February
@example(date(2025, 1, 31), 13, "months")
@example(date(2024, 2, 29), 1, "years")
@example(date(9999, 12, 1), 1, "months")  # no next date
def test_cadence_steps_match_dateutil(start: date, n: int, unit: str) -> None:
    """Months and years are added by hand (10x faster): exactly as relativedelta adds them,
    31 Jan + 1 month being the end of February, and None past year 9999."""
    from dateutil.relativedelta import relativedelta

    try:
        expected: date | None = start + relativedelta(**{unit: n})
    except (OverflowError, ValueError):
        expected = None
    assert Cadence("interval", n, unit).next_after(start) == expected


RULES = [
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU",
    "FREQ=MONTHLY",  # the day of the month comes from the last contact
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=WEEKLY;COUNT=3",
    "FREQ=DAILY;INTERVAL=10;UNTIL=20270101",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RULES), st.dates(date(1990, 1, 1), date(2040, 12, 31)))
def test_rrule_cadences_step_as_dateutil_does(rule: str, last: date) -> None:
    """The rule is parsed once and given each last contact as its start: the same
    dates as a rule parsed afresh with that start."""
    from datetime import datetime

    from dateutil.rrule import rrulestr

    fresh = rrulestr(rule, dtstart=datetime.combine(last, datetime.min.time()))
    expected = next((d.date() for d in fresh if d.date() > last), None)
    assert parse_cadence(f"RRULE:{rule}").next_after(last) == expected
