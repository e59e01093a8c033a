"""The first `crm due` of a day, planned from the records: its fast paths give what
the reference paths give (the same table, the same memo records, the same clients)."""

from __future__ import annotations

from crm_cli.cli.output import table


def test_a_column_with_a_wide_name_is_padded_in_cells_without_clipping() -> None:
    # Nothing to clip (narrow enough for 80 columns), but one name takes two cells a
    # character: that column is padded by cells, the others by characters.
    text = table(
        ["#", "CLIENT", "VIA"],
        [["1", "王芳", "sms"], ["2", "Zoë Martin", "email"], ["10", "李 小龙", "call"]],
    )
    assert text.split("\n") == [
        "#   CLIENT      VIA",
        "1   王芳        sms",
        "2   Zoë Martin  email",
        "10  李 小龙     call",
    ]


def test_a_wide_header_and_narrow_cells() -> None:
    assert table(["名前", "N"], [["ab", "1"], ["abcdef", "22"]]).split("\n") == [
        "名前    N",
        "ab      1",
        "abcdef  22",
    ]
