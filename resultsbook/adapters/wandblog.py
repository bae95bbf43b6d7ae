"""Split a W&B `.wandb` transaction log into its records: LevelDB log framing with a W&B file header.

The layout (wandb `core/pkg/leveldb/record.go`, `wandb/sdk/internal/datastore.py`): a 7-byte header
`:W&B` + uint16 0xBEE1 + version byte 0, then 32 KiB blocks counted from the start of the file.
Each chunk is a 7-byte header (uint32 checksum, uint16 length, uint8 type: 1 FULL, 2 FIRST,
3 MIDDLE, 4 LAST) and its payload; a chunk never crosses a block, and a block's last < 7 bytes
are zero padding. The checksum is the standard CRC-32 (zlib's, IEEE polynomial) of the type
byte followed by the payload: both W&B writers use it (`leveldb.CRCAlgoIEEE`), not LevelDB's
masked CRC-32C.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from resultsbook.models import Problem
from resultsbook.sources.fileio import iter_file_chunks, unreadable
from resultsbook.sources.limits import RECORD, format_size

BLOCK = 32 * 1024
CHUNK_HEADER = 7
FILE_HEADER = b":W&B\xe1\xbe"
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

_CHUNK = struct.Struct("<IHB")
# CRC-32 of each type byte: the running value the payload's CRC starts from
_TYPE_CRC = {kind: zlib.crc32(bytes([kind])) for kind in (FULL, FIRST, MIDDLE, LAST)}


@dataclass(frozen=True)
class LogScan:
    """The records of one log, and whether it ended cleanly after its last record."""

    records: list[bytes]
    complete: bool
    version: int | None


def scan_log(data: bytes, path: str, problems: list[Problem]) -> LogScan:
    """Return the record payloads of a log held in memory (see the module docstring for the layout)."""
    reader = LogReader(path, problems)
    records = list(reader.scan([data]))
    return LogScan(records, reader.complete, reader.version)


class LogReader:
    """Stream a `.wandb` log's records a chunk of blocks at a time: memory holds one chunk and one
    record (at most RESULTSBOOK_MAX_RECORD_SIZE). `complete` and `version` are known once read."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        self.complete = False
        self.version: int | None = None
        self.count = 0  # records yielded

    def records(self) -> Iterator[bytes]:
        """Yield the payload of each record of the log file; a file that cannot be read is reported."""
        try:
            yield from self.scan(iter_file_chunks(self.path, 128 * BLOCK))
        except OSError as error:
            self.complete = False
            self.problems.append(unreadable(self.path, error, "nothing from this file"))

    def scan(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Yield the record payloads of a log given as consecutive chunks of its bytes (any sizes)."""
        path, problems = self.path, self.problems
        limit = RECORD.bytes()
        iterator = iter(chunks)
        data = next(iterator, b"")
        if len(data) < CHUNK_HEADER:
            what = "is empty" if not data else f"is cut off inside its {CHUNK_HEADER}-byte header"
            problems.append(Problem(path, f"{what} (a run that had just started?)", "no records"))
            return
        if data[:6] != FILE_HEADER:
            problems.append(Problem(path, "does not start with the W&B log header ':W&B'", "no records"))
            return
        self.version = data[6]
        if self.version != 0:
            problems.append(
                Problem(
                    path,
                    f"has log format version {self.version}; this reader knows version 0",
                    "what it could read",
                )
            )
        pending: list[bytes] | None = None  # chunks of a record begun by a FIRST chunk
        pending_size = 0
        oversized = False  # inside a record over the limit: its other chunks are passed over
        base = 0  # file offset of data[0]
        pos = CHUNK_HEADER
        crc32 = zlib.crc32
        unpack = _CHUNK.unpack_from
        while True:
            size = len(data)
            while pos < size:
                block_end = ((base + pos) // BLOCK + 1) * BLOCK - base  # blocks count from the file start
                if block_end - pos < CHUNK_HEADER:
                    pos = block_end  # zero padding at the end of a block
                    continue
                if pos + CHUNK_HEADER > size:
                    break  # the rest comes with the next chunk, or the log ends inside a chunk header
                checksum, length, kind = unpack(data, pos)
                start = pos + CHUNK_HEADER
                end = start + length
                if checksum == 0 and length == 0 and kind == 0:
                    pos = block_end  # a zeroed remainder of a block
                    continue
                if end > block_end:
                    problems.append(
                        Problem(
                            path,
                            f"chunk at byte {base + pos} claims {length} bytes, past its 32 KiB block",
                            "the records before it and in the following blocks",
                        )
                    )
                    pending, oversized = None, False
                    pos = block_end
                    continue
                if end > size:
                    break
                payload = data[start:end]
                if kind not in _TYPE_CRC or crc32(payload, _TYPE_CRC[kind]) != checksum:
                    what = f"chunk type {kind} is unknown" if kind not in _TYPE_CRC else "CRC-32 mismatch"
                    problems.append(
                        Problem(
                            path,
                            f"{what} at byte {base + pos} (corrupt data)",
                            "the records before it and in the following blocks",
                        )
                    )
                    pending, oversized = None, False
                    pos = block_end
                    continue
                chunk_start, pos = base + pos, end
                if kind in (FULL, FIRST):
                    if pending is not None:
                        _report_unfinished(path, problems, chunk_start)
                    pending, oversized = None, False
                    if kind == FULL:
                        self.count += 1
                        yield payload
                    else:
                        pending, pending_size = [payload], len(payload)
                elif oversized:
                    oversized = kind != LAST
                elif pending is None:
                    problems.append(
                        Problem(
                            path,
                            f"a record continues at byte {chunk_start} without its start",
                            "the other records",
                        )
                    )
                else:
                    pending.append(payload)
                    pending_size += len(payload)
                    if pending_size > limit:
                        problems.append(
                            Problem(
                                path,
                                f"a record before byte {chunk_start} is over the {format_size(limit)} limit "
                                f"for one record (to read it: {RECORD.raise_hint(pending_size)})",
                                "the other records",
                            )
                        )
                        pending, oversized = None, kind != LAST
                    elif kind == LAST:
                        self.count += 1
                        yield b"".join(pending)
                        pending = None
            following = next(iterator, None)
            if following is None:
                break
            data = data[pos:] + following if pos < size else following
            base += pos if pos < size else size
            pos = 0 if pos < size else pos - size
        if pos < len(data):
            where = "inside a chunk header" if pos + CHUNK_HEADER > len(data) else "inside a chunk"
            _report_torn(path, problems, self.count, base + pos, where)
        elif pending is not None or oversized:
            _report_torn(path, problems, self.count, base + len(data), "inside a record that spans blocks")
        else:
            self.complete = True


def _report_torn(path: str, problems: list[Problem], count: int, pos: int, where: str) -> None:
    """Report a log that stops mid-record, as a run still writing or killed leaves it."""
    problems.append(
        Problem(
            path,
            f"ends {where} at byte {pos} (a run still writing, or killed: W&B writes in 32 KiB blocks)",
            f"the {count} complete records before it",
        )
    )


def _report_unfinished(path: str, problems: list[Problem], pos: int) -> None:
    """Report a multi-chunk record that a new record interrupted."""
    problems.append(
        Problem(path, f"a record split over blocks is missing its end before byte {pos}", "the other records")
    )
