"""vCard in (2.1, 3.0, 4.0, as phones and mail clients write them) and out (3.0), with vobject.

vobject parses the content lines (groups such as ``item1.EMAIL``, parameters,
quoting); what real files get wrong is mended here first, card by card, so
that one bad card costs only itself:

* line endings: CR LF, LF, lone CR, and the CR CR LF of some iPhone exports;
* the file is split into cards here (``BEGIN:VCARD`` ... ``END:VCARD``), each
  parsed on its own; a card that cannot be read is reported with its number
  and line, the others still import;
* vCard 2.1 quoted-printable values (soft line breaks, ``CHARSET=``) are
  decoded here, with a Windows-1252 fallback for bytes that are not valid in
  the declared charset, since vobject gives up on the whole card there;
* photos, logos, sounds and keys are dropped before parsing: they are not kept
  and are most of the bytes of a phone's export.

Values are then read leniently here: vobject's own value decoding splits an
unescaped comma in ``FN`` (which Gmail writes) and drops the rest of the name.

Export writes vCard 3.0 (what khard, vdirsyncer, Apple, Google and Outlook
all read) with a stable ``UID`` per client; a birthday without a year is
written ``--MMDD`` (RFC 6350, the ISO 8601 truncated form RFC 2426 points to),
which khard and vobject read back; private notes are never written.
"""

from __future__ import annotations

import codecs
import quopri
import re
from dataclasses import dataclass, field
from typing import Any

# Re-exported: the UIDs are a card's business as much as the matching's.
from crm_cli.core.card_identity import UID_NAMESPACE as UID_NAMESPACE
from crm_cli.core.card_identity import card_uid, client_uid
from crm_cli.core.contacts_import import Contact
from crm_cli.core.models import Client
from crm_cli.errors import InvalidValue
from crm_cli.interchange.text import decode_line, fallback_warning, prepare

PRODID = "-//crm//crm-cli//EN"

_DROPPED = {"PHOTO", "LOGO", "SOUND", "KEY"}
_NOT_A_PHONE = {"FAX", "PAGER"}
_BEGIN = b"BEGIN:VCARD"
_END = b"END:VCARD"


# -- reading ------------------------------------------------------------------------


@dataclass
class RawCard:
    """The physical lines of one card, as bytes, with their line numbers in the file."""

    number: int  # position in the file, from 1
    line: int  # line of its BEGIN:VCARD
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    error: str | None = None


def split_cards(data: bytes, name: str) -> list[RawCard]:
    """The cards of a file; raises ``InvalidValue`` if it is empty, binary or holds none."""
    data = prepare(data, name)
    data = data.replace(b"\r\r\n", b"\n").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    cards: list[RawCard] = []
    current: RawCard | None = None
    for number, line in enumerate(data.split(b"\n"), 1):
        key = line.strip().upper()
        if key == _BEGIN:
            if current is not None:  # a card without its END: report it, go on
                current.error = f"it has no END:VCARD before the next card (line {number})"
                cards.append(current)
            current = RawCard(len(cards) + 1, number, [(number, line)])
        elif current is not None:
            current.lines.append((number, line))
            if key == _END:
                cards.append(current)
                current = None
        # text outside cards is ignored, as every reader does
    if current is not None:
        current.error = "it has no END:VCARD: the file ends inside it"
        cards.append(current)
    if not cards:
        raise InvalidValue(f"{name} holds no vCard (no BEGIN:VCARD line)")
    return cards


_PARAM = re.compile(rb'(?:[^;"]|"[^"]*")+')


def _head_value(line: bytes) -> tuple[bytes, bytes] | None:
    """``(name and parameters, value)``, split at the first colon outside quotes."""
    quoted = False
    for i, byte in enumerate(line):
        if byte == 0x22:  # "
            quoted = not quoted
        elif byte == 0x3A and not quoted:  # :
            return line[:i], line[i + 1 :]
    return None


