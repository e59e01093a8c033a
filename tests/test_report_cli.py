"""``crm report`` as a user runs it: the text, --json against its schema, the errors,
``crm show``'s sparkline, and no private word in what it writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FIXED_DATE, Crm, use_demo_book

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))

PRIVATE_WORDS = ("quarzosegreto", "debitoprivato", "notaqualsiasi", "argomentoriservato")


def validate(data: Any) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    validator.validate(data)


@pytest.fixture
def book(crm: Crm) -> Crm:
    """Carla (tier C) left alone for a year; Alba (tier A) called every three weeks; a
    request answered after 3 days; an incident never recovered; private words here and there."""
    crm.add("Carla Neri", "--tier", "C", "--since", "2020-01-01", "--phone", "+390212345678")
    crm.add(
        "Alba Rossi", "--tier", "A", "--since", "2026-06-01", "--email", "alba@example.it",
        "--private-note", "quarzosegreto", "--note", "debitoprivato",
    )  # fmt: skip
    crm.log("carla", "call", "--date", "2025-10-01")
    for day in ("06-15", "07-06", "07-27", "08-17", "09-07", "09-28", "10-19", "11-09"):
        crm.log("alba", "call", "--date", f"2026-{day}", "--note", "notaqualsiasi")
    crm.log("alba", "email", "--in", "--needs-reply", "--date", "2026-03-02")
    crm.log("alba", "email", "--date", "2026-03-05", "--private", "--note", "debitoprivato")
    crm.log("alba", "email", "--in", "--incident", "--date", "2026-11-10")
    crm.log("alba", "note", "--date", "2026-11-12", "--topic", "argomentoriservato")
    return crm


def test_the_terminal_report(book: Crm) -> None:
    result = book.ok("report", "--date", FIXED_DATE)
    text = result.stdout
    assert result.stderr == ""
    assert text.startswith(
        "Report from 2025-11-24 to 2026-11-23: 2 clients measured, 1 contacted within\n"
        "their cadence, 1 neglected.\n\n"
        "Small clients (tier C) get less attention than large ones (tier A): 0%\n"
        "contacted within their cadence, against 100% (100 points lower); 1 of them is\n"
        "neglected. Long-standing clients (5 years or more) get less attention than new\n"
    )
    lines = text.splitlines()
    assert "  tier C         1        0%      334d      1" in lines
    assert "  tier A         1        100%    -         0" in lines
    assert "  2026-03  1         3d      3d   0%       0" in lines
    assert "  all      1         3d      3d   0%       0" in lines
    assert "Recoveries: 1 incident, 0 recovered within 1 day, 0 later, 1 never recovered" in lines
    at = lines.index("  never recovered, oldest first:")
    assert lines[at + 1] == "    2026-11-10  Alba Rossi (alba-rossi), open 13 days"
    slipping = lines.index(
        "Slipping: the most overdue for their cadence (below: 24 months of contacts)"
    )
    assert lines[slipping + 1].startswith("CLIENT      TIER  CADENCE")
    assert lines[slipping + 2].startswith("Carla Neri  C     12 weeks  2025-10-01 call")
    assert lines[slipping + 3] == "  ··········█·············"
    activity = next(i for i, line in enumerate(lines) if line.startswith("Activity:"))
    assert lines[activity] == "Activity: 11 contacts in the period, in and out and by channel"
    rows = {line.split()[0]: line for line in lines[activity + 3 :]}
    assert set(rows) == {"in", "out", "email", "sms", "call", "coffee", "meeting", "visit"}
    assert rows["call"].endswith("  8") and rows["sms"].endswith("  0")
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]


def test_json_has_every_figure_sorted_and_valid_against_the_schema(book: Crm) -> None:
    raw = book.ok("report", "--date", FIXED_DATE, "--json").stdout
    data = json.loads(raw)
    validate(data)
    assert raw == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert data["period"] == {"from": "2025-11-24", "to": "2026-11-23"}
    assert data["replies"]["median_days"] == 3.0
    assert data["recoveries"]["never_recovered"] == 1
    assert [s["client_id"] for s in data["slipping"]] == ["carla-neri"]
    assert {row["client_id"] for row in data["series"]["clients"]} == {"alba-rossi", "carla-neri"}


def test_the_schema_rejects_what_is_not_a_report(book: Crm) -> None:
    data = json.loads(book.ok("report", "--date", FIXED_DATE, "--json").stdout)
    data["fairness"]["by_tier"][0]["note"] = "a field nobody documented"
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


def test_from_and_to_choose_the_period(book: Crm) -> None:
    data = json.loads(
        book.ok("report", "--from", "2026-03-01", "--to", "2026-03-31", "--json").stdout
    )
    assert data["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert [m["month"] for m in data["replies"]["months"]] == ["2026-03"]
    assert data["recoveries"]["incidents"] == 0
    assert data["activity"]["weeks"][0] == "2026-02-23"
    data = json.loads(book.ok("report", "--to", "2026-03-31", "--json").stdout)
    assert data["period"] == {"from": "2025-04-01", "to": "2026-03-31"}


def test_an_empty_period_and_bad_dates_are_one_error_line(book: Crm) -> None:
    assert book.fail("report", "--from", "2026-05-01", "--to", "2026-04-01") == (
        "--from 2026-05-01 is after --to 2026-04-01: nothing to report"
    )
    assert "invalid date 'soon'" in book.fail("report", "--to", "soon")


def test_an_empty_book_reports_nothing_to_measure(crm: Crm) -> None:
    text = crm.ok("report", "--date", FIXED_DATE).stdout
    assert "0 clients measured" in text
    assert "There are no small clients (tier C) to compare." in text
    assert "no requests in the period" in text
    assert "Recoveries: no incidents in the period" in text
    assert "nobody is overdue" in text
    validate(json.loads(crm.ok("report", "--date", FIXED_DATE, "--json").stdout))


def test_html_is_written_where_asked_and_says_so(book: Crm, tmp_path: Path) -> None:
    page = tmp_path / "out" / "report.html"
    result = book.ok("report", "--date", FIXED_DATE, "--html", str(page))
    assert re.fullmatch(
        rf"wrote the report to {re.escape(str(page))} \(0\.\d MB\)\n", result.stderr
    )
    assert result.stdout.startswith("Report from 2025-11-24")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "Chart.js v4.6.1" in html and "chartjs-chart-matrix v3.1.0" in html
    # Nothing fetched when viewed: no external script, style, image or font.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html.split("<script>")[0]
    for chart in ("chart-tier", "chart-tenure", "chart-replies", "chart-recoveries"):
        assert re.search(rf'<canvas id="{chart}" role="img" aria-label="[^"]{{20,}}"', html)


def test_no_private_word_in_the_json_or_the_html(book: Crm, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    raw = book.ok("report", "--date", FIXED_DATE, "--json", "--html", str(page)).stdout
    html = page.read_text(encoding="utf-8")
    for word in PRIVATE_WORDS:
        assert word not in raw
        assert word not in html
    # The words are in the book: the test would see them if they leaked.
    history = book.ok("history", "alba", "--json", "--include-private").stdout
    assert all(word in history for word in PRIVATE_WORDS[1:])


def test_no_note_of_the_demo_book_in_its_report(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = use_demo_book(crm, tmp_path, monkeypatch)
    backup = json.loads(crm.ok("export", "json").stdout)
    notes = [c.get("private_note") for c in backup["clients"]] + [
        c.get("note") for c in backup["clients"]
    ]
    notes += [t.get("note") for t in backup["touchpoints"]] + [
        t.get("topic") for t in backup["touchpoints"]
    ]
    notes = [n for n in notes if n]
    assert len(notes) > 10
    page = tmp_path / "demo.html"
    raw = crm.ok("report", "--date", FIXED_DATE, "--json", "--html", str(page)).stdout
    html = page.read_text(encoding="utf-8")
    for note in notes:
        assert note not in raw and note not in html
        assert json.dumps(note)[1:-1] not in raw
    assert home.is_dir()


def test_show_draws_the_last_24_months(crm: Crm) -> None:
    crm.add("Dora Blu", "--since", "2020-01-01")
    for day in ("2024-12-05", "2025-06-01", "2025-06-20", "2026-11-02", "2026-11-03"):
        crm.log("dora", "call", "--date", day)
    crm.log("dora", "note", "--date", "2026-10-10")  # a note is no contact
    crm.log("dora", "call", "--date", "2024-11-30")  # before the 24 months
    lines = crm.ok("show", "dora", "--date", FIXED_DATE).stdout.splitlines()
    at = lines.index("  last contact: 2026-11-03")
    assert lines[at + 1] == (
        "  contacts:     ▄·····█················█  5 in 24 months (Dec 2024 to Nov 2026)"
    )
