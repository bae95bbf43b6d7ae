"""Write collected runs into PostgreSQL in short transactions, beside any number of other collectors.

Sources are queued as they are read and written a batch at a time (a few hundred sources, or what
came in a second or two), each batch in one short transaction sent as one pipeline:

- every source row is upserted first, in path order, which locks it: a collector writing the same
  source waits for this batch to commit, then sees its runs (no run lost, none doubled; run ids
  are unique too). Locks taken in one order by every collector cannot deadlock; a batch the server
  aborts anyway (a deadlock with another program, a serialization failure) is replayed whole;
- then the source's stored runs are read, each source is compared run by run (new, updated,
  unchanged, gone), and the rows travel by COPY.

Readers never wait: PostgreSQL shows them the last committed state. `write_source` returns its
counts as an empty dict that the batch fills when it commits (the collector adds them up at the end).
Inside a transaction of the caller's (`immediate`, `PostgresStore.write`), each source is instead
locked and compared at once, and its counts are returned filled.
"""

from __future__ import annotations

import json
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
_RETRIES = 5
_RUN_TABLE_COLUMNS = (
    "id, run_id, source_id, run_key, adapter, name, experiment, status, start_time, end_time, "
    "git_commit, git_dirty, provenance, digest, present"
)
_COUNTS = ("new", "updated", "unchanged", "missing")


@dataclass
class _Queued:
    """One source's runs, encoded once (a replayed batch does not encode them again), and the counts
    the batch fills when it writes them."""

    source: Source
    path: str
    signature: str
    runs: Sequence[tuple[RunRecord, Mapping[str, tuple[bytes, bytes, bytes | None]], str]]
    problems: Sequence[Problem]
    counts: dict[str, int]


