"""``crm notify --caldav``: the week's items as events with alarms on a real Radicale
server on 127.0.0.1; and the same ids in ``due --json``, ``agenda --ics`` and notify."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import FIXED_DATE, Crm, due_json, use_demo_book
from mailtools import radicale_server

from crm_cli.capture.calendar import caldav_calendars

PASSWORD = "s3cret-dav-Kx7"
FOREIGN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone else//EN\r\n"
    "BEGIN:VEVENT\r\nUID:dentist@elsewhere\r\nDTSTAMP:20261101T080000Z\r\n"
    "DTSTART:20261124T100000Z\r\nDTEND:20261124T110000Z\r\nSUMMARY:Dentist\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


class Dav(NamedTuple):
    url: str
    password_command: str

    def events(self) -> list[Any]:
        import icalendar

        found = []
        for data in caldav_calendars(self.url, "chiara", PASSWORD):
            found += icalendar.Calendar.from_ical(data).walk("VEVENT")
        return found

    def crm_events(self) -> dict[str, Any]:
        return {str(e["UID"]): e for e in self.events() if "X-CRM-ITEM" in e}


def _dav(url: str, method: str, body: bytes, kind: str = "application/xml") -> None:
    token = base64.b64encode(f"chiara:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Authorization": f"Basic {token}",
                                                "Content-Type": kind}
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201, 204), response.status


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Dav]:
    """Radicale with user chiara and one calendar holding someone else's event."""
    with radicale_server(tmp_path, "chiara", PASSWORD) as port:
        url = f"http://127.0.0.1:{port}/chiara/plan/"
        _dav(url, "MKCALENDAR", b"")
        _dav(f"{url}dentist.ics", "PUT", FOREIGN.encode(), "text/calendar")
        secret = tmp_path / "secret"
        secret.mkdir()
        (secret / "dav").write_text(PASSWORD + "\n", encoding="utf-8")
        yield Dav(url, f"cat {secret / 'dav'}")


def publish(crm: Crm, dav: Dav, day: str = FIXED_DATE) -> str:
    result = crm.ok(
        "notify", "--caldav", dav.url, "--user", "chiara",
        "--password-command", dav.password_command, "--date", day,
    )  # fmt: skip
    return str(result.stderr)


