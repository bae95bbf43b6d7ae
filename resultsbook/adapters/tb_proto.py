"""Decode the few protobuf messages of TensorBoard event files that scalars and hparams need.

Field numbers from tensorboard/compat/proto/{event,summary,tensor}.proto and the hparams plugin's
plugin_data.proto and api.proto. Unknown fields are skipped, as protobuf readers must.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from resultsbook.sources.protowire import as_double, as_float, as_signed, read_varint
from resultsbook.sources.protowire import iter_fields as iter_wire_fields

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_FIXED64 = 1
_LENGTH = 2
_FIXED32 = 5
_VARINT = 0

# TensorProto dtype -> how one element is stored in tensor_content
_CONTENT_FORMATS = {
    1: "<f",  # DT_FLOAT
    2: "<d",  # DT_DOUBLE
    3: "<i",  # DT_INT32
    4: "<B",  # DT_UINT8
    5: "<h",  # DT_INT16
    6: "<b",  # DT_INT8
    9: "<q",  # DT_INT64
    10: "<?",  # DT_BOOL
    17: "<H",  # DT_UINT16
    19: "<e",  # DT_HALF
    22: "<I",  # DT_UINT32
    23: "<Q",  # DT_UINT64
}
_BFLOAT16 = 14
# TensorProto typed value fields: field -> wire type of one unpacked element, or varint
_TYPED_FIELDS = {
    5: _FIXED32,
    6: _FIXED64,
    7: _VARINT,
    10: _VARINT,
    11: _VARINT,
    13: _VARINT,
    16: _VARINT,
    17: _VARINT,
}
_SIGNED_FIELDS = {7, 10}


def iter_fields(buffer: bytes) -> Iterator[tuple[int, int, Any]]:
    """Yield a message's (field, wire type, value); each caller knows its fields' wire types."""
    return iter_wire_fields(buffer)


_EVENT_WALL_TIME = 0x09  # field 1, fixed64
_EVENT_STEP = 0x10  # field 2, varint
_EVENT_SUMMARY = 0x2A  # field 5, length-delimited
_FIELD_1_BYTES = 0x0A  # field 1, length-delimited (Summary.value, Summary.Value.tag)
_SIMPLE_VALUE = 0x15  # field 2, fixed32


def parse_simple_scalar(record: bytes) -> tuple[float, int, bytes, float] | None:
    """Decode the event almost every scalar is: one `simple_value`, short tag, no metadata.

    Returns (wall_time, step, tag bytes, value), or None for any other event (then use
    `parse_event`). This shape is what torch, tensorboardX and TF1 write for each scalar; reading
    it without the generic walker is what makes large logs fast.
    """
    size = len(record)
    if size < 17 or record[0] != _EVENT_WALL_TIME:
        return None
    position = 9
    step = 0
    if record[9] == _EVENT_STEP:
        position = 10
        shift = 0
        while True:
            byte = record[position]
            position += 1
            step |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if shift > 56:
                return None  # negative or huge steps: leave them to the generic reader
    if position + 6 > size or record[position] != _EVENT_SUMMARY:
        return None
    summary_length = record[position + 1]
    if summary_length >= 0x80 or position + 2 + summary_length != size:
        return None
    if record[position + 2] != _FIELD_1_BYTES or record[position + 3] != summary_length - 2:
        return None
    tag_length = record[position + 5]
    if record[position + 4] != _FIELD_1_BYTES or position + 11 + tag_length != size:
        return None
    if record[size - 5] != _SIMPLE_VALUE:
        return None
    return (
        _DOUBLE.unpack_from(record, 1)[0],
        step,
        record[position + 6 : size - 5],
        _FLOAT.unpack_from(record, size - 4)[0],
    )


@dataclass
class SimpleScalars:
    """The records of a file that are simple scalar events, decoded a whole file at a time."""

    simple: np.ndarray  # bool per record: decoded here; the others need `parse_event`
    wall_times: np.ndarray
    steps: np.ndarray
    values: np.ndarray
    tag_codes: np.ndarray  # index into `tags` of each simple record
    tags: list[bytes]


_PADDING = bytes(16)  # lets every fixed-offset read stay inside the buffer, even for short records


def parse_simple_scalars(data: bytes, start: np.ndarray, end: np.ndarray) -> SimpleScalars:
    """Decode every record shaped as `parse_simple_scalar` expects with array operations.

    The same checks as `parse_simple_scalar`, on all records at once (steps below 2**28); the
    records that fail any of them are left to `parse_event`.
    """
    buffer = np.frombuffer(data + _PADDING, dtype=np.uint8)
    simple = (end - start >= 17) & (buffer[start] == _EVENT_WALL_TIME)
    has_step = buffer[start + 9] == _EVENT_STEP
    step = np.zeros(len(start), dtype=np.int64)
    width = np.zeros(len(start), dtype=np.int64)
    going = has_step.copy()
    for k in range(4):
        byte = buffer[start + 10 + k].astype(np.int64)
        step += np.where(going, (byte & 0x7F) << (7 * k), 0)
        width += going
        going &= byte >= 0x80
    simple &= ~going  # a step of five or more varint bytes: the general reader
    position = start + 9 + np.where(has_step, 1 + width, 0)
    position = np.where(position + 6 <= end, position, start)  # keep reads below inside the record
    summary_length = buffer[position + 1].astype(np.int64)
    tag_length = buffer[position + 5].astype(np.int64)
    simple &= (buffer[position] == _EVENT_SUMMARY) & (position + 2 + summary_length == end)
    simple &= (buffer[position + 2] == _FIELD_1_BYTES) & (buffer[position + 3] == summary_length - 2)
    simple &= (buffer[position + 4] == _FIELD_1_BYTES) & (position + 11 + tag_length == end)
    simple &= (summary_length < 0x80) & (buffer[end - 5] == _SIMPLE_VALUE)
    chosen = start[simple]
    wall_times = buffer[(chosen + 1)[:, None] + np.arange(8)].view("<f8").ravel().astype(np.float64)
    value_at = end[simple] - 4
    values = buffer[value_at[:, None] + np.arange(4)].view("<f4").ravel().astype(np.float64)
    tag_codes, tags = _tag_codes(data, buffer, position[simple] + 6, tag_length[simple])
    return SimpleScalars(simple, wall_times, step[simple], values, tag_codes, tags)


def _tag_codes(
    data: bytes, buffer: np.ndarray, begin: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, list[bytes]]:
    """Number the distinct tags (exact bytes) of the chosen records, without a loop over records.

    Tags are told apart by a 64-bit hash of their bytes and length, then every record's tag is
    compared byte for byte with the first of its number; a collision falls back to exact sorting.
    """
    if not len(begin):
        return np.zeros(0, dtype=np.int64), []
    width = int(length.max())
    offsets = np.arange(width)
    inside = offsets < length[:, None]
    cells = np.where(inside, buffer[np.minimum(begin[:, None] + offsets, len(buffer) - 1)], 0).astype(
        np.uint64
    )
    weights = np.uint64(0x100000001B3) ** np.arange(width, dtype=np.uint64)  # wraps modulo 2**64
    hashes = (cells * weights).sum(axis=1, dtype=np.uint64) ^ length.astype(np.uint64)
    _, first, codes = np.unique(hashes, return_index=True, return_inverse=True)
    codes = codes.ravel()
    if not np.array_equal(cells, cells[first[codes]]) or not np.array_equal(length, length[first[codes]]):
        rows = np.concatenate([cells.astype(np.uint8), length[:, None].astype(np.uint8)], axis=1)
        keys = np.ascontiguousarray(rows).view(np.dtype((np.void, width + 1))).ravel()
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        codes = codes.ravel()
    tags = [data[begin[i] : begin[i] + length[i]] for i in first.tolist()]
    return codes, tags


@dataclass
class Event:
    """The parts of an Event that matter here."""

    wall_time: float
    step: int
    summary: bytes | None = None
    session_status: int | None = None  # SessionLog.status: 1 START, 2 STOP, 3 CHECKPOINT


def parse_event(buffer: bytes) -> Event:
    """Decode an Event's wall time, step, summary bytes and session-log status."""
    event = Event(0.0, 0)
    for field, wire, value in iter_fields(buffer):
        if field == 1 and wire == _FIXED64:
            event.wall_time = as_double(value)
        elif field == 2 and wire == _VARINT:
            event.step = as_signed(value)
        elif field == 5 and wire == _LENGTH:
            event.summary = value
        elif field == 7 and wire == _LENGTH:
            for sub, sub_wire, status in iter_fields(value):
                if sub == 1 and sub_wire == _VARINT:
                    event.session_status = status
    return event


