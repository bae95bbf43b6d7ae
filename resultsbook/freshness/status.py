"""What is missing before the deadline: replicates per cell, missing seeds by name, failed runs with
the tail of their error, runs still running and runs that look dead."""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import NotFoundError, ResultsbookError, SpecError, did_you_mean
from resultsbook.models import StoredRun
from resultsbook.outputs.build import Finding, compute_entry
from resultsbook.params import format_value, natural_key, sort_key
from resultsbook.query.aggregate import as_listed, expected_replicates, listed_alike, pooled_groups
from resultsbook.query.model import METRIC_KEY, ResultTable
from resultsbook.query.resumed import resumed_later
from resultsbook.query.runs import tracker_run_ids
from resultsbook.query.select import select_runs
from resultsbook.render.escape import quote_shell
from resultsbook.render.layout import cell_label
from resultsbook.sources import fs
from resultsbook.sources.status_words import duration
from resultsbook.spec import Spec, TableSpec
from resultsbook.spec.tables import COMMAND_PLACEHOLDER
from resultsbook.store import Store
from resultsbook.store.location import url_scheme
from resultsbook.voice import command

DEFAULT_STALE_AFTER = 3600.0  # seconds without a write before a running run looks dead


@dataclass(frozen=True)
class CellStatus:
    """One cell's replicates: how many were found, how many are expected, which are missing."""

    table: str
    cell: str
    found: int
    expected: int
    missing: tuple[str, ...]  # replicate values by name, e.g. ("seed 3", "seed 4")
    unnamed: int  # missing replicates that no run anywhere names (set `seeds` in the spec)
    commands: tuple[str, ...]  # how to launch the missing runs, when the spec gives a template
    counted: str = ""  # over tasks, what `expected` is made of: "5 seeds × 26 games"
    valueless: tuple[str, ...] = ()  # those of `missing` whose run is there, without a value (NaN)
    keyed: bool = True  # its runs have the replicate keys, by which `seeds` names the missing ones
    valueless_runs: int = 0  # runs without the replicate keys that are there, without a value
    running: tuple[str, ...] = ()  # those of `missing` whose run is still running: no value yet
    queued: tuple[str, ...] = ()  # those of `missing` whose run is queued, not started: no value yet
    # counted replicates whose value is only that of a run that did not finish: "seed 3 (failed)"
    unfinished: tuple[str, ...] = ()
    # over tasks: the tasks the row has no run on, a task key's value for all its tasks ("env=ant (4
    # datasets)"), and those of `missing` on the tasks it has runs on
    no_run: tuple[str, ...] = ()
    missing_where_run: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()  # replicates averaged more than once, each with how often: "seed 1 twice"
    averaged: int = 0  # with `repeated`: the runs the table averages (its n), more than `found`

    @property
    def complete(self) -> bool:
        """Tell whether the cell has its replicates, each from a run that ended."""
        return self.found >= self.expected and not self.missing and not self.unfinished


@dataclass(frozen=True)
class RunStatus:
    """A run that needs attention: failed, interrupted, running, queued, dead or gone from its logs."""

    run_id: str
    name: str
    source: str
    state: str
    detail: str


@dataclass(frozen=True)
class EmptyCell:
    """A cell no run reached: shown as – between its row and its column, or a combination of row
    values the table has no row for; with the replicates a run there would be expected to give."""

    table: str
    cell: str
    shown_as: str  # DASH, or NO_ROW
    expected: int
    missing: tuple[str, ...]  # replicate values by name, as other cells' are: ("seed 0", "seed 1")
    unnamed: int  # expected replicates that no run anywhere names
    commands: tuple[str, ...] = ()  # how to launch the runs of `missing`, when the spec gives a template


DASH = "–"  # how a table shows a cell between a row and a column that no run reached
NO_ROW = "no row"  # a combination of row values the table leaves out, having no run of it


@dataclass(frozen=True)
class StatusReport:
    """Every table's cells, the tables with no run yet, and the runs that need attention."""

    cells: tuple[CellStatus, ...]
    runs: tuple[RunStatus, ...]
    findings: tuple[Finding, ...]
    empty: tuple[tuple[str, str], ...] = ()  # (table, why no run is selected)
    holes: tuple[EmptyCell, ...] = ()  # cells no run reached: not counted as incomplete

    @property
    def complete(self) -> bool:
        """Tell whether every cell has all its replicates and no run failed or hangs."""
        cells_done = all(cell.complete for cell in self.cells)
        return cells_done and not self.runs and not self.empty


