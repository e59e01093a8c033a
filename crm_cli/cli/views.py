"""Views more than one command shows: the morning's due table (``crm due``, ``crm demo``),
and the card fields of a client's profile (``crm show``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from crm_cli.cli.output import table, wrap

if TYPE_CHECKING:
    from crm_cli.core.models import Client
    from crm_cli.core.scheduler import Item


def card_fields(client: Client) -> list[tuple[str, str]]:
    """``(label, text)`` of what an imported card brings (issue 15), those that are set."""
    rows: list[tuple[str, str]] = []
    if client.job_title:
        rows.append(("job title", client.job_title))
    if client.nicknames:
        rows.append(("nicknames", ", ".join(client.nicknames)))
    if client.address:
        a = client.address
        town = " ".join(p for p in (a.get("postcode"), client.city) if p)
        parts = [a.get("street"), town, a.get("region"), a.get("country")]
        rows.append(("address", ", ".join(p for p in parts if p)))
    if client.urls:
        rows.append(("web", ", ".join(client.urls)))
    if client.ims:
        rows.append(("chat", ", ".join(f"{i['handle']} ({i['service']})" for i in client.ims)))
    if client.anniversaries:
        dates = (f"{a['date']} ({a['label']})" for a in client.anniversaries)
        rows.append(("dates", ", ".join(dates)))
    return rows


def late_label(days: int) -> str:
    return "today" if days <= 0 else f"{days}d late"


def _due_table(items: list[Item]) -> str:
    """One row per item, its detail on an indented line below: fits 80 columns."""
    rows = [
        [
            str(n),
            item.reason,
            item.client + (" !" if item.neglected else ""),
            item.channel,
            late_label(item.overdue_days),
        ]
        for n, item in enumerate(items, 1)
    ]
    lines = table(["#", "WHY", "CLIENT", "VIA", "WHEN"], rows, shrink=(2,)).split("\n")
    indent = " " * (len(str(len(items))) + 2)
    out_lines = [lines[0]]
    for line, item in zip(lines[1:], items, strict=True):
        out_lines.append(line)
        out_lines.extend(wrap(item.detail, 78, indent, indent + "  ", max_lines=3))
    return "\n".join(out_lines)


def render_due(items: list[Item], total: int, today: date) -> str:
    """The morning view as text (also shown by ``crm demo``)."""
    day = f"{today:%A} {today.day} {today:%B %Y}"
    if not items:
        return f"Nothing is due on {day}: everyone has been looked after."
    shown = f"{len(items)} of {total}" if len(items) < total else str(total)
    lines = [f"Due on {day}: {shown} {'item' if total == 1 else 'items'}, most urgent first", ""]
    lines.append(_due_table(items))
    if any(item.neglected for item in items):
        lines += ["", "! neglected: last contact more than twice the cadence ago"]
    return "\n".join(lines)


def contacts_line(months: list[int], today: date) -> str:
    """``crm show``'s sparkline: contacts per month over the 24 months up to ``today``'s."""
    from crm_cli.core.months import month_labels
    from crm_cli.core.sparkline import sparkline

    labels = month_labels(today, len(months))
    first, last = (date.fromisoformat(f"{label}-01") for label in (labels[0], labels[-1]))
    total = sum(months)
    return (
        f"  {'contacts:':<14}{sparkline(months)}  {total} in {len(months)} months "
        f"({first:%b %Y} to {last:%b %Y})"
    )
