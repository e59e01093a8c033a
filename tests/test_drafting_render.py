"""The drafting engine: template files, the context, rendering and its errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from crm_cli.core import terms
from crm_cli.core.drafting.context import (
    build_context,
    coffee_slot,
    sample_client,
    sample_item,
    tenure_years,
)
from crm_cli.core.drafting.render import choose_purpose, compose, render, validate_name
from crm_cli.core.models import Client, PlannedStep, Source, Touchpoint
from crm_cli.core.scheduler import Item
from crm_cli.core.settings import Settings
from crm_cli.errors import ConfigError, Conflict, InvalidValue, NotFound
from crm_cli.userfiles import templates as template_files

TODAY = date(2026, 11, 23)  # a Monday
SETTINGS = Settings(my_name="Chiara Lombardi", signature="Chiara — Bottega Lombardi")

EMAIL = """\
{% set hi = "Dear " ~ client.name if client.formal else "Hi " ~ client.first_name %}
{% block subject %}A note for {{ client.first_name }}{% endblock %}
{% block body %}
{{ hi }},

{% if client.preferences %}
Still {{ client.preferences[0] }}?
{% endif %}



{{ me.signature or me.my_name }}
{% endblock %}
"""


def _write(folder: Path, name: str, source: str) -> Path:
    path = folder / f"{name}.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def _client(**changes: object) -> Client:
    base = Client(
        id="mario-rossi",
        name="Mario Rossi",
        since=date(2020, 3, 1),
        emails=["mario@example.it"],
        likes=["espresso, no sugar"],
        lang="it",
        formal=False,
    )
    return replace(base, **changes)


def _source(templates: dict[str, str]):  # type: ignore[no-untyped-def]
    return templates.get


# --------------------------------------------------------------------------- names and files


@pytest.mark.parametrize(
    "name", ["email/check-in.en", "sms/my-offer-2.it", "call/reply.en.j2", " coffee/thanks.it "]
)
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name.strip().removesuffix(".j2")


@pytest.mark.parametrize(
    "name",
    [
        "../email/check-in.en",
        "email/../../etc/passwd.en",
        "/etc/passwd",
        "/email/check-in.en",
        "email/check-in.fr",
        "Email/Check-in.en",
        "email\\check-in.en",
        "email/check_in.en",
        "fax/check-in.en",
        "email/check-in",
        "email/sub/check-in.en",
        "",
    ],
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidValue):
        validate_name(name)


def test_builtin_dir_holds_the_checkout_templates() -> None:
    """Installed (CI installs non-editable) or not, every built-in of templates/ is found."""
    checkout = Path(__file__).resolve().parents[1] / "templates"
    found = template_files.builtin_dir()
    ours = sorted(p.relative_to(checkout) for p in checkout.glob("*/*.j2"))
    assert [(p.parent, *p.name.removesuffix(".j2").rsplit(".", 1)) for p in ours] == sorted(
        (Path(c), p, lang) for c, p, lang in terms.template_grid()
    )
    assert sorted(p.relative_to(found) for p in found.glob("*/*.j2")) == ours
    for relative in ours:
        assert (found / relative).read_bytes() == (checkout / relative).read_bytes()
    assert (found / "README.md").is_file()


@pytest.fixture
def fake_builtins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "builtin"
    _write(folder, "email/check-in.en", EMAIL)
    _write(folder, "sms/check-in.en", "Hi {{ client.first_name }}! Built-in.")
    (folder / "README.md").write_text("not a template", encoding="utf-8")
    _write(folder, "sms/Bad_Name.en", "ignored")
    monkeypatch.setattr(template_files, "builtin_dir", lambda: folder)
    return folder


def test_user_template_overrides_builtin(fake_builtins: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    _write(template_files.user_dir(config), "sms/check-in.en", "Hi {{ client.first_name }}! Mine.")
    _write(template_files.user_dir(config), "sms/thanks.it", "Grazie {{ client.first_name }}!")
    listed = {t.name: t for t in template_files.list_templates(config)}
    assert sorted(listed) == ["email/check-in.en", "sms/check-in.en", "sms/thanks.it"]
    assert listed["sms/check-in.en"].origin == "user"
    assert listed["email/check-in.en"].origin == "built-in"
    assert (listed["sms/thanks.it"].channel, listed["sms/thanks.it"].purpose) == ("sms", "thanks")
    source, info = template_files.read_template("sms/check-in.en", config)
    assert "Mine." in source and info.origin == "user"
    look = template_files.lookup(config)
    assert "Mine." in (look("sms/check-in.en") or "")
    assert look("../sms/check-in.en") is None
    assert look("sms/missing.en") is None
    client, tps = sample_client(False, "en")
    draft = compose(
        client, tps, None, SETTINGS, TODAY, look, channel="sms", purpose="check-in", lang="en"
    )
    assert draft.body == "Hi Lucia! Mine."


def test_read_missing_template_suggests_near_names(fake_builtins: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"email/check-in\.en"):
        template_files.read_template("email/chek-in.en", tmp_path / "config")


def test_copy_template(fake_builtins: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    path = template_files.copy_template("email/check-in.en", config)
    assert path == config / "templates" / "email" / "check-in.en.j2"
    assert path.read_text(encoding="utf-8") == EMAIL
    path.write_text("edited", encoding="utf-8")
    with pytest.raises(Conflict):
        template_files.copy_template("email/check-in.en", config)
    assert path.read_text(encoding="utf-8") == "edited"
    template_files.copy_template("email/check-in.en", config, force=True)
    assert path.read_text(encoding="utf-8") == EMAIL
    with pytest.raises(NotFound):
        template_files.copy_template("email/nothing.en", config)
    with pytest.raises(InvalidValue):
        template_files.copy_template("../../x.en", config)


def test_unreadable_template_is_a_config_error(fake_builtins: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    path = template_files.user_dir(config) / "sms" / "check-in.en.j2"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ConfigError, match="not UTF-8"):
        template_files.read_template("sms/check-in.en", config)


# --------------------------------------------------------------------------- rendering


def _render(source: str, name: str = "sms/check-in.en", client: Client | None = None):  # type: ignore[no-untyped-def]
    client = client or _client(lang=name[-2:])
    context = build_context(client, [], None, SETTINGS, TODAY, name[-2:], "check-in", "sms")
    return render({name: source}.get, name, context, name.split("/")[0])


def test_blocks_set_and_whitespace() -> None:
    draft = _render(EMAIL, "email/check-in.en")
    assert draft.subject == "A note for Mario"
    # Top-level {% set %} reaches the blocks; 3+ newlines squeeze to one blank line.
    assert draft.body == "Hi Mario,\n\nStill espresso, no sugar?\n\nChiara — Bottega Lombardi"
    formal = _render(EMAIL, "email/check-in.en", _client(formal=True, lang="en"))
    assert formal.body.startswith("Dear Mario Rossi,")


def test_text_outside_blocks_is_dropped() -> None:
    source = "Stray text\n{% block subject %}S{% endblock %}\n{% block body %}B{% endblock %}"
    draft = _render(source, "email/check-in.en")
    assert (draft.subject, draft.body) == ("S", "B")


def test_missing_block_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"email/check-in\.en has no \{% block subject %\}"):
        _render("{% block body %}x{% endblock %}", "email/check-in.en")


def test_empty_subject_or_body_is_an_error() -> None:
    with pytest.raises(ConfigError, match="empty subject"):
        _render("{% block subject %} {% endblock %}{% block body %}x{% endblock %}", "email/x.en")
    with pytest.raises(ConfigError, match="empty text"):
        _render("{% if false %}x{% endif %}\n\n")


def test_strict_undefined_names_template_and_line() -> None:
    source = "Hi {{ client.first_name }},\n\nline two\n{{ client.nmae }}\n"
    with pytest.raises(ConfigError) as info:
        _render(source, "email/check-in.en".replace("email", "sms"))
    assert str(info.value) == "template sms/check-in.en, line 4: 'client' has no attribute 'nmae'"
    with pytest.raises(ConfigError, match=r"line 2: 'nobody' is undefined"):
        _render("x\n{{ nobody }}")
    # An undefined value is an error in a test too, not a silent false.
    with pytest.raises(ConfigError, match=r"line 1: 'item' has no attribute 'resaon'"):
        _render("{% if item.resaon %}x{% endif %}y")


def test_error_in_a_block_names_the_line() -> None:
    source = (
        "{% block subject %}ok{% endblock %}\n{% block body %}\nHi\n\n{{ me.nmae }}\n{% endblock %}"
    )
    with pytest.raises(ConfigError, match=r"email/x\.en, line 5: 'me' has no attribute 'nmae'"):
        _render(source, "email/x.en")


def test_syntax_error_names_template_and_line() -> None:
    with pytest.raises(ConfigError, match=r"template sms/check-in\.en, line 3: "):
        _render("a\nb\n{% if %}\n")


def test_sandbox_escape_refused() -> None:
    for attack in (
        "{{ ''.__class__.__mro__ }}",
        "{{ client.__class__.__init__.__globals__ }}",
        "{{ client.name.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
    ):
        with pytest.raises(
            ConfigError, match=r"template sms/check-in\.en, line 1: .*(unsafe|refused)"
        ):
            _render(attack)


def test_context_is_read_only() -> None:
    with pytest.raises(ConfigError, match="append"):
        _render("{{ client.preferences.append('x') }}")


def test_client_data_is_data() -> None:
    client = _client(name="{{ 7*7 }} Rossi", likes=["{% raw %}{{ 7*7 }}"], lang="en")
    tp = Touchpoint("t1", client.id, date(2026, 11, 1), "email", "out", note="About {{ 7*7 }}")
    context = build_context(client, [tp], None, SETTINGS, TODAY, "en", "check-in", "sms")
    source = (
        "{{ client.name }} | {{ client.first_name }} | {{ client.preferences[0] }}"
        " | {{ last_touch.note }}"
    )
    draft = render({"sms/check-in.en": source}.get, "sms/check-in.en", context, "sms")
    assert draft.body == "{{ 7*7 }} Rossi | {{ | {% raw %}{{ 7*7 }} | About {{ 7*7 }}"
    assert "49" not in draft.body


def test_include_of_missing_template_and_bad_names() -> None:
    with pytest.raises(ConfigError, match=r"line 2: no template named 'sms/none\.en' to include"):
        _render("x\n{% include 'sms/none.en' %}")
    with pytest.raises(ConfigError, match="to include"):
        _render("{% include '../../etc/passwd' %}")
    with pytest.raises(NotFound):
        render({}.get, "sms/check-in.en", {"client": _client()}, "sms")


def test_include_of_another_template_works() -> None:
    templates = {
        "sms/check-in.en": "{% include 'sms/part.en' %}!",
        "sms/part.en": "Hi {{ client.first_name }}",
    }
    context = build_context(_client(), [], None, SETTINGS, TODAY, "en", "check-in", "sms")
    assert render(templates.get, "sms/check-in.en", context, "sms").body == "Hi Mario!"


def test_runtime_error_in_filter_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"line 2: TypeError: 'longdate' needs a date, not str"):
        _render("ok\n{{ client.name | longdate }}")


# --------------------------------------------------------------------------- filters and dates


@pytest.mark.parametrize(
    ("lang", "long", "short"),
    [("it", "martedì 3 marzo", "3 marzo"), ("en", "Tuesday 3 March", "3 March")],
)
def test_babel_dates(lang: str, long: str, short: str) -> None:
    client = _client(since=date(2026, 3, 3), lang=lang)
    draft = _render(
        "{{ client.since | longdate }}/{{ client.since | shortdate }}", f"sms/x.{lang}", client
    )
    assert draft.body == f"{long}/{short}"


@pytest.mark.parametrize("lang", terms.LANGUAGES)
def test_date_names_are_cldrs(lang: str) -> None:
    """The filters write the names from crm's own table (no Babel at run time): the
    same wide names as CLDR's ``EEEE d MMMM``, for every month and weekday, with the
    year outside today's year."""
    from babel.dates import format_date

    days = [date(2026, month, 1 + month) for month in range(1, 13)]
    days += [date(2025, 12, 22 + n) for n in range(7)]  # Monday to Sunday, last year
    source = "{% for d in days %}{{ d | longdate }}/{{ d | shortdate }}\n{% endfor %}"
    client = _client(lang=lang)
    context = build_context(client, [], None, SETTINGS, TODAY, lang, "check-in", "sms")
    name = f"sms/x.{lang}"
    drawn = render({name: source}.get, name, {**context, "days": days}, "sms").body
    expected = [
        format_date(d, "EEEE d MMMM" + (" y" if d.year != TODAY.year else ""), locale=lang)
        + "/"
        + format_date(d, "d MMMM" + (" y" if d.year != TODAY.year else ""), locale=lang)
        for d in days
    ]
    assert drawn.split("\n") == expected


