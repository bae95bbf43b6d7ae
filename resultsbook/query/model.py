"""What a table asks for (`TableQuery`) and what it gets (`ResultTable` of `Cell`s): numbers, no text."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, overload

import numpy as np

from resultsbook.errors import QueryError
from resultsbook.query.normalize import Normalization
from resultsbook.query.select import Filter
from resultsbook.query.stats import BOOTSTRAP_RESAMPLES

METRIC_KEY = "metric"  # the pseudo-param that lays several metrics out as rows or columns
AGGREGATE_KEY = "aggregate"  # the pseudo-param that lays aggregates over tasks out as columns
DEFAULT_RUN_SPECIFIC = (
    "timestamp", "time", "date", "datetime", "run_id", "run_name", "name", "id", "uuid",
    "output_dir", "out_dir", "log_dir", "logdir", "save_dir", "checkpoint_dir", "run_dir", "dir",
    "path", "host", "hostname", "job_id", "slurm_job_id",
    # where a run was logged, not what it ran (CleanRL's --track, --wandb-project-name, --capture-video)
    "track", "wandb_project_name", "wandb_project", "wandb_entity", "wandb_group", "capture_video",
)  # fmt: skip


@dataclass(frozen=True)
class MetricSpec:
    """One metric of a table and how each run is reduced to a number."""

    name: str
    reduce: str = "last"
    skip_first: int = 0
    budget: float | None = None  # best-mean: only steps up to this one
    direction: str | None = None  # the goal, max or min; None: from a documented name (query/goal.py)
    scale: float = 1.0
    label: str | None = None

    def __post_init__(self) -> None:
        if self.skip_first < 0:
            raise QueryError(f"skip_first = {self.skip_first} must be 0 or more (the first points to drop)")
        if self.scale < 0 and self.scale >= -1e12:  # a loss shown negated would have its highest value bold
            raise QueryError(
                f"scale = {self.scale:g} must be positive: a negative scale turns the values over, and which "
                "of them is best with them; log the value with the sign to show (scale = 100 for %)"
            )
        if not math.isfinite(self.scale) or self.scale == 0 or abs(self.scale) > 1e12:
            raise QueryError(f"scale = {self.scale} must be a non-zero number up to 1e12, e.g. 100 for %")
        if self.budget is not None and not math.isfinite(self.budget):
            raise QueryError(f"budget = {self.budget} must be a finite step")

    def scaled(self, values: np.ndarray) -> Any:  # an array: numpy's stubs make it no Sequence[float]
        """Return each run's value times `scale`, on their decimal texts (see `scaled_value`)."""
        if self.scale == 1:
            return values
        return np.array([scaled_value(value, self.scale) for value in values.tolist()], dtype=np.float64)


def scaled_value(value: float, scale: float) -> float:
    """Return value × scale computed on the numbers as logged, their shortest decimal text: a logged
    0.575 × 100 is 57.5 and rounds half-up to 58, where the float product, 57.49999999999999, read 57."""
    if scale == 1 or not math.isfinite(value):
        return value * scale
    return float(Decimal(repr(float(value))) * Decimal(repr(float(scale))))


