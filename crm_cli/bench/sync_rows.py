"""The benchmark's sync rows: ``crm sync`` against a local bare remote.

For each size, a copy of the book is set up with ``crm sync --init`` (device
A) and cloned once (device B), untimed. Then:

``sync-idle``
    ``crm sync`` on A with nothing to do (it still asks the remote).
``sync-day``
    a day's work on both devices (20 touchpoints and 3 client edits each,
    made untimed before the run), exchanged: A syncs, B syncs, A syncs again,
    timed together.
``sync-clone``
    ``crm sync --clone`` of the book into a new folder, the cache built.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from .run import Job

SETUP_TIMEOUT = 900.0

# Run by the day's-work preparation in one process per device (untimed): the same
# commands a user types, through the Typer app, without 46 interpreter start-ups.
DAY_WORK = """\
import json
import sys

from typer.testing import CliRunner

from crm_cli.cli.app import app

run_no, day = int(sys.argv[1]), sys.argv[2]
runner = CliRunner()


def crm(*args):
    result = runner.invoke(app, list(args))
    if result.exit_code != 0:
        sys.exit(f"crm {' '.join(args)}: {result.stderr.strip() or result.exit_code}")
    return result.stdout


clients = [c["id"] for c in json.loads(crm("list", "--json"))]
start = (run_no * 23) % max(1, len(clients))
picked = [clients[(start + k) % len(clients)] for k in range(23)]
for k, client in enumerate(picked[:20]):
    crm("log", client, "email", "--note", f"sync benchmark {run_no}.{k}", "--date", day)
for k, client in enumerate(picked[20:]):
    crm("edit", client, "--city", f"Bench City {run_no}.{k}")
"""

# The timed part of sync-day: three syncs, one after the other, as one process tree.
SYNC_ROUND = """\
import os
import subprocess
import sys

crm, homes = sys.argv[1:-2], sys.argv[-2:]
for home in (homes[0], homes[1], homes[0]):
    done = subprocess.run([*crm, "sync"], env={**os.environ, "CRM_HOME": home},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        sys.stderr.write((lines[-1] if lines else f"exit code {done.returncode}") + "\\n")
        sys.exit(done.returncode)
"""


def _setup(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT, check=False
    )
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(f"{' '.join(argv)}: {lines[-1] if lines else done.returncode}")


def sync_jobs(
    size: str,
    home: Path,
    config: Path,
    crm: list[str],
    scratch: Path,
    base_env: dict[str, str],
    today: date,
) -> list[Job]:
    """The sync rows of one book (set up here, untimed)."""
    a, b = scratch / f"sync-{size}-a", scratch / f"sync-{size}-b"
    remote = scratch / f"sync-{size}.git"
    shutil.copytree(home, a, symlinks=True)
    env_a = {**base_env, "CRM_HOME": str(a), "CRM_CONFIG": str(config)}
    env_b = {**env_a, "CRM_HOME": str(b)}
    _setup([*crm, "sync", "--init", str(remote)], env_a)
    _setup([*crm, "sync", "--clone", str(remote), "--home", str(b)], env_b)
    day_script, round_script = scratch / "sync_day_work.py", scratch / "sync_round.py"
    day_script.write_text(DAY_WORK, encoding="utf-8")
    round_script.write_text(SYNC_ROUND, encoding="utf-8")
    py = sys.executable

    def day_work(i: int) -> None:
        for env in (env_a, env_b):
            _setup([py, str(day_script), str(i), today.isoformat()], env)

    clones = scratch / f"sync-{size}-clones"

    def fresh_clone(_i: int) -> None:
        shutil.rmtree(clones, ignore_errors=True)

    def clone_argv(i: int) -> list[str]:
        return [*crm, "sync", "--clone", str(remote), "--home", str(clones / f"run-{i}")]

    return [
        Job("sync-idle", size, "crm sync (nothing to do)", lambda _i: [*crm, "sync"], env_a),
        Job(
            "sync-day",
            size,
            "crm sync on A, B, A after 20 logs + 3 edits on each",
            lambda _i: [py, str(round_script), *crm, str(a), str(b)],
            env_a,
            prepare=day_work,
        ),
        Job(
            "sync-clone",
            size,
            "crm sync --clone (cache built)",
            clone_argv,
            env_a,
            prepare=fresh_clone,
        ),
    ]
