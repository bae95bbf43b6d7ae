"""MMEngine's run folder, as MMDetection 3.x, MMSegmentation 1.x, MMPretrain and MMPose 1.x write it:
each `tools/train.py` writes `<work_dir>/<YYYYmmdd_HHMMSS>/vis_data/scalars.json` (JSON Lines: a
training record every logging interval, `{"lr": …, "loss": …, "epoch": 1, "iter": 50, "memory": …,
"step": 50}`, and a validation record after each validation, `{"coco/bbox_mAP": 0.37, "data_time": …,
"time": …, "step": 12}`), the whole config it ran as `vis_data/config.py` (Python, but plain data once
dumped) and its text log `<YYYYmmdd_HHMMSS>.log` beside `vis_data/`, which names the seed the run drew.

Training and validation records share `data_time` and `time` and are stepped differently (training by
iteration; validation by epoch under an EpochBasedTrainLoop): read as one run of JSON Lines they made
one curve of both, and made each training record's `epoch`, `iter` and `memory` a run of its own.

`tools/train.py --resume` starts a new `<YYYYmmdd_HHMMSS>/` run folder in the work_dir, its config.py
saying `resume = True`, its scalars.json going on at the step the checkpoint was saved at."""

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
from resultsbook.sources.resume_chain import ResumeChain
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
_STAMP = re.compile(r"\d{8}_\d{6}")  # a run folder's name: the time the training started
_SEED = re.compile(r"^Runtime environment:\s*$.*?^\s+seed: (-?\d+)\s*$", re.MULTILINE | re.DOTALL)


def is_run_folder(folder: str, names: Collection[str]) -> bool:
    """Tell whether a folder is MMEngine's `vis_data/` holding its scalars.json."""
    return SCALARS_FILE in names and (CONFIG_FILE in names or os.path.basename(folder) == VIS_FOLDER)


def side_files(folder: str, names: Collection[str]) -> list[str]:
    """Return the config.py of a `vis_data/` folder, the `<timestamp>.log` beside the folder and the
    scalars.json of the other run folders of its work_dir (a training resumed with `--resume`
    continues in the next one; the config.py beside each, written once at its start, is read then)."""
    found = [os.path.join(folder, CONFIG_FILE)] if CONFIG_FILE in names else []
    log = _log_path(folder, names)
    return [*found, log, *_other_runs(folder)] if log else [*found, *_other_runs(folder)]


def _other_runs(folder: str) -> list[str]:
    """Return the scalars.json of the other `<work_dir>/<YYYYmmdd_HHMMSS>/vis_data/` folders beside
    the run folder of `folder`, when it is named so: one listing, no stat (a folder without one is
    a file gone in the signature, and holds no training when read)."""
    run = os.path.dirname(folder)
    if os.path.basename(folder) != VIS_FOLDER or not _STAMP.fullmatch(os.path.basename(run)):
        return []
    work_dir = os.path.dirname(run)
    try:
        names = fs.listdir(work_dir)
    except OSError:
        return []
    return [
        os.path.join(work_dir, name, VIS_FOLDER, SCALARS_FILE)
        for name in sorted(names)
        if name != os.path.basename(run) and _STAMP.fullmatch(name)
    ]


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
    seed from the log among `files`, the status from how far the training went. A training resumed
    with `--resume` in a later run folder of its work_dir is one run, this folder's: a folder whose
    training resumes an earlier one's holds no run."""
    problems: list[Problem] = []
    try:
        records = _records(path, problems)
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this file"))
        return ReadResult((), tuple(problems))
    chain = _Chain(path, files)
    earlier = chain.resumed(path) if len(chain.starts) > 1 else []
    if earlier:  # the run is the first folder's: its identity stays when a resume adds a folder
        names = ", ".join(_stamp(f) for f in earlier)
        message = (
            f"resumes the training that run folder {names} logged (its config.py has resume = True, "
            f"from a checkpoint of this work_dir), one run with {'it' if len(earlier) == 1 else 'them'}; "
            "named alone, this folder adds no run: collect its work_dir"
        )
        first_name = "/".join([*name.split("/")[:-1], _stamp(earlier[0])])
        problems.append(Problem(path, message, f"its records, in the run {first_name}"))
        return ReadResult((), tuple(problems))
    later = chain.resumers(path) if len(chain.starts) > 1 else []
    if later:
        records = _joined([records, *(chain.records(f) for f in later)])
    builder = SeriesBuilder()
    shared: set[str] = set()  # fields training records logged: a validation record's are renamed
    last_train: dict[str, Any] | None = None
    validated_after = False
    skipped = 0
    for record in records:
        step = to_float(record.get("step"))
        if step is None:
            skipped += 1
            continue
        training = _is_training(record)
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


