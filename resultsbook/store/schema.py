"""The store's schema as ordered migrations; a new column or table is a new migration, never an edit.

Applied migrations are recorded as sqlite-utils records them (the table `_sqlite_migrations`), which
applied them until 2026-12: a store written by either version opens with the other.

A store that has a migration this version does not know is refused (`refuse_unknown`), so what an older
version can do without is kept outside the migrations instead, in a table made on first use that it
ignores: the folder listings and walk snapshots (caches), and how `collect PATH` read each root."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from resultsbook.errors import StoreError
from resultsbook.store.connection import applied_migrations
from resultsbook.voice import command, point_at_store

MIGRATION_SET = "resultsbook"  # the name each applied migration is recorded under

M001_INITIAL = """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,       -- relative to the store's folder, '/'-separated
            adapter TEXT NOT NULL,
            signature TEXT NOT NULL,         -- digest of file sizes and mtimes and read options
            present INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,     -- stable: same source and key, same id
            source_id INTEGER NOT NULL REFERENCES sources(id),
            run_key TEXT NOT NULL,
            adapter TEXT NOT NULL,
            name TEXT NOT NULL,
            experiment TEXT,
            status TEXT NOT NULL,
            start_time REAL,
            end_time REAL,
            git_commit TEXT,
            git_dirty INTEGER,
            provenance TEXT NOT NULL DEFAULT '{}',
            digest TEXT NOT NULL,            -- content digest: tells updated from unchanged
            present INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX runs_source ON runs(source_id);
        CREATE TABLE params (
            run INTEGER NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            value,
            type TEXT NOT NULL,              -- int, float, str, bool, null, json
            PRIMARY KEY (run, key)
        ) WITHOUT ROWID;
        CREATE INDEX params_key ON params(key, value);
        CREATE TABLE metrics (
            run INTEGER NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            n INTEGER NOT NULL,
            first_step REAL,
            last_step REAL,
            last REAL,                       -- value at the last step; NULL when NaN
            min REAL,
            max REAL,
            mean REAL,
            summary REAL,                    -- final value the run reported apart from the series
            PRIMARY KEY (run, key)
        ) WITHOUT ROWID;
        CREATE INDEX metrics_key ON metrics(key);
        CREATE TABLE series (
            run INTEGER NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            steps BLOB NOT NULL,
            "values" BLOB NOT NULL,
            times BLOB
        );
        CREATE UNIQUE INDEX series_run_key ON series(run, key);
        CREATE INDEX series_key ON series(key);
        CREATE TABLE problems (
            source_id INTEGER NOT NULL REFERENCES sources(id),
            path TEXT NOT NULL,
            message TEXT NOT NULL,
            kept TEXT NOT NULL
        );
        CREATE INDEX problems_source ON problems(source_id);
"""  # sources, runs, params, per-run metric summaries, series blobs and problems

MIGRATIONS = (("m001_initial", M001_INITIAL),)  # in order; a store records each one it has by name
MIGRATION_NAMES = tuple(name for name, _ in MIGRATIONS)

_RECORDS = """
CREATE TABLE IF NOT EXISTS "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
"""


def pending_migrations(conn: sqlite3.Connection, path: str) -> list[str]:
    """Return the migrations the store at `path` lacks; refuse one written by a newer resultsbook."""
    applied = applied_migrations(conn, MIGRATION_SET)
    refuse_unknown(applied, MIGRATION_NAMES, f"the store {path}")
    return [name for name in MIGRATION_NAMES if name not in applied]


def refuse_foreign(conn: sqlite3.Connection, path: str) -> None:
    """Refuse an SQLite database another program keeps (mlflow.db...): opening it as a store would
    write resultsbook's tables and journal mode into it. Both reads see one state of the file: another
    process creating the same new store commits its tables and their record together, in between."""
    conn.execute("BEGIN")
    try:  # reading sqlite_master first fixes the state read: a missing table does not (no page read)
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        applied = applied_migrations(conn, MIGRATION_SET) if tables else []
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    if tables and not applied:
        shown = ", ".join(tables[:5]) + (f" (and {len(tables) - 5} more)" if len(tables) > 5 else "")
        tracker = _tracker_database(set(tables), path)
        raise StoreError(
            f"{path} is not a resultsbook store (an SQLite database of other tables: {shown}); "
            f"{point_at_store(new=True)} (the file was left as it is)" + tracker
        )


def _tracker_database(tables: set[str], path: str) -> str:
    """Say how to read a tracker's own database given as the store (MLflow's mlflow.db, an Optuna
    storage): collected into a store, as any log; empty for another program's."""
    if {"experiments", "runs", "metrics", "params"} <= tables:
        what, options = "an MLflow tracking store", {"db": "NEW.db"}
    elif {"studies", "trials", "trial_params"} <= tables:
        what, options = "an Optuna storage", {"adapter": "optuna", "db": "NEW.db"}
    else:
        return ""
    return f"; it is {what}, whose runs {command('collect', path, **options)} reads into a store"


def refuse_unknown(applied: Iterable[str], known: Sequence[str], store: str = "this store") -> None:
    """Refuse a store that has a migration this resultsbook does not know (a newer one wrote it)."""
    unknown = sorted(set(applied) - set(known))
    if unknown:
        raise StoreError(
            f"{store} was written by a newer resultsbook (migration {unknown[0]}); "
            "upgrade with `pip install -U resultsbook`"
        )


def apply_migrations(conn: sqlite3.Connection, pending: Sequence[str]) -> None:
    """Apply the named migrations and record each, inside the caller's transaction (executescript
    would commit it: each statement runs alone)."""
    from datetime import datetime, timezone

    for statement in statements(_RECORDS):
        conn.execute(statement)
    for name, script in MIGRATIONS:
        if name not in pending:
            continue
        for statement in statements(script):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [MIGRATION_SET, name, str(datetime.now(timezone.utc))],
        )


def statements(script: str) -> Iterator[str]:
    """Split a SQL script into its statements (a `;` in a comment or a string ends none)."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip("; \n\t"):
                yield statement
            statement = ""
