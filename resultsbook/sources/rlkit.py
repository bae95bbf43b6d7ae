"""An rlkit run's folder: progress.csv (a row an epoch, its `Epoch` from 0) beside variant.json, whose
`algorithm_kwargs.num_epochs` says how long the run was to train. How far its epochs went tells a
finished run from one still writing or cut short (a cluster's time limit), whose `last` is not the
last of the budget its config names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EPOCH_COLUMN = "Epoch"
PLANNED = "num_epochs"


def epoch_status(params: Mapping[str, Any], last_epoch: float | None) -> tuple[str, dict[str, str]]:
    """Return a run's status from its last Epoch (from 0, whichever column steps it) and its config's
    num_epochs, with how far it went as provenance `progress`: finished when it reached the last one;
    running when it stopped before (still writing, or cut short: `status` tells them apart by when it
    last wrote, and a table marks the cell ‡); unknown without both."""
    planned = planned_epochs(params)
    if planned is None or last_epoch is None:
        return "unknown", {}
    if last_epoch + 1 >= planned:
        return "finished", {}
    return "running", {"progress": f"{last_epoch + 1:g} of {planned} epochs (num_epochs)"}


def planned_epochs(params: Mapping[str, Any]) -> int | None:
    """Return the one num_epochs a run's params hold (rlkit's `algorithm_kwargs.num_epochs`), if whole."""
    found = [value for key, value in params.items() if key == PLANNED or key.endswith(f".{PLANNED}")]
    if len(found) != 1 or isinstance(found[0], bool) or not isinstance(found[0], int) or found[0] <= 0:
        return None
    return found[0]
