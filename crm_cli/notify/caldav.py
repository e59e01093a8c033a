"""Publishing the plan to the user's CalDAV calendar: one resource per item.

Plain ``PUT`` and ``DELETE`` with ``urllib`` (RFC 4791 §5.3.2): each item's event
lives at ``<calendar>/<item id>.ics`` with UID ``<item id>@crm``, so a second run
overwrites it in place and a done item's event is deleted by name. The ``caldav``
package would bring requests, lxml and an object model for three HTTP verbs; the
events themselves are written with ``icalendar`` (RFC 5545 escaping and folding).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from crm_cli.errors import InputError

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item

TIMEOUT = 60.0
MINUTES = 15  # an event long enough to show on a phone's day view
MARK = "X-CRM-ITEM"  # every event crm publishes carries its item's id


def collection(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def resource(url: str, item_id: str) -> str:
    return f"{collection(url)}{item_id}.ics"


def local_zone() -> tzinfo | None:
    """The user's time zone: ``$TZ`` when it names a zone, else ``/etc/localtime``;
    None when neither can be read as a zone (then the C library's local time is used)."""
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("TZ", "").removeprefix(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return None  # a POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3"): only libc reads it
    try:
        with open("/etc/localtime", "rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        return None


def event_start(day: date, at: time, zone: tzinfo | None) -> datetime:
    """``at`` on ``day`` in the user's zone, as a UTC moment."""
    from crm_cli.core.dates import local_to_utc

    if zone is None:
        return datetime.combine(day, at).astimezone(UTC)  # naive: libc's local time
    return local_to_utc(day, at, zone)


def item_event(
    item: Item,
    day: date,
    at: time,
    stamp: datetime,
    *,
    shared: Collection[str] = (),
    zone: tzinfo | None = None,
) -> bytes:
    """A timed event on ``day`` at ``at`` in the user's zone, with a display alarm at
    its start.

    Written in UTC (``DTSTART:…Z``), not floating: a phone in another zone rings at
    the user's 08:00, not at 08:00 wherever it is. UTC rather than ``TZID`` with a
    ``VTIMEZONE``: every CalDAV client must read UTC times (RFC 5545 form 2) and iOS
    and DAVx5 show them in the phone's zone, with no zone definition to interpret (iOS
    and Android go by the TZID's name and ignore the VTIMEZONE's rules; a system zone
    copied to /etc/localtime may have no name at all). Each event is one day, never
    recurring, so summer time is settled when the day is converted.
    """
    from icalendar import Alarm, Calendar, Event

    from crm_cli.core.drafting.context import withheld_detail
    from crm_cli.interchange.ics import PRODID, item_uid

    start = event_start(day, at, zone)
    event = Event()
    event.add("uid", item_uid(item))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", int(stamp.timestamp() // 60))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=MINUTES))
    summary = f"{item.reason}: {item.client} ({item.channel})"
    event.add("summary", summary)
    detail = withheld_detail(item) if item.client_id in shared else item.detail
    event.add("description", detail)
    event.add("categories", [item.reason])
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    event.add(MARK.lower(), item.id)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(0))  # at the event's start
    event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


class CalDav:
    """One calendar collection on a CalDAV server, with Basic authentication."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = collection(url)
        self.user = user
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}"

    def _call(
        self, method: str, url: str, body: bytes | None, ok: Collection[int], depth: str = ""
    ) -> int:
        headers = {"Authorization": self._auth}
        if body is not None:
            headers["Content-Type"] = "text/calendar; charset=utf-8"
        if depth:
            headers["Depth"] = depth
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if exc.code in ok:
                return int(exc.code)
            if exc.code in (401, 403):
                raise InputError(f"the CalDAV server refused the login of {self.user}") from None
            raise InputError(
                f"the CalDAV server answered {exc.code} {exc.reason} for {url}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(f"cannot reach the CalDAV server {self.url}: {reason}") from None

    def check(self) -> None:
        """The login works and the calendar exists (a run with nothing to change says so)."""
        status = self._call("PROPFIND", self.url, b"", (404,), depth="0")
        if status == 404:
            raise InputError(f"there is no calendar at {self.url}")

    def put(self, item_id: str, data: bytes) -> bool:
        """Write the item's event; True if it was new (201), False if replaced."""
        return self._call("PUT", resource(self.url, item_id), data, ()) == 201

    def delete(self, item_id: str) -> None:
        """Remove the item's event; one already gone (404) is fine."""
        self._call("DELETE", resource(self.url, item_id), None, (404, 410))
