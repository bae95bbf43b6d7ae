"""Figures over the tasks of a benchmark (rliable's): performance profiles and sample-efficiency curves,
each line with a stratified bootstrap band (runs resampled within each task, as query/tasks.py).

profile      for each threshold τ, the fraction of a method's runs whose score exceeds τ, averaged
             over tasks (rliable's run-score distribution; with equal runs per task it is the
             fraction of all runs); band: 95 % stratified percentile bootstrap at each τ
efficiency   an aggregate (IQM by default) of the runs' scores at each step, over tasks; each run's
             curve is linearly interpolated onto a common grid of at most `points` steps, kept
             where every run has data; band: 95 % stratified percentile bootstrap at each step
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resultsbook.errors import QueryError
from resultsbook.models import StoredRun
from resultsbook.params import format_value, sort_key
from resultsbook.query.access import MetricReader
from resultsbook.query.aggregate import valueless_note
from resultsbook.query.curves import align_curves
from resultsbook.query.goal import metric_goal
from resultsbook.query.model import MetricSpec, ResultTable
from resultsbook.query.normalize import Normalization
from resultsbook.query.resumed import without_value
from resultsbook.query.runs import Runs
from resultsbook.query.select import Filter, run_value, select_runs
from resultsbook.query.tasks import (
    AGGREGATE_NAMES,
    AGGREGATES,
    PAIRWISE,
    aggregate_rows,
    stratified_batches,
    task_words,
)
from resultsbook.store import Store

PROFILE_BATCH = 2_000_000  # resampled values × thresholds held at once


@dataclass(frozen=True)
class TaskLine:
    """One method's line: x, the statistic and its band, how many runs and tasks are behind it."""

    hue: Any
    x: np.ndarray
    center: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: int
    tasks: int
    run_ids: tuple[str, ...] = ()  # an efficiency line's runs, sorted (a profile's are its table's)


@dataclass(frozen=True)
class TaskLines:
    """The lines of a profile or efficiency figure, what they show, and the notes a reader must see."""

    hue: str
    lines: tuple[TaskLine, ...]
    statement: str
    xlabel: str  # a key of the label map (the metric, or "step"), or text
    ylabel: str
    notes: tuple[str, ...] = ()
    x_suffix: str = ""  # after the x label: " (τ)" for profiles


@dataclass(frozen=True)
class ProfileQuery:
    """What a performance-profile figure draws: the runs of a table aggregated over tasks."""

    table: str
    tau: tuple[float, float] | None = None  # the thresholds' range [default: 0 to the largest score]
    points: int = 101
    band: bool = True


@dataclass(frozen=True)
class EfficiencyQuery:
    """Everything that decides a sample-efficiency figure."""

    metric: str
    tasks: tuple[str, ...]
    hue: str
    filters: tuple[Filter, ...] = ()
    aggregate: str = "iqm"
    band: bool = True
    scale: float = 1.0
    skip_first: int = 0
    points: int = 100
    optimality_threshold: float = 1.0
    bootstrap_resamples: int = 2_000
    bootstrap_seed: int = 0
    derived: Mapping[str, str] = field(default_factory=dict)
    normalized: Mapping[str, Normalization] = field(default_factory=dict)


# ----------------------------------------------------------------------------- profiles
def profile_rows(samples: Sequence[np.ndarray], taus: np.ndarray) -> np.ndarray:
    """Return, per row of per-task score arrays (rows × n_t), the fraction above each τ, task-averaged."""
    return np.mean([(s[:, :, None] > taus[None, None, :]).mean(axis=1) for s in samples], axis=0)


def performance_profile(per_task: Sequence[np.ndarray], taus: np.ndarray) -> np.ndarray:
    """Return the fraction of runs above each τ, averaged over tasks."""
    return profile_rows([np.asarray(s, dtype=np.float64)[None, :] for s in per_task], taus)[0]


