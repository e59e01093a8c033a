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
    # incident, private, and "follow_up:+N" (days after the touchpoint).
    history: list[tuple[int, str, str, str, tuple[str, ...]]] = field(default_factory=list)

    def touchpoints(self, client_id: str, today: date) -> list[Touchpoint]:
        """The history as touchpoints dated from ``today`` (ids left for the store)."""
        found = []
        for days_ago, channel, direction, note, flags in self.history:
            when = today - timedelta(days=days_ago)
            follow = next((f for f in flags if f.startswith("follow_up:")), None)
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
                )
            )
        return found


def demo_clients(today: date) -> list[DemoClient]:
    """A dozen clients of a small Bologna shop-and-studio, with their history."""

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
                prefers=["il pane ai semi del sabato", "niente sacchetti di plastica"],
                since=ago(years=6, months=2),
                lang="it",
                formal=False,
            ),
            [
                (70, "visit", "in", "Ha preso il pane ai semi, ha chiesto della segale", ()),
                (68, "sms", "out", "Le ho detto che il pane di segale torna il giovedì", ()),
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
                prefers=["flat white con latte d'avena, bollente, un pizzico di cannella"],
                since=ago(years=3, months=1, days=9),
                lang="it",
                formal=False,
            ),
            [
                (
                    120,
                    "coffee",
                    "out",
                    "Abbiamo parlato della sua nuova ciclofficina in via del Pratello",
                    (),
                ),
                (80, "email", "out", "Mandato il menù d'autunno", ()),
                (45, "email", "out", "Invitato alla serata di degustazione", ()),
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
                prefers=["le spiegazioni con calma, di persona", "il vecchio Nokia come riserva"],
                since=ago(years=20),
                lang="it",
                formal=True,
                note="Cliente da quando ha aperto il negozio; non si lamenta mai.",
            ),
            [
                (400, "visit", "in", "Batteria nuova per il suo Nokia", ()),
                (200, "call", "out", "Ricordato il cambio della tariffa SIM", ()),
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
                prefers=["i biglietti scritti a mano"],
                since=ago(years=2, months=5),
                lang="it",
                formal=True,
                shared_contact=True,
                private_note="Ha comprato l'orologio d'argento per i 50 anni di Luca: è una "
                "sorpresa, lui legge la casella di famiglia.",
            ),
            [
                (12, "visit", "in", "Ritirato l'orologio inciso per il marito", ("private",)),
                (40, "email", "out", "Mandate le foto della collezione di primavera", ()),
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
                prefers=["il cappotto blu di lana"],
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
                    "Quando torna il cappotto blu di lana nella taglia 42?",
                    ("needs_reply",),
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
                since=ago(years=4, months=1),
                lang="en",
                formal=False,
            ),
            [
                (50, "meeting", "out", "Wrapped up the shop-window redesign", ()),
                (33, "email", "out", "Sent the final files and the invoice", ("follow_up:+33",)),
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
                prefers=["espresso, no sugar"],
                since=ago(years=1, months=9),
                lang="en",
                formal=False,
            ),
            [
                (20, "email", "out", "Delivered the packaging study", ()),
                (19, "email", "in", "Thanks, will review with the team", ()),
            ],
        ),
        DemoClient(
            "Pietro Gallo",
            dict(
                phones=["+39 051 998 877"],
                city="Bologna",
                channel="call",
                tier="C",
                prefers=["il pane di segale, affettato"],
                since=ago(years=11, months=4),
                lang="it",
                formal=True,
                note="Riservato; passa il martedì. Non chiede mai niente.",
            ),
            [(190, "visit", "in", "Preso il pane di segale, affettato", ())],
        ),
        DemoClient(
            "Francesca Conti",
            dict(
                emails=["f.conti@example.it"],
                phones=["+39 340 555 1212"],
                city="Bologna",
                channel="email",
                tier="B",
                prefers=["la torta di mandorle per il pranzo della domenica"],
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
                prefers=["silk scarves in muted colours"],
                since=ago(years=2, months=6),
                lang="en",
                formal=True,
            ),
            [(60, "email", "out", "Sent the new scarf catalogue", ())],
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
                prefers=["il cornetto con crema al pistacchio"],
                birthday=birthday_today,
                since=ago(years=3, months=4),
                lang="it",
                formal=False,
            ),
            [(15, "visit", "in", "Ordinati cornetti al pistacchio per l'ufficio", ())],
        ),
        DemoClient(
            "Roberto Esposito",
            dict(
                emails=["roberto.esposito@example.it"],
                city="Napoli",
                channel="email",
                tags=["former"],
                since=ago(years=9, months=7),
                lang="it",
                formal=True,
            ),
            [(900, "email", "out", "Chiuso il conto: si è trasferito all'estero", ())],
        ),
    ]


ARCHIVED = ("Roberto Esposito",)
