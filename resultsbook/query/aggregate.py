"""Aggregate over replicates: select runs, reduce each, group into cells, compute statistics,
and mark every cell whose number could mislead (missing seeds, mixed configs, failed runs).

Runs are columns (`Runs`): selection, reduction, grouping, ordering and the honesty checks are array
operations over all the runs of a table at once, computed once per table; the statistics of each
cell are those of query/stats.py, called on the cell's values.

    >>> table = aggregate(store, TableQuery(metrics=(MetricSpec("test/acc"),), rows=("model",),
    ...                                     columns=("dataset",)))          # doctest: +SKIP
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from resultsbook.errors import NotFoundError, QueryError, ResultsbookError, closest, did_you_mean
from resultsbook.models import StoredRun
from resultsbook.params import format_value, sort_key, values_equal
from resultsbook.query.access import MetricReader, ValueNote
from resultsbook.query.best_steps import best_step_notes
from resultsbook.query.goal import metric_goal, unknown_goal_message
from resultsbook.query.marks import (
    LENGTH_BOUND,
    METRICS_OPTION_ADAPTERS,
    UNFINISHED,
    best_mean_cut_mark,
    best_mean_nan_mark,
    bounded,
    cell_marks,
    copied_runs,
    cut_short_mark,
    differing_columns,
    differing_within_pools,
    ends_mark,
    named_list,
    replicate_text,
    resumed_in_turn,
    same_curve_marks,
)
from resultsbook.query.model import METRIC_KEY, Cell, CellRuns, Mark, MetricSpec, ResultTable, TableQuery
from resultsbook.query.nested import cell_words, parents_note, parents_text, without_parents
from resultsbook.query.reduce import best_step_of, parse_reduction
from resultsbook.query.reported import final_value_notes
from resultsbook.query.resumed import (
    counted_once,
    folded_text,
    resumed_note,
    synced_note,
    whole_history_values,
    without_value,
)
from resultsbook.query.runs import RUN_FIELDS, Runs, groups_of, members_of
from resultsbook.query.select import (
    check_filter_keys,
    key_hint,
    known_keys,
    left_out_note,
    mixed_type_notes,
    select_runs,
    why_nothing_selected,
)
from resultsbook.query.stats import check_statistics, describe
from resultsbook.store import Store
from resultsbook.voice import command, option, said, spec_table_words, worded

Key = tuple[Any, ...]
LISTED = 8  # a mark names at most this many missing replicates; the JSON output has them all


def aggregate(
    store: Store,
    query: TableQuery,
    runs: Sequence[StoredRun] | Runs | None = None,
    reader: MetricReader | None = None,
    cache: dict[Any, Any] | None = None,
) -> ResultTable:
    """Compute a table: one cell per (row, column) with statistics over its replicates.

    `runs` (all the runs to choose from: `Runs.load(store)` by default) may be shared by the tables
    of a build. `cache` (kept by `watch` between rebuilds) holds cells by their runs' ids, contents
    and values: a cell none of whose runs changed is reused instead of recomputed."""
    check_statistics(query.stats, query.center)
    if not query.metrics:
        raise QueryError("a table needs at least one metric")
    if query.tasks:
        from resultsbook.query.tasks import aggregate_over_tasks

        return aggregate_over_tasks(store, query, runs, reader)
    row_keys, column_keys = _layout(query)
    reader = reader_for(store, query, reader)
    every = Runs.load(store) if runs is None else Runs.of(runs)
    if not len(every):
        raise why_nothing_selected(every, query.filters, store)
    for metric in query.metrics:
        reader.check(metric.name)
        reader.check_reduction(metric.reduce)
    check_filter_keys(every, query.filters)
    selected: Runs = select_runs(every, query.filters)
    _check_metric_param(query, selected)
    notes: list[str] = mixed_type_notes(every, query.filters)
    remarks: list[str] = []
    cells: dict[tuple[Key, Key], Cell] = {}
    lacking: list[dict[tuple[Key, Key], Runs]] = []  # per metric, the runs with no value of it by cell
    for metric in query.metrics:
        having = reader.having(metric.name, selected)
        candidates = selected.take(having)
        grouped = _group(candidates, row_keys, column_keys, metric, query.metric_key(metric), notes)
        valueless = without_value(selected, having)
        notes += valueless_note(valueless, row_keys, column_keys, metric, reader)
        lacking.append(_group(valueless, row_keys, column_keys, metric, query.metric_key(metric), []))
        if parse_reduction(metric.reduce).kind == "best_mean":
            direction = metric_goal(metric.name, metric.direction).direction
            if direction is None:
                raise QueryError(
                    "reduce = best-mean: " + unknown_goal_message(metric.name, _goal_fix(metric.name))
                )
            for (row, column), members in grouped.items():
                curves = reader.curves(metric.name, members, metric.skip_first)
                per_cell, step = best_mean(curves, direction, metric.budget)
                values = np.array(
                    [per_cell.get(run, np.nan) for run in members.ids.tolist()], dtype=np.float64
                )
                codes = reader.curve_codes(metric.name, members.ids)
                cell = make_cell(row, column, metric, members, values, query, step, None, codes)
                cut = best_mean_cut_mark(curve_ends(curves, members.ids, metric.budget), members)
                if cut is not None and step is not None:
                    cell = replace(cell, marks=(*cell.marks, cut))
                passed = best_mean_nan_mark(curves, members, metric.budget)
                if passed is not None and step is not None:
                    cell = replace(cell, marks=(*cell.marks, passed))
                cells[(row, column)] = cell
            continue
        kept = Runs.joined(every, [members for members in grouped.values()])
        notes += recorded_goal_notes(metric, kept)
        reduced, value_notes = reader.reduce(metric, kept)
        all_codes = reader.curve_codes(metric.name, kept.ids)
        spans = _spans(reader, metric, kept)
        notes += best_step_notes(reader, metric, kept, None if spans is None else spans[:, 1])
        notes += final_value_notes(reader, metric, kept)
        trackers = kept.wandb_run_ids()
        own_ids, parent_ids = kept.mlflow_nesting()
        folded: list[tuple[Key, list[str]]] = []
        synced: list[tuple[Key, list[str]]] = []
        nested: list[str] = []
        start = 0
        for (row, column), members in grouped.items():
            span = slice(start, start + len(members))
            start += len(members)
            values = reduced[span]
            codes = None if all_codes is None else all_codes[span]
            own_spans = None if spans is None else spans[span]
            once = counted_once(members, values, trackers[span], value_notes)
            if once is not None:  # a resumed W&B run counts once, and one synced from TensorBoard
                joined, once, whole = whole_history_values(
                    reader, metric, members, trackers[span], once, values[once]
                )
                for texts, into in (
                    (folded_text(trackers[span], once, members, whole=whole), folded),
                    (folded_text(trackers[span], once, members, synced=True), synced),
                ):
                    if texts:
                        into.append(((*row, *column), texts))
                members, values = members.take(once), joined
                codes = None if codes is None else codes[once]
                own_spans = None if own_spans is None else own_spans[once]
                parents_of, own_of = parent_ids[span][once], own_ids[span][once]
            else:
                parents_of, own_of = parent_ids[span], own_ids[span]
            children = without_parents(own_of, parents_of)
            if children is not None:  # an MLflow parent run beside its children: not one more seed
                nested.append(cell_words((*row, *column), parents_text(children, members)))
                members, values = members.take(children), values[children]
                codes = None if codes is None else codes[children]
                own_spans = None if own_spans is None else own_spans[children]
            # a TensorBoard folder records no end: the W&B run that synced it, counted with it, does
            statuses = members.synced_statuses() if once is not None else None
            if cache is None:
                cells[(row, column)] = make_cell(
                    row, column, metric, members, values, query, None, value_notes, codes, own_spans, statuses
                )
                continue
            key = (repr(query), query.metric_key(metric), row, column)
            fingerprint = _fingerprint(members, values, value_notes)
            cached = cache.get(key)
            if cached is None or cached[0] != fingerprint:
                cell = make_cell(
                    row, column, metric, members, values, query, None, value_notes, codes, own_spans, statuses
                )
                cached = cache[key] = (fingerprint, cell)
            cells[(row, column)] = cached[1]
        if folded:
            remarks.append(resumed_note(folded))
        if synced:
            remarks.append(synced_note(synced))
        if nested:
            remarks.append(parents_note(nested))
    cells = _with_runs_without_value(cells, lacking, query)
    cells = _with_cells_of_runs_without_value(cells, lacking, query)
    most = max((_ran_in(cell) for cell in cells.values()), default=0)
    expected = query.expected or (len(query.replicate_values) if query.replicate_values else most)
    if query.pool:
        expected = pooled_expected(cells, query)
        for name in query.pool:
            if len(selected) and not (selected.has_param(name).any() or _has_value(selected, name)):
                notes.append(worded(_unknown_pool_note, name, closest(name, selected.param_keys())))
        notes += _pooled_scale_notes(cells, query)
    notes += _order_notes(every, query.order, (*row_keys, *column_keys))
    notes += _ddof_notes(cells, query)
    cells = _mark_cells(cells, query, expected)
    order = {METRIC_KEY: tuple(map(query.metric_key, query.metrics)), **query.order}  # as listed
    rows = _ordered({key[0] for key in cells}, row_keys, order)
    columns = _ordered({key[1] for key in cells}, column_keys, order)
    if not cells:
        raise why_no_cells(every, selected, query, reader)
    return ResultTable(
        query,
        row_keys,
        column_keys,
        rows,
        columns,
        cells,
        expected,
        tuple(notes),
        metric_notes(query, cells),
        tuple(remarks),
    )


def _with_runs_without_value(
    cells: dict[tuple[Key, Key], Cell], lacking: Sequence[Mapping[tuple[Key, Key], Runs]], query: TableQuery
) -> dict[tuple[Key, Key], Cell]:
    """Give each cell the pooled and replicate values of the runs that belong in it but have no value
    of its metric at all (a Hydra job that crashed before it wrote its metrics): a seed of theirs ran,
    and a missing-seed mark says so instead of naming it as never run."""
    keys = (*query.pool, *query.replicate)
    for grouped in lacking:
        for where, runs in grouped.items():
            cell = cells.get(where)
            if cell is not None:
                ran = tuple(zip(*(runs.value(key).tolist() for key in keys)))
                which = tuple(zip(runs.ids.tolist(), runs.field("status").tolist()))
                cells[where] = replace(
                    cell,
                    ran_without_value=(*cell.ran_without_value, *ran),
                    without_value=(*cell.without_value, *which),
                )
    return cells


_DDOF_SPREADS = ("std", "sem")  # the statistics whose value divides by n - ddof (ci95 takes ddof 1)


def _ddof_notes(cells: Mapping[tuple[Key, Key], Cell], query: TableQuery) -> list[str]:
    """Say which cells of more than one run are too few for the table's ddof to give a spread (n = 2 at
    ddof = 2): their ± is left out without a word otherwise (one run has its own mark)."""
    if query.ddof < 2 or not set(query.stats) & set(_DDOF_SPREADS):
        return []
    short = [n for cell in cells.values() if 1 < (n := int(cell.stats.get("n", 0))) <= query.ddof]
    if not short:
        return []
    return [
        f"ddof = {query.ddof} needs more than {query.ddof} runs for a spread: {len(short)} cell(s) of "
        f"n = {', '.join(map(str, sorted(set(short))))} print none; ddof = 1 is the sample std"
    ]


def _with_cells_of_runs_without_value(
    cells: dict[tuple[Key, Key], Cell], lacking: Sequence[Mapping[tuple[Key, Key], Runs]], query: TableQuery
) -> dict[tuple[Key, Key], Cell]:
    """Give a place between a row and a column the table shows, whose runs all lack a value of its
    metric (a seed that crashed, or still running, before it logged it), a cell of those runs without
    values: it printed `–`, "no run", and `status` counted it complete. A row or a column of such
    runs alone stays out, as the warning on runs without a value says."""
    rows, columns = {row for row, _ in cells}, {column for _, column in cells}
    for metric, grouped in zip(query.metrics, lacking):
        for (row, column), runs in grouped.items():
            if (row, column) in cells or row not in rows or column not in columns:
                continue
            statuses = runs.field("status").tolist()
            notes = {
                run: ("refused", f"{status}, no value of {metric.name!r} logged")
                for run, status in zip(runs.ids.tolist(), statuses)
            }
            values = np.full(len(runs), np.nan)
            cells[(row, column)] = make_cell(row, column, metric, runs, values, query, notes=notes)
    return cells


def recorded_goal_notes(metric: MetricSpec, runs: Runs) -> list[str]:
    """Say when the runs' tracker records which way a metric is better (an Optuna study's direction,
    lm-eval's or lighteval's `higher_is_better`) and the table's goal is another, or none: the bold would
    mark the worst, or nothing."""
    notes = []
    said_by = runs.recorded_goals(metric.name)
    for tracker, recorded in [(t, said_by[t]) for t in _EVAL_TRACKERS_FIRST if t in said_by]:
        who = _EVAL_TRACKERS.get(tracker)
        if len(recorded) > 1:
            ways = "; ".join(f"{way}: {', '.join(names[:3])}" for way, names in sorted(recorded.items()))
            notes.append(
                f"the Optuna studies behind {metric.name!r} disagree on its goal ({ways})"
                if who is None
                else f"{who}'s higher_is_better of {metric.name!r} differs between its tasks ({ways})"
            )
            continue
        ((goal, names),) = recorded.items()
        if who is None:
            word = "maximize" if goal == "max" else "minimize"
            named = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            said = f"the Optuna study {named} would {word} it"
        else:
            said = f"{who}'s higher_is_better says {'higher' if goal == 'max' else 'lower'} is better"
        notes += _against_recorded_goal(metric, goal, said)
    return notes


# the evaluation suites whose tasks record which way a metric is better, by their provenance key
_EVAL_TRACKERS = {"lm_eval": "lm-eval", "lighteval": "lighteval"}
_EVAL_TRACKERS_FIRST = ("optuna", *_EVAL_TRACKERS)


def _against_recorded_goal(metric: MetricSpec, recorded: str, said: str) -> list[str]:
    """Say a table's goal that is unset, or other than the one its runs' tracker recorded (`said`)."""
    setting = f'goal = "{recorded}" (--goal {metric.name}={recorded})'
    goal = metric_goal(metric.name, metric.direction)
    if goal.direction is None:
        return [f"{metric.name!r} has no goal, and {said}: set {setting}"]
    if goal.direction != recorded:
        return [
            f"the goal of {metric.name!r} is {goal.direction!r} ({goal.words}), but {said}: "
            f"the bold marks the worst cell; set {setting}"
        ]
    return []


def valueless_note(
    runs: Runs, row_keys: Sequence[str], column_keys: Sequence[str], metric: MetricSpec, reader: MetricReader
) -> list[str]:
    """Say how many selected runs that would sit in a cell have no value of the metric at all (never
    logged it, or logged what collect refused), and in which cells: they are left out; and the
    metrics of a like name they log instead."""
    grouped = _group(runs, row_keys, column_keys, metric, metric.name, [])  # runs lacking a key: noted
    if not grouped:
        return []
    lacking = Runs.joined(runs, list(grouped.values()))
    instead = reader.logged_instead(metric.name, lacking)
    logged = "; ".join(
        _as_param(reader, metric, lacking) + [f"{n} of them log {name!r}" for name, n in instead]
    )
    inputs = reader.computed_from(metric.name)
    if inputs:  # `dmc = AverageTestEpRet / 1000`: what they lack is the input
        computed = f"{metric.name!r} is computed from {', '.join(repr(name) for name in inputs)}"
        logged = f"{computed}; {logged}" if logged else computed
    where = [
        f"{' / '.join(format_value(value) for value in (*row, *column))}: {len(members)}"
        for (row, column), members in sorted(grouped.items(), key=lambda item: -len(item[1]))
    ]
    count = sum(len(members) for members in grouped.values())
    unfinished = sum(int(np.isin(members.field("status"), UNFINISHED).sum()) for members in grouped.values())
    queued = sum(int((members.field("status") == "queued").sum()) for members in grouped.values())
    said = [f"{unfinished} of them failed, interrupted or running"] if unfinished else []
    said += [f"{queued} queued, not started yet"] if queued else []
    which = f" ({'; '.join(said)})" if said else ""
    left_out = f"{count} selected run(s){which} have no value of {metric.name!r} and are left out"
    return [
        worded(
            lambda: (
                f"{left_out} ({bounded(where)}); "
                + (f"{logged}; " if logged else "")
                + f"`{command('problems')}` names any value collect refused"
            )
        )
    ]


def _as_param(reader: MetricReader, metric: MetricSpec, runs: Runs) -> list[str]:
    """Say how many of runs lacking a metric have a number of its name read as a param (a column of
    `0.0` in every row of their file), with the fix; nothing when none has."""
    text = reader.read_as_param(metric.name, runs)
    return [text] if text else []


def _unknown_pool_note(name: str, meant: str | None) -> str:
    """Say that no run has a pooled param (a typo, most likely): the one meant, else how to see them."""
    if meant is not None:
        return f"no run has the pooled param {name!r}; did you mean {meant!r}?"
    return f"no run has the pooled param {name!r}; check its name (`{command('runs')}`)"


def _order_notes(runs: Runs, order: Mapping[str, Sequence[Any]], keys: Sequence[str]) -> list[str]:
    """Name each value an `order` lists that no run has: a misspelt one would silently order nothing."""
    notes: list[str] = []
    for name, listed in order.items():
        # order = { modle = [...] }: a key no run has, close to one the table shows that no order names
        meant = closest(name, [key for key in keys if key not in order and key != METRIC_KEY])
        if name not in keys and meant is not None and not runs.has_param(name).any():
            notes.append(f"order names {name!r}, which no run has; did you mean {meant!r}?")
        if name not in keys or name == METRIC_KEY:  # an order for another table's keys, e.g. in [defaults]
            continue
        present = [value for value in runs.coded(name).values if value is not None]
        for value in listed:
            if not any(values_equal(value, known) for known in present):
                spelled = next((known for known in present if str(known) == str(value)), None)
                if spelled is not None:  # '0.1' listed for a number: "did you mean '0.1'?" said nothing
                    kind = "text" if isinstance(spelled, str) else "a number"
                    hint = f"its runs hold {spelled!r}, {kind}: list it as {spelled!r}"
                else:
                    hint = did_you_mean(str(value), [format_value(known) for known in present], f"{name} has")
                notes.append(f"order lists {name} {value!r}, which no run has; {hint}")
    return notes


def _has_value(runs: Runs, key: str) -> bool:
    """Tell whether any run has a value for a key (a param, or a run field of that name)."""
    return any(value is not None for value in runs.value(key).tolist())


def _fingerprint(members: Runs, values: np.ndarray, notes: Mapping[int, ValueNote]) -> tuple[Any, ...]:
    """Return what a cached cell was computed from: its runs' ids, contents, values and notes."""
    ids = members.ids
    return (
        ids.tobytes(),
        tuple(members.field("digest").tolist()),
        values.tobytes(),
        tuple(notes.get(run) for run in ids.tolist() if run in notes),
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


def why_no_cells(every: Runs, selected: Runs, query: TableQuery, reader: MetricReader) -> ResultsbookError:
    """Say why a table has no cell: the filter that left no run, a row or column key no run has,
    or a metric none of the selected runs logs."""
    if not selected:
        return why_nothing_selected(every, query.filters)
    keys = known_keys(selected)
    for label, names in (("row key", query.rows), ("column key", query.columns)):
        for key in names:
            if key != METRIC_KEY and key not in keys:
                if reader.having(key, selected).any():  # a metric: rows and columns group by params
                    # a results file's reader takes a fractional column for a metric: gamma = 0.99
                    adapters = set(selected.field("adapter").tolist())
                    setting = (
                        f"; if it is a setting, which a records or onefile file's reader took for a "
                        f"metric, collect it as a param: {option('option', f'params={key}')}"
                        if not adapters.isdisjoint(METRICS_OPTION_ADAPTERS)
                        else ""
                    )
                    return QueryError(
                        f"{label} {key!r} is a metric the runs log, not a param: rows and columns group "
                        f"runs by params, and a metric is shown as the table's metric ({option('metric')})"
                        f"{setting}"
                    )
                return QueryError(
                    f"{label} {key!r} is not a param of any selected run; {key_hint(key, selected)}"
                )
    for metric in query.metrics:
        having = int(np.count_nonzero(reader.having(metric.name, every)))  # runs gone since do not count
        if not reader.having(metric.name, selected).any():
            inputs = reader.computed_from(metric.name)
            computed = f"; {metric.name!r} is computed from {inputs[0]!r}" if len(inputs) == 1 else ""
            instead = "".join(f"; {text}" for text in _as_param(reader, metric, selected)) + "".join(
                f"; {n} of them log {name!r}" for name, n in reader.logged_instead(metric.name, selected)
            )
            return NotFoundError(
                f"none of the {len(selected)} selected runs logs {metric.name!r} "
                f"({having} other runs do){computed}{instead}; check the filters and the metric"
            )
    return why_keys_and_metric_apart(selected, query, reader) or NotFoundError(
        "no selected run has every row and column key and a value of the metric; check rows and columns"
    )


def why_keys_and_metric_apart(
    selected: Runs, query: TableQuery, reader: MetricReader
) -> NotFoundError | None:
    """Say that the runs logging a metric lack a row or column key the other runs have (TensorBoard's event
    files log `rollout/ep_rew_mean`, its downloads name the run and log `rollout_ep_rew_mean`)."""
    keys = [key for key in (*query.rows, *query.columns) if key != METRIC_KEY and key not in RUN_FIELDS]
    keyed = np.ones(len(selected), dtype=bool)
    for key in keys:
        keyed &= selected.has_param(key)
    for metric in query.metrics:
        logs = reader.having(metric.name, selected)
        if not logs.any() or (logs & keyed).any():
            continue
        named = [repr(key) for key in keys if not (selected.has_param(key) & logs).any()]
        having = " and ".join(named or [repr(key) for key in keys])
        lacking = f"no {' or '.join(named)}" if named else f"not {having} together"
        instead = "".join(
            f"; {'the' if n == keyed.sum() else f'{n} of the'} {int(keyed.sum())} run(s) that have {having} "
            f"log {name!r}"
            for name, n in reader.logged_instead(metric.name, selected.take(keyed))
        )
        return NotFoundError(
            f"the {int(logs.sum())} selected run(s) that log {metric.name!r} have {lacking}"
            f"{instead}; check the metric, or the rows and columns"
        )
    return None


def _check_metric_param(query: TableQuery, selected: Runs) -> None:
    """Refuse rows or columns named `metric` over runs with a param of that name (a pattern's
    `{metric}` field): the key lays out the table's metrics, and the param's values would be mixed."""
    if METRIC_KEY not in (*query.rows, *query.columns):
        return
    count = int(selected.has_param(METRIC_KEY).sum())
    if count:
        raise QueryError(
            f"{METRIC_KEY!r} as a row or column key lays out the table's metrics (one per "
            f"{option('metric')}), but {count} selected run(s) have a param {METRIC_KEY!r} too, which a "
            "table cannot group by; give that param another name where it is made (a pattern's "
            "{metric} field: {kind})"
        )


def _layout(query: TableQuery) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the row and column keys, adding the metric pseudo-key when a table has several metrics."""
    rows, columns = tuple(query.rows), tuple(query.columns)
    if len(query.metrics) > 1 and METRIC_KEY not in rows + columns:
        columns = (*columns, METRIC_KEY)
    if not rows:
        raise QueryError(f"a table needs at least one row key ({option('rows')})")
    return rows, columns


def _group(
    runs: Runs,
    row_keys: Sequence[str],
    column_keys: Sequence[str],
    metric: MetricSpec,
    laid_out: str,
    notes: list[str],
) -> dict[tuple[Key, Key], Runs]:
    """Group runs by their row and column key values, the metric's under `laid_out` (cells in the
    order their first run comes); report runs that lack a key."""
    names = [key for key in (*row_keys, *column_keys) if key != METRIC_KEY]
    first_absent = np.full(len(runs), -1, dtype=np.int64)
    for index in reversed(range(len(names))):  # the first key a run lacks is the one reported
        first_absent[_lacks(runs, names[index])] = index
    lacking: dict[str, tuple[int, int]] = {}  # key: (first run lacking it, count)
    for index in sorted(set(first_absent[first_absent >= 0].tolist())):  # (np.unique imports numpy.ma)
        where = np.flatnonzero(first_absent == index)
        earliest, count = lacking.get(names[index], (len(runs), 0))
        lacking[names[index]] = (min(earliest, int(where[0])), count + len(where))
    sources = runs.field("source") if lacking else None
    # a param only the runs lacking a key hold may be the key under its older name
    others = set(runs.take(first_absent < 0).param_keys()) if lacking else set()
    for key, (earliest, count) in sorted(lacking.items(), key=lambda item: item[1][0]):
        assert sources is not None
        without = runs.take(first_absent == names.index(key))
        held = without.param_keys()
        nested = [name for name in held if name.startswith(f"{key}.")]
        own = [name for name in held if name not in others]
        holding = lambda name, without=without: int(without.has_param(name).sum())  # noqa: E731
        notes.append(left_out_note(count, metric.name, key, str(sources[earliest]), nested, own, holding))
    kept = runs.take(first_absent < 0)
    if not len(kept):
        return {}
    first, cell_of = groups_of([kept.codes(key) for key in names], len(kept))
    values = {key: kept.value(key) for key in names}
    grouped: dict[tuple[Key, Key], Runs] = {}
    for at, members in zip(first.tolist(), members_of(cell_of, len(first))):  # cells as first met
        row = tuple(laid_out if key == METRIC_KEY else values[key][at] for key in row_keys)
        column = tuple(laid_out if key == METRIC_KEY else values[key][at] for key in column_keys)
        grouped[(row, column)] = kept.take(members)
    return grouped


def _lacks(runs: Runs, key: str) -> np.ndarray:
    """Return where runs have neither the param nor a run field of that name."""
    coded = runs.coded(key)
    nones = [code for code, value in enumerate(coded.values) if value is None]
    if not nones:
        return np.zeros(len(runs), dtype=bool)
    return (runs.codes(key) == nones[0]) & ~runs.has_param(key)


def best_mean(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]], direction: str, budget: float | None
) -> tuple[dict[int, float], float | None]:
    """Average the seeds per step (steps all seeds logged, up to `budget`), pick the best step of the
    mean, return each seed's value there and the step; NaN values when the seeds share no step."""
    if not curves:
        return {}, None
    curves = logged_points(curves)
    if not curves:  # no seed logged a number
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
        mean = np.mean(np.vstack(list(at_common.values())), axis=0)
    step = best_step_of(common, mean, direction)
    if step is None:
        return {run: float("nan") for run in curves}, None
    index = int(np.searchsorted(common, step))
    return {run: float(values[index]) for run, values in at_common.items()}, step


