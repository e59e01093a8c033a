"""The template context: exactly the fields documented in ``templates/README.md``.

Built from fresh records that carry only those fields, never from the
``Client`` or ``Touchpoint`` objects themselves: a template asking for
``client.private_note`` or a private touchpoint finds nothing there and fails
with an undefined-variable error. Private touchpoints are left out entirely;
for a shared contact every note is ``None`` and the preferences are empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from crm_cli.core import terms
from crm_cli.core.models import Client, PlannedStep, Source, Touchpoint
from crm_cli.core.names import client_parts, short_business_name
from crm_cli.core.settings import Settings
from crm_cli.core.topics import open_topics

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item

__all__ = [
    "COFFEE_MINUTES",
    "Record",
    "build_context",
    "coffee_slot",
    "resolve_lang",
    "sample_client",
    "sample_item",
    "tenure_years",
    "withheld_detail",
    "years_phrase",
]

HISTORY = 5
WITHHELD = "(note withheld: shared contact)"
"""What an item's detail says instead of a shared contact's note."""
COFFEE_MINUTES = 30
SAMPLE_TODAY = date(2026, 11, 23)
"""The day the sample client's history is written around (golden files use it)."""


class Record(SimpleNamespace):
    """A read-only bag of documented fields, labelled for error messages.

    The label (``client``, ``item.request``...) lets an undefined attribute be
    reported as "'client' has no attribute 'nmae'". Names starting with ``_``
    are out of a sandboxed template's reach.
    """

    def __init__(self, _label: str, **fields: Any) -> None:
        super().__init__(**fields)
        object.__setattr__(self, "_label", _label)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'{self._label}' is read-only")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{self._label}({shown})"


def tenure_years(since: date | None, today: date) -> int:
    """Whole years from ``since`` to ``today`` (0 in the first year, never negative)."""
    if since is None:
        return 0
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)


def years_phrase(years: int, lang: str) -> str:
    """``5 anni`` / ``5 years``, ``un anno`` / ``one year``; under a year said in words."""
    if lang == "it":
        return {0: "meno di un anno", 1: "un anno"}.get(years, f"{years} anni")
    return {0: "less than a year", 1: "one year"}.get(years, f"{years} years")


def resolve_lang(client: Client, lang: str | None, settings: Settings) -> str:
    """The client's language, else the one asked for, else the default."""
    for candidate in (client.lang, lang, settings.default_lang):
        if candidate in terms.LANGUAGES:
            return candidate
    return "it"


def _touch(tp: Touchpoint, today: date, shared: bool, label: str) -> Record:
    return Record(
        label,
        date=tp.date,
        channel=tp.channel,
        direction=tp.direction,
        note=None if shared else (tp.note or None),
        days_ago=(today - tp.date).days,
        # A thanks or a welcome may recall this contact only if it was neither a
        # complaint nor a request: those are answered, not quoted as the work done.
        quotable=not (tp.incident or tp.needs_reply),
    )


def _public_history(
    client: Client, touchpoints: Iterable[Touchpoint], today: date
) -> list[Touchpoint]:
    """The client's non-private contacts up to ``today``, newest first.

    ``note`` touchpoints are left out: they are the user's jottings, not a
    contact a message could refer to as "last time".
    """
    mine = [
        tp
        for tp in touchpoints
        if tp.client_id == client.id and not tp.private and tp.is_contact and tp.date <= today
    ]
    return sorted(mine, key=lambda tp: (tp.date, tp.seq), reverse=True)


def _step(source: Source, item: Item, steps: Iterable[PlannedStep]) -> PlannedStep | None:
    """The playbook step an item answers: the book's own by key, else the one it carries."""
    return next((step for step in steps if step.key == source.id), item.step)


def withheld_detail(item: Item) -> str:
    """The item's detail line with the client's quoted note withheld (shared contacts)."""
    return item.detail.replace(item.quoted, WITHHELD) if item.quoted else item.detail


StepWords = Mapping[tuple[str, str], Mapping[str, str]]
"""What each playbook step is about, by (playbook, step name), in each language."""


def _delay(item: Item, source: Touchpoint | None, today: date, settings: Settings | None) -> str:
    """How late a reply or a recovery is (``speech.DELAYS``); ``none`` for other reasons."""
    from crm_cli.core.drafting.speech import delay

    if source is None or item.reason not in ("reply", "recovery"):
        return "none"
    days = (today - source.date).days
    window = 1
    if settings is not None and item.reason == "reply":
        from crm_cli.core.scheduler import add_workdays

        limit = add_workdays(source.date, settings.reply_within, settings.workday_numbers)
        window = (limit - source.date).days
    return delay(days, window)


