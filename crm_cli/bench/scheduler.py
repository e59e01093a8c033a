"""Benchmark of the scheduler: ``python -m crm_cli.bench.scheduler``.

Builds an in-memory book of 5,000 clients and 250,000 touchpoints
(deterministic random), digests it once with ``summarise_all`` and then plans
one day several times, printing the timings. Target: planning well under 100 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

from crm_cli.core.models import Client, PlannedStep, Snooze, Touchpoint
from crm_cli.core.scheduler import BookView, agenda, clear_caches, plan_day
from crm_cli.core.settings import Settings
from crm_cli.core.summary import summarise_all

TODAY = date(2026, 3, 4)
CLIENTS = 5_000
TOUCHPOINTS = 250_000
RUNS = 7
CADENCES = (None, None, None, "2 weeks", "monthly", "quarterly", "never", "FREQ=MONTHLY;BYDAY=1MO")


def build(seed: int = 42) -> tuple[list[Client], list[Touchpoint], list[Snooze], list[PlannedStep]]:
    rng = random.Random(seed)
    clients = []
    for i in range(CLIENTS):
        local = rng.random() < 0.3
        clients.append(
            Client(
                id=f"c{i}",
                name=f"Client {rng.randrange(10**6):06d}",
                since=TODAY - timedelta(days=rng.randrange(30, 4000)),
                emails=[f"c{i}@example.com"] if rng.random() < 0.9 else [],
                phones=["+39051000000"] if rng.random() < 0.6 else [],
                mobiles=["+39333000000"] if rng.random() < 0.5 else [],
                city="Bologna" if local else "Milano",
                channel=rng.choice((None, "email", "sms", "call", "coffee")),
                tier=rng.choice((None, "A", "B", "C")),
                cadence=rng.choice(CADENCES),
                birthday=f"--{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                if rng.random() < 0.5
                else None,
                email_consent=rng.random() < 0.95,
                archived=rng.random() < 0.03,
                do_not_contact=rng.random() < 0.01,
            )
        )
    touchpoints = []
    for n in range(1, TOUCHPOINTS + 1):
        c = clients[rng.randrange(CLIENTS)]
        day = TODAY - timedelta(days=rng.randrange(0, max(1, (TODAY - c.since).days)))
        roll = rng.random()
        touchpoints.append(
            Touchpoint(
                id=f"t{n}",
                client_id=c.id,
                date=day,
                channel=rng.choice(("email", "email", "sms", "call", "coffee", "visit", "note")),
                direction="in" if roll < 0.4 else "out",
                needs_reply=roll < 0.1,
                incident=rng.random() < 0.01,
                follow_up=day + timedelta(days=rng.randrange(1, 30))
                if rng.random() < 0.05
                else None,
            )
        )
    snoozes = [Snooze(f"c{i}", TODAY + timedelta(days=5)) for i in range(0, CLIENTS, 50)]
    steps = [
        PlannedStep(
            f"c{i}",
            "onboarding",
            "call",
            1,
            TODAY - timedelta(days=i % 10),
            "call",
            "check-in",
            TODAY - timedelta(days=20),
        )
        for i in range(0, CLIENTS, 10)
    ]
    return clients, touchpoints, snoozes, steps


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    t0 = time.perf_counter()
    clients, touchpoints, snoozes, steps = build()
    print(
        f"built {len(clients):,} clients, {len(touchpoints):,} touchpoints in "
        f"{_ms(time.perf_counter() - t0)}"
    )

    t0 = time.perf_counter()
    summaries = summarise_all(touchpoints)
    print(f"summarise_all: {_ms(time.perf_counter() - t0)}")

    view = BookView(clients, summaries, {s.client_id: s for s in snoozes}, steps)
    settings = Settings(city="Bologna")
    timings, cpu, items = [], [], []
    for _ in range(RUNS):
        clear_caches()
        t0, c0 = time.perf_counter(), time.process_time()
        items = plan_day(view, settings, TODAY)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time too: on a busy machine the wall clock also counts waiting for a core.
    print(
        f"plan_day: {len(items):,} items; median of {RUNS} cold runs "
        f"{_ms(statistics.median(timings))} wall (fastest {_ms(min(timings))}), "
        f"{_ms(statistics.median(cpu))} CPU"
    )

    clear_caches()
    t0 = time.perf_counter()
    week = agenda(view, settings, TODAY, 7)
    placed = sum(len(day_items) for _, day_items in week)
    print(f"agenda (7 days): {placed:,} items placed in {_ms(time.perf_counter() - t0)}")


if __name__ == "__main__":
    main()
