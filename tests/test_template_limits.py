"""Templates compile once per process, and a user's template is bounded in what it computes."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm
from jinja2.sandbox import SandboxedEnvironment

from crm_cli.core.drafting import render as render_module
from crm_cli.userfiles import templates as template_files


@pytest.fixture
def caller(crm: Crm) -> Crm:
    """A client with a phone: a call sheet is a template's whole text, nothing else added."""
    crm.add("Mario Rossi", "--phone", "+39 347 123 4567", "--lang", "en", "--since", "2020-01-01")
    return crm


def _template(config: Path, name: str, source: str) -> None:
    path = template_files.user_dir(config) / f"{name}.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


ATTACKS = [
    (
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "template call/attack.en, line 1: stopped after 100,000 steps (loops, calls, filters)",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ 'x' * 10**8 }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ 'x'|center(1000000000) }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ 7 ** 100000 }}",
        "template call/attack.en, line 1: stopped at a number of more than 4,096 bits",
    ),
    (
        "{{ '%0999999999d' % 1 }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ '%*d' % (999999999, 1) }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ '{:>{w}}'.format(1, w=999999999) }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{{ '{:>999999999}'.format(1) }}",
        "template call/attack.en, line 1: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{% set s = 'y' * 90000 %}\n{{ s.replace('y', s) }}",
        "template call/attack.en, line 2: stopped at a value of more than 100,000 characters "
        "or items",
    ),
    (
        "{% macro m() %}{% for i in range(20) %}{{ 'z' * 90000 }}{% endfor %}{% endmacro %}\n"
        "{% for i in range(20) %}{{ m() }}{% endfor %}",
        "template call/attack.en, line 1: stopped at more than 1,000,000 characters of output",
    ),
]


@pytest.mark.parametrize(("source", "message"), ATTACKS)
def test_a_runaway_user_template_ends_in_one_error_line(
    caller: Crm, config: Path, source: str, message: str
) -> None:
    _template(config, "call/attack.en", source)
    if "steps" in message:  # tracing would slow the loop to the time limit first
        error = caller.fail("draft", "mario", "--template", "call/attack.en", "--date", FIXED_DATE)
    else:
        tracemalloc.start()
        try:
            error = caller.fail(
                "draft", "mario", "--template", "call/attack.en", "--date", FIXED_DATE
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 100 * 2**20
    assert error == message


def test_a_busy_but_bounded_template_still_renders(caller: Crm, config: Path) -> None:
    _template(
        config,
        "call/busy.en",
        "{% for i in range(300) %}{% for j in range(100) %}{% endfor %}{% endfor %}"
        "{{ client.first_name }}: {{ ('ab' * 20000)|length }} {{ 2 ** 64 }} "
        "{{ 1234567|string }} {{ '%d' % 7654321 }} {{ 'call 3471234567 {}'.format(9999999) }}",
    )
    shown = caller.ok("draft", "mario", "--template", "call/busy.en", "--date", FIXED_DATE)
    assert (
        "Mario: 40000 18446744073709551616 1234567 7654321 call 3471234567 9999999" in shown.stdout
    )


def test_templates_compile_once_per_name_and_source(
    caller: Crm, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str | None] = []
    original = SandboxedEnvironment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(SandboxedEnvironment, "compile", counting)
    monkeypatch.setattr(render_module, "_COMPILED", {})
    _template(config, "call/mine.en", "First {{ client.first_name }}")
    for _ in range(3):
        shown = caller.ok("draft", "mario", "--template", "call/mine.en", "--date", FIXED_DATE)
        assert "First Mario" in shown.stdout
    assert compiled == ["call/mine.en"]
    # An edit in the same process is seen at once (a new source is a new template).
    _template(config, "call/mine.en", "Second version for {{ client.first_name }}")
    shown = caller.ok("draft", "mario", "--template", "call/mine.en", "--date", FIXED_DATE)
    assert "Second version for Mario" in shown.stdout
    assert compiled == ["call/mine.en", "call/mine.en"]


def test_template_files_are_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = template_files._read

    def counting(info: template_files.TemplateInfo) -> str:
        reads.append(info.name)
        return original(info)

    monkeypatch.setattr(template_files, "_read", counting)
    config = tmp_path / "reads"
    _template(config, "sms/check-in.en", "Mine {{ client.first_name }}")
    assert template_files.lookup(config) is template_files.lookup(config)
    for _ in range(3):
        assert template_files.lookup(config)("sms/check-in.en") == "Mine {{ client.first_name }}"
    assert reads == ["sms/check-in.en"]
