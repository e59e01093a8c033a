"""``crm capture mail --imap`` against a real IMAP server (pymap) on 127.0.0.1."""

from __future__ import annotations

import imaplib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import FIXED_DATE, Crm, due_json
from mailtools import ME, free_port, message, stop, wait_for_port, week_of_mail

USER, PASSWORD = "demouser", "demopass"


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[int]:
    """pymap's in-memory backend on a free port; stopped by its PID, every wait bounded."""
    port = free_port()
    script = Path(sys.executable).with_name("pymap")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pymap"]
    log = (tmp_path / "pymap.log").open("wb")
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(proc, port, tmp_path / "pymap.log", "pymap")
        yield port
    finally:
        stop(proc)
        log.close()


def _client(port: int) -> imaplib.IMAP4:
    conn = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    # Without it every APPEND waits for a delayed ACK (40 ms).
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.login(USER, PASSWORD)
    return conn


def _put(port: int, folders: dict[str, list[EmailMessage]]) -> None:
    conn = _client(port)
    try:
        for name, messages in folders.items():
            box = name or "INBOX"
            if box != "INBOX":
                conn.create(f'"{box}"')
            for msg in messages:
                conn.append(f'"{box}"', None, None, msg.as_bytes())
    finally:
        conn.logout()


def _setup(crm: Crm, config: Path) -> tuple[str, str]:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(f'my_emails = ["{ME}"]\n', encoding="utf-8")
    anna = crm.add("Anna Bianchi", "--email", "anna.bianchi@example.it", "--since", "2025-01-10")
    marco = crm.add("Marco Verdi", "--email", "marco@studio.example", "--since", "2025-01-10")
    return anna, marco


def _capture(crm: Crm, port: int, *extra: str, password: str = PASSWORD) -> str:
    result = crm.ok(
        "capture", "mail", "--imap", "127.0.0.1", "--port", str(port), "--plain",
        "--user", USER, "--password-command", f"printf '%s\\n' {password}",
        "--date", FIXED_DATE, *extra,
    )  # fmt: skip
    return result.stderr.strip().splitlines()[-1]


def test_a_week_of_mail_over_imap(crm: Crm, config: Path, imap_server: int) -> None:
    anna, marco = _setup(crm, config)
    _put(imap_server, week_of_mail())
    assert _capture(crm, imap_server) == (
        "mail: 5 logged (2 to answer), 7 skipped (2 list, 2 automated, 1 recipients, "
        "2 no client), 2 unknown people"
    )
    replies = sorted(i["client_id"] for i in due_json(crm) if i["reason"] == "reply")
    assert replies == sorted([anna, marco])
    # Read-only: nothing was marked read on the server.
    conn = _client(imap_server)
    try:
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("SEARCH", "SEEN")
        assert data[0] == b""
    finally:
        conn.logout()
    # Nothing new: nothing read, nothing logged.
    assert _capture(crm, imap_server) == "mail: 0 logged, 0 skipped, 0 unknown people"


def test_a_wrong_password_is_one_clear_line(crm: Crm, config: Path, imap_server: int) -> None:
    _setup(crm, config)
    error = crm.fail(
        "capture", "mail", "--imap", "127.0.0.1", "--port", str(imap_server), "--plain",
        "--user", USER, "--password-command", "echo wrong-secret",
    )  # fmt: skip
    assert error == f"the IMAP server 127.0.0.1:{imap_server} refused the login of demouser"
    assert crm.fail(
        "capture", "mail", "--imap", "127.0.0.1", "--port", str(imap_server), "--plain",
        "--user", USER, "--password-command", "exit 3",
    ) == "the password command failed (exit 3)"  # fmt: skip


def test_uidvalidity_changing_rescans_without_duplicates(
    crm: Crm, config: Path, imap_server: int
) -> None:
    anna, _ = _setup(crm, config)
    first = message("anna.bianchi@example.it", ME, "Uno", "2026-11-19 10:00", "u1@example.it")
    _put(imap_server, {"Archive": [first]})
    assert _capture(crm, imap_server, "--folder", "Archive").startswith("mail: 1 logged")
    # The server rebuilds the folder (new UIDVALIDITY), with one message more.
    conn = _client(imap_server)
    conn.select("INBOX")
    conn.delete('"Archive"')
    conn.logout()
    second = message("anna.bianchi@example.it", ME, "Due", "2026-11-20 10:00", "u2@example.it")
    _put(imap_server, {"Archive": [first, second]})
    assert _capture(crm, imap_server, "--folder", "Archive") == (
        "mail: 1 logged (1 to answer), 1 skipped (1 already logged), 0 unknown people"
    )
    history = json.loads(crm.ok("history", anna, "--json").stdout)
    assert [t["note"] for t in history] == ["Due", "Uno"]


