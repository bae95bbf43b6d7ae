"""Read MLflow's SQL store: mlflow.db (SQLite, the default since MLflow 3.7) opened read-only, and the
same tables in PostgreSQL or MySQL behind a tracking server (mlflow_tracking.py), with the same queries."""

from __future__ import annotations

import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any
from urllib.parse import quote

import numpy as np

from resultsbook.adapters.mlflow_runs import (
    add_points,
    deleted_problem,
    make_run_record,
    restore_infinities,
    series_builder,
)
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.sources import fs
from resultsbook.sources.fileio import open_regular, unreadable
from resultsbook.sources.gcpause import cycle_collector_paused
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import to_float

MLFLOW_TABLES = {"runs", "experiments", "params", "tags", "metrics"}
_LOCK_RETRIES = 5
_BATCH = 100_000


def read_database(source: Source, keep_deleted: bool) -> ReadResult:
    """Read every run of one MLflow SQLite database."""
    with fs.local_copy(source.path) as local:  # SQLite reads a real file: a remote one is copied first
        return _read_file(source.path, local, keep_deleted)


def _read_file(path: str, local: str, keep_deleted: bool) -> ReadResult:
    """Read every run of the database at `local` (named `path` in what it reports)."""
    problems: list[Problem] = []
    try:
        if not fs.is_remote(path):
            os.close(open_regular(path))  # SQLite's own open would wait forever on a FIFO
        conn = _connect_read_only(local)
    except OSError as error:
        return ReadResult((), (unreadable(path, error, "nothing"),))
    except sqlite3.Error as error:
        return ReadResult((), (Problem(path, f"cannot be opened as SQLite ({error})", "nothing"),))
    try:
        for attempt in range(_LOCK_RETRIES):
            try:
                return _read_all(SqlBackend(conn, "sqlite"), path, keep_deleted, problems)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == _LOCK_RETRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))  # MLflow is writing: wait for its transaction
    except sqlite3.Error as error:
        problems.append(Problem(path, f"cannot be read as an MLflow database ({error})", "nothing"))
    finally:
        conn.close()
    return ReadResult((), tuple(problems))


def _connect_read_only(path: str) -> sqlite3.Connection:
    """Open a database read-only, so collecting can never change MLflow's data."""
    uri = "file:" + quote(os.fsencode(os.path.abspath(path))) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5.0)
    conn.text_factory = _text  # text that is not UTF-8 costs its value, not the database
    return conn


def _text(data: bytes) -> str:
    """Decode a text value; bytes that are not UTF-8 are kept as surrogate escapes (then reported)."""
    return data.decode("utf-8", errors="surrogateescape")


class SqlBackend:
    """MLflow's tables through a DB-API connection: SQLite (mlflow.db), PostgreSQL or MySQL.

    The queries are MLflow's own tables in plain SQL; only the placeholder, the list of tables and
    how a read-only snapshot begins differ between the three."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.mark = "?" if dialect == "sqlite" else "%s"
        self.key = "`key`" if dialect == "mysql" else '"key"'  # a reserved word in MySQL

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a query."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, tuple(args))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def batches(self, sql: str, args: Sequence[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Yield the rows of a query `size` at a time."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, tuple(args))
            while rows := cursor.fetchmany(size):
                yield list(rows)
        finally:
            cursor.close()

    def execute(self, sql: str) -> None:
        """Run a statement that returns no rows."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def tables(self) -> set[str]:
        """Return the names of the database's tables."""
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        elif self.dialect == "mysql":
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
        else:
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        return {str(row[0]).lower() for row in self.rows(sql)}

    def begin_snapshot(self) -> None:
        """Begin a read-only transaction that sees one moment: a run logged meanwhile is all or nothing."""
        if self.dialect == "sqlite":
            self.conn.execute("BEGIN")
        elif self.dialect == "mysql":
            self.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        else:
            self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def end_snapshot(self) -> None:
        """End the snapshot (nothing was written)."""
        if self.dialect == "sqlite":
            self.conn.execute("COMMIT")
        elif self.dialect == "mysql":
            self.conn.rollback()
        else:
            self.execute("ROLLBACK")

    def among(self, column: str, values: Sequence[str] | None) -> tuple[str, list[Any]]:
        """Return a WHERE condition keeping rows whose column is one of `values` (None: all rows)."""
        if values is None:
            return "", []
        return f" WHERE {column} IN ({', '.join([self.mark] * len(values))})", list(values)


def _read_all(db: SqlBackend, path: str, keep_deleted: bool, problems: list[Problem]) -> ReadResult:
    """Read every run of a database in a single read transaction."""
    runs = read_runs(db, path, keep_deleted, problems, None, lambda run_id: f"{path}#run={run_id}")
    return ReadResult(tuple(runs), tuple(problems))


