"""Building test mail: messages with the stdlib ``email`` package, Maildirs and mbox
files with the stdlib ``mailbox`` module (as mail clients write them)."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ME = "chiara@bottega.example"
ZONE = timezone(timedelta(hours=1))


def message(
    sender: str,
    to: str | list[str],
    subject: str,
    when: str,
    msgid: str | None,
    *,
    cc: list[str] | None = None,
    refs: list[str] | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    body: str = "Body text that must never reach the book: SECRET-BODY-42.",
) -> EmailMessage:
    """``when``: "2026-11-20 10:30" (Rome time)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to) if isinstance(to, list) else to
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    day = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)
    msg["Date"] = format_datetime(day)
    if msgid:
        msg["Message-ID"] = f"<{msgid}>"
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    if reply_to:
        msg["In-Reply-To"] = f"<{reply_to}>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    return msg


def maildir(root: Path, folders: dict[str, list[EmailMessage]]) -> Path:
    """A Maildir++ tree: "" is the inbox, other names are ``.Name`` subfolders."""
    box = mailbox.Maildir(root, create=True)
    for name, messages in folders.items():
        target = box if name == "" else _folder(box, name)
        for msg in messages:
            target.add(mailbox.MaildirMessage(msg))
    return root


def _folder(box: mailbox.Maildir, name: str) -> mailbox.Maildir:
    try:
        return box.get_folder(name)
    except mailbox.NoSuchMailboxError:
        return box.add_folder(name)


def mbox(path: Path, messages: list[tuple[EmailMessage, str]]) -> Path:
    """A Thunderbird-style mbox: each message with its X-Mozilla-Status (hex flags)."""
    box = mailbox.mbox(path, create=True)
    try:
        for msg, status in messages:
            copy = mailbox.mboxMessage(msg)
            copy["X-Mozilla-Status"] = status
            copy["X-Mozilla-Status2"] = "00000000"
            box.add(copy)
        box.flush()
    finally:
        box.close()
    return path


def week_of_mail() -> dict[str, list[EmailMessage]]:
    """A realistic week for Chiara: clients, a list, a newsletter, an auto-reply,
    a stranger, a group message, and threads with and without References."""
    anna, marco = "Anna Bianchi <anna.bianchi@example.it>", "Marco Verdi <MARCO@studio.example>"
    inbox = [
        # A question from a client, unanswered: a request.
        message(anna, ME, "Preventivo per il tavolo", "2026-11-17 09:10", "q1@example.it"),
        # A client writes to an alias with a +tag and capitals.
        message(
            marco,
            "Chiara <Chiara+shop@Bottega.example>",
            "Ordine",
            "2026-11-18 11:00",
            "m1@studio.example",
        ),
        # Marco's reply in a thread without References: by subject only.
        message(marco, ME, "R: Consegna", "2026-11-20 16:00", "m3@studio.example"),
        message(
            "Newsletter <news@shop.example>",
            ME,
            "Offerte",
            "2026-11-18 08:00",
            "n1@shop",
            headers={"List-Unsubscribe": "<mailto:unsub@shop.example>"},
        ),
        message(
            "Club <club@lists.example>",
            ME,
            "Incontro",
            "2026-11-19 08:00",
            "l1@lists",
            headers={"List-Id": "<club.lists.example>"},
        ),
        message(
            anna,
            ME,
            "Fuori ufficio",
            "2026-11-18 09:00",
            "auto1@example.it",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        message("noreply@bank.example", ME, "Estratto conto", "2026-11-19 07:00", "b1@bank"),
        message(
            "Luca Neri <luca@nuovo.example>",
            ME,
            "Informazioni",
            "2026-11-19 10:00",
            "s1@nuovo.example",
        ),
        message(
            "Gruppo <g@example.it>",
            [ME, *[f"p{i}@example.it" for i in range(6)]],
            "Cena",
            "2026-11-19 12:00",
            "g1@example.it",
        ),
    ]
    sent = [
        # Chiara answers Marco (References): his order is no longer waiting.
        message(
            ME,
            marco,
            "Re: Ordine",
            "2026-11-18 15:00",
            "c1@bottega.example",
            refs=["m1@studio.example"],
            reply_to="m1@studio.example",
        ),
        # Chiara writes first; Marco answers without References (above, "R: Consegna").
        message(ME, marco, "Consegna", "2026-11-19 09:00", "c2@bottega.example"),
        # Chiara writes to a newcomer.
        message(
            ME,
            "Elena Gallo <elena@gallo.example>",
            "Benvenuta",
            "2026-11-20 10:00",
            "c3@bottega.example",
        ),
    ]
    return {"": inbox, "Sent": sent}


# -- servers the tests start on 127.0.0.1 ----------------------------------------------

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path, name: str) -> None:
    """Until the server accepts connections; its log in the error if it dies or is slow."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {log.read_text()}") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop what the test started, by its PID: terminate, then kill, every wait bounded."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def radicale_server(root: Path, user: str, password: str) -> Iterator[int]:
    """A Radicale (CalDAV and CardDAV) server on 127.0.0.1 storing under ``root``,
    with one user; its port. Stopped by its PID on the way out."""
    port = free_port()
    users = root / "users"
    users.write_text(f"{user}:{password}\n", encoding="utf-8")
    log_path = root / "radicale.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "radicale",
                "--server-hosts", f"127.0.0.1:{port}",
                "--storage-filesystem-folder", str(root / "collections"),
                "--auth-type", "htpasswd",
                "--auth-htpasswd-filename", str(users),
                "--auth-htpasswd-encryption", "plain",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(proc, port, log_path, "radicale")
            yield port
        finally:
            stop(proc)
