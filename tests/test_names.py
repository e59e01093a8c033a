"""How names are read: titles, first and family names, firms and their legal forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core.names import (
    NameParts,
    client_parts,
    is_business_name,
    parse_name,
    short_business_name,
)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Dott.ssa Maria Grazia Fabbri", ("Dott.ssa", "Maria Grazia", "Fabbri")),
        ("Mario Rossi", (None, "Mario", "Rossi")),
        ("Luca De Santis", (None, "Luca", "De Santis")),
        ("Anna Maria Colombo", (None, "Anna Maria", "Colombo")),
        ("Gian Luca Neri", (None, "Gian Luca", "Neri")),
        ("Pier Paolo Gallo", (None, "Pier Paolo", "Gallo")),
        ("Maria Teresa Villa", (None, "Maria Teresa", "Villa")),
        ("Maria Rossi", (None, "Maria", "Rossi")),  # two words: the second is the family
        ("Prof. Dott. Ugo Riva", ("Prof. Dott.", "Ugo", "Riva")),
        ("Mrs Margaret Thompson", ("Mrs", "Margaret", "Thompson")),
        ("dr. John Smith", ("dr.", "John", "Smith")),
        ("Avv. Bassi", ("Avv.", "Bassi", None)),
        ("Cher", (None, "Cher", None)),
        ("Dott.", (None, "Dott.", None)),  # a title alone is all the name there is
        ("王芳", (None, "芳", "王")),
        ("王小明", (None, "小明", "王")),
        ("欧阳娜娜", (None, "娜娜", "欧阳")),
        ("山田 太郎", (None, "太郎", "山田")),
        ("김민준", (None, "민준", "김")),
        ("Wang Fang", (None, "Wang", "Fang")),  # written the Western way: as it is written
        ("", (None, None, None)),
    ],
)
def test_parse_name(name: str, parts: tuple[str | None, ...]) -> None:
    got = parse_name(name)
    assert (got.title, got.first, got.family) == parts


@pytest.mark.parametrize(
    "name",
    [
        "Bassi S.r.l.",
        "Bassi Srl",
        "ROSSI SPA",
        "Rossi & Figli S.p.A.",
        "Neri S.a.s.",
        "Verdi S.n.c.",
        "Acme Ltd",
        "Acme Limited",
        "Acme, LLC",
        "Acme, Inc.",
        "Müller GmbH",
        "Müller AG",
        "Nowak sp. z o.o.",
        "Dubois SARL",
        "García S.L.",
        "Smith plc",
        "Pasticceria Fratelli Rinaldi",
        "Ristorante Da Mario",
        "Studio Ferretti Architetti",
        "Farmacia Centrale",
        "Officina Gallo",
        "bar Mario",
        "Hotel Roma",
        "Trattoria del Sole",
        "Panificio Bruno",
        "Agenzia Viaggi Rossi",
    ],
)
def test_firms_are_recognised(name: str) -> None:
    assert is_business_name(name)


@pytest.mark.parametrize(
    "name",
    ["Mario Rossi", "Barbara Studio", "Sa Wang", "Ag Nowak", "Studio", "Ltd", "Hotelling Jones"],
)
def test_people_are_not_firms(name: str) -> None:
    assert not is_business_name(name)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Bassi S.r.l.", "Bassi"),
        ("Rossi & Figli S.p.A.", "Rossi & Figli"),
        ("Acme, Inc.", "Acme"),
        ("Nowak sp. z o.o.", "Nowak"),
        ("Pasticceria Fratelli Rinaldi", "Pasticceria Fratelli Rinaldi"),
        ("Müller GmbH", "Müller"),
    ],
)
def test_short_business_name(name: str, short: str) -> None:
    assert short_business_name(name) == short


def test_a_business_is_addressed_through_its_contact_person() -> None:
    parts = client_parts("Bassi S.r.l.", None, True, "Ing. Paolo Bassi")
    assert parts == NameParts("Ing.", "Paolo", "Bassi")
    assert client_parts("Bassi S.r.l.", None, True, None) == NameParts(None, None, None)
    assert client_parts("王芳", "Fang", False, None).first == "Fang"


WORDS = st.one_of(
    st.sampled_from(["Dott.", "Dott.ssa", "Mr", "Maria", "Grazia", "Gian", "Luca", "De", "S.r.l."]),
    st.sampled_from(["王", "芳", "欧阳", "山田", "김", "Ltd", "Studio", "Sa", "sp.", "z", "o.o."]),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
)
NAMES = st.lists(WORDS, max_size=6).map(" ".join)


@settings(max_examples=500)
@given(NAMES)
def test_reading_a_name_never_raises_and_keeps_its_words(name: str) -> None:
    parts = parse_name(name)
    written = parts.written()
    # Every character of the name, in order, across title, first and family name.
    assert "".join(written.split()) == "".join(name.split())
    if not parts.family_first:
        assert written.split() == name.split()
    is_business_name(name)
    short = short_business_name(name)
    assert "".join(name.split()).startswith("".join(short.split()))


@given(NAMES)
def test_reading_a_name_is_idempotent(name: str) -> None:
    parts = parse_name(name)
    assert parse_name(parts.written()) == parts
