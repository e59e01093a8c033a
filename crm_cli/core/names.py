"""How a client's name is said: title, first name, family name; firms and their legal forms.

Pure functions over strings, never raising: a name is whatever the user typed,
and a draft must still be able to greet it. The name itself is stored as typed;
these functions read it each time (a split is a few microseconds).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "NameParts",
    "client_parts",
    "id_words",
    "is_business_name",
    "is_family_first",
    "parse_name",
    "short_business_name",
]

# Titles as written before a name, compared without case and final full stop.
_TITLES = (
    "Dott.",
    "Dott.ssa",
    "Dr",
    "Dr.",
    "Dr.ssa",
    "Prof.",
    "Prof.ssa",
    "Avv.",
    "Ing.",
    "Arch.",
    "Geom.",
    "Rag.",
    "Sig.",
    "Sig.ra",
    "Sig.na",
    "Mr",
    "Mr.",
    "Mrs",
    "Mrs.",
    "Ms",
    "Ms.",
    "Miss",
    "Mx",
    "Mx.",
)
_TITLE_KEYS = frozenset(t.casefold().rstrip(".") for t in _TITLES)

# Italian first names of two words: the second word is not the family name.
_COMPOUND_FIRST = frozenset(
    (first.casefold(), second.casefold())
    for first, second in (
        ("Maria", "Grazia"),
        ("Maria", "Teresa"),
        ("Maria", "Luisa"),
        ("Maria", "Rosa"),
        ("Maria", "Chiara"),
        ("Maria", "Cristina"),
        ("Maria", "Elena"),
        ("Maria", "Pia"),
        ("Anna", "Maria"),
        ("Anna", "Rita"),
        ("Rosa", "Maria"),
        ("Gian", "Luca"),
        ("Gian", "Marco"),
        ("Gian", "Paolo"),
        ("Gian", "Carlo"),
        ("Gian", "Franco"),
        ("Gian", "Piero"),
        ("Pier", "Paolo"),
        ("Pier", "Luigi"),
        ("Pier", "Giorgio"),
        ("Pier", "Francesco"),
        ("Carlo", "Alberto"),
    )
)

# Two-character family names of Chinese (the others have one character).
_CJK_DOUBLE_FAMILY = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "夏侯", "皇甫", "尉迟", "公孙", "慕容", "令狐")
)

# Legal forms, compared on letters only ("S.r.l." ~ "srl" ~ "S.R.L."); multi-word ones
# as their words joined ("sp. z o.o." ~ "spzoo").
_LEGAL_FORMS = frozenset(
    (
        "srl",
        "srls",
        "spa",
        "sas",
        "snc",
        "sapa",
        "scarl",
        "ltd",
        "limited",
        "llc",
        "llp",
        "inc",
        "corp",
        "gmbh",
        "ag",
        "spzoo",
        "sarl",
        "sl",
        "plc",
        "bv",
        "nv",
        "sa",
    )
)
# Only these ones count when read alone, as the whole of a last word: "Sa" or "Ag"
# might be part of a person's name, so they need their full stops ("S.A.", "AG").
_AMBIGUOUS_FORMS = frozenset(("sa", "ag", "sl", "nv", "bv", "sas"))

# Italian trade words that open a firm's name: "Pasticceria Fratelli Rinaldi".
_TRADE_WORDS = frozenset(
    (
        "pasticceria",
        "ristorante",
        "studio",
        "farmacia",
        "officina",
        "bar",
        "hotel",
        "trattoria",
        "panificio",
        "forno",
        "agenzia",
        "osteria",
        "pizzeria",
        "gelateria",
        "libreria",
        "macelleria",
        "ferramenta",
        "tipografia",
        "albergo",
        "enoteca",
        "autofficina",
        "carrozzeria",
        "impresa",
        "cooperativa",
        "associazione",
        "fondazione",
    )
)


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name read as title, first name and family name (each may be missing).

    ``family_first`` says the name is written family name first (王芳, 山田 太郎):
    then the written order is family, first.
    """

    title: str | None
    first: str | None
    family: str | None
    family_first: bool = False
    joined: bool = False  # family and first name written without a space (王芳)

    def written(self) -> str:
        """The parts as the name writes them (a spaceless CJK name stays spaceless)."""
        if self.family_first:
            joiner = "" if self.joined else " "
            body = joiner.join(p for p in (self.family, self.first) if p)
        else:
            body = " ".join(p for p in (self.first, self.family) if p)
        return " ".join(p for p in (self.title, body) if p)


