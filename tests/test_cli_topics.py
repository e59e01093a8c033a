"""Topics, likes, how a client is addressed, businesses: set, shown, closed, searched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

from crm_cli.core.drafting.context import build_context
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.settings import Settings

TODAY = date.fromisoformat(FIXED_DATE)


@pytest.fixture
def anna(crm: Crm) -> Crm:
    crm.add("Anna Neri", "--email", "anna@example.com", "--since", "2020-01-01")
    return crm


def show_json(crm: Crm, ref: str) -> dict:
    return json.loads(crm.ok("show", ref, "--json", "--date", FIXED_DATE).stdout)


def test_topics_are_listed_newest_first_and_in_json(anna: Crm) -> None:
    t1 = anna.log(
        "anna", "visit", "--in", "--topic", "il viaggio a  Lisbona", "--date", "2026-11-01"
    )
    t2 = anna.log("anna", "email", "--in", "--needs-reply", "--topic", "il pane di segale")
    profile = anna.ok("show", "anna", "--date", FIXED_DATE).stdout.splitlines()
    at = profile.index("  open topics:  (newest first; 'crm topic done' closes one)")
    assert profile[at + 1 : at + 3] == [
        "    2026-11-23 «il pane di segale»",
        "    2026-11-01 «il viaggio a Lisbona»",
    ]
    assert show_json(anna, "anna")["topics"] == [
        {"id": t2, "date": "2026-11-23", "topic": "il pane di segale"},
        {"id": t1, "date": "2026-11-01", "topic": "il viaggio a Lisbona"},
    ]
    assert anna.ok("topic", "list", "anna").stdout.splitlines() == [
        "ID         DATE        TOPIC",
        f"{t2}  2026-11-23  il pane di segale",
        f"{t1}  2026-11-01  il viaggio a Lisbona",
    ]


def test_an_outbound_contact_closes_the_newest_open_topic(anna: Crm) -> None:
    anna.log("anna", "visit", "--in", "--topic", "il viaggio a Lisbona", "--date", "2026-11-01")
    trasloco = anna.log("anna", "visit", "--in", "--topic", "il trasloco", "--date", "2026-11-02")
    # An inbound message and a note close nothing.
    assert anna.ok("log", "anna", "sms", "--in", "--date", "2026-11-03").stderr == ""
    assert anna.ok("log", "anna", "note", "--date", "2026-11-03").stderr == ""
    kept = anna.ok("log", "anna", "call", "--keep-topic", "--date", "2026-11-04")
    assert kept.stderr == ""
    result = anna.ok("log", "anna", "email", "--date", "2026-11-05")
    assert result.stdout.strip() not in (trasloco, kept.stdout.strip())
    assert result.stderr == "closed topic: «il trasloco» (use --keep-topic to keep it open)\n"
    assert [t["topic"] for t in show_json(anna, "anna")["topics"]] == ["il viaggio a Lisbona"]
    assert show_json(anna, "anna")["closed_topics"] == [trasloco]
    # A topic logged with the contact itself stays open; the older one closes.
    result = anna.ok("log", "anna", "coffee", "--topic", "la mostra", "--date", "2026-11-06")
    assert result.stderr == (
        "closed topic: «il viaggio a Lisbona» (use --keep-topic to keep it open)\n"
    )
    assert [t["topic"] for t in show_json(anna, "anna")["topics"]] == ["la mostra"]


def test_a_back_dated_contact_closes_only_what_came_before_it(anna: Crm) -> None:
    anna.log("anna", "visit", "--in", "--topic", "il trasloco", "--date", "2026-11-10")
    assert anna.ok("log", "anna", "email", "--date", "2026-11-01").stderr == ""
    assert [t["topic"] for t in show_json(anna, "anna")["topics"]] == ["il trasloco"]


def test_topic_done(anna: Crm) -> None:
    for day, topic in (
        ("01", "il viaggio a Lisbona"),
        ("02", "il viaggio a Roma"),
        ("03", "Caffè"),
    ):
        anna.log("anna", "visit", "--in", "--topic", topic, "--date", f"2026-11-{day}")
    assert anna.fail("topic", "done", "anna", "viaggio") == (
        "'viaggio' matches 2 open topics of Anna Neri: «il viaggio a Roma», «il viaggio a Lisbona»"
    )
    assert anna.fail("topic", "done", "anna", "mostra") == (
        "no open topic of Anna Neri matches 'mostra' (open: «Caffè», «il viaggio a Roma», "
        "«il viaggio a Lisbona»)"
    )
    assert anna.ok("topic", "done", "anna", "LISBONA").stderr == (
        "closed topic: «il viaggio a Lisbona»\n"
    )
    assert anna.ok("topic", "done", "anna", "caffe").stderr == "closed topic: «Caffè»\n"
    assert anna.ok("topic", "done", "anna").stderr == "closed topic: «il viaggio a Roma»\n"
    assert anna.fail("topic", "done", "anna") == "Anna Neri has no open topic"
    assert "open topics" not in anna.ok("show", "anna").stdout
    assert anna.ok("topic", "list", "anna").stderr == "Anna Neri has no open topic\n"


def test_find_searches_likes_and_topics(anna: Crm) -> None:
    anna.add("Marco Ferri", "--likes", "il flat white con latte d'avena")
    run = anna.log("anna", "visit", "--in", "--topic", "la maratona di Bologna")
    lines = anna.ok("find", "maratona").stdout.splitlines()
    assert lines[1].split() == ["anna-neri", "Anna", "Neri", "topic", "of", run, "(2026-11-23)"]
    assert anna.ok("find", "avena").stdout.splitlines()[1].split() == [
        "marco-ferri",
        "Marco",
        "Ferri",
        "like",
    ]


def test_likes_and_prefers_are_kept_apart(crm: Crm) -> None:
    crm.add("Giulia Bianchi", "--likes", "il pane ai semi", "--prefers", "fattura a fine mese")
    crm.ok("edit", "giulia", "--likes", "il tè verde", "--likes", "IL PANE AI SEMI")
    rec = show_json(crm, "giulia")
    assert (rec["likes"], rec["prefers"]) == (
        ["il pane ai semi", "il tè verde"],
        ["fattura a fine mese"],
    )
    profile = crm.ok("show", "giulia").stdout
    assert "  likes:        il pane ai semi; il tè verde\n" in profile
    assert "  prefers:      fattura a fine mese   (never in messages)\n" in profile
    crm.ok("edit", "giulia", "--clear", "likes")
    assert show_json(crm, "giulia")["likes"] == []


def test_how_a_client_is_addressed(crm: Crm) -> None:
    assert crm.add("Dott.ssa Maria Grazia Fabbri", "--gender", "F") == "maria-grazia-fabbri"
    profile = crm.ok("show", "fabbri").stdout.splitlines()
    assert profile[:4] == [
        "Dott.ssa Maria Grazia Fabbri  (maria-grazia-fabbri)",
        "  title:        Dott.ssa",
        "  first name:   Maria Grazia",
        "  gender:       f",
    ]
    crm.add("王芳")
    assert "  first name:   芳" in crm.ok("show", "王芳").stdout.splitlines()
    crm.ok("edit", "王芳", "--first-name", "Fang", "--salutation", "Dear  Ms Wang")
    rec = show_json(crm, "王芳")
    assert (rec["first_name"], rec["salutation"]) == ("Fang", "Dear Ms Wang")
    crm.ok("edit", "王芳", "--clear", "first-name", "--clear", "salutation")
    assert show_json(crm, "王芳")["first_name"] is None
    assert crm.fail("edit", "fabbri", "--gender", "w") == "unknown gender 'w': use one of f, m, x"


def test_businesses_are_detected_and_can_be_corrected(crm: Crm) -> None:
    result = crm.ok(
        "add-client", "Pasticceria Fratelli Rinaldi", "--contact-person", "Marco Rinaldi"
    )
    assert result.stdout == "pasticceria-fratelli-rinaldi\n"
    assert result.stderr == (
        "added Pasticceria Fratelli Rinaldi as a business (--no-business to change)\n"
    )
    assert crm.ok("add-client", "Bassi S.r.l.", "--business").stderr == ""  # as told: no note
    assert show_json(crm, "bassi")["business"] is True
    assert crm.ok("add-client", "Bar Mario", "--no-business").stderr == ""
    assert show_json(crm, "bar-mario")["business"] is False
    assert crm.ok("add-client", "Mario Rossi").stderr == ""
    profile = crm.ok("show", "rinaldi").stdout.splitlines()
    assert profile[1] == "  business:     yes, ask for Marco Rinaldi"
    crm.ok("edit", "rinaldi", "--no-business")
    assert show_json(crm, "rinaldi")["business"] is False


def test_my_gender_is_a_validated_setting(crm: Crm, config: Path) -> None:
    config.mkdir(parents=True, exist_ok=True)
    path = config / "config.toml"
    path.write_text('my_gender = "F"\n', encoding="utf-8")
    assert 'my_gender = "f"   # set' in crm.ok("config").stdout.splitlines()
    path.write_text('my_gender = "donna"\n', encoding="utf-8")
    assert crm.fail("config") == (
        f"{path}: setting 'my_gender' must be f, m or x (or empty: unknown), not 'donna'"
    )


def test_export_client_carries_the_new_fields(anna: Crm, tmp_path: Path) -> None:
    anna.ok("edit", "anna", "--likes", "il tè verde", "--gender", "f")
    anna.log("anna", "visit", "--in", "--topic", "il trasloco")
    data = json.loads(anna.ok("export", "client", "anna").stdout)
    assert (data["client"]["likes"], data["client"]["gender"]) == (["il tè verde"], "f")
    assert data["touchpoints"][0]["topic"] == "il trasloco"


def test_the_crm_csv_brings_the_new_fields_back(crm: Crm, tmp_path: Path, monkeypatch) -> None:
    crm.add(
        "Bassi S.r.l.", "--contact-person", "Ing. Paolo Bassi", "--likes", "il tè verde",
        "--likes", "le rose", "--prefers", "fattura a fine mese",
        "--salutation", "Gentile Ing. Bassi",
    )  # fmt: skip
    crm.add("Anna Neri", "--gender", "f", "--first-name", "Annina")
    path = tmp_path / "clients.csv"
    crm.ok("export", "csv", "--out", str(path))
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "other"))
    result = crm.ok("import", "csv", str(path))
    assert result.stderr.splitlines()[-1] == (
        "added as a business: bassi ('crm edit ID --no-business' to change)"
    )
    bassi, anna = show_json(crm, "bassi"), show_json(crm, "anna")
    assert (bassi["business"], bassi["contact_person"]) == (True, "Ing. Paolo Bassi")
    assert (bassi["likes"], bassi["prefers"]) == (
        ["il tè verde", "le rose"],
        ["fattura a fine mese"],
    )
    assert bassi["salutation"] == "Gentile Ing. Bassi"
    assert (anna["gender"], anna["first_name"], anna["business"]) == ("f", "Annina", False)


def test_the_context_says_how_to_address_the_client() -> None:
    client = Client(
        id="bassi",
        name="Bassi S.r.l.",
        since=date(2020, 1, 1),
        business=True,
        contact_person="Ing. Paolo Bassi",
        likes=["il tè verde"],
        gender=None,
        closed_topics=["t1"],
    )
    tps = [
        Touchpoint("t1", "bassi", date(2026, 10, 1), "visit", "in", topic="il trasloco"),
        Touchpoint("t2", "bassi", date(2026, 11, 1), "visit", "in", topic="le vetrine"),
        Touchpoint("t3", "bassi", date(2026, 11, 2), "visit", "in", topic="segreto", private=True),
        Touchpoint("t4", "bassi", date(2026, 11, 30), "visit", "in", topic="più avanti"),
    ]
    settings = Settings(my_gender="f")
    ctx = build_context(client, tps, None, settings, TODAY, "it", "check-in", "email")
    c = ctx["client"]
    assert (c.first_name, c.family_name, c.title) == ("Paolo", "Bassi", "Ing.")
    assert (c.business, c.contact_person, c.short_name) == (True, "Ing. Paolo Bassi", "Bassi")
    assert (c.likes, c.salutation, c.gender) == (("il tè verde",), None, None)
    assert [(t.text, t.date, t.days_ago) for t in ctx["topics"]] == [
        ("le vetrine", date(2026, 11, 1), 22)
    ]
    assert ctx["me"].gender == "f"
    shared = build_context(
        Client(id="bassi", name="Bassi S.r.l.", since=date(2020, 1, 1), shared_contact=True,
               likes=["x"]),
        tps, None, Settings(), TODAY, "it", "check-in", "email",
    )  # fmt: skip
    assert (shared["topics"], shared["client"].likes, shared["me"].gender) == ((), (), None)
    person = build_context(
        Client(id="w", name="王芳", since=date(2020, 1, 1)), [], None, Settings(), TODAY, "en",
        "check-in", "email",
    )  # fmt: skip
    assert (person["client"].first_name, person["client"].family_name) == ("芳", "王")
    assert person["client"].short_name == "王芳"


def test_topics_survive_a_rebuild_of_the_summaries(anna: Crm) -> None:
    anna.log("anna", "visit", "--in", "--topic", "il trasloco", "--date", "2020-02-01")
    for day in range(2, 12):  # more touchpoints than a digest keeps as recent
        anna.log("anna", "note", "--note", f"n{day}", "--date", f"2020-02-{day:02d}")
    anna.ok("doctor")
    assert [t["topic"] for t in show_json(anna, "anna")["topics"]] == ["il trasloco"]


def test_the_demo_book_has_what_drafts_need(crm: Crm, tmp_path: Path, monkeypatch) -> None:
    crm.ok("demo", "--home", str(tmp_path / "d"), "--date", FIXED_DATE)
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "d"))
    clients = json.loads(crm.ok("list", "--json").stdout)
    firms = {c["id"]: c["contact_person"] for c in clients if c["business"]}
    assert firms == {"bassi": "Ing. Paolo Bassi", "forno-rinaldi": "Marco Rinaldi"}
    assert all(c["gender"] in ("f", "m") for c in clients if not c["business"])
    assert sum(bool(c["salutation"]) for c in clients) >= 4
    assert "  title:        Avv." in crm.ok("show", "ada-riva").stdout.splitlines()
    assert (
        show_json(crm, "sofia")["topics"][0]["topic"] == "il cappotto blu di lana nella taglia 42"
    )
    assert show_json(crm, "giulia")["likes"] == ["il pane ai semi del sabato"]
