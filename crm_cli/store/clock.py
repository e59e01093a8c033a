"""Hybrid logical clock stamps and the ids the store hands out.

A stamp is ``WWWWWWWWWWWWW-CCCCCC-DEVICE``: wall milliseconds, a counter, the
device id. Stamps compare as strings, in the order history happened: a device
never stamps below a stamp it has seen (its own last one, or any in the fold),
so a laptop whose clock runs two days slow still writes after what it read.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache

# Lowercase base32 without padding: ids are typed on the command line.
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
EPOCH_MS = 1_577_836_800_000  # 2020-01-01


def b32(raw: bytes, length: int) -> str:
    import base64  # here: `crm due` hands out no id

    return base64.b32encode(raw).decode("ascii").lower().rstrip("=")[:length]


def random_id(length: int) -> str:
    # os.urandom is what secrets.token_bytes returns, without importing secrets (and
    # hmac, hashlib, random: 3-5 ms of every `crm log`).
    return b32(os.urandom(length), length)


def new_device_id() -> str:
    return random_id(8)


def hashed_id(*parts: str, length: int = 8) -> str:
    """A deterministic id: the same source gives the same id on every device."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return b32(digest, length)


def _lettered(text: str) -> str:
    # Never all digits: "t12345678" would read as a counter id of the old layout.
    return text if not text.isdigit() else "a" + text[1:]


def touchpoint_id() -> str:
    return "t" + _lettered(random_id(8))


def derived_touchpoint_id(*parts: str) -> str:
    """The id of an imported or captured touchpoint, from its source: the same message
    captured on two devices is one touchpoint once their files are folded together."""
    return "t" + _lettered(hashed_id(*parts))


def client_gid() -> str:
    return "c" + random_id(12)


def forget_key(gid: str) -> str:
    """What a forget op names: a hash of the client's global id, never a name or email."""
    import hashlib

    return hashlib.sha256(("forget\x1f" + gid).encode()).hexdigest()[:24]


def parse(stamp: str) -> tuple[int, int, str]:
    wall, counter, device = stamp.split("-", 2)
    return int(wall), int(counter), device


@lru_cache(maxsize=64)
def _stamp_order(stamp: str) -> int:
    wall, counter, _ = parse(stamp)
    return (((wall - EPOCH_MS) << 12) + min(counter, 4095)) << 10


def order_of(stamp: str, n: int) -> int:
    """The ``n``-th op of the batch stamped ``stamp`` as one integer: the order in
    which touchpoints were logged (it breaks ties within a day). Above any counter
    id of the old layout (``t1``, ``t2``...), which keeps its number as its order."""
    # 64 bits (JSON and SQLite integers): ms since 2020, 12 bits of counter, 10 of n
    # (a batch takes a new stamp every 1,024 ops).
    return _stamp_order(stamp) + (n % 1024)


@dataclass(eq=False)  # never compared: no __eq__ to compile at import
class Clock:
    """This device's hybrid logical clock: the last stamp it gave."""

    device: str
    wall: int = 0
    counter: int = 0

    def observe(self, stamp: str) -> None:
        """Never stamp below ``stamp`` again (one seen in the fold)."""
        if stamp.endswith(self.device) or stamp > self.last():
            wall, counter, _ = parse(stamp)
            if (wall, counter) > (self.wall, self.counter):
                self.wall, self.counter = wall, counter

    def last(self) -> str:
        return f"{self.wall:013d}-{self.counter:06d}-{self.device}"

    def tick(self) -> str:
        now = int(time.time() * 1000)
        if now > self.wall:
            self.wall, self.counter = now, 0
        else:
            self.counter += 1
        return self.last()
