"""Checks on a rendered draft: no private note leaks out, and it is not canned.

The privacy guard is the second wall: the context already leaves private
notes out, but a user template can still hard-code words, and a user can copy
a private note into a public field. So the rendered text is compared with the
private texts themselves:

* the whole private note (case- and accent-folded) appearing in the draft;
* a word 3-gram of it that holds at least one word that is neither a
  stop-word nor a common message word, unless that 3-gram is also in the
  client's public data;
* a distinctive single word: proper-noun-like (capitalised inside a sentence,
  3+ letters) or any word of 5+ letters that is not a common word and does
  not appear in the client's public data (name, company, city, preferences,
  tags, public notes, public touchpoint notes) nor in the user's own name and
  signature.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from crm_cli.core import terms
from crm_cli.core.contacts import fold
from crm_cli.core.drafting.context import years_phrase
from crm_cli.core.drafting.speech import month_name
from crm_cli.core.models import Client, Touchpoint
from crm_cli.errors import CrmError

__all__ = [
    "COMMON",
    "STOP",
    "SUPPORTING",
    "PrivacyLeak",
    "check_privacy",
    "is_personal",
    "specific_details",
    "words",
]


class PrivacyLeak(CrmError):
    """A draft would show a private note or a distinctive phrase of one (exit 1)."""


# Function words, Italian and English: a 3-gram made only of these says nothing.
_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself s t d ll m re
    ve don isn wasn won didn doesn let us also via
    il lo la i gli le un uno una di del dello della dei degli delle a al allo alla ai agli
    alle da dal dallo dalla dai dagli dalle in nel nello nella nei negli nelle con col su sul
    sullo sulla sui sugli sulle per tra fra e ed o od ma se che chi cui non ne ci vi si mi ti
    lo li io tu lui lei noi voi loro mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro
    nostra nostri nostre vostro vostra vostri vostre questo questa questi queste quello quella
    quelli quelle è e sono sei era erano ho hai ha abbiamo avete hanno essere avere come dove
    quando anche già più meno molto poco tutto tutti tutta tutte ogni qui qua là lì c l
    d dell all nell sull dall quell anch po
"""
STOP = frozenset(fold(w) for w in _STOP_WORDS.split())

# Everyday words of a personal message (greetings, dates, thanks, meeting, the scheduler's
# own words...): seeing one in a draft proves nothing about a private note that uses it too.
_COMMON_WORDS = """
    hello dear thanks thank thankful grateful please sorry regards best wishes warm kind kindly
    hope hoping happy glad great good well better nice lovely wonderful really little
    today tomorrow yesterday week weeks month months year years morning afternoon evening
    night monday tuesday wednesday thursday friday saturday sunday weekend soon later again
    always never still since while first last next time times moment days day
    write wrote writing written call called calling phone message messages email emails
    meet meeting coffee drop stop come came coming back visit visited shop store studio
    know knew think thought feel felt want wanted would could should might need needs
    make made take took give gave bring brought send sent sending keep kept find found
    tell told said says talk talked talking spoke speak hear heard listen asked asks ask
    going gone went doing done getting got bought buying picked pick order ordered orders
    reads read reading mention mentioned remember remind reminder forget forgot
    family husband wife children child kids son daughter mother father friend friends
    house home work working office team people person everyone something anything nothing
    everything someone anyone place places around about thing things new old other another
    right left whole part same different sure maybe perhaps together again already
    surprise gift present birthday anniversary celebrate party wishes congratulations
    question questions answer reply replied news update updates inbox note notes letter
    price prices item items product products service services delivery deliver delivered
    client clients customer customers shop through never because before after about which
    there their these those where while would could should every
    ciao caro cara cari care gentile gentili grazie prego scusa scusi saluti cordiali
    auguri buongiorno buonasera buona buon buone buoni bene bello bella belle belli
    felice contento contenta piacere spero speriamo sperando presto tardi sempre ancora
    oggi domani ieri settimana settimane mese mesi anno anni mattina pomeriggio sera notte
    lunedì martedì mercoledì giovedì venerdì sabato domenica volta volte giorno giorni
    scrivo scrivere scritto chiamo chiamare chiamata telefono messaggio email lettera
    incontrare incontro caffè passare passa passi passo negozio bottega studio ufficio
    sapere penso pensato pensavo vorrei voglio volevo potrei posso possiamo dovrei
    fare fatto faccio fai dare dato portare portato mandare mandato mandato inviare inviato
    tenere trovare trovato dire detto parlare parlato sentire sentito chiesto chiede
    comprato comprare preso prendere ordinato ordine leggere legge letto ricordare ricordo
    famiglia marito moglie figli figlio figlia madre padre amico amica amici casa lavoro
    persone qualcosa niente tutto nuovo nuova nuovi nuove altro altra altri altre stesso
    sorpresa regalo compleanno anniversario festa congratulazioni complimenti
    domanda domande risposta rispondere notizie novità prezzo prezzi prodotto prodotti
    servizio consegna consegnato cliente clienti grande piccolo piccola insieme magari
    ritirare ritirato ritirata ritiro pronto pronta pronti casella posta indirizzo
    ready collect collected pickup mailbox address
    january february march april june july august september october november december
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
    contact cadence incident promised promise request waiting snoozed playbook
"""
COMMON = frozenset(fold(w) for w in _COMMON_WORDS.split())