def profile_band(
    per_task: Sequence[np.ndarray], taus: np.ndarray, resamples: int, seed: int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the stratified percentile bootstrap band of a performance profile."""
    if all(len(s) < 2 for s in per_task):  # one run a task: every resample the same
        profile = performance_profile(per_task, taus)
        return profile, profile
    rng = np.random.default_rng(seed)
    size = sum(len(s) for s in per_task) * len(taus)
    parts = [
        profile_rows(batch, taus)
        for batch in stratified_batches(per_task, resamples, rng, max(1, PROFILE_BATCH // max(size, 1)))
    ]
    tail = (1 - level) / 2
    low, high = np.quantile(np.concatenate(parts), [tail, 1 - tail], axis=0)
    return low, high


def performance_profiles(
    table: ResultTable, taus: np.ndarray | None = None, points: int = 101, band: bool = True
) -> TaskLines:
    """Compute one profile per row of a table aggregated over tasks, from the runs behind its cells."""
    if not table.query.tasks:
        raise QueryError('a profile figure draws a table aggregated over tasks (tasks = "KEY")')
    by_row: dict[Any, Sequence[Any]] = {}
    for (row, _), cell in table.cells.items():
        by_row.setdefault(row, cell.runs)
    scores = {row: _scores_by_task(runs) for row, runs in by_row.items()}
    if taus is None:
        finite = [v for per in scores.values() for s in per.values() for v in s if np.isfinite(v)]
        top = max(finite, default=1.0)
        taus = np.linspace(min(0.0, min(finite, default=0.0)), top, points)
    lines = []
    query = table.query
    for row in table.rows:
        per_task = list(scores.get(row, {}).values())
        if not per_task:
            continue
        center = performance_profile(per_task, taus)
        low, high = (
            profile_band(per_task, taus, query.bootstrap_resamples, query.bootstrap_seed)
            if band
            else (center, center)
        )
        runs = sum(len(s) for s in per_task)
        lines.append(TaskLine(row[0] if len(row) == 1 else row, taus, center, low, high, runs, len(per_task)))
    metric = query.metrics[0]
    task_word = " × ".join(query.tasks)
    statement = (
        f"Lines: fraction of runs with {metric.label or metric.name} > τ, "
        f"averaged over {task_words(query.tasks)} "
        f"({_counts(lines)})"
    )
    if band:
        statement += (
            f"; band: 95% stratified percentile bootstrap (runs resampled within each {task_word}; "
            f"{query.bootstrap_resamples:,} resamples, seed {query.bootstrap_seed})"
        )
    single = [format_value(line.hue) for line in lines if band and np.array_equal(line.low, line.high)]
    notes = tuple(f"{name}: a single run on every {task_word}: no band" for name in single)
    if metric_goal(metric.name, metric.direction).direction == "min":  # rliable's profiles: higher is better
        notes += (
            f"{metric.name!r} is lower-is-better, and a profile counts the runs above each τ: the best "
            "row's line is the lowest; negate it with a derived metric for a profile whose best is on top",
        )
    return TaskLines(
        table.row_keys[0],
        tuple(lines),
        statement + ".",
        metric.label or metric.name,
        "Fraction of runs with score > τ",
        notes,
        " (τ)",
    )


def _scores_by_task(runs: Sequence[Any]) -> dict[Any, np.ndarray]:
    grouped: dict[Any, list[float]] = defaultdict(list)
    for run in runs:
        if run.task is not None and not np.isnan(run.value):
            grouped[run.task].append(run.value)
    ordered = sorted(grouped, key=lambda t: tuple(sort_key(v) for v in t))
    return {task: np.asarray(grouped[task], dtype=np.float64) for task in ordered}


def _counts(lines: Sequence[TaskLine]) -> str:
    tasks = sorted({line.tasks for line in lines})
    runs = sorted({line.runs for line in lines})
    task_text = f"{tasks[0]}" if len(tasks) == 1 else f"{tasks[0]}–{tasks[-1]}" if tasks else "0"
    run_text = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]}–{runs[-1]}" if runs else "0"
    return f"{task_text} tasks, {run_text} runs per line"


# ----------------------------------------------------------------------------- efficiency
def efficiency_curves(
    store: Store, query: EfficiencyQuery, runs: Sequence[StoredRun] | None = None
) -> TaskLines:
    """Compute one sample-efficiency line per hue value: the aggregate over tasks at each step."""
    if query.aggregate not in AGGREGATES or query.aggregate in PAIRWISE:
        allowed = ", ".join(a for a in AGGREGATES if a not in PAIRWISE)
        raise QueryError(f"aggregate = {query.aggregate!r}; a sample-efficiency curve takes one of {allowed}")
    reader = MetricReader(store, query.derived, query.normalized)
    reader.check(query.metric)
    chosen: Runs = select_runs(Runs.load(store) if runs is None else Runs.of(runs), query.filters)
    logged = reader.having(query.metric, chosen)
    selected = list(chosen.take(logged))
    groups: dict[Any, list[StoredRun]] = defaultdict(list)
    notes: list[str] = []
    if not logged.all():  # a hue that logs another metric would silently have no line
        notes += valueless_note(
            without_value(chosen, logged), [query.hue], [], MetricSpec(query.metric), reader
        )
    lacking = 0
    for run in selected:
        if run_value(run, query.hue) is None or any(run_value(run, k) is None for k in query.tasks):
            lacking += 1
            continue
        groups[run_value(run, query.hue)].append(run)
    if lacking:
        notes.append(f"{lacking} run(s) lack {query.hue} or a task key and were left out")
    curves = reader.curves(
        query.metric, [run for members in groups.values() for run in members], query.skip_first
    )
    lines = []
    for hue in sorted(groups, key=sort_key):
        members = [run for run in groups[hue] if run.id in curves and len(curves[run.id][0])]
        if len(members) < len(groups[hue]):
            notes.append(
                f"{format_value(hue)}: {len(groups[hue]) - len(members)} run(s) without points left out"
            )
        if not members:
            continue
        line = _efficiency_line(hue, members, curves, query, notes)
        if line is not None:
            lines.append(line)
    if not lines:
        notes.append("no run matches the filters and has the metric; check where and the metric name")
    task_word = " × ".join(query.tasks)
    statement = (
        f"Lines: {AGGREGATE_NAMES[query.aggregate]} of {query.metric} over {task_words(query.tasks)} "
        "at each step "
        f"({_counts(lines)}); each run's curve linearly interpolated onto a common grid (at most "
        f"{query.points} points), kept where every run had data"
    )
    if query.band:
        statement += (
            f"; band: 95% stratified percentile bootstrap (runs resampled within each {task_word}; "
            f"{query.bootstrap_resamples:,} resamples, seed {query.bootstrap_seed})"
        )
    if query.scale != 1:
        statement += f"; values × {query.scale:g}"
    return TaskLines(
        query.hue,
        tuple(lines),
        statement + ".",
        "Step",
        f"{AGGREGATE_NAMES[query.aggregate]} {query.metric}",
        tuple(notes),
    )


def _efficiency_line(
    hue: Any, members: list[StoredRun], curves: Mapping[int, Any], query: EfficiencyQuery, notes: list[str]
) -> TaskLine | None:
    """Align one method's runs and compute the aggregate over tasks (and its band) at each grid point."""
    ordered = [(run, curves[run.id]) for run in members]
    scaled = [
        (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64) * query.scale)
        for _, (x, y) in ordered
    ]
    grid, values, _ = align_curves(scaled, "interpolate", query.points)
    keep = ~np.isnan(values).any(axis=0)
    if not keep.all():
        notes.append(
            f"{format_value(hue)}: {int((~keep).sum())} of {len(grid)} grid points dropped "
            "(not every run had data)"
        )
    grid, values = grid[keep], values[:, keep]
    if not len(grid):
        return None
    tasks = [tuple(run_value(run, k) for k in query.tasks) for run, _ in ordered]
    distinct = sorted(set(tasks), key=lambda t: tuple(sort_key(v) for v in t))
    rows = [np.array([i for i, t in enumerate(tasks) if t == task]) for task in distinct]
    per_task = [values[index] for index in rows]  # each: runs of the task × grid points
    center = np.array([_aggregate_at(per_task, j, query) for j in range(len(grid))])
    low, high = center.copy(), center.copy()
    if query.band and any(len(index) > 1 for index in rows):
        rng = np.random.default_rng(query.bootstrap_seed)
        draws = [rng.integers(0, len(index), (query.bootstrap_resamples, len(index))) for index in rows]
        for j in range(len(grid)):
            resampled = [scores[:, j][draw] for scores, draw in zip(per_task, draws)]
            distribution = aggregate_rows(query.aggregate, resampled, query.optimality_threshold)
            low[j], high[j] = np.quantile(distribution, [0.025, 0.975])
    elif query.band:
        notes.append(f"{format_value(hue)}: a single run on every task: no band")
    ids = tuple(sorted(run.run_id for run in members))
    return TaskLine(hue, grid, center, low, high, len(members), len(distinct), ids)


def _aggregate_at(per_task: Sequence[np.ndarray], j: int, query: EfficiencyQuery) -> float:
    return float(
        aggregate_rows(
            query.aggregate, [scores[:, j][None, :] for scores in per_task], query.optimality_threshold
        )[0]
    )
