"""Personal drafts: ``crm draft`` for one client, ``crm drafts`` for the day's batch.

The rules (channel, consent, do-not-contact, file names) are in
``crm_cli.services.drafting``; this module parses the options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, table, warn, wrap
from crm_cli.core import terms
from crm_cli.services import drafting

if TYPE_CHECKING:
    import typer


def draft(
    client_ref: common.ClientArg,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help=f"{terms.choices(terms.PURPOSES)}.",
            autocompletion=completion.purposes,
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help=f"{terms.choices(terms.DRAFT_CHANNELS)}.",
            autocompletion=completion.draft_channels,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=f"{terms.choices(terms.LANGUAGES)} (clients without a language).",
            autocompletion=completion.languages,
        ),
    ] = None,
    date_: common.DateOpt = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="A template by name, e.g. email/thanks.en.",
            autocompletion=completion.template_names,
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write the draft file(s) into DIR.", metavar="DIR")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Draft it even when the purpose's premise is missing (no birthday on file...).",
        ),
    ] = False,
) -> None:
    """A personal draft for a client's most urgent item (or the purpose you give)."""
    drafting.check_options(purpose, lang)
    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        client = common.find_client(book, client_ref)
        prepared = drafting.prepare_draft(book, client, settings, today, purpose)
    written = drafting.make_draft(
        client,
        prepared.material.touchpoints,
        prepared.material.steps,
        prepared.item,
        settings,
        today,
        channel=channel,
        purpose=purpose,
        lang=lang,
        template=template,
        out_dir=out_dir,
        force=force,
        also=prepared.also,
    )
    for message in written.warnings:
        warn(message)
    if written.sms:
        err(f"SMS: {written.sms}")
    if written.files:
        # The paths are the data (one per line, for scripts); the link is a convenience.
        for path in written.files:
            out(str(path))
        if written.link:
            err(written.link)
        return
    out(written.shown)
    if written.link:
        out("")
        out(written.link)


def drafts(
    *,
    date_: common.DateOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Write the drafts into DIR.", metavar="DIR")
    ],
) -> None:
    """One draft per client with items due today (all its reasons in it), and a summary."""
    settings = common.settings()
    today = common.today(date_)
    with common.book() as book:
        batch = drafting.day_batch(book, settings, today)
    rows = drafting.write_batch(batch, settings, today, out_dir)
    if not rows:
        out(f"Nothing is due on {today.isoformat()}: no drafts to write.")
        return
    cells: list[list[str]] = []
    notes: list[list[str]] = []  # per row: further files, warnings, why it was not drafted
    for row in rows:
        if not row.drafted:
            cells.append([row.client, row.reason, row.channel, "-"])
            notes.append([f"not drafted: {row.failure}"])
            continue
        first, *more = row.files or ["-"]
        cells.append([row.client, row.reason, row.channel, first])
        extra = [f"+ {name}" for name in more]
        extra += [f"warning: {w}" for w in row.warnings]
        if row.sms and not any(row.sms in w for w in row.warnings):
            extra.append(f"SMS: {row.sms}")
        notes.append(extra)
    # File names and warnings whole: a five-column row cannot hold both in 80 columns,
    # so the warnings (and a coffee's .ics) go on indented lines below their row, and
    # a long client name is clipped rather than the file name.
    lines = table(["CLIENT", "REASON", "CHANNEL", "FILE"], cells, shrink=(0,)).split("\n")
    shown = [lines[0]]
    for line, extra in zip(lines[1:], notes, strict=True):
        shown.append(line)
        for note in extra:
            shown.extend(wrap(note, 78, "  ", "    ", max_lines=3))
    out("\n".join(shown))
    failed = sum(not row.drafted for row in rows)
    err(f"{len(rows) - failed} of {len(rows)} drafts written to {out_dir}")
    if failed:
        import typer

        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    common.lend_typer(globals())
    app.command("draft")(draft)
    app.command("drafts")(drafts)
