"""Monica's JSON export (Settings > Export > "Export to JSON", format ``1.0-preview.1``) read.

The file is ``{"version", "app_version", "export_date", "url", "exported_by",
"account"}``. Every record is ``{"uuid", "created_at", "updated_at",
"properties": {...}}`` and holds its children in ``"data"``: a list of
``{"count", "type", "values"}`` (``"type"`` is ``contact``, ``call``, ``note``...).
The account holds the contacts and the activities (an activity may have
several contacts; a contact lists its activities by uuid); ``account.instance``
holds the types the records point to by uuid (activity types, contact field
types such as Email and Phone, genders). Laravel writes times as
``2021-03-04T10:20:30.000000Z``.

What is read here is returned as plain records; what becomes of each in the
book is decided in ``services.history_import``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm_cli.core.contacts_import import Contact
from crm_cli.errors import InvalidValue

# Children of a contact that crm has no place for: counted, so that the report says so.
_NOT_KEPT = {
    "debt": "debt",
    "gift": "gift",
    "pet": "pet",
    "task": "task",
    "life_event": "life event",
    "photo": "photo",
    "document": "document",
}
# Monica's gender types (M, F, O for other) as crm's, which only Italian agreement uses.
_GENDERS = {"m": "m", "f": "f", "o": "x"}


@dataclass
class MonicaContact:
    uuid: str
    contact: Contact  # name, emails, phones, company, city, birthday, tags...
    first_met: date | None = None  # "how we met": the client-since date
    stay_in_touch_days: int | None = None
    archived: bool = False  # Monica's archived contacts (is_active false)
    deceased: bool = False
    partial: bool = False  # a relative's name only, not a contact of its own
    job: str | None = None


@dataclass
class MonicaEvent:
    """One activity, call, conversation, note or reminder, with its contacts."""

    kind: str  # activity | call | conversation | note | reminder
    uuid: str
    contacts: list[str]  # contact uuids
    day: date | None
    channel: str
    direction: str = "out"
    note: str | None = None
    private: bool = False
    # Reminders: when they fall, how they repeat, whether they are on.
    repeat: tuple[str, int] | None = None
    inactive: bool = False


@dataclass
class MonicaExport:
    contacts: list[MonicaContact] = field(default_factory=list)
    events: list[MonicaEvent] = field(default_factory=list)
    me: set[str] = field(default_factory=set)  # the user's own contact(s)
    not_kept: Counter[str] = field(default_factory=Counter)  # what crm has no field for


def _props(record: Any) -> dict[str, Any]:
    props = record.get("properties") if isinstance(record, dict) else None
    return props if isinstance(props, dict) else {}


def children(record: Any, kind: str) -> list[Any]:
    """The values of ``record``'s ``data`` collection of ``kind`` (``[]`` if none)."""
    data = record.get("data") if isinstance(record, dict) else None
    groups = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    for group in groups:
        if isinstance(group, dict) and group.get("type") == kind:
            values = group.get("values")
            if isinstance(values, dict):
                return list(values.values())
            return list(values) if isinstance(values, list) else []
    return []


def _kinds(record: Any) -> list[str]:
    data = record.get("data") if isinstance(record, dict) else None
    groups = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [str(g.get("type")) for g in groups if isinstance(g, dict)]