class PostgresWriter:
    """Upsert sources and their runs a batch at a time; reports which runs were new, updated or unchanged."""

    def __init__(self, conn: Any, relative: Callable[[str], str], immediate: bool = False) -> None:
        self.conn = conn
        self.relative = relative
        self.immediate = immediate  # inside the caller's transaction: write each source at once
        self._ids: list[int] = []
        self._queue: list[_Queued] = []
        self._queued_rows = 0
        self._first_queued = 0.0
        self._clear_rows()

    def write_source(
        self, source: Source, signature: str, runs: Iterable[RunRecord], problems: Iterable[Problem]
    ) -> dict[str, int]:
        """Queue one source's runs and problems; return its counts of new/updated/unchanged/missing
        runs, filled when its batch commits."""
        encoded = []
        for record in runs:
            blobs = encode_series(record)
            encoded.append((record, blobs, run_digest(record, source.adapter, blobs)))
            self._queued_rows += 1 + len(record.params) + 2 * len(record.metrics)
        counts: dict[str, int] = {}
        queued = _Queued(source, self.relative(source.path), signature, encoded, list(problems), counts)
        if self.immediate:
            self._lock_and_compare([queued])
            return counts
        self._queue.append(queued)
        if len(self._queue) == 1:
            self._first_queued = time.monotonic()
        if (
            len(self._queue) >= _BATCH_SOURCES
            or self._queued_rows >= _BATCH_ROWS
            or time.monotonic() - self._first_queued >= _BATCH_SECONDS
        ):
            self._write_batch()
        return counts

    def mark_sources_missing(self, paths: Iterable[str]) -> int:
        """Mark stored sources (and their runs) whose files are gone; return how many runs that hid."""
        wanted = sorted(paths)
        if self.immediate:
            return self._hide(wanted) if wanted else 0
        self._write_batch()
        if not wanted:
            return 0

        def hide() -> int:
            self.conn.execute("BEGIN")
            hidden = self._hide(wanted)
            self.conn.execute("COMMIT")
            return hidden

        return int(self._retrying(hide))

    def _hide(self, wanted: list[str]) -> int:
        rows = self.conn.execute(
            "UPDATE sources SET present = 0, revision = nextval('source_revisions') "
            "WHERE path = ANY(%s) AND present = 1 RETURNING id",
            [wanted],
        ).fetchall()
        hidden = self.conn.execute(
            "UPDATE runs SET present = 0 WHERE source_id = ANY(%s) AND present = 1",
            [[row[0] for row in rows]],
        ).rowcount
        return int(hidden)

    def flush(self) -> None:
        """Write the queued sources now (inside the caller's transaction: the rows of the sources written)."""
        if self.immediate:
            self._copy_rows()
        else:
            self._write_batch()

    def finish(self) -> None:
        """Write what is left."""
        self._write_batch()

    def abandon(self) -> None:
        """Drop the queued batch: its sources stay as they were, the batches committed before stay."""
        if not self.conn.closed and self.conn.info.transaction_status != 0:
            self.conn.execute("ROLLBACK")
        self._queue = []
        self._queued_rows = 0

    # ----------------------------------------------------------------- one batch
    def _write_batch(self) -> None:
        """Write the queued sources in one transaction (retried whole if the server aborts it)."""
        if not self._queue:
            return
        self._retrying(self._write_queue)
        self._queue = []
        self._queued_rows = 0

    def _write_queue(self) -> None:
        self._clear_rows()
        self.conn.execute("BEGIN")
        self._lock_and_compare(self._queue)
        self._copy_rows()
        self.conn.execute("COMMIT")

    def _lock_and_compare(self, queue: Sequence[_Queued]) -> None:
        """Upsert the sources (locking them), read their stored runs, compare, queue the rows."""
        locking = sorted(queue, key=lambda queued: queued.path)  # the order every collector uses
        with self.conn.pipeline():  # one round trip for the whole batch, not two per source
            answers = {
                queued.path: (
                    self.conn.execute(
                        "INSERT INTO sources (path, adapter, signature) VALUES (%s, %s, %s) "
                        "ON CONFLICT (path) DO UPDATE SET adapter = EXCLUDED.adapter, "
                        "signature = EXCLUDED.signature, present = 1, "
                        "revision = nextval('source_revisions') RETURNING id",
                        [queued.path, queued.source.adapter, queued.signature],
                    ),
                    # a statement of its own: it sees what another collector committed while we waited
                    self.conn.execute(
                        "SELECT runs.id, run_key, digest, runs.present FROM runs "
                        "JOIN sources ON sources.id = runs.source_id WHERE sources.path = %s",
                        [queued.path],
                    ),
                )
                for queued in locking
            }
        for queued in queue:  # in the order read: new runs get ids in that order, as in SQLite
            upserted, stored = answers[queued.path]
            self._compare(queued, int(upserted.fetchone()[0]), stored.fetchall())

    def _compare(self, queued: _Queued, source_id: int, stored: list[tuple[Any, ...]]) -> None:
        """Decide each run of a source against the stored ones and queue its rows."""
        existing = {key: (run, digest, present) for run, key, digest, present in stored}
        counts = dict.fromkeys(_COUNTS, 0)
        seen: set[str] = set()
        for record, blobs, digest in queued.runs:
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
            self._queue_run(run, source_id, queued.path, queued.source.adapter, record, digest, blobs)
        gone = [run for key, (run, _, present) in existing.items() if key not in seen and present]
        self._hidden.extend(gone)
        counts["missing"] += len(gone)
        self._problem_sources.append(source_id)
        self._problems.extend((source_id, self.relative(p.path), p.message, p.kept) for p in queued.problems)
        queued.counts.clear()
        queued.counts.update(counts)

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
        metric_columns = "run, key, n, first_step, last_step, last, min, max, mean, summary"
        with self.conn.cursor() as cursor:
            for table, columns, rows in (
                ("runs", _RUN_TABLE_COLUMNS, self._runs),
                ("params", "run, key, value, type", self._params),
                ("metrics", metric_columns, self._metrics),
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

    def _retrying(self, step: Callable[[], Any]) -> Any:
        """Run a transaction; when the server aborts it (deadlock, serialization failure), roll it
        back and run it again."""
        import psycopg.errors

        for attempt in range(_RETRIES):
            try:
                return step()
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
                self.conn.execute("ROLLBACK")
                time.sleep(0.05 * (attempt + 1))
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
