"""Email drafts as ``.eml`` files that mail clients open for editing.

``X-Unsent: 1`` is what Thunderbird and Outlook read to open a message as an
editable draft rather than as a received mail. The message is built with the
stdlib ``email`` package so that non-ASCII names and subjects get RFC 2047
encoded words and the body a declared UTF-8 charset.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from crm_cli.core.contacts import fold
from crm_cli.core.patterns import lazy

if TYPE_CHECKING:
    from email.headerregistry import Address

    from crm_cli.core.drafting.render import Draft

__all__ = ["build_eml", "draft_filename", "draft_purpose", "draft_topic"]


def _address(name: str, addr: str) -> Address:
    from email.headerregistry import Address

    # Given as username + domain: parsing an addr_spec rejects a non-ASCII local part
    # (RFC 6531), which email-validator accepts and the book may hold.
    username, _, domain = addr.strip().rpartition("@")
    return Address(display_name=" ".join(name.split()), username=username, domain=domain)


def _message_id(
    draft: Draft, to_addr: str, when: datetime, domain: str, topic_id: str | None = None
) -> str:
    # Derived from the content, not random: writing the same draft twice gives the same file.
    seed = "\x1f".join([to_addr, draft.subject or "", draft.body, when.isoformat()])
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20]
    # The purpose rides along ("crm.check-in.<hash>"): when the sent message is captured
    # from the Sent folder, its touchpoint says what the draft was for (draft_purpose).
    # So does the id of the topic it brings back (".t5"), which the sent message closes.
    purpose = draft.template.split("/", 1)[-1].split(".", 1)[0]
    if not re.fullmatch(r"[a-z0-9-]+", purpose):
        purpose = "draft"
    topic = f".{topic_id}" if topic_id and re.fullmatch(r"[A-Za-z0-9-]+", topic_id) else ""
    return f"<crm.{purpose}.{digest}{topic}@{domain}>"


_DRAFT_ID = lazy(r"<?crm\.([a-z0-9-]+)\.[0-9a-f]{20,32}(?:\.([A-Za-z0-9-]+))?@[^>]+>?")


def draft_purpose(message_id: str | None) -> str | None:
    """The purpose a crm draft's Message-ID carries (``crm.reply.<hash>@...``), or None."""
    match = _DRAFT_ID().fullmatch((message_id or "").strip())
    return match.group(1) if match else None


def draft_topic(message_id: str | None) -> str | None:
    """The id of the topic a crm draft brought back (``crm.reply.<hash>.t5@...``), or None."""
    match = _DRAFT_ID().fullmatch((message_id or "").strip())
    return match.group(2) if match else None


def build_eml(
    draft: Draft,
    to_name: str,
    to_addr: str,
    from_name: str,
    from_addr: str | None,
    when: datetime,
    topic_id: str | None = None,
) -> bytes:
    """An RFC 5322 message (CRLF line ends) with ``X-Unsent: 1``.

    ``topic_id``: the touchpoint whose topic the draft brings back, named in the
    Message-ID so that capturing the sent message closes that topic.

    ``From`` is left out when the user has not set an address: the mail client
    then fills in its own identity. A naive ``when`` is taken as local time.
    """
    # The email package costs ~15 ms to import: only email drafts pay for it.
    from email import policy
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage(policy=policy.default)
    msg["To"] = _address(to_name, to_addr)
    if from_addr:
        msg["From"] = _address(from_name, from_addr)
    msg["Subject"] = " ".join((draft.subject or "").split())
    msg["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    domain = from_addr.rpartition("@")[2] if from_addr and "@" in from_addr else "crm.invalid"
    msg["Message-ID"] = _message_id(
        draft, to_addr, when, domain.encode("idna").decode("ascii"), topic_id
    )
    msg["MIME-Version"] = "1.0"
    msg["X-Unsent"] = "1"
    body = draft.body if draft.body.endswith("\n") else draft.body + "\n"
    # quoted-printable keeps the file 7-bit clean for any mail client, readable in an editor.
    msg.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = draft.lang  # after set_content, which clears Content-* headers
    # International addresses (RFC 6531) cannot be written as encoded words: use SMTPUTF8 then.
    addresses = to_addr + (from_addr or "")
    out_policy = policy.SMTP if addresses.isascii() else policy.SMTPUTF8
    return msg.as_bytes(policy=out_policy)


def draft_filename(client_id: str, purpose: str, today: date, ext: str) -> str:
    """``2026-11-23-mario-rossi-check-in.eml``: ASCII letters, digits and dashes only.

    An id that is already such a name is used as it is; any other (王伟, ``zoë-王``)
    keeps what it has of one (or ``client``) and adds a short hash of the whole id,
    so two clients never share a file name: ids are unique, their ASCII forms are not.
    """

    def safe(text: str, fallback: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
        return slug[:60].strip("-") or fallback

    who = safe(client_id, "client")
    if who != client_id:
        # 30 bits in 6 characters (base32): short enough to keep names readable.
        raw = hashlib.sha256(client_id.encode("utf-8")).digest()
        digest = base64.b32encode(raw).decode("ascii")[:6].lower()
        who = f"{who[:40].strip('-')}-{digest}"
    suffix = safe(ext.lstrip("."), "txt").replace("-", "")
    return f"{today.isoformat()}-{who}-{safe(purpose, 'draft')}.{suffix}"
