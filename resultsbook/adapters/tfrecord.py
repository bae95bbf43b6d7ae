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
from resultsbook.sources.fileio import CHUNK, iter_file_chunks
from resultsbook.sources.limits import RECORD, format_size

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
_TABLE_ARRAY = np.array(_TABLE, dtype=np.uint64)


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
    """Return where the data of each intact record of a file's bytes starts and ends, reporting damage."""
    framer = RecordFramer(path, problems)
    starts, ends = framer.frame(data)
    framer.finish(data[framer.consumed :])
    return starts, ends


def read_record_blocks(path: str, problems: list[Problem]) -> Iterator[tuple[bytes, np.ndarray, np.ndarray]]:
    """Yield (bytes, starts, ends) of a TFRecord file's intact records a block at a time, streamed:
    memory holds one chunk and one record (at most RESULTSBOOK_MAX_RECORD_SIZE), whatever the file's size.

    Opening the file may raise OSError (or fileio.UnreadableFile) when iteration starts.
    """
    framer = RecordFramer(path, problems)
    buffer = b""
    for chunk in iter_file_chunks(path, CHUNK):
        buffer = buffer + chunk if buffer else chunk
        starts, ends = framer.frame(buffer)
        if len(starts):
            yield buffer, starts, ends
        if framer.stopped:
            return
        buffer = buffer[framer.consumed :]
    framer.finish(buffer)


