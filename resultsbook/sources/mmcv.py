"""MMCV 1.x's run log, as MMDetection 2.x, MMSegmentation 0.x, MMClassification 0.x and MMPose 0.x
write it: each `tools/train.py` writes `<work_dir>/<YYYYmmdd_HHMMSS>.log.json` (JSON Lines: first the
run's meta, `{"env_info": …, "config": "<the whole config, Python>", "seed": 0, "exp_name": …}`, or
`{}` when a notebook's `train_detector` passed none; then a training record every logging interval,
`{"mode": "train", "epoch": 1, "iter": 50, "lr": …, "loss": …, "time": …}`, and a validation record
after each validation, `{"mode": "val", "epoch": 1, "iter": 18, "lr": …, "accuracy_top-1": …}`), the
text log `<timestamp>.log` beside it and the config dumped as `<config>.py` into the work_dir.

The `iter` of a record is not one step count: under an EpochBasedRunner a training record's is the
iteration within its epoch and a validation record's the length of the validation set (`"iter": 18`
after every epoch), so a validation curve is stepped by epoch and a training one by the iteration
counted from the start, with the epoch length from the text log (`Epoch [1][10/72]`); under an
IterBasedRunner both hold the training iteration. Training and validation records share `lr` (the
validation's repeats the training's) and, with a `('val', 1)` workflow, the losses and times."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Collection, Sequence
from typing import Any

from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.sources import fs, mmengine
from resultsbook.sources.fileio import iter_file_chunks, unreadable
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import iter_json_records, to_float

LOG_JSON = re.compile(r"(\d{8}_\d{6}|None)\.log\.json")  # None.log.json: a notebook's run, no timestamp
LOG_HEAD = 1 << 20  # bytes of <timestamp>.log read for the epoch length: the config is printed first
VALIDATION_PREFIX = "val/"  # a validation record's field that training records also hold
COUNTERS = frozenset({"mode", "epoch", "iter", "memory"})  # record counters, not metrics
_EPOCH_LENGTH = re.compile(rb"Epoch \[\d+\]\[\d+/(\d+)\]")


def is_run_log(name: str) -> bool:
    """Tell whether a file name is MMCV 1.x's `<YYYYmmdd_HHMMSS>.log.json` (or a notebook's
    `None.log.json`)."""
    return LOG_JSON.fullmatch(name) is not None


def side_files(folder: str, names: Collection[str], log_json: str) -> list[str]:
    """Return the text log of a `<timestamp>.log.json` and the configs dumped into its work_dir."""
    text_log = log_json.removesuffix(".json")
    found = [os.path.join(folder, text_log)] if text_log in names else []
    return found + [os.path.join(folder, name) for name in sorted(names) if name.endswith(".py")]


def side_files_beside(path: str) -> list[str]:
    """Return the side files of a `<timestamp>.log.json` that a path pattern named alone."""
    folder, names = fs.names_beside(path)
    return side_files(folder, names, os.path.basename(path))


class _Segment:
    """One training's records: a log.json holds more than one when a notebook trained again into it."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = meta
        self.train: list[dict[str, Any]] = []
        # each validation record with the iteration of the training record before it: an
        # IterBasedRunner validated there (the record's own `iter` is the validation set's length)
        self.val: list[tuple[dict[str, Any], float | None]] = []


def read_runs(path: str, files: Sequence[str], name: str) -> ReadResult:
    """Read the run(s) of one `<timestamp>.log.json` at `path`: curves from its records, params from
    the config its meta line holds (else the `<config>.py` among `files`), the seed from its meta."""
    problems: list[Problem] = []
    segments: list[_Segment] = []
    try:
        for batch in iter_json_records(path, problems):
            for record in batch:
                mode = record.get("mode")
                if mode is None:  # the meta line that starts each training
                    segments.append(_Segment(record))
                    continue
                if not segments:
                    segments.append(_Segment({}))
                if mode == "train":
                    segments[-1].train.append(record)
                elif mode == "val":
                    train = segments[-1].train
                    segments[-1].val.append((record, to_float(train[-1].get("iter")) if train else None))
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this file"))
        return ReadResult((), tuple(problems))
    held = [segment for segment in segments if segment.train or segment.val] or segments[-1:]
    if len(held) > 1:
        message = (
            f"holds {len(held)} trainings appended one after another (a line without 'mode' starts "
            "each, as a notebook that trains again into one work_dir writes them)"
        )
        problems.append(Problem(path, message, f"each as its own run, {name}#1 to {name}#{len(held)}"))
    text_log = next((f for f in files if f == path.removesuffix(".json")), None)
    epoch_length = _epoch_length(text_log) if text_log and len(held) == 1 else None
    runs = []
    for number, segment in enumerate(held, start=1):
        run_name = name if len(held) == 1 else f"{name}#{number}"
        runs.append(_run(path, files, run_name, segment, epoch_length, problems))
    return ReadResult(tuple(runs), tuple(problems))


