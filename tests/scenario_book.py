"""A hand-made book of hard and ordinary clients, and the scenario drafts rendered from it.

Everything goes through the real commands (``crm add-client``, ``crm log``, ``crm draft``)
in-process, on the fixed day 2026-11-23 (a Monday), with ``my_gender = "f"`` in
config.toml: the professional is Chiara, a woman, so Italian agreement between two
women is tested by every female client.

Ordinary clients: one per purpose x language x register, each with the premise of its
purpose in its history (a request for the reply, an incident for the recovery, a birthday
today for the birthday...), local and reachable on every channel, so that each gets a
draft on email, sms, call and coffee. Hard clients: the ones issue 11 names (a company
with and without a contact person, a title, a family-name-first name, a child on a shared
phone, a complaint last, a request waiting 11 days, a twenty-year client on his
anniversary, a client abroad, a landline-only elderly client...).

``render_all`` returns, per scenario name, what ``crm draft`` printed (links dropped,
messages on stderr kept as ``! `` lines) and what of it the client would receive.
"""

# Options are written as a few lines of "--flag", value pairs joined with +.
# ruff: noqa: RUF005

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from crm_cli.cli.app import app
from crm_cli.core import terms

DAY = "2026-11-23"

CONFIG_TOML = """\
my_name = "Chiara Lombardi"
my_gender = "f"
signature = "Chiara — Bottega Lombardi, via Saragozza 12, Bologna"
email = "chiara@bottegalombardi.example"
city = "Bologna"
default_lang = "it"
"""


@dataclass
class Person:
    """A client as ``crm add-client`` takes it, and the ``crm log`` lines of its history."""

    key: str
    name: str
    options: list[str]
    logs: list[list[str]] = field(default_factory=list)  # [channel, *options] with --date


@dataclass
class Scenario:
    name: str  # also the golden file's name: says what it tests
    client: str  # a Person key
    args: list[str]  # the options of ``crm draft`` besides --date
    channel: str  # what it is expected to come out as: email, sms, call (coffee: by its send)


def _reg(formal: bool) -> str:
    return "formal" if formal else "informal"


# -- ordinary clients: one per purpose x language x register --------------------------

# (key suffix, name, gender) per language x register x purpose: all different people.
_NAMES = {
    ("it", True): [
        ("Lucia Ferrante", "f"),
        ("Alberto Mancini", "m"),
        ("Rosa Santoro", "f"),
        ("Enrico Galli", "m"),
        ("Teresa Longo", "f"),
        ("Vittorio Leone", "m"),
        ("Paola Gentile", "f"),
        ("Carlo Vitale", "m"),
    ],
    ("it", False): [
        ("Martina Serra", "f"),
        ("Davide Coppola", "m"),
        ("Ilaria Parisi", "f"),
        ("Simone Villa", "m"),
        ("Noemi Conte", "f"),
        ("Riccardo Sala", "m"),
        ("Camilla Gatti", "f"),
        ("Filippo Monti", "m"),
    ],
    ("en", True): [
        ("Margaret Hughes", "f"),
        ("Richard Turner", "m"),
        ("Helen Baker", "f"),
        ("David Cooper", "m"),
        ("Susan Bennett", "f"),
        ("Peter Carter", "m"),
        ("Alison Mitchell", "f"),
        ("Graham Stewart", "m"),
    ],
    ("en", False): [
        ("Sophie Walker", "f"),
        ("Jack Roberts", "m"),
        ("Grace Wood", "f"),
        ("Harry Green", "m"),
        ("Ruby Hall", "f"),
        ("Oliver King", "m"),
        ("Lily Morgan", "f"),
        ("Thomas Edwards", "m"),
    ],
}