def test_dates_follow_the_client_language_not_the_option() -> None:
    templates = {"sms/check-in.en": "{{ today | longdate }} {{ last_touch.note }}"}
    client = _client(lang="en")
    tp = Touchpoint("t1", client.id, date(2026, 11, 1), "email", "out", note="the espresso beans")
    draft = compose(
        client,
        [tp],
        None,
        SETTINGS,
        TODAY,
        templates.get,
        channel="sms",
        purpose="check-in",
        lang="it",
    )
    assert draft.body.startswith("Monday 23 November")
    assert draft.lang == "en"
    assert any("--lang it not used" in w for w in draft.warnings)


def test_lang_falls_back_to_option_then_settings() -> None:
    templates = {
        "sms/check-in.it": "it {{ client.lang }} {{ client.tenure_years | years }}",
        "sms/check-in.en": "en {{ client.lang }} {{ client.tenure_years | years }}",
    }
    client = _client(lang=None)
    draft = compose(
        client,
        [],
        None,
        SETTINGS,
        TODAY,
        templates.get,
        channel="sms",
        purpose="check-in",
        lang="en",
    )
    assert draft.body == "en en 6 years"
    draft = compose(
        client,
        [],
        None,
        Settings(default_lang="it"),
        TODAY,
        templates.get,
        channel="sms",
        purpose="check-in",
    )
    assert draft.body == "it it 6 anni"


