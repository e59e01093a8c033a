"""``crm notify --email``, ``--desktop`` and ``--install``: a real SMTP server (aiosmtpd)
on 127.0.0.1, the demo book, and two devices synced through a real git remote."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import FIXED_DATE, Crm, use_demo_book
from mailtools import free_port, stop, wait_for_port
from typer.testing import CliRunner, Result

from crm_cli.cli.app import app

SMTP_PASSWORD = "s3cret-smtp-Zq9"
ME = "chiara@bottegalombardi.example"
# The demo book's private words: Anna Colombo's private note and private touchpoint.
PRIVATE_WORDS = ("orologio", "Luca", "sorpresa", "inciso")


class Sink(NamedTuple):
    port: int
    maildir: Path
    password_command: str  # reads the password from a file outside the book and config

    def messages(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.maildir, create=False)
        parser = BytesParser(policy=policy.default)
        found = [parser.parsebytes(box.get_bytes(key)) for key in sorted(box.keys())]
        return sorted(found, key=lambda m: str(m["X-CRM-Digest"]))


def start_sink(tmp_path: Path, *mode: str) -> Iterator[Sink]:
    """An SMTP server with one account, chiara/SMTP_PASSWORD, keeping what it receives;
    ``mode``: smtpsink.py's MODE CERT KEY (STARTTLS or SSL), none for plain text."""
    port = free_port()
    folder = tmp_path / "received"
    log_path = tmp_path / "smtp.log"
    script = Path(__file__).with_name("smtpsink.py")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port), str(folder), "chiara", SMTP_PASSWORD, *mode],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(proc, port, log_path, "aiosmtpd")
            secret = tmp_path / "secret"
            secret.mkdir()
            (secret / "smtp").write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
            yield Sink(port, folder, f"cat {secret / 'smtp'}")
        finally:
            stop(proc)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    yield from start_sink(tmp_path)


def smtp_config(config: Path, sink: Sink, *extra: str) -> None:
    """Adds the SMTP account to ``config``'s config.toml (the demo's settings are kept)."""
    path = config / "config.toml"
    config.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = [
        'smtp_host = "127.0.0.1"',
        f"smtp_port = {sink.port}",
        'smtp_user = "chiara"',
        'smtp_security = "none"',
        f'smtp_password_command = "{sink.password_command}"',
        *extra,
    ]
    path.write_text(old + "\n".join(lines) + "\n", encoding="utf-8")


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def links(text: str, scheme: str) -> list[str]:
    return [word for word in text.split() if word.startswith(scheme + ":")]


