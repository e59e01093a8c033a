"""The report (``crm report``): figures over a period, from clients, touchpoints and settings.

Pure: one pass over the touchpoints, grouped by client, gives every figure as
JSON-ready data (the terminal text, ``--json`` and the HTML page all read it).
No note of any kind is ever copied into it: a report shows patterns, not words.

Definitions decided here beyond the issue's text:

* the clients measured are those not archived, not do-not-contact, with a
  cadence (``never`` opts out) and a ``since`` on or before the period's end;
* *contacted within their cadence*: every check-in that fell due up to the end
  of the period was met by a contact (in or out, notes aside) on or before its
  day; a client's *lateness* is the worst number of days one was missed by
  within the period (one due before the start counts from the start, one still
  open at the end up to the end); the *median lateness* is over the clients who
  were late at all;
* *neglected* is the scheduler's rule on the period's last day: the last contact
  more than twice the cadence ago;
* tenure is whole years from ``since`` to the period's end; *long-standing* is
  five years or more (as for anniversaries), *new* under one;
* a request is answered by the first outbound contact after it that answers its
  thread (as the digest decides), closed without an answer by ``crm handled``
  (then left out); the reply window is ``reply_within`` working days;
* an incident is recovered by the first outbound contact after it, in time when
  within ``recover_within`` days;
* weeks start on Monday; months and weeks with nothing are zeros, never gaps.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from crm_cli.core import terms
from crm_cli.core.dates import Cadence
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.months import SERIES_MONTHS, month_labels, monthly_counts
from crm_cli.core.months import month_index as _month_index
from crm_cli.core.scheduler import add_workdays, client_cadence
from crm_cli.core.settings import Settings

__all__ = [
    "CHANNELS",
    "SAME_ATTENTION_POINTS",
    "SERIES_MONTHS",
    "SLIPPING",
    "TENURE_BANDS",
    "Record",
    "build_report",
    "default_period",
    "month_labels",
    "monthly_counts",
    "records_of",
    "tenure_years",
]

SLIPPING = 10
SAME_ATTENTION_POINTS = 5  # shares this close count as "the same attention"
LONG_STANDING_YEARS = 5
CHANNELS = tuple(c for c in terms.LOG_CHANNELS if c not in terms.NOT_A_CONTACT)
NO_TIER = "none"
# (label, first year, first year past the band)
TENURE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 year", 0, 1),
    ("1-5 years", 1, 5),
    ("5-10 years", 5, 10),
    ("over 10 years", 10, None),
)


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months up to ``today``: the same day a year back, plus one."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def tenure_years(since: date, on: date) -> int:
    """Whole years from ``since`` to ``on`` (0 before the first anniversary)."""
    years = on.year - since.year - ((on.month, on.day) < (since.month, since.day))
    return max(years, 0)


def _band(years: int) -> str:
    for label, low, high in TENURE_BANDS:
        if years >= low and (high is None or years < high):
            return label
    return TENURE_BANDS[-1][0]  # pragma: no cover - the last band has no end


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[int]) -> float | None:
    import statistics  # with random and decimal: not for `crm show`, which draws months

    return float(statistics.median(values)) if values else None


def _p90(values: list[int]) -> int | None:
    """The 90th percentile by nearest rank: a value that was really seen."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[-(-9 * len(ordered) // 10) - 1]


# --------------------------------------------------------------------------- per client


Record = Mapping[str, Any]
"""A touchpoint as the store keeps it (``Touchpoint.to_dict``): what the report reads,
key by key, without a model object for each of 250,000. Its note and topic are never read."""


def records_of(touchpoints: Iterable[Touchpoint]) -> list[Record]:
    """Touchpoints as records, in the order they were logged."""
    return [tp.to_dict() for tp in sorted(touchpoints, key=lambda t: t.seq)]


