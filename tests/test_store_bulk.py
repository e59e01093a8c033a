"""The store's write path at scale: a batch too big to fold in memory at once.

A big batch (the benchmark generator, an import, a restore) folds in chunks,
writes its touchpoints without their secondary indexes when their table was
empty, and makes the digests from the touchpoints it was handed. The chunk
sizes are made small here so that a book of a few thousand touchpoints takes
every one of those paths; the result must be what a plain fold gives.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

import crm_cli.store.book as store_book
import crm_cli.store.devices as devices
import crm_cli.store.fold as store_fold
from crm_cli.bench.generate import generate
from crm_cli.core.models import Touchpoint
from crm_cli.store import open_book

TABLES = ("clients", "tps", "summaries", "snoozes", "steps", "state_ops")


def rows(home: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(home / "local" / "cache.sqlite3")
    try:
        found = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in TABLES}
        found["indexes"] = sorted(
            db.execute(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name='tps' AND type='index'"
            ).fetchall()
        )
        return found
    finally:
        db.close()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(store_book, "FOLD_CHUNK", 300)
    monkeypatch.setattr(store_fold, "BULK_ROWS", 100)
    return monkeypatch


def test_a_big_batch_in_chunks_gives_the_cache_a_plain_fold_gives(
    tmp_path: Path, small_chunks: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "book"
    generate(home, 60, 3000, seed=5)  # 3,000 touchpoints in ten chunks, a bulk load
    chunked = rows(home)
    assert [name for name, _ in chunked["indexes"]] == [
        "sqlite_autoindex_tps_1",
        "tps_gid",
        "tps_ord",
    ]
    assert len(chunked["tps"]) == 3000
    assert len(chunked["summaries"]) > 50
    small_chunks.undo()  # the rebuild folds the 3,060 ops in memory, in one go
    with open_book(home, write=True) as book:
        report = book.rebuild_derived()
    assert report.differed == 0
    assert rows(home) == chunked


def test_a_restore_in_chunks_exports_what_it_imported(
    tmp_path: Path, small_chunks: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "book"
    generate(home, 40, 2000, seed=6)
    with open_book(home) as book:
        exported = book.export_data()
    copy = tmp_path / "copy"
    with open_book(copy, write=True) as book:
        book.restore(json.loads(json.dumps(exported)))
    restored = rows(copy)
    with open_book(copy) as book:
        again = book.export_data()
    # The counter is set above the t-numbered ids the generator wrote directly.
    assert again.pop("meta") == {"schema": 2, "next_touchpoint": 2001}
    assert again == {k: v for k, v in exported.items() if k != "meta"}
    small_chunks.undo()
    with open_book(copy, write=True) as book:
        assert book.rebuild_derived().differed == 0
    assert rows(copy) == restored


def test_an_id_logged_twice_in_a_batch_or_again_later_is_one_touchpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_book, "FOLD_CHUNK", 2)  # a chunk written between the two
    from crm_cli.core.models import Client

    home = tmp_path / "book"
    day = date(2026, 11, 20)
    with open_book(home, write=True) as book:
        book.add_client(Client("anna-neri", "Anna Neri", date(2025, 1, 1)))
        logged = book.add_touchpoints(
            [
                Touchpoint("tmail1", "anna-neri", day, "email", "in", "the first"),
                Touchpoint("", "anna-neri", day, "call", "out", "a call"),
                Touchpoint("tmail1", "anna-neri", day, "email", "in", "the same, again"),
            ]
        )
    assert [tp.id for tp in logged][::2] == ["tmail1", "tmail1"]
    with open_book(home, write=True) as book:
        book.add_touchpoints([Touchpoint("tmail1", "anna-neri", day, "email", "in", "later")])
    with open_book(home) as book:
        notes = sorted(str(tp.note) for tp in book.touchpoints("anna-neri"))
        assert notes == ["a call", "the first"]
        assert book.summary("anna-neri").count == 2


def test_a_device_file_is_the_bytes_of_one_encoding_of_the_whole() -> None:
    meta = {"schema": 3, "device": "abcdefgh", "manifest": {"2026-10.json": {"ops": 1}}}
    for count in (0, 1, 9, 10, 11, 100, 101, 1234):
        ops = [
            {"op": "log", "h": "x", "n": n, "t": {"note": "è", "id": f"t{n}"}}
            for n in range(1, count + 1)
        ]
        whole = devices.dumps(
            {"_meta": {"1": meta}, "ops": {str(n): op for n, op in enumerate(ops, 1)}}
        )
        encoded = [devices.dumps(op) if n % 2 else op for n, op in enumerate(ops)]
        assert devices.encode(meta, encoded) == whole


def test_the_next_file_names_a_big_one_by_its_real_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices, "ROLL_BYTES", 50_000)
    home = tmp_path / "book"
    generate(home, 20, 500, seed=7)  # one file, past the roll size: closed at once
    with open_book(home, write=True) as book:
        client = book.clients()[0].id
        book.add_touchpoint(Touchpoint("", client, date(2026, 11, 23), "email", "out", "hi"))
        folder = home / "devices" / book.device
    first, second = devices.files_of(folder)
    manifest = json.loads(second.read_bytes())["_meta"]["1"]["manifest"]
    assert manifest == {
        first.name: {
            "ops": len(json.loads(first.read_bytes())["ops"]),
            "sha256": hashlib.sha256(first.read_bytes()).hexdigest(),
        }
    }
