"""crm export vcard/csv/json/client, and the calendar exports read by independent parsers."""

from __future__ import annotations

import csv
import io
import json
import stat
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import vobject
from conftest import FIXED_DATE, Crm

from crm_cli.interchange.vcard import UID_NAMESPACE


@pytest.fixture
def book(crm: Crm) -> Crm:
    """Three clients: every exported field, a year-less birthday, an archived one."""
    crm.add(
        "Zoë Bianchi",
        "--email",
        "zoe@example.com",
        "--email",
        "zoe.bianchi@example.org",
        "--phone",
        "347 123 4567",
        "--phone",
        "051 234 5678",
        "--company",
        "Studio, Bianchi; Associati",
        "--city",
        "Bologna",
        "--birthday",
        "03-14",
        "--tag",
        "VIP",
        "--tag",
        "a,b",
        "--note",
        "Likes espresso.\nSecond line; with \\ backslash",
        "--private-note",
        "owes us money",
        "--tier",
        "A",
        "--since",
        "2020-01-15",
        "--date",
        FIXED_DATE,
    )
    crm.add("Mario Rossi", "--birthday", "1970-01-31", "--date", FIXED_DATE)
    crm.add("Anna Neri", "--email", "anna@example.com", "--date", FIXED_DATE)
    crm.ok("archive", "anna")
    return crm


def cards(text: str) -> dict[str, Any]:
    return {c.fn.value: c for c in vobject.readComponents(text)}


# ---------------------------------------------------------------------------------- vCard


def test_vcard_to_stdout_read_by_vobject(book: Crm) -> None:
    result = book.ok("export", "vcard")
    assert result.stdout_bytes.startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")
    got = cards(result.stdout)
    assert sorted(got) == ["Anna Neri", "Mario Rossi", "Zoë Bianchi"]  # archived ones too
    zoe = got["Zoë Bianchi"]
    assert zoe.version.value == "3.0"
    assert zoe.uid.value == str(uuid.uuid5(UID_NAMESPACE, "zoe-bianchi"))
    assert (zoe.n.value.given, zoe.n.value.family) == ("Zoë", "Bianchi")
    assert [e.value for e in zoe.email_list] == ["zoe@example.com", "zoe.bianchi@example.org"]
    assert [(t.value, t.type_param) for t in zoe.tel_list] == [
        ("+393471234567", "CELL"),
        ("+390512345678", "VOICE"),
    ]
    assert zoe.org.value == ["Studio, Bianchi; Associati"]
    assert zoe.bday.value == "--0314"  # RFC 6350's year-less form
    assert zoe.adr.value.city == "Bologna"
    assert zoe.categories.value == ["VIP", "a,b"]
    assert zoe.note.value == "Likes espresso.\nSecond line; with \\ backslash"
    assert "owes us money" not in result.stdout  # private notes never leave
    assert got["Mario Rossi"].bday.value == "1970-01-31"
    assert result.stderr == ""


def test_vcard_uids_are_stable(book: Crm) -> None:
    first = book.ok("export", "vcard").stdout
    book.ok("edit", "mario", "--city", "Parma")
    second = book.ok("export", "vcard").stdout
    assert cards(first)["Mario Rossi"].uid.value == cards(second)["Mario Rossi"].uid.value
    assert first != second


