"""Naming a client through the cache (``Book.find_client``): the choices and the error
texts of ``core.book.resolve_client``, read through the ``clients_names`` index."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

from crm_cli.core.book import resolve_client
from crm_cli.errors import CrmError
from crm_cli.store import open_book


@pytest.fixture
def book(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@rossi.example")
    crm.add("Marta Verdi", "--email", "marta@verdi.example", "--email", "mv@studio.example")
    crm.add("Zoë Ölund")
    crm.add("Anna")
    crm.add("Anna Bianchi", "--email", "anna@bianchi.example")
    crm.add("Giorgio Neri")
    crm.ok("archive", "giorgio-neri")
    return crm


def shown(crm: Crm, text: str) -> str:
    return str(json.loads(crm.ok("show", text, "--json", "--date", FIXED_DATE).stdout)["id"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mario-rossi", "mario-rossi"),  # an exact id
        ("  mario-rossi ", "mario-rossi"),
        ("giorgio-neri", "giorgio-neri"),  # an archived client, by its id
        ("ROSSI", "mario-rossi"),  # a folded fragment of a name
        ("zoe olund", "zoe-olund"),  # accents folded
        ("ÖLUND", "zoe-olund"),
        ("anna", "anna"),  # a whole name wins over longer names containing it
        ("mv@studio", "marta-verdi"),  # a fragment of a second email
        ("MARTA@VERDI.EXAMPLE", "marta-verdi"),  # a whole email
        ("bianchi.example", "anna-bianchi"),
    ],
)
def test_a_client_by_id_name_or_email(book: Crm, text: str, expected: str) -> None:
    assert shown(book, text) == expected


def test_the_errors_are_resolve_clients(book: Crm) -> None:
    assert book.fail("show", "mar") == (
        "'mar' matches 2 clients: mario-rossi (Mario Rossi), marta-verdi (Marta Verdi); use the id"
    )
    assert book.fail("draft", "example", "--date", FIXED_DATE) == (
        "'example' matches 3 clients: anna-bianchi (Anna Bianchi), mario-rossi (Mario Rossi), "
        "marta-verdi (Marta Verdi); use the id"
    )
    assert book.fail("show", "giorgio") == (
        "no client matches 'giorgio' (an archived client matches: use its id, "
        "see 'crm list --archived')"
    )
    assert book.fail("show", "nobody") == "no client matches 'nobody'"
    assert book.fail("show", " ") == "no client matches '': give an id or part of a name or email"


def test_more_than_ten_namesakes_are_counted(crm: Crm) -> None:
    for _ in range(12):
        crm.add("Luca Bruno")
    listed = ", ".join(
        f"luca-bruno{suffix} (Luca Bruno)" for suffix in ["", *(f"-{n}" for n in range(10, 13))]
    )
    assert crm.fail("show", "bruno") == (
        f"'bruno' matches 12 clients: {listed}, "
        + ", ".join(f"luca-bruno-{n} (Luca Bruno)" for n in range(2, 8))
        + " and 2 more; use the id"
    )


def test_the_same_answer_as_resolve_client_over_every_client(book: Crm, home: Path) -> None:
    book.add("Mario Rossi")  # namesakes: mario-rossi-2
    book.ok("edit", "anna", "--name", "Anna Maria")
    texts = {"", "a", "an", "o", "é", "ö", "example", "rossi", "mario rossi", "anna maria"}
    with open_book(home) as opened:
        refs = opened.client_refs()
        for ref in refs:
            words = ref.name.split()
            texts.update([ref.id, ref.name, ref.name.upper(), words[0], words[-1], *ref.emails])
            texts.update(e.split("@")[0] for e in ref.emails)

        def answer(find: object) -> tuple[str, str]:
            try:
                return ("found", find().id)  # type: ignore[operator]
            except CrmError as exc:
                return (type(exc).__name__, str(exc))

        for text in sorted(texts):
            expected = answer(lambda: resolve_client(refs, text))  # noqa: B023
            assert answer(lambda: opened.find_client(text)) == expected, text  # noqa: B023


def test_a_cache_of_an_earlier_crm_gets_the_names(book: Crm, home: Path) -> None:
    """A cache of version 4 has no ``names`` column nor its index: the next command (a
    reader too) adds them in place, without folding the device files again."""
    cache = home / "local" / "cache.sqlite3"
    db = sqlite3.connect(cache)
    db.execute("DROP INDEX clients_names")
    db.execute("ALTER TABLE clients DROP COLUMN names")
    db.execute("UPDATE meta SET v='4' WHERE k='version'")
    db.commit()
    db.close()
    db = sqlite3.connect(cache)
    token = db.execute("SELECT token FROM plan_epoch").fetchall()  # names this very file
    db.close()
    assert shown(book, "ROSSI") == "mario-rossi"
    db = sqlite3.connect(cache)
    try:
        assert db.execute("SELECT v FROM meta WHERE k='version'").fetchone() == ("5",)
        assert db.execute("SELECT token FROM plan_epoch").fetchall() == token  # not made anew
        names = dict(db.execute("SELECT id, names FROM clients"))
    finally:
        db.close()
    assert names["zoe-olund"] == "zoe olund"
    assert names["marta-verdi"] == "marta verdi\nmarta@verdi.example\nmv@studio.example"
    assert book.fail("show", "mar").startswith("'mar' matches 2 clients:")
