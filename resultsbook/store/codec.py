"""Metric series as compact blobs: steps often an arithmetic range, values raw float64."""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

_RANGE, _INT64, _FLOAT64 = b"R", b"q", b"d"
_RANGE_LAYOUT = struct.Struct("<qqq")


def encode_steps(steps: np.ndarray) -> bytes:
    """Encode steps: an evenly spaced integer range costs 25 bytes whatever its length."""
    if steps.dtype.kind == "i":
        count = len(steps)
        if count >= 2:
            stride = int(steps[1] - steps[0])
            if stride > 0 and np.array_equal(steps, steps[0] + stride * np.arange(count, dtype=np.int64)):
                return _RANGE + _RANGE_LAYOUT.pack(int(steps[0]), stride, count)
        return _INT64 + steps.astype("<i8").tobytes()
    return encode_floats(steps)


def encode_floats(values: np.ndarray) -> bytes:
    """Encode float values as little-endian float64 (NaN and ±inf kept)."""
    return _FLOAT64 + values.astype("<f8").tobytes()


def decode_array(blob: bytes | None) -> np.ndarray | None:
    """Decode a blob made by `encode_steps` or `encode_floats`."""
    if blob is None:
        return None
    kind, body = blob[:1], blob[1:]
    if kind == _RANGE:
        start, stride, count = _RANGE_LAYOUT.unpack(body)
        return start + stride * np.arange(count, dtype=np.int64)
    if kind == _INT64:
        return np.frombuffer(body, dtype="<i8")
    if kind == _FLOAT64:
        return np.frombuffer(body, dtype="<f8")
    raise ValueError(f"unknown series encoding {kind!r}")


def newest_time(blobs: Iterable[bytes]) -> float | None:
    """Return the largest finite wall time in blobs of times (None when none holds one)."""
    newest = None
    for blob in blobs:
        times = decode_array(blob)
        if times is not None and len(times) and np.isfinite(times).any():
            latest = float(np.nanmax(np.where(np.isfinite(times), times, np.nan)))
            newest = latest if newest is None else max(newest, latest)
    return newest
