"""The store returns new objects, checks ids without parsing clients, and errors say what failed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm

from crm_cli import errors
from crm_cli.cli import common
from crm_cli.core.models import Client, Touchpoint
from crm_cli.store import open_book
from crm_cli.userfiles import config as config_module


def test_adding_touchpoints_leaves_the_callers_objects_alone(home: Path) -> None:
    with open_book(home, write=True) as book:
        book.add_client(Client(id="a", name="Anna Neri", since=date(2020, 1, 1)))
    given = [
        Touchpoint("", "a", date(2026, 1, 2), "call"),
        Touchpoint("", "a", date(2026, 1, 3), "email"),
    ]
    with open_book(home, write=True) as book:
        stored = book.add_touchpoints(given)
        one = given[0]
        again = book.add_touchpoint(one)
    assert [t.id for t in given] == ["", ""] and one.id == ""
    assert len({t.id for t in [*stored, again]}) == 3 and all(t.id for t in stored)
    assert [(t.date, t.channel) for t in stored] == [(t.date, t.channel) for t in given]
    with open_book(home) as book:
        # By date, then in the order they were logged.
        assert [t.id for t in book.touchpoints("a")] == [stored[0].id, again.id, stored[1].id]


def test_logging_checks_the_client_id_without_parsing_every_client(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_book(home, write=True) as book:
        book.add_clients(
            [Client(id=f"c{i}", name=f"Client {i}", since=date(2020, 1, 1)) for i in range(50)]
        )
    parsed: list[object] = []
    original = Client.from_dict

    def counting(data: object) -> Client:
        parsed.append(data)
        return original(data)  # type: ignore[arg-type]

    monkeypatch.setattr(Client, "from_dict", staticmethod(counting))
    with open_book(home, write=True) as book:
        book.add_touchpoint(Touchpoint("", "c7", date(2026, 1, 2), "call"))
        with pytest.raises(errors.NotFound, match="no client has the id 'nobody'"):
            book.add_touchpoint(Touchpoint("", "nobody", date(2026, 1, 2), "call"))
    assert parsed == []


def test_the_settings_file_is_read_once_until_it_changes(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.mkdir(parents=True)
    path = config / "config.toml"
    path.write_text('my_name = "Chiara"\n', encoding="utf-8")
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    assert common.settings().my_name == "Chiara"
    assert common.settings().my_name == "Chiara"
    assert reads == [path]
    path.write_text('my_name = "Chiara Lombardi"\n', encoding="utf-8")  # another size
    assert common.settings().my_name == "Chiara Lombardi"
    other = config.parent / "other-config"
    other.mkdir()
    (other / "config.toml").write_text('my_name = "Other"\n', encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(other))
    assert common.settings().my_name == "Other"
    assert len(reads) == 3
    assert config_module.load_settings() is config_module.load_settings()


def test_a_template_copy_that_cannot_be_written_is_an_output_error(crm: Crm, config: Path) -> None:
    config.mkdir(parents=True)
    (config / "templates").write_text("a file where a folder should be", encoding="utf-8")
    from crm_cli.userfiles.templates import copy_template

    with pytest.raises(errors.OutputError) as info:
        copy_template("sms/check-in.en", config)
    assert not isinstance(info.value, errors.StoreError)
    assert (
        str(info.value)
        == f"cannot write {config / 'templates' / 'sms' / 'check-in.en.j2'}: Not a directory"
    )
    assert crm.fail("templates", "copy", "sms/check-in.en") == str(info.value)


def test_a_broken_template_is_a_template_error(crm: Crm, config: Path) -> None:
    crm.add("Mario Rossi", "--phone", "+39 347 123 4567", "--lang", "en", "--since", "2020-01-01")
    folder = config / "templates" / "call"
    folder.mkdir(parents=True)
    (folder / "bad.en.j2").write_bytes(b"\xff\xfe not text")
    from crm_cli.core.drafting.render import render

    with pytest.raises(errors.TemplateError):
        render(
            lambda name: "{% if %}",
            "call/bad.en",
            {"client": Client("x", "X", date(2020, 1, 1))},
            "call",
        )
    assert issubclass(errors.TemplateError, errors.ConfigError)
    message = crm.fail("draft", "mario", "--template", "call/bad.en", "--date", FIXED_DATE)
    assert message == f"template call/bad.en ({folder / 'bad.en.j2'}) is not UTF-8 text"