_WORDS = {
    "it": dict(
        likes="il pane ai semi del sabato",
        prefers="la fattura a fine mese",
        topic="il viaggio a Lisbona",
        welcome_topic="la prima torta di compleanno",
        welcome_note="Prima visita: ha ordinato una torta per il compleanno del figlio",
        thanks_note="Ha portato in negozio un'amica che ha ordinato il catering",
        thanks_topic="il catering per l'amica",
        checkin_note="Caffè in via del Pratello: racconta del viaggio a Lisbona",
        followup_note="Mandato il preventivo per la vetrina; risponde entro fine mese",
        followup_topic="il preventivo per la vetrina",
        reply_note="Chiede se la torta senza glutine è disponibile sabato",
        reply_topic="la torta senza glutine di sabato",
        recovery_note="Ordine consegnato con due giorni di ritardo, era seccata",
        birthday_note="Ha ritirato l'ordine del mese",
        anniversary_note="Ha provato la nuova miscela e l'ha comprata",
    ),
    "en": dict(
        likes="an oat milk flat white",
        prefers="invoices at month end",
        topic="the trip to Lisbon",
        welcome_topic="the first birthday cake",
        welcome_note="First visit: ordered a birthday cake for her son",
        thanks_note="Brought a friend in who ordered the catering",
        thanks_topic="the catering for your friend",
        checkin_note="Coffee on via del Pratello: told me about the Lisbon trip",
        followup_note="Sent the quote for the shop window; will answer by the end of the month",
        followup_topic="the quote for the shop window",
        reply_note="Asks if the gluten-free cake is available on Saturday",
        reply_topic="the gluten-free cake for Saturday",
        recovery_note="Order delivered two days late, was annoyed about it",
        birthday_note="Picked up the monthly order",
        anniversary_note="Tried the new blend and bought a bag",
    ),
}


def _ordinary(lang: str, formal: bool, purpose: str, n: int) -> Person:
    name, gender = _NAMES[(lang, formal)][n]
    w = _WORDS[lang]
    slug = name.split()[0].lower()
    digits = f"{n}{int(formal)}{terms.LANGUAGES.index(lang)}"
    number = f"+39 347 {digits} {digits}1"  # a mobile: 347 and seven digits
    options = [
        "--email",
        f"{slug}.{lang}{int(formal)}@example.it",
        "--phone",
        number,
        "--city",
        "Bologna",
        "--lang",
        lang,
        "--formal" if formal else "--informal",
        "--gender",
        gender,
        "--likes",
        w["likes"],
        "--prefers",
        w["prefers"],
        "--since",
        "2019-03-14",
    ]
    logs: list[list[str]] = []
    if purpose == "welcome":
        options[-1] = "2026-10-20"
        logs.append(["visit", "--in", "--date", "2026-10-20", "--note", w["welcome_note"]])
        logs.append(["visit", "--in", "--date", "2026-10-24", "--topic", w["welcome_topic"]])
    elif purpose == "thanks":
        logs.append(["email", "--date", "2026-09-02", "--note", w["birthday_note"]])
        logs.append(
            ["visit", "--in", "--date", "2026-11-20", "--note", w["thanks_note"]]
            + ["--topic", w["thanks_topic"]]
        )
    elif purpose == "check-in":
        logs.append(
            ["coffee", "--date", "2026-08-10", "--note", w["checkin_note"], "--topic", w["topic"]]
        )
    elif purpose == "follow-up":
        logs.append(
            ["email", "--date", "2026-11-09", "--note", w["followup_note"]]
            + ["--topic", w["followup_topic"], "--follow-up", DAY]
        )
    elif purpose == "reply":
        logs.append(["visit", "--in", "--date", "2026-10-03", "--topic", w["topic"]])
        logs.append(
            ["email", "--in", "--needs-reply", "--date", "2026-11-21", "--note", w["reply_note"]]
            + ["--topic", w["reply_topic"]]
        )
    elif purpose == "recovery":
        logs.append(["email", "--date", "2026-10-30", "--note", w["birthday_note"]])
        logs.append(["visit", "--in", "--incident", "--date", "2026-11-20"] + ["--note"])
        logs[-1].append(w["recovery_note"])
    elif purpose == "birthday":
        options += ["--birthday", "1971-11-23"]
        logs.append(["visit", "--in", "--date", "2026-10-15", "--note", w["birthday_note"]])
    elif purpose == "anniversary":
        options[-1] = "2016-11-23"
        logs.append(["visit", "--in", "--date", "2026-10-05", "--note", w["anniversary_note"]])
    key = f"{purpose}-{lang}-{_reg(formal)}"
    return Person(key, name, options, logs)


