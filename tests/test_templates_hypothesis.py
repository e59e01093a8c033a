"""Hypothesis: random clients and books through every built-in template and the engine.

For a random client (names with accents, in Chinese, with a title, a firm; random
likes, prefers, topics, private notes, a shared contact, a random history) every
template of ``terms.template_grid()`` renders through ``services.drafting.make_draft``
without error, no private word reaches the draft, and an SMS keeps within two segments
(GSM-7, or UCS-2 when a name is outside GSM-7). Examples are few and the deadline off:
the file stays within a few seconds.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_cli.core import terms
from crm_cli.core.drafting.sms import sms_info
from crm_cli.core.models import Client, Touchpoint
from crm_cli.core.settings import settings_from_dict
from crm_cli.services.drafting import make_draft

DAY = date(2026, 11, 23)
ME = settings_from_dict(
    {
        "my_name": "Chiara Lombardi",
        "my_gender": "f",
        "signature": "Chiara — Bottega Lombardi, via Saragozza 12, Bologna",
        "email": "chiara@bottegalombardi.example",
        "city": "Bologna",
    }
)
PRIVATE = "zebrafisarmonica"  # a word no template or topic would write
GRID = [f"{c}/{p}.{lang}" for c, p, lang in terms.template_grid()]

names = st.sampled_from(
    [
        "Giulia Bianchi",
        "Łukasz Nowak",
        "Zoë O'Brien",
        "王芳",
        "Wang Fang 王芳",
        "Dott.ssa Maria Grazia Fabbri",
        "Avv. Ada Riva",
        "Bassi S.r.l.",
        "Pasticceria Fratelli Rinaldi",
        "Jean-Pierre Lefèvre",
        "Ana María García López",
        "Siobhán Fitzgerald-Hughes",
    ]
)
phrases = st.sampled_from(
    [
        "il viaggio a Lisbona",
        "la laurea della figlia",
        "the trip to Lisbon",
        "the kitchen renovation",
        "il pane ai semi del sabato",
        "an oat milk flat white",
        "la torta di mandorle con la crema al limone e le fragole di bosco",
        "il caffè macchiato",
    ]
)


@st.composite
def books(draw: st.DrawFn) -> tuple[Client, list[Touchpoint]]:
    name = draw(names)
    business = name.endswith("S.r.l.") or name.startswith("Pasticceria")
    since = DAY - timedelta(days=draw(st.integers(10, 9000)))
    birthday = draw(st.sampled_from([None, "1980-11-23", "--11-22", "1975-03-02"]))
    client = Client(
        id="c1",
        name=name,
        since=since,
        emails=["client@example.it"],
        phones=["+393471234567"],
        mobiles=["+393471234567"],
        city="Bologna",
        birthday=birthday,
        lang=draw(st.sampled_from([None, "it", "en"])),
        formal=draw(st.sampled_from([None, True, False])),
        likes=draw(st.lists(phrases, max_size=2, unique=True)),
        prefers=draw(st.lists(phrases, max_size=2, unique=True)),
        first_name=draw(st.sampled_from([None, "Fang"])) if "芳" in name else None,
        gender=None if business else draw(st.sampled_from([None, "f", "m", "x"])),
        business=business,
        contact_person=draw(st.sampled_from([None, "Marco Rinaldi"])) if business else None,
        private_note=f"Non dire della {PRIVATE}",
        shared_contact=draw(st.booleans()),
    )
    tps = []
    day = since
    for n in range(draw(st.integers(0, 6))):
        day = min(DAY, day + timedelta(days=draw(st.integers(1, 400))))
        private = draw(st.booleans())
        tps.append(
            Touchpoint(
                id=f"t{n}",
                client_id="c1",
                date=day,
                channel=draw(st.sampled_from(["email", "sms", "call", "visit", "coffee"])),
                direction=draw(st.sampled_from(["in", "out"])),
                note=f"Parlato della {PRIVATE}" if private else draw(st.none() | phrases),
                needs_reply=draw(st.booleans()),
                incident=draw(st.booleans()),
                private=private,
                topic=None if private else draw(st.none() | phrases),
            )
        )
    return client, tps


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_every_template_renders_privately_and_within_budget(
    book: tuple[Client, list[Touchpoint]],
) -> None:
    client, tps = book
    for name in GRID:
        written = make_draft(
            client, tps, [], None, ME, DAY, template=name, force=True, step_words={}
        )
        draft = written.draft
        text = f"{draft.subject or ''}\n{draft.body}\n{written.shown}"
        assert PRIVATE not in text, (name, text)
        assert "None" not in draft.body and "{{" not in draft.body, (name, draft.body)
        if draft.send_by == "sms" or name.startswith("sms/"):
            info = sms_info(draft.body)
            if info.encoding == "UCS-2":
                # The budget of the same text had the name been in GSM-7, and one line
                # saying why it is not.
                assert (written.sms or "").count("UCS-2 because of") == 1, (name, written.sms)
                plain = "".join("x" if c in info.non_gsm else c for c in draft.body)
                info = sms_info(plain)
            assert info.segments <= 2, (name, info.describe(), draft.body)


def test_a_formal_birthday_sms_fits_one_segment() -> None:
    for lang, name in (("it", "Lucia Ferrante"), ("en", "Margaret Hughes")):
        client = Client(
            id="c1",
            name=name,
            since=date(2015, 5, 5),
            phones=["+393471234567"],
            mobiles=["+393471234567"],
            city="Bologna",
            birthday="1971-11-23",
            lang=lang,
            formal=True,
            gender="f",
            likes=["il pane ai semi del sabato" if lang == "it" else "an oat milk flat white"],
        )
        written = make_draft(client, [], [], None, ME, DAY, purpose="birthday", channel="sms")
        assert sms_info(written.draft.body).segments == 1, (lang, written.draft.body)
