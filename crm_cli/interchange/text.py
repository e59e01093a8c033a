"""Bytes of an imported file to text, whatever the program that wrote it chose.

UTF-8 is read strictly; a line that is not valid UTF-8 is read as Windows-1252
(the usual culprit: Latin-1 text pasted into a "UTF-8" file), with a warning
naming the lines, so one stray line does not garble the rest of the file.
A UTF-8 byte-order mark is dropped; UTF-16 (with its mark, as Excel's
"Unicode text" writes it) is decoded as such.
"""

from __future__ import annotations

import codecs

from crm_cli.errors import InvalidValue

MAX_IMPORT_BYTES = 20 * 1024 * 1024
"""Files larger than this are refused: 20 MB holds about 100,000 plain contacts."""


def check_size(size: int, name: str) -> None:
    if size > MAX_IMPORT_BYTES:
        raise InvalidValue(
            f"{name} is {size / 1024 / 1024:.1f} MB: crm imports files up to "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB; split it (or export it without photos)"
        )


def decode_line(line: bytes) -> tuple[str, bool]:
    """A line as text, and whether it was not valid UTF-8 (then read as Windows-1252)."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
        try:
            return line.decode("cp1252"), True
        except UnicodeDecodeError:
            return line.decode("latin-1"), True


def _lines_label(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def prepare(data: bytes, name: str) -> bytes:
    """The file's bytes without a byte-order mark, UTF-16 recoded as UTF-8.

    Raises ``InvalidValue`` for an empty or binary file.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidValue(f"{name} is not valid UTF-16: {exc.reason}") from None
        data = text.encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data.strip():
        raise InvalidValue(f"{name} is empty")
    if b"\x00" in data:
        raise InvalidValue(f"{name} is not a text file (it holds binary data)")
    return data


def fallback_warning(name: str, numbers: list[int]) -> str:
    """The warning for lines read as Windows-1252; ``name`` (the file) may be empty."""
    prefix = f"{name}: " if name else ""
    return (
        f"{prefix}{_lines_label(numbers)} not valid UTF-8: read as Windows-1252 (Latin-1); "
        "check accented letters"
    )


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The text of a file, and warnings about how it was decoded.

    Raises ``InvalidValue`` for an empty or binary file.
    """
    data = prepare(data, name)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    fallback: list[int] = []
    for number, line in enumerate(data.splitlines(keepends=True), 1):
        text, fell_back = decode_line(line)
        parts.append(text)
        if fell_back:
            fallback.append(number)
    return "".join(parts), [fallback_warning(name, fallback)]
