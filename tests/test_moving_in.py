"""Moving in (issue 15, parts 1-4): crm's CSV round trip, LinkedIn, localised Outlook,
Roundcube, --map, more of a card kept, the not-kept summary, --region and --date-order.

Fixtures written for these tests: tests/data/outlook-de-1252.csv (a German Outlook export,
``;`` and Windows-1252; its header names are Outlook's, see crm_cli/interchange/
csv_outlook_i18n.py for where they come from); the other files are written here. The
shared samples are read in place from ../shared/samples/ (licences there).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, book_clients, shared_sample

from crm_cli.core.models import Client

DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.usefixtures("in_tmp")


def write(tmp_path: Path, text: str | bytes, name: str) -> str:
    (tmp_path / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return name


def imported(crm: Crm, kind: str, path: Path | str, *extra: str) -> tuple[dict, str]:
    result = crm.ok("import", kind, str(path), "--date", FIXED_DATE, "--json", *extra)
    return json.loads(result.stdout), result.stderr


def us(config: Path) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('phone_region = "US"\n')


# ------------------------------------------------------------- crm's own CSV, both ways

CARD = """BEGIN:VCARD
VERSION:3.0
FN:Giulia Bianchi
EMAIL:giulia@example.com
TEL;TYPE=CELL:+39 347 765 4321
ORG:Studio Bianchi
TITLE:Architetta
NICKNAME:Giuli,la Bianchi
URL:https://studiobianchi.example.com
URL:https://www.linkedin.com/in/giulia-bianchi-example
ADR;TYPE=WORK:;;Via dell'Indipendenza 8;Bologna;BO;40121;Italia
item1.X-ABDATE:2015-06-20
item1.X-ABLabel:_$!<Anniversary>!$_
item2.X-ABDATE:2019-09-01
item2.X-ABLabel:studio aperto
IMPP;X-SERVICE-TYPE=Skype:skype:giulia.bianchi
X-JABBER:giulia@jabber.example.org
CATEGORIES:clienti,My Contacts,starred
END:VCARD
"""


def test_crm_csv_export_import_export_is_identical(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.add(
        "Zoë Neri", "--email", "zoe@example.com", "--tier", "A", "--every", "3 weeks",
        "--lang", "en", "--since", "2019-04-02", "--channel", "sms", "--phone", "347 123 4567",
        "--do-not-contact", "--informal", "--no-email-consent", "--date", FIXED_DATE,
    )  # fmt: skip
    crm.add(
        "Anna Rossi", "--email", "anna@example.com", "--since", "2021-01-05", "--date", FIXED_DATE
    )
    crm.ok("archive", "anna")
    crm.add(
        "Bar Sport", "--business", "--contact-person", "Luca", "--shared-contact",
        "--date", FIXED_DATE,
    )  # fmt: skip
    imported(crm, "vcard", write(tmp_path, CARD, "giulia.vcf"))
    first = tmp_path / "first.csv"
    crm.ok("export", "csv", "--out", str(first))
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "fresh"))
    report, stderr = imported(crm, "csv", first)
    assert report["added"] == ["anna-rossi", "bar-sport", "giulia-bianchi", "zoe-neri"]
    assert "not kept" not in stderr and report["not_kept"] == {}
    second = tmp_path / "second.csv"
    crm.ok("export", "csv", "--out", str(second))
    assert second.read_bytes() == first.read_bytes()
    got = book_clients(tmp_path / "fresh")
    zoe, anna = got["zoe-neri"], got["anna-rossi"]
    assert (zoe.tier, zoe.cadence, zoe.lang, zoe.channel, zoe.formal) == (
        "A", "3 weeks", "en", "sms", False,
    )  # fmt: skip
    assert (zoe.since.isoformat(), zoe.do_not_contact, zoe.email_consent) == (
        "2019-04-02",
        True,
        False,
    )
    assert (anna.archived, anna.since.isoformat()) == (True, "2021-01-05")
    assert got["bar-sport"].shared_contact and got["bar-sport"].business
    # Archived and do not contact: nothing comes back as due.
    due = json.loads(crm.ok("due", "--json", "--date", "2027-06-01").stdout)
    assert sorted({item["client_id"] for item in due}) == ["bar-sport", "giulia-bianchi"]


def test_a_card_keeps_its_new_fields_in_the_book_in_show_and_in_both_exports(
    crm: Crm, tmp_path: Path
) -> None:
    report, stderr = imported(crm, "vcard", write(tmp_path, CARD, "giulia.vcf"))
    assert report["not_kept"] == {} and "not kept" not in stderr
    shown = json.loads(crm.ok("show", "giulia", "--json", "--date", FIXED_DATE).stdout)
    assert shown["job_title"] == "Architetta"
    assert shown["nicknames"] == ["Giuli", "la Bianchi"]
    assert shown["urls"] == [
        "https://studiobianchi.example.com",
        "https://www.linkedin.com/in/giulia-bianchi-example",
    ]
    assert shown["address"] == {
        "city": "Bologna",
        "country": "Italia",
        "postcode": "40121",
        "region": "BO",
        "street": "Via dell'Indipendenza 8",
    }
    assert shown["city"] == "Bologna"
    assert shown["anniversaries"] == [
        {"date": "2015-06-20", "label": "anniversary"},
        {"date": "2019-09-01", "label": "studio aperto"},
    ]
    assert shown["ims"] == [
        {"handle": "giulia.bianchi", "service": "skype"},
        {"handle": "giulia@jabber.example.org", "service": "jabber"},
    ]
    assert shown["tags"] == ["clienti"]  # not the "My Contacts" and "starred" system groups
    listed = json.loads(crm.ok("list", "--json").stdout)
    assert listed[0]["job_title"] == "Architetta" and listed[0]["ims"] == shown["ims"]
    text = crm.ok("show", "giulia", "--date", FIXED_DATE).stdout
    assert "  job title:    Architetta\n" in text
    assert "  nicknames:    Giuli, la Bianchi\n" in text
    assert "  address:      Via dell'Indipendenza 8, 40121 Bologna, BO, Italia\n" in text
    assert (
        "  web:          https://studiobianchi.example.com, "
        "https://www.linkedin.com/in/giulia-bianchi-example\n"
    ) in text
    assert "  chat:         giulia.bianchi (skype), giulia@jabber.example.org (jabber)\n" in text
    assert "  dates:        2015-06-20 (anniversary), 2019-09-01 (studio aperto)\n" in text
    card = crm.ok("export", "vcard").stdout.replace("\r\n", "\n")
    for line in (
        "TITLE:Architetta",
        "NICKNAME:Giuli",
        "NICKNAME:la Bianchi",
        "URL:https://studiobianchi.example.com",
        "ADR:;;Via dell'Indipendenza 8;Bologna;BO;40121;Italia",
        "ITEM1.X-ABDATE:2015-06-20",
        "ITEM1.X-ABLABEL:_$!<Anniversary>!$_",
        "ITEM2.X-ABLABEL:studio aperto",
        "IMPP;X-SERVICE-TYPE=skype:skype:giulia.bianchi",
    ):
        assert f"\n{line}\n" in card
    sheet = crm.ok("export", "csv").stdout
    assert "2015-06-20 anniversary\n2019-09-01 studio aperto" in sheet
    assert "skype:giulia.bianchi\njabber:giulia@jabber.example.org" in sheet


def test_an_old_book_loads_with_the_new_fields_empty() -> None:
    old = {"id": "mario", "name": "Mario", "since": "2020-01-01", "city": "Parma"}
    client = Client.from_dict(old)
    assert (client.job_title, client.urls, client.nicknames, client.address) == (
        None,
        [],
        [],
        None,
    )
    assert (client.anniversaries, client.ims) == ([], [])
    record = client.to_dict()
    assert record["address"] is None and record["city"] == "Parma"
    with_address = Client.from_dict(
        {**old, "city": None, "address": {"street": "Via Roma 1", "city": "Parma"}}
    )
    assert with_address.city == "Parma"  # the address's city is the client's city
    assert with_address.to_dict()["address"] == {
        "city": "Parma",
        "country": None,
        "postcode": None,
        "region": None,
        "street": "Via Roma 1",
    }


# ----------------------------------------------------------------------------- LinkedIn

LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
LINKEDIN_ROWS = (
    "Giulia,Bianchi,https://www.linkedin.com/in/giulia-bianchi-example,"
    "giulia.bianchi@example.com,Studio Bianchi,Architect,03 Dec 2023\n"
    'Tom,Baker,https://www.linkedin.com/in/tom-baker-example,,"Baker & Sons, Ltd",'
    "Managing Director,15 Jan 2019\n"
)
LINKEDIN_NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    "are missing. You will only see email addresses for connections who have allowed their "
    'connections to see or download their email address."\n'
    "\n"
)


@pytest.mark.parametrize("preamble", ["", LINKEDIN_NOTES], ids=["plain", "with-notes"])
def test_linkedin_connections(crm: Crm, home: Path, tmp_path: Path, preamble: str) -> None:
    name = write(tmp_path, preamble + LINKEDIN_HEADER + LINKEDIN_ROWS, "Connections.csv")
    report, stderr = imported(crm, "csv", name)
    assert "reading Connections.csv as LinkedIn CSV" in stderr
    assert report["added"] == ["giulia-bianchi", "tom-baker"]
    assert report["warnings"] == [] and report["not_kept"] == {}
    got = book_clients(home)
    giulia, tom = got["giulia-bianchi"], got["tom-baker"]
    assert (giulia.emails, giulia.company, giulia.job_title) == (
        ["giulia.bianchi@example.com"],
        "Studio Bianchi",
        "Architect",
    )
    assert giulia.urls == ["https://www.linkedin.com/in/giulia-bianchi-example"]
    assert giulia.since.isoformat() == "2023-12-03"  # "Connected On": the day you met
    assert (tom.emails, tom.company, tom.job_title, tom.since.isoformat()) == (
        [],
        "Baker & Sons, Ltd",
        "Managing Director",
        "2019-01-15",
    )
    if preamble:  # rows are named by their line in the file
        row = json.loads(
            crm.ok("import", "csv", name, "--dry-run", "--json", "--date", FIXED_DATE).stdout
        )
        assert row["unchanged"] == ["giulia-bianchi", "tom-baker"]


def test_linkedin_row_numbers_count_the_preamble(crm: Crm, tmp_path: Path) -> None:
    rows = "Ann,Lee,,not-an-email,,,01 Feb 2020\n"
    name = write(tmp_path, LINKEDIN_NOTES + LINKEDIN_HEADER + rows, "Connections.csv")
    report, _ = imported(crm, "csv", name)
    assert report["warnings"] == [
        "Connections.csv: row 5: invalid email 'not-an-email': An email address must have "
        "an @-sign.; imported without it"
    ]


# ---------------------------------------------------------------------- localised Outlook


def test_german_outlook_in_windows_1252_with_semicolons(crm: Crm, home: Path, config: Path) -> None:
    path = DATA / "outlook-de-1252.csv"
    assert b"Stra\xdfe" in path.read_bytes()  # the fixture is Windows-1252 indeed
    report, stderr = imported(crm, "csv", path)
    assert f"reading {path} as Outlook (German) CSV" in stderr
    got = book_clients(home)
    assert sorted(got) == ["anna-weiss", "jurgen-gross"]
    jurgen = got["jurgen-gross"]
    assert (jurgen.name, jurgen.company, jurgen.job_title) == (
        "Jürgen Größ",
        "Bäckerei Größ GmbH",
        "Geschäftsführer",
    )
    assert jurgen.emails == ["juergen@baeckerei-groess.example.de"]
    assert jurgen.phones == ["+4915123456789", "+49891234567"]  # mobile first; not the fax
    assert jurgen.address == {
        "street": "Hauptstraße 12",
        "postcode": "80331",
        "region": "Bayern",
        "country": "Deutschland",
    }
    assert jurgen.city == "München"
    assert (jurgen.birthday, jurgen.tags, jurgen.note) == (
        "1970-03-22",
        ["Kunden", "Stammkunde"],
        "Bestellt jeden Freitag.",
    )
    assert jurgen.urls == ["https://baeckerei-groess.example.de"]
    assert jurgen.anniversaries == []  # Outlook's "0.0.00" is no date
    anna = got["anna-weiss"]
    assert (anna.city, anna.address) == (
        "Berlin",
        {"street": "Lindenallee 3", "postcode": "10115", "region": None, "country": None},
    )
    assert anna.phones == ["+390301234567"]  # 030... read in the book's region, with a warning
    assert report["not_kept"] == {
        'column "Anrede"': 1,
        'column "Fax geschäftlich"': 1,
        'column "Geschlecht"': 1,
    }
    assert stderr.endswith(
        'not kept: 1 \u00d7 column "Anrede", 1 \u00d7 column "Fax geschäftlich", '
        '1 \u00d7 column "Geschlecht"\n'
    )


def test_german_outlook_numbers_read_with_region(crm: Crm, home: Path) -> None:
    report, stderr = imported(crm, "csv", DATA / "outlook-de-1252.csv", "--region", "de")
    assert book_clients(home)["anna-weiss"].phones == ["+49301234567"]
    assert report["assumed"] == [] and "country code" not in stderr


FRENCH = (
    "Titre,Prénom,Deuxième prénom,Nom,Suffixe,Société,Service,Profession,Rue (bureau),"
    "Ville (bureau),Dép/Région (bureau),Code postal (bureau),Pays/Région (bureau),"
    "Télécopie (bureau),Téléphone (bureau),Tél. mobile,Anniversaire,Catégories,"
    "Adresse de messagerie,Notes,Page Web\n"
    "Mme,Élodie,,Lefèvre,,Café Lefèvre,,Gérante,12 rue de la Paix,Lyon,,69002,France,,"
    "+33 4 78 12 34 56,+33 6 12 34 56 78,22/03/1980,Clients,elodie@cafe-lefevre.example.fr,"
    "Livraison le mardi.,https://cafe-lefevre.example.fr\n"
)
ITALIAN = (
    "Titolo;Nome;Secondo nome;Cognome;Società;Qualifica;Indirizzo di lavoro;Città di lavoro;"
    "Provincia di lavoro;CAP di lavoro;Nazione/Regione di lavoro;Telefono di lavoro;"
    "Telefono mobile;Compleanno;Categorie;Indirizzo e-mail;Note\n"
    "Sig.;Marco;;Esposito;Esposito Srl;Titolare;Via Toledo 100;Napoli;NA;80134;Italia;"
    "081 123 4567;347 111 2222;5/4/1975;Clienti;marco@esposito.example.it;Paga a 30 giorni.\n"
)
SPANISH = (
    "Nombre,Segundo nombre,Apellidos,Organización,Puesto,Calle del trabajo,Ciudad de trabajo,"
    "Código postal del trabajo,País o región del trabajo,Teléfono del trabajo,Teléfono móvil,"
    "Birthday,Categorías,E-mail Address,Notes\n"
    "Lucía,,García López,García Asesores,Directora,Calle Mayor 5,Madrid,28013,España,"
    "+34 91 123 45 67,+34 612 345 678,1982-11-30,Clientes,lucia@garcia.example.es,VIP\n"
)


@pytest.mark.parametrize(
    ("language", "text", "encoding", "expected"),
    [
        (
            "French",
            FRENCH,
            "utf-8",
            ("elodie-lefevre", "Élodie Lefèvre", "Café Lefèvre", "Gérante", "Lyon", "69002"),
        ),
        (
            "Italian",
            ITALIAN,
            "cp1252",
            ("marco-esposito", "Marco Esposito", "Esposito Srl", "Titolare", "Napoli", "80134"),
        ),
        (
            "Spanish",
            SPANISH,
            "cp1252",
            (
                "lucia-garcia-lopez",
                "Lucía García López",
                "García Asesores",
                "Directora",
                "Madrid",
                "28013",
            ),
        ),
    ],
)
def test_french_italian_spanish_outlook(
    crm: Crm,
    home: Path,
    tmp_path: Path,
    language: str,
    text: str,
    encoding: str,
    expected: tuple[str, ...],
) -> None:
    name = write(tmp_path, text.encode(encoding), f"{language}.csv")
    report, stderr = imported(crm, "csv", name, "--region", "IT")
    assert f"reading {name} as Outlook ({language}) CSV" in stderr
    (client,) = book_clients(home).values()
    cid, full, company, title, city, postcode = expected
    assert (client.id, client.name, client.company, client.job_title) == (
        cid,
        full,
        company,
        title,
    )
    assert (client.city, (client.address or {}).get("postcode")) == (city, postcode)
    assert len(client.emails) == 1 and len(client.phones) == 2 and client.birthday
    assert client.tags and client.note
    assert report["not_kept"] == ({'column "Titre"': 1} if language == "French" else {}) | (
        {'column "Titolo"': 1} if language == "Italian" else {}
    )


# ----------------------------------------------------------------------------- Roundcube

ROUNDCUBE_HEADER = (
    "Display Name,Title,First Name,Middle Name,Last Name,Suffix,Nickname,Company,Department,"
    "Job Title,Email Home,Email Work,Email Other,Home Phone,Home Phone 2,Business Phone,"
    "Business Phone 2,Home Mobile,Primary Phone,Home Fax,Business Fax,Car Phone,Pager,"
    "Phone Video,Assistant's Phone,Other Phone,Home Street,Home City,Home State,Home Zip,"
    "Home Country,Business Street,Work City,Work State,Work Zip,Work Country,Other Street,"
    "Other City,Other State,Other Postal Code,Other Country/Region,Gender,Birthday,"
    "Maiden Name,Anniversary,Manager's Name,Assistant's Name,Spouse,Notes,IM Aim,IM Icq,"
    "IM Jabber,IM Msn,IM Skype,IM Yahoo,Website Blog,Website Home Page,Website Other,"
    "Website Profile,Website Work,Categories\n"
)


def test_roundcube_all_fields_keeps_all_three_emails(crm: Crm, home: Path, tmp_path: Path) -> None:
    cells = dict.fromkeys(ROUNDCUBE_HEADER.strip().split(","), "")
    cells.update(
        {
            "Display Name": "Sara Conti",
            "First Name": "Sara",
            "Last Name": "Conti",
            "Nickname": "Sarina",
            "Company": "Conti & Co",
            "Job Title": "Partner",
            "Email Home": "sara@home.example.com",
            "Email Work": "sara@conti.example.com",
            "Email Other": "sconti@example.org",
            "Home Mobile": "+39 347 000 1111",
            "Business Fax": "+39 051 000 2222",
            "Home Street": "Via Saragozza 10",
            "Home City": "Bologna",
            "Home Zip": "40123",
            "Home Country": "Italy",
            "Birthday": "1985-02-14",
            "Anniversary": "2012-09-08",
            "Spouse": "Paolo",
            "IM Skype": "sara.conti",
            "Website Home Page": "https://sara.example.com",
            "Categories": "friends",
        }
    )
    row = ",".join(f'"{v}"' for v in cells.values()) + "\n"
    report, stderr = imported(crm, "csv", write(tmp_path, ROUNDCUBE_HEADER + row, "rc.csv"))
    assert "as Roundcube CSV" in stderr
    sara = book_clients(home)["sara-conti"]
    assert sara.emails == ["sara@home.example.com", "sara@conti.example.com", "sconti@example.org"]
    assert sara.phones == ["+393470001111"]
    assert (sara.job_title, sara.nicknames, sara.urls) == (
        "Partner",
        ["Sarina"],
        ["https://sara.example.com"],
    )
    assert (sara.city, sara.address) == (
        "Bologna",
        {"street": "Via Saragozza 10", "postcode": "40123", "region": None, "country": "Italy"},
    )
    assert sara.anniversaries == [{"label": "anniversary", "date": "2012-09-08"}]
    assert sara.ims == [{"service": "skype", "handle": "sara.conti"}]
    assert (sara.birthday, sara.tags) == ("1985-02-14", ["friends"])
    assert report["not_kept"] == {'column "Business Fax"': 1, 'column "Spouse"': 1}


# ---------------------------------------------------------------------------------- --map

SHEET = (
    "Full name,E-mail 1,Mobile,Firm,Town,Fax,Met\n"
    "Carla Ferri,carla@example.com,347 222 3333,Ferri Snc,Modena,059 111 222,2018-05-04\n"
    "Dario Galli,,348 444 5555,,Reggio,,\n"
)


def test_map_reads_any_sheet(crm: Crm, home: Path, tmp_path: Path) -> None:
    name = write(tmp_path, SHEET, "clients.csv")
    mapping = "name=Full name,email=E-mail 1,phone=Mobile,company=Firm,city=Town,since=Met"
    report, stderr = imported(crm, "csv", name, "--map", mapping)
    assert "reading clients.csv with the columns of --map" in stderr
    got = book_clients(home)
    carla = got["carla-ferri"]
    assert (carla.emails, carla.phones, carla.company, carla.city) == (
        ["carla@example.com"],
        ["+393472223333"],
        "Ferri Snc",
        "Modena",
    )
    assert carla.since.isoformat() == "2018-05-04"
    assert (got["dario-galli"].phones, got["dario-galli"].since.isoformat()) == (
        ["+393484445555"],
        FIXED_DATE,
    )
    assert report["not_kept"] == {'column "Fax"': 1}
    assert stderr.endswith('not kept: 1 \u00d7 column "Fax"\n')


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("name=Nome", "--map: clients.csv has no column 'Nome' (it has Full name, E-mail 1, "
         "Mobile, Firm, Town, Fax, Met)"),
        ("nmae=Full name", "--map: unknown field 'nmae': use name, first_name, last_name, "
         "email, phone, company, job_title, city, street, postcode, region, country, birthday, "
         "anniversary, since, note, tag, url, nickname"),
        ("name", "--map: 'name' is not FIELD=COLUMN"),
        ("name=Full name,name=Firm", "--map: 'name' is given twice"),
        ("city=Town", "--map: name at least one of name, first_name, last_name, email, phone"),
    ],
)  # fmt: skip
def test_map_errors(crm: Crm, home: Path, tmp_path: Path, mapping: str, message: str) -> None:
    name = write(tmp_path, SHEET, "clients.csv")
    assert crm.fail("import", "csv", name, "--map", mapping, code=2) == message
    assert not home.exists()


def test_an_unknown_header_lists_its_columns_and_suggests_map(crm: Crm, tmp_path: Path) -> None:
    name = write(tmp_path, SHEET, "clients.csv")
    message = crm.fail("import", "csv", name)
    assert "\n" not in message
    assert message.startswith(
        "clients.csv: cannot tell which program wrote this CSV from its header "
        "(Full name, E-mail 1, Mobile, Firm, Town, Fax, Met); expected the columns of crm "
    )
    assert message.endswith(
        'or say which column is which with --map "name=COLUMN,email=COLUMN,phone=COLUMN"'
    )


# ----------------------------------------------------------------- what is not kept, said


def test_not_kept_is_counted_per_field(crm: Crm, tmp_path: Path) -> None:
    cards = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEMAIL:ada@example.com\nX-SOMETHING:1\n"
        "TEL;TYPE=FAX:+39 051 123 4567\nGEO:44.49;11.34\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Bea\nX-SOMETHING:2\nX-SOMETHING:3\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:AAAA\nEND:VCARD\n"
    )
    report, stderr = imported(crm, "vcard", write(tmp_path, cards, "two.vcf"))
    assert report["not_kept"] == {
        "GEO": 1,
        "PHOTO": 1,
        "TEL (fax or pager)": 1,
        "X-SOMETHING": 3,
    }
    assert stderr.endswith(
        "not kept: 3 \u00d7 X-SOMETHING, 1 \u00d7 GEO, 1 \u00d7 PHOTO, "
        "1 \u00d7 TEL (fax or pager)\n"
    )


def test_every_shared_sample_says_what_it_did_not_keep(crm: Crm, config: Path) -> None:
    us(config)
    folder = shared_sample("vcard/John_Doe_IPHONE.vcf").parent
    files = sorted(folder.glob("*.vcf")) + sorted((folder.parent / "vcard-more").glob("*.vcf"))
    result = crm.ok("import", "vcard", *map(str, files), "--date", FIXED_DATE, "--json")
    not_kept = json.loads(result.stdout)["not_kept"]
    assert not_kept["PHOTO"] == 9
    assert not_kept["X-ABRELATEDNAMES"] == 4  # Apple's spouse, assistant...
    assert not_kept["TEL (fax or pager)"] == 12
    assert "TITLE" not in not_kept and "URL" not in not_kept and "NICKNAME" not in not_kept
    assert "X-ABDATE" not in not_kept and "X-ICQ" not in not_kept
    assert result.stderr.splitlines()[-1].startswith(
        "not kept: 12 \u00d7 TEL (fax or pager), 12 \u00d7 X-ABLABEL, 9 \u00d7 PHOTO, "
        "4 \u00d7 ADR, 4 \u00d7 ROLE"
    )


# -------------------------------------------------------------------- regions and dates


def test_numbers_without_country_code_warn_once_with_a_count(crm: Crm, tmp_path: Path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\nVERSION:3.0\nFN:P{i}\nTEL:905-555-12{i}4\nTEL:+39 347 000 00{i}0\n"
        "END:VCARD\n"
        for i in range(3)
    )
    name = write(tmp_path, cards, "p.vcf")
    report, stderr = imported(crm, "vcard", name)
    warning = (
        "3 phone numbers without a country code read as IT (the book's region); "
        "use --region CC if they are from elsewhere"
    )
    assert report["assumed"] == [warning]
    assert stderr.count("without a country code") == 1
    assert f"Warning: {warning}\n" in stderr


def test_region_option_reads_the_numbers_there(crm: Crm, home: Path, tmp_path: Path) -> None:
    name = write(
        tmp_path, "BEGIN:VCARD\nVERSION:3.0\nFN:Pat\nTEL:905-555-1234\nEND:VCARD\n", "p.vcf"
    )
    report, stderr = imported(crm, "vcard", name, "--region", "ca")
    assert book_clients(home)["pat"].phones == ["+19055551234"]
    assert report["assumed"] == [] and "Warning" not in stderr


def test_bad_region_and_date_order(crm: Crm, tmp_path: Path) -> None:
    name = write(tmp_path, "BEGIN:VCARD\nVERSION:3.0\nFN:Pat\nEND:VCARD\n", "p.vcf")
    assert crm.fail("import", "vcard", name, "--region", "Italy", code=2) == (
        "--region must be a two-letter country code such as IT or US, not 'ITALY'"
    )
    assert crm.fail("import", "csv", name, "--date-order", "YMD", code=2) == (
        "--date-order must be DMY or MDY, not 'YMD'"
    )


AMBIGUOUS = (
    "First Name,Last Name,E-mail Address,Birthday\n"
    "Anna,Neri,anna@example.com,3/7/1984\n"
    "Luca,Verdi,luca@example.com,25/12/1980\n"
    "Ugo,Bassi,ugo@example.com,4/5/1990\n"
)


def test_ambiguous_dates_warn_once_and_date_order_decides(
    crm: Crm, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write(tmp_path, AMBIGUOUS, "b.csv")
    report, stderr = imported(crm, "csv", name)
    warning = (
        "2 dates such as 3/7/1984 read day first (DMY, the book's date order); "
        "use --date-order MDY if that is wrong"
    )
    assert report["assumed"] == [warning] and stderr.count("date order") == 1
    assert book_clients(home)["anna-neri"].birthday == "1984-07-03"
    monkeypatch.setenv("CRM_HOME", str(tmp_path / "us"))
    report, _ = imported(crm, "csv", name, "--date-order", "mdy")
    got = book_clients(tmp_path / "us")
    assert report["assumed"] == []
    assert (got["anna-neri"].birthday, got["ugo-bassi"].birthday) == ("1984-03-07", "1990-04-05")
    assert got["luca-verdi"].birthday == "1980-12-25"  # only one reading makes sense


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("BDAY:1604-03-22", "--03-22"),  # CardBook's "no year"
        ("BDAY:16040322", "--03-22"),
        ("BDAY:1900-07-04", "--07-04"),  # a phone's "no year"
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-01", "--12-01"),
        ("BDAY:1901-07-04", "1901-07-04"),
    ],
)
def test_placeholder_birth_years_are_no_year(
    crm: Crm, home: Path, tmp_path: Path, line: str, expected: str
) -> None:
    card = f"BEGIN:VCARD\nVERSION:3.0\nFN:Rita Levi\n{line}\nEND:VCARD\n"
    imported(crm, "vcard", write(tmp_path, card, "r.vcf"))
    assert book_clients(home)["rita-levi"].birthday == expected


def test_placeholder_year_in_a_csv(crm: Crm, home: Path, tmp_path: Path) -> None:
    csv = "First Name,Last Name,E-mail Address,Birthday\nRita,Levi,rita@example.com,22/03/1604\n"
    imported(crm, "csv", write(tmp_path, csv, "r.csv"))
    assert book_clients(home)["rita-levi"].birthday == "--03-22"
    shown = crm.ok("show", "rita-levi", "--date", "2027-03-20").stdout
    assert "    2027-03-22 birthday via email: birthday on 2027-03-22\n" in shown  # no age


# ------------------------------------------------------------ the samples, new fields too


def test_samples_keep_job_title_urls_nicknames_addresses_anniversaries_ims(
    crm: Crm, home: Path, config: Path
) -> None:
    us(config)
    for sample in ("vcard/John_Doe_IPHONE.vcf", "vcard-more/gmail-single.vcf"):
        imported(crm, "vcard", shared_sample(sample))
    got = book_clients(home)
    john = got["john-richter-james-doe-sr"]
    assert (john.job_title, john.nicknames, john.urls) == (
        "Money Counter",
        ["Johny"],
        ["http://www.ibm.com"],
    )
    assert (john.city, john.address) == (
        "New York",
        {
            "street": "Silicon Alley 5,",
            "postcode": "12345",
            "region": "New York",
            "country": "United States of America",
        },
    )
    greg = got["greg-dartmouth"]
    assert (greg.job_title, greg.nicknames, greg.urls) == (
        "TheJobTitle",
        ["Gman"],
        ["http://TheProfile.com"],
    )
    assert greg.anniversaries == [{"label": "anniversary", "date": "1970-06-02"}]
    assert greg.ims == [{"service": "icq", "handle": "123456789"}]
    assert greg.address == {
        "street": "123 Home St Home City, HM 12345",
        "postcode": None,
        "region": None,
        "country": None,
    }


APPLE_GROUP = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iOS 17.1//EN
N:Doe;Jane;;;
FN:Jane Doe
UID:0B5F1C3A-0000-4000-8000-000000000001
EMAIL;type=INTERNET;type=pref:jane@example.com
CATEGORIES:Suppliers
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Roe;Rick;;;
FN:Rick Roe
UID:0B5F1C3A-0000-4000-8000-000000000002
EMAIL:rick@example.com
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//AddressBook 13.0//EN
N:Clients
FN:Clients
X-ADDRESSBOOKSERVER-KIND:group
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:0B5F1C3A-0000-4000-8000-000000000001
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:0B5F1C3A-0000-4000-8000-000000000002
UID:9A9A9A9A-0000-4000-8000-0000000000FF
END:VCARD
"""


