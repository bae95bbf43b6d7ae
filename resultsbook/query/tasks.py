"""Aggregates over the tasks of a benchmark, in the spirit of rliable (Agarwal et al., "Deep RL at the
Edge of the Statistical Precipice", NeurIPS 2021): one number per method from scores on many tasks
with a few runs each, and stratified bootstrap confidence intervals.

For one method, let x[t] be the (normalised) scores of its runs on task t (n_t runs, T tasks):

mean                         mean over tasks of the per-task means: (1/T) Σ_t mean(x[t])
median                       median over tasks of the per-task means
iqm                          interquartile mean of all runs pooled: the mean of the middle 50 % of
                             the Σ n_t scores (int(0.25 N) trimmed from each end, as trim_mean)
optimality_gap               γ minus the mean over tasks of mean(min(x[t], γ)): how far runs fall
                             short of the threshold γ (optimality_threshold, default 1); lower is better
probability_of_improvement   P(X > Y) over the `versus` method Y: the mean over tasks of
                             P(X_t > Y_t) = (1 / n m) Σ_i Σ_j [x_i > y_j] + ½ [x_i = y_j]

With the same number of runs on every task these are exactly rliable's aggregate_mean,
aggregate_median, aggregate_iqm, aggregate_optimality_gap and probability_of_improvement; with
unequal numbers every task still weighs the same (the IQM, pooled by definition, weighs runs).

Intervals: stratified percentile bootstrap — each resample draws, for every task separately, n_t of
its runs with replacement (rliable's StratifiedBootstrap over runs, tasks fixed); the probability of
improvement resamples both methods' runs independently per task. `bootstrap_resamples` resamples from
numpy.random.default_rng(bootstrap_seed). A method with a single run on every task gets no interval
(its resamples would all be equal); one with a single run on some tasks gets one, as rliable computes
it: those tasks' runs are drawn every time, and the interval holds the others' spread alone. The
test behind bold is the stratified bootstrap test of the
difference: p = min(1, 2 min(P*(Δ ≤ 0), P*(Δ ≥ 0))) over the resampled differences Δ; none when
either side has a single run on every task.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from resultsbook.errors import QueryError, closest
from resultsbook.models import StoredRun
from resultsbook.params import format_value, sort_key, values_equal
from resultsbook.query.access import MetricReader
from resultsbook.query.goal import metric_goal
from resultsbook.query.model import (
    AGGREGATE_KEY,
    Cell,
    CellRun,
    CellRuns,
    Mark,
    ResultTable,
    TableQuery,
    scaled_value,
)
from resultsbook.query.reduce import resolved_reduction
from resultsbook.query.resumed import without_value
from resultsbook.query.runs import Runs
from resultsbook.query.select import (
    check_filter_keys,
    mixed_type_notes,
    run_value,
    select_runs,
    why_nothing_selected,
)
from resultsbook.query.significance import Comparison
from resultsbook.query.stats import half_width, iqm_along
from resultsbook.query.taskscale import scale_warnings
from resultsbook.store import Store
from resultsbook.voice import option

AGGREGATES = ("mean", "median", "iqm", "optimality_gap", "probability_of_improvement")
AGGREGATE_NAMES = {
    "mean": "Mean",
    "median": "Median",
    "iqm": "IQM",
    "optimality_gap": "Optimality gap",
    "probability_of_improvement": "P(X > Y)",
}
PAIRWISE = ("probability_of_improvement",)
_BATCH_VALUES = 4_000_000  # resampled values held at once: bounded memory (~32 MB)
Key = tuple[Any, ...]


COUNTS = ("n", "tasks", "runs_per_task_min", "runs_per_task_max")  # stats that count: whole numbers
_NO_INTERVAL = "no bootstrap interval"  # what a row of one run a task is told of its aggregates


def check_aggregates(names: Sequence[str]) -> tuple[str, ...]:
    """Validate aggregate names, raising with the list of known ones."""
    for name in names:
        if name not in AGGREGATES:
            raise QueryError(f"unknown aggregate {name!r}; choose from {', '.join(AGGREGATES)}")
    return tuple(dict.fromkeys(names))


# ----------------------------------------------------------------------------- point estimates
def aggregate_rows(name: str, samples: Sequence[np.ndarray], threshold: float) -> np.ndarray:
    """Return an aggregate for each row of per-task score arrays (each of shape resamples × n_t)."""
    if name == "iqm":
        return iqm_along(np.concatenate(samples, axis=1), axis=1)
    if name == "optimality_gap":
        return threshold - np.mean([np.minimum(s, threshold).mean(axis=1) for s in samples], axis=0)
    means = np.stack([s.mean(axis=1) for s in samples])
    if name == "mean":
        return means.mean(axis=0)
    if name == "median":
        return np.median(means, axis=0)
    raise QueryError(f"unknown aggregate {name!r}; choose from {', '.join(AGGREGATES)}")


def aggregate_value(name: str, per_task: Sequence[np.ndarray], threshold: float = 1.0) -> float:
    """Return one aggregate of one method's per-task scores."""
    return float(
        aggregate_rows(name, [np.asarray(s, dtype=np.float64)[None, :] for s in per_task], threshold)[0]
    )


