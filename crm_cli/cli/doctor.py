"""``crm doctor``: check the book and rebuild what is derived from the history."""

from __future__ import annotations

import typer

from crm_cli.cli import common
from crm_cli.cli.output import err, out, print_json


def doctor(as_json: bool = typer.Option(False, "--json", help="The report as JSON.")) -> None:
    """Check every file of the book and rebuild the cache from the device files.

    Summaries and recent touchpoints are derived data: rebuilding them loses
    nothing. Ops of a client no device created, and op ids found twice, are
    reported (exit 1), never deleted; every other command reads the book as usual.
    """
    with common.book(write=True) as book:
        on_open = book.repaired
        report = book.rebuild_derived()
        clients = len(book.clients())
        conflicts = [str(p) for p in book.conflicts]
        device = book.device
    problems = []
    if report.orphans:
        more = "…" if len(report.orphans) > 5 else ""
        problems.append(
            f"{_count(report.orphans, 'op concerns', 'ops concern')} a client no device "
            "created, ignored "
            f"({', '.join(report.orphans[:5])}{more})"
        )
    if report.duplicates:
        more = "…" if len(report.duplicates) > 5 else ""
        problems.append(
            f"{_count(report.duplicates, 'op id', 'op ids')} found twice, folded once "
            f"({', '.join(report.duplicates[:5])}{more})"
        )
    if as_json:
        print_json(
            {
                "clients": clients,
                "touchpoints": report.touchpoints,
                "summaries_rebuilt": report.clients,
                "summaries_differed": report.differed + (on_open.differed if on_open else 0),
                "repaired_on_open": on_open is not None,
                "orphans": report.orphans,
                "duplicates": report.duplicates,
                "next_touchpoint": report.counter,
                "conflict_copies": conflicts,
            }
        )
    else:
        if on_open is not None:
            out("The digests did not match the history (an interrupted write?): rebuilt.")
        out(f"clients:      {clients}")
        out(f"touchpoints:  {report.touchpoints}")
        differed = report.differed + (on_open.differed if on_open else 0)
        out(f"summaries:    {report.clients} rebuilt from the history, {differed} had differed")
        out(f"device:       {device}")
        out("problems:     " + ("; ".join(problems) if problems else "none"))
        for path in conflicts:
            note = "a conflict copy made by a file-sync tool: crm never reads it"
            out(f"ignored:      {path} ({note})")
    if problems:
        err("the book needs attention: see the problems above")
        raise typer.Exit(1)


def _count(items: list[str], one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