def test_apple_group_cards_become_tags_of_their_members(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    report, stderr = imported(crm, "vcard", write(tmp_path, APPLE_GROUP, "icloud.vcf"))
    got = book_clients(home)
    assert sorted(got) == ["jane-doe", "rick-roe"]  # the group is no client
    assert (got["jane-doe"].tags, got["rick-roe"].tags) == (["Suppliers", "Clients"], ["Clients"])
    assert report["skipped"] == [
        {
            "source": "icloud.vcf: card 3 (line 17)",
            "reason": "an address-book group: its 2 members get the tag 'Clients'",
        }
    ]
    assert "Warning: skipped icloud.vcf: card 3 (line 17): an address-book group" in stderr


@pytest.mark.parametrize(
    ("sample", "job_title", "urls", "nicknames", "address", "anniversaries", "ims"),
    [
        (
            "vcard/John_Doe_EVOLUTION.vcf",
            "Money Counter",
            ["http://www.ibm.com"],
            ["Johny"],
            ("15 Crescent moon drive ASB-123", "12345", "Albaney", "New York",
             "United States of America"),
            [("anniversary", "1980-03-22")],  # X-EVOLUTION-ANNIVERSARY
            [("aim", "johnny5@aol.com")],  # X-AIM
        ),
        (
            "vcard/outlook-2007.vcf",
            "TheJobTitle",
            ["http://mikeangstadt.name"],  # twice in the card (work and home): once here
            ["Mike"],
            ("222 Broadway TheOffice", "99999", "New York", "NY", "USA"),
            [("anniversary", "2012-08-01")],  # X-MS-ANNIVERSARY:20120801
            [("im", "im@aim.com")],  # X-MS-IMADDRESS
        ),
        (
            "vcard/rfc6350-example.vcf",
            None,
            ["http://nomis80.org"],
            [],
            ("2875 Laurier Suite D2-630", "G1V 2M2", "Quebec", "QC", "Canada"),
            [("anniversary", "2009-08-08")],  # ANNIVERSARY:20090808T1430-0500
            [],
        ),
        (
            "vcard-more/outlook-2003.vcf",
            "The Job Title",
            ["http://web-page-address.com"],
            ["Joey"],
            ("123 Main St TheOffice", "12345", "Austin", "TX", "United States of America"),
            [],
            [],
        ),
        (
            "vcard-more/John_Doe_MS_OUTLOOK.vcf",
            "Money Counter",
            ["http://www.ibm.com"],
            ["Johny"],
            ("Cresent moon drive", "12345", "Albaney", "New York", "United States of America"),
            [("anniversary", "2011-01-13")],
            [("im", "johny5@aol.com")],
        ),
    ],
)  # fmt: skip
def test_samples_field_by_field_new_fields(
    crm: Crm,
    home: Path,
    config: Path,
    sample: str,
    job_title: str | None,
    urls: list[str],
    nicknames: list[str],
    address: tuple[str, ...],
    anniversaries: list[tuple[str, str]],
    ims: list[tuple[str, str]],
) -> None:
    us(config)
    imported(crm, "vcard", shared_sample(sample))
    (client,) = book_clients(home).values()
    assert (client.job_title, client.urls, client.nicknames) == (job_title, urls, nicknames)
    street, postcode, city, region, country = address
    assert client.city == city
    assert client.address == {
        "street": street,
        "postcode": postcode,
        "region": region,
        "country": country,
    }
    assert [(a["label"], a["date"]) for a in client.anniversaries] == anniversaries
    assert [(i["service"], i["handle"]) for i in client.ims] == ims
