"""Decode the protobuf wire format without generated classes: fields, varints, strings, doubles.

Enough to read the few messages of a tracker's binary log by field number, e.g.

>>> [(number, value) for number, _, value in iter_fields(b"\\x08\\x96\\x01\\x12\\x02hi")]
[(1, 150), (2, b'hi')]
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Return the base-128 varint at `pos` and the position after it."""
    result = 0
    shift = 0
    size = len(buf)
    while pos < size:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            if result >> 64:
                raise WireError("varint beyond 64 bits")
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")
    raise WireError("message ends inside a varint")


def iter_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) of a message: ints for varint and fixed, bytes otherwise."""
    pos = 0
    size = len(buf)
    while pos < size:
        byte = buf[pos]
        if byte < 0x80:  # one-byte keys (fields 1-15) are the common case
            key = byte
            pos += 1
        else:
            key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            byte = buf[pos] if pos < size else 0x80
            if byte < 0x80:
                value: int | bytes = byte
                pos += 1
            else:
                value, pos = read_varint(buf, pos)
        elif wire == LENGTH_DELIMITED:
            byte = buf[pos] if pos < size else 0x80
            if byte < 0x80:
                length = byte
                pos += 1
            else:
                length, pos = read_varint(buf, pos)
            end = pos + length
            if end > size:
                raise WireError(f"field {number} runs past the end of its message")
            value = buf[pos:end]
            pos = end
        elif wire == FIXED64:
            if pos + 8 > size:
                raise WireError(f"field {number} runs past the end of its message")
            value = int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        elif wire == FIXED32:
            if pos + 4 > size:
                raise WireError(f"field {number} runs past the end of its message")
            value = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        else:
            raise WireError(f"field {number} has unsupported wire type {wire}")
        if number == 0:
            raise WireError("field number 0")
        yield number, wire, value


def as_signed(value: int, bits: int = 64) -> int:
    """Return an int32/int64 field's value (negative numbers are sent as 64-bit two's complement)."""
    value &= (1 << 64) - 1
    if value >= 1 << 63:
        value -= 1 << 64
    if bits == 32:
        value = (value + (1 << 31)) % (1 << 32) - (1 << 31)
    return value


def as_double(value: int) -> float:
    """Return the double held by a fixed64 field."""
    return float(_DOUBLE.unpack(value.to_bytes(8, "little"))[0])


def as_float(value: int) -> float:
    """Return the float held by a fixed32 field."""
    return float(_FLOAT.unpack(value.to_bytes(4, "little"))[0])


def as_text(value: int | bytes) -> str:
    """Return a string field's text; bytes that are not UTF-8 are replaced."""
    if not isinstance(value, bytes):
        raise WireError("a string field was not length-delimited")
    return value.decode("utf-8", errors="replace")