def _item_record(
    item: Item | None,
    by_id: dict[str, Touchpoint],
    purpose: str,
    today: date,
    shared: bool,
    steps: Iterable[PlannedStep],
    lang: str = "it",
    step_words: StepWords | None = None,
    settings: Settings | None = None,
    label: str = "item",
    birthday: str | None = None,
    client: Client | None = None,
    last_contact: date | None = None,
) -> Record:
    if item is None:
        reason = purpose if purpose in terms.REASONS else "check-in"
        english = "nothing due: a check-in"
        return Record(
            label,
            reason=reason,
            purpose=purpose,
            detail=english,
            agenda=_agenda(None, lang, today, client, shared, None, None, settings, english),
            # A birthday asked for off its day is dated on the birthday: "a little early".
            due=nearest_birthday(birthday, today) if purpose == "birthday" and birthday else today,
            request=None,
            incident=None,
            step=None,
            promise=None,
            delay="none",
        )
    request = incident = promise = step = None
    planned: PlannedStep | None = None
    ref = item.source
    source = by_id.get(ref.id) if ref is not None and ref.kind == "touchpoint" else None
    if source is not None:
        # A private touchpoint's note stays out, even when it is what is being answered.
        note = None if (shared or source.private) else (source.note or None)
        # What the touchpoint was about, in words made to be said ("la fornitura di dicembre").
        said = None if (shared or source.private) else (source.topic or None)
        if item.reason == "reply":
            request = Record(
                f"{label}.request",
                date=source.date,
                note=note,
                topic=said,
                channel=source.channel,
                days_waiting=(today - source.date).days,
            )
        elif item.reason == "recovery":
            incident = Record(f"{label}.incident", date=source.date, note=note, topic=said)
        elif item.reason == "follow-up" and source.follow_up is not None:
            promise = Record(
                f"{label}.promise",
                date=source.date,
                note=note,
                follow_up=source.follow_up,
                topic=said,
            )
    elif ref is not None and ref.kind == "step":
        planned = _step(ref, item, steps)
        if planned is not None:
            words = (step_words or {}).get((planned.playbook.lower(), planned.step), {})
            step = Record(
                f"{label}.step",
                playbook=planned.playbook,
                name=planned.step,
                # What the step is about, said to the client; the name is the user's label.
                say=words.get(lang) or None,
            )
    english = withheld_detail(item) if shared else item.detail
    return Record(
        label,
        reason=item.reason,
        purpose=purpose,
        detail=english,
        agenda=_agenda(
            item,
            lang,
            today,
            client,
            shared,
            source,
            planned,
            settings,
            english,
            last_contact,
            step.say if step is not None else None,
        ),
        due=item.due,
        request=request,
        incident=incident,
        step=step,
        promise=promise,
        delay=_delay(item, source, today, settings),
    )


def _agenda(
    item: Item | None,
    lang: str,
    today: date,
    client: Client | None,
    shared: bool,
    source: Touchpoint | None,
    planned: PlannedStep | None,
    settings: Settings | None,
    english: str,
    last_contact: date | None = None,
    step_say: str | None = None,
) -> str:
    """``item.agenda``: the scheduler's line said in the draft's language (see agenda.py)."""
    if lang != "it" or client is None:
        return english
    from crm_cli.core.drafting.agenda import agenda_line
    from crm_cli.core.scheduler import client_cadence

    mine = settings or Settings()
    return agenda_line(
        item,
        lang=lang,
        today=today,
        client=client,
        shared=shared,
        source=source,
        step_name=planned.step if planned is not None else None,
        step_say=step_say,
        playbook=planned.playbook if planned is not None else None,
        reply_window=mine.reply_within,
        cadence=client_cadence(client, mine),
        last_contact=last_contact,
        english=english,
    )