@pytest.fixture
def demo(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_book(crm, tmp_path, monkeypatch)


def test_one_digest_a_day_and_a_missed_day_caught_up_once(crm: Crm, demo: Path, sink: Sink) -> None:
    smtp_config(demo / "config", sink)
    first = crm.ok("notify", "--email", "--date", FIXED_DATE)
    assert first.stderr == f"notify: the digest of {FIXED_DATE} went to {ME} (7 clients)\n"
    again = crm.ok("notify", "--email", "--date", FIXED_DATE)
    assert again.stderr == f"notify: the digest of {FIXED_DATE} was sent already\n"
    assert len(sink.messages()) == 1
    # The 24th and 25th were missed (the laptop was asleep): the 26th sends one, its own.
    crm.ok("notify", "--email", "--date", "2026-11-26")
    crm.ok("notify", "--email", "--date", "2026-11-26")
    subjects = [str(m["Subject"]) for m in sink.messages()]
    assert subjects == [
        "crm: 7 clients to contact on Mon 23 Nov 2026",
        "crm: 7 clients to contact on Thu 26 Nov 2026",
    ]
    # An older day is never sent after a newer one.
    crm.ok("notify", "--email", "--date", "2026-11-25")
    assert len(sink.messages()) == 2


def test_the_digest_parses_and_its_links_open_the_drafts(crm: Crm, demo: Path, sink: Sink) -> None:
    smtp_config(demo / "config", sink)
    crm.ok("notify", "--email", "--date", FIXED_DATE)
    (message,) = sink.messages()
    assert (message["From"], message["To"]) == (ME, ME)
    assert message["X-CRM-Digest"] == FIXED_DATE
    assert message.get_content_type() == "multipart/alternative"
    text = text_part(message)
    assert text.splitlines()[:4] == [
        "Monday 23 November 2026: 7 clients to contact, most urgent first.",
        "",
        "1. Sofia Marino: reply, by email",
        '   "Chiede quando torna il cappotto blu di lana nella taglia 42" — waiting 2 days',
    ]
    heads = [line for line in text.splitlines() if line[:1].isdigit()]
    assert heads == [
        "1. Sofia Marino: reply, by email",
        "2. Francesca Conti: recovery, by call",
        "3. Emma Clarke: follow-up, by email",
        "4. Elena Bruno: birthday, by sms",
        "5. Giuseppe Russo: check-in + anniversary, by sms, 116 days late",
        "6. Pietro Gallo: check-in, by call, 106 days late",
        "7. Wang Fang 王芳: check-in, by email, 4 days late",
    ]
    mailtos = links(text, "mailto")
    assert len(mailtos) == 3
    # The HTML part carries the same links, one tap each.
    html = html_part(message)
    for link in mailtos:
        assert f'href="{link.replace("&", "&amp;")}"' in html
    # Each link parses back (RFC 6068) to the draft `crm draft` writes for that client.
    for link in mailtos:
        parts = urlsplit(link)
        address = unquote(parts.path)
        query = parse_qs(parts.query)
        draft = crm.ok("draft", address, "--date", FIXED_DATE).stdout
        to_line, subject_line, _, *body = draft.splitlines()
        assert to_line.endswith(f"<{address}>")
        assert subject_line == f"Subject: {query['subject'][0]}"
        assert query["body"][0].replace("\r\n", "\n") == "\n".join(body).split("\n\nmailto:")[0]
    # A call is one tap too: the number, dialled.
    assert "   Call: tel:+393405551212" in text.splitlines()
    (sms,) = [w for w in links(text, "sms") if w.startswith("sms:+393294445566")]
    assert "buon%20compleanno" in sms


def test_no_private_note_and_no_withheld_note_in_the_digest(
    crm: Crm, demo: Path, sink: Sink
) -> None:
    smtp_config(demo / "config", sink)
    # Anna Colombo (a shared contact with a private note) asks a question today, and a
    # private touchpoint is the newest of a due client: neither may reach the digest.
    crm.log("anna", "email", "--in", "--needs-reply", "--note", "Chiede del regalo per Luca")
    crm.log("sofia", "visit", "--in", "--private", "--note", "Passata per l'orologio inciso")
    crm.ok("notify", "--email", "--date", FIXED_DATE)
    (message,) = sink.messages()
    raw = message.as_string()
    text = text_part(message) + html_part(message)
    assert "Anna Colombo: reply" in text
    for word in PRIVATE_WORDS:
        assert word not in text, word
        assert word not in raw, word
    assert "Chiede del regalo" not in text


def test_no_secret_is_written_and_a_failing_password_command_is_one_line(
    crm: Crm, demo: Path, sink: Sink
) -> None:
    smtp_config(demo / "config", sink)
    crm.ok("notify", "--email", "--date", FIXED_DATE)
    for path in demo.rglob("*"):
        if path.is_file():
            assert SMTP_PASSWORD.encode() not in path.read_bytes(), path
    (demo / "config" / "config.toml").write_text(
        (demo / "config" / "config.toml")
        .read_text(encoding="utf-8")
        .replace(sink.password_command, "exit 3"),
        encoding="utf-8",
    )
    error = crm.fail("notify", "--email", "--date", "2026-11-24")
    assert error == "smtp_password_command: the password command failed (exit 3)"
    (demo / "config" / "config.toml").write_text(
        (demo / "config" / "config.toml").read_text(encoding="utf-8").replace("exit 3", "echo no"),
        encoding="utf-8",
    )
    error = crm.fail("notify", "--email", "--date", "2026-11-24")
    assert error == f"the SMTP server 127.0.0.1:{sink.port} refused the login of chiara"
    assert len(sink.messages()) == 1


def test_bad_or_missing_smtp_settings_name_the_key(crm: Crm, config: Path) -> None:
    crm.add("Anna Neri", "--email", "anna@example.com")
    assert crm.fail("notify", "--email") == (
        "crm notify --email needs smtp_host in config.toml (your mail account's SMTP server)"
    )
    config.mkdir()
    (config / "config.toml").write_text('smtp_host = "smtp.example.com"\n', encoding="utf-8")
    assert crm.fail("notify", "--email") == (
        "crm notify --email needs notify_to (or email) in config.toml: where the digest goes"
    )
    (config / "config.toml").write_text('smtp_security = "tls"\n', encoding="utf-8")
    assert crm.fail("notify", "--email") == (
        f"{config / 'config.toml'}: setting 'smtp_security' must be one of starttls, ssl, none, "
        "not 'tls'"
    )
    (config / "config.toml").write_text('notify_to = "me at home"\n', encoding="utf-8")
    assert crm.fail("notify", "--email") == (
        f"{config / 'config.toml'}: setting 'notify_to': 'me at home' is not an email address"
    )


def test_starttls_is_required_when_asked_for(crm: Crm, demo: Path, sink: Sink) -> None:
    smtp_config(demo / "config", sink)
    path = demo / "config" / "config.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"none"', '"starttls"'), encoding="utf-8"
    )
    error = crm.fail("notify", "--email", "--date", FIXED_DATE)
    assert error == f"the SMTP server 127.0.0.1:{sink.port} does not offer STARTTLS"
    assert sink.messages() == []