def logged_points(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]],
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Return each run's points that are numbers, leaving out runs with none: a seed's NaN at a step is
    no value every seed logged there (a diverged seed is not averaged out of the mean by nanmean)."""
    out = {}
    for run, (steps, values) in curves.items():
        known = ~np.isnan(values)
        if known.any():
            out[run] = (steps[known], values[known])
    return out


def curve_ends(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]], runs: np.ndarray, budget: float | None
) -> np.ndarray:
    """Return the last step each run (by id) logged at, up to `budget`, NaN that ends its curve aside (a
    NaN amid its numbers is no end: its ≈ says so); NaN where it logged no number."""
    ends = np.full(len(runs), np.nan)
    for i, run in enumerate(runs.tolist()):
        steps, values = curves.get(run, (np.zeros(0), np.zeros(0)))
        known = steps[~np.isnan(values)]
        if not len(known):
            continue
        steps = steps[steps <= known[-1]]
        if budget is not None:
            steps = steps[steps <= budget]
        if len(steps):
            ends[i] = float(steps[-1])
    return ends


def _replicates_in(cell: Cell, kept: np.ndarray | None = None) -> int:
    """Count a cell's replicates (of the runs `kept`): its runs, those that share a seed (two sweeps
    in one cell) once; each run once where a run has no seed."""
    count = len(cell.runs) if kept is None else int(np.count_nonzero(kept))
    if cell.copies:  # a row written twice is one replicate
        count -= len(cell.copies) if kept is None else int(np.count_nonzero(kept[list(cell.copies)]))
    if not any(mark.kind == "duplicate" for mark in cell.marks):  # no seed shared: one run each
        return count
    columns = [(column if kept is None else column[kept]).tolist() for column in cell.runs.replicate]
    if not columns or any(None in values for values in columns):
        return count
    return len(set(columns[0])) if len(columns) == 1 else len(set(zip(*columns)))


def _ran_in(cell: Cell) -> int:
    """Count the replicates that ran in a cell: its runs (`_replicates_in`), and the seeds of those
    that logged no value of its metric at all (a job that crashed before it wrote one), so that a
    sweep's seed that crashed everywhere but one cell is still one the cells should have."""
    extra = cell.ran_without_value
    if not extra:
        return _replicates_in(cell)
    if any(None in key for key in extra):  # runs without a seed: each is one
        return _replicates_in(cell) + len(extra)
    present = set(zip(*(column.tolist() for column in cell.runs.replicate)))
    return _replicates_in(cell) + len(set(extra) - present)


