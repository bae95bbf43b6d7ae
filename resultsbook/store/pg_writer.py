"""Write collected runs into PostgreSQL in short transactions, beside any number of other collectors.

Each source is decided at once inside the open transaction: its row is upserted first, which locks
it, so a collector reading the same source waits, then sees the runs committed before it (no run lost,
none doubled: run ids are unique too). Rows travel by COPY and the transaction commits every few
hundred sources or every second or two: other collectors wait on a shared source for that long at
most, and readers never wait. A batch lost to a deadlock (collectors that met the same sources in
opposite orders) is replayed with its sources in path order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.models import Problem, RunRecord, Source
from resultsbook.store.writer import (
    _param_cell,
    _summarize,
    encode_series,
    git_facts,
    run_digest,
    run_identity,
)

_BATCH_SOURCES = 500
_BATCH_ROWS = 20_000
_BATCH_SECONDS = 2.0
_ID_BLOCK = 1024
_REPLAYS = 5
_RUN_TABLE_COLUMNS = (
    "id, run_id, source_id, run_key, adapter, name, experiment, status, start_time, end_time, "
    "git_commit, git_dirty, provenance, digest, present"
)


@dataclass
class _Prepared:
    """One source's runs, encoded once, so that a replayed batch does not encode them again."""

    source: Source
    signature: str
    runs: Sequence[tuple[RunRecord, Mapping[str, tuple[bytes, bytes, bytes | None]], str]]
    problems: list[Problem]


