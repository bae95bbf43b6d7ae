"""Count a W&B run resumed in several folders once per cell.

`wandb.init(id=..., resume=...)` writes each resumption to a folder of its own, and each folder is a
run of the store; a later folder carries the summary of the earlier ones, so counted apart they are
replicates that agree to every digit: a spread of zero, and a bold best "significant" against it.
A run logged to TensorBoard and synced to W&B (`sync_tensorboard=True`, CleanRL's `--track`) is one
training read twice, from its TensorBoard folder and from the W&B run folder: counted once too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from resultsbook.models import StoredRun
from resultsbook.params import format_value
from resultsbook.query.marks import bounded
from resultsbook.query.runs import Runs, tracker_run_ids, wandb_run_key

if TYPE_CHECKING:
    from resultsbook.query.access import MetricReader
    from resultsbook.query.model import MetricSpec

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


def resumed_later(runs: Sequence[StoredRun]) -> set[int]:
    """Return the store ids of the W&B run folders that a later-started folder of the same run (its id
    in the same project and entity) resumed: the run stands as its latest folder says (a first job
    killed mid-run reads as running forever). A folder with no start time (its log killed before it
    held the run's record) is resumed by any folder of its run that has one."""
    starts: dict[tuple[str, str, str], list[tuple[float, int]]] = defaultdict(list)
    unstarted: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for run in runs:
        key = wandb_run_key(run.provenance, run.experiment)
        if key is not None:
            if run.start_time is None:
                unstarted[key].append(run.id)
            else:
                starts[key].append((float(run.start_time), run.id))
    later = {run for found in starts.values() for start, run in found if start < max(found)[0]}
    return later | {run for key, found in unstarted.items() if key in starts for run in found}


def without_value(selected: Runs, having: np.ndarray) -> Runs:
    """Return the selected runs with no value of a metric (`having`: where they have one), but for the
    folders of a W&B run another folder of which has one: the earlier folders of a resumed run, counted
    from its later one, are not left out. A folder of a W&B run is told by the run's id, entity and
    project; the TensorBoard folder a W&B run synced, by the id it takes from that run."""
    lacking = selected.take(~having)
    ids = lacking.wandb_run_ids().tolist()
    if not len(lacking) or all(run is None for run in ids):
        return lacking
    found = selected.take(having)
    counted = set(_run_keys(found)) | {(run,) for run in found.wandb_run_ids().tolist()}
    elsewhere = np.fromiter((key in counted for key in _run_keys(lacking)), dtype=bool, count=len(ids))
    return lacking.take(~elsewhere)


def _run_keys(runs: Runs) -> list[tuple[str, ...] | None]:
    """Return what tells each run's W&B run (None for a run of none): its id, entity and project, or its
    id alone for the TensorBoard folder a W&B run synced (its own provenance names no W&B run)."""
    ids = runs.wandb_run_ids().tolist()
    provenances = runs.field("provenance").tolist()
    experiments = runs.field("experiment").tolist()
    return [
        None if run is None else (wandb_run_key(provenance, experiment) or (run,))
        for run, provenance, experiment in zip(ids, provenances, experiments)
    ]


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


HISTORY_KINDS = frozenset({"min", "max", "mean", "last_k", "at", "best"})  # read every point of a run


def whole_history_values(
    reader: MetricReader,
    metric: MetricSpec,
    members: Runs,
    ids: np.ndarray,
    keep: np.ndarray,
    values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Return a cell's kept values with each resumed W&B run's reduced over the points of all its folders
    (`max`, `best(...)`, ... of the whole training, as W&B's history of the run holds them; the latest
    folder alone had the last job's points only), the positions to keep (such a run by its latest
    folder: its status is the run's), and the positions in `keep` whose value was so recomputed. A
    folder's point at a step another logged too wins when it started later. A TensorBoard folder counted
    with the W&B run that synced it, a normalised metric (its scores are per task), and the reductions
    a folder's last points give (`last`) are left as they are; a derived metric is joined from each
    folder's computed curve."""
    from resultsbook.query.reduce import parse_reduction, reduce_series

    reduction = parse_reduction(metric.reduce)
    if reduction.kind not in HISTORY_KINDS or metric.name in reader.normalized:
        return values, keep, []
    mirrors = members.wandb_mirrors()
    starts = members.field("start_time").tolist()
    folders: dict[str, list[int]] = defaultdict(list)
    for i, run in enumerate(ids.tolist()):
        if run is not None and not mirrors[i]:
            folders[run].append(i)
    merged = values.copy()
    kept = keep.copy()
    changed = []
    for position, i in enumerate(keep.tolist()):
        where = folders.get(ids[i], [])
        if len(where) < 2:
            continue
        order = sorted(where, key=lambda j: (starts[j] is None, starts[j] or 0.0, j))
        run_ids = [int(members.ids[j]) for j in order]
        taken = members.take(np.array(order))
        joined = _joined(reader.curves(metric.name, taken), run_ids)
        if joined is None:  # steps that start again, or points in one folder alone: its own value stands
            continue
        steps, points = joined
        other = None
        if reduction.kind == "best":
            found = _joined(reader.curves(reduction.other, taken), run_ids)
            if found is None:
                continue
            other = (found[0][metric.skip_first :], found[1][metric.skip_first :])
        merged[position] = reduce_series(
            reduction, steps[metric.skip_first :], points[metric.skip_first :], other
        )
        kept[position] = order[-1]
        changed.append(position)
    return merged, kept, changed


def _joined(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]], order: Sequence[int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the curves of one run's folders (`order`: earliest first) as one, by step; at a step
    several logged, the later folder's point (a run resumed from an earlier checkpoint logs again from
    it). None unless at least two folders logged points and each starts after the one before it did:
    a folder whose steps start again from the first (W&B offline, `wandb.log()` without `step=`, counts
    a resumption's steps from 0) cannot be placed after the others by its steps."""
    parts = [curves[run] for run in order if run in curves and len(curves[run][0])]
    if len(parts) < 2:
        return None
    firsts = [float(part[0][0]) for part in parts]
    if any(later <= earlier for earlier, later in pairwise(firsts)):
        return None
    steps = np.concatenate([np.asarray(part[0], dtype=np.float64) for part in parts])
    values = np.concatenate([np.asarray(part[1], dtype=np.float64) for part in parts])
    flipped = steps[::-1]
    _, last = np.unique(flipped, return_index=True)  # sorted steps, each at its last occurrence
    at = len(steps) - 1 - last
    return steps[at], values[at]


def folded_text(
    ids: np.ndarray, keep: np.ndarray, members: Runs, synced: bool = False, whole: Collection[int] = ()
) -> list[str]:
    """Name each W&B run counted once (resumed ones, or with `synced` those read from the TensorBoard
    folder they synced too), with its folder count and the folder whose value is kept, or that its value
    is over all their points (`whole`: the positions in `keep` so recomputed)."""
    kept = set(keep.tolist())
    joined = {int(keep[position]) for position in whole}
    names = members.field("source").tolist()
    mirrors = members.wandb_mirrors()
    texts = []
    for run in dict.fromkeys(i for i in ids.tolist() if i is not None):
        where = [i for i, other in enumerate(ids.tolist()) if other == run]
        if len(where) > 1 and any(mirrors[i] for i in where) == synced:
            chosen = next(i for i in where if i in kept)
            how = "over the points of all of them" if chosen in joined else f"kept: {_folder(names[chosen])}"
            texts.append(f"{run} ({len(where)} folders; {how})")
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
        f"from its latest folder with a value, or over the points of all its folders where the table "
        f"reduces a whole curve ({bounded(where)}): a resumed folder repeats the summary "
        "of the earlier ones, so counted apart they would be replicates that agree to every digit"
    )
