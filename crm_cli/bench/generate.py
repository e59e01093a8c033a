"""A believable client book of any size, the same for the same seed.

``python -m crm_cli.bench generate --clients N --touchpoints M --seed S --home DIR``

The book is built in memory (:func:`build`, pure: one ``random.Random(seed)``
and an explicit ``today``, never the clock) and written through the store's
own API in one unit of work (:func:`write_book`). People have names in
Italian, English, Polish, German, French, Spanish and Chinese; a history of
10 to 25 years, denser recently; and the situations the tool exists for: open
requests, incidents, promises, private notes, snoozes, playbooks.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from crm_cli.core import terms
from crm_cli.core.contacts import fold, slugify, unique_id
from crm_cli.core.dates import parse_cadence
from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.playbooks import builtin_playbooks, start

from . import DEFAULT_SEED, TODAY

__all__ = [
    "CONFIG_TOML",
    "GENERATOR_VERSION",
    "BookData",
    "GenerateError",
    "build",
    "disk_bytes",
    "generate",
    "write_book",
]

GENERATOR_VERSION = 1
"""Bump when the same seed starts giving a different book (cached books are then rebuilt)."""

MY_CITY = "Bologna"

CONFIG_TOML = """\
# Written by the crm benchmark generator.
my_name = "Chiara Lombardi"
signature = "Chiara — Bottega Lombardi, via Saragozza 12, Bologna"
email = "chiara@example.it"
city = "Bologna"
default_lang = "it"
"""


class GenerateError(Exception):
    """The book cannot be generated as asked (a non-empty home, a bad number)."""


# --------------------------------------------------------------------------- people


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# First and last names per language; Chinese ones are (hanzi, pinyin).
_IT_FIRST = _words(
    "Giulia Marco Francesca Luca Chiara Alessandro Sofia Matteo Giorgia Lorenzo Martina "
    "Andrea Sara Davide Elena Simone Federica Riccardo Valentina Nicolò Beatrice Tommaso "
    "Ilaria Gabriele Alessia Filippo Anna Pietro Caterina Emanuele Noemi Mattia Camilla "
    "Edoardo Aurora Giovanni Rosa Salvatore Lucia Carmela Giuseppe Maria Antonio Teresa "
    "Gianluca Rita Vittorio Agnese Raffaele Benedetta Fabrizio Ludovica Stefano Paola"
)
_IT_LAST = (
    *_words(
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani "
        "Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Lombardo "
        "Serra Coppola Marchetti Parisi Villa Conte Ferraro Ferri Fabbri Bianco Marini Grasso "
        "Valentini Messina Sala Gatti Pellegrini Palumbo Sanna Farina Rizzi Monti Cattaneo "
        "Morelli Amato Silvestri Mazza Testa Grassi Pellegrino Carbone Giuliani Benedetti "
        "Barone Rossetti Caputo Montanari Guerra Palmieri Bernardi Fiore Ferretti Bellini "
        "Basile Riva Donati Piras Vitali Battaglia Sartori Neri Costantini Milani Pagano "
        "Sorrentino Orlando Negri Zanetti Zanotti Bassi Guidi Righi Tabanelli Zucchini"
    ),
    "De Luca",
    "De Santis",
    "D'Angelo",
    "D'Amico",
    "Dall'Olio",
    "De Rosa",
    "Lo Russo",
)
_EN_FIRST = _words(
    "Oliver Amelia George Isla Harry Ava Jack Emily Noah Sophie Charlie Grace Thomas Lily "
    "James Zoë Chloë William Olivia Henry Freya Alfie Evie Arthur Poppy Daniel Hannah "
    "Samuel Ruby Joseph Niamh Siobhán Rhys Eilidh Callum"
)
_EN_LAST = (
    *_words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Turner "
        "Baker Harris Cooper King Lee Martin Morgan Bennett Carter Phillips Mitchell Patel "
        "Khan Murphy Kelly Campbell Stewart"
    ),
    "O'Brien",
    "O'Connor",
    "McAllister",
    "Fitzgerald-Hughes",
)
_PL_FIRST = _words(
    "Łukasz Małgorzata Paweł Agnieszka Michał Katarzyna Piotr Anna Tomasz Magdalena "
    "Krzysztof Joanna Wojciech Zofia Jakub Ewa Grzegorz Dorota Bartłomiej Żaneta "
    "Stanisław Aleksandra Jędrzej Bożena"
)
_PL_LAST = _words(
    "Nowak Wójcik Kowalczyk Woźniak Mazur Krawczyk Kaczmarek Zając Król Wieczorek "
    "Pawlak Michalak Sikora Walczak Baran Szewczyk Dudek Pietrzak Wróbel Górecki "
    "Jabłoński Łuczak Kołodziej Żak"
)
_DE_FIRST = _words(
    "Lukas Anna Jürgen Lena Felix Sören Marie Maximilian Jonas Hannah Leonie Paul Käthe "
    "Björn Günther Ursula Tobias Sabine Matthias Katrin Jörg Svenja Uwe Heike"
)
_DE_LAST = (
    *_words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
        "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
        "Hofmann Hartmann Lange Weiß Groß Köhler"
    ),
    "von Brandt",
)
_FR_FIRST = (
    *_words(
        "Léa Chloé Manon Camille Inès Zoé Louis Gabriel Raphaël Jules Hugo Théo Noémie Hélène "
        "François Amélie Benoît Célia Jérôme Mathéo Élodie Gaëlle Loïc Anaïs"
    ),
    "Jean-Pierre",
    "Marie-Claire",
)
_FR_LAST = _words(
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèvre Michel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent "
    "Lefebvre Faure André Mercier Blanc Guérin Boyer Chevalier Lemaître"
)
_ES_FIRST = _words(
    "José María Lucía Martín Hugo Sofía Mateo Paula Alejandro Valentina Daniel Julia "
    "Pablo Carmen Álvaro Elena Adrián Inés Javier Nuria Raúl Begoña Íñigo Jesús Ramón"
)
_ES_LAST = _words(
    "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
    "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro "
    "Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Castillo Ortega Núñez Peña"
)
_ZH_LAST = tuple(
    zip(
        _words("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高"),
        _words(
            "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao"
        ),
        strict=True,
    )
)
_ZH_FIRST = tuple(
    zip(
        _words(
            "芳 伟 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 晓明 丹 文 雪"
        ),
        _words(
            "fang wei na min jing li qiang lei jun yang yong yan jie juan tao ming chao "
            "xiuying xia ping gang guiying xiaoming dan wen xue"
        ),
        strict=True,
    )
)

_LANGS: tuple[tuple[str, float], ...] = (
    ("it", 0.45),
    ("en", 0.12),
    ("de", 0.09),
    ("fr", 0.10),
    ("es", 0.10),
    ("pl", 0.07),
    ("zh", 0.07),
)
_NAMES = {
    "it": (_IT_FIRST, _IT_LAST),
    "en": (_EN_FIRST, _EN_LAST),
    "pl": (_PL_FIRST, _PL_LAST),
    "de": (_DE_FIRST, _DE_LAST),
    "fr": (_FR_FIRST, _FR_LAST),
    "es": (_ES_FIRST, _ES_LAST),
}
_DOMAINS = {
    "it": ("example.it", "example.com", "example.org"),
    "en": ("example.co.uk", "example.com", "example.org"),
    "pl": ("example.pl", "example.com"),
    "de": ("example.de", "example.com", "example.net"),
    "fr": ("example.fr", "example.com", "example.net"),
    "es": ("example.es", "example.com"),
    "zh": ("example.cn", "example.com", "example.net"),
}
_COMPANY = {
    "it": (
        "{last} S.r.l.",
        "Studio {last}",
        "Forno {last}",
        "Bottega {last}",
        "{last} & Figli",
        "Ristorante Da {first}",
        "Farmacia {last}",
        "Officina {last}",
    ),
    "en": ("{last} & Co", "{last} Ltd", "{last} Design", "The {last} Bakery"),
    "pl": ("{last} sp. z o.o.", "Pracownia {last}"),
    "de": ("{last} GmbH", "Bäckerei {last}", "{last} & Söhne"),
    "fr": ("{last} SARL", "Atelier {last}", "Maison {last}"),
    "es": ("{last} S.L.", "Taller {last}", "Café {first}"),
    "zh": ("{last} Trading", "{last}贸易有限公司", "{last} Import-Export"),
}
_NEARBY = (
    "Casalecchio di Reno",
    "San Lazzaro di Savena",
    "Zola Predosa",
    "Castel Maggiore",
    "Imola",
    "Pianoro",
)
_FAR = {
    "it": ("Modena", "Milano", "Firenze", "Roma", "Ferrara", "Padova", "Ravenna", "Napoli"),
    "en": ("London", "Manchester", "Edinburgh", "Bristol"),
    "pl": ("Kraków", "Warszawa", "Gdańsk", "Łódź"),
    "de": ("München", "Berlin", "Köln", "Düsseldorf"),
    "fr": ("Paris", "Lyon", "Nantes", "Besançon"),
    "es": ("Madrid", "Sevilla", "A Coruña", "Málaga"),
    "zh": ("上海", "北京", "Shanghai", "Wenzhou"),
}
_TAGS = (
    "vip",
    "newsletter",
    "wholesale",
    "referral",
    "press",
    "supplier",
    "friend",
    "café",
    "bakery",
    "architect",
    "family business",
    "gluten-free",
)
# How a client likes to be served: guides the professional, never said in a message.
# Written without gendered forms ("chiamare dopo le 18", not "essere chiamata").
_PREFERS = {
    "it": (
        "le email brevi",
        "telefonate dopo le 18",
        "niente sacchetti di plastica",
        "la consegna a domicilio",
        "la fattura a fine mese",
        "il tavolo vicino alla finestra",
        "gli appuntamenti di mattina presto",
        "le spiegazioni con calma, di persona",
    ),
    "en": (
        "short emails",
        "calls after 6 pm",
        "no plastic bags",
        "invoices at month end",
        "the window table",
        "early appointments",
    ),
}
# What may be offered to them (a message offers it: "ho in mente una cosa per Lei: …"), so
# only things one can give; a hobby is a topic, not a like.
_LIKES = {
    "it": (
        "il pane ai semi del sabato",
        "il caffè macchiato senza zucchero",
        "il tè verde",
        "la focaccia appena sfornata",
        "i dolci senza glutine",
        "i tortellini fatti a mano",
        "la crostata di albicocche",
        "le rose bianche",
        "la torta di mandorle",
        "il cornetto al pistacchio",
    ),
    "en": (
        "an oat milk flat white",
        "a slice of carrot cake",
        "gluten-free pastries",
        "the sourdough loaf",
        "Earl Grey with lemon",
        "white roses",
        "the almond cake",
        "green tea",
    ),
}
# Topics: what the next message may bring back, written to be said to the client.
_TOPICS = {
    "it": (
        "il viaggio a Lisbona",
        "il nuovo negozio",
        "la laurea della figlia",
        "il trasloco",
        "il matrimonio in primavera",
        "la mostra in Pinacoteca",
        "le vacanze in Sardegna",
        "il nuovo progetto",
        "la ristrutturazione della cucina",
        "la maratona di Bologna",
    ),
    "en": (
        "the trip to Lisbon",
        "the new shop",
        "the graduation in June",
        "the move",
        "the spring wedding",
        "the exhibition at the Pinacoteca",
        "the holiday in Sardinia",
        "the new project",
        "the kitchen renovation",
        "the Bologna marathon",
    ),
}
# First names read as women's; the ones here and in _EITHER aside, as men's.
_FEMALE = frozenset(
    _words(
        "Giulia Francesca Chiara Sofia Giorgia Martina Sara Elena Federica Valentina Beatrice "
        "Ilaria Alessia Anna Caterina Noemi Camilla Aurora Rosa Lucia Carmela Maria Teresa "
        "Rita Agnese Benedetta Ludovica Paola Amelia Isla Ava Emily Sophie Grace Lily Zoë "
        "Chloë Olivia Freya Evie Poppy Hannah Ruby Niamh Siobhán Eilidh Małgorzata Agnieszka "
        "Katarzyna Magdalena Joanna Zofia Ewa Dorota Żaneta Aleksandra Bożena Lena Marie "
        "Leonie Käthe Ursula Sabine Katrin Svenja Heike Léa Chloé Manon Inès Zoé Noémie "
        "Hélène Amélie Célia Élodie Gaëlle Anaïs Marie-Claire María Lucía Sofía Paula Julia "
        "Carmen Nuria Begoña 芳 娜 敏 静 丽 艳 娟 秀英 霞 桂英 丹 雪 Fang Na Min Jing Li Yan "
        "Juan Xiuying Xia Guiying Dan Xue"
    )
)
_EITHER = frozenset(_words("Charlie Camille 明 文 Ming Wen"))
_IT_TITLES = {
    "f": ("Dott.ssa", "Avv.", "Prof.ssa", "Ing."),
    "m": ("Dott.", "Avv.", "Prof.", "Ing."),
}
_FIRM_FORMS = {
    "it": ("{last} S.r.l.", "{last} & Figli S.n.c.", "Pasticceria {last}", "Officina {last}"),
    "en": ("{last} Ltd", "{last} & Co Ltd"),
    "pl": ("{last} sp. z o.o.",),
    "de": ("{last} GmbH",),
    "fr": ("{last} SARL",),
    "es": ("{last} S.L.",),
    "zh": ("{last} Trading Ltd",),
}
_CLIENT_NOTES = {
    "it": (
        "Cliente da quando ha aperto il negozio.",
        "Primo incontro alla fiera di Bologna.",
        "Arrivo tramite un collega.",
        "Ha due figli, Luca e Marta.",
        "Preferisce una telefonata alle email lunghe.",
        "Viene sempre il sabato mattina.",
    ),
    "en": (
        "Met at the Bologna design fair.",
        "Referred by a colleague.",
        "Prefers a quick call to long emails.",
        "Two children, Tom and Ella.",
        "Always comes in on Saturday mornings.",
    ),
}
_PRIVATE_NOTES = {
    "it": (
        "Lutto in famiglia nel 2024: delicatezza.",
        "Problemi di salute: non chiedere.",
        "Ritardi nei pagamenti nel 2019.",
        "Separazione in corso: non nominare la famiglia.",
    ),
    "en": (
        "Going through a divorce: don't ask about the family.",
        "Late payer in the past.",
        "Health issues: do not mention.",
        "Lost their father last year.",
    ),
}

# --------------------------------------------------------------------------- phones

# E.164 prefixes and how many digits follow; mobiles first.
_IT_MOBILE = tuple(
    f"+39{p}"
    for p in _words(
        "320 324 327 328 329 330 331 333 334 335 336 337 338 339 340 342 345 346 347 348 349 "
        "351 366 368 380 388 389 391 392 393"
    )
)
_MOBILE = {
    "it": (_IT_MOBILE, 7),
    "en": (("+4474", "+4475", "+4477", "+4478", "+4479"), 8),
    "de": (("+49151", "+49160", "+49170", "+49176"), 8),
    "fr": (
        (
            "+3361",
            "+3362",
            "+3364",
            "+3365",
            "+3366",
            "+3367",
            "+3368",
            "+3375",
            "+3376",
            "+3377",
            "+3378",
        ),
        7,
    ),
    "es": (("+346",), 8),
    "pl": (
        (
            "+4850",
            "+4851",
            "+4853",
            "+4857",
            "+4860",
            "+4866",
            "+4869",
            "+4872",
            "+4878",
            "+4879",
            "+4888",
        ),
        7,
    ),
    "zh": (("+86135", "+86136", "+86138", "+86139", "+86186"), 8),
}
_FIXED = {
    "it": (("+39051", 7), ("+39051", 6), ("+3902", 8), ("+3906", 8), ("+39059", 6)),
    "en": (("+442079460", 3), ("+441614960", 3), ("+441134960", 3)),  # Ofcom drama ranges
    "de": (("+4930", 8), ("+4989", 8)),
    "fr": (("+3314", 7), ("+3347", 7)),
    "es": (("+3491", 7), ("+3493", 7)),
    "pl": (("+4812", 7), ("+4822", 7)),
    "zh": (("+86215", 7), ("+86216", 7), ("+86106", 7), ("+86108", 7)),
}

# --------------------------------------------------------------------------- history

_CHANNEL_MIX = (  # the whole book: email most, then visits, calls, SMS
    ("email", 0.36),
    ("visit", 0.17),
    ("call", 0.15),
    ("sms", 0.12),
    ("coffee", 0.05),
    ("meeting", 0.06),
    ("note", 0.09),
)
_INBOUND = {
    "email": 0.42,
    "visit": 0.85,
    "call": 0.4,
    "sms": 0.4,
    "coffee": 0.2,
    "meeting": 0.3,
    "note": 0.0,
}
_TP_NOTES = {
    "it": {
        ("email", "out"): (
            "Mandato il catalogo d'autunno",
            "Confermato l'ordine",
            "Inviato il preventivo",
            "Auguri di buone feste",
            "Ricordato l'appuntamento di martedì",
        ),
        ("email", "in"): (
            "Chiede se il pane di segale torna",
            "Domanda sui tempi di consegna",
            "Ringrazia per il regalo",
            "Chiede la fattura di marzo",
        ),
        ("visit", "in"): (
            "Ha preso il pane ai semi",
            "Ha ritirato l'ordine",
            "Ha provato la nuova miscela",
            "In negozio con la figlia",
        ),
        ("visit", "out"): ("Passato in negozio a consegnare",),
        ("call", "out"): (
            "Chiamato per l'ordine di Natale",
            "Ricordato il cambio di orario",
            "Telefonata per il preventivo",
        ),
        ("call", "in"): ("Ha chiamato per un appuntamento", "Chiede se siamo aperti ad agosto"),
        ("sms", "out"): ("Avviso: l'ordine è pronto", "Detto che il pane di segale torna giovedì"),
        ("sms", "in"): ("Arriva alle 10", "Ha ringraziato per l'ordine"),
        ("coffee", "out"): (
            "Caffè in via del Pratello: parlato del nuovo progetto",
            "Caffè al bar sotto il portico",
        ),
        ("coffee", "in"): ("Ha offerto il caffè",),
        ("meeting", "out"): ("Riunione per il nuovo progetto", "Presentato il preventivo"),
        ("meeting", "in"): ("Ha chiesto una riunione",),
        ("note", "out"): (
            "Ricordarsi del compleanno della figlia",
            "Cambia indirizzo a gennaio",
            "Preferisce le telefonate la mattina",
        ),
    },
    "en": {
        ("email", "out"): (
            "Sent the autumn catalogue",
            "Confirmed the order",
            "Sent the quote",
            "Season's greetings",
            "Reminded of Tuesday's appointment",
        ),
        ("email", "in"): (
            "Asks when the rye bread is back",
            "Question about delivery times",
            "Thanks for the gift",
            "Asks for the March invoice",
        ),
        ("visit", "in"): ("Bought the seeded loaf", "Picked up the order", "Tried the new blend"),
        ("visit", "out"): ("Dropped the order off at the office",),
        ("call", "out"): ("Called about the Christmas order", "Told them about the new hours"),
        ("call", "in"): ("Called to book an appointment", "Asks if we are open in August"),
        ("sms", "out"): ("Told them the order is ready", "Told them rye bread is back on Thursday"),
        ("sms", "in"): ("On their way", "Thanked us for the order"),
        ("coffee", "out"): ("Coffee on via del Pratello: the new project",),
        ("coffee", "in"): ("Bought the coffee this time",),
        ("meeting", "out"): ("Meeting about the new project", "Presented the quote"),
        ("meeting", "in"): ("Asked for a meeting",),
        ("note", "out"): ("Daughter's birthday in May", "Moving house in January"),
    },
}
_REQUESTS = {
    "it": (
        "Chiede un preventivo per la cena aziendale",
        "Chiede se possiamo spedire a Milano",
        "Vuole sapere se la torta senza glutine è disponibile sabato",
    ),
    "en": (
        "Asks for a quote for the company dinner",
        "Asks if we ship to London",
        "Wants to know if the gluten-free cake is available on Saturday",
    ),
}
# What each request asks about, in the client's words (its topic).
_REQUEST_TOPICS = {
    "Chiede un preventivo per la cena aziendale": "il preventivo per la cena aziendale",
    "Chiede se possiamo spedire a Milano": "la spedizione a Milano",
    "Vuole sapere se la torta senza glutine è disponibile sabato": "la torta senza glutine",
    "Asks for a quote for the company dinner": "the quote for the company dinner",
    "Asks if we ship to London": "shipping to London",
    "Wants to know if the gluten-free cake is available on Saturday": "the gluten-free cake",
}
_INCIDENTS = {
    "it": (
        "Ordine arrivato in ritardo",
        "Torta rovinata nella consegna",
        "Ha aspettato 20 minuti al banco",
        "Fattura sbagliata",
    ),
    "en": (
        "The order arrived late",
        "Cake damaged in delivery",
        "Waited 20 minutes at the till",
        "Wrong invoice",
    ),
}
_PRIVATE_TP = {
    "it": (
        "Ha confidato che sta cercando un altro lavoro",
        "Parlato della malattia della madre",
    ),
    "en": ("Said in confidence they are job hunting", "Talked about their mother's illness"),
}
_SNOOZE_REASONS = (
    None,
    "in ospedale",
    "on holiday until the end of the month",
    "trasloco",
    "asked for a break after the complaint",
)
_CADENCES = (
    "2 weeks",
    "monthly",
    "6 weeks",
    "every 2 months",
    "quarterly",
    "yearly",
    "never",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU",
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass
class BookData:
    """Everything the generator writes, in the order it is written."""

    clients: list[Client] = field(default_factory=list)
    touchpoints: list[Touchpoint] = field(default_factory=list)  # date order, ids t1..tN
    snoozes: list[Snooze] = field(default_factory=list)
    steps: list[PlannedStep] = field(default_factory=list)


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


class _Picker:
    """Weighted choice with one ``rng.random()`` call (faster than ``rng.choices``)."""

    def __init__(self, items: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in items]
        self.cum = _cumulative([w for _, w in items])
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n)


def _ascii(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum())


class _People:
    """Clients: names, contacts, preferences. Keeps emails unique."""

    def __init__(self, rng: random.Random, today: date, book_start: date) -> None:
        self.rng = rng
        self.today = today
        self.book_start = book_start
        self.lang = _Picker(_LANGS)
        self.taken_ids: set[str] = set()
        self.taken_emails: set[str] = set()
        self.next_email: dict[str, int] = {}
        self.next_id: dict[str, int] = {}
        self.cadences = {text: parse_cadence(text).canonical() for text in _CADENCES}
        # Issue 11's fields draw from their own stream: one draw of the main one.
        self.more = random.Random(rng.getrandbits(32))

    def name(self, lang: str) -> tuple[str, str, str]:
        """(first name, last name, display name)."""
        rng = self.rng
        if lang == "zh":
            (last, last_py), (first, first_py) = rng.choice(_ZH_LAST), rng.choice(_ZH_FIRST)
            if rng.random() < 0.35:  # written the Western way, in pinyin
                first, last = first_py.title(), last_py.title()
                return first, last, f"{first} {last}"
            return first, last, f"{last}{first}"
        firsts, lasts = _NAMES[lang]
        first, last = rng.choice(firsts), rng.choice(lasts)
        if lang == "es" and rng.random() < 0.4:
            last = f"{last} {rng.choice(lasts)}"
        if lang == "it" and rng.random() < 0.06:
            # A compound first name of one gender ("Maria Teresa", "Gian Luca" style).
            same = [f for f in firsts if (f in _FEMALE) == (first in _FEMALE) and f != first]
            first = f"{first} {rng.choice(same)}"
        return first, last, f"{first} {last}"

    def email(self, lang: str, first: str, last: str, shared: bool) -> str:
        rng = self.rng
        domain = rng.choice(_DOMAINS[lang])
        style = rng.random()
        if shared:
            local = f"{'famiglia' if lang == 'it' else 'family'}.{last}"
        elif style < 0.5:
            local = f"{first}.{last}"
        elif style < 0.7:
            local = f"{first[:1]}{last}"
        elif style < 0.85:
            local = f"{first}{rng.randrange(1950, 2006)}"
        else:
            local = f"{last}.{first}"
        local = local or "client"
        address = f"{local}@{domain}"
        # Namesakes are many in a big book: start after the last number handed out for this
        # address (every lower one is taken), not at 2 each time (quadratic in namesakes).
        n = self.next_email.get(address, 1)
        found = address if n == 1 else f"{local}{n}@{domain}"
        while found in self.taken_emails:
            n += 1
            found = f"{local}{n}@{domain}"
        self.next_email[address] = n
        self.taken_emails.add(found)
        return found

    def phones(self, lang: str) -> tuple[list[str], list[str]]:
        rng = self.rng
        country = lang if rng.random() < (0.9 if lang == "it" else 0.45) else "it"
        phones: list[str] = []
        mobiles: list[str] = []
        roll = rng.random()
        if roll < 0.78:  # a mobile
            prefixes, n = _MOBILE[country]
            number = rng.choice(prefixes) + _digits(rng, n)
            phones.append(number)
            mobiles.append(number)
        if roll > 0.6:  # a fixed line (alone, or besides the mobile)
            prefix, n = rng.choice(_FIXED[country])
            phones.append(prefix + _digits(rng, n))
        return phones, mobiles

    def birthday(self) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:
            return None
        month = rng.randrange(1, 13)
        day = rng.randrange(1, _DAYS_IN_MONTH[month - 1] + 1)
        if rng.random() < 0.004:
            month, day = 2, 29
        if roll < 0.6:
            return f"--{month:02d}-{day:02d}"
        year = rng.choice((1988, 1992)) if (month, day) == (2, 29) else rng.randrange(1938, 2004)
        return f"{year}-{month:02d}-{day:02d}"

    def unique(self, base: str) -> str:
        """What ``unique_id`` gives, starting after the last number given for ``base``."""
        n = self.next_id.get(base)
        if n is None:
            found = unique_id(base, self.taken_ids)
        else:
            while f"{base}-{n}" in self.taken_ids:
                n += 1
            found = f"{base}-{n}"
        self.next_id[base] = int(found.rsplit("-", 1)[1]) + 1 if found != base else 2
        return found

    def client(self) -> Client:
        rng = self.rng
        lang = self.lang(rng)
        first, last, name = self.name(lang)
        cid = self.unique(slugify(name))
        if lang == "zh":  # the mailbox is in pinyin
            first_py = dict(_ZH_FIRST).get(first, first)
            last_py = dict(_ZH_LAST).get(last, last)
            user_first, user_last = _ascii(first_py), _ascii(last_py)
        else:
            user_first, user_last = _ascii(first), _ascii(last)
        self.taken_ids.add(cid)
        text_lang = "it" if lang == "it" else "en"
        shared = rng.random() < 0.05
        emails: list[str] = []
        if rng.random() < 0.88:
            emails.append(self.email(lang, user_first, user_last, shared))
            if rng.random() < 0.06:
                emails.append(self.email(lang, user_first, user_last, False))
        phones, mobiles = self.phones(lang)
        if rng.random() < 0.08:  # nobody wrote the number down
            phones, mobiles = [], []
        roll = rng.random()
        tags: list[str] = []
        if roll < (0.5 if lang == "it" else 0.25):
            city: str | None = MY_CITY
        elif roll < 0.7:
            city = rng.choice(_NEARBY)
            if rng.random() < 0.6:
                tags.append("local")
        elif roll < 0.95:
            city = rng.choice(_FAR[lang] + _FAR["it"])
        else:
            city = None
        tags += rng.sample(_TAGS, k=rng.choice((0, 0, 0, 1, 1, 2)))
        # Joined any time in the book's life, a little more often lately.
        span = (self.today - self.book_start).days
        since = self.book_start + timedelta(days=int(span * rng.random() ** 0.8))
        since = min(since, self.today - timedelta(days=7))
        channel = _Picker(
            (
                (None, 0.40),
                ("email", 0.25 if emails else 0),
                ("sms", 0.12 if mobiles else 0),
                ("call", 0.13 if phones else 0),
                ("coffee", 0.10 if city in (MY_CITY, *_NEARBY) else 0),
            )
        )(rng)
        cadence = None
        if rng.random() < 0.15:
            cadence = self.cadences[rng.choice(_CADENCES)]
        company = None
        if rng.random() < 0.3:
            company = rng.choice(_COMPANY[lang]).format(first=first, last=last)
        client_lang = text_lang if lang in terms.LANGUAGES or rng.random() < 0.5 else None
        formal = rng.choice((None, None, True, False))
        more = self.more
        # Texts in the language the drafts will be written in (the book's default: it).
        says = client_lang or "it"
        prefers = more.sample(_PREFERS[says], k=more.choice((0, 0, 0, 1, 1, 2)))
        likes = more.sample(_LIKES[says], k=more.choice((0, 0, 1, 1, 1, 2)))
        head = first.split()[0]
        gender = None if head in _EITHER else ("f" if head in _FEMALE else "m")
        if more.random() < 0.3:
            gender = None  # not on file
        family = last
        salutation = None
        if formal and gender in ("f", "m") and more.random() < 0.3:
            if says == "it":
                salutation = f"Gentile {'signora' if gender == 'f' else 'signor'} {family}"
            else:
                salutation = f"Dear {'Ms' if gender == 'f' else 'Mr'} {family}"
        business = False
        contact_person = None
        if lang == "it" and gender and more.random() < 0.03:
            name = f"{more.choice(_IT_TITLES[gender])} {name}"
        elif more.random() < 0.025:
            business, contact_person = True, name
            name = more.choice(_FIRM_FORMS[lang]).format(last=last)
            company = None
            gender = salutation = None
        return Client(
            id=cid,
            name=name,
            since=since,
            emails=emails,
            phones=phones,
            mobiles=mobiles,
            company=company,
            city=city,
            channel=channel,
            tier=_Picker((("A", 0.1), ("B", 0.25), ("C", 0.35), (None, 0.3)))(rng),
            tags=tags,
            cadence=cadence,
            birthday=self.birthday(),
            lang=client_lang,
            formal=formal,
            prefers=prefers,
            likes=likes,
            gender=gender,
            salutation=salutation,
            business=business,
            contact_person=contact_person,
            note=rng.choice(_CLIENT_NOTES[text_lang]) if rng.random() < 0.3 else None,
            private_note=rng.choice(_PRIVATE_NOTES[text_lang]) if rng.random() < 0.08 else None,
            email_consent=rng.random() >= 0.05,
            sms_consent=rng.random() >= 0.06,
            do_not_contact=rng.random() < 0.015,
            shared_contact=shared,
            archived=rng.random() < 0.03,
        )


def _text_lang(client: Client) -> str:
    return client.lang or "it"


class _History:
    """One client's touchpoints, oldest first, with requests, incidents and promises."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.days: dict[int, date] = {}
        self.mixes: dict[tuple[bool, bool, bool], _Picker] = {}
        self.more = random.Random(rng.getrandbits(32))  # topics: a stream of their own

    def day(self, ordinal: int) -> date:
        found = self.days.get(ordinal)
        if found is None:
            found = self.days[ordinal] = date.fromordinal(ordinal)
        return found

    def mix(self, client: Client) -> _Picker:
        key = (bool(client.emails), bool(client.phones), bool(client.mobiles))
        picker = self.mixes.get(key)
        if picker is None:
            weights = dict(_CHANNEL_MIX)
            if not client.emails:
                weights["visit"] += weights["email"] * 0.6
                weights["meeting"] += weights["email"] * 0.4
                weights["email"] = 0
            if not client.mobiles:
                weights["call"] += weights["sms"]
                weights["sms"] = 0
            if not client.phones:
                weights["visit"] += weights["call"]
                weights["call"] = 0
            picker = self.mixes[key] = _Picker(tuple(weights.items()))
        return picker

    def touchpoints(self, client: Client, count: int, end: date) -> list[Touchpoint]:
        # The loop of a million touchpoints: names bound once, the same draws in the
        # same order as ever (a seed gives one book).
        rng = self.rng
        random_, choice, more = rng.random, rng.choice, self.more
        first = client.since.toordinal()
        span = max(0, end.toordinal() - first)
        # Denser recently: the density over the tenure grows like x**0.7.
        ordinals = sorted(first + int(span * random_() ** 0.6) for _ in range(count))
        mix = self.mix(client)
        values, cum, total = mix.values, mix.cum, mix.total
        bisect_right = bisect.bisect_right
        lang = _text_lang(client)
        notes = _TP_NOTES[lang]
        requests, incidents, private_tp = _REQUESTS[lang], _INCIDENTS[lang], _PRIVATE_TP[lang]
        topics = _TOPICS[lang]
        inbound, request_topics = _INBOUND, _REQUEST_TOPICS
        day, client_id = self.day, client.id
        out: list[Touchpoint] = []
        append = out.append
        for ordinal in ordinals:
            channel = values[bisect_right(cum, random_() * total)]
            direction = "in" if random_() < inbound[channel] else "out"
            roll = random_()
            note = None
            needs_reply = incident = private = False
            follow_up = None
            if channel == "note" or roll < 0.55:
                note = choice(notes[(channel, direction)])
            if direction == "in" and channel in ("email", "sms") and roll < 0.15:
                needs_reply = True
                note = choice(requests)
            elif direction == "in" and channel in ("visit", "call", "email") and roll > 0.993:
                incident = True
                note = choice(incidents)
            elif roll > 0.97:
                private = True
                note = choice(private_tp)
            if direction == "out" and channel != "note" and random_() < 0.025:
                follow_up = day(ordinal + rng.randrange(3, 31))
            topic = None
            if needs_reply:
                topic = request_topics.get(note or "")
            elif (
                channel in ("visit", "coffee", "meeting", "call")
                and not (incident or private)
                and more.random() < 0.15
            ):
                topic = more.choice(topics)
            append(
                Touchpoint(
                    "",
                    client_id,
                    day(ordinal),
                    channel,
                    direction,
                    note,
                    needs_reply,
                    incident,
                    private,
                    follow_up,
                    topic,
                )
            )
        self._close_old(out)
        return out

    def _close_old(self, tps: list[Touchpoint]) -> None:
        """What the history leaves open: only recent promises, no requests or incidents.

        Requests and incidents after the last outbound contact would stay open
        for years; the few open ones are made on purpose (:meth:`open_request`).
        """
        recent = self.day(self.today.toordinal() - 30)
        for tp in reversed(tps):
            if tp.direction == "out" and tp.channel != "note":
                if tp.follow_up is not None and tp.follow_up < recent:
                    tp.follow_up = None
                break
            tp.needs_reply = tp.incident = False

    def open_item(self, client: Client, tps: list[Touchpoint], kind: str) -> None:
        """Make the client's newest touchpoint an open request or incident of the last days."""
        rng = self.rng
        lang = _text_lang(client)
        newest = tps[-1].date.toordinal() if tps else client.since.toordinal()
        day = self.day(max(newest, self.today.toordinal() - rng.randrange(0, 4)))
        if kind == "request":
            channel = "email" if client.emails else ("sms" if client.mobiles else "call")
            note = rng.choice(_REQUESTS[lang])
            tp = Touchpoint(
                "",
                client.id,
                day,
                channel,
                "in",
                note,
                needs_reply=True,
                topic=_REQUEST_TOPICS.get(note),
            )
        else:
            tp = Touchpoint(
                "", client.id, day, "visit", "in", rng.choice(_INCIDENTS[lang]), incident=True
            )
        if tps:
            tps[-1] = tp  # the count stays as asked
            self._close_old(tps[:-1])  # what the replaced one answered stays answered
        else:
            tps.append(tp)