def _spans(reader: MetricReader, metric: MetricSpec, runs: Runs) -> np.ndarray | None:
    """Return the steps each run's curve of the metric begins and ends at, its last epoch and its number
    of points, one row a run (NaN where it logged none), when the table's reduction depends on how long
    a run trained; else None."""
    if parse_reduction(metric.reduce).kind not in LENGTH_BOUND:
        return None
    if metric.name in reader.derived or metric.name in reader.normalized:  # no stored curve to end
        return None
    summaries = reader.summary_arrays(metric.name)
    found, at = summaries.find(runs.ids)
    epochs = _last_epochs(reader, metric, runs)
    if not len(summaries.runs):
        return np.column_stack([np.full((len(runs.ids), 2), np.nan), epochs, np.full(len(runs.ids), np.nan)])
    columns = [np.where(found, summaries.columns[name][at], np.nan) for name in ("first_step", "last_step")]
    points = np.where(found, summaries.n[at], np.nan)
    return np.column_stack([*columns, epochs, points])


_EPOCH = "epoch"  # the metric Lightning, Keras and Hugging Face log the epoch of each step in


def _last_epochs(reader: MetricReader, metric: MetricSpec, runs: Runs) -> np.ndarray:
    """Return each run's last `epoch` (Lightning, Keras, Hugging Face log one beside their metrics),
    NaN where it logged none: runs that end at different steps yet at one epoch trained alike, at
    another number of steps an epoch."""
    if metric.name == _EPOCH or not reader.logs(_EPOCH):
        return np.full(len(runs.ids), np.nan)
    summaries = reader.summary_arrays(_EPOCH)
    found, at = summaries.find(runs.ids)
    if not len(summaries.runs):
        return np.full(len(runs.ids), np.nan)
    return np.where(found, summaries.columns["last"][at], np.nan)


