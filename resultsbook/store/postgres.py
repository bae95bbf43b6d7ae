"""The PostgreSQL store: a lab's shared store, written by many collectors at once, read by everyone.

It answers every question the SQLite store answers, with the same results: same schema (pg_schema.py),
same ordering (byte-wise "C" collation), params typed back exactly, NaN kept out as SQLite keeps it
out. Sources are named by absolute path or URL, since a shared store has no folder of its own.
Writers commit every few hundred sources (pg_writer.py); readers never wait for them.

    >>> store = Store.open("postgresql://alice@db.lab.org/results")     # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from resultsbook.errors import NotFoundError, StoreError, first_line
from resultsbook.models import Problem, StoredRun
from resultsbook.params import canonical_float
from resultsbook.store import (
    ANY_SOURCE,
    PRESENT_SOURCE_RUNS,
    PROBLEMS_WITH_SOURCES,
    REMEMBER_READING,
    RUN_FIELD_COLUMNS,
    Store,
    stored_run,
)
from resultsbook.store.codec import DamagedSeries, newest_time
from resultsbook.store.location import display_location, url_scheme
from resultsbook.store.pg_connect import connect
from resultsbook.store.pg_schema import (
    READERS,
    READINGS,
    apply_migrations,
    has_readers,
    has_readings,
    make_readers,
    make_readings,
    pending_migrations,
)
from resultsbook.store.pg_waiting import WAIT_NOTICE_MS, end_stopped_writers, say_waiting, writers_progress
from resultsbook.store.pg_writer import PostgresWriter
from resultsbook.voice import command, password_left_out

_RUN_COLUMNS = (
    "runs.id, runs.run_id, runs.name, runs.adapter, sources.path, runs.experiment, runs.status, "
    "runs.start_time, runs.end_time, runs.git_commit, runs.git_dirty, runs.provenance, runs.present, "
    "runs.digest"
)
_SUMMARY_NAMES = ("n", "first_step", "last_step", "last", "min", "max", "mean", "summary")
_WRITE_ATTEMPTS = 5
# a writer stopped inside its batch for this long (suspended with Ctrl-Z, its node frozen, its network
# gone) is ended (by the server, or by the collector waiting for it), so the collectors waiting for the
# sources it locked go on
IDLE_IN_WRITE_MS = 60_000
WRITES_CHANNEL = "resultsbook_writes"
T = TypeVar("T")


class PostgresStore(Store):
    """A store in a PostgreSQL database (psycopg 3); every method of `Store`, with the same results."""

    shared = True

    def __init__(self, location: str, conn: Any) -> None:
        import psycopg

        self.path = location
        self.folder = ""
        self.conn = conn
        self.role = conn.info.user  # told in errors after the connection is closed
        self.created = ()  # a shared database is never removed by a command that fails
        self.failures = (psycopg.Error,)
        self._listening = False
        self._others_writes = 0
        self._failed_writing = False  # the last failure came in a write (else in a read: nothing was lost)
        self._copies: list[tuple[str, str]] = []  # what the writes found stored from another machine's path

    @classmethod
    def open(cls, path: str, create: bool = True) -> PostgresStore:
        """Connect to the database at URL `path`, creating or migrating the schema when allowed."""
        conn = connect(path)
        named = f"the shared store {display_location(path)}"
        try:
            if not create and "m001_initial" in pending_migrations(conn, named):
                raise NotFoundError(  # as a missing SQLite file: nothing is wrong but that no collect ran yet
                    f"no resultsbook store in {display_location(path)} yet; "
                    f"run `{command('collect', db=display_location(path))}` first"
                    f"{password_left_out(display_location(path))}"
                )
            apply_migrations(conn, named)
        except (StoreError, NotFoundError):
            conn.close()
            raise
        except Exception as error:
            conn.close()
            raise StoreError(
                f"{display_location(path)} cannot hold a resultsbook store ({_first_line(error)}); "
                "check that your role may create tables there, or ask for a database of your own"
            ) from error
        return cls(path, conn)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def discard(self) -> None:
        """Close (a shared store is never removed)."""
        self.close()

    def problem(self, error: Exception, doing: str = "collect") -> StoreError:
        """Return the one-line error for a database failure met while using this store, worded for the
        command `doing` its writes (a collect's batches, a forget's one transaction)."""
        import psycopg.errors

        lost = (
            "nothing was forgotten" if doing == "forget" else "nothing of this command's last batch was kept"
        )
        if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            return StoreError(
                f"the shared store {display_location(self.path)} is read-only ({_first_line(error)}): a "
                f"standby server, or one whose transactions are read-only by default; {lost}; {doing} "
                f"{'into' if doing == 'collect' else 'from'} the primary server's URL"
            )
        if isinstance(error, psycopg.errors.InsufficientPrivilege):
            role = self.role
            return StoreError(
                f"the shared store {display_location(self.path)} may not be written by the role {role!r} "
                f"({_first_line(error)}); {lost}; {doing} as a role that may write, or ask the database's "
                f"owner to `GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}` and "
                f"`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}` (a role that may only read can "
                "still run build, check and watch over runs already collected)"
            )
        lost = f"; {lost}" if self._failed_writing else ""
        self._failed_writing = False  # said once: a watch's next round may fail in a read
        return StoreError(
            f"the shared store {display_location(self.path)} failed ({_first_line(error)}){lost}; check "
            "that the server is up and run the command again"
        )

    @contextmanager
    def transaction(self) -> Iterator[PostgresStore]:
        """Run a command's writes: on a shared store, each batch of sources is its own short
        transaction (other collectors must not wait for a whole command), so what committed stays."""
        yield self

    # ----------------------------------------------------------------- paths
    def relative(self, path: str) -> str:
        """Return how the store names a file: its absolute path, '/'-separated (a URL as it is)."""
        if url_scheme(path) is not None:
            return path
        return os.path.abspath(path).replace(os.sep, "/")

    def absolute(self, stored: str) -> str:
        """Return the path of a stored source on this machine."""
        if url_scheme(stored) is not None:
            return stored
        return os.path.normpath(stored)

    # ----------------------------------------------------------------- writing
    def write(self, work: Callable[[Any], T]) -> T:  # work gets a PostgresWriter: StoreWriter's methods
        """Run `work` in one short write transaction and return what it returns; on any exception
        nothing of it is written. A transaction the server aborts (a deadlock with another program,
        a serialization failure) runs again. A writer stopped inside its batch holds its sources for
        `IDLE_IN_WRITE_MS`: the server ends its session when it was idle, the writer waiting for those
        sources when it was inside a statement or pipeline (no server timeout runs there). The counts
        `write_source` returns are filled when the transaction commits (the sources are compared and
        written together, in one round trip)."""
        import psycopg.errors

        self._failed_writing = True  # until it commits: a failure now loses this batch
        patient = False  # the first attempt waits WAIT_NOTICE_MS for other writers, then says it waits
        progress: dict[int, tuple[Any, ...]] = {}  # how far the other writers' batches were, when last seen
        conflicts = 0
        while True:
            writer = PostgresWriter(self.conn, self.relative)
            wait = IDLE_IN_WRITE_MS if patient else WAIT_NOTICE_MS
            self.conn.execute(
                f"BEGIN; SET LOCAL idle_in_transaction_session_timeout = {IDLE_IN_WRITE_MS:d}; "
                f"SET LOCAL lock_timeout = {wait:d}"
            )
            try:
                result = work(writer)
                writer.flush()
                self.conn.execute(f"NOTIFY {WRITES_CHANNEL}")  # delivered to listeners at the commit
                self.conn.execute("COMMIT")
                self._failed_writing = False
                self._copies += writer.copies
                return result
            except psycopg.errors.LockNotAvailable:
                self.conn.execute("ROLLBACK")
                if patient:  # a writer stopped inside a statement or pipeline: no server timeout ends it
                    end_stopped_writers(self.conn, self.path, progress, IDLE_IN_WRITE_MS)
                else:
                    say_waiting(self.conn, self.path, IDLE_IN_WRITE_MS)
                patient = True
                progress = writers_progress(self.conn)
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                self.conn.execute("ROLLBACK")
                conflicts += 1
                if conflicts == _WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * conflicts)
            except BaseException:
                if not self.conn.closed and self.conn.info.transaction_status != 0:
                    self.conn.execute("ROLLBACK")
                raise

    def copies_found(self) -> list[tuple[str, str]]:
        """Return (source path, stored path) for each run this store's writes found stored already from
        another machine's path, and kept once (see `PostgresWriter`)."""
        return list(self._copies)

    # ----------------------------------------------------------------- reading
    @contextmanager
    def snapshot(self) -> Iterator[PostgresStore]:
        """Read everything inside one consistent snapshot: writers' later commits stay invisible."""
        if self.conn.info.transaction_status != 0:  # already inside a transaction
            yield self
            return
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield self

    def source_signatures(self) -> dict[str, tuple[str, str]]:
        """Return {stored path: (adapter, signature)} for every source still present."""
        rows = self.conn.execute("SELECT path, adapter, signature FROM sources WHERE present = 1")
        return {path: (adapter, signature) for path, adapter, signature in rows}

    def folder_listings(self, roots: Any) -> dict[str, tuple[Any, Any]]:
        """Return {}: folder listings are remembered by local stores only (they describe this machine)."""
        return {}

    def remember_folder_listings(self, listings: Any) -> None:
        """Remember nothing (see `folder_listings`)."""

    def collect_snapshot(self, root: str) -> None:
        """Return None: walks are remembered by local stores only (they describe this machine)."""
        return None

    def remember_collect_snapshot(self, root: str, context: str, snapshot: bytes | None) -> None:
        """Remember nothing (see `collect_snapshot`)."""

    def collect_readings(self) -> list[tuple[str, str]]:
        """Return how each root was read by the last `collect PATH` of it (see `Store.collect_readings`);
        none when no collect remembered any, or when this role may not read them."""
        import psycopg

        try:
            with self.conn.transaction():  # a savepoint inside a snapshot: a refusal must not abort it
                if not has_readings(self.conn):
                    return []
                rows = self.conn.execute(f"SELECT root, reading FROM {READINGS} ORDER BY seq").fetchall()
        except psycopg.errors.InsufficientPrivilege:
            return []
        return [(root, reading) for root, reading in rows]

    def remember_collect_readings(self, readings: Sequence[tuple[str, str]]) -> None:
        """Keep how roots were read (see `Store.remember_collect_readings`)."""

        def work(writer: Any) -> None:
            make_readings(writer.conn)
            writer.conn.cursor().executemany(REMEMBER_READING, readings)

        self.write(work)

    def reader_versions(self) -> dict[str, int]:
        """Return {adapter: the newest reading version its runs here were read with}, as collects
        recorded them (see `Store.reader_versions`); none when none did, or this role may not read them."""
        import psycopg

        try:
            with self.conn.transaction():  # a savepoint inside a snapshot: a refusal must not abort it
                if not has_readers(self.conn):
                    return {}
                rows = self.conn.execute(f"SELECT adapter, reading_version FROM {READERS}").fetchall()
        except psycopg.errors.InsufficientPrivilege:
            return {}
        return {adapter: int(version) for adapter, version in rows}

    def remember_reader_versions(self, versions: Mapping[str, int]) -> None:
        """Record the reading versions a collect read with, where newer than those recorded; a role that
        may not create the table records nothing (its collect stands)."""
        import psycopg

        def work(writer: Any) -> None:
            make_readers(writer.conn)
            writer.conn.cursor().executemany(
                f"INSERT INTO {READERS} AS stored (adapter, reading_version) VALUES (%s, %s) "
                "ON CONFLICT (adapter) DO UPDATE "
                "SET reading_version = GREATEST(stored.reading_version, EXCLUDED.reading_version)",
                sorted(versions.items()),
            )

        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            self.write(work)

    def every_source(self) -> dict[str, int]:
        """Return {stored source path: number of runs} of every source, its files there or gone."""
        rows = self.conn.execute(
            "SELECT sources.path, count(runs.id) FROM sources LEFT JOIN runs ON runs.source_id = sources.id "
            "GROUP BY sources.path"
        )
        return {path: int(count) for path, count in rows}

    def run_counts_by_source(self) -> dict[str, int]:
        """Return {stored source path: number of present runs}."""
        rows = self.conn.execute(
            "SELECT sources.path, count(*) FROM runs JOIN sources ON sources.id = runs.source_id "
            "WHERE runs.present = 1 GROUP BY sources.path"
        )
        return {path: int(count) for path, count in rows}

    def present_source_run_count(self) -> int:
        """Return how many present runs the present sources hold (`run_counts_by_source` summed)."""
        row = self.conn.execute(PRESENT_SOURCE_RUNS).fetchone()
        return int(row[0]) if row else 0

    def runs(
        self,
        include_missing: bool = False,
        sources: Sequence[str] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[StoredRun]:
        """Return every run (or those of some stored source paths, or of some internal ids) with its
        params, ordered by source path and name."""
        conditions = [] if include_missing else ["runs.present = 1"]
        args: list[Any] = []
        if sources is not None:
            conditions.append("sources.path = ANY(%s)")
            args.append(list(sources))
        if ids is not None:
            conditions.append("runs.id = ANY(%s)")
            args.append([int(run) for run in ids])
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        with self.snapshot():
            rows = self.conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs JOIN sources ON sources.id = runs.source_id "
                f"{where} ORDER BY sources.path, runs.run_key",
                args,
            ).fetchall()
            params = self._params(None if sources is None and ids is None else [row[0] for row in rows])
        return [stored_run(row, params.get(row[0], {})) for row in rows]

    def run_rows(
        self, include_missing: bool = False, fields: Sequence[str] | None = None, ordered: bool = True
    ) -> list[tuple[Any, ...]]:
        """Return every run as a row of `RUN_FIELD_COLUMNS` (no params; provenance as its JSON text),
        or of some `fields` of it, in the order of `runs` (in no set order unless `ordered`: a field
        a table reads later finds its runs by id)."""
        where = "" if include_missing else "WHERE runs.present = 1"
        columns = _RUN_COLUMNS if fields is None else ", ".join(RUN_FIELD_COLUMNS[name] for name in fields)
        return list(
            self.conn.execute(
                f"SELECT {columns} FROM runs JOIN sources ON sources.id = runs.source_id "
                f"{where}{' ORDER BY sources.path, runs.run_key' if ordered else ''}"
            ).fetchall()
        )

    def params_of(self, runs: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Return the typed params of some runs by internal run id."""
        return self._params(runs)

    def param_column(self, key: str) -> tuple[list[int], list[Any]]:
        """Return (run ids, typed values) of every run that has the param `key`."""
        rows = self.conn.execute("SELECT run, value, type FROM params WHERE key = %s", [key]).fetchall()
        return [row[0] for row in rows], [typed_param(value, kind) for _, value, kind in rows]

    def constant_param(self, key: str) -> bool:
        """Tell whether every run that has the param `key` has one same value (one text, one type)."""
        rows = self.conn.execute(
            "SELECT DISTINCT value, type FROM params WHERE key = %s LIMIT 2", [key]
        ).fetchall()
        return len(rows) == 1

    def runs_with_params(self) -> list[int]:
        """Return the internal ids of the runs that record any param."""
        return [run for (run,) in self.conn.execute("SELECT DISTINCT run FROM params")]

    def param_coverage(self) -> tuple[int, dict[str, int]]:
        """Return how many runs record any param, and how many record each param key (as `Store`'s)."""
        runs = self.conn.execute(
            "SELECT count(*) FROM (SELECT run FROM params GROUP BY run) AS r"
        ).fetchone()[0]
        counts = self.conn.execute("SELECT key, count(*) FROM params GROUP BY key").fetchall()
        return int(runs), {key: int(count) for key, count in counts}

    def series_blobs(self, key: str) -> Iterator[tuple[int, bytes, bytes]]:
        """Yield (run, steps blob, values blob) of one metric key for every run, undecoded."""
        cursor = self.conn.cursor(binary=True)  # blobs travel as bytes, not as hex text
        cursor.execute('SELECT run, steps, "values" FROM series WHERE key = %s', [key])
        return iter(cursor)

    def series_count(self, key: str) -> int:
        """Return how many runs have a series of one metric key."""
        return int(self.conn.execute("SELECT count(*) FROM series WHERE key = %s", [key]).fetchone()[0])

    def summary_columns(self, key: str) -> list[tuple[Any, ...]]:
        """Return (run, n, last, min, max, mean, summary, last_step, first_step) rows of one metric key."""
        return list(
            self.conn.execute(
                "SELECT run, n, last, min, max, mean, summary, last_step, first_step "
                "FROM metrics WHERE key = %s",
                [key],
            ).fetchall()
        )

    def _params(self, runs: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
        """Return the typed params of every run (or of some) by internal run id."""
        sql = "SELECT run, key, value, type FROM params"
        args: list[Any] = []
        if runs is not None:
            sql += " WHERE run = ANY(%s)"
            args.append(list(runs))
        found: dict[int, dict[str, Any]] = {}
        for run, key, value, kind in self.conn.execute(sql + " ORDER BY run, key", args):
            found.setdefault(run, {})[key] = typed_param(value, kind)
        return found

    def _distinct_keys(self, table: str, include_missing: bool = False) -> list[str]:
        """Return the distinct keys of `params` or `metrics`, sorted; those of present runs only unless
        `include_missing`, as the SQLite store does."""
        present = "" if include_missing else f" JOIN runs ON runs.id = {table}.run WHERE runs.present = 1"
        rows = self.conn.execute(f"SELECT DISTINCT key FROM {table}{present} ORDER BY key")
        return [row[0] for row in rows]

    def run_names(self) -> list[tuple[str, str]]:
        """Return (run id, name) of every present run, cheaply (no params)."""
        rows = self.conn.execute('SELECT run_id, name FROM runs WHERE present = 1 ORDER BY name COLLATE "C"')
        return [(run_id, name) for run_id, name in rows]

    def metric_summaries(self, key: str) -> dict[int, dict[str, float | None]]:
        """Return {run: {n, last, min, max, mean, summary, ...}} for one metric key."""
        cursor = self.conn.execute(
            "SELECT run, n, first_step, last_step, last, min, max, mean, summary FROM metrics WHERE key = %s",
            [key],
        )
        return {row[0]: dict(zip(_SUMMARY_NAMES, row[1:])) for row in cursor}

    def runs_with_metrics(self) -> set[int]:
        """Return the ids of the runs that logged any metric (a series or a final value)."""
        return {row[0] for row in self.conn.execute("SELECT DISTINCT run FROM metrics")}

    def all_metric_summaries(self) -> dict[int, dict[str, dict[str, float | None]]]:
        """Return {run: {metric key: {n, last, min, max, mean, summary, ...}}} for every metric."""
        cursor = self.conn.execute(
            "SELECT run, key, n, first_step, last_step, last, min, max, mean, summary FROM metrics "
            "ORDER BY run, key"
        )
        found: dict[int, dict[str, dict[str, float | None]]] = {}
        for row in cursor:
            found.setdefault(row[0], {})[row[1]] = dict(zip(_SUMMARY_NAMES, row[2:]))
        return found

    def series(self, key: str, runs: Iterable[int] | None = None) -> dict[int, tuple[Any, Any, Any]]:
        """Return {run: (steps, values, times)} arrays of one metric key."""
        sql = 'SELECT run, steps, "values", times FROM series WHERE key = %s'
        args: list[Any] = [key]
        if runs is not None:
            sql += " AND run = ANY(%s)"
            args.append(list(runs))
        cursor = self.conn.cursor(binary=True)  # blobs travel as bytes, not as hex text
        cursor.execute(sql, args)
        return self.decoded_series(key, cursor)

    def last_logged_time(self, run: int) -> float | None:
        """Return the wall time of the newest point one run logged (None when it logged no time)."""
        cursor = self.conn.cursor(binary=True)
        cursor.execute("SELECT key, times FROM series WHERE run = %s AND times IS NOT NULL", [run])
        try:
            return newest_time(cursor, run)
        except DamagedSeries as error:
            raise self.damaged_series(error) from error

    def run_metrics(self, run: int) -> list[dict[str, Any]]:
        """Return the metric summaries of one run."""
        cursor = self.conn.execute(
            "SELECT key, n, first_step, last_step, last, min, max, mean, summary FROM metrics "
            "WHERE run = %s ORDER BY key",
            [run],
        )
        return [dict(zip(("key", *_SUMMARY_NAMES), row)) for row in cursor]

    def problems_with_sources(self, source: str | None = None) -> list[tuple[str, Problem]]:
        """Return (stored source path, problem) for the problems `problems` returns, in its order."""
        sql = PROBLEMS_WITH_SOURCES
        args: list[Any] = []
        if source is not None:
            sql += " WHERE sources.path = %s"
            args.append(source)
        rows = self.conn.execute(sql + " ORDER BY problems.id", args)
        return [(row[0], Problem(*row[1:])) for row in rows]

    def problem_count(self) -> int:
        """Return how many problems `problems` returns."""
        return int(self.conn.execute("SELECT count(*) FROM problems").fetchone()[0])

    def counts(self) -> Mapping[str, int]:
        """Return how many runs and sources the store holds."""
        runs = self.conn.execute("SELECT count(*) FROM runs WHERE present = 1").fetchone()[0]
        sources = self.conn.execute("SELECT count(*) FROM sources WHERE present = 1").fetchone()[0]
        return {"runs": int(runs), "sources": int(sources)}

    def ever_written(self) -> bool:
        """Tell whether any collect has written a source into the store (one gone since counts)."""
        return self.conn.execute(ANY_SOURCE).fetchone() is not None

    # ----------------------------------------------------------------- other writers
    def data_version(self) -> int:
        """Return a number that changes whenever another connection commits a write to the store
        (each write transaction notifies; this connection listens from its first call).

        A connection the server dropped (a restart, a network cut) is opened again here, and counts
        as a change, since writes may have come meanwhile: a `watch` outlives its server's restart."""
        import psycopg

        try:
            if self.conn.closed:
                self._reconnect()
            if not self._listening:
                self.conn.execute(f"LISTEN {WRITES_CHANNEL}")
                self._listening = True
            own = self.conn.info.backend_pid
            self._others_writes += sum(1 for note in self.conn.notifies(timeout=0) if note.pid != own)
        except (psycopg.OperationalError, StoreError):
            self._listening = False  # the server is away: nothing known changed; the next call retries
        return self._others_writes

    def _reconnect(self) -> None:
        """Open the connection again after the server dropped it (StoreError while it is away)."""
        self.conn = connect(self.path)
        self._listening = False
        self._others_writes += 1


def typed_param(value: str | None, kind: str) -> Any:
    """Return a param stored as text as its original type (the writer stores exact text forms)."""
    if value is None or kind == "null":
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return canonical_float(value)
    if kind == "bool":
        return value not in ("0", "")
    return value


def _first_line(error: BaseException) -> str:
    """Return the first line of a driver's message without its full stop (it ends in parentheses)."""
    return first_line(error).rstrip(".")
