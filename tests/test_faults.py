"""A SIGKILL before every file operation of every writing command (``CRM_FAULT_AT=N``).

For each command, N = 1, 2, ... until the command completes: after each kill the
book reads as it was before the command or as it is after it (``crm export
json``, touchpoint ids aside: they are random), ``crm doctor`` finds no problem,
and the next command works.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, crm_command, crm_env

import crm_cli.store.devices as devices

TP_ID = re.compile(r'"t[a-z2-7]{8}"')


def normal(export: str) -> str:
    """An export with its random touchpoint ids numbered in order of appearance."""
    seen: dict[str, str] = {}
    return TP_ID.sub(lambda m: seen.setdefault(m.group(0), f'"T{len(seen) + 1}"'), export)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A book spread over several device files (so a forget scrubs older files), and
    the files the import commands read."""
    from typer.testing import CliRunner

    from crm_cli.cli.app import app

    root = tmp_path_factory.mktemp("faults")
    home, config = root / "home", root / "config"
    env = {"CRM_HOME": str(home), "CRM_CONFIG": str(config)}
    runner = CliRunner()
    saved = devices.ROLL_BYTES
    devices.ROLL_BYTES = 1
    try:
        for args in (
            ["add-client", "Mario Rossi", "--email", "mario@example.com", "--note", "rhubarb"],
            ["add-client", "Anna Neri"],
            ["log", "mario", "call", "--note", "marmalade talk", "--date", "2026-11-20"],
            ["log", "anna", "visit", "--in", "--topic", "il trasloco", "--date", "2026-11-21"],
            ["log", "mario", "email", "--in", "--needs-reply", "--date", "2026-11-22"],
        ):
            result = runner.invoke(app, args, env=env)
            assert result.exit_code == 0, result.output
    finally:
        devices.ROLL_BYTES = saved
    cards = root / "cards.vcf"
    cards.write_text(
        "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Persona {i}\r\nN:{i};Persona;;;\r\n"
            f"EMAIL:p{i}@example.com\r\nEND:VCARD\r\n"
            for i in range(20)
        )
    )
    table = root / "people.csv"
    table.write_text(
        "First Name,Last Name,E-mail 1 - Value\n"
        + "".join(f"Gente,Numero {i},g{i}@example.com\n" for i in range(20))
    )
    # Mail to and from the clients for `crm capture mail` (config: your addresses).
    import mailbox
    from email.message import EmailMessage

    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text('my_emails = ["me@example.com"]\n')
    maildir = mailbox.Maildir(root / "mail")
    for n, (sender, to) in enumerate(
        [("mario@example.com", "me@example.com"), ("me@example.com", "mario@example.com")]
    ):
        message = EmailMessage()
        message["From"], message["To"] = sender, to
        message["Subject"] = f"Preventivo {n}"
        message["Date"] = f"Mon, {16 + n} Nov 2026 10:00:00 +0100"
        message["Message-ID"] = f"<m{n}@example.com>"
        message.set_content("...")
        maildir.add(message)
    book = root / "book.json"
    result = runner.invoke(app, ["export", "json", "--out", str(book)], env=env)
    assert result.exit_code == 0, result.output
    empty = root / "empty"
    empty.mkdir()
    return {
        "home": home,
        "config": config,
        "cards": cards,
        "csv": table,
        "json": book,
        "empty": empty,
        "mail": root / "mail",
    }


def _tp(base: dict[str, Path], which: int) -> str:
    data = json.loads(base["json"].read_text())
    return str(data["touchpoints"][which]["id"])


