"""The fast lane: the morning's commands, run without importing Typer.

Importing Typer (and the click inside it) takes 40-50 ms, a third of a ``crm show``
on a small book. The commands in ``lane_specs`` are plain functions in modules that
import no Typer (Typer evaluates their annotations only when it builds them), so
when an argument list is plainly valid the lane calls the function itself.
Anything else (help, completion, an unknown, repeated-looking or malformed option,
a value out of range, ``--``) goes to Typer, which answers as it always has: errors
and help read the same either way. ``tests/test_lane.py`` checks that for every
argument list the lane takes, the function gets exactly what Typer would give it.

``CRM_NO_LANE=1`` sends every command through Typer.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

from crm_cli.cli.exits import failed, interrupted
from crm_cli.cli.lane_specs import SPECS

__all__ = ["SPECS", "parse", "run"]

_REFUSED = object()


def run(args: list[str]) -> int | None:
    """Run ``crm ARGS`` in the lane and give its exit code, or None: Typer's to run."""
    if not args or os.environ.get("CRM_NO_LANE") or os.environ.get("_CRM_COMPLETE"):
        return None
    spec = SPECS.get(args[0])
    if spec is None:
        return None
    kwargs = parse(spec, args[1:])
    if kwargs is None:
        return None
    try:
        module = importlib.import_module(f"crm_cli.cli.{spec['module']}")
        getattr(module, spec["function"])(**kwargs)
    except KeyboardInterrupt:
        sys.stderr.write("\n")  # as click leaves it, before the one line
        return interrupted()
    except Exception as exc:
        return failed(exc)
    return 0


def parse(spec: dict[str, Any], args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments ``args`` give the command, or None if Typer should judge.

    Only the plain forms are taken: ``--opt VALUE``, ``--opt=VALUE``, flags, and the
    arguments in order, options anywhere between them. A value that starts with ``-``
    is left to Typer, as is every short option (``-h``) and anything not in the spec.
    """
    options: dict[str, tuple[dict[str, Any], bool]] = {}
    arguments = []
    for param in spec["params"]:
        if param["kind"] == "argument":
            arguments.append(param)
        for opt in param.get("opts", ()):
            options[opt] = (param, True)
        for opt in param.get("off", ()):
            options[opt] = (param, False)
    kwargs: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token[:1] != "-" or token == "-":
            positional.append(token)
            continue
        name, eq, attached = token.partition("=") if token[:2] == "--" else (token, "", "")
        found = options.get(name)
        if found is None:
            return None
        param, on = found
        if param["kind"] == "flag":
            if eq:
                return None
            kwargs[param["name"]] = on
            continue
        if eq:
            value = attached
        else:
            if i == len(args) or args[i][:1] == "-":
                return None
            value = args[i]
            i += 1
        converted = _convert(param, value)
        if converted is _REFUSED:
            return None
        if param.get("multiple"):
            kwargs.setdefault(param["name"], []).append(converted)
        else:
            kwargs[param["name"]] = converted
    needed = sum(1 for param in arguments if not param.get("optional"))
    if not needed <= len(positional) <= len(arguments):
        return None
    for param, value in zip(arguments, positional, strict=False):
        kwargs[param["name"]] = value
    if any(param.get("required") and param["name"] not in kwargs for param in spec["params"]):
        return None  # a required option left out: Typer says which
    return kwargs


def _convert(param: dict[str, Any], value: str) -> Any:
    kind = param["type"]
    if kind == "str":
        return value
    if kind == "path":
        # Typer refuses an existing path it cannot read: that refusal is Typer's to word.
        if not value or (param.get("readable") and _unreadable(value)):
            return _REFUSED
        return Path(value)
    if kind == "int":
        digits = value[1:] if value[:1] == "+" else value
        if not (digits.isascii() and digits.isdigit()):
            return _REFUSED
        number = int(digits)
        low, high = param.get("min"), param.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            return _REFUSED
        return number
    return _REFUSED


def _unreadable(path: str) -> bool:
    return os.path.exists(path) and not os.access(path, os.R_OK)
