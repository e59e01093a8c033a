"""The ``crm`` command: the Typer app, and the one place errors become exit codes."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

from crm_cli import __version__
from crm_cli.cli.exits import debug_on, debugging, failed, interrupted
from crm_cli.cli.output import err


class CrmGroup(TyperGroup):
    """Loads commands lazily, and runs them so that a failure is one ``Error:`` line.

    ``CrmError`` carries its own exit code (1 for domain errors); click's usage
    errors exit 2. A traceback is shown only with ``--debug`` or ``CRM_DEBUG=1``.
    """

    _loaded: ClassVar[dict[str, Any]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load_commands(COMMANDS[cmd_name][0], only=cmd_name)
        return self._loaded[cmd_name].get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from the table above: no module is imported for --help."""
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """Command names from the table (no command module is imported), then options."""
        from typer._click.shell_completion import CompletionItem

        names = [
            CompletionItem(name, help=help_text)
            for name, (_, help_text) in COMMANDS.items()
            if name.startswith(incomplete)
        ]
        # The options of the root: click's own completion, past TyperGroup's command list.
        return [*names, *super(TyperGroup, self).shell_complete(ctx, incomplete)]

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: str | None = None
    ) -> None:
        # Named, not derived from the program's name: `python -m crm_cli` is crm too.
        super()._main_shell_completion(ctx_args, prog_name, complete_var or "_CRM_COMPLETE")

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        from typer import _click

        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
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
        except (KeyboardInterrupt, typer.Abort):
            code = interrupted()
        except Exception as exc:  # CrmError and bugs alike: one line, its exit code
            code = failed(exc)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="A personal CRM for a solo professional: clients, touchpoints, who is due today.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish)
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
        debug_on()


# Commands by name: the module that defines them and their one-line help.
# Modules are imported only when their command runs, so `crm due` does not
# pay for Jinja, vobject or the import machinery of every other command, and
# `crm --help` imports none of them (tests check these lines against the
# commands' own docstrings).
COMMANDS: dict[str, tuple[str, str]] = {
    "add-client": ("clients", "Add a client; prints the new id."),
    "edit": ("clients", "Change a client's details."),
    "list": ("profiles", "List clients."),
    "show": ("profiles", "Show a client's profile and recent touchpoints."),
    "find": (
        "clients",
        "Search names, companies, emails, tags, likes, notes, touchpoint notes and topics.",
    ),
    "archive": ("clients", "Archive a client: kept in the book, never due."),
    "unarchive": ("clients", "Bring an archived client back."),
    "forget": (
        "clients",
        "Erase a client and all their touchpoints, backups included (right to erasure).",
    ),
    "log": ("touchpoints", "Record a touchpoint; prints its id."),
    "amend": ("touchpoints", "Correct a touchpoint: only what you give changes."),
    "unlog": (
        "touchpoints",
        "Remove a touchpoint logged by mistake (--last: undo the last 'crm log').",
    ),
    "history": ("touchpoints", "A client's timeline, newest first."),
    "capture": (
        "capture",
        "Log touchpoints from your mail and calendar (only metadata, never a body).",
    ),
    "handled": ("capture", "Mark a client's open requests as needing no answer."),
    "topic": (
        "topics",
        "What the next message may bring back: a client's open topics, and closing one.",
    ),
    "due": ("plan", "Whom to contact today, why, and how: the most urgent first."),
    "agenda": ("plan", "The plan for the next days, check-ins spread so no day is overloaded."),
    "report": (
        "report",
        "How clients were looked after over the last twelve months: fairness, replies, more.",
    ),
    "notify": (
        "notify",
        "The day's plan delivered: a digest by email, calendar alarms, a notification.",
    ),
    "snooze": (
        "plan",
        "Hide all of a client's items until a date (it does not count as a contact).",
    ),
    "unsnooze": ("plan", "End a snooze."),
    "today": (
        "today",
        "Work through today's plan one client at a time: send, log, snooze, skip.",
    ),
    "draft": (
        "drafting",
        "A personal draft for a client's most urgent item (or the purpose you give).",
    ),
    "drafts": (
        "drafting",
        "One draft per client with items due today (all its reasons in it), and a summary.",
    ),
    "playbook": (
        "playbooks",
        "Standard procedures: a new client, the end of a project, a complaint.",
    ),
    "templates": (
        "templates_cmd",
        "The Jinja templates behind drafts: built-in, or your own in the config dir.",
    ),
    "import": (
        "interchange",
        "Bring clients in from a phone, Google, Outlook, Thunderbird, or a crm backup.",
    ),
    "export": (
        "interchange",
        "Take the book out: vCard, CSV, a JSON backup, or one client's data.",
    ),
    "demo": ("demo", "Build a sample book in a fresh directory and show it."),
    "config": ("config_cmd", "Show where the book and settings live, and every setting in force."),
    "doctor": (
        "doctor",
        "Check every file of the book and rebuild the cache from the device files.",
    ),
    "sync": ("sync_cmd", "Sync the book with the other devices: commit, pull, push."),
}


def load_commands(module_name: str, only: str | None = None) -> Any:
    """The click group holding the commands of one ``crm_cli.cli`` module, or only the
    one named ``only``: Typer reads every option's annotation of every command it builds
    (``crm show`` paid 6-13 ms for the seven other commands of its module)."""
    import importlib

    from typer.main import get_group

    module = importlib.import_module(f"crm_cli.cli.{module_name}")
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)

    @holder.callback()
    def _unused() -> None:  # a group needs a callback to keep single commands by name
        pass

    module.register(holder)
    if only is not None:
        holder.registered_commands = [c for c in holder.registered_commands if c.name == only]
        holder.registered_groups = [g for g in holder.registered_groups if g.name == only]
    return get_group(holder)
