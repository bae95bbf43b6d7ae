"""Decode the few W&B protobuf messages an adapter needs (`wandb/proto/wandb_internal.proto`).

History, config and summary items make up nearly all of a log, so they take a fast path that
splits an item into its key part and its `value_json` without a generic field walk; anything
laid out differently falls back to `protowire.iter_fields`.
"""

from __future__ import annotations

from typing import Any

from resultsbook.sources.protowire import (
    LENGTH_DELIMITED,
    VARINT,
    WireError,
    as_signed,
    as_text,
    iter_fields,
    read_varint,
)
from resultsbook.sources.textio import parse_json

# Record.record_type field numbers
HISTORY, SUMMARY, CONFIG, RUN, EXIT, HEADER, PREEMPTING, ENVIRONMENT = 2, 3, 5, 17, 18, 21, 23, 26
OUTPUT_RAW = 13  # a line of the run's console
METRIC = 12  # a `define_metric` call: a metric (or a glob of them) and the metric it is plotted against
TENSORBOARD = 9  # `wandb.init(sync_tensorboard=True)`: the TensorBoard log dir the run copies (TBRecord)
WANTED = frozenset(
    {HISTORY, SUMMARY, CONFIG, RUN, EXIT, HEADER, PREEMPTING, ENVIRONMENT, OUTPUT_RAW, METRIC, TENSORBOARD}
)
_VALUE_TAG = (16 << 3 | LENGTH_DELIMITED).to_bytes(2, "little")  # field 16 as a two-byte varint key
_KEY_TAG, _NESTED_TAG = 1 << 3 | LENGTH_DELIMITED, 2 << 3 | LENGTH_DELIMITED


def record_type(raw: bytes) -> tuple[int, bytes]:
    """Return a Record's record_type field number and that field's bytes (0 when it is not needed)."""
    pos = 0
    size = len(raw)
    while pos < size:
        key = raw[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(raw, pos)
        wire = key & 7
        if wire == VARINT:
            while raw[pos] & 0x80:
                pos += 1
            pos += 1
        elif wire == LENGTH_DELIMITED:
            length, pos = read_varint(raw, pos)
            if pos + length > size:
                raise WireError("record field runs past the end of the record")
            if key >> 3 in WANTED:
                return key >> 3, raw[pos : pos + length]
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire}")
    return 0, b""


