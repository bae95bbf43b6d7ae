"""Aggregate over replicates: select runs, reduce each, group into cells, compute statistics,
and mark every cell whose number could mislead (missing seeds, mixed configs, failed runs).

    >>> table = aggregate(store, TableQuery(metrics=(MetricSpec("test/acc"),), rows=("model",),
    ...                                     columns=("dataset",)))          # doctest: +SKIP
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from resultsbook.errors import NotFoundError, QueryError, ResultsbookError, did_you_mean
from resultsbook.models import StoredRun
from resultsbook.params import format_value, sort_key, value_identity, values_equal
from resultsbook.query.access import MetricReader
from resultsbook.query.model import METRIC_KEY, Cell, CellRun, Mark, MetricSpec, ResultTable, TableQuery
from resultsbook.query.provenance import provenance_mixes
from resultsbook.query.reduce import best_step_of, default_direction, parse_reduction
from resultsbook.query.select import (
    RUN_FIELDS,
    check_filter_keys,
    known_keys,
    run_value,
    select_runs,
    why_nothing_selected,
)
from resultsbook.query.stats import check_statistics, describe
from resultsbook.store import Store

Key = tuple[Any, ...]
_UNFINISHED = ("failed", "running", "interrupted")


def aggregate(
    store: Store,
    query: TableQuery,
    runs: Sequence[StoredRun] | None = None,
    reader: MetricReader | None = None,
    cache: dict[Any, Any] | None = None,
) -> ResultTable:
    """Compute a table: one cell per (row, column) with statistics over its replicates.

    `cache` (kept by `watch` between rebuilds) holds cells by their runs' ids, contents and values:
    a cell none of whose runs changed is reused instead of recomputed."""
    check_statistics(query.stats)
    if not query.metrics:
        raise QueryError("a table needs at least one metric")
    row_keys, column_keys = _layout(query)
    if reader is None or reader.derived_texts != dict(query.derived):
        reader = MetricReader(store, query.derived)
    every = store.runs() if runs is None else runs
    if not every:
        raise why_nothing_selected(every, query.filters)
    for metric in query.metrics:
        reader.check(metric.name)
        parse_reduction(metric.reduce)
    check_filter_keys(every, query.filters)
    selected = select_runs(every, query.filters)
    notes: list[str] = []
    cells: dict[tuple[Key, Key], Cell] = {}
    for metric in query.metrics:
        having = reader.runs_with(metric.name)
        candidates = [run for run in selected if run.id in having]
        grouped = _group(candidates, row_keys, column_keys, metric, notes)
        if parse_reduction(metric.reduce).kind == "best_mean":
            direction = metric.direction or default_direction(metric.name)
            for (row, column), members in grouped.items():
                curves = reader.curves(metric.name, members, metric.skip_first)
                per_cell, step = best_mean(curves, direction, metric.budget)
                cells[(row, column)] = _make_cell(row, column, metric, members, per_cell, query, step)
        else:
            per_run = reader.values(metric, [run for members in grouped.values() for run in members])
            for (row, column), members in grouped.items():
                if cache is None:
                    cells[(row, column)] = _make_cell(row, column, metric, members, per_run, query)
                    continue
                key = (repr(query), metric.name, row, column)
                fingerprint = tuple((run.id, run.digest, per_run.get(run.id)) for run in members)
                cached = cache.get(key)
                if cached is None or cached[0] != fingerprint:
                    cached = cache[key] = (
                        fingerprint,
                        _make_cell(row, column, metric, members, per_run, query),
                    )
                cells[(row, column)] = cached[1]
    most = max((len(c.runs) for c in cells.values()), default=0)
    expected = query.expected or (len(query.replicate_values) if query.replicate_values else most)
    cells = _mark_cells(cells, query, expected)
    rows = _ordered({key[0] for key in cells}, row_keys, query.order)
    columns = _ordered({key[1] for key in cells}, column_keys, query.order)
    if not cells:
        raise _why_no_cells(every, selected, query, reader)
    return ResultTable(query, row_keys, column_keys, rows, columns, cells, expected, tuple(notes))


def _why_no_cells(
    every: Sequence[StoredRun], selected: Sequence[StoredRun], query: TableQuery, reader: MetricReader
) -> ResultsbookError:
    """Say why a table has no cell: the filter that left no run, a row or column key no run has,
    or a metric none of the selected runs logs."""
    if not selected:
        return why_nothing_selected(every, query.filters)
    keys = known_keys(selected)
    for label, names in (("row key", query.rows), ("column key", query.columns)):
        for key in names:
            if key != METRIC_KEY and key not in keys:
                hint = did_you_mean(key, keys - set(RUN_FIELDS), "params")
                return QueryError(f"{label} {key!r} is not a param of any selected run; {hint}")
    for metric in query.metrics:
        having = reader.runs_with(metric.name)
        if not any(run.id in having for run in selected):
            return NotFoundError(
                f"none of the {len(selected)} selected runs logs {metric.name!r} "
                f"({len(having)} other runs do); check the filters and the metric"
            )
    return NotFoundError(
        "no selected run has every row and column key and a value of the metric; check rows and columns"
    )


def _layout(query: TableQuery) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the row and column keys, adding the metric pseudo-key when a table has several metrics."""
    rows, columns = tuple(query.rows), tuple(query.columns)
    if len(query.metrics) > 1 and METRIC_KEY not in rows + columns:
        columns = (*columns, METRIC_KEY)
    if not rows:
        raise QueryError("a table needs at least one row key (--rows)")
    return rows, columns