@dataclass
class SummaryValue:
    """One Summary.Value: its tag, plugin metadata and scalar payload (raw)."""

    tag: str
    simple_value: float | None = None
    tensor: bytes | None = None
    plugin_name: str | None = None
    plugin_content: bytes = b""


def parse_summary(buffer: bytes) -> list[SummaryValue]:
    """Decode the values of a Summary message (histograms, images and audio are left out)."""
    values = []
    for field, wire, raw in iter_fields(buffer):
        if field != 1 or wire != _LENGTH:
            continue
        value = SummaryValue("")
        for sub, sub_wire, item in iter_fields(raw):
            if sub == 1 and sub_wire == _LENGTH:
                value.tag = item.decode("utf-8", errors="replace")
            elif sub == 2 and sub_wire == _FIXED32:
                value.simple_value = as_float(item)
            elif sub == 8 and sub_wire == _LENGTH:
                value.tensor = item
            elif sub == 9 and sub_wire == _LENGTH:
                value.plugin_name, value.plugin_content = _parse_metadata(item)
        values.append(value)
    return values


def _parse_metadata(buffer: bytes) -> tuple[str, bytes]:
    """Return (plugin_name, content) of a SummaryMetadata."""
    name, content = "", b""
    for field, wire, value in iter_fields(buffer):
        if field == 1 and wire == _LENGTH:
            for sub, sub_wire, item in iter_fields(value):
                if sub == 1 and sub_wire == _LENGTH:
                    name = item.decode("utf-8", errors="replace")
                elif sub == 2 and sub_wire == _LENGTH:
                    content = item
    return name, content


