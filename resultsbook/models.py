"""Plain data passed between the stages: runs as adapters read them, problems, collect reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# `queued`: waiting for its turn, not started (DVC's Queued experiment): no value yet, and no process
STATUSES = ("finished", "failed", "running", "interrupted", "queued", "unknown")
# the names a log's step column goes by, in the order a CSV reader picks one (tables explain them too)
# (`training_iteration`: Ray Tune's `progress.csv`, from 1; `round`: a federated learning round, Flower's
# `History`)
STEP_COLUMNS = (
    "step",
    "global_step",
    "_step",
    "iteration",
    "iter",
    "training_iteration",
    "timestep",
    "env_step",
    "epoch",
    "round",
)

ParamValue = Any  # int | float | str | bool | None, or a list/dict kept as JSON


@dataclass(frozen=True, eq=False)
class Series:
    """One metric over steps: aligned arrays of step, value and (optional) wall time."""

    steps: np.ndarray
    values: np.ndarray
    times: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as one buffer: reader processes send thousands of series, and numpy's own pickling
        costs several µs an array on each side."""
        import numpy as np

        arrays = (self.steps, self.values) if self.times is None else (self.steps, self.values, self.times)
        if not all(isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind in "iuf" for a in arrays):
            return (Series, (self.steps, self.values, self.times))  # malformed: the check reports it
        layout = tuple((a.dtype.str, len(a)) for a in arrays)
        return (_series_from_buffer, (layout, b"".join(_padded(a.tobytes()) for a in arrays)))


def _padded(data: bytes) -> bytes:
    """Pad an array's bytes to a multiple of 8, so that the next array in the buffer is aligned."""
    return data + bytes(-len(data) % 8)


def _series_from_buffer(layout: tuple[tuple[str, int], ...], data: bytes) -> Series:
    """Rebuild a pickled `Series` (its arrays are writable views of one copy of `data`)."""
    import numpy as np

    buffer = bytearray(data)
    arrays = []
    offset = 0
    for dtype, count in layout:
        array = np.frombuffer(buffer, dtype, count, offset)
        arrays.append(array)
        offset += array.nbytes + (-array.nbytes % 8)
    return Series(*arrays)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a log file: where, what, and what was kept anyway."""

    path: str
    message: str
    kept: str = ""
    unread: bool = False  # the file could not be read at all: a stored source keeps the runs it held

    def describe(self) -> str:
        """Return the one-line form shown to users."""
        tail = f" — kept: {self.kept}" if self.kept else ""
        return f"{self.path}: {self.message}{tail}"


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One run as an adapter read it; `key` tells it apart from other runs of the same source."""

    key: str = ""
    name: str = ""
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    metrics: Mapping[str, Series] = field(default_factory=dict)
    summary: Mapping[str, float] = field(default_factory=dict)
    status: str = "unknown"
    start_time: float | None = None
    end_time: float | None = None
    experiment: str | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """A file or folder that one adapter reads into runs; `files` are stat-ed for its signature."""

    adapter: str
    path: str
    files: tuple[str, ...]
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    version: str = ""  # for a source that is not files (a run in a tracking server): changes with it


@dataclass(frozen=True)
class ReadResult:
    """What an adapter got from one source: the runs it could read and the problems it met."""

    runs: tuple[RunRecord, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class CollectReport:
    """Outcome of one collect: counts of runs by fate, and every problem met."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0
    sources_read: int = 0
    sources_skipped: int = 0
    problems: tuple[Problem, ...] = ()
    changed_sources: tuple[str, ...] = ()  # stored paths of the sources read or found gone
    notes: tuple[str, ...] = ()  # why a collected path gave no source: what was tried, what to change
    standing_problems: int = 0  # met when the unchanged sources were last read: not in `problems`

    def summary_line(self) -> str:
        """Return the one-line summary printed after a collect."""
        parts = [
            f"{self.new} new",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.missing:
            parts.append(f"{self.missing} missing")
        parts.append(f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        """Return the counts, not every path read (a notebook shows the report a cell ends with)."""
        return (
            f"CollectReport({self.summary_line()}; {self.sources_read} source(s) read, "
            f"{self.sources_skipped} skipped; see .problems, .notes and .changed_sources)"
        )


@dataclass(frozen=True)
class ForgetReport:
    """The stored sources a forget removed (or, dry, would remove) and how many runs they held."""

    sources: tuple[str, ...]  # as the store names them
    runs: int
    dry_run: bool = False
    notes: tuple[str, ...] = ()  # the spec's [[sources]] that would collect them again

    def summary_line(self) -> str:
        """Say what was forgotten: `80 runs of 80 sources`."""
        runs = f"{self.runs} run{'' if self.runs == 1 else 's'}"
        return f"{runs} of {len(self.sources)} source{'' if len(self.sources) == 1 else 's'}"

    def __repr__(self) -> str:
        """Return the counts, not every source (a notebook shows the report a cell ends with)."""
        return f"ForgetReport({self.summary_line()}{', dry run' if self.dry_run else ''})"


@dataclass(frozen=True)
class StoredRun:
    """A run as the store holds it, with its params."""

    id: int
    run_id: str
    name: str
    adapter: str
    source: str
    experiment: str | None
    status: str
    start_time: float | None
    end_time: float | None
    git_commit: str | None
    git_dirty: bool | None
    provenance: Mapping[str, Any]
    present: bool
    params: Mapping[str, ParamValue]
    digest: str = ""  # changes whenever anything stored about the run changes