def make_cell(
    row: Key,
    column: Key,
    metric: MetricSpec,
    members: Runs,
    values: np.ndarray,
    query: TableQuery,
    step: float | None = None,
    notes: Mapping[int, ValueNote] | None = None,
    curves: np.ndarray | None = None,
    spans: np.ndarray | None = None,
    statuses: np.ndarray | None = None,
) -> Cell:
    """Build one cell from its runs and their values (in the same order): the runs ordered by
    replicate then name, their values scaled, the statistics over them and the cell's marks
    (`curves`: a code per run that runs logging one same curve share, `MetricReader.curve_codes`;
    `spans`: the steps each run's curve begins and ends at, when the reduction reads a run to its
    end; `statuses`: each run's, where not the stored one)."""
    order = replicate_order(members, query.replicate)
    members = members.take(order)
    ids = members.ids
    scaled = metric.scaled(values[order])
    noted = np.full(len(ids), None, dtype=object)
    if notes:
        for i, run in enumerate(ids.tolist()):
            note = notes.get(run)
            if note is not None:
                noted[i] = note
    runs = CellRuns(
        ids=ids,
        run_ids=members.field("run_id"),
        names=members.field("name"),
        values=scaled,
        statuses=members.field("status") if statuses is None else statuses[order],
        replicate=[members.value(key) for key in query.replicate],
        notes=noted,
        pooled=[members.value(key) for key in query.pool],
        run_id_ranks=members.text_ranks("run_id"),
    )
    stats = describe(
        scaled, query.stats, query.ddof, query.bootstrap_seed, query.center, query.bootstrap_resamples
    )
    # a run without a value is left out of the statistics (its mark says so): not among those averaged
    valued = ~np.isnan(scaled)
    averaged = members if valued.all() else members.take(valued)
    differing = differing_within_pools(averaged, query)
    copies = copied_runs(runs, members)
    marks = cell_marks(runs, query, members, differing, len(averaged), copies)
    if spans is not None:  # columns: first step, last step, last epoch, points (`_spans`)
        ordered = spans[order]
        marks = tuple(resumed_in_turn(mark, runs, ordered[:, :2]) for mark in marks)
    if curves is not None:
        keys = (*query.pool, *query.replicate)
        marks = (*marks, *same_curve_marks(runs, curves[order], keys, metric.name))
    if spans is not None:
        # only the runs averaged: one whose points skip_first removed ends nowhere the cell reads
        budgets = ends_mark(ordered[valued, 1], averaged, metric.reduce, ordered[valued, 2])
        with np.errstate(invalid="ignore", divide="ignore"):  # each run's step between two points
            intervals = (ordered[:, 1] - ordered[:, 0]) / (ordered[:, 3] - 1)
        short = cut_short_mark(ordered[:, 1], runs, members, budgets is not None, intervals)
        marks = (*marks, *(mark for mark in (budgets, short) if mark is not None))
    return Cell(row, column, metric, runs, stats, marks, step, differing=differing, copies=copies)


