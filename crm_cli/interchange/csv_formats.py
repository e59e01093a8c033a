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
from dataclasses import dataclass, field, replace
from typing import Any

from crm_cli.core.contacts_import import Contact
from crm_cli.core.models import Client
from crm_cli.errors import InvalidValue, UsageError

FORMATS = ("google", "outlook", "thunderbird", "crm", "linkedin", "roundcube")

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


_GOOGLE_ADDRESS = ("Street", "Postal Code", "City", "Region", "Country")
_ADDRESS_KEYS = ("street", "postcode", "city", "region", "country")


def _address(row: dict[str, str], *columns: str) -> dict[str, str] | None:
    """An address from its five columns (street, postcode, city, region, country)."""
    values = {k: _get(row, c) for k, c in zip(_ADDRESS_KEYS, columns, strict=True)}
    return values if any(values.values()) else None


def _first_address(row: dict[str, str], *kinds: tuple[str, ...]) -> dict[str, str] | None:
    """The first of several addresses (home, then work...) that holds anything."""
    for columns in kinds:
        if found := _address(row, *columns):
            return found
    return None


def _google_labels(cell: str) -> list[str]:
    # "* myContacts", "* starred": Google's own system groups, not the user's labels.
    return [
        label.strip()
        for label in cell.split(GOOGLE_MULTI)
        if label.strip() and not label.strip().startswith("*")
    ]


