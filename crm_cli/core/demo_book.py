"""A believable sample book for ``crm demo``, dated relative to the demo's day.

Plain data: the demo command writes it through the store like any other book.
The people are invented; the situations are the ones the tool exists for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from crm_cli.core.models import Touchpoint

DEMO_SETTINGS: dict[str, Any] = {
    "my_name": "Chiara Lombardi",
    "signature": "Chiara — Bottega Lombardi, via Saragozza 12, Bologna",
    "email": "chiara@bottegalombardi.example",
    "city": "Bologna",
    "default_lang": "it",
}


@dataclass
class DemoClient:
    name: str
    options: dict[str, Any]
    # (days ago, channel, direction, note, flags) — flags among needs_reply,
    # incident, private, "follow_up:+N" (days after the touchpoint) and
    # "topic:TEXT" (what the next message may bring back, in the client's words).
    history: list[tuple[int, str, str, str, tuple[str, ...]]] = field(default_factory=list)

    def touchpoints(self, client_id: str, today: date) -> list[Touchpoint]:
        """The history as touchpoints dated from ``today`` (ids left for the store)."""
        found = []
        for days_ago, channel, direction, note, flags in self.history:
            when = today - timedelta(days=days_ago)
            follow = next((f for f in flags if f.startswith("follow_up:")), None)
            topic = next((f.split(":", 1)[1] for f in flags if f.startswith("topic:")), None)
            found.append(
                Touchpoint(
                    id="",
                    client_id=client_id,
                    date=when,
                    channel=channel,
                    direction=direction,
                    note=note,
                    needs_reply="needs_reply" in flags,
                    incident="incident" in flags,
                    private="private" in flags,
                    follow_up=when + timedelta(days=int(follow.split(":")[1])) if follow else None,
                    topic=topic,
                )
            )
        return found


def demo_clients(today: date) -> list[DemoClient]:
    """Fifteen clients of a small Bologna shop-and-studio, with their history.

    Notes are written as a professional jots them, about the client; topics are
    written to be said to the client. Two firms and a client with a title, all
    seen in the last days (so the demo day's plan is the dozen of the others).
    """

    def ago(years: int = 0, months: int = 0, days: int = 0) -> str:
        return (today - relativedelta(years=years, months=months, days=days)).isoformat()

    birthday_today = f"{today.year - 34}-{today.month:02d}-{today.day:02d}"
    if (today.month, today.day) == (2, 29):
        birthday_today = "1992-02-29"
    return [
        DemoClient(
            "Giulia Bianchi",
            dict(
                emails=["giulia.bianchi@example.it"],
                phones=["+39 347 111 2233"],
                city="Bologna",
                channel="sms",
                tier="C",
                tags=["bakery", "local"],
                likes=["il pane ai semi del sabato"],
                prefers=["niente sacchetti di plastica"],
                gender="f",
                since=ago(years=6, months=2),
                lang="it",
                formal=False,
            ),
            [
                (70, "visit", "in", "Ha preso il pane ai semi e ha chiesto della segale", ()),
                (
                    68,
                    "sms",
                    "out",
                    "Avvisata che il pane di segale torna il giovedì",
                    ("topic:il pane di segale del giovedì",),
                ),
            ],
        ),
        DemoClient(
            "Marco Ferri",
            dict(
                emails=["marco.ferri@example.it"],
                phones=["+39 333 456 7788"],
                city="Bologna",
                channel="email",
                tier="B",
                tags=["café"],
                likes=["il flat white con latte d'avena"],
                prefers=["il caffè bollente, con un pizzico di cannella"],
                gender="m",
                since=ago(years=3, months=1, days=9),
                lang="it",
                formal=False,
            ),
            [
                (120, "email", "out", "Mandato il menù d'autunno", ()),
                (80, "email", "out", "Invitato alla serata di degustazione", ()),
                (
                    45,
                    "coffee",
                    "out",
                    "Ha raccontato della ciclofficina che sta aprendo in via del Pratello",
                    ("topic:la nuova ciclofficina in via del Pratello",),
                ),
            ],
        ),
        DemoClient(
            "Giuseppe Russo",
            dict(
                phones=["+39 051 234 5678", "+39 338 765 4321"],
                city="Bologna",
                channel="call",
                tier="C",
                tags=["phone shop", "local"],
                prefers=["le spiegazioni con calma, di persona"],
                likes=["il macchiato caldo"],
                gender="m",
                salutation="Gentile signor Russo",
                since=ago(years=20),
                lang="it",
                formal=True,
                note="Cliente da quando ha aperto il negozio; non si lamenta mai.",
            ),
            [
                (400, "visit", "in", "Ha cambiato la batteria del suo vecchio Nokia", ()),
                (
                    200,
                    "call",
                    "out",
                    "Avvisato del cambio della tariffa SIM",
                    ("topic:la nuova tariffa della SIM",),
                ),
            ],
        ),
        DemoClient(
            "Anna Colombo",
            dict(
                emails=["famiglia.colombo@example.it"],
                phones=["+39 349 222 3344"],
                city="Casalecchio di Reno",
                channel="email",
                tier="B",
                likes=["i biscotti alla cannella"],
                gender="f",
                salutation="Gentile signora Colombo",
                since=ago(years=2, months=5),
                lang="it",
                formal=True,
                shared_contact=True,
                private_note="Ha comprato l'orologio d'argento per i 50 anni di Luca: è una "
                "sorpresa, lui legge la casella di famiglia.",
            ),
            [
                (12, "visit", "in", "Ritirato l'orologio inciso per il marito", ("private",)),
                (
                    40,
                    "email",
                    "out",
                    "Mandate le foto della collezione di primavera",
                    ("topic:la collezione di primavera",),
                ),
            ],
        ),
        DemoClient(
            "Sofia Marino",
            dict(
                emails=["sofia.marino@example.it"],
                phones=["+39 320 987 6543"],
                city="Milano",
                channel="email",
                tier="C",
                tags=["online"],
                likes=["il cappotto blu di lana"],
                gender="f",
                since=ago(months=8),
                lang="it",
                formal=False,
            ),
            [
                (30, "email", "out", "Ordine spedito, inviato il numero di tracciamento", ()),
                (
                    2,
                    "email",
                    "in",
                    "Chiede quando torna il cappotto blu di lana nella taglia 42",
                    ("needs_reply", "topic:il cappotto blu di lana nella taglia 42"),
                ),
            ],
        ),
        DemoClient(
            "Emma Clarke",
            dict(
                emails=["emma@northwind-studio.example"],
                phones=["+44 7700 900123"],
                company="Northwind Studio",
                city="London",
                channel="email",
                tier="A",
                tags=["consulting"],
                prefers=["short emails with a clear next step"],
                likes=["an oat milk flat white"],
                gender="f",
                since=ago(years=4, months=1),
                lang="en",
                formal=False,
            ),
            [
                (50, "meeting", "out", "Wrapped up the shop-window redesign", ()),
                (
                    33,
                    "email",
                    "out",
                    "Sent the final files and the invoice",
                    ("follow_up:+33", "topic:the new shop window"),
                ),
            ],
        ),
        DemoClient(
            "Łukasz Nowak",
            dict(
                emails=["lukasz.nowak@example.pl"],
                company="Nowak Design",
                city="Bologna",
                channel="email",
                tier="A",
                tags=["consulting", "local"],
                likes=["espresso, no sugar"],
                gender="m",
                since=ago(years=1, months=9),
                lang="en",
                formal=False,
            ),
            [
                (20, "email", "out", "Delivered the packaging study", ()),
                (
                    19,
                    "email",
                    "in",
                    "Thanked us; will review the study with his team",
                    ("topic:the packaging study",),
                ),
            ],
        ),
        DemoClient(
            "Pietro Gallo",
            dict(
                phones=["+39 051 998 877"],
                city="Bologna",
                channel="call",
                tier="C",
                likes=["il pane di segale"],
                prefers=["il pane già affettato"],
                gender="m",
                salutation="Gentile signor Gallo",
                since=ago(years=11, months=4),
                lang="it",
                formal=True,
                note="Riservato; passa il martedì. Non chiede mai niente.",
            ),
            [(190, "visit", "in", "Ha preso il pane di segale, affettato", ())],
        ),
        DemoClient(
            "Francesca Conti",
            dict(
                emails=["f.conti@example.it"],
                phones=["+39 340 555 1212"],
                city="Bologna",
                channel="email",
                tier="B",
                likes=["la torta di mandorle"],
                prefers=["ritirare la domenica mattina"],
                gender="f",
                since=ago(years=5, months=2, days=3),
                lang="it",
                formal=False,
            ),
            [
                (25, "email", "out", "Confermata la torta di mandorle per domenica", ()),
                (
                    1,
                    "visit",
                    "in",
                    "La torta di mandorle era pronta con 40 minuti di ritardo",
                    ("incident",),
                ),
            ],
        ),
        DemoClient(
            "Wang Fang 王芳",
            dict(
                emails=["wang.fang@example.cn"],
                channel="email",
                tier="B",
                tags=["online"],
                likes=["silk scarves in muted colours"],
                first_name="Fang",
                gender="f",
                salutation="Dear Ms Wang",
                since=ago(years=2, months=6),
                lang="en",
                formal=True,
            ),
            [
                (
                    60,
                    "email",
                    "out",
                    "Sent her the new scarf catalogue",
                    ("topic:the new scarf catalogue",),
                )
            ],
        ),
        DemoClient(
            "Elena Bruno",
            dict(
                emails=["elena.bruno@example.it"],
                phones=["+39 329 444 5566"],
                city="Bologna",
                channel="sms",
                tier="C",
                tags=["bakery", "local"],
                likes=["il cornetto con crema al pistacchio"],
                gender="f",
                birthday=birthday_today,
                since=ago(years=3, months=4),
                lang="it",
                formal=False,
            ),
            [
                (
                    15,
                    "visit",
                    "in",
                    "Ha ordinato cornetti al pistacchio per l'ufficio",
                    ("topic:la colazione in ufficio",),
                )
            ],
        ),
        DemoClient(
            "Roberto Esposito",
            dict(
                emails=["roberto.esposito@example.it"],
                city="Napoli",
                channel="email",
                tags=["former"],
                gender="m",
                since=ago(years=9, months=7),
                lang="it",
                formal=True,
            ),
            [(900, "email", "out", "Chiuso il conto: si è trasferito all'estero", ())],
        ),
        DemoClient(
            "Forno Rinaldi",
            dict(
                emails=["ordini@fornorinaldi.example"],
                phones=["+39 051 333 4455"],
                city="Bologna",
                channel="email",
                tier="B",
                tags=["wholesale", "local"],
                business=True,
                contact_person="Marco Rinaldi",
                likes=["la farina di farro macinata a pietra"],
                prefers=["consegne prima delle 7"],
                since=ago(years=7, months=3),
                lang="it",
                formal=True,
            ),
            [
                (
                    6,
                    "visit",
                    "out",
                    "Consegnata la prima fornitura di farina di farro",
                    ("topic:la prima fornitura di farina di farro",),
                ),
            ],
        ),
        DemoClient(
            "Bassi S.r.l.",
            dict(
                emails=["ufficio@bassi-srl.example"],
                city="Modena",
                channel="email",
                tier="B",
                tags=["consulting"],
                business=True,
                contact_person="Ing. Paolo Bassi",
                prefers=["preventivi con IVA esposta"],
                since=ago(years=1, months=2),
                lang="it",
                formal=True,
            ),
            [
                (
                    9,
                    "meeting",
                    "in",
                    "Ha chiesto un'offerta per le vetrine della nuova sede",
                    ("topic:le vetrine della nuova sede",),
                ),
            ],
        ),
        DemoClient(
            "Avv. Ada Riva",
            dict(
                emails=["ada.riva@example.it"],
                phones=["+39 335 678 9012"],
                city="Bologna",
                channel="email",
                tier="B",
                likes=["il tè nero affumicato"],
                gender="f",
                salutation="Gentile Avv. Riva",
                since=ago(years=4, months=7),
                lang="it",
                formal=True,
            ),
            [
                (
                    4,
                    "visit",
                    "in",
                    "È passata a ordinare le bomboniere per la laurea della figlia",
                    ("topic:la laurea della figlia",),
                ),
            ],
        ),
    ]


ARCHIVED = ("Roberto Esposito",)
