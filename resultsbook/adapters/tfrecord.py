"""Split a TFRecord file (TensorBoard event files) into records, checking the masked CRC-32C of each.

Each record is `uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`,
little-endian. A cut-off last record (a writer still running, or killed) ends the file quietly;
a damaged record is skipped when its length can still be trusted, and both are reported.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

import numpy as np

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
    return google_crc32c.value


crc32c: Callable[[bytes], int] = _compiled_crc32c() or crc32c_python


def masked_crc32c(data: bytes) -> int:
    """Return the masked CRC-32C that TFRecord stores after the length and after the data."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def iter_records(path: str, data: bytes, problems: list[Problem]) -> Iterator[bytes]:
    """Yield the data of each intact record of a TFRecord file's bytes, reporting damage."""
    starts, ends = frame_records(path, data, problems)
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield data[start:end]


def frame_records(path: str, data: bytes, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Return where the data of each intact record starts and ends, reporting damage.

    First the records are framed by their lengths alone, then every data CRC is checked at once.
    The length's own CRC is checked only for a record whose data CRC fails, or that runs past the
    end of the file: it tells a damaged record, which is skipped, from a damaged length, after
    which nothing can be framed (a wrong length makes the data CRC fail anyway).
    """
    size = len(data)
    unpack_length = _LENGTH.unpack_from
    heads: list[int] = []
    ends: list[int] = []
    position = 0
    while position + 12 <= size:
        end = position + 12 + unpack_length(data, position)[0]
        if end + 4 > size:
            break
        heads.append(position)
        ends.append(end)
        position = end + 4
    crc = crc32c
    computed = np.array([crc(data[head + 12 : end]) for head, end in zip(heads, ends)], dtype=np.uint64)
    buffer = np.frombuffer(data, dtype=np.uint8)
    end_array = np.array(ends, dtype=np.int64)
    stored = buffer[end_array[:, None] + np.arange(4)].view("<u4").ravel()
    masked = (
        ((computed >> np.uint64(15)) | (computed << np.uint64(17))) + np.uint64(_MASK_DELTA)
    ) & np.uint64(0xFFFFFFFF)
    damaged = np.flatnonzero(masked != stored).tolist()
    starts = np.array(heads, dtype=np.int64) + 12
    if damaged:
        keep, position = _drop_damaged(path, data, heads, ends, damaged, problems)
        starts, end_array = starts[keep], end_array[keep]
    if position < size:
        kept = len(starts)
        if position + 12 > size or _length_intact(data, position):
            problems.append(_cut_off(path, kept, position, size))
        else:
            problems.append(_bad_length(path, kept, len(damaged), position))
    return starts, end_array


def _drop_damaged(
    path: str, data: bytes, heads: list[int], ends: list[int], damaged: list[int], problems: list[Problem]
) -> tuple[list[int], int]:
    """Return the records to keep and where framing ended: skip the records whose data CRC fails,
    stop at one whose length is damaged too."""
    skip: set[int] = set()
    for index in damaged:
        if not _length_intact(data, heads[index]):
            problems.append(_bad_length(path, index - len(skip), len(skip), heads[index]))
            return [i for i in range(index) if i not in skip], len(data)
        skip.add(index)
        problems.append(
            Problem(
                path,
                f"record {index + 1} (byte {heads[index]}) is damaged (CRC mismatch)",
                "every other record",
            )
        )
    return [i for i in range(len(heads)) if i not in skip], ends[-1] + 4


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
