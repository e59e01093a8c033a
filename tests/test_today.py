"""``crm today`` driven as a person would: a real pseudo-terminal (pexpect), real keys.

Every wait is bounded by ``TIMEOUT``; the book is a small hand-made one planned on
FIXED_DATE. What the keys did is checked with the other commands (history, due,
show), as the person would check it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pexpect
import pytest
from conftest import FIXED_DATE, Crm, ago, crm_command, crm_env, use_demo_book

TIMEOUT = 30  # seconds: the machine may be busy; a working screen answers in well under 1
PROMPT = r"\[q\]uit >"
NOT_A_TERMINAL = (
    "crm today needs a terminal; use 'crm due' to see the plan "
    "and 'crm drafts' to write every draft."
)
SETTINGS = """\
my_name = "Chiara Lombardi"
signature = "Chiara — Bottega Lombardi"
email = "chiara@bottega.example"
city = "Bologna"
"""
# The order `crm due` gives (checked below): a reply first, then the check-ins by lateness.
ORDER = ["Anna Rossi", "Pietro Gallo", "Giulia Bianchi", "Emma Clarke"]


@pytest.fixture
def book(crm: Crm, config: Path) -> Crm:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(SETTINGS, encoding="utf-8")
    crm.add(
        "Anna Rossi", "--email", "anna@example.it", "--lang", "it", "--informal",
        "--since", ago(700), "--tier", "B",
    )  # fmt: skip
    crm.log(
        "anna", "email", "--in", "--needs-reply", "--date", ago(3),
        "--note", "Chiede se il tavolo di noce è pronto", "--topic", "il tavolo di noce",
    )  # fmt: skip
    crm.add(
        "Pietro Gallo", "--phone", "+39 051 998 877", "--lang", "it", "--formal",
        "--since", ago(4000), "--tier", "C",
    )  # fmt: skip
    crm.log("pietro", "visit", "--in", "--date", ago(190), "--note", "Preso il pane di segale")
    crm.add(
        "Giulia Bianchi", "--phone", "+39 347 111 2233", "--lang", "it", "--informal",
        "--since", ago(900), "--channel", "sms", "--tier", "C",
        "--likes", "il pane ai semi",
    )  # fmt: skip
    crm.log("giulia", "visit", "--in", "--date", ago(110), "--note", "Ha preso il pane ai semi")
    crm.add(
        "Emma Clarke", "--email", "emma@northwind.example", "--lang", "en", "--tier", "A",
        "--since", ago(800), "--private-note", "Her father is unwell: do not ask about family",
    )  # fmt: skip
    crm.log("emma", "meeting", "--date", ago(36), "--note", "Wrapped up the shop window")
    return crm


class Screen:
    """One ``crm today`` on a pseudo-terminal; ``text`` is everything it printed."""

    def __init__(self, tmp_path: Path, home: Path, config: Path, *args: str, **env: str) -> None:
        self.bin = tmp_path / "bin"
        self.bin.mkdir(exist_ok=True)
        self.opened = tmp_path / "opened.txt"
        self.clipboard = tmp_path / "clipboard.txt"
        # The desktop's opener and a clipboard, as scripts that say what they were given.
        record = f"import sys\nopen({str(self.opened)!r}, 'a').write(sys.argv[1] + '\\n')"
        _script(self.bin / "xdg-open", record)
        keep = f"import sys\nopen({str(self.clipboard)!r}, 'w').write(sys.stdin.read())"
        _script(self.bin / "wl-copy", keep)
        base = crm_env(home, config, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", **env)
        base["PATH"] = f"{self.bin}{os.pathsep}{os.environ['PATH']}"
        if "EDITOR" not in env:
            base.pop("EDITOR", None)
        command, *rest = crm_command()
        self.child = pexpect.spawn(
            command,
            [*rest, "today", "--date", FIXED_DATE, *args],
            env=base,
            encoding="utf-8",
            timeout=TIMEOUT,
            dimensions=(50, 120),
        )
        self.log: list[str] = []

    def expect(self, pattern: str) -> str:
        """Wait for ``pattern``; what was printed up to it, as text (no escape sequences)."""
        self.child.expect(pattern)
        seen = plain(str(self.child.before) + str(self.child.after))
        self.log.append(seen)
        return seen

    def key(self, key: str, then: str) -> str:
        """At the queue's prompt, press ``key``; returns what was printed up to ``then``."""
        self.expect(PROMPT)
        self.child.send(key)
        return self.expect(then)

    def line(self, asked: str | None, text: str, then: str) -> str:
        """Answer the question ``asked`` (None: the one on the screen now) with a line."""
        if asked is not None:
            self.expect(asked)
        self.child.sendline(text)
        return self.expect(then)

    def end(self) -> tuple[str, int]:
        """The rest of the output, and the exit status."""
        self.child.expect(pexpect.EOF)
        self.log.append(plain(str(self.child.before)))
        self.child.close()
        return "".join(self.log), int(self.child.exitstatus or 0)


