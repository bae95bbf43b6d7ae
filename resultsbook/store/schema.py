"""The store's schema as ordered migrations; a new column or table is a new migration, never an edit."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

MIGRATION_SET = "resultsbook"  # the name sqlite_utils records each applied migration under


def m001_initial(db: Database) -> None:
    """Create sources, runs, params, per-run metric summaries, series blobs and problems."""
    db.executescript(
        """
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
        """
    )


MIGRATIONS = (m001_initial,)  # in order; a store records each one it has by name
MIGRATION_NAMES = tuple(migration.__name__ for migration in MIGRATIONS)


@functools.cache
def migrations() -> Migrations:
    """Return the migrations as sqlite_utils applies them (imported only when a store needs one)."""
    from sqlite_utils.migrations import Migrations

    steps = Migrations(MIGRATION_SET)
    for migration in MIGRATIONS:
        steps()(migration)
    return steps
