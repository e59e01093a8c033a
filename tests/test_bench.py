"""The benchmark: a deterministic, believable generator and the runner's report.

Nothing here asserts on timings: the report logic is tested with fake samples,
and the one real run (a tiny book, one run per command) only checks that
every command ran.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from conftest import FIXED_DATE, Crm
from phonenumbers import PhoneNumberType

from crm_cli.bench import SIZES, TODAY
from crm_cli.bench.__main__ import main as bench_main
from crm_cli.bench.generate import build, generate
from crm_cli.bench.run import (
    Job,
    Row,
    Sample,
    _drafts_ok,
    build_report,
    ensure_book,
    measure_all,
    render_table,
)
from crm_cli.core.contacts import normalise_email
from crm_cli.core.dates import parse_birthday, parse_cadence
from crm_cli.store import open_book


def book_contents(home: Path) -> dict[str, Any]:
    with open_book(home) as book:
        return {
            "clients": [c.to_dict() for c in book.clients()],
            "touchpoints": [t.to_dict() for t in book.touchpoints()],
            "snoozes": {k: s.to_dict() for k, s in sorted(book.snoozes().items())},
            "steps": [s.to_dict() for s in book.steps()],
        }


# --------------------------------------------------------------------------- the generator


def test_the_same_seed_gives_the_same_book(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["generate", "--clients", "20", "--touchpoints", "500", "--seed", "7"]
    assert bench_main([*args, "--home", str(tmp_path / "a")]) == 0
    summary = capsys.readouterr().err
    assert "20 clients, 500 touchpoints" in summary and " s (" in summary
    generate(tmp_path / "b", 20, 500, seed=7)
    generate(tmp_path / "c", 20, 500, seed=8)

    first = book_contents(tmp_path / "a")
    assert len(first["clients"]) == 20
    assert [t["id"] for t in first["touchpoints"]] == [f"t{n}" for n in range(1, 501)]
    assert book_contents(tmp_path / "b") == first
    assert book_contents(tmp_path / "c") != first
    config = (tmp_path / "a" / "config" / "config.toml").read_text(encoding="utf-8")
    assert 'city = "Bologna"' in config and "my_name = " in config


def test_the_book_is_believable() -> None:
    data = build(400, 8_000, seed=3, today=TODAY)
    clients, tps = data.clients, data.touchpoints

    names = " ".join(c.name for c in clients)
    assert any(not ch.isascii() for ch in names)  # accents
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names)  # Chinese
    assert len({c.id for c in clients}) == 400
    emails = [e for c in clients for e in c.emails]
    assert len(emails) == len(set(emails)) > 300
    assert all(e.split("@")[1].startswith("example.") and normalise_email(e) == e for e in emails)
    for c in clients:
        for number in c.phones:
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            mobile = phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE
            assert mobile == (number in c.mobiles), number
        if c.birthday:
            parse_birthday(c.birthday, today=TODAY, date_order="DMY")
        if c.cadence:
            assert parse_cadence(c.cadence).canonical() == c.cadence
        assert c.since <= TODAY
    assert {c.tier for c in clients} == {"A", "B", "C", None}
    cadences = {c.cadence for c in clients}
    assert "never" in cadences and any(x and x.startswith("RRULE:") for x in cadences)
    for flag in ("archived", "do_not_contact", "shared_contact"):
        assert 0 < sum(getattr(c, flag) for c in clients) < 40, flag
    assert 0 < sum(not c.email_consent for c in clients) < 40
    assert any(c.city == "Bologna" for c in clients) and any("local" in c.tags for c in clients)
    assert any(c.private_note for c in clients) and any(c.prefers for c in clients)

    assert len(tps) == 8_000
    assert [t.date for t in tps] == sorted(t.date for t in tps)
    assert tps[-1].date <= TODAY and (TODAY - tps[0].date).days > 3_000
    channels = Counter(t.channel for t in tps)
    assert channels.most_common(1)[0][0] == "email" and set(channels) == {
        "email", "visit", "call", "sms", "coffee", "meeting", "note",
    }  # fmt: skip
    assert Counter(t.direction for t in tps).keys() == {"in", "out"}
    recent = [t for t in tps if (TODAY - t.date).days < 365]
    assert len(recent) > len(tps) / 15  # denser recently
    assert any(t.needs_reply and (TODAY - t.date).days < 5 for t in tps)
    assert any(t.incident for t in tps) and any(t.private for t in tps)
    assert any(t.follow_up for t in tps)
    assert data.snoozes and data.steps


def test_the_generated_book_works_with_crm(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = generate(home, 20, 500, seed=1)
    monkeypatch.setenv("CRM_CONFIG", str(home / "config"))
    from typer.testing import CliRunner

    crm = Crm(CliRunner())
    due = crm.ok("due", "--date", FIXED_DATE)
    assert "Due on Monday 23 November 2026" in due.stdout
    from crm_cli.bench.run import pick_client

    client_id, fragment = pick_client(made.data)
    shown = crm.ok("show", fragment, "--date", FIXED_DATE, "--json")
    assert json.loads(shown.stdout)["id"] == client_id


def test_a_non_empty_home_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code = bench_main(
        ["generate", "--clients", "5", "--touchpoints", "10", "--home", str(tmp_path)]
    )
    assert code == 1
    assert (
        capsys.readouterr().err
        == f"Error: {tmp_path} is not empty: give a new or empty directory\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_unknown_sizes_are_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_main(["run", "--sizes", "D1,D9"])
    assert exit_.value.code == 2
    assert "unknown size 'D9'" in capsys.readouterr().err


# --------------------------------------------------------------------------- the report


def row(command: str, size: str, *ms: float, peak_mb: float = 50.0, error: str = "") -> Row:
    samples = [Sample(m, int(peak_mb * 1e6)) for m in ms]
    if error:
        samples.append(Sample(10.0, None, 1, error))
    return Row(command, size, f"crm {command}", samples)


def test_the_report_marks_targets_and_ratios() -> None:
    rows = [
        row("python-floor", "-", 20, 22, 21),
        row("help", "-", 90, 95, 110),  # median 95 <= 100
        row("due", "D1", 100, 120, 110),
        row("due", "D2", 180, 200, 190, peak_mb=130),  # fast enough, too much memory
        row("list", "D1", 210, 230, 220),  # median 220 > 200
        row("history", "D1", 300),  # no target
        row("log", "D1", 100, 100, 100),
        row("log", "D2", 240, 250, 260),  # 2.5x D1
        row("naive-insert", "D2", 3000, 2600, 2500),
        row("draft", "D1", 100, error="Error: no client matches 'x'"),
    ]
    report = build_report(rows, {"cpu_count": 2}, {"runs": 3})
    json.dumps(report)  # JSON-ready
    by = {(r["command"], r["size"]): r for r in report["results"]}
    assert by[("help", "-")]["status"] == "PASS"
    assert by[("help", "-")]["median_ms"] == 95 and by[("help", "-")]["max_ms"] == 110
    assert (by[("due", "D1")]["min_ms"], by[("due", "D1")]["max_ms"]) == (100, 120)
    assert by[("due", "D2")]["status"] == "FAIL"
    assert [c["pass"] for c in by[("due", "D2")]["checks"]] == [True, False]
    assert by[("due", "D2")]["peak_mb"] == 130.0
    assert by[("list", "D1")]["status"] == "FAIL"
    assert by[("history", "D1")]["status"] == "-"
    assert by[("python-floor", "-")]["target_ms"] is None
    assert by[("draft", "D1")]["status"] == "ERROR"
    assert by[("draft", "D1")]["error"] == "Error: no client matches 'x'"
    assert by[("history", "D1")]["q1_ms"] == by[("history", "D1")]["q3_ms"] == 300

    ratios = {r["name"]: r for r in report["ratios"]}
    assert ratios["due D2/D1"]["value"] == pytest.approx(190 / 110, abs=1e-3)
    assert ratios["due D2/D1"]["status"] == "PASS"
    assert ratios["log D2/D1"]["status"] == "FAIL"
    assert ratios["naive insert D2 / log D2"]["value"] == pytest.approx(2600 / 250, abs=1e-3)
    assert ratios["naive insert D2 / log D2"]["status"] == "PASS"
    assert report["summary"] == {"pass": 6, "fail": 3, "error": 1, "skip": 0}

    table = render_table(report)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["command", "size", "median"]
    assert any(
        line.startswith("crm due") and "D2" in line and line.endswith("FAIL") for line in lines
    )
    assert any("ERROR: Error: no client matches 'x'" in line for line in lines)
    assert any(line.startswith("due D2/D1") and "1.73" in line and "PASS" in line for line in lines)
    assert lines[-1] == "6 PASS, 3 FAIL, 1 ERROR, 0 SKIP"


def test_ratios_without_both_sides_are_skipped() -> None:
    report = build_report([row("due", "D1", 100), row("log", "D1", 100)])
    assert [r["status"] for r in report["ratios"]] == ["SKIP", "SKIP", "SKIP"]
    assert "SKIP" in render_table(report)


def test_a_partial_drafts_run_is_a_normal_run() -> None:
    assert _drafts_ok(0, "")
    assert _drafts_ok(1, "13 of 14 drafts written to /tmp/x")
    assert not _drafts_ok(1, "Error: the book is damaged")
    assert not _drafts_ok(70, "13 of 14 drafts written to /tmp/x")


# --------------------------------------------------------------------------- real runs


def test_a_generated_book_is_reused(tmp_path: Path) -> None:
    said: list[str] = []
    first = ensure_book(tmp_path, SIZES["tiny"], 1, TODAY, said.append)
    stamp = (first.home / "devices").stat().st_mtime_ns
    again = ensure_book(tmp_path, SIZES["tiny"], 1, TODAY, said.append)
    assert again.info["cached"] and not first.info["cached"]
    assert (again.client_id, again.client_arg) == (first.client_id, first.client_arg)
    assert (again.home / "devices").stat().st_mtime_ns == stamp
    assert "reusing" in said[-1]
    other = ensure_book(tmp_path, SIZES["tiny"], 2, TODAY, said.append)
    assert other.home != first.home


def test_a_tiny_run_times_every_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "results.json"
    code = bench_main(
        [
            "run",
            "--sizes",
            "tiny",
            "--runs",
            "1",
            "--workdir",
            str(tmp_path / "w"),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    report = json.loads(out.read_text(encoding="utf-8"))
    errors = [(r["label"], r["error"]) for r in report["results"] if r["status"] == "ERROR"]
    assert (code, errors) == (0, [])
    assert {r["command"] for r in report["results"]} == {
        "python-floor", "typer-hello", "help", "due", "due-first", "agenda", "list", "show",
        "history", "export", "report", "report-html", "log", "due-after-log", "draft",
        "drafts", "naive-due",
        "naive-insert", "sync-idle",
        "sync-day", "sync-clone",
    }  # fmt: skip
    assert all(r["runs"] == 1 and r["median_ms"] > 0 for r in report["results"])
    assert {"platform", "cpu_count", "python", "crm_version", "date"} <= report["machine"].keys()
    assert report["params"]["sizes"]["tiny"]["touchpoints"] == 500
    assert "crm due --date 2026-11-23" in printed


def test_without_gnu_time_a_small_wrapper_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import sys

    from crm_cli.bench import run

    monkeypatch.setattr(run, "_gnu_time", lambda: None)
    spawner = run.Spawner(tmp_path)
    assert "wrapper" in spawner.method
    ok, _ = spawner.run([sys.executable, "-c", "pass"], dict(os.environ))
    assert ok.code == 0 and ok.ms > 0 and ok.peak_bytes and ok.peak_bytes > 1e6
    failed, last = spawner.run(
        [sys.executable, "-c", "import sys; sys.exit('Error: boom')"], dict(os.environ)
    )
    assert (failed.code, last) == (1, "Error: boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spawn.py"]


def test_timed_processes_keep_their_bytecode_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_cli.bench.run import child_env

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("CRM_DEBUG", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    env = child_env(tmp_path)
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert not {"PYTHONDONTWRITEBYTECODE", "CRM_DEBUG", "CRM_HOME"} & env.keys()


class _Recorder:
    """A spawner that times nothing: it notes the order of the command lines."""

    def __init__(self, failing: str) -> None:
        self.calls: list[str] = []
        self.failing = failing

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[Sample, str]:
        self.calls.append(" ".join(argv))
        if argv[0] == self.failing:
            return Sample(1.0, code=1), "Error: broken"
        return Sample(10.0 + len(self.calls)), ""


def test_timed_runs_are_taken_in_turns_so_a_drifting_machine_weighs_on_every_row() -> None:
    jobs = [
        Job(name, size, name, lambda i, name=name: [name, str(i)], {})
        for name, size in (("due", "D1"), ("broken", "D1"), ("due", "D2"))
    ]
    spawner = _Recorder(failing="broken")
    rows = measure_all(jobs, 2, spawner, lambda _text: None)  # type: ignore[arg-type]
    # Warm-ups first, then run 1 of each job, then run 2 of each: never D1's runs in a block.
    assert spawner.calls == ["due 0", "broken 0", "due 0", "due 1", "due 1", "due 2", "due 2"]
    assert [len(row.samples) for row in rows] == [2, 1, 2]
    assert rows[1].samples[0].error == "Error: broken"
    assert [s.ms for s in rows[0].samples] == [14.0, 16.0]


def test_generated_people_are_written_about_as_a_professional_would() -> None:
    data = build(200, 6_000, seed=3, today=TODAY)
    from crm_cli.bench.generate import _LIKES, _PREFERS, _REQUEST_TOPICS, _REQUESTS, _TOPICS

    by_id = {c.id: c for c in data.clients}
    for c in data.clients:
        says = c.lang or "it"  # the language its drafts are written in
        assert set(c.prefers) <= set(_PREFERS[says]), c.id
        assert set(c.likes) <= set(_LIKES[says]), c.id
        assert c.business == (c.contact_person is not None)
    every_text = [
        *(p for c in data.clients for p in (*c.prefers, *c.likes, c.note or "")),
        *(t.note or "" for t in data.touchpoints),
    ]
    # No feminine participle that a man could be given; no first person in a note.
    for word in ("chiamata", "venuta", "passata", "conosciuta", "mi ha", "told me"):
        assert not any(word in text.lower() for text in every_text), word
    topics = [t for t in data.touchpoints if t.topic]
    assert len(topics) > 200
    for tp in topics:
        lang = by_id[tp.client_id].lang or "it"
        asked = [_REQUEST_TOPICS[r] for r in _REQUESTS[lang]]
        assert tp.topic in (*_TOPICS[lang], *asked), tp
    ids = {t.id for t in topics}
    assert all(set(c.closed_topics) <= ids for c in data.clients)
    assert sum(bool(c.closed_topics) for c in data.clients) > 50
    assert {c.gender for c in data.clients} == {"f", "m", None}
    assert sum(c.business for c in data.clients) >= 2
    assert sum(bool(c.salutation) for c in data.clients) >= 5
    assert build(200, 6_000, seed=3, today=TODAY) == data  # deterministic