def _pooled_scale_notes(cells: Mapping[tuple[Key, Key], Cell], query: TableQuery) -> list[str]:
    """Say that the values a table pools (games of raw returns) differ in scale past SCALE_FACTOR:
    a cell's mean is then mostly the largest one's, and its spread the gap between them."""
    from resultsbook.query.taskscale import SCALE_FACTOR, number_text, scales_apart, task_scales, task_text

    metrics = {cell.metric.name for cell in cells.values()} - set(query.normalized)
    values: dict[Key, list[np.ndarray]] = defaultdict(list)
    for cell in cells.values():
        if cell.metric.name in metrics:
            keys = list(zip(*(column.tolist() for column in cell.runs.pooled)))
            for key in dict.fromkeys(keys):
                values[key].append(cell.runs.values[[k == key for k in keys]])
    scales = task_scales({key: np.concatenate(parts) for key, parts in values.items()})
    apart = scales_apart(scales)
    if apart is None:
        return []
    largest, smallest, factor = apart
    pooled = " × ".join(query.pool)
    return [
        f"the {pooled} values a cell pools differ in scale: the largest absolute value of a run is "
        f"{number_text(scales[largest])} on {task_text(largest)!r} but {number_text(scales[smallest])} on "
        f"{task_text(smallest)!r}, {number_text(factor)} times less (more than {SCALE_FACTOR:,} times): a "
        f"cell's mean is mostly that of {task_text(largest)!r}, and its spread the gap between them; "
        f"normalise per {pooled} with [normalized.NAME], or make {pooled} a row or column"
    ]


