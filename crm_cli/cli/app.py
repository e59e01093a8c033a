"""The ``crm`` command: the Typer app, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from crm_cli import __version__
from crm_cli.cli.output import err
from crm_cli.errors import CrmError

_state = {"debug": os.environ.get("CRM_DEBUG", "") not in ("", "0")}


def debugging() -> bool:
    return _state["debug"]


class CrmGroup(TyperGroup):
    """Runs every command so that a failure is one ``Error:`` line and an exit code.

    ``CrmError`` carries its own exit code (1 for domain errors); click's usage
    errors exit 2. A traceback is shown only with ``--debug`` or ``CRM_DEBUG=1``.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        from typer import _click

        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _click.exceptions.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.format_message() + "\n")
            code = 0
        except _click.exceptions.ClickException as exc:
            if debugging():
                raise
            hint = ""
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, _click.exceptions.UsageError) and ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            err(f"Error: {exc.format_message()}{hint}")
            code = exc.exit_code
        except CrmError as exc:
            if debugging():
                raise
            err(f"Error: {exc}")
            code = exc.exit_code
        except (KeyboardInterrupt, typer.Abort):
            err("Error: interrupted; nothing was written")
            code = 130
        except Exception as exc:  # a bug: one line, the traceback only on request
            if debugging():
                raise
            err(f"Error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
            code = 70
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="A personal CRM for a solo professional: clients, touchpoints, who is due today.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"crm {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """A personal CRM for a solo professional: clients, touchpoints, who is due today."""
    if debug:
        _state["debug"] = True


def _register() -> None:
    from crm_cli.cli import (
        clients,
        config_cmd,
        demo,
        drafting,
        plan,
        playbooks,
        templates_cmd,
        touchpoints,
    )

    for module in (
        clients,
        touchpoints,
        plan,
        drafting,
        playbooks,
        templates_cmd,
        demo,
        config_cmd,
    ):
        module.register(app)


_register()


def main() -> None:
    app()
