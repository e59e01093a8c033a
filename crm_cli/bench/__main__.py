"""``python -m crm_cli.bench generate|run``: see :mod:`crm_cli.bench`."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from . import DEFAULT_SEED, SIZES, TODAY


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _sizes(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [n for n in names if n not in SIZES]
    if unknown or not names:
        public = ", ".join(n for n, s in SIZES.items() if not s.hidden)
        raise argparse.ArgumentTypeError(
            f"unknown size {unknown[0] if unknown else text!r}: use {public}"
        )
    return list(dict.fromkeys(names))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m crm_cli.bench",
        description="The crm benchmark: generate books, time the installed crm against them.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser(
        "generate",
        help="write a believable, deterministic book into an empty directory",
        description="Write a book of N clients and M touchpoints into DIR (which must be new "
        "or empty), with DIR/config/config.toml. Use CRM_HOME=DIR CRM_CONFIG=DIR/config.",
    )
    d1 = SIZES["D1"]
    g.add_argument(
        "--clients",
        type=_positive,
        default=d1.clients,
        metavar="N",
        help=f"number of clients (default {d1.clients})",
    )
    g.add_argument(
        "--touchpoints",
        type=_count,
        default=d1.touchpoints,
        metavar="M",
        help=f"number of touchpoints (default {d1.touchpoints})",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"random seed: a seed gives one book (default {DEFAULT_SEED})",
    )
    g.add_argument("--home", required=True, metavar="DIR", help="a new or empty directory")
    g.add_argument(
        "--today",
        type=_day,
        default=TODAY,
        metavar="DATE",
        help=f"the day the book is dated against (default {TODAY.isoformat()})",
    )

    r = sub.add_parser(
        "run",
        help="time the installed crm on the standard books",
        description="Generate the standard books (cached in --workdir) and time the installed "
        "crm as whole processes, with baselines; print a table, optionally write JSON.",
    )
    r.add_argument(
        "--sizes",
        type=_sizes,
        default=["D1", "D2"],
        metavar="D1,D2",
        help="which books (default D1,D2: "
        + "; ".join(
            f"{s.name} {s.clients:,} clients / {s.touchpoints:,} touchpoints"
            for s in SIZES.values()
            if not s.hidden
        )
        + ")",
    )
    r.add_argument("--out", metavar="FILE", help="also write the results as JSON to FILE")
    r.add_argument(
        "--runs",
        type=_positive,
        default=7,
        metavar="N",
        help="timed runs per command, after one warm-up (default 7)",
    )
    r.add_argument(
        "--workdir",
        metavar="DIR",
        help="where books are generated and kept for the next run "
        "(default: a temporary directory, removed at the end)",
    )
    r.add_argument("--seed", type=int, default=DEFAULT_SEED, help=argparse.SUPPRESS)

    m = sub.add_parser(
        "mail",
        help="write a realistic Maildir for a generated book (for crm capture)",
        description="Write N messages into the new Maildir OUT, one in ten with the clients "
        "of the book in DIR; adds my_emails to DIR/config/config.toml.",
    )
    m.add_argument("--home", required=True, metavar="DIR", help="a generated book")
    m.add_argument("--maildir", required=True, metavar="OUT", help="a new or empty directory")
    m.add_argument("--messages", type=_positive, default=50_000, metavar="N")
    m.add_argument("--with-clients", type=_count, default=None, metavar="K", help="default: N / 10")
    m.add_argument(
        "--days", type=_positive, default=730, metavar="D", help="spread over D days (730)"
    )
    m.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S")
    m.add_argument("--today", type=_day, default=TODAY, metavar="DATE")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "generate":
        from .generate import main as generate_main

        return generate_main(args)
    if args.command == "mail":
        from .mail import main as mail_main

        return mail_main(args)
    from .run import main as run_main

    return run_main(args)


if __name__ == "__main__":
    sys.exit(main())