@dataclass(frozen=True)
class TableQuery:
    """Everything that decides the numbers of a table (not how they look)."""

    metrics: tuple[MetricSpec, ...]
    rows: tuple[str, ...]
    columns: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    replicate: tuple[str, ...] = ("seed",)
    # params whose values a cell pools on purpose (the splits of one dataset, as a paper pools them):
    # runs may differ between pooled values, replicates are counted within each
    pool: tuple[str, ...] = ()
    run_specific: tuple[str, ...] = DEFAULT_RUN_SPECIFIC
    stats: tuple[str, ...] = ("mean", "std")
    ddof: int = 1
    expected: int | None = None  # replicates each cell should have; None: the most any cell has
    replicate_values: tuple[Any, ...] = ()  # the replicates each cell should have, e.g. seeds 0-4
    min_replicates: int = 3  # fewer is marked: no spread estimate is worth printing
    derived: Mapping[str, str] = field(default_factory=dict)
    order: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    bootstrap_seed: int = 0
    center: str = "mean"  # the statistic bootstrap intervals resample and tests compare
    bootstrap_resamples: int = BOOTSTRAP_RESAMPLES
    normalized: Mapping[str, Normalization] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()  # aggregate over these keys (the tasks of a benchmark), see query/tasks.py
    aggregates: tuple[str, ...] = ()  # mean, median, iqm, optimality_gap, probability_of_improvement
    optimality_threshold: float = 1.0
    versus: Mapping[str, Any] = field(default_factory=dict)  # probability of improvement over this row

    def __post_init__(self) -> None:
        if self.ddof < 0:
            raise QueryError(
                f"ddof = {self.ddof} must be 0 or more (1: the sample std, 0: the population std)"
            )
        if self.expected is not None and self.expected < 1:
            raise QueryError(
                f"replicates = {self.expected} must be 1 or more (the seeds each cell should have)"
            )
        if self.min_replicates < 0:
            raise QueryError(f"min_replicates = {self.min_replicates} must be 0 or more")
        listed = len(dict.fromkeys(self.replicate_values))
        if self.expected is not None and listed and listed != self.expected:  # every cell would be marked
            seeds = list(self.replicate_values)
            raise QueryError(
                f"seeds = {seeds} lists {listed} seeds and replicates = {self.expected} asks for "
                f"{self.expected}: make them agree, or drop replicates (the seeds listed are the count)"
            )
        both = next((key for key in self.columns if key in self.rows), None)
        if both is not None:  # rows = ["model"], columns = ["dataset", "model"]: mlp / moons / mlp
            raise QueryError(f"{both!r} is both a row and a column key; keep it in one")
        for kind, keys in (("row", self.rows), ("column", self.columns)):  # rows = ["model", "model"]
            twice = next((key for index, key in enumerate(keys) if key in keys[:index]), None)
            if twice is not None:
                raise QueryError(f"{kind} key {twice!r} is listed twice; list it once")
        unlabelled = [replace(metric, label=None) for metric in self.metrics]  # the numbers, not their name
        same = next((m for index, m in enumerate(unlabelled) if m in unlabelled[:index]), None)
        if same is not None:
            raise QueryError(
                f"metric {same.name!r} is listed twice, reduced the same way ({same.reduce}): list it once"
            )

    def marks_few(self, n: int) -> bool:
        """Whether a cell of n replicates is marked as too few: not when one replicate is the plan."""
        return 0 < n < self.min_replicates and self.expected != 1

    def metric_key(self, metric: MetricSpec) -> str:
        """Return the value of the `metric` key that lays this metric out: its name, or, for a metric the
        table reduces two ways (a Keras log's best and last val_acc), its name and its reduction."""
        return _metric_keys(self.metrics)[self.metrics.index(metric)]

    def metric_of_key(self, key: Any) -> MetricSpec:
        """Return the metric laid out under a value of the `metric` key."""
        return self.metrics[_metric_keys(self.metrics).index(key)]


@functools.lru_cache(maxsize=64)
def _metric_keys(metrics: tuple[MetricSpec, ...]) -> tuple[str, ...]:
    """Return each metric's key: its name when the table names it once, else `name (reduce)`, with the
    points skipped or its position when that is still not enough to tell two apart."""
    names = [metric.name for metric in metrics]
    keys = [
        name if names.count(name) == 1 else f"{name} ({metric.reduce}{_skipped(metric)})"
        for name, metric in zip(names, metrics)
    ]
    return tuple(
        key if keys.count(key) == 1 else f"{key[:-1]}, {index + 1})" for index, key in enumerate(keys)
    )


def _skipped(metric: MetricSpec) -> str:
    return f", skip {metric.skip_first}" if metric.skip_first else ""


