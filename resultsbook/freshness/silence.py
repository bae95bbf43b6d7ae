"""After a build: the runs its tables count as still running whose logs went silent (killed with
SIGKILL, out of memory, a node lost), which never write that they ended."""

from __future__ import annotations

from collections.abc import Mapping

from resultsbook.query.model import ResultTable
from resultsbook.store import Store


def silent_running_runs(
    store: Store,
    tables: Mapping[str, ResultTable],
    stale_after: float | None = None,
    now: float | None = None,
) -> tuple[str, ...]:
    """Name the runs that tables count as still running whose logs have not been written for
    `stale_after` seconds (`status`'s default: an hour) (killed, out of memory, a node lost): a line
    each, the first few."""
    counted: dict[int, list[str]] = {}
    for name, table in tables.items():
        for cell in table.cells.values():
            if any(mark.kind == "status" for mark in cell.marks):
                for run in cell.runs.ids[cell.runs.statuses == "running"].tolist():
                    if name not in counted.setdefault(int(run), []):
                        counted[int(run)].append(name)
    if not counted:
        return ()
    from resultsbook.freshness.status import DEFAULT_STALE_AFTER, run_issue  # none running: not imported

    stale_after = DEFAULT_STALE_AFTER if stale_after is None else stale_after

    silent = []
    for run in store.runs(ids=sorted(counted)[:SILENT_LOOKED_AT]):
        issue = run_issue(store, run, stale_after, now)
        if issue is not None and issue.state == "dead":
            silent.append((run, issue))
    lines = [
        f"{', '.join(counted[run.id])}: {run.name} ({run.source}) is counted as {_running(issue.detail)}: it "
        f"looks dead (killed, out of memory or node lost); rerun it, or count finished runs alone with "
        'status = ["finished"] in the table'
        for run, issue in silent[:SILENT_SHOWN]
    ]
    if len(silent) > SILENT_SHOWN:
        more = len(silent) - SILENT_SHOWN
        lines.append(f"{more} more run(s) counted as running look dead: `resultsbook status` lists them")
    return tuple(lines)


SILENT_LOOKED_AT = 500  # running runs whose files are looked at after a build: a few stats each
SILENT_SHOWN = 3


def _running(detail: str) -> str:
    """Say why a running run looks dead after "is counted as": its silence, or its files gone."""
    return detail if detail.startswith("running") else f"running, but {detail}"
