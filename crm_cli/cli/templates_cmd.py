"""``crm templates``: list, show, copy and check the draft templates."""

from __future__ import annotations

from datetime import date

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, table
from crm_cli.userfiles.config import config_dir

templates_app = typer.Typer(
    rich_markup_mode=None,
    help="The Jinja templates behind drafts: built-in, or your own in the config dir.",
    no_args_is_help=True,
)


@templates_app.command("list")
def list_templates_cmd() -> None:
    """Every template: name, channel, purpose, language, built-in or user."""
    from crm_cli.userfiles.templates import list_templates

    rows = [[t.name, t.channel, t.purpose, t.lang, t.origin] for t in list_templates(config_dir())]
    out(table(["NAME", "CHANNEL", "PURPOSE", "LANG", "ORIGIN"], rows))


@templates_app.command("show")
def show_template(
    name: str = typer.Argument(
        ..., help="e.g. email/check-in.en", autocompletion=completion.template_names
    ),
) -> None:
    """Print a template's source (your copy if you have one)."""
    from crm_cli.userfiles.templates import read_template

    source, info = read_template(name, config_dir())
    err(f"{info.name} ({info.origin}: {info.path})")
    out(source.rstrip("\n"))


@templates_app.command("copy")
def copy_template_cmd(
    name: str = typer.Argument(
        ...,
        help="A built-in template, e.g. email/check-in.en",
        autocompletion=completion.template_names,
    ),
    force: bool = typer.Option(False, "--force", help="Replace your existing copy."),
) -> None:
    """Copy a built-in template into your template folder, to edit it there."""
    from crm_cli.userfiles.templates import copy_template

    path = copy_template(name, config_dir(), force=force)
    out(str(path))
    err("edit it there: drafts now use your copy")


@templates_app.command("check")
def check_templates(date_: str | None = common.DateOption) -> None:
    """Render every template against sample clients and report errors."""
    from crm_cli.services.templates import check_templates as check

    settings = common.settings()
    today: date = common.today(date_)
    result = check(config_dir(), settings, today)
    for f in result.findings:
        out(f"{f.kind}  {f.template} ({f.origin}, {f.register}): {f.message}")
    if result.problems:
        err(f"{result.problems} problems in {result.checked} templates")
        raise typer.Exit(1)
    err(f"all {result.checked} templates render for a formal and an informal sample client")


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
