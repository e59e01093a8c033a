"""The edges, hardened: hostile files, arguments, dates and imports (issue 10).

Each test here failed before its fix: planted symlinks and temp files, directory
modes under umask 000, invalid UTF-8 arguments, dates past the calendar, deeply
nested JSON, draft names that collide, a backup purge that deleted the user's
files, a planted backup named in the restore hint, shared contacts' notes in an
agenda .ics, and ids like ``..`` in ``import json``.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm

import crm_cli.safefile as safefile
from crm_cli.errors import InvalidValue
from crm_cli.store import LOCAL_DIR


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file of the book (lock aside), by relative path: to check nothing was written."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != "book.lock"
    }


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def anna(crm: Crm) -> Crm:
    crm.add("Anna Rossi", "--email", "anna@example.com", "--since", "2026-01-05")
    return crm


# --------------------------------------------------------------------------- 1. output files


def test_a_temp_file_planted_at_the_old_name_is_never_written_through(
    anna: Crm, tmp_path: Path
) -> None:
    out = tmp_path / "shared"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"root-owned\n")
    # The old temp name was predictable: .NAME.PID.tmp, opened without O_EXCL/O_NOFOLLOW.
    (out / f".book.json.{os.getpid()}.tmp").symlink_to(victim)
    anna.ok("export", "json", "--out", str(out / "book.json"))
    assert victim.read_bytes() == b"root-owned\n"
    assert json.loads((out / "book.json").read_bytes())["format"] == "crm-book"
    assert not (out / "book.json").is_symlink()
    assert mode(out / "book.json") == 0o600


def test_a_symlink_planted_at_a_draft_name_is_refused(anna: Crm, tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me\n")
    planted = out / f"{FIXED_DATE}-anna-rossi-check-in.eml"
    planted.symlink_to(victim)
    args = ("draft", "anna", "--channel", "email", "--date", FIXED_DATE, "--out", str(out))
    assert anna.fail(*args) == (
        f"{planted} is a symbolic link: crm does not write through links it did not "
        "name itself; remove it or choose another folder"
    )
    assert victim.read_bytes() == b"keep me\n"
    assert planted.is_symlink()


def test_an_out_file_the_user_named_may_be_their_own_symlink(anna: Crm, tmp_path: Path) -> None:
    real = tmp_path / "sync" / "crm-book.json"
    real.parent.mkdir()
    real.write_bytes(b"old export\n")
    link = tmp_path / "book.json"
    link.symlink_to(real)
    anna.ok("export", "json", "--out", str(link))
    assert link.is_symlink()  # the user's link is kept, and the file it names is updated
    assert json.loads(real.read_bytes())["format"] == "crm-book"


def test_folders_crm_creates_are_private_whatever_the_umask(
    anna: Crm, tmp_path: Path, config: Path, umask_000: None
) -> None:
    out = tmp_path / "new" / "drafts"
    anna.ok("draft", "anna", "--channel", "email", "--date", FIXED_DATE, "--out", str(out))
    assert (mode(tmp_path / "new"), mode(out)) == (0o700, 0o700)
    assert mode(next(out.iterdir())) == 0o600
    anna.ok("export", "csv", "--out", str(tmp_path / "exports" / "clients.csv"))
    assert mode(tmp_path / "exports") == 0o700
    anna.ok("agenda", "--from", FIXED_DATE, "--ics", str(tmp_path / "cal" / "plan.ics"))
    assert mode(tmp_path / "cal") == 0o700
    anna.ok("templates", "copy", "email/check-in.it")
    for folder in (config, config / "templates", config / "templates" / "email"):
        assert mode(folder) == 0o700, folder
    assert mode(config / "templates" / "email" / "check-in.it.j2") == 0o600


def test_templates_copy_does_not_write_through_a_planted_symlink(
    crm: Crm, tmp_path: Path, config: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me\n")
    target = config / "templates" / "email" / "check-in.it.j2"
    target.parent.mkdir(parents=True)
    target.symlink_to(victim)
    assert crm.fail("templates", "copy", "email/check-in.it", "--force") == (
        f"{target} is a symbolic link: crm does not write through links it did not "
        "name itself; remove it or choose another folder"
    )
    assert victim.read_bytes() == b"keep me\n"


def test_write_output_without_durability_skips_the_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real_fsync(fd))
    for n in range(3):
        safefile.write_output(
            tmp_path / "batch" / f"{n}.txt", b"x", named_by_user=False, durable=False
        )
    assert calls == []
    safefile.sync_dir(tmp_path / "batch")  # one directory fsync for the whole batch
    assert len(calls) == 1
    safefile.write_output(tmp_path / "batch" / "3.txt", b"x", named_by_user=False)
    assert len(calls) == 3  # the file and its folder
    assert sorted(p.name for p in (tmp_path / "batch").iterdir()) == [f"{n}.txt" for n in range(4)]


def test_write_output_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match=r"is a directory: give a file name$"):
        safefile.write_output(tmp_path, b"x", named_by_user=True)


def test_the_books_temp_files_are_not_predictable(anna: Crm, home: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me\n")
    current = device_file(home)
    (current.parent / f".{current.name}.{os.getpid()}.tmp").symlink_to(victim)
    anna.ok("edit", "anna", "--city", "Roma")
    assert victim.read_bytes() == b"keep me\n"
    assert b"Roma" in current.read_bytes()


def device_file(home: Path) -> Path:
    """This device's newest file."""
    [folder] = (home / "devices").iterdir()
    return sorted(folder.glob("*.json"))[-1]