def build(
    clients: int, touchpoints: int, seed: int = DEFAULT_SEED, today: date = TODAY
) -> BookData:
    """The whole book in memory; the same arguments give the same book."""
    if clients < 1:
        raise GenerateError("--clients must be at least 1")
    if touchpoints < 0:
        raise GenerateError("--touchpoints must be 0 or more")
    rng = random.Random(seed)
    years = rng.randint(10, 25)
    book_start = today.replace(year=today.year - years, day=min(today.day, 28))
    people = _People(rng, today, book_start)
    data = BookData(clients=[people.client() for _ in range(clients)])

    # When each client stopped being active, and how busy they are.
    ends: list[date] = []
    weights: list[float] = []
    tier_factor = {"A": 2.5, "B": 1.5, "C": 1.0, None: 0.8}
    for c in data.clients:
        end = today
        if c.archived or c.do_not_contact:
            tenure = (today - c.since).days
            end = c.since + timedelta(days=int(tenure * rng.uniform(0.2, 0.95)))
        ends.append(end)
        active_days = max(1, (end - c.since).days)
        weights.append(active_days * rng.lognormvariate(0.0, 0.8) * tier_factor[c.tier])
    counts = [0] * clients
    for index in rng.choices(range(clients), weights=weights, k=touchpoints):
        counts[index] += 1

    history = _History(rng, today)
    contactable = [i for i, c in enumerate(data.clients) if not (c.archived or c.do_not_contact)]
    few = max(1, len(contactable) // 50) if contactable else 0
    open_requests = set(rng.sample(contactable, k=min(few, len(contactable))))
    open_incidents = set(rng.sample(contactable, k=min(max(1, few // 3), len(contactable))))
    all_tps: list[Touchpoint] = []
    for i, c in enumerate(data.clients):
        tps = history.touchpoints(c, counts[i], ends[i])
        if i in open_requests and counts[i]:
            history.open_item(c, tps, "request")
        elif i in open_incidents and counts[i]:
            history.open_item(c, tps, "incident")
        all_tps.extend(tps)
    all_tps.sort(key=attrgetter("date"))  # stable: a client's own order is kept within a day
    for n, tp in enumerate(all_tps, start=1):
        tp.id = f"t{n}"
    data.touchpoints = all_tps
    _close_topics(data.clients, all_tps)

    # Snoozes (a few ended already) and playbooks started lately.
    for i in contactable:
        if rng.random() < 0.025:
            c = data.clients[i]
            until = today + timedelta(days=rng.randrange(-20, 61))
            data.snoozes.append(Snooze(c.id, until, rng.choice(_SNOOZE_REASONS)))
    playbooks = builtin_playbooks()
    names = sorted(playbooks)
    for i in contactable:
        if rng.random() < 0.015:
            c = data.clients[i]
            began = max(c.since, today - timedelta(days=rng.randrange(0, 150)))
            steps = start(playbooks[rng.choice(names)], c.id, began)
            if rng.random() < 0.2:
                for step in steps:
                    step.stopped = True
            data.steps.extend(steps)
    return data


def _close_topics(clients: list[Client], tps: list[Touchpoint]) -> None:
    """Close topics as ``crm log`` would have: each outbound contact closes the newest
    topic open before it."""
    opened: dict[str, list[str]] = {}
    closed: dict[str, list[str]] = {}
    for tp in tps:  # date order, then logging order
        mine = opened.setdefault(tp.client_id, [])
        if tp.direction == "out" and tp.is_contact and mine:
            closed.setdefault(tp.client_id, []).append(mine.pop())
        if tp.topic:
            mine.append(tp.id)
    for client in clients:
        client.closed_topics = closed.get(client.id, [])


def write_book(home: Path, data: BookData) -> None:
    """Everything in one unit of work, through the store's public API."""
    from crm_cli.store import open_book

    with open_book(home, write=True) as book:
        book.add_clients(data.clients)  # one call: each add checks the ids taken so far
        data.touchpoints = book.add_touchpoints(data.touchpoints)  # with their ids
        for snooze in data.snoozes:
            book.set_snooze(snooze)
        if data.steps:
            book.add_steps(data.steps)


def disk_bytes(path: Path) -> int:
    """Bytes of the files under ``path``, each inode once (backups are hard links)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


@dataclass
class Generated:
    clients: int
    touchpoints: int
    bytes: int
    seconds: float
    data: BookData

    def summary(self, home: Path) -> str:
        return (
            f"generated {self.clients:,} clients, {self.touchpoints:,} touchpoints, "
            f"{self.bytes / 1e6:.1f} MB on disk in {self.seconds:.1f} s ({home})"
        )


def check_empty(home: Path) -> None:
    if home.exists():
        if not home.is_dir():
            raise GenerateError(f"{home} is a file: give a new or empty directory")
        if any(home.iterdir()):
            raise GenerateError(f"{home} is not empty: give a new or empty directory")


def generate(
    home: Path,
    clients: int,
    touchpoints: int,
    seed: int = DEFAULT_SEED,
    today: date = TODAY,
) -> Generated:
    """Build the book and write it, with ``config/config.toml``, into the empty ``home``."""
    started = time.perf_counter()
    check_empty(home)
    data = build(clients, touchpoints, seed, today)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_book(home, data)
    config = home / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    (config / "config.toml").write_text(CONFIG_TOML, encoding="utf-8")
    seconds = time.perf_counter() - started
    return Generated(clients, len(data.touchpoints), disk_bytes(home), seconds, data)


def main(args: argparse.Namespace) -> int:
    """``generate`` from parsed arguments (see ``__main__``)."""
    home = Path(args.home).expanduser()
    try:
        result = generate(home, args.clients, args.touchpoints, args.seed, args.today)
    except GenerateError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    sys.stderr.write(result.summary(home) + "\n")
    return 0