def build_context(
    client: Client,
    touchpoints: list[Touchpoint],
    item: Item | None,
    settings: Settings,
    today: date,
    lang: str,
    purpose: str,
    channel: str,
    *,
    steps: Iterable[PlannedStep] = (),
    also: Sequence[Item] = (),
    step_words: StepWords | None = None,
    local: bool | None = None,
    invite: bool = False,
) -> dict[str, Any]:
    """The variables a template sees (see templates/README.md), and nothing else.

    ``lang`` is the language being rendered; ``steps`` (optional) are the book's
    playbook steps: an item's step is looked up there by key, else the one the
    item carries is used. Nothing is read back from the item's display text.
    ``also``: the other items due for this client on the day, folded into this
    draft. ``step_words``: what each playbook step is about (``item.step.say``).
    ``local``: the client can meet for a coffee (default: the scheduler's
    ``is_local``). ``invite``: a coffee invitation made by phone
    (``coffee.invite``, for a call sheet).
    ``channel`` is not in the context (the README does not list it): the
    template's own name says which channel it writes for.
    """
    shared = client.shared_contact
    history = _public_history(client, touchpoints, today)
    records = [_touch(tp, today, shared, "history[]") for tp in history[:HISTORY]]
    last_touch = _touch(history[0], today, shared, "last_touch") if history else None
    by_id = {tp.id: tp for tp in touchpoints if tp.client_id == client.id}
    # The check-in's "last contact", as the scheduler counts it: private contacts too.
    last_contact_on = max(
        (tp.date for tp in by_id.values() if tp.is_contact and tp.date <= today), default=None
    )
    parts = client_parts(client.name, client.first_name, client.business, client.contact_person)
    short_name = short_business_name(client.name) if client.business else client.name
    # A topic logged with today's request, incident or promise is that item's own
    # (``item.request.topic``...): the list holds only what can be asked about besides.
    busy = {
        i.source.id
        for i in (item, *also)
        if i is not None and i.source is not None and i.source.kind == "touchpoint"
    }
    topics = (
        ()
        if shared
        else tuple(
            Record("topics[]", text=tp.topic, date=tp.date, days_ago=(today - tp.date).days)
            for tp in open_topics(client, touchpoints, today)
            if not tp.private and tp.id not in busy
        )
    )
    client_record = Record(
        "client",
        name=client.name,
        # A business without a contact person has no first name: its short name stands in.
        first_name=parts.first or short_name,
        family_name=parts.family,
        title=parts.title,
        # A formal greeting names a titled person by title and family name ("Gentile
        # Dott.ssa Fabbri"); anyone else by the full name.
        formal_name=(
            f"{parts.title} {parts.family}"
            if parts.title and parts.family and not client.business
            else client.name
        ),
        salutation=client.salutation or None,
        gender=client.gender or None,
        business=client.business,
        contact_person=client.contact_person or None,
        short_name=short_name,
        likes=() if shared else tuple(client.likes),
        company=client.company or None,
        city=client.city or None,
        since=client.since,
        tenure_years=tenure_years(client.since, today),
        # Tuples: a sandboxed template may call list methods, and must not edit the data.
        # What a message may offer or mention: the likes. How the client likes to be
        # served (``prefers``: "invoice at month end") guides the professional only and
        # never reaches a template (issue 11).
        preferences=() if shared else tuple(client.likes),
        # How the client likes to be served guides the professional: only a call sheet,
        # which is never sent, carries it (issue 11: `--prefers` is never in a message).
        prefers=tuple(client.prefers) if channel == "call" and not shared else (),
        tags=tuple(client.tags),
        lang=lang,
        # Unknown formality: the polite form is the safer mistake with a client.
        formal=True if client.formal is None else bool(client.formal),
        # Added for issue 11 (the engine): where coffee may be proposed, the tenure band.
        local=_is_local(client, settings) if local is None else local,
        tenure=_tenure(client, today),
    )
    return {
        "client": client_record,
        "last_touch": last_touch,
        "topics": topics,
        "history": tuple(records),
        "item": _item_record(
            item,
            by_id,
            purpose,
            today,
            shared,
            steps,
            lang,
            step_words,
            settings,
            birthday=client.birthday,
            client=client,
            last_contact=last_contact_on,
        ),
        "also": tuple(
            _item_record(
                other,
                by_id,
                _purpose_of(other),
                today,
                shared,
                steps,
                lang,
                step_words,
                settings,
                "also[]",
                client=client,
                last_contact=last_contact_on,
            )
            for other in also
        ),
        "coffee": _coffee(today, settings, invite),
        "me": Record(
            "me",
            my_name=settings.my_name,
            signature=settings.signature,
            gender=settings.my_gender or None,
        ),
        "today": today,
        "shared": shared,
    }


