"""Time the installed ``crm`` as whole processes on the standard books.

``python -m crm_cli.bench run [--sizes D1,D2] [--out FILE] [--runs N] [--workdir DIR]``

For each size the book is generated once (and kept in ``--workdir`` for the
next run while the parameters and the store's code are the same), then every
command is run once to warm up and ``--runs`` times timed, from before the
process is spawned to after it is reaped. Peak memory is the child's own
maximum resident set size, from ``os.wait4`` (no wrapper process, nothing else
counted). Baselines run in the same session: the interpreter's floor, a bare
Typer command, and a naive script on one stock TinyDB ``JSONStorage`` file
holding the same book.

The pure part (:func:`build_report`, :func:`render_table`) turns samples into
rows, ratios and PASS/FAIL against the targets; it is unit-tested with fake
timings.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import SIZES, TODAY, Size

__all__ = [
    "MEMORY_TARGETS_MB",
    "RATIOS",
    "TIME_TARGETS_MS",
    "Row",
    "Sample",
    "build_report",
    "main",
    "render_table",
]

NO_SIZE = "-"  # rows that do not depend on the book (--help, the baselines)
PROCESS_TIMEOUT = 600.0  # seconds: a hung command is killed, not waited for forever

# Medians, whole process, on a 2-core machine.
_FAST = {"D1": 150.0, "D2": 250.0}
_LISTS = {"D1": 200.0, "D2": 400.0}
TIME_TARGETS_MS: dict[str, dict[str, float]] = {
    "help": {NO_SIZE: 100.0},
    "due": {**_FAST, "D3": 400.0},
    "show": {**_FAST, "D3": 250.0},
    "log": {**_FAST, "D3": 300.0},
    "draft": {**_FAST, "D3": 250.0},
    "list": _LISTS,
    "agenda": _LISTS,
    "history": {"D2": 250.0},
    "export": {"D2": 1500.0},
    # A year of the whole history, one pass over every touchpoint (issue 16).
    "report": {"D2": 2000.0},
    "report-html": {"D2": 4000.0},
    # Against a local bare remote (see sync_rows.py).
    "sync-idle": {"D1": 1500.0, "D2": 1500.0},
    "sync-day": {"D1": 3000.0, "D2": 3000.0},
    "sync-clone": {"D2": 60_000.0},
}
MEMORY_TARGETS_MB: dict[tuple[str, str], float] = {
    ("due", "D2"): 120.0,
    ("history", "D2"): 80.0,
    ("export", "D2"): 250.0,
}


@dataclass(frozen=True)
class Ratio:
    name: str
    numerator: tuple[str, str]  # (command, size)
    denominator: tuple[str, str]
    op: str  # "<=" or ">="
    target: float

    def passes(self, value: float) -> bool:
        return value <= self.target if self.op == "<=" else value >= self.target


RATIOS: tuple[Ratio, ...] = (
    Ratio("due D2/D1", ("due", "D2"), ("due", "D1"), "<=", 2.0),
    Ratio("log D2/D1", ("log", "D2"), ("log", "D1"), "<=", 2.0),
    Ratio("naive insert D2 / log D2", ("naive-insert", "D2"), ("log", "D2"), ">=", 8.0),
)

# Rows in the table, in this order; the label is what was run.
COMMANDS: tuple[str, ...] = (
    "python-floor",
    "typer-hello",
    "help",
    "due",
    "due-first",
    "agenda",
    "list",
    "show",
    "history",
    "export",
    "report",
    "report-html",
    "log",
    "due-after-log",
    "draft",
    "drafts",
    "naive-due",
    "naive-insert",
    "sync-idle",
    "sync-day",
    "sync-clone",
)


# --------------------------------------------------------------------------- the pure part


@dataclass
class Sample:
    """One timed process."""

    ms: float
    peak_bytes: int | None = None
    code: int = 0
    error: str | None = None  # set when the run failed: its last line of stderr


@dataclass
class Row:
    """One command on one size, and its timed runs (the warm-up is not among them)."""

    command: str
    size: str
    label: str
    samples: list[Sample] = field(default_factory=list)


def _quartiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def row_result(row: Row) -> dict[str, Any]:
    """Median, spread, peak memory and PASS/FAIL of one row."""
    failed = [s for s in row.samples if s.error is not None]
    times = [s.ms for s in row.samples if s.error is None]
    peaks = [s.peak_bytes for s in row.samples if s.peak_bytes is not None]
    target_ms = TIME_TARGETS_MS.get(row.command, {}).get(row.size)
    target_mb = MEMORY_TARGETS_MB.get((row.command, row.size))
    result: dict[str, Any] = {
        "command": row.command,
        "size": row.size,
        "label": row.label,
        "runs": len(row.samples),
        "times_ms": [round(s.ms, 2) for s in row.samples],
        "median_ms": None,
        "min_ms": None,
        "max_ms": None,
        "q1_ms": None,
        "q3_ms": None,
        "peak_mb": _round(max(peaks) / 1e6) if peaks else None,
        "target_ms": target_ms,
        "target_peak_mb": target_mb,
        "checks": [],
        "status": "-",
        "error": None,
    }
    if failed or not times:
        result["status"] = "ERROR"
        result["error"] = failed[0].error if failed else "no runs"
        return result
    q1, q3 = _quartiles(times)
    median = statistics.median(times)
    result.update(
        median_ms=round(median, 2),
        min_ms=round(min(times), 2),
        max_ms=round(max(times), 2),
        q1_ms=round(q1, 2),
        q3_ms=round(q3, 2),
    )
    checks: list[dict[str, Any]] = []
    if target_ms is not None:
        checks.append(
            {
                "what": "median ms",
                "value": round(median, 2),
                "target": f"<= {target_ms:g}",
                "pass": median <= target_ms,
            }
        )
    if target_mb is not None:
        peak = result["peak_mb"]
        checks.append(
            {
                "what": "peak MB",
                "value": peak,
                "target": f"<= {target_mb:g}",
                "pass": peak is not None and peak <= target_mb,
            }
        )
    result["checks"] = checks
    if checks:
        result["status"] = "PASS" if all(c["pass"] for c in checks) else "FAIL"
    return result


def ratio_results(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ratios between rows; SKIP when a side was not measured (or failed)."""
    medians = {
        (r["command"], r["size"]): r["median_ms"] for r in rows if r["median_ms"] is not None
    }
    out = []
    for ratio in RATIOS:
        num, den = medians.get(ratio.numerator), medians.get(ratio.denominator)
        entry: dict[str, Any] = {
            "name": ratio.name,
            "numerator": {"command": ratio.numerator[0], "size": ratio.numerator[1]},
            "denominator": {"command": ratio.denominator[0], "size": ratio.denominator[1]},
            "target": f"{ratio.op} {ratio.target:g}",
            "value": None,
            "status": "SKIP",
        }
        if num is not None and den:
            value = num / den
            entry["value"] = round(value, 3)
            entry["status"] = "PASS" if ratio.passes(value) else "FAIL"
        out.append(entry)
    return out