def status(
    spec: Spec, store: Store, stale_after: float = DEFAULT_STALE_AFTER, now: float | None = None
) -> StatusReport:
    """Return the status of every table of the spec."""
    everything = store.runs(include_missing=True)
    runs = [run for run in everything if run.present]
    # a counted run whose logs went (a fold deleted, a copy not finished): one the tables had; a failed
    # or unfinished one removed is a clean-up, not a loss
    gone = [run for run in everything if not run.present and run.status in ("finished", "unknown")]
    cells: list[CellStatus] = []
    findings: list[Finding] = []
    watched: dict[int, StoredRun] = {}
    states: dict[int, RunStatus] = {}  # each selected run that needs attention, by its id
    lost: dict[int, StoredRun] = {}
    empty: list[tuple[str, str]] = []
    holes: list[EmptyCell] = []
    superseded = resumed_later(runs)  # a W&B run stands as its latest folder says
    for name, table_spec in spec.tables.items():
        try:
            result = compute_entry(spec, table_spec, store, runs)
        except NotFoundError as error:  # no run yet for this table: that is what status reports
            empty.append((name, str(error).removeprefix(f"[tables.{name}] ")))
            continue
        assert result.table is not None
        findings += result.findings
        # a table of finished runs only (status = ["finished"]) still has its crashed and queued runs named
        others = [item for item in table_spec.query.filters if item.key != "status"]
        selected = {run.id: run for run in select_runs(runs, others)}
        for run in selected.values():
            if run.id in superseded:
                continue
            if run.id not in states and (issue := run_issue(store, run, stale_after, now)):
                states[run.id] = issue
        attention = {run: issue.state for run, issue in states.items()}
        cells += table_cells(name, result.table, table_spec, spec, attention)
        holes += empty_cells(name, result.table, table_spec)
        watched |= selected
        lost |= {run.id: run for run in select_runs(gone, table_spec.query.filters)}
    issues = [states[run] for run in watched if run in states]
    by_source = {run.source.rstrip("/"): run for run in runs} if lost else {}
    issues += [gone_issue(run, _reading_of(store, run, by_source)) for run in lost.values()]
    issues.sort(key=lambda issue: (issue.state, natural_key(issue.source)))
    return StatusReport(tuple(cells), tuple(issues), tuple(findings), tuple(empty), tuple(holes))


def empty_cells(name: str, table: ResultTable, table_spec: TableSpec) -> list[EmptyCell]:
    """Name the cells no run reached (`unreached_replicates`): not counted as incomplete, since a
    table may leave out what does not apply."""
    return [
        EmptyCell(
            table=name,
            cell=cell_label(table, cell.row, cell.column, table_spec.labels),
            shown_as=DASH if cell.row in table.rows else NO_ROW,
            expected=cell.expected,
            missing=tuple(_replicate_name(cell.named_by, key) for key in cell.missing),
            unnamed=cell.unnamed,
            commands=launch_commands(name, table, table_spec, cell, cell.missing),
        )
        for cell in unreached_replicates(table)
    ]


def launch_commands(
    name: str, table: ResultTable, table_spec: TableSpec, cell: CellReplicates, replicates: Sequence[Any]
) -> tuple[str, ...]:
    """Fill the table's `command` (none without one) for each of a cell's replicates to launch, each
    with the cell's row and column values and the replicate's own."""
    if not table_spec.command:
        return ()
    keys = (*table.row_keys, *table.column_keys)
    values = dict(zip(keys, (*cell.row, *cell.column)))
    if METRIC_KEY in values:  # `{metric}` in a table of metrics laid out by `metric`: the metric's name
        values[METRIC_KEY] = table.query.metric_of_key(values[METRIC_KEY]).name
    return tuple(
        fill_command(table_spec.command, {**values, **dict(zip(cell.named_by, replicate))}, name)
        for replicate in sorted(replicates, key=_sorting)
    )


def unreached_replicates(table: ResultTable) -> list[CellReplicates]:
    """Return the cells no run reached, each with none found of the replicates the table expects:
    those shown as – between a row and a column (a method never run on a dataset), in the table's
    order, then those of a combination of row values the table has no row for where its rows cross
    like a product with holes (`absent_rows`). A table over tasks has none: its cells are aggregates
    over a row's runs, and a row has all or none."""
    from resultsbook.query.absent import absent_rows

    if table.query.tasks:
        return []
    grid = [(row, column) for row in table.rows for column in table.columns]
    cells = [cell for cell in grid if cell not in table.cells]
    cells += [(row, column) for row in absent_rows(table.rows) for column in table.columns]
    # runs without a seed name no seed to launch
    names = sorted(
        (key for key in expected_replicates(table.cells, table.query, table.expected) if None not in key),
        key=_sorting,
    )
    unnamed = max(0, table.expected - len(names))
    return [
        CellReplicates(row, column, 0, table.expected, tuple(names), unnamed, table.query.replicate)
        for row, column in cells
    ]