def _group(
    runs: Iterable[StoredRun],
    row_keys: Sequence[str],
    column_keys: Sequence[str],
    metric: MetricSpec,
    notes: list[str],
) -> dict[tuple[Key, Key], list[StoredRun]]:
    """Group runs by their row and column key values; report runs that lack a key."""
    grouped: dict[tuple[Key, Key], list[StoredRun]] = defaultdict(list)
    lacking: dict[str, int] = defaultdict(int)
    for run in runs:
        row = tuple(_key_value(run, key, metric) for key in row_keys)
        column = tuple(_key_value(run, key, metric) for key in column_keys)
        absent = [
            key
            for key in (*row_keys, *column_keys)
            if key != METRIC_KEY and run_value(run, key) is None and key not in run.params
        ]
        if absent:
            lacking[absent[0]] += 1
            continue
        grouped[(row, column)].append(run)
    for key, count in lacking.items():
        notes.append(f"{count} run(s) with {metric.name!r} have no param {key!r} and were left out")
    return grouped


def _key_value(run: StoredRun, key: str, metric: MetricSpec) -> Any:
    return metric.name if key == METRIC_KEY else run_value(run, key)


def best_mean(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]], direction: str, budget: float | None
) -> tuple[dict[int, float], float | None]:
    """Average the seeds per step (steps all seeds logged, up to `budget`), pick the best step of the
    mean, return each seed's value there and the step; NaN values when the seeds share no step."""
    if not curves:
        return {}, None
    common = None
    for steps, _ in curves.values():
        common = steps if common is None else np.intersect1d(common, steps)
    assert common is not None
    if budget is not None:
        common = common[common <= budget]
    if len(common) == 0:
        return {run: float("nan") for run in curves}, None
    at_common = {run: values[np.searchsorted(steps, common)] for run, (steps, values) in curves.items()}
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.vstack(list(at_common.values())), axis=0)
    step = best_step_of(common, mean, direction)
    if step is None:
        return {run: float("nan") for run in curves}, None
    index = int(np.searchsorted(common, step))
    return {run: float(values[index]) for run, values in at_common.items()}, step


def _make_cell(
    row: Key,
    column: Key,
    metric: MetricSpec,
    members: list[StoredRun],
    per_run: Mapping[int, float],
    query: TableQuery,
    step: float | None = None,
) -> Cell:
    """Build one cell: its runs with their (scaled) values and the statistics over them."""
    members = sorted(
        members, key=lambda run: (*(sort_key(run_value(run, k)) for k in query.replicate), run.name)
    )
    cell_runs = tuple(
        CellRun(
            id=run.id,
            run_id=run.run_id,
            name=run.name,
            value=per_run.get(run.id, float("nan")) * metric.scale,
            status=run.status,
            replicate=tuple(run_value(run, key) for key in query.replicate),
        )
        for run in members
    )
    stats = describe([r.value for r in cell_runs], query.stats, query.ddof, query.bootstrap_seed)
    return Cell(row, column, metric, cell_runs, stats, _run_marks(members, cell_runs, query), step)