_WORD = re.compile(r"\w+")
# What may stand between a sentence's end and its first word: spaces, quotes, brackets.
_OPENERS = " \t\"'«»\u201c\u201d\u2018\u2019([-"


class _Token(NamedTuple):  # not a frozen dataclass: 5x cheaper to define and to make
    text: str  # as written
    folded: str
    start: int
    end: int
    capitalised: bool  # upper-case initial not at the start of a sentence


def _tokens(text: str) -> list[_Token]:
    found = []
    for m in _WORD.finditer(text):
        word = m.group()
        before = m.start() - 1
        while before >= 0 and text[before] in _OPENERS:
            before -= 1
        inside = before >= 0 and text[before] not in ".!?:;\n\r"
        found.append(_Token(word, fold(word), m.start(), m.end(), word[0].isupper() and inside))
    return found


def words(text: str | None) -> list[str]:
    """Accent- and case-folded words of ``text``."""
    return [fold(m.group()) for m in _WORD.finditer(text or "")]


def _content(word: str) -> bool:
    return word not in STOP and word not in COMMON


def _trigrams(seq: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(seq[i : i + 3]) for i in range(len(seq) - 2)}


class _Haystack:
    """The draft as a folded word sequence, for "does this run of words appear" tests."""

    def __init__(self, text: str) -> None:
        self.words = words(text)
        self.set = set(self.words)
        self.joined = " " + " ".join(self.words) + " "

    def has(self, run: Sequence[str]) -> bool:
        return bool(run) and " " + " ".join(run) + " " in self.joined


def _private_texts(client: Client, touchpoints: Iterable[Touchpoint]) -> list[str]:
    texts = [client.private_note or ""]
    texts += [tp.note or "" for tp in touchpoints if tp.client_id == client.id and tp.private]
    return [t for t in texts if t.strip()]


def _public_texts(client: Client, touchpoints: Iterable[Touchpoint]) -> list[str]:
    texts = [client.name, client.company or "", client.city or "", client.note or ""]
    texts += [*client.prefers, *client.tags]
    texts += [tp.note or "" for tp in touchpoints if tp.client_id == client.id and not tp.private]
    return texts


def _distinctive_word(token: _Token, public: set[str]) -> bool:
    word = token.folded
    if not word.isalpha() or not _content(word) or word in public:
        return False
    return len(word) >= 5 or (token.capitalised and len(word) >= 3)


