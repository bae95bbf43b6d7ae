"""One metric's series of many runs at once: runs that logged the same steps share one matrix (a row
per run), decoded from the store's blobs in one pass, so that per-run reductions are array operations.

    >>> series = MetricSeries.read(store, "val/acc")       # doctest: +SKIP
    >>> for block in series.blocks: block.values.shape    # doctest: +SKIP
    (9998, 100)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from resultsbook.store import Store
from resultsbook.store.codec import decode_array

_FLOAT64 = b"d"[0]


@dataclass(frozen=True, eq=False)
class Block:
    """Runs that logged the same steps: their ids, the shared steps and a values row per run."""

    runs: np.ndarray  # internal run ids, one per row
    steps: np.ndarray
    values: np.ndarray  # len(runs) × len(steps), float64

    def skip(self, first: int) -> Block:
        """Return the block without each run's first points."""
        if not first:
            return self
        return Block(self.runs, self.steps[first:], self.values[:, first:])


class MetricSeries:
    """Every stored series of one metric key, as blocks of runs that share their steps."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        runs = np.concatenate([b.runs for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
        self._order = np.argsort(runs, kind="stable")
        self._sorted = runs[self._order]
        starts = np.cumsum([0, *(len(b.runs) for b in blocks)])
        self._block = np.repeat(np.arange(len(blocks)), np.diff(starts))
        self._row = np.arange(len(runs)) - starts[self._block]

    @classmethod
    def read(cls, store: Store, key: str) -> MetricSeries:
        """Decode one metric key's series of every run (values without their wall times)."""
        return cls.from_blobs(store.series_blobs(key))

    @classmethod
    def from_blobs(cls, rows: Iterable[tuple[int, bytes, bytes]]) -> MetricSeries:
        """Group (run, steps blob, values blob) rows by their steps and decode each group at once."""
        groups: dict[bytes, tuple[list[int], list[bytes]]] = {}
        for run, steps, values in rows:
            runs, blobs = groups.setdefault(steps, ([], []))
            runs.append(run)
            blobs.append(values)
        blocks = []
        for steps_blob, (runs, blobs) in groups.items():
            shared = decode_array(steps_blob)
            assert shared is not None
            blocks.append(Block(np.array(runs, dtype=np.int64), shared, _decode_rows(blobs, len(shared))))
        return cls(blocks)

    def locate(self, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (block, row) of each run id; block -1 for runs without a series of this key."""
        if not len(self._sorted):
            missing = np.full(len(runs), -1, dtype=np.int64)
            return missing, missing
        at = np.minimum(np.searchsorted(self._sorted, runs), len(self._sorted) - 1)
        found = self._sorted[at] == runs
        index = self._order[at]
        return np.where(found, self._block[index], -1), np.where(found, self._row[index], -1)

    def curve(self, run: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Return one run's (steps, values), or None."""
        block, row = self.locate(np.array([run], dtype=np.int64))
        if block[0] < 0:
            return None
        found = self.blocks[int(block[0])]
        return found.steps, found.values[int(row[0])]


def _decode_rows(blobs: list[bytes], length: int) -> np.ndarray:
    """Decode value blobs of one length into a matrix (one row each); float64 blobs in one copy."""
    width = 1 + 8 * length
    if all(len(blob) == width and blob[0] == _FLOAT64 for blob in blobs):
        layout = np.dtype([("kind", "u1"), ("values", "<f8", (length,))])
        packed = np.frombuffer(b"".join(blobs), dtype=layout)
        return np.ascontiguousarray(packed["values"], dtype=np.float64).reshape(len(blobs), length)
    rows = [decode_array(blob) for blob in blobs]
    return np.array([np.asarray(row, dtype=np.float64) for row in rows], dtype=np.float64).reshape(
        len(blobs), length
    )