class PostgresWriter:
    """Upsert sources and their runs; reports which runs were new, updated or unchanged."""

    def __init__(self, conn: Any, relative: Callable[[str], str]) -> None:
        self.conn = conn
        self.relative = relative
        self._ids: list[int] = []
        self._batch: list[_Prepared] = []
        self._clear_rows()
        self._started = 0.0

    def write_source(
        self, source: Source, signature: str, runs: Iterable[RunRecord], problems: Iterable[Problem]
    ) -> dict[str, int]:
        """Store one source's runs and problems; return counts of new/updated/unchanged/missing runs."""
        prepared_runs = []
        for record in runs:
            blobs = encode_series(record)
            prepared_runs.append((record, blobs, run_digest(record, source.adapter, blobs)))
        prepared = _Prepared(source, signature, prepared_runs, list(problems))
        counts = self._retrying(lambda: self._write(prepared))
        self._batch.append(prepared)
        if self._full():
            self._commit()
        return counts

    def mark_sources_missing(self, paths: Iterable[str]) -> int:
        """Mark stored sources (and their runs) whose files are gone; return how many runs that hid."""
        wanted = sorted(paths)
        if not wanted:
            return 0
        self._commit()

        def hide() -> int:
            self._begin()
            rows = self.conn.execute(
                "UPDATE sources SET present = 0, revision = nextval('source_revisions') "
                "WHERE path = ANY(%s) AND present = 1 RETURNING id",
                [wanted],
            ).fetchall()
            hidden = self.conn.execute(
                "UPDATE runs SET present = 0 WHERE source_id = ANY(%s) AND present = 1",
                [[row[0] for row in rows]],
            ).rowcount
            self.conn.execute("COMMIT")
            return int(hidden)

        return self._retrying(hide, replay=False)

    def flush(self) -> None:
        """Write the batched rows (they are committed with the batch)."""
        if self.conn.info.transaction_status != 0:
            self._copy_rows()

    def finish(self) -> None:
        """Commit what is left."""
        self._commit()

    def abandon(self) -> None:
        """Roll the open batch back: its sources stay as they were, the ones committed before stay."""
        if self.conn.closed:
            return
        if self.conn.info.transaction_status != 0:
            self.conn.execute("ROLLBACK")
        self._batch = []
        self._clear_rows()

    # ----------------------------------------------------------------- one source
    def _write(self, prepared: _Prepared) -> dict[str, int]:
        """Upsert the source (locking it), compare its runs with the stored ones, queue the rows."""
        self._begin()
        source = prepared.source
        path = self.relative(source.path)
        source_id = self.conn.execute(
            "INSERT INTO sources (path, adapter, signature) VALUES (%s, %s, %s) "
            "ON CONFLICT (path) DO UPDATE SET adapter = EXCLUDED.adapter, signature = EXCLUDED.signature, "
            "present = 1, revision = nextval('source_revisions') RETURNING id",
            [path, source.adapter, prepared.signature],
        ).fetchone()[0]
        existing = {
            key: (run, digest, present)
            for run, key, digest, present in self.conn.execute(
                "SELECT id, run_key, digest, present FROM runs WHERE source_id = %s", [source_id]
            )
        }
        counts = {"new": 0, "updated": 0, "unchanged": 0, "missing": 0}
        seen: set[str] = set()
        for record, blobs, digest in prepared.runs:
            seen.add(record.key)
            before = existing.get(record.key)
            if before is not None and before[1] == digest and before[2]:
                counts["unchanged"] += 1
                continue
            if before is not None:
                self._replaced.append(before[0])
                counts["updated"] += 1
                run = before[0]
            else:
                counts["new"] += 1
                run = self._new_run_id()
            self._queue_run(run, source_id, path, source.adapter, record, digest, blobs)
        gone = [run for key, (run, _, present) in existing.items() if key not in seen and present]
        self._hidden.extend(gone)
        counts["missing"] += len(gone)
        self._problem_sources.append(source_id)
        self._problems.extend(
            (source_id, self.relative(p.path), p.message, p.kept) for p in prepared.problems
        )
        return counts

    def _queue_run(
        self,
        run: int,
        source_id: int,
        path: str,
        adapter: str,
        record: RunRecord,
        digest: str,
        blobs: Mapping[str, tuple[bytes, bytes, bytes | None]],
    ) -> None:
        import json

        commit, dirty = git_facts(record.provenance)
        self._runs.append(
            (
                run,
                run_identity(path, record.key),
                source_id,
                record.key,
                adapter,
                record.name,
                record.experiment,
                record.status,
                _real(record.start_time),
                _real(record.end_time),
                commit,
                dirty,
                json.dumps(dict(record.provenance), sort_keys=True, default=str),
                digest,
                1,
            )
        )
        for key, value in record.params.items():
            stored, kind = _param_cell(value)
            self._params.append((run, key, _param_text(stored, kind), kind))
        for key in sorted(set(record.metrics) | set(record.summary)):
            summary = record.summary.get(key)
            cells = _summarize(record.metrics.get(key))
            self._metrics.append((run, key, cells[0], *map(_real, cells[1:]), _real(summary)))
            if key in blobs:
                self._series.append((run, key, *blobs[key]))

    # ----------------------------------------------------------------- batches
    def _begin(self) -> None:
        if self.conn.info.transaction_status == 0:
            self.conn.execute("BEGIN")
            self._started = time.monotonic()

    def _full(self) -> bool:
        rows = len(self._params) + len(self._metrics) + len(self._series) + len(self._runs)
        return (
            len(self._batch) >= _BATCH_SOURCES
            or rows >= _BATCH_ROWS
            or time.monotonic() - self._started >= _BATCH_SECONDS
        )

    def _commit(self) -> None:
        """Write the queued rows and commit the batch (replayed whole if the server aborts it)."""
        if self.conn.info.transaction_status == 0:
            return

        def commit() -> None:
            self._copy_rows()
            self.conn.execute("COMMIT")

        self._retrying(commit)
        self._batch = []

    def _copy_rows(self) -> None:
        """Replace updated runs, hide gone ones and COPY every queued row."""
        if self._replaced:
            for table in ("params", "metrics", "series"):
                self.conn.execute(f"DELETE FROM {table} WHERE run = ANY(%s)", [self._replaced])
            self.conn.execute("DELETE FROM runs WHERE id = ANY(%s)", [self._replaced])
        if self._hidden:
            self.conn.execute("UPDATE runs SET present = 0 WHERE id = ANY(%s)", [self._hidden])
        if self._problem_sources:
            self.conn.execute("DELETE FROM problems WHERE source_id = ANY(%s)", [self._problem_sources])
        with self.conn.cursor() as cursor:
            for table, columns, rows in (
                ("runs", _RUN_TABLE_COLUMNS, self._runs),
                ("params", "run, key, value, type", self._params),
                (
                    "metrics",
                    "run, key, n, first_step, last_step, last, min, max, mean, summary",
                    self._metrics,
                ),
                ("series", 'run, key, steps, "values", times', self._series),
                ("problems", "source_id, path, message, kept", self._problems),
            ):
                if rows:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        self._clear_rows()

    def _clear_rows(self) -> None:
        self._runs: list[tuple[Any, ...]] = []
        self._params: list[tuple[Any, ...]] = []
        self._metrics: list[tuple[Any, ...]] = []
        self._series: list[tuple[Any, ...]] = []
        self._problems: list[tuple[Any, ...]] = []
        self._problem_sources: list[int] = []
        self._replaced: list[int] = []
        self._hidden: list[int] = []

    def _new_run_id(self) -> int:
        if not self._ids:
            rows = self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence('runs', 'id')) FROM generate_series(1, %s)",
                [_ID_BLOCK],
            ).fetchall()
            self._ids = [row[0] for row in reversed(rows)]
        return self._ids.pop()

    def _retrying(self, step: Callable[[], Any], replay: bool = True) -> Any:
        """Run a step; when the server aborts the transaction (deadlock, serialization), roll back,
        replay the batch's sources in path order (the order every collector locks them in) and retry."""
        import psycopg.errors

        for attempt in range(_REPLAYS):
            try:
                return step()
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _REPLAYS - 1:
                    raise
                self.conn.execute("ROLLBACK")
                self._clear_rows()
                time.sleep(0.05 * (attempt + 1))
                if replay:
                    self._batch.sort(key=lambda prepared: self.relative(prepared.source.path))
                    for prepared in self._batch:
                        self._write(prepared)
        raise AssertionError("unreachable")


def _real(value: float | None) -> float | None:
    """SQLite stores NaN as NULL; so does this store, for the same results."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _param_text(value: Any, kind: str) -> str | None:
    """Return the exact text form of a stored param value (floats by repr, so they come back equal)."""
    if value is None:
        return None
    if kind == "float" and isinstance(value, float):
        return repr(value)
    return str(value)
