"""A plan item as a plain record, and back: what the memo of a day's plan keeps.

The plan of a day is a pure function of each client's record, digest, snooze,
steps and planned meetings, of the settings and of the day. The store keeps each
client's items for a day once computed, and drops them when any of those change;
these functions are the items' form there (a list, so that 1,700 items parse in
a few milliseconds).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crm_cli.core.models import PlannedStep, Source
from crm_cli.core.scheduler import Item, sort_key

# Bump when the record's shape changes: a memo of another shape is never read.
MEMO_SHAPE = "3"


def item_record(item: Item, key: tuple[Any, ...] | None = None) -> list[Any]:
    """The record of ``item``; ``key``: its ``sort_key``, when the caller has it."""
    source = item.source
    step = item.step
    return [
        item.client_id,
        item.client,
        item.reason,
        item.channel,
        item.due.isoformat(),
        item.overdue_days,
        item.neglected,
        item.detail,
        item.urgency,
        source.kind if source else None,
        source.id if source else None,
        item.purpose,
        item.quoted,
        step.to_dict() if step else None,
        list((key or sort_key(item))[:3]),  # the order's folded name, once (not per read)
    ]


def ordered(records: list[list[Any]]) -> list[Item]:
    """The items of these records, in the scheduler's order (``sort_key``)."""
    records.sort(key=lambda r: (r[14][0], r[14][1], r[14][2], r[0], r[4], r[10] or ""))
    return [item_of(r) for r in records]


def item_of(record: list[Any]) -> Item:
    """The item ``item_record`` made (ValueError, TypeError or KeyError if damaged)."""
    (cid, name, reason, channel, due, late, neglected, detail, urgency) = record[:9]
    kind, source_id, purpose, quoted, step = record[9:14]
    return Item(  # by position, in the fields' order: half the cost of keywords
        cid,
        name,
        reason,
        channel,
        date.fromisoformat(due),
        int(late),
        bool(neglected),
        detail,
        float(urgency),
        Source(kind, source_id) if kind else None,
        purpose,
        quoted,
        PlannedStep.from_dict(step) if step else None,
    )


def memo_key(*parts: str) -> str:
    """One key for everything a memo depends on besides the clients' own records
    (the text itself: a hash would cost the import of hashlib on every ``crm due``)."""
    return "\x1f".join((MEMO_SHAPE, *parts))
