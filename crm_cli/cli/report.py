"""``crm report``: whether the promise is kept, over months: in the terminal, JSON or HTML."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from crm_cli.cli import common
from crm_cli.cli.output import err, out, print_json, table, wrap
from crm_cli.services import report as reporting

WIDTH = 78


def report(
    from_: str | None = typer.Option(
        None, "--from", help="First day (default: a year before --to).", metavar="DATE"
    ),
    to: str | None = typer.Option(None, "--to", help="Last day (default today).", metavar="DATE"),
    as_json: bool = typer.Option(False, "--json", help="Every figure as JSON."),
    html: Path | None = typer.Option(
        None, "--html", help="Also write the report as one HTML page.", metavar="FILE"
    ),
    date_: str | None = common.DateOption,
) -> None:
    """How clients were looked after over the last twelve months: fairness, replies, more."""
    today = common.today(date_)
    start = common.parse_day(from_, today) if from_ else None
    end = common.parse_day(to, today) if to else None
    start, end = reporting.period(today, start, end)
    settings = common.settings()
    with common.book() as book:
        data = reporting.figures(book, settings, start, end)
    if html is not None:
        size = reporting.write_html(html, data)
        err(f"wrote the report to {html} ({size / 1e6:.1f} MB)")
    if as_json:
        print_json(data)
        return
    out(render(data))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{round(100 * share)}%"


def _days(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}d"


def _fairness(data: dict[str, Any]) -> list[str]:
    fairness = data["fairness"]
    rows = [
        [
            f"tier {g['group']}" if g["group"] != "none" else "no tier",
            str(g["clients"]),
            _pct(g["share_within"]),
            _days(g["median_lateness_days"]),
            str(g["neglected"]),
        ]
        for g in fairness["by_tier"]
    ]
    rows += [
        [
            g["group"],
            str(g["clients"]),
            _pct(g["share_within"]),
            _days(g["median_lateness_days"]),
            str(g["neglected"]),
        ]
        for g in fairness["by_tenure"]
    ]
    lines = [
        "Fairness: contacted within their cadence (median lateness of those late)",
        *_indent(table(["GROUP", "CLIENTS", "WITHIN", "LATENESS", "NEGLECTED"], rows)),
    ]
    return lines


def _replies(data: dict[str, Any]) -> list[str]:
    replies = data["replies"]
    window = replies["reply_within_working_days"]
    head = (
        f"Replies: days to answer a request (window: {window} working "
        f"day{'' if window == 1 else 's'})"
    )
    if not replies["requests"]:
        return [head, "  no requests in the period"]
    rows = [
        [
            m["month"],
            str(m["requests"]),
            _days(m["median_days"]),
            _days(m["p90_days"]),
            _pct(m["share_within"]),
            str(m["unanswered"]),
        ]
        for m in replies["months"]
        if m["requests"]  # a month without requests has nothing to show (--json has it)
    ]
    rows.append(
        [
            "all",
            str(replies["requests"]),
            _days(replies["median_days"]),
            _days(replies["p90_days"]),
            _pct(replies["share_within"]),
            str(replies["unanswered"]),
        ]
    )
    headers = ["MONTH", "REQUESTS", "MEDIAN", "P90", "IN TIME", "UNANSWERED"]
    return [head, *_indent(table(headers, rows))]


def _recoveries(data: dict[str, Any]) -> list[str]:
    rec = data["recoveries"]
    within = rec["recover_within_days"]
    window = f"{within} day{'' if within == 1 else 's'}"
    if not rec["incidents"]:
        return ["Recoveries: no incidents in the period"]
    head = (
        f"Recoveries: {_plural(rec['incidents'], 'incident')}, {rec['recovered_within']} "
        f"recovered within {window}, {rec['recovered_late']} later, "
        f"{rec['never_recovered']} never recovered"
    )
    lines = wrap(head, WIDTH, "", "  ", max_lines=3)
    if rec["unrecovered"]:
        lines.append("  never recovered, oldest first:")
    for row in rec["unrecovered"][:SHOWN]:
        lines.append(
            f"    {row['date']}  {row['client']} ({row['client_id']}), "
            f"open {_plural(row['days_open'], 'day')}"
        )
    if len(rec["unrecovered"]) > SHOWN:
        lines.append(f"    ... and {len(rec['unrecovered']) - SHOWN} more (see --json)")
    return lines


SHOWN = 10


def _slipping(data: dict[str, Any]) -> list[str]:
    from crm_cli.core.sparkline import sparkline

    rows = data["slipping"]
    head = "Slipping: the most overdue for their cadence (below: 24 months of contacts)"
    if not rows:
        return [head, "  nobody is overdue"]
    cells = [
        [
            row["client"],
            row["tier"] or "-",
            row["cadence"],
            f"{row['last_contact']} {row['last_channel']}" if row["last_contact"] else "never",
            f"{row['days_overdue']}d",
            f"{row['times_cadence']:.1f}x",
        ]
        for row in rows
    ]
    lines = table(
        # A long RRULE gives way before a name does (the widest shrinkable column first).
        ["CLIENT", "TIER", "CADENCE", "LAST CONTACT", "OVERDUE", "CADENCES"],
        cells,
        shrink=(2, 0),
    ).split("\n")
    # Not indented: the table already takes the terminal's width.
    found = [head, lines[0]]
    for line, row in zip(lines[1:], rows, strict=True):
        found.append(line)
        found.append("  " + sparkline(row["months"]))
    return found


def _ruler(weeks: list[str]) -> str:
    """Month names above the weeks they start in (skipped where they would overlap)."""
    line = [" "] * len(weeks)
    free = 0
    for i, week in enumerate(weeks):
        day = date.fromisoformat(week)
        starts = i == 0 or day.month != date.fromisoformat(weeks[i - 1]).month
        if starts and i >= free:
            name = f"{day:%b}"
            if i + len(name) > len(weeks):
                break
            line[i : i + len(name)] = list(name)
            free = i + len(name) + 1
    return "".join(line).rstrip()


def _activity(data: dict[str, Any]) -> list[str]:
    from crm_cli.core.sparkline import SHADES, heat_row

    act = data["activity"]
    weeks = act["weeks"]
    lines = [
        f"Activity: {_plural(act['contacts'], 'contact')} in the period, in and out and by channel",
        f"  one column a week from Monday {weeks[0]}; {SHADES} from fewest to most",
        f"  {'':<8}{_ruler(weeks)}",
    ]
    top = max((max(v, default=0) for v in act["by_direction"].values()), default=0)
    for name, values in act["by_direction"].items():
        lines.append(f"  {name:<8}{heat_row(values, top)}  {sum(values)}")
    top = max((max(v, default=0) for v in act["by_channel"].values()), default=0)
    for name, values in act["by_channel"].items():
        lines.append(f"  {name:<8}{heat_row(values, top)}  {sum(values)}")
    return lines


def _indent(text: str) -> list[str]:
    return ["  " + line for line in text.split("\n")]


def render(data: dict[str, Any]) -> str:
    """The report as text for an 80-column terminal."""
    period = data["period"]
    fairness = data["fairness"]
    summary = (
        f"Report from {period['from']} to {period['to']}: {fairness['clients']} clients "
        f"measured, {fairness['within_cadence']} contacted within their cadence, "
        f"{fairness['neglected']} neglected."
    )
    lines = [
        *wrap(summary, WIDTH, "", "", max_lines=3),
        "",
        *wrap(data["headline"], WIDTH, "", "", max_lines=6),
    ]
    for section in (_fairness, _replies, _recoveries, _slipping, _activity):
        lines += ["", *section(data)]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
