"""Copy what can still be read from a damaged store into a new one.

Every row that reads is kept, table by table, past damaged pages; a source that lost any of its rows
is marked to be read again, so the next `collect` fills in what its logs still hold. The damaged file
is never written to: it is read from a copy.

    >>> report = recover_store("resultsbook.db", "resultsbook-recovered.db")     # doctest: +SKIP
    >>> report.runs, report.lost_runs                                              # doctest: +SKIP
    (1490, 12)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import NotFoundError, SpecError, StoreError
from resultsbook.store.location import (
    display_location,
    has_sqlite_header,
    is_postgres_url,
    refuse_mistyped_url,
)
from resultsbook.voice import option

_BATCH = 1000
_COPY_PREFIX = "resultsbook-recover-"  # then PID@HOST of the recover: a killed one's copy is found
_PROBE_LIMIT = 100_000  # rowids probed one by one past damage when the table's size is unknown
# rowid tables, in the order rows must go in; WITHOUT ROWID tables are copied per run
_COLUMNS = {
    "sources": "id, path, adapter, signature, present",
    "runs": "id, run_id, source_id, run_key, adapter, name, experiment, status, start_time, end_time, "
    "git_commit, git_dirty, provenance, digest, present",
    "series": 'run, key, steps, "values", times',
    "problems": "source_id, path, message, kept",
}


@dataclass(frozen=True)
class RecoverReport:
    """What a recovery kept and lost."""

    path: str
    runs: int
    lost_runs: int
    lost_rows: int  # params, metric summaries, series and problems that could not be read
    reread: int  # sources marked to be read again by the next collect


def recover_store(damaged: str, target: str) -> RecoverReport:
    """Copy every readable row of the store at `damaged` into a new store at `target`."""
    from resultsbook.store import Store

    refuse_mistyped_url(damaged, "the damaged store")
    refuse_mistyped_url(target, "the new store")
    if is_postgres_url(damaged):
        raise SpecError(
            f"{display_location(damaged)} is a PostgreSQL store: recover copies a damaged SQLite file; the "
            "server's own tools back up and restore a database (pg_dump, pg_restore)"
        )
    if os.path.exists(damaged) and not os.path.isfile(damaged):
        raise SpecError(
            f"{damaged} is not a regular file (a folder, a pipe, a device?); give the path of the damaged "
            "store, a SQLite file"
        )
    if not os.path.isfile(damaged):
        raise NotFoundError(f"no store at {display_location(damaged)}; give the path of the damaged store")
    if not has_sqlite_header(damaged):
        raise StoreError(f"{damaged} is not an SQLite file, so it holds no store to recover; check the path")
    if os.path.exists(target):
        raise SpecError(
            f"{target} exists; recover into a new file, or delete it first (resultsbook never overwrites a "
            "store)"
        )
    _remove_abandoned_copies()
    with tempfile.TemporaryDirectory(prefix=f"{_COPY_PREFIX}{_owner()}-") as folder:
        copy = os.path.join(folder, "damaged.db")
        for suffix in ("", "-wal"):
            if os.path.exists(damaged + suffix):
                shutil.copyfile(damaged + suffix, copy + suffix)
        old = sqlite3.connect(copy)
        try:
            old.execute("SELECT name FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as error:
            old.close()
            raise StoreError(
                f"the first page of {damaged} (its list of tables) is damaged ({error}), so no row can be "
                f"found; collect the logs again into a new file with {option('db', 'NEW.db')}"
            ) from error
        # written under another name, then named `target` whole: a recover killed half-way (out of
        # memory, kill -9) leaves no store that looks recovered, and the next one starts afresh
        partial = f"{target}.partial"
        _remove_partial(partial)
        store = Store.open(partial)
        try:
            with store.transaction():
                report = _copy(old, store.db.conn, target)
            store.close()
            _name(partial, target)
        except BaseException:
            store.close()
            _remove_partial(partial)
            raise
        finally:
            old.close()
        _remove_partial(partial)
        return report


def _remove_abandoned_copies() -> None:
    """Remove the copies of damaged stores that recovers killed half-way left in the temporary folder
    (a copy is as large as the store): those whose process is gone."""
    from resultsbook.atomic import process_alive

    folder = tempfile.gettempdir()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    host = _owner().partition("@")[2]
    for name in names:
        pid, _, rest = name[len(_COPY_PREFIX) :].partition("@")
        # another machine's copy (a shared temporary folder) is not ours to judge: its process ids say nothing
        mine = rest.rpartition("-")[0] == host
        if name.startswith(_COPY_PREFIX) and mine and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def _owner() -> str:
    """Return `PID@HOST`: the recover that made a copy, as its name records it."""
    import socket

    return f"{os.getpid()}@{socket.gethostname()}"


def _name(partial: str, target: str) -> None:
    """Give the recovered store its name, never over a store made there meanwhile."""
    made_meanwhile = SpecError(f"{target} was made while recovering; recover into a new file")
    try:
        os.link(partial, target)
    except FileExistsError:
        raise made_meanwhile from None
    except OSError:  # a filesystem without hard links
        if os.path.exists(target):
            raise made_meanwhile from None
        os.rename(partial, target)


def _remove_partial(partial: str) -> None:
    """Remove what a recover writes before naming it (its file and SQLite's files beside it)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial + suffix)


def _copy(old: sqlite3.Connection, new: sqlite3.Connection, target: str) -> RecoverReport:
    damaged_sources: set[int] = set()
    lost_rows = 0
    sources = _insert(new, "sources", list(_rows(old, "sources")))
    runs_read = list(_rows(old, "runs"))
    runs = [row for row in runs_read if row[2] in sources]  # a run whose source is lost cannot be found
    run_ids = _insert(new, "runs", runs)
    source_of = {row[0]: row[2] for row in runs}
    expected_runs = _count(old, "runs")
    lost_runs = max(expected_runs - len(runs), len(runs_read) - len(runs))
    for table in ("params", "metrics"):
        for run in sorted(run_ids):
            try:
                rows = old.execute(f"SELECT * FROM {table} WHERE run = ?", [run]).fetchall()
            except sqlite3.DatabaseError:
                damaged_sources.add(source_of[run])
                lost_rows += 1
                continue
            if rows:
                marks = ",".join("?" * len(rows[0]))
                new.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    for table in ("series", "problems"):
        wanted = run_ids if table == "series" else sources
        rows = [row for row in _rows(old, table) if row[0] in wanted]
        _insert(new, table, rows)
        missing = _count(old, table) - len(rows)
        lost_rows += max(missing, 0)
    if lost_runs or lost_rows:  # we cannot tell which sources lost runs: read them all again
        damaged_sources |= set(sources)
    if damaged_sources:
        marks = ",".join("?" * len(damaged_sources))
        chosen = sorted(damaged_sources)
        new.execute(f"UPDATE sources SET signature = '' WHERE id IN ({marks})", chosen)
        new.execute(f"UPDATE runs SET digest = '' WHERE source_id IN ({marks})", chosen)  # rewritten whole
    return RecoverReport(target, len(run_ids), lost_runs, lost_rows, len(damaged_sources))


def _insert(new: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]]) -> set[int]:
    """Insert rows (without the rowid column the reads carry); return the first column's values."""
    if rows:
        marks = ",".join("?" * len(rows[0]))
        new.executemany(f"INSERT INTO {table} ({_COLUMNS[table]}) VALUES ({marks})", rows)
    return {int(row[0]) for row in rows}


def _rows(old: sqlite3.Connection, table: str) -> Iterator[tuple[Any, ...]]:
    """Yield every readable row of a rowid table, reading on past damaged pages row by row."""
    top = _max_rowid(old, table)
    last = 0
    while True:
        try:
            batch = old.execute(
                f"SELECT rowid, {_COLUMNS[table]} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                [last, _BATCH],
            ).fetchall()
        except sqlite3.DatabaseError:
            found = None
            end = top if top is not None else last + _PROBE_LIMIT
            for rowid in range(last + 1, end + 1):
                try:
                    found = old.execute(
                        f"SELECT rowid, {_COLUMNS[table]} FROM {table} WHERE rowid = ?", [rowid]
                    ).fetchone()
                except sqlite3.DatabaseError:
                    continue
                if found is not None:
                    break
            if found is None:
                return
            yield found[1:]
            last = int(found[0])
            continue
        if not batch:
            return
        for row in batch:
            yield row[1:]
        last = batch[-1][0]


def _max_rowid(old: sqlite3.Connection, table: str) -> int | None:
    try:
        value = old.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    return int(value or 0)


def _count(old: sqlite3.Connection, table: str) -> int:
    try:
        return int(old.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0