def day_of(value: Any) -> date | None:
    """The day of a Laravel date or time (``2021-03-04T10:20:30.000000Z``)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.replace("\r\n", "\n").strip()
    return text or None


def _by_uuid(items: Any) -> dict[str, dict[str, Any]]:
    if isinstance(items, dict):  # a collection written as an object
        items = items.get("values", list(items.values()))
    return {
        str(i["uuid"]): i for i in items or [] if isinstance(i, dict) and i.get("uuid") is not None
    }


def _birthday(special: Any) -> str | None:
    if not isinstance(special, dict):
        return None
    day = day_of(special.get("date"))
    if day is None:
        return None
    if special.get("is_year_unknown") or special.get("is_age_based"):
        # An age-based date ("about 40") has only a guessed year: the day is what is known.
        return None if special.get("is_age_based") else f"--{day.month:02d}-{day.day:02d}"
    return day.isoformat()


def _contact(
    record: dict[str, Any],
    n: int,
    name: str,
    field_types: dict[str, dict[str, Any]],
    genders: dict[str, dict[str, Any]],
) -> MonicaContact:
    props = _props(record)
    full = " ".join(
        str(props[k]).strip()
        for k in ("first_name", "middle_name", "last_name")
        if isinstance(props.get(k), str) and props[k].strip()
    )
    emails: list[str] = []
    phones: list[str] = []
    for item in children(record, "contact_field"):
        value = _text(_props(item).get("data"))
        kind = _props(field_types.get(str(_props(item).get("type")), {}))
        protocol = str(kind.get("protocol") or "").lower()
        which = str(kind.get("type") or kind.get("name") or "").lower()
        if value is None:
            continue
        if which == "email" or protocol.startswith("mailto"):
            emails.append(value)
        elif which == "phone" or protocol.startswith("tel"):
            phones.append(value)
    city = next(
        (c for a in children(record, "address") if (c := _text(_props(a).get("city")))), None
    )
    tags = props.get("tags")
    food = _text(props.get("food_preferences"))
    gender = str(_props(genders.get(str(props.get("gender")), {})).get("type") or "").lower()
    contact = Contact(
        source=f"{name}: contact {n}" + (f" ({full})" if full else ""),
        uid=None,
        name=full or None,
        emails=emails,
        phones=phones,
        company=_text(props.get("company")),
        city=city,
        birthday=_birthday(props.get("birthdate")),
        note=_text(props.get("description")),
        tags=[str(t) for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        likes=[food] if food else [],
        gender=_GENDERS.get(gender),
    )
    met = props.get("first_met_date")
    frequency = props.get("stay_in_touch_frequency")
    return MonicaContact(
        uuid=str(record.get("uuid") or f"contact-{n}"),
        contact=contact,
        first_met=day_of(met.get("date")) if isinstance(met, dict) else None,
        stay_in_touch_days=frequency if isinstance(frequency, int) and frequency > 0 else None,
        archived=props.get("is_active") is False,
        deceased=props.get("is_dead") is True,
        partial=props.get("is_partial") is True,
        job=_text(props.get("job")),
    )


def _joined(*parts: str | None) -> str | None:
    return "\n".join(p for p in parts if p) or None


def read_monica(data: bytes, name: str) -> MonicaExport:
    """The contacts and the history of a Monica JSON export."""
    try:
        root = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"{name} is not JSON: {exc}") from None
    account = root.get("account") if isinstance(root, dict) else None
    if not isinstance(account, dict) or "data" not in account:
        raise InvalidValue(
            f"{name} is not a Monica JSON export (no 'account' with its 'data'): "
            "export it from Monica's Settings > Export > Export to JSON"
        )
    found = account.get("instance")
    instance: dict[str, Any] = found if isinstance(found, dict) else {}
    field_types = _by_uuid(instance.get("contact_field_types"))
    activity_types = _by_uuid(instance.get("activity_types"))
    genders = _by_uuid(instance.get("genders"))
    export = MonicaExport()
    for user in children(account, "user"):
        me = _props(user).get("me_contact")
        if isinstance(me, str):
            export.me.add(me)
    activity_contacts: dict[str, list[str]] = {}
    for n, record in enumerate(children(account, "contact"), 1):
        if not isinstance(record, dict):
            continue
        person = _contact(record, n, name, field_types, genders)
        export.contacts.append(person)
        uid = person.uuid
        for kind in _kinds(record):
            if kind in _NOT_KEPT:
                export.not_kept[_NOT_KEPT[kind]] += len(children(record, kind))
        if person.job:
            export.not_kept["job title"] += 1
        for act in children(record, "activity"):
            activity_contacts.setdefault(str(act), []).append(uid)
        for call in children(record, "call"):
            p = _props(call)
            export.events.append(
                MonicaEvent(
                    "call",
                    str(call.get("uuid") or ""),
                    [uid],
                    day_of(p.get("called_at")) or day_of(call.get("created_at")),
                    "call",
                    "out" if p.get("contact_called") is not False else "in",
                    _text(p.get("content")),
                )
            )
        for conv in children(record, "conversation"):
            p = _props(conv)
            via = _props(field_types.get(str(p.get("contact_field_type")), {}))
            email = str(via.get("type") or via.get("name") or "").lower() == "email"
            messages = [m for m in p.get("messages") or [] if isinstance(m, dict)]
            lines = [
                f"{'me' if _props(m).get('written_by_me') else 'them'}: {text}"
                for m in messages
                if (text := _text(_props(m).get("content")))
            ]
            first_by_me = not messages or bool(_props(messages[0]).get("written_by_me"))
            export.events.append(
                MonicaEvent(
                    "conversation",
                    str(conv.get("uuid") or ""),
                    [uid],
                    day_of(p.get("happened_at")) or day_of(conv.get("created_at")),
                    "email" if email else "sms",
                    "out" if first_by_me else "in",
                    "\n".join(lines) or None,
                )
            )
        for note in children(record, "note"):
            export.events.append(
                MonicaEvent(
                    "note",
                    str(note.get("uuid") or ""),
                    [uid],
                    day_of(note.get("created_at")),
                    "note",
                    note=_text(_props(note).get("body")),
                    private=True,
                )
            )
        for reminder in children(record, "reminder"):
            p = _props(reminder)
            number = p.get("frequency_number")
            export.events.append(
                MonicaEvent(
                    "reminder",
                    str(reminder.get("uuid") or ""),
                    [uid],
                    day_of(p.get("initial_date")),
                    "note",
                    note=_joined(_text(p.get("title")), _text(p.get("description"))),
                    repeat=(
                        str(p.get("frequency_type") or "one_time"),
                        number if isinstance(number, int) and number > 0 else 1,
                    ),
                    inactive=bool(p.get("inactive")),
                )
            )
    for activity in children(account, "activity"):
        if not isinstance(activity, dict):
            continue
        p = _props(activity)
        uid = str(activity.get("uuid") or "")
        what = _props(activity_types.get(str(p.get("type")), {}))
        label = _text(what.get("name")) or _text(what.get("translation_key"))
        export.events.append(
            MonicaEvent(
                "activity",
                uid,
                activity_contacts.get(uid, []),
                day_of(p.get("happened_at")) or day_of(activity.get("created_at")),
                "meeting",
                note=_joined(_text(p.get("summary")) or label, _text(p.get("description"))),
            )
        )
    return export
