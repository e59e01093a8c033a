"""Shared fixtures: an isolated book and config per test, and helpers to run ``crm``.

Typer's ``CliRunner`` (0.27) always captures stderr apart from stdout, so
``result.stdout`` holds only data and ``result.stderr`` only messages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from crm_cli.cli import exits
from crm_cli.cli.app import app
from crm_cli.core.models import Client
from crm_cli.store import open_book

FIXED_DATE = "2026-11-23"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own CRM_HOME and CRM_CONFIG, never the user's real ones."""
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config"))
    monkeypatch.delenv("CRM_DEBUG", raising=False)
    # --debug switches a process-wide flag on; a test must not leak it to the next.
    monkeypatch.setitem(exits._state, "debug", False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def ago(days: int) -> str:
    """The date ``days`` before FIXED_DATE, as ``--date`` takes it."""
    return (date.fromisoformat(FIXED_DATE) - timedelta(days=days)).isoformat()


class Crm:
    """Runs the ``crm`` app in-process and checks the shape of its output."""

    def __init__(self, runner: CliRunner) -> None:
        self.runner = runner

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def fail(self, *args: str, code: int = 1, input: str | None = None) -> str:
        """Runs a command that must fail; returns its one ``Error:`` line (without prefix)."""
        result = self(*args, input=input)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        errors = [line for line in lines if line.startswith("Error: ")]
        assert len(errors) == 1, result.stderr
        assert lines[-1] == errors[0], result.stderr
        assert "Traceback" not in result.stderr
        return errors[0].removeprefix("Error: ")

    def add(self, name: str, *options: str) -> str:
        """Adds a client; returns the new id."""
        return self.ok("add-client", name, *options).stdout.strip()

    def log(self, client: str, channel: str, *options: str) -> str:
        """Logs a touchpoint (on FIXED_DATE unless --date is given); returns its id."""
        extra = () if "--date" in options else ("--date", FIXED_DATE)
        return self.ok("log", client, channel, *options, *extra).stdout.strip()


@pytest.fixture
def crm(runner: CliRunner) -> Crm:
    return Crm(runner)


def due_json(crm: Crm, *args: str) -> list[dict[str, Any]]:
    """``crm due --json`` on FIXED_DATE."""
    return json.loads(crm.ok("due", "--date", FIXED_DATE, "--json", *args).stdout)


def use_demo_book(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Builds the demo book of FIXED_DATE in ``tmp_path/demo`` and makes it the current book."""
    target = tmp_path / "demo"
    crm.ok("demo", "--home", str(target), "--date", FIXED_DATE)
    monkeypatch.setenv("CRM_HOME", str(target))
    monkeypatch.setenv("CRM_CONFIG", str(target / "config"))
    return target


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs the test in its tmp_path: messages name files as given, relative names keep
    them short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def book_clients(home: Path) -> dict[str, Client]:
    """The book's clients by id, in name order, as the store reads them."""
    with open_book(home) as book:
        return {c.id: c for c in book.clients()}


def snapshot(home: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the book (content and mtime), the lock aside: to prove nothing was
    written."""
    if not home.exists():
        return {}
    return {
        str(p.relative_to(home)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def crm_command() -> list[str]:
    """The ``crm`` entry point installed beside this Python, else the module.

    Never looked up on PATH: that may hold another install's ``crm``.
    """
    script = Path(sys.executable).with_name("crm")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "crm_cli"]


def crm_env(home: Path, config: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``crm`` process on this book (no ``CRM_DEBUG`` unless given)."""
    env = {**os.environ, "CRM_HOME": str(home), "CRM_CONFIG": str(config)}
    env.pop("CRM_DEBUG", None)
    env.update(extra)
    return env


@pytest.fixture
def run_crm(home: Path, config: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the real ``crm`` in a subprocess against the test's book."""

    def run(
        args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*crm_command(), *args],
            capture_output=True,
            text=True,
            env=crm_env(home, config, **(env or {})),
            timeout=timeout,
            check=False,
        )

    return run


SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def shared_sample(relative: str) -> Path:
    """A file from ../shared/samples (written by other software; see its README).

    CI always has the folder beside the checkout, so there a missing sample
    fails; a developer's clone elsewhere skips those tests with the reason.
    """
    path = SHARED_SAMPLES / relative
    if not path.is_file():
        message = f"shared sample {path} is absent (../shared/samples is not beside the checkout)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def book_bytes(home: Path) -> bytes:
    """Every device file of the book, in order: equal before and after means the
    command wrote nothing to the book."""
    root = home / "devices"
    files = sorted(p for p in root.rglob("*.json")) if root.is_dir() else []
    return b"\0".join(str(p.relative_to(home)).encode() + b"\0" + p.read_bytes() for p in files)


def book_made(home: Path) -> bool:
    """Has a command written the book (its devices/ folder)?"""
    return (home / "devices").is_dir()


def book_mtime(home: Path) -> int:
    root = home / "devices"
    return max((p.stat().st_mtime_ns for p in root.rglob("*.json")), default=0)
