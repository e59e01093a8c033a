"""``crm today``: the morning queue's work, without the terminal.

One client at a time, in due order, every item of the client folded into one draft
(as ``crm drafts`` does); what the person does with each (done, skipped, snoozed)
is the day's progress, kept on this device by the store and keyed by the items'
ids, so that a second run starts at the next client.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.core.queue import Entry, entries, parse_edit
from crm_cli.errors import CrmError, InvalidValue
from crm_cli.services import drafting, planning
from crm_cli.store import Progress, drafts_dir, load_progress, save_progress

if TYPE_CHECKING:
    from crm_cli.core.drafting.render import Draft
    from crm_cli.core.models import Client, Touchpoint
    from crm_cli.core.scheduler import Item
    from crm_cli.core.settings import Settings
    from crm_cli.services.drafting import Material, Written
    from crm_cli.store import Book

MAX_SNOOZE_DAYS = 366


@dataclass
class Morning:
    """The clients left to work through on ``day``, and what was done with the others."""

    day: date
    home: Path
    queue: list[Entry]
    progress: Progress

    def mark(self, entry: Entry, outcome: str) -> None:
        """Record ``outcome`` for every item of ``entry``, on disk at once."""
        for item_id in entry.ids:
            self.progress[item_id] = (entry.client_id, outcome)
        save_progress(self.home, self.day, self.progress)


def morning(book: Book, settings: Settings, day: date) -> Morning:
    drafting.keep_compiled_templates(book)
    progress = load_progress(book.home, day)
    items = planning.plan_for_day(book, settings, day)
    return Morning(day, book.home, entries(items, progress), progress)


@dataclass
class Turn:
    """One client on the screen: the draft for all their items, or why there is none."""

    client: Client
    entry: Entry
    material: Material
    item: Item
    also: list[Item]
    written: Written | None = None
    failure: str | None = None
    edited: bool = False
    opened: list[Path] = field(default_factory=list)

    @property
    def draft(self) -> Draft | None:
        return self.written.draft if self.written else None


def turn(book: Book, entry: Entry, settings: Settings, day: date) -> Turn:
    """Read what the client's draft needs from the open book, then compose it."""
    client = book.client(entry.client_id)
    material = drafting.client_material(book, client.id)
    item, *also = drafting.fold_items(entry.items)
    found = Turn(client, entry, material, item, also)
    compose(found, settings, day)
    return found


def compose(found: Turn, settings: Settings, day: date) -> None:
    """The draft ``crm draft`` gives for the same items (all of them folded in)."""
    found.edited = False
    try:
        found.written = drafting.make_draft(
            found.client,
            found.material.touchpoints,
            found.material.steps,
            found.item,
            settings,
            day,
            also=found.also,
        )
        found.failure = None
    except CrmError as exc:  # no channel allowed, a broken template: said, not fatal
        found.written, found.failure = None, str(exc)


def refresh(book: Book, found: Turn, morning: Morning, settings: Settings) -> bool:
    """After a note or a new cadence: the client's items due now (without those already
    dealt with today) and their draft again. False when nothing is due any more."""
    client = book.client(found.client.id)
    material = drafting.client_material(book, client.id)
    items = planning.client_items(book, client, settings, morning.day, material.steps)
    left = entries([i for i in items if i.due <= morning.day], morning.progress)
    if not left:
        return False
    found.client, found.material, found.entry = client, material, left[0]
    found.item, *found.also = drafting.fold_items(left[0].items)
    compose(found, settings, morning.day)
    return True


def apply_edit(found: Turn, text: str, settings: Settings, day: date) -> None:
    """The text the person left in the editor becomes the draft that ``s`` sends and
    ``d`` records; the SMS segments and the links are worked out again from it."""
    assert found.written is not None
    draft = found.written.draft
    subject, body = parse_edit(text, draft.subject)
    if not body.strip():
        raise InvalidValue("the edited draft is empty: the draft is kept as it was")
    changed = replace(draft, subject=subject, body=body)
    found.written = drafting.deliver(changed, found.client, found.item, settings, day, None)
    found.edited = True


def editable(found: Turn) -> tuple[str | None, str]:
    """What the editor gets: the subject (emails) and the body (a call: the sheet's part
    from the template; the numbers at its head are written again after the edit)."""
    assert found.written is not None
    return found.written.draft.subject, found.written.draft.body


def _topic(found: Turn, day: date) -> Touchpoint | None:
    from crm_cli.core.drafting.guard import topic_named
    from crm_cli.core.topics import open_topics

    assert found.written is not None
    topics = open_topics(found.client, found.material.touchpoints, day)
    return topic_named(found.written.draft.text, topics, found.client.name)


