"""Telling a collector that it waits for another one: which sessions write the shared store now, and
ending the session of one stopped inside its batch that no server timeout ends."""

from __future__ import annotations

import sys
from typing import Any

from resultsbook.errors import StoreError
from resultsbook.store.location import display_location

WAIT_NOTICE_MS = 2_000  # after how long a wait for another collector's batch the user is told

_WRITERS = (
    "SELECT pid, host(client_addr), state, extract(epoch FROM now() - xact_start)::int "
    "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
    "AND datname = current_database() ORDER BY xact_start"
)
# what moves while a writer's batch goes on: a new message (state_change) or COPY data (bytes_processed)
_PROGRESS = (
    "SELECT a.pid, host(a.client_addr), a.state, a.wait_event, a.state_change, a.xact_start, "
    "c.bytes_processed FROM pg_stat_activity AS a LEFT JOIN pg_stat_progress_copy AS c ON c.pid = a.pid "
    "WHERE a.pid <> pg_backend_pid() AND a.backend_xid IS NOT NULL AND a.datname = current_database() "
    "AND a.application_name = 'resultsbook'"  # another program's session is never ended
)


def say_waiting(conn: Any, location: str, idle_limit_ms: int) -> None:
    """Say on stderr that this command waits for other writers of the store, naming them."""
    try:
        rows = conn.execute(_WRITERS).fetchall()
    except Exception:  # a role that may not see them: say what is sure
        rows = []
    named = ", ".join(
        f"pid {pid}{f' from {host}' if host else ''}, {state} for {seconds} s"
        for pid, host, state, seconds in rows
    )
    who = f" ({named})" if named else ""
    sys.stderr.write(
        f"Waiting for the shared store {display_location(location)}: another collector is writing the same "
        f"sources{who}; this command goes on when it is done (one stopped inside its batch is ended "
        f"after {idle_limit_ms // 1000} s); Ctrl-C stops it, keeping what it stored\n"
    )
    sys.stderr.flush()


def writers_progress(conn: Any) -> dict[int, tuple[Any, ...]]:
    """Return {pid: how far its batch went} for the other sessions writing the store now."""
    try:
        rows = conn.execute(_PROGRESS).fetchall()
    except Exception:  # a role that may not see them: none is known stopped
        return {}
    return {row[0]: tuple(row[1:]) for row in rows}


def end_stopped_writers(
    conn: Any, location: str, before: dict[int, tuple[Any, ...]], idle_limit_ms: int
) -> None:
    """End the session of each writer that made no progress since `before` (taken `idle_limit_ms` ago)
    while its server waited for it inside a statement or pipeline: no server timeout runs there before
    PostgreSQL 17, so its locks would hold for as long as it stays stopped."""
    import psycopg

    for pid, seen in writers_progress(conn).items():
        host, state, wait_event = seen[:3]
        if before.get(pid) != seen or state != "active" or wait_event not in ("ClientRead", "ClientWrite"):
            continue
        named = f"pid {pid}{f' from {host}' if host else ''}"
        try:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        except psycopg.errors.InsufficientPrivilege as error:
            raise StoreError(
                f"another collector of the shared store {display_location(location)} ({named}) was stopped "
                f"inside its batch for {idle_limit_ms // 1000} s and holds the sources this command writes, "
                f"and this role may not end its session; let it go on (`kill -CONT` it), or have the "
                f"database's owner run `SELECT pg_terminate_backend({pid})`"
            ) from error
        sys.stderr.write(
            f"Ended the session of another collector of the shared store {display_location(location)} "
            f"({named}): it was stopped inside its batch for {idle_limit_ms // 1000} s, waiting for its "
            "client (suspended, or its network gone); its batch is dropped whole, and this command goes on\n"
        )
        sys.stderr.flush()
