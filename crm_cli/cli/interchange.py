"""crm import vcard/csv/json and crm export vcard/csv/json/client.

Imports read and check the whole file before the book is opened, then apply
the plan in one unit of work: one write, or none when nothing changes (a
re-import does not even make a backup); a failure leaves the book as it was.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from crm_cli.cli import common, completion
from crm_cli.cli.output import err, out, print_json, warn
from crm_cli.core.contacts_import import (
    ADDED,
    MERGED,
    SKIPPED,
    UNCHANGED,
    Contact,
    ImportPlan,
)
from crm_cli.errors import InputError, InvalidValue, NotFound, UsageError
from crm_cli.interchange.text import MAX_IMPORT_BYTES, check_size
from crm_cli.services import exchange
from crm_cli.services.files import write_file

import_app = typer.Typer(
    rich_markup_mode=None,
    help="Bring clients in from a phone, Google, Outlook, Thunderbird, or a crm backup.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    rich_markup_mode=None,
    help="Take the book out: vCard, CSV, a JSON backup, or one client's data.",
    no_args_is_help=True,
)

PROGRESS_FROM = 200  # records; fewer go by too fast for a bar to help
MAX_WARNINGS = 50  # shown on stderr; --json lists them all
MAX_BOOK_BYTES = 200 * 1024 * 1024  # a JSON backup is the book's own size: a looser limit

DRY_RUN = typer.Option(False, "--dry-run", help="Show what would change; write nothing.")
TAG = typer.Option([], "--tag", help="Add this tag to every imported client (repeatable).")
JSON_OUT = typer.Option(False, "--json", help="The ids added, merged... as JSON on stdout.")
REGION = typer.Option(
    None,
    "--region",
    help="Read numbers without a country code as from CC (default: the book's region).",
    metavar="CC",
)
DATE_ORDER = typer.Option(
    None,
    "--date-order",
    help="Read dates such as 3/7/1984 as DMY or MDY (default: the book's date order).",
    metavar="DMY|MDY",
)
OUT = typer.Option(None, "--out", help="Write to FILE (default: stdout).", metavar="FILE")


# -- files ----------------------------------------------------------------------------


def _check_book_size(size: int, name: str) -> None:
    if size > MAX_BOOK_BYTES:
        raise InvalidValue(f"{name} is {size / 2**20:.0f} MB: too large for a crm backup")


def _read(name: str, contacts: bool = False) -> bytes:
    """A file's bytes (``-`` is stdin), refused above the size limit of its kind."""
    check = check_size if contacts else _check_book_size
    if name == "-":
        data = sys.stdin.buffer.read((MAX_IMPORT_BYTES if contacts else MAX_BOOK_BYTES) + 1)
        check(len(data), "standard input")
        return data
    path = Path(name).expanduser()
    try:
        if path.is_dir():
            raise InvalidValue(f"{name} is a directory, not a file")
        check(path.stat().st_size, name)
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no file {name}") from None
    except PermissionError:
        raise InputError(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None


def _emit(data: bytes, out_path: Path | None, what: str) -> None:
    """Data to stdout, or to a file written atomically (0600: it is personal data)."""
    if out_path is None:
        # Bytes as they are: text mode would turn vCard's CRLF into CR CR LF on Windows.
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_file(out_path, data)
    err(f"wrote {what} to {out_path}")


# -- progress -------------------------------------------------------------------------


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


class _Bar:
    """A Rich progress bar on a terminal for long imports; nothing otherwise."""

    def __init__(self, progress: Any | None) -> None:
        self.progress = progress

    def task(self, label: str, total: int) -> Callable[[], None]:
        progress = self.progress
        if progress is None:
            return lambda: None
        task_id = progress.add_task(label, total=total)
        return lambda: progress.advance(task_id)


@contextmanager
def _progress(records: int) -> Iterator[_Bar]:
    if records < PROGRESS_FROM or not _stderr_is_terminal():
        yield _Bar(None)
        return
    # Rich costs ~50 ms to import: only here, where it is seen.
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        yield _Bar(progress)


# -- import ---------------------------------------------------------------------------


def _tags(values: list[str]) -> list[str]:
    tags = [" ".join(t.split()) for t in values]
    if any(not t for t in tags):
        raise UsageError("--tag cannot be empty")
    return tags


def _describe(plan: ImportPlan, dry_run: bool) -> list[str]:
    verbs = {ADDED: "add", MERGED: "merge", UNCHANGED: "same", SKIPPED: "skip"}
    lines = []
    for o in plan.outcomes:
        verb = verbs[o.action] if dry_run else o.action
        if o.action == SKIPPED:
            lines.append(f"{verb:<9} {o.source}: {o.reason}")
            continue
        detail = f": + {', + '.join(o.changes)}" if o.changes else ""
        lines.append(f"{verb:<9} {o.client_id:<24} {o.name}{detail}  ({o.source})")
    return lines


def _assumed(plan: ImportPlan, region: str | None, order: str | None) -> list[str]:
    """One warning for each default the import had to assume, with how often."""
    settings = common.settings()
    out = []
    if region is None and plan.local_phones:
        n = plan.local_phones
        out.append(
            f"{n} phone number{'s' if n > 1 else ''} without a country code read as "
            f"{settings.region} (the book's region); use --region CC if they are from elsewhere"
        )
    if order is None and plan.ambiguous_dates:
        n, other = len(plan.ambiguous_dates), "MDY" if settings.date_order == "DMY" else "DMY"
        first = "day" if settings.date_order == "DMY" else "month"
        out.append(
            f"{n} date{'s' if n > 1 else ''} such as {plan.ambiguous_dates[0]} read {first} "
            f"first ({settings.date_order}, the book's date order); use --date-order {other} "
            "if that is wrong"
        )
    return out


def _report(
    plan: ImportPlan,
    read_warnings: list[str],
    *,
    dry_run: bool,
    as_json: bool,
    assumed: list[str] | None = None,
) -> None:
    warnings = [*read_warnings, *plan.warnings]
    skipped = [o for o in plan.outcomes if o.action == SKIPPED]
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "added": plan.ids(ADDED),
                "merged": plan.ids(MERGED),
                "unchanged": plan.ids(UNCHANGED),
                "skipped": [{"source": o.source, "reason": o.reason} for o in skipped],
                "warnings": warnings,
                "not_kept": dict(sorted(plan.not_kept.items())),
                "assumed": assumed or [],
            }
        )
    elif dry_run:
        for line in _describe(plan, dry_run=True):
            out(line)
    messages = [*warnings, *(f"skipped {o.source}: {o.reason}" for o in skipped), *(assumed or [])]
    for message in messages[:MAX_WARNINGS]:
        warn(message)
    if len(messages) > MAX_WARNINGS:
        warn(f"... and {len(messages) - MAX_WARNINGS} more (see them all with --json)")
    counts = (
        f"{plan.count(ADDED)} added, {plan.count(MERGED)} merged, "
        f"{plan.count(UNCHANGED)} already in the book, {len(skipped)} skipped"
    )
    if dry_run:
        err(f"dry run, nothing written: {len(plan.outcomes)} contacts read: {counts}")
    else:
        err(f"{len(plan.outcomes)} contacts read: {counts}")
    firms = [c.id for c in plan.added if c.business]
    if firms and not as_json:
        more = f" and {len(firms) - 5} more" if len(firms) > 5 else ""
        err(
            f"added as a business: {', '.join(firms[:5])}{more} "
            "('crm edit ID --no-business' to change)"
        )
    if plan.not_kept:  # last, so that nothing is left out without a word
        err(f"not kept: {plan.not_kept_text()}")