def tensor_strings(buffer: bytes) -> list[bytes]:
    """Return the `string_val` elements of a TensorProto (a text summary's text)."""
    return [value for field, wire, value in iter_fields(buffer) if field == 8 and wire == _LENGTH]


def tensor_scalar(buffer: bytes) -> float | None:
    """Return the value of a one-element numeric TensorProto, or None for anything else."""
    dtype = 0
    content = None
    elements: list[float] = []
    shape = b""
    for field, wire, value in iter_fields(buffer):
        if field == 1 and wire == _VARINT:
            dtype = value
        elif field == 2 and wire == _LENGTH:
            shape = value
        elif field == 4 and wire == _LENGTH:
            content = value
        elif field in _TYPED_FIELDS:
            elements.extend(_typed_elements(field, wire, value))
    if _element_count(shape) != 1:
        return None
    if content:
        return _content_scalar(dtype, content)
    if len(elements) != 1:
        return None
    if dtype in (19, _BFLOAT16):  # half_val holds the 16-bit pattern
        return _half_bits(int(elements[0]), dtype)
    return float(elements[0])


def _typed_elements(field: int, wire: int, value: Any) -> list[float]:
    """Return the elements of a typed value field, packed or not."""
    element_wire = _TYPED_FIELDS[field]
    if wire == _LENGTH and element_wire != _LENGTH:  # packed
        if element_wire == _FIXED32:
            return [item[0] for item in _FLOAT.iter_unpack(value)] if len(value) % 4 == 0 else []
        if element_wire == _FIXED64:
            return [item[0] for item in _DOUBLE.iter_unpack(value)] if len(value) % 8 == 0 else []
        items: list[float] = []
        position = 0
        while position < len(value):
            item, position = read_varint(value, position)
            items.append(as_signed(item) if field in _SIGNED_FIELDS else item)
        return items
    if wire == _FIXED32 and element_wire == _FIXED32:
        return [as_float(value)]
    if wire == _FIXED64 and element_wire == _FIXED64:
        return [as_double(value)]
    if wire == _VARINT and element_wire == _VARINT:
        return [as_signed(value) if field in _SIGNED_FIELDS else value]
    return []