def _param_parts(head: bytes) -> list[bytes]:
    return _PARAM.findall(head)


def _prop_name(head: bytes) -> str:
    name = _param_parts(head)[0] if head else b""
    return name.split(b".")[-1].strip().decode("ascii", "replace").upper()


def _charset(parts: list[bytes]) -> str | None:
    for part in parts[1:]:
        if part.upper().startswith(b"CHARSET="):
            label = part[8:].strip(b'"').decode("ascii", "replace")
            try:
                return codecs.lookup(label).name
            except LookupError:
                return None
    return None


def _is_qp(line: bytes) -> bool:
    split = _head_value(line)
    return split is not None and b"QUOTED-PRINTABLE" in split[0].upper()


class _Card:
    """Mends one card's lines into text vobject can parse."""

    def __init__(self, raw: RawCard) -> None:
        self.raw = raw
        self.lines: list[tuple[int, str]] = []  # logical lines with their first line number
        self.fallback: list[int] = []

    def _decode(self, data: bytes, number: int, charset: str | None = None) -> str:
        if charset and charset != "utf-8":
            try:
                return data.decode(charset)
            except UnicodeDecodeError:
                pass
        text, fell_back = decode_line(data)
        if fell_back:
            self.fallback.append(number)
        return text

    def _finish(self, number: int, line: bytes, qp: bool) -> None:
        split = _head_value(line)
        if split is None:  # not a content line: vobject will say so, with its line
            self.lines.append((number, self._decode(line, number)))
            return
        head, value = split
        if _prop_name(head) in _DROPPED:
            # Not parsed (the bytes of a photo), but named: the import says it did not keep it.
            self.lines.append((number, _prop_name(head) + ":"))
            return
        parts = _param_parts(head)
        charset = _charset(parts)
        if not qp:
            self.lines.append((number, self._decode(line, number, charset)))
            return
        # Quoted-printable (vCard 2.1): decode here, write the value as vCard 3 would.
        text = self._decode(quopri.decodestring(value), number, charset)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        kept = [
            p
            for p in parts
            if p.strip().upper() not in (b"QUOTED-PRINTABLE", b"ENCODING=QUOTED-PRINTABLE")
            and not p.strip().upper().startswith(b"CHARSET=")
        ]
        self.lines.append((number, self._decode(b";".join(kept), number) + ":" + text))

    def logical_lines(self) -> list[tuple[int, str]]:
        """The card's logical lines (with their first line number in the file)."""
        current: bytearray | None = None
        start = 0
        qp = False
        for number, line in self.raw.lines:
            if current is not None and qp and current.endswith(b"="):
                if not line.strip():  # a blank line ends a value whatever its last byte
                    self._finish(start, bytes(current[:-1]), qp)
                    current = None
                else:  # a soft line break: the value goes on, unindented
                    current[-1:] = line
                continue
            if current is not None and line[:1] in (b" ", b"\t"):
                current += line[1:]  # folded line (RFC 2425)
                continue
            if current is not None:
                self._finish(start, bytes(current), qp)
                current = None
            if line.strip():
                current, start, qp = bytearray(line), number, _is_qp(line)
        if current is not None:
            self._finish(start, bytes(current), qp)
        return self.lines


# RFC 6350's escapes, plus ``\:`` and ``\"`` that Gmail and Apple write.
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\", '"': '"'}