def test_the_same_message_in_two_folders(crm: Crm, config: Path, imap_server: int) -> None:
    _setup(crm, config)
    msg = message("anna.bianchi@example.it", ME, "Etichette", "2026-11-20 10:00", "g@example.it")
    _put(imap_server, {"": [msg], "Clienti": [msg]})
    assert _capture(crm, imap_server) == (
        "mail: 1 logged (1 to answer), 1 skipped (1 already logged), 0 unknown people"
    )


def test_threads_with_and_without_references(crm: Crm, config: Path, imap_server: int) -> None:
    anna, _ = _setup(crm, config)
    ask = message("anna.bianchi@example.it", ME, "Misure", "2026-11-18 10:00", "a1@example.it")
    answer = message(ME, "anna.bianchi@example.it", "Re: Misure", "2026-11-18 12:00",
                     "c1@bottega.example", refs=["a1@example.it"])  # fmt: skip
    # Her follow-up quotes no ids at all: the subject joins it to the thread.
    again = message("anna.bianchi@example.it", ME, "RE: R: Misure", "2026-11-19 09:00",
                    "a2@example.it")  # fmt: skip
    # A new question in a thread of its own, answered by In-Reply-To only.
    other = message("anna.bianchi@example.it", ME, "Colore", "2026-11-19 10:00", "a3@example.it")
    other_answer = message(ME, "anna.bianchi@example.it", "Re: Colore", "2026-11-19 11:00",
                           "c2@bottega.example", reply_to="a3@example.it")  # fmt: skip
    _put(imap_server, {"": [ask, again, other], "Sent": [answer, other_answer]})
    _capture(crm, imap_server)
    history = json.loads(crm.ok("history", anna, "--json").stdout)
    threads = {t["note"]: t["thread"] for t in history}
    assert threads["Misure"] == threads["Re: Misure"] == threads["RE: R: Misure"]
    assert threads["Colore"] == threads["Re: Colore"] != threads["Misure"]
    asked = [t["note"] for t in history if t["needs_reply"]]
    assert asked == ["RE: R: Misure"]


def test_a_draft_sent_shows_up_in_sent(
    crm: Crm, config: Path, imap_server: int, tmp_path: Path
) -> None:
    from email import message_from_bytes, policy

    anna, _ = _setup(crm, config)
    with (config / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'email = "{ME}"\n')
    ask = message("anna.bianchi@example.it", ME, "Domanda", "2026-11-22 10:00", "q@example.it")
    _put(imap_server, {"": [ask]})
    _capture(crm, imap_server, "--folder", "INBOX")
    [item] = [i for i in due_json(crm) if i["client_id"] == anna]
    assert item["reason"] == "reply"
    drafts = tmp_path / "drafts"
    crm.ok("draft", anna, "--out", str(drafts), "--date", FIXED_DATE)
    [eml] = drafts.glob("*.eml")
    sent = message_from_bytes(eml.read_bytes(), policy=policy.default)
    del sent["X-Unsent"]
    _put(imap_server, {"Sent": [sent]})  # type: ignore[list-item]
    assert _capture(crm, imap_server, "--folder", "Sent").startswith("mail: 1 logged,")
    assert [i for i in due_json(crm) if i["client_id"] == anna] == []
    newest = json.loads(crm.ok("history", anna, "--json").stdout)[0]
    assert (newest["direction"], newest["purpose"]) == ("out", "reply")


def test_no_password_is_written_anywhere(
    crm: Crm, config: Path, home: Path, imap_server: int
) -> None:
    _setup(crm, config)
    _put(imap_server, week_of_mail())
    crm.ok(
        "capture", "add", "work", "--imap", "127.0.0.1", "--port", str(imap_server), "--plain",
        "--user", USER, "--password-command", "printf demo; printf pass",
    )  # fmt: skip
    result = crm.ok("capture", "--date", FIXED_DATE)
    assert "work: 5 logged" in result.stderr
    files = [p for root in (home, config) for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "capture-sources.json" for p in files)
    assert any(p.name == "state.json" for p in files)
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path