def nearest_birthday(birthday: str, today: date) -> date:
    """The occurrence of ``birthday`` nearest ``today`` (last December's, or next January's)."""
    from crm_cli.core.dates import birthday_in_year

    days = (birthday_in_year(birthday, year) for year in range(today.year - 1, today.year + 2))
    return min(days, key=lambda day: abs((day - today).days))


def _is_local(client: Client, settings: Settings) -> bool:
    from crm_cli.core.scheduler import is_local

    return is_local(client, settings)


def _tenure(client: Client, today: date) -> str:
    from crm_cli.core.drafting.speech import tenure_band

    return tenure_band(tenure_years(client.since, today))


def _purpose_of(item: Item) -> str:
    for candidate in (item.purpose, item.reason):
        if candidate in terms.PURPOSES:
            return candidate
    return "check-in"


def _coffee(today: date, settings: Settings, invite: bool) -> Record:
    """The coffee the draft proposes: the same slot as its ``.ics``."""
    slot = coffee_slot(today, settings)
    return Record(
        "coffee",
        slot=slot,
        day=slot.date(),
        time=f"{slot.hour}:{slot.minute:02d}",
        minutes=COFFEE_MINUTES,
        invite=invite,
    )


def coffee_slot(today: date, settings: Settings) -> datetime:
    """The coffee proposal: the first working day strictly after ``today``, at ``coffee_time``."""
    workdays = settings.workday_numbers or frozenset(range(7))
    day = today + timedelta(days=1)
    while day.weekday() not in workdays:
        day += timedelta(days=1)
    hours, minutes = (int(part) for part in settings.coffee_time.split(":"))
    return datetime.combine(day, time(hours, minutes))


# --------------------------------------------------------------------------- the sample client

# The same story in both languages. Touchpoints by role: t2 made a promise, t3
# was an incident, t4 is private, t5 is an open request.
_SAMPLE: dict[str, dict[str, Any]] = {
    "en": {
        "company": "Ferretti Architects",
        "likes": ["green tea, no sugar", "the Saturday morning market"],
        "prefers": ["invoices at the end of the month"],
        "tags": ["architecture", "local"],
        "note": "Runs a small architecture studio; likes things done properly.",
        "private_note": "Going through a divorce; never mention Paolo or the house in Riccione.",
        "history": {
            "t1": "Talked about the new studio in via Castiglione",
            "t2": "Promised samples of the walnut finish",
            "t3": "The oak shelves arrived with a scratched panel",
            "t4": "Confided that her mother is in hospital at Sant'Orsola",
            "t5": "Asks whether the oak table can come before Christmas",
        },
        # What comes back in the next message, written to be said to the client.
        "topics": {"t1": "the new studio in via Castiglione", "t5": "the oak table for Christmas"},
    },
    "it": {
        "company": "Studio Ferretti Architetti",
        "likes": ["tè verde senza zucchero", "il mercato del sabato mattina"],
        "prefers": ["fattura a fine mese"],
        "tags": ["architettura", "local"],
        "note": "Ha un piccolo studio di architettura; ama le cose fatte bene.",
        "private_note": "Sta divorziando: non nominare mai Paolo né la casa di Riccione.",
        "history": {
            "t1": "Parlato del nuovo studio in via Castiglione",
            "t2": "Promesso i campioni della finitura in noce",
            "t3": "Le mensole di rovere sono arrivate graffiate",
            "t4": "Mi ha confidato che la madre è ricoverata al Sant'Orsola",
            "t5": "Chiede se il tavolo di rovere può arrivare prima di Natale",
        },
        "topics": {
            "t1": "il nuovo studio in via Castiglione",
            "t5": "il tavolo di rovere per Natale",
        },
    },
}
# id: (days before SAMPLE_TODAY, channel, direction)
_SAMPLE_TOUCHES = {
    "t1": (69, "coffee", "out"),
    "t2": (34, "email", "out"),
    "t3": (18, "visit", "in"),
    "t4": (13, "visit", "in"),
    "t5": (5, "email", "in"),
}
_PROMISE_DAYS = 33


