"""One metric's series of many runs at once: runs that logged the same steps share one matrix (a row
per run), decoded from the store's blobs in one pass, so that per-run reductions are array operations.

    >>> series = MetricSeries.read(store, "val/acc")       # doctest: +SKIP
    >>> for block in series.blocks: block.values.shape    # doctest: +SKIP
    (9998, 100)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

import numpy as np

from resultsbook.store import Store
from resultsbook.store.codec import DamagedSeries, decode_array

_FLOAT64 = b"d"[0]
_CHUNK = 4096  # rows taken from the store at a time: one copy each for a metric's usual rows


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
        try:
            return cls.from_blobs(store.series_blobs(key), store.series_count(key))
        except DamagedSeries as error:
            error.key = key
            raise store.damaged_series(error) from error

    @classmethod
    def from_blobs(cls, rows: Iterable[tuple[int, bytes, bytes]], count: int = 0) -> MetricSeries:
        """Group (run, steps blob, values blob) rows by their steps, each group's values copied into
        one matrix as the rows come; `count`, the number of rows, sizes the first group's matrix
        (most metrics have one step layout for every run)."""
        groups: dict[bytes, _Group] = {}
        rows = iter(rows)
        while chunk := list(islice(rows, _CHUNK)):
            runs, steps, values = zip(*chunk)
            if steps.count(steps[0]) == len(steps):  # as usual, every run of the chunk logged the same steps
                group = groups.get(steps[0])
                if group is None:
                    group = groups[steps[0]] = _Group(steps[0], count if not groups else 16, runs[0])
                group.add_rows(runs, values)
                continue
            for run, steps_blob, blob in chunk:
                group = groups.get(steps_blob)
                if group is None:
                    group = groups[steps_blob] = _Group(steps_blob, count if not groups else 16, run)
                group.add(run, blob)
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
    """The runs that share one steps blob, as they are read: each run's values copied into its row
    of one matrix (sized up front when the number of runs is known, else doubled as it fills); no
    blob is kept."""

    def __init__(self, steps_blob: bytes, capacity: int, run: int) -> None:
        steps = decode_array(steps_blob, run)
        assert steps is not None
        self.steps = steps
        self.size = 8 * len(steps)  # bytes of one row; a float64 blob is its kind byte, then these
        self.runs: list[int] = []
        self.odd: dict[int, np.ndarray] = {}  # row: values stored in another encoding
        self.values = np.empty((0, len(steps)), dtype=np.float64)
        self.raw: memoryview | None = None  # the matrix's bytes, written row by row
        self._allocate(max(capacity, 1))

    def _allocate(self, rows: int) -> None:
        grown = np.empty((rows, len(self.steps)), dtype=np.float64)
        if self.runs:
            grown[: len(self.runs)] = self.values[: len(self.runs)]
        self.values = grown
        self.raw = grown.reshape(-1).data.cast("B") if self.size else None

    def add(self, run: int, blob: bytes) -> None:
        """Copy one run's values blob into its row."""
        row = len(self.runs)
        if row == len(self.values):
            self._allocate(2 * row)
        if len(blob) == self.size + 1 and blob[0] == _FLOAT64:
            if self.raw is not None:
                self.raw[row * self.size : (row + 1) * self.size] = memoryview(blob)[1:]
        else:
            self.odd[row] = np.asarray(decode_array(blob, run), dtype=np.float64)
        self.runs.append(run)

    def add_rows(self, runs: tuple[int, ...], blobs: tuple[bytes, ...]) -> None:
        """Copy the values blobs of runs that share these steps into their rows, at once when every
        one is float64 of the steps' length (one at a time otherwise)."""
        row = len(self.runs)
        if not self.size or set(map(len, blobs)) != {self.size + 1}:
            for run, blob in zip(runs, blobs):
                self.add(run, blob)
            return
        raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), self.size + 1)
        if not (raw[:, 0] == _FLOAT64).all():
            for run, blob in zip(runs, blobs):
                self.add(run, blob)
            return
        while row + len(blobs) > len(self.values):
            self._allocate(2 * len(self.values))
        self.values[row : row + len(blobs)] = raw[:, 1:].view("<f8")
        self.runs.extend(runs)

    def block(self) -> Block:
        """Return the runs read as a block (a matrix filled less than half is copied to its size)."""
        count = len(self.runs)
        values = self.values[:count]
        if count < len(self.values) // 2:
            values = values.copy()
        self.raw = None
        for row, found in self.odd.items():
            values[row] = found
        return Block(np.array(self.runs, dtype=np.int64), self.steps, values)
