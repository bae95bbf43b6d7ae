"""Metric series as compact blobs: steps often an arithmetic range, values raw float64."""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np

_RANGE, _INT64, _FLOAT64 = b"R", b"q", b"d"
_RANGE_LAYOUT = struct.Struct("<qqq")


class DamagedSeries(ValueError):
    """A stored series blob that no encoding here reads (its bytes changed since it was written)."""

    def __init__(self, reason: str, run: int | None = None, key: str | None = None) -> None:
        super().__init__(reason)
        self.run = run
        self.key = key


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


def decode_array(blob: bytes | None, run: int | None = None, key: str | None = None) -> np.ndarray | None:
    """Decode a blob made by `encode_steps` or `encode_floats`; DamagedSeries (naming `run` and `key`)
    when it is no such blob."""
    if blob is None:
        return None
    kind, body = bytes(blob[:1]), blob[1:]
    size = {_RANGE: _RANGE_LAYOUT.size, _INT64: 8, _FLOAT64: 8}.get(kind)
    if size is None:
        raise DamagedSeries(f"unknown series encoding {kind!r}", run, key)
    if (len(body) != size) if kind == _RANGE else (len(body) % size):
        raise DamagedSeries(
            f"a series blob of {len(blob)} bytes does not fit its encoding {kind!r}", run, key
        )
    if kind == _RANGE:
        start, stride, count = _RANGE_LAYOUT.unpack(body)
        return start + stride * np.arange(count, dtype=np.int64)
    return np.frombuffer(body, dtype="<i8" if kind == _INT64 else "<f8")


def newest_time(blobs: Iterable[tuple[str, bytes]], run: int | None = None) -> float | None:
    """Return the largest finite wall time in (key, blob of times) pairs (None when none holds one)."""
    newest = None
    for key, blob in blobs:
        times = decode_array(blob, run, key)
        if times is not None and len(times) and np.isfinite(times).any():
            latest = float(np.nanmax(np.where(np.isfinite(times), times, np.nan)))
            newest = latest if newest is None else max(newest, latest)
    return newest
