"""The README is the front door: its commands must be the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sh_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_readme_gives_the_install_and_the_test_command() -> None:
    blocks = _sh_blocks()
    assert blocks[0].endswith("pip install . && crm demo")
    assert blocks[1] == 'pip install ".[test]" && pytest'


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith("#")]
    assert commands[-1] == _sh_blocks()[1]


def test_every_command_in_the_readme_table_exists() -> None:
    from crm_cli.cli.app import COMMANDS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\| `crm ([a-z-]+)", text, flags=re.M))
    assert named <= set(COMMANDS)
