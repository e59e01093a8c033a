"""The client commands: add-client, edit, list, show, find, archive, unarchive, forget."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from conftest import FIXED_DATE, Crm, book_bytes, book_made, book_mtime


def record(crm: Crm, client: str, *, private: bool = False) -> dict[str, Any]:
    args = ["show", client, "--json"] + (["--include-private"] if private else [])
    return json.loads(crm.ok(*args).stdout)


# --------------------------------------------------------------------------- add-client


def test_add_client_prints_the_new_id_and_nothing_else(crm: Crm) -> None:
    result = crm.ok("add-client", "Mario Rossi")
    assert result.stdout == "mario-rossi\n"
    assert result.stderr == ""


def test_add_client_with_every_option(crm: Crm) -> None:
    result = crm.ok(
        "add-client",
        "  Mario   Rossi ",
        "--email", "mario@Example.COM",
        "--email", "m.rossi@work.example",
        "--phone", "347 123 4567",
        "--phone", "+44 20 7946 0958",
        "--company", "Rossi Srl",
        "--city", "Bologna",
        "--channel", "SMS",
        "--tier", "b",
        "--tag", "vip",
        "--tag", "wine lover",
        "--every", "6 weeks",
        "--since", "2020-03-01",
        "--birthday", "1980-05-17",
        "--lang", "en",
        "--formal",
        "--prefers", "red wine",
        "--prefers", "morning calls",
        "--likes", "Barolo",
        "--likes", "  the  Sunday market ",
        "--first-name", "Marietto",
        "--salutation", "Dear Mr Rossi",
        "--gender", "M",
        "--contact-person", "  Luca  Rossi ",
        "--note", "Met at the fair",
        "--private-note", "Going through a divorce",
        "--no-email-consent",
        "--no-sms-consent",
        "--do-not-contact",
        "--shared-contact",
    )  # fmt: skip
    assert result.stdout == "mario-rossi\n"
    assert result.stderr == ""
    rec = record(crm, "mario-rossi", private=True)
    assert rec.pop("next") == []  # do not contact: nothing is planned
    assert rec == {
        "address": None,
        "anniversaries": [],
        "ims": [],
        "job_title": None,
        "nicknames": [],
        "urls": [],
        "archived": False,
        "birthday": "1980-05-17",
        "business": False,
        "cadence": "6 weeks",
        "closed_topics": [],
        "contact_person": "Luca Rossi",
        "first_name": "Marietto",
        "gender": "m",
        "likes": ["Barolo", "the Sunday market"],
        "salutation": "Dear Mr Rossi",
        "topics": [],
        "channel": "sms",
        "city": "Bologna",
        "company": "Rossi Srl",
        "do_not_contact": True,
        "email_consent": False,
        "emails": ["mario@example.com", "m.rossi@work.example"],
        "formal": True,
        "id": "mario-rossi",
        "lang": "en",
        "last_contact": None,
        "name": "Mario Rossi",
        "note": "Met at the fair",
        "phones": ["+393471234567", "+442079460958"],
        "prefers": ["red wine", "morning calls"],
        "private_note": "Going through a divorce",
        "recent": [],
        "shared_contact": True,
        "since": "2020-03-01",
        "sms_consent": False,
        "tags": ["vip", "wine lover"],
        "tier": "B",
    }


def test_add_client_defaults(crm: Crm) -> None:
    crm.add("Anna Neri")
    rec = record(crm, "anna-neri")
    assert rec["since"] == date.today().isoformat()
    assert rec["emails"] == rec["phones"] == rec["tags"] == rec["prefers"] == []
    assert rec["email_consent"] is rec["sms_consent"] is True
    assert rec["do_not_contact"] is rec["shared_contact"] is rec["archived"] is False
    assert rec["formal"] is None
    assert "private_note" not in rec


def test_informal_and_birthday_without_year(crm: Crm) -> None:
    crm.add("Anna Neri", "--informal", "--birthday", "03-14", "--lang", "IT")
    rec = record(crm, "anna")
    assert rec["formal"] is False
    assert rec["birthday"] == "--03-14"
    assert rec["lang"] == "it"


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("347 123 4567", "+393471234567"),
        ("+39 347 123 4567", "+393471234567"),
        ("0039 051 123456", "+39051123456"),
        ("051-123456", "+39051123456"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_phones_are_normalised_to_e164_with_italy_as_default(
    crm: Crm, phone: str, e164: str
) -> None:
    crm.add("Anna Neri", "--phone", phone)
    assert record(crm, "anna-neri")["phones"] == [e164]


def test_the_same_phone_twice_is_kept_once(crm: Crm) -> None:
    crm.add("Anna Neri", "--phone", "347 123 4567", "--phone", "+393471234567")
    assert record(crm, "anna-neri")["phones"] == ["+393471234567"]


def test_namesake_gets_a_warning_and_a_new_id(crm: Crm) -> None:
    assert crm.add("Mario Rossi") == "mario-rossi"
    result = crm.ok("add-client", "mario rossi")
    assert result.stdout == "mario-rossi-2\n"
    assert result.stderr == (
        "Warning: another client is called mario rossi (mario-rossi); this one is mario-rossi-2\n"
    )
    assert crm.add("Mario Rossi").endswith("-3")


def test_same_email_as_another_client_is_refused_naming_that_client(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    before = book_bytes(home)
    message = crm.fail("add-client", "Marco Bianchi", "--email", "MARIO@example.com")
    assert message == "the email MARIO@example.com belongs to Mario Rossi (mario-rossi) already"
    assert book_bytes(home) == before


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_name_is_refused(crm: Crm, home: Path, name: str) -> None:
    message = crm.fail("add-client", name)
    assert message == "the name is empty: give the client's name, e.g. 'Mario Rossi'"
    assert not book_made(home)


def test_overlong_name_is_refused(crm: Crm) -> None:
    assert crm.fail("add-client", "x" * 201) == "the name is 201 characters long: 200 at most"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("mario", "invalid email 'mario': An email address must have an @-sign."),
        ("mario@", "invalid email 'mario@': There must be something after the @-sign."),
    ],
)
def test_invalid_email_is_refused(crm: Crm, email: str, message: str) -> None:
    assert crm.fail("add-client", "Mario Rossi", "--email", email) == message


def test_invalid_email_among_valid_ones_adds_nothing(crm: Crm, home: Path) -> None:
    crm.fail("add-client", "Mario Rossi", "--email", "ok@example.com", "--email", "a b@c")
    assert not book_made(home)


@pytest.mark.parametrize("phone", ["abc", "12", "+39", "347 123 4567 999 999 999"])
def test_unparseable_phone_is_refused(crm: Crm, phone: str) -> None:
    message = crm.fail("add-client", "Mario Rossi", "--phone", phone)
    assert message == (
        f"invalid phone number '{phone}': write it as a person would dial it, "
        "e.g. '+39 347 123 4567' or '347 123 4567'"
    )


def test_unknown_contact_channel_is_refused(crm: Crm) -> None:
    message = crm.fail("add-client", "Mario Rossi", "--channel", "meeting")
    assert message == "unknown channel 'meeting': use one of email, sms, call, coffee"


def test_unknown_tier_is_refused(crm: Crm) -> None:
    assert crm.fail("add-client", "Mario", "--tier", "D") == "unknown tier 'D': use one of A, B, C"


def test_empty_tag_is_refused(crm: Crm) -> None:
    assert crm.fail("add-client", "Mario", "--tag", "vip", "--tag", "  ") == "a tag cannot be empty"


def test_unknown_language_is_refused(crm: Crm) -> None:
    assert crm.fail("add-client", "Mario", "--lang", "fr") == (
        "unknown language 'fr': use one of it, en"
    )


@pytest.mark.parametrize("option", ["--every", "--since", "--birthday"])
def test_bad_dates_and_cadences_are_refused(crm: Crm, home: Path, option: str) -> None:
    message = crm.fail("add-client", "Mario", option, "whenever")
    assert "'whenever'" in message
    assert not book_made(home)


def test_since_in_the_future_is_refused(crm: Crm) -> None:
    assert crm.fail("add-client", "Mario", "--since", "2999-01-01") == (
        "--since 2999-01-01 is in the future"
    )


def test_preferred_channel_without_the_means_warns(crm: Crm) -> None:
    result = crm.ok("add-client", "Mario Rossi", "--channel", "email")
    assert result.stdout == "mario-rossi\n"
    assert result.stderr == "Warning: Mario Rossi prefers email but has no email address on file\n"
    result = crm.ok("add-client", "Anna Neri", "--channel", "call")
    assert result.stderr == "Warning: Anna Neri prefers call but has no phone number on file\n"


@pytest.mark.parametrize(
    ("name", "expected_id"),
    [
        ("Zoë Ølund", "zoe-olund"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("王芳", "王芳"),
        ("José 🎉 García", "jose-garcia"),
        ("🎉🎉", "client"),
        ("O'Brien-Smith, Jr.", "o-brien-smith-jr"),
    ],
)
def test_names_in_any_script(crm: Crm, name: str, expected_id: str) -> None:
    assert crm.add(name) == expected_id
    rec = record(crm, expected_id)
    assert rec["name"] == name
    assert crm.ok("show", expected_id).stdout.startswith(f"{name}  ({expected_id})\n")


def test_template_syntax_is_stored_literally(crm: Crm) -> None:
    client = crm.add(
        "{{ 7*7 }} Rossi", "--note", "{% if x %}yes{% endif %}", "--company", "{{ config }}"
    )
    assert client == "7-7-rossi"
    rec = record(crm, client)
    assert rec["name"] == "{{ 7*7 }} Rossi"
    assert rec["note"] == "{% if x %}yes{% endif %}"
    assert rec["company"] == "{{ config }}"
    shown = crm.ok("show", client).stdout
    assert "{{ 7*7 }} Rossi" in shown
    assert "49" not in shown


def test_a_note_of_100000_characters_is_stored_whole(crm: Crm) -> None:
    note = ("Lorem ipsum dolor sit amet. " * 4000)[:99_999] + "!"
    assert len(note) == 100_000
    crm.add("Mario Rossi", "--note", note)
    assert record(crm, "mario-rossi")["note"] == note


# --------------------------------------------------------------------------- edit


def test_edit_changes_fields_and_keeps_the_id(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--tag", "VIP", "--tier", "A")
    result = crm.ok(
        "edit",
        "mario",
        "--name", "Mario Rossi Jr",
        "--email", "jr@example.com",
        "--phone", "347 123 4567",
        "--company", "Rossi & Figli",
        "--city", "Modena",
        "--channel", "call",
        "--tier", "c",
        "--tag", "wine",
        "--every", "monthly",
        "--since", "2019-01-01",
        "--birthday", "14/03/1985",
        "--lang", "en",
        "--informal",
        "--prefers", "espresso",
        "--note", "new note",
        "--private-note", "secret",
        "--no-email-consent",
        "--do-not-contact",
    )  # fmt: skip
    assert result.stdout == ""
    assert result.stderr == "updated mario-rossi\n"
    rec = record(crm, "mario-rossi", private=True)
    assert rec["id"] == "mario-rossi"
    assert rec["name"] == "Mario Rossi Jr"
    assert rec["emails"] == ["mario@example.com", "jr@example.com"]
    assert rec["phones"] == ["+393471234567"]
    assert (rec["company"], rec["city"], rec["channel"], rec["tier"]) == (
        "Rossi & Figli",
        "Modena",
        "call",
        "C",
    )
    assert rec["tags"] == ["VIP", "wine"]
    assert rec["cadence"] == "1 month"
    assert rec["since"] == "2019-01-01"
    assert rec["birthday"] == "1985-03-14"
    assert rec["lang"] == "en"
    assert rec["formal"] is False
    assert rec["prefers"] == ["espresso"]
    assert (rec["note"], rec["private_note"]) == ("new note", "secret")
    assert rec["email_consent"] is False
    assert rec["do_not_contact"] is True
    crm.ok("edit", "mario-rossi", "--email-consent", "--may-contact", "--shared-contact")
    rec = record(crm, "mario-rossi")
    assert (rec["email_consent"], rec["do_not_contact"], rec["shared_contact"]) == (
        True,
        False,
        True,
    )


def test_edit_removes_tags_emails_and_phones(crm: Crm) -> None:
    crm.add(
        "Mario Rossi",
        "--email", "a@example.com",
        "--email", "b@example.com",
        "--phone", "+39 347 123 4567",
        "--phone", "051 123456",
        "--tag", "Caffè",
        "--tag", "vip",
    )  # fmt: skip
    crm.ok(
        "edit",
        "mario-rossi",
        "--remove-email", "A@EXAMPLE.COM",
        "--remove-phone", "347 123 4567",
        "--remove-tag", "CAFFE",
    )  # fmt: skip
    rec = record(crm, "mario-rossi")
    assert rec["emails"] == ["b@example.com"]
    assert rec["phones"] == ["+39051123456"]
    assert rec["tags"] == ["vip"]


def test_edit_removing_what_is_not_there_is_an_error(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "a@example.com")
    before = book_bytes(home)
    assert crm.fail("edit", "mario", "--remove-email", "x@example.com") == (
        "Mario Rossi has no email 'x@example.com'"
    )
    assert crm.fail("edit", "mario", "--remove-phone", "347 000 0000") == (
        "Mario Rossi has no phone '347 000 0000'"
    )
    assert book_bytes(home) == before


def test_edit_clear_fields(crm: Crm) -> None:
    crm.add(
        "Mario Rossi",
        "--company", "Rossi Srl",
        "--every", "monthly",
        "--private-note", "secret",
        "--tag", "vip",
        "--phone", "347 123 4567",
        "--formal",
    )  # fmt: skip
    crm.ok(
        "edit",
        "mario-rossi",
        "--clear", "company",
        "--clear", "every",
        "--clear", "private_note",
        "--clear", "tags",
        "--clear", "phones",
        "--clear", "formal",
    )  # fmt: skip
    rec = record(crm, "mario-rossi", private=True)
    assert rec["company"] is rec["cadence"] is rec["private_note"] is rec["formal"] is None
    assert rec["tags"] == rec["phones"] == []


def test_edit_clear_unknown_field(crm: Crm) -> None:
    crm.add("Mario Rossi")
    message = crm.fail("edit", "mario", "--clear", "name")
    assert message.startswith("cannot clear 'name': use one of company, city, channel,")


def test_edit_with_nothing_to_change(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--tier", "A")
    before = book_mtime(home)
    result = crm.ok("edit", "mario", "--tier", "a")
    assert result.stderr == "mario-rossi: nothing changed\n"
    assert book_mtime(home) == before


def test_edit_email_taken_by_another_client(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri", "--email", "anna@example.com")
    assert crm.fail("edit", "anna", "--email", "Mario@Example.com") == (
        "the email Mario@example.com belongs to Mario Rossi (mario-rossi) already"
    )
    # Re-adding one's own address is not a conflict.
    assert crm.ok("edit", "mario", "--email", "mario@example.com").stderr == (
        "mario-rossi: nothing changed\n"
    )


def test_edit_validates_like_add_client(crm: Crm) -> None:
    crm.add("Mario Rossi")
    assert crm.fail("edit", "mario", "--name", " ") == (
        "the name is empty: give the client's name, e.g. 'Mario Rossi'"
    )
    assert crm.fail("edit", "mario", "--tier", "Z") == "unknown tier 'Z': use one of A, B, C"
    assert crm.fail("edit", "mario", "--email", "nope").startswith("invalid email 'nope'")


# --------------------------------------------------------------------------- resolving CLIENT


@pytest.fixture
def three(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@rossi.example")
    crm.add("Marta Verdi", "--email", "marta@verdi.example")
    crm.add("Zoë Ølund", "--email", "zoe@nordic.example")
    return crm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mario-rossi", "mario-rossi"),
        ("ROSSI", "mario-rossi"),
        ("zoe", "zoe-olund"),
        ("ZOË", "zoe-olund"),
        ("olund", "zoe-olund"),
        ("verdi.example", "marta-verdi"),
        ("mario@rossi", "mario-rossi"),
        ("  marta  ", "marta-verdi"),
    ],
)
def test_client_by_id_or_fragment(three: Crm, text: str, expected: str) -> None:
    assert record(three, text)["id"] == expected


def test_no_client_matches(three: Crm) -> None:
    assert three.fail("show", "giovanni") == "no client matches 'giovanni'"
    assert three.fail("log", "giovanni", "call") == "no client matches 'giovanni'"
    assert three.fail("show", "") == ("no client matches '': give an id or part of a name or email")


def test_ambiguous_fragment_lists_candidates_with_ids(three: Crm) -> None:
    assert three.fail("show", "mar") == (
        "'mar' matches 2 clients: mario-rossi (Mario Rossi), marta-verdi (Marta Verdi); use the id"
    )


def test_ambiguous_namesakes(crm: Crm) -> None:
    crm.add("Mario Rossi")
    crm.add("Mario Rossi")
    assert crm.fail("history", "mario rossi") == (
        "'mario rossi' matches 2 clients: mario-rossi (Mario Rossi), "
        "mario-rossi-2 (Mario Rossi); use the id"
    )
    assert record(crm, "mario-rossi-2")["id"] == "mario-rossi-2"


def test_ambiguous_list_is_capped(crm: Crm, home: Path) -> None:
    from crm_cli.core.models import Client
    from crm_cli.store import open_book

    with open_book(home, write=True) as book:
        for i in range(12):
            book.add_client(
                Client(id=f"anna-{i:02d}", name=f"Anna {i:02d}", since=date(2020, 1, 1))
            )
    message = crm.fail("show", "anna")
    assert message.startswith("'anna' matches 12 clients: anna-00 (Anna 00), ")
    assert message.endswith("anna-09 (Anna 09) and 2 more; use the id")


def test_a_name_typed_with_extra_spaces_still_matches(crm: Crm) -> None:
    crm.add("Mario  Rossi")  # stored as "Mario Rossi"
    crm.add("Mario Rossini")
    assert record(crm, " mario   rossi ")["id"] == "mario-rossi"


def test_a_whole_name_wins_over_longer_names(crm: Crm) -> None:
    crm.add("Mario Rossi")
    crm.add("Mario Rossini")
    assert record(crm, "mario rossi")["id"] == "mario-rossi"
    assert record(crm, "rossini")["id"] == "mario-rossini"


# --------------------------------------------------------------------------- list


def test_list_table_and_json(crm: Crm) -> None:
    crm.add("Zoë Ølund", "--tier", "A", "--tag", "Nordic", "--company", "Fjord AS")
    crm.add("anna neri", "--tier", "B", "--channel", "coffee")
    crm.log("zoe", "call", "--date", "2026-10-01")
    crm.log("zoe", "note", "--date", "2026-11-01")  # a note is not a contact
    result = crm.ok("list")
    assert result.stdout.splitlines() == [
        "ID         NAME       COMPANY   TIER  CHANNEL  LAST CONTACT",
        "anna-neri  anna neri            B     coffee   never",
        "zoe-olund  Zoë Ølund  Fjord AS  A              2026-10-01",
    ]
    data = json.loads(crm.ok("list", "--json").stdout)
    assert [c["id"] for c in data] == ["anna-neri", "zoe-olund"]
    required = {"id", "name", "emails", "phones", "company", "city", "tier", "tags"}
    required |= {"channel", "since", "last_contact"}
    for obj in data:
        assert required <= set(obj)
        assert list(obj) == sorted(obj)
        assert "private_note" not in obj
    assert data[1]["last_contact"] == "2026-10-01"
    assert data[0]["last_contact"] is None


def test_list_json_is_stable(crm: Crm) -> None:
    crm.add("Mario Rossi", "--tag", "b", "--tag", "a")
    assert crm.ok("list", "--json").stdout == crm.ok("list", "--json").stdout


def test_list_filters(crm: Crm) -> None:
    crm.add("Anna Neri", "--tier", "A", "--tag", "Caffè", "--tag", "vip")
    crm.add("Bruno Blu", "--tier", "B", "--tag", "caffe")
    crm.add("Carla Rosa", "--tier", "A")
    crm.ok("archive", "carla")

    def ids(*args: str) -> list[str]:
        return [c["id"] for c in json.loads(crm.ok("list", "--json", *args).stdout)]

    assert ids() == ["anna-neri", "bruno-blu"]
    assert ids("--tier", "a") == ["anna-neri"]
    assert ids("--tag", "CAFFE") == ["anna-neri", "bruno-blu"]
    assert ids("--tag", "caffè", "--tag", "vip") == ["anna-neri"]
    assert ids("--archived") == ["carla-rosa"]
    assert ids("--archived", "--tier", "B") == []


def test_list_unknown_tier_is_an_error(crm: Crm) -> None:
    crm.add("Anna Neri", "--tier", "A")
    assert crm.fail("list", "--tier", "D") == "unknown tier 'D': use one of A, B, C"


def test_list_of_an_empty_book(crm: Crm, home: Path) -> None:
    result = crm.ok("list")
    assert result.stdout == ""
    assert result.stderr == (
        "the book is empty: add a client with 'crm add-client NAME' or try 'crm demo'\n"
    )
    assert crm.ok("list", "--json").stdout == "[]\n"
    assert not book_made(home)  # reading never creates the book


def test_list_with_no_match_says_so_on_stderr(crm: Crm) -> None:
    crm.add("Anna Neri")
    result = crm.ok("list", "--tag", "nope")
    assert (result.stdout, result.stderr) == ("", "no clients match\n")
    result = crm.ok("list", "--archived")
    assert (result.stdout, result.stderr) == ("", "no archived clients\n")


# --------------------------------------------------------------------------- show


def test_show_profile_marks_the_private_note(crm: Crm) -> None:
    crm.add(
        "Mario Rossi",
        "--email", "mario@example.com",
        "--since", "2020-11-01",
        "--note", "likes jazz",
        "--private-note", "owes money",
        "--do-not-contact",
    )  # fmt: skip
    crm.log("mario", "call", "--date", "2026-11-20", "--note", "talked about jazz")
    crm.log("mario", "email", "--in", "--needs-reply", "--private", "--note", "health news")
    result = crm.ok("show", "mario", "--date", FIXED_DATE)
    assert result.stdout.splitlines() == [
        "Mario Rossi  (mario-rossi)",
        "  emails:       mario@example.com",
        "  client since: 2020-11-01 (6 years)",
        "  note:         likes jazz",
        "  PRIVATE note: owes money   (never shown in messages)",
        "  careful:      do not contact",
        "  last contact: 2026-11-23",
        # Both contacts in November 2026, the last of the 24 months.
        "  contacts:     ·······················█  2 in 24 months (Dec 2024 to Nov 2026)",
        "  recent:",
        "    2026-11-23 ← email   health news [needs reply, private]",
        "    2026-11-20 → call    talked about jazz",
        "  next:         nothing is planned (archived or do not contact)",
    ]


def test_show_json_never_has_private_notes_unless_asked(crm: Crm) -> None:
    crm.add("Mario Rossi", "--private-note", "owes money")
    crm.log("mario", "call", "--private", "--note", "health news")
    result = crm.ok("show", "mario", "--json")
    assert "owes money" not in result.stdout
    assert "health news" not in result.stdout
    rec = json.loads(result.stdout)
    assert "private_note" not in rec
    assert rec["recent"][0]["note"] is None
    assert rec["recent"][0]["private"] is True
    rec = record(crm, "mario", private=True)
    assert rec["private_note"] == "owes money"
    assert rec["recent"][0]["note"] == "health news"


def test_include_private_needs_json(crm: Crm) -> None:
    crm.add("Mario Rossi")
    assert crm.fail("show", "mario", "--include-private", code=2) == (
        "--include-private only applies to --json"
    )


def test_show_of_an_archived_client(crm: Crm) -> None:
    crm.add("Mario Rossi")
    crm.ok("archive", "mario")
    assert crm.ok("show", "mario-rossi").stdout.startswith("Mario Rossi  (mario-rossi)  [archived]")


# --------------------------------------------------------------------------- find


def test_find_in_every_field(crm: Crm) -> None:
    crm.add("Anna Neri", "--company", "Pasticceria Dolce")
    crm.add("Bruno Blu", "--email", "bruno@pastry.example")
    crm.add("Carla Rosa", "--tag", "Pâstisserie")
    crm.add("Dario Bo", "--private-note", "allergic to pastry")
    crm.add("Elena Su")
    visit = crm.log("elena", "visit", "--note", "asked about PASTRY classes")
    crm.add("Franco Ko", "--note", "nothing sweet")
    result = crm.ok("find", "past")
    assert result.stdout.splitlines() == [
        "ID          NAME        MATCHED IN",
        "anna-neri   Anna Neri   company",
        "bruno-blu   Bruno Blu   email",
        "carla-rosa  Carla Rosa  tag",
        "dario-bo    Dario Bo    private note",
        f"elena-su    Elena Su    touchpoint {visit} (2026-11-23)",
    ]


def test_find_nothing(crm: Crm) -> None:
    crm.add("Anna Neri")
    result = crm.ok("find", "zzz")
    assert (result.stdout, result.stderr) == ("", "nothing matches 'zzz'\n")


# --------------------------------------------------------------------------- archive


def test_archive_and_unarchive(crm: Crm) -> None:
    crm.add("Mario Rossi")
    result = crm.ok("archive", "mario")
    assert (result.stdout, result.stderr) == ("", "archived mario-rossi\n")
    assert json.loads(crm.ok("list", "--json").stdout) == []
    assert crm.fail("log", "mario", "call") == (
        "no client matches 'mario' (an archived client matches: use its id, "
        "see 'crm list --archived')"
    )
    assert crm.ok("unarchive", "mario-rossi").stderr == "unarchived mario-rossi\n"
    assert [c["id"] for c in json.loads(crm.ok("list", "--json").stdout)] == ["mario-rossi"]
    assert crm.ok("unarchive", "mario").stderr == "unarchived mario-rossi\n"  # idempotent


# --------------------------------------------------------------------------- forget


def test_forget_with_yes_erases_client_and_touchpoints(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri")
    first = crm.log("mario", "call")
    anna = crm.log("anna", "call")
    crm.log("mario", "email")
    result = crm.ok("forget", "mario", "--yes")
    assert (result.stdout, result.stderr) == (
        "",
        "forgot mario-rossi: the client and 2 touchpoints, backups included\n",
    )
    assert crm.fail("show", "mario-rossi") == "no client matches 'mario-rossi'"
    assert b"Mario" not in book_bytes(home)
    assert [t["id"] for t in json.loads(crm.ok("history", "anna", "--json").stdout)] == [anna]
    # The email is free again; the forgotten client does not come back with it.
    crm.add("Mario Rossi", "--email", "mario@example.com")
    assert crm.log("mario", "call") != first
    assert len(json.loads(crm.ok("history", "mario", "--json").stdout)) == 1


def test_forget_without_yes_and_without_a_terminal_refuses(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    before = book_bytes(home)
    assert crm.fail("forget", "mario", code=2) == (
        "forgetting mario-rossi cannot be undone: add --yes to confirm"
    )
    assert book_bytes(home) == before


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes the CliRunner's stdin look like a terminal."""
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True)


@pytest.mark.usefixtures("terminal")
def test_forget_asks_on_a_terminal(crm: Crm, home: Path) -> None:
    crm.add("Mario Rossi")
    before = book_bytes(home)
    result = crm("forget", "mario", input="n\n")
    assert result.exit_code != 0
    assert "Erase Mario Rossi (mario-rossi) and all their history, backups included?" in (
        result.stderr
    )
    assert "Erase" not in result.stdout  # (the runner echoes the typed answer to stdout)
    assert result.stderr.endswith("Error: nothing was erased\n")
    assert book_bytes(home) == before
    result = crm.ok("forget", "mario", input="y\n")
    assert "forgot mario-rossi" in result.stderr
    assert json.loads(crm.ok("list", "--json").stdout) == []


def test_forget_unknown_client(crm: Crm) -> None:
    crm.add("Mario Rossi")
    assert crm.fail("forget", "nobody", "--yes") == "no client matches 'nobody'"