def _options(region: str | None, date_order: str | None) -> tuple[str | None, str | None]:
    """``--region`` and ``--date-order`` checked (None: the book's own)."""
    import re

    if region is not None:
        region = region.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", region):
            raise UsageError(
                f"--region must be a two-letter country code such as IT or US, not '{region}'"
            )
    if date_order is not None:
        date_order = date_order.strip().upper()
        if date_order not in ("DMY", "MDY"):
            raise UsageError(f"--date-order must be DMY or MDY, not '{date_order}'")
    return region, date_order


def _import(
    read: Callable[[Callable[[], None]], list[Contact]],
    records: int,
    read_warnings: list[str],
    *,
    tags: list[str],
    date_: str | None,
    dry_run: bool,
    as_json: bool,
    region: str | None = None,
    date_order: str | None = None,
) -> None:
    """Read the contacts, plan against the book, apply in one write (unless a dry run)."""
    from dataclasses import replace

    settings = common.settings()
    today = common.today(date_)
    if region is not None:
        settings = replace(settings, phone_region=region)
    if date_order is not None:
        settings = replace(settings, date_order=date_order)
    with _progress(records) as bar:
        contacts = read(bar.task("reading", records))
        with common.book(write=not dry_run) as book:
            plan = exchange.import_contacts(
                book,
                contacts,
                settings,
                today,
                tags=tags,
                dry_run=dry_run,
                step=bar.task("matching", len(contacts)),
            )
    assumed = _assumed(plan, region, date_order)
    _report(plan, read_warnings, dry_run=dry_run, as_json=as_json, assumed=assumed)