def write_email(found: Turn, settings: Settings, day: date, folder: Path) -> list[Path]:
    """The `.eml` (and a coffee's `.ics`) as ``crm drafts`` writes them, into ``folder``
    (this device's drafts of the day, ``email_folder``); the main file first."""
    assert found.written is not None
    named = _topic(found, day)
    written = drafting.deliver(
        found.written.draft,
        found.client,
        found.item,
        settings,
        day,
        folder,
        set(),
        topic_id=named.id if named else None,
    )
    found.opened = written.files
    return written.files


def email_folder(morning: Morning) -> Path:
    return drafts_dir(morning.home, morning.day)


def sent_channel(draft: Draft) -> str:
    """How the message went: a coffee invitation is an email or an SMS, not yet a coffee."""
    return draft.send_by or draft.channel


def purpose_of(draft: Draft) -> str:
    return draft.template.split("/", 1)[1].rsplit(".", 1)[0]


def done(book: Book, found: Turn, day: date) -> tuple[Touchpoint, list[Touchpoint]]:
    """Log the contact the draft was for, as ``crm log`` of the sent draft would: its
    channel, purpose and topic, outbound, so it answers what the items were about
    (a request, an incident, a promise, a step, the check-in); the topic the draft
    brought back is closed. Returns the touchpoint and the topics it closed."""
    from crm_cli.services import touchpoints

    assert found.written is not None
    draft = found.written.draft
    named = _topic(found, day)
    channel = sent_channel(draft)
    # The note says what went: an email's subject, an SMS's text (the person's
    # edit included); a call's note is what was said, which only the person knows.
    note = draft.subject if draft.send_by == "email" else draft.body if channel == "sms" else None
    client = book.client(found.client.id)
    tp = replace(
        touchpoints.new_touchpoint(
            client.id,
            day,
            channel,
            inbound=False,
            note=note,
            needs_reply=False,
            incident=False,
            private=False,
            follow_up=None,
            topic=named.topic if named else None,
        ),
        purpose=purpose_of(draft),
    )
    if named is None:
        # A message that brought no topic back leaves the open ones for the next (a
        # birthday wish is no answer to "the trip to Lisbon"), as `crm capture` does
        # when it logs a sent draft.
        stored, _ = touchpoints.record(book, client, tp, keep_topic=True)
        return stored, []
    # The draft brought a topic back: that one is closed, and so is the sent message's
    # own copy of it (it asks for nothing more), as when `crm capture` logs a sent draft.
    stored = book.add_touchpoint(tp)
    ids = [i for i in (named.id, stored.id) if i not in client.closed_topics]
    book.update_client(replace(client, closed_topics=[*client.closed_topics, *ids]))
    return stored, [named]


def snooze(book: Book, client: Client, day: date, text: str) -> date:
    """Snooze the client for ``text`` days (a whole number, 1 to 366)."""
    from crm_cli.core.models import Snooze

    try:
        days = int(text.strip())
    except ValueError:
        raise InvalidValue(f"'{text.strip()}' is not a number of days") from None
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise InvalidValue(f"snooze for 1 to {MAX_SNOOZE_DAYS} days, not {days}")
    until = day + timedelta(days=days)
    book.set_snooze(Snooze(client.id, until, None))
    return until


def add_note(book: Book, client: Client, day: date, text: str, *, topic: bool) -> Touchpoint:
    """A note (yours, never quoted) or a topic (what the next message may bring back),
    logged as a ``note`` touchpoint: neither counts as a contact."""
    from crm_cli.services import touchpoints

    if not text.strip():
        raise InvalidValue("nothing to add: the text is empty")
    tp = touchpoints.new_touchpoint(
        client.id,
        day,
        "note",
        inbound=False,
        note=None if topic else text.strip(),
        needs_reply=False,
        incident=False,
        private=False,
        follow_up=None,
        topic=text if topic else None,
    )
    return book.add_touchpoint(tp)


def set_cadence(book: Book, client: Client, text: str, settings: Settings, day: date) -> str:
    """A new check-in cadence, validated as ``crm edit --every`` does; the canonical form."""
    from crm_cli.core.clientform import ClientInput
    from crm_cli.services.clients import edit_client

    if not text.strip():
        raise InvalidValue("no cadence given")
    edited = edit_client(book, client.id, ClientInput(every=text), settings, day)
    return edited.after.cadence or ""
