"""Rules every draft of a morning must keep, checked over three sets of drafts.

- the demo morning: ``crm demo`` then ``crm drafts --date 2026-11-23 --out DIR``;
- the 200-client bench morning: ``bench generate --clients 200 --touchpoints 6000
  --seed 3`` then ``crm drafts`` on 2026-11-23;
- the scenario drafts of ``tests/scenario_book.py`` (``crm draft`` one by one).

Each book is built once per session. Each rule is its own test and names the draft
(``demo:<file>``, ``bench:<file>``, ``scenario:<name>``) and the offending text. What
is checked is what the client receives (an email's subject and body, an SMS, the
coffee invitation); call sheets are read by the professional, not sent, and are
checked only where a rule says so.
"""

from __future__ import annotations

import email
import email.policy
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import scenario_book
from typer.testing import CliRunner

from crm_cli.bench.generate import CONFIG_TOML as BENCH_CONFIG
from crm_cli.bench.generate import generate
from crm_cli.cli.app import app
from crm_cli.core import terms
from crm_cli.core.dates import birthday_in_year
from crm_cli.core.demo_book import DEMO_SETTINGS
from crm_cli.core.drafting.email_draft import draft_filename
from crm_cli.core.models import Client
from crm_cli.core.scheduler import is_local
from crm_cli.core.settings import Settings, settings_from_dict
from crm_cli.store import open_book

DAY = date(2026, 11, 23)
LATE, EARLY = 7, 2  # a birthday message: up to 2 days before, the birthday's week after


@dataclass
class Sent:
    """One draft of a morning, as the client would receive it (``text``), or a call sheet."""

    where: str
    client: Client
    lang: str
    purpose: str  # the draft's main purpose ("" when the scenario lets the plan choose)
    text: str | None  # None: a call sheet
    sheet: str | None  # the call sheet's text
    settings: Settings
    forced: bool = False


@dataclass
class Morning:
    name: str
    drafts: list[Sent]
    notes: list[str]  # every touchpoint note of the book
    said: list[str]  # topics and likes: written to be said, never evidence of a quote
    dates: dict[str, set[date]]  # client id -> the days of its touchpoints
    out: Path | None = None  # the --out directory of ``crm drafts``
    clients: dict[str, Client] = field(default_factory=dict)


# -- building the mornings --------------------------------------------------------------

_FILE = re.compile(
    r"^\d{4}-\d{2}-\d{2}-(?P<id>.+)-(?P<purpose>" + "|".join(terms.PURPOSES) + r")(-\d+)?"
    r"\.(?P<ext>eml|txt|ics)$"
)


def parse_name(name: str) -> tuple[str, str, str]:
    """(the client's part of the name, purpose, extension) of a file of ``--out``."""
    found = _FILE.match(name)
    assert found, f"unexpected file in the drafts directory: {name}"
    return found["id"], found["purpose"], found["ext"]


def by_file_id(clients: dict[str, Client]) -> dict[str, Client]:
    """Clients by the id part of their draft files (an id outside ASCII is hashed)."""
    found = {}
    for client in clients.values():
        stem = draft_filename(client.id, "welcome", DAY, ".eml")
        found[parse_name(stem)[0]] = client
    return found


def read_out(label: str, out: Path, clients: dict[str, Client], settings: Settings) -> list[Sent]:
    drafts = []
    named = by_file_id(clients)
    for path in sorted(out.iterdir()):
        cid, purpose, ext = parse_name(path.name)
        if ext == "ics":
            continue
        client = named[cid]
        lang = client.lang or settings.default_lang
        where = f"{label}:{path.name}"
        if ext == "eml":
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            lang = str(msg["Content-Language"] or lang)
            body = msg.get_body(preferencelist=("plain",))
            assert body is not None, where
            text = f"{msg['Subject']}\n\n{body.get_content().strip()}"
            drafts.append(Sent(where, client, lang, purpose, text, None, settings))
            continue
        raw = path.read_text(encoding="utf-8").strip()
        if raw.startswith(("Chiama:", "Call:")):
            drafts.append(Sent(where, client, lang, purpose, None, raw, settings))
        else:
            drafts.append(Sent(where, client, lang, purpose, raw, None, settings))
    return drafts


