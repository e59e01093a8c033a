"""The digest's text, pure: one line per client, reasons folded, withheld notes, links."""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import parse_qs, urlsplit

from crm_cli.core.digest import DigestDraft, build_digest
from crm_cli.core.scheduler import Item

DAY = date(2026, 11, 23)


def item(client: str, reason: str, overdue: int = 0, detail: str = "", quoted: str = "") -> Item:
    return Item(
        client_id=client.lower().replace(" ", "-"),
        client=client,
        reason=reason,
        channel="email",
        due=DAY,
        overdue_days=overdue,
        neglected=False,
        detail=detail or f"{reason} of {client}",
        urgency=1.0,
        quoted=quoted,
    )


def test_one_line_per_client_reasons_folded_most_urgent_first() -> None:
    items = [
        item(
            "Mario Rossi",
            "reply",
            detail='"Il preventivo?" — waiting 1 day',
            quoted='"Il preventivo?"',
        ),
        item("Anna Neri", "birthday"),
        item("Mario Rossi", "check-in", overdue=12),
    ]
    digest = build_digest(DAY, items, {})
    assert digest.subject == "crm: 2 clients to contact on Mon 23 Nov 2026"
    assert digest.text.splitlines()[:6] == [
        "Monday 23 November 2026: 2 clients to contact, most urgent first.",
        "",
        "1. Mario Rossi: reply + check-in, by email, 12 days late",
        '   "Il preventivo?" — waiting 1 day',
        "",
        "2. Anna Neri: birthday, by email",
    ]
    assert digest.item_ids == [items[0].id, items[2].id, items[1].id]


def test_a_shared_contacts_quoted_note_is_withheld_everywhere() -> None:
    quoted = '"Chiede del regalo per Luca"'
    items = [item("Anna Neri", "reply", detail=f"{quoted} — waiting 2 days", quoted=quoted)]
    digest = build_digest(DAY, items, {}, shared={"anna-neri"})
    assert "regalo" not in digest.text and "regalo" not in digest.html
    assert "waiting 2 days" in digest.text
    assert "regalo" in build_digest(DAY, items, {}).text  # an own contact: quoted


def test_links_round_trip_and_html_is_escaped() -> None:
    draft = DigestDraft(
        "email", "o'neil+shop@example.com", "Q&A: <prices> 100%", "Hi,\nsee you & bye"
    )
    digest = build_digest(DAY, [item("Rose <O'Neil>", "reply")], {"rose-<o'neil>": draft})
    (line,) = [x for x in digest.text.splitlines() if "mailto:" in x]
    link = line.split(": ", 1)[1]
    parts = urlsplit(link)
    assert parts.path == "o'neil+shop@example.com"
    assert parse_qs(parts.query) == {
        "subject": ["Q&A: <prices> 100%"],
        "body": ["Hi,\r\nsee you & bye"],
    }
    assert "<b>Rose &lt;O&#x27;Neil&gt;</b>" in digest.html
    assert '<a href="' + html.escape(link) + '">Write the email</a>' in digest.html
    assert DigestDraft("call", "+39 051 998877").link == "tel:+39051998877"
    assert (
        DigestDraft("sms", "+393331234567", body="Ciao!").link == "sms:+393331234567?body=Ciao%21"
    )


def test_why_there_is_no_draft_is_said() -> None:
    digest = build_digest(
        DAY, [item("Mario Rossi", "check-in")], {}, no_draft={"mario-rossi": "no consent to email"}
    )
    assert "   No draft: no consent to email" in digest.text.splitlines()