# --------------------------------------------------------------------------- 3. exit 70s


@pytest.mark.parametrize(
    ("args", "n"),
    [
        ([b"add-client", b"\xff"], 2),  # invalid UTF-8
        ([b"add-client", b"Anna", b"--note", b"\xed\xa0\x80"], 4),  # a lone surrogate
        ([b"log", b"anna", b"email", b"--note", b"caf\xe9"], 5),  # Latin-1
    ],
)
def test_arguments_that_are_not_utf8_are_refused(
    run_crm: Callable[..., Any], home: Path, args: list[bytes], n: int
) -> None:
    assert run_crm(["add-client", "Anna Rossi"]).returncode == 0
    before = snapshot(home)
    result = run_crm(args)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: argument {n} is not valid UTF-8 text (check the terminal's encoding)\n",
    )
    assert snapshot(home) == before


RANGE = "crm works with dates from 1900-01-01 to 9000-12-31"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["due", "--date", "9999-12-31"], "invalid date '9999-12-31'"),
        (["due", "--date", "0001-01-02"], "invalid date '0001-01-02'"),
        (["agenda", "--from", "9999-12-25"], "invalid date '9999-12-25'"),
        (["agenda", "--from", "0001-01-01"], "invalid date '0001-01-01'"),
        (["show", "anna", "--date", "9999-11-01"], "invalid date '9999-11-01'"),
        (["draft", "anna", "--date", "9999-12-31"], "invalid date '9999-12-31'"),
        (["log", "anna", "email", "--date", "0001-01-02"], "invalid date '0001-01-02'"),
        (
            ["log", "anna", "email", "--incident", "--date", "9999-12-31"],
            "invalid date '9999-12-31'",
        ),
        (["log", "anna", "email", "--follow-up", "9999-12-31"], "invalid date '9999-12-31'"),
        (["snooze", "anna", "--until", "9999-01-01"], "invalid date '9999-01-01'"),
        (["add-client", "Bea", "--since", "0001-01-02"], "invalid date '0001-01-02'"),
        (["add-client", "Bea", "--birthday", "0001-01-02"], "invalid birthday '0001-01-02'"),
        (["edit", "anna", "--birthday", "1899-12-31"], "invalid birthday '1899-12-31'"),
        (["due", "--date", "in 7000 years"], "invalid date 'in 7000 years'"),
    ],
)
def test_dates_the_plan_cannot_work_with_are_refused(
    anna: Crm, home: Path, args: list[str], shown: str
) -> None:
    before = snapshot(home)
    assert anna.fail(*args) == f"{shown}: {RANGE}"
    assert snapshot(home) == before


def test_the_plan_works_at_both_ends_of_the_range(anna: Crm) -> None:
    anna.log("anna", "email", "--incident", "--date", "9000-12-31")
    anna.log("anna", "email", "--in", "--needs-reply", "--date", "1900-01-01")
    anna.ok("add-client", "Bea", "--birthday", "1900-01-01", "--date", "1900-01-01")
    for day in ("1900-01-01", "9000-12-31"):
        anna.ok("due", "--date", day)
        anna.ok("agenda", "--from", day, "--days", "366")
        anna.ok("show", "anna", "--date", day)


def deep(depth: int) -> bytes:
    return b'{"format": "crm-book", "meta": {"schema": 2}, "clients": [{"id": "x", "note": ' + (
        b"[" * depth + b"]" * depth + b"}]}"
    )