def read_runs(
    db: SqlBackend,
    path: str,
    keep_deleted: bool,
    problems: list[Problem],
    run_ids: Sequence[str] | None,
    where: Callable[[str], str],
) -> list[RunRecord]:
    """Read runs, experiments, params, tags and metrics (of some runs, or all) in one snapshot;
    `where(run_id)` names a run in the problems its series has."""
    missing = MLFLOW_TABLES - db.tables()
    if missing:
        problems.append(
            Problem(path, f"is not an MLflow database (no table {', '.join(sorted(missing))})", "nothing")
        )
        return []
    db.begin_snapshot()  # one snapshot: a run logged meanwhile is read whole or not at all
    try:
        experiments = {
            str(experiment_id): (name, stage)
            for experiment_id, name, stage in db.rows(
                "SELECT experiment_id, name, lifecycle_stage FROM experiments"
            )
        }
        infos: dict[str, dict[str, Any]] = {}
        skipped: list[str] = []
        condition, args = db.among("run_uuid", run_ids)
        for row in db.rows(
            "SELECT run_uuid, name, status, start_time, end_time, lifecycle_stage, experiment_id, user_id "
            f"FROM runs{condition} ORDER BY start_time, run_uuid",
            args,
        ):
            info = dict(zip(_RUN_FIELDS, row))
            info["experiment_id"] = str(info["experiment_id"])
            experiment_stage = experiments.get(info["experiment_id"], (None, None))[1]
            if "deleted" in (info["lifecycle_stage"], experiment_stage):
                if not keep_deleted:
                    skipped.append(str(info["run_name"] or info["run_id"]))
                    continue
                info["lifecycle_stage"] = "deleted"
            infos[info["run_id"]] = info
        if skipped:
            problems.append(deleted_problem(path, f"{len(skipped)} run(s) ({_some(skipped)})"))
        params = _values_by_run(db, "params", infos, condition, args)
        tags = _values_by_run(db, "tags", infos, condition, args)
        series = _series_by_run(db, path, infos, problems, condition, args, where)
    finally:
        db.end_snapshot()
    runs: list[RunRecord] = []
    for run_id, info in infos.items():
        experiment = experiments.get(info["experiment_id"], (None, None))[0]
        runs.append(
            make_run_record(
                info, params.get(run_id, {}), tags.get(run_id, {}), series.get(run_id, {}), experiment
            )
        )
    return runs


_RUN_FIELDS = (
    "run_id", "run_name", "status", "start_time", "end_time", "lifecycle_stage", "experiment_id", "user_id",
)  # fmt: skip


def _values_by_run(
    db: SqlBackend, table: str, infos: dict[str, Any], condition: str, args: list[Any]
) -> dict[str, dict[str, str]]:
    """Return {run: {key: value}} of the params or tags table."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for run_id, key, value in db.rows(f"SELECT run_uuid, {db.key}, value FROM {table}{condition}", args):
        if run_id in infos:
            found[run_id][key] = "" if value is None else str(value)
    return found


def _series_by_run(
    db: SqlBackend,
    path: str,
    infos: dict[str, Any],
    problems: list[Problem],
    condition: str,
    args: list[Any],
    where: Callable[[str], str],
) -> dict[str, dict[str, Series]]:
    """Return {run: {key: Series}} from the metrics table, NaN and ±inf decoded.

    Points come as numbers only, ordered by run and key (MLflow's index on run_uuid, key, step),
    and are cut into series by the group sizes of the same order: no string per point.
    """
    groups = db.rows(
        f"SELECT run_uuid, {db.key}, count(*) FROM metrics{condition} "
        f"GROUP BY run_uuid, {db.key} ORDER BY run_uuid, {db.key}",
        args,
    )
    table = _points_table(db, condition, args, path, problems)
    found: dict[str, dict[str, Series]] = {}
    if len(table) != sum(group[2] for group in groups):
        problems.append(Problem(path, "metrics changed while being read", "no metric values; collect again"))
        return found
    values = table[:, 2]
    values[table[:, 3] != 0] = np.nan
    restore_infinities(values)
    builders: dict[str, SeriesBuilder] = {}
    start = 0
    for run_id, key, count in groups:
        end = start + count
        if run_id in infos:
            builder = builders.get(run_id)
            if builder is None:
                builder = builders[run_id] = series_builder()
            add_points(builder, key, table[start:end, 0], table[start:end, 1], values[start:end])
        start = end
    for run_id, builder in builders.items():
        series, series_problems = builder.build(where(run_id))
        problems.extend(series_problems)
        found[run_id] = series
    return found


def _points_table(
    db: SqlBackend, condition: str, args: list[Any], path: str, problems: list[Problem]
) -> np.ndarray:
    """Return every metric point as rows (step, timestamp, value, is_nan), ordered by run and key,
    fetched in batches; a field that is not a number (MLflow never writes one) is NaN, reported."""
    tables: list[np.ndarray] = []
    bad = 0
    with cycle_collector_paused():  # half a million row tuples, none in a cycle
        sql = (
            f"SELECT step, timestamp, value, is_nan FROM metrics{condition} ORDER BY run_uuid, {db.key}, step"
        )
        for rows in db.batches(sql, args, _BATCH):
            try:
                flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=4 * len(rows))
                tables.append(flat.reshape(-1, 4))
            except (TypeError, ValueError):  # NULL, text or a blob somewhere: row by row
                table, count = _points_one_by_one(rows)
                tables.append(table)
                bad += count
    if bad:
        problems.append(
            Problem(
                path, f"{bad} metric point(s) hold a step or value that is not a number", "the other points"
            )
        )
    return np.concatenate(tables) if len(tables) > 1 else tables[0] if tables else np.zeros((0, 4))


def _points_one_by_one(rows: list[tuple[Any, ...]]) -> tuple[np.ndarray, int]:
    """Convert rows field by field: a field that is not a number becomes NaN; count the rows hit."""
    table = np.full((len(rows), 4), np.nan)
    bad = 0
    for index, row in enumerate(rows):
        numbers = [None if isinstance(field, (str, bytes)) else to_float(field) for field in row]
        table[index] = [np.nan if number is None else number for number in numbers]
        bad += None in numbers
    return table, bad


def _some(names: list[str], limit: int = 5) -> str:
    """Return the first few names of a list, for a one-line message."""
    head = ", ".join(names[:limit])
    return head if len(names) <= limit else f"{head}, and {len(names) - limit} more"