@dataclass(frozen=True)
class CellReplicates:
    """One cell's replicates, by its row and column keys: found (with a value), expected, missing."""

    row: tuple[Any, ...]
    column: tuple[Any, ...]
    found: int
    expected: int
    missing: tuple[tuple[Any, ...], ...]  # the values of `named_by` of each missing replicate
    unnamed: int  # missing replicates that no run anywhere names
    named_by: tuple[str, ...] = ()  # the replicate keys; over tasks, the task keys then them
    tasks: int = 0  # over tasks: how many tasks the row is counted on (0: not a table over tasks)
    per_task: int = 0  # over tasks: the replicates expected on each
    valueless: tuple[tuple[Any, ...], ...] = ()  # of `missing`, those whose run is there but gave no value
    keyed: bool = True  # its runs have the replicate keys (else each run is one replicate, unnamed)
    valueless_runs: int = 0  # runs without the replicate keys that are there but gave no value
    running: tuple[tuple[Any, ...], ...] = ()  # of `valueless`, those whose runs are all still running
    queued: tuple[tuple[Any, ...], ...] = ()  # of `valueless`, those whose runs are all queued (not started)
    # of the replicates found, those whose every valued run did not finish, each with how it stands
    # (failed, interrupted, running, dead): the cell counts what it logged before it stopped
    unfinished: tuple[tuple[tuple[Any, ...], str], ...] = ()
    bare_tasks: tuple[tuple[Any, ...], ...] = ()  # over tasks: the tasks the row has no run on
    all_tasks: tuple[tuple[Any, ...], ...] = ()  # over tasks: every task the table counts
    repeated: tuple[tuple[tuple[Any, ...], int], ...] = ()  # replicates several valued runs share, how many
    averaged: int = 0  # with `repeated`: the runs the table averages, its n


UNFINISHED = ("failed", "interrupted", "running")  # a run's status whose last value is no final one
NOT_STARTED = "queued"  # a run's status that has no value yet and no process: not one to launch again


def cell_replicates(table: ResultTable, attention: Mapping[int, str] | None = None) -> list[CellReplicates]:
    """Return each cell's found and expected replicates and the missing ones, in the table's order;
    a table over tasks counts each row's runs on every task instead (its cells are aggregates).

    `attention` gives, by store id, how each run that needs attention stands (`running`, `dead`,
    `failed`, `interrupted`, as `status` lists them); without it, each run's status says."""
    if table.query.tasks:
        return _task_replicates(table)
    names = expected_replicates(table.cells, table.query, table.expected)
    # a pooled table expects its replicates within each pooled value (each split), as its n says
    pool = table.query.pool
    named_by = (*pool, *table.query.replicate)
    # and within each value its rivals pool, as its mark counts (a game the other methods ran)
    should = pooled_groups(table.cells) if pool else {}
    out = []
    for (row, column), cell in sorted(table.cells.items(), key=lambda item: _order(table, item[0])):
        valued = [run for run in cell.runs if run.value == run.value]  # NaN never equals itself
        have = {(*run.pooled, *run.replicate) for run in valued}
        groups = should[row, column] if pool else [()]
        ran_pooled = {run.pooled for run in cell.runs}
        bare = tuple(group for group in groups if group not in ran_pooled)
        expected = table.expected * len(groups)
        # runs without a seed are each a replicate, as the table counts them (n = 2 runs, not 1 seed)
        # (those without a value too: a cell whose one run has no seed and diverged is no `seed none`)
        keyed = all(None not in run.replicate for run in cell.runs)
        found = len(have) if keyed else len(valued)
        # a seed logged twice (a copy of its run left under the source) is averaged twice: n counts it
        repeated = _repeated_keys(valued) if keyed else ()
        wanted = {(*group, *name) for group in groups for name in names}
        listed = set(listed_alike(wanted, have)) if table.query.replicate_values else set()  # '3' for 3
        ran = {(*run.pooled, *run.replicate) for run in cell.runs}  # a diverged run (NaN) has no value
        ran.update(cell.ran_without_value)  # and one that never logged the metric (a crashed job)
        # a seed that ran here without a value is one this cell lacks, whatever the others ran
        wanted.update(key for key in ran if None not in key)
        # a cell with all the replicates it should have is complete, whichever seeds others ran (unless
        # the spec lists its seeds: then it lacks those it lacks); one of runs without a seed cannot tell
        # which of the spec's seeds it lacks
        short = found < expected or bool(table.query.replicate_values)
        missing = sorted(wanted - have - listed, key=_sorting) if short and keyed else []
        valueless_runs = 0 if keyed else min(len(cell.runs) - len(valued), max(0, expected - found))
        unnamed = max(0, expected - found - len(missing) - valueless_runs)
        valueless = tuple(key for key in missing if key in ran)
        running = tuple(key for key in valueless if _standing(cell, key, attention) == {"running"})
        queued = tuple(key for key in valueless if _standing(cell, key, attention) == {NOT_STARTED})
        unfinished = tuple(
            (key, "/".join(sorted(standing)))
            for key in sorted(have, key=_sorting)
            if keyed and (standing := _standing(cell, key, attention, valued=True))
        )
        # more than asked stays `7 of 5`: the surplus is a finding, not a bigger plan
        out.append(
            CellReplicates(
                row,
                column,
                found,  # replicates: one averaged twice is one, and `averaged` says the table's n
                expected,
                tuple(missing),
                unnamed,
                named_by,
                valueless=valueless,
                keyed=keyed,
                valueless_runs=valueless_runs,
                running=running,
                queued=queued,
                unfinished=unfinished,
                bare_tasks=bare if keyed and missing else (),
                all_tasks=tuple(groups) if pool else (),
                repeated=repeated,
                averaged=len(valued) if repeated else 0,
            )
        )
    return out