def _unescape(value: str) -> str:
    """vCard text escapes undone; an unknown escape (a Windows path) is kept as written."""
    if "\\" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append(_ESCAPES.get(nxt, ch + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split(value: str, sep: str) -> list[str]:
    """``value`` split at each ``sep`` that is not escaped; the parts still escaped."""
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            buf.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _types(line: Any) -> set[str]:
    found = {p.upper() for p in line.singletonparams}
    for value in line.params.get("TYPE", []):
        found.update(t.strip().upper() for t in value.split(","))
    if line.params.get("PREF"):
        found.add("PREF")
    return found


def _values(card: dict[str, list[Any]], name: str) -> list[Any]:
    return list(card.get(name, []))


def _first_text(card: dict[str, list[Any]], name: str) -> str | None:
    for line in _values(card, name):
        text = _unescape(line.value).strip()
        if text:
            return text
    return None


def _name_from_n(card: Any) -> str | None:
    for line in _values(card, "n"):
        parts = [*_split(line.value, ";"), "", "", ""]
        family, given, additional = (
            " ".join(_unescape(p).strip() for p in _split(part, ",") if p.strip())
            for part in parts[:3]
        )
        name = " ".join(p for p in (given, additional, family) if p)
        if name:
            return name
    return None


def _phone(line: Any) -> str | None:
    types = _types(line)
    if types & _NOT_A_PHONE and not types & {"VOICE", "CELL"}:
        return None
    value = _unescape(line.value).strip()
    if value[:4].lower() == "tel:":  # vCard 4 TEL;VALUE=uri: the number, no extension
        value = value[4:].split(";")[0]
    return value or None


def _birthday(card: Any) -> str | None:
    by_crm = any(PRODID in line.value for line in _values(card, "prodid"))
    for line in _values(card, "bday"):
        value = _unescape(line.value).strip()
        omit = (line.params.get("X-APPLE-OMIT-YEAR") or [""])[0]
        if omit and value.startswith(f"{omit}-"):  # Apple's placeholder year
            value = "--" + value[len(omit) + 1 :]
        elif not by_crm and (m := re.match(r"1900-?(\d\d)-?(\d\d)", value)):
            value = f"--{m[1]}-{m[2]}"  # a phone's "no year" (crm writes a real one, or none)
        if value:
            return value
    return None


def _addresses(card: Any) -> list[dict[str, str]]:
    """Every ADR with something in it, the preferred one first."""
    addresses = _values(card, "adr")
    addresses.sort(key=lambda line: "PREF" not in _types(line))  # stable: preferred first
    out = []
    for line in addresses:
        # PO box; extended; street; locality; region; postcode; country
        parts = [_unescape(p).strip() for p in [*_split(line.value, ";"), *[""] * 7][:7]]
        street = " ".join(p for p in (parts[2], parts[1], parts[0]) if p)
        found = {
            "street": " ".join(street.split()),
            "postcode": parts[5],
            "city": parts[3],
            "region": parts[4],
            "country": parts[6],
        }
        if any(found.values()):
            out.append(found)
    return out


def _city(card: Any) -> str | None:
    return next((a["city"] for a in _addresses(card) if a["city"]), None)


# Properties that say something about the file, not the person: nothing is lost without them.
_META = {
    "VERSION",
    "PRODID",
    "REV",
    "UID",
    "KIND",
    "X-ABUID",
    "X-ABSHOWAS",
    "X-GENERATOR",
    "MAILER",
    "PROFILE",
    "NAME",
    "SOURCE",
    "SORT-STRING",
    "X-EVOLUTION-FILE-AS",
    "X-MS-OL-DESIGN",
    "X-MS-OL-DEFAULT-POSTAL-ADDRESS",
}
# Anniversaries: vCard 4, and what Evolution, Outlook, KDE and Apple (X-ABDATE) write.
_ANNIVERSARIES = ("anniversary", "x-anniversary", "x-evolution-anniversary", "x-ms-anniversary")
# IM handles in their own properties (vCard 3 clients) -> the service.
_IM_PROPS = {
    "x-jabber": "jabber",
    "x-skype": "skype",
    "x-skype-username": "skype",
    "x-aim": "aim",
    "x-icq": "icq",
    "x-msn": "msn",
    "x-yahoo": "yahoo",
    "x-google-talk": "google talk",
    "x-gadugadu": "gadu-gadu",
    "x-qq": "qq",
    "x-twitter": "twitter",
    "x-ms-imaddress": "im",
}
_USED = {
    "fn",
    "n",
    "email",
    "tel",
    "org",
    "adr",
    "bday",
    "categories",
    "note",
    "title",
    "url",
    "nickname",
    "impp",
    "x-abdate",
    "x-ablabel",
    "x-abadr",  # Apple: the country code of an ADR of its group
    "label",  # the printed form of an ADR
    *_ANNIVERSARIES,
    *_IM_PROPS,
}
# Groups every address book has, not the user's: they are not tags.
_SYSTEM_GROUPS = {"my contacts", "mycontacts", "starred", "starred in android"}
_URI_SERVICES = {"xmpp": "jabber", "msnim": "msn", "ymsgr": "yahoo", "sip": "sip"}


def _labels(card: Any) -> dict[str, str]:
    """Apple's ``itemN.X-ABLabel`` by group: the label of the other property of the group."""
    return {
        line.group.lower(): _unescape(line.value).strip()
        for line in _values(card, "x-ablabel")
        if line.group
    }


def _anniversaries(card: Any, labels: dict[str, str]) -> list[tuple[str, str]]:
    out = [
        ("anniversary", _unescape(line.value).strip())
        for name in _ANNIVERSARIES
        for line in _values(card, name)
    ]
    for line in _values(card, "x-abdate"):
        label = labels.get((line.group or "").lower(), "") or "anniversary"
        out.append((label, _unescape(line.value).strip()))
    return out


def _ims(card: Any) -> list[tuple[str, str]]:
    out = []
    for line in _values(card, "impp"):
        value = _unescape(line.value).strip()
        scheme, sep, handle = value.partition(":")
        if not sep:
            scheme, handle = "", value
        service = (line.params.get("X-SERVICE-TYPE") or [""])[0] or scheme
        out.append((_URI_SERVICES.get(service.lower(), service.lower()) or "im", handle))
    for name, service in _IM_PROPS.items():
        out.extend((service, _unescape(line.value).strip()) for line in _values(card, name))
    return out


def _not_kept(card: Any) -> list[str]:
    """A property name for each value the card holds that crm does not keep."""
    out = []
    for name, lines in card.items():
        upper = name.upper()
        if upper in _META:
            continue
        if name not in _USED:
            out.extend([upper] * len(lines))
    out.extend("TEL (fax or pager)" for line in _values(card, "tel") if _phone(line) is None)
    # A label is kept with an anniversary; the label of a phone or a web page is not.
    dated = {(line.group or "").lower() for line in _values(card, "x-abdate")}
    out.extend(
        "X-ABLABEL"
        for line in _values(card, "x-ablabel")
        if (line.group or "").lower() not in dated
    )
    out.extend(["ADR"] * max(0, len(_addresses(card)) - 1))
    out.extend(
        ["TITLE"] * max(0, sum(1 for line in _values(card, "title") if line.value.strip()) - 1)
    )
    return out


def _company(card: Any) -> str | None:
    for line in _values(card, "org"):
        company = _unescape(_split(line.value, ";")[0]).strip()
        if company:
            return company
    return None


def to_contact(card: dict[str, list[Any]], source: str) -> Contact:
    """A card's content lines (vobject's, values still escaped) as a neutral contact."""
    emails = []
    for line in _values(card, "email"):
        value = _unescape(line.value).strip()
        emails.append(value[7:] if value[:7].lower() == "mailto:" else value)
    notes = [_unescape(line.value).strip() for line in _values(card, "note")]
    tags = [
        _unescape(part).strip()
        for line in _values(card, "categories")
        for part in _split(line.value, ",")
    ]
    addresses = _addresses(card)
    labels = _labels(card)
    nicknames = [
        _unescape(part).strip()
        for line in _values(card, "nickname")
        for part in _split(line.value, ",")
    ]
    urls = [_unescape(line.value).strip() for line in _values(card, "url")]
    return Contact(
        source=source,
        name=_first_text(card, "fn") or _name_from_n(card),
        emails=[e for e in emails if e],
        phones=[p for p in map(_phone, _values(card, "tel")) if p],
        company=_company(card),
        city=_city(card),
        birthday=_birthday(card),
        note="\n".join(n for n in notes if n) or None,
        tags=[t for t in tags if t and t.casefold() not in _SYSTEM_GROUPS],
        job_title=_first_text(card, "title"),
        urls=[u for u in urls if u],
        nicknames=[n for n in nicknames if n],
        address=addresses[0] if addresses else None,
        anniversaries=_anniversaries(card, labels),
        ims=_ims(card),
        not_kept=_not_kept(card),
    )


def parse_card(raw: RawCard, name: str) -> Contact:
    """One card as a contact, or a contact carrying the reason it cannot be read."""
    from vobject.base import textLineToContentLine

    source = f"{name}: card {raw.number} (line {raw.line})"
    if raw.error:
        return Contact(source, error=raw.error)
    mended = _Card(raw)
    # vobject's content-line parser, without its component layer: that decodes values
    # by the VERSION's rules as soon as it sees them, which loses Gmail's FN (above).
    contents: dict[str, list[Any]] = {}
    for number, text in mended.logical_lines():
        try:
            line = textLineToContentLine(text, number)
        except Exception as exc:  # vobject raises ParseError, VObjectError, ValueError...
            reason = " ".join(str(getattr(exc, "msg", exc)).split())
            return Contact(source, error=f"line {number} cannot be read: {reason}")
        if line.name not in ("BEGIN", "END"):
            contents.setdefault(line.name.lower(), []).append(line)
    contact = to_contact(contents, source)
    contact.uid = _first_text(contents, "uid")  # which client it is, on a re-import
    if mended.fallback:
        contact.warnings.insert(0, fallback_warning("", mended.fallback))
    return contact


def _raw_props(raw: RawCard) -> list[tuple[str, str]]:
    """``(NAME, value)`` of a card's unfolded lines, parameters and groups left out."""
    out: list[tuple[str, str]] = []
    for _, line in raw.lines:
        if line[:1] in (b" ", b"\t") and out:
            name, value = out[-1]
            out[-1] = (name, value + line[1:].decode("utf-8", "replace").rstrip("\r"))
            continue
        split = _head_value(line)
        if split is not None:
            value = split[1].decode("utf-8", "replace").rstrip("\r")
            out.append((_prop_name(split[0]), value))
    return out


@dataclass
class AppleGroups:
    """Apple's group cards (iCloud, macOS Contacts over CardDAV): a card per group that
    lists its members' UIDs. The groups become tags of their members."""

    groups: dict[tuple[str, int], tuple[str, int]] = field(
        default_factory=dict
    )  # card: (name, members)
    tags: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # member card: groups


def apple_groups(cards: list[tuple[str, RawCard]]) -> AppleGroups:
    """The group cards among ``cards`` (file name, card) and the tags of their members."""
    found = AppleGroups()
    members: dict[str, list[str]] = {}
    uids: dict[tuple[str, int], str] = {}
    for name, raw in cards:
        props = _raw_props(raw)
        kind = next((v for k, v in props if k in ("X-ADDRESSBOOKSERVER-KIND", "KIND")), "")
        uid = next((v.strip() for k, v in props if k == "UID"), "")
        if kind.strip().lower() != "group":
            if uid:
                uids[(name, raw.number)] = uid.removeprefix("urn:uuid:")
            continue
        title = _unescape(next((v for k, v in props if k == "FN"), "")).strip()
        listed = [
            v.strip().removeprefix("urn:uuid:")
            for k, v in props
            if k in ("X-ADDRESSBOOKSERVER-MEMBER", "MEMBER")
        ]
        found.groups[(name, raw.number)] = (title, len(listed))
        if title:
            for member in listed:
                members.setdefault(member, []).append(title)
    for card, uid in uids.items():
        if uid in members:
            found.tags[card] = members[uid]
    return found


# -- writing ------------------------------------------------------------------------


def _name_parts(name: str) -> tuple[str, str]:
    """``(family, given)``: a guess (the last word is the family name) for N, which
    readers want; crm itself reads FN back."""
    words = name.split()
    if len(words) < 2:
        return "", name
    return words[-1], " ".join(words[:-1])


def client_vcard(client: Client) -> str:
    """One client as a vCard 3.0 (CRLF line ends, folded), private notes left out."""
    import vobject
    from vobject.vcard import Address, Name

    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("prodid").value = PRODID
    card.add("uid").value = card_uid(client)
    card.add("fn").value = client.name
    family, given = _name_parts(client.name)
    card.add("n").value = Name(family=family, given=given)
    for email in client.emails:
        line = card.add("email")
        line.value = email
        line.type_param = "INTERNET"
    for phone in client.phones:
        line = card.add("tel")
        line.value = phone
        line.type_param = "CELL" if phone in client.mobiles else "VOICE"
    if client.company:
        card.add("org").value = [client.company]
    if client.birthday:
        card.add("bday").value = (
            "--" + client.birthday[2:].replace("-", "")
            if client.birthday.startswith("--")
            else client.birthday
        )
    address = client.address or {}
    if client.city or address:
        card.add("adr").value = Address(
            street=address.get("street") or "",
            city=client.city or "",
            region=address.get("region") or "",
            code=address.get("postcode") or "",
            country=address.get("country") or "",
        )
    if client.tags:
        card.add("categories").value = list(client.tags)
    if client.note:
        card.add("note").value = client.note
    if client.job_title:
        card.add("title").value = client.job_title
    for url in client.urls:
        card.add("url").value = url
    for nickname in client.nicknames:  # one a line: vobject escapes the commas of each
        card.add("nickname").value = nickname
    for number, entry in enumerate(client.anniversaries, 1):
        # Apple's form, which vCard 3 readers keep: a dated X-ABDATE and its label.
        day = entry["date"]
        line = card.add(f"item{number}.x-abdate")
        line.value = "--" + day[2:].replace("-", "") if day.startswith("--") else day
        label = entry["label"]
        card.add(f"item{number}.x-ablabel").value = (
            "_$!<Anniversary>!$_" if label == "anniversary" else label
        )
    for entry in client.ims:
        line = card.add("impp")
        service = entry["service"]
        scheme = re.sub(r"[^a-z0-9+.-]", "", service.lower()) or "im"
        line.value = f"{scheme}:{entry['handle']}"
        line.params["X-SERVICE-TYPE"] = [service]
    return str(card.serialize())


def vcards(clients: list[Client]) -> bytes:
    return "".join(client_vcard(c) for c in clients).encode("utf-8")


def vdir_name(client: Client) -> str:
    """The file of a client in a vdir: its id, or its UID when the id is not a safe name."""
    if re.fullmatch(r"[\w-]+", client.id) and not client.id.startswith("-"):
        return f"{client.id}.vcf"
    return f"{client_uid(client.id)}.vcf"


_UID_LINE = re.compile(
    rb"^(?:[\w-]+\.)?UID(?:;[^:\r\n]*)?:([^\r\n]*)", re.IGNORECASE | re.MULTILINE
)


def file_uid(data: bytes) -> str | None:
    """The UID of the (first) card in a .vcf file, read without parsing the card."""
    found = _UID_LINE.search(re.sub(rb"\r?\n[ \t]", b"", data))
    if found is None:
        return None
    return found[1].decode("utf-8", "replace").strip() or None


def written_by_crm(data: bytes) -> bool:
    """Whether a .vcf file in a vdir was written by this export (so it may be replaced)."""
    return f"PRODID:{PRODID}".encode() in data.replace(b"\r\n ", b"")
