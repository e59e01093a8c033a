"""The command table and what the quick commands import (no store internals here)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import FIXED_DATE, Crm, crm_env

from crm_cli.cli.app import COMMANDS, load_commands


def test_the_command_table_matches_the_commands() -> None:
    groups = {module: load_commands(module) for module, _ in COMMANDS.values()}
    for name, (module, help_line) in COMMANDS.items():
        command = groups[module].commands.get(name)
        assert command is not None, f"{module} does not define '{name}'"
        first_line = (command.help or "").strip().splitlines()[0]
        assert help_line == first_line, name
    for module, group in groups.items():  # no command is left out of the table
        for name in group.commands:
            assert COMMANDS.get(name, ("",))[0] == module, f"'{name}' of {module} is not listed"


def test_a_command_is_built_alone_with_the_options_of_the_whole_module() -> None:
    """``crm show`` builds the show command only, and it is the one the module builds."""
    for name, (module, _) in COMMANDS.items():
        alone = load_commands(module, only=name)
        assert list(alone.commands) == [name]
        whole = load_commands(module).commands[name]
        assert _shape(alone.commands[name]) == _shape(whole), name


def _shape(command: Any) -> Any:
    """What a user sees of a command: its help, options and subcommands, recursively."""
    params = [
        (p.name, p.opts, p.secondary_opts, repr(p.default), p.required) for p in command.params
    ]
    subcommands = getattr(command, "commands", {})
    return command.help, params, {n: _shape(c) for n, c in subcommands.items()}


def _run_python(home: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=crm_env(home, config),
        timeout=60,
        check=False,
    )


def _imported(importtime: str) -> set[str]:
    """Module names in ``-X importtime`` output."""
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", importtime, re.M))


# importlib.import_module (how commands are loaded) does not show in -X importtime:
# this wrapper lists every module in sys.modules when the command ends.
MODULES_AT_EXIT = """
import atexit, json, runpy, sys
out, sys.argv = sys.argv[1], ["crm", *sys.argv[2:]]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("crm_cli", run_name="__main__")
"""


def _modules_at_exit(home: Path, config: Path, tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    result = _run_python(home, config, "-c", MODULES_AT_EXIT, str(out), *args)
    assert result.returncode == 0, result.stderr
    return set(json.loads(out.read_text()))


def _loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


HEAVY = ["jinja2", "vobject", "babel", "icalendar"]


def test_crm_help_imports_no_command_module(home: Path, config: Path, tmp_path: Path) -> None:
    result = _run_python(home, config, "-X", "importtime", "-m", "crm_cli", "--help")
    assert result.returncode == 0, result.stderr
    assert "doctor" in result.stdout
    timed = _imported(result.stderr)
    assert "crm_cli.cli.app" in timed
    at_exit = _modules_at_exit(home, config, tmp_path, "--help")
    for modules in (timed, at_exit):
        for module in {m for m, _ in COMMANDS.values()}:
            assert f"crm_cli.cli.{module}" not in modules
        for package in HEAVY:
            assert not _loaded(modules, package), package


def test_crm_due_imports_no_template_contact_or_calendar_library(
    crm: Crm, home: Path, config: Path, tmp_path: Path
) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "email", "--in", "--needs-reply", "--date", "2026-11-20")
    due = ("due", "--date", FIXED_DATE)
    result = _run_python(home, config, "-X", "importtime", "-m", "crm_cli", *due)
    assert result.returncode == 0, result.stderr
    assert "Mario Rossi" in result.stdout
    at_exit = _modules_at_exit(home, config, tmp_path, *due)
    assert "crm_cli.cli.plan" in at_exit
    for modules in (_imported(result.stderr), at_exit):
        for package in [*HEAVY, "pydantic"]:
            assert not _loaded(modules, package), package


def _quick_commands(crm: Crm) -> dict[str, tuple[str, ...]]:
    """A small book, and the commands of issue 12's start-up targets on it."""
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.log("mario", "email", "--in", "--needs-reply", "--date", "2026-11-20")
    day = ("--date", FIXED_DATE)
    return {
        "due": ("due", *day),
        "show": ("show", "mario", *day),
        "draft": ("draft", "mario", *day),
        "log": ("log", "mario", "call", "--note", "rang back", *day),
    }


# Patterns that every run of a quick command matches with: compiled at import, as the
# others are not (core.patterns.lazy compiles those on first use).
EAGER_PATTERNS = {
    "crm_cli.store.devices": {"FILE_NAME", "DEVICE_NAME", "CONFLICT"},
    "crm_cli.core.drafting.speech": {"_DOUBLE_STOP", "_STOP_AFTER_MARK"},
    "crm_cli.core.drafting.render": {"_NAME"},
    "crm_cli.core.drafting.guard": {"_WORD"},
}


def _module_work(path: Path) -> tuple[list[str], set[str]]:
    """The dataclasses of ``path`` without a docstring, and the names of the regular
    expressions it compiles at import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    undocumented = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any("dataclass" in ast.unparse(d) for d in node.decorator_list)
        and not ast.get_docstring(node)
    ]
    compiled = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(
            ast.unparse(call.func) == "re.compile"
            for call in ast.walk(node.value)
            if isinstance(call, ast.Call)
        )
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return undocumented, compiled


def test_what_the_quick_commands_import_does_little_at_import(
    crm: Crm, home: Path, config: Path, tmp_path: Path
) -> None:
    """Outside the command line (``crm_cli.cli``): every dataclass has a docstring (else
    ``@dataclass`` makes one with ``inspect.signature``, 0.6 ms for ``Client``), and
    no pattern is compiled at import that a run may not use."""
    loaded: set[str] = set()
    for args in _quick_commands(crm).values():
        loaded |= _modules_at_exit(home, config, tmp_path, *args)
    ours = sorted(m for m in loaded if _loaded({m}, "crm_cli") and not _loaded({m}, "crm_cli.cli"))
    assert {"crm_cli.core.dates", "crm_cli.store.devices", "crm_cli.core.drafting.speech"} <= set(
        ours
    )
    found = {}
    for module in ours:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        undocumented, compiled = _module_work(Path(spec.origin))
        extra = compiled - EAGER_PATTERNS.get(module, set())
        if undocumented or extra:
            found[module] = (undocumented, sorted(extra))
    assert found == {}


def test_the_quick_commands_load_no_typer_lock_library_or_logging(
    crm: Crm, home: Path, config: Path, tmp_path: Path
) -> None:
    """The lane runs them without Typer (40-50 ms of import), the store's own flock
    without filelock (logging, secrets, decimal: 10-50 ms)."""
    for name, args in _quick_commands(crm).items():
        modules = _modules_at_exit(home, config, tmp_path, *args)
        assert "crm_cli.cli.lane" in modules, name
        for package in ["typer", "click", "filelock", "logging", "decimal", "secrets"]:
            assert not _loaded(modules, package), (name, package)