@import_app.command("vcard")
def import_vcard(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="vCard files (- is stdin)."),
    dry_run: bool = DRY_RUN,
    tag: list[str] = TAG,
    as_json: bool = JSON_OUT,
    date_: str | None = typer.Option(
        None, "--date", help="Client since DATE (default today).", metavar="DATE"
    ),
    region: str | None = REGION,
    date_order: str | None = DATE_ORDER,
) -> None:
    """Import vCards (2.1, 3.0, 4.0) from a phone, Google, Apple, Outlook, Thunderbird."""
    from crm_cli.interchange.vcard import apple_groups, parse_card, split_cards

    region, date_order = _options(region, date_order)
    tags = _tags(tag)
    cards = [(name, raw) for name in files for raw in split_cards(_read(name, contacts=True), name)]
    groups = apple_groups(cards)

    def read(step: Callable[[], None]) -> list[Contact]:
        contacts = []
        for name, raw in cards:
            key = (name, raw.number)
            if key in groups.groups:  # a group, not a person: its members get its name
                title, members = groups.groups[key]
                source = f"{name}: card {raw.number} (line {raw.line})"
                what = f"its {members} member{'s' if members != 1 else ''} get the tag '{title}'"
                contacts.append(Contact(source, error=f"an address-book group: {what}"))
            else:
                contact = parse_card(raw, name)
                contact.tags.extend(groups.tags.get(key, []))
                contacts.append(contact)
            step()
        return contacts

    _import(
        read,
        len(cards),
        [],
        tags=tags,
        date_=date_,
        dry_run=dry_run,
        as_json=as_json,
        region=region,
        date_order=date_order,
    )


@import_app.command("csv")
def import_csv(
    file: str = typer.Argument(..., metavar="FILE", help="A CSV export (- is stdin)."),
    format_: str = typer.Option(
        "auto",
        "--format",
        help="auto (from the header), google, outlook, thunderbird, linkedin, roundcube or crm.",
        metavar="FORMAT",
    ),
    map_: str | None = typer.Option(
        None,
        "--map",
        help='Which column is which, for any sheet: "name=Full name,email=E-mail 1,phone=Mobile".',
        metavar="FIELD=COLUMN,...",
    ),
    dry_run: bool = DRY_RUN,
    tag: list[str] = TAG,
    as_json: bool = JSON_OUT,
    date_: str | None = typer.Option(
        None, "--date", help="Client since DATE (default today).", metavar="DATE"
    ),
    region: str | None = REGION,
    date_order: str | None = DATE_ORDER,
) -> None:
    """Import a CSV export of Google Contacts, Outlook, Thunderbird, LinkedIn, Roundcube, crm
    itself, or any sheet with --map."""
    from crm_cli.interchange.csv_formats import FORMATS, read_csv
    from crm_cli.interchange.text import decode

    wanted = format_.strip().lower()
    if wanted not in ("auto", *FORMATS):
        raise UsageError(f"unknown --format '{format_}': use auto, {', '.join(FORMATS)}")
    if map_ is not None and wanted != "auto":
        raise UsageError("--map and --format cannot be used together")
    region, date_order = _options(region, date_order)
    tags = _tags(tag)
    text, warnings = decode(_read(file, contacts=True), file)
    parsed = read_csv(text, file, wanted, map_)
    if map_ is not None:
        err(f"reading {file} with the columns of --map")
    else:
        err(f"reading {file} as {parsed.format.title} CSV")

    def read(step: Callable[[], None]) -> list[Contact]:
        contacts = []
        for source, row in parsed.rows:
            contacts.append(parsed.contact(source, row))
            step()
        return contacts

    _import(
        read,
        len(parsed.rows),
        [*warnings, *parsed.warnings],
        tags=tags,
        date_=date_,
        dry_run=dry_run,
        as_json=as_json,
        region=region,
        date_order=date_order,
    )


