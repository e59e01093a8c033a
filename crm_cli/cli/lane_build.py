"""Writes ``lane_specs.py`` from the commands Typer builds: ``python -m crm_cli.cli.lane_build``.

The lane must read a command line exactly as Typer would, so its table is derived
from Typer's own click commands, never typed by hand; ``tests/test_lane.py`` fails
when the table and the commands part. A parameter of a kind the lane does not parse
(a choice, a count, an environment variable, a prompt...) stops the derivation: take
the command out of ``LANE`` or teach the lane that kind first.
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path
from typing import Any

# The commands of the morning: what a user runs many times a day, where start-up shows.
LANE = (
    *("due", "agenda", "list", "show", "history", "log", "draft", "today"),
    *("snooze", "unsnooze", "amend", "unlog"),
)

SPECS_FILE = Path(__file__).with_name("lane_specs.py")

HEADER = '''"""The fast lane's table of commands, written by ``python -m crm_cli.cli.lane_build``
from the commands Typer builds. Do not edit: ``tests/test_lane.py`` checks it."""

from typing import Any

SPECS: dict[str, dict[str, Any]] = '''


class Unsupported(Exception):
    """A parameter the lane does not know how to read."""


def _plain_path(kind: Any) -> bool:
    """A path Typer only checks for being readable when it exists."""
    strict = kind.exists or kind.resolve_path or kind.allow_dash or kind.writable
    return not strict and kind.file_okay and kind.dir_okay and kind.type is None


def _type_of(param: Any) -> dict[str, Any]:
    from typer._click import types
    from typer.models import TyperPath

    kind = param.type
    if isinstance(kind, types.IntRange):
        if kind.min_open or kind.max_open or kind.clamp:
            raise Unsupported(f"{param.name}: an open or clamped range")
        found: dict[str, Any] = {"type": "int"}
        if kind.min is not None:
            found["min"] = kind.min
        if kind.max is not None:
            found["max"] = kind.max
        return found
    if kind is types.INT:
        return {"type": "int"}
    if kind is types.STRING:
        return {"type": "str"}
    if isinstance(kind, TyperPath) and _plain_path(kind):
        return {"type": "path", "readable": kind.readable}
    raise Unsupported(f"{param.name}: type {kind!r}")


def describe(command: Any) -> list[dict[str, Any]]:
    """The lane's view of one click command's parameters, in order."""
    from typer._click.types import STRING

    params: list[dict[str, Any]] = []
    for param in command.params:
        if param.envvar or getattr(param, "prompt", None) or param.is_eager or param.nargs != 1:
            raise Unsupported(f"{param.name}: an environment variable, prompt or nargs")
        if param.callback is not None:
            raise Unsupported(f"{param.name}: a callback")
        if param.param_type_name == "argument":
            if param.type is not STRING:
                raise Unsupported(f"{param.name}: a typed argument")
            entry_arg: dict[str, Any] = {"name": param.name, "kind": "argument"}
            if not param.required:
                entry_arg["optional"] = True
            params.append(entry_arg)
            continue
        if param.is_flag:
            if param.count or not param.is_bool_flag:
                raise Unsupported(f"{param.name}: a counting or valued flag")
            entry: dict[str, Any] = {"name": param.name, "kind": "flag", "opts": list(param.opts)}
            if param.secondary_opts:
                entry["off"] = list(param.secondary_opts)
            params.append(entry)
            continue
        if any(not opt.startswith("--") for opt in param.opts):
            raise Unsupported(f"{param.name}: a short option")
        entry = {"name": param.name, "kind": "option", "opts": list(param.opts), **_type_of(param)}
        if param.multiple:
            entry["multiple"] = True
        if param.required:
            entry["required"] = True
        params.append(entry)
    return params


def specs() -> dict[str, dict[str, Any]]:
    """The table, from the commands as Typer builds them now."""
    from crm_cli.cli.app import COMMANDS, load_commands

    table: dict[str, dict[str, Any]] = {}
    for name in LANE:
        module = COMMANDS[name][0]
        group = load_commands(module, only=name)
        command = group.get_command(None, name)
        table[name] = {
            "module": module,
            "function": command.callback.__wrapped__.__name__,
            "params": describe(command),
        }
    return table


def render(table: dict[str, dict[str, Any]]) -> str:
    return HEADER + pprint.pformat(table, width=96, sort_dicts=True) + "\n"


def main() -> int:
    import shutil
    import subprocess

    SPECS_FILE.write_text(render(specs()), encoding="utf-8")
    ruff = shutil.which("ruff")
    if ruff:  # the project's layout of the literal (ruff format --check runs in the tests)
        subprocess.run([ruff, "format", "-q", str(SPECS_FILE)], check=False)
    sys.stderr.write(f"wrote {SPECS_FILE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
