"""``crm import csv FILE --map "name=Full name,email=E-mail 1,phone=Mobile"``: any sheet.

The mapping names, for each field of a client, the column that holds it. A field
that may hold several values (email, phone, tag, url, nickname) may be named more
than once; the other fields once. Columns not named are reported as not kept.
"""

from __future__ import annotations

from collections.abc import Callable

from crm_cli.core.contacts_import import Contact
from crm_cli.errors import UsageError

# Field -> whether it may be given several columns.
FIELDS: dict[str, bool] = {
    "name": False,
    "first_name": False,
    "last_name": False,
    "email": True,
    "phone": True,
    "company": False,
    "job_title": False,
    "city": False,
    "street": False,
    "postcode": False,
    "region": False,
    "country": False,
    "birthday": False,
    "anniversary": False,
    "since": False,
    "note": False,
    "tag": True,
    "url": True,
    "nickname": True,
}
NEEDED = ("name", "first_name", "last_name", "email", "phone")


def parse_map(text: str, header: list[str], name: str) -> dict[str, list[str]]:
    """``field -> columns`` from ``--map`` text; raises ``UsageError`` when it is wrong."""
    columns = {h.casefold(): h for h in header if h}
    mapping: dict[str, list[str]] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not column.strip():
            raise UsageError(f"--map: '{part.strip()}' is not FIELD=COLUMN")
        if key not in FIELDS:
            raise UsageError(f"--map: unknown field '{key}': use {', '.join(FIELDS)}")
        found = columns.get(column.strip().casefold())
        if found is None:
            shown = ", ".join(h for h in header if h)
            raise UsageError(f"--map: {name} has no column '{column.strip()}' (it has {shown})")
        if mapping.get(key) and not FIELDS[key]:
            raise UsageError(f"--map: '{key}' is given twice")
        mapping.setdefault(key, []).append(found)
    if not any(k in mapping for k in NEEDED):
        raise UsageError("--map: name at least one of name, first_name, last_name, email, phone")
    return mapping


def mapped_reader(mapping: dict[str, list[str]]) -> Callable[[dict[str, str], str], Contact]:
    """A row reader (as the formats have) for this mapping."""

    def cells(row: dict[str, str], key: str) -> list[str]:
        return [(row.get(c) or "").strip() for c in mapping.get(key, [])]

    def one(row: dict[str, str], key: str) -> str | None:
        return next((v for v in cells(row, key) if v), None)

    def read(row: dict[str, str], source: str) -> Contact:
        name = one(row, "name") or " ".join(
            v for v in (one(row, "first_name"), one(row, "last_name")) if v
        )
        address = {
            k: one(row, k) or "" for k in ("street", "postcode", "city", "region", "country")
        }
        anniversary = one(row, "anniversary")
        return Contact(
            source=source,
            name=name or None,
            emails=cells(row, "email"),
            phones=cells(row, "phone"),
            company=one(row, "company"),
            city=address["city"] or None,
            birthday=one(row, "birthday"),
            note=one(row, "note"),
            tags=cells(row, "tag"),
            job_title=one(row, "job_title"),
            urls=cells(row, "url"),
            nicknames=cells(row, "nickname"),
            address=address if any(address.values()) else None,
            anniversaries=[("anniversary", anniversary)] if anniversary else [],
            since=one(row, "since"),
        )

    return read
