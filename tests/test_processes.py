"""The installed ``crm`` run as real processes: exit codes, concurrent writers, killed writers."""

from __future__ import annotations

import json
import re
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
from conftest import FIXED_DATE, crm_command, crm_env

from crm_cli.core.models import Client, Touchpoint
from crm_cli.store import open_book

Run = Callable[..., subprocess.CompletedProcess[str]]


# --------------------------------------------------------------------------- the real command


def test_the_installed_command_end_to_end(run_crm: Run) -> None:
    added = run_crm(["add-client", "Zoë Ølund", "--email", "zoe@example.com", "--tier", "A"])
    assert (added.returncode, added.stdout, added.stderr) == (0, "zoe-olund\n", "")
    logged = run_crm(["log", "zoe", "coffee", "--date", FIXED_DATE, "--note", "{{ 7*7 }}"])
    assert (logged.returncode, logged.stderr) == (0, "")
    assert re.fullmatch(r"t[a-z2-7]{8}\n", logged.stdout)
    listed = run_crm(["list", "--json"])
    assert listed.returncode == 0
    [client] = json.loads(listed.stdout)
    assert (client["id"], client["name"], client["last_contact"]) == (
        "zoe-olund",
        "Zoë Ølund",
        FIXED_DATE,
    )
    history = json.loads(run_crm(["history", "zoe", "--json"]).stdout)
    assert [(t["id"], t["note"]) for t in history] == [(logged.stdout.strip(), "{{ 7*7 }}")]


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
        env=crm_env(home, config),
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
            env=crm_env(home, config),
        )
        for i in range(20)
    ]
    results = [(p.communicate(timeout=60), p.returncode) for p in procs]
    for (_, stderr), code in results:
        assert (code, stderr) == (0, ""), stderr
    ids = [stdout.strip() for (stdout, _), _ in results]
    assert len(set(ids)) == 20
    history = json.loads(run_crm(["history", "mario", "--json"]).stdout)
    assert sorted(t["id"] for t in history) == sorted(ids)
    assert sorted(t["note"] for t in history) == sorted(f"n{i}" for i in range(20))
    assert _temps(home) == []


def test_concurrent_writers_and_readers_leave_a_true_plan_index(
    run_crm: Run, home: Path, config: Path
) -> None:
    names = [f"Cliente {n}" for n in "ABCDEF"]
    for name in names:
        assert run_crm(["add-client", name, "--since", "2020-01-10"]).returncode == 0
    ids = [name.lower().replace(" ", "-") for name in names]
    jobs = [["log", cid, "call", "--date", FIXED_DATE] for cid in ids[:3]]
    jobs += [["edit", cid, "--every", "never"] for cid in ids[3:5]]
    jobs += [["log", ids[5], "email", "--in", "--needs-reply", "--date", FIXED_DATE]]
    jobs += [["due", "--date", FIXED_DATE, "--json"]] * 6  # readers among the writers
    procs = [
        subprocess.Popen(
            [*crm_command(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=crm_env(home, config),
        )
        for args in jobs
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "Error" not in stderr, stderr
    due = json.loads(run_crm(["due", "--date", FIXED_DATE, "--json"]).stdout)
    assert [(i["client_id"], i["reason"]) for i in due] == [(ids[5], "reply")]
    with open_book(home) as book:
        cached = book.export_data()
    (home / "local" / "cache.sqlite3").unlink()  # a cache folded afresh is the same
    assert json.loads(run_crm(["due", "--date", FIXED_DATE, "--json"]).stdout) == due
    with open_book(home) as book:
        assert book.export_data() == cached


# --------------------------------------------------------------------------- killed writers


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book of 3,000 clients and 3,000 touchpoints (about 10 MB), built through the store."""
    home = tmp_path_factory.mktemp("big") / "home"
    with open_book(home, write=True) as book:
        book.add_clients(
            [
                Client(
                    id=f"c{i}",
                    name=f"Client {i}",
                    since=date(2020, 1, 1),
                    emails=[f"c{i}@example.com"],
                    note="x" * 1500,
                )
                for i in range(3000)
            ]
        )
        start = date(2025, 1, 1)
        book.add_touchpoints(
            [
                Touchpoint("", f"c{i}", start + timedelta(days=i % 300), "call", note="y" * 500)
                for i in range(3000)
            ]
        )
    return home


def _json_files(home: Path) -> list[Path]:
    """Every file of the book and every backup (temp files are named ``.NAME.PID.tmp``)."""
    return [p for p in home.rglob("*.json") if not p.name.startswith(".")]


def _history(home: Path) -> dict[str, dict[str, Any]]:
    """Every touchpoint logged in the device files, by id, read straight from the files."""
    found: dict[str, dict[str, Any]] = {}
    for path in (home / "devices").glob("*/*.json"):
        for op in json.loads(path.read_bytes()).get("ops", {}).values():
            if op["op"] == "log":
                assert op["t"]["id"] not in found, op
                found[op["t"]["id"]] = op
    return found


def _temps(home: Path, pid: int | None = None) -> list[Path]:
    name = "*.tmp" if pid is None else f".*.{pid}.*.tmp"  # .NAME.PID.RANDOM.tmp
    return [p for p in home.rglob(name) if p.name.endswith(".tmp")]


def test_a_writer_killed_at_any_moment_loses_nothing_it_reported(
    big_book: Path, tmp_path: Path, config: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(big_book, home)
    env = crm_env(home, config)
    # Fixed delays spread over a run (~0.3 s here); then kills the moment a temp file
    # of this writer appears in its device's folder (while it writes its one file).
    moments: list[float | Path] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]
    [device] = (home / "devices").iterdir()
    moments += [device] * 4
    outcomes = []
    reported: list[str] = []
    for moment in moments:
        old = _history(home)
        proc = subprocess.Popen(
            [*crm_command(), "log", "c1", "call", "--date", FIXED_DATE],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        if isinstance(moment, Path):
            deadline = time.monotonic() + 10
            pattern = f".*.{proc.pid}.*.tmp"
            while (
                proc.poll() is None
                and not any(moment.glob(pattern))
                and time.monotonic() < deadline
            ):
                time.sleep(0.0005)
        else:
            time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=30)
        if proc.returncode == 0:
            reported.append(stdout.strip())
        for path in _json_files(home):  # never half a file, backups included
            json.loads(path.read_bytes())
        new = _history(home)
        added = set(new) - set(old)
        assert set(old) <= set(new), moment
        assert len(added) <= 1, moment
        assert len({new[t]["c"] for t in added} | {old[t]["c"] for t in old if t in added}) <= 1
        outcomes.append((proc.returncode, bool(added), bool(_temps(home, proc.pid))))
    # At least one kill really interrupted a write (a temp file was left behind).
    assert any(left_temp for _, _, left_temp in outcomes), outcomes
    # The next write command opens the book (repairing it if need be), cleans up and works.
    result = subprocess.run(
        [*crm_command(), "log", "c2", "email", "--date", FIXED_DATE],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _temps(home) == []
    # Every touchpoint that `crm log` reported is there; ids were never handed out twice.
    shown = subprocess.run(
        [*crm_command(), "history", "c1", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert set(reported) <= {t["id"] for t in json.loads(shown.stdout)}
    ids = sorted(_history(home))
    assert result.stdout.strip() in ids
    doctor = subprocess.run(
        [*crm_command(), "doctor", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert (report["orphans"], report["duplicates"]) == ([], [])
    assert report["summaries_differed"] == 0
    assert report["touchpoints"] == len(ids)
