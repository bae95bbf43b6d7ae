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


@dataclass(frozen=True, eq=False)
class SeriesIndex:
    """Which runs logged a metric, where each one's row sits among the blocks' rows laid end to end
    (the order of any array computed block by block), and how many points it has: what a table
    needs of a metric once its reductions are computed, without the values."""

    runs: np.ndarray  # internal run ids, sorted
    rows: np.ndarray  # the flat row of each
    lengths: np.ndarray  # the points of each

    def find(self, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (flat row, points) of each run id; (-1, 0) for runs without a series."""
        if not len(self.runs):
            return np.full(len(runs), -1, dtype=np.int64), np.zeros(len(runs), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.runs, runs), len(self.runs) - 1)
        found = self.runs[at] == runs
        return np.where(found, self.rows[at], -1), np.where(found, self.lengths[at], 0)


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
        groups: dict[bytes, _Group] = {}
        for run, steps, values in rows:
            group = groups.get(steps)
            if group is None:
                group = groups[steps] = _Group(steps)
            group.add(run, values)
        return cls([group.block() for group in groups.values()])

    def index(self) -> SeriesIndex:
        """Return where each run's series sits among the blocks' rows laid end to end."""
        lengths = np.repeat([len(b.steps) for b in self.blocks], [len(b.runs) for b in self.blocks])
        return SeriesIndex(self._sorted, self._order, lengths.astype(np.int64)[self._order])

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


class _Group:
    """The runs that share one steps blob, as they are read: their values copied into one buffer
    (which becomes the block's matrix without another copy; no blob is kept)."""

    def __init__(self, steps_blob: bytes) -> None:
        steps = decode_array(steps_blob)
        assert steps is not None
        self.steps = steps
        self.width = 1 + 8 * len(steps)  # a float64 blob: its kind byte, then the values
        self.runs: list[int] = []
        self.buffer = bytearray()
        self.odd: dict[int, np.ndarray] = {}  # row: values stored in another encoding

    def add(self, run: int, blob: bytes) -> None:
        """Append one run's values blob."""
        if len(blob) == self.width and blob[0] == _FLOAT64:
            self.buffer += memoryview(blob)[1:]
        else:
            self.odd[len(self.runs)] = np.asarray(decode_array(blob), dtype=np.float64)
            self.buffer += bytes(self.width - 1)
        self.runs.append(run)

    def block(self) -> Block:
        """Return the runs read as a block."""
        values = np.frombuffer(self.buffer, dtype="<f8").reshape(len(self.runs), len(self.steps))
        for row, found in self.odd.items():
            values[row] = found
        return Block(np.array(self.runs, dtype=np.int64), self.steps, values)