@pytest.mark.parametrize("depth", [300, 100_000])  # past the store's encoder; past json's
def test_deeply_nested_json_is_refused(crm: Crm, tmp_path: Path, home: Path, depth: int) -> None:
    crm.add("Anna Rossi")
    before = snapshot(home)
    path = tmp_path / "deep.json"
    path.write_bytes(deep(depth))
    assert crm.fail("import", "json", str(path), "--replace") == (
        f"{path} is not a crm JSON export: it is nested too deeply"
    )
    assert snapshot(home) == before


# --------------------------------------------------------------------------- 4. draft names


def test_clients_without_latin_letters_get_a_draft_file_each(crm: Crm, tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    ids = [
        crm.add(name, "--email", f"{n}@example.com", "--since", "2026-01-05")
        for n, name in enumerate(("王伟", "李娜", "杨芳"))
    ]
    assert ids == ["王伟", "李娜", "杨芳"]  # the ids are unique; only the file names collided
    for client_id in ids:
        crm.ok("draft", client_id, "--channel", "email", "--date", FIXED_DATE, "--out", str(out))
    files = sorted(out.iterdir())
    assert [p.name for p in files] == [
        f"{FIXED_DATE}-client-brxf72-check-in.eml",  # 王伟
        f"{FIXED_DATE}-client-irx3dq-check-in.eml",  # 杨芳
        f"{FIXED_DATE}-client-n2ocd6-check-in.eml",  # 李娜
    ]
    # Each file is its own client's draft: 王伟 is 0@, 杨芳 2@, 李娜 1@.
    owners = [
        next(line for line in p.read_text().splitlines() if line.startswith("To:")).split("<")[1]
        for p in files
    ]
    assert owners == ["0@example.com>", "2@example.com>", "1@example.com>"]


def test_drafts_for_ids_that_fold_to_one_name_do_not_overwrite_each_other(
    crm: Crm, tmp_path: Path
) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", "2026-01-05")
    assert crm.add("Zoë 王", "--email", "wang@example.com", "--since", "2026-01-05") == "zoe-王"
    assert crm.add("Zoë 李", "--email", "li@example.com", "--since", "2026-01-05") == "zoe-李"
    out = tmp_path / "drafts"
    for client_id in ("mario", "zoe-王", "zoe-李"):
        crm.ok("draft", client_id, "--channel", "email", "--date", FIXED_DATE, "--out", str(out))
    files = {p.name: p.read_text() for p in sorted(out.iterdir())}
    # A readable id keeps its name; any other keeps its readable part and adds a hash.
    assert list(files) == [
        f"{FIXED_DATE}-mario-rossi-check-in.eml",
        f"{FIXED_DATE}-zoe-5kzwbn-check-in.eml",  # 王
        f"{FIXED_DATE}-zoe-tpmy2t-check-in.eml",  # 李
    ]
    assert ["wang@example.com" in text for text in files.values()] == [False, True, False]
    assert ["li@example.com" in text for text in files.values()] == [False, False, True]


# --------------------------------------------------------------------------- 5. forget, backups


@pytest.fixture
def mario(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri", "--email", "anna@example.com")
    crm.log("mario", "call", "--note", "Verdi contract")
    crm.ok("edit", "mario", "--city", "Roma")
    return crm


def test_forget_leaves_files_in_backups_it_did_not_write(mario: Crm, home: Path) -> None:
    backups = home / LOCAL_DIR / "backups"
    mine = {
        "notes.json": b"not json at all",
        "book-copy.json": json.dumps({"clients": {"1": {"id": "mario-rossi"}}}).encode(),
        "list.json": b"[1, 2, 3]",
        "book-2026.json": b"{}",
    }
    for name, data in mine.items():
        (backups / name).write_bytes(data)
    mario.ok("forget", "mario", "--yes")
    for name, data in mine.items():
        assert (backups / name).read_bytes() == data, name


def test_forget_refuses_a_symlinked_backups_folder(mario: Crm, home: Path, tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "taxes.json").write_bytes(b"my own file")
    (documents / "book-20261123T101010000000Z.json").write_bytes(b'{"x": {}}')
    shutil.rmtree(home / LOCAL_DIR / "backups")
    (home / LOCAL_DIR / "backups").symlink_to(documents)
    before = snapshot(home)
    assert mario.fail("forget", "mario", "--yes") == (
        f"the backups folder {home / LOCAL_DIR / 'backups'} is a symbolic link: crm keeps backups "
        "only in a folder of its own; nothing was written (replace the link with a folder)"
    )
    assert snapshot(home) == before
    assert sorted(p.name for p in documents.iterdir()) == [
        "book-20261123T101010000000Z.json",
        "taxes.json",
    ]
    assert (documents / "taxes.json").read_bytes() == b"my own file"


def test_the_restore_hint_names_only_a_sound_backup_of_this_book(
    mario: Crm, home: Path, tmp_path: Path
) -> None:
    current = device_file(home)
    backups = home / LOCAL_DIR / "backups" / current.parent.name
    stem = current.name.removesuffix(".json")
    [*_, real] = sorted(backups.glob(f"{stem}~*.json"))
    evil = json.loads(real.read_bytes())
    evil["_meta"]["1"]["book"] = "another-book"  # a device file of another book
    stamp = real.name.removeprefix(f"{stem}~").removesuffix(".json")
    # Names that sort after the real newest backup (the same instant, numbered on).
    planted = {
        f"{stem}~20991231T235959000000Z.json": json.dumps(evil).encode(),
        f"{stem}~{stamp}-2.json": b"garbage",  # does not parse
        f"{stem}~{stamp}-3.json": b'{"touchpoints": {}}',  # another kind of file
        f"{stem}~{stamp}-4.json": b'{"_meta": {"1": {"schema": 99}}, "ops": {}}',
    }
    for name, data in planted.items():
        (backups / name).write_bytes(data)
    (backups / f"{stem}~{stamp}-5.json").symlink_to(real)
    current.write_bytes(b"{ damaged")
    message = mario.fail("list")
    assert message.endswith(f"restore the newest backup with: cp '{real}' '{current}'")
    assert current.read_bytes() == b"{ damaged"


# --------------------------------------------------------------------------- 6. agenda .ics


def test_the_agenda_ics_carries_no_note_of_a_shared_contact(crm: Crm, tmp_path: Path) -> None:
    crm.add("Anna Rossi", "--email", "anna@example.com", "--shared-contact")
    crm.add("Bruno Neri", "--email", "bruno@example.com")
    for who in ("anna", "bruno"):
        crm.log(who, "call", "--incident", "--note", f"{who} got the wrong results")
        crm.log(who, "email", "--in", "--needs-reply", "--note", f"{who} asks about the biopsy")
    ics = tmp_path / "plan.ics"
    crm.ok("agenda", "--from", FIXED_DATE, "--ics", str(ics))
    text = ics.read_text().replace("\r\n ", "")  # unfolded
    assert "anna asks" not in text and "anna got" not in text
    assert text.count("(note withheld: shared contact)") == 2
    assert "bruno asks about the biopsy" in text and "bruno got the wrong results" in text


# --------------------------------------------------------------------------- 7. import json ids


@pytest.mark.parametrize("bad", ["", "..", ".", "a/b", "a\\b", " x", "-x", "x\ny", 7])
def test_import_json_refuses_ids_that_cannot_be_ids(
    crm: Crm, tmp_path: Path, home: Path, bad: object
) -> None:
    crm.add("Anna Rossi")
    data = json.loads(crm.ok("export", "json").stdout)
    data["clients"].append({"id": bad, "name": "Bad", "since": "2026-01-05"})
    before = snapshot(home)
    path = tmp_path / "book.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert crm.fail("import", "json", str(path), "--replace") == (
        f"record 2 of 'clients' is invalid: its id {json.dumps(bad)} is not a crm id "
        "(letters, digits and dashes, starting with a letter or digit)"
    )
    assert snapshot(home) == before


def test_import_json_refuses_a_touchpoint_id_that_cannot_be_one(crm: Crm, tmp_path: Path) -> None:
    crm.add("Anna Rossi")
    crm.log("anna", "call")
    data = json.loads(crm.ok("export", "json").stdout)
    data["touchpoints"][0]["id"] = "../t1"
    path = tmp_path / "book.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert crm.fail("import", "json", str(path), "--replace") == (
        "record 1 of 'touchpoints' is invalid: its id \"../t1\" is not a touchpoint id (t1, t2...)"
    )


def test_import_json_refuses_dates_the_plan_cannot_work_with(crm: Crm, tmp_path: Path) -> None:
    crm.add("Anna Rossi")
    crm.log("anna", "call", "--incident")
    data = json.loads(crm.ok("export", "json").stdout)
    data["touchpoints"][0]["date"] = "9999-12-31"
    path = tmp_path / "book.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert crm.fail("import", "json", str(path), "--replace") == (
        "record 1 of 'touchpoints' is invalid: its date '9999-12-31' is outside "
        "1900-01-01 to 9000-12-31"
    )
