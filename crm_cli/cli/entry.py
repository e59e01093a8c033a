"""``crm``'s entry point: the fast lane when it can take the command, else Typer."""

from __future__ import annotations

import gc
import sys

from crm_cli.cli import GC_THRESHOLDS
from crm_cli.cli.output import err


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)  # as crm_cli.cli set it on import
    try:
        args = sys.argv[1:]
        _check_arguments(args)
        from crm_cli.cli.lane import run

        code = run(args)
        if code is None:
            from crm_cli.cli.app import app

            app()
        sys.exit(code)
    finally:
        # At exit the interpreter would walk every object left (Typer's, Jinja's, the
        # command's) looking for cycles: 8% of a `crm draft`. Frozen, they are left to
        # the end of the process; the book and files are closed before this point.
        gc.freeze()


def _check_arguments(args: list[str]) -> None:
    """Refuse bytes that are not UTF-8 before any command sees them.

    Python hands them over as lone surrogates (``'\\udcff'``), which cannot be
    stored, printed or written: a name or note made of them would fail half-way.
    """
    for n, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            err(f"Error: argument {n} is not valid UTF-8 text (check the terminal's encoding)")
            sys.exit(2)
