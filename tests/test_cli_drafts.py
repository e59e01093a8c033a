"""``crm draft`` and ``crm drafts``: what is printed, the files written, what is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import vobject
from conftest import FIXED_DATE, Crm, ago, shared_sample, use_demo_book

from crm_cli.core import terms

TODAY = date.fromisoformat(FIXED_DATE)  # a Monday
FRIDAY = "2026-11-27"
CHANNELS = terms.DRAFT_CHANNELS

SETTINGS = """\
my_name = "Chiara Lombardi"
signature = "Chiara — Bottega Lombardi"
email = "chiara@bottega.example"
city = "Bologna"
"""


def parse_eml(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def settings_file(config: Path) -> Path:
    config.mkdir(parents=True, exist_ok=True)
    path = config / "config.toml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


@pytest.fixture
def book(crm: Crm, settings_file: Path) -> Crm:
    """A few clients covering the channels, with a history to draft from."""
    crm.add(
        "Łukasz Żółć", "--email", "lukasz@example.pl", "--phone", "+39 347 123 4567",
        "--city", "Bologna", "--lang", "en", "--informal", "--since", ago(800),
        "--likes", "espresso, no sugar",
    )  # fmt: skip
    crm.log("lukasz", "coffee", "--date", ago(70), "--note", "Talked about the new studio")
    crm.add(
        "Giulia Bianchi", "--phone", "+39 347 111 2233", "--city", "Bologna", "--lang", "it",
        "--informal", "--since", ago(900), "--channel", "sms",
        "--likes", "il pane ai semi",
    )  # fmt: skip
    crm.log("giulia", "visit", "--in", "--date", ago(100), "--note", "Ha preso il pane ai semi")
    crm.add(
        "Pietro Gallo", "--phone", "+39 051 998 877", "--lang", "it", "--formal",
        "--since", ago(4000), "--likes", "il pane di segale",
    )  # fmt: skip
    crm.log("pietro", "visit", "--in", "--date", ago(190), "--note", "Preso il pane di segale")
    return crm


# --------------------------------------------------------------------------- crm draft: printed


def test_an_email_draft_is_printed_with_a_mailto_link(book: Crm) -> None:
    result = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE)
    lines = result.stdout.splitlines()
    assert lines[0] == "To: Łukasz Żółć <lukasz@example.pl>"
    assert lines[1].startswith("Subject: ")
    subject = lines[1].removeprefix("Subject: ")
    assert lines[2] == ""
    assert lines[3] == "Hi Łukasz,"
    assert "Chiara — Bottega Lombardi" in lines
    assert lines[-2] == ""
    link = lines[-1]
    assert link.startswith("mailto:lukasz@example.pl?subject=")
    assert "+" not in link and " " not in link  # RFC 6068: %20, never "+"
    assert "%20" in link
    assert "%0D%0A%0D%0A" in link  # the paragraph break after the greeting
    assert "%0A" not in link.replace("%0D%0A", "")  # every line break is CRLF
    query = link.split("?", 1)[1]
    fields = dict(part.split("=", 1) for part in query.split("&"))
    assert unquote(fields["subject"]) == subject
    body = "\n".join(lines[3:-2])
    assert unquote(fields["body"]) == body.replace("\n", "\r\n")
    assert result.stderr == ""


def test_an_sms_draft_is_printed_with_an_sms_link(book: Crm) -> None:
    result = book.ok("draft", "giulia", "--channel", "sms", "--date", FIXED_DATE)
    text, _, link = result.stdout.rstrip("\n").rpartition("\n\n")
    assert text.startswith("Ciao Giulia")
    assert "Subject:" not in text and "To:" not in text
    assert link.startswith("sms:+393471112233?body=Ciao%20Giulia")
    assert unquote(link.split("?body=", 1)[1]) == text
    assert result.stderr.startswith("SMS: GSM-7, 1 segment (")
    assert result.stderr.endswith("/160 characters)\n")


def test_a_call_sheet_is_never_a_message(book: Crm) -> None:
    result = book.ok("draft", "pietro", "--date", FIXED_DATE)  # a check-in, by phone
    sheet = result.stdout
    lines = sheet.splitlines()
    assert lines[0] == "Chiama: Pietro Gallo — +39 051 998877"  # who, and the number
    assert "Perché: sentirsi senza un motivo particolare, per tenere vivo il rapporto." in lines
    assert "Cosa dire:" in lines  # what to mention
    assert "Da non dire:" in lines  # what not to mention
    assert "- Cose che apprezza: il pane di segale." in lines
    assert "mailto:" not in sheet and "sms:" not in sheet and "Subject:" not in sheet
    assert result.stderr == ""


def test_a_call_sheet_in_english(book: Crm) -> None:
    sheet = book.ok("draft", "lukasz", "--channel", "call", "--date", FIXED_DATE).stdout
    assert sheet.startswith("Call: Łukasz Żółć — +39 347 123 4567 (mobile)\n\n")
    assert "mailto:" not in sheet and "sms:" not in sheet


def test_the_draft_answers_the_most_urgent_item(book: Crm) -> None:
    book.log("lukasz", "email", "--in", "--needs-reply", "--date", ago(1),
             "--note", "Asks whether the walnut table can come before Christmas",
             "--topic", "the walnut table for Christmas")  # fmt: skip
    book.log("lukasz", "visit", "--in", "--incident", "--date", ago(2),
             "--note", "The shelf arrived scratched")  # fmt: skip
    shown = book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout
    # The reply comes first, names what it answers in the topic's words, quotes no note.
    assert "the walnut table for Christmas" in shown
    assert "Asks whether" not in shown
    recovery = book.ok("draft", "lukasz", "--purpose", "recovery", "--date", FIXED_DATE).stdout
    assert recovery.startswith("Call: Łukasz Żółć")  # a recovery is a call when possible
    assert "The shelf arrived scratched" in recovery


def test_with_nothing_due_the_draft_is_a_check_in(book: Crm) -> None:
    book.log("lukasz", "email", "--date", FIXED_DATE)  # nothing due now
    due = json.loads(book.ok("due", "--date", FIXED_DATE, "--json").stdout)
    assert "lukasz-zolc" not in [i["client_id"] for i in due]
    shown = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE).stdout
    # email/check-in.en: its subject is one of the template's variants, the same when asked
    # twice; a reply's "Getting back to you" would mean the wrong template.
    again = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE).stdout
    assert shown.splitlines()[1] == again.splitlines()[1] == "Subject: Catching up"


def test_template_and_language_options(book: Crm) -> None:
    thanks = book.ok("draft", "lukasz", "--template", "email/thanks.en", "--date", FIXED_DATE)
    assert thanks.stdout.startswith("To: Łukasz Żółć <lukasz@example.pl>\nSubject: ")
    assert thanks.stdout != book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout
    warned = book.ok("draft", "lukasz", "--lang", "it", "--channel", "email", "--date", FIXED_DATE)
    assert warned.stderr == "Warning: Łukasz Żółć's language is en: --lang it not used\n"
    book.add("Nadia Nolang", "--email", "nadia@example.com", "--since", ago(400))
    italian = book.ok("draft", "nadia", "--date", FIXED_DATE).stdout
    english = book.ok("draft", "nadia", "--lang", "en", "--date", FIXED_DATE).stdout
    assert italian.splitlines()[2:4] == ["", "Gentile Nadia Nolang,"]
    assert english.splitlines()[2:4] == ["", "Dear Nadia,"]  # first name, never First Last


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--purpose", "hello"), "unknown purpose 'hello': use one of welcome, thanks, check-in, "
         "follow-up, reply, recovery, birthday, anniversary"),
        (("--lang", "fr"), "unknown language 'fr': use it or en"),
        (("--channel", "fax"), "unknown channel 'fax': use one of email, sms, call, coffee"),
        (("--template", "email/nothing.en"), "no template named 'email/nothing.en'"),
        (("--template", "../../etc/passwd"), "invalid template name '../../etc/passwd': write it "
         "as channel/purpose.lang, e.g. 'email/check-in.en' (lower-case letters, digits and '-')"),
        (("--template", "sms/thanks.en", "--channel", "email"),
         "template sms/thanks.en is written for sms, not email"),
    ],
)  # fmt: skip
def test_bad_options(book: Crm, args: tuple[str, ...], message: str) -> None:
    assert book.fail("draft", "lukasz", *args, "--date", FIXED_DATE) == message


# --------------------------------------------------------------------------- refusals


def test_refuses_a_channel_without_an_address(book: Crm, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert book.fail("draft", "pietro", "--channel", "email", "--out", str(out)) == (
        "cannot draft email for Pietro Gallo: no email on file"
    )
    assert book.fail("draft", "pietro", "--channel", "sms") == (
        "cannot draft sms for Pietro Gallo: no mobile number on file"
    )
    assert book.fail("draft", "pietro", "--channel", "coffee") == (
        "cannot draft coffee for Pietro Gallo: not local (not in your city, not tagged local)"
    )
    book.add("Emilia Email", "--email", "emilia@example.com")
    assert book.fail("draft", "emilia", "--channel", "call") == (
        "cannot draft call for Emilia Email: no phone number on file"
    )
    assert not out.exists()


def test_refuses_a_channel_without_consent(book: Crm) -> None:
    book.ok("edit", "lukasz", "--no-email-consent", "--no-sms-consent")
    assert book.fail("draft", "lukasz", "--channel", "email") == (
        "cannot draft email for Łukasz Żółć: no consent to email"
    )
    assert book.fail("draft", "lukasz", "--channel", "sms") == (
        "cannot draft sms for Łukasz Żółć: no consent to SMS"
    )
    # No email or SMS to send a coffee invitation: it is made by phone, from a call sheet
    # proposing the slot the .ics would.
    sheet = book.ok("draft", "lukasz", "--channel", "coffee", "--date", FIXED_DATE).stdout
    assert sheet.startswith("Call: Łukasz Żółć")
    assert "- Invite them for a coffee: Tuesday 24 November at 9:30" in sheet
    # Without a channel given, the draft goes where consent allows: a call sheet.
    assert book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout.startswith("Call: ")


def test_refuses_a_do_not_contact_client(book: Crm, tmp_path: Path) -> None:
    book.ok("edit", "lukasz", "--do-not-contact")
    for channel in (*CHANNELS, None):
        args = ("--channel", channel) if channel else ()
        assert book.fail("draft", "lukasz", *args, "--out", str(tmp_path / "o")) == (
            "Łukasz Żółć asked not to be contacted: no draft"
        )
    assert not (tmp_path / "o").exists()


def test_a_client_who_cannot_be_reached(crm: Crm, tmp_path: Path) -> None:
    crm.add("Nora Nowhere", "--since", ago(400))
    assert crm.fail("draft", "nora", "--date", FIXED_DATE) == (
        "Nora Nowhere cannot be reached: no email on file and no phone on file"
    )
    out = tmp_path / "d"
    result = crm("drafts", "--date", FIXED_DATE, "--out", str(out))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "CLIENT        REASON    CHANNEL  FILE",
        "Nora Nowhere  check-in  none     -",
        "  not drafted: Nora Nowhere cannot be reached: no email on file and no phone",
        "    on file",
    ]
    assert result.stderr == f"0 of 1 drafts written to {out}\n"


# --------------------------------------------------------------------------- crm draft --out


def test_email_out_writes_an_eml_like_thunderbird(book: Crm, tmp_path: Path) -> None:
    out = tmp_path / "new" / "drafts"  # created if missing
    result = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE,
                     "--out", str(out))  # fmt: skip
    path = out / f"{FIXED_DATE}-lukasz-zolc-check-in.eml"
    assert result.stdout.splitlines()[0] == str(path)
    assert [p.name for p in out.iterdir()] == [path.name]
    raw = path.read_bytes()
    assert raw.isascii()  # the non-ASCII name and subject are encoded words
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()
    message = parse_eml(path)
    assert message["X-Unsent"] == "1"
    assert message["To"].addresses[0].display_name == "Łukasz Żółć"
    assert message["To"].addresses[0].addr_spec == "lukasz@example.pl"
    assert message["From"].addresses[0].addr_spec == "chiara@bottega.example"
    assert message["From"].addresses[0].display_name == "Chiara Lombardi"
    assert message["Subject"] == "Catching up"  # the subject `crm draft` prints
    assert message["Date"].datetime.date() == TODAY
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    printed = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE).stdout
    assert body == printed.split("\n\n", 1)[1].rsplit("\n\nmailto:", 1)[0] + "\n"
    assert "Hi Łukasz," in body

    # Structurally the same as a draft saved by Thunderbird.
    sample = parse_eml(shared_sample("thunderbird-xunsent.eml"))
    for msg in (sample, message):
        assert msg["X-Unsent"] == "1"
        assert not msg.is_multipart()
        assert msg.get_content_type() == "text/plain"
        assert msg["Date"].datetime.tzinfo is not None
        assert len(msg["To"].addresses) == 1 and len(msg["From"].addresses) == 1
        assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(">")
        assert msg["MIME-Version"] == "1.0"
        assert msg["Subject"]
    essential = {"To", "From", "Subject", "Date", "Message-ID", "MIME-Version", "X-Unsent"}
    assert essential <= set(sample.keys()) and essential <= set(message.keys())


def test_email_out_without_a_from_address(crm: Crm, tmp_path: Path) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", ago(400))
    path = Path(crm.ok("draft", "mario", "--date", FIXED_DATE, "--out", str(tmp_path)).stdout
                .splitlines()[0])  # fmt: skip
    message = parse_eml(path)
    assert message["From"] is None  # the mail client fills in its own identity
    assert message["To"].addresses[0].addr_spec == "mario@example.com"


def test_sms_out_writes_the_text_alone(book: Crm, tmp_path: Path) -> None:
    result = book.ok("draft", "giulia", "--date", FIXED_DATE, "--out", str(tmp_path))
    path = tmp_path / f"{FIXED_DATE}-giulia-bianchi-check-in.txt"
    assert result.stdout == f"{path}\n"  # only the path: a script can capture it
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Ciao Giulia")
    assert text.endswith("\nChiara\n")
    assert "sms:" not in text and "Subject" not in text
    printed = book.ok("draft", "giulia", "--date", FIXED_DATE).stdout
    assert printed.startswith(text.rstrip("\n") + "\n\nsms:+393471112233?body=")
    units = len(text.rstrip("\n")) + text.count("€")
    info, link = result.stderr.splitlines()
    assert info == f"SMS: GSM-7, 1 segment ({units}/160 characters)"
    assert link.startswith("sms:+393471112233?body=Ciao%20Giulia")


def test_an_sms_outside_the_gsm_alphabet_is_ucs2(book: Crm, tmp_path: Path) -> None:
    result = book.ok("draft", "lukasz", "--channel", "sms", "--date", FIXED_DATE)
    assert result.stdout.startswith("Hi Łukasz")
    assert result.stderr.startswith("SMS: UCS-2, ")
    assert result.stderr.endswith("; UCS-2 because of 'Ł'\n")


def test_a_long_sms_is_warned_about(book: Crm, tmp_path: Path) -> None:
    # The built-ins keep within two segments; a user's own template may not.
    mine = tmp_path / "config" / "templates" / "sms" / "check-in.it.j2"
    mine.parent.mkdir(parents=True)
    mine.write_text("Ciao {{ client.first_name }}, " + "pane ai semi " * 36, encoding="utf-8")
    out = tmp_path / "out"
    result = book.ok("draft", "giulia", "--date", FIXED_DATE, "--out", str(out))
    # (A "generic draft" warning comes too: this template says nothing of Giulia.)
    *_, warning, info, link = result.stderr.splitlines()
    assert link.startswith("sms:+393471112233?body=")
    assert warning.startswith("Warning: the SMS takes 4 segments (GSM-7, 4 segments (")
    assert warning.endswith(" characters)): consider shortening it")
    assert info.startswith("SMS: GSM-7, 4 segments (")


@pytest.mark.parametrize(
    ("day", "slot"),
    [
        (FRIDAY, "2026-11-30T09:30:00"),  # a Friday: the Monday after
        (FIXED_DATE, "2026-11-24T09:30:00"),  # a Monday: the Tuesday
        ("2026-11-28", "2026-11-30T09:30:00"),  # a Saturday: the Monday
    ],
)
def test_coffee_out_writes_the_invitation_and_an_ics(
    book: Crm, tmp_path: Path, day: str, slot: str
) -> None:
    result = book.ok(
        "draft", "lukasz", "--channel", "coffee", "--date", day, "--out", str(tmp_path)
    )
    eml = tmp_path / f"{day}-lukasz-zolc-check-in.eml"
    ics = tmp_path / f"{day}-lukasz-zolc-check-in.ics"
    assert result.stdout.splitlines()[:2] == [str(eml), str(ics)]
    invitation = parse_eml(eml)
    assert invitation["X-Unsent"] == "1"
    assert "coffee" in invitation["Subject"].lower()
    calendar = vobject.readOne(ics.read_text(encoding="utf-8"))
    [event] = calendar.vevent_list
    start, end = event.dtstart.value, event.dtend.value
    assert isinstance(start, datetime)
    assert start.isoformat() == slot
    assert end - start == timedelta(minutes=30)
    assert event.status.value == "TENTATIVE"
    assert event.attendee.value == "mailto:lukasz@example.pl"
    assert event.organizer.value == "mailto:chiara@bottega.example"
    assert "Łukasz Żółć" in event.summary.value
    printed = book.ok("draft", "lukasz", "--channel", "coffee", "--date", day).stdout
    when = datetime.fromisoformat(slot)
    assert f"(proposed slot: {when:%A %d %B}, 09:30 to 10:00)" in printed


def test_a_coffee_invitation_by_sms(book: Crm, tmp_path: Path) -> None:
    tmp_path /= "out"
    result = book.ok("draft", "giulia", "--channel", "coffee", "--date", FRIDAY,
                     "--out", str(tmp_path))  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{FRIDAY}-giulia-bianchi-check-in.ics",
        f"{FRIDAY}-giulia-bianchi-check-in.txt",
    ]
    # By SMS, the invitation is the template's short text: one GSM-7 segment.
    assert result.stderr.splitlines()[-2].startswith("SMS: GSM-7, 1 segment (")
    assert result.stderr.splitlines()[-1].startswith("sms:+393471112233?body=")
    text = (tmp_path / f"{FRIDAY}-giulia-bianchi-check-in.txt").read_text(encoding="utf-8")
    assert text.startswith("Ciao Giulia, ") and "caffè" in text
    [event] = vobject.readOne(
        (tmp_path / f"{FRIDAY}-giulia-bianchi-check-in.ics").read_text()
    ).vevent_list
    assert event.dtstart.value == datetime(2026, 11, 30, 9, 30)


def test_call_out_writes_the_sheet(book: Crm, tmp_path: Path) -> None:
    result = book.ok("draft", "pietro", "--date", FIXED_DATE, "--out", str(tmp_path))
    path = tmp_path / f"{FIXED_DATE}-pietro-gallo-check-in.txt"
    assert result.stdout == f"{path}\n"
    assert path.read_text(encoding="utf-8").startswith("Chiama: Pietro Gallo — +39 051 998877\n")


def test_out_must_be_a_directory(book: Crm, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    message = book.fail("draft", "lukasz", "--date", FIXED_DATE, "--out", str(blocker))
    assert message.startswith(f"cannot write {blocker}/")


# --------------------------------------------------------------------------- client data is data


def test_template_syntax_in_client_data_prints_literally(crm: Crm, settings_file: Path) -> None:
    crm.add(
        "{{ 7*7 }} Rossi", "--email", "r@example.com", "--phone", "+39 347 000 1111",
        "--city", "Bologna", "--since", ago(400), "--likes", "{{ 7*7 }} biscotti",
        "--note", "{% raw %}{{ 7*7 }}",
    )  # fmt: skip
    crm.log("rossi", "email", "--in", "--needs-reply", "--note", "{{ 7*7 }} domanda")
    for channel in CHANNELS:
        shown = crm.ok("draft", "rossi", "--channel", channel, "--date", FIXED_DATE).stdout
        assert "{{ 7*7 }}" in shown
        assert "49" not in shown.replace("+39 347 000 1111", "")


# --------------------------------------------------------------------------- privacy


PRIVATE_NOTE = "Chemioterapia al Sant'Orsola ogni martedì: riservatissimo"
PRIVATE_TOUCHES = [
    ("--needs-reply", "Confided the divorce from Paolo, lawyer in Riccione"),
    ("--incident", "Pianto in negozio per il licenziamento del figlio Tommaso"),
    ("--follow-up", "Promised to keep quiet about the bankruptcy of Zanetti Srl"),
    ("", "Mi ha detto del debito con l'usuraio di Ferrara"),
]
PRIVATE_WORDS = [
    "Chemioterapia", "Orsola", "riservatissimo", "divorce", "Paolo", "Riccione", "Pianto",
    "licenziamento", "Tommaso", "bankruptcy", "Zanetti", "debito", "usuraio", "Ferrara",
    # Anna Colombo's private note and private visit in the demo book.
    "orologio", "Luca", "sorpresa", "inciso", "marito", "casella",
]  # fmt: skip


@pytest.fixture
def demo(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_book(crm, tmp_path, monkeypatch)


def demo_ids(crm: Crm) -> list[str]:
    return [c["id"] for c in json.loads(crm.ok("list", "--json").stdout)]


def test_private_notes_never_appear_in_any_draft(crm: Crm, demo: Path, tmp_path: Path) -> None:
    ids = demo_ids(crm)
    for n, client in enumerate(ids):
        crm.ok("edit", client, "--private-note", PRIVATE_NOTE, "--date", FIXED_DATE)
        flag, note = PRIVATE_TOUCHES[n % len(PRIVATE_TOUCHES)]
        extra = (flag, FIXED_DATE) if flag == "--follow-up" else ((flag,) if flag else ())
        crm.log(client, "visit", "--in", "--private", "--note", note, "--date", ago(1), *extra)
    seen: list[str] = []
    drafted = 0
    for client in ids:
        for channel in (*CHANNELS, None):
            for out in (None, tmp_path / "out" / client / str(channel)):
                args = ["draft", client, "--date", FIXED_DATE]
                args += ["--channel", channel] if channel else []
                args += ["--out", str(out)] if out else []
                result = crm(*args)
                assert result.exit_code in (0, 1), result.stderr
                assert "would reveal a private note" not in result.stderr
                drafted += result.exit_code == 0
                seen.append(unquote(result.stdout) + result.stderr)
                if out is not None and out.exists():
                    seen.extend(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert drafted >= 3 * len(ids)  # most clients can be drafted on most channels
    batch = tmp_path / "batch"
    result = crm("drafts", "--date", FIXED_DATE, "--out", str(batch))
    seen.append(result.stdout + result.stderr)
    seen.extend(p.read_text(encoding="utf-8") for p in batch.iterdir())
    everything = "\n".join(seen)
    assert "Hi Łukasz," in everything or "Hi Lukasz," in everything  # the drafts are there
    leaked = [word for word in PRIVATE_WORDS if word.lower() in everything.lower()]
    assert leaked == []
    # The private texts are still in the book: show them to the user only.
    shown = crm.ok("history", "sofia", "--json", "--include-private").stdout
    assert any(note in shown for _, note in PRIVATE_TOUCHES)


def test_a_shared_contact_draft_carries_no_touchpoint_content(
    crm: Crm, demo: Path, tmp_path: Path
) -> None:
    # Anna Colombo reads a family mailbox: no note, no preference may show, in any draft.
    crm.ok("edit", "anna", "--tag", "local", "--date", FIXED_DATE)  # so a coffee is possible
    crm.log("anna", "email", "--in", "--needs-reply", "--date", ago(1),
            "--note", "Chiede se la collana di perle è pronta")  # fmt: skip
    crm.log("anna", "visit", "--in", "--incident", "--date", ago(3),
            "--note", "Il cinturino di cuoio era sbagliato")  # fmt: skip
    crm.log("anna", "email", "--follow-up", FIXED_DATE, "--date", ago(5),
            "--note", "Promesso il catalogo degli anelli")  # fmt: skip
    texts = []
    for purpose in ("reply", "recovery", "follow-up", "check-in"):
        for channel in CHANNELS:
            out = tmp_path / purpose / channel
            result = crm.ok("draft", "anna", "--purpose", purpose, "--channel", channel,
                            "--date", FIXED_DATE, "--out", str(out))  # fmt: skip
            texts.append(unquote(result.stdout))
            texts.extend(p.read_text(encoding="utf-8") for p in out.iterdir())
            texts.append(unquote(crm.ok("draft", "anna", "--purpose", purpose, "--channel",
                                        channel, "--date", FIXED_DATE).stdout))  # fmt: skip
    everything = "\n".join(texts)
    assert "Anna" in everything
    for word in ("collana", "perle", "cinturino", "cuoio", "catalogo", "anelli",
                 "foto", "primavera", "biscotti", "cannella"):  # fmt: skip
        assert word not in everything, word


def test_the_demo_day_batch(crm: Crm, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    result = crm.ok("drafts", "--date", FIXED_DATE, "--out", str(out))
    due = json.loads(crm.ok("due", "--date", FIXED_DATE, "--json").stdout)
    lines = result.stdout.splitlines()
    rows = [line for line in lines if not line.startswith(" ")]
    assert rows == [
        "CLIENT           REASON       CHANNEL  FILE",
        "Sofia Marino     reply        email    2026-11-23-sofia-marino-reply.eml",
        "Francesca Conti  recovery     call     2026-11-23-francesca-conti-recovery.txt",
        "Emma Clarke      follow-up    email    2026-11-23-emma-clarke-follow-up.eml",
        "Elena Bruno      birthday     sms      2026-11-23-elena-bruno-birthday.txt",
        # His check-in and his 20th anniversary are one message: the anniversary.
        "Giuseppe Russo   anniversary  coffee   2026-11-23-giuseppe-russo-anniversary.txt",
        "Pietro Gallo     check-in     call     2026-11-23-pietro-gallo-check-in.txt",
        "Wang Fang 王芳   check-in     email    2026-11-23-wang-fang-mdhxjt-check-in.eml",
    ]
    # One row per client, in the order of their first item due.
    clients = list(dict.fromkeys(item["client"] for item in due))
    assert [row.split("  ")[0] for row in rows[1:]] == clients
    # Below a row: the SMS length, a coffee's calendar file, the warnings.
    assert lines[lines.index(rows[4]) + 1] == "  SMS: GSM-7, 1 segment (147/160 characters)"
    assert lines[lines.index(rows[5]) + 1] == "  + 2026-11-23-giuseppe-russo-anniversary.ics"
    assert "generic draft" not in result.stdout + result.stderr
    assert "not drafted" not in result.stdout
    assert all(len(line) <= 80 for line in lines)
    assert result.stderr == f"7 of 7 drafts written to {out}\n"
    check_batch(out, due)


def check_batch(out: Path, due: list[dict[str, Any]]) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "2026-11-23-elena-bruno-birthday.txt",
        "2026-11-23-emma-clarke-follow-up.eml",
        "2026-11-23-francesca-conti-recovery.txt",
        "2026-11-23-giuseppe-russo-anniversary.ics",
        "2026-11-23-giuseppe-russo-anniversary.txt",
        "2026-11-23-pietro-gallo-check-in.txt",
        "2026-11-23-sofia-marino-reply.eml",
        "2026-11-23-wang-fang-mdhxjt-check-in.eml",  # not all ASCII: a hash of the id
    ]
    # Every client with an item due has one draft (a check-in folds into another reason).
    for item in due:
        slug = item["client_id"].replace("-王芳", "-mdhxjt")
        mine = [n for n in names if n.startswith(f"{FIXED_DATE}-{slug}-") and n[-4:] != ".ics"]
        assert len(mine) == 1, item
        assert item["reason"] == "check-in" or f"-{item['purpose']}." in mine[0], item
    for name in names:
        path = out / name
        if name.endswith(".eml"):
            message = parse_eml(path)
            assert message["X-Unsent"] == "1"
            assert message["From"].addresses[0].addr_spec == "chiara@bottegalombardi.example"
            assert message.get_content().strip()
        elif name.endswith(".ics"):
            assert vobject.readOne(path.read_text(encoding="utf-8")).vevent.status.value == (
                "TENTATIVE"
            )
        else:
            assert path.read_text(encoding="utf-8").strip()
    assert (out / "2026-11-23-sofia-marino-reply.eml").read_bytes().count(b"X-Unsent: 1") == 1
    assert (
        (out / "2026-11-23-francesca-conti-recovery.txt")
        .read_text()
        .startswith("Chiama: Francesca Conti — +39 340 555 1212 (cellulare)")
    )


def test_the_demo_day_batch_as_a_real_process(tmp_path: Path, run_crm: Callable[..., Any]) -> None:
    book = tmp_path / "H"
    made = run_crm(["demo", "--home", str(book), "--date", FIXED_DATE])
    assert made.returncode == 0, made.stderr
    env = {"CRM_HOME": str(book), "CRM_CONFIG": str(book / "config")}
    out = tmp_path / "D"
    result = run_crm(["drafts", "--date", FIXED_DATE, "--out", str(out)], env=env)
    assert (result.returncode, result.stderr) == (0, f"7 of 7 drafts written to {out}\n")
    assert "generic draft" not in result.stdout
    assert len([line for line in result.stdout.splitlines() if not line.startswith(" ")]) == 8
    due = run_crm(["due", "--date", FIXED_DATE, "--json"], env=env)
    check_batch(out, json.loads(due.stdout))


def test_drafts_on_an_empty_day(crm: Crm, tmp_path: Path) -> None:
    result = crm.ok("drafts", "--date", FIXED_DATE, "--out", str(tmp_path / "d"))
    assert result.stdout == "Nothing is due on 2026-11-23: no drafts to write.\n"


def test_drafts_needs_out(crm: Crm) -> None:
    assert crm.fail("drafts", code=2).startswith("Missing option '--out'")


def test_one_message_per_client_in_a_batch(book: Crm, tmp_path: Path) -> None:
    # Two requests waiting, a promise, a complaint playbook with three steps overdue:
    # six items for one client, and one message that covers them (issue 11).
    book.log("lukasz", "email", "--follow-up", FIXED_DATE, "--date", ago(20),
             "--note", "Promised the oak samples")  # fmt: skip
    book.ok("playbook", "start", "lukasz", "complaint", "--date", ago(14))
    book.log("lukasz", "email", "--in", "--needs-reply", "--date", ago(3),
             "--note", "Is the walnut table ready?")  # fmt: skip
    book.log("lukasz", "sms", "--in", "--needs-reply", "--date", ago(2),
             "--note", "And the chairs?")  # fmt: skip
    due = [
        i for i in json.loads(book.ok("due", "--date", FIXED_DATE, "--json").stdout)
        if i["client_id"] == "lukasz-zolc"
    ]  # fmt: skip
    assert sorted(i["purpose"] for i in due) == [
        "check-in", "follow-up", "follow-up", "recovery", "reply", "reply",
    ]  # fmt: skip
    out = tmp_path / "batch"
    result = book.ok("drafts", "--date", FIXED_DATE, "--out", str(out))
    rows = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert result.stderr == f"3 of 3 drafts written to {out}\n"  # Łukasz, Giulia, Pietro
    # The plain check-in goes (the message is the contact); the complaint's steps
    # collapse to the latest, its check-in call.
    assert [r.split()[:6] for r in rows if r.startswith("Łukasz")] == [
        ["Łukasz", "Żółć", "reply", "+", "follow-up", "email"],
    ]
    stems = sorted(p.stem for p in out.iterdir() if "lukasz" in p.name)
    assert stems == [f"{FIXED_DATE}-lukasz-zolc-reply"]
    message = parse_eml(out / f"{FIXED_DATE}-lukasz-zolc-reply.eml").get_content()
    # The most urgent request first, then a sentence for each reason folded in: the
    # other request, the complaint's latest step in its own words, the promise.
    assert "About your request of Friday 20 November" in message
    assert "And about your message of Saturday 21 November: [the answer]." in message
    assert "I'd also like to check that everything is now in order." in message
    assert "And, as promised earlier this month, an update on" in message
    assert "check-in call" not in message and "complaint" not in message
    # A single draft written twice is the same file, rewritten.
    before = sorted(out.iterdir())
    again = book.ok("draft", "lukasz", "--date", FIXED_DATE, "--out", str(out))
    assert again.stdout.splitlines()[0] == str(out / f"{FIXED_DATE}-lukasz-zolc-reply.eml")
    assert sorted(out.iterdir()) == before


def test_an_everyday_private_note_does_not_block_a_built_in_draft(book: Crm) -> None:
    book.ok("edit", "pietro", "--private-note", "Non dirlo a nessuno: ha perso il lavoro")
    book.log("pietro", "visit", "--in", "--incident", "--date", ago(1), "--note", "Pane bruciato")
    sheet = book.ok("draft", "pietro", "--date", FIXED_DATE).stdout
    assert sheet.startswith("Chiama: Pietro Gallo")
    assert "perso il lavoro" not in sheet


# --------------------------------------------------------------------------- issue 11 rules


def test_a_birthday_message_needs_a_birthday_in_range(book: Crm) -> None:
    assert book.fail("draft", "lukasz", "--purpose", "birthday", "--date", FIXED_DATE) == (
        "no birthday on file for Łukasz Żółć: a birthday message needs one "
        "(--force to draft it anyway)"
    )
    forced = book.ok("draft", "lukasz", "--purpose", "birthday", "--force", "--date", FIXED_DATE)
    assert forced.stdout.startswith("To: Łukasz Żółć")
    book.ok("edit", "lukasz", "--birthday", "1980-12-20")
    assert book.fail("draft", "lukasz", "--purpose", "birthday", "--date", FIXED_DATE) == (
        "Łukasz Żółć's birthday is on 20 December, not near 2026-11-23: a birthday message "
        "goes on the day, up to 2 days before or 7 after (--force to draft it anyway)"
    )
    # A day early is fine, and said so.
    book.ok("edit", "lukasz", "--birthday", "1980-11-24")
    early = book.ok("draft", "lukasz", "--purpose", "birthday", "--date", FIXED_DATE).stdout
    assert "A little early: happy birthday for tomorrow!" in early


def test_a_welcome_is_for_a_new_client(book: Crm) -> None:
    since = (date.fromisoformat(FIXED_DATE) - timedelta(days=800)).isoformat()
    assert book.fail("draft", "lukasz", "--purpose", "welcome", "--date", FIXED_DATE) == (
        f"Łukasz Żółć has been a client since {since} (800 days): a welcome is for the "
        "first 90 days (--force to draft it anyway)"
    )
    book.add("Nora New", "--email", "nora@example.com", "--since", ago(20), "--lang", "en")
    assert book.ok("draft", "nora", "--purpose", "welcome", "--date", FIXED_DATE).stdout


def test_a_date_of_an_earlier_year_carries_its_year(book: Crm) -> None:
    book.add("Olga Old", "--email", "olga@example.com", "--since", "2015-01-10", "--lang", "en",
             "--phone", "+44 20 7946 0018", "--informal")  # fmt: skip
    book.log("olga", "email", "--date", "2025-11-25", "--note", "Sent the spring catalogue")
    text = book.ok("draft", "olga", "--purpose", "check-in", "--date", FIXED_DATE).stdout
    assert "25 November" not in text  # the check-in names the silence, not the day
    sheet = book.ok("draft", "olga", "--purpose", "check-in", "--channel", "call",
                    "--date", FIXED_DATE).stdout  # fmt: skip
    assert "Tuesday 25 November 2025" in sheet
    sms = book.ok("draft", "olga", "--purpose", "follow-up", "--channel", "email",
                  "--date", FIXED_DATE).stdout  # fmt: skip
    assert "25 November\n" not in sms and "Tuesday 25 November," not in sms


def test_the_thanks_never_quotes_a_complaint(book: Crm) -> None:
    book.log("lukasz", "visit", "--in", "--incident", "--date", ago(2),
             "--note", "The shelf arrived scratched")  # fmt: skip
    text = book.ok("draft", "lukasz", "--purpose", "thanks", "--date", FIXED_DATE).stdout
    assert "scratched" not in text and "what happened" not in text  # nor in other words
    # No note is quoted (issue 11), not even the work before it: the years are said instead.
    assert "Talked about the new studio" not in text
    assert "We've been working together since " in text


def test_coffee_only_in_the_text_to_a_local_client(book: Crm) -> None:
    book.add("Lena London", "--email", "lena@example.co.uk", "--city", "London",
             "--lang", "en", "--since", "2016-11-23")  # fmt: skip
    text = book.ok("draft", "lena", "--purpose", "anniversary", "--date", FIXED_DATE).stdout
    assert "coffee" not in text.lower()
    local = book.ok("draft", "lukasz", "--purpose", "anniversary", "--channel", "email",
                    "--force", "--date", FIXED_DATE).stdout  # fmt: skip
    assert "coffee" in local.lower()


def test_prefers_guide_the_call_sheet_and_never_reach_a_message(crm: Crm) -> None:
    crm.add(
        "Carla Neri", "--email", "carla@example.it", "--phone", "+39 347 765 4321",
        "--lang", "it", "--prefers", "fattura a fine mese", "--likes", "il pane ai semi",
    )  # fmt: skip
    sheet = crm.ok(
        "draft", "carla", "--channel", "call", "--purpose", "thanks", "--date", FIXED_DATE
    ).stdout
    assert "- Preferisce: fattura a fine mese." in sheet
    assert "- Cose che apprezza: il pane ai semi." in sheet
    for channel in ("email", "sms"):
        for purpose in ("thanks", "check-in", "follow-up"):
            text = crm.ok(
                "draft", "carla", "--channel", channel, "--purpose", purpose, "--date", FIXED_DATE
            ).stdout
            assert "fattura" not in text, (channel, purpose, text)


def test_a_promise_is_named_by_its_topic_and_only_once(book: Crm) -> None:
    # The topic logged with a promise is what the follow-up is about: said once, in the
    # opening, and not asked about again as if it were small talk.
    book.add("Giorgio Neri", "--email", "giorgio@example.it", "--phone", "+39 333 100 2000",
             "--lang", "it", "--formal",
             "--since", "2019-03-01")  # fmt: skip
    book.log("giorgio", "email", "--follow-up", ago(1), "--date", ago(12),
             "--topic", "il preventivo per la vetrina")  # fmt: skip
    for channel in ("email", "sms"):
        text = book.ok("draft", "giorgio", "--purpose", "follow-up", "--channel", channel,
                       "--date", FIXED_DATE).stdout  # fmt: skip
        assert text.count("il preventivo per la vetrina") == 1, text
        assert "per quanto riguarda il preventivo per la vetrina, " in text
        assert "come va con il preventivo" not in text


def test_compiled_templates_outlive_the_process(
    book: Crm, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_cli.core.drafting import render

    def fresh_process() -> None:  # what a new process starts with: no compiled template
        monkeypatch.setattr(render, "_COMPILED", {})
        monkeypatch.setattr(render, "_CODE_CACHE", None)

    fresh_process()
    first = book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout
    kept = sorted((home / "local" / "compiled").glob("*.bin"))
    assert kept, "crm draft keeps the code of the templates it compiled"
    fresh_process()
    assert book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout == first
    # A damaged entry is compiled again and replaced; the draft is the same.
    for path in kept:
        path.write_bytes(b"\x00 not code")
    fresh_process()
    assert book.ok("draft", "lukasz", "--date", FIXED_DATE).stdout == first
    assert all(path.read_bytes() != b"\x00 not code" for path in kept)


def test_a_template_edited_is_compiled_anew(
    book: Crm, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_cli.core.drafting import render

    own = config / "templates" / "email"
    own.mkdir(parents=True)
    for version in ("the first version", "the edited one"):
        (own / "check-in.en.j2").write_text(
            "{% block subject %}Hello{% endblock %}"
            "{% block body %}Hi {{ client.first_name }}, " + version + ".{% endblock %}\n",
            encoding="utf-8",
        )
        monkeypatch.setattr(render, "_COMPILED", {})
        shown = book.ok("draft", "lukasz", "--channel", "email", "--date", FIXED_DATE).stdout
        assert f"Hi Łukasz, {version}." in shown