def replicate_order(runs: Runs, keys: Sequence[str]) -> np.ndarray:
    """Return the order of runs by their replicate values (`sort_key`), then name; stable."""
    ranks = [runs.sort_ranks(key) for key in keys]
    if any(rank is None for rank in ranks):  # NaN among the values: sort as Python sorts them
        values = [runs.value(key).tolist() for key in keys]
        names = runs.field("name").tolist()
        return np.array(
            sorted(range(len(runs)), key=lambda i: (*(sort_key(v[i]) for v in values), names[i])),
            dtype=np.int64,
        )
    return np.lexsort([runs.text_ranks("name"), *reversed([r for r in ranks if r is not None])])


def _mark_cells(
    cells: dict[tuple[Key, Key], Cell], query: TableQuery, expected: int
) -> dict[tuple[Key, Key], Cell]:
    """Add the marks that count replicates: fewer than expected, or too few to say anything."""
    if query.pool:
        return _mark_pooled_cells(cells, query, expected)
    seen_replicates: set[Key] | None = None
    recorded = True
    marked = {}
    # seeds = [0, 1, 2, 3, 4]: a cell that lacks a listed seed is short of it, whatever others it ran
    listed = expected_replicates(cells, query, expected) if query.replicate_values else set()
    for key, cell in cells.items():
        n = int(cell.stats["n"])
        if query.marks_few(n):
            few = Mark(
                "few",
                f"only {n} replicate{'s' if n > 1 else ''} (fewer than {query.min_replicates})",
                note="single" if n == 1 else "",
            )
            cell = replace(cell, marks=(few, *cell.marks))
        distinct = _replicates_in(cell, ~np.isnan(cell.runs.values))  # runs sharing a seed once
        have = _valued_replicates(cell)
        have |= set(listed_alike(listed, have))  # seed '3' is the listed 3: a finding says so
        if distinct < expected or (listed and not listed <= have):
            if seen_replicates is None:
                seen_replicates = expected_replicates(cells, query, expected)
                recorded = any(
                    v is not None for c in cells.values() for k in c.runs.replicate for v in k.tolist()
                )
            ran = set(zip(*(column.tolist() for column in cell.runs.replicate)))
            ran.update(cell.ran_without_value)  # a crashed job's seed, with no value of the metric
            # a seed that ran here without a value (NaN, or a crashed job's) is one this cell lacks,
            # whatever the others ran
            crashed = {key for key in ran if None not in key}
            missing = sorted(
                (seen_replicates | crashed) - have,
                key=lambda k: tuple(sort_key(v) for v in k),
            )
            # the most any cell has may be this cell's own runs, some without a value: `of its 10 runs`
            own = not query.expected and not query.replicate_values and _ran_in(cell) == expected
            counted = expected_text(query, expected, recorded, own)
            text = f"n = {n} of {counted}"
            if distinct != n:  # two sweeps in one cell: 11 runs of 3 seeds
                text = f"{distinct} of {counted}, in n = {n} runs"
            named: tuple[str, ...] = ()
            keyed = all(v is not None for k in have for v in k)  # runs without a seed miss none by name
            if missing and keyed and all(v is not None for k in missing for v in k):
                named = tuple(replicate_text(query.replicate, k) for k in missing)
                # a run that is there but gave no value (NaN, never logged) is no run to launch
                absent = [text for key, text in zip(missing, named) if key not in ran]
                running = still_running(cell)  # no value yet: not one that ran and gave none
                queued = still_running(cell, "queued")  # not started: no value yet either
                waiting = running | queued
                valueless = [text for key, text in zip(missing, named) if key in ran and key not in waiting]
                pending = [text for key, text in zip(missing, named) if key in ran and key in running]
                not_started = [text for key, text in zip(missing, named) if key in ran and key in queued]
                parts = [f"missing {', '.join(absent[:LISTED])}{_more(absent)}"] if absent else []
                if valueless:
                    has = "has" if len(valueless) == 1 else "have"
                    parts.append(f"{named_list(valueless, LISTED)} ran but {has} no value")
                if pending:
                    parts.append(f"{named_list(pending, LISTED)} running, no value yet")
                if not_started:
                    parts.append(f"{named_list(not_started, LISTED)} queued, not started yet")
                text += f" ({'; '.join(parts)})"
            elif own:  # runs without a seed: how many of its own gave no value (not another cell's runs)
                lacking = expected - distinct
                text += f" ({lacking} of them {'has' if lacking == 1 else 'have'} no value)"
            cell = replace(cell, marks=(Mark("incomplete", text, named), *cell.marks))
        marked[key] = cell
    return marked


