"""The "speed at scale" benchmark: ``python -m crm_cli.bench generate|run``.

* ``generate`` writes a believable, deterministic book (a seed gives one book)
  through the store's own API, with a ``config/config.toml`` beside it;
* ``run`` generates the standard books (cached in a work directory), then
  times the installed ``crm`` as whole processes against them, next to
  baselines (``python -c pass``, a bare Typer command, a naive one-file
  TinyDB script), and reports medians, spread, peak memory and PASS/FAIL
  against the targets.

Nothing here is imported by ``crm`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["DEFAULT_SEED", "SIZES", "TODAY", "Size"]

TODAY = date(2026, 11, 23)
"""The benchmark's "today": books are dated against it and commands get ``--date``."""

DEFAULT_SEED = 1


@dataclass(frozen=True)
class Size:
    name: str
    clients: int
    touchpoints: int
    hidden: bool = False


SIZES: dict[str, Size] = {
    "D1": Size("D1", 500, 25_000),
    "D2": Size("D2", 5_000, 250_000),
    # Measured on demand (--sizes D3): a minute to generate, slow to time.
    "D3": Size("D3", 20_000, 1_000_000),
    # For the test suite's smoke run: not a standard size, no targets.
    "tiny": Size("tiny", 20, 500, hidden=True),
}