@pytest.mark.parametrize(
    ("years", "lang", "text"),
    [
        (1, "it", "un anno"),
        (5, "it", "5 anni"),
        (1, "en", "one year"),
        (5, "en", "5 years"),
        (0, "en", "less than a year"),
        (0, "it", "meno di un anno"),
    ],
)
def test_years_filter(years: int, lang: str, text: str) -> None:
    since = date(TODAY.year - years, 1, 1)
    assert (
        _render("{{ client.tenure_years | years }}", f"sms/x.{lang}", _client(since=since)).body
        == text
    )


def test_first_filter() -> None:
    assert _render("{{ client.name | first }}|{{ '' | first }}").body == "Mario|"


def test_pick_is_the_same_for_a_client_and_day_and_differs_across_clients() -> None:
    source = "{{ ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] | pick('opening') }}"
    names = [f"Client {n}" for n in range(40)]
    chosen = [_render(source, client=_client(name=name)).body for name in names]
    again = [_render(source, client=_client(name=name)).body for name in names]
    assert chosen == again  # deterministic: asking twice gives the same draft
    assert len(set(chosen)) >= 5  # neighbours on a morning read differently
    # Two slots in one template choose independently.
    both = "{{ ['a','b','c','d'] | pick('x') }}{{ ['a','b','c','d'] | pick('y') }}"
    pairs = {_render(both, client=_client(name=name)).body for name in names}
    assert any(pair[0] != pair[1] for pair in pairs)