def _google_read(row: dict[str, str], source: str) -> Contact:
    header = set(row)
    whole = _get(row, "Name")  # the older export's, read even when the parts say it
    name = (
        _joined(
            _get(row, "First Name", "Given Name"),
            _get(row, "Middle Name", "Additional Name"),
            _get(row, "Last Name", "Family Name"),
        )
        or whole
    )
    emails, phones = (
        [
            value.strip()
            for column in _numbered(header, pattern)
            for value in (row.get(column) or "").split(GOOGLE_MULTI)
        ]
        for pattern in (r"E-mail (\d+) - Value", r"Phone (\d+) - Value")
    )
    address = None
    for n in (m[1] for c in sorted(header) if (m := re.fullmatch(r"Address (\d+) - City", c))):
        found = _address(row, *(f"Address {n} - {p}" for p in _GOOGLE_ADDRESS))
        formatted = _get(row, f"Address {n} - Formatted")  # the same parts, on lines
        if found is None and formatted:
            found = {"street": " ".join(formatted.split()), "postcode": "", "city": ""}
            found |= {"region": "", "country": ""}
        if found:
            address = found
            break
    events = [
        (_get(row, f"Event {n} - Label", f"Event {n} - Type"), row.get(c) or "")
        for c in _numbered(header, r"Event (\d+) - Value")
        if (n := c.split()[1])
    ]
    ims = [
        (_get(row, f"IM {n} - Service"), row.get(c) or "")
        for c in _numbered(header, r"IM (\d+) - Value")
        if (n := c.split()[1])
    ]
    return Contact(
        source=source,
        name=name or None,
        emails=emails,
        phones=phones,
        company=_get(row, "Organization Name", "Organization 1 - Name") or None,
        city=address.get("city") if address else None,
        birthday=_get(row, "Birthday") or None,
        note=_get(row, "Notes") or None,
        tags=_google_labels(_get(row, "Labels", "Group Membership")),
        job_title=_get(row, "Organization Title", "Organization 1 - Title") or None,
        urls=[
            v.strip()
            for c in _numbered(header, r"Website (\d+) - Value")
            for v in (row.get(c) or "").split(GOOGLE_MULTI)
        ],
        nicknames=[_get(row, "Nickname")],
        address=address,
        anniversaries=[(label or "anniversary", value) for label, value in events],
        ims=ims,
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


def _outlook_address(kind: str) -> tuple[str, ...]:
    return tuple(
        f"{kind} {p}" for p in ("Street", "Postal Code", "City", "State", "Country/Region")
    )


# Outlook's own copies of what other columns hold: "Name (address)", the type "SMTP".
_OUTLOOK_DERIVED = tuple(
    f"E-mail{n} {what}" for n in ("", " 2", " 3") for what in ("Display Name", "Type")
)


def _outlook_read(row: dict[str, str], source: str) -> Contact:
    for column in _OUTLOOK_DERIVED:
        row.get(column)  # read: nothing of them is lost
    name = _joined(_get(row, "First Name"), _get(row, "Middle Name"), _get(row, "Last Name"))
    categories = _get(row, "Categories")
    address = _first_address(
        row, *(_outlook_address(k) for k in ("Home", "Business", "Other"))
    ) or _first_address(
        row,
        *(
            tuple(c.replace("/Region", "") for c in _outlook_address(k))
            for k in ("Home", "Business", "Other")
        ),
    )
    return Contact(
        source=source,
        name=name or None,
        emails=[_get(row, c) for c in ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address")],
        phones=[_get(row, c) for c in OUTLOOK_PHONES],
        company=_get(row, "Company") or None,
        city=address.get("city") if address else None,
        birthday=_get(row, "Birthday") or None,
        note=_get(row, "Notes") or None,
        tags=[t.strip() for t in categories.split(";") if t.strip()],
        job_title=_get(row, "Job Title") or None,
        urls=[_get(row, "Web Page")],
        nicknames=[_get(row, "Nickname")],
        address=address,
        anniversaries=[("anniversary", _get(row, "Anniversary"))],
    )


# Thunderbird's address book export.
def _thunderbird_detect(h: set[str]) -> bool:
    return "Primary Email" in h


def _thunderbird_required(h: set[str]) -> list[str]:
    return _need(h, ("Display Name", "First Name", "Last Name"), ("Primary Email",))


def _thunderbird_read(row: dict[str, str], source: str) -> Contact:
    parts = _joined(_get(row, "First Name"), _get(row, "Last Name"))  # read either way
    name = _get(row, "Display Name") or parts
    year, month, day = (_get(row, f"Birth {p}") for p in ("Year", "Month", "Day"))
    birthday = None
    if month and day and month.isdigit() and day.isdigit():
        md = f"{int(month):02d}-{int(day):02d}"
        birthday = f"{year}-{md}" if year.isdigit() and len(year) == 4 else f"--{md}"
    elif year or month or day:
        birthday = "/".join((year, month, day))  # the importer says what is wrong with it
    address = _first_address(
        row,
        *(
            tuple(f"{k} {p}" for p in ("Address", "ZipCode", "City", "State", "Country"))
            for k in ("Home", "Work")
        ),
    )
    if address is not None:
        kind = "Home" if any(_get(row, f"Home {p}") for p in ("Address", "City")) else "Work"
        address["street"] = _joined(address["street"], _get(row, f"{kind} Address 2"))
    return Contact(
        source=source,
        name=name or None,
        emails=[_get(row, "Primary Email"), _get(row, "Secondary Email")],
        phones=[_get(row, c) for c in ("Mobile Number", "Work Phone", "Home Phone")],
        company=_get(row, "Organization") or None,
        city=address.get("city") if address else None,
        birthday=birthday,
        note=_get(row, "Notes") or None,
        job_title=_get(row, "Job Title") or None,
        urls=[_get(row, "Web Page 1"), _get(row, "Web Page 2")],
        nicknames=[_get(row, "Nickname")],
        address=address,
        ims=[("im", _get(row, "Screen Name"))],
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
    # Added with issue 15: more of a card, and the flags an export must bring back.
    "job_title",
    "urls",
    "nicknames",
    "street",
    "postcode",
    "region",
    "country",
    "anniversaries",  # one a line: "YYYY-MM-DD label" (or "--MM-DD label")
    "ims",  # one a line: "service:handle"
    "formal",  # yes, no, or empty (not said)
    "email_consent",  # no when withdrawn
    "sms_consent",
    "shared_contact",
)


def _crm_detect(h: set[str]) -> bool:
    return {"id", "name", "emails", "phones"} <= h


def _crm_required(h: set[str]) -> list[str]:
    return [c for c in ("name", "emails", "phones") if c not in h]


def _lines(cell: str) -> list[str]:
    return [v.strip() for v in cell.splitlines() if v.strip()]


def _yes(cell: dict[str, str], column: str, default: bool | None = None) -> bool | None:
    """``yes``/``no`` of a flag column; ``default`` when it is empty or absent."""
    value = cell.get(column, "").strip().lower()
    return {"yes": True, "no": False}.get(value, default)


def _crm_anniversaries(cell: str) -> list[tuple[str, str]]:
    out = []
    for line in _lines(cell):
        day, _, label = line.partition(" ")
        out.append((label.strip() or "anniversary", day))
    return out


def _crm_ims(cell: str) -> list[tuple[str, str]]:
    out = []
    for line in _lines(cell):
        service, sep, handle = line.partition(":")
        out.append((service, handle) if sep else ("im", line))
    return out


def _crm_read(row: dict[str, str], source: str) -> Contact:
    # Each column read by name (not row.items()): what is read is what is kept.
    cell = {k: unneutralise(row.get(k) or "") for k in CRM_COLUMNS if k in row}
    address = {k: cell.get(c, "") for k, c in zip(_ADDRESS_KEYS, _CRM_ADDRESS, strict=True)}
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
        job_title=cell.get("job_title") or None,
        urls=_lines(cell.get("urls", "")),
        nicknames=_lines(cell.get("nicknames", "")),
        address=address if any(address.values()) else None,
        anniversaries=_crm_anniversaries(cell.get("anniversaries", "")),
        ims=_crm_ims(cell.get("ims", "")),
        since=cell.get("since") or None,
        tier=cell.get("tier") or None,
        channel=cell.get("channel") or None,
        cadence=cell.get("cadence") or None,
        lang=cell.get("lang") or None,
        formal=_yes(cell, "formal"),
        archived=_yes(cell, "archived", False),
        do_not_contact=_yes(cell, "do_not_contact", False),
        # Absent or empty: consent as a new client has it; "no": withdrawn.
        email_consent=_yes(cell, "email_consent"),
        sms_consent=_yes(cell, "sms_consent"),
        shared_contact=_yes(cell, "shared_contact"),
    )


_CRM_ADDRESS = ("street", "postcode", "city", "region", "country")


# LinkedIn's Connections.csv (Settings > Data privacy > Get a copy of your data). Recent
# exports start with a few "Notes:" lines before the header: read_csv skips them.
LINKEDIN_HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _linkedin_detect(h: set[str]) -> bool:
    return {"Connected On", "Position"} <= h or {"URL", "Email Address", "Position"} <= h


def _linkedin_required(h: set[str]) -> list[str]:
    return _need(h, ("First Name", "Last Name"))


def _linkedin_date(text: str) -> str:
    """``03 Dec 2023`` (LinkedIn writes English month names) as ISO; else as written."""
    parts = text.split()
    if len(parts) == 3 and parts[1][:3].lower() in _MONTHS and parts[0].isdigit():
        month = _MONTHS.index(parts[1][:3].lower()) + 1
        if parts[2].isdigit():
            return f"{int(parts[2]):04d}-{month:02d}-{int(parts[0]):02d}"
    return text


def _linkedin_read(row: dict[str, str], source: str) -> Contact:
    connected = _get(row, "Connected On")
    return Contact(
        source=source,
        name=_joined(_get(row, "First Name"), _get(row, "Last Name")) or None,
        emails=[_get(row, "Email Address")],
        company=_get(row, "Company") or None,
        job_title=_get(row, "Position") or None,
        urls=[_get(row, "URL")],
        since=_linkedin_date(connected) if connected else None,
    )


# Roundcube's "all fields" CSV: Outlook-like, but "Email Home", "Email Work", "Email Other",
# "Work City", "IM Skype", "Website Blog"... (Roundcube's tests/src/Csv2vcard/all.csv).
def _roundcube_detect(h: set[str]) -> bool:
    return bool({"Email Home", "Email Work", "Email Other"} & h)


def _roundcube_required(h: set[str]) -> list[str]:
    return _need(h, ("Display Name", "First Name", "Last Name"))


ROUNDCUBE_PHONES = (
    "Home Mobile",
    "Primary Phone",
    "Business Phone",
    "Business Phone 2",
    "Home Phone",
    "Home Phone 2",
    "Other Phone",
    "Car Phone",
)


def _roundcube_read(row: dict[str, str], source: str) -> Contact:
    parts = _joined(_get(row, "First Name"), _get(row, "Middle Name"), _get(row, "Last Name"))
    name = _get(row, "Display Name") or parts
    address = _first_address(
        row,
        tuple(f"Home {p}" for p in ("Street", "Zip", "City", "State", "Country")),
        tuple(
            f"{p}"
            for p in ("Business Street", "Work Zip", "Work City", "Work State", "Work Country")
        ),
        tuple(f"Other {p}" for p in ("Street", "Postal Code", "City", "State", "Country/Region")),
    )
    ims = [(c[3:].lower(), row.get(c) or "") for c in sorted(row) if c.startswith("IM ")]
    return Contact(
        source=source,
        name=name or None,
        emails=[_get(row, c) for c in ("Email Home", "Email Work", "Email Other")],
        phones=[_get(row, c) for c in ROUNDCUBE_PHONES],
        company=_get(row, "Company") or None,
        city=address.get("city") if address else None,
        birthday=_get(row, "Birthday") or None,
        note=_get(row, "Notes") or None,
        tags=[t.strip() for t in _get(row, "Categories").split(";") if t.strip()],
        job_title=_get(row, "Job Title") or None,
        urls=[row.get(c) or "" for c in sorted(row) if c.startswith("Website ")],
        nicknames=[_get(row, "Nickname")],
        address=address,
        anniversaries=[("anniversary", _get(row, "Anniversary"))],
        ims=ims,
    )


_EXPECTED = {
    "google": ("First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value", "Labels"),
    "outlook": ("First Name", "Last Name", "E-mail Address", "Mobile Phone", "Categories"),
    "thunderbird": ("First Name", "Last Name", "Display Name", "Primary Email"),
    "crm": ("id", "name", "emails", "phones"),
    "linkedin": ("First Name", "Last Name", "Email Address", "Company", "Position"),
    "roundcube": ("Display Name", "Email Home", "Email Work", "Email Other"),
}
_TITLES = {
    "google": "Google Contacts",
    "outlook": "Outlook",
    "thunderbird": "Thunderbird",
    "crm": "crm",
    "linkedin": "LinkedIn",
    "roundcube": "Roundcube",
}

FORMAT_SPECS: dict[str, Format] = {
    name: Format(name, _TITLES[name], _EXPECTED[name], detect, required, read)
    for name, detect, required, read in (
        # crm first: its header is the most specific; Google before Outlook, whose
        # columns Google's older export partly shares.
        ("crm", _crm_detect, _crm_required, _crm_read),
        ("google", _google_detect, _google_required, _google_read),
        ("thunderbird", _thunderbird_detect, _thunderbird_required, _thunderbird_read),
        # Before Outlook: both have "Company"; LinkedIn's "Email Address" and Roundcube's
        # "Email Home" are theirs alone.
        ("linkedin", _linkedin_detect, _linkedin_required, _linkedin_read),
        ("roundcube", _roundcube_detect, _roundcube_required, _roundcube_read),
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
        shown = ", ".join(h for h in header[:40] if h) + (", ..." if len(header) > 40 else "")
        raise InvalidValue(
            f"{name}: cannot tell which program wrote this CSV from its header ({shown}); "
            f"expected the columns of {_expected_all()}; or say which column is which with "
            '--map "name=COLUMN,email=COLUMN,phone=COLUMN"'
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


class _Tracked(dict[str, str]):
    """A row that remembers which columns a reader looked at: the rest was not kept."""

    def __init__(self, row: dict[str, str]) -> None:
        super().__init__(row)
        self.read: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)


# Values programs write in a column that hold nothing: Outlook's empty date, its
# default gender, priority and sensitivity, and the type of each of its emails.
_PLACEHOLDERS = frozenset(
    {"0/0/00", "0/0/0000", "00/00/0000", "00.00.00", "unspecified", "normal", "smtp", "false"}
    | {"aus", "nicht angegeben"}  # German Outlook: Privat "Aus", Geschlecht "Nicht angegeben"
)


@dataclass
class CsvFile:
    format: Format
    rows: list[tuple[str, dict[str, str]]]  # (source, row) for each non-empty row
    warnings: list[str]
    # The header as the file wrote it, when it was translated (a localised Outlook).
    original: dict[str, str] = field(default_factory=dict)

    def contact(self, source: str, row: dict[str, str]) -> Contact:
        """The row as a contact, with the columns it did not keep (non-empty cells)."""
        tracked = _Tracked(row)
        contact = self.format.read(tracked, source)
        for column, value in row.items():
            text = value.strip()
            if column not in tracked.read and text and text.casefold() not in _PLACEHOLDERS:
                contact.not_kept.append(f'column "{self.original.get(column, column)}"')
        return contact


_PREAMBLE = re.compile(r"notes?:", re.IGNORECASE)


def _skip_preamble(text: str) -> tuple[str, int]:
    """LinkedIn's Connections.csv opens with "Notes:", a quoted note and a blank line:
    the text from its header on, and how many lines were skipped."""
    if not _PREAMBLE.match(text.lstrip()):
        return text, 0
    lines = text.split("\n")
    for i, line in enumerate(lines[:20]):
        if line.lstrip('"').startswith("First Name"):
            return "\n".join(lines[i:]), i
    return text, 0


def read_header(text: str, name: str) -> tuple[list[str], Any]:
    """The sheet's header (cells stripped) and a reader positioned after it."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidValue(f"{name} is empty") from None
    except csv.Error as exc:
        raise InvalidValue(f"{name}: line 1 is not valid CSV: {exc}") from None
    return header, reader


def read_csv(text: str, name: str, wanted: str = "auto", mapping: str | None = None) -> CsvFile:
    """The rows of a CSV export, its format told from the header (``wanted``: auto or a
    name), or read with a ``--map`` of its columns."""
    # A long note is no reason to refuse a file: the size limit is checked before.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    text, skipped = _skip_preamble(text)
    header, reader = read_header(text, name)
    original: dict[str, str] = {}
    if mapping is not None:
        from crm_cli.interchange.csv_mapping import mapped_reader, parse_map

        fields = parse_map(mapping, header, name)
        spec = Format("mapped", "mapped", (), lambda h: True, lambda h: [], mapped_reader(fields))
    else:
        spec = _localised(header, wanted, original) or detect_format(header, wanted, name)
        if original:
            english = {v: k for k, v in original.items()}  # as written -> English
            header = [english.get(h, h) for h in header]
    rows: list[tuple[str, dict[str, str]]] = []
    warnings: list[str] = []
    number = 1
    try:
        for number, cells in enumerate(reader, 2 + skipped):
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
    return CsvFile(spec, rows, warnings, original)


def _localised(header: list[str], wanted: str, original: dict[str, str]) -> Format | None:
    """Outlook in German, French, Italian or Spanish; fills ``original`` (English -> as
    written) with the columns it renamed."""
    if wanted not in ("auto", "outlook"):
        return None
    columns = {h for h in header if h}
    if wanted == "auto" and any(
        spec.detect(columns) and not spec.required(columns) for spec in FORMAT_SPECS.values()
    ):
        return None
    from crm_cli.interchange.csv_outlook_i18n import translate

    found = translate(header)
    if found is None:
        return None
    language, english = found
    spec = FORMAT_SPECS["outlook"]
    if not spec.detect(set(english)) or spec.required(set(english)):
        return None
    original.update({e: h for h, e in zip(header, english, strict=True) if e != h})
    return replace(spec, title=f"Outlook ({language})")


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
        "job_title": client.job_title or "",
        "urls": "\n".join(client.urls),
        "nicknames": "\n".join(client.nicknames),
        **{
            k: (client.address or {}).get(k) or ""
            for k in ("street", "postcode", "region", "country")
        },
        "anniversaries": "\n".join(f"{a['date']} {a['label']}" for a in client.anniversaries),
        "ims": "\n".join(f"{i['service']}:{i['handle']}" for i in client.ims),
        "formal": {True: "yes", False: "no", None: ""}[client.formal],
        "email_consent": "" if client.email_consent else "no",
        "sms_consent": "" if client.sms_consent else "no",
        "shared_contact": "yes" if client.shared_contact else "",
    }
    return [neutralise(values[c]) for c in CRM_COLUMNS]


def clients_csv(clients: list[Client]) -> str:
    """crm's CSV: a header and one row per client (private notes are never written)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CRM_COLUMNS)
    writer.writerows(_client_row(c) for c in clients)
    return out.getvalue()
