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
from dataclasses import dataclass

from resultsbook.models import Problem
from resultsbook.sources import fs

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


def read_log(path: str, problems: list[Problem]) -> LogScan:
    """Read a `.wandb` file into its record payloads, reporting torn, corrupt and foreign data."""
    try:
        with fs.open_binary(path) as handle:
            data = handle.read()
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", "nothing from this file"))
        return LogScan([], False, None)
    return scan_log(data, path, problems)


def scan_log(data: bytes, path: str, problems: list[Problem]) -> LogScan:
    """Return the record payloads of a log held in memory (see the module docstring for the layout)."""
    if len(data) < CHUNK_HEADER:
        what = "is empty" if not data else f"is cut off inside its {CHUNK_HEADER}-byte header"
        problems.append(Problem(path, f"{what} (a run that had just started?)", "no records"))
        return LogScan([], False, None)
    if data[:6] != FILE_HEADER:
        problems.append(Problem(path, "does not start with the W&B log header ':W&B'", "no records"))
        return LogScan([], False, None)
    version = data[6]
    if version != 0:
        problems.append(
            Problem(
                path, f"has log format version {version}; this reader knows version 0", "what it could read"
            )
        )
    records: list[bytes] = []
    pending: list[bytes] | None = None  # chunks of a record begun by a FIRST chunk
    pos = CHUNK_HEADER
    size = len(data)
    complete = True
    crc32 = zlib.crc32
    unpack = _CHUNK.unpack_from
    while pos < size:
        block_end = (pos // BLOCK + 1) * BLOCK
        if block_end - pos < CHUNK_HEADER:
            pos = block_end  # zero padding at the end of a block
            continue
        if pos + CHUNK_HEADER > size:
            complete = False
            _report_torn(path, problems, records, pos, "inside a chunk header")
            pending = None
            break
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
                    f"chunk at byte {pos} claims {length} bytes, past its 32 KiB block",
                    "the records of the other blocks",
                )
            )
            pending = None
            pos = block_end
            continue
        if end > size:
            complete = False
            _report_torn(path, problems, records, pos, "inside a chunk")
            pending = None
            break
        payload = data[start:end]
        if kind not in _TYPE_CRC or crc32(payload, _TYPE_CRC[kind]) != checksum:
            what = f"chunk type {kind} is unknown" if kind not in _TYPE_CRC else "CRC-32 mismatch"
            problems.append(
                Problem(path, f"{what} at byte {pos} (corrupt data)", "the records of the other blocks")
            )
            pending = None
            pos = block_end
            continue
        chunk_start, pos = pos, end
        if kind == FULL:
            if pending is not None:
                _report_unfinished(path, problems, chunk_start)
            pending = None
            records.append(payload)
        elif kind == FIRST:
            if pending is not None:
                _report_unfinished(path, problems, chunk_start)
            pending = [payload]
        elif pending is None:
            problems.append(
                Problem(
                    path, f"a record continues at byte {chunk_start} without its start", "the other records"
                )
            )
        elif kind == MIDDLE:
            pending.append(payload)
        else:
            pending.append(payload)
            records.append(b"".join(pending))
            pending = None
    if pending is not None:
        complete = False
        _report_torn(path, problems, records, size, "inside a record that spans blocks")
    return LogScan(records, complete, version)


def _report_torn(path: str, problems: list[Problem], records: list[bytes], pos: int, where: str) -> None:
    """Report a log that stops mid-record, as a run still writing or killed leaves it."""
    problems.append(
        Problem(
            path,
            f"ends {where} at byte {pos} (a run still writing, or killed: W&B writes in 32 KiB blocks)",
            f"the {len(records)} complete records before it",
        )
    )


def _report_unfinished(path: str, problems: list[Problem], pos: int) -> None:
    """Report a multi-chunk record that a new record interrupted."""
    problems.append(
        Problem(path, f"a record split over blocks is missing its end before byte {pos}", "the other records")
    )
