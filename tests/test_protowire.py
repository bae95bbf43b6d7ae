"""The protobuf wire-format decoder that the binary-log adapters share."""

from __future__ import annotations

import struct

import pytest

from resultsbook.sources.protowire import WireError, as_double, as_float, as_signed, iter_fields, read_varint


def test_varints_of_several_bytes_and_negative_int32():
    assert read_varint(b"\xac\x02", 0) == (300, 2)
    minus_one = b"\xff" * 9 + b"\x01"  # int32 -1 is sent as ten bytes
    assert as_signed(read_varint(minus_one, 0)[0], 32) == -1
    assert as_signed(read_varint(minus_one, 0)[0]) == -1


def test_fields_of_every_wire_type():
    message = (
        b"\x08\x96\x01"  # 1: varint 150
        + b"\x11"
        + struct.pack("<d", 2.5)  # 2: fixed64 double
        + b"\x1a\x03abc"  # 3: length-delimited
        + b"\x25"
        + struct.pack("<f", 0.5)  # 4: fixed32 float
        + b"\x82\x01\x01x"  # 16: two-byte key
    )
    fields = list(iter_fields(message))
    assert [(n, w) for n, w, _ in fields] == [(1, 0), (2, 1), (3, 2), (4, 5), (16, 2)]
    assert fields[0][2] == 150 and as_double(fields[1][2]) == 2.5
    assert fields[2][2] == b"abc" and as_float(fields[3][2]) == 0.5 and fields[4][2] == b"x"


@pytest.mark.parametrize(
    "message",
    [b"\x08", b"\x08\x80", b"\x1a\x05ab", b"\x11\x00\x00", b"\x0b", b"\x80" * 11],
    ids=["no varint", "cut varint", "short string", "short fixed64", "group", "endless varint"],
)
def test_malformed_messages_raise_wire_error(message):
    with pytest.raises(WireError):
        list(iter_fields(message))