COMMANDS: dict[str, list[str]] = {
    "add-client": ["add-client", "Luca Verdi", "--email", "luca@example.com"],
    "edit": ["edit", "mario", "--city", "Roma", "--tag", "vip"],
    "log": ["log", "mario", "call", "--note", "x", "--date", FIXED_DATE],
    "amend": ["amend", "TP0", "--note", "amended", "--date", "2026-11-19"],
    "unlog": ["unlog", "TP1"],
    "snooze": ["snooze", "mario", "--until", "2026-12-24", "--date", FIXED_DATE],
    "forget": ["forget", "mario", "--yes"],
    "import vcard": ["import", "vcard", "CARDS"],
    "import csv": ["import", "csv", "CSV"],
    "import json": ["import", "json", "JSON"],
    "import json --replace": ["import", "json", "--replace", "JSON"],
    "playbook start": ["playbook", "start", "anna", "onboarding", "--date", FIXED_DATE],
    "topic done": ["topic", "done", "anna"],
    "doctor": ["doctor"],
    "capture mail": ["capture", "mail", "--maildir", "MAIL", "--date", FIXED_DATE],
}


def _run(home: Path, config: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*crm_command(), *args],
        capture_output=True,
        text=True,
        env=crm_env(home, config, **env),
        timeout=60,
        check=False,
    )


def _in_process(home: Path, config: Path, args: list[str]) -> tuple[int, str, str]:
    """A read or a doctor run in this process: as the CLI does it, without a new Python."""
    from typer.testing import CliRunner

    from crm_cli.cli.app import app

    env = {"CRM_HOME": str(home), "CRM_CONFIG": str(config)}
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def _export(home: Path, config: Path) -> str:
    code, stdout, stderr = _in_process(home, config, ["export", "json"])
    assert code == 0, stderr
    return stdout


def sweep(base: dict[str, Path], name: str, work: Path) -> tuple[int, list[str]]:
    """Kill ``name`` before its 1st, 2nd... file operation until it completes; returns the
    trials and what went wrong."""
    args = [
        {
            "TP0": _tp(base, 0),
            "TP1": _tp(base, 1),
            "CARDS": str(base["cards"]),
            "CSV": str(base["csv"]),
            "JSON": str(base["json"]),
            "MAIL": str(base["mail"]),
        }.get(a, a)
        for a in COMMANDS[name]
    ]
    source = base["empty"] if name == "import json" else base["home"]
    config = base["config"]

    def fresh(label: str) -> Path:
        home = work / label
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(source, home, symlinks=True)
        return home

    reference = fresh("after")
    before = normal(_export(reference, config))
    done = _run(reference, config, args)
    assert done.returncode == 0, done.stderr
    after = normal(_export(reference, config))
    failures: list[str] = []
    trials = 0
    for n in range(1, 200):
        home = fresh(f"n{n}")
        result = _run(home, config, args, CRM_FAULT_AT=str(n))
        trials += 1
        now = normal(_export(home, config))
        if now not in (before, after):
            failures.append(f"N={n}: the book is neither as before nor as after")
        code, stdout, stderr = _in_process(home, config, ["doctor", "--json"])
        report = json.loads(stdout) if code == 0 else {}
        if code != 0 or report.get("orphans") or report.get("duplicates"):
            failures.append(f"N={n}: doctor: {stdout.strip()} {stderr.strip()}")
        if name == "forget" and now == after:
            leftover = [
                str(p) for p in home.rglob("*") if p.is_file() and b"marmalade" in p.read_bytes()
            ]
            if leftover:
                failures.append(f"N={n}: the forgotten client is still in {leftover}")
        if normal(_export(home, config)) != now:
            failures.append(f"N={n}: doctor changed the book")
        shutil.rmtree(home)
        if result.returncode != -signal.SIGKILL:
            if result.returncode != 0:
                failures.append(f"N={n}: exit {result.returncode}: {result.stderr.strip()}")
            break
    return trials, failures


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_kill_before_any_file_operation_leaves_the_command_done_or_not_done(
    base: dict[str, Path], name: str, tmp_path: Path
) -> None:
    trials, failures = sweep(base, name, tmp_path)
    report = os.environ.get("CRM_FAULT_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(
                json.dumps({"command": name, "trials": trials, "failures": failures}) + "\n"
            )
    assert trials > 1, "the command made no file operation"
    assert failures == []


def test_the_fault_hook_is_ignored_unless_set(crm: Crm, home: Path) -> None:
    os.environ.pop("CRM_FAULT_AT", None)
    crm.add("Mario Rossi")
    assert crm.ok("list", "--json").stdout.count('"id"') == 1
