"""Italian call sheets say why a client is due in Italian (``item.agenda``), never with
the scheduler's English line: one client per reason, through the real commands."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import vobject
from conftest import FIXED_DATE, Crm

from crm_cli.core.dates import parse_cadence
from crm_cli.core.drafting.agenda import agenda_line
from crm_cli.core.models import Client, Source, Touchpoint
from crm_cli.core.scheduler import Item

# Words of the scheduler's English lines (``detail``) that are not also Italian words.
ENGLISH = re.compile(
    r"\b(waiting|incident|promised|birthday|turns|years?|as a client|since|last contact|"
    r"cadence|days?|ago|nothing|reply|window|working|reach|snoozed|private|request|"
    r"weeks?|months?|arrived|arrives|answer|yet|withheld|shared|no note)\b",
    re.IGNORECASE,
)

# (client options, log lines [channel, *options], playbook, the sheet's Agenda line)
CASES = {
    "check-in": (
        ["--formal", "--every", "6 weeks", "--since", "2023-03-01"],
        [["call", "--date", "2026-08-10", "--note", "Parlato del negozio nuovo"]],
        None,
        "Agenda: ultimo contatto lunedì 10 agosto (105 giorni fa); cadenza: ogni 6 settimane.",
    ),
    "request": (
        ["--informal", "--since", "2022-01-01"],
        [
            [
                "email",
                "--in",
                "--needs-reply",
                "--date",
                "2026-11-19",
                "--note",
                "Chiede se il tavolo in noce è pronto per Natale",
            ]
        ],
        None,
        "Agenda: richiesta di giovedì 19 novembre: «Chiede se il tavolo in noce è pronto per "
        "Natale» — in attesa da 4 giorni, oltre il giorno lavorativo previsto per rispondere.",
    ),
    "incident": (
        ["--formal", "--since", "2022-01-01"],
        [
            [
                "call",
                "--incident",
                "--date",
                "2026-11-20",
                "--note",
                "Consegna arrivata con la gamba rotta",
            ]
        ],
        None,
        "Agenda: disguido di venerdì 20 novembre: «Consegna arrivata con la gamba rotta».",
    ),
    "promise": (
        ["--formal", "--since", "2022-01-01"],
        [
            [
                "email",
                "--follow-up",
                FIXED_DATE,
                "--date",
                "2026-11-09",
                "--note",
                "Mandato il preventivo, risponde entro fine mese",
            ]
        ],
        None,
        "Agenda: promessa fatta lunedì 9 novembre: «Mandato il preventivo, risponde entro "
        "fine mese».",
    ),
    "birthday": (
        ["--informal", "--birthday", "1971-11-23", "--since", "2022-01-01"],
        [["call", "--date", "2026-11-01"]],
        None,
        "Agenda: compleanno di lunedì 23 novembre, compie 55 anni.",
    ),
    "anniversary": (
        ["--formal", "--since", "2016-11-23"],
        [["call", "--date", "2026-11-01"]],
        None,
        "Agenda: anniversario di lunedì 23 novembre: 10 anni da cliente (da novembre 2016).",
    ),
    "step": (
        ["--formal", "--since", "2026-11-16"],
        [],
        "onboarding",
        "Agenda: playbook onboarding: sapere come stanno andando le prime settimane.",
    ),
    "shared request": (
        ["--formal", "--shared-contact", "--since", "2020-05-04"],
        [["sms", "--in", "--needs-reply", "--note", "Chiede il prezzo del cesto grande"]],
        None,
        "Agenda: richiesta di lunedì 23 novembre: (nota non mostrata: numero condiviso) — "
        "arrivata oggi.",
    ),
    "private request": (
        ["--informal", "--since", "2020-05-04"],
        [
            [
                "email",
                "--in",
                "--needs-reply",
                "--private",
                "--date",
                "2026-11-20",
                "--note",
                "Chiede uno sconto per via del divorzio",
            ]
        ],
        None,
        # A Friday's request answered on Monday is within one working day.
        "Agenda: richiesta di venerdì 20 novembre: (richiesta privata: nota non mostrata) — "
        "in attesa da 3 giorni.",
    ),
}


def _sheet(crm: Crm, case: str) -> str:
    options, logs, playbook, _ = CASES[case]
    start = "2026-11-16" if playbook else FIXED_DATE
    crm.add("Marta Ricci", "--lang", "it", "--phone", "+39 340 555 0001",
            "--email", "marta@example.it", "--date", start, *options)  # fmt: skip
    for channel, *rest in logs:
        crm.log("Marta", channel, *rest)
    if playbook:
        crm.ok("playbook", "start", "Marta", playbook, "--date", start)
    return crm.ok("draft", "Marta", "--channel", "call", "--date", FIXED_DATE).stdout


@pytest.mark.parametrize("case", list(CASES))
def test_italian_call_sheet_says_why_in_italian(crm: Crm, case: str) -> None:
    text = _sheet(crm, case)
    agenda = [line for line in text.splitlines() if line.startswith("Agenda:")]
    assert agenda == [CASES[case][3]]
    assert ENGLISH.findall(text) == []
    formal = "--formal" in CASES[case][0]
    assert ("Registro: dare del Lei." if formal else "Registro: dare del tu.") in text
    # The messages of the same item, by email and SMS, carry no English either.
    for channel in ("email", "sms"):
        sent = crm.ok("draft", "Marta", "--channel", channel, "--date", FIXED_DATE).stdout
        assert sent.strip()
        assert ENGLISH.findall(sent) == [], (channel, sent)


def test_english_call_sheet_keeps_the_scheduler_line(crm: Crm) -> None:
    crm.add("Emma Clarke", "--lang", "en", "--phone", "+44 7700 900123", "--since", "2016-11-23")
    crm.log("Emma", "call", "--date", "2026-11-01")
    text = crm.ok("draft", "Emma", "--channel", "call", "--date", FIXED_DATE).stdout
    assert "Agenda: 10 years as a client (since 2016-11-23)\n" in text


def test_folded_items_are_listed_in_italian(crm: Crm) -> None:
    """A reply that also meets the birthday: the sheet lists both, in Italian."""
    crm.add(
        "Anna Greco",
        "--lang",
        "it",
        "--informal",
        "--phone",
        "+39 340 555 0005",
        "--birthday",
        "1971-11-23",
        "--since",
        "2022-01-01",
    )
    crm.log("Anna", "sms", "--in", "--needs-reply", "--date", "2026-11-22", "--note", "Il conto?")
    text = crm.ok("draft", "Anna", "--channel", "call", "--date", FIXED_DATE).stdout
    assert "Anche oggi:\n- Compleanno (oggi): fare gli auguri.\n" in text
    assert ENGLISH.findall(text) == []


def test_an_italian_coffee_invitation_is_in_italian(crm: Crm, tmp_path: Path) -> None:
    """The .ics goes to the client with the SMS: its title and text are Italian too."""
    crm.add(
        "Giulia Bianchi",
        "--lang",
        "it",
        "--informal",
        "--phone",
        "+39 347 111 2233",
        "--city",
        "Bologna",
        "--tag",
        "local",
        "--since",
        "2022-01-01",
    )
    crm.log("Giulia", "sms", "--date", "2026-08-01")
    out = tmp_path / "out"
    crm.ok("draft", "Giulia", "--channel", "coffee", "--date", FIXED_DATE, "--out", str(out))
    [ics] = out.glob("*.ics")
    [event] = vobject.readOne(ics.read_text(encoding="utf-8")).vevent_list
    assert event.summary.value == "Caffè con Giulia Bianchi"
    assert event.description.value == "Ci prendiamo un caffè?"


# --------------------------------------------------------------------------- unit

TODAY = date(2026, 11, 23)


def _client(**fields: object) -> Client:
    base: dict[str, object] = dict(
        id="c1",
        name="Marta Ricci",
        lang="it",
        since=date(2020, 5, 4),
        emails=["marta@example.it"],
        mobiles=["+393405550001"],
    )
    base.update(fields)
    return Client(**base)  # type: ignore[arg-type]


def _item(reason: str, due: date, channel: str = "call", source: Source | None = None) -> Item:
    return Item(
        client_id="c1",
        client="Marta Ricci",
        reason=reason,
        channel=channel,
        due=due,
        overdue_days=(TODAY - due).days,
        neglected=False,
        detail="the English line",
        urgency=0.0,
        source=source,
    )


def _line(item: Item | None, client: Client, **extra: object) -> str:
    args: dict[str, object] = dict(
        lang="it",
        today=TODAY,
        client=client,
        shared=False,
        source=None,
        step_name=None,
        step_say=None,
        playbook=None,
        reply_window=1,
        cadence=parse_cadence("8 weeks"),
        last_contact=None,
        english="the English line",
    )
    args.update(extra)
    return agenda_line(item, **args)  # type: ignore[arg-type]


def test_awaiting_says_whose_email_in_the_first_person() -> None:
    sent = Touchpoint(
        id="t1",
        client_id="c1",
        date=date(2026, 11, 16),
        channel="email",
        direction="out",
        note="Inviato il listino di Natale",
    )
    line = _line(_item("awaiting", date(2026, 11, 21), "email"), _client(), source=sent)
    assert line == (
        "nessuna risposta alla mia email di lunedì 16 novembre (" + "«Inviato il listino di "
        "Natale»), inviata 7 giorni fa"
    )


def test_birthday_tense_follows_the_day() -> None:
    client = _client(birthday="1971-11-21")
    assert _line(_item("birthday", date(2026, 11, 21)), client) == (
        "compleanno di sabato 21 novembre, ha compiuto 55 anni"
    )
    assert _line(_item("birthday", date(2026, 11, 25)), _client(birthday="1971-11-25")) == (
        "compleanno di mercoledì 25 novembre, compirà 55 anni"
    )
    assert _line(_item("birthday", TODAY), _client(birthday="--11-23")) == (
        "compleanno di lunedì 23 novembre"
    )


def test_check_in_of_a_client_never_contacted_and_unreachable() -> None:
    client = _client(emails=[], mobiles=[], phones=[])
    line = _line(_item("check-in", TODAY, "none"), client, cadence=parse_cadence("monthly"))
    assert line == (
        "nessun contatto finora (cliente da maggio 2020); cadenza: ogni mese — non c'è modo "
        "di mettersi in contatto: nessuna email in archivio e nessun telefono in archivio"
    )


def test_dates_of_another_year_carry_it_and_long_notes_are_cut() -> None:
    note = "Chiede " + "molto " * 20 + "altro"
    asked = Touchpoint(
        id="t2",
        client_id="c1",
        date=date(2025, 12, 30),
        channel="email",
        direction="in",
        note=note,
        needs_reply=True,
    )
    line = _line(_item("reply", asked.date), _client(), source=asked, reply_window=3)
    quoted = line.split("«")[1].split("»")[0]
    assert len(quoted) == 80 and quoted.endswith("…")
    assert line.startswith("richiesta di martedì 30 dicembre 2025: «Chiede molto")
    assert line.endswith(
        "— in attesa da 328 giorni, oltre i 3 giorni lavorativi previsti per rispondere"
    )


def test_nothing_due_and_english_passthrough() -> None:
    assert _line(None, _client()) == "niente in scadenza: un contatto per sentirsi"
    assert _line(_item("check-in", TODAY), _client(), lang="en") == "the English line"
