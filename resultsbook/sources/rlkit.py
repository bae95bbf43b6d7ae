"""An rlkit run's folder: progress.csv (a row an epoch, its `Epoch` from 0) beside variant.json, whose
`algorithm_kwargs.num_epochs` says how long the run was to train; an rllab run's (run_experiment_lite):
progress.csv (a row an iteration, its `Iteration` from 0) beside params.json, whose
`json_args.algo.n_itr` says the same. How far its epochs went tells a finished run from one still
writing or cut short (a cluster's time limit), whose `last` is not the last of the budget its config
names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EPOCH_COLUMN = "Epoch"
PLANNED = "num_epochs"
# what the run's log counts, the param that plans how far it goes, and what the count is called
PLANS = ((EPOCH_COLUMN, PLANNED, "epochs"), ("Iteration", "n_itr", "iterations"))
# rllab's run_experiment_lite dumps its own arguments beside the run's (`json_args`): where it logged
# (provenance, not settings), and the call pickled in base64 (`args_data`, `variant_data`), which
# `json_args` spells out and nothing reads
RLLAB_LOGGING = (
    "log_dir", "params_log_file", "tabular_log_file", "text_log_file", "variant_log_file",
    "log_tabular_only", "snapshot_mode", "snapshot_gap", "plot", "resume_from",
)  # fmt: skip
RLLAB_PICKLED = ("args_data", "variant_data")


def epoch_status(params: Mapping[str, Any], last_epoch: float | None) -> tuple[str, dict[str, str]]:
    """Return a run's status from its last Epoch (from 0, whichever column steps it) and its config's
    num_epochs, with how far it went as provenance `progress`: finished when it reached the last one;
    running when it stopped before (still writing, or cut short: `status` tells them apart by when it
    last wrote, and a table marks the cell ‡); unknown without both."""
    return planned_status(params, last_epoch, PLANNED, "epochs")


def planned_status(
    params: Mapping[str, Any], last: float | None, key: str, counted: str
) -> tuple[str, dict[str, str]]:
    """Return a run's status from the last count (from 0) its log reached and the one param `key`
    that plans it (rllab's `n_itr` for its `Iteration`), as epoch_status does for rlkit's epochs."""
    planned = planned_epochs(params, key)
    if planned is None or last is None:
        return "unknown", {}
    if last + 1 >= planned:
        return "finished", {}
    return "running", {"progress": f"{last + 1:g} of {planned} {counted} ({key})"}


def planned_epochs(params: Mapping[str, Any], key: str = PLANNED) -> int | None:
    """Return the one num_epochs a run's params hold (rlkit's `algorithm_kwargs.num_epochs`), or the
    one `key` asked for (rllab's `json_args.algo.n_itr`), if whole."""
    found = [value for name, value in params.items() if name == key or name.endswith(f".{key}")]
    if len(found) != 1 or isinstance(found[0], bool) or not isinstance(found[0], int) or found[0] <= 0:
        return None
    return found[0]


def rllab_settings(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the params of an rllab params.json (its `json_args`, `seed`, `exp_name`, …) without where
    run_experiment_lite logged, which is returned as provenance, nor the call it pickled; other
    settings are returned as they are."""
    if not any(name.startswith("json_args.") for name in params) or "args_data" not in params:
        return dict(params), {}
    kept = {name: value for name, value in params.items() if name not in RLLAB_LOGGING + RLLAB_PICKLED}
    logged = {name: params[name] for name in RLLAB_LOGGING if params.get(name) is not None}
    return kept, logged
