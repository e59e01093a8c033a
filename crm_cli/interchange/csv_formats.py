"""CSV in (Google Contacts, Outlook, Thunderbird, crm's own) and out (crm's own), stdlib csv.

The program that wrote a file is told from its header row; the delimiter
(``,``, ``;`` or tab) from the same row. Every format maps onto the neutral
:class:`~crm_cli.core.contacts_import.Contact`; the values are checked later,
by the importer.

crm's own CSV (``crm export csv``) holds one row per client; a cell with
several values (emails, phones, tags) holds one per line. Cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) are written with a leading ``'``, as are cells that start with
``'`` themselves, so that reading crm's CSV strips exactly one ``'`` from those
and gets the value back: phone numbers (``+39...``) too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from crm_cli.core.contacts_import import Contact
from crm_cli.core.models import Client
from crm_cli.errors import InvalidValue, UsageError

FORMATS = ("google", "outlook", "thunderbird", "crm")

# -- the formats ----------------------------------------------------------------------

GOOGLE_MULTI = " ::: "  # Google puts several values of a kind in one cell with this


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    expected: tuple[str, ...]  # the columns named in error messages
    detect: Callable[[set[str]], bool]  # does a header look like this format?
    required: Callable[[set[str]], list[str]]  # which needed columns are missing
    read: Callable[[dict[str, str], str], Contact]


def _get(row: dict[str, str], *columns: str) -> str:
    """The first non-empty cell among ``columns``."""
    for column in columns:
        value = (row.get(column) or "").strip()
        if value:
            return value
    return ""


def _joined(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _numbered(header: set[str], pattern: str) -> list[str]:
    """Columns like ``E-mail 1 - Value``, ``E-mail 2 - Value``... in number order."""
    regex = re.compile(pattern)
    found = [(int(m[1]), c) for c in header if (m := regex.fullmatch(c))]
    return [c for _, c in sorted(found)]


def _need(header: set[str], *alternatives: tuple[str, ...]) -> list[str]:
    """Missing requirements: each tuple needs at least one of its columns."""
    return [" or ".join(alt) for alt in alternatives if not header & set(alt)]


# Google Contacts: the 2023+ export ("First Name", "E-mail 1 - Value", "Labels") and the
# older one ("Given Name", "Organization 1 - Name", "Group Membership").
def _google_detect(h: set[str]) -> bool:
    return bool(_numbered(h, r"E-mail (\d+) - Value")) or {"Given Name", "Family Name"} <= h


def _google_required(h: set[str]) -> list[str]:
    missing = _need(h, ("Name", "First Name", "Given Name", "Last Name", "Family Name"))
    if not _numbered(h, r"E-mail (\d+) - Value"):
        missing.append("E-mail 1 - Value")
    return missing


def _google_labels(cell: str) -> list[str]:
    # "* myContacts", "* starred": Google's own system groups, not the user's labels.
    return [
        label.strip()
        for label in cell.split(GOOGLE_MULTI)
        if label.strip() and not label.strip().startswith("*")
    ]


def _google_read(row: dict[str, str], source: str) -> Contact:
    header = set(row)
    name = _joined(
        _get(row, "First Name", "Given Name"),
        _get(row, "Middle Name", "Additional Name"),
        _get(row, "Last Name", "Family Name"),
    ) or _get(row, "Name")
    emails, phones = (
        [
            value.strip()
            for column in _numbered(header, pattern)
            for value in (row.get(column) or "").split(GOOGLE_MULTI)
        ]
        for pattern in (r"E-mail (\d+) - Value", r"Phone (\d+) - Value")
    )
    cities = [row.get(c) or "" for c in _numbered(header, r"Address (\d+) - City")]
    return Contact(
        source=source,
        name=name or None,
        emails=emails,
        phones=phones,
        company=_get(row, "Organization Name", "Organization 1 - Name") or None,
        city=next((c.strip() for c in cities if c.strip()), None),
        birthday=_get(row, "Birthday") or None,
        note=_get(row, "Notes") or None,
        tags=_google_labels(_get(row, "Labels", "Group Membership")),
    )


# Outlook (desktop and outlook.com): "E-mail Address", "Mobile Phone", "Categories"...
OUTLOOK_PHONES = (
    "Mobile Phone",
    "Primary Phone",
    "Business Phone",
    "Business Phone 2",
    "Home Phone",
    "Home Phone 2",
    "Other Phone",
    "Car Phone",
    "Radio Phone",
    "Callback",
)  # not faxes, pagers, or others' numbers (company switchboard, assistant)


def _outlook_detect(h: set[str]) -> bool:
    return "E-mail Address" in h or bool({"Mobile Phone", "Business Phone"} & h and "Company" in h)


def _outlook_required(h: set[str]) -> list[str]:
    return _need(
        h, ("First Name", "Last Name"), ("E-mail Address", "Mobile Phone", "Business Phone")
    )


def _outlook_read(row: dict[str, str], source: str) -> Contact:
    name = _joined(_get(row, "First Name"), _get(row, "Middle Name"), _get(row, "Last Name"))
    categories = _get(row, "Categories")
    return Contact(
        source=source,
        name=name or None,
        emails=[_get(row, c) for c in ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address")],
        phones=[_get(row, c) for c in OUTLOOK_PHONES],
        company=_get(row, "Company") or None,
        city=_get(row, "Home City", "Business City", "Other City") or None,
        birthday=_get(row, "Birthday") or None,
        note=_get(row, "Notes") or None,
        tags=[t.strip() for t in categories.split(";") if t.strip()],
    )


# Thunderbird's address book export.
def _thunderbird_detect(h: set[str]) -> bool:
    return "Primary Email" in h


def _thunderbird_required(h: set[str]) -> list[str]:
    return _need(h, ("Display Name", "First Name", "Last Name"), ("Primary Email",))


def _thunderbird_read(row: dict[str, str], source: str) -> Contact:
    name = _get(row, "Display Name") or _joined(_get(row, "First Name"), _get(row, "Last Name"))
    year, month, day = (_get(row, f"Birth {p}") for p in ("Year", "Month", "Day"))
    birthday = None
    if month and day and month.isdigit() and day.isdigit():
        md = f"{int(month):02d}-{int(day):02d}"
        birthday = f"{year}-{md}" if year.isdigit() and len(year) == 4 else f"--{md}"
    elif year or month or day:
        birthday = "/".join((year, month, day))  # the importer says what is wrong with it
    return Contact(
        source=source,
        name=name or None,
        emails=[_get(row, "Primary Email"), _get(row, "Secondary Email")],
        phones=[_get(row, c) for c in ("Mobile Number", "Work Phone", "Home Phone")],
        company=_get(row, "Organization") or None,
        city=_get(row, "Home City", "Work City") or None,
        birthday=birthday,
        note=_get(row, "Notes") or None,
    )


# crm's own export.
CRM_COLUMNS = (
    "id",
    "name",
    "emails",
    "phones",
    "company",
    "city",
    "birthday",
    "tags",
    "note",
    "tier",
    "channel",
    "cadence",
    "lang",
    "since",
    "archived",
    "do_not_contact",
    # Added with issue 11, at the end: older readers of the file keep their columns.
    "likes",
    "prefers",
    "first_name",
    "salutation",
    "gender",
    "business",
    "contact_person",
)


def _crm_detect(h: set[str]) -> bool:
    return {"id", "name", "emails", "phones"} <= h


def _crm_required(h: set[str]) -> list[str]:
    return [c for c in ("name", "emails", "phones") if c not in h]


def _lines(cell: str) -> list[str]:
    return [v.strip() for v in cell.splitlines() if v.strip()]


def _crm_read(row: dict[str, str], source: str) -> Contact:
    cell = {k: unneutralise(v or "") for k, v in row.items() if k}
    return Contact(
        source=source,
        name=cell.get("name") or None,
        emails=_lines(cell.get("emails", "")),
        phones=_lines(cell.get("phones", "")),
        company=cell.get("company") or None,
        city=cell.get("city") or None,
        birthday=cell.get("birthday") or None,
        note=cell.get("note") or None,
        tags=_lines(cell.get("tags", "")),
        likes=_lines(cell.get("likes", "")),
        prefers=_lines(cell.get("prefers", "")),
        first_name=cell.get("first_name") or None,
        salutation=cell.get("salutation") or None,
        gender=cell.get("gender") or None,
        # Absent (an older export): read from the name; present: as written.
        business=(cell["business"].strip().lower() == "yes") if "business" in cell else None,
        contact_person=cell.get("contact_person") or None,
    )


_EXPECTED = {
    "google": ("First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value", "Labels"),
    "outlook": ("First Name", "Last Name", "E-mail Address", "Mobile Phone", "Categories"),
    "thunderbird": ("First Name", "Last Name", "Display Name", "Primary Email"),
    "crm": ("id", "name", "emails", "phones"),
}
_TITLES = {
    "google": "Google Contacts",
    "outlook": "Outlook",
    "thunderbird": "Thunderbird",
    "crm": "crm",
}

FORMAT_SPECS: dict[str, Format] = {
    name: Format(name, _TITLES[name], _EXPECTED[name], detect, required, read)
    for name, detect, required, read in (
        # crm first: its header is the most specific; Google before Outlook, whose
        # columns Google's older export partly shares.
        ("crm", _crm_detect, _crm_required, _crm_read),
        ("google", _google_detect, _google_required, _google_read),
        ("thunderbird", _thunderbird_detect, _thunderbird_required, _thunderbird_read),
        ("outlook", _outlook_detect, _outlook_required, _outlook_read),
    )
}


# -- reading --------------------------------------------------------------------------


def sniff_delimiter(first_line: str) -> str:
    """``,``, ``;`` or tab: whichever the header row holds most of, outside quotes."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _expected_all() -> str:
    return "; ".join(f"{f.title} ({', '.join(f.expected)}...)" for f in FORMAT_SPECS.values())