def improvement_rows(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> np.ndarray:
    """Return P(X > Y), averaged over tasks, for each row of paired per-task score arrays."""
    total = np.zeros(first[0].shape[0])
    for x, y in zip(first, second):
        greater = (x[:, :, None] > y[:, None, :]).mean(axis=(1, 2))
        equal = (x[:, :, None] == y[:, None, :]).mean(axis=(1, 2))
        total += greater + 0.5 * equal
    return total / len(first)


def probability_of_improvement(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> float:
    """Return P(X > Y) averaged over tasks (ties count one half)."""
    return float(
        improvement_rows([np.asarray(x)[None, :] for x in first], [np.asarray(y)[None, :] for y in second])[0]
    )


# ----------------------------------------------------------------------------- bootstrap
def stratified_batches(
    per_task: Sequence[np.ndarray], resamples: int, rng: np.random.Generator, batch: int
) -> Iterator[list[np.ndarray]]:
    """Yield batches of stratified resamples: per task, its runs drawn with replacement."""
    for start in range(0, resamples, batch):
        count = min(batch, resamples - start)
        yield [x[rng.integers(0, len(x), (count, len(x)))] for x in per_task]


def _batch_size(per_task: Sequence[np.ndarray], pairs: bool = False) -> int:
    size = sum(len(x) for x in per_task)
    if pairs:
        size = sum(len(x) ** 2 for x in per_task)
    return max(1, _BATCH_VALUES // max(size, 1))


def bootstrap_distribution(
    function: Callable[[list[np.ndarray]], np.ndarray],
    per_task: Sequence[np.ndarray],
    resamples: int,
    seed: int,
    pairs: bool = False,
) -> np.ndarray:
    """Return the function of each stratified resample of per-task scores."""
    rng = np.random.default_rng(seed)
    parts = [
        function(batch)
        for batch in stratified_batches(per_task, resamples, rng, _batch_size(per_task, pairs))
    ]
    return np.concatenate(parts)


def stratified_interval(
    name: str,
    per_task: Sequence[np.ndarray],
    threshold: float = 1.0,
    resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Return the stratified percentile bootstrap interval of an aggregate."""
    return stratified_intervals((name,), per_task, threshold, resamples, seed, level)[name]


def stratified_intervals(
    names: Sequence[str],
    per_task: Sequence[np.ndarray],
    threshold: float = 1.0,
    resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Return the stratified percentile bootstrap intervals of several aggregates from the same resamples."""
    nan = (float("nan"), float("nan"))
    if not all(np.isfinite(x).all() for x in per_task) or all(len(x) < 2 for x in per_task):
        return dict.fromkeys(names, nan)  # inf has no interval, as over seeds; one run a task, no spread

    def every(batch: list[np.ndarray]) -> np.ndarray:
        return np.stack([aggregate_rows(name, batch, threshold) for name in names], axis=1)

    distribution = bootstrap_distribution(every, per_task, resamples, seed)
    tail = (1 - level) / 2
    bounds = np.quantile(distribution, [tail, 1 - tail], axis=0)
    return {name: (float(bounds[0, i]), float(bounds[1, i])) for i, name in enumerate(names)}


def improvement_interval(
    first: Sequence[np.ndarray],
    second: Sequence[np.ndarray],
    resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Return the interval of P(X > Y): both methods' runs resampled independently within each task."""
    if all(len(x) < 2 for x in (*first, *second)):  # every resample the same
        return float("nan"), float("nan")
    k = len(first)
    distribution = bootstrap_distribution(
        lambda b: improvement_rows(b[:k], b[k:]), [*first, *second], resamples, seed, pairs=True
    )
    tail = (1 - level) / 2
    low, high = np.quantile(distribution, [tail, 1 - tail])
    return float(low), float(high)


def difference_p(query: TableQuery, first: Cell, second: Cell) -> Comparison:
    """Return the stratified bootstrap p-value of the difference between two aggregate cells, on the
    tasks both ran, and which one the resampled differences find larger."""
    untested = Comparison(float("nan"), 0)
    if first.statistic is None or first.statistic in PAIRWISE:
        return untested
    a, b = _per_task(first.runs), _per_task(second.runs)
    shared = sorted(set(a) & set(b), key=lambda t: tuple(sort_key(v) for v in t))
    if not shared:
        return untested
    x, y = [a[t] for t in shared], [b[t] for t in shared]
    # a side with a single run on every task has no spread to resample: its bootstrap is one value,
    # and a test against it would take the other side's spread for the whole of the difference's
    single = any(all(len(v) < 2 for v in side) for side in (x, y))
    if single or not all(np.isfinite(v).all() for v in (*x, *y)):
        return untested
    k = len(shared)
    name, threshold = first.statistic, query.optimality_threshold
    distribution = bootstrap_distribution(
        lambda batch: aggregate_rows(name, batch[:k], threshold) - aggregate_rows(name, batch[k:], threshold),
        [*x, *y],
        query.bootstrap_resamples,
        query.bootstrap_seed,
    )
    # (count + 1) / (resamples + 1), as the permutation test's: a finite bootstrap never shows p = 0
    resamples = len(distribution) + 1
    below = (np.count_nonzero(distribution <= 0) + 1) / resamples
    above = (np.count_nonzero(distribution >= 0) + 1) / resamples
    return Comparison(float(min(1.0, 2 * min(below, above))), int(np.sign(above - below)))


# ----------------------------------------------------------------------------- the table
def aggregate_over_tasks(
    store: Store, query: TableQuery, runs: Sequence[StoredRun] | None, reader: MetricReader | None
) -> ResultTable:
    """Compute a table of aggregates over tasks: one cell per (row, aggregate)."""
    from resultsbook.query.aggregate import metric_notes, reader_for, valueless_note, why_no_cells

    aggregates = check_aggregates(query.aggregates or ("mean",))
    if len(query.metrics) != 1:
        raise QueryError("a table aggregated over tasks takes one metric (its aggregates are the columns)")
    overlap = set(query.tasks) & set((*query.rows, *query.columns))
    if overlap:
        raise QueryError(
            f"{sorted(overlap)[0]!r} is a task key (tasks = ...) and cannot also be a row or column"
        )
    if not query.rows:
        raise QueryError(f"a table needs at least one row key ({option('rows')})")
    metric = query.metrics[0]
    goal = metric_goal(metric.name, metric.direction)
    if goal.direction == "min" and set(aggregates) & {"optimality_gap", *PAIRWISE}:
        raise QueryError(
            f"{metric.name!r} is lower-is-better; the optimality gap and the probability of improvement "
            "assume higher scores are better (normalise it, or drop those aggregates)"
        )
    every = Runs.load(store) if runs is None else Runs.of(runs)
    if not len(every):
        raise why_nothing_selected(every, query.filters, store)
    reader = reader_for(store, query, reader)
    reader.check(metric.name)
    check_filter_keys(every, query.filters)
    chosen: Runs = select_runs(every, query.filters)
    logged = reader.having(metric.name, chosen)
    selected = list(chosen.take(logged))
    notes: list[str] = mixed_type_notes(every, query.filters)
    if not logged.all():  # a method that logs another metric would silently vanish from the table
        notes += valueless_note(without_value(chosen, logged), query.rows, query.columns, metric, reader)
    groups: dict[tuple[Key, Key], list[StoredRun]] = defaultdict(list)
    lacking: dict[str, int] = defaultdict(int)
    for run in selected:
        absent = [k for k in (*query.rows, *query.columns, *query.tasks) if run_value(run, k) is None]
        if absent:
            lacking[absent[0]] += 1
            continue
        row = tuple(run_value(run, k) for k in query.rows)
        column = tuple(run_value(run, k) for k in query.columns)
        groups[(row, column)].append(run)
    for key, count in lacking.items():
        notes.append(f"{count} run(s) with {metric.name!r} have no param {key!r} and were left out")
    unvalued = _unvalued_runs(without_value(chosen, logged) if not logged.all() else (), query)
    values, value_notes = reader.values_with_notes(
        metric, [run for members in groups.values() for run in members]
    )
    cell_runs = {
        key: _cell_runs(members, values, value_notes, query, metric.scale) for key, members in groups.items()
    }
    all_tasks = sorted(
        {run.task for members in cell_runs.values() for run in members if run.task is not None},
        key=lambda t: tuple(sort_key(v) for v in t),
    )
    if len(all_tasks) == 1:  # `--tasks env_fn`: a param every run shares names no benchmark
        task = " / ".join(format_value(value) for value in all_tasks[0])
        notes.append(
            f"every run of the table has one {' × '.join(query.tasks)}, {task!r}: its aggregates are "
            f"over one task, not a benchmark's; give {option('tasks')} the param whose values are the tasks"
        )
    pooled = _per_task([run for members in cell_runs.values() for run in members])
    notes += scale_warnings(query, pooled, task_words(query.tasks))
    cells: dict[tuple[Key, Key], Cell] = {}
    intervals = "bootstrap" in query.stats
    for (row, column), members in cell_runs.items():
        per_task = _per_task(members)
        ran, which = unvalued.get((row, column), ((), ()))
        marks = _task_marks(members, per_task, all_tasks, query, ran)
        singles = [name for name in aggregates if name not in PAIRWISE]
        bounds: dict[str, tuple[float, float]] = {}
        if intervals and per_task and singles:
            bounds = stratified_intervals(
                singles,
                list(per_task.values()),
                query.optimality_threshold,
                query.bootstrap_resamples,
                query.bootstrap_seed,
            )
        for name in aggregates:
            if name in PAIRWISE:
                cell = _improvement_cell(row, column, members, cell_runs, query, metric, marks, intervals)
            else:
                cell = _aggregate_cell(
                    name, row, column, members, per_task, query, metric, marks, bounds.get(name)
                )
            if cell is not None:
                cells[(row, (*column, name))] = replace(cell, ran_without_value=ran, without_value=which)
    from resultsbook.query.aggregate import _ordered

    # the versus row stays when its cells are all its own probability of improvement (shown as –)
    shown = {key[0] for key in cells} | {
        row for row, _ in cell_runs if query.versus and is_versus_row(query, row)
    }
    rows = _ordered(shown, query.rows, query.order)
    column_keys = (*query.columns, AGGREGATE_KEY)
    prefixes = _ordered({key[1][:-1] for key in cells}, query.columns, query.order)
    columns = tuple(
        (*prefix, name)
        for prefix in prefixes
        for name in aggregates
        if any(key[1] == (*prefix, name) for key in cells)
    )
    if not cells:
        raise why_no_cells(every, chosen, query, reader)
    notes += _valueless_row_notes(cell_runs, cells, metric.name, query)
    most = max((len(members) for members in cell_runs.values()), default=0)
    return ResultTable(
        query,
        tuple(query.rows),
        column_keys,
        rows,
        columns,
        cells,
        most,
        tuple(notes),
        metric_notes(query, cells),
    )


def _valueless_row_notes(
    cell_runs: Mapping[tuple[Key, Key], Sequence[CellRun]],
    cells: Mapping[tuple[Key, Key], Cell],
    metric: str,
    query: TableQuery,
) -> list[str]:
    """Say which rows have runs but not one value (a [normalized] score without a reference for any of
    their tasks): they have no cell, and would leave the table without a word."""
    from resultsbook.query.marks import bounded, counted

    shown = {(row, column[:-1]) for row, column in cells}
    notes = []
    for (row, column), members in cell_runs.items():
        if (row, column) in shown or not members:
            continue
        # the versus row of a table of probabilities of improvement alone has values but no cell of its own
        if is_versus_row(query, row) and any(np.isfinite(run.value) for run in members):
            continue
        why = [run.note[1] if run.note else "NaN or not logged" for run in members]
        label = " / ".join(format_value(value) for value in (*row, *column))
        notes.append(
            f"{label}: none of its {len(members)} run(s) has a value of {metric!r}, and it is left out "
            f"({bounded(counted(why))})"
        )
    return notes


def _unvalued_runs(
    runs: Iterable[StoredRun], query: TableQuery
) -> dict[tuple[Key, Key], tuple[tuple[Key, ...], tuple[tuple[int, str], ...]]]:
    """Return, by cell, the task and replicate values of the runs with no value of the metric at all (a
    job that failed before it logged one), and their store ids and statuses: they ran on that task."""
    keys = (*query.tasks, *query.replicate)
    ran: dict[tuple[Key, Key], list[Key]] = defaultdict(list)
    which: dict[tuple[Key, Key], list[tuple[int, str]]] = defaultdict(list)
    for run in runs:
        if any(run_value(run, k) is None for k in (*query.rows, *query.columns, *query.tasks)):
            continue
        where = (
            tuple(run_value(run, k) for k in query.rows),
            tuple(run_value(run, k) for k in query.columns),
        )
        ran[where].append(tuple(run_value(run, k) for k in keys))
        which[where].append((run.id, run.status))
    return {where: (tuple(ran[where]), tuple(which[where])) for where in ran}


def _cell_runs(
    members: Sequence[StoredRun],
    values: Mapping[int, float],
    notes: Mapping[int, Any],
    query: TableQuery,
    scale: float,
) -> tuple[CellRun, ...]:
    ordered = sorted(
        members,
        key=lambda run: (
            *(sort_key(run_value(run, k)) for k in query.tasks),
            *(sort_key(run_value(run, k)) for k in query.replicate),
            run.name,
        ),
    )
    return tuple(
        CellRun(
            id=run.id,
            run_id=run.run_id,
            name=run.name,
            value=scaled_value(values.get(run.id, float("nan")), scale),
            status=run.status,
            replicate=tuple(run_value(run, k) for k in query.replicate),
            note=notes.get(run.id),
            task=tuple(run_value(run, k) for k in query.tasks),
        )
        for run in ordered
    )


def _per_task(runs: Sequence[CellRun]) -> dict[Key, np.ndarray]:
    """Return each task's finite scores (runs without a value are left out and marked)."""
    grouped: dict[Key, list[float]] = defaultdict(list)
    for run in runs:
        if run.task is not None and not np.isnan(run.value):
            grouped[run.task].append(run.value)
    return {task: np.asarray(values, dtype=np.float64) for task, values in grouped.items() if values}


def task_words(tasks: Sequence[str]) -> str:
    """Name the tasks in text: `games` for tasks = "game", `env × dataset tasks` for several keys."""
    return f"{tasks[0]}s" if len(tasks) == 1 else f"{' × '.join(tasks)} tasks"


def _task_marks(
    members: Sequence[CellRun],
    per_task: Mapping[Key, np.ndarray],
    all_tasks: Sequence[Key],
    query: TableQuery,
    unvalued: Sequence[Key] = (),
) -> tuple[Mark, ...]:
    """Marks of one method: tasks without runs, missing (task, replicate) pairs, values left out
    (`unvalued`: the task then replicate values of its runs that logged no value of the metric)."""
    from resultsbook.query.aggregate import LISTED
    from resultsbook.query.marks import cell_marks

    marks = [
        mark
        for mark in cell_marks(CellRuns.of(members), query)
        if mark.kind in ("novalue", "substituted", "infinite", "status")
    ]
    members = _as_listed(members, query)
    seen: dict[tuple[Any, Any], int] = defaultdict(int)
    for run in members:
        if any(v is not None for v in run.replicate):
            seen[(run.task, run.replicate)] += 1
    repeated = sorted(key for key, count in seen.items() if count > 1)
    if repeated:
        marks.append(Mark("duplicate", f"{len(repeated)} (task, replicate) pair(s) have several runs"))
    width = len(query.tasks)
    # a task whose runs failed or gave NaN was run: its seeds are missing, not the task
    ran = {run.task for run in members} | {key[:width] for key in unvalued}
    absent = [task for task in all_tasks if task not in ran]
    # ran, but failed or gave NaN there: the aggregate leaves the task out all the same
    valueless = [task for task in all_tasks if task in ran and task not in per_task]
    task_word = task_words(query.tasks)
    said = []
    for tasks, what in ((absent, "no run on"), (valueless, "no value on")):
        if tasks:
            names = tuple(" / ".join(format_value(v) for v in task) for task in tasks)
            more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
            listed = f"{', '.join(names[:LISTED])}{more}"
            said.append((f"{what} {len(tasks)} of {len(all_tasks)} {task_word} ({listed})", names))
    if said:
        text = "; ".join(words for words, _ in said)
        if valueless:
            text += ": its runs there have none (failed, NaN or not logged)"
        marks.append(Mark("tasks", text, tuple(name for _, names in said for name in names)))
    listed_seeds = _listed_replicates(query)  # each task's seeds as listed, whichever any task ran
    replicates = sorted(
        listed_seeds
        or {run.replicate for run in members if any(v is not None for v in run.replicate)}
        | {key[width:] for key in unvalued if any(v is not None for v in key[width:])},
        key=lambda k: tuple(sort_key(v) for v in k),
    )
    present = {(run.task, run.replicate) for run in members if not np.isnan(run.value)}
    counted = [task for task in all_tasks if task in ran]
    missing = [(task, rep) for task in counted for rep in replicates if (task, rep) not in present]
    planned = None if listed_seeds else query.expected
    if planned is not None and len(replicates) != planned:  # the seeds seen are not the plan: count
        # distinct seeds on each task: a copy of a run (seed 0 twice) fills no other seed's place
        seeds = Counter(task for task, rep in present if any(v is not None for v in rep))
        counts = {task: seeds[task] if replicates else len(per_task.get(task, ())) for task in counted}
        marks += _short_of_plan_marks(counts, planned, task_word)
    elif missing and not listed_seeds and not replicates_shared(members, unvalued, width):
        marks += _fewer_runs_marks(per_task, task_word)
    elif missing:
        texts = tuple(
            f"{' / '.join(format_value(v) for v in task)} "
            + ", ".join(f"{k} {format_value(v)}" for k, v in zip(query.replicate, rep))
            for task, rep in missing
        )
        more = f" and {len(texts) - LISTED} more" if len(texts) > LISTED else ""
        expected = len(replicates) * len(counted)
        # with a list, the count is of the listed runs: a seed it does not name is averaged too, and said
        count = (
            f"{expected - len(missing)} of the {expected} runs listed"
            if listed_seeds
            else (f"n = {expected - len(missing)} of {expected}")
        )
        marks.append(
            Mark(
                "incomplete",
                f"{count} ({len(replicates)} runs × {len(counted)} {task_word}; missing "
                f"{', '.join(texts[:LISTED])}{more})",
                texts,
            )
        )
    if all(len(values) < 2 for values in per_task.values()):  # on some tasks: the others still vary
        marks.append(Mark("few", f"a single run on each of the {len(per_task)} {task_word}: {_NO_INTERVAL}"))
    return tuple(marks)


def _listed_replicates(query: TableQuery) -> set[Key]:
    """Return the replicates the query lists (`seeds = [...]`), none when it lists none."""
    from resultsbook.query.aggregate import expected_replicates

    return expected_replicates({}, query, 0) if query.replicate_values else set()


def _as_listed(members: Sequence[CellRun], query: TableQuery) -> Sequence[CellRun]:
    """Return a method's runs with a listed seed logged as text ('3' for seeds = [..., 3]) as that seed,
    as a table over seeds counts it (a finding says so)."""
    from resultsbook.query.aggregate import as_listed

    if not query.replicate_values:
        return members
    alike = as_listed(_listed_replicates(query), {run.replicate for run in members})
    if not alike:
        return members
    return [replace(run, replicate=alike.get(run.replicate, run.replicate)) for run in members]


def replicates_shared(members: Sequence[CellRun], unvalued: Iterable[Key] = (), width: int = 0) -> bool:
    """Tell whether the tasks were run with the same replicates (seeds 0-4 on each game): most seeds
    appear on two tasks or more. Seeds drawn at random per run (Spinning Up's, one per run folder)
    pair no run of one task with one of another, so a task lacks no seed of another. `unvalued`: the
    task (its first `width` values) then replicate values of runs that logged no value of the metric."""
    tasks_of: dict[tuple[Any, ...], set[Key | None]] = defaultdict(set)
    pairs = [(run.task, run.replicate) for run in members] + [(key[:width], key[width:]) for key in unvalued]
    for task, replicate in pairs:
        if any(v is not None for v in replicate):
            tasks_of[replicate].add(task)
    if len({task for tasks in tasks_of.values() for task in tasks}) < 2:
        return True  # one task: its (task, seed) pairs are its seeds, counted as before
    return 2 * sum(len(tasks) > 1 for tasks in tasks_of.values()) > len(tasks_of)


def _fewer_runs_marks(per_task: Mapping[Key, np.ndarray], task_word: str) -> list[Mark]:
    """Mark tasks with fewer runs than the method's most on one task, when its seeds are its own per
    task (no (task, seed) pair is missing, only runs)."""
    most = max(len(values) for values in per_task.values())
    fewer = [(task, len(values)) for task, values in per_task.items() if len(values) < most]
    if not fewer:
        return []
    from resultsbook.query.aggregate import LISTED

    texts = tuple(f"{' / '.join(format_value(v) for v in task)}: {n}" for task, n in fewer)
    more = f" and {len(texts) - LISTED} more" if len(texts) > LISTED else ""
    expected = most * len(per_task)
    found = sum(len(values) for values in per_task.values())
    return [
        Mark(
            "incomplete",
            f"n = {found} of {expected} ({most} runs × {len(per_task)} {task_word}, the most on one; "
            f"fewer on {', '.join(texts[:LISTED])}{more})",
            texts,
        )
    ]


def _short_of_plan_marks(counts: Mapping[Key, int], planned: int, task_word: str) -> list[Mark]:
    """Mark a method with fewer runs than `replicates = N` on some task (`counts`: its distinct seeds
    on each task it ran), when the seeds seen are not N (every task ran seeds 0-3, or one task ran a
    sixth): by count, as no seed can be named missing; a task's extra seed fills no other's gap."""
    from resultsbook.query.aggregate import LISTED

    fewer = [(task, n) for task, n in counts.items() if n < planned]
    if not fewer:
        return []
    more = [(task, n) for task, n in counts.items() if n > planned]

    def listed(pairs: list[tuple[Key, int]]) -> tuple[str, ...]:
        return tuple(f"{' / '.join(format_value(v) for v in task)}: {n}" for task, n in pairs)

    def shown(texts: tuple[str, ...]) -> str:
        return ", ".join(texts[:LISTED]) + (f" and {len(texts) - LISTED} more" if len(texts) > LISTED else "")

    texts = listed(fewer)
    extra = f"; more on {shown(listed(more))}, which fill no other's gap" if more else ""
    found = sum(min(n, planned) for n in counts.values())
    return [
        Mark(
            "incomplete",
            f"n = {found} of {planned * len(counts)} ({planned} runs × {len(counts)} {task_word}, as "
            f"replicates = {planned}; fewer on {shown(texts)}{extra})",
            texts,
        )
    ]


def _aggregate_cell(
    name: str,
    row: Key,
    column: Key,
    members: tuple[CellRun, ...],
    per_task: Mapping[Key, np.ndarray],
    query: TableQuery,
    metric: Any,
    marks: tuple[Mark, ...],
    interval: tuple[float, float] | None,
) -> Cell | None:
    if not per_task:
        return None
    scores = list(per_task.values())
    value = aggregate_value(name, scores, query.optimality_threshold)
    stats = _stats(value, members, per_task)
    if interval is not None:
        low, high = interval
        stats.update(bootstrap_lo=low, bootstrap_hi=high, bootstrap=half_width(low, high))
    return Cell(row, (*column, name), metric, CellRuns.of(members), stats, marks, statistic=name)


def _improvement_cell(
    row: Key,
    column: Key,
    members: tuple[CellRun, ...],
    cell_runs: Mapping[tuple[Key, Key], tuple[CellRun, ...]],
    query: TableQuery,
    metric: Any,
    marks: tuple[Mark, ...],
    intervals: bool,
) -> Cell | None:
    """Return P(row > versus) for one row, or None for the versus row itself (and without a versus)."""
    if not query.versus:
        raise QueryError(
            f"probability_of_improvement needs the row it is measured against: {option('versus', 'VALUE')} "
            '(versus = "VALUE" in the spec)'
        )
    rival = _versus_runs(cell_runs, column, query)
    if rival is None or rival is members:
        return None
    mine, theirs = _per_task(members), _per_task(rival)
    shared = sorted(set(mine) & set(theirs), key=lambda t: tuple(sort_key(v) for v in t))
    if not shared:
        return None
    x, y = [mine[t] for t in shared], [theirs[t] for t in shared]
    value = probability_of_improvement(x, y)
    stats = _stats(value, members, {t: mine[t] for t in shared})
    if intervals:
        low, high = improvement_interval(x, y, query.bootstrap_resamples, query.bootstrap_seed)
        stats.update(bootstrap_lo=low, bootstrap_hi=high, bootstrap=half_width(low, high))
        if low == low:  # the versus row's runs vary: a row of one run a task still has an interval here
            marks = tuple(mark for mark in marks if not mark.text.endswith(_NO_INTERVAL))
    return Cell(
        row,
        (*column, "probability_of_improvement"),
        metric,
        CellRuns.of(members),
        stats,
        marks,
        statistic=PAIRWISE[0],
    )


def _versus_runs(
    cell_runs: Mapping[tuple[Key, Key], tuple[CellRun, ...]], column: Key, query: TableQuery
) -> tuple[CellRun, ...] | None:
    """Return the runs of the row named by `versus` (in the same columns), None when no row matches."""
    wanted = dict(query.versus)
    for (row, other_column), members in cell_runs.items():
        if other_column == column and is_versus_row(query, row):
            return members
    rows = list(dict.fromkeys(" / ".join(format_value(v) for v in row) for row, _ in cell_runs))
    asked = " / ".join(format_value(value) for value in wanted.values())
    meant = closest(asked, rows)
    raise QueryError(
        f"versus = {', '.join(f'{k}={format_value(v)}' for k, v in wanted.items())} matches no row; "
        f"rows: {', '.join(rows)}" + (f"; did you mean {meant!r}?" if meant is not None else "")
    )


def _stats(value: float, members: Sequence[CellRun], per_task: Mapping[Key, np.ndarray]) -> dict[str, float]:
    return {
        "value": value,
        "n": float(sum(len(v) for v in per_task.values())),
        "tasks": float(len(per_task)),
        "runs_per_task_min": float(min((len(v) for v in per_task.values()), default=0)),
        "runs_per_task_max": float(max((len(v) for v in per_task.values()), default=0)),
    }


def compared_with_itself(query: TableQuery, row: Key, column: Key) -> bool:
    """Tell whether a cell is the versus row's probability of improvement over itself, which the table
    leaves empty: the row the others are measured against."""
    return bool(query.versus) and bool(column) and column[-1] in PAIRWISE and is_versus_row(query, row)


def is_versus_row(query: TableQuery, row: Key) -> bool:
    """Tell whether a row is the one `versus` names (`method = SPR`)."""
    values = dict(zip(query.rows, row))
    return all(key in values and values_equal(values[key], value) for key, value in query.versus.items())


def versus_label(query: TableQuery) -> str:
    """Return the text of the versus row, as in `P(X > SPR)`."""
    return " / ".join(format_value(v) for v in query.versus.values())


def tasks_note(table: ResultTable, with_intervals: bool) -> str:
    """Say what an aggregate table shows: which aggregates, over how many tasks and runs, the
    interval and its resampling."""
    query = table.query
    metric = query.metrics[0]
    task_word = " × ".join(query.tasks)
    tasks = sorted({int(c.stats["tasks"]) for c in table.cells.values()})
    plural = task_words(query.tasks)
    per_task = sorted(
        {int(c.stats[k]) for c in table.cells.values() for k in ("runs_per_task_min", "runs_per_task_max")}
    )
    runs = f"{per_task[0]}" if len(per_task) == 1 else f"{per_task[0]}–{per_task[-1]}" if per_task else "0"
    task_count = f"{tasks[0]}" if len(tasks) == 1 else f"{tasks[0]}–{tasks[-1]}" if tasks else "0"
    names = [AGGREGATE_NAMES[n] for n in query.aggregates or ("mean",) if n not in PAIRWISE]
    shown = f"{_join(names)} of " if names else ""  # none: the probability of improvement alone
    parts = [
        f"{shown}{metric.label or metric.name} over {task_count} {plural} × "
        f"{runs} runs each (per run: {resolved_reduction(metric.reduce)})"
    ]
    defined = []
    centres = [name for name in ("mean", "median") if name in query.aggregates]
    if centres:
        verb = "are" if len(centres) > 1 else "is"
        defined.append(f"{' and '.join(centres)} {verb} of the per-{task_word} means")
    if "iqm" in query.aggregates:
        defined.append("the IQM is the mean of the middle 50% of all runs")
    if "optimality_gap" in query.aggregates:
        defined.append(f"the optimality gap is the mean shortfall below γ = {query.optimality_threshold:g}")
    if "probability_of_improvement" in query.aggregates:
        defined.append(
            f"P(X > {versus_label(query)}): probability that a run of the row beats one of "
            f"{versus_label(query)} on the same {task_word}, averaged over {plural}"
        )
    if defined:
        parts.append("; ".join(defined))
    if with_intervals:
        parts.append(
            f"95% stratified percentile bootstrap intervals (runs resampled within each {task_word}; "
            f"{query.bootstrap_resamples:,} resamples, seed {query.bootstrap_seed})"
        )
    note = "; ".join(parts) + "."
    return note[0].upper() + note[1:] if names else note  # a metric's name keeps its case


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
