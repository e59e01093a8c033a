"""``item.agenda``: why an item is due, in the language of the draft it goes into.

The scheduler's ``detail`` is one English line for the screen (``crm due``, the
digest, the calendar). A call sheet in Italian needs the same facts in Italian,
so they are said again here from the item's structured fields (reason, due
date, the touchpoint or playbook step it answers, the quoted note), never by
translating or parsing the English line. The sheet speaks to the professional,
in the first person ("la mia email"), so the client's Lei/tu does not apply.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from crm_cli.core import terms
from crm_cli.core.dates import Cadence
from crm_cli.core.drafting.speech import month_name, weekday_name
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.scheduler import missing_reach

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item

__all__ = ["NOTE_CHARS", "agenda_line"]

NOTE_CHARS = 80
"""A quoted note is cut to this length, as in the scheduler's own line."""

_CHANNELS_IT = {
    "email": "email",
    "sms": "SMS",
    "call": "telefono",
    "coffee": "un caffè",
    "meeting": "un incontro",
    "visit": "una visita",
}
_UNITS_IT = {
    "days": ("ogni giorno", "giorni"),
    "weeks": ("ogni settimana", "settimane"),
    "months": ("ogni mese", "mesi"),
    "years": ("ogni anno", "anni"),
}


def _day_it(value: date, today: date) -> str:
    """``lunedì 30 novembre``, with the year outside ``today``'s: needs no article."""
    text = f"{weekday_name(value, 'it')} {value.day} {month_name(value.month, 'it')}"
    return text if value.year == today.year else f"{text} {value.year}"


def _days_it(n: int) -> str:
    return "un giorno" if n == 1 else f"{n} giorni"


def _quote_it(source: Touchpoint | None, kind: str, shared: bool) -> str:
    """The note in Italian quotes, or why there is none to show."""
    if source is None:
        return "(nessuna nota)"
    if shared:
        return "(nota non mostrata: numero condiviso)"
    if source.private:
        return f"({kind} privata: nota non mostrata)"
    note = " ".join((source.note or "").split())
    if not note:
        if kind == "email":
            return "senza nota"
        by = _CHANNELS_IT.get(source.channel, source.channel)
        return f"({kind} per {by}, senza nota)"
    if len(note) > NOTE_CHARS:
        note = note[: NOTE_CHARS - 1] + "…"
    return f"«{note}»"


def _cadence_it(cadence: Cadence) -> str:
    if cadence.kind == "interval" and cadence.unit in _UNITS_IT:
        every, plural = _UNITS_IT[cadence.unit]
        return every if cadence.n == 1 else f"ogni {cadence.n} {plural}"
    if cadence.kind == "rrule":
        return "personalizzata"
    return "nessuna"


_MISSING_IT = {
    "no email": "nessuna email in archivio",
    "no email consent": "nessun consenso alle email",
    "no phone": "nessun telefono in archivio",
    "no mobile": "nessun cellulare per gli SMS",
    "no sms consent": "nessun consenso agli SMS",
    "and": " e ",
    "none allowed": "nessun canale consentito",
}


def _line_it(
    item: Item | None,
    source: Touchpoint | None,
    step_name: str | None,
    step_say: str | None,
    playbook: str | None,
    client: Client,
    today: date,
    shared: bool,
    reply_window: int,
    cadence: Cadence,
    last_contact: date | None,
) -> str:
    if item is None:
        return "niente in scadenza: un contatto per sentirsi"
    reason = item.reason
    if reason == "reply" and source is not None:
        waited = (today - source.date).days
        if waited > 0:
            wait = f"in attesa da {_days_it(waited)}"
        elif waited == 0:
            wait = "arrivata oggi"
        else:
            wait = f"arriva {_day_it(source.date, today)}"
        if item.overdue_days > 0:
            wait += (
                ", oltre il giorno lavorativo previsto per rispondere"
                if reply_window == 1
                else f", oltre i {reply_window} giorni lavorativi previsti per rispondere"
            )
        said = _quote_it(source, "richiesta", shared)
        return f"richiesta di {_day_it(source.date, today)}: {said} — {wait}"
    if reason == "recovery" and source is not None:
        said = _quote_it(source, "segnalazione", shared)
        return f"disguido di {_day_it(source.date, today)}: {said}"
    if reason == "follow-up" and source is not None:
        said = _quote_it(source, "promessa", shared)
        return f"promessa fatta {_day_it(source.date, today)}: {said}"
    if reason == "follow-up" and step_name is not None:
        what = step_say or f"il passo «{step_name}»"
        return f"playbook {playbook}: {what}"
    if reason == "awaiting" and source is not None:
        waited = (today - source.date).days
        said = _quote_it(source, "email", shared)
        return (
            f"nessuna risposta alla mia email di {_day_it(source.date, today)} ({said}), "
            f"inviata {_days_it(waited)} fa"
        )
    if reason == "birthday":
        text = f"compleanno di {_day_it(item.due, today)}"
        born = client.birthday[:4] if client.birthday else ""
        if born.isdigit():
            age = item.due.year - int(born)
            verb = (
                "compie" if item.due == today else "ha compiuto" if item.due < today else "compirà"
            )
            text += f", {verb} {'un anno' if age == 1 else f'{age} anni'}"
        return text
    if reason == "anniversary" and client.since is not None:
        years = item.due.year - client.since.year
        length = "un anno" if years == 1 else f"{years} anni"
        began = f"{month_name(client.since.month, 'it')} {client.since.year}"
        return f"anniversario di {_day_it(item.due, today)}: {length} da cliente (da {began})"
    if last_contact is None:
        text = "nessun contatto finora"
        if client.since is not None:
            text += f" (cliente da {month_name(client.since.month, 'it')} {client.since.year})"
    else:
        ago = (today - last_contact).days
        when = "oggi" if ago == 0 else ("ieri" if ago == 1 else f"{_days_it(ago)} fa")
        text = f"ultimo contatto {_day_it(last_contact, today)} ({when})"
    return f"{text}; cadenza: {_cadence_it(cadence)}"


def agenda_line(
    item: Item | None,
    *,
    lang: str,
    today: date,
    client: Client,
    shared: bool,
    source: Touchpoint | None,
    step_name: str | None,
    step_say: str | None,
    playbook: str | None,
    reply_window: int,
    cadence: Cadence,
    last_contact: date | None,
    english: str,
) -> str:
    """Why ``item`` is due, said in ``lang``; ``english`` is the scheduler's own line
    (already withheld for a shared contact), which is the English wording."""
    if lang != "it":
        return english
    text = _line_it(
        item,
        source,
        step_name,
        step_say,
        playbook,
        client,
        today,
        shared,
        reply_window,
        cadence,
        last_contact,
    )
    if item is not None and item.channel == terms.NO_CHANNEL:
        text += f" — non c'è modo di mettersi in contatto: {missing_reach(client, _MISSING_IT)}"
    return text  # after "Agenda:", so in lower case (a list item capitalises it)