def _repeated_keys(valued: Sequence[Any]) -> tuple[tuple[tuple[Any, ...], int], ...]:
    """Return the (pooled..., replicate...) keys several valued runs of a cell share, with how many."""
    counts = Counter((*run.pooled, *run.replicate) for run in valued)
    shared = sorted((key for key, count in counts.items() if count > 1), key=_sorting)
    return tuple((key, counts[key]) for key in shared)


def _standing(
    cell: Any, key: tuple[Any, ...], attention: Mapping[int, str] | None, valued: bool = False
) -> set[str]:
    """Return how the runs of one pooled and replicate key of a cell stand (those with a value, when
    `valued`) when none of them ended: `failed`, `interrupted`, `running`, or `dead` for one running
    that no longer writes (as `attention` says, by store id), `queued` for one not started; empty when
    one ended (finished, or its logs do not say)."""
    members = [(run.id, run.status, run.value) for run in cell.runs if (*run.pooled, *run.replicate) == key]
    if not valued:
        members += [
            (run, status, math.nan)
            for ran, (run, status) in zip(cell.ran_without_value, cell.without_value)
            if ran == key
        ]
    standing: set[str] = set()
    for run, status, value in members:
        if valued and value != value:  # NaN: not what the cell counts
            continue
        if status not in (*UNFINISHED, NOT_STARTED):
            return set()
        standing.add(status if attention is None else attention.get(run, status))
    return standing


