"""Property tests: any text survives JSON, the store and the CLI unchanged."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crm_cli.cli.app import app
from crm_cli.core import terms
from crm_cli.core.contacts import fold
from crm_cli.core.models import Client, Touchpoint
from crm_cli.store import open_book

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEMPLATE_BITS = st.sampled_from(["{{ 7*7 }}", "{%", "%}", "{{", "}}", "{# x #}", "{% raw %}"])
# Any unicode text (no surrogates: they cannot be UTF-8), with template syntax mixed in.
TEXT = st.lists(st.one_of(st.text(max_size=12), TEMPLATE_BITS), max_size=5).map("".join)
OPTIONAL_TEXT = st.none() | TEXT
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))

CLIENTS = st.builds(
    Client,
    id=st.text(min_size=1, max_size=40),
    name=TEXT,
    since=DATES,
    emails=st.lists(TEXT, max_size=3),
    phones=st.lists(TEXT, max_size=3),
    mobiles=st.lists(TEXT, max_size=2),
    company=OPTIONAL_TEXT,
    city=OPTIONAL_TEXT,
    channel=st.none() | st.sampled_from(["email", "sms", "call", "coffee"]),
    tier=st.none() | st.sampled_from(["A", "B", "C"]),
    tags=st.lists(TEXT, max_size=4),
    cadence=OPTIONAL_TEXT,
    birthday=OPTIONAL_TEXT,
    lang=st.none() | st.sampled_from(terms.LANGUAGES),
    formal=st.none() | st.booleans(),
    prefers=st.lists(TEXT, max_size=3),
    note=OPTIONAL_TEXT,
    private_note=OPTIONAL_TEXT,
    email_consent=st.booleans(),
    sms_consent=st.booleans(),
    do_not_contact=st.booleans(),
    shared_contact=st.booleans(),
    archived=st.booleans(),
)

TOUCHPOINTS = st.builds(
    Touchpoint,
    id=st.just(""),
    client_id=st.just("c"),
    date=DATES,
    channel=st.sampled_from(terms.LOG_CHANNELS),
    direction=st.sampled_from(["in", "out"]),
    note=OPTIONAL_TEXT,
    needs_reply=st.booleans(),
    incident=st.booleans(),
    private=st.booleans(),
    follow_up=st.none() | DATES,
)


@FAST
@given(CLIENTS)
def test_a_client_survives_json(client: Client) -> None:
    assert Client.from_dict(json.loads(json.dumps(client.to_dict()))) == client


@FAST
@given(TOUCHPOINTS.map(lambda t: replace(t, id="t7")))
def test_a_touchpoint_survives_json(tp: Touchpoint) -> None:
    assert Touchpoint.from_dict(json.loads(json.dumps(tp.to_dict()))) == tp


@settings(max_examples=40, deadline=None)
@given(st.lists(CLIENTS, min_size=1, max_size=4, unique_by=lambda c: c.id), st.lists(TOUCHPOINTS))
def test_clients_and_touchpoints_survive_the_store(
    clients: list[Client], tps: list[Touchpoint]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with open_book(home, write=True) as book:
            for client in clients:
                book.add_client(client)
            stored = [book.add_touchpoint(replace(tp, client_id=clients[0].id)) for tp in tps]
        with open_book(home) as book:
            for client in clients:
                assert book.client(client.id) == client
            by_id = {t.id: t for t in book.touchpoints(clients[0].id)}
            assert by_id == {t.id: t for t in stored}


NAMES = st.lists(
    st.one_of(st.text(min_size=1, max_size=10), TEMPLATE_BITS), min_size=1, max_size=4
).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(name=NAMES, note=TEXT)
def test_any_name_and_note_through_the_cli(name: str, note: str) -> None:
    cleaned = " ".join(name.split())
    assume(0 < len(cleaned) <= 200)
    assume("\x00" not in name)
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"CRM_HOME": f"{tmp}/home", "CRM_CONFIG": f"{tmp}/config", "CRM_DEBUG": None}
        added = runner.invoke(app, ["add-client", "--note", note, "--", name], env=env)
        assert added.exit_code == 0, added.stderr
        client_id = added.stdout.strip()
        assert client_id and client_id == client_id.strip() and "\n" not in client_id
        shown = runner.invoke(app, ["show", client_id, "--json"], env=env)
        assert shown.exit_code == 0, shown.stderr
        record = json.loads(shown.stdout)
        assert record["id"] == client_id
        assert record["name"] == cleaned
        assert record["note"] == (note if note.strip() else None)
        if fold(cleaned).strip():
            # The only client is found by its name as the user typed it.
            by_name = runner.invoke(app, ["show", "--json", "--", name], env=env)
            assert by_name.exit_code == 0, by_name.stderr
            assert json.loads(by_name.stdout)["id"] == client_id
        logged = runner.invoke(
            app, ["log", client_id, "note", "--date", "2026-11-23", "--note", note], env=env
        )
        assert logged.exit_code == 0, logged.stderr
        history = json.loads(runner.invoke(app, ["history", client_id, "--json"], env=env).stdout)
        assert history[0]["note"] == (note if note.strip() else None)