def ordinary_people() -> list[Person]:
    return [
        _ordinary(lang, formal, purpose, n)
        for lang in terms.LANGUAGES
        for formal in (True, False)
        for n, purpose in enumerate(terms.PURPOSES)
    ]


# -- the hard clients ----------------------------------------------------------------

HARD: list[Person] = [
    Person(
        "pasticceria",
        "Pasticceria Fratelli Rinaldi",
        ["--email", "ordini@pasticceria-rinaldi.example", "--phone", "+39 051 333 4455"]
        + ["--city", "Bologna", "--lang", "it", "--formal", "--since", "2014-02-03"]
        + ["--contact-person", "Marco Rinaldi", "--prefers", "consegne prima delle 7"]
        + ["--likes", "la farina di farro macinata a pietra"],
        [
            ["visit", "--date", "2026-08-27", "--note", "Consegnata la farina di farro"]
            + ["--topic", "la nuova linea di biscotti al farro"],
            ["email", "--in", "--needs-reply", "--date", "2026-11-20"]
            + ["--note", "Chiedono se possiamo raddoppiare la fornitura di dicembre"]
            + ["--topic", "la fornitura di dicembre"],
        ],
    ),
    Person(
        "srl",
        "Bassi S.r.l.",
        ["--email", "ufficio@bassi-srl.example", "--phone", "+39 059 222 111"]
        + ["--city", "Modena", "--lang", "it", "--formal", "--since", "2023-05-10"]
        + ["--prefers", "preventivi con IVA esposta"],
        [
            ["meeting", "--in", "--date", "2026-09-14"]
            + ["--note", "L'ufficio acquisti vuole le vetrine per la nuova sede"]
            + ["--topic", "le vetrine della nuova sede"],
        ],
    ),
    Person(
        "dottssa",
        "Dott.ssa Maria Grazia Fabbri",
        ["--email", "mg.fabbri@example.it", "--phone", "+39 335 678 9012"]
        + ["--city", "Bologna", "--lang", "it", "--formal", "--gender", "f"]
        + ["--since", "2020-06-01", "--likes", "il tè nero affumicato"],
        [
            ["visit", "--in", "--date", "2026-07-02"]
            + ["--note", "Passata a ordinare le bomboniere per la laurea della figlia"]
            + ["--topic", "la laurea di Sua figlia"],
        ],
    ),
    Person(
        "wang-fang",
        "王芳",
        ["--email", "wang.fang@example.cn", "--lang", "en", "--informal", "--gender", "f"]
        + ["--first-name", "Fang", "--since", "2022-01-12", "--likes", "silk scarves"],
        [
            ["email", "--date", "2026-08-03", "--note", "Sent her the new scarf catalogue"]
            + ["--topic", "the new scarf catalogue"]
        ],
    ),
    Person(
        "wang-fang-bare",
        "王芳",
        ["--email", "fang.wang@example.cn", "--lang", "en", "--formal", "--since", "2023-03-03"],
        [["email", "--in", "--date", "2026-07-20", "--note", "Asked about the silk scarves"]],
    ),
    Person(
        "two-women",
        "Giorgia Marchetti",
        ["--email", "giorgia.marchetti@example.it", "--phone", "+39 340 555 1212"]
        + ["--city", "Bologna", "--lang", "it", "--informal", "--gender", "f"]
        + ["--since", "2018-04-04", "--likes", "la torta di mandorle"],
        [
            ["coffee", "--date", "2026-09-18", "--note", "Caffè insieme: racconta del trasloco"]
            + ["--topic", "il trasloco a San Lazzaro"]
        ],
    ),
    Person(
        "shared-child",
        "Tommaso Greco",
        ["--phone", "+39 349 222 3344", "--city", "Bologna", "--lang", "it", "--informal"]
        + ["--gender", "m", "--shared-contact", "--birthday", "2014-11-23"]
        + ["--since", "2021-09-01", "--note", "Il telefono è della mamma, Anna"]
        + ["--private-note", "I genitori si stanno separando: non nominare il papà"],
        [
            ["visit", "--in", "--date", "2026-06-10", "--note", "Ha preso il gelato al pistacchio"],
            ["sms", "--date", "2026-07-01", "--private", "--note", "Papà trasferito a Torino"],
        ],
    ),
    Person(
        "complaint-last",
        "Carla Neri",
        ["--email", "carla.neri@example.it", "--phone", "+39 333 456 7788"]
        + ["--city", "Bologna", "--lang", "it", "--formal", "--gender", "f"]
        + ["--since", "2017-03-01", "--likes", "la crostata di albicocche"],
        [
            ["visit", "--in", "--date", "2026-06-20", "--note", "Ha ordinato la crostata"]
            + ["--topic", "la crostata per la festa"],
            ["call", "--in", "--incident", "--date", "2026-06-24"]
            + ["--note", "Si è lamentata: la crostata di albicocche era bruciata sotto"],
        ],
    ),
    Person(
        "waiting-11",
        "Paolo Ricci",
        ["--email", "paolo.ricci@example.it", "--phone", "+39 338 765 4321"]
        + ["--city", "Bologna", "--lang", "it", "--informal", "--gender", "m"]
        + ["--since", "2024-02-02"],
        [
            ["email", "--in", "--needs-reply", "--date", "2026-11-12"]
            + ["--note", "Chiede il prezzo del cesto natalizio grande per l'ufficio"]
            + ["--topic", "il prezzo del cesto natalizio grande"],
        ],
    ),
    Person(
        "twenty-years",
        "Giuseppe Russo",
        ["--email", "giuseppe.russo@example.it", "--phone", "+39 051 234 5678"]
        + ["--phone", "+39 338 111 2233", "--city", "Bologna", "--lang", "it", "--formal"]
        + ["--gender", "m", "--salutation", "Gentile signor Russo", "--since", "2006-11-23"]
        + ["--likes", "il macchiato caldo", "--prefers", "le spiegazioni con calma"],
        [
            ["visit", "--in", "--date", "2026-05-04", "--note", "Ha cambiato la batteria del Nokia"]
            + ["--topic", "il nuovo telefono per il nipote"],
        ],
    ),
    Person(
        "abroad",
        "Margaret Thompson",
        ["--email", "margaret.thompson@example.co.uk", "--phone", "+44 7700 900123"]
        + ["--city", "London", "--lang", "en", "--formal", "--gender", "f"]
        + ["--since", "2015-05-05", "--likes", "an oat milk flat white"],
        [
            ["email", "--in", "--date", "2026-07-14", "--note", "Talked about her granddaughter"]
            + ["--topic", "your granddaughter's wedding in Cornwall"],
        ],
    ),
    Person(
        "abroad-salutation",
        "Edward Fitzgerald",
        ["--email", "e.fitzgerald@example.co.uk", "--city", "Edinburgh", "--lang", "en"]
        + ["--formal", "--gender", "m", "--salutation", "Dear Mr Fitzgerald"]
        + ["--since", "2012-01-09"],
        [["email", "--date", "2026-04-02", "--note", "Sent the spring catalogue"]],
    ),
    Person(
        "landline-elderly",
        "Giovanna Mazza",
        ["--phone", "+39 051 998 877", "--city", "Bologna", "--lang", "it", "--formal"]
        + ["--gender", "f", "--birthday", "1941-03-02", "--since", "1998-10-10"]
        + ["--salutation", "Gentile signora Mazza", "--likes", "il pane di segale"],
        [["visit", "--in", "--date", "2026-05-17", "--note", "Ha preso il pane di segale"]],
    ),
    Person(
        "last-year",
        "Andrea Marini",
        ["--email", "andrea.marini@example.it", "--phone", "+39 320 987 6543"]
        + ["--city", "Bologna", "--lang", "it", "--formal", "--since", "2016-09-09"],
        [
            ["email", "--in", "--date", "2025-11-25", "--note", "Ha chiesto il catalogo"]
            + ["--topic", "il catalogo di Natale"],
        ],
    ),
    Person(
        "neglected",
        "Oliver Bennett",
        ["--email", "oliver.bennett@example.co.uk", "--phone", "+39 347 900 1122"]
        + ["--city", "Bologna", "--lang", "en", "--informal", "--gender", "m"]
        + ["--since", "2013-02-02"],
        [["visit", "--in", "--date", "2018-08-16", "--note", "Bought the seeded loaf"]],
    ),
    Person(
        "birthday-early",
        "Elena Bruno",
        ["--email", "elena.bruno@example.it", "--phone", "+39 329 444 5566"]
        + ["--city", "Bologna", "--lang", "it", "--informal", "--gender", "f"]
        + ["--birthday", "1990-11-25", "--since", "2023-07-01"],
        [["visit", "--in", "--date", "2026-11-08", "--note", "Ha ordinato i cornetti"]],
    ),
    Person(
        "no-birthday",
        "Sara Fontana",
        ["--email", "sara.fontana@example.it", "--city", "Bologna", "--lang", "it"]
        + ["--informal", "--gender", "f", "--since", "2022-02-22"],
        [["email", "--date", "2026-09-09", "--note", "Mandato il menù d'autunno"]],
    ),
    Person(
        "unknown-gender",
        "Andrea Costa",
        ["--email", "andrea.costa@example.it", "--phone", "+39 366 123 4567"]
        + ["--city", "Bologna", "--lang", "it", "--informal", "--since", "2021-10-10"],
        [
            ["coffee", "--date", "2026-10-01", "--note", "Caffè: parla della maratona"]
            + ["--topic", "la maratona di Bologna"]
        ],
    ),
]