def detect_format(header: list[str], wanted: str, name: str) -> Format:
    """The format of a file from its header; ``wanted`` is ``auto`` or a format name."""
    columns = {h for h in header if h}
    if wanted == "auto":
        for spec in FORMAT_SPECS.values():
            if spec.detect(columns) and not spec.required(columns):
                return spec
        shown = ", ".join(h for h in header[:8] if h) + (", ..." if len(header) > 8 else "")
        raise InvalidValue(
            f"{name}: cannot tell which program wrote this CSV from its header ({shown}); "
            f"expected the columns of {_expected_all()}"
        )
    if wanted not in FORMAT_SPECS:
        raise UsageError(f"unknown CSV format '{wanted}': use auto, {', '.join(FORMATS)}")
    spec = FORMAT_SPECS[wanted]
    missing = spec.required(columns)
    if missing:
        raise InvalidValue(
            f"{name}: not a {spec.title} CSV: it has no {' column, no '.join(missing)} column "
            f"(expected {', '.join(spec.expected)}...)"
        )
    return spec


@dataclass
class CsvFile:
    format: Format
    rows: list[tuple[str, dict[str, str]]]  # (source, row) for each non-empty row
    warnings: list[str]


def read_csv(text: str, name: str, wanted: str = "auto") -> CsvFile:
    """The rows of a CSV export, its format told from the header (``wanted``: auto or a name)."""
    # A long note is no reason to refuse a file: the size limit is checked before.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidValue(f"{name} is empty") from None
    except csv.Error as exc:
        raise InvalidValue(f"{name}: line 1 is not valid CSV: {exc}") from None
    spec = detect_format(header, wanted, name)
    rows: list[tuple[str, dict[str, str]]] = []
    warnings: list[str] = []
    number = 1
    try:
        for number, cells in enumerate(reader, 2):
            if not any(c.strip() for c in cells):
                continue
            if any(c.strip() for c in cells[len(header) :]):  # a trailing comma is no news
                warnings.append(
                    f"{name}: row {number} has {len(cells)} cells, the header {len(header)}: "
                    "the extra cells were left out"
                )
            row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
            rows.append((f"{name}: row {number}", row))
    except csv.Error as exc:
        raise InvalidValue(f"{name}: row {number + 1} is not valid CSV: {exc}") from None
    return CsvFile(spec, rows, warnings)