class _Next:
    """``Cadence.next_after``, quicker: days and weeks as one addition, rules with a memo
    (an RRULE is compiled on every call); 60,000 calls on a 5,000-client book."""

    def __init__(self) -> None:
        self._memo: dict[tuple[Cadence, date], date | None] = {}
        self._steps: dict[Cadence, timedelta | None] = {}

    def __call__(self, cadence: Cadence, base: date) -> date | None:
        try:
            step = self._steps[cadence]
        except KeyError:
            fixed = cadence.kind == "interval" and cadence.unit in ("days", "weeks")
            days = cadence.n * (7 if cadence.unit == "weeks" else 1)
            step = self._steps[cadence] = timedelta(days=days) if fixed else None
        if step is not None:
            try:
                return base + step
            except OverflowError:
                return None
        key = (cadence, base)
        try:
            return self._memo[key]
        except KeyError:
            found = self._memo[key] = cadence.next_after(base)
            return found


@dataclass(slots=True, eq=False)  # never compared: no __eq__ to compile at import
class _Request:
    """One request of the client's, and when it was answered or handled."""

    day: date
    thread: str | None
    answered: date | None = None
    handled: bool = False


@dataclass(slots=True, eq=False)  # never compared: no __eq__ to compile at import
class _Walk:
    """What one client's history gives, up to the period's end."""

    contacts: list[date] = field(default_factory=list)  # days of contacts, oldest first
    last: Record | None = None  # the last contact
    requests: list[_Request] = field(default_factory=list)
    incidents: list[tuple[date, date | None]] = field(default_factory=list)  # day, recovered
    months: list[int] = field(default_factory=lambda: [0] * SERIES_MONTHS)