def _task_replicates(table: ResultTable) -> list[CellReplicates]:
    """Count, for each row of a table over tasks, its (task, replicate) runs: every task a row of the
    table ran on, with every replicate the row ran anywhere (or the listed seeds), `replicates` at
    least."""
    from resultsbook.query.tasks import replicates_shared

    rows: dict[tuple[Any, ...], Any] = {}  # every aggregate of a row is over the same runs
    for (row, _), cell in sorted(table.cells.items(), key=lambda item: _order(table, item[0])):
        rows.setdefault(row, cell)
    tasks = sorted({run.task for cell in rows.values() for run in cell.runs}, key=_sorting)
    listed = expected_replicates({}, table.query, 0)  # the spec's `seeds`, if it lists them
    out = []
    width = len(table.query.tasks)
    for row, cell in rows.items():
        unvalued = cell.ran_without_value  # (task, replicate) of the runs that logged no value at all
        ran_keys = [run.replicate for run in cell.runs] + [key[width:] for key in unvalued]
        named = listed or {rep for rep in ran_keys if any(v is not None for v in rep)}
        present = {(run.task, run.replicate) for run in cell.runs if run.value == run.value}
        if listed:  # seed '3' is the listed 3, as the table counts it
            alike = as_listed(listed, {rep for _, rep in present})
            present = {(task, alike.get(rep, rep)) for task, rep in present}
        per_task = max(len(named), table.query.expected or 0, 1)
        planned = None if listed else table.query.expected
        missing: list[tuple[Any, ...]] = []
        if named and planned is not None and len(named) > planned:  # a task ran more seeds than planned
            counts = Counter(task for task, _ in present)
            per_task = planned
            found = sum(min(count, planned) for count in counts.values())  # an extra seed fills no gap
        elif named and not listed and not replicates_shared(cell.runs, unvalued, width):  # a seed per run
            counts = Counter(task for task, _ in present)
            per_task = max(max(counts.values(), default=0), table.query.expected or 0, 1)
            found = len(present)
        elif named:
            pairs = [(task, rep) for task in tasks for rep in sorted(named, key=_sorting)]
            missing = [(*task, *rep) for task, rep in pairs if (task, rep) not in present]
            found = sum(1 for _, rep in present if rep in named)
        else:  # no replicate key: one run a task
            done = {task for task, _ in present}
            missing, found = [task for task in tasks if task not in done], len(done)
        expected = max(per_task * len(tasks), found)
        unnamed = max(0, expected - found - len(missing))
        keys = (*table.query.tasks, *(table.query.replicate if named else ()))
        # a run without a value (NaN, or failed before it logged the metric) is a run there still
        ran = {run.task for run in cell.runs} | {key[:width] for key in unvalued}
        # named apart from the missing (task, seed) runs; one run a task: `missing` names the task
        bare = (
            tuple(task for task in tasks if task not in ran)
            if missing and len(keys) > len(table.query.tasks)
            else ()
        )
        # a (task, seed) logged twice (a copy of its run left under the source) is averaged twice
        valued = [run for run in cell.runs if run.value == run.value and None not in run.replicate]
        counts = Counter((*run.task, *run.replicate) for run in valued) if named else Counter()
        repeated = tuple((key, counts[key]) for key in sorted(counts, key=_sorting) if counts[key] > 1)
        out.append(
            CellReplicates(
                row, (), found, expected, tuple(missing), unnamed, keys, len(tasks), per_task,
                bare_tasks=bare, all_tasks=tuple(tasks), repeated=repeated,
                averaged=sum(1 for run in cell.runs if run.value == run.value) if repeated else 0,
            )
        )  # fmt: skip
    return out


def _sorting(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sort_key(value) for value in key)


def table_cells(
    name: str,
    table: ResultTable,
    table_spec: TableSpec,
    spec: Spec,
    attention: Mapping[int, str] | None = None,
) -> list[CellStatus]:
    """Return each cell's found and expected replicates, missing ones named where possible; a seed
    still running is no run to launch, one counted from a run that failed, was interrupted or looks
    dead is (`attention`: how each run needing attention stands, by store id)."""
    out = []
    groups = table.query.tasks or table.query.pool  # what `bare_tasks` holds values of
    for cell in cell_replicates(table, attention):
        relaunch = [key for key in cell.missing if key not in cell.running and key not in cell.queued]
        relaunch += [key for key, standing in cell.unfinished if "running" not in standing.split("/")]
        commands = launch_commands(name, table, table_spec, cell, relaunch)
        out.append(
            CellStatus(
                table=name,
                cell=cell_label(table, cell.row, cell.column, table_spec.labels),
                found=cell.found,
                expected=cell.expected,
                missing=tuple(_replicate_name(cell.named_by, key) for key in cell.missing),
                unnamed=cell.unnamed,
                commands=commands,
                counted=_counted(table, cell),
                valueless=tuple(_replicate_name(cell.named_by, key) for key in cell.valueless),
                keyed=cell.keyed,
                valueless_runs=cell.valueless_runs,
                running=tuple(_replicate_name(cell.named_by, key) for key in cell.running),
                queued=tuple(_replicate_name(cell.named_by, key) for key in cell.queued),
                unfinished=tuple(
                    f"{_replicate_name(cell.named_by, key)} ({_standing_words(standing)})"
                    for key, standing in cell.unfinished
                ),
                no_run=_bare_task_names(groups, cell),
                repeated=tuple(
                    f"{_replicate_name(cell.named_by, key)} {'twice' if count == 2 else f'{count} times'}"
                    for key, count in cell.repeated
                ),
                averaged=cell.averaged,
                missing_where_run=tuple(
                    _replicate_name(cell.named_by, key)
                    for key in cell.missing
                    if cell.bare_tasks and key[: len(groups)] not in cell.bare_tasks
                ),
            )
        )
    return out


