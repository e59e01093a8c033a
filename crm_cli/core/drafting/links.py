"""One-click sending: ``mailto:`` (RFC 6068) and ``sms:`` (RFC 5724) links."""

from __future__ import annotations

from urllib.parse import quote

from crm_cli.core.patterns import lazy
from crm_cli.errors import InvalidValue

__all__ = ["mailto_link", "sms_link"]

_E164 = lazy(r"\+[1-9]\d{1,14}")


def _lines(text: str, newline: str) -> str:
    """Every kind of line break as ``newline``."""
    return newline.join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _query(params: list[tuple[str, str]]) -> str:
    # quote(safe=""), not urlencode: RFC 6068 wants %20 for a space, never "+".
    pairs = [f"{key}={quote(value, safe='')}" for key, value in params if value]
    return "?" + "&".join(pairs) if pairs else ""


def mailto_link(to: str, subject: str, body: str) -> str:
    """``mailto:addr?subject=...&body=...``; line breaks in the body become ``%0D%0A``."""
    # "@" may stay; "%", "?", "&", "#", "," and non-ASCII characters must be encoded.
    address = quote(to.strip(), safe="@!$'()*+;=-._~")
    subject_line = " ".join(subject.split())
    return f"mailto:{address}" + _query([("subject", subject_line), ("body", _lines(body, "\r\n"))])


def sms_link(number_e164: str, body: str) -> str:
    """``sms:+393471234567?body=...`` for a number already in E.164 form."""
    number = number_e164.strip()
    if not _E164().fullmatch(number):
        raise InvalidValue(f"'{number_e164}' is not an E.164 number such as +393471234567")
    return f"sms:{number}" + _query([("body", _lines(body, "\n"))])
