"""Ultralytics YOLO training folders: results.csv (a row per epoch) beside the training's settings.

YOLOv8/YOLO11 (`runs/detect/train*/`) write `args.yaml` (every training argument: model, data, epochs,
seed...) and a `results.csv` whose header older versions pad with spaces (`      epoch,
train/box_loss, ...`); YOLOv5 (`runs/train/exp*/`) writes `opt.yaml` and `hyp.yaml` beside its
`results.csv`. The same folder often holds the TensorBoard events of the run: they repeat the CSV,
except that after training Ultralytics validates `best.pt` and logs that at the last epoch again, over
the last epoch's own values; this adapter claims the folder before the tensorboard adapter does, so
each epoch keeps the value `results.csv` says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources import fs
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.tabular import holds_no_row, read_delimited

RESULTS_FILE = "results.csv"
ARGS_FILE = "args.yaml"  # YOLOv8 and later
OPT_FILE = "opt.yaml"  # YOLOv5 (and YOLOv7, YOLOv9 forks)
HYP_FILE = "hyp.yaml"  # YOLOv5's hyperparameters, when opt.yaml names their file instead of holding them
SETTINGS_FILES = (ARGS_FILE, OPT_FILE)
EPOCH_COLUMN = "epoch"
# where Ultralytics saved the run, not how it trained it: `name` is the folder it first made (`train2`,
# `exp3`, before anyone renamed it) and `source` predict's input (null in training); as params they
# would stand in for the run's own name and source in `runs`, `--where` and a table's rows
NOT_SETTINGS = frozenset({"name", "source", "save_dir"})


class UltralyticsAdapter(Adapter):
    """Read Ultralytics YOLO training folders, one run each."""

    name = "ultralytics"
    summary = "Ultralytics YOLO training folders (results.csv beside args.yaml, or YOLOv5's opt.yaml)"
    priority = 20  # before TensorBoard (25): the events file in the folder repeats results.csv
    claims_by_listing = True

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder with results.csv beside args.yaml or opt.yaml (results.csv alone when asked),
        and a YOLOv5 training's folder that has no results.csv yet (opt.yaml with hyp.yaml)."""
        settings = [n for n in (*SETTINGS_FILES, HYP_FILE) if n in folder.files]
        if RESULTS_FILE in folder.files:
            if not forced and not any(n in folder.files for n in SETTINGS_FILES):
                return None
            files = [folder.file(RESULTS_FILE), *map(folder.file, settings)]
            return Claim((self.source(folder.path, files),))
        if not started_training(folder):
            return None
        return Claim((self.source(folder.path, [folder.file(n) for n in settings]),))

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
        return ReadResult((RunRecord(name=name, params=params, metrics=series),), tuple(problems))


def started_training(folder: Folder) -> bool:
    """Tell whether a folder without results.csv is a YOLOv5 training's that logged no epoch: train.py
    writes opt.yaml and hyp.yaml as it starts. (YOLOv8's args.yaml is a name other programs write too.)"""
    return OPT_FILE in folder.files and HYP_FILE in folder.files


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