def test_pick_needs_a_list_of_options() -> None:
    with pytest.raises(ConfigError, match="'pick' needs a list of options"):
        _render("{{ 'abc' | pick }}")
    with pytest.raises(ConfigError, match="'pick' needs at least one option"):
        _render("{{ [] | pick }}")


def test_tenure_years() -> None:
    assert tenure_years(date(2020, 11, 24), TODAY) == 5
    assert tenure_years(date(2020, 11, 23), TODAY) == 6
    assert tenure_years(date(2026, 12, 1), TODAY) == 0
    assert tenure_years(None, TODAY) == 0


# --------------------------------------------------------------------------- the context


def test_context_has_exactly_the_documented_fields() -> None:
    client, tps = sample_client(True, "en")
    item = sample_item("reply", client, tps, TODAY)
    ctx = build_context(client, tps, item, SETTINGS, TODAY, "en", "reply", "email")
    assert set(ctx) == {
        "client",
        "last_touch",
        "topics",
        "history",
        "item",
        "also",
        "coffee",
        "me",
        "today",
        "shared",
    }
    public = lambda record: {k for k in vars(record) if not k.startswith("_")}  # noqa: E731
    assert public(ctx["client"]) == {
        "name",
        "first_name",
        "family_name",
        "title",
        "formal_name",
        "salutation",
        "gender",
        "business",
        "contact_person",
        "short_name",
        "likes",
        "company",
        "city",
        "since",
        "tenure_years",
        "preferences",
        "prefers",
        "tags",
        "lang",
        "formal",
        "local",
        "tenure",
    }
    assert public(ctx["last_touch"]) == {
        "date",
        "channel",
        "direction",
        "note",
        "days_ago",
        "quotable",
    }
    assert public(ctx["item"]) == {
        "reason",
        "purpose",
        "detail",
        "agenda",
        "due",
        "request",
        "incident",
        "step",
        "promise",
        "delay",
    }
    assert ctx["also"] == ()
    assert public(ctx["coffee"]) == {"slot", "day", "time", "minutes", "invite"}
    assert public(ctx["item"].request) == {"date", "note", "channel", "days_waiting", "topic"}
    assert public(ctx["me"]) == {"my_name", "signature", "gender"}
    assert ctx["client"].tenure_years == 7
    assert ctx["client"].formal is True
    assert ctx["item"].request.note == "Asks whether the oak table can come before Christmas"
    assert ctx["item"].request.days_waiting == 5
    assert ctx["last_touch"].days_ago == 5
    # History: newest first, the private touchpoint left out.
    assert [t.date for t in ctx["history"]] == sorted(
        (t.date for t in ctx["history"]), reverse=True
    )
    assert len(ctx["history"]) == 4
    assert all("Sant'Orsola" not in (t.note or "") for t in ctx["history"])


