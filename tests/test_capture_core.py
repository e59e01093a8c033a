"""crm_cli.core.capture: addresses, subjects, headers and the rules, as plain functions;
and the digest's handling of `handled` notes and unanswered captured emails."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core.capture import (
    Event,
    capture_id,
    event_id,
    fold_address,
    judge,
    judge_event,
    message_ids,
    normalise_subject,
    parse_headers,
)
from crm_cli.core.models import Touchpoint
from crm_cli.core.summary import ClientSummary, add_touchpoint, needs_whole_history, summarise
from crm_cli.core.terms import LOG_CHANNELS

FAST = settings(max_examples=200, deadline=None)
MINE = frozenset({"chiara@bottega.example"})
CLIENTS = {"anna@example.it": "anna"}

_local = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12)
_domain = st.from_regex(r"[a-z]{1,8}\.(it|com|example)", fullmatch=True)


def _raw(**headers: str) -> bytes:
    lines = [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\nthe body is never read\r\n").encode()


def test_addresses_fold_case_and_tags() -> None:
    assert fold_address(" Anna.Rossi+crm@Example.COM ") == "anna.rossi@example.com"
    assert fold_address("<ME+a+b@x.it>") == "me@x.it"
    assert fold_address("not an address") == "not an address"


@FAST
@given(_local, _local, _domain)
def test_folding_ignores_any_tag_and_case(local: str, tag: str, domain: str) -> None:
    plain = fold_address(f"{local}@{domain}")
    assert fold_address(f"{local.upper()}+{tag}@{domain.upper()}") == plain
    assert fold_address(plain) == plain


def test_subjects_lose_reply_and_forward_markers() -> None:
    for subject in (
        "Re: Preventivo",
        "R: RE: Preventivo",
        "Fwd: I: preventivo",
        "  Re[2]:  PREVENTIVO ",
    ):
        assert normalise_subject(subject) == "preventivo", subject
    assert normalise_subject("[club] Re: Cena") == "cena"
    assert normalise_subject("Ricevuta") == "ricevuta"  # a word that starts with "R" stays


@FAST
@given(
    st.lists(st.sampled_from(["Re: ", "R: ", "Fwd: ", "I: ", "RE:", "Fw: "]), max_size=4),
    st.text(st.characters(categories=["L", "N", "Zs"]), max_size=30),
)
def test_markers_never_change_the_thread_subject(prefixes: list[str], subject: str) -> None:
    base = normalise_subject(subject)
    assert normalise_subject("".join(prefixes) + subject) == normalise_subject(base)
    assert normalise_subject(base) == base


@FAST
@given(st.lists(st.from_regex(r"[a-z0-9.]{1,10}@[a-z]{1,8}\.it", fullmatch=True), max_size=5))
def test_message_ids_are_read_in_order(ids: list[str]) -> None:
    header = "\r\n ".join(f"<{i}>" for i in ids)
    assert message_ids(header) == tuple(ids)


def test_headers_are_decoded_and_flagged() -> None:
    meta = parse_headers(
        _raw(
            From="=?utf-8?q?Ann=C3=A0?= <Anna+x@Example.it>",
            To="Chiara <chiara@bottega.example>, b@x.it",
            Cc="c@x.it",
            Subject="=?utf-8?q?Caff=C3=A8?=",
            Date="Fri, 20 Nov 2026 10:30:00 +0100",
            Message_ID="<abc@example.it>",
            References="<r1@x> <r2@x>",
            In_Reply_To="<r2@x>",
        )
    )
    assert (meta.sender, meta.sender_name, meta.subject) == ("anna@example.it", "Annà", "Caffè")
    assert [a for _, a in meta.recipients] == ["chiara@bottega.example", "b@x.it", "c@x.it"]
    assert (meta.message_id, meta.root, meta.parent) == ("abc@example.it", "r1@x", "r2@x")
    assert meta.when == datetime.fromisoformat("2026-11-20T10:30:00+01:00")
    assert not (meta.listed or meta.automated or meta.deleted)
    assert parse_headers(_raw(From="a@x.it", Precedence="bulk")).listed
    assert parse_headers(_raw(From="a@x.it", List_Id="<l.x.it>")).listed
    assert parse_headers(_raw(From="a@x.it", Auto_Submitted="auto-replied")).automated
    assert not parse_headers(_raw(From="a@x.it", Auto_Submitted="no")).automated
    assert parse_headers(_raw(From="no-reply@x.it")).automated
    assert parse_headers(_raw(From="a@x.it", Return_Path="<>")).automated
    assert parse_headers(_raw(From="a@x.it", X_Mozilla_Status="0009")).deleted
    assert not parse_headers(_raw(From="a@x.it", X_Mozilla_Status="0001")).deleted


def test_ids_come_from_the_message_id_or_date_sender_subject() -> None:
    one = parse_headers(_raw(From="a@x.it", Message_ID="<ID@X.it>", Subject="a"))
    two = parse_headers(_raw(From="b@x.it", Message_ID="<id@x.it>", Subject="b"))
    assert capture_id(one) == capture_id(two)  # ids compare without case, as servers do
    bare = parse_headers(_raw(From="a@x.it", Subject="a", Date="Fri, 20 Nov 2026 10:30:00 +0100"))
    again = parse_headers(_raw(From="A@x.it", Subject="a", Date="Fri, 20 Nov 2026 10:30:00 +0100"))
    other = parse_headers(_raw(From="a@x.it", Subject="b", Date="Fri, 20 Nov 2026 10:30:00 +0100"))
    assert capture_id(bare) == capture_id(again) != capture_id(other)


def test_the_rules() -> None:
    def verdict(**headers: str) -> tuple[str | None, bool, list[str]]:
        found = judge(parse_headers(_raw(**headers)), MINE, CLIENTS, 3)
        return found.rule, found.outbound, found.clients

    assert verdict(From="anna@example.it", To="Chiara+x@Bottega.example") == (None, False, ["anna"])
    assert verdict(From="chiara@bottega.example", To="anna@example.it") == (None, True, ["anna"])
    assert verdict(From="anna@example.it", To="someone@else.it")[0] == "not yours"
    assert verdict(From="luca@x.it", To="chiara@bottega.example")[0] == "no client"
    many = "chiara@bottega.example, anna@example.it, b@x.it, c@x.it"
    assert verdict(From="chiara@bottega.example", To=many)[0] == "recipients"
    strangers = judge(
        parse_headers(_raw(From="Luca <luca@x.it>", To="chiara@bottega.example")),
        MINE,
        CLIENTS,
        5,
        frozenset({"nobody@x.it"}),
    ).strangers
    assert strangers == [("Luca", "luca@x.it")]


def _event(**kw: object) -> Event:
    values: dict[str, object] = {
        "uid": "u",
        "recurrence": "",
        "start": datetime(2026, 11, 20, 10, 0),
        "summary": "Punto",
        "status": "CONFIRMED",
        "organizer": "chiara@bottega.example",
        "attendees": (
            ("", "chiara@bottega.example", "ACCEPTED"),
            ("", "anna@example.it", "ACCEPTED"),
        ),
    }
    values.update(kw)
    return Event(**values)  # type: ignore[arg-type]


def test_events_with_clients_are_meetings() -> None:
    nobody: frozenset[str] = frozenset()
    assert judge_event(_event(), MINE, CLIENTS, nobody).clients == ["anna"]
    assert judge_event(_event(status="CANCELLED"), MINE, CLIENTS, nobody).rule == "cancelled"
    assert judge_event(_event(start=date(2026, 11, 20)), MINE, CLIENTS, nobody).rule == "all-day"
    declined = (("", "chiara@bottega.example", "DECLINED"), ("", "anna@example.it", "ACCEPTED"))
    assert judge_event(_event(attendees=declined), MINE, CLIENTS, nobody).rule == "declined"
    alone = (("", "chiara@bottega.example", "ACCEPTED"),)
    assert judge_event(_event(attendees=alone), MINE, CLIENTS, nobody).rule == "solo"
    assert event_id(_event(recurrence="2026-11-20T10:00:00")) != event_id(_event())


# --------------------------------------------------------------------------- digests

D0 = date(2026, 3, 2)

_touch = st.tuples(
    st.integers(0, 20),  # day
    st.sampled_from(LOG_CHANNELS),
    st.sampled_from(("in", "out")),
    st.booleans(),  # needs_reply
    st.booleans(),  # captured from mail
    st.booleans(),  # a `handled` note
    st.none() | st.integers(0, 30),  # follow-up offset
)


@FAST
@given(st.lists(_touch, max_size=25))
def test_handled_and_awaiting_fold_exactly(raw: list[tuple]) -> None:
    """Logged in id order with any dates: folding one at a time equals a recomputation."""
    history = []
    for seq, (day, channel, direction, needs, captured, handled, fu) in enumerate(raw, 1):
        history.append(
            Touchpoint(
                id=f"t{seq}",
                client_id="c",
                date=D0 + timedelta(days=day),
                channel="note" if handled else channel,
                direction=direction,
                needs_reply=needs and direction == "in",
                source=f"mail:{seq}" if captured else None,
                thread=f"th{seq % 3}" if captured else None,
                handled=handled,
                follow_up=None if fu is None else D0 + timedelta(days=day + fu),
            )
        )
    running = ClientSummary("c")
    for n, touch in enumerate(history, 1):
        # What the store does: a threaded request back-dated before an answer is summarised
        # from the whole history; everything else folds one touchpoint at a time.
        if needs_whole_history(running, touch):
            running = summarise("c", history[:n])
        else:
            running = add_touchpoint(running, touch)
        assert running == summarise("c", history[:n])
    assert ClientSummary.from_dict(json.loads(json.dumps(running.to_dict()))) == running


def test_a_question_stays_open_until_answered_in_its_own_thread() -> None:
    # Writing to the client about something else answers nothing; an answer in the thread,
    # or a contact logged by hand, does.
    ask = _mail(1, 0, "in", needs_reply=True, thread="A")
    elsewhere = _mail(2, 1, "out", thread="B")
    assert [o.id for o in summarise("c", [ask, elsewhere]).open_requests] == ["t1"]
    running = add_touchpoint(add_touchpoint(ClientSummary("c"), ask), elsewhere)
    assert [o.id for o in running.open_requests] == ["t1"]
    answer = _mail(3, 2, "out", thread="A")
    assert summarise("c", [ask, elsewhere, answer]).open_requests == []
    assert add_touchpoint(running, answer).open_requests == []
    by_hand = Touchpoint("t4", "c", D0 + timedelta(days=2), "call", "out")
    assert summarise("c", [ask, elsewhere, by_hand]).open_requests == []
    assert add_touchpoint(running, by_hand).open_requests == []


def _mail(seq: int, day: int, direction: str, **kw: object) -> Touchpoint:
    return Touchpoint(
        id=f"t{seq}",
        client_id="c",
        date=D0 + timedelta(days=day),
        channel=str(kw.pop("channel", "email")),
        direction=direction,
        source=f"mail:{seq}",
        **kw,  # type: ignore[arg-type]
    )


def test_your_email_awaits_until_they_answer() -> None:
    sent = summarise("c", [_mail(1, 0, "out")])
    assert [(o.id, o.awaiting) for o in sent.open_promises] == [("t1", True)]
    answered = add_touchpoint(sent, _mail(2, 3, "in"))
    assert answered.open_promises == []
    # Logged by hand, an email awaits nothing: only captured mail is watched.
    by_hand = Touchpoint("t1", "c", D0, "email", "out")
    assert summarise("c", [by_hand]).open_promises == []


def test_handled_closes_only_requests() -> None:
    asked = [_mail(1, 0, "in", needs_reply=True, incident=True)]
    note = Touchpoint("t2", "c", D0 + timedelta(days=1), "note", "out", handled=True)
    after = summarise("c", [*asked, note])
    assert (after.open_requests, [o.id for o in after.open_incidents]) == ([], ["t1"])
    assert after.last_contact == D0  # a note is no contact
