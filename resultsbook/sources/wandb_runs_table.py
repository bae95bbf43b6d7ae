"""The runs table the W&B web UI exports as CSV (`Name, State, Notes, User, Tags, Created, Runtime,
Sweep`, then the runs' config and summary columns): one record per run, whose name and state are the
run's, and whose bookkeeping (and W&B's own `_step`, `_runtime`… summary keys) is no param."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.sources.status_words import normalize_status

_MARKS = frozenset({"Name", "State", "Created", "Runtime"})  # a runs table holds all of these
_BOOKKEEPING = frozenset(
    {"Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep", "ID", "Group"}
)


def is_runs_table(records: list[Mapping[str, Any]]) -> bool:
    """Tell whether records are the rows of a W&B runs table export."""
    return bool(records) and set(records[0]) >= _MARKS


def run_fields(record: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """Return a row's run name, its status, and its config and summary fields."""
    kept = {k: v for k, v in record.items() if k not in _BOOKKEEPING and not k.startswith("_")}
    return str(record.get("Name") or ""), normalize_status(record.get("State")), kept
