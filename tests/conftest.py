"""Shared fixtures: an isolated book and config per test, and helpers to run ``crm``.

Typer's ``CliRunner`` (0.27) always captures stderr apart from stdout, so
``result.stdout`` holds only data and ``result.stderr`` only messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from crm_cli.cli import app as app_module
from crm_cli.cli.app import app

FIXED_DATE = "2026-11-23"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own CRM_HOME and CRM_CONFIG, never the user's real ones."""
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config"))
    monkeypatch.delenv("CRM_DEBUG", raising=False)
    # --debug switches a process-wide flag on; a test must not leak it to the next.
    monkeypatch.setitem(app_module._state, "debug", False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


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


def crm_command() -> list[str]:
    """The installed ``crm`` entry point, or the module when it is not on PATH."""
    found = shutil.which("crm")
    return [found] if found else [sys.executable, "-m", "crm_cli"]


@pytest.fixture
def run_crm(home: Path, config: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the real ``crm`` in a subprocess against the test's book."""

    def run(
        args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "CRM_HOME": str(home), "CRM_CONFIG": str(config)}
        full_env.update(env or {})
        return subprocess.run(
            [*crm_command(), *args],
            capture_output=True,
            text=True,
            env=full_env,
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
