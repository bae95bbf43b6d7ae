"""The SQLite connection the store reads and writes through: sqlite3 itself, with the few
conveniences the store once used sqlite-utils for (it cost a command ~60 ms to import, and pulled in
pandas)."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

_SAVEPOINTS = itertools.count()  # a savepoint's name need only differ from the open ones


class Connection:
    """An open SQLite database: `execute` returns a cursor, `atomic` nests as savepoints."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> sqlite3.Cursor:
        """Run one statement (committed at once unless a transaction is open)."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Connection]:
        """Run the block as one transaction (a savepoint inside an open one); an exception undoes it."""
        if self.conn.in_transaction:
            savepoint = f"resultsbook_{next(_SAVEPOINTS)}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:  # a RAISE(ROLLBACK) may have ended it already
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise


def applied_migrations(conn: sqlite3.Connection, migration_set: str) -> list[str]:
    """Return the names of the migrations a store has, in the order they were applied (as
    sqlite-utils recorded them); none for a new store."""
    try:
        rows = conn.execute(  # whole rows, as sqlite-utils read them: a damaged table is met here
            "SELECT name, applied_at FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            [migration_set],
        ).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    return [row[0] for row in rows]
