"""Two-way with a phone's address book: crm's vdir, vdirsyncer, and a CardDAV server.

The end-to-end tests run real peers on 127.0.0.1: Radicale as the CardDAV server
(the phone's side: a card edited on the phone is a PUT there) and vdirsyncer
between it and the vdir crm exports to. The others check the same rules on
files alone.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, book_clients
from mailtools import radicale_server

from crm_cli.interchange.vcard import client_uid

USER, PASSWORD = "chiara", "s3cret-carddav"
SYNC_TIMEOUT = 60  # seconds for one vdirsyncer command


def card(uid: str, *lines: str, prodid: str = "-//Phone Contacts//EN") -> bytes:
    body = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:{prodid}", f"UID:{uid}", *lines, "END:VCARD"]
    return "".join(f"{line}\r\n" for line in body).encode()


def vdir_import(crm: Crm, vdir: Path, *extra: str) -> dict[str, object]:
    files = sorted(str(p) for p in vdir.glob("*.vcf"))
    result = crm.ok("import", "vcard", *files, "--date", FIXED_DATE, "--json", *extra)
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.fixture
def giulia(crm: Crm) -> None:
    crm.add(
        "Giulia Bianchi",
        "--email", "giulia@bianchi.it",
        "--phone", "+39 333 123 4567",
        "--company", "Studio Bianchi",
        "--tier", "A",
        "--every", "monthly",
        "--likes", "il pane ai semi",
    )  # fmt: skip
    crm.ok("log", "giulia", "call", "--note", "first call", "--date", FIXED_DATE)


def crm_only(home: Path, client_id: str) -> tuple[object, ...]:
    c = book_clients(home)[client_id]
    return (c.tier, c.cadence, c.likes, c.since)


# -- files alone ---------------------------------------------------------------------


@pytest.mark.usefixtures("giulia")
def test_a_card_crm_wrote_and_the_phone_edited_updates_its_client(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    vdir = tmp_path / "vdir"
    crm.ok("export", "vcard", "--out", f"{vdir}/")
    path = vdir / "giulia-bianchi.vcf"
    before = crm_only(home, "giulia-bianchi")
    # The phone: a new number, a second email, another firm, and the name as she signs.
    path.write_bytes(
        card(
            client_uid("giulia-bianchi"),
            "FN:Giulia Bianchi Verdi",
            "N:Bianchi Verdi;Giulia;;;",
            "EMAIL;TYPE=INTERNET:giulia@bianchi.it",
            "EMAIL;TYPE=INTERNET:giulia@verdi.example",
            "TEL;TYPE=CELL:+39 347 765 4321",
            "ORG:Verdi & Figli",
        )
    )
    report = vdir_import(crm, vdir)
    assert report["added"] == [] and report["merged"] == ["giulia-bianchi"]
    (client,) = book_clients(home).values()  # never a second client giulia-bianchi-2
    assert client.name == "Giulia Bianchi Verdi"
    assert client.emails == ["giulia@bianchi.it", "giulia@verdi.example"]
    assert client.phones == ["+393477654321"]  # the card wins: the old number is gone
    assert client.company == "Verdi & Figli"
    assert crm_only(home, "giulia-bianchi") == before  # what only crm keeps is untouched
    assert len(json.loads(crm.ok("history", "giulia", "--json").stdout)) == 1
    # Imported, the card is crm's to write again: in the same file, with the same UID.
    result = crm.ok("export", "vcard", "--out", f"{vdir}/")
    assert "1 cards written, 0 unchanged, 0 removed" in result.stderr
    text = path.read_bytes().decode()
    assert f"UID:{client_uid('giulia-bianchi')}\r\n" in text
    assert "PRODID:-//crm//crm-cli//EN" in text and "ORG:Verdi & Figli" in text
    assert vdir_import(crm, vdir)["merged"] == []  # and that is stable


@pytest.mark.usefixtures("giulia")
def test_a_card_edited_elsewhere_is_not_overwritten_before_it_is_imported(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    vdir = tmp_path / "vdir"
    crm.ok("export", "vcard", "--out", f"{vdir}/")
    path = vdir / "giulia-bianchi.vcf"
    edited = card(
        client_uid("giulia-bianchi"),
        "FN:Giulia Bianchi",
        "EMAIL:giulia@bianchi.it",
        "TEL;TYPE=CELL:+39 347 765 4321",
    )
    path.write_bytes(edited)
    result = crm.ok("export", "vcard", "--out", f"{vdir}/")
    assert result.stderr.splitlines()[0] == (
        f"Warning: {path} was changed elsewhere and not imported yet: left as it is "
        f"(run 'crm import vcard {path}', then export again)"
    )
    assert "0 cards written, 0 unchanged, 0 removed" in result.stderr
    assert path.read_bytes() == edited


def test_a_phone_card_with_its_own_uid_is_remembered(crm: Crm, home: Path, tmp_path: Path) -> None:
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    path = vdir / "3F2504E0-4F89-11D3-9A0C-0305E82C3301.vcf"
    uid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    path.write_bytes(card(uid, "FN:Marco Neri", "TEL;TYPE=CELL:+39 340 111 2222"))
    assert vdir_import(crm, vdir)["added"] == ["marco-neri"]
    assert book_clients(home)["marco-neri"].card_uid == uid
    # Renamed and given an email on the phone: by its UID, still the same client.
    path.write_bytes(
        card(uid, "FN:Marco Neri Rossi", "EMAIL:marco@neri.example", "TEL:+39 340 111 2222")
    )
    report = vdir_import(crm, vdir)
    assert report["added"] == [] and report["merged"] == ["marco-neri"]
    (client,) = book_clients(home).values()
    assert (client.name, client.emails) == ("Marco Neri Rossi", ["marco@neri.example"])
    # The export writes that card (its file, its UID), and adds no second one.
    result = crm.ok("export", "vcard", "--out", f"{vdir}/")
    assert "1 cards written, 0 unchanged, 0 removed" in result.stderr
    assert [p.name for p in vdir.iterdir()] == [path.name]
    assert f"UID:{uid}\r\n" in path.read_bytes().decode()
    assert "FN:Marco Neri Rossi" in path.read_bytes().decode()


def test_a_uid_merged_by_email_is_remembered_and_written_back(
    crm: Crm, home: Path, tmp_path: Path
) -> None:
    crm.add("Anna Neri", "--email", "anna@neri.it", "--tier", "B")
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    (vdir / "phone-anna.vcf").write_bytes(
        card("phone-anna", "FN:Anna Neri", "EMAIL:anna@neri.it", "TEL:+39 06 1234 5678")
    )
    report = vdir_import(crm, vdir)
    assert report["merged"] == ["anna-neri"]
    assert book_clients(home)["anna-neri"].card_uid == "phone-anna"
    crm.ok("export", "vcard", "--out", f"{vdir}/")
    assert [p.name for p in vdir.iterdir()] == ["phone-anna.vcf"]  # no anna-neri.vcf beside it
    assert "UID:phone-anna\r\n" in (vdir / "phone-anna.vcf").read_bytes().decode()
    assert book_clients(home)["anna-neri"].tier == "B"


# -- real peers: Radicale (CardDAV) and vdirsyncer --------------------------------------


def vdirsyncer_command() -> list[str] | None:
    found = shutil.which("vdirsyncer") or shutil.which(
        "vdirsyncer", path=str(Path(sys.executable).parent)
    )
    return [found] if found else None


@dataclass
class Server:
    url: str  # the address book's collection
    config: Path  # vdirsyncer's config
    vdir: Path  # the local side, where crm exports

    def request(self, method: str, href: str = "", body: bytes | None = None) -> bytes:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        if body is not None:
            headers["Content-Type"] = "text/vcard" if method == "PUT" else "application/xml"
        if method == "PROPFIND":
            headers["Depth"] = "1"
        request = urllib.request.Request(self.url + href, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 201, 204, 207), response.status
            data: bytes = response.read()
            return data

    def hrefs(self) -> list[str]:
        listing = self.request(
            "PROPFIND", body=b'<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
        )
        names = re.findall(rb"<(?:\w+:)?href>([^<]*\.vcf)</(?:\w+:)?href>", listing)
        return sorted(n.decode().rsplit("/", 1)[-1] for n in names)

    def sync(self) -> None:
        command = vdirsyncer_command()
        assert command is not None
        env = {**os.environ, "VDIRSYNCER_CONFIG": str(self.config)}
        for args in (["discover"], ["sync"]):
            done = subprocess.run(
                [*command, *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=SYNC_TIMEOUT,
                input="y\n",
            )
            assert done.returncode == 0, (args, done.stdout, done.stderr)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Radicale on 127.0.0.1 with one address book, and a vdirsyncer pair for it."""
    if vdirsyncer_command() is None and not os.environ.get("CI"):
        pytest.skip("vdirsyncer is not installed (pip install -e '.[test]')")
    with radicale_server(tmp_path, USER, PASSWORD) as port:
        vdir = tmp_path / "contacts"
        config = tmp_path / "vdirsyncer.conf"
        config.write_text(
            "[general]\n"
            f'status_path = "{tmp_path / "status"}/"\n'
            "[pair phone]\n"
            'a = "crm"\n'
            'b = "carddav"\n'
            "collections = null\n"
            "[storage crm]\n"
            'type = "filesystem"\n'
            f'path = "{vdir}/"\n'
            'fileext = ".vcf"\n'
            "[storage carddav]\n"
            'type = "carddav"\n'
            f'url = "http://127.0.0.1:{port}/{USER}/contacts/"\n'
            f'username = "{USER}"\n'
            f'password = "{PASSWORD}"\n',
            encoding="utf-8",
        )
        found = Server(f"http://127.0.0.1:{port}/{USER}/contacts/", config, vdir)
        found.request(
            "MKCOL",
            body=(
                b'<?xml version="1.0" encoding="utf-8"?>'
                b'<mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
                b"<set><prop><resourcetype><collection/><CR:addressbook/></resourcetype>"
                b"</prop></set></mkcol>"
            ),
        )
        yield found