# -- formula injection -----------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (see the module docstring)."""
    return "'" + cell if cell.startswith((*_FORMULA_START, "'")) else cell


def unneutralise(cell: str) -> str:
    """The inverse of :func:`neutralise`."""
    if cell.startswith("'") and cell[1:].startswith((*_FORMULA_START, "'")):
        return cell[1:]
    return cell


# -- writing --------------------------------------------------------------------------


def _client_row(client: Client) -> list[str]:
    values = {
        "id": client.id,
        "name": client.name,
        "emails": "\n".join(client.emails),
        "phones": "\n".join(client.phones),
        "company": client.company or "",
        "city": client.city or "",
        "birthday": client.birthday or "",
        "tags": "\n".join(client.tags),
        "note": client.note or "",
        "tier": client.tier or "",
        "channel": client.channel or "",
        "cadence": client.cadence or "",
        "lang": client.lang or "",
        "since": client.since.isoformat(),
        "archived": "yes" if client.archived else "",
        "do_not_contact": "yes" if client.do_not_contact else "",
        "likes": "\n".join(client.likes),
        "prefers": "\n".join(client.prefers),
        "first_name": client.first_name or "",
        "salutation": client.salutation or "",
        "gender": client.gender or "",
        "business": "yes" if client.business else "",
        "contact_person": client.contact_person or "",
    }
    return [neutralise(values[c]) for c in CRM_COLUMNS]


def clients_csv(clients: list[Client]) -> str:
    """crm's CSV: a header and one row per client (private notes are never written)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CRM_COLUMNS)
    writer.writerows(_client_row(c) for c in clients)
    return out.getvalue()
