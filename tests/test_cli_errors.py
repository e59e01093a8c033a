"""Exit codes and the one-line error contract; where the book lives (CRM_HOME)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Crm, book_bytes, book_made

from crm_cli import __version__
from crm_cli.errors import NotFound
from crm_cli.userfiles.config import config_dir, home_dir

COMMANDS = [
    "add-client",
    "edit",
    "list",
    "show",
    "find",
    "archive",
    "unarchive",
    "forget",
    "log",
    "history",
    "demo",
]


# --------------------------------------------------------------------------- usage: exit 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log"], "Missing argument 'CLIENT'. (see 'crm log --help')"),
        (["log", "mario"], "Missing argument 'CHANNEL'. (see 'crm log --help')"),
        (["add-client"], "Missing argument 'NAME'. (see 'crm add-client --help')"),
        (["frobnicate"], "No such command 'frobnicate'. (see 'crm --help')"),
        (["list", "--colour"], "No such option: --colour (see 'crm list --help')"),
        (
            ["add-client", "Mario", "--tier"],
            "Option '--tier' requires an argument.",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(crm: Crm, args: list[str], message: str) -> None:
    assert crm.fail(*args, code=2) == message


def test_no_arguments_shows_help(crm: Crm) -> None:
    result = crm.ok()
    assert result.stdout.startswith("Usage: crm [OPTIONS] COMMAND [ARGS]...")
    for command in COMMANDS:
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(crm: Crm, command: str) -> None:
    result = crm.ok(command, "--help")
    assert result.stdout.startswith(f"Usage: crm {command} ")


def test_version(crm: Crm) -> None:
    assert crm.ok("--version").stdout == f"crm {__version__}\n"


# --------------------------------------------------------------------------- domain: exit 1


def test_domain_error_is_one_line_on_stderr_and_nothing_on_stdout(crm: Crm) -> None:
    crm.add("Mario Rossi")
    result = crm("show", "nobody")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no client matches 'nobody'\n"


def test_debug_lets_the_exception_through(crm: Crm) -> None:
    crm.add("Mario Rossi")
    result = crm("--debug", "show", "nobody")
    assert result.exit_code == 1
    assert isinstance(result.exception, NotFound)


def test_an_unexpected_failure_is_one_line_too(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli.cli import clients

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(clients, "find", broken)
    result = crm("find", "x")
    assert result.exit_code == 70
    assert result.stdout == ""
    assert result.stderr == (
        "Error: unexpected RuntimeError: boom (run with --debug for details)\n"
    )


# --------------------------------------------------------------------------- CRM_HOME / CRM_CONFIG


def test_crm_home_and_crm_config_name_the_dirs(
    crm: Crm, home: Path, config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert home_dir() == home
    assert config_dir() == config
    crm.add("Mario Rossi")
    assert book_made(home)
    other = tmp_path / "other"
    monkeypatch.setenv("CRM_HOME", str(other))
    assert crm.ok("list", "--json").stdout == "[]\n"
    crm.add("Anna Neri")
    assert b"Anna" in book_bytes(other)
    assert b"Anna" not in book_bytes(home)


def test_defaults_follow_the_platform_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CRM_HOME")
    monkeypatch.delenv("CRM_CONFIG")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    assert home_dir() == tmp_path / "data" / "crm"
    assert config_dir() == tmp_path / "conf" / "crm"


def test_crm_home_expands_the_user_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CRM_HOME", "~/crm-book")
    assert home_dir() == tmp_path / "crm-book"


@pytest.mark.parametrize("args", [["list"], ["add-client", "Mario"], ["log", "mario", "call"]])
def test_crm_home_that_is_a_file(
    crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "a-file"
    path.write_bytes(b"my precious notes")
    monkeypatch.setenv("CRM_HOME", str(path))
    assert crm.fail(*args) == f"CRM_HOME {path} is a file, not a directory"
    assert path.read_bytes() == b"my precious notes"


def test_crm_home_inside_a_file(crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"x")
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "a-file" / "book"))
    assert crm.fail("add-client", "Mario") == (
        f"cannot create the book directory {tmp_path / 'a-file' / 'book'}: Not a directory"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_crm_home_not_writable(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    home.chmod(0o500)
    try:
        before = book_bytes(home)
        assert crm.fail("log", "mario", "call") == f"the book directory {home} is not writable"
        assert book_bytes(home) == before
        assert crm.ok("list", "--json").stdout.count('"id"') == 1  # reading still works
    finally:
        home.chmod(0o700)


def test_crm_home_reported_not_writable(
    crm: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same check as above, runnable as root: the OS says the dir is not writable."""
    import crm_cli.store.book as store

    crm.add("Mario Rossi")
    before = book_bytes(home)
    monkeypatch.setattr(store.os, "access", lambda *args, **kwargs: False)
    assert crm.fail("log", "mario", "call") == f"the book directory {home} is not writable"
    monkeypatch.undo()
    assert book_bytes(home) == before


def test_devices_folder_that_is_a_file(crm: Crm, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "devices").write_text("")
    message = f"{home / 'devices'} is a file, not the folder of the book's device files"
    assert crm.fail("list") == message
    assert crm.fail("add-client", "Mario") == message
    assert (home / "devices").read_text() == ""


def test_reading_an_absent_book_creates_nothing(crm: Crm, home: Path) -> None:
    crm.ok("list")
    crm.ok("find", "x")
    assert not home.exists()


# --------------------------------------------------------------------------- one line, always


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nob\nody"], "no client matches 'nob ody'"),
        (
            ["log", "mario", "fa\nx"],
            "unknown channel 'fa\\nx': use one of email, sms, call, coffee, meeting, visit, note",
        ),
        (["add-client", "X", "--tier", "\u2028D"], "unknown tier '\\u2028D': use one of A, B, C"),
        (["edit", "mario", "--remove-email", "a\r\nb"], "Mario Rossi has no email 'a\\r\\nb'"),
    ],
)
def test_input_with_line_breaks_still_gives_one_error_line(
    crm: Crm, args: list[str], message: str
) -> None:
    crm.add("Mario Rossi")
    assert crm.fail(*args) == message
