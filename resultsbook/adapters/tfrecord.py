"""Split a TFRecord file (TensorBoard event files) into records, checking the masked CRC-32C of each.

Each record is `uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`,
little-endian. A cut-off last record (a writer still running, or killed) ends the file quietly;
a damaged record is skipped when its length can still be trusted, and both are reported.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

from resultsbook.models import Problem

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8


def _crc32c_table() -> list[int]:
    """Return the lookup table of the reflected Castagnoli polynomial."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c_python(data: bytes) -> int:
    """Return the CRC-32C of `data` in pure Python (slow: a few MB/s; the fallback only)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _compiled_crc32c() -> Callable[[bytes], int] | None:
    """Return google-crc32c's compiled CRC-32C, or None when it is not installed or not compiled."""
    try:
        import google_crc32c
    except ImportError:
        return None
    if getattr(google_crc32c, "implementation", "c") != "c":
        return None  # its own pure-Python fallback is no faster than ours
    return google_crc32c.value  # type: ignore[no-any-return]


crc32c: Callable[[bytes], int] = _compiled_crc32c() or crc32c_python


def masked_crc32c(data: bytes) -> int:
    """Return the masked CRC-32C that TFRecord stores after the length and after the data."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def iter_records(path: str, data: bytes, problems: list[Problem]) -> Iterator[bytes]:
    """Yield the data of each intact record of a TFRecord file's bytes, reporting damage.

    The length's own CRC is checked only when the data's CRC fails or the record runs past the end
    of the file (a wrong length would make the data CRC fail anyway): it tells a damaged record,
    which is skipped, from a damaged length, after which the file cannot be framed.
    """
    size = len(data)
    position = 0
    count = 0
    skipped = 0
    crc = crc32c
    unpack_length = _LENGTH.unpack_from
    unpack_crc = _CRC.unpack_from
    while position < size:
        if position + 12 > size:
            problems.append(_cut_off(path, count, position, size))
            return
        end = position + 12 + unpack_length(data, position)[0]
        if end + 4 > size:
            if _length_intact(data, position):
                problems.append(_cut_off(path, count, position, size))
            else:
                problems.append(_bad_length(path, count, skipped, position))
            return
        record = data[position + 12 : end]
        masked = crc(record)
        if ((((masked >> 15) | (masked << 17)) + _MASK_DELTA) & 0xFFFFFFFF) == unpack_crc(data, end)[0]:
            count += 1
            position = end + 4
            yield record
            continue
        if not _length_intact(data, position):
            problems.append(_bad_length(path, count, skipped, position))
            return
        skipped += 1
        problems.append(
            Problem(
                path,
                f"record {count + skipped} (byte {position}) is damaged (CRC mismatch)",
                "every other record",
            )
        )
        position = end + 4


def _length_intact(data: bytes, position: int) -> bool:
    """Tell whether the length field at `position` matches its masked CRC."""
    return masked_crc32c(data[position : position + 8]) == _CRC.unpack_from(data, position + 8)[0]


def _bad_length(path: str, count: int, skipped: int, position: int) -> Problem:
    """Return the report of a record whose length is damaged: nothing after it can be framed."""
    return Problem(
        path,
        f"record {count + skipped + 1} (byte {position}) has a damaged length (CRC mismatch)",
        f"the {count} record(s) before it; the rest of the file cannot be framed",
    )


def _cut_off(path: str, count: int, position: int, size: int) -> Problem:
    """Return the report of a last record cut off at the end of the file."""
    return Problem(
        path,
        f"last record is cut off at byte {position} of {size} (a run still writing, or killed?)",
        f"the {count} complete record(s) before it",
    )