def _bare_task_names(keys: Sequence[str], cell: CellReplicates) -> tuple[str, ...]:
    """Name the tasks a row has no run on: a value of the first task key once, where the row has no
    run on any of its tasks (`env=ant (4 datasets)`), each other task by its values."""
    bare = set(cell.bare_tasks)
    names: list[str] = []
    whole: set[Any] = set()
    for task in cell.bare_tasks:
        first = task[0]
        if len(keys) > 1 and first not in whole:
            alike = [other for other in cell.all_tasks if other[0] == first]
            if len(alike) > 1 and all(other in bare for other in alike):
                whole.add(first)
                rest = keys[1] if len(keys) == 2 else "task"
                names.append(f"{keys[0]}={format_value(first)} ({_how_many(len(alike), rest)})")
        if first not in whole:
            names.append(_replicate_name(keys, task))
    return tuple(names)


def _standing_words(standing: str) -> str:
    """Word how a replicate's runs stand, as a cell's line says it: `failed`, `looks dead`."""
    return "/".join("looks dead" if part == "dead" else part for part in standing.split("/"))


def fill_command(template: str, values: Mapping[str, Any], table: str = "") -> str:
    """Fill a table's `command` with a missing run's values, each quoted for a POSIX shell: a value
    from a log can never add a command (`{model}` holding `x; rm -rf ~` stays one argument)."""

    def value(found: re.Match[str]) -> str:
        text = found.group(0)
        if text in ("{{", "}}"):
            return text[0]
        key = found.group(1).strip()
        if key not in values:
            hint = did_you_mean(key, values, "its placeholders can be")
            raise SpecError(f"[tables.{table}] command: no value for {{{key}}}; {hint}")
        return quote_shell(format_value(values[key]))

    return COMMAND_PLACEHOLDER.sub(value, template)


def _order(table: ResultTable, key: tuple[Any, Any]) -> tuple[int, int]:
    return table.rows.index(key[0]), table.columns.index(key[1])


def _replicate_name(keys: Sequence[str], values: tuple[Any, ...]) -> str:
    if len(keys) == 1:
        return f"{keys[0]} {format_value(values[0])}"
    return "(" + ", ".join(f"{k}={format_value(v)}" for k, v in zip(keys, values)) + ")"


def _counted(table: ResultTable, cell: CellReplicates) -> str:
    """Say what a row over tasks is expected to have: "5 seeds × 26 games" ("" for other tables)."""
    if not cell.tasks:
        return ""
    tasks = table.query.tasks
    counted = _how_many(cell.tasks, tasks[0] if len(tasks) == 1 else "task")
    replicate = cell.named_by[len(tasks) :]  # none when no run names a replicate: one run a task
    if not replicate:
        return counted
    return f"{_how_many(cell.per_task, replicate[0] if len(replicate) == 1 else 'replicate')} × {counted}"


def _how_many(count: int, key: str) -> str:
    """Return "26 games" for a count of a key's values ("26 values of env.id" for a key not a word)."""
    if not re.fullmatch(r"[A-Za-z]+", key):
        return f"{count} value{'' if count == 1 else 's'} of {key}"
    if count == 1:
        return f"1 {key}"
    return f"{count} {key}es" if key.endswith(("s", "x", "ch", "sh")) else f"{count} {key}s"


def gone_issue(run: StoredRun, read_by: StoredRun | None = None) -> RunStatus:
    """Say that a run a table selected is gone from its logs: a missing seed the store can name; or,
    when a run of a folder above its source is collected, that its files are read as that run now
    (AllenNLP's metrics.json and log/ events, one run of their serialization directory)."""
    forget = command("forget", run.source)
    detail = (
        f"its logs are gone since it was collected, so no table counts it: put them back and collect, "
        f"or {forget} if it is gone for good"
    )
    if read_by is not None:
        named = read_by.source if read_by.name == read_by.source else f"{read_by.name} ({read_by.source})"
        detail = f"its files are now read as part of {named}, so no table counts this run: {forget} drops it"
    return RunStatus(run.run_id, run.name, run.source, "gone", detail)


def _reading_of(store: Store, run: StoredRun, present: Mapping[str, StoredRun]) -> StoredRun | None:
    """Return the present run whose source (`present`: by source path) is a folder holding a missing
    run's source, when that source is still on this machine (a file of the folder's run now, not a file
    deleted), else None."""
    if store.shared or url_scheme(run.source) is not None:
        return None
    parts = run.source.rstrip("/").split("/")
    # the nearest folder above first; a look per level, not per run (a store of 100,000 runs)
    folders = ("/".join(parts[:level]) for level in range(len(parts) - 1, 0, -1))
    above = next((present[folder] for folder in folders if folder in present), None)
    try:
        return above if above is not None and fs.exists(store.absolute(run.source)) else None
    except (OSError, ResultsbookError):
        return None


