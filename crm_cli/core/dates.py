"""Dates, birthdays and contact cadences, parsed from what a person types.

Pure functions: ``today`` is always passed in so results are reproducible and
testable. dateutil is imported inside the functions that need it because
``calendar``/``locale`` (pulled in by relativedelta) and ``rrule`` slow down
the start-up of every command, even those that never touch a date.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from crm_cli.core.patterns import lazy
from crm_cli.errors import InvalidValue

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "Cadence",
    "birthday_in_year",
    "local_to_utc",
    "parse_birthday",
    "parse_cadence",
    "parse_date",
]

_ORDERS = ("DMY", "MDY")

# The days crm accepts. The plan looks years ahead and behind a date (lapses, a
# birthday next year, cadences up to 10 years): near year 1 or 9999 it would step
# off Python's calendar. No client's history starts before 1900 or runs past 9000.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
RANGE_TEXT = f"crm works with dates from {FIRST_DAY} to {LAST_DAY}"

# Every spelling of a unit, in English and Italian, mapped to its canonical plural.
_UNITS: dict[str, str] = {
    **dict.fromkeys(("d", "day", "days", "giorno", "giorni"), "days"),
    **dict.fromkeys(("w", "week", "weeks", "settimana", "settimane"), "weeks"),
    **dict.fromkeys(("m", "month", "months", "mese", "mesi"), "months"),
    **dict.fromkeys(("y", "year", "years", "anno", "anni"), "years"),
}
_UNIT_DAYS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}
# Cadences longer than this are almost certainly typos (e.g. "30 years" for "30 days").
_MAX_CADENCE_DAYS = 10 * 365.25

_ONE = {"a", "an", "one", "un", "uno", "una"}
_COUNT = r"(?P<n>\d+|a|an|one|un|uno|una)"
_UNIT = r"(?P<u>[a-z]+)"
_RELATIVE = [
    # (pattern, sign): sign -1 goes back in time.
    (lazy(rf"{_COUNT} {_UNIT} (?:ago|fa)", re.ASCII), -1),
    (lazy(rf"(?:in|tra|fra) {_COUNT} {_UNIT}", re.ASCII), 1),
    (lazy(rf"(?P<sign>[+-]) ?(?P<n>\d+) ?{_UNIT}", re.ASCII), 0),
]

_WORDS: dict[str, int] = {
    "today": 0,
    "oggi": 0,
    "yesterday": -1,
    "ieri": -1,
    "tomorrow": 1,
    "domani": 1,
    "dopodomani": 2,
    "altroieri": -2,
    "l'altroieri": -2,
    "l'altro ieri": -2,
}

_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("monday", "mon", "lunedì", "lunedi", "lun"),
        ("tuesday", "tue", "tues", "martedì", "martedi", "mar"),
        ("wednesday", "wed", "mercoledì", "mercoledi", "mer"),
        ("thursday", "thu", "thur", "thurs", "giovedì", "giovedi", "gio"),
        ("friday", "fri", "venerdì", "venerdi", "ven"),
        ("saturday", "sat", "sabato", "sab"),
        ("sunday", "sun", "domenica", "dom"),
    )
):
    _WEEKDAYS.update(dict.fromkeys(_names, _i))
_NEXT_WORDS = {"next", "prossimo", "prossima"}
_LAST_WORDS = {"last", "scorso", "scorsa"}

# Same separator on both sides, so "23/11-2026" is rejected rather than guessed.
_ISO = lazy(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", re.ASCII)
_NUMERIC = lazy(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})", re.ASCII)
_ISO_NO_YEAR = lazy(r"(?:--)?(\d{1,2})-(\d{1,2})|--(\d{2})(\d{2})", re.ASCII)
_NUMERIC_NO_YEAR = lazy(r"(\d{1,2})[/.](\d{1,2})", re.ASCII)
_STORED_BIRTHDAY = lazy(r"(\d{4})-(\d{2})-(\d{2})|--(\d{2})-(\d{2})", re.ASCII)


# --------------------------------------------------------------------------- helpers


def _show(text: str) -> str:
    """The user's input, quoted so that error messages stay on one short line."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"'{shown}'"


