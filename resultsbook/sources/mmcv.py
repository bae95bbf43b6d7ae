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
from resultsbook.sources.resume_chain import ResumeChain
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
    """Return the text log of a `<timestamp>.log.json`, the configs dumped into its work_dir and the
    other log.json files there (a training resumed from a checkpoint continues in the next one)."""
    text_log = log_json.removesuffix(".json")
    found = [os.path.join(folder, text_log)] if text_log in names else []
    others = [
        name for name in sorted(names) if name.endswith(".py") or (is_run_log(name) and name != log_json)
    ]
    return found + [os.path.join(folder, name) for name in others]


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
    the config its meta line holds (else the `<config>.py` among `files`), the seed from its meta. A
    training resumed from a checkpoint of its work_dir is one run of the log.json it started in (its
    name and identity stay those the first collect gave it; a log that resumes it holds no run)."""
    problems: list[Problem] = []
    try:
        segments = _segments(path, problems)
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
    elif held:
        chain = _Chain(path, files)
        earlier = chain.resumed(path)
        if earlier:  # the run is the first log's: its identity stays when a resumed training adds a log
            names = ", ".join(os.path.basename(f) for f in earlier)
            first = os.path.basename(earlier[0])
            message = (
                f"resumes the training that {names} logged (its resume_from is a checkpoint of this "
                f"work_dir), one run with {'it' if len(earlier) == 1 else 'them'}; named alone, this log "
                "adds no run: collect its work_dir"
            )
            first_name = "/".join([*name.split("/")[:-1], first.removesuffix(".log.json")])
            problems.append(Problem(path, message, f"its records, in the run {first_name}"))
            return ReadResult((), tuple(problems))
        later = chain.resumers(path)
        if later:
            held = [_joined([*held, *(chain.training(f) for f in later)])]
    text_log = next((f for f in files if f == path.removesuffix(".json")), None)
    epoch_length = _epoch_length(text_log) if text_log and len(held) == 1 else None
    runs = []
    for number, segment in enumerate(held, start=1):
        run_name = name if len(held) == 1 else f"{name}#{number}"
        runs.append(_run(path, files, run_name, segment, epoch_length, problems))
    return ReadResult(tuple(runs), tuple(problems))


def _segments(path: str, problems: list[Problem]) -> list[_Segment]:
    """Return the trainings of a log.json, each from its meta line on; raise OSError."""
    segments: list[_Segment] = []
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
    return segments


class _Chain(ResumeChain):
    """The log.json files of one work_dir, oldest first (by their timestamps): one whose config
    resumes from a checkpoint of this work_dir (`resume_from`, or `auto_resume`) continues the latest
    one before it that logged training records."""

    def __init__(self, path: str, files: Sequence[str]) -> None:
        folder = os.path.dirname(path)
        logs = sorted(
            {path, *(f for f in files if os.path.dirname(f) == folder and is_run_log(os.path.basename(f)))}
        )
        super().__init__([f for f in logs if not os.path.basename(f).startswith("None")])
        self.folder = os.path.basename(folder)
        self._read: dict[str, _Segment | None] = {}

    def training(self, path: str) -> _Segment | None:
        """Return the one training a log.json holds, None when it holds none or several (or is unreadable)."""
        if path not in self._read:
            try:
                segments = _segments(path, [])
            except OSError:
                segments = []
            self._read[path] = segments[0] if len(segments) == 1 else None
        return self._read[path]

    def config_resumes(self, path: str) -> bool:
        """Tell, from the config the log.json's meta line holds, whether it resumed from this work_dir."""
        segment = self.training(path)
        text = segment.meta.get("config") if segment else None
        if not isinstance(text, str):
            return False
        params = mmengine.config_text_params(text, path, [])
        source = params.get("resume_from")
        if isinstance(source, str) and os.path.basename(os.path.dirname(source)) == self.folder:
            return True
        return params.get("auto_resume") is True

    def trained(self, path: str) -> bool:
        """Tell whether a log.json logged training records."""
        segment = self.training(path)
        return segment is not None and bool(segment.train)


def _joined(segments: Sequence[_Segment | None]) -> _Segment:
    """Join one training's log.json files, oldest first: each keeps its records before the epoch (or
    iteration) the next one resumed at, which it logged again."""
    held = [segment for segment in segments if segment is not None]
    joined = _Segment(held[0].meta)
    for segment, following in zip(held, [*held[1:], None]):
        start = _start(following) if following is not None else None
        for record in segment.train:
            if start is None or _position(record) < start:
                joined.train.append(record)
        for record, before in segment.val:
            if start is None or _position(record, before) < start:
                joined.val.append((record, before))
    return joined


def _start(segment: _Segment) -> tuple[float, float]:
    """Return where a resumed training's records start: the (epoch, iteration) of its first record."""
    return _position(segment.train[0]) if segment.train else (float("inf"), float("inf"))


def _position(record: dict[str, Any], before: float | None = None) -> tuple[float, float]:
    """Return a record's (epoch, iteration) for ordering records of one training across restarts:
    by epoch first (an EpochBasedRunner's iteration starts again each epoch); a validation record
    at the iteration of the training record before it."""
    epoch = to_float(record.get("epoch")) or 0.0
    iteration = (before or 0.0) if record.get("mode") == "val" else (to_float(record.get("iter")) or 0.0)
    return (epoch, iteration)


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