def _s(name: str, client: str, channel: str | None, *args: str, sent: str = "") -> Scenario:
    """A scenario on ``--channel channel`` (None: the channel the plan picks), whose
    draft comes out as ``sent`` (default: the channel itself)."""
    options = [*args, "--channel", channel] if channel else list(args)
    return Scenario(
        name, client, options, sent or ("email" if channel in (None, "coffee") else channel)
    )


def hard_scenarios() -> list[Scenario]:
    checkin, reply, thanks = (
        ("--purpose", "check-in"),
        ("--purpose", "reply"),
        ("--purpose", "thanks"),
    )
    birthday, anniversary = ("--purpose", "birthday"), ("--purpose", "anniversary")
    recovery = ("--purpose", "recovery")
    return [
        _s("company-contact-reply-email", "pasticceria", "email", *reply),
        _s("company-contact-checkin-call", "pasticceria", "call", *checkin),
        _s("company-contact-anniversary-email", "pasticceria", "email", *anniversary),
        _s("company-contact-folded", "pasticceria", None),
        _s("company-no-birthday-refused", "pasticceria", "email", *birthday),
        _s("srl-no-contact-checkin-email", "srl", "email", *checkin),
        _s("srl-no-contact-checkin-call", "srl", "call", *checkin),
        _s("srl-no-contact-thanks-email", "srl", "email", *thanks),
        _s("title-dottssa-checkin-email", "dottssa", "email", *checkin),
        _s("title-dottssa-checkin-sms", "dottssa", "sms", *checkin),
        _s("title-dottssa-coffee-email", "dottssa", "coffee", *checkin, sent="email"),
        _s("title-dottssa-checkin-call", "dottssa", "call", *checkin),
        _s("family-first-fang-checkin-email", "wang-fang", "email", *checkin),
        _s("family-first-fang-thanks-email", "wang-fang", "email", *thanks),
        _s("family-first-bare-checkin-email", "wang-fang-bare", "email", *checkin),
        _s("two-women-checkin-email", "two-women", "email", *checkin),
        _s("two-women-checkin-sms", "two-women", "sms", *checkin),
        _s("two-women-coffee-email", "two-women", "coffee", *checkin, sent="email"),
        _s("shared-child-folded", "shared-child", None, sent="sms"),
        _s("shared-child-birthday-sms", "shared-child", "sms", *birthday),
        _s("shared-child-checkin-call", "shared-child", "call", *checkin),
        _s("complaint-last-recovery-email", "complaint-last", "email", *recovery),
        _s("complaint-last-recovery-sms", "complaint-last", "sms", *recovery),
        _s("complaint-last-thanks-email", "complaint-last", "email", *thanks),
        _s("complaint-last-checkin-email", "complaint-last", "email", *checkin),
        _s("waiting-11-days-reply-email", "waiting-11", "email", *reply),
        _s("waiting-11-days-reply-sms", "waiting-11", "sms", *reply),
        _s("waiting-11-days-reply-call", "waiting-11", "call", *reply),
        _s("waiting-11-days-welcome-refused", "waiting-11", "email", "--purpose", "welcome"),
        _s("twenty-years-folded", "twenty-years", None),
        _s("twenty-years-folded-call", "twenty-years", "call"),
        _s("twenty-years-anniversary-coffee", "twenty-years", "coffee", *anniversary),
        _s("abroad-checkin-email", "abroad", "email", *checkin),
        _s("abroad-anniversary-email", "abroad", "email", *anniversary),
        _s("abroad-coffee-refused", "abroad", "coffee", *checkin),
        _s("abroad-salutation-checkin-email", "abroad-salutation", "email", *checkin),
        _s("landline-elderly-coffee-by-phone", "landline-elderly", "coffee", *checkin, sent="call"),
        _s("landline-elderly-checkin-call", "landline-elderly", "call", *checkin),
        _s("landline-elderly-sms-refused", "landline-elderly", "sms", *checkin),
        _s("last-year-date-checkin-email", "last-year", "email", *checkin),
        _s("last-year-date-checkin-call", "last-year", "call", *checkin),
        _s("neglected-eight-years-checkin-email", "neglected", "email", *checkin),
        _s("neglected-eight-years-checkin-sms", "neglected", "sms", *checkin),
        _s("birthday-two-days-early-sms", "birthday-early", "sms", *birthday),
        _s("birthday-two-days-early-email", "birthday-early", "email", *birthday),
        _s("no-birthday-refused", "no-birthday", "email", *birthday),
        _s("no-birthday-forced", "no-birthday", "email", *birthday, "--force"),
        _s("unknown-gender-checkin-email", "unknown-gender", "email", *checkin),
        _s("unknown-gender-checkin-sms", "unknown-gender", "sms", *checkin),
        _s("unknown-gender-thanks-email", "unknown-gender", "email", *thanks),
        _s("unknown-gender-thanks-coffee", "unknown-gender", "coffee", *thanks),
    ]