class _Tally:
    """The period's weekly activity, counted while the histories are walked."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.first = start - timedelta(days=start.weekday())
        self.weeks = (end - self.first).days // 7 + 1
        self.direction = {d: [0] * self.weeks for d in terms.DIRECTIONS}
        self.channels = {c: [0] * self.weeks for c in CHANNELS}
        self.first_month = _month_index(end) - SERIES_MONTHS + 1
        # From this day on every touchpoint counts; before it, only the last contact.
        series_from = date(self.first_month // 12, self.first_month % 12 + 1, 1)
        self.window = min(start, series_from).isoformat()


def _from_window(records: list[Record], window: str, not_contacts: frozenset[str]) -> list[Record]:
    """The part of a client's history (sorted by day) that can change the figures:
    everything from ``window`` (the period's start, or the monthly series' if earlier)
    and, before it, only the last contact. Requests and incidents before the period are
    not reported, and an answer or a recovery is found after its request or incident;
    a contact before the period only gives the day the period's cadence counts from.
    On a long history this skips most of the walk (60% of the records of the D2 book)."""
    at = bisect.bisect_left(records, window, key=operator.itemgetter("date"))
    back = at - 1
    while back >= 0 and records[back]["channel"] in not_contacts:
        back -= 1
    if back <= 0:
        return records if back == 0 or at == 0 else records[at:]
    return records[back:]


def _walk(records: list[Record], tally: _Tally) -> _Walk:
    """Contacts, requests with their answers, incidents with their recoveries; the
    client's months and the period's weeks counted on the way."""
    walk = _Walk()
    records = _from_window(records, tally.window, terms.NOT_A_CONTACT)
    pending: list[_Request] = []
    open_incidents: list[date] = []
    start, months, first_month = tally.start, walk.months, tally.first_month
    end_text = tally.end.isoformat()  # ISO days compare as text
    first_week = tally.first.toordinal()
    by_direction, by_channel = tally.direction, tally.channels
    not_contacts = terms.NOT_A_CONTACT
    contacts = walk.contacts
    parse = date.fromisoformat
    for record in records:
        text = record["date"]
        if text > end_text:
            break
        channel = record["channel"]
        direction = record.get("direction", "out")
        day = parse(text)
        contact = channel not in not_contacts
        if contact:
            contacts.append(day)
            walk.last = record
            month = day.year * 12 + day.month - 1 - first_month
            if month >= 0:
                months[month] += 1
            if day >= start:
                week = (day.toordinal() - first_week) // 7
                by_direction.get(direction, by_direction["out"])[week] += 1
                counts = by_channel.get(channel)
                if counts is not None:
                    counts[week] += 1
        if record.get("handled"):
            for request in pending:
                request.handled = True
            pending = []
        elif contact and direction == "out":
            # What came before it is answered (its own thread, for a captured email);
            # it never closes itself, so it is looked at before being added below.
            if pending:
                thread = record.get("thread")
                still: list[_Request] = []
                for request in pending:
                    if thread is None or request.thread is None or thread == request.thread:
                        request.answered = day
                    else:
                        still.append(request)
                pending = still
            if open_incidents:
                walk.incidents.extend((opened, day) for opened in open_incidents)
                open_incidents = []
        if record.get("needs_reply") and direction == "in":
            request = _Request(day, record.get("thread"))
            walk.requests.append(request)
            pending.append(request)
        if record.get("incident"):
            open_incidents.append(day)
    walk.incidents.extend((opened, None) for opened in open_incidents)
    return walk


def _lateness(
    contacts: list[date],
    since: date,
    cadence: Cadence,
    start: date,
    end: date,
    next_after: _Next,
) -> tuple[int, date]:
    """The worst days a check-in was missed by in the period, and the last contact's day
    (or ``since``) at its end."""
    at = bisect.bisect_left(contacts, start)
    base = contacts[at - 1] if at else since
    worst = 0
    for day in contacts[at:]:
        due = next_after(cadence, base)
        if due is not None and day > due:
            # Lateness is the period's: a check-in missed before it counts from its start.
            worst = max(worst, (day - max(due, start)).days)
        base = max(base, day)
    due = next_after(cadence, base)
    if due is not None and due < end:
        worst = max(worst, (end - max(due, start)).days)
    return worst, base


@dataclass(slots=True, eq=False)  # never compared: no __eq__ to compile at import
class _Measured:
    """One client's lateness against their cadence, for the report's groups."""

    client: Client
    lateness: int
    neglected: bool
    base: date
    cadence: Cadence
    years: int


def _group_figures(group: str, members: list[_Measured]) -> dict[str, Any]:
    within = sum(1 for m in members if m.lateness == 0)
    late = [m.lateness for m in members if m.lateness > 0]
    return {
        "group": group,
        "clients": len(members),
        "within_cadence": within,
        "share_within": _share(within, len(members)),
        "median_lateness_days": _median(late),
        "neglected": sum(1 for m in members if m.neglected),
    }


def _compare(
    name: str, mine: list[_Measured], theirs: list[_Measured], label: str, other: str
) -> dict[str, Any]:
    """Does group ``mine`` get the same attention as ``theirs``? By shares, in points."""
    share = _share(sum(1 for m in mine if m.lateness == 0), len(mine))
    other_share = _share(sum(1 for m in theirs if m.lateness == 0), len(theirs))
    points = None
    verdict = "unknown"
    if share is not None and other_share is not None:
        points = round(100 * share) - round(100 * other_share)
        if abs(points) <= SAME_ATTENTION_POINTS:
            verdict = "same"
        else:
            verdict = "less" if points < 0 else "more"
    return {
        "name": name,
        "group": label,
        "compared_with": other,
        "clients": len(mine),
        "compared_clients": len(theirs),
        "share_within": share,
        "compared_share_within": other_share,
        "points": points,
        "attention": verdict,
        "neglected": sum(1 for m in mine if m.neglected),
    }


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{round(100 * share)}%"


def _sentence(comparison: dict[str, Any], who: str, whom: str) -> str:
    verdict = comparison["attention"]
    if verdict == "unknown":
        missing = who if not comparison["clients"] else whom
        return f"There are no {missing} to compare."
    mine, theirs = _pct(comparison["share_within"]), _pct(comparison["compared_share_within"])
    points = abs(comparison["points"])
    unit = "point" if points == 1 else "points"
    if verdict == "same":
        text = (
            f"{who[0].upper()}{who[1:]} get the same attention as {whom}: {mine} contacted "
            f"within their cadence, against {theirs}"
        )
    elif verdict == "less":
        text = (
            f"{who[0].upper()}{who[1:]} get less attention than {whom}: {mine} contacted "
            f"within their cadence, against {theirs} ({points} {unit} lower)"
        )
    else:
        text = (
            f"{who[0].upper()}{who[1:]} get more attention than {whom}: {mine} contacted "
            f"within their cadence, against {theirs} ({points} {unit} higher)"
        )
    neglected = comparison["neglected"]
    if neglected:
        text += f"; {neglected} of them {'is' if neglected == 1 else 'are'} neglected"
    return text + "."


def _fairness(measured: list[_Measured]) -> tuple[dict[str, Any], str]:
    by_tier = [
        _group_figures(tier, [m for m in measured if (m.client.tier or NO_TIER) == tier])
        for tier in (*terms.TIERS, NO_TIER)
    ]
    by_tenure = [
        _group_figures(label, [m for m in measured if _band(m.years) == label])
        for label, _, _ in TENURE_BANDS
    ]
    small = _compare(
        "small_vs_large",
        [m for m in measured if m.client.tier == "C"],
        [m for m in measured if m.client.tier == "A"],
        "C",
        "A",
    )
    loyal = _compare(
        "long_standing_vs_new",
        [m for m in measured if m.years >= LONG_STANDING_YEARS],
        [m for m in measured if m.years < 1],
        f"{LONG_STANDING_YEARS} years or more",
        "under 1 year",
    )
    headline = " ".join(
        (
            _sentence(small, "small clients (tier C)", "large ones (tier A)"),
            _sentence(
                loyal,
                f"long-standing clients ({LONG_STANDING_YEARS} years or more)",
                "new ones (under a year)",
            ),
        )
    )
    figures = {
        "clients": len(measured),
        "within_cadence": sum(1 for m in measured if m.lateness == 0),
        "neglected": sum(1 for m in measured if m.neglected),
        "by_tier": by_tier,
        "by_tenure": by_tenure,
        "comparisons": [small, loyal],
    }
    return figures, headline


# --------------------------------------------------------------------------- replies, incidents


def _months_between(start: date, end: date) -> list[str]:
    return [
        f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(_month_index(start), _month_index(end) + 1)
    ]


def _reply_figures(rows: list[tuple[int, bool | None]]) -> dict[str, Any]:
    """``rows``: (days to answer, or -1 unanswered; within the window, None if still open)."""
    answered = [days for days, _ in rows if days >= 0]
    counted = [within for _, within in rows if within is not None]
    return {
        "requests": len(rows),
        "answered": len(answered),
        "unanswered": len(rows) - len(answered),
        "median_days": _median(answered),
        "p90_days": _p90(answered),
        "within_window": sum(1 for within in counted if within),
        "share_within": _share(sum(1 for within in counted if within), len(counted)),
    }


def _replies(walks: dict[str, _Walk], settings: Settings, start: date, end: date) -> dict[str, Any]:
    workdays = settings.workday_numbers
    by_month: dict[str, list[tuple[int, bool | None]]] = {
        m: [] for m in _months_between(start, end)
    }
    every: list[tuple[int, bool | None]] = []
    deadlines: dict[date, date] = {}
    for walk in walks.values():
        for request in walk.requests:
            asked = request.day
            if request.handled or asked < start:
                continue
            deadline = deadlines.get(asked)
            if deadline is None:
                deadline = deadlines[asked] = add_workdays(asked, settings.reply_within, workdays)
            row: tuple[int, bool | None]
            if request.answered is not None:
                row = ((request.answered - asked).days, request.answered <= deadline)
            else:  # unanswered: late once the window is over, else not yet judged
                row = (-1, False if deadline < end else None)
            by_month[f"{asked.year:04d}-{asked.month:02d}"].append(row)
            every.append(row)
    return {
        "reply_within_working_days": settings.reply_within,
        **_reply_figures(every),
        "months": [{"month": m, **_reply_figures(rows)} for m, rows in by_month.items()],
    }


def _recoveries(
    walks: dict[str, _Walk], names: dict[str, Client], settings: Settings, start: date, end: date
) -> dict[str, Any]:
    within = late = 0
    never: list[dict[str, Any]] = []
    days_taken: list[int] = []
    for client_id, walk in walks.items():
        for incident, recovered in walk.incidents:
            if incident < start:
                continue
            if recovered is None:
                client = names[client_id]
                never.append(
                    {
                        "client_id": client_id,
                        "client": client.name,
                        "date": incident.isoformat(),
                        "days_open": (end - incident).days,
                    }
                )
                continue
            days = (recovered - incident).days
            days_taken.append(days)
            if days <= settings.recover_within:
                within += 1
            else:
                late += 1
    never.sort(key=lambda row: (row["date"], row["client"], row["client_id"]))
    total = within + late + len(never)
    return {
        "recover_within_days": settings.recover_within,
        "incidents": total,
        "recovered_within": within,
        "recovered_late": late,
        "never_recovered": len(never),
        "share_within": _share(within, total),
        "median_days": _median(days_taken),
        "unrecovered": never,
    }


# --------------------------------------------------------------------------- activity


def _activity(tally: _Tally) -> dict[str, Any]:
    return {
        "weeks": [(tally.first + timedelta(weeks=i)).isoformat() for i in range(tally.weeks)],
        "contacts": sum(sum(counts) for counts in tally.direction.values()),
        # The rows in the vocabulary's order (the keys of the objects are sorted in JSON).
        "rows": [*terms.DIRECTIONS, *CHANNELS],
        "by_direction": tally.direction,
        "by_channel": tally.channels,
    }


# --------------------------------------------------------------------------- the report


def build_report(
    clients: Iterable[Client],
    records: Iterable[Record],
    settings: Settings,
    start: date,
    end: date,
) -> dict[str, Any]:
    """Every figure of the report for ``start``..``end`` (both included), as JSON-ready data.

    ``records``: the touchpoints as stored (:func:`records_of` makes them of models), in
    the order they were logged, which orders the touchpoints of one day; the days may
    come in any order.
    """
    by_client: dict[str, list[Record]] = {}
    for record in records:
        client_id = record["client_id"]
        group = by_client.get(client_id)
        if group is None:
            by_client[client_id] = [record]
        else:
            group.append(record)
    names = {c.id: c for c in clients}
    tally = _Tally(start, end)
    walks: dict[str, _Walk] = {}
    by_day = operator.itemgetter("date")
    for client_id, group in by_client.items():
        if client_id in names:  # a touchpoint of a forgotten client tells nothing
            group.sort(key=by_day)  # stable: a day's touchpoints stay in logging order
            walks[client_id] = _walk(group, tally)

    next_after = _Next()
    measured: list[_Measured] = []
    series: list[dict[str, Any]] = []
    empty = _Walk()
    for client in sorted(names.values(), key=lambda c: (c.name.casefold(), c.id)):
        walk = walks.get(client.id, empty)
        if client.archived or client.since > end:
            continue
        series.append(
            {
                "client_id": client.id,
                "client": client.name,
                "months": walk.months if walk is not empty else [0] * SERIES_MONTHS,
            }
        )
        cadence = client_cadence(client, settings)
        if client.do_not_contact or cadence.kind == "never":
            continue
        lateness, base = _lateness(walk.contacts, client.since, cadence, start, end, next_after)
        neglected = (end - base).days > 2 * cadence.approx_days()
        measured.append(
            _Measured(client, lateness, neglected, base, cadence, tenure_years(client.since, end))
        )

    fairness, headline = _fairness(measured)
    months_of = {row["client_id"]: row["months"] for row in series}
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "headline": headline,
        "fairness": fairness,
        "replies": _replies(walks, settings, start, end),
        "recoveries": _recoveries(walks, names, settings, start, end),
        "slipping": _slipping(measured, walks, next_after, end, months_of),
        "activity": _activity(tally),
        "series": {"months": month_labels(end), "clients": series},
    }


def _slipping(
    measured: list[_Measured],
    walks: dict[str, _Walk],
    next_after: _Next,
    end: date,
    months_of: dict[str, list[int]],
) -> list[dict[str, Any]]:
    """The clients most overdue relative to their cadence on the period's last day."""
    rows: list[tuple[float, _Measured, int]] = []
    for m in measured:
        due = next_after(m.cadence, m.base)
        if due is None or due >= end:
            continue
        rows.append(((end - m.base).days / m.cadence.approx_days(), m, (end - due).days))
    rows.sort(key=lambda row: (-row[0], row[1].client.name.casefold(), row[1].client.id))
    found = []
    for ratio, m, overdue in rows[:SLIPPING]:
        last = walks[m.client.id].last if m.client.id in walks else None
        found.append(
            {
                "client_id": m.client.id,
                "client": m.client.name,
                "tier": m.client.tier,
                "cadence": m.cadence.canonical(),
                "last_contact": last["date"] if last else None,
                "last_channel": last["channel"] if last else None,
                "last_direction": last.get("direction", "out") if last else None,
                "days_overdue": overdue,
                "times_cadence": round(ratio, 2),
                "months": months_of[m.client.id],
            }
        )
    return found
