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


History = list[tuple[int, str, str, str, tuple[str, ...]]]


@dataclass
class DemoClient:
    name: str
    options: dict[str, Any]
    # (days ago, channel, direction, note, flags) — flags among needs_reply,
    # incident, private, "follow_up:+N" (days after the touchpoint) and
    # "topic:TEXT" (what the next message may bring back, in the client's words).
    history: History = field(default_factory=list)

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


def _each(days: tuple[int, ...], channel: str, direction: str, notes: tuple[str, ...]) -> History:
    """Contacts on ``days`` (days ago), the notes taken in turn."""
    return [(d, channel, direction, notes[i % len(notes)], ()) for i, d in enumerate(days)]


# The year before each client's recent contacts (all older than them, so the demo
# day's plan is the same): regular clients seen within their cadence, the two
# long-standing tier C clients who never ask for anything left to drift, requests
# answered in one to four days, incidents mended the next day or late. No topics
# and no promises: what is open on the demo day is only what the recent lines say.
# Each client's newest added outbound contact is on another channel than its newest
# recent one, so no "the last two contacts were by …: time for a coffee" appears.
_YEAR: dict[str, History] = {
    "Giulia Bianchi": [
        *_each(
            (100, 128, 158, 221, 250, 283, 312, 341, 365),
            "visit",
            "in",
            (
                "Ha preso il pane ai semi per il fine settimana",
                "Ha comprato due filoni e una focaccia per una cena con amici",
                "Passata con la figlia, hanno preso i grissini",
            ),
        ),
        (190, "call", "out", "Chiamata per dirle che era pronta la torta ordinata", ()),
    ],
    "Marco Ferri": [
        *_each(
            (165, 255, 345),
            "email",
            "out",
            ("Mandato il listino dei caffè in grani", "Mandate le foto del nuovo bancone"),
        ),
        (210, "coffee", "out", "Caffè al bar: parlato dei nuovi orari del locale", ()),
        (300, "email", "in", "Chiede se facciamo consegne il lunedì", ("needs_reply",)),
        (297, "email", "out", "Risposto: le consegne il lunedì partono dal mese prossimo", ()),
        (390, "visit", "in", "Passato a scegliere le tazze per il locale", ()),
    ],
    "Giuseppe Russo": [
        (330, "visit", "in", "Passato per un caricabatterie nuovo; non ha chiesto altro", ()),
        (260, "visit", "in", "Ha chiesto una custodia per il telefono del nipote", ()),
    ],
    "Anna Colombo": [
        *_each(
            (130, 220, 310),
            "email",
            "out",
            ("Mandate le foto delle novità", "Mandato il catalogo dei regali"),
        ),
        *_each((175, 265, 355), "visit", "in", ("Ha scelto un regalo per un'amica",)),
        (85, "call", "out", "Chiamata per dirle che l'ordine era arrivato", ()),
        (400, "email", "out", "Mandati gli auguri per le feste con il catalogo", ()),
    ],
    "Sofia Marino": [
        (235, "email", "in", "Primo ordine online: il maglione grigio", ()),
        (234, "email", "out", "Confermato l'ordine e la spedizione", ()),
        (180, "email", "out", "Mandata la lista dei saldi", ()),
        (150, "email", "in", "Chiede se il maglione si può cambiare di taglia", ("needs_reply",)),
        (148, "email", "out", "Risposto: cambio gratuito, mandata l'etichetta per il reso", ()),
        (110, "email", "in", "Secondo ordine: una sciarpa", ()),
        (75, "sms", "out", "Mandato l'SMS con il codice di tracciamento", ()),
    ],
    "Emma Clarke": [
        *_each(
            (75, 130, 185, 245, 300, 360),
            "meeting",
            "out",
            (
                "Reviewed the shop-window sketches together",
                "Went through the budget for the redesign",
                "Site visit at the studio with the carpenter",
            ),
        ),
        *_each(
            (100, 160, 270, 330),
            "email",
            "out",
            ("Sent the revised drawings", "Sent the monthly progress notes"),
        ),
        (215, "email", "in", "The mock-ups arrived a week later than promised", ("incident",)),
        (212, "call", "out", "Called to apologise for the late mock-ups; new date agreed", ()),
        (131, "email", "in", "Asks whether the lighting can be changed", ("needs_reply",)),
        (130, "email", "out", "Answered about the lighting with two options", ()),
    ],
    "Łukasz Nowak": [
        *_each(
            (68, 116, 188, 236, 284, 332),
            "email",
            "out",
            ("Sent the material samples list", "Sent the printer's quote"),
        ),
        *_each(
            (92, 140, 212, 260, 308, 356),
            "email",
            "in",
            ("Sent back comments on the samples", "Shared the brief for the next box"),
        ),
        (164, "email", "in", "Asks for the print files by the end of the week", ("needs_reply",)),
        (160, "email", "out", "Sent the print files, a few days late", ()),
        (44, "meeting", "out", "Presented the first packaging sketches", ()),
        (380, "meeting", "out", "Kick-off of the packaging project at his studio", ()),
    ],
    "Pietro Gallo": [
        (370, "visit", "in", "Ha preso il pane di segale, come sempre il martedì", ()),
        (300, "call", "out", "Chiamato per dirgli che il forno era chiuso per ferie", ()),
        (280, "visit", "in", "Ha preso il pane di segale e due panini", ()),
    ],
    "Francesca Conti": [
        *_each(
            (120, 220, 320),
            "email",
            "out",
            ("Confermato l'ordine della crostata", "Mandato il menù delle torte"),
        ),
        *_each((160, 270, 370), "visit", "in", ("Ha ritirato la torta di compleanno",)),
        (171, "visit", "in", "La crostata non era quella ordinata", ("incident",)),
        (170, "call", "out", "Chiamata per scusarsi; rifatta la crostata giusta", ()),
        (70, "call", "out", "Chiamata per fissare il ritiro della domenica", ()),
    ],
    "Wang Fang 王芳": [
        *_each(
            (115, 225, 335),
            "email",
            "out",
            ("Sent the autumn scarf catalogue", "Sent the care guide for silk"),
        ),
        *_each((170, 280), "email", "in", ("Ordered two scarves in grey and green",)),
        (390, "email", "in", "Asked for the scarf catalogue in English", ()),
    ],
    "Elena Bruno": [
        *_each(
            (45, 80, 120, 225, 260, 300, 340),
            "visit",
            "in",
            (
                "Ha preso cornetti per i colleghi",
                "Colazione al banco prima del lavoro",
                "Ha ordinato una torta per la festa in ufficio",
            ),
        ),
        (100, "sms", "out", "Avvisata che i cornetti al pistacchio erano tornati", ()),
        (240, "call", "out", "Chiamata per confermare la torta dell'ufficio", ()),
    ],
    "Forno Rinaldi": [
        *_each(
            (50, 150, 200, 300, 350),
            "email",
            "out",
            ("Mandato il listino delle farine", "Confermata la consegna settimanale"),
        ),
        (
            101,
            "email",
            "in",
            "Chiede il prezzo della farina integrale a quintali",
            ("needs_reply",),
        ),
        (100, "email", "out", "Risposto con il prezzo a quintale e i tempi di consegna", ()),
        (250, "visit", "out", "Portati i campioni di farina al forno", ()),
        (400, "email", "out", "Mandata la prima offerta per la farina di farro", ()),
    ],
    "Bassi S.r.l.": [
        (290, "email", "out", "Mandata la presentazione dello studio", ()),
        (200, "email", "in", "L'Ing. Bassi chiede un primo incontro", ("needs_reply",)),
        (197, "email", "out", "Proposte due date per l'incontro", ()),
        (120, "meeting", "out", "Primo incontro in sede con l'Ing. Bassi", ()),
        (60, "email", "out", "Mandato il riepilogo dell'incontro", ()),
    ],
    "Avv. Ada Riva": [
        *_each((55, 160, 270), "visit", "in", ("È passata per un regalo di lavoro",)),
        (105, "email", "out", "Mandate le proposte per i regali dello studio", ()),
        (215, "email", "in", "Chiede se possiamo incartare venti regali", ("needs_reply",)),
        (215, "email", "out", "Risposto il giorno stesso: sì, pronti in tre giorni", ()),
        (325, "sms", "out", "Avvisata che i regali erano pronti", ()),
        (30, "sms", "out", "Avvisata dell'arrivo del tè nero affumicato", ()),
        (380, "visit", "in", "Ha ordinato i biglietti di auguri dello studio", ()),
    ],
}


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
    clients = [
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
    for client in clients:
        client.history = [*_YEAR.get(client.name, []), *client.history]
    return clients


ARCHIVED = ("Roberto Esposito",)
