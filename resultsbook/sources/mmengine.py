"""MMEngine's run folder, as MMDetection 3.x, MMSegmentation 1.x, MMPretrain and MMPose 1.x write it:
each `tools/train.py` writes `<work_dir>/<YYYYmmdd_HHMMSS>/vis_data/scalars.json` (JSON Lines: a
training record every logging interval, `{"lr": …, "loss": …, "epoch": 1, "iter": 50, "memory": …,
"step": 50}`, and a validation record after each validation, `{"coco/bbox_mAP": 0.37, "data_time": …,
"time": …, "step": 12}`), the whole config it ran as `vis_data/config.py` (Python, but plain data once
dumped) and its text log `<YYYYmmdd_HHMMSS>.log` beside `vis_data/`, which names the seed the run drew.

Training and validation records share `data_time` and `time` and are stepped differently (training by
iteration; validation by epoch under an EpochBasedTrainLoop): read as one run of JSON Lines they made
one curve of both, and made each training record's `epoch`, `iter` and `memory` a run of its own."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Collection, Sequence
from typing import Any

from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.fileio import iter_file_chunks, unreadable
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import iter_json_records, read_text, to_float

SCALARS_FILE = "scalars.json"
CONFIG_FILE = "config.py"
VIS_FOLDER = "vis_data"
LOG_HEAD = 65536  # bytes of <timestamp>.log read: its environment block, with the seed, comes first
# fields only training records hold (LoggerHook logs the learning rate, counters and GPU memory)
TRAINING_FIELDS = frozenset({"lr", "base_lr", "iter", "memory"})
SEED_SETTING = "randomness.seed"  # config.py's seed: None draws one, which the log names
VALIDATION_PREFIX = "val/"  # a validation record's `data_time`, `time`: not the training ones
_TIMESTAMP_JSON = re.compile(r"\d{8}_\d{6}\.json")  # vis_data/<timestamp>.json, a copy of scalars.json
_SEED = re.compile(r"^Runtime environment:\s*$.*?^\s+seed: (-?\d+)\s*$", re.MULTILINE | re.DOTALL)


def is_run_folder(folder: str, names: Collection[str]) -> bool:
    """Tell whether a folder is MMEngine's `vis_data/` holding its scalars.json."""
    return SCALARS_FILE in names and (CONFIG_FILE in names or os.path.basename(folder) == VIS_FOLDER)


def side_files(folder: str, names: Collection[str]) -> list[str]:
    """Return the config.py of a `vis_data/` folder and the `<timestamp>.log` beside the folder."""
    found = [os.path.join(folder, CONFIG_FILE)] if CONFIG_FILE in names else []
    log = _log_path(folder, names)
    return [*found, log] if log else found


def side_files_beside(path: str) -> list[str]:
    """Return the side files of the `vis_data/` folder holding `path` (a path pattern names it alone)."""
    return side_files(*fs.names_beside(path))


def scalars_of_copy(path: str) -> str | None:
    """Return the scalars.json beside `vis_data/<timestamp>.json`, the copy of it that LoggerHook
    writes (the same records), else None."""
    if not _TIMESTAMP_JSON.fullmatch(os.path.basename(path)):
        return None
    scalars = os.path.join(os.path.dirname(path), SCALARS_FILE)
    try:
        return scalars if fs.isfile(scalars) else None
    except OSError:
        return None


def _log_path(folder: str, names: Collection[str]) -> str | None:
    """Return the `<timestamp>.log` above `vis_data/`, named by the `<timestamp>.json` copy of
    scalars.json in it or by the run folder (a run folder renamed, `train/`, keeps its log's name);
    None when there is none."""
    above = os.path.dirname(folder)
    stamps = sorted(name[: -len(".json")] for name in names if _TIMESTAMP_JSON.fullmatch(name))
    for stamp in [*stamps, os.path.basename(above)]:
        log = os.path.join(above, stamp + ".log")
        try:
            if fs.isfile(log):
                return log
        except OSError:
            continue
    return None