def _normalise(text: str) -> str:
    # NFC so a decomposed "venerdì" (i + combining accent) matches the table.
    folded = unicodedata.normalize("NFC", text).casefold()
    return " ".join(folded.split())


def _check_order(date_order: str) -> str:
    order = date_order.strip().upper()
    if order not in _ORDERS:
        raise InvalidValue(f"invalid date order {_show(date_order)}: use DMY or MDY")
    return order


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift(start: date, n: int, unit: str) -> date:
    """``start`` moved by n units; raises OverflowError/ValueError past year 1 or 9999."""
    if unit == "days":
        return start + timedelta(days=n)
    if unit == "weeks":
        return start + timedelta(weeks=n)
    return _add_months(start, n if unit == "months" else 12 * n)


def _add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the month's end (31 Jan + 1 month =
    28 or 29 Feb), as dateutil's relativedelta does: by hand, because ``crm due``
    moves thousands of last contacts by their cadence and relativedelta is 10x slower."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year} is out of range")
    if month == 2:
        last = 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    else:
        last = 30 if month in (4, 6, 9, 11) else 31
    return date(year, month, min(start.day, last))


def _explicit_date(s: str, order: str, not_after: date | None = None) -> date | None:
    """A date written with digits (ISO or in ``order``), or None if ``s`` is not one.

    A two-digit year is 20yy, or 19yy when that would fall after ``not_after``.
    """
    if m := _ISO().fullmatch(s):
        return _date_or_none(int(m[1]), int(m[3]), int(m[4]))
    if m := _NUMERIC().fullmatch(s):
        first, second, year_text = int(m[1]), int(m[3]), m[4]
        day, month = (first, second) if order == "DMY" else (second, first)
        if len(year_text) == 4:
            return _date_or_none(int(year_text), month, day)
        result = _date_or_none(2000 + int(year_text), month, day)
        if result is not None and not_after is not None and result > not_after:
            result = _date_or_none(1900 + int(year_text), month, day)
        return result
    return None


def _weekday(s: str, today: date) -> date | None:
    words = s.split(" ")
    direction = 1
    if len(words) == 2:
        # "next friday", "prossimo venerdì", "venerdì scorso": the qualifier on either side.
        qualifier = words[0] if words[0] in _NEXT_WORDS | _LAST_WORDS else words[1]
        words.remove(qualifier)
        if qualifier in _LAST_WORDS:
            direction = -1
        elif qualifier not in _NEXT_WORDS:
            return None
    if len(words) != 1 or words[0] not in _WEEKDAYS:
        return None
    target = _WEEKDAYS[words[0]]
    if direction == 1:
        # Strictly after today: "friday" said on a Friday means the next one.
        return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    return today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)


def _relative(s: str, today: date) -> date | None:
    if s in _WORDS:
        return today + timedelta(days=_WORDS[s])
    for pattern, sign in _RELATIVE:
        m = pattern().fullmatch(s)
        if m is None or m["u"] not in _UNITS:
            continue
        n = 1 if m["n"] in _ONE else int(m["n"])
        if sign == 0:
            sign = -1 if m["sign"] == "-" else 1
        return _shift(today, sign * n, _UNITS[m["u"]])
    return None


# --------------------------------------------------------------------------- dates


def parse_date(text: str, *, today: date, date_order: str = "DMY") -> date:
    """A date typed by the user: ISO, numeric in ``date_order``, relative or a weekday."""
    order = _check_order(date_order)
    s = _normalise(text)
    try:
        result = _explicit_date(s, order) or _relative(s, today) or _weekday(s, today)
    except (OverflowError, ValueError):
        # "+999999 years" and friends: syntactically fine but outside the calendar.
        result = None
    if result is None:
        numeric = "DD/MM/YYYY" if order == "DMY" else "MM/DD/YYYY"
        raise InvalidValue(
            f"invalid date {_show(text)}: use YYYY-MM-DD, {numeric}, today, yesterday, "
            "tomorrow, '3 days ago', 'in 2 weeks', +10d or a weekday name"
        )
    if not FIRST_DAY <= result <= LAST_DAY:
        raise InvalidValue(f"invalid date {_show(text)}: {RANGE_TEXT}")
    return result


