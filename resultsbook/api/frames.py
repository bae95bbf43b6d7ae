"""DataFrames of the API: runs (one row each), series (long), problems, and a table's cells, runs,
marks and status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from resultsbook.models import Problem, StoredRun
from resultsbook.query.model import Cell, ResultTable
from resultsbook.render.data import stat_columns
from resultsbook.render.layout import MARK_SYMBOLS, Layout

if TYPE_CHECKING:
    from resultsbook.freshness.status import CellReplicates

RUN_COLUMNS = (
    "run_id", "name", "status", "experiment", "adapter", "source", "start_time", "end_time",
    "git_commit", "git_dirty", "provenance",
)  # fmt: skip
SERIES_COLUMNS = ("run_id", "metric", "step", "value", "time")
PROBLEM_COLUMNS = ("source", "file", "message", "kept")
_TEXT_COLUMNS = ("run_id", "name", "status", "experiment", "adapter", "source", "git_commit")


def runs_frame(
    runs: Sequence[StoredRun], metrics: Mapping[str, Mapping[int, float]], include_missing: bool
) -> pd.DataFrame:
    """Return one row per run: its fields, `params.KEY` columns, then `metrics.KEY` values."""
    columns: dict[str, Any] = {name: [getattr(run, name) for run in runs] for name in RUN_COLUMNS}
    if not runs:  # text columns of no run stay text (pandas would make them float), so merges still work
        columns |= {name: pd.Series(dtype=str) for name in _TEXT_COLUMNS}
        columns["provenance"] = pd.Series(dtype=object)
    for name in ("start_time", "end_time"):
        columns[name] = _timestamps(columns[name])
    columns["git_dirty"] = pd.array(columns["git_dirty"], dtype="boolean")
    if include_missing:
        columns["present"] = [run.present for run in runs]
    keys = sorted({key for run in runs for key in run.params})
    for key in keys:
        columns[f"params.{key}"] = _column([run.params.get(key) for run in runs])
    for key, values in sorted(metrics.items()):
        columns[f"metrics.{key}"] = np.array([values.get(run.id, np.nan) for run in runs], dtype=np.float64)
    return pd.DataFrame(columns)


def _timestamps(seconds: Sequence[float | None]) -> pd.Series:
    """Return times stored as seconds since the epoch as UTC timestamps to the microsecond, the
    precision logs write them in (a float's nanoseconds would make .237 read .236999989)."""
    micros = np.round(pd.Series(seconds, dtype="float64").to_numpy() * 1e6)
    return pd.Series(pd.to_datetime(micros, unit="us", utc=True)).astype("datetime64[us, UTC]")


def _column(values: list[Any]) -> Any:
    """Return a param column: numbers as numbers (missing as NaN), anything mixed as objects."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return values


def series_frame(
    curves: Sequence[tuple[str, str, np.ndarray, np.ndarray, np.ndarray | None]],
) -> pd.DataFrame:
    """Return (run_id, metric, step, value, time) rows from (run_id, metric, steps, values, times) curves."""
    if not curves:
        return pd.DataFrame({name: pd.Series(dtype=_EMPTY[name]) for name in SERIES_COLUMNS})
    lengths = [len(steps) for _, _, steps, _, _ in curves]
    steps = np.concatenate([c[2] for c in curves])
    return pd.DataFrame(
        {
            "run_id": np.repeat(np.array([c[0] for c in curves], dtype=object), lengths),
            "metric": np.repeat(np.array([c[1] for c in curves], dtype=object), lengths),
            "step": steps if steps.dtype.kind == "i" else steps.astype(np.float64),
            "value": np.concatenate([c[3] for c in curves]).astype(np.float64),
            "time": np.concatenate(
                [np.full(len(c[2]), np.nan) if c[4] is None else c[4].astype(np.float64) for c in curves]
            ),
        }
    )


_EMPTY = {"run_id": str, "metric": str, "step": np.int64, "value": np.float64, "time": np.float64}


def table_frame(table: ResultTable, layout: Layout) -> pd.DataFrame:
    """Return a table's cells: rows by the row keys, columns by (column key values..., statistic)."""
    stats = [name for name in stat_columns(table) if name != "n"]
    fields = [*stats, "n", "marks", "emphasis"]
    data: dict[Any, list[Any]] = {}
    for c, column in enumerate(table.columns):
        for name in fields:
            values: list[Any] = []
            for r, row in enumerate(table.rows):
                values.append(_cell_field(table.cell(row, column), name, layout, (r, c)))
            data[(*column, name) if table.column_keys else name] = values
    frame = pd.DataFrame(data, index=_index(table.rows, table.row_keys))
    if table.column_keys:
        frame.columns = pd.MultiIndex.from_tuples(list(data), names=[*table.column_keys, "stat"])
    else:
        frame.columns = pd.Index(list(data), name="stat")
    for key in frame.columns:
        if (key[-1] if isinstance(key, tuple) else key) in ("n", "tasks"):  # counts
            frame[key] = frame[key].astype("Int64")
    return frame


def _cell_field(cell: Cell | None, name: str, layout: Layout, position: tuple[int, int]) -> Any:
    if cell is None:  # no run: no value, no count, and no mark (`marks != ""` finds marked cells alone)
        return None if name == "n" else "" if name in ("marks", "emphasis") else np.nan
    if name == "n":
        return int(cell.stats["n"])
    if name == "marks":
        kinds = sorted({m.kind for m in layout.marks.get(position, ())}, key=list(MARK_SYMBOLS).index)
        return ",".join(kinds)
    if name == "emphasis":  # as the printed table shows it: bold best, underlined runner-up
        return layout.emphasis_at(*position) or ""
    return float(cell.stats.get(name, np.nan))


def _index(keys: Sequence[tuple[Any, ...]], names: Sequence[str]) -> pd.Index:
    """Return a row index: a plain index for one key, a MultiIndex for several, each level of the
    dtype `book.runs()` gives the param (Int64 seeds, float learning rates, text), so that a table
    lines up with a groupby of the runs."""
    levels = [pd.Index(_column([key[level] for key in keys]), name=name) for level, name in enumerate(names)]
    if len(levels) == 1:
        return levels[0]
    return pd.MultiIndex.from_arrays(levels, names=list(names))


def cell_runs_frame(table: ResultTable) -> pd.DataFrame:
    """Return one row per run per cell: the cell's keys, the run and the value it contributed."""
    records = []
    for row in table.rows:
        for column in table.columns:
            cell = table.cell(row, column)
            if cell is None:
                continue
            keys = dict(zip(table.row_keys, row)) | dict(zip(table.column_keys, column))
            for run in cell.runs:
                replicate = dict(zip(table.query.replicate, run.replicate))
                records.append(
                    {**keys, "metric": table.query.metric_key(cell.metric), "run_id": run.run_id,
                     "name": run.name, "status": run.status, **replicate, "value": run.value}
                )  # fmt: skip
    columns = [*dict.fromkeys([*table.row_keys, *table.column_keys, "metric", "run_id", "name", "status",
                               *table.query.replicate, "value"])]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def marks_frame(table: ResultTable, layout: Layout) -> pd.DataFrame:
    """Return one row per mark: the cell's keys, its kind, the symbol shown and the full sentence."""
    records = []
    for (r, c), marks in sorted(layout.marks.items()):
        keys = dict(zip(table.row_keys, table.rows[r])) | dict(zip(table.column_keys, table.columns[c]))
        for mark in marks:
            records.append({**keys, "kind": mark.kind, "symbol": MARK_SYMBOLS[mark.kind], "text": mark.text})
    columns = [*dict.fromkeys([*table.row_keys, *table.column_keys]), "kind", "symbol", "text"]
    return pd.DataFrame.from_records(records, columns=columns)


def problems_frame(problems: Sequence[tuple[str, Problem]]) -> pd.DataFrame:
    """Return one row per (source, problem): the source, the file, what was wrong and what was kept."""
    rows = [(source, problem.path, problem.message, problem.kept) for source, problem in problems]
    return pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS), dtype=str)  # text even when there is none