def test_notify_to_and_nothing_due(crm: Crm, config: Path, sink: Sink) -> None:
    smtp_config(config, sink, 'notify_to = "phone@example.org"')
    crm.add("Anna Neri", "--email", "anna@example.com", "--since", FIXED_DATE)
    result = crm.ok("notify", "--email", "--date", FIXED_DATE)
    assert result.stderr == f"notify: nothing is due on {FIXED_DATE}: no digest\n"
    crm.ok("log", "anna", "email", "--in", "--needs-reply", "--date", FIXED_DATE)
    crm.ok("notify", "--email", "--date", FIXED_DATE)
    (message,) = sink.messages()
    assert (message["From"], message["To"]) == ("phone@example.org", "phone@example.org")
    assert str(message["Subject"]) == "crm: 1 client to contact on Mon 23 Nov 2026"


# -- two devices ------------------------------------------------------------------


class Device:
    """One installation: its own CRM_HOME, the same config (as in test_sync)."""

    def __init__(self, home: Path, config: Path) -> None:
        self.home = home
        self.env = {"CRM_HOME": str(home), "CRM_CONFIG": str(config)}
        self.runner = CliRunner()

    def ok(self, *args: str) -> Result:
        result = self.runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def fail(self, *args: str) -> str:
        result = self.runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == 1, (args, result.exit_code, result.stdout, result.stderr)
        (line,) = result.stderr.splitlines()
        return line.removeprefix("Error: ")

    @property
    def id(self) -> str:
        import json

        return str(json.loads(self.ok("config", "--json").stdout)["device"])


def test_two_synced_devices_send_one_digest_a_day(
    tmp_path: Path, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    config = tmp_path / "shared-config"
    smtp_config(config, sink, f'email = "{ME}"')
    a, b = Device(tmp_path / "a", config), Device(tmp_path / "b", config)
    a.ok("add-client", "Anna Neri", "--email", "anna@example.com", "--since", "2025-01-10")
    remote = tmp_path / "remote.git"
    a.ok("sync", "--init", str(remote))
    b.ok("sync", "--clone", str(remote), "--home", str(b.home))
    b.ok("log", "anna", "email", "--in", "--needs-reply", "--date", FIXED_DATE)
    b.ok("sync")
    a.ok("sync")
    # Two devices and no sender named: neither guesses.
    error = a.fail("notify", "--email", "--date", FIXED_DATE)
    assert error == (
        f"this book is synced to 2 devices ({', '.join(sorted([a.id, b.id]))}): set "
        f"notify_device in config.toml to the one that sends (this one is {a.id})"
    )
    with (config / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'notify_device = "{a.id}"\n')
    for day in (FIXED_DATE, "2026-11-24"):
        for device in (a, b, a, b):
            result = device.ok("notify", "--email", "--date", day)
            if device is b:
                assert result.stderr == (
                    f"notify: device {a.id} sends (notify_device); this is {b.id}\n"
                )
        b.ok("sync")
        a.ok("sync")
    assert [str(m["X-CRM-Digest"]) for m in sink.messages()] == [FIXED_DATE, "2026-11-24"]
    # The digest carries what device b logged: one book, one sender.
    assert "Anna Neri: reply, by email" in text_part(sink.messages()[0])


# -- desktop and the timer ----------------------------------------------------------


def test_desktop_notification_once_a_day_or_one_line_without_a_notifier(
    crm: Crm, demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))  # no notify-send, no osascript
    result = crm.ok("notify", "--desktop", "--date", FIXED_DATE)
    assert result.stderr == (
        "notify: no desktop notifier here (notify-send, osascript): nothing shown\n"
    )
    shown = tmp_path / "shown.txt"
    fake = bin_dir / "notify-send"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {shown}\n', encoding="utf-8")
    fake.chmod(0o755)
    crm.ok("notify", "--desktop", "--date", FIXED_DATE)
    again = crm.ok("notify", "--desktop", "--date", FIXED_DATE)
    assert again.stderr == f"notify: the notification of {FIXED_DATE} was shown already\n"
    lines = shown.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == [
        "--app-name=crm",
        "crm: 7 clients to contact on Mon 23 Nov 2026",
        "Sofia Marino: reply",
        "Francesca Conti: recovery",
    ]


