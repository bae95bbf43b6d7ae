"""Write collected runs into PostgreSQL inside one short transaction (`PostgresStore.write`), beside
any number of other collectors.

The sources of a transaction are queued as the collector hands them over and written together when
it ends, in one pipelined round trip:

- every source row is upserted first, in path order, which locks it: a collector writing the same
  source waits for this transaction to commit, then sees its runs (no run lost, none doubled; run
  ids are unique too). Locks taken in one order by every collector cannot deadlock;
- then each source's stored runs are read, the source is compared run by run (new, updated,
  unchanged, gone), and the rows travel by COPY. A new run whose every stored byte is that of a run
  stored from a path this machine does not have (a colleague's mount point of the same files, the
  checkout a CI job collects from) is that run, read again: it is not stored twice (`copies`).

Readers never wait: PostgreSQL shows them the last committed state. `write_source` returns its
counts as a dict that is filled when the transaction writes (the collector adds them up after).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.models import Problem, RunRecord, Source
from resultsbook.store.writer import (
    EncodedRun,
    encode_run,
    run_identity,
)

_ID_BLOCK = 1024
_RUN_TABLE_COLUMNS = (
    "id, run_id, source_id, run_key, adapter, name, experiment, status, start_time, end_time, "
    "git_commit, git_dirty, provenance, digest, present"
)
_METRIC_COLUMNS = "run, key, n, first_step, last_step, last, min, max, mean, summary"
_COUNTS = ("new", "updated", "unchanged", "missing")


@dataclass
class _Queued:
    """One source's runs, encoded once, and the counts filled when the transaction writes them."""

    source: Source
    path: str
    signature: str
    runs: Sequence[tuple[RunRecord, EncodedRun]]
    problems: Sequence[Problem]
    moved_from: str | None
    counts: dict[str, int]
    keep_stored: bool  # a file could not be read: a stored source keeps its runs and signature