def build_report(
    rows: Sequence[Row],
    machine: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the run found, as JSON-ready data."""
    results = [row_result(r) for r in rows]
    ratios = ratio_results(results)
    statuses = Counter(r["status"] for r in results) + Counter(r["status"] for r in ratios)
    return {
        "machine": machine or {},
        "params": params or {},
        "results": results,
        "ratios": ratios,
        "summary": {
            "pass": statuses["PASS"],
            "fail": statuses["FAIL"],
            "error": statuses["ERROR"],
            "skip": statuses["SKIP"],
        },
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _target(result: dict[str, Any]) -> str:
    parts = []
    if result["target_ms"] is not None:
        parts.append(f"≤{result['target_ms']:g} ms")
    if result["target_peak_mb"] is not None:
        parts.append(f"≤{result['target_peak_mb']:g} MB")
    return ", ".join(parts) or "-"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two (a client may be called 杨芳)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(report: dict[str, Any]) -> str:
    """The results as one plain-text table, then the ratios."""
    header = ("command", "size", "median ms", "min-max ms", "peak MB", "target", "result")
    lines = []
    for r in report["results"]:
        spread = "-" if r["min_ms"] is None else f"{_ms(r['min_ms'])}-{_ms(r['max_ms'])}"
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.1f}"
        status = r["status"] if r["status"] != "ERROR" else f"ERROR: {r['error']}"
        lines.append((r["label"], r["size"], _ms(r["median_ms"]), spread, peak, _target(r), status))
    widths = [max(_width(row[i]) for row in [header, *lines]) for i in range(len(header))]
    right = {2, 3, 4}

    def fmt(row: Sequence[str]) -> str:
        cells = []
        for i, (cell, w) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (w - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        return "  ".join(cells).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])]
    out += [fmt(row) for row in lines]
    if report["ratios"]:
        out.append("")
        name_width = max(len(r["name"]) for r in report["ratios"])
        for r in report["ratios"]:
            value = "-" if r["value"] is None else f"{r['value']:.2f}"
            out.append(
                f"{r['name'].ljust(name_width)}  {value.rjust(6)}  target {r['target']:<6}  "
                f"{r['status']}"
            )
    s = report["summary"]
    out.append("")
    out.append(f"{s['pass']} PASS, {s['fail']} FAIL, {s['error']} ERROR, {s['skip']} SKIP")
    return "\n".join(out)


# --------------------------------------------------------------------------- processes


def crm_command() -> list[str]:
    """The installed ``crm`` (this interpreter's first), else ``python -m crm_cli``."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("crm", path=search)
    return [found] if found else [sys.executable, "-m", "crm_cli"]


WRAPPER = """\
import os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter_ns()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_pid, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter_ns() - started
with open(result, "w") as out:
    out.write(f"{elapsed} {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _gnu_time() -> str | None:
    """``/usr/bin/time`` if it is GNU time (``-f %M -o FILE`` work), else None."""
    path = "/usr/bin/time"
    true = shutil.which("true")
    if not (os.access(path, os.X_OK) and true):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rss"
        try:
            subprocess.run(
                [path, "-f", "%M", "-o", str(out), true],
                check=True,
                capture_output=True,
                timeout=10,
            )
            int(out.read_text().split()[-1])
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            return None
    return path


class Spawner:
    """Runs one process and reports its wall time and peak memory.

    A child's ``ru_maxrss`` on Linux counts the memory of the process it was
    forked from until ``exec``: taken from this (large) runner, every command
    would seem to use at least the runner's memory. So the peak comes from a
    small parent: GNU ``/usr/bin/time -f %M`` when present (its own start,
    about 1 ms, is inside the timing, as it is in the ``python -c pass`` floor);
    else a small Python wrapper that spawns, ``os.wait4``s and times the
    command itself (peaks then have a floor of the wrapper's ~10 MB); else,
    without ``os.wait4`` (Windows), no memory.
    """

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.time = _gnu_time()
        self.wrapper: Path | None = None
        if self.time:
            self.method = "GNU /usr/bin/time -f %M (maximum resident set size)"
        elif hasattr(os, "wait4") and hasattr(os, "posix_spawnp"):
            self.wrapper = scratch / "spawn.py"
            self.wrapper.write_text(WRAPPER, encoding="utf-8")
            self.method = "os.wait4 ru_maxrss in a small Python wrapper (floor ~10 MB)"
        else:  # pragma: no cover - Windows
            self.method = "unavailable"

    def run(self, argv: Sequence[str], env: dict[str, str]) -> tuple[Sample, str]:
        """The sample (``error`` unset) and the last line of stderr."""
        fd, name = tempfile.mkstemp(dir=self.scratch, prefix="rss-")
        os.close(fd)
        result = Path(name)
        if self.time:
            full = [self.time, "-f", "%M", "-o", str(result), *argv]
        elif self.wrapper:
            full = [sys.executable, str(self.wrapper), str(result), *argv]
        else:  # pragma: no cover
            full = list(argv)
        try:
            with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                started = time.perf_counter()
                proc = subprocess.Popen(
                    full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
                )
                # A blocking wait: wait(timeout=...) polls with sleeps of up to 50 ms.
                watchdog = threading.Timer(PROCESS_TIMEOUT, proc.kill)
                watchdog.start()
                try:
                    code = proc.wait()
                finally:
                    watchdog.cancel()
                ms = (time.perf_counter() - started) * 1000
                err.seek(0)
                lines = err.read().decode("utf-8", "replace").strip().splitlines()
            peak = None
            words = result.read_text().split() if result.exists() else []
            if self.time and words and words[-1].isdigit():
                peak = int(words[-1]) * 1024  # KiB
            elif self.wrapper and len(words) == 2:
                ms = int(words[0]) / 1e6
                peak = int(words[1]) * (1 if sys.platform == "darwin" else 1024)
        finally:
            result.unlink(missing_ok=True)
        return Sample(ms, peak, code), (lines[-1] if lines else "")


@dataclass
class Job:
    """One row to measure: ``argv(i)`` gives the command line of run ``i`` (0 = warm-up)."""

    command: str
    size: str
    label: str
    argv: Callable[[int], list[str]]
    env: dict[str, str]
    # Whether an exit (code, last line of stderr) is a normal end of the command.
    accept: Callable[[int, str], bool] = lambda code, _last: code == 0
    # Run before run ``i``, untimed (e.g. the day's work that a timed sync then carries).
    prepare: Callable[[int], None] | None = None


def measure_all(
    jobs: list[Job], runs: int, spawner: Spawner, progress: Callable[[str], None]
) -> list[Row]:
    """Every job's warm-up, then its timed runs taken in turns: run 1 of every job,
    then run 2 of every job, and so on.

    A machine that slows down or speeds up during the minutes a benchmark takes
    then weighs on every row alike, so the D2/D1 ratios compare like with like
    (timed one row after the other, D1 and D2 were minutes apart).
    """
    rows = [Row(job.command, job.size, job.label) for job in jobs]

    def one(job: Job, i: int) -> Sample:
        if job.prepare is not None:
            job.prepare(i)
        sample, last = spawner.run(job.argv(i), job.env)
        if not job.accept(sample.code, last):
            sample.error = last or f"exit code {sample.code}"
        return sample

    live = []
    for job, row in zip(jobs, rows, strict=True):
        warm = one(job, 0)
        if warm.error:
            row.samples.append(warm)
            progress(f"  {job.size:>4}  {job.label}: ERROR {warm.error}")
        else:
            live.append((job, row))
    for i in range(1, runs + 1):
        progress(f"  run {i} of {runs}")
        for job, row in live:
            row.samples.append(one(job, i))
    for job, row in live:
        result = row_result(row)
        progress(
            f"  {job.size:>4}  {job.label}: {_ms(result['median_ms'])} ms"
            + (f"  {result['status']}" if result["status"] != "-" else "")
        )
    return rows


# --------------------------------------------------------------------------- books


@dataclass
class Book:
    size: Size
    home: Path
    config: Path
    naive: Path
    client_id: str
    client_arg: str
    info: dict[str, Any]


def _code_fingerprint() -> str:
    """A hash of the code that decides what a book looks like on disk (the store, the
    models, the digests: everything in ``crm_cli`` but the CLI and this benchmark).

    A cached book is reused only by the same code: a reshaped store gets a fresh book.
    """
    spec = importlib.util.find_spec("crm_cli")
    digest = hashlib.sha256()
    if spec and spec.origin:
        root = Path(spec.origin).parent
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root)
            if rel.parts[0] in ("cli", "bench") or "__pycache__" in rel.parts:
                continue
            digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def pick_client(data: Any) -> tuple[str, str]:
    """The busiest reachable client, and a name fragment that finds only them (else the id)."""
    from crm_cli.core.book import resolve_client
    from crm_cli.errors import CrmError

    snoozed = {s.client_id for s in data.snoozes}
    counts = Counter(t.client_id for t in data.touchpoints)
    reachable = [
        c
        for c in data.clients
        if not (c.archived or c.do_not_contact or c.id in snoozed) and c.emails and c.email_consent
    ]
    pool = reachable or [c for c in data.clients if not c.archived] or data.clients
    best = max(pool, key=lambda c: (counts[c.id], c.id))
    words = best.name.split()
    for fragment in dict.fromkeys([words[-1], words[0], best.name]):
        try:
            if resolve_client(data.clients, fragment).id == best.id:
                return best.id, fragment
        except CrmError:
            continue
    return best.id, best.id


def write_naive(path: Path, data: Any) -> None:
    """The same clients and touchpoints in one file through stock TinyDB (``JSONStorage``)."""
    from tinydb import TinyDB

    db = TinyDB(path)
    db.table("clients").insert_multiple(c.to_dict() for c in data.clients)
    db.table("touchpoints").insert_multiple(t.to_dict() for t in data.touchpoints)
    db.close()


def ensure_book(
    workdir: Path, size: Size, seed: int, today: date, progress: Callable[[str], None]
) -> Book:
    """The size's book in ``workdir``: reused when generated with the same parameters."""
    from crm_cli import __version__

    from .generate import GENERATOR_VERSION, disk_bytes, generate

    params = {
        "size": size.name,
        "clients": size.clients,
        "touchpoints": size.touchpoints,
        "seed": seed,
        "today": today.isoformat(),
        "generator": GENERATOR_VERSION,
        "code": _code_fingerprint(),
        "crm_version": __version__,
    }
    base = workdir / f"{size.name}-c{size.clients}-t{size.touchpoints}-s{seed}-{today}"
    marker = base / "bench.json"
    home, naive = base / "home", base / "naive.json"
    try:
        cached = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    if isinstance(cached, dict) and cached.get("params") == params and home.is_dir():
        progress(f"{size.name}: reusing the book in {home}")
        info = dict(cached["info"], cached=True)
        return Book(
            size, home, home / "config", naive, cached["client_id"], cached["client_arg"], info
        )
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    progress(f"{size.name}: generating {size.clients:,} clients, {size.touchpoints:,} touchpoints")
    made = generate(home, size.clients, size.touchpoints, seed, today)
    progress(f"{size.name}: {made.summary(home)}")
    client_id, client_arg = pick_client(made.data)
    started = time.perf_counter()
    write_naive(naive, made.data)
    info = {
        "clients": made.clients,
        "touchpoints": made.touchpoints,
        "generate_seconds": round(made.seconds, 2),
        "book_bytes": disk_bytes(home),
        "naive_bytes": naive.stat().st_size,
        "naive_write_seconds": round(time.perf_counter() - started, 2),
        "client_touchpoints": sum(1 for t in made.data.touchpoints if t.client_id == client_id),
    }
    marker.write_text(
        json.dumps(
            {"params": params, "info": info, "client_id": client_id, "client_arg": client_arg},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return Book(size, home, home / "config", naive, client_id, client_arg, dict(info, cached=False))


# --------------------------------------------------------------------------- the session

HELLO = """\
import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


if __name__ == "__main__":
    app()
"""

NAIVE = '''\
"""The naive way: one stock TinyDB JSONStorage file, read whole on every access."""
import sys

from tinydb import Query, TinyDB

mode, path, client_id = sys.argv[1:4]
db = TinyDB(path)
touchpoints = db.table("touchpoints")
if mode == "due":
    mine = touchpoints.search(Query().client_id == client_id)
    print(len(mine))
else:
    touchpoints.insert({
        "id": "bench", "client_id": client_id, "date": sys.argv[4], "channel": "email",
        "direction": "out", "note": "benchmark", "needs_reply": False, "incident": False,
        "private": False, "follow_up": None,
    })
db.close()
'''


def _fixed(argv: list[str]) -> Callable[[int], list[str]]:
    return lambda _i: argv


def _drafts_ok(code: int, last: str) -> bool:
    """``drafts`` exits 1 when some item could not be drafted (a client who cannot be
    reached at all): a normal day in a real book, still a full run of the command."""
    return code == 0 or (
        code == 1 and re.fullmatch(r"\d+ of \d+ drafts written to .*", last) is not None
    )


def _label(args: list[str]) -> str:
    return " ".join(["crm", *(f"'{a}'" if " " in a else a for a in args)])


def jobs_for_book(
    book: Book, crm: list[str], scratch: Path, base_env: dict[str, str], today: date
) -> list[Job]:
    """The timed commands for one book (and the naive baselines on the same data)."""
    day = today.isoformat()
    size = book.size.name
    env = {**base_env, "CRM_HOME": str(book.home), "CRM_CONFIG": str(book.config)}
    # log writes: it runs on a copy, so the other commands always see the same book.
    log_home = scratch / f"log-{size}"
    shutil.copytree(book.home, log_home, symlinks=True)
    log_env = {**env, "CRM_HOME": str(log_home)}
    drafts_root = scratch / f"drafts-{size}"
    naive_copy = scratch / f"naive-{size}.json"
    shutil.copyfile(book.naive, naive_copy)
    script = scratch / "naive.py"
    who = book.client_arg
    py = sys.executable

    def crm_job(command: str, args: list[str]) -> Job:
        return Job(command, size, _label(args), _fixed([*crm, *args]), env)

    # The first plan of a day: on a copy whose memos of the plan are dropped before
    # each run (`due` above reads the memo its warm-up made, as a second `due` does).
    first_home = scratch / f"first-{size}"
    shutil.copytree(book.home, first_home, symlinks=True)

    def forget_plans(_i: int) -> None:
        import sqlite3

        db = sqlite3.connect(first_home / "local" / "cache.sqlite3")
        try:
            with db:
                db.execute("DELETE FROM plan_items")
                db.execute("DELETE FROM plan_memos")
        except sqlite3.OperationalError:
            pass  # a cache not yet opened by this crm: no memo in it
        finally:
            db.close()

    def log_argv(i: int) -> list[str]:
        return [*crm, "log", who, "email", "--note", f"benchmark run {i}", "--date", day]

    def drafts_argv(i: int) -> list[str]:
        return [*crm, "drafts", "--date", day, "--out", str(drafts_root / f"run-{i}")]

    return [
        crm_job("due", ["due", "--date", day]),
        Job(
            "due-first",
            size,
            _label(["due", "--date", day]) + " (first of the day: no memo)",
            _fixed([*crm, "due", "--date", day]),
            {**env, "CRM_HOME": str(first_home)},
            prepare=forget_plans,
        ),
        crm_job("agenda", ["agenda", "--from", day]),
        crm_job("list", ["list"]),
        crm_job("show", ["show", who, "--date", day]),
        crm_job("history", ["history", who]),
        Job(
            "export",
            size,
            _label(["export", "json", "--out", "TMP"]),
            _fixed([*crm, "export", "json", "--out", str(scratch / f"export-{size}.json")]),
            env,
        ),
        crm_job("report", ["report", "--date", day]),
        Job(
            "report-html",
            size,
            _label(["report", "--date", day, "--html", "TMP"]),
            _fixed([*crm, "report", "--date", day, "--html", str(scratch / f"report-{size}.html")]),
            env,
        ),
        Job(
            "log",
            size,
            _label(["log", who, "email", "--note", "…", "--date", day]),
            log_argv,
            log_env,
        ),
        Job(  # in each turn right after the log above: one client to plan again
            "due-after-log",
            size,
            _label(["due", "--date", day]) + " (after a log)",
            _fixed([*crm, "due", "--date", day]),
            log_env,
        ),
        crm_job("draft", ["draft", who, "--date", day]),
        Job(
            "drafts",
            size,
            _label(["drafts", "--date", day, "--out", "TMP"]),
            drafts_argv,
            env,
            accept=_drafts_ok,
        ),
        Job(
            "naive-due",
            size,
            "naive TinyDB: load, one client's touchpoints",
            _fixed([py, str(script), "due", str(book.naive), book.client_id]),
            base_env,
        ),
        Job(
            "naive-insert",
            size,
            "naive TinyDB: insert one touchpoint",
            _fixed([py, str(script), "insert", str(naive_copy), book.client_id, day]),
            base_env,
        ),
    ]


def machine_info(crm: list[str]) -> dict[str, Any]:
    from crm_cli import __version__

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "crm_version": __version__,
        "crm_command": crm,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    if hasattr(os, "sched_getaffinity"):
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_total_mb"] = round(int(line.split()[1]) * 1024 / 1e6)
                break
    except OSError:
        pass
    return info


def child_env(workdir: Path) -> dict[str, str]:
    """The environment of every timed process.

    Bytecode caches are on, in ``workdir/pycache`` (unless PYTHONPYCACHEPREFIX is
    set): an installed program has its ``.pyc`` files, and with
    PYTHONDONTWRITEBYTECODE every run would compile ``crm_cli`` from source again.
    The warm-up run writes them; the source tree is not touched.
    """
    drop = {"CRM_DEBUG", "CRM_HOME", "CRM_CONFIG", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.setdefault("PYTHONPYCACHEPREFIX", str(workdir / "pycache"))
    return env


def session(
    sizes: Sequence[str],
    runs: int,
    workdir: Path,
    seed: int,
    today: date = TODAY,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate (or reuse) the books, time everything, and return the report."""

    def to_stderr(text: str) -> None:
        sys.stderr.write(text + "\n")

    say = progress or to_stderr
    crm = crm_command()
    books = [ensure_book(workdir, SIZES[name], seed, today, say) for name in sizes]
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=workdir))
    try:
        base_env = child_env(workdir)
        (scratch / "hello.py").write_text(HELLO, encoding="utf-8")
        (scratch / "naive.py").write_text(NAIVE, encoding="utf-8")
        empty_home = scratch / "empty-home"
        help_env = {**base_env, "CRM_HOME": str(empty_home), "CRM_CONFIG": str(empty_home)}
        py = sys.executable
        jobs = [
            Job("python-floor", NO_SIZE, "python -c pass", _fixed([py, "-c", "pass"]), base_env),
            Job(
                "typer-hello",
                NO_SIZE,
                "typer hello-world",
                _fixed([py, str(scratch / "hello.py"), "--name", "bench"]),
                base_env,
            ),
            Job("help", NO_SIZE, "crm --help", _fixed([*crm, "--help"]), help_env),
        ]
        from .sync_rows import sync_jobs

        for book in books:
            jobs += jobs_for_book(book, crm, scratch, base_env, today)
            if book.size.name != "D3":  # the issue sets sync targets up to D2; D3 is slow enough
                jobs += sync_jobs(
                    book.size.name, book.home, book.config, crm, scratch, base_env, today
                )
        spawner = Spawner(scratch)
        say(f"timing {len(jobs)} commands, 1 warm-up + {runs} runs each, with {' '.join(crm)}")
        say(f"peak memory: {spawner.method}")
        rows = measure_all(jobs, runs, spawner, say)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    params = {
        "bytecode_cache": base_env["PYTHONPYCACHEPREFIX"],
        "runs": runs,
        "warmup": 1,
        "today": today.isoformat(),
        "seed": seed,
        "sizes": {
            b.size.name: {**b.info, "client_id": b.client_id, "client_arg": b.client_arg}
            for b in books
        },
    }
    machine = machine_info(crm)
    machine["memory_method"] = spawner.method
    return build_report(rows, machine, params)


def main(args: argparse.Namespace) -> int:
    own_workdir = args.workdir is None
    workdir = (
        Path(tempfile.mkdtemp(prefix="crm-bench-"))
        if own_workdir
        else Path(args.workdir).expanduser()
    )
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = session(args.sizes, args.runs, workdir, args.seed)
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    m = report["machine"]
    sys.stdout.write(
        f"crm {m['crm_version']} · Python {m['python']} · {m['platform']} · "
        f"{m['cpu_count']} CPUs · median of {args.runs} runs after 1 warm-up · "
        f"--date {report['params']['today']}\n"
    )
    for name, info in report["params"]["sizes"].items():
        sys.stdout.write(
            f"{name}: {info['clients']:,} clients, {info['touchpoints']:,} touchpoints, "
            f"{info['book_bytes'] / 1e6:.1f} MB, generated in {info['generate_seconds']:.1f} s"
            f"{' (cached)' if info.get('cached') else ''}; CLIENT = {info['client_arg']!r} "
            f"({info['client_touchpoints']:,} touchpoints)\n"
        )
    sys.stdout.write("\n" + render_table(report) + "\n")
    if args.out:
        Path(args.out).write_text(
            json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        sys.stderr.write(f"results written to {args.out}\n")
    return 1 if report["summary"]["error"] else 0