def split_items(body: bytes, history: bool) -> tuple[list[tuple[bytes, bytes]], list[bytes], int | None]:
    """Split a History/Config/SummaryRecord into (key part, value_json) updates, removed key parts,
    and (history only) HistoryRecord.step.num."""
    updates: list[tuple[bytes, bytes]] = []
    removes: list[bytes] = []
    step = None
    pos = 0
    size = len(body)
    while pos < size:
        key = body[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(body, pos)
        wire = key & 7
        if wire != LENGTH_DELIMITED:
            if wire == VARINT:
                _, pos = read_varint(body, pos)
            elif wire in (1, 5):
                pos += 8 if wire == 1 else 4
            else:
                raise WireError(f"unsupported wire type {wire}")
            continue
        length = body[pos]
        if length < 0x80:
            pos += 1
        else:
            length, pos = read_varint(body, pos)
        end = pos + length
        if end > size:
            raise WireError("item runs past the end of its record")
        number = key >> 3
        if number == 1:
            updates.append(split_item(body, pos, end))
        elif number == 2:
            if history:
                step = _step_num(body[pos:end])
            else:
                removes.append(split_item(body, pos, end)[0])
        pos = end
    return updates, removes, step


def _step_num(raw: bytes) -> int:
    """Return HistoryStep.num (0 when proto3 left it out)."""
    for number, wire, value in iter_fields(raw):
        if number == 1 and wire == VARINT and isinstance(value, int):
            return as_signed(value)
    return 0


def split_item(buf: bytes, start: int, end: int) -> tuple[bytes, bytes]:
    """Return (key part, value_json) of the item in buf[start:end]; the key part is the bytes of its
    `key`/`nested_key` fields, the same for every item logged under the same key."""
    pos = start
    while pos < end:
        tag = buf[pos]
        if tag == 0x82 and buf[pos + 1] == 0x01:  # value_json, written last by both writers
            value_start = pos + 2
            length = buf[value_start]
            if length < 0x80:
                value_start += 1
            else:
                length, value_start = read_varint(buf, value_start)
            if value_start + length == end:
                return buf[start:pos], buf[value_start:end]
            break
        if tag != _KEY_TAG and tag != _NESTED_TAG:
            break
        length = buf[pos + 1]
        if length < 0x80:
            pos += 2 + length
        else:
            length, pos = read_varint(buf, pos + 1)
            pos += length
    return _split_item_slowly(buf[start:end])


def _split_item_slowly(item: bytes) -> tuple[bytes, bytes]:
    """Split an item whose fields are in an unusual order, rebuilding its key part canonically."""
    key_part = bytearray()
    value = b""
    for number, wire, field_value in iter_fields(item):
        if wire != LENGTH_DELIMITED or not isinstance(field_value, bytes):
            continue
        if number == 16:
            value = field_value
        elif number in (1, 2):
            key_part += _encode_field(number, field_value)
    return bytes(key_part), value


def _encode_field(number: int, data: bytes) -> bytes:
    """Encode one length-delimited field with a one-byte key."""
    length = len(data)
    varint = bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        varint.append(byte | 0x80 if length else byte)
        if not length:
            break
    return bytes([number << 3 | LENGTH_DELIMITED]) + bytes(varint) + data


def key_path(key_part: bytes) -> tuple[str, ...]:
    """Return an item's key path: its nested_key, else (key,)."""
    key = ""
    nested: list[str] = []
    for number, _, value in iter_fields(key_part):
        if number == 2:
            nested.append(as_text(value))
        elif number == 1:
            key = as_text(value)
    return tuple(nested) if nested else (key,)


class ItemLog:
    """Config or summary updates and removals in log order; only the last event per key is kept,
    which gives the same tree as applying every event (a later event on a key replaces all of it)."""

    def __init__(self) -> None:
        self._events: dict[bytes, tuple[int, bytes | None]] = {}
        self._count = 0

    def apply(self, body: bytes) -> None:
        """Apply a ConfigRecord/SummaryRecord: its updates, then its removals."""
        updates, removes, _ = split_items(body, history=False)
        events = self._events
        for key_part, value in updates:
            self._count += 1
            events[key_part] = (self._count, value)
        for key_part in removes:
            self._count += 1
            events[key_part] = (self._count, None)

    def resolve(self) -> tuple[dict[str, Any], int]:
        """Return the resulting nested dict and how many values were not valid JSON (kept as text)."""
        tree: dict[str, Any] = {}
        bad = 0
        for key_part, (_, raw) in sorted(self._events.items(), key=lambda event: event[1][0]):
            path = key_path(key_part)
            if raw is None:
                _remove(tree, path)
                continue
            ok, value = parse_json(raw)
            if not ok:
                bad += 1
                value = raw.decode("utf-8", errors="replace")
            node = tree
            for part in path[:-1]:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[path[-1]] = value
        return tree, bad


def _remove(tree: dict[str, Any], path: tuple[str, ...]) -> None:
    """Remove the value at a key path, if it is there."""
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            return
        node = child
    node.pop(path[-1], None)


def read_timestamp(raw: bytes) -> float | None:
    """Return a google.protobuf.Timestamp as seconds since the epoch."""
    seconds = nanos = 0
    for number, wire, value in iter_fields(raw):
        if wire == VARINT and isinstance(value, int):
            if number == 1:
                seconds = as_signed(value)
            elif number == 2:
                nanos = as_signed(value, 32)
    return seconds + nanos / 1e9 if seconds or nanos else None


def read_git(raw: bytes) -> dict[str, str]:
    """Return a GitRepoRecord as {"commit": ..., "remote": ...} (empty fields left out)."""
    git = {}
    for number, _, value in iter_fields(raw):
        if number in (1, 2) and isinstance(value, bytes) and value:
            git["remote" if number == 1 else "commit"] = as_text(value)
    return git


def read_metric_definition(raw: bytes) -> tuple[str, str, str]:
    """Return a MetricRecord's (name, glob_name, step_metric), each "" when absent."""
    fields = {1: "", 2: "", 4: ""}
    for number, _, value in iter_fields(raw):
        if number in fields and isinstance(value, bytes):
            fields[number] = as_text(value)
    return fields[1], fields[2], fields[4]
