"""``python -m crm_cli.bench mail``: a realistic Maildir for a generated book.

One message in ten (``--with-clients``) is between you and a client, in threads of one
to four messages, some answered with References, some with a bare "R:" subject; the
rest is what fills a real inbox: newsletters and lists, automated notices and
auto-replies, group messages, and people who are not clients. Headers look like a
real provider's (Received, DKIM, ARC lines): header parsing is what capture costs.
Deterministic: a seed gives one mailbox.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from crm_cli.store import open_book

ME = "chiara@example.it"
ALIAS = "chiara.lombardi+shop@gmail.example"
SUBJECTS = (
    "Preventivo",
    "Ordine del tavolo",
    "Consegna",
    "Fattura di ottobre",
    "Appuntamento",
    "Campioni di tessuto",
    "Misure della libreria",
    "Domanda sul restauro",
    "Quote for the cabinet",
    "Delivery next week",
)
LISTS = ("Offerte della settimana", "Newsletter di novembre", "Webinar", "Club del legno")
MACHINES = (
    ("noreply@bank.example", "Estratto conto disponibile"),
    ("no-reply@courier.example", "La tua spedizione"),
    ("mailer-daemon@mx.example", "Undelivered Mail Returned to Sender"),
)


@dataclass
class Counts:
    messages: int = 0
    with_clients: int = 0
    requests_expected: int = 0


def _headers(
    sender: str,
    to: list[str],
    subject: str,
    when: datetime,
    msgid: str,
    extra: list[str],
    rng: random.Random,
) -> bytes:
    hops = [
        f"Received: from mx{rng.randint(1, 9)}.example ([10.{rng.randint(0, 255)}.0.1])\r\n"
        f"\tby mail.example.it with ESMTPS id {rng.getrandbits(48):x}\r\n"
        f"\tfor <{ME}>; {format_datetime(when)}"
        for _ in range(rng.randint(1, 3))
    ]
    dkim = (
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.it; s=s1;\r\n"
        f"\tbh={hashlib.sha256(msgid.encode()).hexdigest()[:43]}=;\r\n"
        f"\tb={hashlib.sha512(msgid.encode()).hexdigest()[:120]}"
    )
    lines = [
        *hops,
        dkim,
        f"From: {sender}",
        f"To: {', '.join(to)}",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{msgid}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        *extra,
    ]
    body = "Buongiorno,\r\n\r\n" + ("testo del messaggio, che crm non legge mai. " * 20) + "\r\n"
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8")


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.n = 0
        for folder in (root, root / ".Sent"):
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)

    def put(self, sent: bool, data: bytes) -> None:
        self.n += 1
        folder = self.root / ".Sent" if sent else self.root
        (folder / "cur" / f"17000{self.n:07d}.M{self.n}P1.bench:2,S").write_bytes(data)


def build_mailbox(
    home: Path, out: Path, messages: int, with_clients: int, days: int, seed: int, today: date
) -> Counts:
    rng = random.Random(seed)
    with open_book(home) as book:
        people = [(c.name, c.emails[0]) for c in book.clients() if c.emails and not c.archived]
    if not people:
        raise SystemExit("Error: the book has no client with an email address")
    strangers = [(f"Persona {i}", f"persona{i}@altro{i % 40}.example") for i in range(600)]
    writer = _Writer(out)
    counts = Counts()
    end = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18)

    def moment() -> datetime:
        return end - timedelta(seconds=rng.randint(3600, days * 86400))

    # Client threads: 1 to 4 messages, alternating, starting from either side.
    while counts.with_clients < with_clients:
        name, address = rng.choice(people)
        client = f"{name} <{address}>"
        subject = rng.choice(SUBJECTS)
        when = moment()
        inbound = rng.random() < 0.6
        length = min(rng.randint(1, 4), with_clients - counts.with_clients)
        root_id = ""
        previous = ""
        for k in range(length):
            msgid = (
                f"{rng.getrandbits(64):x}.{counts.messages}@{'in' if inbound else 'out'}.example"
            )
            extra = []
            # Two replies in three quote their thread; the others only say "R:".
            if k and rng.random() < 0.67:
                extra = [f"References: <{root_id}> <{previous}>", f"In-Reply-To: <{previous}>"]
            title = subject if k == 0 else f"{rng.choice(('Re', 'R', 'RE'))}: {subject}"
            me = rng.choice((ME, ME, ALIAS))
            sender, to = (client, [me]) if inbound else (f"Chiara Lombardi <{me}>", [client])
            writer.put(not inbound, _headers(sender, to, title, when, msgid, extra, rng))
            root_id = root_id or msgid
            previous = msgid
            counts.messages += 1
            counts.with_clients += 1
            last_inbound = inbound
            inbound = not inbound
            when += timedelta(hours=rng.randint(1, 72))
        if last_inbound and (end - when).days <= 30:
            counts.requests_expected += 1
    while counts.messages < messages:
        kind = rng.random()
        when = moment()
        msgid = f"{rng.getrandbits(64):x}.{counts.messages}@other.example"
        if kind < 0.45:
            shop = rng.randint(1, 30)
            extra = [
                f"List-Unsubscribe: <mailto:unsub@shop{shop}.example>",
                "Precedence: bulk",
            ]
            data = _headers(
                f"Shop {shop} <news@shop{shop}.example>",
                [ME],
                rng.choice(LISTS),
                when,
                msgid,
                extra,
                rng,
            )
        elif kind < 0.6:
            sender, subject = rng.choice(MACHINES)
            data = _headers(
                sender, [ME], subject, when, msgid, ["Auto-Submitted: auto-generated"], rng
            )
        elif kind < 0.65:
            group = [f"socio{i}@club.example" for i in range(rng.randint(6, 15))]
            data = _headers("Club <segreteria@club.example>", [ME, *group], "Cena sociale",
                            when, msgid, [], rng)  # fmt: skip
        else:
            name, address = rng.choice(strangers)
            if rng.random() < 0.5:
                data = _headers(f"{name} <{address}>", [ME], "Informazioni", when, msgid, [], rng)
            else:
                data = _headers(f"Chiara Lombardi <{ME}>", [f"{name} <{address}>"],
                                "Re: Informazioni", when, msgid, [], rng)  # fmt: skip
                writer.put(True, data)
                counts.messages += 1
                continue
        writer.put(False, data)
        counts.messages += 1
    config = home / "config" / "config.toml"
    if config.exists() and "my_emails" not in config.read_text(encoding="utf-8"):
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'my_emails = ["{ME}", "{ALIAS}"]\n')
    return counts


def main(args: argparse.Namespace) -> int:
    home = Path(args.home).expanduser()
    out = Path(args.maildir).expanduser()
    if out.exists() and any(out.iterdir()):
        sys.stderr.write(f"Error: {out} is not empty\n")
        return 1
    with_clients = args.with_clients if args.with_clients is not None else args.messages // 10
    counts = build_mailbox(
        home, out, args.messages, min(with_clients, args.messages), args.days, args.seed, args.today
    )
    sys.stderr.write(
        f"wrote {counts.messages:,} messages ({counts.with_clients:,} with clients, "
        f"about {counts.requests_expected:,} unanswered from clients in the last 30 days) "
        f"to {out}\n"
    )
    return 0
