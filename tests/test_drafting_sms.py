"""SMS length: GSM-7 vs UCS-2 and segment counts, checked against hand-computed cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_cli.core.drafting.sms import GSM_BASIC, GSM_EXTENSION, SmsInfo, sms_info

FAST = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments", "per_segment"),
    [
        ("", "GSM-7", 0, 1, 160),
        ("a" * 160, "GSM-7", 160, 1, 160),
        ("a" * 161, "GSM-7", 161, 2, 153),
        ("a" * 306, "GSM-7", 306, 2, 153),
        ("a" * 307, "GSM-7", 307, 3, 153),
        # An extension character costs two septets: 159 + 2 = 161.
        ("a" * 159 + "€", "GSM-7", 161, 2, 153),
        ("a" * 158 + "€", "GSM-7", 160, 1, 160),
        ("[x]{y}", "GSM-7", 10, 1, 160),
        ("\x0c", "GSM-7", 2, 1, 160),
        # Any character outside GSM 03.38 makes the whole message UCS-2.
        ("È", "UCS-2", 1, 1, 70),
        ("a" * 70, "GSM-7", 70, 1, 160),
        ("È" * 70, "UCS-2", 70, 1, 70),
        ("È" * 71, "UCS-2", 71, 2, 67),
        ("È" * 134, "UCS-2", 134, 2, 67),
        ("È" * 135, "UCS-2", 135, 3, 67),
        # An emoji is a surrogate pair: two UTF-16 units.
        ("😀", "UCS-2", 2, 1, 70),
        ("😀" * 35, "UCS-2", 70, 1, 70),
        ("😀" * 36, "UCS-2", 72, 2, 67),
    ],
)
def test_hand_computed(
    text: str, encoding: str, units: int, segments: int, per_segment: int
) -> None:
    info = sms_info(text)
    assert (info.encoding, info.units, info.segments, info.per_segment) == (
        encoding,
        units,
        segments,
        per_segment,
    )


def test_italian_accents() -> None:
    # The lower-case grave/acute vowels of Italian are in the GSM basic table...
    assert sms_info("Ciao, è già lì? Sì, però più tardi. Perché no").encoding == "GSM-7"
    assert sms_info("à è é ì ò ù").encoding == "GSM-7"
    # ...but capital È, and á í ó ú â ê ç are not.
    for ch in "Èáíóúâêç":
        info = sms_info(f"Ciao {ch}")
        assert info.encoding == "UCS-2", ch
        assert info.non_gsm == (ch,)


def test_gsm_tables_exactly() -> None:
    gsm7 = "àèéìòùÇØøÅåÄÖÑÜ§¿¡äöñüßÉÆæΔΦΓΛΩΠΨΣΘΞ£¥¤@$_!\"#%&'()*+,-./:;<=>? \n\r"
    for ch in gsm7:
        assert ch in GSM_BASIC, repr(ch)
    assert set("€[]{}^~\\|\x0c") == set(GSM_EXTENSION)
    for ch in "È`çáíóúâêîôûÀÌÒÙ€\t":
        assert ch not in GSM_BASIC, repr(ch)
    # 128 code points minus the escape.
    assert len(GSM_BASIC) == 127


def test_escape_pair_never_split_across_segments() -> None:
    # 152 plain + "€" fills segment one exactly (154 > 153, so "€" moves on).
    info = sms_info("a" * 152 + "€" + "a" * 10)
    assert info.units == 164
    assert info.segments == 2
    # 152 + "€" + 152: ceil(306/153) would say 2, but "€" cannot straddle: 3.
    assert sms_info("a" * 152 + "€" + "a" * 152).segments == 3


def test_warning_past_two_segments() -> None:
    assert sms_info("a" * 306).warning() is None
    warning = sms_info("a" * 307).warning()
    assert warning is not None and "3 segments" in warning
    assert sms_info("hello").describe() == "GSM-7, 1 segment (5/160 characters)"
    assert "UCS-2 because of 'È'" in sms_info("È").describe()


@FAST
@given(st.text())
def test_never_crashes(text: str) -> None:
    info = sms_info(text)
    assert isinstance(info, SmsInfo)
    assert info.segments >= 1
    assert info.units >= 0
    assert info.encoding in ("GSM-7", "UCS-2")
    # Room for every unit, and each earlier segment full but for at most one unit
    # (a two-unit character that could not straddle).
    assert info.units <= info.per_segment * info.segments
    if info.segments > 1:
        assert info.units >= (info.per_segment - 1) * (info.segments - 1) + 1


@FAST
@given(st.text(alphabet=st.sampled_from(sorted(GSM_BASIC)), max_size=500))
def test_pure_gsm_counts_characters(text: str) -> None:
    info = sms_info(text)
    assert info.encoding == "GSM-7"
    assert info.units == len(text)
    expected = 1 if len(text) <= 160 else -(-len(text) // 153)
    assert info.segments == expected