def _element_count(shape: bytes) -> int:
    """Return the number of elements of a TensorShapeProto (1 for a scalar's empty shape)."""
    count = 1
    for field, wire, value in iter_fields(shape):
        if field == 2 and wire == _LENGTH:
            for sub, sub_wire, size in iter_fields(value):
                if sub == 1 and sub_wire == _VARINT:
                    count *= as_signed(size)
        elif field == 3 and wire == _VARINT and value:
            return -1  # unknown rank
    return count


def _content_scalar(dtype: int, content: bytes) -> float | None:
    """Decode a one-element tensor_content by dtype."""
    if dtype == _BFLOAT16:
        return _half_bits(int.from_bytes(content, "little"), dtype) if len(content) == 2 else None
    layout = _CONTENT_FORMATS.get(dtype)
    if layout is None or struct.calcsize(layout) != len(content):
        return None
    return float(struct.unpack(layout, content)[0])


def _half_bits(bits: int, dtype: int) -> float:
    """Return the float held as 16 bits: IEEE half, or bfloat16 (the top half of a float32)."""
    if dtype == _BFLOAT16:
        return float(_FLOAT.unpack(struct.pack("<I", (bits & 0xFFFF) << 16))[0])
    return float(struct.unpack("<e", struct.pack("<H", bits & 0xFFFF))[0])


@dataclass
class HParamsData:
    """What an hparams plugin summary says: the session's hparams, or how it ended."""

    hparams: dict[str, Any] | None = None
    end_status: int | None = None  # SessionEndInfo.status: 1 SUCCESS, 2 FAILURE, 3 RUNNING
    end_time: float | None = None


def parse_hparams_content(buffer: bytes) -> HParamsData:
    """Decode HParamsPluginData: session_start_info hparams (field 3), session_end_info (field 4)."""
    data = HParamsData()
    for field, wire, value in iter_fields(buffer):
        if field == 3 and wire == _LENGTH:
            data.hparams = {}
            for sub, sub_wire, item in iter_fields(value):
                if sub == 1 and sub_wire == _LENGTH:
                    key, parsed = _map_entry(item)
                    data.hparams[key] = parsed
        elif field == 4 and wire == _LENGTH:
            for sub, sub_wire, item in iter_fields(value):
                if sub == 1 and sub_wire == _VARINT:
                    data.end_status = item
                elif sub == 2 and sub_wire == _FIXED64:
                    data.end_time = as_double(item) or None
    return data


def _map_entry(buffer: bytes) -> tuple[str, Any]:
    """Decode a map<string, google.protobuf.Value> entry."""
    key, value = "", None
    for field, wire, item in iter_fields(buffer):
        if field == 1 and wire == _LENGTH:
            key = item.decode("utf-8", errors="replace")
        elif field == 2 and wire == _LENGTH:
            value = parse_struct_value(item)
    return key, value


def parse_struct_value(buffer: bytes) -> Any:
    """Decode a google.protobuf.Value into None, a number, a string, a bool, a dict or a list."""
    result: Any = None
    for field, wire, item in iter_fields(buffer):
        if field == 2 and wire == _FIXED64:
            result = as_double(item)
        elif field == 3 and wire == _LENGTH:
            result = item.decode("utf-8", errors="replace")
        elif field == 4 and wire == _VARINT:
            result = bool(item)
        elif field == 5 and wire == _LENGTH:  # Struct: repeated map entries in field 1
            result = dict(_map_entry(entry) for sub, _, entry in iter_fields(item) if sub == 1)
        elif field == 6 and wire == _LENGTH:  # ListValue: repeated Value in field 1
            result = [parse_struct_value(entry) for sub, _, entry in iter_fields(item) if sub == 1]
    return result