def test_context_items_of_each_kind() -> None:
    client, tps = sample_client(False, "it")
    ctx = lambda p: build_context(  # noqa: E731
        client, tps, sample_item(p, client, tps, TODAY), SETTINGS, TODAY, "it", p, "email"
    )["item"]
    assert ctx("recovery").incident.note == "Le mensole di rovere sono arrivate graffiate"
    promise = ctx("follow-up").promise
    assert promise.note == "Promesso i campioni della finitura in noce"
    assert promise.follow_up == date(2026, 11, 22)
    step = ctx("welcome").step
    assert (step.playbook, step.name) == ("onboarding", "welcome email")
    assert ctx("birthday").reason == "birthday"
    assert ctx("anniversary").due == date(2026, 3, 14)
    none = build_context(client, tps, None, SETTINGS, TODAY, "it", "thanks", "email")["item"]
    assert (none.reason, none.purpose, none.due, none.request) == (
        "check-in",
        "thanks",
        TODAY,
        None,
    )


def test_step_named_from_planned_steps() -> None:
    client, tps = sample_client(False, "en")
    step = PlannedStep(
        client.id,
        "onboarding",
        "how-is-it-going call",
        1,
        TODAY,
        "call",
        "check-in",
        date(2026, 11, 16),
    )
    item = Item(
        client.id,
        client.name,
        "follow-up",
        "call",
        TODAY,
        0,
        False,
        "a display line drafting never reads back — whatever it says",
        0.0,
        Source("step", step.key),
        "check-in",
        step=step,
    )
    ctx = build_context(client, tps, item, SETTINGS, TODAY, "en", "check-in", "call")
    assert (ctx["item"].step.playbook, ctx["item"].step.name) == (
        "onboarding",
        "how-is-it-going call",
    )
    # The book's step, found by its key, is the one named.
    renamed = replace(step, step="second call")
    ctx = build_context(
        client, tps, item, SETTINGS, TODAY, "en", "check-in", "call", steps=[renamed]
    )
    assert ctx["item"].step.name == "second call"
    # A touchpoint id that looks like a step key is still a touchpoint.
    odd = replace(item, source=Source("touchpoint", step.key), step=None)
    ctx = build_context(client, tps, odd, SETTINGS, TODAY, "en", "check-in", "call", steps=[step])
    assert ctx["item"].step is None


def test_private_source_touchpoint_keeps_its_note_out() -> None:
    client, tps = sample_client(False, "en")
    tps = [replace(tp, private=True) if tp.id == "t5" else tp for tp in tps]
    item = sample_item("reply", client, tps, TODAY)
    ctx = build_context(client, tps, item, SETTINGS, TODAY, "en", "reply", "email")
    assert ctx["item"].request is not None and ctx["item"].request.note is None
    assert ctx["last_touch"].note != tps[-1].note