def _run_marks(
    members: Sequence[StoredRun], cell_runs: Sequence[CellRun], query: TableQuery
) -> tuple[Mark, ...]:
    """Marks that depend on one cell alone: mixed configs, code or data, unfinished runs, duplicate
    seeds, no value."""
    marks: list[Mark] = []
    differing = differing_params(members, exempt=(*query.replicate, *query.run_specific), count_absent=False)
    if differing:
        described = "; ".join(
            f"{key} ({', '.join(format_value(v) for v in values)})" for key, values in differing.items()
        )
        marks.append(Mark("mixed", f"averages runs that differ in {described}"))
    marks += [Mark("provenance", sentence) for sentence in provenance_mixes(members)]
    unfinished = [run.status for run in cell_runs if run.status in _UNFINISHED]
    if unfinished:
        counts = ", ".join(f"{unfinished.count(s)} {s}" for s in _UNFINISHED if s in unfinished)
        marks.append(Mark("status", f"includes {counts} run(s)"))
    seen: dict[Key, int] = defaultdict(int)
    for run in cell_runs:
        if any(value is not None for value in run.replicate):
            seen[run.replicate] += 1
    repeated = [key for key, count in seen.items() if count > 1]
    if repeated:
        names = ", ".join(_replicate_text(query.replicate, key) for key in repeated)
        marks.append(Mark("duplicate", f"several runs share {names}"))
    no_value = sum(1 for run in cell_runs if np.isnan(run.value))
    if no_value:
        marks.append(Mark("novalue", f"{no_value} run(s) have no value (NaN or not logged) and are left out"))
    return tuple(marks)


def _mark_cells(
    cells: dict[tuple[Key, Key], Cell], query: TableQuery, expected: int
) -> dict[tuple[Key, Key], Cell]:
    """Add the marks that count replicates: fewer than expected, or too few to say anything."""
    if query.replicate_values:
        seen_replicates = {tuple(v if isinstance(v, (list, tuple)) else [v]) for v in query.replicate_values}
    else:
        seen_replicates = {run.replicate for cell in cells.values() for run in cell.runs}
    marked = {}
    for key, cell in cells.items():
        n = int(cell.stats["n"])
        if 0 < n < query.min_replicates:
            few = Mark("few", f"only {n} replicate{'s' if n > 1 else ''} (fewer than {query.min_replicates})")
            cell = replace(cell, marks=(few, *cell.marks))
        if n < expected:
            have = {run.replicate for run in cell.runs if not np.isnan(run.value)}
            missing = sorted(seen_replicates - have, key=lambda k: tuple(sort_key(v) for v in k))
            text = f"n = {n} of {expected}"
            if missing and all(v is not None for k in missing for v in k):
                text += f" (missing {', '.join(_replicate_text(query.replicate, k) for k in missing)})"
            cell = replace(cell, marks=(Mark("incomplete", text), *cell.marks))
        marked[key] = cell
    return marked


def differing_params(
    runs: Sequence[StoredRun], exempt: Iterable[str], count_absent: bool = True
) -> dict[str, list[Any]]:
    """Return the params (outside `exempt`) whose values differ among runs, with their values.

    With `count_absent` false, a param only some runs record (another tracker, another logger)
    differs only where two runs record different values."""
    skip = set(exempt)
    keys = sorted({key for run in runs for key in run.params} - skip)
    differing: dict[str, list[Any]] = {}
    for key in keys:
        values: dict[Any, Any] = {}
        for run in runs:
            if not count_absent and key not in run.params:
                continue
            value = run.params.get(key)
            values.setdefault(value_identity(value), value)
        if len(values) > 1:
            differing[key] = sorted(values.values(), key=sort_key)
    return differing


def _replicate_text(keys: Sequence[str], values: Key) -> str:
    """Say which replicate: `seed 3`, or `seed=3, fold=1` for several keys."""
    if len(keys) == 1:
        return f"{keys[0]} {format_value(values[0])}"
    return ", ".join(f"{k}={format_value(v)}" for k, v in zip(keys, values))


def _ordered(keys: set[Key], names: Sequence[str], order: Mapping[str, Sequence[Any]]) -> tuple[Key, ...]:
    """Sort row or column keys: explicitly ordered values first, in that order, then the rest sorted."""

    def rank(key: Key) -> tuple[Any, ...]:
        parts: list[Any] = []
        for name, value in zip(names, key):
            listed = list(order.get(name, ()))
            position = next((i for i, v in enumerate(listed) if values_equal(v, value)), len(listed))
            parts.append((position, sort_key(value)))
        return tuple(parts)

    return tuple(sorted(keys, key=rank))
