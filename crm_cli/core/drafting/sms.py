"""SMS length: GSM 03.38 (7-bit) or UCS-2, and how many segments a text takes.

GSM-7 fits 160 septets in one message and 153 per segment once a message is
split (the user data header takes the rest); a character of the extension
table costs two septets (escape + character). Any character outside both
tables turns the whole message into UCS-2: 70 UTF-16 code units alone, 67 per
segment, so an emoji (a surrogate pair) costs two.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GSM_BASIC", "GSM_EXTENSION", "SmsInfo", "sms_info"]

# GSM 03.38 default alphabet, in table order (0x00-0x7F; 0x1B is the escape, left out).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"  # the escape (0x1B) sits between Ξ and Æ
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (0x1B + code). \x0c is the form feed.
GSM_EXTENSION = frozenset("\x0c^{}\\[~]|€")

_GSM_SINGLE, _GSM_MULTI = 160, 153
_UCS2_SINGLE, _UCS2_MULTI = 70, 67
WARN_SEGMENTS = 2


@dataclass(frozen=True)
class SmsInfo:
    """How an SMS text is encoded and how many segments it takes."""

    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # at least 1, even for an empty text
    per_segment: int  # 160/153 (GSM-7) or 70/67 (UCS-2)
    non_gsm: tuple[str, ...] = ()  # the characters that forced UCS-2, in order of appearance

    @property
    def too_long(self) -> bool:
        return self.segments > WARN_SEGMENTS

    def describe(self) -> str:
        """One line for the CLI, e.g. ``GSM-7, 1 segment (112/160 characters)``."""
        kind = "characters" if self.encoding == "GSM-7" else "UTF-16 units"
        plural = "segment" if self.segments == 1 else "segments"
        text = f"{self.encoding}, {self.segments} {plural} ({self.units}/"
        text += f"{self.per_segment * self.segments} {kind})"
        if self.non_gsm:
            text += f"; UCS-2 because of {' '.join(repr(c) for c in self.non_gsm[:5])}"
        return text

    def warning(self) -> str | None:
        """A warning past two segments: long texts cost more and may arrive split."""
        if not self.too_long:
            return None
        return f"the SMS takes {self.segments} segments ({self.describe()}): consider shortening it"


def _pack(costs: list[int], size: int) -> int:
    """Segments needed when no character may straddle two segments.

    An escape+character pair or a surrogate pair cannot be split, so a 2-unit
    character that would start at the last free unit moves to the next segment.
    """
    segments, used = 1, 0
    for cost in costs:
        if used + cost > size:
            segments += 1
            used = 0
        used += cost
    return segments


def sms_info(text: str) -> SmsInfo:
    """Encoding, length in units and segment count of ``text`` as a phone would send it."""
    non_gsm: list[str] = []
    for ch in text:
        if ch not in GSM_BASIC and ch not in GSM_EXTENSION and ch not in non_gsm:
            non_gsm.append(ch)
    if not non_gsm:
        costs = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        single, multi, encoding = _GSM_SINGLE, _GSM_MULTI, "GSM-7"
    else:
        # surrogatepass: a lone surrogate from odd input still counts as one unit.
        costs = [len(ch.encode("utf-16-le", "surrogatepass")) // 2 for ch in text]
        single, multi, encoding = _UCS2_SINGLE, _UCS2_MULTI, "UCS-2"
    units = sum(costs)
    if units <= single:
        return SmsInfo(encoding, units, 1, single, tuple(non_gsm))
    return SmsInfo(encoding, units, _pack(costs, multi), multi, tuple(non_gsm))
