"""Ultralytics YOLO training folders: results.csv (a row per epoch) beside the training's settings.

YOLOv8/YOLO11 (`runs/detect/train*/`) write `args.yaml` (every training argument: model, data, epochs,
seed...) and a `results.csv` whose header older versions pad with spaces (`      epoch,
train/box_loss, ...`); YOLOv5 (`runs/train/exp*/`) writes `opt.yaml` and `hyp.yaml` beside its
`results.csv`. The same folder often holds the TensorBoard events of the run: they repeat the CSV,
except that after training Ultralytics validates `best.pt` and logs that at the last epoch again, over
the last epoch's own values; this adapter claims the folder before the tensorboard adapter does, so
each epoch keeps the value `results.csv` says.

Status: the epochs `results.csv` holds against `epochs` of the settings tell a finished training from
one cut short; an early stop by `patience` (no better fitness for that many epochs) is finished too; and
the weights say when they can: Ultralytics strips the optimizer from `weights/last.pt` and `best.pt`
when training ends (see sources/checkpoints.py). An unfinished training is running while its files are
recent, failed once they are not.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources import fs
from resultsbook.sources.checkpoints import optimizer_state
from resultsbook.sources.fileio import read_file_bytes
from resultsbook.sources.limits import CONFIG
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.tabular import Table, holds_no_row, read_delimited
from resultsbook.voice import option

RESULTS_FILE = "results.csv"
EVENTS_PREFIX = "events.out.tfevents."  # the TensorBoard events file a trainer opens as it starts
EMPTY_EVENTS = 512  # bytes: more than a file_version event alone ever takes (Ultralytics': 88)
ARGS_FILE = "args.yaml"  # YOLOv8 and later
OPT_FILE = "opt.yaml"  # YOLOv5 (and YOLOv7, YOLOv9 forks)
HYP_FILE = "hyp.yaml"  # YOLOv5's hyperparameters, when opt.yaml names their file instead of holding them
SETTINGS_FILES = (ARGS_FILE, OPT_FILE)
EPOCH_COLUMN = "epoch"
# where Ultralytics saved the run, not how it trained it: `name` is the folder it first made (`train2`,
# `exp3`, before anyone renamed it) and `source` predict's input (null in training); as params they
# would stand in for the run's own name and source in `runs`, `--where` and a table's rows
NOT_SETTINGS = frozenset({"name", "source", "save_dir"})
WEIGHTS_FOLDER = "weights"
WEIGHTS = ("last.pt", "best.pt")  # saved every epoch with the optimizer; stripped of it when training ends
DEFAULT_STALE_AFTER = 3600.0  # an epoch of a large model on a large dataset can take most of an hour
# the fitness Ultralytics' EarlyStopping follows: 0.1 mAP50 + 0.9 mAP50-95 of each of boxes, masks and
# keypoints (YOLOv8 on: `metrics/mAP50(B)`; YOLOv5: `metrics/mAP_0.5`), mAP50-95 alone in some versions
_MAP = re.compile(r"metrics/mAP(?:50|_0\.5)(-95|:0\.95)?(\([A-Z]\))?")
_CLASSIFY = ("metrics/accuracy_top1", "metrics/accuracy_top5")
_TIE = 1e-4  # results.csv rounds each value to 5 or 6 digits: two epochs this close are one fitness


class UltralyticsAdapter(Adapter):
    """Read Ultralytics YOLO training folders, one run each."""

    name = "ultralytics"
    summary = "Ultralytics YOLO training folders (results.csv beside args.yaml, or YOLOv5's opt.yaml)"
    priority = 20  # before TensorBoard (25): the events file in the folder repeats results.csv
    claims_by_listing = True
    # 2: a status: finished at `epochs` or by an early stop (patience), or as the weights say; else
    # running while the folder is written to, failed once it is not
    reading_version = 2
    options = {
        "stale_after": "seconds without a write after which an unfinished training is failed (default 3600)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder with results.csv beside args.yaml or opt.yaml (results.csv alone when asked),
        and a YOLOv5 training's folder that has no results.csv yet (opt.yaml with hyp.yaml)."""
        settings = [n for n in (*SETTINGS_FILES, HYP_FILE) if n in folder.files]
        if RESULTS_FILE in folder.files:
            if not forced and not any(n in folder.files for n in SETTINGS_FILES):
                return None
            files = [folder.file(RESULTS_FILE), *map(folder.file, settings), *weights(folder)]
            return Claim((self.source(folder.path, files),))
        if not started_training(folder):
            return None
        # its events file too: one that logs a scalar later makes the folder TensorBoard's, read again
        events = sorted(name for name in folder.files if name.startswith(EVENTS_PREFIX))
        return Claim((self.source(folder.path, [folder.file(n) for n in (*settings, *events)]),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the training folder of a results.csv a path pattern matched, its settings beside it."""
        if os.path.basename(path) != RESULTS_FILE:
            return None
        folder = os.path.dirname(path)
        try:
            listed = Folder(folder, frozenset(fs.listdir(folder)), ())
        except OSError:
            return None
        claim = self.claim(listed, forced)
        return claim.sources[0] if claim is not None else None

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while the folder was written recently: an unfinished training fails by the clock."""
        return self.fresh_while_written(source.files, DEFAULT_STALE_AFTER)

    def read(self, source: Source) -> ReadResult:
        """Read one training folder: step = the `epoch` column as written (1-based since YOLOv8, 0-based in
        YOLOv5); `time` (YOLOv8.1 on: seconds since training began) is a metric, not a wall time."""
        problems: list[Problem] = []
        files = {os.path.basename(path): path for path in source.files}
        path = files.get(RESULTS_FILE)
        if path is None:
            said = ", ".join(n for n in (*SETTINGS_FILES, HYP_FILE) if n in files)
            message = (
                f"holds {said} but no {RESULTS_FILE}: the training logged no epoch (it stopped before "
                "its first ended, or is still in it)"
            )
            return ReadResult((), (Problem(source.path, message, "no run until it writes one"),))
        name = os.path.basename(os.path.abspath(source.path))
        params = read_training_settings(files, problems)
        table = read_delimited(path, problems)  # the header's padding is trimmed: `metrics/mAP50-95(B)`
        if table is None or holds_no_row(table, path, problems):
            return ReadResult((), tuple(problems))
        if EPOCH_COLUMN in table.numbers:
            steps, has_step = table.column(EPOCH_COLUMN)
            if not has_step.all():
                missing = int((~has_step).sum())
                problems.append(Problem(path, f"{missing} row(s) have no numeric 'epoch'", "the other rows"))
        else:
            problems.append(Problem(path, "has no 'epoch' column", "rows numbered from 0 as steps"))
            steps, has_step = np.arange(table.rows, dtype=np.float64), np.ones(table.rows, dtype=bool)
        builder = SeriesBuilder()
        for column in table.columns:
            if column == EPOCH_COLUMN:
                continue
            values, present = table.metric_column(column, path, problems)
            keep = present & has_step
            if keep.any():
                builder.add_column(column, steps[keep], values[keep])
        series, series_problems = builder.build(path)
        problems.extend(series_problems)
        numbered = steps if EPOCH_COLUMN in table.numbers else np.empty(0)  # the rows' own count says less
        status, provenance = self._status(source, files, params, table, numbered, problems)
        run = RunRecord(name=name, params=params, metrics=series, status=status, provenance=provenance)
        return ReadResult((run,), tuple(problems))

    def _status(
        self,
        source: Source,
        files: Mapping[str, str],
        params: Mapping[str, Any],
        table: Table,
        epochs: np.ndarray,
        problems: list[Problem],
    ) -> tuple[str, dict[str, Any]]:
        """Finished when results.csv reached `epochs`, when it ends `patience` epochs after its best, or
        (read only then) when the weights were stripped of the optimizer; otherwise running while the
        folder is fresh, failed once it is stale; unknown without `epochs` (or with `time`, in hours)."""
        planned = _whole(params.get("epochs"))
        epochs = epochs[np.isfinite(epochs)]
        if planned is None or not epochs.size:
            return "unknown", {}
        done = int(epochs.max()) + (0 if ARGS_FILE in files else 1)  # YOLOv5 numbers epochs from 0
        if done >= planned:
            return "finished", {}
        provenance: dict[str, Any] = {"progress": f"{done} of {planned} epochs (epochs)"}
        patience = _whole(params.get("patience"))
        best = _early_stop(table, patience) if patience else None
        if best is not None:  # as results.csv numbers it
            provenance["stopped"] = (
                f"early stop: no better fitness in the {patience} epochs after epoch {best} (patience)"
            )
            return "finished", provenance
        said = ((name, optimizer_state(files[name])) for name in WEIGHTS if name in files)
        weights_file, weights_say = next(
            ((name, state) for name, state in said if state is not None), ("", None)
        )
        if weights_say == "stripped":
            provenance["stopped"] = (
                f"before epochs: {WEIGHTS_FOLDER}/{weights_file} was stripped as training ended"
            )
            return "finished", provenance
        if weights_say is None and params.get("time"):
            return "unknown", provenance  # a limit in hours ends a training before `epochs` too
        newest = fs.newest_mtime(source.files)
        if newest is None or time.time() - newest < self.stale_after(DEFAULT_STALE_AFTER):
            return "running", provenance
        provenance["incomplete"] = True
        settings = ARGS_FILE if ARGS_FILE in files else OPT_FILE
        early = f"its last epoch not {patience} after its best (patience)" if patience else "patience 0"
        why = f"results.csv holds {done} of {planned} epochs ({settings}: epochs), {early}"
        if weights_say == "kept":
            why += f"; {WEIGHTS_FOLDER}/{weights_file} still holds the optimizer"
            why += ", which Ultralytics strips when training ends"
        stale = f"nothing was written for over {self.stale_after(DEFAULT_STALE_AFTER) / 60:.0f} min"
        only_finished = option("where", "status=finished")
        problems.append(
            Problem(
                source.path,
                f"training stopped unfinished: {why}, and {stale}",
                f"the run, as failed (a table marks its cells ‡; {only_finished} leaves it out)",
            )
        )
        return "failed", provenance


def weights(folder: Folder) -> list[str]:
    """Return the paths of the checkpoints a training folder's `weights/` may hold (looked at when read:
    the claim lists no deeper than the folder)."""
    if WEIGHTS_FOLDER not in folder.dirs:
        return []
    return [os.path.join(folder.path, WEIGHTS_FOLDER, name) for name in WEIGHTS]


def _whole(value: Any) -> int | None:
    """Return a setting that is a positive whole number (`epochs`, `patience`), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _early_stop(table: Table, patience: int) -> int | None:
    """Return the best epoch when results.csv ends `patience` epochs after it, as Ultralytics' EarlyStopping
    stops: that epoch's fitness is the best of all (to results.csv's rounding). None otherwise."""
    numbered = table.numbers[EPOCH_COLUMN]
    best = float(np.nanmax(numbered)) - patience
    at = np.flatnonzero(numbered == best)
    for fitness in _fitnesses(table):
        if at.size and np.isfinite(fitness[at[0]]) and fitness[at[0]] >= np.nanmax(fitness) - _TIE:
            return int(best)
    return None


def _fitnesses(table: Table) -> list[np.ndarray]:
    """Return the per-epoch fitnesses Ultralytics may have followed: weighted mAPs (detection,
    segmentation, pose) or the mean of top-1 and top-5 accuracy (classification)."""
    maps: dict[tuple[bool, str], np.ndarray] = {}
    for column in table.numbers:
        if (found := _MAP.fullmatch(column)) is not None:
            maps[(found.group(1) is not None, found.group(2) or "")] = table.numbers[column]
    kinds = sorted({kind for _, kind in maps})
    if kinds and all((False, kind) in maps and (True, kind) in maps for kind in kinds):
        weighted = sum(0.1 * maps[(False, kind)] + 0.9 * maps[(True, kind)] for kind in kinds)
        only = sum(maps[(True, kind)] for kind in kinds)
        return [np.asarray(weighted), np.asarray(only)]
    if all(column in table.numbers for column in _CLASSIFY):
        return [(table.numbers[_CLASSIFY[0]] + table.numbers[_CLASSIFY[1]]) / 2]
    return []


def started_training(folder: Folder) -> bool:
    """Tell whether a folder without results.csv is a training's that logged no epoch: YOLOv5's train.py
    writes opt.yaml and hyp.yaml as it starts, YOLOv8's trainer args.yaml and its events file. (args.yaml
    is a name other programs write too: Ultralytics' begins `task: …` then `mode: train`.)"""
    if OPT_FILE in folder.files and HYP_FILE in folder.files:
        return True
    events = [folder.file(name) for name in folder.files if name.startswith(EVENTS_PREFIX)]
    if ARGS_FILE not in folder.files or not events:
        return False
    try:  # an events file that logged a scalar is TensorBoard's run to read, whoever wrote args.yaml
        if not all(map(_header_only, events)):
            return False
        head = read_file_bytes(folder.file(ARGS_FILE), CONFIG)[:256]  # a FIFO in its place is refused
    except OSError:
        return False
    return head.startswith(b"task:") and b"\nmode: train\n" in head


def _header_only(path: str) -> bool:
    """Tell whether a local TensorBoard events file holds one record alone: the `file_version` event
    every writer starts with, and nothing logged after it (88 bytes as Ultralytics leaves it)."""
    if fs.is_remote(path):
        return False
    info = fs.stat(path)  # never opened unless a small regular file: a FIFO would block
    if not stat.S_ISREG(info.st_mode) or not 8 <= info.st_size <= EMPTY_EVENTS:
        return False
    data = read_file_bytes(path, CONFIG)
    (length,) = struct.unpack("<Q", data[:8])  # a record: length, its CRC, the event, the event's CRC
    return len(data) == 8 + 4 + length + 4


def read_training_settings(files: Mapping[str, str], problems: list[Problem]) -> dict[str, Any]:
    """Return the params of a training folder: args.yaml's keys (YOLOv8), else opt.yaml's with the
    hyperparameters of hyp.yaml as `hyp.<key>` when opt.yaml names that file rather than holding them."""
    settings_path = files.get(ARGS_FILE) or files.get(OPT_FILE)
    if settings_path is None:
        return {}
    params = read_settings(settings_path, problems, "training arguments")
    hyp_path = files.get(HYP_FILE)
    if ARGS_FILE not in files and hyp_path is not None and not any(k.startswith("hyp.") for k in params):
        params.pop("hyp", None)  # the file's path: its values follow
        hyperparameters = read_settings(hyp_path, problems, "hyperparameters")
        params.update({f"hyp.{key}": value for key, value in hyperparameters.items()})
    return {key: value for key, value in params.items() if key not in NOT_SETTINGS}
