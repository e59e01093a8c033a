"""Validation and normalisation of what identifies a client: names, emails, phones, ids.

Emails are checked with ``email-validator`` and phones normalised to E.164 with
``phonenumbers`` (Google's libphonenumber port): both do a job that a regex
written here would get wrong. They are imported lazily, on the commands that
take an email or a phone, so that ``crm due`` does not pay for them.
"""

from __future__ import annotations

import re
import unicodedata

from crm_cli.errors import InvalidValue

# Default phone region for numbers written without a country code.
REGION_FOR_LANG = {"it": "IT", "en": "GB"}


def clean_name(name: str) -> str:
    """A client's display name: inner whitespace collapsed, never empty."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidValue("the name is empty: give the client's name, e.g. 'Mario Rossi'")
    if len(cleaned) > 200:
        raise InvalidValue(f"the name is {len(cleaned)} characters long: 200 at most")
    return cleaned


# Latin letters whose diacritic Unicode does not decompose (Ł, Ø, Đ...): a user
# types 'lukasz' for 'Łukasz' as surely as 'zoe' for 'Zoë'.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "\u0131": "i", "æ": "ae", "œ": "oe"}
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching ('Zoë' ~ 'zoe', 'Łukasz' ~ 'lukasz')."""
    if text.isascii():  # nothing to decompose: the common case, 10x cheaper
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
        _UNDECOMPOSED
    )


def slugify(name: str) -> str:
    """A short readable id from a name: 'Mario Rossi' -> 'mario-rossi'.

    Scripts without an ASCII transliteration (王芳, emoji) keep their letters,
    so an id is never empty; symbols and punctuation become dashes.
    """
    out: list[str] = []
    for ch in fold(name):
        if (ch.isascii() and ch.isalnum()) or (not ch.isascii() and ch.isalpha()):
            out.append(ch)
        else:
            out.append("-")
    slug = re.sub(r"-+", "-", "".join(out)).strip("-")[:40].strip("-")
    return slug or "client"


def unique_id(base: str, taken: set[str]) -> str:
    """``base`` if free, else ``base-2``, ``base-3``... (a namesake gets the next one)."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def normalise_email(email: str) -> str:
    """A syntactically valid address, domain lower-cased; no DNS look-up."""
    from email_validator import EmailNotValidError, validate_email

    text = email.strip()
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"invalid email '{text}': {exc}") from None
    return info.normalized


def normalise_phone(phone: str, region: str) -> tuple[str, bool]:
    """``(E.164 number, can it receive SMS)`` for a number as a person types it.

    Numbers without a country code are read in ``region`` (e.g. ``IT``).
    """
    import phonenumbers
    from phonenumbers import PhoneNumberType

    text = phone.strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise InvalidValue(
            f"invalid phone number '{text}': write it as a person would dial it, "
            "e.g. '+39 347 123 4567' or '347 123 4567'"
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(parsed)
    # Plans that cannot tell fixed from mobile (US, CA) get the benefit of the doubt.
    sms = kind in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.UNKNOWN,
    )
    return e164, sms