def read_run(path: str, files: Sequence[str], name: str) -> ReadResult:
    """Read one MMEngine run: metrics from its scalars.json at `path`, params from config.py and the
    seed from the log among `files`, the status from how far the training went."""
    problems: list[Problem] = []
    builder = SeriesBuilder()
    shared: set[str] = set()  # fields training records logged: a validation record's are renamed
    previous: dict[str, Any] | None = None
    last_train: dict[str, Any] | None = None
    validated_after = False
    skipped = 0
    try:
        for batch in iter_json_records(path, problems):
            for record in batch:
                if record == previous:  # MMEngine writes the first record twice
                    continue
                previous = record
                step = to_float(record.get("step"))
                if step is None:
                    skipped += 1
                    continue
                training = not TRAINING_FIELDS.isdisjoint(record)
                for key, value in record.items():
                    number = None if isinstance(value, bool) or key == "step" else to_float(value)
                    if number is None:
                        continue
                    if training:
                        shared.add(key)
                    elif key in shared:
                        key = VALIDATION_PREFIX + key
                    builder.add(key, step, number)
                if training:
                    last_train, validated_after = record, False
                else:
                    validated_after = True
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this file"))
        return ReadResult((), tuple(problems))
    if skipped:
        problems.append(
            Problem(path, f"{skipped} record(s) have no number under 'step'", "the other records")
        )
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    root = os.path.dirname(path)
    config = next((f for f in files if os.path.dirname(f) == root and f.endswith(CONFIG_FILE)), None)
    params = config_params(config, problems) if config else {}
    log = next((f for f in files if f.endswith(".log")), None)
    # the seed is `seed`, the replicate a table counts, not `randomness.seed`, a setting that would
    # make a cell of three seeds "average runs that differ in randomness.seed"
    seed = log_seed(log) if log else None
    configured = params.pop(SEED_SETTING, None)
    if seed is None and isinstance(configured, int) and not isinstance(configured, bool):
        seed = configured
    if seed is not None:
        params["seed"] = seed
    run = RunRecord(
        name=name,
        params=dict(sorted(params.items())),
        metrics=series,
        status=_status(params, last_train, validated_after),
    )
    return ReadResult((run,), tuple(problems))


def config_params(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return the settings of a dumped MMEngine config.py, flattened (`optim_wrapper.optimizer.lr`),
    without running it: top-level assignments of literals, lists, tuples and `dict(...)` are read;
    any other expression (a call, a name) is left out."""
    try:
        text = read_text(path, problems)
    except OSError as error:
        problems.append(unreadable(path, error, "the run without params"))
        return {}
    return config_text_params(text, path, problems)


def config_text_params(text: str, path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return the settings of a dumped config's text (read from `path`), as `config_params` does."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as error:
        message = f"is not a Python config MMEngine or MMCV dumped (line {getattr(error, 'lineno', '?')})"
        problems.append(Problem(path, message, "the run without params"))
        return {}
    settings: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                settings[node.targets[0].id] = _literal(node.value)
            except ValueError:
                continue  # not plain data: left out
    return flatten_params(settings)


def _literal(node: ast.AST) -> Any:
    """Return the value of a config expression made of literals and `dict(key=...)`; raise ValueError
    for anything else."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(keyword.arg is None for keyword in node.keywords):
            raise ValueError("dict(...) with positional arguments")
        return {keyword.arg: _literal(keyword.value) for keyword in node.keywords}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ValueError("a dict with **")
        return {str(_literal(key)): _literal(value) for key, value in zip(node.keys, node.values)}  # type: ignore[arg-type]
    return ast.literal_eval(node)


def log_seed(path: str) -> int | None:
    """Return the seed the run drew, as its log's `Runtime environment` block names it; None when the
    log cannot be read or names none."""
    try:
        head = next(iter_file_chunks(path, LOG_HEAD), b"")
    except OSError:
        return None
    found = _SEED.search(head.decode("utf-8", errors="replace"))
    return int(found.group(1)) if found else None


def _status(params: dict[str, Any], last_train: dict[str, Any] | None, validated_after: bool) -> str:
    """Return `finished` when the training reached its budget (train_cfg's max_iters, or max_epochs
    with the last epoch's validation logged when the run validates), else `unknown`: MMEngine writes
    nothing at the end of a run, so a run still going and one killed look the same."""
    if last_train is None:
        return "unknown"
    max_iters = params.get("train_cfg.max_iters")
    max_epochs = params.get("train_cfg.max_epochs")
    reached_iter = to_float(last_train.get("iter", last_train.get("step")))
    epoch = to_float(last_train.get("epoch"))
    validates = params.get("val_cfg") is not None or any(key.startswith("val_cfg.") for key in params)
    if isinstance(max_iters, int) and reached_iter is not None and reached_iter >= max_iters:
        return "finished"
    if isinstance(max_epochs, int) and epoch is not None and epoch >= max_epochs:
        return "finished" if validated_after or not validates else "unknown"
    return "unknown"
