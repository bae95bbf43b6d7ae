"""The store: SQLite by default, PostgreSQL for a lab (postgres.py); every SQL statement lives here."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from resultsbook.atomic import on_read_only_filesystem
from resultsbook.errors import SpecError, StoreError
from resultsbook.models import Problem, StoredRun
from resultsbook.params import canonical_float
from resultsbook.store.connection import Connection
from resultsbook.store.location import (
    display_location,
    empty_store,
    folder_problem,
    is_postgres_url,
    local_path,
    missing_store,
    store_problem,
    url_scheme,
)
from resultsbook.store.schema import pending_migrations, refuse_foreign
from resultsbook.voice import option, use_copy

if TYPE_CHECKING:
    from resultsbook.store.codec import DamagedSeries
    from resultsbook.store.writer import StoreWriter

DEFAULT_DB_NAME = "resultsbook.db"
# how long one statement waits for another process's write lock (SQLite's busy handler) ...
BUSY_TIMEOUT_S = 30.0
# ... and how long a write keeps retrying after that: many collectors may share one store
WRITE_PATIENCE_S = 600.0
# how long one try for the write lock waits inside SQLite, where Ctrl-C is not heard (between tries it is)
LOCK_TRY_MS = 200
# after how long a wait for the write lock the user is told what is waiting, and for whom
WAIT_NOTICE_S = 2.0

T = TypeVar("T")

_RUN_COLUMNS = (
    "runs.id, runs.run_id, runs.name, runs.adapter, sources.path, runs.experiment, runs.status, "
    "runs.start_time, runs.end_time, runs.git_commit, runs.git_dirty, runs.provenance, runs.present, "
    "runs.digest"
)
# the SQL of each field of a run row, by its name (`run_rows(fields=...)` reads some of them)
RUN_FIELD_COLUMNS = dict(
    zip(
        ("id", "run_id", "name", "adapter", "source", "experiment", "status", "start_time", "end_time",
         "git_commit", "git_dirty", "provenance", "present", "digest"),
        _RUN_COLUMNS.split(", "),
    )
)  # fmt: skip


class Store:
    """An open resultsbook store: one SQLite file in WAL mode, or (`Store.open("postgresql://…")`) a
    `PostgresStore`, which answers every method below with the same results.

    Any number of processes may read and write one store at once: readers never wait (WAL), each
    write is a short `BEGIN IMMEDIATE` transaction that waits for the others and retries."""

    shared = False  # True for a store that other machines write to (PostgreSQL)
    failures: tuple[type[Exception], ...] = (sqlite3.Error,)  # what `problem` turns into one line

    def __init__(self, path: str, db: Connection, created: Sequence[str] = ()) -> None:
        self.path = path
        self.folder = os.path.dirname(os.path.abspath(path))
        self._parents: dict[str, str] = {}  # folder -> how the store names it (relpath costs ~50 µs)
        self.db = db
        self.created = tuple(created)  # the file and folders this open made: `discard` removes them
        self.removed = False  # `discard` removed the store this open made

    @classmethod
    def open(cls, location: str, create: bool = True) -> Store:
        """Open (and create or migrate) the store at `location`: a SQLite file (a path, or a URL of a
        known kind), or a postgresql:// URL, which opens a `PostgresStore`."""
        if is_postgres_url(location):
            from resultsbook.store.postgres import PostgresStore

            return PostgresStore.open(location, create)
        path = local_path(location)
        try:
            info = os.stat(path)
            mode: int | None = info.st_mode
        except OSError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            example = os.path.join(path, DEFAULT_DB_NAME)
            raise SpecError(f"{path} is a folder; the store is a file, e.g. {example}")
        if mode is not None and not stat.S_ISREG(mode):  # /dev/null, a FIFO, a socket
            raise SpecError(f"{path} is not a regular file; the store is a SQLite file, e.g. resultsbook.db")
        if mode is not None and not create and stat.S_ISREG(mode) and info.st_size == 0:
            raise empty_store(path)  # a placeholder, a `touch`ed name: reading never makes it a store
        # SQLite in WAL mode cannot open a store on a read-only filesystem as usual, even to read, nor
        # one in a folder this user cannot write (someone else's results) whose WAL index is not there
        if mode is not None and not create:
            if on_read_only_filesystem(path):
                return cls(path, _read_only_connection(path, "is on a read-only filesystem"))
            if _no_index_can_be_made(path):
                return cls(path, _read_only_connection(path, "is in a folder you cannot write"))
            if _index_would_be_read_only(path):
                return cls(path, _read_only_connection(path, "is read-only"))
        if mode is None:
            if not create or os.path.islink(path):  # through a broken link SQLite makes its target elsewhere
                raise missing_store(path)
            created = [*_missing_folders(os.path.dirname(os.path.abspath(path))), os.path.abspath(path)]
        else:
            created = []
        connection = None
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            db = Connection(connection)
            retry_when_busy(lambda: refuse_foreign(connection, path), path)  # before anything is written
            retry_when_busy(lambda: db.execute("PRAGMA journal_mode=WAL"), path)
            db.execute("PRAGMA synchronous=NORMAL")
            if pending_migrations(connection, path):
                retry_when_busy(lambda: _migrate(connection, path), path)
        except (sqlite3.Error, OSError, StoreError) as error:
            if connection is not None:
                connection.close()
            _remove(created)
            if isinstance(error, sqlite3.Error) and on_read_only_filesystem(path):
                raise StoreError(
                    f"the store {path} is on a read-only filesystem and this command writes it; mount it "
                    f"writable, or copy it elsewhere and pass {option('db', 'COPY')} (reading it works there)"
                ) from error
            if isinstance(error, sqlite3.Error):
                raise store_problem(path, error) from error
            if isinstance(error, OSError):
                raise folder_problem(path, error) from error
            raise
        return cls(path, db, created)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def discard(self) -> None:
        """Close, and remove the store file and folders this open created (a failed first command
        leaves nothing behind); a store that existed before, or that another collector has written
        runs into since (collectors may share a new store), is never touched."""
        try:  # its sources alone (read, but holding no run: `--columns a,b` on 3 columns) are no runs
            empty = self.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        except sqlite3.Error:
            empty = False
        self.close()
        if empty:
            _remove(self.created)
            self.removed = True
        self.created = ()

    def problem(self, error: Exception, doing: str = "collect") -> StoreError:
        """Return the one-line error for an SQLite failure (one of `failures`) met using this store (by
        the command `doing`: the same words for any)."""
        assert isinstance(error, sqlite3.Error)
        return store_problem(self.path, error, removed=self.removed)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Run several writes as one: on any exception inside, none of them is kept."""
        with self.db.atomic():
            yield self

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read inside one transaction: every query sees the store as it was at the first one, even
        while another process collects (WAL keeps that state for this reader until the end)."""
        if self.db.conn.in_transaction:
            yield self
            return
        self.db.execute("BEGIN")
        try:
            yield self
        finally:
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- paths
    def relative(self, path: str) -> str:
        """Return how the store names a file: relative to its folder, '/'-separated (a URL as it is)."""
        if url_scheme(path) is not None:
            return path
        absolute = os.path.abspath(path)
        parent, name = os.path.split(absolute)
        if not name:
            return _relative(absolute, self.folder)
        above = self._parents.get(parent)  # the sources of a collect share a few parent folders
        if above is None:
            if len(self._parents) > 4096:
                self._parents.clear()
            above = self._parents[parent] = _relative(parent, self.folder)
        if above == ".":
            return name
        if above.strip("./") == "":  # the parent holds the store's folder: the path may, too
            return _relative(absolute, self.folder)
        return f"{above}/{name}"

    def absolute(self, stored: str) -> str:
        """Return the absolute path of a stored source path (a URL as it is)."""
        if url_scheme(stored) is not None:
            return stored
        return os.path.normpath(os.path.join(self.folder, stored))

    # ----------------------------------------------------------------- writing
    def write(self, work: Callable[[StoreWriter], T]) -> T:
        """Run `work` in one short write transaction and return what it returns; on any exception
        nothing of it is written. When other processes hold the store, wait and run it again."""

        from resultsbook.store.writer import StoreWriter

        def attempt() -> T:
            begin_write(self.db.conn)  # take the write lock first: no upgrade deadlock
            try:
                writer = StoreWriter(self.db.conn, self.relative)
                result = work(writer)
                writer.flush()
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
                raise
            return result

        return retry_when_busy(attempt, self.path)

    def reader_versions(self) -> dict[str, int]:
        """Return {adapter: the newest reading version its runs here were read with}: a shared store's,
        which collectors of several resultsbook versions write (a file is read by the one that holds it)."""
        return {}

    def remember_reader_versions(self, versions: Mapping[str, int]) -> None:
        """Record the reading versions a collect read with (a shared store's; a file records none)."""

    def copies_found(self) -> list[tuple[str, str]]:
        """Return (source path, stored path) for each run this store's writes found stored already from
        another machine's path, and kept once: a shared store's (a file holds one machine's paths)."""
        return []

    def data_version(self) -> int:
        """Return a number that changes whenever another connection commits to the store."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    # ----------------------------------------------------------------- reading
    def source_signatures(self) -> dict[str, tuple[str, str]]:
        """Return {stored path: (adapter, signature)} for every source still present."""
        rows = self.db.execute("SELECT path, adapter, signature FROM sources WHERE present = 1").fetchall()
        return {path: (adapter, signature) for path, adapter, signature in rows}

    def folder_listings(self, roots: Iterable[str]) -> dict[str, tuple[Any, Any]]:
        """Return the folder listings remembered by earlier collects on this machine, of the
        folders at or under `roots` (absolute paths):
        {absolute path: ((device, inode, mtime ns, ctime ns), (files, sorted sub-folders, links))}."""
        columns = "path, device, inode, mtime_ns, ctime_ns, files, dirs"
        found = []
        try:
            for root in roots:
                top = os.fsencode(root.rstrip(os.sep) or os.sep)
                below = top.rstrip(b"/") + b"/"  # the folders under it sort between "/" and "0"
                found += self.db.execute(
                    f"SELECT {columns} FROM {_LISTINGS} WHERE path = ? OR (path >= ? AND path < ?)",
                    [top, below, below[:-1] + b"0"],
                ).fetchall()
        except sqlite3.OperationalError:  # none yet (the table is made by the first collect)
            return {}
        none: frozenset[str] = frozenset()  # a folder with links is never remembered
        files_of: dict[bytes, frozenset[str]] = {}  # run folders share a few sets of names: decode once
        dirs_of: dict[bytes, tuple[str, ...]] = {}
        # os.fsdecode, without its checks (10,000s of paths)
        encoding, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
        listings = {}
        for path, device, inode, mtime, ctime, files, dirs in found:
            names = files_of.get(files)
            if names is None:
                names = files_of[files] = frozenset(_names(files))
            folders = dirs_of.get(dirs)
            if folders is None:
                folders = dirs_of[dirs] = _names(dirs)
            stamp = (device, inode, mtime, ctime)
            listings[path.decode(encoding, errors)] = (stamp, (names, folders, none))
        return listings

    def remember_folder_listings(
        self, listings: Mapping[str, tuple[tuple[int, ...], tuple[Iterable[str], Iterable[str], Any]]]
    ) -> None:
        """Keep folder listings for the next collect (a cache: a store without it reads the same)."""
        rows = [
            (os.fsencode(path), *stamp, _packed(files), _packed(dirs))
            for path, (stamp, (files, dirs, _)) in listings.items()
        ]

        def work(writer: StoreWriter) -> None:
            writer.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_LISTINGS} (path BLOB PRIMARY KEY, device INTEGER, "
                "inode INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, files BLOB, dirs BLOB)"
            )
            writer.conn.executemany(f"INSERT OR REPLACE INTO {_LISTINGS} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

        self.write(work)

    def collect_snapshot(self, root: str) -> tuple[str, bytes] | None:
        """Return the snapshot an earlier collect on this machine took of its walk of `root` (an
        absolute path) and what it depends on: (context, snapshot), or None."""
        try:
            row = self.db.execute(
                f"SELECT context, snapshot FROM {_SNAPSHOTS} WHERE root = ?", [os.fsencode(root)]
            ).fetchone()
        except sqlite3.OperationalError:  # none yet (the table is made by the first snapshot)
            return None
        return None if row is None else (row[0], row[1])

    def remember_collect_snapshot(self, root: str, context: str, snapshot: bytes | None) -> None:
        """Keep (or with None forget) the snapshot of a walk of `root` (a cache, as listings are)."""

        def work(writer: StoreWriter) -> None:
            writer.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_SNAPSHOTS} "
                "(root BLOB PRIMARY KEY, context TEXT, snapshot BLOB)"
            )
            if snapshot is None:
                writer.conn.execute(f"DELETE FROM {_SNAPSHOTS} WHERE root = ?", [os.fsencode(root)])
            else:
                writer.conn.execute(
                    f"INSERT OR REPLACE INTO {_SNAPSHOTS} VALUES (?, ?, ?)",
                    [os.fsencode(root), context, snapshot],
                )

        self.write(work)

    def collect_readings(self) -> list[tuple[str, str]]:
        """Return how each root was read by the last `collect PATH` of it: (root as the store names it,
        its `[[sources]]` entry but for the path as JSON, "" when a spec cannot say it), the latest last."""
        try:
            return self.db.execute(f"SELECT root, reading FROM {READINGS} ORDER BY seq").fetchall()
        except sqlite3.OperationalError:  # none yet (a store no `collect PATH` of this version wrote)
            return []

    def remember_collect_readings(self, readings: Sequence[tuple[str, str]]) -> None:
        """Keep how roots were read (`collect_readings`), each replacing an earlier reading of its root;
        a store without them reads the same (older versions ignore them)."""

        def work(writer: StoreWriter) -> None:
            writer.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {READINGS} "
                "(root TEXT PRIMARY KEY, reading TEXT NOT NULL, seq INTEGER NOT NULL)"
            )
            writer.conn.executemany(REMEMBER_READING.replace("%s", "?"), readings)

        self.write(work)

    def every_source(self) -> dict[str, int]:
        """Return {stored source path: number of runs} of every source, its files there or gone."""
        rows = self.db.execute(
            "SELECT sources.path, count(runs.id) FROM sources LEFT JOIN runs ON runs.source_id = sources.id "
            "GROUP BY sources.id"
        )
        return dict(rows.fetchall())

    def run_counts_by_source(self) -> dict[str, int]:
        """Return {stored source path: number of present runs}."""
        rows = self.db.execute(
            "SELECT sources.path, count(*) FROM runs JOIN sources ON sources.id = runs.source_id "
            "WHERE runs.present = 1 GROUP BY runs.source_id"
        )
        return dict(rows.fetchall())

    def present_source_run_count(self) -> int:
        """Return how many present runs the present sources hold (`run_counts_by_source` summed)."""
        return int(self.db.execute(PRESENT_SOURCE_RUNS).fetchone()[0])

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
            conditions.append(f"sources.path IN ({','.join('?' * len(sources))})")
            args += list(sources)
        if ids is not None:
            conditions.append(f"runs.id IN ({','.join('?' * len(ids))})")
            args += [int(run) for run in ids]
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.db.execute(
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
        return self.db.execute(
            f"SELECT {columns} FROM runs JOIN sources ON sources.id = runs.source_id "
            f"{where}{' ORDER BY sources.path, runs.run_key' if ordered else ''}"
        ).fetchall()

    def params_of(self, runs: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Return the typed params of some runs by internal run id."""
        return self._params(runs)

    def param_column(self, key: str) -> tuple[list[int], list[Any]]:
        """Return (run ids, typed values) of every run that has the param `key`."""
        # run and value come from the index on (key, value) alone, one row per distinct value with
        # its runs as text: 10,000 runs of a few values are a few rows, not 10,000 tuples. SQL holds
        # an int and an integral float as one value: when a key has such a float, its values are
        # grouped by their type too (a sort, 3 ms more at 10,000 runs). Only a bool (stored as 0 or
        # 1) or a float that is not finite (stored as its text) needs its type, read for those rows
        sql = "SELECT value, count(*), group_concat(run) FROM params WHERE key = ? GROUP BY value"
        groups = self.db.execute(sql, [key]).fetchall()
        if self._has_integral_float(key, [value for value, _, _ in groups]):
            groups = self.db.execute(sql + ", typeof(value)", [key]).fetchall()
        import numpy as np  # only a table reads params key by key, and a table has numpy loaded

        text = ",".join(ids for _, _, ids in groups)
        runs: list[int] = np.fromstring(text, dtype=np.int64, sep=",").tolist() if text else []
        values: list[Any] = []
        for value, count, _ in groups:
            values += [value] * count
        retyped = self.db.execute(
            "SELECT run, value, type FROM params WHERE key = ? AND value IN (0, 1, 'nan', 'inf', '-inf') "
            "AND type IN ('bool', 'float')",
            [key],
        ).fetchall()
        if retyped:
            typed = {run: _typed(value, kind) for run, value, kind in retyped}
            values = [typed.get(run, value) for run, value in zip(runs, values)]
        return runs, values

    def constant_param(self, key: str) -> bool:
        """Tell whether every run that has the param `key` has one same value (so no two runs can
        differ in it); False when unsure. Two index lookups: a table skips such a param unread."""
        values = self.db.execute("SELECT DISTINCT value FROM params WHERE key = ? LIMIT 2", [key]).fetchall()
        if len(values) != 1:
            return False
        value = values[0][0]
        if isinstance(value, (int, float)) and value not in (0, 1):  # int or float alone: equal numbers
            return True
        # 0 and 1 may be bools, a text a string, JSON or a float that is not finite: one type (or
        # ints and floats, equal numbers), else unsure
        rows = self.db.execute("SELECT DISTINCT type FROM params WHERE key = ? LIMIT 3", [key]).fetchall()
        kinds = {kind for (kind,) in rows}
        return len(kinds) == 1 or kinds == {"int", "float"}

    def runs_with_params(self) -> list[int]:
        """Return the internal ids of the runs that record any param."""
        return [run for (run,) in self.db.execute("SELECT DISTINCT run FROM params")]

    def param_coverage(self) -> tuple[int, dict[str, int]]:
        """Return how many runs record any param, and how many record each param key (runs gone since
        counted): a key as many runs record as record any is lacked by no run beside one that has it."""
        runs = self.db.execute("SELECT count(*) FROM (SELECT run FROM params GROUP BY run)").fetchone()[0]
        return int(runs), dict(self.db.execute("SELECT key, count(*) FROM params GROUP BY key").fetchall())

    def _has_integral_float(self, key: str, values: list[Any]) -> bool:
        """Tell whether a param may hold a float equal to an int among `values` (its distinct ones)."""
        integral = [v for v in values if isinstance(v, int) or (isinstance(v, float) and v.is_integer())]
        if not integral:
            return False
        if len(integral) > 500:  # too many to name in one statement: assume so
            return True
        found = self.db.execute(
            f"SELECT 1 FROM params WHERE key = ? AND value IN ({','.join('?' * len(integral))}) "
            "AND typeof(value) = 'real' LIMIT 1",
            [key, *integral],
        )
        return found.fetchone() is not None

    def _params(self, runs: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
        """Return the typed params of every run (or of some) by internal run id."""
        sql = "SELECT run, key, value, type FROM params"
        if runs is not None:
            sql += f" WHERE run IN ({','.join(str(int(run)) for run in runs) or 'NULL'})"
        found: dict[int, dict[str, Any]] = {}
        for run, key, value, kind in self.db.execute(sql + " ORDER BY run, key"):
            found.setdefault(run, {})[key] = _typed(value, kind)
        return found

    def param_keys(self, include_missing: bool = False) -> list[str]:
        """Return the param keys any present run has (one index lookup per key, not a scan of every param)."""
        return self._distinct_keys("params", include_missing)

    def _distinct_keys(self, table: str, include_missing: bool = False) -> list[str]:
        """Return the distinct keys of `params` or `metrics`, sorted, one lookup of its key index each;
        a key only runs gone since they were collected have (a file re-read with other options leaves
        its old runs so) is left out unless `include_missing`: no run there has it."""
        present = (
            ""
            if include_missing
            else f" AND EXISTS (SELECT 1 FROM {table} JOIN runs ON runs.id = {table}.run "
            f"WHERE {table}.key = keys.key AND runs.present = 1)"
        )
        rows = self.db.execute(
            f"WITH RECURSIVE keys(key) AS (SELECT min(key) FROM {table} UNION ALL "
            f"SELECT (SELECT min(key) FROM {table} WHERE key > keys.key) FROM keys "
            f"WHERE keys.key IS NOT NULL) SELECT key FROM keys WHERE key IS NOT NULL{present}"
        )
        return [row[0] for row in rows]

    def run_names(self) -> list[tuple[str, str]]:
        """Return (run id, name) of every present run, cheaply (no params)."""
        return self.db.execute("SELECT run_id, name FROM runs WHERE present = 1 ORDER BY name").fetchall()

    def metric_keys(self, include_missing: bool = False) -> list[str]:
        """Return the metric keys logged by any present run, sorted (one index lookup per key, not a scan)."""
        return self._distinct_keys("metrics", include_missing)

    def metric_summaries(self, key: str) -> dict[int, dict[str, float | None]]:
        """Return {run: {n, last, min, max, mean, summary, ...}} for one metric key."""
        cursor = self.db.execute(
            "SELECT run, n, first_step, last_step, last, min, max, mean, summary FROM metrics WHERE key = ?",
            [key],
        )
        names = ("n", "first_step", "last_step", "last", "min", "max", "mean", "summary")
        return {row[0]: dict(zip(names, row[1:])) for row in cursor}

    def runs_with_metrics(self) -> set[int]:
        """Return the ids of the runs that logged any metric (a series or a final value)."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT run FROM metrics")}

    def all_metric_summaries(self) -> dict[int, dict[str, dict[str, float | None]]]:
        """Return {run: {metric key: {n, last, min, max, mean, summary, ...}}} for every metric."""
        cursor = self.db.execute(
            "SELECT run, key, n, first_step, last_step, last, min, max, mean, summary FROM metrics "
            "ORDER BY run, key"
        )
        names = ("n", "first_step", "last_step", "last", "min", "max", "mean", "summary")
        found: dict[int, dict[str, dict[str, float | None]]] = {}
        for row in cursor:
            found.setdefault(row[0], {})[row[1]] = dict(zip(names, row[2:]))
        return found

    def series_blobs(self, key: str) -> Iterator[tuple[int, bytes, bytes]]:
        """Yield (run, steps blob, values blob) of one metric key for every run, undecoded (see
        `codec`): a table decodes one metric of every run at once, without holding every blob."""
        return iter(self.db.execute('SELECT run, steps, "values" FROM series WHERE key = ?', [key]))

    def series_count(self, key: str) -> int:
        """Return how many runs have a series of one metric key."""
        return int(self.db.execute("SELECT count(*) FROM series WHERE key = ?", [key]).fetchone()[0])

    def summary_columns(self, key: str) -> list[tuple[Any, ...]]:
        """Return (run, n, last, min, max, mean, summary, last_step, first_step) rows of one metric key."""
        return self.db.execute(
            "SELECT run, n, last, min, max, mean, summary, last_step, first_step FROM metrics WHERE key = ?",
            [key],
        ).fetchall()

    def series(self, key: str, runs: Iterable[int] | None = None) -> dict[int, tuple[Any, Any, Any]]:
        """Return {run: (steps, values, times)} arrays of one metric key."""
        wanted = None if runs is None else set(runs)
        cursor = self.db.execute('SELECT run, steps, "values", times FROM series WHERE key = ?', [key])
        return self.decoded_series(key, (row for row in cursor if wanted is None or row[0] in wanted))

    def decoded_series(self, key: str, rows: Iterable[tuple[Any, ...]]) -> dict[int, tuple[Any, Any, Any]]:
        """Return {run: (steps, values, times)} arrays of (run, steps, values, times) blob rows of one
        metric key; a damaged blob is a StoreError naming its run and the fix."""
        from resultsbook.store.codec import DamagedSeries, decode_array

        try:
            return {
                run: (
                    decode_array(steps, run, key),
                    decode_array(values, run, key),
                    decode_array(times, run, key),
                )
                for run, steps, values, times in rows
            }
        except DamagedSeries as error:
            raise self.damaged_series(error) from error

    def damaged_series(self, error: DamagedSeries) -> StoreError:
        """Return the error for a series blob that cannot be decoded: its run, its metric key and how to
        store them again."""
        from resultsbook.voice import command

        found = self.runs(include_missing=True, ids=[error.run]) if error.run is not None else []
        source = found[0].source if found else "PATH"
        run = f"run {found[0].run_id} ({source})" if found else "a run"
        store = f"the {'shared ' if self.shared else ''}store {display_location(self.path)}"
        return StoreError(
            f"{store} holds a damaged series: {error.key!r} of {run} cannot be read ({error}); forget "
            f"that run's source with `{command('forget', source)}` and collect it again"
        )

    def last_logged_time(self, run: int) -> float | None:
        """Return the wall time of the newest point one run logged (None when it logged no time)."""
        from resultsbook.store.codec import DamagedSeries, newest_time

        cursor = self.db.execute("SELECT key, times FROM series WHERE run = ? AND times IS NOT NULL", [run])
        try:
            return newest_time(cursor, run)
        except DamagedSeries as error:
            raise self.damaged_series(error) from error

    def run_metrics(self, run: int) -> list[dict[str, Any]]:
        """Return the metric summaries of one run."""
        cursor = self.db.execute(
            "SELECT key, n, first_step, last_step, last, min, max, mean, summary FROM metrics "
            "WHERE run = ? ORDER BY key",
            [run],
        )
        names = ("key", "n", "first_step", "last_step", "last", "min", "max", "mean", "summary")
        return [dict(zip(names, row)) for row in cursor]

    def problems(self, source: str | None = None) -> list[Problem]:
        """Return the problems recorded at the last read of every source (or of one)."""
        return [problem for _, problem in self.problems_with_sources(source)]

    def problems_with_sources(self, source: str | None = None) -> list[tuple[str, Problem]]:
        """Return (stored source path, problem) for the problems `problems` returns, in its order."""
        sql = PROBLEMS_WITH_SOURCES
        args: list[Any] = []
        if source is not None:
            sql += " WHERE sources.path = ?"
            args.append(source)
        sql += " ORDER BY problems.rowid"
        return [(row[0], Problem(*row[1:])) for row in self.db.execute(sql, args)]

    def problem_count(self) -> int:
        """Return how many problems `problems` returns."""
        return int(self.db.execute("SELECT count(*) FROM problems").fetchone()[0])

    def counts(self) -> Mapping[str, int]:
        """Return how many runs and sources the store holds."""
        runs = self.db.execute("SELECT count(*) FROM runs WHERE present = 1").fetchone()[0]
        sources = self.db.execute("SELECT count(*) FROM sources WHERE present = 1").fetchone()[0]
        return {"runs": runs, "sources": sources}

    def ever_written(self) -> bool:
        """Tell whether any collect has written a source into the store (one gone since counts)."""
        return self.db.execute(ANY_SOURCE).fetchone() is not None


ANY_SOURCE = "SELECT 1 FROM sources LIMIT 1"  # the same SQL for SQLite and PostgreSQL
PROBLEMS_WITH_SOURCES = (  # the same SQL for SQLite and PostgreSQL
    "SELECT sources.path, problems.path, message, kept FROM problems JOIN sources ON sources.id = source_id"
)
PRESENT_SOURCE_RUNS = (  # the same SQL for SQLite and PostgreSQL
    "SELECT count(*) FROM runs JOIN sources ON sources.id = runs.source_id "
    "WHERE runs.present = 1 AND sources.present = 1"
)
# how roots were read by `collect PATH` (what `table --save` writes as [[sources]]): outside the migrated
# schema, as the caches below, so that an older resultsbook still opens a store that has it
READINGS = "collect_readings"
# the same SQL for SQLite and PostgreSQL (placeholders `%s`): the latest reading gets the last seq
REMEMBER_READING = (
    f"INSERT INTO {READINGS} (root, reading, seq) VALUES (%s, %s, "
    f"(SELECT coalesce(max(seq), 0) + 1 FROM {READINGS})) "
    "ON CONFLICT (root) DO UPDATE SET reading = excluded.reading, seq = excluded.seq"
)
_LISTINGS = "folder_listings"  # a cache, outside the migrated schema: older versions ignore it
_SNAPSHOTS = "collect_snapshots"  # a cache too (sources/snapshot.py)


def _packed(names: Iterable[str]) -> bytes:
    """Return file names as one blob: NUL never occurs in a name, undecodable bytes kept as bytes."""
    return os.fsencode("\0".join(names))


def _names(blob: bytes) -> tuple[str, ...]:
    """Return the names packed by `_packed`, in their order."""
    return tuple(os.fsdecode(blob).split("\0")) if blob else ()


def _relative(absolute: str, folder: str) -> str:
    """Return an absolute path relative to `folder`, '/'-separated."""
    try:
        relative = os.path.relpath(absolute, folder)
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


def _missing_folders(folder: str) -> list[str]:
    """Return the folders `os.makedirs(folder)` would create, innermost last."""
    missing: list[str] = []
    while folder and not os.path.exists(folder):
        missing.insert(0, folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return missing


def _remove(created: Sequence[str]) -> None:
    """Remove a store file (with its -wal and -shm) and the folders made for it, innermost first."""
    for path in reversed(created):
        if os.path.isdir(path):
            with contextlib.suppress(OSError):
                os.rmdir(path)  # only if still empty: never anything someone else put there
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # never made
                os.unlink(path + suffix)


def begin_write(conn: sqlite3.Connection) -> None:
    """Take the store's write lock (`BEGIN IMMEDIATE`), waiting for it at most LOCK_TRY_MS: the caller
    (`retry_when_busy`) tries again after a pause, during which Ctrl-C stops the command at once."""
    conn.execute(f"PRAGMA busy_timeout = {LOCK_TRY_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


def retry_when_busy(action: Callable[[], T], path: str, patience: float = WRITE_PATIENCE_S) -> T:
    """Run `action`, again after a short random pause while another process holds the store locked
    (SQLite waits BUSY_TIMEOUT_S itself, but some lock conflicts return at once). A wait longer than
    WAIT_NOTICE_S is said on stderr, once, naming the processes that have the store open."""
    started = time.monotonic()
    deadline = started + patience
    pause = 0.01
    told = False
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
            if not told and time.monotonic() - started >= WAIT_NOTICE_S:
                told = True
                say_waiting(path, patience)
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{path} stayed locked by other processes for {patience:.0f} s; "
                    "try again when the other collects have finished"
                ) from error
            import random  # here: a store nobody else holds never waits (random costs ~1 ms to import)

            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 1.0)


def say_waiting(path: str, patience: float) -> None:
    """Tell the user, on stderr, that this command waits for the store's write lock and for whom."""
    from resultsbook.store.holders import processes_holding

    absolute = os.path.abspath(path)
    here = os.getcwd() + os.sep
    shown = absolute[len(here) :] if absolute.startswith(here) else path
    holders = processes_holding(absolute)
    named = ", ".join(
        f"{pid} ({command}; stopped: `kill -CONT {pid}`, or `fg` in its terminal, lets it go on)"
        if stopped
        else f"{pid} ({command})"
        for pid, command, stopped in holders
    )
    who = f" (processes with it open: {named})" if named else ""
    sys.stderr.write(
        f"Waiting for the store {shown}: another process is writing it{who}; this command goes on when "
        f"it is done and gives up after {patience / 60:.0f} minutes; Ctrl-C stops it, keeping what it "
        "stored\n"
    )
    sys.stderr.flush()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """Tell a lock conflict with another process from a real error."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Apply pending migrations under the write lock: two processes opening a new store at once
    must not both create its tables."""
    from resultsbook.store.schema import apply_migrations

    begin_write(conn)
    try:
        apply_migrations(conn, pending_migrations(conn, path))  # again, now that no one else can write
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _typed(value: Any, kind: str) -> Any:
    """Return a stored param value as its original type."""
    if kind == "bool":
        return bool(value)
    if kind == "float" and isinstance(value, str):  # nan and ±inf are kept as text
        return canonical_float(value)
    return value


def stored_run(row: tuple[Any, ...], params: Mapping[str, Any]) -> StoredRun:
    """Build a `StoredRun` from a row of `run_rows` and its params."""
    return StoredRun(
        id=row[0],
        run_id=row[1],
        name=row[2],
        adapter=row[3],
        source=row[4],
        experiment=row[5],
        status=row[6],
        start_time=row[7],
        end_time=row[8],
        git_commit=row[9],
        git_dirty=None if row[10] is None else bool(row[10]),
        provenance=json.loads(row[11]),
        present=bool(row[12]),
        params=params,
        digest=row[13],
    )


def _no_index_can_be_made(path: str) -> bool:
    """Tell whether SQLite could not make the store's WAL index (`-shm`) to read it: the folder the file
    lies in (a link followed) is not writable by this user, and no index is there (one there, even
    read-only, SQLite reads the store through, as its owner writes it)."""
    real = os.path.realpath(path)
    return not os.access(os.path.dirname(real), os.W_OK) and not os.path.exists(f"{real}-shm")


def _index_would_be_read_only(path: str) -> bool:
    """Tell whether SQLite, reading a store this user cannot write (chmod a-w), would make its WAL index
    (`-shm`) and journal read-only as the file is: left behind, they keep the next collect from writing
    the store once it is writable again. One already there SQLite reads the store through."""
    real = os.path.realpath(path)
    return not os.access(real, os.W_OK) and not os.path.exists(f"{real}-shm")


def _read_only_connection(path: str, why: str) -> Connection:
    """Open a store that cannot be written where it lies (`why`: on a read-only filesystem, in a folder
    this user cannot write) as the unchanging file it is there (SQLite's `immutable`: no lock, no WAL
    index); refuse one whose WAL journal holds writes not yet in the file."""
    from urllib.parse import quote

    journal = f"{path}-wal"
    if os.path.exists(journal) and os.path.getsize(journal) > 0:
        raise StoreError(
            f"the store {path} {why} and its journal {journal} holds writes not yet in it; open it once "
            "where it can be written (any resultsbook command folds them in), or copy both files "
            f"elsewhere and {use_copy('COPY')}"
        )
    try:
        connection = sqlite3.connect(
            f"file:{quote(os.path.abspath(path))}?immutable=1", uri=True, check_same_thread=False
        )
        connection.isolation_level = None
        refuse_foreign(connection, path)
        if pending_migrations(connection, path):
            connection.close()
            raise StoreError(
                f"the store {path} was written by an older resultsbook and {why}; open it once where it "
                f"can be written (any command upgrades it), or copy it and {use_copy('COPY')}"
            )
    except sqlite3.Error as error:
        raise store_problem(path, error) from error
    return Connection(connection)