@import_app.command("json")
def import_json(
    file: str = typer.Argument(..., metavar="FILE", help="A 'crm export json' file."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace a book that is not empty (it stays in the backups)."
    ),
) -> None:
    """Restore a whole book from 'crm export json' into an empty book."""
    from crm_cli.interchange.json_book import load_book

    data = load_book(_read(file), file)
    with common.book(write=True) as book:
        done = exchange.restore_book(book, data, replace=replace)
    note = f"; the previous book ({done.before} clients) is in the backups" if done.before else ""
    err(f"restored {done.clients} clients and {done.touchpoints} touchpoints from {file}{note}")


def _history_report(plan: Any, *, dry_run: bool, as_json: bool, what: str = "rows") -> None:
    """What a history import did: the new touchpoints, and each row left out and why."""
    problems = [*plan.unmatched, *plan.invalid]
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "added": [tp.id for tp in plan.new],
                "already": plan.already,
                "unmatched": [vars(p) for p in plan.unmatched],
                "invalid": [vars(p) for p in plan.invalid],
            }
        )
    elif dry_run:
        for tp in plan.new:
            note = f"  {tp.note.splitlines()[0]}" if tp.note else ""
            out(f"add  {tp.date.isoformat()}  {tp.client_id:<24} {tp.channel} {tp.direction}{note}")
    messages = [f"skipped {p.row}: {p.reason}" for p in problems]
    for message in messages[:MAX_WARNINGS]:
        warn(message)
    if len(messages) > MAX_WARNINGS:
        warn(f"... and {len(messages) - MAX_WARNINGS} more (see them all with --json)")
    counts = (
        f"{len(plan.new)} touchpoint{'' if len(plan.new) == 1 else 's'} "
        f"{'to add' if dry_run else 'added'}, "
        f"{plan.already} already in the book, {len(plan.unmatched)} skipped (no such client), "
        f"{len(plan.invalid)} skipped (cannot be read)"
    )
    prefix = "dry run, nothing written: " if dry_run else ""
    err(f"{prefix}{plan.read} {what} read: {counts}")


@import_app.command("history")
def import_history(
    file: str = typer.Argument(
        ..., metavar="FILE", help="A CSV of past interactions (- is stdin)."
    ),
    map_: str = typer.Option(
        ...,
        "--map",
        help="Which column holds what: date=COL,client=COL,channel=COL "
        "(and direction=, note=, topic=).",
        metavar="KEY=COLUMN,...",
    ),
    dry_run: bool = DRY_RUN,
    as_json: bool = typer.Option(False, "--json", help="What was added and left out, as JSON."),
    date_: str | None = typer.Option(
        None, "--date", help="Today is DATE (for relative dates in the sheet).", metavar="DATE"
    ),
) -> None:
    """Import past interactions (emails, calls, meetings) of existing clients from a sheet.

    Clients are found by id, email, phone or exact name; rows naming no client
    are listed and skipped. Importing the same file again adds nothing."""
    from crm_cli.interchange.history_csv import parse_map, read_history
    from crm_cli.interchange.text import decode
    from crm_cli.services import history_import

    mapping = parse_map(map_)
    text, warnings = decode(_read(file, contacts=True), file)
    rows = read_history(text, file, mapping)
    for message in warnings:
        warn(message)
    settings = common.settings()
    today = common.today(date_)
    with common.book(write=not dry_run) as book:
        plan = history_import.import_rows(book, rows, settings, today, dry_run=dry_run)
    _history_report(plan, dry_run=dry_run, as_json=as_json)