def sample_client(formal: bool, lang: str) -> tuple[Client, list[Touchpoint]]:
    """A realistic client for ``crm templates check`` and golden files.

    Preferences, a public note, a history with an open request, an incident and
    a promise, plus a private note and a private touchpoint that no draft may
    reveal. Dates are fixed around ``SAMPLE_TODAY`` so renders are reproducible.
    """
    data = _SAMPLE["it" if lang == "it" else "en"]
    client = Client(
        id="lucia-ferretti",
        name="Lucia Ferretti",
        since=date(2019, 3, 14),
        emails=["lucia@ferretti-architetti.example"],
        phones=["+393471234567"],
        mobiles=["+393471234567"],
        company=data["company"],
        city="Bologna",
        channel="email",
        tier="A",
        tags=list(data["tags"]),
        birthday="1981-11-25",
        lang="it" if lang == "it" else "en",
        formal=formal,
        likes=list(data["likes"]),
        prefers=list(data["prefers"]),
        note=data["note"],
        private_note=data["private_note"],
    )
    touchpoints = []
    for tp_id, note in data["history"].items():
        days_ago, channel, direction = _SAMPLE_TOUCHES[tp_id]
        day = SAMPLE_TODAY - timedelta(days=days_ago)
        touchpoints.append(
            Touchpoint(
                id=tp_id,
                client_id=client.id,
                date=day,
                channel=channel,
                direction=direction,
                note=note,
                needs_reply=tp_id == "t5",
                topic=data["topics"].get(tp_id),
                incident=tp_id == "t3",
                private=tp_id == "t4",
                follow_up=day + timedelta(days=_PROMISE_DAYS) if tp_id == "t2" else None,
            )
        )
    return client, touchpoints


_SAMPLE_STEPS = {
    "welcome": ("onboarding", 0, "welcome email"),
    "thanks": ("after-project", 0, "thank-you email"),
}


def sample_item(purpose: str, client: Client, touchpoints: list[Touchpoint], today: date) -> Item:
    """An item of ``purpose`` for the sample client, shaped as the scheduler makes them."""
    from crm_cli.core.dates import birthday_in_year
    from crm_cli.core.scheduler import Item

    def pick(flag: str) -> Touchpoint | None:
        found = [tp for tp in touchpoints if getattr(tp, flag) and tp.client_id == client.id]
        return max(found, key=lambda tp: (tp.date, tp.seq)) if found else None

    def quote(tp: Touchpoint) -> str:
        return f'"{tp.note}"' if tp.note and not tp.private else ""

    reason, due, detail, source, quoted = "check-in", today, "", None, ""
    step: PlannedStep | None = None
    if purpose == "reply" and (tp := pick("needs_reply")):
        reason, due, source, quoted = "reply", tp.date, Source("touchpoint", tp.id), quote(tp)
        detail = f"{quoted or '(no note)'} — waiting {(today - tp.date).days} days"
    elif purpose == "recovery" and (tp := pick("incident")):
        reason, due = "recovery", tp.date + timedelta(days=1)
        source, quoted = Source("touchpoint", tp.id), quote(tp)
        detail = f"incident on {tp.date.isoformat()}: {quoted or '(no note)'}"
    elif purpose == "follow-up" and (tp := pick("follow_up")):
        reason, due = "follow-up", tp.follow_up or today
        source, quoted = Source("touchpoint", tp.id), quote(tp)
        detail = f"promised on {tp.date.isoformat()}: {quoted or '(no note)'}"
    elif purpose in _SAMPLE_STEPS:
        playbook, index, name = _SAMPLE_STEPS[purpose]
        reason, due = "follow-up", today
        channel = client.channel or "email"
        started = today - timedelta(days=2)
        step = PlannedStep(client.id, playbook, name, index, today, channel, purpose, started)
        source = Source("step", step.key)
        detail = f"{playbook}: {name}"
    elif purpose == "birthday" and client.birthday:
        reason, due = "birthday", birthday_in_year(client.birthday, today.year)
        detail = f"birthday on {due.isoformat()}"
        if client.birthday[:4].isdigit():
            detail += f", turns {due.year - int(client.birthday[:4])}"
    elif purpose == "anniversary":
        reason = "anniversary"
        due = birthday_in_year(client.since.isoformat(), today.year)
        years = due.year - client.since.year
        detail = f"{years} years as a client (since {client.since.isoformat()})"
    else:
        history = _public_history(client, touchpoints, today)
        last = history[0].date if history else client.since
        ago = (today - last).days
        detail = f"last contact {last.isoformat()} ({ago} days ago), cadence 4 weeks"
    return Item(
        client_id=client.id,
        client=client.name,
        reason=reason,
        channel=client.channel or "email",
        due=due,
        overdue_days=(today - due).days,
        neglected=False,
        detail=detail,
        urgency=0.0,
        source=source,
        purpose=purpose,
        quoted=quoted,
        step=step,
    )