# --------------------------------------------------------------------------- birthdays


def _birthday_error(text: str, order: str) -> InvalidValue:
    numeric = "DD/MM/YYYY" if order == "DMY" else "MM/DD/YYYY"
    return InvalidValue(
        f"invalid birthday {_show(text)}: use YYYY-MM-DD, MM-DD (no year), or {numeric}"
    )


def _month_day_ok(month: int, day: int) -> bool:
    # 2000 is a leap year, so 29 Feb is accepted without a year.
    return _date_or_none(2000, month, day) is not None


def parse_birthday(text: str, *, today: date, date_order: str = "DMY") -> str:
    """``YYYY-MM-DD`` when the year is given, else the vCard/ISO no-year form ``--MM-DD``.

    Only explicit dates: "today" or "3 days ago" are never what a birthday means.
    """
    order = _check_order(date_order)
    s = _normalise(text)

    # A two-digit year in a birthday is a past year: "14/03/85" is 1985, not 2085.
    full = _explicit_date(s, order, not_after=today)
    if full is None and (_ISO().fullmatch(s) or _NUMERIC().fullmatch(s)):
        raise _birthday_error(text, order)  # the right shape but an impossible day
    if full is not None:
        if full > today:
            raise InvalidValue(
                f"invalid birthday {_show(text)}: it is in the future (today is {today})"
            )
        if full < FIRST_DAY:
            raise InvalidValue(f"invalid birthday {_show(text)}: {RANGE_TEXT}")
        return full.isoformat()

    if m := _ISO_NO_YEAR().fullmatch(s):
        month, day = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[4]))
    elif m := _NUMERIC_NO_YEAR().fullmatch(s):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if order == "DMY" else (second, first)
    else:
        raise _birthday_error(text, order)
    if not _month_day_ok(month, day):
        raise _birthday_error(text, order)
    return f"--{month:02d}-{day:02d}"


def birthday_in_year(birthday: str, year: int) -> date:
    """When ``birthday`` (``YYYY-MM-DD`` or ``--MM-DD``) falls in ``year``.

    29 Feb is celebrated on 28 Feb in non-leap years.
    """
    month = day = 0  # an invalid month-day unless the text matches
    if m := _STORED_BIRTHDAY().fullmatch(birthday.strip()):
        month, day = (int(m[2]), int(m[3])) if m[1] else (int(m[4]), int(m[5]))
    if not _month_day_ok(month, day) or not 1 <= year <= 9999:
        raise InvalidValue(
            f"invalid birthday {_show(birthday)} for year {year}: expected YYYY-MM-DD or --MM-DD"
        )
    if (month, day) == (2, 29) and _date_or_none(year, 2, 29) is None:
        return date(year, 2, 28)
    return date(year, month, day)


# --------------------------------------------------------------------------- cadences

_RRULE_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# RFC 5545 parts only: dateutil's BYEASTER would also break the 400-year shift below.
_RRULE_KEYS = {
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
}  # fmt: skip
_RRULE_PART = lazy(r"([A-Z]+)=([A-Z0-9,+\-]+)", re.ASCII)
_UNTIL = lazy(r"(\d{4})(\d{4})(T\d{6})?Z?", re.ASCII)
# dateutil checks UNTIL only on matching dates, so a rule that never matches again
# (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30, or a COUNT not yet reached) is walked day by day
# to year 9999: seconds of work. The Gregorian calendar repeats exactly every 400 years
# (146097 days, a whole number of weeks), so the search runs on a copy of the timeline
# moved close to 9999, which leaves between 50 and 450 years to look through.
_GREGORIAN_CYCLE_YEARS = 400
_RRULE_MIN_HORIZON_YEARS = 50
# approx_days measures an rrule from here: any fixed date keeps the result reproducible.
_RRULE_REFERENCE = date(2026, 1, 1)


def _cadence_error(text: str) -> InvalidValue:
    return InvalidValue(
        f"invalid cadence {_show(text)}: use '2 weeks', 'monthly', 'every 2 months', "
        "'quarterly', 'yearly', 'never' or an RRULE such as FREQ=MONTHLY;BYDAY=1MO"
    )


