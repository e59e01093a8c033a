"""``crm templates list/show/copy/check``, and user templates as drafts see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

from crm_cli.userfiles.templates import builtin_dir

BUILT_INS = sorted(
    f"{path.parent.name}/{path.name.removesuffix('.j2')}" for path in builtin_dir().glob("*/*.j2")
)
PRIVATE_NOTE = "Ha comprato l'orologio d'argento per i 50 anni di Luca: è una sorpresa"


def user_template(config: Path, name: str, source: str) -> Path:
    path = config / "templates" / f"{name}.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def email_source(body: str, subject: str = "Come va?") -> str:
    return (
        f"{{% block subject %}}{subject}{{% endblock %}}\n"
        f"{{% block body %}}\n{body}\n{{% endblock %}}\n"
    )


@pytest.fixture
def anna(crm: Crm) -> Crm:
    crm.add(
        "Anna Colombo", "--email", "anna@example.it", "--phone", "+39 349 222 3344",
        "--lang", "it", "--formal",
        "--since", "2020-03-01", "--likes", "i biglietti scritti a mano",
        "--private-note", PRIVATE_NOTE,
    )  # fmt: skip
    crm.log("anna", "visit", "--in", "--private", "--date", "2026-11-10",
            "--note", "Ritirato l'orologio inciso per il marito")  # fmt: skip
    return crm


def draft(crm: Crm, *args: str) -> str:
    return crm.ok("draft", "anna", "--date", FIXED_DATE, *args).stdout


# --------------------------------------------------------------------------- list


def test_list_shows_every_built_in(crm: Crm) -> None:
    lines = crm.ok("templates", "list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "CHANNEL", "PURPOSE", "LANG", "ORIGIN"]
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == len(BUILT_INS) == 64  # 4 channels x 8 purposes x 2 languages
    assert [row[0] for row in rows] == BUILT_INS
    for name, channel, purpose, lang, origin in rows:
        assert name == f"{channel}/{purpose}.{lang}"
        assert origin == "built-in"
    assert "email/check-in.en      email    check-in     en    built-in" in lines


def test_a_user_template_overrides_the_built_in(anna: Crm, config: Path) -> None:
    builtin = draft(anna, "--channel", "email")
    user_template(config, "email/check-in.it", email_source(
        "Gentile {{ client.name }}, ci sentiamo dopo {{ client.tenure_years | years }}!",
        subject="Da Bottega, per {{ client.first_name }}",
    ))  # fmt: skip
    rows = [line.split() for line in anna.ok("templates", "list").stdout.splitlines()[1:]]
    assert ["email/check-in.it", "email", "check-in", "it", "user"] in rows
    assert ["email/check-in.en", "email", "check-in", "en", "built-in"] in rows
    assert len(rows) == 64
    mine = draft(anna, "--channel", "email")
    assert mine != builtin
    assert mine.splitlines()[:4] == [
        "To: Anna Colombo <anna@example.it>",
        "Subject: Da Bottega, per Anna",
        "",
        "Gentile Anna Colombo, ci sentiamo dopo 6 anni!",
    ]


def test_a_new_user_template_is_listed_and_usable(anna: Crm, config: Path) -> None:
    user_template(config, "email/christmas.it", email_source(
        "Buon Natale, {{ client.first_name }}: sono già {{ client.tenure_years | years }}!",
        subject="Auguri",
    ))  # fmt: skip
    rows = [line.split() for line in anna.ok("templates", "list").stdout.splitlines()[1:]]
    assert ["email/christmas.it", "email", "christmas", "it", "user"] in rows
    shown = draft(anna, "--template", "email/christmas.it")
    assert "Buon Natale, Anna: sono già 6 anni!" in shown.splitlines()


def test_list_ignores_files_that_are_not_templates(crm: Crm, config: Path) -> None:
    user_template(config, "email/Check In.it", "x")
    user_template(config, "fax/check-in.it", "x")
    (config / "templates" / "README.txt").write_text("notes")
    assert len(crm.ok("templates", "list").stdout.splitlines()) == 65


# --------------------------------------------------------------------------- show, copy


def test_show_prints_the_source(crm: Crm, config: Path) -> None:
    result = crm.ok("templates", "show", "sms/check-in.en")
    path = builtin_dir() / "sms" / "check-in.en.j2"
    assert result.stdout == path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    assert result.stderr == f"sms/check-in.en (built-in: {path})\n"
    mine = user_template(config, "sms/check-in.en", "Hi {{ client.first_name }}!\n")
    result = crm.ok("templates", "show", "sms/check-in.en.j2")
    assert (result.stdout, result.stderr) == (
        "Hi {{ client.first_name }}!\n",
        f"sms/check-in.en (user: {mine})\n",
    )


def test_show_an_unknown_template(crm: Crm) -> None:
    assert crm.fail("templates", "show", "email/chek-in.en") == (
        "no template named 'email/chek-in.en'; did you mean email/check-in.en, "
        "email/check-in.it, call/check-in.en, sms/check-in.en?"
    )
    assert crm.fail("templates", "show", "../config.toml") == (
        "invalid template name '../config.toml': write it as channel/purpose.lang, "
        "e.g. 'email/check-in.en' (lower-case letters, digits and '-')"
    )


def test_copy_puts_the_built_in_in_the_config_dir(crm: Crm, config: Path) -> None:
    result = crm.ok("templates", "copy", "email/check-in.it")
    target = config / "templates" / "email" / "check-in.it.j2"
    assert (result.stdout, result.stderr) == (
        f"{target}\n",
        "edit it there: drafts now use your copy\n",
    )
    source = builtin_dir() / "email" / "check-in.it.j2"
    assert target.read_bytes() == source.read_bytes()
    rows = [line.split() for line in crm.ok("templates", "list").stdout.splitlines()[1:]]
    assert ["email/check-in.it", "email", "check-in", "it", "user"] in rows


def test_copy_refuses_to_overwrite_without_force(crm: Crm, config: Path) -> None:
    crm.ok("templates", "copy", "sms/birthday.en")
    target = config / "templates" / "sms" / "birthday.en.j2"
    target.write_text("My own words, {{ client.first_name }}.\n", encoding="utf-8")
    assert crm.fail("templates", "copy", "sms/birthday.en") == (
        f"{target} already exists: edit it, or use --force to replace it"
    )
    assert target.read_text(encoding="utf-8") == "My own words, {{ client.first_name }}.\n"
    crm.ok("templates", "copy", "sms/birthday.en", "--force")
    assert target.read_bytes() == (builtin_dir() / "sms" / "birthday.en.j2").read_bytes()


def test_copy_only_copies_built_ins(crm: Crm, config: Path) -> None:
    assert crm.fail("templates", "copy", "email/christmas.it") == (
        "no template named 'email/christmas.it'; did you mean email/thanks.it, "
        "email/check-in.it, email/birthday.it, email/welcome.it?"
    )
    assert not (config / "templates").exists()


# --------------------------------------------------------------------------- check


def test_check_passes_for_the_built_ins(crm: Crm) -> None:
    result = crm.ok("templates", "check", "--date", FIXED_DATE)
    assert result.stdout == ""  # no FAIL, no WARN
    assert result.stderr == "all 64 templates render for a formal and an informal sample client\n"


def test_check_names_a_broken_user_template(crm: Crm, config: Path) -> None:
    user_template(config, "email/check-in.it", email_source("Ciao\n{{ client.nmae }}"))
    result = crm("templates", "check", "--date", FIXED_DATE)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL  email/check-in.it (user, formal): template email/check-in.it, line 4: "
        "'client' has no attribute 'nmae'",
        "FAIL  email/check-in.it (user, informal): template email/check-in.it, line 4: "
        "'client' has no attribute 'nmae'",
    ]
    assert result.stderr == "2 problems in 64 templates\n"


def test_check_catches_a_template_that_leaks_the_sample_private_note(
    crm: Crm, config: Path
) -> None:
    # The sample client's private note mentions the house in Riccione.
    user_template(config, "sms/check-in.it", "Ciao {{ client.first_name }}, e la casa di Riccione?")
    result = crm("templates", "check", "--date", FIXED_DATE)
    assert result.exit_code == 1
    assert [line[:40] for line in result.stdout.splitlines()] == [
        "FAIL  sms/check-in.it (user, formal): te",
        "FAIL  sms/check-in.it (user, informal): ",
    ]
    assert "would reveal a private note" in result.stdout


# --------------------------------------------------------------------------- user templates at work


def test_a_template_hard_coding_private_words_is_refused(anna: Crm, config: Path) -> None:
    user_template(config, "email/check-in.it", email_source(
        "Gentile {{ client.name }}, Luca ha gradito l'orologio d'argento?"
    ))  # fmt: skip
    message = anna.fail("draft", "anna", "--channel", "email", "--date", FIXED_DATE)
    assert message.startswith("template email/check-in.it would reveal a private note (")
    assert message.endswith("); draft refused")
    # Nor can --out write it.
    assert not any(config.parent.glob("**/*.eml"))


def test_a_template_hard_coding_a_private_touchpoint_is_refused(anna: Crm, config: Path) -> None:
    user_template(config, "sms/check-in.it", "Ciao {{ client.first_name }}, il marito ha ritirato "
                  "l'orologio inciso?")  # fmt: skip
    assert anna.fail("draft", "anna", "--channel", "sms", "--date", FIXED_DATE).startswith(
        "template sms/check-in.it would reveal a private note ("
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("client.private_note", "template email/check-in.it, line 4: 'client' has no attribute "
         "'private_note' (private notes are never given to templates)"),
        ("client.nmae", "template email/check-in.it, line 4: 'client' has no attribute 'nmae'"),
        ("''.__class__.__mro__", "template email/check-in.it, line 4: refused by the sandbox: "
         "access to attribute '__class__' of 'str' object is unsafe."),
        ("client.__class__", "template email/check-in.it, line 4: refused by the sandbox: "
         "'client' has no attribute '__class__'"),
        ("cycler.__init__.__globals__", "template email/check-in.it, line 4: refused by the "
         "sandbox: access to attribute '__init__' of 'type' object is unsafe."),
    ],
)  # fmt: skip
def test_a_template_reaching_for_what_it_may_not(
    anna: Crm, config: Path, tmp_path: Path, expression: str, message: str
) -> None:
    user_template(config, "email/check-in.it", email_source(f"Ciao,\n{{{{ {expression} }}}}"))
    out = tmp_path / "out"
    assert anna.fail("draft", "anna", "--channel", "email", "--date", FIXED_DATE,
                     "--out", str(out)) == message  # fmt: skip
    assert not out.exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (email_source("{% if %}"), "template email/check-in.it, line 3: "
         "Expected an expression, got 'end of statement block'"),
        ("Ciao {{ client.first_name }}", "template email/check-in.it has no {% block subject %}: "
         "email and coffee templates give a subject block and a body block"),
        (email_source("{% include '../../../etc/passwd' %}"), "template email/check-in.it, "
         "line 3: no template named '../../../etc/passwd' to include"),
        (email_source("Ciao", subject="{{ '' }}"), "template email/check-in.it gives an empty "
         "subject"),
    ],
)  # fmt: skip
def test_a_broken_template_is_an_error_naming_it(
    anna: Crm, config: Path, source: str, message: str
) -> None:
    user_template(config, "email/check-in.it", source)
    assert anna.fail("draft", "anna", "--channel", "email", "--date", FIXED_DATE) == message


def test_a_template_that_is_not_utf8(anna: Crm, config: Path) -> None:
    path = user_template(config, "email/check-in.it", "")
    path.write_bytes(b"\xff\xfe{% block subject %}")
    assert anna.fail("draft", "anna", "--channel", "email", "--date", FIXED_DATE) == (
        f"template email/check-in.it ({path}) is not UTF-8 text"
    )


def test_client_data_is_data_in_a_user_template(crm: Crm, config: Path) -> None:
    crm.add("{{ 7*7 }} Bianchi", "--email", "b@example.it", "--likes", "{% if true %}x{% endif %}")
    user_template(config, "email/check-in.it", email_source(
        "{{ client.name }} / {{ client.preferences[0] }} / {{ 6*7 }}"
    ))  # fmt: skip
    shown = crm.ok("draft", "bianchi", "--channel", "email", "--date", FIXED_DATE).stdout
    assert "{{ 7*7 }} Bianchi / {% if true %}x{% endif %} / 42" in shown.splitlines()