def _records(path: str, problems: list[Problem]) -> list[dict[str, Any]]:
    """Return the records of a scalars.json, the first one once (MMEngine writes it twice); raise
    OSError."""
    records: list[dict[str, Any]] = []
    for batch in iter_json_records(path, problems):
        for record in batch:
            if not records or record != records[-1]:
                records.append(record)
    return records


def _is_training(record: dict[str, Any]) -> bool:
    """Tell a training record (LoggerHook logs the learning rate and counters) from a validation one."""
    return not TRAINING_FIELDS.isdisjoint(record)


def _stamp(path: str) -> str:
    """Return the run folder name of a `<work_dir>/<stamp>/vis_data/scalars.json`."""
    return os.path.basename(os.path.dirname(os.path.dirname(path)))


class _Chain(ResumeChain):
    """The run folders of one work_dir, oldest first (by their timestamps): one whose config.py says
    `resume = True` (with `load_from` None, the work_dir's last checkpoint, or a checkpoint of this
    work_dir) continues the latest one before it that logged training."""

    def __init__(self, path: str, files: Sequence[str]) -> None:
        work_dir = os.path.dirname(os.path.dirname(os.path.dirname(path)))
        runs = {
            path,
            *(
                f
                for f in files
                if os.path.basename(f) == SCALARS_FILE
                and os.path.dirname(os.path.dirname(os.path.dirname(f))) == work_dir
            ),
        }
        super().__init__(sorted(runs))
        self.work_dir = os.path.basename(work_dir)
        self._read: dict[str, list[dict[str, Any]]] = {}

    def records(self, path: str) -> list[dict[str, Any]]:
        """Return a run folder's records, none when its scalars.json cannot be read."""
        if path not in self._read:
            try:
                self._read[path] = _records(path, [])
            except OSError:
                self._read[path] = []
        return self._read[path]

    def config_resumes(self, path: str) -> bool:
        """Tell, from the run folder's config.py, whether it resumed from this work_dir."""
        params = config_params(os.path.join(os.path.dirname(path), CONFIG_FILE), [])
        source = params.get("load_from")
        if params.get("resume") is not True:
            return False
        return source is None or (
            isinstance(source, str) and os.path.basename(os.path.dirname(source)) == self.work_dir
        )

    def trained(self, path: str) -> bool:
        """Tell whether a run folder logged training records."""
        return any(map(_is_training, self.records(path)))


def _joined(parts: Sequence[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Join one training's run folders, oldest first: each keeps its training (validation) records
    before the step of the next one's first training (validation) record, which it logged again."""
    joined: list[dict[str, Any]] = []
    for part, following in zip(parts, [*parts[1:], None]):
        cut = {True: float("inf"), False: float("inf")}
        for record in following or ():
            step = to_float(record.get("step"))
            kind = _is_training(record)
            if step is not None and cut[kind] == float("inf"):
                cut[kind] = step
        for record in part:
            step = to_float(record.get("step"))
            if step is None or step < cut[_is_training(record)]:
                joined.append(record)
    return joined


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