def test_install_writes_a_systemd_user_timer(
    crm: Crm, tmp_path: Path, home: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    config.mkdir()
    (config / "config.toml").write_text('notify_time = "7:45"\n', encoding="utf-8")
    result = crm.ok(
        "notify", "--install", "--email", "--caldav", "https://dav.example.org/cal/",
        "--user", "chiara", "--password-command", "pass show dav",
    )  # fmt: skip
    folder = xdg / "systemd" / "user"
    assert result.stdout.splitlines() == [
        str(folder / "crm-notify.service"),
        str(folder / "crm-notify.timer"),
    ]
    assert result.stderr.splitlines()[1:] == [
        "enable it:  systemctl --user daemon-reload && systemctl --user enable --now "
        "crm-notify.timer",
        f"remove it:  systemctl --user disable --now crm-notify.timer && rm "
        f"{folder / 'crm-notify.service'} {folder / 'crm-notify.timer'}",
    ]
    timer = (folder / "crm-notify.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 07:45:00\nPersistent=true\n" in timer
    assert "WantedBy=timers.target" in timer
    service = (folder / "crm-notify.service").read_text(encoding="utf-8").splitlines()
    assert "Type=oneshot" in service
    assert f"Environment=CRM_CONFIG={config.resolve()}" in service
    assert f"Environment=CRM_HOME={home.resolve()}" in service
    (exec_line,) = [line for line in service if line.startswith("ExecStart=")]
    assert exec_line.endswith(
        " notify --email --caldav https://dav.example.org/cal/ --user chiara "
        '--password-command "pass show dav"'
    )
    assert crm.fail("notify", "--install", code=2) == (
        "--install needs what to send: --email, --caldav URL --user U, --desktop"
    )


def test_install_writes_a_launchd_agent_on_macos(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plistlib

    monkeypatch.setenv("HOME", str(tmp_path / "mac"))
    monkeypatch.setattr(sys, "platform", "darwin")
    result = crm.ok("notify", "--install", "--email")
    (path,) = [Path(p) for p in result.stdout.splitlines()]
    assert path == tmp_path / "mac" / "Library" / "LaunchAgents" / "org.crm-cli.notify.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["StartCalendarInterval"] == {"Hour": 8, "Minute": 0}
    assert agent["ProgramArguments"][-2:] == ["notify", "--email"]
    assert f"remove it:  launchctl unload -w {path} && rm {path}" in result.stderr


def test_notify_needs_something_to_send(crm: Crm) -> None:
    assert crm.fail("notify", code=2) == (
        "say what to send: --email, --caldav URL --user U, --desktop (or --dry-run)"
    )
    assert crm.fail("notify", "--caldav", "https://x.example/", code=2) == "--caldav needs --user"
    assert crm.fail("notify", "--json", code=2) == "--json goes with --dry-run"


def test_crm_config_shows_the_notify_settings(crm: Crm, config: Path) -> None:
    config.mkdir()
    (config / "config.toml").write_text(
        'smtp_host = "smtp.example.com"\nsmtp_security = "ssl"\n', encoding="utf-8"
    )
    import json

    settings = json.loads(crm.ok("config", "--json").stdout)["settings"]
    assert {k: v for k, v in settings.items() if k.startswith(("smtp_", "notify_"))} == {
        "smtp_host": "smtp.example.com",
        "smtp_port": 0,
        "smtp_user": "",
        "smtp_security": "ssl",
        "smtp_password_command": "",
        "smtp_cafile": "",
        "notify_to": "",
        "notify_time": "08:00",
        "notify_device": "",
    }
    assert 'smtp_security = "ssl"   # set' in crm.ok("config").stdout.splitlines()