def _rule_parts(rule: str) -> dict[str, str]:
    """The KEY=VALUE parts of a normalised rule, checked beyond what dateutil checks."""
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        m = _RRULE_PART().fullmatch(part)
        if m is None or m[1] in parts or m[1] not in _RRULE_KEYS:
            raise _cadence_error(rule)
        parts[m[1]] = m[2]
    if parts.get("FREQ") not in _RRULE_FREQS:
        # Sub-daily rules make no sense for check-ins tracked by the day.
        raise _cadence_error(rule)
    if "COUNT" in parts and "UNTIL" in parts:  # RFC 5545 forbids both
        raise _cadence_error(rule)
    for key in ("COUNT", "INTERVAL"):  # INTERVAL=0 sends dateutil into an endless loop
        if key in parts and not re.fullmatch(r"[1-9]\d{0,8}", parts[key]):
            raise _cadence_error(rule)
    if "UNTIL" in parts and not _UNTIL().fullmatch(parts["UNTIL"]):
        raise _cadence_error(rule)
    return parts


@lru_cache(maxsize=256)
def _parsed_rule(text: str) -> Any:
    from dateutil.rrule import rrulestr

    return rrulestr(text, dtstart=datetime(2000, 1, 1))


def _occurrences(rule: str, start: date, *, honour_limits: bool) -> Iterator[date]:
    """Dates of ``rule`` with dtstart ``start``, at least 50 years ahead (up to 9999).

    With ``honour_limits=False`` COUNT and UNTIL are dropped: the rule's rhythm only.
    """
    parts = _rule_parts(rule)
    if not honour_limits:
        parts.pop("COUNT", None)
        parts.pop("UNTIL", None)
    cycles = max(0, (9999 - _RRULE_MIN_HORIZON_YEARS - start.year) // _GREGORIAN_CYCLE_YEARS)
    shift = cycles * _GREGORIAN_CYCLE_YEARS
    if "UNTIL" in parts:
        m = _UNTIL().fullmatch(parts.pop("UNTIL"))
        assert m is not None  # checked by _rule_parts
        if int(m[1]) + shift <= 9999:  # else it ends after the search does anyway
            # The UTC "Z" is dropped: dateutil wants a naive UNTIL with a naive dtstart,
            # and at the granularity of days the difference does not matter.
            parts["UNTIL"] = f"{int(m[1]) + shift:04d}{m[2]}{m[3] or 'T000000'}"

    text = ";".join(f"{key}={value}" for key, value in parts.items())
    dtstart = datetime.combine(start.replace(year=start.year + shift), time())
    try:
        # The rule is parsed once; replace() rebuilds it from the parsed parts with this
        # dtstart (what rrulestr would give), for half the cost: 200 clients with an
        # RRULE cadence are each moved by it on every `crm due`.
        for occurrence in _parsed_rule(text).replace(dtstart=dtstart):
            yield occurrence.date().replace(year=occurrence.year - shift)
    except Exception as exc:  # dateutil signals a bad rule with assorted exception types
        raise _cadence_error(rule) from exc


def _rrule_approx_days(rule: str) -> float:
    dates: list[date] = []
    for occurrence in _occurrences(rule, _RRULE_REFERENCE, honour_limits=False):
        if not dates or occurrence != dates[-1]:  # BYHOUR can repeat a day
            dates.append(occurrence)
        if len(dates) == 2:
            return max(1.0, float((dates[1] - dates[0]).days))
    return float("inf")


@dataclass(frozen=True)
class Cadence:
    """How often a client should be contacted."""

    kind: str  # "never" | "interval" | "rrule"
    n: int = 0  # for interval
    unit: str = ""  # "days" | "weeks" | "months" | "years" for interval
    rule: str = ""  # for rrule: upper-case RRULE text without the "RRULE:" prefix

    def canonical(self) -> str:
        """The text stored in the book and shown to users; parse_cadence reads it back."""
        if self.kind == "interval":
            unit = self.unit[:-1] if self.n == 1 else self.unit
            return f"{self.n} {unit}"
        if self.kind == "rrule":
            return f"RRULE:{self.rule}"
        return "never"

    def next_after(self, last: date) -> date | None:
        """The next check-in strictly after ``last``; None if there is none."""
        if self.kind == "interval":
            try:
                return _shift(last, self.n, self.unit)
            except (OverflowError, ValueError):
                return None  # beyond year 9999: there is no next date to give
        if self.kind == "rrule":
            for occurrence in _occurrences(self.rule, last, honour_limits=True):
                if occurrence > last:
                    return occurrence
        return None

    def approx_days(self) -> float:
        """The cadence length in days, to compare how overdue clients are."""
        if self.kind == "interval":
            return self.n * _UNIT_DAYS[self.unit]
        if self.kind == "rrule":
            # The rhythm of the rule, not whether COUNT/UNTIL have run out.
            return _rrule_approx_days(self.rule)
        return float("inf")


_NEVER = Cadence("never")
_NAMED: dict[str, Cadence] = {
    **dict.fromkeys(("never", "mai"), _NEVER),
    **dict.fromkeys(("daily", "giornaliero", "quotidiano"), Cadence("interval", 1, "days")),
    **dict.fromkeys(("weekly", "settimanale"), Cadence("interval", 1, "weeks")),
    **dict.fromkeys(("fortnightly", "biweekly"), Cadence("interval", 2, "weeks")),
    **dict.fromkeys(("monthly", "mensile"), Cadence("interval", 1, "months")),
    **dict.fromkeys(("bimestrale",), Cadence("interval", 2, "months")),
    **dict.fromkeys(("quarterly", "trimestrale"), Cadence("interval", 3, "months")),
    **dict.fromkeys(
        ("semiannually", "semi-annually", "semestrale"), Cadence("interval", 6, "months")
    ),
    **dict.fromkeys(("yearly", "annually", "annual", "annuale"), Cadence("interval", 1, "years")),
}
_EVERY_N = lazy(rf"(?:(?:every|ogni) )?(?P<n>-?\d{{1,9}}) ?{_UNIT}", re.ASCII)
_EVERY = lazy(rf"(?:every|ogni) (?P<other>other )?{_UNIT}", re.ASCII)


def _parse_rrule(text: str) -> Cadence:
    rule = "".join(text.split()).upper()
    rule = rule.removeprefix("RRULE:").strip(";")
    if "DTSTART" in rule:
        raise InvalidValue(
            f"invalid cadence {_show(text)}: leave DTSTART out, the rule starts at the last contact"
        )
    try:
        approx = _rrule_approx_days(rule)
    except InvalidValue:
        raise _cadence_error(text) from None
    if approx > _MAX_CADENCE_DAYS:
        raise InvalidValue(
            f"invalid cadence {_show(text)}: the rule must repeat at least once every 10 years"
        )
    return Cadence("rrule", rule=rule)


def parse_cadence(text: str) -> Cadence:
    """A contact cadence: a named rhythm, 'N units', 'every N units', Nw or an RRULE."""
    s = _normalise(text)
    if "=" in s:
        return _parse_rrule(text)
    if s in _NAMED:
        return _NAMED[s]
    if m := _EVERY_N().fullmatch(s):
        n_text, unit = m["n"], m["u"]
    elif m := _EVERY().fullmatch(s):
        n_text, unit = ("2" if m["other"] else "1"), m["u"]
    else:
        raise _cadence_error(text)
    if unit not in _UNITS:
        raise _cadence_error(text)
    n, unit = int(n_text), _UNITS[unit]
    if n < 1 or n * _UNIT_DAYS[unit] > _MAX_CADENCE_DAYS:
        raise InvalidValue(
            f"invalid cadence {_show(text)}: the interval must be between 1 day and 10 years"
        )
    return Cadence("interval", n, unit)


def local_to_utc(day: date, at: time, zone: tzinfo) -> datetime:
    """The moment the clocks of ``zone`` show ``at`` on ``day``, in UTC.

    Each day is converted on its own, so the hour follows summer time: 08:00 in
    Rome is 07:00Z in winter and 06:00Z in summer. A time the clocks skip (02:30
    on the spring change) is read with the offset before the change, so it falls
    an hour later on the wall (03:30); a time they show twice (02:30 on the
    autumn change) is the first of the two, still in summer time.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