def _quote(text: str, tokens: list[_Token], first: int, last: int) -> str:
    def glued(left: int) -> bool:
        # "Luca's", "l'orologio": no space between the two tokens binds them.
        return not any(ch.isspace() for ch in text[tokens[left].end : tokens[left + 1].start])

    # Trim free-standing stop-words at the ends so the quote shows the telling part.
    while first < last and tokens[first].folded in STOP and not glued(first):
        first += 1
    while last > first and tokens[last].folded in STOP and not glued(last - 1):
        last -= 1
    phrase = " ".join(text[tokens[first].start : tokens[last].end].split())
    return phrase if len(phrase) <= 80 else phrase[:79] + "…"


def _leak(
    text: str, draft: _Haystack, public_words: set[str], public_tri: set[tuple[str, ...]]
) -> str | None:
    """The leaked phrase of one private text, or None."""
    tokens = _tokens(text)
    folded = [t.folded for t in tokens]
    if any(_content(w) for w in folded) and draft.has(folded):
        return _quote(text, tokens, 0, len(tokens) - 1)
    hits: list[tuple[int, int]] = []  # (first, last) token indexes, inclusive
    for i in range(len(folded) - 2):
        tri = tuple(folded[i : i + 3])
        if tri not in public_tri and any(_content(w) for w in tri) and draft.has(tri):
            hits.append((i, i + 2))
    for i, token in enumerate(tokens):
        if token.folded in draft.set and _distinctive_word(token, public_words):
            hits.append((i, i))
    if not hits:
        return None
    best = (0, -1)
    for first, last in hits:
        # Widen each hit to the longest run of the private text the draft reproduces.
        while first > 0 and draft.has(folded[first - 1 : last + 1]):
            first -= 1
        while last + 1 < len(folded) and draft.has(folded[first : last + 2]):
            last += 1
        if last - first > best[1] - best[0]:
            best = (first, last)
    return _quote(text, tokens, *best)


@functools.lru_cache(maxsize=256)
def _vocabulary(text: str | None) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    """Words and trigrams of a public text: the same template and signature for every draft."""
    seq = words(text)
    return frozenset(seq), frozenset(_trigrams(seq))


def check_privacy(
    text: str,
    client: Client,
    touchpoints: list[Touchpoint],
    template: str,
    *,
    public: Iterable[str] = (),
) -> None:
    """Raises ``PrivacyLeak`` if ``text`` reproduces a private note or a distinctive phrase.

    ``public``: more text the draft may legitimately contain (the user's own
    name and signature), so its words are never taken as distinctive.
    """
    private = _private_texts(client, touchpoints)
    if not private:
        return
    public_all = [*_public_texts(client, touchpoints), *public]
    public_words: set[str] = set()
    public_tri: set[tuple[str, ...]] = set()
    for item in public_all:
        item_words, item_tri = _vocabulary(item)
        public_words |= item_words
        public_tri |= item_tri
    draft = _Haystack(text)
    for note in private:
        phrase = _leak(note, draft, public_words, public_tri)
        if phrase is not None:
            raise PrivacyLeak(
                f'template {template} would reveal a private note ("{phrase}"); draft refused'
            )


# --------------------------------------------------------------------------- never canned


def _content_words(text: str | None, exclude: set[str]) -> set[str]:
    return {w for w in words(text) if len(w) >= 3 and _content(w) and w not in exclude}


def _mentions(draft: _Haystack, text: str | None, exclude: set[str]) -> bool:
    """The draft quotes ``text`` whole, or uses one of its content words."""
    seq = words(text)
    if seq and draft.has(seq):
        return True
    return bool(_content_words(text, exclude) & draft.set)


def _tenure_said(draft: _Haystack, years: int, since: date) -> bool:
    """The years said ("5 years", "un anno"...) or the year they started ("since 2019")."""
    if years < 1:
        return False
    phrases = (years_phrase(years, lang) for lang in terms.LANGUAGES)
    return str(since.year) in draft.set or any(draft.has(words(p)) for p in phrases)


