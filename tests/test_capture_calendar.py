"""``crm capture calendar``: .ics files with recurrences and exceptions, and a CalDAV
calendar on a real Radicale server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm
from mailtools import ME, radicale_server

ANNA = "anna.bianchi@example.it"


def _event(uid: str, start: str, summary: str, *lines: str, attendees: str = ANNA) -> str:
    people = "".join(
        f"ATTENDEE;CN=Guest;PARTSTAT=ACCEPTED:mailto:{a}\r\n" for a in attendees.split() if a
    )
    extra = "".join(f"{line}\r\n" for line in lines)
    end = start[:9] + f"{int(start[9:11]) + 1:02d}" + start[11:]
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T080000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\nORGANIZER:mailto:{ME}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}\r\n{people}{extra}"
        "END:VEVENT\r\n"
    )


def _calendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crm tests//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def week_of_events() -> str:
    return _calendar(*events_of_the_week())


def events_of_the_week() -> list[str]:
    return [
        # Weekly with Anna from 2 November: the 9th skipped, the 16th moved to the 17th.
        _event("weekly@x", "20261102T100000Z", "Punto settimanale",
               "RRULE:FREQ=WEEKLY;COUNT=8", "EXDATE:20261109T100000Z"),
        _event("weekly@x", "20261117T150000Z", "Punto settimanale (spostato)",
               "RECURRENCE-ID:20261116T100000Z"),
        _event("cancelled@x", "20261118T100000Z", "Annullato", "STATUS:CANCELLED"),
        _event("solo@x", "20261119T100000Z", "Contabilità", attendees=""),
        _event("stranger@x", "20261119T140000Z", "Caffè", attendees="luca@nuovo.example"),
        "BEGIN:VEVENT\r\nUID:allday@x\r\nDTSTAMP:20261101T080000Z\r\n"
        "DTSTART;VALUE=DATE:20261120\r\nSUMMARY:Fiera\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ANNA}\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:declined@x\r\nDTSTAMP:20261101T080000Z\r\n"
        "DTSTART:20261121T100000Z\r\nDTEND:20261121T110000Z\r\nSUMMARY:No\r\n"
        "ORGANIZER:mailto:marco@studio.example\r\n"
        f"ATTENDEE;PARTSTAT=DECLINED:mailto:{ME}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ANNA}\r\nEND:VEVENT\r\n",
    ]  # fmt: skip


def _setup(crm: Crm, config: Path) -> str:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(f'my_emails = ["{ME}"]\n', encoding="utf-8")
    return crm.add("Anna Bianchi", "--email", ANNA, "--since", "2025-01-10")


def test_recurrences_and_exceptions_from_an_ics_file(
    crm: Crm, config: Path, tmp_path: Path
) -> None:
    anna = _setup(crm, config)
    ics = tmp_path / "work.ics"
    ics.write_text(week_of_events(), encoding="utf-8")
    result = crm.ok("capture", "calendar", str(ics), "--date", FIXED_DATE)
    # 2, 17 (moved) and 23 November are past or today; 30 November is ahead.
    assert result.stderr.strip() == (
        "calendar: 3 logged, 6 skipped (1 cancelled, 1 all-day, 1 declined, 1 solo, "
        "1 future, 1 no client), 1 unknown person"
    )
    history = json.loads(crm.ok("history", anna, "--json").stdout)
    assert [(t["date"], t["channel"], t["direction"], t["note"]) for t in history] == [
        ("2026-11-23", "meeting", "out", "Punto settimanale"),
        ("2026-11-17", "meeting", "out", "Punto settimanale (spostato)"),
        ("2026-11-02", "meeting", "out", "Punto settimanale"),
    ]
    again = crm.ok("capture", "calendar", str(ics), "--date", FIXED_DATE)
    assert again.stderr.strip() == (
        "calendar: 0 logged, 9 skipped (1 cancelled, 1 all-day, 1 declined, 1 solo, "
        "1 future, 1 no client, 3 already logged), 1 unknown person"
    )
    # A week later the next occurrence is logged, once.
    later = crm.ok("capture", "calendar", str(ics), "--date", "2026-11-30")
    assert later.stderr.strip().startswith("calendar: 1 logged,")


def test_an_unreadable_calendar_is_one_error_line(crm: Crm, config: Path, tmp_path: Path) -> None:
    _setup(crm, config)
    bad = tmp_path / "bad.ics"
    bad.write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", encoding="utf-8")
    assert crm.fail("capture", "calendar", str(bad)).startswith(f"{bad} is not a readable calendar")
    missing = tmp_path / "none.ics"
    assert crm.fail("capture", "calendar", str(missing)) == f"no such file: {missing}"


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """A Radicale server with user chiara/s3cret-caldav and one calendar; its URL."""
    with radicale_server(tmp_path, "chiara", "s3cret-caldav") as port:
        url = f"http://127.0.0.1:{port}/chiara/work/"
        _dav(url, "MKCALENDAR", b"")
        # One calendar object per UID (RFC 4791): the recurring event with its exception.
        by_uid: dict[str, list[str]] = {}
        for event in events_of_the_week():
            uid = event.split("UID:", 1)[1].split("\r\n", 1)[0]
            by_uid.setdefault(uid, []).append(event)
        for n, group in enumerate(by_uid.values()):
            _dav(f"{url}{n}.ics", "PUT", _calendar(*group).encode(), "text/calendar")
        yield url


def _dav(url: str, method: str, body: bytes, kind: str = "application/xml") -> None:
    token = base64.b64encode(b"chiara:s3cret-caldav").decode()
    request = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Authorization": f"Basic {token}", "Content-Type": kind},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201, 204), response.status


def test_a_caldav_calendar(crm: Crm, config: Path, home: Path, radicale: str) -> None:
    anna = _setup(crm, config)
    result = crm.ok(
        "capture", "calendar", "--caldav", radicale, "--user", "chiara",
        "--password-command", "echo s3cret-caldav", "--date", FIXED_DATE,
    )  # fmt: skip
    assert result.stderr.strip().startswith("calendar: 3 logged, 6 skipped")
    assert len(json.loads(crm.ok("history", anna, "--json").stdout)) == 3
    error = crm.fail(
        "capture", "calendar", "--caldav", radicale, "--user", "chiara",
        "--password-command", "echo wrong",
    )  # fmt: skip
    assert error == "the CalDAV server refused the login of chiara"
    for path in [*home.rglob("*"), *config.rglob("*")]:
        if path.is_file():
            assert b"s3cret-caldav" not in path.read_bytes(), path


def test_a_meeting_on_the_calendar_this_week_replaces_the_check_in(
    crm: Crm, config: Path, tmp_path: Path
) -> None:
    from conftest import due_json

    _setup(crm, config)
    marco = crm.add("Marco Verdi", "--email", "marco@studio.example", "--since", "2025-01-10")
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == marco] == ["check-in"]
    far = tmp_path / "far.ics"
    far.write_text(
        _calendar(
            _event("far@x", "20261215T100000Z", "Sopralluogo", attendees="marco@studio.example")
        ),
        encoding="utf-8",
    )
    crm.ok("capture", "calendar", str(far), "--date", FIXED_DATE)
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == marco] == ["check-in"]
    near = tmp_path / "near.ics"
    near.write_text(
        _calendar(
            _event("near@x", "20261126T100000Z", "Sopralluogo", attendees="marco@studio.example")
        ),
        encoding="utf-8",
    )
    result = crm.ok("capture", "calendar", str(near), "--date", FIXED_DATE)
    assert result.stderr.strip() == "calendar: 0 logged, 1 skipped (1 future), 0 unknown people"
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == marco] == []
    # Once the day has passed, the meeting no longer stands in for anything.
    assert [
        i["reason"] for i in due_json(crm, "--date", "2026-12-01") if i["client_id"] == marco
    ] == ["check-in"]