def _is_cjk_char(ch: str) -> bool:
    if not ch.isalpha():
        return False
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return False
    return name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY", "HIRAGANA", "KATAKANA", "HANGUL"))


def is_family_first(name: str) -> bool:
    """Chinese, Japanese and Korean names written in their own script put the family first."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and all(_is_cjk_char(ch) for ch in letters)


def _title_key(word: str) -> str:
    return word.casefold().rstrip(".")


def parse_name(name: str) -> NameParts:
    """Title, first and family name of ``name`` as typed; never raises.

    "Dott.ssa Maria Grazia Fabbri" is (Dott.ssa, Maria Grazia, Fabbri); "王芳" is
    family 王, first 芳; "Luca De Santis" has the family name "De Santis" (all
    the words after the first name). Leading titles are all kept as the title
    ("Prof. Dott. Mario Rossi"). A lone word is a first name.
    """
    words = name.split()
    titles: list[str] = []
    # A title alone ("Dott.") is a name, not a title without a name.
    while len(words) > 1 and _title_key(words[0]) in _TITLE_KEYS:
        titles.append(words.pop(0))
    title = " ".join(titles) or None
    if not words:
        return NameParts(title, None, None)
    if is_family_first(" ".join(words)):
        if len(words) > 1:
            return NameParts(title, " ".join(words[1:]), words[0], True)
        whole = words[0]
        if len(whole) < 2:
            return NameParts(title, whole, None, True)
        cut = 2 if (whole[:2] in _CJK_DOUBLE_FAMILY or len(whole) >= 4) else 1
        return NameParts(title, whole[cut:], whole[:cut], True, True)
    take = 1
    if len(words) > 2 and (words[0].casefold(), words[1].casefold()) in _COMPOUND_FIRST:
        take = 2
    first = " ".join(words[:take])
    family = " ".join(words[take:]) or None
    return NameParts(title, first, family)


def _letters(word: str) -> str:
    return "".join(ch for ch in word.casefold() if ch.isalnum())


def _legal_form_at_end(words: list[str]) -> int:
    """How many of the last words are a legal form (0 if none): "sp. z o.o." is 3."""
    for size in (3, 2, 1):
        if len(words) <= size:
            continue  # a legal form alone is not a firm's name
        tail = words[-size:]
        key = "".join(_letters(w) for w in tail)
        if key not in _LEGAL_FORMS:
            continue
        if size == 1 and key in _AMBIGUOUS_FORMS:
            word = tail[0].strip(",")
            if "." not in word and not word.isupper():
                continue
        return size
    return 0


def is_business_name(name: str) -> bool:
    """Clearly a firm: it ends with a legal form, or opens with an Italian trade word."""
    words = name.split()
    if len(words) < 2:
        return False
    if _legal_form_at_end(words):
        return True
    return words[0].casefold() in _TRADE_WORDS


def short_business_name(name: str) -> str:
    """A firm's name without its legal form, for use inside a sentence.

    "Bassi S.r.l." is "Bassi", "Rossi & Figli S.p.A." is "Rossi & Figli",
    "Acme, Inc." is "Acme"; a name without a legal form is returned as it is.
    """
    words = name.split()
    cut = _legal_form_at_end(words)
    if not cut:
        return " ".join(words)
    kept = words[:-cut]
    kept[-1] = kept[-1].rstrip(",")
    short = " ".join(kept).strip()
    short = re.sub(r"\s*[-\u2013&,]$", "", short).strip()
    return short or " ".join(words)


def id_words(name: str, business: bool) -> str:
    """The words an id is made of: no title, no legal form (maria-grazia-fabbri, bassi)."""
    title = parse_name(name).title
    plain = " ".join(name.split())
    if title and plain.startswith(title):
        plain = plain[len(title) :].strip()
    return short_business_name(plain) if business else plain


def client_parts(
    name: str, first_name: str | None, business: bool, contact_person: str | None
) -> NameParts:
    """How a client is addressed: a person by their name (``first_name`` given
    wins), a business through its contact person (no parts without one)."""
    if business:
        if not contact_person:
            return NameParts(None, first_name, None)
        parts = parse_name(contact_person)
    else:
        parts = parse_name(name)
    if first_name:
        return NameParts(parts.title, first_name, parts.family, parts.family_first, parts.joined)
    return parts
