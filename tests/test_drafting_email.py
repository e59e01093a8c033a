""".eml drafts, file names and one-click links (mailto:, sms:)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email import message_from_string, policy
from email.parser import BytesParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import shared_sample
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core.drafting.email_draft import build_eml, draft_filename
from crm_cli.core.drafting.links import mailto_link, sms_link
from crm_cli.core.drafting.render import Draft
from crm_cli.errors import InvalidValue

WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
FAST = settings(max_examples=200, deadline=None)


def _draft(
    subject: str = "Auguri, Zoë!", body: str = "Ciao Zoë,\n\ntanti auguri!\n\nChiara"
) -> Draft:
    return Draft("email/birthday.it", "email", "it", subject, body)


def _parse(data: bytes):  # type: ignore[no-untyped-def]
    return BytesParser(policy=policy.default).parsebytes(data)


def test_eml_headers_and_utf8_round_trip() -> None:
    data = build_eml(
        _draft(), "Zoë Łukasz", "zoe@example.pl", "Chiara Lombardì", "chiara@bottega.example", WHEN
    )
    assert data.isascii()  # encoded words and quoted-printable: 7-bit clean on disk
    assert b"\r\n" in data  # RFC 5322 line ends
    msg = _parse(data)
    assert msg["X-Unsent"] == "1"
    assert msg["MIME-Version"] == "1.0"
    assert msg["To"].addresses[0].display_name == "Zoë Łukasz"
    assert msg["To"].addresses[0].addr_spec == "zoe@example.pl"
    assert msg["From"].addresses[0].display_name == "Chiara Lombardì"
    assert msg["From"].addresses[0].addr_spec == "chiara@bottega.example"
    assert msg["Subject"] == "Auguri, Zoë!"
    assert msg["Date"].datetime == WHEN
    assert msg["Content-Language"] == "it"
    assert msg["Message-ID"].endswith("@bottega.example>")
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    # The file has CRLF line ends, and so has the decoded text.
    assert msg.get_content() == "Ciao Zoë,\r\n\r\ntanti auguri!\r\n\r\nChiara\r\n"
    # The raw headers really are RFC 2047 encoded words, not raw UTF-8.
    assert b"=?utf-8?" in data.split(b"\r\n\r\n")[0]


def test_eml_matches_thunderbird_draft_structure() -> None:
    theirs = _parse(shared_sample("thunderbird-xunsent.eml").read_bytes())
    ours = _parse(
        build_eml(
            _draft("xx unsent", "This is a draft."),
            "Alice",
            "alice@test",
            "Carol",
            "carol@test",
            WHEN,
        )
    )
    for header in ("X-Unsent", "MIME-Version", "To", "From", "Subject"):
        assert str(ours[header]) == str(theirs[header]), header
    assert ours.get_content_type() == theirs.get_content_type() == "text/plain"
    assert ours.get_content_maintype() == "text"
    assert not ours.is_multipart() and not theirs.is_multipart()
    assert ours.get_content().strip() == theirs.get_content().strip()
    # Thunderbird leaves the charset implicit (us-ascii); ours says utf-8 explicitly.
    assert ours.get_content_charset() == "utf-8"
    assert {"Date", "Message-ID"} <= set(theirs.keys()) and {"Date", "Message-ID"} <= set(
        ours.keys()
    )


def test_eml_without_from_address_leaves_from_out() -> None:
    msg = _parse(build_eml(_draft(), "Mario Rossi", "mario@example.it", "Chiara", None, WHEN))
    assert msg["From"] is None
    assert msg["To"].addresses[0].addr_spec == "mario@example.it"
    assert msg["Message-ID"].endswith("@crm.invalid>")


def test_eml_naive_time_is_local_and_content_is_deterministic() -> None:
    naive = datetime(2026, 11, 23, 9, 30)
    one = build_eml(_draft(), "A", "a@example.com", "B", "b@example.com", naive)
    two = build_eml(_draft(), "A", "a@example.com", "B", "b@example.com", naive)
    assert one == two
    assert _parse(one)["Date"].datetime.replace(tzinfo=None) == naive


def test_eml_international_address() -> None:
    data = build_eml(_draft(), "王芳", "王芳@example.cn", "Chiara", "chiara@example.it", WHEN)
    # RFC 6532: the headers are raw UTF-8 (the stdlib bytes parser would surrogate-escape them).
    msg = message_from_string(data.decode("utf-8"), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "王芳@example.cn"
    assert msg["To"].addresses[0].display_name == "王芳"


def test_eml_long_and_awkward_subject() -> None:
    subject = "Ein sehr langer Betreff " * 8 + "— “quoted”, with; odd: chars"
    msg = _parse(build_eml(_draft(subject), "Ann", "ann@example.com", "Me", None, WHEN))
    assert msg["Subject"] == " ".join(subject.split())


@pytest.mark.parametrize(
    ("client_id", "purpose", "ext", "expected"),
    [
        ("mario-rossi", "check-in", "eml", "2026-11-23-mario-rossi-check-in.eml"),
        ("mario-rossi", "check-in", ".txt", "2026-11-23-mario-rossi-check-in.txt"),
        # Ids that are not already such a name keep their readable part and add a hash
        # of the whole id: 王芳 and 李娜 no longer share a file.
        ("wang-fang-王芳", "reply", "ics", "2026-11-23-wang-fang-mdhxjt-reply.ics"),
        ("../../etc/passwd", "x/y", "eml", "2026-11-23-etc-passwd-g5knns-x-y.eml"),
        ("王芳", "birthday", "eml", "2026-11-23-client-rlevic-birthday.eml"),
        ("zoë-łukasz", "follow-up", "eml", "2026-11-23-zoe-lukasz-i2izax-follow-up.eml"),
    ],
)
def test_draft_filename(client_id: str, purpose: str, ext: str, expected: str) -> None:
    name = draft_filename(client_id, purpose, date(2026, 11, 23), ext)
    assert name == expected
    assert "/" not in name and "\\" not in name and name.isascii()


# --------------------------------------------------------------------------- links


def test_mailto_encoding() -> None:
    link = mailto_link("mario@example.it", "Ciao Mario & co?", "Riga uno\nRiga due è+1")
    assert link == (
        "mailto:mario@example.it?subject=Ciao%20Mario%20%26%20co%3F"
        "&body=Riga%20uno%0D%0ARiga%20due%20%C3%A8%2B1"
    )
    assert "+" not in link.split("?", 1)[1]


def test_mailto_encodes_odd_addresses() -> None:
    link = mailto_link("a%b?c@example.com", "", "")
    assert link == "mailto:a%25b%3Fc@example.com"


def test_sms_link() -> None:
    assert sms_link("+393471234567", "Ciao Giulia!\nA presto") == (
        "sms:+393471234567?body=Ciao%20Giulia%21%0AA%20presto"
    )
    assert sms_link("+393471234567", "") == "sms:+393471234567"
    with pytest.raises(InvalidValue):
        sms_link("347 123 4567", "x")


def _crlf(text: str) -> str:
    return "\r\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@FAST
@given(
    local=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="@\x00"), min_size=1, max_size=20
    ),
    subject=st.text(max_size=60),
    body=st.text(max_size=200),
)
def test_mailto_round_trips(local: str, subject: str, body: str) -> None:
    to = f"{local.strip() or 'x'}@example.com"
    link = mailto_link(to, subject, body)
    assert link.isascii() and " " not in link and "\n" not in link
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == to.strip()
    query = parse_qs(parts.query, keep_blank_values=True)
    if " ".join(subject.split()):
        assert query["subject"] == [" ".join(subject.split())]
    else:
        assert "subject" not in query
    if body:
        assert query["body"] == [_crlf(body)]
    else:
        assert "body" not in query


@FAST
@given(body=st.text(max_size=200))
def test_sms_link_round_trips(body: str) -> None:
    parts = urlsplit(sms_link("+447700900123", body))
    assert parts.scheme == "sms" and parts.path == "+447700900123"
    query = parse_qs(parts.query, keep_blank_values=True)
    expected = "\n".join(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert query.get("body", [""]) == [expected]