class RecordFramer:
    """Frame records in consecutive blocks of a file, checking CRCs; keeps where it is in the file.

    Records are first framed by their lengths alone, then every data CRC is checked at once. The
    length's own CRC is checked only for a record whose data CRC fails, that is too large, or that
    runs past the end of the file: it tells a damaged record, which is skipped, from a damaged
    length, after which nothing can be framed (a wrong length makes the data CRC fail anyway).
    """

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        self.limit = RECORD.bytes()
        self.base = 0  # file offset of the block being framed
        self.count = 0  # records met so far (kept, damaged and skipped)
        self.kept = 0
        self.skip = 0  # bytes of an oversized record still to pass over
        self.consumed = 0  # bytes of the last block framed (the rest starts the next one)
        self.stopped = False

    def frame(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Return where the data of each intact record of this block starts and ends."""
        size = len(data)
        position = min(self.skip, size)
        self.skip -= position
        unpack_length = _LENGTH.unpack_from
        heads: list[int] = []
        indexes: list[int] = []
        ends: list[int] = []
        broken: tuple[int, int] | None = None  # (position, number) of a damaged length, reported below
        while position + 12 <= size:
            length = unpack_length(data, position)[0]
            if length > self.limit:
                if not _length_intact(data, position):
                    broken = (position, self.count + 1)
                    break
                self._too_large(position, length)
                passed = min(12 + length + 4, size - position)
                self.skip = 12 + length + 4 - passed
                position += passed
                self.count += 1
                continue
            end = position + 12 + length
            if end + 4 > size:
                break
            heads.append(position)
            indexes.append(self.count)
            ends.append(end)
            self.count += 1
            position = end + 4
        keep = self._check(data, heads, ends, indexes)
        if broken is not None and not self.stopped:  # an earlier damaged length explains this one
            self._bad_length(broken[0], broken[1], self.kept + len(keep))
        if self.stopped:
            position = size
        self.consumed = position
        self.base += position
        starts = np.array(heads, dtype=np.int64)[keep] + 12
        self.kept += len(starts)
        return starts, np.array(ends, dtype=np.int64)[keep]

    def finish(self, rest: bytes) -> None:
        """Report the bytes left after the last whole record: a cut-off record, or a damaged length
        (an oversized record the file ends inside was reported already)."""
        if self.stopped or not rest or self.skip:
            return
        if len(rest) < 12 or _length_intact(rest, 0):
            self.problems.append(_cut_off(self.path, self.kept, self.base, self.base + len(rest)))
        else:
            self._bad_length(0, self.count + 1, self.kept)

    def _check(self, data: bytes, heads: list[int], ends: list[int], indexes: list[int]) -> np.ndarray:
        """Return the indexes (into heads) of the records whose data CRC matches; stop at a bad length."""
        keep = np.arange(len(heads))
        if not heads:
            return keep
        crc = crc32c
        computed = np.array([crc(data[head + 12 : end]) for head, end in zip(heads, ends)], dtype=np.uint64)
        buffer = np.frombuffer(data, dtype=np.uint8)
        end_array = np.array(ends, dtype=np.int64)
        stored = buffer[end_array[:, None] + np.arange(4)].view("<u4").ravel()
        masked = (
            ((computed >> np.uint64(15)) | (computed << np.uint64(17))) + np.uint64(_MASK_DELTA)
        ) & np.uint64(0xFFFFFFFF)
        damaged = np.flatnonzero(masked != stored).tolist()
        intact = np.ones(len(heads), dtype=bool)
        intact[damaged] = False
        self._check_lengths(buffer, np.array(heads, dtype=np.int64)[intact], np.array(indexes)[intact])
        skipped: set[int] = set()
        for index in damaged:
            if not _length_intact(data, heads[index]):
                self._bad_length(heads[index], indexes[index] + 1, self.kept + index - len(skipped))
                return np.array([i for i in range(index) if i not in skipped], dtype=np.int64)
            skipped.add(index)
            self.problems.append(
                Problem(
                    self.path,
                    f"record {indexes[index] + 1} (byte {self.base + heads[index]}) is damaged "
                    "(CRC mismatch)",
                    "every other record",
                )
            )
        return keep[~np.isin(keep, list(skipped))] if skipped else keep

    def _check_lengths(self, buffer: np.ndarray, heads: np.ndarray, indexes: np.ndarray) -> None:
        """Report records whose data checksum holds but whose length checksum does not: the length
        is right (the data checksum covers exactly its bytes), so nothing is lost, but the file is
        damaged there. All lengths are checked at once with a table-driven CRC-32C."""
        if not len(heads):
            return
        crc = np.full(len(heads), 0xFFFFFFFF, dtype=np.uint64)
        for offset in range(8):
            byte = buffer[heads + offset].astype(np.uint64)
            crc = _TABLE_ARRAY[(crc ^ byte) & np.uint64(0xFF)] ^ (crc >> np.uint64(8))
        crc ^= np.uint64(0xFFFFFFFF)
        masked = (((crc >> np.uint64(15)) | (crc << np.uint64(17))) + np.uint64(_MASK_DELTA)) & np.uint64(
            0xFFFFFFFF
        )
        stored = buffer[(heads + 8)[:, None] + np.arange(4)].view("<u4").ravel()
        for index in np.flatnonzero(masked != stored).tolist():
            self.problems.append(
                Problem(
                    self.path,
                    f"record {int(indexes[index]) + 1} (byte {self.base + int(heads[index])}) has a damaged "
                    "length checksum, but its data checksum holds",
                    "the record",
                )
            )

    def _bad_length(self, position: int, number: int, kept: int) -> None:
        self.problems.append(
            Problem(
                self.path,
                f"record {number} (byte {self.base + position}) has a damaged length (CRC mismatch)",
                f"the {kept} record(s) before it; the rest of the file cannot be framed",
            )
        )
        self.stopped = True

    def _too_large(self, position: int, length: int) -> None:
        self.problems.append(
            Problem(
                self.path,
                f"record {self.count + 1} (byte {self.base + position}) holds {format_size(length)}, "
                f"over the {format_size(self.limit)} limit for one record "
                f"(to read it: {RECORD.raise_hint(length)})",
                "every other record",
            )
        )


def _length_intact(data: bytes, position: int) -> bool:
    """Tell whether the length field at `position` matches its masked CRC."""
    return masked_crc32c(data[position : position + 8]) == _CRC.unpack_from(data, position + 8)[0]


def _cut_off(path: str, count: int, position: int, size: int) -> Problem:
    """Return the report of a last record cut off at the end of the file."""
    return Problem(
        path,
        f"last record is cut off at byte {position} of {size} (a run still writing, or killed?)",
        f"the {count} complete record(s) before it",
    )