def test_future_and_note_touchpoints_are_not_last_touch() -> None:
    client = _client()
    tps = [
        Touchpoint("t1", client.id, date(2026, 11, 1), "email", "out", note="the beans"),
        Touchpoint("t2", client.id, date(2026, 11, 20), "note", "out", note="jotting"),
        Touchpoint("t3", client.id, date(2026, 12, 1), "call", "out", note="future"),
        Touchpoint("t4", "someone-else", date(2026, 11, 22), "call", "out", note="not theirs"),
    ]
    ctx = build_context(client, tps, None, SETTINGS, TODAY, "it", "check-in", "sms")
    assert ctx["last_touch"].note == "the beans"
    assert [t.note for t in ctx["history"]] == ["the beans"]


def test_choose_purpose() -> None:
    client, tps = sample_client(False, "en")
    assert choose_purpose(None) == "check-in"
    assert choose_purpose(sample_item("reply", client, tps, TODAY)) == "reply"
    assert choose_purpose(sample_item("welcome", client, tps, TODAY)) == "welcome"
    odd = replace(sample_item("reply", client, tps, TODAY), purpose="", reason="reply")
    assert choose_purpose(odd) == "reply"


# --------------------------------------------------------------------------- compose


def test_compose_template_option_sets_purpose_and_language() -> None:
    templates = {
        "sms/my-offer.en": "Hi {{ client.first_name }}, {{ item.purpose }} "
        "{{ today | shortdate }}, still {{ client.preferences[0] }}?"
    }
    draft = compose(
        _client(lang="it"),
        [],
        None,
        SETTINGS,
        TODAY,
        templates.get,
        channel="sms",
        purpose="check-in",
        template="sms/my-offer.en",
    )
    assert draft.body == "Hi Mario, my-offer 23 November, still espresso, no sugar?"
    assert (draft.template, draft.lang, draft.send_by) == ("sms/my-offer.en", "en", "sms")
    assert draft.warnings == []
    with pytest.raises(InvalidValue, match="written for sms, not email"):
        compose(
            _client(),
            [],
            None,
            SETTINGS,
            TODAY,
            templates.get,
            channel="email",
            purpose="check-in",
            template="sms/my-offer.en",
        )


def test_compose_sms_warns_past_two_segments() -> None:
    templates = {"sms/check-in.it": "{{ client.preferences[0] }} " + "x" * 400}
    draft = compose(
        _client(), [], None, SETTINGS, TODAY, templates.get, channel="sms", purpose="check-in"
    )
    assert any("segments" in w for w in draft.warnings)


def test_compose_coffee_by_sms_or_email() -> None:
    templates = {
        "coffee/check-in.it": "{% block subject %}Un caffè?{% endblock %}"
        "{% block body %}Un caffè, {{ client.preferences[0] }}?{% endblock %}"
    }
    by_sms = compose(
        _client(),
        [],
        None,
        SETTINGS,
        TODAY,
        templates.get,
        channel="coffee",
        purpose="check-in",
        send_by="sms",
    )
    assert (by_sms.send_by, by_sms.subject, by_sms.channel) == ("sms", "Un caffè?", "coffee")
    by_mail = compose(
        _client(), [], None, SETTINGS, TODAY, templates.get, channel="coffee", purpose="check-in"
    )
    assert by_mail.send_by == "email"


def test_coffee_slot_skips_weekends_and_holidays() -> None:
    friday = date(2026, 11, 27)
    assert coffee_slot(friday, Settings()) == datetime(2026, 11, 30, 9, 30)
    assert coffee_slot(date(2026, 11, 28), Settings()) == datetime(2026, 11, 30, 9, 30)  # Saturday
    assert coffee_slot(TODAY, Settings(coffee_time="16:05")) == datetime(2026, 11, 24, 16, 5)
    # Strictly after today, even when today is a working day.
    assert coffee_slot(TODAY, Settings()).date() == date(2026, 11, 24)
    shop = Settings(workdays=("tue", "sat"))
    assert coffee_slot(date(2026, 11, 24), shop) == datetime(2026, 11, 28, 9, 30)