def test_events_with_alarms_updated_in_place_and_removed_when_done(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dav: Dav
) -> None:
    monkeypatch.setenv("TZ", "Europe/Rome")
    demo = use_demo_book(crm, tmp_path, monkeypatch)
    with (demo / "config" / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write('notify_time = "07:30"\n')
    # A shared contact's question: its event must not quote it (others see that calendar).
    crm.log("anna", "email", "--in", "--needs-reply", "--note", "Chiede del regalo per Luca")
    assert publish(crm, dav) == "caldav: 9 new, 0 updated, 0 removed\n"
    events = dav.crm_events()
    assert len(events) == 9
    agenda = json.loads(crm.ok("agenda", "--from", FIXED_DATE, "--json").stdout)
    planned = {f"{i['id']}@crm": d["date"] for d in agenda for i in d["items"]}
    assert planned.keys() == events.keys()
    for uid, event in events.items():
        start = event["DTSTART"].dt
        # In UTC: 07:30 in Rome (CET in November) for a phone in any zone.
        assert event["DTSTART"].to_ical().endswith(b"Z")
        assert (start.date().isoformat(), start.strftime("%H:%M")) == (planned[uid], "06:30")
        assert "TZID" not in event["DTSTART"].params
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm["TRIGGER"].dt.total_seconds() == 0
        assert str(event["X-CRM-ITEM"]) == uid.removesuffix("@crm")
    anna = next(e for e in events.values() if "Anna Colombo" in str(e["SUMMARY"]))
    assert "Chiede del regalo" not in str(anna["DESCRIPTION"])

    # A second run rewrites the same events: nothing added, the dentist untouched.
    assert publish(crm, dav) == "caldav: 0 new, 9 updated, 0 removed\n"
    assert len(dav.crm_events()) == 9
    assert len(dav.events()) == 10

    # Sofia's question answered: her reply's event disappears, and only it.
    reply = next(i for i in due_json(crm) if i["client"] == "Sofia Marino")
    assert reply["reason"] == "reply"
    crm.log("sofia", "email", "--note", "Risposto sul cappotto")
    assert publish(crm, dav) == "caldav: 0 new, 8 updated, 1 removed\n"
    assert dav.crm_events().keys() == planned.keys() - {f"{reply['id']}@crm"}
    assert [str(e["UID"]) for e in dav.events() if "X-CRM-ITEM" not in e] == ["dentist@elsewhere"]

    for path in [*demo.rglob("*")]:
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_refused_login_and_a_failing_password_command_are_one_line(crm: Crm, dav: Dav) -> None:
    crm.add("Anna Neri", "--email", "anna@example.com")
    args = ["notify", "--caldav", dav.url, "--user", "chiara", "--password-command"]
    assert crm.fail(*args, "echo wrong") == "the CalDAV server refused the login of chiara"
    assert crm.fail(*args, "exit 4") == "the password command failed (exit 4)"
    missing = dav.url.replace("/plan/", "/nothing/")
    assert crm.fail(*args, dav.password_command, "--caldav", missing) == (
        f"there is no calendar at {missing}"
    )


def test_due_agenda_and_notify_name_the_same_items_with_the_same_ids(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dav: Dav
) -> None:
    import icalendar

    use_demo_book(crm, tmp_path, monkeypatch)
    due = [i["id"] for i in due_json(crm)]
    assert len(due) == len(set(due)) == 8
    digest = json.loads(crm.ok("notify", "--dry-run", "--json", "--date", FIXED_DATE).stdout)
    # Each client's items together (one line per client), in the order of `crm due`.
    assert sorted(i["id"] for i in digest["items"]) == sorted(due)
    ics = tmp_path / "agenda.ics"
    crm.ok("agenda", "--from", FIXED_DATE, "--ics", str(ics))
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    agenda_uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert {f"{i}@crm" for i in due} <= agenda_uids
    publish(crm, dav)
    assert dav.crm_events().keys() == agenda_uids


def test_events_follow_summer_time_across_the_change(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dav: Dav
) -> None:
    """A week over 25 October 2026 in Rome: 08:00 is 06:00Z before, 07:00Z after."""
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("TZ", "Europe/Rome")
    for name, birthday in (("Anna Neri", "1980-10-24"), ("Bruno Sala", "1975-10-26")):
        crm.add(name, "--email", f"{name.split()[0].lower()}@example.it", "--birthday", birthday,
                "--every", "never", "--date", "2026-10-01")  # fmt: skip
    assert publish(crm, dav, "2026-10-22") == "caldav: 2 new, 0 updated, 0 removed\n"
    starts = {
        str(e["SUMMARY"]).split(": ")[1].split(" (")[0]: e["DTSTART"].dt
        for e in dav.crm_events().values()
    }
    assert starts == {
        "Anna Neri": datetime(2026, 10, 24, 6, 0, tzinfo=UTC),
        "Bruno Sala": datetime(2026, 10, 26, 7, 0, tzinfo=UTC),
    }
    rome = ZoneInfo("Europe/Rome")
    assert {s.astimezone(rome).time() for s in starts.values()} == {time(8, 0)}

    # Another zone on the publishing machine moves the moment, not the idea of 08:00 there.
    monkeypatch.setenv("TZ", "America/New_York")
    assert publish(crm, dav, "2026-10-22") == "caldav: 0 new, 2 updated, 0 removed\n"
    anna = next(e for e in dav.crm_events().values() if "Anna Neri" in str(e["SUMMARY"]))
    assert anna["DTSTART"].dt == datetime(2026, 10, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "at", "utc"),
    [
        # Spring: the clocks go from 02:00 to 03:00 on 29 March 2026.
        (date(2026, 3, 28), time(8, 0), datetime(2026, 3, 28, 7, 0, tzinfo=UTC)),
        (date(2026, 3, 29), time(8, 0), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        # 02:30 does not exist that night: read before the change, 03:30 on the wall.
        (date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (date(2026, 3, 29), time(3, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Autumn: from 03:00 back to 02:00 on 25 October 2026.
        (date(2026, 10, 24), time(8, 0), datetime(2026, 10, 24, 6, 0, tzinfo=UTC)),
        (date(2026, 10, 25), time(8, 0), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        # 02:30 is shown twice that night: the first, still in summer time.
        (date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (date(2026, 10, 25), time(3, 0), datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_local_to_utc_around_the_changes_in_rome(day: date, at: time, utc: datetime) -> None:
    from zoneinfo import ZoneInfo

    from crm_cli.core.dates import local_to_utc

    assert local_to_utc(day, at, ZoneInfo("Europe/Rome")) == utc


def test_the_zone_comes_from_tz_else_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli.notify.caldav import event_start, local_zone

    monkeypatch.setenv("TZ", "Europe/Rome")
    assert str(local_zone()) == "Europe/Rome"
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert event_start(date(2026, 3, 29), time(8, 0), local_zone()) == datetime(
        2026, 3, 28, 23, 0, tzinfo=UTC
    )
    # A POSIX rule names no zone: the C library's local time is used instead.
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    assert local_zone() is None
    monkeypatch.delenv("TZ")
    zone = local_zone()
    assert zone is None or datetime(2026, 1, 1, tzinfo=zone).utcoffset() is not None