def run_issue(store: Store, run: StoredRun, stale_after: float, now: float | None = None) -> RunStatus | None:
    """Return why a run needs attention (failed, interrupted, running, dead), or None."""
    if run.status in ("failed", "interrupted"):
        return RunStatus(run.run_id, run.name, run.source, run.status, error_tail(run.provenance))
    if run.status == NOT_STARTED:  # queued, not started: no process to look at
        return RunStatus(run.run_id, run.name, run.source, NOT_STARTED, _not_started(run.provenance))
    if run.status != "running":
        return None
    updated = last_update(store.absolute(run.source))
    if updated is None and (store.shared or url_scheme(run.source) is not None):
        elsewhere = "its files are not on this machine: when it last wrote is unknown here"
        return RunStatus(run.run_id, run.name, run.source, "running", elsewhere)
    if updated is None:
        return RunStatus(run.run_id, run.name, run.source, "dead", "its files are gone")
    now = time.time() if now is None else now
    silent = now - updated
    logged = _logged_long_before(
        store, run, updated, stale_after, now, first_write(store.absolute(run.source))
    )
    # how far it went, where its logs say (an rlkit run: 1322 of 2000 epochs)
    progress = f", at {run.provenance['progress']}" if run.provenance.get("progress") else ""
    if silent > stale_after:
        detail = f"running{progress}, but no write for {duration(silent)}{logged}"
        return RunStatus(run.run_id, run.name, run.source, "dead", detail)
    detail = f"last write {duration(silent)} ago{progress}{logged}"
    return RunStatus(run.run_id, run.name, run.source, "running", detail)


def _not_started(provenance: Mapping[str, Any]) -> str:
    """Say that a queued run has not started, in its tracker's word for it where the run keeps it."""
    dvc, optuna, guild = provenance.get("dvc"), provenance.get("optuna"), provenance.get("guild_status")
    if isinstance(dvc, Mapping):  # `dvc exp run --queue`
        return "DVC's Queued: not started yet"
    if provenance.get("sacred_status") == "QUEUED":  # its files date from when it was queued
        return "Sacred's QUEUED: not started yet"
    if guild in ("pending", "staged"):  # a batch's or a queue's trial to come, or `guild run --stage`
        return f"Guild's {guild.upper()}: not started yet"
    if isinstance(optuna, Mapping):  # `study.enqueue_trial`
        return "Optuna's WAITING: enqueued, not started yet"
    if isinstance(provenance.get("mlflow"), Mapping):
        return "MLflow's SCHEDULED: not started yet"
    return "not started yet"


def _logged_long_before(
    store: Store, run: StoredRun, updated: float, stale_after: float, now: float, first: float | None = None
) -> str:
    """Say when a run logged its last point if that was long before its files were written: a copy
    or a clone dates its files when it was made, and the run's own clock then says more. A folder with
    a file written before that point (the config a live run wrote when it started) was not copied: its
    newer points are only not collected yet, and nothing is said (`first`: its oldest file's time)."""
    logged = store.last_logged_time(run.id)
    if first is not None and logged is not None and first <= logged:
        return ""
    if logged is None and run.start_time is not None and updated - run.start_time > stale_after:
        # an Optuna trial's reports have no time: when it started is all its own clock says
        return (
            f", but it started {duration(now - run.start_time)} ago and nothing it logged has a time"
            " (a copy or a clone dates files when it is made)"
        )
    if logged is None or updated - logged <= stale_after:
        return ""
    return (
        f", but its last point was logged {duration(now - logged)} ago"
        " (a copy or a clone dates files when it is made)"
    )


def runs_status(
    store: Store, stale_after: float = DEFAULT_STALE_AFTER, now: float | None = None
) -> StatusReport:
    """Return the runs of the whole store that need attention, for a store read without a spec."""
    logged = store.runs_with_metrics()
    troubled = {source for source, _ in store.problems_with_sources()}
    runs = store.runs()
    _, owners = tracker_run_ids([run.provenance for run in runs], lambda: [run.source for run in runs])
    superseded = resumed_later(runs)  # a W&B run stands as its latest folder says
    issues = [
        issue
        for i, run in enumerate(runs)
        if run.id not in superseded
        and (
            issue := run_issue(store, run, stale_after, now)
            or _logged_nothing(run, logged, troubled, runs[owners[i]] if i in owners else None)
        )
    ]
    issues.sort(key=lambda issue: (issue.state, natural_key(issue.source)))
    return StatusReport((), tuple(issues), ())


