"""The stable JSON shapes of ``--json`` output (ISO dates, every key always present)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm_cli.core.models import Client, Touchpoint


def client_record(
    client: Client, last_contact: date | None, include_private: bool = False
) -> dict[str, Any]:
    record = client.to_dict()
    record["cadence"] = client.cadence
    record["last_contact"] = last_contact.isoformat() if last_contact else None
    del record["mobiles"]
    # The address book's UID is sync plumbing (export json and export client keep it).
    del record["card_uid"]
    if not include_private:
        del record["private_note"]
    return record


def touchpoint_record(tp: Touchpoint, include_private: bool = False) -> dict[str, Any]:
    record = tp.to_dict()
    record.setdefault("topic", None)
    # source, thread, purpose and handled (crm capture) are there only when set: the
    # shape of a touchpoint logged by hand stays as it was.
    if tp.private and not include_private:
        record["note"] = None
        record["topic"] = None
    return record


def topic_record(tp: Touchpoint) -> dict[str, Any]:
    """An open topic as ``show --json`` lists it."""
    return {"id": tp.id, "date": tp.date.isoformat(), "topic": tp.topic}


def touchpoint_flags(tp: Touchpoint) -> list[str]:
    """What is special about a touchpoint, in words, for tables and profiles."""
    flags = [
        label
        for label, on in (
            ("needs reply", tp.needs_reply),
            ("incident", tp.incident),
            ("private", tp.private),
            ("handled", tp.handled),
        )
        if on
    ]
    if tp.follow_up:
        flags.append(f"follow up {tp.follow_up.isoformat()}")
    return flags
