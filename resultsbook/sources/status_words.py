"""One vocabulary of run status for every log format."""

from __future__ import annotations

from typing import Any

_SYNONYMS = {
    "finished": "finished",
    "completed": "finished",
    "complete": "finished",
    "success": "finished",
    "succeeded": "finished",
    "done": "finished",
    "ok": "finished",
    "failed": "failed",
    "failure": "failed",
    "crashed": "failed",
    "error": "failed",
    "errored": "failed",
    "running": "running",
    "started": "running",
    # not started: waiting for its turn (Sacred's QUEUED, MLflow's SCHEDULED, W&B's Pending)
    "queued": "queued",
    "scheduled": "queued",
    "pending": "queued",
    "interrupted": "interrupted",
    "killed": "interrupted",
    "cancelled": "interrupted",
    "canceled": "interrupted",
    "timeout": "interrupted",
    "preempted": "interrupted",
}


def normalize_status(raw: Any) -> str:
    """Map a tracker's status word to finished / failed / running / interrupted / queued / unknown."""
    if raw is None:
        return "unknown"
    return _SYNONYMS.get(str(raw).strip().lower(), "unknown")


def started_if_logged(status: str, logged: bool) -> str:
    """Return `running` for a run its log calls queued that logged metrics all the same: it started (the
    word is from before, a launch script's run.json its job never rewrote), else `status`."""
    return "running" if status == "queued" and logged else status


def duration(seconds: float) -> str:
    """Say how long a run has been silent, or running: 11 s, 12 min, 3.5 h, 2.0 days."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