_MONTHS = {lang: [fold(month_name(m, lang)) for m in range(1, 13)] for lang in terms.LANGUAGES}


def _first_meeting_said(draft: _Haystack, since: date) -> bool:
    """The month and year they met ("marzo 2019", "March 2019"): a shared event."""
    year = str(since.year)
    return any(
        draft.has([months[since.month - 1], year])
        or draft.has([months[since.month - 1], "del", year])
        for months in _MONTHS.values()
    )


SUPPORTING = frozenset({"the tenure"})
"""Details that support a personal draft but do not make one alone: any client of as
many years gets the same "6 years" (issue 11, item 8)."""


def topic_named(text: str, topics: Sequence[Touchpoint], client_name: str) -> Touchpoint | None:
    """The first of ``topics`` (give them newest first) that ``text`` brings back: quoted
    whole, or by one of its content words other than the client's name."""
    draft = _Haystack(text)
    exclude = set(words(client_name))
    return next((tp for tp in topics if tp.topic and _mentions(draft, tp.topic, exclude)), None)


def is_personal(details: Iterable[str]) -> bool:
    """A draft says something only this client would recognise, not the years alone."""
    return any(label not in SUPPORTING for label in details)


def specific_details(
    text: str, context: dict[str, Any], *, template: str = "", own: Iterable[str] = ()
) -> list[str]:
    """The client-specific details ``text`` carries beyond the name, as short labels.

    Only what the draft says about this client counts: a word of a note is not
    a detail when the template's own text (``template``, its source) or the
    user's own words (``own``: name, signature) say it too, nor is the name of
    the client's company (every message to them may carry it). Empty means a
    generic draft; see :func:`is_personal` for the years alone.
    """
    draft = _Haystack(text)
    client = context["client"]
    exclude = set(words(client.name))
    exclude |= set(words(client.company))
    exclude |= set(words(template))
    for piece in own:
        exclude |= set(words(piece))
    found: list[str] = []
    if any(_mentions(draft, pref, exclude) for pref in client.preferences):
        found.append("a preference")
    last = context.get("last_touch")
    notes = [t.note for t in (last, *context.get("history", ())) if t is not None and t.note]
    # A topic is logged to be said to the client: naming it is the most personal detail.
    topics = [t.text for t in context.get("topics", ())]
    if any(_mentions(draft, note, exclude) for note in notes) or any(
        _mentions(draft, topic, exclude) for topic in topics
    ):
        found.append("the last topic")
    if _tenure_said(draft, client.tenure_years, client.since):
        found.append("the tenure")
    if client.since is not None and _first_meeting_said(draft, client.since):
        found.append("the first meeting")
    item = context["item"]
    for label, part in (("the request", "request"), ("the incident", "incident")):
        record = getattr(item, part)
        said = record is not None and any(
            _mentions(draft, text, exclude)
            for text in (record.note, getattr(record, "topic", None))
        )
        if said:
            found.append(label)
    if item.promise is not None and any(
        _mentions(draft, text, exclude)
        for text in (item.promise.note, getattr(item.promise, "topic", None))
    ):
        found.append("the promise")
    if last is not None and _last_contact_said(draft, last.date, context.get("today")):
        found.append("the last contact")
    return found


def _last_contact_said(draft: _Haystack, when: date, today: Any) -> bool:
    """The month of the last contact ("risale a maggio", "your visit in May"), with its
    year when it was another year: a shared event only this client knows."""
    other_year = isinstance(today, date) and when.year != today.year
    last_year = isinstance(today, date) and when.year == today.year - 1
    said_year = str(when.year) in draft.set or (last_year and {"scorso", "last"} & draft.set)
    if other_year and not said_year:
        return False
    return any(draft.has([months[when.month - 1]]) for months in _MONTHS.values())