def test_vcard_to_one_file(book: Crm, tmp_path: Path) -> None:
    out = tmp_path / "out" / "clients.vcf"
    result = book.ok("export", "vcard", "--out", str(out))
    assert result.stderr == f"wrote 3 cards to {out}\n"
    assert len(cards(out.read_text("utf-8"))) == 3
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def khard_list(config_dir: Path, vdir: Path) -> list[list[str]]:
    pytest.importorskip("khard", reason="khard is not installed (pip install '.[test]')")
    config = config_dir / "khard.conf"
    config.write_text(f"[addressbooks]\n[[crm]]\npath = {vdir}\n")
    result = subprocess.run(
        [sys.executable, "-m", "khard", "-c", str(config), "list", "--parsable"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
    return sorted(line.split("\t") for line in result.stdout.splitlines())


def test_vcard_vdir_read_by_khard_and_vobject(book: Crm, tmp_path: Path) -> None:
    vdir = tmp_path / "contacts" / "crm"
    result = book.ok("export", "vcard", "--out", f"{vdir}/")
    assert result.stderr == (
        f"{vdir}: 3 cards written, 0 unchanged, 0 removed (clients no longer in the book)\n"
    )
    files = sorted(p.name for p in vdir.iterdir())
    assert files == ["anna-neri.vcf", "mario-rossi.vcf", "zoe-bianchi.vcf"]
    for path in vdir.iterdir():
        card = vobject.readOne(path.read_text("utf-8"))
        assert card.uid.value == str(uuid.uuid5(UID_NAMESPACE, path.stem))
    listed = khard_list(tmp_path, vdir)  # rows of uid, name, address book
    assert sorted(row[1:] for row in listed) == [
        ["Anna Neri", "crm"],
        ["Mario Rossi", "crm"],
        ["Zoë Bianchi", "crm"],
    ]
    assert sorted(row[0] for row in listed) == sorted(
        str(uuid.uuid5(UID_NAMESPACE, stem)) for stem in ("anna-neri", "mario-rossi", "zoe-bianchi")
    )
    birthdays = subprocess.run(
        [sys.executable, "-m", "khard", "-c", str(tmp_path / "khard.conf"), "birthdays", "-p"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert birthdays.returncode == 0, birthdays.stderr
    assert "Zoë Bianchi" in birthdays.stdout and "Mario Rossi" in birthdays.stdout


def test_vdir_reexport_forget_and_foreign_files(book: Crm, tmp_path: Path) -> None:
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    (vdir / "someone-else.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n")
    book.ok("export", "vcard", "--out", str(vdir))  # an existing directory: no slash needed
    mtimes = {p.name: p.stat().st_mtime_ns for p in vdir.iterdir()}
    result = book.ok("export", "vcard", "--out", str(vdir))
    assert "0 cards written, 3 unchanged, 0 removed" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in vdir.iterdir()} == mtimes
    book.ok("forget", "mario", "--yes")
    result = book.ok("export", "vcard", "--out", str(vdir))
    assert "0 cards written, 2 unchanged, 1 removed" in result.stderr
    assert sorted(p.name for p in vdir.iterdir()) == [
        "anna-neri.vcf",
        "someone-else.vcf",  # not ours: never touched
        "zoe-bianchi.vcf",
    ]


def test_empty_book_exports(crm: Crm) -> None:
    assert crm.ok("export", "vcard").stdout == ""
    assert crm.ok("export", "csv").stdout.startswith("id,name,emails,phones")
    data = json.loads(crm.ok("export", "json").stdout)
    assert data["clients"] == [] and data["format"] == "crm-book"


# ------------------------------------------------------------------------------------ CSV


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_export(book: Crm, tmp_path: Path) -> None:
    result = book.ok("export", "csv")
    assert not result.stdout.startswith("\ufeff")  # a pipe gets no byte-order mark
    assert result.stdout.splitlines()[0] == (
        "id,name,emails,phones,company,city,birthday,tags,note,tier,channel,cadence,lang,"
        "since,archived,do_not_contact,likes,prefers,first_name,salutation,gender,business,"
        "contact_person,job_title,urls,nicknames,street,postcode,region,country,anniversaries,"
        "ims,formal,email_consent,sms_consent,shared_contact"
    )
    got = {r["id"]: r for r in rows(result.stdout)}
    assert list(got) == ["anna-neri", "mario-rossi", "zoe-bianchi"]
    zoe = got["zoe-bianchi"]
    assert zoe["emails"] == "zoe@example.com\nzoe.bianchi@example.org"
    assert zoe["phones"] == "'+393471234567\n+390512345678"  # neutralised, see below
    assert (zoe["birthday"], zoe["tier"], zoe["since"]) == ("'--03-14", "A", "2020-01-15")
    assert zoe["tags"] == "VIP\na,b"
    assert got["anna-neri"]["archived"] == "yes"
    assert "owes us money" not in result.stdout
    out = tmp_path / "clients.csv"
    book.ok("export", "csv", "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,name,")  # a file gets one: Excel reads UTF-8
    assert data[3:] == result.stdout_bytes


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "'quoted"]


@pytest.mark.parametrize("value", [*FORMULAS, "\tTab", "\rCR"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(crm: Crm, value: str) -> None:
    crm.add("Mario Rossi", "--note", value, "--city", value)
    (row,) = rows(crm.ok("export", "csv").stdout)
    assert row["note"] == "'" + value
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("value", FORMULAS)
def test_crm_csv_import_strips_the_quote_again(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    crm.add("Mario Rossi", "--note", value, "--company", value, "--phone", "+39 347 123 4567")
    path = tmp_path / "clients.csv"
    crm.ok("export", "csv", "--out", str(path))
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "another-book"))
    crm.ok("import", "csv", str(path))
    (client,) = json.loads(crm.ok("export", "json").stdout)["clients"]
    assert (client["note"], client["company"]) == (value, value)
    assert client["phones"] == ["+393471234567"]  # '+39... read back as +39...


# ----------------------------------------------------------------------------------- JSON


def test_json_export_is_the_whole_book_sorted_and_stable(book: Crm) -> None:
    quote = book.log("zoe", "email", "--in", "--needs-reply", "--note", "Quote?")
    debt = book.log("zoe", "call", "--private", "--note", "talked about the debt")
    book.ok("snooze", "mario", "--until", "2026-12-24", "--reason", "holiday", "--date", FIXED_DATE)
    book.ok("playbook", "start", "zoe", "onboarding", "--date", FIXED_DATE)
    first = book.ok("export", "json").stdout
    assert first == book.ok("export", "json").stdout
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert data["format"] == "crm-book"
    # The counter of the old layout's ids (t1, t2...): kept for exports made before it.
    assert data["meta"]["next_touchpoint"] == 1
    assert isinstance(data["meta"]["schema"], int)
    assert [c["id"] for c in data["clients"]] == ["anna-neri", "mario-rossi", "zoe-bianchi"]
    assert [t["id"] for t in data["touchpoints"]] == [quote, debt]  # in logging order
    assert data["touchpoints"][1]["note"] == "talked about the debt"  # a backup keeps all
    assert data["snoozes"] == [
        {"client_id": "mario-rossi", "reason": "holiday", "until": "2026-12-24"}
    ]
    assert {s["playbook"] for s in data["runs"]} == {"onboarding"}
    assert first == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_json_to_a_file(book: Crm, tmp_path: Path) -> None:
    out = tmp_path / "backup.json"
    result = book.ok("export", "json", "--out", str(out))
    assert result.stderr == f"wrote 3 clients to {out}\n"
    assert out.read_text("utf-8") == book.ok("export", "json").stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_export_client_holds_everything_about_one_client(book: Crm) -> None:
    book.log("zoe", "call", "--private", "--note", "talked about the debt")
    book.log("mario", "email", "--note", "not Zoë's")
    book.ok("snooze", "zoe", "--until", "2026-12-24", "--date", FIXED_DATE)
    book.ok("playbook", "start", "zoe", "after-project", "--date", FIXED_DATE)
    data = json.loads(book.ok("export", "client", "zoe").stdout)
    assert data["format"] == "crm-client"
    assert data["client"]["id"] == "zoe-bianchi"
    assert data["client"]["private_note"] == "owes us money"  # the person may see it all
    assert [t["note"] for t in data["touchpoints"]] == ["talked about the debt"]
    assert [s["until"] for s in data["snoozes"]] == ["2026-12-24"]
    assert {s["playbook"] for s in data["playbook_steps"]} == {"after-project"}
    assert len(data["playbook_steps"]) == 4
    assert "Mario" not in json.dumps(data)


def test_export_client_errors(book: Crm, tmp_path: Path) -> None:
    assert book.fail("export", "client", "nobody") == "no client matches 'nobody'"
    assert book.fail("export", "json", "--out", str(tmp_path)) == (
        f"{tmp_path} is a directory: give a file name"
    )


# ------------------------------------------------------------------------------- calendars


def assert_valid_icalendar(data: bytes) -> list[Any]:
    """Both parsers accept it, agree on the events, and every event has what RFC 5545 asks."""
    import icalendar

    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    parsed = vobject.readOne(data.decode("utf-8"))
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    from_vobject = [e.uid.value for e in parsed.contents.get("vevent", [])]
    assert [str(e["UID"]) for e in events] == from_vobject
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in event
    # icalendar writes back what it read: nothing was lost or mangled on the way.
    assert icalendar.Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    assert parsed.prodid.value and parsed.version.value == "2.0"
    return events


def test_agenda_ics_and_coffee_ics_pass_the_same_validation(crm: Crm, tmp_path: Path) -> None:
    crm.add(
        "Zoë Bianchi", "--email", "zoe@example.com", "--since", "2026-01-05", "--date", FIXED_DATE
    )
    crm.add("Mario Rossi", "--phone", "347 123 4567", "--date", FIXED_DATE)
    crm.log("zoe", "email", "--in", "--needs-reply", "--note", 'Quote; "by Friday", ok?')
    ics = tmp_path / "agenda.ics"
    crm.ok("agenda", "--from", FIXED_DATE, "--days", "90", "--ics", str(ics))
    events = assert_valid_icalendar(ics.read_bytes())
    assert len(events) >= 2

    from crm_cli.interchange.ics import coffee_ics

    coffee = coffee_ics(
        "Zoë Bianchi",
        "zoe@example.com",
        datetime(2026, 11, 26, 9, 30),
        30,
        "Chiara Lombardi",
        "chiara@example.com",
        "zoe-bianchi/coffee/2026-11-26",
        "Coffee with Zoë",
        'A coffee at Bar Zanarini; "the usual"?\nSecond line',
        generated=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    (event,) = assert_valid_icalendar(coffee)
    assert str(event["SUMMARY"]) == "Coffee with Zoë"
