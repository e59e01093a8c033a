"""The first `crm due` of a day, planned from the records: its fast paths give what
the reference paths give (the same table, the same memo records, the same clients)."""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

from conftest import FIXED_DATE, Crm
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.cli.output import table
from crm_cli.core import scheduler
from crm_cli.core.dates import birthday_in_year
from crm_cli.core.models import Client, ClientReader
from crm_cli.core.summary import ClientSummary, summary_of_record


def test_a_column_with_a_wide_name_is_padded_in_cells_without_clipping() -> None:
    # Nothing to clip (narrow enough for 80 columns), but one name takes two cells a
    # character: that column is padded by cells, the others by characters.
    text = table(
        ["#", "CLIENT", "VIA"],
        [["1", "王芳", "sms"], ["2", "Zoë Martin", "email"], ["10", "李 小龙", "call"]],
    )
    assert text.split("\n") == [
        "#   CLIENT      VIA",
        "1   王芳        sms",
        "2   Zoë Martin  email",
        "10  李 小龙     call",
    ]


def test_a_wide_header_and_narrow_cells() -> None:
    assert table(["名前", "N"], [["ab", "1"], ["abcdef", "22"]]).split("\n") == [
        "名前    N",
        "ab      1",
        "abcdef  22",
    ]


# --------------------------------------------------------------------------- records

_TEXT = st.text(alphabet="abz 0129-:Tt@.é王", max_size=12)
_JSONISH = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    _TEXT,
    st.lists(_TEXT, max_size=3),
    st.dictionaries(st.sampled_from(["label", "date", "city", "x"]), _TEXT, max_size=2),
)
_DAY = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)


def _outcome(read: Callable[[dict[str, Any]], Any], data: dict[str, Any]) -> Any:
    try:
        return ("ok", read(copy.deepcopy(data)))
    except Exception as exc:  # the same error, word for word, or the same record
        return ("error", type(exc).__name__, str(exc))


@st.composite
def client_records(draw: st.DrawFn) -> dict[str, Any]:
    names = sorted(f.name for f in fields(Client))
    data: dict[str, Any] = {"id": draw(_TEXT), "name": draw(_TEXT)}
    data["since"] = draw(st.one_of(_DAY, _DAY, _DAY, _JSONISH))
    for name in draw(st.lists(st.sampled_from([*names, "unknown"]), max_size=8, unique=True)):
        if name in ("emails", "phones", "mobiles", "tags", "likes", "closed_topics"):
            data[name] = draw(st.one_of(st.lists(_TEXT, max_size=3), _JSONISH))
        else:
            data[name] = draw(_JSONISH)
    for name in draw(st.lists(st.sampled_from(["id", "name", "since"]), max_size=1)):
        del data[name]
    return data


@settings(max_examples=400, deadline=None)
@given(client_records())
def test_the_client_reader_reads_what_from_dict_reads(data: dict[str, Any]) -> None:
    assert _outcome(ClientReader(), data) == _outcome(Client.from_dict, data)


@st.composite
def digest_records(draw: st.DrawFn) -> dict[str, Any]:
    def mark() -> Any:
        parts = [
            draw(st.sampled_from(["t1", "t22", "x"])),
            draw(_DAY),
            draw(st.sampled_from(["email", "call"])),
        ]
        parts += draw(st.lists(st.sampled_from(["12", "0", "x", "²"]), max_size=2))
        return " ".join(parts) if draw(st.integers(0, 9)) else draw(_JSONISH)

    def touch() -> Any:
        record = {
            "id": "t3",
            "date": draw(_DAY),
            "channel": "email",
            "order": draw(st.integers(0, 9)),
        }
        for key in draw(
            st.lists(
                st.sampled_from(["note", "private", "follow_up", "awaiting", "thread"]), max_size=3
            )
        ):
            record[key] = draw(st.one_of(_DAY, _JSONISH))
        return record if draw(st.integers(0, 9)) else draw(_JSONISH)

    data: dict[str, Any] = {"client_id": draw(_TEXT), "count": draw(st.integers(0, 99))}
    if draw(st.booleans()):
        data["last_contact"] = draw(st.one_of(_DAY, _DAY, _JSONISH))
    if draw(st.booleans()):
        data["last_outs"] = [mark() for _ in range(draw(st.integers(0, 2)))]
    for key in ("last_in", "last_handled"):
        if draw(st.booleans()):
            data[key] = mark()
    for key in ("open_requests", "open_incidents", "open_promises"):
        if draw(st.integers(0, 3)) == 0:
            data[key] = [touch() for _ in range(draw(st.integers(0, 2)))]
    for key in draw(
        st.lists(
            st.sampled_from(
                ["private_notes", "captured", "count", "recent", "last_out", "unknown", "client_id"]
            ),
            max_size=2,
        )
    ):
        if key == "client_id":
            data.pop(key, None)
        else:
            data[key] = draw(st.one_of(st.integers(0, 5), _JSONISH))
    return data