def book_facts(home: Path) -> tuple[dict[str, Client], list[str], list[str], dict[str, set[date]]]:
    with open_book(home) as book:
        clients = {c.id: c for c in book.clients()}
        tps = book.touchpoints()
    notes = sorted({tp.note for tp in tps if tp.note})
    said = sorted(
        {tp.topic for tp in tps if tp.topic} | {x for c in clients.values() for x in c.likes}
    )
    dates: dict[str, set[date]] = defaultdict(set)
    for tp in tps:
        dates[tp.client_id].add(tp.date)
    return clients, notes, said, dates


def morning_drafts(home: Path, config: Path, out: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["drafts", "--date", DAY.isoformat(), "--out", str(out)],
        env={"CRM_HOME": str(home), "CRM_CONFIG": str(config)},
    )
    # 1: a client could not be drafted (no channel allowed): a row of the summary.
    assert result.exit_code in (0, 1), (result.stdout, result.stderr)
    assert "drafts written" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Morning:
    base = tmp_path_factory.mktemp("demo-morning")
    home, out = base / "demo", base / "out"
    result = CliRunner().invoke(app, ["demo", "--home", str(home), "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.stderr
    morning_drafts(home, home / "config", out)
    settings = settings_from_dict(DEMO_SETTINGS)
    clients, notes, said, dates = book_facts(home)
    return Morning(
        "demo", read_out("demo", out, clients, settings), notes, said, dates, out, clients
    )


@pytest.fixture(scope="session")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Morning:
    base = tmp_path_factory.mktemp("bench-morning")
    home, out = base / "bench", base / "out"
    generate(home, 200, 6000, seed=3, today=DAY)
    morning_drafts(home, home / "config", out)
    settings = settings_from_dict(tomllib.loads(BENCH_CONFIG))
    clients, notes, said, dates = book_facts(home)
    return Morning(
        "bench", read_out("bench", out, clients, settings), notes, said, dates, out, clients
    )


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Morning:
    book, rendered = scenario_book.render_all(tmp_path_factory.mktemp("scenario-book"))
    settings = settings_from_dict(tomllib.loads(scenario_book.CONFIG_TOML))
    clients, notes, said, dates = book_facts(book.home)
    drafts = []
    for name, r in rendered.items():
        if r.exit_code:
            continue
        client = clients[book.ids[r.scenario.client]]
        args = r.scenario.args
        purpose = args[args.index("--purpose") + 1] if "--purpose" in args else ""
        lang = client.lang or settings.default_lang
        sheet = r.stdout if r.is_call else None
        drafts.append(
            Sent(
                f"scenario:{name}",
                client,
                lang,
                purpose,
                r.sent,
                sheet,
                settings,
                forced="--force" in args,
            )
        )
    return Morning("scenarios", drafts, notes, said, dates, None, clients)


MORNINGS = ("demo", "bench", "scenarios")


# Rules today's drafts break only through templates other helpers are rewriting
# (issue 11): the rule stays as strict, the failure is expected until the merge.
FAILING_TODAY: set[tuple[str, str]] = set()


@pytest.fixture(params=MORNINGS)
def morning(request: pytest.FixtureRequest) -> Morning:
    if (request.node.originalname, request.param) in FAILING_TODAY:
        request.applymarker(
            pytest.mark.xfail(reason="templates being rewritten (issue 11)", strict=False)
        )
    found: Morning = request.getfixturevalue(request.param)
    return found


def sent(morning: Morning) -> Iterator[tuple[Sent, str]]:
    for draft in morning.drafts:
        if draft.text is not None:
            yield draft, draft.text


def report(problems: list[str]) -> str:
    shown = "\n".join(problems[:40])
    more = f"\n... and {len(problems) - 40} more" if len(problems) > 40 else ""
    return f"{len(problems)} problem(s):\n{shown}{more}"


# -- text helpers -----------------------------------------------------------------------


def normal(text: str) -> str:
    """Casefolded words only: quotes, punctuation and spacing never hide a quote."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u2019", "'")
    return " ".join(re.findall(r"[\w']+", text))


def windows(words: list[str], n: int = 4) -> Iterator[str]:
    for i in range(len(words) - n + 1):
        yield " ".join(words[i : i + n])


# -- the rules ----------------------------------------------------------------------------


def test_every_morning_has_drafts(morning: Morning) -> None:
    assert len(morning.drafts) >= (5 if morning.name == "demo" else 60), morning.name
    assert any(d.text for d in morning.drafts)


def test_no_touchpoint_note_is_quoted(morning: Morning) -> None:
    """No note of the book (4 words in a row of it, or the whole of a shorter one) is in a
    message; runs of words that are also in a topic or a like are what may be said."""
    said = " | ".join(normal(s) for s in morning.said)
    long_runs: dict[str, str] = {}
    short: dict[str, str] = {}
    for note in morning.notes:
        words = normal(note).split()
        if len(words) >= 4:
            for run in windows(words):
                if run not in said:
                    long_runs.setdefault(run, note)
        elif words:
            short[" ".join(words)] = note
    problems = []
    for draft, text in sent(morning):
        flat = f" {normal(text)} "
        for run, note in long_runs.items():
            if f" {run} " in flat:
                problems.append(f"{draft.where}: quotes the note «{note}» («{run}»)")
                break
        else:
            for run, note in short.items():
                if f" {run} " in flat and run not in said:
                    problems.append(f"{draft.where}: quotes the note «{note}»")
                    break
    assert not problems, report(problems)


_IT_MONTHS = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_IT_DAYS = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
_EN_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_IT_DATE = re.compile(
    rf"(?:\b(?P<wd>{'|'.join(_IT_DAYS)})\s+)?\b(?P<d>\d{{1,2}})\s+(?P<m>{'|'.join(_IT_MONTHS)})"
    r"\b(?:\s+(?:del\s+)?(?P<y>\d{4}))?",
    re.IGNORECASE,
)
_EN_DATE = re.compile(
    rf"(?:\b(?P<wd>{'|'.join(_EN_DAYS)}),?\s+)?(?:\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+"
    rf"(?P<m>{'|'.join(_EN_MONTHS)})|(?P<m2>{'|'.join(_EN_MONTHS)})\s+(?P<d2>\d{{1,2}})"
    r"(?:st|nd|rd|th)?)\b(?:,?\s+(?P<y>\d{4}))?",
    re.IGNORECASE,
)


def dates_said(text: str, lang: str) -> Iterator[tuple[str, int, int, int | None, int | None]]:
    """(matched text, day, month, weekday or None, year or None) for each date in ``text``."""
    months, days = (_IT_MONTHS, _IT_DAYS) if lang == "it" else (_EN_MONTHS, _EN_DAYS)
    pattern = _IT_DATE if lang == "it" else _EN_DATE
    for found in pattern.finditer(text):
        groups = found.groupdict()
        month_word = groups.get("m") or groups.get("m2") or ""
        day_text = groups.get("d") or groups.get("d2") or "0"
        weekday = groups["wd"]
        yield (
            found.group(0),
            int(day_text),
            months.index(month_word.casefold()) + 1,
            days.index(weekday.casefold()) if weekday else None,
            int(groups["y"]) if groups["y"] else None,
        )


def undated(text: str, lang: str, mine: set[date]) -> list[str]:
    """Dates of an earlier year said without their year. A date without a year reads as
    this year's: with a weekday, the weekday tells the year; without one, a day that is
    one of the client's touchpoints in an earlier year (and none of theirs this year) is
    that earlier date."""
    problems = []
    for said, day, month, weekday, year in dates_said(text, lang):
        if year is not None:
            continue
        try:
            this_year = date(DAY.year, month, day)
        except ValueError:
            continue
        if weekday is not None:
            if this_year.weekday() != weekday:
                problems.append(f"«{said}» is not in {DAY.year}, no year said")
            continue
        earlier = {d for d in mine if (d.month, d.day) == (month, day) and d.year < DAY.year}
        if earlier and this_year not in mine:
            problems.append(f"«{said}» is {max(earlier).isoformat()}, no year said")
    return problems


def test_no_date_of_an_earlier_year_without_its_year(morning: Morning) -> None:
    problems = [
        f"{d.where}: {p}"
        for d, text in sent(morning)
        for p in undated(text, d.lang, morning.dates.get(d.client.id, set()))
    ]
    assert not problems, report(problems)


def test_the_date_check_can_fail() -> None:
    last_year = {date(2025, 11, 25), date(2018, 8, 16)}
    assert undated("ci siamo sentiti martedì 25 novembre", "it", last_year) == [
        "«martedì 25 novembre» is not in 2026, no year said"
    ]
    assert undated("ci siamo sentiti il 25 novembre", "it", last_year) == [
        "«25 novembre» is 2025-11-25, no year said"
    ]
    assert undated("since Thursday 16 August", "en", last_year) == [
        "«Thursday 16 August» is not in 2026, no year said"
    ]
    assert undated("since Thursday, August 16, 2018", "en", last_year) == []
    assert undated("martedì 25 novembre 2025, e domani, martedì 24 novembre", "it", last_year) == []


@pytest.mark.parametrize("name", ["demo", "bench"])
def test_one_message_per_client_per_morning(request: pytest.FixtureRequest, name: str) -> None:
    morning: Morning = request.getfixturevalue(name)
    assert morning.out is not None
    files: dict[str, list[str]] = defaultdict(list)
    for path in sorted(morning.out.iterdir()):
        cid, _purpose, _ext = parse_name(path.name)
        files[cid].append(path.name)
    problems = []
    for cid, names in files.items():
        drafts = [n for n in names if not n.endswith(".ics")]
        ics = [n for n in names if n.endswith(".ics")]
        if len(drafts) != 1:
            problems.append(f"{name}: {cid} gets {len(drafts)} messages: {', '.join(drafts)}")
        if len(ics) > 1 or (ics and ics[0].removesuffix(".ics") + ".ics" != ics[0]):
            problems.append(f"{name}: {cid} gets {len(ics)} invitations: {', '.join(ics)}")
        for invitation in ics:
            stem = invitation.removesuffix(".ics")
            if not any(d.startswith(stem + ".") for d in drafts):
                problems.append(f"{name}: {invitation} without its coffee draft")
    assert not problems, report(problems)


NO_BRACKET_PURPOSES = ("check-in", "birthday", "anniversary", "thanks", "welcome")
ENGLISH_LABELS = re.compile(
    r"\[your [^\]]*\]|\bfollow-up\b|\bcheck-in\b|\bonboarding\b|\bwelcome\b|\bthank-you\b"
    r"|\brecovery\b|\banniversary\b|\bbirthday\b|\breply\b|\bnext step\b",
    re.IGNORECASE,
)


def test_no_bracket_where_the_purpose_has_none(morning: Morning) -> None:
    problems = [
        f"{d.where}: {d.purpose} with a bracket: «{text[text.index('[') :][:40]}»"
        for d, text in sent(morning)
        if d.purpose in NO_BRACKET_PURPOSES and "[" in text
    ]
    assert not problems, report(problems)


def test_no_english_label_in_an_italian_message(morning: Morning) -> None:
    problems = []
    for draft, text in sent(morning):
        if draft.lang != "it":
            continue
        found = ENGLISH_LABELS.search(text)
        if found:
            problems.append(f"{draft.where}: English label «{found.group(0)}»")
    assert not problems, report(problems)


# Italian agreement. "We" (ci siamo ...) is feminine only between two women; "I" agrees
# with my_gender; the client's own forms agree with the client's gender. With a gender
# unknown, no gendered form of the list may be used at all.
_WE = ("visti", "viste", "sentiti", "sentite", "detti", "dette", "conosciuti", "conosciute")
_WE_RE = re.compile(r"\bci siamo (?:già |appena )?(" + "|".join(_WE) + r")\b", re.IGNORECASE)
# Benvenuto is a noun after an article, a possessive or an adjective.
_NOUN = "(?<!il )(?<!un )(?<!mio )(?<!caloroso )(?<!grande )"
_I_M = ("sono stato", "sono contento", "sono grato", "sono sicuro", "sono rimasto")
_I_F = ("sono stata", "sono contenta", "sono grata", "sono sicura", "sono rimasta")
_YOU_M = (
    _NOUN + "benvenuto",  # "dare il benvenuto", "un caloroso benvenuto": a noun, no agreement
    "sei stato",
    "è stato gentile",
    "contento",
)
_YOU_F = (_NOUN + "benvenuta", "sei stata", "è stata gentile", "contenta")
AGREEMENT_CHECKED = {
    "we": _WE,
    "I (masculine)": _I_M,
    "I (feminine)": _I_F,
    "you (masculine)": _YOU_M,
    "you (feminine)": _YOU_F,
}


def _has(text: str, phrases: tuple[str, ...]) -> str | None:
    for phrase in phrases:
        found = re.search(rf"\b{phrase}\b", text, re.IGNORECASE)
        if found:
            return found.group(0)
    return None


def _greeting_gender(text: str) -> str | None:
    first = text.split("\n\n", 1)[-1] if "\n\n" in text else text
    found = re.match(r"\s*(Caro|Cara)\b", first)
    return None if not found else ("m" if found.group(1) == "Caro" else "f")


def agreement_problems(draft: Sent, text: str) -> list[str]:
    me = draft.settings.my_gender if draft.settings.my_gender in ("f", "m") else None
    client = None if draft.client.business else draft.client.gender
    client = client if client in ("f", "m") else None
    problems = []
    we = _WE_RE.search(text)
    if we:
        form = we.group(1).casefold()
        feminine = form.endswith("e")
        if me is None or client is None:
            problems.append(f"«{we.group(0)}» with a gender unknown")
        elif feminine != (me == "f" and client == "f"):
            problems.append(f"«{we.group(0)}» between {me} and {client}")
    for phrases, gender in ((_I_M, "m"), (_I_F, "f")):
        found = _has(text, phrases)
        if found and me != gender:
            problems.append(f"«{found}» about me (my_gender {me or 'unknown'})")
    for phrases, gender in ((_YOU_M, "m"), (_YOU_F, "f")):
        found = _has(text, phrases)
        if found and client != gender:
            problems.append(f"«{found}» about the client (gender {client or 'unknown'})")
    greeting = _greeting_gender(text)
    if greeting and client != greeting:
        problems.append(f"greeting «{'Caro' if greeting == 'm' else 'Cara'}» (gender {client})")
    return problems


def test_italian_agreement_with_both_genders(morning: Morning) -> None:
    problems = [
        f"{d.where}: {p}"
        for d, text in sent(morning)
        if d.lang == "it"
        for p in agreement_problems(d, text)
    ]
    assert not problems, report(problems)


def test_the_agreement_check_can_fail() -> None:
    """The rule above catches what it is meant to (a check that cannot fail is no check)."""
    women = settings_from_dict({"my_gender": "f"})
    her = Client(id="g", name="Giulia Bianchi", since=DAY, gender="f")
    draft = Sent("x", her, "it", "check-in", "", None, women)
    assert agreement_problems(draft, "Ciao Giulia,\n\nda quando ci siamo visti...") == [
        "«ci siamo visti» between f and f"
    ]
    assert agreement_problems(draft, "Ciao Giulia,\n\nda quando ci siamo viste...") == []
    unknown = Sent("x", Client(id="a", name="Andrea Costa", since=DAY), "it", "", "", None, women)
    assert agreement_problems(unknown, "Ciao Andrea, benvenuta!") == [
        "«benvenuta» about the client (gender unknown)"
    ]


def test_no_coffee_in_the_text_for_a_non_local_client(morning: Morning) -> None:
    problems = []
    for draft, text in sent(morning):
        if is_local(draft.client, draft.settings):
            continue
        rest = text.casefold()
        for like in draft.client.likes:  # a like may name a coffee; offering one may not
            rest = rest.replace(like.casefold(), "")
        found = re.search(r"caff[èe]|coffee", rest)
        if found:
            city = draft.client.city or "no city"
            start = max(0, found.start() - 30)
            problems.append(f"{draft.where} ({city}): «…{rest[start : found.end() + 30]}…»")
    assert not problems, report(problems)


BIRTHDAY_WORDS = re.compile(
    r"buon compleanno|auguri di compleanno|happy birthday|many happy returns", re.IGNORECASE
)


def birthday_near(client: Client) -> bool:
    if not client.birthday:
        return False
    for year in (DAY.year - 1, DAY.year, DAY.year + 1):
        ahead = (birthday_in_year(client.birthday, year) - DAY).days
        if -LATE <= ahead <= EARLY:
            return True
    return False


def test_no_birthday_message_without_a_birthday_in_range(morning: Morning) -> None:
    problems = []
    for draft in morning.drafts:
        if draft.forced:
            continue  # the user asked for it with --force
        text = draft.text or ""
        wishes = draft.purpose == "birthday" or BIRTHDAY_WORDS.search(text)
        if wishes and not birthday_near(draft.client):
            problems.append(
                f"{draft.where}: birthday wishes, birthday on file: {draft.client.birthday}"
            )
    assert not problems, report(problems)


def test_no_how_are_you_to_a_business(morning: Morning) -> None:
    problems = []
    for draft, text in sent(morning):
        if not draft.client.business:
            continue
        found = re.search(r"\bcome sta(i)?\b|\bhow are you\b", text, re.IGNORECASE)
        if found:
            problems.append(f"{draft.where}: «{found.group(0)}» to {draft.client.name}")
    assert not problems, report(problems)


_COURTESY = {"Le", "La", "Lei", "Sua", "Suo", "Sue", "Suoi", "Vi", "Vostro", "Vostra", "Voi"}
_GREETING = re.compile(r"(?m)^(?:Ciao|Gentile|Gentili|Caro|Cara|Buongiorno|Salve|Egregio)\b.*$")


def first_after_greeting(text: str) -> str | None:
    """The first word after the greeting's comma (a line of its own, or inline in an SMS)."""
    greeting = _GREETING.search(text)
    if greeting is None:
        return None
    line = greeting.group(0).rstrip()
    if line.endswith(","):
        following = text[greeting.end() :]
    elif "," in line:
        following = line.split(",", 1)[1]
    else:
        return None
    words = re.findall(r"[\w'\u2019]+", following)
    return words[0] if words else None


def proper_names(draft: Sent) -> set[str]:
    c = draft.client
    texts = [c.name, c.company or "", c.city or "", c.contact_person or "", c.first_name or ""]
    return {w for t in texts for w in re.findall(r"[\w'\u2019]+", t)}


def orthography_problems(draft: Sent, text: str) -> list[str]:
    problems = []
    if draft.lang == "it":
        for pattern in (r"\ba a\b", r"\ba (?:agosto|aprile|ottobre)\b"):
            found = re.search(pattern, text, re.IGNORECASE)
            if found:
                problems.append(f"«{found.group(0)}» (ad)")
        word = first_after_greeting(text)
        if word and word[0].isupper() and word not in _COURTESY | proper_names(draft):
            problems.append(f"capital after the greeting: «{word}»")
    found = re.search(r"(?<!\.)\.\.(?!\.)", text)
    if found:
        start = max(0, found.start() - 20)
        problems.append(f"doubled full stop: «{text[start : found.end()]}»")
    found = re.search(r"\w*[a-zà-ù][.!?][A-Z][a-zà-ù]\w*", text)
    if found:
        problems.append(f"no space after the full stop: «{found.group(0)}»")
    found = re.search(r"\S  +\S", text)
    if found:
        problems.append(f"doubled space: «{found.group(0)}»")
    return problems


def test_orthography(morning: Morning) -> None:
    problems = [
        f"{d.where}: {p}" for d, text in sent(morning) for p in orthography_problems(d, text)
    ]
    assert not problems, report(problems)


def test_the_orthography_check_can_fail() -> None:
    draft = Sent(
        "x", Client(id="a", name="Andrea Marini", since=DAY), "it", "reply", "", None, Settings()
    )
    text = "Gentile Andrea Marini,\n\nSulla Sua richiesta di a agosto: Bassi S.r.l..  Ecco."
    assert orthography_problems(draft, text) == [
        "«a agosto» (ad)",
        "capital after the greeting: «Sulla»",
        "doubled full stop: « agosto: Bassi S.r.l..»",
        "doubled space: «.  E»",
    ]
    assert orthography_problems(draft, "Gentile Andrea Marini,\n\nLe scrivo ad agosto.") == []
    assert orthography_problems(draft, "Ciao Andrea, a a breve!") == ["«a a» (ad)"]
    assert orthography_problems(draft, "Ciao Andrea, offro io.Chiara") == [
        "no space after the full stop: «io.Chiara»"
    ]
