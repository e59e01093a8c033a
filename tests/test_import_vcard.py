"""crm import vcard: files that phones and mail clients wrote, mended and mapped field by field.

The samples in ../shared/samples/vcard/ (BSD, ez-vcard test data: see the
LICENSE file beside them) are read in place, never copied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXED_DATE, SHARED_SAMPLES, Crm, book_clients, shared_sample, snapshot

from crm_cli.cli import interchange
from crm_cli.core.models import Client

SAMPLES = SHARED_SAMPLES / "vcard"
NOTE_START = (
    'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY '
    "EXPRESS OR IMPLIED WARRANTIES, INCLUDING,"
)
NOTE_END = "EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE."


def sample(name: str) -> Path:
    return shared_sample("vcard/" + name)


pytestmark = pytest.mark.usefixtures("in_tmp")


def write(tmp_path: Path, text: str | bytes, name: str = "cards.vcf") -> Path:
    """The file, written in the test's directory; returned by its relative name."""
    (tmp_path / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return Path(name)


def card(*lines: str, version: str = "3.0") -> str:
    return "".join(f"{line}\r\n" for line in ("BEGIN:VCARD", f"VERSION:{version}", *lines))


def end(text: str) -> str:
    return text + "END:VCARD\r\n"


def vcard(*lines: str, version: str = "3.0") -> str:
    return end(card(*lines, version=version))


@pytest.fixture
def us(config: Path) -> None:
    """The samples are North American: read their numbers as a US user would."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('phone_region = "US"\n')


def imported(crm: Crm, *files: Path, extra: tuple[str, ...] = ()) -> dict:
    result = crm.ok("import", "vcard", *map(str, files), "--date", FIXED_DATE, "--json", *extra)
    return json.loads(result.stdout)


# -------------------------------------------------------------------- the shared samples


@pytest.mark.usefixtures("us")
def test_gmail_list_three_simple_cards(crm: Crm, home: Path) -> None:
    report = imported(crm, sample("gmail-list.vcf"))
    assert report["added"] == ["arnold-smith", "chris-beatle", "doug-white"]
    got = book_clients(home)
    assert [(c.name, c.emails) for c in got.values()] == [
        ("Arnold Smith", ["asmithk@gmail.com"]),
        ("Chris Beatle", ["chrisy55d@yahoo.com"]),
        ("Doug White", ["dwhite@gmail.com"]),
    ]
    for client in got.values():
        assert client.since.isoformat() == FIXED_DATE
        assert (client.tier, client.channel, client.phones, client.tags) == (None, None, [], [])


@pytest.mark.usefixtures("us")
def test_gmail_card_with_an_unescaped_comma_in_fn_and_labels(crm: Crm, home: Path) -> None:
    imported(crm, sample("John_Doe_GMAIL.vcf"))
    (client,) = book_clients(home).values()
    # Gmail leaves the comma in FN unescaped: the whole name is kept, not "Mr. John Richter".
    assert client.name == "Mr. John Richter, James Doe Sr."
    assert client.id == "john-richter-james-doe-sr"
    assert client.emails == ["john.doe@ibm.com"]
    assert client.phones == ["+19055551234", "+19056661234"]
    assert client.company == "IBM"
    assert client.city is None  # Gmail put the whole address in the street field
    assert client.birthday == "1980-03-22"
    assert client.tags == []
    assert client.note is not None
    assert client.note.startswith(NOTE_START)  # \" read as a quote, \, as a comma
    assert client.note.endswith(NOTE_END + "\nFavotire Color: Blue")


@pytest.mark.usefixtures("us")
def test_iphone_card_crcrlf_groups_photo_and_faxes(crm: Crm, home: Path) -> None:
    imported(crm, sample("John_Doe_IPHONE.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Mr. John Richter James Doe Sr."
    assert client.emails == ["john.doe@ibm.com"]  # item1.EMAIL: a grouped property
    # Cell, home, work and the grouped assistant number (item2.TEL); faxes and pager left out.
    assert client.phones == ["+19055551234", "+19056661234", "+19057771234", "+19052221234"]
    assert client.company == "IBM"
    assert client.city == "New York"  # the preferred (home) address
    assert client.birthday == "2012-06-06"
    assert client.note is None
    assert client.tags == []
    # The 40 KB photo is not stored anywhere.
    stored = [f for f in home.rglob("*") if f.is_file()]
    assert stored and all(b"/9j/" not in f.read_bytes() for f in stored)


@pytest.mark.usefixtures("us")
def test_mac_address_book_card(crm: Crm, home: Path) -> None:
    imported(crm, sample("John_Doe_MAC_ADDRESS_BOOK.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Mr. John Richter,James Doe Sr."  # escaped comma: as written
    assert client.emails == ["john.doe@ibm.com"]
    assert client.phones == ["+19057771234", "+19056661234", "+19055551234", "+19052221234"]
    assert (client.company, client.city, client.birthday) == ("IBM", "New York", "2012-06-06")
    assert client.note is not None
    assert client.note.startswith(NOTE_START)
    assert client.note.endswith("\nFavotire Color: Blue")


@pytest.mark.usefixtures("us")
def test_evolution_card_with_x_properties(crm: Crm, home: Path) -> None:
    imported(crm, sample("John_Doe_EVOLUTION.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Mr. John Richter, James Doe Sr."
    assert client.emails == ["john.doe@ibm.com"]
    assert client.phones == ["+19056661234", "+19055551234"]
    assert (client.company, client.city, client.birthday) == ("IBM", "Albaney", "1980-03-22")
    assert client.tags == ["VIP"]
    assert client.note is not None
    assert client.note.startswith(NOTE_START)
    assert "SERVICES; LOSS OF USE" in client.note  # \; unescaped
    assert client.note.endswith(NOTE_END)


@pytest.mark.usefixtures("us")
def test_android_21_quoted_printable_and_cards_without_names(crm: Crm, home: Path) -> None:
    result = crm.ok(
        "import", "vcard", str(sample("John_Doe_ANDROID.vcf")), "--date", FIXED_DATE, "--json"
    )
    report = json.loads(result.stdout)
    assert len(report["added"]) == 6 and report["skipped"] == []
    got = book_clients(home)
    # Cards 1 and 2 have no name at all: named after their email.
    john = got["john-doe-company-com"]
    assert (john.name, john.emails, john.tags) == (
        "john.doe@company.com",
        ["john.doe@company.com"],
        [],  # "My Contacts": Android's system group, not a tag of the user's
    )
    assert got["jane-doe-company-com"].emails == ["jane.doe@company.com"]
    # Quoted-printable UTF-8 names, soft line breaks included.
    five = got["n-n-n-n-n"]
    assert five.name == "Ñ Ñ Ñ Ñ Ñ"
    assert five.phones == []  # 123456789 is no US number: left out, with a warning
    eleven = got["n-n-n-n-n-n-n-n-n-n-n"]
    assert eleven.name == " ".join(["Ñ"] * 11)
    assert eleven.phones == ["+13456789"]  # what libphonenumber makes of 3456789 in the US
    one_note = "Ñ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ"
    assert eleven.note == f"{one_note}\n{one_note}"  # two NOTE lines, both kept
    bob = got["n-n-n-n"]
    assert bob.name == "Ñ Ñ Ñ Ñ"
    assert bob.emails == ["bob@company.com"]  # the second EMAIL is no address: left out
    assert bob.company == "Ñ" * 12
    assert bob.tags == []
    henry = got["nnnn"]
    assert (henry.name, henry.emails, henry.company) == ("ÑÑÑÑ", ["henry@company.com"], "Ñ" * 44)
    warnings = report["warnings"]
    assert any("card 3 (line 11): invalid phone number '123456789'" in w for w in warnings)
    assert any("card 5 (line 36): invalid email 'ÑÑÑÑ" in w for w in warnings)
    # A stray byte (=80) after a soft break: the line falls back to Windows-1252, named.
    assert any("card 6 (line 71): line 82 not valid UTF-8" in w for w in warnings)


@pytest.mark.usefixtures("us")
def test_outlook_2007_card(crm: Crm, home: Path) -> None:
    imported(crm, sample("outlook-2007.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Mr. Michael Angstadt Jr."
    assert client.emails == ["mike.angstadt@gmail.com"]
    # Work, home and cell voice numbers; the fax and X-MS-TEL are not TEL lines we keep.
    assert client.phones == ["+11115551111", "+11115552222", "+11115554444"]
    assert (client.company, client.city, client.birthday) == (
        "TheCompany",
        "New York",
        "1922-03-10",  # BDAY:19220310, the basic ISO form
    )
    assert client.note == (
        "This is the NOTE field\t\nI assume it encodes this text inside a NOTE vCard type.\n"
        "But I'm not sure because there's text formatting going on here.\n"
        "It does not preserve the formatting"
    )


@pytest.mark.usefixtures("us")
def test_rfc6350_vcard4_tel_uri_and_birthday_without_year(crm: Crm, home: Path) -> None:
    imported(crm, sample("rfc6350-example.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Simon Perreault"
    assert client.emails == ["simon.perreault@viagenie.ca"]
    assert client.phones == ["+14186569254", "+14182626501"]  # tel: URIs, the ;ext= dropped
    assert (client.company, client.city) == ("Viagenie", "Quebec")
    assert client.birthday == "--02-03"  # BDAY:--0203


@pytest.mark.usefixtures("us")
def test_all_samples_at_once_merge_the_same_person(crm: Crm, home: Path) -> None:
    files = sorted(SAMPLES.glob("*.vcf")) if SAMPLES.is_dir() else []
    if not files:
        pytest.skip(f"shared samples absent: {SAMPLES}")
    report = imported(crm, *files)
    got = book_clients(home)
    # Evolution, Gmail, iPhone and Mac hold the same John Doe (one email): one client.
    assert len(got) == 12
    john = got["john-richter-james-doe-sr"]
    assert john.name == "Mr. John Richter, James Doe Sr."  # the first file's, never overwritten
    assert john.phones == ["+19056661234", "+19055551234", "+19057771234", "+19052221234"]
    assert john.tags == ["VIP"]
    assert report["merged"] == ["john-richter-james-doe-sr"]
    assert len(report["unchanged"]) == 1
    before = snapshot(home)
    again = imported(crm, *files)
    assert again["added"] == again["merged"] == []
    assert snapshot(home) == before  # not even rewritten: no new backup


# ------------------------------------------------------------------------ real-world text


@pytest.mark.parametrize(
    "newline", [b"\r\n", b"\n", b"\r", b"\r\r\n"], ids=["crlf", "lf", "cr", "crcrlf"]
)
def test_any_line_ending(crm: Crm, home: Path, tmp_path: Path, newline: bytes) -> None:
    text = vcard(
        "FN:Zoë Rossi",
        "NOTE:first line\\nsecond line that is long enough to be folded by the writer of ",
        " this card",
        "EMAIL:zoe@example.com",
    )
    write(tmp_path, text.encode().replace(b"\r\n", newline))
    imported(crm, Path("cards.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Zoë Rossi"
    assert client.note == (
        "first line\nsecond line that is long enough to be folded by the writer of this card"
    )


def test_quoted_printable_in_a_declared_charset(crm: Crm, home: Path, tmp_path: Path) -> None:
    text = vcard(
        "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Bianchi;Zo=EB;;;",
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Prima riga=0D=0Aseconda =",
        "riga, caff=C3=A8",
        "TEL;CELL:347 123 4567",
        version="2.1",
    )
    write(tmp_path, text)
    imported(crm, Path("cards.vcf"))
    (client,) = book_clients(home).values()
    assert client.name == "Zoë Bianchi"  # no FN: from N (given, family)
    assert client.note == "Prima riga\nseconda riga, caffè"
    assert client.phones == ["+393471234567"]  # the default region: Italy
    assert client.mobiles == ["+393471234567"]


def test_latin1_bytes_in_a_utf8_file(crm: Crm, home: Path, tmp_path: Path) -> None:
    good = vcard("FN:Zoë Bianchi", "EMAIL:zoe@example.com").encode()
    bad = vcard("FN:Andr\xe9 Dupont", "EMAIL:andre@example.com").encode("latin-1")
    write(tmp_path, good + bad)
    report = imported(crm, Path("cards.vcf"))
    assert sorted(c.name for c in book_clients(home).values()) == ["André Dupont", "Zoë Bianchi"]
    assert report["warnings"] == [
        "cards.vcf: card 2 (line 6): line 8 not valid UTF-8: read as Windows-1252 (Latin-1); "
        "check accented letters"
    ]


def test_utf16_file_with_bom(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(tmp_path, vcard("FN:Łukasz Nowak").encode("utf-16"))
    imported(crm, Path("cards.vcf"))
    assert [c.name for c in book_clients(home).values()] == ["Łukasz Nowak"]


def test_grouped_properties_tel_uri_and_categories(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(
        tmp_path,
        vcard(
            "FN:Anna Neri",
            "item1.EMAIL;type=INTERNET:anna@example.com",
            "item1.X-ABLabel:_$!<Other>!$_",
            "TEL;VALUE=uri;TYPE=cell:tel:+39-333-765-4321",
            "TEL;TYPE=fax:+39 051 000 0000",
            "CATEGORIES:Clienti,Bologna\\, centro",
            "ORG:Neri Srl;Vendite",
            "ADR;TYPE=work:;;Via Roma 1;Imola;;;Italia",
            "ADR;TYPE=home,pref:;;Via Emilia 2;Bologna;;;Italia",
        ),
    )
    imported(crm, Path("cards.vcf"), extra=("--tag", "from phone", "--tag", "clienti"))
    (client,) = book_clients(home).values()
    assert client.emails == ["anna@example.com"]
    assert client.phones == ["+393337654321"]
    assert client.company == "Neri Srl"
    assert client.city == "Bologna"  # the preferred address
    assert client.tags == ["Clienti", "Bologna, centro", "from phone"]  # 'clienti' is Clienti


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("BDAY:1980-03-14", "1980-03-14"),
        ("BDAY:19800314", "1980-03-14"),
        ("BDAY:1980-03-14T00:00:00Z", "1980-03-14"),
        ("BDAY:--0314", "--03-14"),
        ("BDAY:--03-14", "--03-14"),
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14", "--03-14"),
        ("BDAY;VALUE=text:circa 1800", None),
        ("BDAY:2099-01-01", None),
    ],
)
def test_birthdays(crm: Crm, home: Path, tmp_path: Path, line: str, expected: str | None) -> None:
    write(tmp_path, vcard("FN:Mario Rossi", line))
    report = imported(crm, Path("cards.vcf"))
    (client,) = book_clients(home).values()
    assert client.birthday == expected
    assert bool(report["warnings"]) == (expected is None)


def test_names_from_fn_then_n_then_org_then_email(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(
        tmp_path,
        vcard("FN:  Mario   Rossi ", "N:Wrong;Name;;;")
        + vcard("N:Bianchi;Zoë;Maria;Dott.;")
        + vcard("ORG:Ferramenta Verdi", "EMAIL:info@verdi.example.com")
        + vcard("EMAIL:someone@example.com")
        + vcard("TEL:+39 347 000 1111")
        + vcard("NOTE:nothing else"),
    )
    report = imported(crm, Path("cards.vcf"))
    names = [c.name for c in book_clients(home).values()]
    assert sorted(names) == sorted(
        [
            "Mario Rossi",
            "Zoë Maria Bianchi",
            "Ferramenta Verdi",
            "someone@example.com",
            "(no name)",
        ]
    )
    assert report["skipped"] == [
        {
            "source": "cards.vcf: card 6 (line 23)",
            "reason": "no name, email or phone left to import",
        }
    ]
    assert "no-name" in report["added"]


def test_a_bad_card_is_skipped_the_rest_imports(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(
        tmp_path,
        vcard("FN:Good One")
        + vcard("FN:Broken", "this line has no colon")
        + vcard("FN:Good Two")
        + card("FN:Cut Short"),
    )
    result = crm.ok("import", "vcard", "cards.vcf", "--date", FIXED_DATE)
    assert sorted(c.name for c in book_clients(home).values()) == ["Good One", "Good Two"]
    assert (
        "Warning: skipped cards.vcf: card 2 (line 5): line 8 cannot be read: "
        "Failed to parse line: this line has no colon"
    ) in result.stderr
    assert (
        "Warning: skipped cards.vcf: card 4 (line 14): it has no END:VCARD: the file ends inside it"
    ) in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "4 contacts read: 2 added, 0 merged, 0 already in the book, 2 skipped"
    )


def test_a_card_missing_its_end_does_not_swallow_the_next(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    write(tmp_path, card("FN:No End") + vcard("FN:Next One"))
    report = imported(crm, Path("cards.vcf"))
    assert [c.name for c in book_clients(home).values()] == ["Next One"]
    assert report["skipped"][0]["reason"].startswith("it has no END:VCARD before the next card")


def test_invalid_email_and_phone_are_left_out_with_a_warning(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    write(tmp_path, vcard("FN:Mario Rossi", "EMAIL:mario@", "TEL:12", "EMAIL:mario@example.com"))
    result = crm.ok("import", "vcard", "cards.vcf")
    (client,) = book_clients(home).values()
    assert client.emails == ["mario@example.com"] and client.phones == []
    assert "cards.vcf: card 1 (line 1): invalid email 'mario@'" in result.stderr
    assert "invalid phone number '12'; imported without it" in result.stderr


# ------------------------------------------------------------------------- deduplication


def test_duplicates_within_one_file_merge(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(
        tmp_path,
        # the same email: one client, the second card adds a phone
        vcard("FN:Mario Rossi", "EMAIL:mario@example.com")
        + vcard("FN:M. Rossi", "EMAIL:MARIO@example.com", "TEL:+39 347 111 2222")
        # the same phone, no emails: one client
        + vcard("FN:Anna Neri", "TEL:+39 333 000 1111")
        + vcard("FN:Anna N.", "TEL:0039 333 000 1111", "ORG:Neri Srl")
        # the same name, no conflicting email: one client
        + vcard("FN:Zoë Bianchi")
        + vcard("FN:zoe bianchi", "EMAIL:zoe@example.com")
        # the same name but another email: a namesake, kept apart
        + vcard("FN:Zoe Bianchi", "EMAIL:other.zoe@example.com")
        # colleagues behind one switchboard number, each with their email: two people
        + vcard("FN:Luca Verdi", "EMAIL:luca@verdi.example.com", "TEL:+39 051 123 4567")
        + vcard("FN:Sara Verdi", "EMAIL:sara@verdi.example.com", "TEL:+39 051 123 4567"),
    )
    report = imported(crm, Path("cards.vcf"))
    got = book_clients(home)
    assert sorted(got) == [
        "anna-neri",
        "luca-verdi",
        "mario-rossi",
        "sara-verdi",
        "zoe-bianchi",
        "zoe-bianchi-2",
    ]
    assert got["mario-rossi"].phones == ["+393471112222"]
    assert got["mario-rossi"].name == "Mario Rossi"
    assert got["anna-neri"].company == "Neri Srl"
    assert got["zoe-bianchi"].emails == ["zoe@example.com"]
    assert got["zoe-bianchi-2"].emails == ["other.zoe@example.com"]
    assert report["added"] == [
        "mario-rossi",
        "anna-neri",
        "zoe-bianchi",
        "zoe-bianchi-2",
        "luca-verdi",
        "sara-verdi",
    ]
    assert report["merged"] == ["mario-rossi", "anna-neri", "zoe-bianchi"]


def test_merge_into_the_book_adds_and_never_overwrites(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    crm.add(
        "Mario Rossi",
        "--email",
        "mario@example.com",
        "--company",
        "Rossi & Figli",
        "--note",
        "kept",
        "--tier",
        "A",
    )
    write(
        tmp_path,
        vcard(
            "FN:Mario Rossi Senior",
            "EMAIL:mario@example.com",
            "EMAIL:m.rossi@example.org",
            "TEL:+39 347 123 4567",
            "ORG:Another Company",
            "NOTE:from the phone",
            "BDAY:1970-01-31",
            "ADR:;;;Modena;;;",
            "CATEGORIES:Clienti",
        ),
    )
    result = crm.ok("import", "vcard", "cards.vcf", "--dry-run")
    assert result.stdout.startswith(
        "merge     mario-rossi              Mario Rossi: + email m.rossi@example.org, "
        "+ phone +393471234567, + tag Clienti, + city Modena, + birthday 1970-01-31"
    )
    crm.ok("import", "vcard", "cards.vcf")
    (mario,) = book_clients(home).values()
    assert mario.name == "Mario Rossi"
    assert mario.emails == ["mario@example.com", "m.rossi@example.org"]
    assert mario.phones == mario.mobiles == ["+393471234567"]
    assert (mario.company, mario.note, mario.tier) == ("Rossi & Figli", "kept", "A")
    assert (mario.city, mario.birthday, mario.tags) == ("Modena", "1970-01-31", ["Clienti"])


def test_an_email_is_never_given_to_a_second_client(crm: Crm, home: Path, tmp_path: Path) -> None:
    crm.add("Mario Rossi", "--phone", "+39 347 123 4567")
    crm.add("Anna Neri", "--email", "anna@example.com")
    write(tmp_path, vcard("FN:Mario Rossi", "TEL:+39 347 123 4567", "EMAIL:anna@example.org"))
    write(
        tmp_path, vcard("FN:Mario Rossi", "TEL:+39 347 123 4567", "EMAIL:anna@example.com"), "b.vcf"
    )
    # Matched by phone, Mario gets the new address...
    report = imported(crm, Path("cards.vcf"))
    assert report["merged"] == ["mario-rossi"]
    # ... but an address that is Anna's makes the card Anna's (emails are unique in a
    # book; phones are not: a household shares one), and Mario keeps what he had.
    report = imported(crm, Path("b.vcf"))
    assert report["merged"] == ["anna-neri"]
    got = book_clients(home)
    assert got["mario-rossi"].emails == ["anna@example.org"]
    assert got["anna-neri"].emails == ["anna@example.com"]
    assert got["anna-neri"].phones == ["+393471234567"]


def test_merging_never_takes_another_clients_email(crm: Crm, home: Path, tmp_path: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri", "--email", "anna@example.com")
    write(tmp_path, vcard("FN:Mario Rossi", "EMAIL:mario@example.com", "EMAIL:anna@example.com"))
    report = imported(crm, Path("cards.vcf"))
    assert report["unchanged"] == ["mario-rossi"]
    assert report["warnings"] == [
        "cards.vcf: card 1 (line 1): the email anna@example.com belongs to Anna Neri "
        "(anna-neri); not added to mario-rossi"
    ]
    assert book_clients(home)["mario-rossi"].emails == ["mario@example.com"]


def test_an_ambiguous_name_is_skipped_not_guessed(crm: Crm, home: Path, tmp_path: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Mario Rossi", "--email", "mario.rossi@example.org")
    write(tmp_path, vcard("FN:Mario Rossi", "TEL:+39 347 123 4567"))
    report = imported(crm, Path("cards.vcf"))
    assert report["skipped"] == [
        {
            "source": "cards.vcf: card 1 (line 1)",
            "reason": "its name matches several clients (mario-rossi, mario-rossi-2): "
            "merge it by hand",
        }
    ]
    assert all(c.phones == [] for c in book_clients(home).values())


def test_dry_run_writes_nothing(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(tmp_path, vcard("FN:Mario Rossi") + vcard("FN:Broken", "no colon"))
    result = crm.ok("import", "vcard", "cards.vcf", "--dry-run")
    assert result.stdout.splitlines() == [
        "add       mario-rossi              Mario Rossi  (cards.vcf: card 1 (line 1))",
        "skip      cards.vcf: card 2 (line 5): line 8 cannot be read: "
        "Failed to parse line: no colon",
    ]
    assert result.stderr.splitlines()[-1] == (
        "dry run, nothing written: 2 contacts read: 1 added, 0 merged, "
        "0 already in the book, 1 skipped"
    )
    assert not (home / "book.json").exists()
    crm.add("Anna Neri")
    before = snapshot(home)
    crm.ok("import", "vcard", "cards.vcf", "--dry-run")
    assert snapshot(home) == before


def test_reimport_changes_nothing(crm: Crm, home: Path, tmp_path: Path) -> None:
    write(tmp_path, vcard("FN:Mario Rossi", "EMAIL:mario@example.com", "TEL:+39 347 123 4567"))
    crm.ok("import", "vcard", "cards.vcf", "--tag", "phone")
    before = snapshot(home)
    result = crm.ok("import", "vcard", "cards.vcf", "--tag", "phone")
    assert result.stderr.splitlines()[-1] == (
        "1 contacts read: 0 added, 0 merged, 1 already in the book, 0 skipped"
    )
    assert snapshot(home) == before


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.vcf is empty"),
        (b"\r\n  \n", "empty.vcf is empty"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "empty.vcf is not a text file (it holds binary data)",
        ),
        (b"hello, I am a letter\n", "empty.vcf holds no vCard (no BEGIN:VCARD line)"),
    ],
    ids=["empty", "blank", "binary", "no-card"],
)
def test_bad_files_are_one_error(
    crm: Crm, home: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    crm.add("Anna Neri")
    before = snapshot(home)
    good = write(tmp_path, vcard("FN:Mario Rossi"), "good.vcf")
    bad = write(tmp_path, content, "empty.vcf")
    assert crm.fail("import", "vcard", str(good), str(bad)) == message
    assert snapshot(home) == before  # the good file before it was not imported either


def test_a_file_above_the_limit_is_refused(crm: Crm, home: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.vcf"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    assert crm.fail("import", "vcard", str(big)) == (
        f"{big} is 50.0 MB: crm imports files up to 20 MB; split it (or export it without photos)"
    )
    assert not (home / "book.json").exists()


def test_missing_file_and_directory(crm: Crm, tmp_path: Path) -> None:
    assert crm.fail("import", "vcard", str(tmp_path / "nope.vcf")) == (
        f"no file {tmp_path / 'nope.vcf'}"
    )
    assert crm.fail("import", "vcard", str(tmp_path)) == f"{tmp_path} is a directory, not a file"


def test_a_failure_while_writing_leaves_the_book_as_it_was(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    before = snapshot(home)
    write(tmp_path, vcard("FN:Anna Neri") + vcard("FN:Mario", "EMAIL:mario@example.com", "ORG:X"))

    def boom(self: object, clients: list[Client]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("crm_cli.store.Book.update_clients", boom)
    result = crm("import", "vcard", "cards.vcf")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert snapshot(home) == before  # Anna, added before the failure, is not there


def test_stdin(crm: Crm, home: Path) -> None:
    crm.ok("import", "vcard", "-", input=vcard("FN:Mario Rossi"))
    assert [c.name for c in book_clients(home).values()] == ["Mario Rossi"]


# ----------------------------------------------------------------------- large imports


def many_cards(n: int) -> str:
    return "".join(
        vcard(
            f"FN:Person Number{i}",
            f"N:Number{i};Person;;;",
            f"EMAIL;TYPE=INTERNET:person{i}@example.com",
            f"TEL;TYPE=CELL:+39 347 {i:07d}",
            f"ORG:Acme {i % 50}",
            f"ADR;TYPE=HOME:;;Via Roma {i};Bologna;;;",
            f"BDAY:1980-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            f"CATEGORIES:imported,batch{i % 7}",
            f"NOTE:Met at the fair\\, stand {i}",
        )
        for i in range(n)
    )


def test_ten_thousand_cards(crm: Crm, home: Path, tmp_path: Path) -> None:
    path = write(tmp_path, many_cards(10_000))
    crm.ok("import", "vcard", str(path), "--date", FIXED_DATE)
    got = book_clients(home)
    assert len(got) == 10_000
    assert got["person-number9999"].phones == ["+393470009999"]
    before = snapshot(home)
    result = crm.ok("import", "vcard", str(path))
    assert "0 added, 0 merged, 10000 already in the book" in result.stderr
    assert snapshot(home) == before


def test_progress_bar_only_on_a_terminal(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, many_cards(250))
    result = crm.ok("import", "vcard", str(path), "--dry-run")
    assert "━" not in result.stderr and "reading" not in result.stderr  # not a terminal
    monkeypatch.setattr(interchange, "_stderr_is_terminal", lambda: True)
    result = crm.ok("import", "vcard", str(path))
    assert "250 contacts read: 250 added" in result.stderr
    assert len(book_clients(home)) == 250
