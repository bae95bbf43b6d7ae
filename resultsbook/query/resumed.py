"""Count a W&B run resumed in several folders once per cell.

`wandb.init(id=..., resume=...)` writes each resumption to a folder of its own, and each folder is a
run of the store; a later folder carries the summary of the earlier ones, so counted apart they are
replicates that agree to every digit: a spread of zero, and a bold best "significant" against it.
A run logged to TensorBoard and synced to W&B (`sync_tensorboard=True`, CleanRL's `--track`) is one
training read twice, from its TensorBoard folder and from the W&B run folder: counted once too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from resultsbook.models import StoredRun
from resultsbook.params import format_value
from resultsbook.query.marks import bounded
from resultsbook.query.runs import Runs, tracker_run_ids

Key = tuple[Any, ...]


def runs_by_wandb_id(runs: Sequence[StoredRun]) -> dict[str, list[StoredRun]]:
    """Return the runs of W&B run ids that more than one run (a resumed run's folders, or the
    TensorBoard folder a run synced) records."""
    found: dict[str, list[StoredRun]] = defaultdict(list)
    ids, _ = tracker_run_ids([run.provenance for run in runs], lambda: [run.source for run in runs])
    for run, run_id in zip(runs, ids):
        if run_id is not None:
            found[run_id].append(run)
    return {run_id: folders for run_id, folders in found.items() if len(folders) > 1}


def other_folders_text(members: Sequence[StoredRun], resumed: Mapping[str, Sequence[StoredRun]]) -> list[str]:
    """Say, for each resumed W&B run among a cell's runs (`resumed` as `runs_by_wandb_id` gives it),
    which of its other folders the cell does not count: what `explain` adds to a cell's marks."""
    if not resumed:
        return []
    counted = {run.id for run in members}
    owner = {run.id: run_id for run_id, folders in resumed.items() for run in folders}
    texts = []
    for run in members:
        run_id = owner.get(run.id)
        folders = resumed.get(run_id or "", ())
        others = [_folder(o.source) for o in folders if o.id not in counted]
        if others:
            how = (
                "training logged to a TensorBoard folder and the W&B run that synced it"
                if any(_synced(o) for o in folders)
                else f"W&B run resumed in {len(others) + 1} folders"
            )
            texts.append(
                f"{run_id} is one {how}, counted once, from {_folder(run.source)}; its other folders are "
                f"not counted here: {', '.join(sorted(others))}"
            )
    return texts


def _synced(run: StoredRun) -> bool:
    """Tell a W&B run that synced a TensorBoard folder (its provenance names the log dir)."""
    found = run.provenance.get("wandb") if isinstance(run.provenance, Mapping) else None
    return isinstance(found, Mapping) and bool(found.get("tensorboard"))


def counted_once(
    members: Runs, values: np.ndarray, ids: np.ndarray, notes: Mapping[int, Any]
) -> np.ndarray | None:
    """Return the positions of a cell's runs (`members`, their `values` and W&B run `ids`) that count
    each W&B run once, as `one_per_tracker_run` picks them; None when no id repeats."""
    if not _repeats(ids):  # as usual: no resumed run, nothing to look up
        return None
    starts = members.field("start_time")
    stand_ins = np.array([(notes.get(run) or ("",))[0] == "substituted" for run in members.ids.tolist()])
    return one_per_tracker_run(ids, starts, values, stand_ins, members.wandb_mirrors())


def _repeats(ids: np.ndarray) -> bool:
    """Tell whether a W&B run id (None: a run of another tracker) is recorded by several runs."""
    named = [run for run in ids.tolist() if run is not None]
    return len(set(named)) < len(named)


def one_per_tracker_run(
    ids: np.ndarray,
    starts: np.ndarray,
    values: np.ndarray,
    stand_ins: np.ndarray | None = None,
    mirrors: np.ndarray | None = None,
) -> np.ndarray | None:
    """Return the positions to keep so that each W&B run id counts once: its latest-started folder
    with a value, one that logged it before one whose value stands in for it (`stand_ins`: a final
    value as a `max`), the TensorBoard folder before the W&B run that synced it (`mirrors`: its
    steps are the script's own, W&B's `_step` counts its rows), the latest of all when none has one;
    None when no id repeats."""
    if not _repeats(ids):
        return None
    named = [i for i, run in enumerate(ids.tolist()) if run is not None]
    substituted = np.zeros(len(ids), dtype=bool) if stand_ins is None else stand_ins
    synced = np.zeros(len(ids), dtype=bool) if mirrors is None else mirrors
    latest: dict[str, int] = {}
    for i in named:
        run = ids[i]
        best = latest.get(run)
        if best is None or _rank(i, starts, values, substituted, synced) > _rank(
            best, starts, values, substituted, synced
        ):
            latest[run] = i
    keep = [i for i in range(len(ids)) if ids[i] is None or latest[ids[i]] == i]
    return np.array(keep, dtype=np.int64)


def _rank(
    i: int, starts: np.ndarray, values: np.ndarray, substituted: np.ndarray, synced: np.ndarray
) -> tuple[bool, bool, bool, float, int]:
    """Order the folders of one run: with a value first, then logged, then a TensorBoard folder before
    the W&B run that synced it, then the latest start, then the last."""
    start = starts[i]
    return (
        not np.isnan(values[i]),
        not substituted[i],
        not synced[i],
        float(start) if start is not None else float("-inf"),
        i,
    )


def folded_text(ids: np.ndarray, keep: np.ndarray, members: Runs, synced: bool = False) -> list[str]:
    """Name each W&B run counted once (resumed ones, or with `synced` those read from the TensorBoard
    folder they synced too), with its folder count and the folder whose value is kept."""
    kept = set(keep.tolist())
    names = members.field("source").tolist()
    mirrors = members.wandb_mirrors()
    texts = []
    for run in dict.fromkeys(i for i in ids.tolist() if i is not None):
        where = [i for i, other in enumerate(ids.tolist()) if other == run]
        if len(where) > 1 and any(mirrors[i] for i in where) == synced:
            chosen = next(i for i in where if i in kept)
            texts.append(f"{run} ({len(where)} folders; kept: {_folder(names[chosen])})")
    return texts


def _folder(source: Any) -> str:
    """Return the last part of a run's source path: `run-20260308_194529-rtklwwa6`."""
    return str(source).rstrip("/").rsplit("/", 1)[-1]


def synced_note(folded: Sequence[tuple[Key, Sequence[str]]]) -> str:
    """Say which cells counted a training once that was read from its TensorBoard folder and from the
    W&B run that synced it."""
    where = [f"{' / '.join(format_value(v) for v in cell)}: {', '.join(runs)}" for cell, runs in folded]
    return (
        f"{len(folded)} cell(s) hold a training logged twice, to a TensorBoard folder and to the W&B run "
        f"that synced it (sync_tensorboard, CleanRL's --track), counted once, from the TensorBoard folder "
        f"({bounded(where)}): counted apart they would be two replicates of one training"
    )


def resumed_note(folded: Sequence[tuple[Key, Sequence[str]]]) -> str:
    """Say which cells counted a resumed W&B run once, and why."""
    where = [f"{' / '.join(format_value(v) for v in cell)}: {', '.join(runs)}" for cell, runs in folded]
    return (
        f"{len(folded)} cell(s) hold a W&B run resumed in several folders (same run id), counted once, "
        f"from its latest folder with a value ({bounded(where)}): a resumed folder repeats the summary "
        "of the earlier ones, so counted apart they would be replicates that agree to every digit"
    )