def _valued_replicates(cell: Cell) -> set[Key]:
    """Return the replicate values of a cell's runs that have a value."""
    valued = ~np.isnan(cell.runs.values)
    return set(zip(*(column[valued].tolist() for column in cell.runs.replicate)))


def still_running(cell: Cell, status: str = "running") -> set[Key]:
    """Return the pooled and replicate values of a cell's seeds that have no value because each of their
    runs is still running, as its log says (a job that has not reached its first evaluation): not a
    seed that ran and gave none; with `status` "queued", those whose runs are all queued, not started."""
    statuses: dict[Key, set[str]] = {}
    for run in cell.runs:
        if run.value != run.value:  # NaN: no value
            statuses.setdefault((*run.pooled, *run.replicate), set()).add(run.status)
    for key, (_, without) in zip(cell.ran_without_value, cell.without_value):
        statuses.setdefault(key, set()).add(without)
    return {key for key, seen in statuses.items() if seen == {status}}


def _more(named: Sequence[str]) -> str:
    """Say how many of `named` a mark leaves unnamed: ` and 4 more`."""
    return f" and {len(named) - LISTED} more" if len(named) > LISTED else ""


def expected_text(query: TableQuery, expected: int, recorded: bool = True, own: bool = False) -> str:
    """Say what a cell's n is counted against, and where that count comes from: `5 seeds asked
    for` (replicates = 5), `the 5 seeds listed` (seeds = [...]), `5 seeds, the most any cell has`,
    or `its 5 seeds, the most any cell has` where that cell is this one (`own`: seeds it ran that gave
    no value); `runs` when no run records a replicate key (`recorded` False), as the table's note says."""
    named = "seeds" if query.replicate == ("seed",) else "replicates"
    noun = "runs" if not recorded else named
    if query.expected:
        return f"{expected} {noun} asked for"
    if query.replicate_values:  # the list names seeds, whether or not the runs hold one
        return f"the {expected} {named} listed"
    return f"{'its ' if own else ''}{expected} {noun}, the most any cell has"