@pytest.mark.usefixtures("giulia")
def test_two_way_with_radicale_through_vdirsyncer(crm: Crm, home: Path, server: Server) -> None:
    vdir = server.vdir
    uid = client_uid("giulia-bianchi")
    crm.ok("export", "vcard", "--out", f"{vdir}/")
    server.sync()
    (href,) = server.hrefs()
    assert f"UID:{uid}" in server.request("GET", href).decode()
    # Edited on the phone: it PUTs the card back, changed, under the same href and UID.
    server.request(
        "PUT",
        href,
        card(
            uid,
            "FN:Giulia Bianchi",
            "N:Bianchi;Giulia;;;",
            "EMAIL;TYPE=INTERNET:giulia@bianchi.it",
            "TEL;TYPE=CELL:+39 347 765 4321",
            "ORG:Verdi & Figli",
            "NOTE:Call after 6 pm",
        ),
    )
    before = crm_only(home, "giulia-bianchi")
    server.sync()
    report = vdir_import(crm, vdir)
    assert report["added"] == [] and report["merged"] == ["giulia-bianchi"]
    (client,) = book_clients(home).values()
    assert (client.phones, client.company, client.note) == (
        ["+393477654321"],
        "Verdi & Figli",
        "Call after 6 pm",
    )
    assert crm_only(home, "giulia-bianchi") == before
    # crm writes the card again (crm's own edit goes with it), and the server gets it.
    crm.ok("edit", "giulia", "--city", "Torino")
    result = crm.ok("export", "vcard", "--out", f"{vdir}/")
    assert "1 cards written" in result.stderr
    server.sync()
    assert server.hrefs() == [href]  # still one card
    on_server = server.request("GET", href).decode()
    assert "PRODID:-//crm//crm-cli//EN" in on_server
    assert "ORG:Verdi & Figli" in on_server and "Torino" in on_server
    assert f"UID:{uid}" in on_server


def test_a_card_made_on_the_phone_round_trips(crm: Crm, home: Path, server: Server) -> None:
    server.vdir.mkdir()
    uid = "b1a2c3d4-phone-made"
    server.request("PUT", "marco.vcf", card(uid, "FN:Marco Neri", "TEL;TYPE=CELL:+39 340 111 2222"))
    server.sync()
    assert vdir_import(crm, server.vdir)["added"] == ["marco-neri"]
    crm.ok("edit", "marco", "--email", "marco@neri.example")
    crm.ok("export", "vcard", "--out", f"{server.vdir}/")
    server.sync()
    assert server.hrefs() == ["marco.vcf"]  # updated, not doubled
    assert "EMAIL;TYPE=INTERNET:marco@neri.example" in server.request("GET", "marco.vcf").decode()
    # Renamed on the phone: still Marco, by the UID he came with.
    server.request("PUT", "marco.vcf", card(uid, "FN:Marco Neri Rossi", "EMAIL:marco@neri.example"))
    server.sync()
    report = vdir_import(crm, server.vdir)
    assert report["added"] == [] and report["merged"] == ["marco-neri"]
    assert [c.name for c in book_clients(home).values()] == ["Marco Neri Rossi"]