@settings(max_examples=400, deadline=None)
@given(digest_records())
def test_the_digest_reader_reads_what_from_dict_reads(data: dict[str, Any]) -> None:
    assert _outcome(summary_of_record, data) == _outcome(ClientSummary.from_dict, data)


def test_the_readers_read_the_stored_shapes() -> None:
    client = {
        "id": "mario-rossi",
        "name": "Mario Rossi",
        "since": "2020-01-02",
        "tags": ["vip"],
        "emails": ["m@example.org"],
        "tier": "A",
        "formal": True,
        "phones": None,
    }
    assert ClientReader()(dict(client)) == Client.from_dict(dict(client))
    digest = {
        "client_id": "mario-rossi",
        "count": 7,
        "last_contact": "2026-10-27",
        "last_in": "t245296 2026-10-27 visit 915711181103038904",
        "last_outs": ["t243485 2026-10-16 email 915711180914295461", "t2 2026-04-24 call"],
        "open_requests": [
            {"id": "t9", "date": "2026-11-20", "channel": "email", "note": "?", "order": 4}
        ],
    }
    fast = summary_of_record(copy.deepcopy(digest))
    assert fast == ClientSummary.from_dict(copy.deepcopy(digest))
    assert fast.last_out == date(2026, 10, 16) and fast.last_out_channels == ["email", "call"]
    assert fast.last_in is not None and fast.last_in.order == 915711181103038904


# --------------------------------------------------------------------------- scheduler


def _yearly_by_birthday_in_year(
    anchor: str | date, month: int, day: int, start: date, horizon: date, first_year: int
) -> list[date]:
    """The days of a yearly event as birthday_in_year gives them, year by year."""
    text = anchor.isoformat() if isinstance(anchor, date) else anchor
    found = []
    for year in range(max(start.year, first_year, 1), min(horizon.year, 9999) + 1):
        when = birthday_in_year(text, year)
        if start <= when <= horizon:
            found.append(when)
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31)),
    st.booleans(),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2500, 12, 31)),
    st.integers(0, 800),
)
def test_yearly_days_are_birthday_in_year_s(
    born: date, with_year: bool, start: date, span: int
) -> None:
    horizon = start + timedelta(days=span)
    anchor = born.isoformat() if with_year else f"--{born.month:02d}-{born.day:02d}"
    for kind in (anchor, born):  # a stored birthday, and a client's 'since'
        month_day = (born.month, born.day)
        first = born.year + 1
        got = scheduler._yearly(kind, *month_day, start, horizon, first)
        assert got == _yearly_by_birthday_in_year(kind, *month_day, start, horizon, first)


def test_29_february_falls_on_28_february_in_common_years() -> None:
    days = scheduler._yearly("--02-29", 2, 29, date(2099, 1, 1), date(2101, 12, 31), 1)
    assert days == [date(2099, 2, 28), date(2100, 2, 28), date(2101, 2, 28)]
    days = scheduler._yearly("2000-02-29", 2, 29, date(2000, 1, 1), date(2004, 3, 1), 2001)
    assert days == [date(2001, 2, 28), date(2002, 2, 28), date(2003, 2, 28), date(2004, 2, 29)]


# --------------------------------------------------------------------------- the collector


def test_planning_leaves_the_collector_running_and_nothing_frozen(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", "2024-01-10")
    gc.unfreeze()
    due = crm.ok("due", "--date", FIXED_DATE).stdout  # the first of the day: no memo
    assert "Mario Rossi" in due
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # what it made went back to the collector's care


def test_planning_keeps_what_the_process_froze_frozen(crm: Crm) -> None:
    crm.add("Mario Rossi", "--email", "mario@example.com", "--since", "2024-01-10")
    kept = [[n] for n in range(1000)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert "Mario Rossi" in crm.ok("due", "--date", FIXED_DATE).stdout
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
    assert kept
