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
from resultsbook.query.access import MetricReader, ValueNote
from resultsbook.query.goal import metric_goal, unknown_goal_message
from resultsbook.query.model import METRIC_KEY, Cell, CellRun, Mark, MetricSpec, ResultTable, TableQuery
from resultsbook.query.provenance import provenance_mixes
from resultsbook.query.reduce import best_step_of, parse_reduction
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
LISTED = 8  # a mark names at most this many missing replicates; the JSON output has them all


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
    check_statistics(query.stats, query.center)
    if not query.metrics:
        raise QueryError("a table needs at least one metric")
    if query.tasks:
        from resultsbook.query.tasks import aggregate_over_tasks

        return aggregate_over_tasks(store, query, runs, reader)
    row_keys, column_keys = _layout(query)
    reader = reader_for(store, query, reader)
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
            direction = metric_goal(metric.name, metric.direction).direction
            if direction is None:
                raise QueryError(
                    "reduce = best-mean: " + unknown_goal_message(metric.name, 'set goal = "max" or "min"')
                )
            for (row, column), members in grouped.items():
                curves = reader.curves(metric.name, members, metric.skip_first)
                per_cell, step = best_mean(curves, direction, metric.budget)
                cells[(row, column)] = _make_cell(row, column, metric, members, per_cell, query, step)
        else:
            members_all = [run for members in grouped.values() for run in members]
            per_run, value_notes = reader.values_with_notes(metric, members_all)
            for (row, column), members in grouped.items():
                if cache is None:
                    cells[(row, column)] = _make_cell(
                        row, column, metric, members, per_run, query, notes=value_notes
                    )
                    continue
                key = (repr(query), metric.name, row, column)
                fingerprint = tuple(
                    (run.id, run.digest, per_run.get(run.id), value_notes.get(run.id)) for run in members
                )
                cached = cache.get(key)
                if cached is None or cached[0] != fingerprint:
                    cached = cache[key] = (
                        fingerprint,
                        _make_cell(row, column, metric, members, per_run, query, notes=value_notes),
                    )
                cells[(row, column)] = cached[1]
    most = max((len(c.runs) for c in cells.values()), default=0)
    expected = query.expected or (len(query.replicate_values) if query.replicate_values else most)
    if query.pool:
        expected = pooled_expected(cells, query)
        for name in query.pool:
            if selected and not any(
                name in run.params or run_value(run, name) is not None for run in selected
            ):
                notes.append(f"no run has the pooled param {name!r}; check its name (`resultsbook runs`)")
    cells = _mark_cells(cells, query, expected)
    rows = _ordered({key[0] for key in cells}, row_keys, query.order)
    columns = _ordered({key[1] for key in cells}, column_keys, query.order)
    if not cells:
        raise _why_no_cells(every, selected, query, reader)
    return ResultTable(
        query, row_keys, column_keys, rows, columns, cells, expected, tuple(notes), metric_notes(query, cells)
    )


def reader_for(store: Store, query: TableQuery, reader: MetricReader | None) -> MetricReader:
    """Return the shared reader when it reads the query's derived and normalised metrics, else a new one."""
    if (
        reader is None
        or reader.derived_texts != dict(query.derived)
        or reader.normalized != dict(query.normalized)
    ):
        return MetricReader(store, query.derived, query.normalized)
    return reader


def metric_notes(query: TableQuery, cells: Mapping[Any, Cell]) -> tuple[str, ...]:
    """Say what normalised metrics are, and how many runs logged one themselves."""
    out = []
    for metric in query.metrics:
        normalization = query.normalized.get(metric.name)
        if normalization is None:
            continue
        text = normalization.describe()
        logged = {
            run.run_id
            for cell in cells.values()
            if cell.metric.name == metric.name
            for run in cell.runs
            if run.note is not None and run.note[0] == "logged"
        }
        if logged:
            text += f"; {len(logged)} run(s) logged {metric.name} already normalised and are used as logged"
        out.append(text)
    return tuple(out)


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
    notes: Mapping[int, ValueNote] | None = None,
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
            note=(notes or {}).get(run.id),
            pooled=tuple(run_value(run, key) for key in query.pool),
        )
        for run in members
    )
    stats = describe(
        [r.value for r in cell_runs],
        query.stats,
        query.ddof,
        query.bootstrap_seed,
        query.center,
        query.bootstrap_resamples,
    )
    return Cell(row, column, metric, cell_runs, stats, run_marks(members, cell_runs, query), step)