def _replicate_values(keys: Sequence[str], replicates: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Return replicates as a frame shows them: `1` for one key, `{"seed": 1, "fold": 0}` for several."""
    return [key[0] if len(key) == 1 else dict(zip(keys, key)) for key in replicates]


def status_frame(
    table: ResultTable, replicates: Sequence[CellReplicates], unreached: Sequence[CellReplicates] = ()
) -> pd.DataFrame:
    """Return one row per cell: its keys, replicates found and expected, the missing replicates (those
    still running or queued among them), the replicates counted from runs that did not finish, the
    params its runs differ in, and whether no run reached it (`unreached`: shown as –, in its place,
    or no row of the table, after the rows that share its first values)."""
    from resultsbook.freshness.status import DASH, NO_ROW

    column_keys = () if table.query.tasks else table.column_keys  # over tasks: one row per row
    key_names = [*dict.fromkeys([*table.row_keys, *column_keys])]
    records = []
    for cell in sorted([*replicates, *unreached], key=lambda cell: _position(table, cell)):
        keys = dict(zip(table.row_keys, cell.row)) | dict(zip(column_keys, cell.column))
        missing = _replicate_values(cell.named_by, cell.missing)
        valueless = _replicate_values(cell.named_by, cell.valueless)
        running = _replicate_values(cell.named_by, cell.running)
        queued = _replicate_values(cell.named_by, cell.queued)
        unfinished = _replicate_values(cell.named_by, [key for key, _ in cell.unfinished])
        differing = next(
            (
                c.differing
                for (row, column), c in table.cells.items()
                if row == cell.row and (column == cell.column or not cell.column)
            ),
            {},
        )
        no_run = "" if cell not in unreached else DASH if cell.row in table.rows else NO_ROW
        records.append(
            {**keys, "found": cell.found, "expected": cell.expected, "missing": missing,
             "valueless": valueless, "running": running, "queued": queued, "unfinished": unfinished,
             "unnamed": cell.unnamed,
             "mixed": {key: list(values) for key, values in differing.items()}, "no_run": no_run}
        )  # fmt: skip
    columns = [*key_names, "found", "expected", "missing", "valueless", "running", "queued", "unfinished"]
    columns += ["unnamed", "mixed", "no_run"]
    return pd.DataFrame.from_records(records, columns=columns)


def _position(table: ResultTable, cell: CellReplicates) -> tuple[int, int, int]:
    """Return where a cell stands in the table: a row the table has not (no run of it) after the last
    row that shares its first values (`asterix / DiscreteDT` after the other rows of asterix)."""
    column = table.columns.index(cell.column) if cell.column in table.columns else 0
    if cell.row in table.rows:
        return table.rows.index(cell.row), 0, column
    for length in range(len(cell.row) - 1, 0, -1):
        sharing = [index for index, row in enumerate(table.rows) if row[:length] == cell.row[:length]]
        if sharing:
            return sharing[-1], 1, column
    return len(table.rows), 1, column
