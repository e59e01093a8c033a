"""The morning digest of ``crm notify --email``: its subject, text and HTML, from the
day's items and the drafts written for them. Plain data in, plain text out.

One line per client, most urgent first, all of a client's reasons folded into it;
under it, a link that opens the draft (``mailto:`` per RFC 6068, ``sms:`` per RFC
5724) or dials the number of a call (``tel:``, RFC 3966), so one tap on a phone
starts it. What the plan withholds stays
withheld: a shared contact's line quotes none of their notes (others read that
mailbox), and private notes never reach an item's detail in the first place.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from crm_cli.core.drafting.context import withheld_detail
from crm_cli.core.drafting.links import mailto_link, sms_link

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item

__all__ = ["Digest", "DigestDraft", "DigestLine", "build_digest"]


@dataclass(frozen=True)
class DigestDraft:
    """The draft written for a client's line: how it goes out, to whom, what it says."""

    send_by: str  # "email" | "sms" | "call"
    to: str  # an address, or an E.164 number
    subject: str = ""
    body: str = ""

    @property
    def link(self) -> str:
        if self.send_by == "call":
            return "tel:" + "".join(self.to.split())  # RFC 3966: a global number, no context
        if self.send_by == "sms":
            return sms_link(self.to, self.body)
        return mailto_link(self.to, self.subject, self.body)


@dataclass(frozen=True)
class DigestLine:
    client_id: str
    client: str
    reasons: str  # "reply + check-in"
    channel: str
    late: int  # days; 0 when due today
    detail: str
    item_ids: tuple[str, ...]
    draft: DigestDraft | None
    no_draft: str = ""  # why there is no draft (no consent, a nudge...)


@dataclass(frozen=True)
class Digest:
    day: date
    subject: str
    text: str
    html: str
    lines: tuple[DigestLine, ...]

    @property
    def item_ids(self) -> list[str]:
        return [i for line in self.lines for i in line.item_ids]


def _lines(
    items: list[Item],
    drafts: Mapping[str, DigestDraft],
    shared: Collection[str],
    no_draft: Mapping[str, str],
) -> list[DigestLine]:
    by_client: dict[str, list[Item]] = {}
    for item in items:  # already most urgent first: a client's first item places it
        by_client.setdefault(item.client_id, []).append(item)
    lines = []
    for client_id, mine in by_client.items():
        first = mine[0]
        detail = withheld_detail(first) if client_id in shared else first.detail
        draft = drafts.get(client_id)
        lines.append(
            DigestLine(
                client_id=client_id,
                client=first.client,
                reasons=" + ".join(dict.fromkeys(i.reason for i in mine)),
                # How the message goes: the draft's way (a coffee invitation by SMS).
                channel=draft.send_by if draft else first.channel,
                late=max(0, max(i.overdue_days for i in mine)),
                detail=" ".join(detail.split()),
                item_ids=tuple(i.id for i in mine),
                draft=draft,
                no_draft=no_draft.get(client_id, ""),
            )
        )
    return lines


def _late(days: int) -> str:
    if days <= 0:
        return ""
    return ", 1 day late" if days == 1 else f", {days} days late"


def _open_label(draft: DigestDraft) -> str:
    return {"sms": "Send the SMS", "call": "Call"}.get(draft.send_by, "Write the email")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def build_digest(
    day: date,
    items: list[Item],
    drafts: Mapping[str, DigestDraft],
    *,
    shared: Collection[str] = (),
    no_draft: Mapping[str, str] | None = None,
) -> Digest:
    """The digest of ``day``: ``items`` most urgent first; ``drafts`` and ``no_draft``
    by client id; ``shared``: the ids of shared contacts (their notes withheld)."""
    from html import escape

    lines = _lines(items, drafts, shared, no_draft or {})
    when = f"{day:%A} {day.day} {day:%B %Y}"
    clients = _count(len(lines), "client", "clients")
    subject = f"crm: {clients} to contact on {day:%a} {day.day} {day:%b %Y}"
    text = [f"{when}: {clients} to contact, most urgent first.", ""]
    html = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"></head><body>',
        f"<p>{escape(when)}: {escape(clients)} to contact, most urgent first.</p>",
        "<ol>",
    ]
    for n, line in enumerate(lines, 1):
        head = f"{line.client}: {line.reasons}, by {line.channel}{_late(line.late)}"
        text.append(f"{n}. {head}")
        html.append(f"<li><p><b>{escape(line.client)}</b>: {escape(head.split(': ', 1)[1])}")
        if line.detail:
            text.append(f"   {line.detail}")
            html.append(f"<br>{escape(line.detail)}")
        if line.draft is not None:
            label = _open_label(line.draft)
            text.append(f"   {label}: {line.draft.link}")
            html.append(f'<br><a href="{escape(line.draft.link)}">{label}</a>')
        elif line.no_draft:
            text.append(f"   No draft: {line.no_draft}")
            html.append(f"<br>No draft: {escape(line.no_draft)}")
        text.append("")
        html.append("</p></li>")
    footer = "Done one? Log it: crm log CLIENT CHANNEL. The whole queue: crm today."
    text += ["-- ", footer]
    html += ["</ol>", f"<p>{escape(footer)}</p>", "</body></html>"]
    return Digest(day, subject, "\n".join(text) + "\n", "\n".join(html) + "\n", tuple(lines))
