"""The call sheet: who to call and on which number, around the rendered template.

Call templates say why and what to mention; the numbers are not in the
template context (README), so the sheet's header is written here. A shared
line always gets the reminder to ask for the client by name.
"""

from __future__ import annotations

from crm_cli.core.drafting.render import Draft
from crm_cli.core.models import Client

__all__ = ["call_sheet", "readable_number"]

_LABELS = {
    "it": {
        "call": "Chiama",
        "mobile": "cellulare",
        "none": "nessun numero in archivio",
        "shared": "Numero condiviso: chiedi di {name} per nome e non parlare dei dettagli "
        "con nessun altro.",
    },
    "en": {
        "call": "Call",
        "mobile": "mobile",
        "none": "no number on file",
        "shared": "Shared line: ask for {name} by name and discuss details with nobody else.",
    },
}


def readable_number(e164: str) -> str:
    """``+39 347 123 4567`` for ``+393471234567``; anything unparsable as it is."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def call_sheet(draft: Draft, client: Client) -> str:
    """The sheet to read before calling: name and numbers, the shared-line rule, the template."""
    labels = _LABELS.get(draft.lang, _LABELS["en"])
    numbers = []
    # Mobiles first: the number most likely to reach the person themselves.
    for number in [*client.mobiles, *(p for p in client.phones if p not in client.mobiles)]:
        shown = readable_number(number)
        numbers.append(f"{shown} ({labels['mobile']})" if number in client.mobiles else shown)
    lines = [f"{labels['call']}: {client.name} — {', '.join(numbers) or labels['none']}"]
    if client.shared_contact:
        lines.append(labels["shared"].format(name=client.name))
    return "\n".join(lines) + "\n\n" + draft.body
