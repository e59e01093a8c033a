"""``crm demo``: a sample book in a fresh directory, never the user's own."""

from __future__ import annotations

import json
import stat
import tempfile
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, book_bytes, book_made


def test_demo_builds_a_sample_book_in_the_given_dir(
    crm: Crm, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sample"
    result = crm.ok("demo", "--home", str(target), "--date", FIXED_DATE)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("A sample book: 15 clients, ")
    assert lines[0].endswith(f" touchpoints, in {target / 'devices'}")
    assert result.stderr.splitlines() == [
        "Explore it (your own book is untouched):",
        f"  export CRM_HOME={target} CRM_CONFIG={target / 'config'}",
        "  crm show sofia; crm history anna; crm list --json",
    ]
    assert not home.exists()  # the user's book is untouched
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert stat.S_IMODE(next((target / "devices").rglob("*.json")).stat().st_mode) == 0o600
    # The sample book is an ordinary book.
    monkeypatch.setenv("CRM_HOME", str(target))
    monkeypatch.setenv("CRM_CONFIG", str(target / "config"))
    clients = json.loads(crm.ok("list", "--json").stdout)
    assert len(clients) == 14  # one more is archived
    assert len(json.loads(crm.ok("list", "--archived", "--json").stdout)) == 1
    ids = {c["id"] for c in clients}
    assert {"sofia-marino", "anna-colombo", "lukasz-nowak"} <= ids
    assert all(c["last_contact"] for c in clients)
    assert crm.ok("show", "sofia").stdout.startswith("Sofia Marino  (sofia-marino)")
    assert json.loads(crm.ok("history", "anna", "--json").stdout)
    logged = crm.log("sofia", "call")  # the sample takes new touchpoints like any book
    assert json.loads(crm.ok("history", "sofia", "--json").stdout)[0]["id"] == logged


def test_demo_defaults_to_a_fresh_temp_dir(
    crm: Crm, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add("Mario Rossi")
    before = book_bytes(home)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = crm.ok("demo", "--date", FIXED_DATE)
    [made] = scratch.iterdir()
    assert made.name.startswith("crm-demo-")
    assert f"in {made / 'devices'}" in result.stdout.splitlines()[0]
    assert book_bytes(home) == before
    assert json.loads(crm.ok("list", "--json").stdout)[0]["id"] == "mario-rossi"


def test_demo_refuses_a_dir_that_is_not_empty(crm: Crm, tmp_path: Path) -> None:
    target = tmp_path / "full"
    target.mkdir()
    (target / "thesis.txt").write_text("precious")
    assert crm.fail("demo", "--home", str(target), code=2) == (
        f"--home {target} is not an empty directory; the demo needs a fresh one"
    )
    assert [p.name for p in target.iterdir()] == ["thesis.txt"]
    file = tmp_path / "file"
    file.write_text("precious")
    assert crm.fail("demo", "--home", str(file), code=2) == (
        f"--home {file} is not an empty directory; the demo needs a fresh one"
    )
    assert file.read_text() == "precious"


def test_demo_accepts_an_empty_existing_dir(crm: Crm, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    crm.ok("demo", "--home", str(target), "--date", FIXED_DATE)
    assert book_made(target)


@pytest.mark.parametrize("day", ["2024-02-29", "2026-01-01", "2026-12-31", "2027-03-01"])
def test_demo_works_on_any_day(
    crm: Crm, tmp_path: Path, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = crm.ok("demo", "--home", str(tmp_path / "d"), "--date", day)
    assert result.stdout.startswith("A sample book: 15 clients, 138 touchpoints")
    # Its year of history never starts before a client did, nor after the day.
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "d"))
    backup = json.loads(crm.ok("export", "json").stdout)
    since = {c["id"]: c["since"] for c in backup["clients"]}
    assert all(since[t["client_id"]] <= t["date"] <= day for t in backup["touchpoints"])


def test_the_demo_book_has_a_year_of_history_that_the_report_reads(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = crm.ok("demo", "--home", str(tmp_path / "d"), "--date", FIXED_DATE).stdout
    assert shown.startswith("A sample book: 15 clients, 138 touchpoints, in ")
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "d"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "d" / "config"))
    report = json.loads(crm.ok("report", "--date", FIXED_DATE, "--json").stdout)
    # The lessons the demo tells: the two loyal tier C clients who never ask drift away,
    # new clients get the most attention.
    assert report["headline"] == (
        "Small clients (tier C) get less attention than large ones (tier A): 40% contacted "
        "within their cadence, against 50% (10 points lower); 2 of them are neglected. "
        "Long-standing clients (5 years or more) get less attention than new ones (under a "
        "year): 60% contacted within their cadence, against 100% (40 points lower); 2 of "
        "them are neglected."
    )
    tiers = {g["group"]: g["within_cadence"] for g in report["fairness"]["by_tier"]}
    assert tiers == {"A": 1, "B": 5, "C": 2, "none": 0}
    replies = report["replies"]
    assert (replies["answered"], replies["median_days"], replies["unanswered"]) == (7, 2.0, 1)
    recoveries = report["recoveries"]
    assert (recoveries["recovered_within"], recoveries["recovered_late"]) == (1, 1)
    assert recoveries["never_recovered"] == 1
    assert report["activity"]["contacts"] == 127  # 22 before the year was added
    # The year is older than every line of the recent story: the day's plan is unchanged.
    due = json.loads(crm.ok("due", "--date", FIXED_DATE, "--json").stdout)
    assert [(i["reason"], i["client"]) for i in due] == [
        ("reply", "Sofia Marino"),
        ("recovery", "Francesca Conti"),
        ("follow-up", "Emma Clarke"),
        ("birthday", "Elena Bruno"),
        ("check-in", "Giuseppe Russo"),
        ("check-in", "Pietro Gallo"),
        ("check-in", "Wang Fang 王芳"),
        ("anniversary", "Giuseppe Russo"),
    ]
    assert [i["channel"] for i in due if i["reason"] == "check-in"] == ["call", "call", "email"]