def _run(
    path: str,
    files: Sequence[str],
    name: str,
    segment: _Segment,
    epoch_length: int | None,
    problems: list[Problem],
) -> RunRecord:
    """Build one training's run from its records and meta."""
    params = _params(path, files, segment.meta, problems)
    by_epoch = _by_epoch(params, segment)
    builder = SeriesBuilder()
    training_keys: set[str] = set()
    if by_epoch and epoch_length is None and segment.train:
        problems.append(
            Problem(
                path,
                "gives training records the iteration within their epoch, and the epoch length is in "
                f"its text log {os.path.basename(path).removesuffix('.json')}, not beside it; put the "
                ".log beside it for the training curves",
                "the validation curves, stepped by epoch; no training curves",
            )
        )
    for record in segment.train:
        training_keys.update(record)
        step = _train_step(record, by_epoch, epoch_length)
        if step is not None:
            _add(builder, record, step)
    early = 0
    for record, before in segment.val:
        step = to_float(record.get("epoch")) if by_epoch else before
        if step is None:
            early += not by_epoch
            continue
        values = {key: value for key, value in record.items() if key != "lr"}  # the training's lr again
        for key, value in values.items():
            if key in COUNTERS:
                continue
            number = None if isinstance(value, bool) else to_float(value)
            if number is not None:
                builder.add(VALIDATION_PREFIX + key if key in training_keys else key, step, number)
    if early:
        message = (
            f"has {early} validation record(s) before any training record; an IterBasedRunner's "
            "validation is stepped by the iteration of the training record before it"
        )
        problems.append(Problem(path, message, "the other records"))
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return RunRecord(
        name=name,
        params=dict(sorted(params.items())),
        metrics=series,
        status=_status(params, segment, by_epoch),
    )


def _add(builder: SeriesBuilder, record: dict[str, Any], step: float) -> None:
    """Add a record's numbers (not its counters) to the curves at `step`."""
    for key, value in record.items():
        if key in COUNTERS:
            continue
        number = None if isinstance(value, bool) else to_float(value)
        if number is not None:
            builder.add(key, step, number)


def _train_step(record: dict[str, Any], by_epoch: bool, epoch_length: int | None) -> float | None:
    """Return a training record's iteration counted from the start of the training."""
    iteration = to_float(record.get("iter"))
    if iteration is None or not by_epoch:
        return iteration
    epoch = to_float(record.get("epoch"))
    if epoch is None or epoch_length is None:
        return None
    return (epoch - 1) * epoch_length + iteration


def _params(path: str, files: Sequence[str], meta: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Return the run's params: the config its meta line holds (the one this run ran with), else the
    `<config>.py` dumped beside it (the latest run's), with the seed and `exp_name` the meta names."""
    text = meta.get("config")
    if isinstance(text, str) and text.strip():
        params = mmengine.config_text_params(text, f"{path} (its 'config')", problems)
    else:
        configs = [f for f in files if f.endswith(".py")]
        named = [f for f in configs if os.path.basename(f) == meta.get("exp_name")]
        config = (named or configs)[0] if len(named) == 1 or len(configs) == 1 else None
        params = mmengine.config_params(config, problems) if config else {}
    name = meta.get("exp_name")  # MMDetection's: the config file's name, which a table groups by
    if isinstance(name, str):
        params["exp_name"] = name
    seed = meta.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        params["seed"] = seed
    return params


def _by_epoch(params: dict[str, Any], segment: _Segment) -> bool:
    """Tell whether the runner counted epochs (EpochBasedRunner): by its config, else by the records
    (an EpochBasedRunner's training iteration starts again at each epoch; an IterBasedRunner's never
    goes back)."""
    runner = params.get("runner.type")
    if isinstance(runner, str):
        return not runner.startswith("IterBased")
    iterations = [to_float(record.get("iter")) for record in segment.train]
    counted = [number for number in iterations if number is not None]
    return any(later < earlier for earlier, later in itertools.pairwise(counted)) or len(counted) < 2


def _status(params: dict[str, Any], segment: _Segment, by_epoch: bool) -> str:
    """Return `finished` when the training reached its budget (the runner's max_epochs, or the older
    total_epochs, with the last epoch's validation logged when it validated; or max_iters), else
    `unknown`: MMCV writes nothing at the end of a run, so one still going and one killed look alike."""
    if not segment.train:
        return "unknown"
    last = segment.train[-1]
    if by_epoch:
        budget = params.get("runner.max_epochs", params.get("total_epochs"))
        epoch = to_float(last.get("epoch"))
        if not isinstance(budget, int) or epoch is None or epoch < budget:
            return "unknown"
        validated = not segment.val or to_float(segment.val[-1][0].get("epoch")) == epoch
        return "finished" if validated else "unknown"
    budget = params.get("runner.max_iters", params.get("total_iters"))
    reached = max((to_float(record.get("iter")) or 0.0 for record in segment.train), default=0.0)
    return "finished" if isinstance(budget, int) and reached >= budget else "unknown"


def _epoch_length(path: str) -> int | None:
    """Return the number of iterations in an epoch, as the text log's `Epoch [1][10/72]` names it."""
    try:
        head = next(iter_file_chunks(path, LOG_HEAD), b"")
    except OSError:
        return None
    found = _EPOCH_LENGTH.search(head)
    return int(found.group(1)) if found else None
