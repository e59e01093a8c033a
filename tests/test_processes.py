"""The installed ``crm`` run as real processes: exit codes, concurrent writers, killed writers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_DATE, crm_command

from crm_cli.core.models import Client, Touchpoint
from crm_cli.store import BACKUP_DIR, BOOK_FILE, open_book

Run = Callable[..., subprocess.CompletedProcess[str]]


def env_for(home: Path, config: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CRM_HOME": str(home), "CRM_CONFIG": str(config), **extra}
    env.pop("CRM_DEBUG", None)
    env.update(extra)
    return env


# --------------------------------------------------------------------------- the real command


def test_the_installed_command_end_to_end(run_crm: Run) -> None:
    added = run_crm(["add-client", "Zoë Ølund", "--email", "zoe@example.com", "--tier", "A"])
    assert (added.returncode, added.stdout, added.stderr) == (0, "zoe-olund\n", "")
    logged = run_crm(["log", "zoe", "coffee", "--date", FIXED_DATE, "--note", "{{ 7*7 }}"])
    assert (logged.returncode, logged.stdout, logged.stderr) == (0, "t1\n", "")
    listed = run_crm(["list", "--json"])
    assert listed.returncode == 0
    [client] = json.loads(listed.stdout)
    assert (client["id"], client["name"], client["last_contact"]) == (
        "zoe-olund",
        "Zoë Ølund",
        FIXED_DATE,
    )
    history = json.loads(run_crm(["history", "zoe", "--json"]).stdout)
    assert [(t["id"], t["note"]) for t in history] == [("t1", "{{ 7*7 }}")]


def test_exit_codes_and_one_line_errors(run_crm: Run) -> None:
    run_crm(["add-client", "Mario Rossi"])
    missing = run_crm(["show", "nobody"])
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        "Error: no client matches 'nobody'\n",
    )
    usage = run_crm(["log", "mario"])
    assert usage.returncode == 2
    assert usage.stdout == ""
    assert usage.stderr == "Error: Missing argument 'CHANNEL'. (see 'crm log --help')\n"
    assert run_crm(["--version"]).stdout.startswith("crm ")


@pytest.mark.parametrize(
    ("args", "env"), [(["--debug", "show", "nobody"], {}), (["show", "nobody"], {"CRM_DEBUG": "1"})]
)
def test_debug_shows_the_traceback(run_crm: Run, args: list[str], env: dict[str, str]) -> None:
    run_crm(["add-client", "Mario Rossi"])
    result = run_crm(args, env=env)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "NotFound: no client matches 'nobody'" in result.stderr


def test_crm_debug_0_means_off(run_crm: Run) -> None:
    result = run_crm(["show", "nobody"], env={"CRM_DEBUG": "0"})
    assert result.stderr == "Error: no client matches 'nobody'\n"


def test_python_dash_m_works_too(home: Path, config: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_cli", "add-client", "Anna Neri"],
        capture_output=True,
        text=True,
        env=env_for(home, config),
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "anna-neri\n")


# --------------------------------------------------------------------------- concurrent writers


def test_twenty_concurrent_logs_all_land(run_crm: Run, home: Path, config: Path) -> None:
    assert run_crm(["add-client", "Mario Rossi"]).returncode == 0
    procs = [
        subprocess.Popen(
            [*crm_command(), "log", "mario", "call", "--date", FIXED_DATE, "--note", f"n{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(home, config),
        )
        for i in range(20)
    ]
    results = [(p.communicate(timeout=60), p.returncode) for p in procs]
    for (_, stderr), code in results:
        assert (code, stderr) == (0, ""), stderr
    ids = [stdout.strip() for (stdout, _), _ in results]
    assert sorted(ids) == sorted(f"t{i}" for i in range(1, 21))
    history = json.loads(run_crm(["history", "mario", "--json"]).stdout)
    assert sorted(t["id"] for t in history) == sorted(ids)
    assert sorted(t["note"] for t in history) == sorted(f"n{i}" for i in range(20))
    assert not list(home.glob("*.tmp"))


# --------------------------------------------------------------------------- killed writers


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book of 3,000 clients and 3,000 touchpoints (about 7 MB), built through the store."""
    home = tmp_path_factory.mktemp("big") / "home"
    with open_book(home, write=True) as book:
        for i in range(3000):
            book.add_client(
                Client(
                    id=f"c{i}",
                    name=f"Client {i}",
                    since=date(2020, 1, 1),
                    emails=[f"c{i}@example.com"],
                    note="x" * 1500,
                )
            )
        for i in range(3000):
            day = date(2025, 1, 1) + timedelta(days=i % 300)
            book.add_touchpoint(Touchpoint("", f"c{i}", day, "call", note="y" * 500))
    return home


def _is_old_or_new(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """``new`` is ``old``, or ``old`` plus exactly one logged touchpoint."""
    if new == old:
        return True
    added = set(new["touchpoints"]) - set(old["touchpoints"])
    if len(added) != 1:
        return False
    rest = {k: v for k, v in new["touchpoints"].items() if k not in added}
    meta = dict(new["_meta"]["1"])
    meta["next_touchpoint"] = old["_meta"]["1"]["next_touchpoint"]
    return (
        rest == old["touchpoints"]
        and meta == old["_meta"]["1"]
        and new["clients"] == old["clients"]
        and new["touchpoints"][added.pop()]["client_id"] == "c1"
    )


def _temps(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.name.endswith(".tmp")]


def test_a_writer_killed_at_any_moment_leaves_the_old_or_the_new_book(
    big_book: Path, tmp_path: Path, config: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(big_book, home)
    book = home / BOOK_FILE
    env = env_for(home, config)
    # Fixed delays spread over a run (~0.3 s here), then kills the moment a temp file appears.
    moments: list[float | None] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, None, None, None]
    outcomes = []
    for moment in moments:
        old = json.loads(book.read_bytes())
        proc = subprocess.Popen(
            [*crm_command(), "log", "c1", "call", "--date", FIXED_DATE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        own_temp = home / f".{BOOK_FILE}.{proc.pid}.tmp"  # the temp file of this writer
        if moment is None:
            deadline = time.monotonic() + 10
            while proc.poll() is None and not own_temp.exists() and time.monotonic() < deadline:
                time.sleep(0.0005)
        else:
            time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        new = json.loads(book.read_bytes())  # never half a book
        assert _is_old_or_new(old, new), moment
        for backup in (home / BACKUP_DIR).glob("*.json"):
            json.loads(backup.read_bytes())
        outcomes.append((proc.returncode, new != old, own_temp.exists()))
    # At least one kill really interrupted a write (a temp file was left behind).
    assert any(left_temp for _, _, left_temp in outcomes), outcomes
    # The next write command cleans up and works.
    result = subprocess.run(
        [*crm_command(), "log", "c2", "email", "--date", FIXED_DATE],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _temps(home) == []
    data = json.loads(book.read_bytes())
    ids = sorted(int(k) for k in data["touchpoints"])
    assert ids == list(range(1, len(ids) + 1))
    assert result.stdout.strip() == f"t{data['_meta']['1']['next_touchpoint'] - 1}"