def grid_scenarios() -> list[Scenario]:
    """Every purpose x channel x language x register, on its ordinary client."""
    found = []
    for person in ordinary_people():
        purpose, lang, register = person.key.split("-")[:-2], *person.key.split("-")[-2:]
        purpose_name = "-".join(purpose)
        for channel in terms.DRAFT_CHANNELS:
            sent = "email" if channel == "coffee" else channel
            found.append(
                Scenario(
                    f"{purpose_name}-{channel}-{lang}-{register}",
                    person.key,
                    ["--purpose", purpose_name, "--channel", channel],
                    sent,
                )
            )
    return found


def scenarios() -> list[Scenario]:
    return grid_scenarios() + hard_scenarios()


def people() -> list[Person]:
    return ordinary_people() + HARD


# -- building and rendering -----------------------------------------------------------


@dataclass
class Rendered:
    scenario: Scenario
    exit_code: int
    stdout: str
    stderr: str

    @property
    def golden(self) -> str:
        """What the golden file holds: the draft as shown (links aside), then messages."""
        lines = [
            line
            for line in self.stdout.rstrip().splitlines()
            if not line.startswith(("mailto:", "sms:"))
        ]
        text = "\n".join(lines).rstrip() + "\n"
        notes = [f"! {line}" for line in self.stderr.splitlines() if line.strip()]
        if self.exit_code:
            notes.insert(0, f"! exit {self.exit_code}")
        return (
            text + ("\n" + "\n".join(notes) + "\n" if notes else "")
            if lines
            else ("\n".join(notes) + "\n")
        )

    @property
    def is_call(self) -> bool:
        return self.stdout.startswith(("Chiama:", "Call:"))

    @property
    def sent(self) -> str | None:
        """The text the client receives (subject and body, or the SMS); None for a call
        sheet or a refused draft."""
        if self.exit_code or self.is_call:
            return None
        lines = [
            line
            for line in self.stdout.rstrip().splitlines()
            if not line.startswith(("mailto:", "sms:", "To: ", "(proposed slot:"))
        ]
        return "\n".join(lines).strip().removeprefix("Subject: ")