@dataclass(frozen=True)
class Mark:
    """An honesty warning attached to a cell: its kind and the sentence explaining it."""

    kind: str  # incomplete, duplicate, mixed, provenance, status, novalue, substituted, infinite, ...
    text: str  # one bounded line
    details: tuple[str, ...] = ()  # the full list behind the line (JSON outputs carry it)
    note: str = ""  # which footnote sentence it needs when not its kind's usual one (render/layout.py)


@dataclass(frozen=True)
class CellRun:
    """One run behind a cell: who it is and the number it contributed."""

    id: int
    run_id: str
    name: str
    value: float
    status: str
    replicate: tuple[Any, ...]
    note: tuple[str, str] | None = None  # (substituted | refused | logged, why) for this run's value
    task: tuple[Any, ...] | None = None  # the run's task, in tables aggregated over tasks
    pooled: tuple[Any, ...] = ()  # the values of the table's pool params: which group it belongs to


class CellRuns(Sequence[CellRun]):
    """The runs behind a cell as columns, in the cell's order; a `CellRun` is made only when one is
    looked at (a cell of a large table has tens of thousands of runs and most outputs need columns)."""

    def __init__(
        self,
        ids: np.ndarray,
        run_ids: np.ndarray,
        names: np.ndarray,
        values: np.ndarray,
        statuses: np.ndarray,
        replicate: Sequence[np.ndarray],
        notes: np.ndarray,
        pooled: Sequence[np.ndarray] = (),
        tasks: Sequence[np.ndarray] | None = None,
        run_id_ranks: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        self.run_ids = run_ids  # object arrays of text ...
        self.names = names
        self.values = values  # ... float64, after scaling
        self.statuses = statuses
        self.replicate = tuple(replicate)  # one object array per replicate key
        self.notes = notes  # object array: None or (kind, why)
        self.pooled = tuple(pooled)  # one object array per pooled key
        self.tasks = None if tasks is None else tuple(tasks)
        self._run_id_ranks = run_id_ranks  # order of run_ids among all runs (sorting without comparing)
        self._made: tuple[CellRun, ...] | None = None
        self._distinct_statuses: frozenset[Any] | None = None

    @classmethod
    def of(cls, runs: Sequence[CellRun]) -> CellRuns:
        """Return CellRun objects as columns (a CellRuns as it is)."""
        if isinstance(runs, CellRuns):
            return runs
        listed = list(runs)
        width = len(listed[0].replicate) if listed else 0
        pooled = len(listed[0].pooled) if listed else 0
        tasks = None if not listed or listed[0].task is None else len(listed[0].task)
        made = cls(
            np.array([r.id for r in listed], dtype=np.int64),
            _objects([r.run_id for r in listed]),
            _objects([r.name for r in listed]),
            np.array([r.value for r in listed], dtype=np.float64),
            _objects([r.status for r in listed]),
            [_objects([r.replicate[i] for r in listed]) for i in range(width)],
            _objects([r.note for r in listed]),
            [_objects([r.pooled[i] for r in listed]) for i in range(pooled)],
            None if tasks is None else [_objects([(r.task or ())[i] for r in listed]) for i in range(tasks)],
        )
        made._made = tuple(listed)
        return made

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, item: int) -> CellRun: ...

    @overload
    def __getitem__(self, item: slice) -> tuple[CellRun, ...]: ...

    def __getitem__(self, item: int | slice) -> CellRun | tuple[CellRun, ...]:
        return self.made()[item]

    def __iter__(self) -> Iterator[CellRun]:
        return iter(self.made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (CellRuns, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CellRuns({len(self)} runs)"

    def made(self) -> tuple[CellRun, ...]:
        """Return the runs as CellRun objects (made once)."""
        if self._made is None:
            columns = [c.tolist() for c in self.replicate]
            pooled = [c.tolist() for c in self.pooled]
            tasks = None if self.tasks is None else [c.tolist() for c in self.tasks]
            self._made = tuple(
                CellRun(
                    id=run,
                    run_id=run_id,
                    name=name,
                    value=value,
                    status=status,
                    replicate=tuple(c[i] for c in columns),
                    note=note,
                    task=None if tasks is None else tuple(c[i] for c in tasks),
                    pooled=tuple(c[i] for c in pooled),
                )
                for i, (run, run_id, name, value, status, note) in enumerate(
                    zip(
                        self.ids.tolist(),
                        self.run_ids.tolist(),
                        self.names.tolist(),
                        self.values.tolist(),
                        self.statuses.tolist(),
                        self.notes.tolist(),
                    )
                )
            )
        return self._made

    def distinct_statuses(self) -> frozenset[Any]:
        """Return the statuses the runs have (a few texts), found once: the marks and the digest ask."""
        if self._distinct_statuses is None:
            self._distinct_statuses = frozenset(self.statuses.tolist())
        return self._distinct_statuses

    def sorted_run_ids(self) -> list[str]:
        """Return the run ids in text order (as `sorted` gives them)."""
        if self._run_id_ranks is None:
            return sorted(self.run_ids.tolist())
        # no stable sort needed (5x slower): runs of equal rank are one run of the read, one same run id
        return self.run_ids[np.argsort(self._run_id_ranks)].tolist()

    def replicate_of(self, index: int) -> tuple[Any, ...]:
        """Return one run's replicate values."""
        return tuple(column[index] for column in self.replicate)


def _objects(values: Sequence[Any]) -> np.ndarray:
    """Return values as a 1-d object array (tuples stay elements)."""
    return np.fromiter(values, dtype=object, count=len(values))


@dataclass(frozen=True)
class Cell:
    """One aggregated number: its replicates, statistics and marks."""

    row: tuple[Any, ...]
    column: tuple[Any, ...]
    metric: MetricSpec
    runs: CellRuns
    stats: Mapping[str, float]
    marks: tuple[Mark, ...] = ()
    step: float | None = None  # best-mean: the step whose mean was best
    statistic: str | None = None  # aggregate tables: the aggregate this cell shows (stats["value"])
    # the params its runs differ in, with their values: what its `mixed` mark says
    differing: Mapping[str, list[Any]] = field(default_factory=dict)
    # the pooled then replicate values of the runs that belong here but have no value of the metric at
    # all (a Hydra job that crashed before it logged one): they ran, so they are not missing seeds
    ran_without_value: tuple[tuple[Any, ...], ...] = ()
    # the store id and status of each of those runs, in its order: a seed whose run is still running
    # has no value yet, and is no run to launch again
    without_value: tuple[tuple[int, str], ...] = ()
    # the positions of its runs, none with a replicate value, that repeat an earlier one of their source
    # field for field (a row written twice): averaged, but no replicate of their own
    copies: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.runs, CellRuns):
            object.__setattr__(self, "runs", CellRuns.of(self.runs))

    @property
    def values(self) -> tuple[float, ...]:
        """Return the per-run values (after scaling); `runs.values` holds them as an array."""
        return tuple(self.runs.values.tolist())


@dataclass(frozen=True)
class ResultTable:
    """An aggregated table: ordered row and column keys and the cells between them."""

    query: TableQuery
    row_keys: tuple[str, ...]
    column_keys: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    columns: tuple[tuple[Any, ...], ...]
    cells: Mapping[tuple[tuple[Any, ...], tuple[Any, ...]], Cell]
    expected: int
    notes: tuple[str, ...] = ()
    metric_notes: tuple[str, ...] = ()  # what the metrics are (normalisation), for the table note
    # what the table did that needs no fix (a resumed W&B run counted once): said, never failed on
    remarks: tuple[str, ...] = ()

    def cell(self, row: tuple[Any, ...], column: tuple[Any, ...]) -> Cell | None:
        """Return the cell at a row and column, or None when no run falls there."""
        return self.cells.get((row, column))

    def metric_of(self, row: tuple[Any, ...], column: tuple[Any, ...]) -> MetricSpec:
        """Return the metric shown at a row and column."""
        if len(self.query.metrics) == 1:
            return self.query.metrics[0]
        keys = dict(zip(self.row_keys, row)) | dict(zip(self.column_keys, column))
        return self.query.metric_of_key(keys[METRIC_KEY])