def _logged_nothing(
    run: StoredRun, logged: Collection[int], troubled: Collection[str], synced_by: StoredRun | None = None
) -> RunStatus | None:
    """Name a run that logged no metric: a version folder with its hparams alone, crashed before its
    first log (a table of any metric leaves it out, with a warning). A TensorBoard folder a W&B run
    synced (`synced_by`, CleanRL's `--track`) is that run's training: its status says how it ended."""
    if run.id in logged:
        return None
    what = "logged no metric, only its params" if run.params else "logged no metric and no params"
    if synced_by is not None and synced_by.status != "unknown":
        why = ", which says why" if synced_by.status in ("failed", "interrupted") else ""
        by = f"the W&B run that synced this folder, {synced_by.source}"
        detail = f"{what}; {by}, is {synced_by.status}{why}"
    elif run.source in troubled:
        detail = f"{what}; {command('problems')} says what collect found in its logs"
    else:  # an event file of its header alone: pointing at `problems` would show "No problems."
        detail = f"{what}; collect found nothing wrong in its logs: a run stopped before its first log"
    return RunStatus(run.run_id, run.name, run.source, "no metrics", detail)


def error_tail(provenance: Mapping[str, Any], lines: int = 3) -> str:
    """Return the last lines of a run's recorded error (resultsbook's logger, Sacred, others)."""
    error = provenance.get("error") or provenance.get("fail_trace") or provenance.get("traceback")
    if isinstance(error, Mapping):
        kind, message = error.get("type", "Error"), error.get("message", "")
        parts = [f"{kind}: {message}" if message else str(kind)]  # `raise KeyboardInterrupt` has none
        trace = error.get("traceback") or error.get("traceback_tail") or ""
        text = "\n".join(trace) if isinstance(trace, list) else str(trace)
        traced = [line.strip() for line in text.splitlines() if line.strip()]
        if parts[0] in traced:  # the traceback holds "Type: message": up to it, not what a wrapper printed
            # after it (Hydra's `Set the environment variable HYDRA_FULL_ERROR=1 …`), nor the error twice
            end = len(traced) - traced[::-1].index(parts[0])
            return " | ".join(traced[:end][-lines:])
        tail = traced[-lines:]
        return " | ".join(tail + parts) if tail else parts[0]
    if isinstance(error, list):
        error = "".join(str(part) for part in error)
    if isinstance(error, str) and error.strip():
        return " | ".join([line.strip() for line in error.splitlines() if line.strip()][-lines:])
    if provenance.get("incomplete") is True and provenance.get("progress"):  # how far its logs went
        return (
            f"no error recorded: it stopped at {provenance['progress']}: killed, out of memory or node lost"
        )
    if provenance.get("dead") is True:  # Sacred's RUNNING run whose heartbeat stopped
        return "no error recorded: it stopped while running (killed, out of memory or node lost)"
    stopped = _SACRED_STOPS.get(str(provenance.get("sacred_status")))
    return f"no error recorded: {stopped}" if stopped else "no error recorded"


# why Sacred ended a run that raised no error of its own
_SACRED_STOPS = {
    "INTERRUPTED": "Sacred's INTERRUPTED, a stop by Ctrl-C (KeyboardInterrupt)",
    "TIMEOUT": "Sacred's TIMEOUT, a stop at its time limit",
}


def last_update(path: str) -> float | None:
    """Return the newest modification time of a source file or of the files in a source folder."""
    try:
        if not fs.isdir(path):
            return float(fs.stat(path).st_mtime)
        with fs.scandir(path) as entries:
            times = [entry.stat().st_mtime for entry in entries if entry.is_file()]
        return float(max(times, default=fs.stat(path).st_mtime))
    except (OSError, ResultsbookError):  # gone, or not files at all (a run in a tracking server)
        return None


def first_write(path: str) -> float | None:
    """Return the oldest modification time of the files in a source folder (None for a file, or gone)."""
    try:
        if not fs.isdir(path):
            return None
        with fs.scandir(path) as entries:
            return min((entry.stat().st_mtime for entry in entries if entry.is_file()), default=None)
    except (OSError, ResultsbookError):
        return None


def parse_duration(text: str) -> float:
    """Parse `90`, `90s`, `30m`, `2h`, `1d` into seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    stripped = text.strip().lower()
    unit = stripped[-1] if stripped and stripped[-1] in units else "s"
    number = stripped[:-1] if stripped and stripped[-1] in units else stripped
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise SpecError(f"duration {text!r} is not understood; write e.g. 90s, 30m, 2h or 1d")
    return seconds
