"""How a command ends when it fails: one ``Error:`` line on stderr and an exit code.

The Typer app and the fast lane (``crm_cli.cli.lane``) both end here, so a failure
reads and exits the same whichever of them ran the command. ``CrmError`` carries its
own exit code; a traceback is shown only with ``--debug`` or ``CRM_DEBUG=1``.
"""

from __future__ import annotations

import errno
import os
import sys

from crm_cli.cli.output import err
from crm_cli.errors import CrmError

_state = {"debug": os.environ.get("CRM_DEBUG", "") not in ("", "0")}

INTERRUPTED = 130
BUG = 70


def debugging() -> bool:
    return _state["debug"]


def debug_on() -> None:
    _state["debug"] = True


def interrupted() -> int:
    err("Error: interrupted; nothing was written")
    return INTERRUPTED


def broken_pipe() -> int:
    """The reader of our output went away (``crm due | head``): quietly, as click does."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 - kept open until the process ends
    sys.stdout = devnull
    sys.stderr = devnull
    return 1


def failed(exc: Exception) -> int:
    """Report ``exc`` in one line and give its exit code (with ``--debug``: re-raise)."""
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        return broken_pipe()
    if debugging():
        raise exc
    if isinstance(exc, CrmError):
        err(f"Error: {exc}")
        return exc.exit_code
    # A bug: one line, the traceback only on request.
    err(f"Error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
    return BUG
