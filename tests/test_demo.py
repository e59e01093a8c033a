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
def test_demo_works_on_any_day(crm: Crm, tmp_path: Path, day: str) -> None:
    result = crm.ok("demo", "--home", str(tmp_path / "d"), "--date", day)
    assert result.stdout.startswith("A sample book: 15 clients, ")