@dataclass
class ScenarioBook:
    home: Path
    config: Path
    ids: dict[str, str]  # Person key -> client id
    people: dict[str, Person]

    def env(self) -> dict[str, str]:
        return {"CRM_HOME": str(self.home), "CRM_CONFIG": str(self.config)}


def build_book(base: Path) -> ScenarioBook:
    """The scenario book in ``base``: clients and history through ``crm`` itself."""
    runner = CliRunner()
    home, config = base / "home", base / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(CONFIG_TOML, encoding="utf-8")
    env = {"CRM_HOME": str(home), "CRM_CONFIG": str(config)}
    ids: dict[str, str] = {}
    everyone = people()
    for person in everyone:
        result = runner.invoke(
            app, ["add-client", person.name, *person.options, "--date", DAY], env=env
        )
        assert result.exit_code == 0, (person.key, result.stdout, result.stderr)
        ids[person.key] = result.stdout.strip()
        for log in person.logs:
            result = runner.invoke(app, ["log", ids[person.key], *log], env=env)
            assert result.exit_code == 0, (person.key, log, result.stdout, result.stderr)
    return ScenarioBook(home, config, ids, {p.key: p for p in everyone})


def render(book: ScenarioBook, scenario: Scenario) -> Rendered:
    runner = CliRunner()
    args = ["draft", book.ids[scenario.client], *scenario.args, "--date", DAY]
    result = runner.invoke(app, args, env=book.env())
    assert "Traceback" not in result.stderr, (scenario.name, result.stderr)
    return Rendered(scenario, result.exit_code, result.stdout, result.stderr)


def render_all(base: Path) -> tuple[ScenarioBook, dict[str, Rendered]]:
    book = build_book(base)
    return book, {s.name: render(book, s) for s in scenarios()}


def book_notes(book: ScenarioBook) -> list[str]:
    """Every ``--note`` logged in the scenario book (the professional's own words)."""
    found = []
    for person in book.people.values():
        for log in person.logs:
            if "--note" in log:
                found.append(log[log.index("--note") + 1])
    return found
