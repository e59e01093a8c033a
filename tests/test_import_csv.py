"""crm import csv: Google Contacts (both generations), Outlook, Thunderbird and crm's own CSV.

Thunderbird's files are read in place from ../shared/samples/csv/ (MPL-2.0,
Thunderbird's test data); the Google and Outlook files in tests/data/ were
written for these tests from the programs' documented columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, book_clients, shared_sample, snapshot

DATA = Path(__file__).resolve().parent / "data"


pytestmark = pytest.mark.usefixtures("in_tmp")


def sample(name: str) -> Path:
    return shared_sample("csv/" + name)


def write(tmp_path: Path, text: str | bytes, name: str = "contacts.csv") -> str:
    (tmp_path / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return name


def imported(crm: Crm, path: Path | str, *extra: str) -> tuple[dict, str]:
    result = crm.ok("import", "csv", str(path), "--date", FIXED_DATE, "--json", *extra)
    return json.loads(result.stdout), result.stderr


# ---------------------------------------------------------------------------- Thunderbird


def test_thunderbird_export(crm: Crm, home: Path) -> None:
    path = sample("thunderbird-basic_csv_addressbook.csv")
    report, stderr = imported(crm, path)
    assert "as Thunderbird CSV" in stderr
    assert report["added"] == ["john-doe", "jane-doe"]
    got = book_clients(home)
    assert [(c.id, c.name) for c in got.values()] == [
        ("jane-doe", "Jane Doe"),
        ("john-doe", "John Doe"),
    ]
    # Thunderbird's test addresses are under .invalid, a reserved domain: left out, said so.
    assert all(c.emails == [] for c in got.values())
    reserved = (
        "The part after the @-sign is a special-use or reserved name that cannot be used "
        "with email.; imported without it"
    )
    assert report["warnings"] == [
        f"{path}: row 2: invalid email 'john@doe.invalid': {reserved}",
        f"{path}: row 3: invalid email 'jane@doe.invalid': {reserved}",
    ]
    for client in got.values():
        assert (client.phones, client.company, client.city, client.birthday, client.note) == (
            [],
            None,
            None,
            None,
            None,
        )


def test_thunderbird_semicolons(crm: Crm, home: Path) -> None:
    report, stderr = imported(crm, sample("thunderbird-csv_semicolon.csv"))
    assert "as Thunderbird CSV" in stderr
    assert sorted(c.name for c in book_clients(home).values()) == ["Jane Doe", "John Doe"]
    assert len(report["warnings"]) == 2


def test_thunderbird_fields(crm: Crm, home: Path, tmp_path: Path) -> None:
    header = (
        "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Work Phone,"
        "Home Phone,Fax Number,Pager Number,Mobile Number,Home City,Work City,Organization,"
        "Birth Year,Birth Month,Birth Day,Notes\r\n"
    )
    rows = (
        "Zoë,Bianchi,Zoë B.,,zoe@example.com,zoe@example.org,051 123 4567,,051 000 0000,,"
        '347 123 4567,,Bologna,Studio B,1985,7,9,"two\r\nlines"\r\n'
        "Luca,Verdi,,,luca@example.com,,,,,,,Parma,,,,12,25,\r\n"
    )
    imported(crm, write(tmp_path, header + rows))
    got = book_clients(home)
    zoe = got["zoe-b"]
    assert zoe.name == "Zoë B."  # the display name wins
    assert zoe.emails == ["zoe@example.com", "zoe@example.org"]
    assert zoe.phones == ["+393471234567", "+390511234567"]  # mobile first, no fax
    assert (zoe.city, zoe.company, zoe.birthday, zoe.note) == (
        "Bologna",
        "Studio B",
        "1985-07-09",
        "two\nlines",
    )
    luca = got["luca-verdi"]
    assert (luca.city, luca.birthday) == ("Parma", "--12-25")


# ------------------------------------------------------------------------ Google Contacts


def test_google_contacts_2024_export(crm: Crm, home: Path) -> None:
    report, stderr = imported(crm, DATA / "google-contacts-2024.csv")
    assert "as Google Contacts CSV" in stderr
    got = book_clients(home)
    assert sorted(got) == ["bad-data", "ferramenta-rossi", "luca-maria-verdi", "zoe-bianchi"]
    zoe = got["zoe-bianchi"]
    assert zoe.name == "Zoë Bianchi"  # the name prefix is not part of it
    assert zoe.emails == ["zoe@studiobianchi.example.com", "zoe.bianchi@example.org"]  # " ::: "
    assert zoe.phones == ["+393471234567", "+390512345678"]
    assert zoe.mobiles == ["+393471234567"]
    assert (zoe.company, zoe.city, zoe.birthday) == ("Studio Bianchi", "Bologna", "1985-07-09")
    assert zoe.note == "Met at the Cersaie fair.\nPrefers mornings."
    assert zoe.tags == ["Clients"]  # "* myContacts", "* starred": Google's own groups
    luca = got["luca-maria-verdi"]
    assert (luca.emails, luca.phones, luca.birthday, luca.tags) == (
        ["luca.verdi@example.com"],
        ["+393337654321"],
        "--12-25",
        [],
    )
    shop = got["ferramenta-rossi"]
    assert (shop.name, shop.company, shop.city, shop.tags) == (
        "Ferramenta Rossi",
        "Ferramenta Rossi",
        "Imola",
        ["Suppliers"],
    )
    bad = got["bad-data"]
    assert (bad.emails, bad.phones, bad.birthday) == ([], [], None)
    # The empty row 5 is not reported: it holds nothing.
    row6 = f"{DATA / 'google-contacts-2024.csv'}: row 6"
    assert report["warnings"] == [
        f"{row6}: invalid email 'not-an-email': An email address must have an @-sign.; "
        "imported without it",
        f"{row6}: invalid phone number '12'; imported without it",
        f"{row6}: invalid birthday '31/02/1990': use YYYY-MM-DD, MM-DD (no year), or "
        "DD/MM/YYYY; imported without it",
    ]


def test_google_contacts_2019_export(crm: Crm, home: Path) -> None:
    imported(crm, DATA / "google-contacts-2019.csv")
    got = book_clients(home)
    mario = got["mario-rossi"]
    assert mario.emails == ["mario.rossi@example.com"]
    assert mario.phones == ["+393481112222", "+393483334444"]
    assert (mario.company, mario.city, mario.birthday) == ("Rossi & Figli", "Modena", "1970-01-31")
    assert (mario.note, mario.tags) == ("Ordered the oak table.", ["Clienti"])
    anna = got["anna-neri"]
    assert anna.emails == ["ANNA.NERI@example.com"]  # the domain lower-cased, as add-client does
    assert anna.birthday == "--03-14"


def test_google_generations_are_the_same_people(crm: Crm, home: Path, tmp_path: Path) -> None:
    new = (
        "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
        "Mario,Rossi,Home,mario@example.com,Mobile,+39 347 123 4567\n"
    )
    old = (
        "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
        "Organization 1 - Name\n"
        "Mario Rossi,Mario,Rossi,* myContacts ::: Friends,* Home,mario@example.com,Rossi Srl\n"
    )
    imported(crm, write(tmp_path, new, "new.csv"))
    report, _ = imported(crm, write(tmp_path, old, "old.csv"))
    assert report["merged"] == ["mario-rossi"]
    (mario,) = book_clients(home).values()
    assert (mario.company, mario.tags, mario.phones) == (
        "Rossi Srl",
        ["Friends"],
        ["+393471234567"],
    )


# ---------------------------------------------------------------------------------- Outlook


def test_outlook_export_in_windows_1252(crm: Crm, home: Path) -> None:
    report, stderr = imported(crm, DATA / "outlook-contacts.csv")
    assert "as Outlook CSV" in stderr
    assert report["warnings"] == [
        f"{DATA / 'outlook-contacts.csv'}: line 2 not valid UTF-8: read as Windows-1252 "
        "(Latin-1); check accented letters"
    ]
    got = book_clients(home)
    francois = got["francois-dubois"]
    assert francois.name == "François Dubois"
    assert francois.emails == ["francois@cafe-dubois.example.com", "f.dubois@example.com"]
    # Mobile first, then the business phone; not the fax, not the company switchboard.
    assert francois.phones == ["+33612345678", "+33478123456"]
    assert (francois.company, francois.city) == ("Café Dubois", "Lyon")
    assert francois.birthday == "1980-03-22"  # 3/22/1980: only month/day/year makes sense
    assert francois.note == "Wants the invoice by post.\nClosed in August."
    assert francois.tags == ["Clients", "VIP"]
    giulia = got["giulia-conti"]
    assert (giulia.phones, giulia.city, giulia.birthday) == (["+390521123456"], "Parma", None)


def test_outlook_ambiguous_date_follows_the_date_order(
    crm: Crm, home: Path, tmp_path: Path, config: Path
) -> None:
    csv = 'First Name,Last Name,E-mail Address,Birthday\nAnna,Neri,anna@example.com,"3/4/1980"\n'
    imported(crm, write(tmp_path, csv))
    assert book_clients(home)["anna-neri"].birthday == "1980-04-03"  # DMY, the default
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('date_order = "MDY"\n')
    csv2 = "First Name,Last Name,E-mail Address,Birthday\nLuca,Verdi,luca@example.com,3/4/1980\n"
    imported(crm, write(tmp_path, csv2, "two.csv"))
    assert book_clients(home)["luca-verdi"].birthday == "1980-03-04"


# ---------------------------------------------------------------------- text and headers


def test_bom_and_semicolons_and_crlf(crm: Crm, home: Path, tmp_path: Path) -> None:
    text = "\ufeffDisplay Name;Primary Email\r\nZoë Bianchi;zoe@example.com\r\n"
    imported(crm, write(tmp_path, text))
    assert [c.emails for c in book_clients(home).values()] == [["zoe@example.com"]]


def test_utf16_tab_separated(crm: Crm, home: Path, tmp_path: Path) -> None:
    text = "First Name\tLast Name\tE-mail Address\r\nŁukasz\tNowak\tlukasz@example.com\r\n"
    imported(crm, write(tmp_path, text.encode("utf-16")))
    assert [c.name for c in book_clients(home).values()] == ["Łukasz Nowak"]


def test_latin1_line_in_a_utf8_file(crm: Crm, home: Path, tmp_path: Path) -> None:
    data = (
        b"Display Name,Primary Email\n"
        + "Zoë Bianchi,zoe@example.com\n".encode()
        + "André Dupont,andre@example.com\n".encode("latin-1")
    )
    report, _ = imported(crm, write(tmp_path, data))
    assert sorted(c.name for c in book_clients(home).values()) == ["André Dupont", "Zoë Bianchi"]
    assert report["warnings"] == [
        "contacts.csv: line 3 not valid UTF-8: read as Windows-1252 (Latin-1); "
        "check accented letters"
    ]


def test_unknown_header_lists_what_was_expected(crm: Crm, home: Path, tmp_path: Path) -> None:
    message = crm.fail("import", "csv", write(tmp_path, "Vorname,Nachname,E-Mail\nA,B,c@d.de\n"))
    assert message.startswith(
        "contacts.csv: cannot tell which program wrote this CSV from its header "
        "(Vorname, Nachname, E-Mail); expected the columns of crm (id, name, emails, phones...); "
        "Google Contacts (First Name, Last Name, E-mail 1 - Value, Phone 1 - Value, Labels...)"
    )
    assert "Outlook (First Name, Last Name, E-mail Address, Mobile Phone, Categories...)" in message
    assert "Thunderbird (First Name, Last Name, Display Name, Primary Email...)" in message
    assert not (home / "book.json").exists()


def test_a_missing_column(crm: Crm, tmp_path: Path) -> None:
    name = write(tmp_path, "First Name,Last Name,Display Name\nMario,Rossi,Mario Rossi\n")
    assert crm.fail("import", "csv", name).startswith(
        "contacts.csv: cannot tell which program wrote this CSV from its header "
        "(First Name, Last Name, Display Name)"
    )
    assert crm.fail("import", "csv", name, "--format", "thunderbird") == (
        "contacts.csv: not a Thunderbird CSV: it has no Primary Email column "
        "(expected First Name, Last Name, Display Name, Primary Email...)"
    )
    assert crm.fail("import", "csv", name, "--format", "google") == (
        "contacts.csv: not a Google Contacts CSV: it has no E-mail 1 - Value column "
        "(expected First Name, Last Name, E-mail 1 - Value, Phone 1 - Value, Labels...)"
    )


def test_format_option(crm: Crm, home: Path, tmp_path: Path) -> None:
    name = write(tmp_path, "First Name,Last Name,E-mail Address\nMario,Rossi,mario@example.com\n")
    crm.ok("import", "csv", name, "--format", "OUTLOOK")
    assert [c.emails for c in book_clients(home).values()] == [["mario@example.com"]]
    assert crm.fail("import", "csv", name, "--format", "excel", code=2) == (
        "unknown --format 'excel': use auto, google, outlook, thunderbird, crm, linkedin, roundcube"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "contacts.csv is empty"),
        (b"\n\n", "contacts.csv is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "contacts.csv is not a text file (it holds binary data)"),
    ],
    ids=["empty", "blank", "binary (an .xlsx)"],
)
def test_bad_files(crm: Crm, home: Path, tmp_path: Path, content: bytes, message: str) -> None:
    assert crm.fail("import", "csv", write(tmp_path, content)) == message
    assert not (home / "book.json").exists()


def test_a_header_and_no_rows(crm: Crm, home: Path, tmp_path: Path) -> None:
    result = crm.ok("import", "csv", write(tmp_path, "Display Name,Primary Email\n"))
    assert result.stderr.splitlines()[-1] == (
        "0 contacts read: 0 added, 0 merged, 0 already in the book, 0 skipped"
    )


def test_a_file_above_the_limit(crm: Crm, tmp_path: Path) -> None:
    with (tmp_path / "big.csv").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert crm.fail("import", "csv", "big.csv") == (
        "big.csv is 50.0 MB: crm imports files up to 20 MB; split it (or export it without photos)"
    )


def test_extra_cells_are_reported(crm: Crm, home: Path, tmp_path: Path) -> None:
    report, _ = imported(
        crm, write(tmp_path, "Display Name,Primary Email\nMario Rossi,m@example.com,oops\n")
    )
    assert report["warnings"] == [
        "contacts.csv: row 2 has 3 cells, the header 2: the extra cells were left out"
    ]


# ----------------------------------------------------------------- dry run and re-import


def test_dry_run_and_reimport(crm: Crm, home: Path) -> None:
    path = str(DATA / "google-contacts-2024.csv")
    result = crm.ok("import", "csv", path, "--dry-run", "--tag", "google")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["add"] * 4
    assert not (home / "book.json").exists()
    crm.ok("import", "csv", path, "--tag", "google")
    assert all("google" in c.tags for c in book_clients(home).values())
    before = snapshot(home)
    result = crm.ok("import", "csv", path, "--tag", "google")
    assert "0 added, 0 merged, 4 already in the book" in result.stderr
    assert snapshot(home) == before


def test_a_very_long_note(crm: Crm, home: Path, tmp_path: Path) -> None:
    note = "word " * 60_000  # 300 KB: more than the csv module takes by default
    imported(crm, write(tmp_path, f'Display Name,Primary Email,Notes\nMario Rossi,,"{note}"\n'))
    assert book_clients(home)["mario-rossi"].note == note.strip()
