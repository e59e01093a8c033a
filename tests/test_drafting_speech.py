"""Time and orthography said right (issue 11): ``crm_cli.core.drafting.speech``.

Fixed dates, both languages, at the boundaries of each phrase.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from crm_cli.core.drafting.speech import delay, polish, silence, tenure_band, when

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("day", "it", "en"),
    [
        (date(2026, 11, 23), "oggi", "today"),
        (date(2026, 11, 24), "domani", "tomorrow"),
        (date(2026, 11, 26), "giovedì 26 novembre", "on Thursday 26 November"),
        (date(2026, 11, 22), "ieri", "yesterday"),
        (date(2026, 11, 21), "sabato scorso", "last Saturday"),
        (date(2026, 11, 15), "la settimana scorsa", "last week"),  # 8 days
        (date(2026, 11, 17), "martedì scorso", "last Tuesday"),  # 6 days
        (date(2026, 11, 16), "la settimana scorsa", "last week"),  # 7 days
        (date(2026, 11, 10), "la settimana scorsa", "last week"),  # 13 days
        (date(2026, 11, 9), "all'inizio del mese", "earlier this month"),  # 14 days
        (date(2026, 10, 31), "il mese scorso", "last month"),
        (date(2026, 10, 1), "il mese scorso", "last month"),
        (date(2026, 9, 30), "a settembre", "in September"),
        (date(2026, 8, 5), "ad agosto", "in August"),
        (date(2026, 4, 5), "ad aprile", "in April"),
        (date(2025, 11, 25), "a novembre dell'anno scorso", "last November"),
        (date(2025, 12, 2), "a dicembre dell'anno scorso", "last December"),
        (date(2025, 3, 2), "a marzo dell'anno scorso", "in March last year"),
        (date(2025, 8, 16), "ad agosto dell'anno scorso", "in August last year"),
        (date(2024, 12, 31), "nel 2024", "in 2024"),
        (date(2018, 8, 16), "nel 2018", "in 2018"),
    ],
)
def test_when(day: date, it: str, en: str) -> None:
    assert when(day, TODAY, "it") == it
    assert when(day, TODAY, "en") == en


def test_when_across_new_year() -> None:
    assert when(date(2026, 12, 20), date(2027, 1, 5), "it") == "il mese scorso"
    assert when(date(2026, 12, 20), date(2027, 1, 5), "en") == "last month"
    assert when(date(2027, 1, 4), date(2027, 1, 5), "en") == "yesterday"
    assert when(date(2028, 1, 3), date(2027, 12, 30), "it") == "lunedì 3 gennaio 2028"


@pytest.mark.parametrize(
    ("days", "it", "en"),
    [
        (0, "qualche giorno", "a few days"),
        (13, "qualche giorno", "a few days"),
        (14, "qualche settimana", "a few weeks"),
        (59, "qualche settimana", "a few weeks"),
        (60, "qualche mese", "a few months"),
        (364, "qualche mese", "a few months"),
        (365, "più di un anno", "more than a year"),
        (3000, "più di un anno", "more than a year"),
    ],
)
def test_silence(days: int, it: str, en: str) -> None:
    assert silence(days, "it") == it
    assert silence(days, "en") == en


@pytest.mark.parametrize(
    ("days", "window", "level"),
    [
        (0, 1, "none"),
        (1, 1, "none"),
        (3, 3, "none"),  # a Friday request, answered on Monday: within one working day
        (2, 1, "late"),
        (7, 1, "late"),
        (8, 1, "very_late"),
        (11, 1, "very_late"),
        (30, 1, "very_late"),
        (31, 1, "old"),
        (152, 1, "old"),
    ],
)
def test_delay(days: int, window: int, level: str) -> None:
    assert delay(days, window) == level


@pytest.mark.parametrize(
    ("years", "band"),
    [(0, "new"), (1, "years"), (4, "years"), (5, "long"), (10, "long"), (11, "lifelong")],
)
def test_tenure_band(years: int, band: str) -> None:
    assert tenure_band(years) == band


# --------------------------------------------------------------------------- the post-pass


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Ci vediamo a agosto, come d'accordo.", "Ci vediamo ad agosto, come d'accordo."),
        ("Ho scritto a Andrea e a Anna.", "Ho scritto ad Andrea e ad Anna."),
        ("A aprile riapriamo.", "Ad aprile riapriamo."),
        ("«A agosto?» mi ha chiesto.", "«Ad agosto?» mi ha chiesto."),
        # Not the preposition, or not before a-: untouched.
        ("La fascia A aumenta.", "La fascia A aumenta."),
        ("Va a Bologna alle 9.", "Va a Bologna alle 9."),
        ("Una casa amica.", "Una casa amica."),
        ("Ha avuto ragione.", "Ha avuto ragione."),
        ("Il piano a: attivo.", "Il piano a: attivo."),
        ("Ad agosto, già ad.", "Ad agosto, già ad."),
    ],
)
def test_ad_before_a(before: str, after: str) -> None:
    assert polish(before, "it") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Ci conosciamo dal agosto 2023.", "Ci conosciamo dall'agosto 2023."),
        ("Nel ottobre del 2019 e al aprile scorso.", "Nell'ottobre del 2019 e all'aprile scorso."),
        ("Dal ottobre 2020 siamo aperti.", "Dall'ottobre 2020 siamo aperti."),
        # Consonant months, and words that only start like a month: untouched.
        ("Ci conosciamo dal settembre 2020.", "Ci conosciamo dal settembre 2020."),
        ("Torno dal agostiniano.", "Torno dal agostiniano."),
    ],
)
def test_articled_prepositions_elide_before_a_vowel_month(before: str, after: str) -> None:
    assert polish(before, "it") == after


def test_ad_is_italian_only() -> None:
    assert polish("Plan a ahead.", "en") == "Plan a ahead."


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "Gentile Andrea Marini,\n\nSulla Sua richiesta di sabato: [la risposta].",
            "Gentile Andrea Marini,\n\nsulla Sua richiesta di sabato: [la risposta].",
        ),
        ("Ciao Anna, Ti scrivo per dirti grazie.", "Ciao Anna, ti scrivo per dirti grazie."),
        ("Gentile Anna Rossi,\n\nÈ un po' che non ci sentiamo.", None),
        # A courtesy form, a proper noun, an acronym keep their capital.
        ("Gentile Anna Rossi,\n\nLe scrivo per ringraziarLa.", "same"),
        ("Gentile Anna Rossi,\n\nBologna è bellissima a dicembre.", "same"),
        ("Gentile Anna Rossi,\n\nIVA inclusa, come d'accordo.", "same"),
        # Not a salutation: a call sheet starts with a label.
        ("Chiama: Anna Rossi\n\nPerché: il compleanno.", "same"),
    ],
)
def test_no_capital_after_the_salutation(before: str, after: str | None) -> None:
    if after is None:
        after = "Gentile Anna Rossi,\n\nè un po' che non ci sentiamo."
    if after == "same":
        after = before
    assert polish(before, "it", ["Anna Rossi", "", "Bologna"]) == after


def test_english_keeps_the_capital_after_the_greeting() -> None:
    assert polish("Dear Margaret,\n\nThank you.", "en") == "Dear Margaret,\n\nThank you."


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Un saluto da Bassi S.r.l..", "Un saluto da Bassi S.r.l."),
        ("Best wishes from Acme Ltd..", "Best wishes from Acme Ltd."),
        ("Thanks to Foo Inc.. See you.", "Thanks to Foo Inc. See you."),
        ("Beh... vedremo.", "Beh... vedremo."),  # an ellipsis stays
        ("Fine.", "Fine."),
    ],
)
def test_one_full_stop_after_an_abbreviation(before: str, after: str) -> None:
    assert polish(before, "it") == after
    assert polish(before, "en") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("- La richiesta, dagli appunti: Il conto?.", "- La richiesta, dagli appunti: Il conto?"),
        ("- What happened: it was late!.\n- Next.", "- What happened: it was late!\n- Next."),
        ("- Dagli appunti: Chiede molto molto…. Poi", "- Dagli appunti: Chiede molto molto… Poi"),
        ("Agenda: richiesta: «Il conto?».", "Agenda: richiesta: «Il conto?»."),  # after »: kept
        ("Come va?.. Bene.", "Come va?.. Bene."),  # not one stop: left alone
    ],
)
def test_no_full_stop_after_a_question_or_exclamation_mark(before: str, after: str) -> None:
    assert polish(before, "it") == after
    assert polish(before, "en") == after


def test_speech_is_cheap_to_import() -> None:
    """No Jinja, no Babel: ``crm due`` and the guard may import it."""
    code = (
        "import sys, crm_cli.core.drafting.speech\n"
        "print(sorted(m for m in ('jinja2', 'babel') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
