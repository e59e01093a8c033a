"""A believable sample book for ``crm demo``, dated relative to the demo's day.

Plain data: the demo command writes it through the store like any other book.
The people are invented; the situations are the ones the tool exists for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

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


def demo_clients(today: date) -> list[DemoClient]:
    """A dozen clients of a small Bologna shop-and-studio, with their history."""

    def ago(**kw: int) -> str:
        return (today - relativedelta(**kw)).isoformat()

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
                prefers=["the seeded sourdough on Saturdays", "no plastic bags"],
                since=ago(years=6, months=2),
                lang="it",
                formal=False,
            ),
            [
                (70, "visit", "in", "Bought the seeded sourdough, asked about rye", ()),
                (68, "sms", "out", "Told her the rye loaf is back on Thursdays", ()),
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
                prefers=["oat flat white, extra hot, a pinch of cinnamon"],
                since=ago(years=3, months=1, days=9),
                lang="it",
                formal=False,
            ),
            [
                (120, "coffee", "out", "Talked about his new bike shop in via del Pratello", ()),
                (80, "email", "out", "Sent the autumn menu", ()),
                (45, "email", "out", "Invited him to the tasting evening", ()),
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
                prefers=["explains things slowly, in person", "his old Nokia as a spare"],
                since=ago(years=20),
                lang="it",
                formal=True,
                note="Customer since the shop opened; never complains.",
            ),
            [
                (400, "visit", "in", "New battery for his Nokia", ()),
                (200, "call", "out", "Reminded him of the SIM plan change", ()),
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
                prefers=["hand-written cards"],
                since=ago(years=2, months=5),
                lang="it",
                formal=True,
                shared_contact=True,
                private_note="Bought the silver watch for Luca's 50th: a surprise, he reads "
                "the family inbox.",
            ),
            [
                (12, "visit", "in", "Picked up the engraved watch for her husband", ("private",)),
                (40, "email", "out", "Sent the photos of the spring collection", ()),
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
                prefers=["the blue wool coat"],
                since=ago(months=8),
                lang="it",
                formal=False,
            ),
            [
                (30, "email", "out", "Order shipped with the tracking number", ()),
                (
                    2,
                    "email",
                    "in",
                    "Asks when the blue wool coat comes back in size 42",
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
                prefers=["the rye loaf, sliced"],
                since=ago(years=11, months=4),
                lang="it",
                formal=True,
                note="Quiet; comes in on Tuesdays. Never asks for anything.",
            ),
            [(190, "visit", "in", "Bought the rye loaf, sliced", ())],
        ),
        DemoClient(
            "Francesca Conti",
            dict(
                emails=["f.conti@example.it"],
                phones=["+39 340 555 1212"],
                city="Bologna",
                channel="email",
                tier="B",
                prefers=["the almond cake for Sunday lunch"],
                since=ago(years=5, months=2, days=3),
                lang="it",
                formal=False,
            ),
            [
                (25, "email", "out", "Confirmed the almond cake for Sunday", ()),
                (1, "visit", "in", "The almond cake was ready 40 minutes late", ("incident",)),
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
                prefers=["a cornetto with pistachio cream"],
                birthday=birthday_today,
                since=ago(years=3, months=4),
                lang="it",
                formal=False,
            ),
            [(15, "visit", "in", "Ordered pistachio cornetti for the office", ())],
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
            [(900, "email", "out", "Closed the account: he moved abroad", ())],
        ),
    ]


def history_dates(today: date, days_ago: int) -> date:
    return today - timedelta(days=days_ago)


ARCHIVED = ("Roberto Esposito",)