@import_app.command("monica")
def import_monica(
    file: str = typer.Argument(..., metavar="FILE", help="Monica's JSON export (- is stdin)."),
    dry_run: bool = DRY_RUN,
    as_json: bool = typer.Option(False, "--json", help="What was kept and what not, as JSON."),
    date_: str | None = typer.Option(
        None,
        "--date",
        help="Client since DATE when Monica has no date (default today).",
        metavar="DATE",
    ),
) -> None:
    """Import Monica's JSON export: contacts, their activities, calls, conversations, notes
    (as private notes) and reminders (as follow-ups)."""
    from crm_cli.interchange.monica import read_monica
    from crm_cli.services import history_import

    export = read_monica(_read(file, contacts=True), file)
    settings = common.settings()
    today = common.today(date_)
    with common.book(write=not dry_run) as book:
        report = history_import.import_monica(book, export, settings, today, dry_run=dry_run)
    plan = report.plan
    kinds = history_import.MONICA_KINDS
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "added": plan.ids(ADDED),
                "merged": plan.ids(MERGED),
                "unchanged": plan.ids(UNCHANGED),
                "kept": {k: report.kept[k] for k in kinds},
                "already": {k: report.already[k] for k in kinds},
                "not_kept": {k: dict(report.not_kept.get(k, {})) for k in kinds},
                "no_place_in_crm": dict(report.other),
                "warnings": plan.warnings,
            }
        )
    for message in plan.warnings[:MAX_WARNINGS]:
        warn(message)
    if len(plan.warnings) > MAX_WARNINGS:
        warn(f"... and {len(plan.warnings) - MAX_WARNINGS} more (see them all with --json)")
    prefix = "dry run, nothing written: " if dry_run else ""
    err(f"{prefix}read {file} (Monica)")
    for kind in kinds:
        if kind == "contacts":
            done = (
                f"{plan.count(ADDED)} added, {plan.count(MERGED)} merged, "
                f"{plan.count(UNCHANGED)} already in the book"
            )
        else:
            done = f"{report.kept[kind]} kept, {report.already[kind]} already in the book"
        dropped: dict[str, int] = dict(report.not_kept.get(kind, {}))
        left = "; not kept: " + ", ".join(f"{n} {why}" for why, n in sorted(dropped.items()))
        err(f"  {kind}: {done}{left if dropped else ''}")
    if report.other:
        listed = ", ".join(
            f"{n} {what}{'s' if n != 1 else ''}" for what, n in sorted(report.other.items())
        )
        err(f"  not kept, crm has no place for them: {listed}")


# -- export ---------------------------------------------------------------------------


def _vdir(directory: Path, clients: list[Any]) -> None:
    result = exchange.export_vdir(directory, clients, common.settings(), common.today(None))
    for path in result.foreign:
        warn(f"{path} was not written by crm: left as it is")
    for path in result.pending:
        warn(
            f"{path} was changed elsewhere and not imported yet: left as it is "
            f"(run 'crm import vcard {path}', then export again)"
        )
    err(
        f"{directory}: {result.written} cards written, {result.unchanged} unchanged, "
        f"{result.removed} removed (clients no longer in the book)"
    )


@export_app.command("vcard")
def export_vcard(
    out_: str | None = typer.Option(
        None,
        "--out",
        help="One file with every card, or a directory (ending in /) with one per client.",
        metavar="FILE|DIR/",
    ),
) -> None:
    """Export every client (archived ones too) as vCard 3.0; private notes never."""
    from crm_cli.interchange.vcard import vcards

    with common.book() as book:
        clients = book.clients()
    if out_ is not None:
        target = Path(out_).expanduser()
        if out_.endswith(("/", os.sep)) or target.is_dir():
            _vdir(target, clients)
            return
    _emit(vcards(clients), Path(out_) if out_ else None, f"{len(clients)} cards")


@export_app.command("csv")
def export_csv(out_: Path | None = OUT) -> None:
    """Export every client as one CSV row, in a form 'crm import csv' reads back."""
    from crm_cli.interchange.csv_formats import clients_csv

    with common.book() as book:
        clients = book.clients()
    text = clients_csv(clients)
    # A file gets a byte-order mark, so that Excel opens it as UTF-8; a pipe does not.
    data = ("\ufeff" + text if out_ is not None else text).encode("utf-8")
    _emit(data, out_, f"{len(clients)} clients")


@export_app.command("json")
def export_json(out_: Path | None = OUT) -> None:
    """Export the whole book (clients, touchpoints, snoozes, playbooks) as JSON."""
    from crm_cli.interchange.json_book import book_chunks

    with common.book() as book:
        parts = book.export_parts()
        clients = len(parts["clients"])
        chunks = book_chunks(parts)
        if out_ is None:
            sys.stdout.flush()
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        else:
            write_file(out_, chunks)
    if out_ is not None:
        err(f"wrote {clients} clients to {out_}")


@export_app.command("client")
def export_client(
    client_ref: str = typer.Argument(
        ...,
        metavar="CLIENT",
        autocompletion=completion.client_ids,
        help="Id, or part of name or email.",
    ),
    out_: Path | None = OUT,
) -> None:
    """Everything held about one client, private notes included (a data-access request)."""
    from crm_cli.interchange.json_book import client_json

    with common.book() as book:
        client = common.find_client(book, client_ref)
        snooze = book.snooze(client.id)
        data = client_json(
            client,
            book.touchpoints(client.id),
            [snooze] if snooze else [],
            book.steps(client.id),
        )
    _emit(data, out_, f"the data of {client.id} (private notes included)")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
