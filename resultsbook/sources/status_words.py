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
    "queued": "running",
    "scheduled": "running",
    "interrupted": "interrupted",
    "killed": "interrupted",
    "cancelled": "interrupted",
    "canceled": "interrupted",
    "timeout": "interrupted",
    "preempted": "interrupted",
}


def normalize_status(raw: Any) -> str:
    """Map a tracker's status word to finished / failed / running / interrupted / unknown."""
    if raw is None:
        return "unknown"
    return _SYNONYMS.get(str(raw).strip().lower(), "unknown")