def expected_replicates(cells: Mapping[tuple[Key, Key], Cell], query: TableQuery, expected: int) -> set[Key]:
    """Return the replicates each cell should have: as the query lists them, else every one seen;
    none when no two cells share one (seeds drawn at random per run, as Sacred does, name no plan),
    nor when more are seen than a cell should have (cells that each ran seeds of their own)."""
    if query.replicate_values:
        return {tuple(v if isinstance(v, (list, tuple)) else [v]) for v in query.replicate_values}
    seen: set[Key] = set()
    shared = False
    for cell in cells.values():
        replicates = set(zip(*(column.tolist() for column in cell.runs.replicate)))
        shared = shared or not seen.isdisjoint(replicates)
        seen.update(replicates)
    return seen if shared and len(seen) <= expected else set()


def listed_alike(listed: set[Key], have: set[Key]) -> dict[Key, Key]:
    """Return the listed replicates a cell has only under another type, each with the one it has: the
    text '3' in a run's config where `seeds` lists the number 3 is that seed, not a missing one."""
    spelled = {_key_text(key): key for key in have - listed if None not in key}
    return {key: spelled[_key_text(key)] for key in listed - have if _key_text(key) in spelled}


def as_listed(listed: set[Key], have: set[Key]) -> dict[Key, Key]:
    """Return each replicate of `have` that is a listed one logged as another type, with the listed one,
    whether or not the listed one is there too: the runs of a row over tasks, seed '3' on one task and
    3 on another, are seed 3 on both."""
    return {rep: key for rep in have - listed for key in listed_alike(listed, {rep})}


def _key_text(key: Key) -> tuple[str, ...]:
    """Return a replicate key as its values read, whatever their type."""
    return tuple(value.strip() if isinstance(value, str) else format_value(value) for value in key)


def pooled_expected(cells: Mapping[tuple[Key, Key], Cell], query: TableQuery) -> int:
    """Return the replicates each pooled value should have: as asked, else the most any has."""
    if query.expected or query.replicate_values:
        return query.expected or len(query.replicate_values)
    sizes: dict[tuple[Any, ...], int] = defaultdict(int)
    for key, cell in cells.items():
        for pooled in zip(*(column.tolist() for column in cell.runs.pooled)):
            sizes[(key, pooled)] += 1
    return max(sizes.values(), default=0)


def pooled_groups(cells: Mapping[tuple[Key, Key], Cell]) -> dict[tuple[Key, Key], list[Key]]:
    """Return the pooled values each cell should hold, in order: its own, and those of the cell of its
    column (its row) that pools the most values including all of its own — a method run on 3 of the 5
    games another ran lacks 2 — never values of cells that pool values of their own (each dataset's
    own splits, nested in the rows)."""
    own = {key: set(zip(*(column.tolist() for column in cell.runs.pooled))) for key, cell in cells.items()}
    lines: list[dict[Key, list[set[Key]]]] = [defaultdict(list), defaultdict(list)]  # by row, by column
    for key, groups in own.items():
        for axis in (0, 1):
            lines[axis][key[axis]].append(groups)
    out = {}
    for key, groups in own.items():
        every = set(groups)
        for axis in (0, 1):
            wider = [
                other for other in lines[axis][key[axis]] if groups < other
            ]  # strictly more, all of its own
            if wider:
                every |= max(wider, key=len)
        out[key] = sorted(every, key=lambda g: tuple(sort_key(v) for v in g))
    return out


def _mark_pooled_cells(
    cells: dict[tuple[Key, Key], Cell], query: TableQuery, expected: int
) -> dict[tuple[Key, Key], Cell]:
    """Count replicates within each pooled value of a cell: every split of a dataset should have its
    seeds, however many splits the dataset has; and a cell without a value its rivals pool (a game the
    other methods ran) says which, since its mean is over other values than theirs."""
    marked = {}
    pooled = ", ".join(query.pool)
    should = pooled_groups(cells)
    for key, cell in cells.items():
        n = int(cell.stats["n"])
        marks = list(cell.marks)
        if query.marks_few(n):
            few = f"only {n} replicate{'s' if n > 1 else ''} (fewer than {query.min_replicates})"
            marks.insert(0, Mark("few", few, note="single" if n == 1 else ""))
        values = cell.runs.values.tolist()
        counts: dict[Key, int] = defaultdict(int)
        every = list(zip(*(column.tolist() for column in cell.runs.pooled)))
        for group, value in zip(every, values):
            if not np.isnan(value):
                counts[group] += 1
        groups = should[key]
        ran = set(every)
        short = [replicate_text(query.pool, g) for g in groups if g in ran and counts[g] < expected]
        absent = [" / ".join(map(format_value, g)) for g in groups if g not in ran]
        if short or absent:
            said = [f"{expected} per pooled {pooled}"] + (["fewer in " + ", ".join(short)] if short else [])
            if absent:
                said.append(f"no run on {named_list(absent, LISTED)}, which other cells pool")
            text = f"n = {n} of {expected * len(groups)} ({'; '.join(said)})"
            marks.insert(0, Mark("incomplete", text))
        marked[key] = replace(cell, marks=tuple(marks))
    return marked


def differing_params(
    runs: Sequence[StoredRun], exempt: Iterable[str], count_absent: bool = True
) -> dict[str, list[Any]]:
    """Return the params (outside `exempt`) whose values differ among runs, with their values.

    With `count_absent` false, a param only some runs record (another tracker, another logger)
    differs only where two runs record different values."""
    return differing_columns(Runs.of(runs), set(exempt), count_absent)


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


def _goal_fix(name: str) -> str:
    """Say how to give a metric's goal: in the spec's table, on the command line, or in Python."""
    if spec_table_words():
        return 'set goal = "max" or "min"'
    return "give it with " + said(
        f"--goal {shlex.quote(f'{name}=max')} (or =min)", f"goals={{{name!r}: 'max'}} (or 'min')"
    )
