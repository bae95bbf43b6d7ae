"""Telling a collector that it waits for another one: which sessions write the shared store now."""

from __future__ import annotations

import sys
from typing import Any

from resultsbook.store.location import display_location

WAIT_NOTICE_MS = 2_000  # after how long a wait for another collector's batch the user is told

_WRITERS = (
    "SELECT pid, host(client_addr), state, extract(epoch FROM now() - xact_start)::int "
    "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
    "AND datname = current_database() ORDER BY xact_start"
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
        f"sources{who}; this command goes on when it is done (one stopped inside its batch is ended by "
        f"the server after {idle_limit_ms // 1000} s); Ctrl-C stops it, keeping what it stored\n"
    )
    sys.stderr.flush()
