"""Calendars: an ``.ics`` file, or a CalDAV calendar read with one REPORT.

Recurring events are expanded by ``recurring-ical-events`` (RRULE, RDATE, EXDATE,
moved and cancelled occurrences), each occurrence named by UID and RECURRENCE-ID.

CalDAV needs only an authenticated ``REPORT`` with a ``calendar-query`` for
VEVENTs (RFC 4791 §7.8): ``urllib`` does that in a few lines, where the ``caldav``
package would bring in requests, lxml and its own object model for one query.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree

from crm_cli.core.capture import Event, fold_address
from crm_cli.errors import InputError

TIMEOUT = 60.0
_QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>
"""
_NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}


def _address(value: Any) -> str:
    text = str(value or "")
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return fold_address(text) if "@" in text else ""


def _attendees(component: Any) -> tuple[tuple[str, str, str], ...]:
    raw = component.get("ATTENDEE")
    if raw is None:
        return ()
    found = []
    for value in raw if isinstance(raw, list) else [raw]:
        address = _address(value)
        if not address:
            continue
        params = getattr(value, "params", {})
        status = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
        found.append((str(params.get("CN", "")), address, status))
    return tuple(found)


def parse_ics(data: bytes, start: date, end: date, where: str) -> list[Event]:
    """The occurrences of every event of ``data`` between ``start`` and ``end``."""
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as exc:  # icalendar raises ValueError and its own kinds
        raise InputError(f"{where} is not a readable calendar: {exc}") from None
    events = []
    for component in occurrences:
        if component.name != "VEVENT":
            continue
        begin = component.get("DTSTART")
        if begin is None:
            continue
        when = begin.dt
        recurrence = component.get("RECURRENCE-ID")
        events.append(
            Event(
                uid=str(component.get("UID", "")) or f"{where}#{when}",
                recurrence=recurrence.dt.isoformat() if recurrence is not None else "",
                start=when if isinstance(when, (datetime, date)) else start,
                summary=" ".join(str(component.get("SUMMARY", "")).split()),
                status=str(component.get("STATUS", "")).upper(),
                organizer=_address(component.get("ORGANIZER")),
                attendees=_attendees(component),
            )
        )
    return events


def caldav_calendars(url: str, user: str, password: str) -> list[bytes]:
    """The calendar objects of the CalDAV collection at ``url`` (each an iCalendar text)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    request = urllib.request.Request(
        url,
        data=_QUERY,
        method="REPORT",
        headers={
            "Authorization": f"Basic {token}",
            "Depth": "1",
            "Content-Type": "application/xml; charset=utf-8",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise InputError(f"the CalDAV server refused the login of {user}") from None
        raise InputError(f"the CalDAV server answered {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot reach the CalDAV server {url}: {reason}") from None
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise InputError(f"the CalDAV server sent no valid answer: {exc}") from None
    found = []
    for item in root.iterfind(".//C:calendar-data", _NS):
        if item.text:
            found.append(item.text.encode("utf-8"))
    return found
