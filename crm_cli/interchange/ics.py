"""iCalendar (.ics) files: the agenda as all-day events, and coffee proposals.

Written with the ``icalendar`` library (imported inside the functions, so that
commands that never export do not pay for it). Nothing here reads the clock
unless the caller leaves ``generated`` out of ``coffee_ics``.

UIDs are stable so that importing a newer export into the same calendar moves
or rewrites the events it already holds instead of adding copies:

* items with a source (request, incident, promise, playbook step): client +
  reason + source;
* birthdays and anniversaries: client + reason + the day (one a year);
* check-ins: client + reason only, since a client has one check-in open at a
  time; after a contact the next export moves that event to the new date
  rather than leaving the old one behind.

SEQUENCE grows with ``generated`` (minutes since the epoch), so calendars that
only accept an update with a higher SEQUENCE take the newer export.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

    from crm_cli.core.scheduler import Item

__all__ = ["PRODID", "agenda_ics", "coffee_ics", "item_uid"]

PRODID = "-//crm//crm-cli//EN"


def _uid(seed: str) -> str:
    return hashlib.sha1(seed.encode("utf-8")).hexdigest() + "@crm"


def item_uid(item: Item) -> str:
    """The UID of an agenda item's event: its ``id`` (see the module docstring)."""
    return f"{item.id}@crm"


def _utc(moment: datetime) -> datetime:
    # A naive datetime is the local time of this machine (astimezone's rule).
    return moment.astimezone(UTC)


def _calendar(name: str | None = None) -> Any:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def agenda_ics(
    days: list[tuple[date, list[Item]]], generated: datetime, *, shared: Collection[str] = ()
) -> bytes:
    """One all-day event per item, on the day the agenda planned it.

    ``shared``: the ids of shared contacts. A calendar is synced and shown to others,
    so, as in their drafts, their events quote no touchpoint notes.
    """
    from icalendar import Event

    from crm_cli.core.drafting.context import withheld_detail

    calendar = _calendar("crm agenda")
    stamp = _utc(generated)
    sequence = int(stamp.timestamp() // 60)
    for day, items in days:
        for item in items:
            event = Event()
            event.add("uid", item_uid(item))
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("sequence", sequence)
            event.add("dtstart", day)  # a date: written as DTSTART;VALUE=DATE
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", f"{item.reason}: {item.client} ({item.channel})")
            detail = withheld_detail(item) if item.client_id in shared else item.detail
            event.add("description", detail)
            event.add("categories", [item.reason])
            event.add("transp", "TRANSPARENT")  # a reminder, not busy time
            calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def coffee_ics(
    client_name: str,
    email: str | None,
    start: datetime,
    minutes: int,
    organizer_name: str,
    organizer_email: str,
    uid_seed: str,
    summary: str,
    description: str,
    *,
    generated: datetime | None = None,
) -> bytes:
    """A tentative meeting proposal to attach to an email (no METHOD: not an invitation).

    A naive ``start`` is written as floating local time: a coffee happens in the
    city both people are in, so "09:30" means 09:30 on both calendars and no
    VTIMEZONE is needed. An aware ``start`` is written in UTC, exact anywhere.
    """
    from icalendar import Event, vCalAddress, vText

    if minutes < 1:
        raise ValueError(f"a coffee lasts at least a minute, not {minutes}")
    moment = start if start.tzinfo is None else _utc(start)
    event = Event()
    event.add("uid", _uid(uid_seed))
    event.add("dtstamp", _utc(generated or datetime.now(UTC)))
    event.add("dtstart", moment)
    event.add("dtend", moment + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("description", description)
    event.add("status", "TENTATIVE")
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        if organizer_name:
            organizer.params["cn"] = vText(organizer_name)
        event.add("organizer", organizer)
    if email:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(client_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee)
    calendar = _calendar()
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