def run_marks(
    members: Sequence[StoredRun], cell_runs: Sequence[CellRun], query: TableQuery
) -> tuple[Mark, ...]:
    """Marks that depend on one cell alone: mixed configs, code or data, unfinished runs, duplicate
    seeds, no value, values substituted, infinite values."""
    marks: list[Mark] = []
    differing = _differing_within_pools(members, query)
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
            seen[(*run.pooled, *run.replicate)] += 1
    repeated = [key for key, count in seen.items() if count > 1]
    if repeated:
        names = ", ".join(_replicate_text((*query.pool, *query.replicate), key) for key in repeated)
        marks.append(Mark("duplicate", f"several runs share {names}"))
    no_value = [run for run in cell_runs if np.isnan(run.value)]
    if no_value:
        reasons = _counted([run.note[1] if run.note else "NaN or not logged" for run in no_value])
        marks.append(
            Mark(
                "novalue",
                f"{len(no_value)} run(s) have no value and are left out ({_bounded(reasons)})",
                tuple(f"{run.name}: {run.note[1] if run.note else 'NaN or not logged'}" for run in no_value),
            )
        )
    substituted = [run for run in cell_runs if run.note and run.note[0] == "substituted"]
    if substituted:
        reasons = _counted([run.note[1] for run in substituted if run.note])
        marks.append(
            Mark(
                "substituted",
                f"{len(substituted)} run(s) {_bounded(reasons)}",
                tuple(f"{run.name}: {run.note[1]}" for run in substituted if run.note),
            )
        )
    infinite = [run for run in cell_runs if np.isinf(run.value)]
    if infinite:
        marks.append(
            Mark(
                "infinite",
                f"{len(infinite)} run(s) are infinite: order statistics (median, IQM, min, max) use them, "
                "the mean is infinite, spreads and intervals are not computed",
                tuple(f"{run.name}: {run.value}" for run in infinite),
            )
        )
    return tuple(marks)


def _counted(texts: Sequence[str]) -> list[str]:
    """Return distinct texts with their counts, most frequent first: `2× skip_first removed ...`."""
    counts: dict[str, int] = defaultdict(int)
    for text in texts:
        counts[text] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [text if count == 1 else f"{count}× {text}" for text, count in ordered]


def _bounded(items: Sequence[str], limit: int = 3) -> str:
    """Join at most `limit` items, saying how many more there are."""
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _differing_within_pools(members: Sequence[StoredRun], query: TableQuery) -> dict[str, list[Any]]:
    """Return the params that differ among a cell's runs; with pooling, among the runs of one
    pooled value (the splits of a dataset may be tuned differently, the seeds of one split not)."""
    exempt = (*query.replicate, *query.run_specific, *query.pool)
    if not query.pool:
        return differing_params(members, exempt=exempt, count_absent=False)
    groups: dict[Key, list[StoredRun]] = defaultdict(list)
    for run in members:
        groups[tuple(value_identity(run_value(run, key)) for key in query.pool)].append(run)
    differing: dict[str, list[Any]] = {}
    for group in groups.values():
        for key, values in differing_params(group, exempt=exempt, count_absent=False).items():
            known = differing.setdefault(key, [])
            known += [v for v in values if not any(values_equal(v, k) for k in known)]
    return {key: sorted(values, key=sort_key) for key, values in sorted(differing.items())}


def _mark_cells(
    cells: dict[tuple[Key, Key], Cell], query: TableQuery, expected: int
) -> dict[tuple[Key, Key], Cell]:
    """Add the marks that count replicates: fewer than expected, or too few to say anything."""
    if query.pool:
        return _mark_pooled_cells(cells, query, expected)
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
            named: tuple[str, ...] = ()
            if missing and all(v is not None for k in missing for v in k):
                named = tuple(_replicate_text(query.replicate, k) for k in missing)
                more = f" and {len(named) - LISTED} more" if len(named) > LISTED else ""
                text += f" (missing {', '.join(named[:LISTED])}{more})"
            cell = replace(cell, marks=(Mark("incomplete", text, named), *cell.marks))
        marked[key] = cell
    return marked


def pooled_expected(cells: Mapping[tuple[Key, Key], Cell], query: TableQuery) -> int:
    """Return the replicates each pooled value should have: as asked, else the most any has."""
    if query.expected or query.replicate_values:
        return query.expected or len(query.replicate_values)
    sizes: dict[tuple[Any, ...], int] = defaultdict(int)
    for key, cell in cells.items():
        for run in cell.runs:
            sizes[(key, run.pooled)] += 1
    return max(sizes.values(), default=0)


def _mark_pooled_cells(
    cells: dict[tuple[Key, Key], Cell], query: TableQuery, expected: int
) -> dict[tuple[Key, Key], Cell]:
    """Count replicates within each pooled value of a cell: every split of a dataset should have its
    seeds, however many splits the dataset has."""
    marked = {}
    pooled = ", ".join(query.pool)
    for key, cell in cells.items():
        n = int(cell.stats["n"])
        marks = list(cell.marks)
        if 0 < n < query.min_replicates:
            few = f"only {n} replicate{'s' if n > 1 else ''} (fewer than {query.min_replicates})"
            marks.insert(0, Mark("few", few))
        counts: dict[Key, int] = defaultdict(int)
        for run in cell.runs:
            if not np.isnan(run.value):
                counts[run.pooled] += 1
        groups = sorted({run.pooled for run in cell.runs}, key=lambda g: tuple(sort_key(v) for v in g))
        short = [_replicate_text(query.pool, group) for group in groups if counts[group] < expected]
        if short:
            text = f"n = {n} of {expected * len(groups)} ({expected} per pooled {pooled}; fewer in "
            marks.insert(0, Mark("incomplete", text + ", ".join(short) + ")"))
        marked[key] = replace(cell, marks=tuple(marks))
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
