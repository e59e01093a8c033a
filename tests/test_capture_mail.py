"""``crm capture mail`` on Maildir and mbox files built with the stdlib ``mailbox`` module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, due_json
from mailtools import ME, maildir, mbox, message, week_of_mail

from crm_cli.store import open_book


def _setup(crm: Crm, config: Path, extra: str = "") -> tuple[str, str]:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'my_name = "Chiara"\nmy_emails = ["{ME}", "chiara.lombardi@gmail.example"]\n{extra}',
        encoding="utf-8",
    )
    anna = crm.add("Anna Bianchi", "--email", "anna.bianchi@example.it", "--since", "2025-01-10")
    marco = crm.add("Marco Verdi", "--email", "marco@studio.example", "--since", "2025-01-10")
    return anna, marco


def _capture(crm: Crm, *args: str) -> str:
    result = crm.ok("capture", "mail", *args, "--date", FIXED_DATE)
    return result.stderr.strip().splitlines()[-1]


def _history(crm: Crm, client: str) -> list[dict[str, object]]:
    return json.loads(crm.ok("history", client, "--json").stdout)


def test_a_week_of_mail_is_logged_by_its_rules(crm: Crm, config: Path, tmp_path: Path) -> None:
    anna, marco = _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    line = _capture(crm, "--maildir", str(box))
    assert line == (
        "mail: 5 logged (2 to answer), 7 skipped (2 list, 2 automated, 1 recipients, "
        "2 no client), 2 unknown people"
    )
    [question] = _history(crm, anna)
    assert (question["direction"], question["channel"], question["note"]) == (
        "in",
        "email",
        "Preventivo per il tavolo",
    )
    assert question["needs_reply"] is True and question["date"] == "2026-11-17"
    assert str(question["source"]).startswith("mail:")
    marcos = _history(crm, marco)
    assert [(t["date"], t["direction"], t["note"], t["needs_reply"]) for t in marcos] == [
        ("2026-11-20", "in", "R: Consegna", True),  # his answer by subject: yours to reply
        ("2026-11-19", "out", "Consegna", False),
        ("2026-11-18", "out", "Re: Ordine", False),
        ("2026-11-18", "in", "Ordine", False),  # answered the same day
    ]
    # The reply without References joined the thread of the message it answers.
    assert marcos[0]["thread"] == marcos[1]["thread"] != marcos[2]["thread"]
    assert marcos[2]["thread"] == marcos[3]["thread"]
    due = due_json(crm)
    replies = sorted(i["client_id"] for i in due if i["reason"] == "reply")
    assert replies == sorted([anna, marco])


def test_capturing_twice_changes_nothing(
    crm: Crm, config: Path, tmp_path: Path, home: Path
) -> None:
    _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    _capture(crm, "--maildir", str(box))
    before = crm.ok("export", "json").stdout
    assert _capture(crm, "--maildir", str(box)) == "mail: 0 logged, 0 skipped, 0 unknown people"
    # Marks lost (a new device, a wiped state): everything is read again, nothing doubles.
    shutil.rmtree(home / "local")
    line = _capture(crm, "--maildir", str(box))
    assert line == (
        "mail: 0 logged, 12 skipped (2 list, 2 automated, 1 recipients, 2 no client, "
        "5 already logged), 2 unknown people"
    )
    assert crm.ok("export", "json").stdout == before


def test_two_synced_devices_reading_one_mailbox_give_one_book(
    crm: Crm, config: Path, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    # The second device has the same book (synced) but its own local state.
    other = tmp_path / "laptop"
    shutil.copytree(home, other)
    _capture(crm, "--maildir", str(box))
    monkeypatch.setenv("CRM_HOME", str(other))
    _capture(crm, "--maildir", str(box))
    laptop = crm.ok("export", "json").stdout
    monkeypatch.setenv("CRM_HOME", str(home))
    desk = crm.ok("export", "json").stdout

    # The same touchpoints with the same capture ids (issue 12's store makes the ids
    # themselves agree; today each book numbers its own).
    def content(text: str) -> list[tuple[object, ...]]:
        data = json.loads(text)
        return sorted(
            (t["client_id"], t["date"], t["source"], t["direction"], t["note"])
            for t in data["touchpoints"]
        )

    assert content(laptop) == content(desk)
    assert len(content(desk)) == 5


def test_the_same_message_in_two_folders_is_one_touchpoint(
    crm: Crm, config: Path, tmp_path: Path
) -> None:
    anna, _ = _setup(crm, config)
    msg = message("anna.bianchi@example.it", ME, "Domanda", "2026-11-20 10:00", "dup@example.it")
    box = maildir(tmp_path / "Mail", {"": [msg], "Archive": [msg], "Trash": [msg]})
    line = _capture(crm, "--maildir", str(box))
    assert line == "mail: 1 logged (1 to answer), 1 skipped (1 already logged), 0 unknown people"
    assert len(_history(crm, anna)) == 1


def test_only_the_folders_named_are_read(crm: Crm, config: Path, tmp_path: Path) -> None:
    _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    assert _capture(crm, "--maildir", str(box), "--folder", "Sent") == (
        "mail: 2 logged, 1 skipped (1 no client), 1 unknown person"
    )
    error = crm.fail("capture", "mail", "--maildir", str(box), "--folder", "Spam")
    assert error == f"no folder 'Spam' in {box} (it has: (top), Sent)"


def test_dry_run_prints_and_writes_nothing(
    crm: Crm, config: Path, tmp_path: Path, home: Path
) -> None:
    from conftest import snapshot

    anna, _ = _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    before = snapshot(home)
    result = crm.ok("capture", "mail", "--maildir", str(box), "--dry-run", "--date", FIXED_DATE)
    assert snapshot(home) == before
    assert f"2026-11-17 {anna} email in Preventivo per il tavolo (to answer)" in result.stdout
    assert result.stderr.strip().endswith(
        "dry run, nothing written: 5 logged (2 to answer), "
        "7 skipped (2 list, 2 automated, 1 recipients, "
        "2 no client), 2 unknown people"
    )
    assert _capture(crm, "--maildir", str(box)).startswith("mail: 5 logged")


def test_no_body_and_no_subject_when_asked(
    crm: Crm, config: Path, tmp_path: Path, home: Path
) -> None:
    anna, _ = _setup(crm, config, "capture_subjects = false\n")
    box = maildir(tmp_path / "Mail", week_of_mail())
    _capture(crm, "--maildir", str(box))
    assert [t["note"] for t in _history(crm, anna)] == [None]
    for path in [*home.rglob("*"), *config.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert b"SECRET-BODY-42" not in data and b"Preventivo" not in data, path


def test_your_answer_closes_the_request(crm: Crm, config: Path, tmp_path: Path) -> None:
    anna, _ = _setup(crm, config)
    root = tmp_path / "Mail"
    question = message("anna.bianchi@example.it", ME, "Tavolo", "2026-11-20 10:00", "q@example.it")
    maildir(root, {"": [question]})
    _capture(crm, "--maildir", str(root))
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == ["reply"]
    answer = message(
        ME,
        "anna.bianchi@example.it",
        "Re: Tavolo",
        "2026-11-21 09:00",
        "a@bottega.example",
        refs=["q@example.it"],
    )
    maildir(root, {"Sent": [answer]})
    assert _capture(crm, "--maildir", str(root)) == "mail: 1 logged, 0 skipped, 0 unknown people"
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == []


def test_handled_closes_a_request_without_an_answer(crm: Crm, config: Path, tmp_path: Path) -> None:
    anna, _ = _setup(crm, config)
    thanks = message("anna.bianchi@example.it", ME, "Grazie!", "2026-11-20 10:00", "t@example.it")
    _capture(crm, "--maildir", str(maildir(tmp_path / "Mail", {"": [thanks]})))
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == ["reply"]
    result = crm.ok("handled", "Anna", "--date", FIXED_DATE)
    assert result.stderr.strip() == "1 request of Anna Bianchi closed, no answer needed"
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == []
    note = _history(crm, anna)[0]
    assert (note["channel"], note["handled"], note["note"]) == (
        "note",
        True,
        "handled: no answer needed",
    )
    # A note, not a contact: the last contact is still her email.
    shown = json.loads(crm.ok("list", "--json").stdout)
    assert next(c for c in shown if c["id"] == anna)["last_contact"] == "2026-11-20"
    assert crm.fail("handled", "Anna") == "Anna Bianchi has no open request to mark handled"


def test_an_unanswered_email_of_yours_is_a_gentle_nudge(
    crm: Crm, config: Path, tmp_path: Path
) -> None:
    anna, _ = _setup(crm, config)
    sent = message(
        ME, "anna.bianchi@example.it", "Il campione", "2026-11-12 10:00", "s@bottega.example"
    )
    root = maildir(tmp_path / "Mail", {"Sent": [sent]})
    _capture(crm, "--maildir", str(root))
    [nudge] = [i for i in due_json(crm) if i["client_id"] == anna]
    assert (nudge["reason"], nudge["due"], nudge["channel"]) == ("awaiting", "2026-11-19", "email")
    assert nudge["detail"] == (
        'no answer yet to your email of 2026-11-12 ("Il campione"), 11 days ago'
    )
    # Not drafted for: `crm drafts` leaves it out.
    out = tmp_path / "drafts"
    crm.ok("drafts", "--out", str(out), "--date", FIXED_DATE)
    assert not any(anna in p.name for p in out.glob("*")) if out.exists() else True
    # Her answer ends it.
    answer = message(
        "anna.bianchi@example.it",
        ME,
        "Re: Il campione",
        "2026-11-22 10:00",
        "r@example.it",
        refs=["s@bottega.example"],
    )
    maildir(root, {"": [answer]})
    _capture(crm, "--maildir", str(root))
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == ["reply"]


def test_awaiting_after_zero_shows_no_nudge(crm: Crm, config: Path, tmp_path: Path) -> None:
    anna, _ = _setup(crm, config, "awaiting_after = 0\n")
    sent = message(ME, "anna.bianchi@example.it", "Il campione", "2026-11-12 10:00", "s@b.example")
    _capture(crm, "--maildir", str(maildir(tmp_path / "Mail", {"Sent": [sent]})))
    assert [i for i in due_json(crm) if i["client_id"] == anna] == []


def test_unknown_people_are_listed_added_or_ignored(crm: Crm, config: Path, tmp_path: Path) -> None:
    _setup(crm, config)
    _capture(crm, "--maildir", str(maildir(tmp_path / "Mail", week_of_mail())))
    listed = json.loads(crm.ok("capture", "inbox", "--json").stdout)
    assert listed == [
        {"address": "elena@gallo.example", "name": "Elena Gallo", "count": 1, "last": "2026-11-20"},
        {"address": "luca@nuovo.example", "name": "Luca Neri", "count": 1, "last": "2026-11-19"},
    ]
    new_id = crm.ok("add-client", "--from-capture", "Elena@Gallo.example").stdout.strip()
    shown = json.loads(crm.ok("show", new_id, "--json").stdout)
    assert (shown["name"], shown["emails"]) == (
        "Elena Gallo",
        ["elena@gallo.example"],
    )
    assert crm.ok("capture", "ignore", "luca@nuovo.example").stderr.strip() == (
        "ignored luca@nuovo.example"
    )
    assert json.loads(crm.ok("capture", "inbox", "--json").stdout) == []
    error = crm.fail("add-client", "--from-capture", "nobody@example.it")
    assert error == "no one captured writes from or to nobody@example.it (see 'crm capture inbox')"


def test_a_sent_draft_carries_its_purpose(crm: Crm, config: Path, tmp_path: Path) -> None:
    from email import message_from_bytes

    anna, _ = _setup(crm, config, 'email = "chiara@bottega.example"\n')
    topic = crm.log(anna, "visit", "--in", "--topic", "il tavolo di rovere", "--date", "2026-10-01")
    drafts = tmp_path / "drafts"
    crm.ok("draft", anna, "--purpose", "check-in", "--out", str(drafts), "--date", FIXED_DATE)
    [eml] = drafts.glob("*.eml")
    draft = message_from_bytes(eml.read_bytes())
    assert "tavolo di rovere" in draft.get_payload(decode=True).decode()
    assert draft["Message-ID"].strip().startswith("<crm.check-in.")
    assert draft["Message-ID"].endswith(f".{topic}@bottega.example>")
    # The mail client sends it: the same Message-ID lands in Sent.
    del draft["X-Unsent"]
    root = maildir(tmp_path / "Mail", {"Sent": [draft]})
    _capture(crm, "--maildir", str(root))
    sent = _history(crm, anna)[0]
    assert (sent["direction"], sent["purpose"], sent["topic"]) == (
        "out",
        "check-in",
        "il tavolo di rovere",
    )
    # The topic it brought back is closed, and the sent message opens none.
    assert crm.ok("topic", "list", anna).stdout.strip() == ""


def test_thunderbird_mbox_skips_deleted_messages(crm: Crm, config: Path, tmp_path: Path) -> None:
    anna, _ = _setup(crm, config)
    kept = message("anna.bianchi@example.it", ME, "Ciao", "2026-11-20 10:00", "k@example.it")
    gone = message("anna.bianchi@example.it", ME, "Vecchio", "2026-11-19 10:00", "d@example.it")
    path = mbox(tmp_path / "Inbox", [(kept, "0001"), (gone, "0009")])
    line = _capture(crm, "--mbox", str(path))
    assert line == "mail: 1 logged (1 to answer), 1 skipped (1 deleted), 0 unknown people"
    # Appended later: only the new message is read.
    more = message("anna.bianchi@example.it", ME, "Ancora", "2026-11-21 10:00", "n@example.it")
    mbox(path, [(more, "0000")])
    line = _capture(crm, "--mbox", str(path))
    assert line == "mail: 1 logged (1 to answer), 0 skipped, 0 unknown people"
    assert _capture(crm, "--mbox", str(path)) == "mail: 0 logged, 0 skipped, 0 unknown people"
    assert [t["note"] for t in _history(crm, anna)] == ["Ancora", "Ciao"]


def test_capture_needs_your_addresses(crm: Crm, tmp_path: Path) -> None:
    box = maildir(tmp_path / "Mail", week_of_mail())
    assert crm.fail("capture", "mail", "--maildir", str(box)) == (
        "crm does not know your addresses: set my_emails in config.toml, "
        'e.g. my_emails = ["me@example.com"]'
    )


def test_bad_sources_are_one_error_line(crm: Crm, config: Path, tmp_path: Path) -> None:
    _setup(crm, config)
    assert crm.fail("capture", "mail", "--maildir", str(tmp_path / "none")) == (
        f"{tmp_path / 'none'} is not a folder"
    )
    (tmp_path / "empty").mkdir()
    assert crm.fail("capture", "mail", "--maildir", str(tmp_path / "empty")) == (
        f"{tmp_path / 'empty'} holds no Maildir folder (no cur/ and new/ inside)"
    )
    (tmp_path / "notes.txt").write_text("hello\n")
    assert crm.fail("capture", "mail", "--mbox", str(tmp_path / "notes.txt")) == (
        f"{tmp_path / 'notes.txt'} is not an mbox file (it does not start with 'From ')"
    )
    assert "give one of --maildir, --mbox or --imap" in crm.fail("capture", "mail", code=2)


def test_saved_sources_run_from_a_bare_capture(crm: Crm, config: Path, tmp_path: Path) -> None:
    _setup(crm, config)
    box = maildir(tmp_path / "Mail", week_of_mail())
    crm.ok("capture", "add", "work", "--maildir", str(box))
    result = crm.ok("capture", "--date", FIXED_DATE)
    assert result.stderr.strip().splitlines()[-1].startswith("work: 5 logged (2 to answer)")
    saved = json.loads((config / "capture-sources.json").read_text())
    assert saved == {"work": {"kind": "maildir", "where": str(box.resolve())}}
    with open_book(Path(str(config)).parent / "home") as book:
        assert len([t for t in book.touchpoints() if t.source]) == 5


def test_without_a_password_command_the_keyring_is_asked(
    crm: Crm, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    _setup(crm, config)
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: import fails
    error = crm.fail("capture", "mail", "--imap", "127.0.0.1", "--user", "chiara")
    assert error == (
        "no password: give --password-command, or install 'keyring' "
        "(pip install keyring) to read it from the system keyring"
    )


def test_the_same_mailbox_captured_on_two_synced_devices_is_one_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A laptop and a desktop both read the same account: each message is one touchpoint
    # once their files are folded together, whatever order they capture and sync in.
    from test_sync import Device

    empty = tmp_path / "no-home"
    empty.mkdir()
    for name, value in (("HOME", str(empty)), ("XDG_CONFIG_HOME", str(empty))):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(
        f'my_name = "Chiara"\nmy_emails = ["{ME}"]\n', encoding="utf-8"
    )
    remote = tmp_path / "remote.git"
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    a.ok("add-client", "Anna Bianchi", "--email", "anna.bianchi@example.it")
    a.ok("add-client", "Marco Verdi", "--email", "marco@studio.example")
    a.ok("sync", "--init", str(remote))
    a.ok("sync", "--clone", str(remote), "--home", str(b.home))
    box = maildir(tmp_path / "Mail", week_of_mail())
    for device in (a, b):
        device.ok("capture", "mail", "--maildir", str(box), "--date", FIXED_DATE)
    for device in (a, b, a):
        device.ok("sync")
    assert a.book() == b.book()
    history = json.loads(a.ok("history", "marco", "--json").stdout)
    assert len(history) == 4  # as on one device: nothing doubled
    assert len({t["id"] for t in history}) == 4


def test_a_question_is_answered_only_in_its_own_thread(
    crm: Crm, config: Path, tmp_path: Path
) -> None:
    anna, _ = _setup(crm, config)
    ask = message("anna.bianchi@example.it", ME, "Preventivo", "2026-11-19 09:00", "a1@x.it")
    other = message(ME, "anna.bianchi@example.it", "Orari di Natale", "2026-11-20 10:00", "m1@x.it")
    box = maildir(tmp_path / "Mail", {"": [ask], "Sent": [other]})
    _capture(crm, "--maildir", str(box))
    # Writing about the Christmas hours answers nothing: the quote is still owed.
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == ["reply"]
    answer = message(ME, "anna.bianchi@example.it", "Re: Preventivo", "2026-11-21 11:00",
                     "m2@x.it", refs=["a1@x.it"], reply_to="a1@x.it")  # fmt: skip
    box = maildir(tmp_path / "Mail2", {"Sent": [answer]})
    _capture(crm, "--maildir", str(box))
    assert [i["reason"] for i in due_json(crm) if i["client_id"] == anna] == []


def test_a_saved_imap_source_takes_the_same_security_options(crm: Crm, config: Path) -> None:
    _setup(crm, config)
    crm.ok("capture", "add", "work", "--imap", "mail.example.it", "--user", "chiara", "--ssl")
    saved = json.loads((config / "capture-sources.json").read_text(encoding="utf-8"))
    assert saved["work"]["security"] == "ssl"
    error = crm.fail("capture", "add", "home", "--imap", "h.example.it", "--user", "c",
                     "--ssl", "--plain", code=2)  # fmt: skip
    assert "choose one of --starttls, --ssl and --plain" in error


def test_lost_marks_with_old_mail_read_only_those_clients_captures(
    crm: Crm, config: Path, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mail older than the digest's latest touchpoints, captured again after the marks
    were lost: found in the book without reading every client's history."""
    anna, marco = _setup(crm, config)
    anna_mail = "Anna Bianchi <anna.bianchi@example.it>"
    old = [
        message(anna_mail, ME, "Restauro della credenza", "2026-03-02 09:00", "old1@example.it"),
        message(
            ME, anna_mail, "Re: Restauro della credenza", "2026-03-03 10:00", "old2@bottega",
            refs=["old1@example.it"],
        ),
    ]  # fmt: skip
    box = maildir(tmp_path / "Mail", {"": old})
    assert _capture(crm, "--maildir", str(box)).startswith("mail: 2 logged,")
    for day in range(1, 9):  # the digest's latest touchpoints are all newer than the mail
        crm.ok("log", anna, "call", "--note", f"telefonata {day}", "--date", f"2026-10-{day:02d}")
    crm.ok("log", marco, "visit", "--date", "2026-10-01")
    before = crm.ok("export", "json").stdout
    shutil.rmtree(home / "local" / "capture")

    from crm_cli.store import Book

    def whole_history(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole history was read")

    with monkeypatch.context() as patched:
        patched.setattr(Book, "touchpoints", whole_history)
        assert _capture(crm, "--maildir", str(box)) == (
            "mail: 0 logged, 2 skipped (2 already logged), 0 unknown people"
        )
    assert crm.ok("export", "json").stdout == before