def plain(text: str) -> str:
    """The screen's text: the terminal's escape sequences and carriage returns dropped."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r", "", text)


def _script(path: Path, body: str) -> None:
    path.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + TIMEOUT
    while not path.is_file() or not path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text(encoding="utf-8")


def _history(crm: Crm, client: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(crm.ok("history", client, "--json").stdout)
    return rows


def _due(crm: Crm) -> list[str]:
    items = json.loads(crm.ok("due", "--date", FIXED_DATE, "--json").stdout)
    return [item["client"] for item in items]


@pytest.fixture
def screen(tmp_path: Path, home: Path, config: Path) -> type[Screen]:
    class Bound(Screen):
        def __init__(self, *args: str, **env: str) -> None:
            super().__init__(tmp_path, home, config, *args, **env)

    return Bound


def test_the_queue_is_the_due_order(book: Crm) -> None:
    assert list(dict.fromkeys(_due(book))) == ORDER


def test_done_skip_snooze_and_quit(book: Crm, screen: type[Screen]) -> None:
    run = screen()
    first = run.expect("Anna Rossi")
    assert "client 1 of 4" in run.expect(PROMPT) or "client 1 of 4" in first
    shown = "".join(run.log)
    assert "reply" in shown and "Chiede se il tavolo di noce è pronto" in shown  # why
    assert "Subject:" in shown and "Ciao Anna," in shown  # the draft
    run.child.send("d")
    assert "d: logged email to Anna Rossi" in run.expect(r"closed topic «il tavolo di noce»")
    run.expect("Pietro Gallo")
    run.key("k", "k: skipped Pietro Gallo for today")
    run.expect("Giulia Bianchi")
    run.key("z", "how many days")
    run.line(None, "0", "Error: snooze for 1 to 366 days, not 0")
    run.line("how many days", "5", "snoozed Giulia Bianchi until 2026-11-28")
    run.expect("Emma Clarke")
    run.key("q", "quit")
    text, status = run.end()
    assert status == 0
    assert f"{FIXED_DATE}: done 1, skipped 1, snoozed 1, left 1" in text

    # d logged the draft's contact: outbound, its channel, purpose and topic...
    sent = _history(book, "anna")[0]
    assert (sent["channel"], sent["direction"], sent["date"]) == ("email", "out", FIXED_DATE)
    assert sent["purpose"] == "reply" and sent["topic"] == "il tavolo di noce"
    # ...and closed what it answered: the reply and the topic.
    assert "Anna Rossi" not in _due(book)
    assert (
        "no open topic"
        in book.ok("topic", "list", "anna").stderr + book("topic", "list", "anna").stdout
    )
    # z snoozed Giulia in the book; k only skipped Pietro for this morning.
    assert "Giulia Bianchi" not in _due(book)
    assert "Pietro Gallo" in _due(book)
    back = json.loads(book.ok("due", "--date", "2026-11-28", "--json").stdout)
    assert "Giulia Bianchi" in [item["client"] for item in back]  # the snooze's end


def test_a_second_run_starts_where_the_first_stopped(book: Crm, screen: type[Screen]) -> None:
    run = screen()
    run.expect("Anna Rossi")
    run.key("k", "skipped Anna Rossi")
    run.expect("Pietro Gallo")
    run.key("q", "quit")
    text, _ = run.end()
    assert f"{FIXED_DATE}: done 0, skipped 1, snoozed 0, left 3" in text

    again = screen()
    first = again.expect("Pietro Gallo")
    assert "Anna Rossi" not in first  # the skipped client does not come back today
    assert "client 2 of 4" in again.expect(PROMPT)
    again.child.send("d")
    again.expect("logged call to Pietro Gallo")
    again.key("k", "skipped Giulia Bianchi")
    again.key("k", "skipped Emma Clarke")
    text, status = again.end()
    assert status == 0
    assert f"{FIXED_DATE}: done 1, skipped 3, snoozed 0, left 0" in text

    last = screen()
    text, status = last.end()
    assert status == 0
    assert f"Nothing left to do on {FIXED_DATE}." in text
    assert "done 1, skipped 3, snoozed 0, left 0" in text
    # Another day is another morning: the skipped clients are back.
    other = screen("--date", "2026-11-24")
    other.expect("Anna Rossi")
    other.key("q", "quit")
    other.end()


def test_the_editor_round_trip(book: Crm, screen: type[Screen], tmp_path: Path) -> None:
    editor = tmp_path / "edit.py"
    editor.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "text = text.replace('Subject: ', 'Subject: [pronto] ', 1)\n"
        "text = text.replace('[la risposta]', 'il tavolo è pronto da sabato')\n"
        "text = text.replace('Ciao Giulia', 'Ciao Giulia cara')\n"
        "open(path, 'w', encoding='utf-8').write(text)\n",
        encoding="utf-8",
    )
    run = screen(EDITOR=f"{sys.executable} {editor}")
    run.expect("Anna Rossi")
    edited = run.key("e", r"edited\)")
    assert "il tavolo è pronto da sabato" in run.expect(PROMPT)
    del edited
    run.child.send("s")
    run.expect("Press d once it is sent")
    eml = Path(_wait_for(run.opened).strip())
    with eml.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(message, EmailMessage)
    assert str(message["Subject"]).startswith("[pronto] ")
    body = message.get_body(("plain",))
    assert body is not None and "il tavolo è pronto da sabato" in body.get_content()
    run.key("d", "logged email to Anna Rossi")
    run.key("k", "skipped Pietro Gallo")
    run.expect("Giulia Bianchi")
    run.key("e", r"edited\)")
    run.key("s", "Press d once it is sent")
    assert _wait_for(run.clipboard).startswith("Ciao Giulia cara")
    run.key("d", "logged sms to Giulia Bianchi")
    run.key("q", "quit")
    run.end()
    # What d recorded is what was sent, with the edit in it.
    assert str(_history(book, "anna")[0]["note"]).startswith("[pronto] ")
    assert str(_history(book, "giulia")[0]["note"]).startswith("Ciao Giulia cara")


def test_send_by_sms_shows_segments_and_the_link_and_a_call_its_sheet(
    book: Crm, screen: type[Screen]
) -> None:
    run = screen()
    run.expect("Anna Rossi")
    run.key("k", "skipped Anna Rossi")
    run.expect("Pietro Gallo")
    shown = run.expect(PROMPT)
    assert "Draft (call):" in shown and "Chiama: Pietro Gallo — +39 051 998877" in shown
    run.child.send("s")
    assert "Chiama: Pietro Gallo" in run.expect("Press d once you have called")
    run.key("k", "skipped Pietro Gallo")
    run.expect("Giulia Bianchi")
    sent = run.key("s", "Press d once it is sent")
    assert "GSM-7, 1 segment" in sent and "sms:+393471112233?body=Ciao%20Giulia" in sent
    assert "Copied to the clipboard (wl-copy)." in sent
    run.key("q", "quit")
    run.end()


def test_the_cadence_is_asked_again_until_it_is_valid(book: Crm, screen: type[Screen]) -> None:
    run = screen()
    run.expect("Anna Rossi")
    run.key("k", "skipped")
    run.expect("Pietro Gallo")
    run.key("c", "New cadence")
    run.line(None, "every blue moon", r"Error: invalid cadence 'every blue moon': use '2 weeks'")
    run.expect("New cadence")  # asked again
    # A year from the last visit (190 days ago): nothing is due for Pietro today.
    said = run.line(None, "yearly", "Giulia Bianchi")
    assert "cadence is now" in said and "Nothing is due for Pietro Gallo any more today." in said
    run.key("q", "quit")
    text, _ = run.end()
    assert "done 0, skipped 1, snoozed 0, left 2" in text
    assert "Pietro Gallo" not in _due(book)
    assert "cadence:      1 year\n" in book.ok("show", "pietro").stdout


def test_a_topic_added_from_the_queue(book: Crm, screen: type[Screen]) -> None:
    run = screen()
    run.expect("Anna Rossi")
    run.key("k", "skipped")
    run.key("n", r"\[n/t\]")
    run.child.send("t")
    run.line("Topic:", "il viaggio a Lisbona", "topic added for Pietro Gallo")
    run.key("q", "quit")
    run.end()
    assert "il viaggio a Lisbona" in book.ok("topic", "list", "pietro").stdout
    assert "Pietro Gallo" in _due(book)  # a topic is no contact


def test_no_terminal_is_one_line_pointing_to_due_and_drafts(
    book: Crm, home: Path, config: Path
) -> None:
    assert book.fail("today", "--date", FIXED_DATE, code=2) == NOT_A_TERMINAL
    piped = subprocess.run(
        [*crm_command(), "today", "--date", FIXED_DATE],
        input="dkq",
        capture_output=True,
        text=True,
        env=crm_env(home, config),
        timeout=TIMEOUT,
        check=False,
    )
    assert piped.returncode == 2
    assert piped.stderr == f"Error: {NOT_A_TERMINAL}\n"
    assert piped.stdout == ""
    assert len(_history(book, "anna")) == 1  # nothing was logged


def test_a_morning_on_the_demo_book(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = use_demo_book(crm, tmp_path, monkeypatch)
    run = Screen(tmp_path, demo, demo / "config")
    run.expect("Sofia Marino")
    run.key("k", "skipped Sofia Marino")
    run.key("k", "skipped Francesca Conti")
    run.key("k", "skipped Emma Clarke")
    run.expect("Elena Bruno")
    wish = run.expect(PROMPT)
    assert "birthday" in wish and "Ciao Elena" in wish and "compleanno" in wish
    run.child.send("d")
    run.expect("logged sms to Elena Bruno")
    run.key("q", "quit")
    text, _ = run.end()
    assert "done 1, skipped 3, snoozed 0, left 3" in text
    # The birthday wish brought no topic back: it stays open for the next message.
    assert "la colazione in ufficio" in crm.ok("topic", "list", "elena").stdout
    assert "Elena Bruno" not in _due(crm)


def test_a_client_who_cannot_be_reached_gets_a_turn_without_a_draft(
    crm: Crm, screen: type[Screen]
) -> None:
    crm.add("Nadia Sala", "--since", ago(400), "--tier", "C")  # no email, no phone
    run = screen()
    run.expect("Nadia Sala")
    shown = run.expect(PROMPT)
    assert "No draft: Nadia Sala cannot be reached" in shown
    run.child.send("s")
    run.expect("Nothing to send: Nadia Sala cannot be reached")
    run.key("d", "Log it with 'crm log', or press z, k or q.")
    run.key("k", "skipped Nadia Sala")
    text, status = run.end()
    assert status == 0 and "done 0, skipped 1, snoozed 0, left 0" in text
    assert _history(crm, "nadia") == []  # d logged nothing
