"""How time and orthography are said in a draft: pure functions, no Jinja, no Babel.

A date of an earlier year written without its year reads as this year's, so
the long and short dates carry the year outside ``today``'s year, and
``when`` says a past date the way a person would ("sabato scorso", "last
November", "nel 2018"). ``silence``, ``delay`` and ``tenure_band`` turn a
number of days or years into the level a template chooses its words by.
``polish`` is the Italian post-pass over a rendered draft (``ad`` before
``a-``, no capital after the salutation's comma, one full stop after an
abbreviation). Month and day names are written out here so that this module
costs nothing to import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from crm_cli.core.patterns import lazy

__all__ = [
    "DELAYS",
    "TENURES",
    "delay",
    "month_name",
    "polish",
    "silence",
    "tenure_band",
    "weekday_name",
    "when",
]

_MONTHS = {
    "it": [
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
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_DAYS = {
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}

DELAYS = ("none", "late", "very_late", "old")
"""``item.delay``: within the reply window, a few days, over a week, over a month."""
TENURES = ("new", "years", "long", "lifelong")
"""``client.tenure``: under a year, 1-4 years, 5-10 years, over 10 years."""


def _lang(lang: str) -> str:
    return "it" if lang == "it" else "en"


def month_name(month: int, lang: str) -> str:
    return _MONTHS[_lang(lang)][month - 1]


def weekday_name(day: date, lang: str) -> str:
    return _DAYS[_lang(lang)][day.weekday()]


def _a(word: str) -> str:
    """The preposition ``a`` before ``word``: ``ad`` before a vowel ``a`` (ad aprile)."""
    return f"ad {word}" if word[:1] in "aA" else f"a {word}"


def when(value: date, today: date, lang: str) -> str:
    """A date said relative to ``today``, as a person would say it.

    Past dates: ``ieri`` / ``yesterday``; two to six days back the weekday
    (``sabato scorso`` / ``last Saturday``); ``la settimana scorsa`` /
    ``last week`` (7-13 days); ``all'inizio del mese`` / ``earlier this
    month``; ``il mese scorso`` / ``last month``; a month of this year (``a
    settembre`` / ``in September``); a month of last year (``a novembre
    dell'anno scorso`` / ``last November``, ``in March last year``); older,
    the year (``nel 2018`` / ``in 2018``). Today and tomorrow are ``oggi`` /
    ``domani``; a later date is its weekday and day (``martedì 1 dicembre``).
    """
    it = _lang(lang) == "it"
    days = (today - value).days
    if days == 0:
        return "oggi" if it else "today"
    if days == -1:
        return "domani" if it else "tomorrow"
    if days < 0:
        text = f"{weekday_name(value, lang)} {value.day} {month_name(value.month, lang)}"
        if value.year != today.year:
            text += f" {value.year}"
        return text if it else f"on {text}"
    if days == 1:
        return "ieri" if it else "yesterday"
    if days < 7:
        name = weekday_name(value, lang)
        return f"{name} scors{'a' if value.weekday() == 6 else 'o'}" if it else f"last {name}"
    if days < 14:
        return "la settimana scorsa" if it else "last week"
    month = month_name(value.month, lang)
    if (value.year, value.month) == (today.year, today.month):
        return "all'inizio del mese" if it else "earlier this month"
    previous = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if (value.year, value.month) == previous:
        return "il mese scorso" if it else "last month"
    if value.year == today.year:
        return _a(month) if it else f"in {month}"
    if value.year == today.year - 1:
        if it:
            return f"{_a(month)} dell'anno scorso"
        # "last March" said in November means this year's March.
        return f"last {month}" if value.month >= today.month else f"in {month} last year"
    return f"nel {value.year}" if it else f"in {value.year}"


def silence(days: int, lang: str) -> str:
    """The length of a silence: a few days, weeks, months, more than a year."""
    it = _lang(lang) == "it"
    if days < 14:
        return "qualche giorno" if it else "a few days"
    if days < 60:
        return "qualche settimana" if it else "a few weeks"
    if days < 365:
        return "qualche mese" if it else "a few months"
    return "più di un anno" if it else "more than a year"


def delay(days: int, window: int = 1) -> str:
    """How late an answer is: ``none`` within ``window`` days, ``late`` within a week,
    ``very_late`` within a month, ``old`` past a month (see :data:`DELAYS`)."""
    if days <= max(window, 0):
        return "none"
    if days <= 7:
        return "late"
    if days <= 30:
        return "very_late"
    return "old"


def tenure_band(years: int) -> str:
    """``new`` under a year, ``years`` 1-4, ``long`` 5-10, ``lifelong`` over 10."""
    if years < 1:
        return "new"
    if years < 5:
        return "years"
    if years <= 10:
        return "long"
    return "lifelong"


# --------------------------------------------------------------------------- the post-pass

# The preposition "a" before a word in a-: a lone lower-case "a" anywhere, a capital
# "A" only where a sentence starts (a capital mid-sentence is a label: "fascia A").
_A_BEFORE_A = lazy(r"(?<![\w'\u2019.])a (?=[aAàÀ]\w)")
_CAP_A_BEFORE_A = lazy(r"(?:(?<=^)|(?<=[\n.!?«\"“] )|(?<=[\n«\"“]))A (?=[aAàÀ]\w)")
# "dal agosto 2023" → "dall'agosto 2023": the articled prepositions elide before the
# months that start with a vowel (the only vowel-initial words crm writes after them).
_ELIDED_MONTH = lazy(r"\b([Dd]al|[Nn]el|[Dd]el|[Aa]l)l? (?=(?:aprile|agosto|ottobre)\b)")
_DOUBLE_STOP = re.compile(r"(?<=\w\.)\.(?![.\w])")
# A note ending in "?", "!" or "…" before a template's own full stop ("Il conto?.").
_STOP_AFTER_MARK = re.compile(r"(?<=[?!…])\.(?![.\w])")
_SALUTATION = lazy(
    r"\A\s*(?P<greeting>(?:Gentil\w*|Car[oaie]|Ciao|Buongiorno|Buonasera|Salve|Egregi\w*)"
    r"\b[^\n,]*,)(?P<gap>\s+)(?P<word>\w+)"
)
# Courtesy forms keep their capital: "Gentile Anna, Le scrivo...".
_COURTESY = frozenset(
    [
        "Lei",
        "La",
        "Le",
        "Sua",
        "Suo",
        "Sue",
        "Suoi",
        "Loro",
        "Gliela",
        "Glielo",
        "Gliele",
        "Glieli",
        "Gliene",
        "Voi",
        "Vi",
        "Vostro",
        "Vostra",
    ]
)


def polish(text: str, lang: str, names: Iterable[str] = ()) -> str:
    """The orthographic post-pass of a rendered draft.

    Both languages: one full stop after an abbreviation ("S.r.l.." → "S.r.l."), none
    after a question or exclamation mark or an ellipsis ("Il conto?." → "Il conto?").
    Italian: "a a-" → "ad a-" where "a" is the preposition, "dal agosto" →
    "dall'agosto" (and nel, del, al before aprile, agosto, ottobre), and the first word
    after the salutation's comma in lower case unless it is a courtesy form
    ("Le", "Sua"...) or one of ``names`` (proper nouns: the client's name,
    company, city).
    """
    text = _STOP_AFTER_MARK.sub("", _DOUBLE_STOP.sub("", text))
    if _lang(lang) != "it":
        return text
    text = _A_BEFORE_A().sub("ad ", text)
    text = _ELIDED_MONTH().sub(lambda m: f"{m[1]}l'", text)
    text = _CAP_A_BEFORE_A().sub("Ad ", text)
    match = _SALUTATION().match(text)
    if match:
        word = match["word"]
        proper = {w for name in names for w in re.findall(r"\w+", name or "")}
        if (
            word[:1].isupper()
            and word not in _COURTESY
            and word not in proper
            and not (len(word) > 1 and word.isupper())
        ):
            start = match.start("word")
            text = text[:start] + word[0].lower() + text[start + 1 :]
    return text
