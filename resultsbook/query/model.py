"""What a table asks for (`TableQuery`) and what it gets (`ResultTable` of `Cell`s): numbers, no text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
        if not math.isfinite(self.scale) or self.scale == 0 or abs(self.scale) > 1e12:
            raise QueryError(f"scale = {self.scale} must be a non-zero number up to 1e12, e.g. 100 for %")
        if self.budget is not None and not math.isfinite(self.budget):
            raise QueryError(f"budget = {self.budget} must be a finite step")


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


@dataclass(frozen=True)
class Mark:
    """An honesty warning attached to a cell: its kind and the sentence explaining it."""

    kind: str  # incomplete, duplicate, mixed, provenance, status, novalue, substituted, infinite, ...
    text: str  # one bounded line
    details: tuple[str, ...] = ()  # the full list behind the line (JSON outputs carry it)


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


@dataclass(frozen=True)
class Cell:
    """One aggregated number: its replicates, statistics and marks."""

    row: tuple[Any, ...]
    column: tuple[Any, ...]
    metric: MetricSpec
    runs: tuple[CellRun, ...]
    stats: Mapping[str, float]
    marks: tuple[Mark, ...] = ()
    step: float | None = None  # best-mean: the step whose mean was best
    statistic: str | None = None  # aggregate tables: the aggregate this cell shows (stats["value"])

    @property
    def values(self) -> tuple[float, ...]:
        """Return the per-run values (after scaling)."""
        return tuple(run.value for run in self.runs)


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

    def cell(self, row: tuple[Any, ...], column: tuple[Any, ...]) -> Cell | None:
        """Return the cell at a row and column, or None when no run falls there."""
        return self.cells.get((row, column))

    def metric_of(self, row: tuple[Any, ...], column: tuple[Any, ...]) -> MetricSpec:
        """Return the metric shown at a row and column."""
        if len(self.query.metrics) == 1:
            return self.query.metrics[0]
        keys = dict(zip(self.row_keys, row)) | dict(zip(self.column_keys, column))
        return next(m for m in self.query.metrics if m.name == keys[METRIC_KEY])