class PostgresWriter:
    """Upsert sources and their runs inside the caller's transaction; reports which runs were new,
    updated or unchanged."""

    def __init__(self, conn: Any, relative: Callable[[str], str]) -> None:
        self.conn = conn
        self.relative = relative
        self._ids: list[int] = []
        self._queue: list[_Queued] = []
        self.copies: list[tuple[str, str]] = []  # (a source's path, the stored path its runs came from)
        self._clear_rows()

    def write_source(
        self,
        source: Source,
        signature: str,
        runs: Iterable[RunRecord],
        problems: Iterable[Problem],
        moved_from: str | None = None,
        prepared: Sequence[EncodedRun] | None = None,
        stored_path: str | None = None,
        keep_stored: bool = False,
    ) -> dict[str, int]:
        """Queue one source's runs and problems; return its counts of new/updated/unchanged/missing
        runs, filled when the transaction writes. `moved_from` names the stored path of the same
        source before it (or the tree) was moved: its runs keep their ids. `prepared` holds
        `encode_run` of each run when done already; `stored_path` how the store names the source, when
        the caller knows it already. With `keep_stored`, a stored source keeps its runs and
        signature, and only its problems are new."""
        runs = list(runs)
        if prepared is None:
            prepared = [encode_run(record, source.adapter) for record in runs]
        encoded = list(zip(runs, prepared))
        counts: dict[str, int] = {}
        path = stored_path if stored_path is not None else self.relative(source.path)
        self._queue.append(
            _Queued(source, path, signature, encoded, list(problems), moved_from, counts, keep_stored)
        )
        return counts

    def expect(self, sources: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Nothing to look up ahead: the queued sources are looked up together when they are written."""

    def mark_sources_missing(self, paths: Iterable[str]) -> int:
        """Mark stored sources (and their runs) whose files are gone; return how many runs that hid."""
        self.flush()
        wanted = sorted(paths)
        if not wanted:
            return 0
        rows = self.conn.execute(
            "UPDATE sources SET present = 0 WHERE path = ANY(%s) AND present = 1 RETURNING id", [wanted]
        ).fetchall()
        gone = [row[0] for row in rows]
        self.conn.execute("DELETE FROM problems WHERE source_id = ANY(%s)", [gone])  # of files gone
        hidden = self.conn.execute(
            "UPDATE runs SET present = 0 WHERE source_id = ANY(%s) AND present = 1", [gone]
        ).rowcount
        return int(hidden)

    def forget_sources(self, paths: Iterable[str]) -> int:
        """Delete stored sources with their runs and problems, as if never collected; return how many
        runs that deleted."""
        self.flush()
        wanted = sorted(paths)
        if not wanted:
            return 0
        sources = [
            row[0] for row in self.conn.execute("SELECT id FROM sources WHERE path = ANY(%s)", [wanted])
        ]
        runs = [
            row[0] for row in self.conn.execute("SELECT id FROM runs WHERE source_id = ANY(%s)", [sources])
        ]
        for table in ("params", "metrics", "series"):
            self.conn.execute(f"DELETE FROM {table} WHERE run = ANY(%s)", [runs])
        self.conn.execute("DELETE FROM runs WHERE id = ANY(%s)", [runs])
        self.conn.execute("DELETE FROM problems WHERE source_id = ANY(%s)", [sources])
        self.conn.execute("DELETE FROM sources WHERE id = ANY(%s)", [sources])
        return len(runs)

    def flush(self) -> None:
        """Write the queued sources (in the caller's transaction)."""
        if not self._queue:
            return
        self._clear_rows()
        self._lock_and_compare(self._queue)
        self._copy_rows()
        self._queue = []

    # ----------------------------------------------------------------- one batch
    def _lock_and_compare(self, queue: Sequence[_Queued]) -> None:
        """Move and upsert the sources (locking them), read their stored runs, compare, queue rows."""
        locking = sorted(queue, key=lambda queued: queued.path)  # the order every collector uses
        with self.conn.pipeline():  # one round trip for the whole batch, not two per source
            answers = {}
            for queued in locking:
                if queued.moved_from is not None:
                    self.conn.execute(
                        "UPDATE sources SET path = %s WHERE path = %s "
                        "AND NOT EXISTS (SELECT 1 FROM sources WHERE path = %s)",
                        [queued.path, queued.moved_from, queued.path],
                    )
                upserted = self.conn.execute(
                    "INSERT INTO sources (path, adapter, signature) VALUES (%s, %s, %s) "
                    "ON CONFLICT (path) DO UPDATE SET adapter = EXCLUDED.adapter, present = 1, signature = "
                    "CASE WHEN %s THEN sources.signature ELSE EXCLUDED.signature END RETURNING id",
                    [queued.path, queued.source.adapter, queued.signature, queued.keep_stored],
                )
                # a statement of its own: it sees what another collector committed while we waited
                stored = self.conn.execute(
                    "SELECT runs.id, run_key, digest, runs.present, run_id FROM runs "
                    "JOIN sources ON sources.id = runs.source_id WHERE sources.path = %s",
                    [queued.path],
                )
                answers[queued.path] = (upserted, stored)
        fetched = [  # in the order read: new runs get ids in that order, as in SQLite
            (queued, int(answers[queued.path][0].fetchone()[0]), answers[queued.path][1].fetchall())
            for queued in queue
        ]
        elsewhere = self._stored_elsewhere(fetched)
        for queued, source_id, stored in fetched:
            self._compare(queued, source_id, stored, elsewhere)

    def _stored_elsewhere(self, fetched: Sequence[tuple[_Queued, int, list[Any]]]) -> dict[str, str]:
        """Return {digest: stored path} for the batch's new local runs whose every stored byte is that
        of a present run stored from another path of the same name that this machine does not have:
        the same files seen through another mount point, or copied to another machine. A copy on
        this machine (both paths here) stays a run of its own, as does an object's or a server's run."""
        wanted: dict[str, str] = {}
        for queued, _, stored in fetched:
            if queued.keep_stored or "://" in queued.path:
                continue
            keys = {row[1] for row in stored}
            wanted.update((run.digest, queued.path) for record, run in queued.runs if record.key not in keys)
        if not wanted:
            return {}
        rows = self.conn.execute(
            "SELECT runs.digest, sources.path FROM runs JOIN sources ON sources.id = runs.source_id "
            "WHERE runs.digest = ANY(%s) AND runs.present = 1 AND sources.present = 1 ORDER BY sources.path",
            [sorted(wanted)],
        ).fetchall()
        found: dict[str, str] = {}
        for digest, path in rows:
            if digest in found or path == wanted[digest] or "://" in path:
                continue
            if _last_part(path) == _last_part(wanted[digest]) and not os.path.lexists(path):
                found[digest] = path
        return found

    def _compare(
        self,
        queued: _Queued,
        source_id: int,
        stored: list[tuple[Any, ...]],
        elsewhere: dict[str, str],
    ) -> None:
        """Decide each run of a source against the stored ones and queue its rows; a new run stored
        already from another machine's path (`elsewhere`) is counted unchanged, not stored twice."""
        existing = {key: (run, digest, present, run_id) for run, key, digest, present, run_id in stored}
        counts = dict.fromkeys(_COUNTS, 0)
        runs = queued.runs
        if queued.keep_stored and existing:
            counts["unchanged"] = sum(1 for _, _, present, _ in existing.values() if present)
            runs, existing = (), {}
        seen: set[str] = set()
        copies_before = len(self.copies)
        for record, encoded in runs:
            seen.add(record.key)
            before = existing.get(record.key)
            if before is not None and before[1] == encoded.digest and before[2]:
                counts["unchanged"] += 1
                continue
            if before is None and encoded.digest in elsewhere:
                counts["unchanged"] += 1
                self.copies.append((queued.path, elsewhere[encoded.digest]))
                continue
            if before is not None:
                self._replaced.append(before[0])
                counts["updated"] += 1
                run, run_id = before[0], before[3]  # a moved run keeps its id
            else:
                counts["new"] += 1
                run, run_id = self._new_run_id(), run_identity(queued.path, record.key)
            self._queue_run(run, run_id, source_id, queued.source.adapter, record, encoded)
        gone = [run for key, (run, _, present, _) in existing.items() if key not in seen and present]
        self._hidden.extend(gone)
        counts["missing"] += len(gone)
        self._problem_sources.append(source_id)
        self._paths[source_id] = queued.path
        copied = len(self.copies) - copies_before
        if copied and copied == len(runs) and not existing:  # copies only: the runs and problems are stored
            self._unstored.append(source_id)  # and the next collect reads it again, and says so again
        else:
            self._problems.extend(
                (source_id, self.relative(p.path), p.message, p.kept) for p in queued.problems
            )
        queued.counts.clear()
        queued.counts.update(counts)

    def _queue_run(
        self,
        run: int,
        run_id: str,
        source_id: int,
        adapter: str,
        record: RunRecord,
        encoded: EncodedRun,
    ) -> None:
        commit, dirty = encoded.git
        self._runs.append(
            [
                run,
                run_id,
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
                encoded.provenance,
                encoded.digest,
                1,
            ]
        )
        self._params += [(run, key, _param_text(stored, kind), kind) for key, stored, kind in encoded.params]
        blobs = encoded.blobs
        for key, count, *cells in encoded.metrics:
            self._metrics.append((run, key, count, *map(_real, cells)))
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
        if self._unstored:
            self.conn.execute("DELETE FROM sources WHERE id = ANY(%s)", [self._unstored])
        self._free_identities()
        with self.conn.cursor() as cursor:
            for table, columns, rows in (
                ("runs", _RUN_TABLE_COLUMNS, self._runs),
                ("params", "run, key, value, type", self._params),
                ("metrics", _METRIC_COLUMNS, self._metrics),
                ("series", 'run, key, steps, "values", times', self._series),
                ("problems", "source_id, path, message, kept", self._problems),
            ):
                if rows:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        self._clear_rows()

    def _free_identities(self) -> None:
        """Give a new run another public id when a moved run holds its usual one already (as the
        SQLite writer does: the run key with a counter)."""
        replaced = set(self._replaced)
        new = [row for row in self._runs if row[0] not in replaced]
        if not new:
            return
        wanted = [row[1] for row in new]
        taken = {
            row[0] for row in self.conn.execute("SELECT run_id FROM runs WHERE run_id = ANY(%s)", [wanted])
        }
        for row in new:
            identity, attempt = row[1], 0
            while identity in taken:
                attempt += 1
                identity = run_identity(self._paths[row[2]], f"{row[3]}\0{attempt}")
                if (
                    identity not in taken
                    and self.conn.execute("SELECT 1 FROM runs WHERE run_id = %s", [identity]).fetchone()
                ):
                    taken.add(identity)
            row[1] = identity
            taken.add(identity)

    def _clear_rows(self) -> None:
        self._runs: list[list[Any]] = []
        self._params: list[tuple[Any, ...]] = []
        self._metrics: list[tuple[Any, ...]] = []
        self._series: list[tuple[Any, ...]] = []
        self._problems: list[tuple[Any, ...]] = []
        self._problem_sources: list[int] = []
        self._paths: dict[int, str] = {}
        self._replaced: list[int] = []
        self._hidden: list[int] = []
        self._unstored: list[int] = []  # new sources whose every run is stored from another machine's path

    def _new_run_id(self) -> int:
        if not self._ids:
            rows = self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence('runs', 'id')) FROM generate_series(1, %s)",
                [_ID_BLOCK],
            ).fetchall()
            self._ids = [row[0] for row in reversed(rows)]
        return self._ids.pop()


def _last_part(path: str) -> str:
    """Return the last part of a stored path (a run's file or folder name)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


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
